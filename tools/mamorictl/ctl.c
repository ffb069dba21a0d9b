/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What mamorictl's commands share: option parsing, messages, the actor, the
 * default paths and the trusted key.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "ctl.h"
#include "mamori/bus.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

#define CTL_MAX_OPTS  16
#define CTL_ACTOR_MAX 96

enum {
	CTL_OPT_STATE_DIR = 256,
	CTL_OPT_JSON,
	CTL_OPT_OWN, /* the command's own options: CTL_OPT_OWN + index */
};

void
ctl_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CTL_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", CTL_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CTL_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		fprintf(stderr, "\nTry '%s help %s'.\n", CTL_PROG, cmd->cc_name);
	else
		fprintf(stderr, "\nTry '%s --help'.\n", CTL_PROG);
}

int
ctl_parse(struct ctl *ctl, const struct ctl_cmd *cmd, const char *what, int argc, char **argv,
	const struct ctl_opt *opts, int *argi)
{
	struct option lo[CTL_MAX_OPTS + 4];
	size_t n = 0;
	int c;

	for (; opts != NULL && opts[n].co_name != NULL && n < CTL_MAX_OPTS; n++)
		lo[n] = (struct option){ opts[n].co_name,
			opts[n].co_str != NULL ? required_argument : no_argument, NULL,
			CTL_OPT_OWN + (int)n };
	lo[n++] = (struct option){ "state-dir", required_argument, NULL, CTL_OPT_STATE_DIR };
	lo[n++] = (struct option){ "json", no_argument, NULL, CTL_OPT_JSON };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	/* optind 0 makes glibc start afresh for each (sub)command's argv. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd->cc_help, stdout);
			return (CTL_EXIT_OK);
		case CTL_OPT_STATE_DIR:
			ctl->c_state_dir = optarg;
			break;
		case CTL_OPT_JSON:
			ctl->c_json = true;
			break;
		case ':':
			ctl_usage_error(
				cmd, "%s: option '%s' needs a value", what, argv[optind - 1]);
			return (CTL_EXIT_USAGE);
		case '?':
			if (optopt != 0)
				ctl_usage_error(cmd, "%s: unknown option '-%c'", what, optopt);
			else
				ctl_usage_error(
					cmd, "%s: unknown option '%s'", what, argv[optind - 1]);
			return (CTL_EXIT_USAGE);
		default:
			if (opts[c - CTL_OPT_OWN].co_str != NULL)
				*opts[c - CTL_OPT_OWN].co_str = optarg;
			else
				*opts[c - CTL_OPT_OWN].co_flag = true;
		}
	}
	/* Resolved here: --state-dir may come before or after the command. */
	ctl->c_state_dir = mm_key_state_dir(ctl->c_state_dir);
	*argi = optind;
	return (CTL_CONTINUE);
}

const char *
ctl_actor(void)
{
	static char actor[CTL_ACTOR_MAX];
	const struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	/* Under sudo, the person matters more than root. */
	if (getuid() == 0 && sudo != NULL && sudo[0] != '\0')
		snprintf(actor, sizeof(actor), "%s:%s(sudo)", CTL_PROG, sudo);
	else if (pw != NULL)
		snprintf(actor, sizeof(actor), "%s:%s", CTL_PROG, pw->pw_name);
	else
		snprintf(actor, sizeof(actor), "%s:uid%u", CTL_PROG, (unsigned)getuid());
	return (actor);
}

int
ctl_log_path(const struct ctl *ctl, const char *log, char *buf, size_t len)
{
	if (log != NULL) {
		if ((size_t)snprintf(buf, len, "%s", log) >= len)
			return (-ENAMETOOLONG);
		return (0);
	}
	return (mm_audit_path(ctl->c_state_dir, buf, len));
}

int
ctl_trusted_key(const struct ctl *ctl, const char *keyfile, struct mm_key **keyp, char *from,
	size_t fromlen)
{
	char path[PATH_MAX], err[MM_KEY_ERRLEN];
	int rv;

	*keyp = NULL;
	from[0] = '\0';
	if (keyfile == NULL) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", ctl->c_state_dir,
			    MM_KEY_PUBLIC_FILE) >= sizeof(path)) {
			ctl_error("--state-dir %s: path too long", ctl->c_state_dir);
			return (CTL_EXIT_USAGE);
		}
		if (access(path, F_OK) != 0)
			return (CTL_EXIT_OK);
		keyfile = path;
	}
	if ((rv = mm_key_load_public(keyfile, keyp, err, sizeof(err))) != 0) {
		ctl_error("trusted key: %s", err);
		return (CTL_EXIT_ERROR);
	}
	snprintf(from, fromlen, "%s", keyfile);
	return (CTL_EXIT_OK);
}

/* appliance.pub.<suffix> files: the public halves of rotated-out keys. */
json_t *
ctl_archived_keys(const char *dir)
{
	static const char prefix[] = MM_KEY_PUBLIC_FILE ".";
	char path[PATH_MAX], err[MM_KEY_ERRLEN];
	json_t *list = json_array();
	struct mm_key *k;
	struct dirent *de;
	DIR *d;

	if (list == NULL || (d = opendir(dir)) == NULL)
		return (list);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1) != 0 ||
			strcmp(de->d_name + sizeof(prefix) - 1, "new") == 0 ||
			(size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
				sizeof(path) ||
			mm_key_load_public(path, &k, err, sizeof(err)) != 0)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s}", "file", de->d_name,
						    "fingerprint", mm_key_fingerprint(k)));
		mm_key_free(k);
	}
	closedir(d);
	return (list);
}

void
ctl_json_print(json_t *obj)
{
	if (obj == NULL) {
		ctl_error("out of memory building the JSON output");
		return;
	}
	json_dumpf(obj, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(obj);
}

/* Sends one request and returns the answer's object, or NULL with the reason printed. */
json_t *
ctl_request(const char *url, json_t *req, int timeout_ms)
{
	nng_socket s;
	char *text = json_dumps(req, JSON_COMPACT), *buf = NULL;
	size_t len = 0;
	json_error_t jerr;
	json_t *ans = NULL;
	int rv;

	if (text == NULL)
		return (NULL);
	if ((rv = nng_req0_open(&s)) != 0) {
		ctl_error("control: %s", nng_strerror(rv));
		free(text);
		return (NULL);
	}
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout_ms);
	if ((rv = nng_dial(s, url, NULL, 0)) != 0) {
		ctl_error("cannot reach mamorid at %s: %s (is it running? see --control)", url,
			nng_strerror(rv));
	} else if ((rv = nng_send(s, text, strlen(text), 0)) != 0 ||
		   (rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
		ctl_error("mamorid at %s did not answer: %s", url, nng_strerror(rv));
	} else if ((ans = json_loadb(buf, len, 0, &jerr)) == NULL || !json_is_object(ans)) {
		ctl_error("mamorid at %s answered something that is not JSON: %s", url, jerr.text);
		json_decref(ans);
		ans = NULL;
	}
	if (buf != NULL)
		nng_free(buf, len);
	nng_close(s);
	free(text);
	return (ans);
}
