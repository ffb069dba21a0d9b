/* SPDX-License-Identifier: BSD-3-Clause */
/* mamorictl key init | show | rotate: the appliance's Ed25519 key pair. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

static const char key_help[] =
	"Usage: mamorictl key init [--state-dir DIR] [--log FILE] [--json]\n"
	"       mamorictl key show [--state-dir DIR] [--json]\n"
	"       mamorictl key rotate [--state-dir DIR] [--log FILE] [--json]\n"
	"The appliance's Ed25519 key pair: it signs the audit log and every file the\n"
	"appliance hands to others.\n"
	"\n"
	"Subcommands:\n"
	"  init     create the pair if the state directory has none: appliance.key\n"
	"           (mode 0600) and appliance.pub (0644); records key.create in the\n"
	"           audit log; with a key already there, shows it and changes nothing\n"
	"  show     print the fingerprint (BLAKE2b-128 of the public key), the public\n"
	"           key, the files, and the archived keys of earlier rotations; needs\n"
	"           only the public file\n"
	"  rotate   replace the pair: the audit log gets a key.rotate entry signed by\n"
	"           the old key naming the new one, then the new key's key.init, so\n"
	"           verification follows the chain; the old pair is kept as\n"
	"           appliance.{key,pub}.<UTC time>\n"
	"\n"
	"Options:\n"
	"      --state-dir DIR  where the pair lives (default $MAMORI_STATE_DIR, else\n"
	"                       /var/lib/mamori)\n"
	"      --log FILE       the audit log (default STATE_DIR/audit.log)\n"
	"      --json           one JSON object on stdout\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 done, 2 bad usage, 3 could not be done (the message says why).\n";

static int
key_parse(struct ctl *ctl, const char *what, int argc, char **argv, const char **log)
{
	const struct ctl_opt opts[] = {
		{ "log", log, NULL },
		{ NULL, NULL, NULL },
	};
	int argi, rv;

	/* --log only where the log is written. */
	rv = ctl_parse(ctl, &ctl_cmd_key, what, argc, argv, log != NULL ? opts : NULL, &argi);
	if (rv != CTL_CONTINUE)
		return (rv);
	if (argi < argc) {
		ctl_usage_error(&ctl_cmd_key, "%s: unexpected '%s'", what, argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	return (CTL_CONTINUE);
}

static int
key_init(struct ctl *ctl, int argc, char **argv)
{
	char err[MM_AUDIT_ERRLEN], path[PATH_MAX];
	const char *log = NULL;
	struct mm_audit *a = NULL;
	struct mm_key *key;
	uint64_t seq = 0;
	bool created;
	json_t *detail;
	int rv;

	if ((rv = key_parse(ctl, "key init", argc, argv, &log)) != CTL_CONTINUE)
		return (rv);
	if (mm_key_open(ctl->c_state_dir, &created, &key, err, sizeof(err)) != 0) {
		ctl_error("key init: %s", err);
		return (CTL_EXIT_ERROR);
	}
	rv = CTL_EXIT_OK;
	if (created) {
		detail = json_pack("{s:s, s:s}", "fingerprint", mm_key_fingerprint(key),
			"public_key", mm_key_public_hex(key));
		if (ctl_log_path(ctl, log, path, sizeof(path)) != 0 ||
			mm_audit_open(path, key, &a, err, sizeof(err)) != 0 ||
			mm_audit_append(a, ctl_actor(), "key.create", detail, &seq, err,
				sizeof(err)) != 0) {
			ctl_error("key init: key created, but not recorded: %s", err);
			rv = CTL_EXIT_ERROR;
		}
		mm_audit_close(a);
		json_decref(detail);
	}
	if (ctl->c_json)
		ctl_json_print(
			json_pack("{s:b, s:s, s:s, s:s, s:I}", "created", created, "fingerprint",
				mm_key_fingerprint(key), "public_key", mm_key_public_hex(key),
				"state_dir", ctl->c_state_dir, "audit_seq", (json_int_t)seq));
	else if (created)
		printf("created key %s in %s (%s mode 0600, %s mode 0644)\n",
			mm_key_fingerprint(key), ctl->c_state_dir, MM_KEY_SECRET_FILE,
			MM_KEY_PUBLIC_FILE);
	else
		printf("key %s already in %s; nothing changed\n", mm_key_fingerprint(key),
			ctl->c_state_dir);
	mm_key_free(key);
	return (rv);
}

static int
key_show(struct ctl *ctl, int argc, char **argv)
{
	char path[PATH_MAX], secret[PATH_MAX], err[MM_KEY_ERRLEN];
	struct mm_key *key;
	json_t *arch, *a;
	size_t i;
	int rv;

	if ((rv = key_parse(ctl, "key show", argc, argv, NULL)) != CTL_CONTINUE)
		return (rv);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ctl->c_state_dir, MM_KEY_PUBLIC_FILE) >=
			sizeof(path) ||
		(size_t)snprintf(secret, sizeof(secret), "%s/%s", ctl->c_state_dir,
			MM_KEY_SECRET_FILE) >= sizeof(secret)) {
		ctl_usage_error(&ctl_cmd_key, "key show: --state-dir too long");
		return (CTL_EXIT_USAGE);
	}
	if ((rv = mm_key_load_public(path, &key, err, sizeof(err))) != 0) {
		ctl_error("key show: %s%s", err,
			rv == -ENOENT ? "; run 'mamorictl key init' to create the key" : "");
		return (CTL_EXIT_ERROR);
	}
	arch = ctl_archived_keys(ctl->c_state_dir);
	if (ctl->c_json) {
		ctl_json_print(json_pack("{s:s, s:s, s:s, s:s, s:O}", "fingerprint",
			mm_key_fingerprint(key), "public_key", mm_key_public_hex(key),
			"public_file", path, "secret_file", secret, "archived", arch));
	} else {
		printf("fingerprint  %s\n"
		       "public key   %s\n"
		       "public file  %s\n"
		       "secret file  %s\n",
			mm_key_fingerprint(key), mm_key_public_hex(key), path, secret);
		json_array_foreach(arch, i, a)
		{
			printf("archived     %s  %s\n",
				json_string_value(json_object_get(a, "fingerprint")),
				json_string_value(json_object_get(a, "file")));
		}
	}
	json_decref(arch);
	mm_key_free(key);
	return (CTL_EXIT_OK);
}

static int
key_rotate(struct ctl *ctl, int argc, char **argv)
{
	char err[MM_KEY_ERRLEN], path[PATH_MAX];
	struct mm_key_rotation rot;
	const char *log = NULL;
	int rv;

	if ((rv = key_parse(ctl, "key rotate", argc, argv, &log)) != CTL_CONTINUE)
		return (rv);
	if (ctl_log_path(ctl, log, path, sizeof(path)) != 0) {
		ctl_usage_error(&ctl_cmd_key, "key rotate: log path too long");
		return (CTL_EXIT_USAGE);
	}
	if (mm_key_rotate(ctl->c_state_dir, path, ctl_actor(), &rot, err, sizeof(err)) != 0) {
		ctl_error("key rotate: %s", err);
		return (CTL_EXIT_ERROR);
	}
	if (ctl->c_json)
		ctl_json_print(json_pack("{s:s, s:s, s:s, s:s, s:I}", "old_fingerprint",
			rot.kr_old_fpr, "new_fingerprint", rot.kr_new_fpr, "archived_as",
			rot.kr_suffix, "audit_log", path, "audit_seq", (json_int_t)rot.kr_seq));
	else
		printf("rotated key %s -> %s\n"
		       "old pair archived as %s/%s.%s and %s.%s\n"
		       "recorded in %s as seq %" PRIu64 " (key.rotate) and %" PRIu64
		       " (key.init)\n",
			rot.kr_old_fpr, rot.kr_new_fpr, ctl->c_state_dir, MM_KEY_SECRET_FILE,
			rot.kr_suffix, MM_KEY_PUBLIC_FILE, rot.kr_suffix, path, rot.kr_seq,
			rot.kr_seq + 1);
	return (CTL_EXIT_OK);
}

static int
key_run(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub != NULL && strcmp(sub, "init") == 0)
		return (key_init(ctl, argc - 1, argv + 1));
	if (sub != NULL && strcmp(sub, "show") == 0)
		return (key_show(ctl, argc - 1, argv + 1));
	if (sub != NULL && strcmp(sub, "rotate") == 0)
		return (key_rotate(ctl, argc - 1, argv + 1));
	if (sub != NULL && (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)) {
		fputs(key_help, stdout);
		return (CTL_EXIT_OK);
	}
	ctl_usage_error(&ctl_cmd_key, "key: expected 'init', 'show' or 'rotate'%s%s%s",
		sub != NULL ? ", found '" : "", sub != NULL ? sub : "", sub != NULL ? "'" : "");
	return (CTL_EXIT_USAGE);
}

const struct ctl_cmd ctl_cmd_key = {
	.cc_name = "key",
	.cc_summary = "create, show or rotate the appliance's signing key",
	.cc_help = key_help,
	.cc_run = key_run,
};
