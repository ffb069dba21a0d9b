/* SPDX-License-Identifier: BSD-3-Clause */
/* mamorictl audit verify | show: the audit trail (docs/audit.md). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

#define SHOW_RAW_MAX 120 /* bytes of a malformed line that 'show' prints */

static const char audit_help[] =
	"Usage: mamorictl audit verify [--log FILE] [--key PUBFILE] [--json]\n"
	"       mamorictl audit show [--log FILE] [--json]\n"
	"The audit trail: control actions and signed exports, one JSON line each,\n"
	"hash-chained with BLAKE2b-256 and signed with the appliance's Ed25519 key.\n"
	"\n"
	"Subcommands:\n"
	"  verify   check every entry: its form, seq continuity (1, 2, 3, ...), the\n"
	"           prev links, each hash, each signature and the key rotations; print\n"
	"           the first bad entry's line, seq and what is wrong (malformed, torn,\n"
	"           edited, removed, reordered, forged, keychain, untrusted) and the count\n"
	"  show     print the entries, one a line (not verified: use verify)\n"
	"\n"
	"Options:\n"
	"      --log FILE       the audit log (default STATE_DIR/audit.log)\n"
	"      --key PUBFILE    verify: the public key to trust, any key of the log's\n"
	"                       rotation chain (default STATE_DIR/appliance.pub when it\n"
	"                       exists; without one only the chain's integrity is\n"
	"                       checked, and a warning says so)\n"
	"      --state-dir DIR  the state directory (default $MAMORI_STATE_DIR, else\n"
	"                       /var/lib/mamori)\n"
	"      --json           verify: one report object; show: the entries as JSON lines\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 valid, 1 tampered, torn or untrusted, 2 bad usage, 3 the log or\n"
	"the key could not be read.\n";

/* The report as one JSON object; null where a value does not apply. */
static json_t *
verify_json(const char *path, const struct mm_audit_report *rep, const struct mm_key *trusted)
{
	bool valid = rep->ar_fault == MM_AUDIT_OK;

	return (json_pack("{s:s,s:b,s:s,s:I,s:I,s:I,s:I,s:i,s:s?,s:b,s:s?,s:I,s:s?,s:s?}", "log",
		path, "valid", valid, "fault", mm_audit_fault_name(rep->ar_fault), "line",
		(json_int_t)rep->ar_line, "seq", (json_int_t)rep->ar_seq, "entries",
		(json_int_t)rep->ar_entries, "verified", (json_int_t)rep->ar_verified, "keys",
		(int)rep->ar_keys, "key_fingerprint", rep->ar_keys > 0 ? rep->ar_key_fpr : NULL,
		"trusted", rep->ar_trusted, "trusted_key",
		trusted != NULL ? mm_key_fingerprint(trusted) : NULL, "last_seq",
		(json_int_t)rep->ar_last_seq, "last_hash",
		rep->ar_last_seq > 0 ? rep->ar_last_hash : NULL, "message",
		valid ? NULL : rep->ar_msg));
}

static int
audit_verify(struct ctl *ctl, int argc, char **argv)
{
	const char *log = NULL, *keyfile = NULL;
	const struct ctl_opt opts[] = {
		{ "log", &log, NULL },
		{ "key", &keyfile, NULL },
		{ NULL, NULL, NULL },
	};
	char path[PATH_MAX], from[PATH_MAX];
	struct mm_audit_report rep;
	struct mm_key *trusted = NULL;
	int argi, rv;

	if ((rv = ctl_parse(ctl, &ctl_cmd_audit, "audit verify", argc, argv, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi < argc) {
		ctl_usage_error(&ctl_cmd_audit, "audit verify: unexpected '%s'", argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	if (ctl_log_path(ctl, log, path, sizeof(path)) != 0) {
		ctl_usage_error(&ctl_cmd_audit, "audit verify: log path too long");
		return (CTL_EXIT_USAGE);
	}
	if ((rv = ctl_trusted_key(ctl, keyfile, &trusted, from, sizeof(from))) != CTL_EXIT_OK)
		return (rv);
	if (trusted == NULL)
		ctl_warn("no trusted key (no --key, no %s/%s): checking the chain's integrity, not "
			 "who signed it",
			ctl->c_state_dir, MM_KEY_PUBLIC_FILE);
	if ((rv = mm_audit_verify(path, trusted, &rep)) != 0) {
		ctl_error("audit verify: %s", rep.ar_msg);
		mm_key_free(trusted);
		return (CTL_EXIT_ERROR);
	}
	if (ctl->c_json) {
		ctl_json_print(verify_json(path, &rep, trusted));
	} else if (rep.ar_fault == MM_AUDIT_OK) {
		printf("%s: valid: %" PRIu64 " entries, %u key(s)", path, rep.ar_entries,
			rep.ar_keys);
		if (rep.ar_keys > 0)
			printf(", current key %s%s", rep.ar_key_fpr,
				rep.ar_trusted ? " (chain trusted)"
					       : " (not checked against a trusted key)");
		if (rep.ar_last_seq > 0)
			printf("; last seq %" PRIu64 " hash %s", rep.ar_last_seq, rep.ar_last_hash);
		printf("\n");
		if (rep.ar_trusted)
			printf("trusted key %s from %s\n", mm_key_fingerprint(trusted), from);
	} else {
		printf("%s: line %" PRIu64, path, rep.ar_line);
		if (rep.ar_seq > 0)
			printf(" (seq %" PRIu64 ")", rep.ar_seq);
		printf(": %s: %s\n", mm_audit_fault_name(rep.ar_fault), rep.ar_msg);
		printf("%" PRIu64 " entries; %" PRIu64 " verified before the first bad one\n",
			rep.ar_entries, rep.ar_verified);
	}
	mm_key_free(trusted);
	return (rep.ar_fault == MM_AUDIT_OK ? CTL_EXIT_OK : CTL_EXIT_FAIL);
}

struct show {
	bool s_json;
};

static const char *
field(const json_t *e, const char *name)
{
	const char *s = json_string_value(json_object_get(e, name));

	return (s != NULL ? s : "?");
}

static int
show_entry(void *arg, uint64_t line, const json_t *e, const char *raw, size_t rawlen)
{
	struct show *s = arg;
	char *detail;

	if (e == NULL) {
		fprintf(stderr, "%s: line %" PRIu64 ": not an entry: %.*s%s\n", CTL_PROG, line,
			(int)(rawlen < SHOW_RAW_MAX ? rawlen : SHOW_RAW_MAX), raw,
			rawlen > SHOW_RAW_MAX ? "..." : "");
		return (0);
	}
	if (s->s_json) {
		ctl_json_print(json_incref((json_t *)e));
		return (0);
	}
	detail = json_dumps(json_object_get(e, "detail"), JSON_COMPACT | JSON_SORT_KEYS);
	printf("%6" JSON_INTEGER_FORMAT "  %s  %-22s %-16s %s\n",
		json_integer_value(json_object_get(e, "seq")), field(e, "ts"), field(e, "actor"),
		field(e, "action"), detail != NULL ? detail : "");
	free(detail);
	return (0);
}

static int
audit_show(struct ctl *ctl, int argc, char **argv)
{
	const char *log = NULL;
	const struct ctl_opt opts[] = {
		{ "log", &log, NULL },
		{ NULL, NULL, NULL },
	};
	char path[PATH_MAX], err[MM_AUDIT_ERRLEN];
	struct show s = { .s_json = false };
	int argi, rv;

	if ((rv = ctl_parse(ctl, &ctl_cmd_audit, "audit show", argc, argv, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi < argc) {
		ctl_usage_error(&ctl_cmd_audit, "audit show: unexpected '%s'", argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	if (ctl_log_path(ctl, log, path, sizeof(path)) != 0) {
		ctl_usage_error(&ctl_cmd_audit, "audit show: log path too long");
		return (CTL_EXIT_USAGE);
	}
	s.s_json = ctl->c_json;
	if (!s.s_json)
		printf("%6s  %-27s  %-22s %-16s %s\n", "SEQ", "TIME (UTC)", "ACTOR", "ACTION",
			"DETAIL");
	if ((rv = mm_audit_read(path, show_entry, &s, err, sizeof(err))) != 0) {
		ctl_error("audit show: %s", err);
		return (CTL_EXIT_ERROR);
	}
	return (CTL_EXIT_OK);
}

static int
audit_run(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub != NULL && strcmp(sub, "verify") == 0)
		return (audit_verify(ctl, argc - 1, argv + 1));
	if (sub != NULL && strcmp(sub, "show") == 0)
		return (audit_show(ctl, argc - 1, argv + 1));
	if (sub != NULL && (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)) {
		fputs(audit_help, stdout);
		return (CTL_EXIT_OK);
	}
	ctl_usage_error(&ctl_cmd_audit, "audit: expected 'verify' or 'show'%s%s%s",
		sub != NULL ? ", found '" : "", sub != NULL ? sub : "", sub != NULL ? "'" : "");
	return (CTL_EXIT_USAGE);
}

const struct ctl_cmd ctl_cmd_audit = {
	.cc_name = "audit",
	.cc_summary = "verify or show the signed, hash-chained audit log",
	.cc_help = audit_help,
	.cc_run = audit_run,
};
