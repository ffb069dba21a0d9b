/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl's command table and what the commands share.
 *
 * A command group is one file (cmd_<group>.c) exporting a struct ctl_cmd;
 * commands.c lists them.  Adding a group (status, stats, plugins, reload,
 * replay, export, seal, exercise) is a new file, one line there and one in
 * CMakeLists.txt.  Each run function gets argv from the command's name on and
 * returns the exit status.
 */
#ifndef MAMORICTL_CTL_H
#define MAMORICTL_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mamori/keys.h"

#define CTL_PROG "mamorictl"

/* Exit statuses, the same for every command (docs/mamorictl.md, EXIT STATUS). */
#define CTL_EXIT_OK    0 /* done; or the checked thing is valid */
#define CTL_EXIT_FAIL  1 /* the checked thing is invalid (tampered, forged, untrusted) */
#define CTL_EXIT_USAGE 2 /* bad command line */
#define CTL_EXIT_ERROR 3 /* could not be done: a file unreadable, no key, I/O */

/* Returned by ctl_parse when the command goes on. */
#define CTL_CONTINUE (-1)

struct ctl {
	const char *c_state_dir; /* --state-dir, else $MAMORI_STATE_DIR, else the default */
	bool c_json;             /* --json: one JSON object a line on stdout */
};

struct ctl_cmd {
	const char *cc_name;
	const char *cc_summary; /* one line in 'mamorictl help' */
	const char *cc_help;    /* the whole help of the group */
	int (*cc_run)(struct ctl *ctl, int argc, char **argv);
};

/* NULL-terminated, in the order 'mamorictl help' lists them. */
extern const struct ctl_cmd *const ctl_cmds[];

extern const struct ctl_cmd ctl_cmd_audit;
extern const struct ctl_cmd ctl_cmd_key;
extern const struct ctl_cmd ctl_cmd_sign;
extern const struct ctl_cmd ctl_cmd_verify;
extern const struct ctl_cmd ctl_cmd_status;
extern const struct ctl_cmd ctl_cmd_stats;
extern const struct ctl_cmd ctl_cmd_plugins;
extern const struct ctl_cmd ctl_cmd_reload;
extern const struct ctl_cmd ctl_cmd_stop;
extern const struct ctl_cmd ctl_cmd_events;
extern const struct ctl_cmd ctl_cmd_store;
extern const struct ctl_cmd ctl_cmd_exercise;
extern const struct ctl_cmd ctl_cmd_seal;
extern const struct ctl_cmd ctl_cmd_pqc;
extern const struct ctl_cmd ctl_cmd_c2;

const struct ctl_cmd *ctl_cmd_find(const char *name);

/*
 * One option of a command: a string (co_str) or a flag (co_flag).  The common
 * ones (--state-dir, --json, -h/--help) are added by ctl_parse.
 */
struct ctl_opt {
	const char *co_name;
	const char **co_str;
	bool *co_flag;
};

/*
 * Parses argv[0] (the (sub)command's name, used in messages as "what") and its
 * options into opts and ctl; *argi gets the index of the first operand.
 * Returns CTL_CONTINUE, or the exit status after --help or a bad option.
 */
int ctl_parse(struct ctl *ctl, const struct ctl_cmd *cmd, const char *what, int argc, char **argv,
	const struct ctl_opt *opts, int *argi);

void ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Who the audit log records for this run: "mamorictl:<user>". */
const char *ctl_actor(void);
/* The audit log: --log if given, else STATE_DIR/audit.log. */
int ctl_log_path(const struct ctl *ctl, const char *log, char *buf, size_t len);
/*
 * The key to trust: --key if given, else STATE_DIR/appliance.pub when it
 * exists (*from says which file), else *keyp is NULL.  Returns an exit status.
 */
int ctl_trusted_key(const struct ctl *ctl, const char *keyfile, struct mm_key **keyp, char *from,
	size_t fromlen);
/*
 * The public halves of rotated-out keys in dir (appliance.pub.<suffix>):
 * [{"file": NAME, "fingerprint": FPR}, ...].
 */
json_t *ctl_archived_keys(const char *dir);
/* Prints obj as one compact JSON line on stdout and frees it. */
void ctl_json_print(json_t *obj);

/*
 * Signs files[0..n-1] with the appliance key (created, and recorded, if there
 * is none yet) and records each in the audit log (log NULL: the default), as
 * 'mamorictl sign' does; what names the command in messages.  Prints one line
 * (or JSON object) per file; returns a CTL_EXIT_* status.
 */
int ctl_sign_files(
	const struct ctl *ctl, const char *what, const char *log, char *const *files, size_t n);
/*
 * Sends a JSON request over nng req/rep (mamorid's control socket, the
 * store's query socket) and returns the answer, or NULL with the reason
 * printed.
 */
json_t *ctl_request(const char *url, json_t *req, int timeout_ms);

#endif /* MAMORICTL_CTL_H */
