/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl sign | verify: detached signatures of the files the appliance
 * hands to others.  Every signature is an export, so each is recorded in the
 * audit log (export.sign).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

static const char sign_help[] =
	"Usage: mamorictl sign [--state-dir DIR] [--log FILE] [--json] FILE...\n"
	"Sign files the appliance hands to others (notification lists, reports, CBOMs)\n"
	"with its Ed25519 key: each FILE gets FILE.sig, a JSON object with the file's\n"
	"name, size, BLAKE2b-256 hash, the public key, its fingerprint, the time and\n"
	"the signature over all of them.  Each signature is recorded in the audit log\n"
	"as an export.sign entry.  The key is created on first use.\n"
	"\n"
	"Options:\n"
	"      --log FILE       the audit log (default STATE_DIR/audit.log)\n"
	"      --state-dir DIR  where the key lives (default $MAMORI_STATE_DIR, else\n"
	"                       /var/lib/mamori)\n"
	"      --json           one JSON object a signed file on stdout\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 all signed, 2 bad usage, 3 a file could not be signed or the\n"
	"signature not recorded.\n";

static const char verify_help[] =
	"Usage: mamorictl verify [--sig SIGFILE] [--key PUBFILE] [--json] FILE...\n"
	"Check files against their detached signatures (FILE.sig, or --sig for one\n"
	"FILE): that the .sig is intact, that the key it names is the trusted one, and\n"
	"that the file is the one that was signed.\n"
	"\n"
	"Options:\n"
	"      --sig SIGFILE    the signature, when not FILE.sig (one FILE only)\n"
	"      --key PUBFILE    the public key to trust (default STATE_DIR/appliance.pub\n"
	"                       when it exists, and the keys earlier rotations archived\n"
	"                       there; without one the .sig's own key is used, which\n"
	"                       proves integrity but not origin: a warning says so)\n"
	"      --state-dir DIR  the state directory (default $MAMORI_STATE_DIR, else\n"
	"                       /var/lib/mamori)\n"
	"      --json           one JSON object a file on stdout\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 all valid, 1 a file changed, a .sig altered or forged, or signed\n"
	"by another key, 2 bad usage, 3 a file or key could not be read.\n";

int
ctl_sign_files(
	const struct ctl *ctl, const char *what, const char *log, char *const *files, size_t n)
{
	char path[PATH_MAX], err[MM_AUDIT_ERRLEN];
	struct mm_audit *a = NULL;
	struct mm_key_signed ks;
	struct mm_key *key;
	uint64_t seq;
	bool created;
	int rv;

	if (ctl_log_path(ctl, log, path, sizeof(path)) != 0) {
		ctl_error("%s: log path too long", what);
		return (CTL_EXIT_USAGE);
	}
	if (mm_key_open(ctl->c_state_dir, &created, &key, err, sizeof(err)) != 0) {
		ctl_error("%s: %s", what, err);
		return (CTL_EXIT_ERROR);
	}
	if (mm_audit_open(path, key, &a, err, sizeof(err)) != 0) {
		ctl_error("%s: %s", what, err);
		mm_key_free(key);
		return (CTL_EXIT_ERROR);
	}
	rv = CTL_EXIT_OK;
	if (created) {
		json_t *d = json_pack("{s:s, s:s}", "fingerprint", mm_key_fingerprint(key),
			"public_key", mm_key_public_hex(key));

		if (mm_audit_append(a, ctl_actor(), "key.create", d, NULL, err, sizeof(err)) != 0) {
			ctl_error("%s: key created in %s, but not recorded: %s", what,
				ctl->c_state_dir, err);
			rv = CTL_EXIT_ERROR;
		}
		json_decref(d);
	}
	for (size_t i = 0; i < n && rv == CTL_EXIT_OK; i++) {
		if (mm_audit_sign_export(a, files[i], ctl_actor(), &ks, &seq, err, sizeof(err)) !=
			0) {
			ctl_error("%s: %s", what, err);
			rv = CTL_EXIT_ERROR;
			break;
		}
		if (ctl->c_json)
			ctl_json_print(json_pack("{s:s, s:s+, s:I, s:s, s:s, s:s, s:I}", "file",
				files[i], "sig_file", files[i], MM_KEY_SIG_SUFFIX, "size",
				(json_int_t)ks.ks_size, "blake2b", ks.ks_hash, "fingerprint",
				mm_key_fingerprint(key), "signed_at", ks.ks_signed_at, "audit_seq",
				(json_int_t)seq));
		else
			printf("%s%s: signed %s (%" PRIu64
			       " bytes, BLAKE2b-256 %s) with key %s; audit seq %" PRIu64 "\n",
				files[i], MM_KEY_SIG_SUFFIX, files[i], ks.ks_size, ks.ks_hash,
				mm_key_fingerprint(key), seq);
	}
	mm_audit_close(a);
	mm_key_free(key);
	return (rv);
}

static int
sign_run(struct ctl *ctl, int argc, char **argv)
{
	const char *log = NULL;
	const struct ctl_opt opts[] = {
		{ "log", &log, NULL },
		{ NULL, NULL, NULL },
	};
	int argi, rv;

	if ((rv = ctl_parse(ctl, &ctl_cmd_sign, "sign", argc, argv, opts, &argi)) != CTL_CONTINUE)
		return (rv);
	if (argi >= argc) {
		ctl_usage_error(&ctl_cmd_sign, "sign: no FILE to sign");
		return (CTL_EXIT_USAGE);
	}
	return (ctl_sign_files(ctl, "sign", log, argv + argi, (size_t)(argc - argi)));
}

/*
 * Files signed before a rotation name a key that is now archived in the state
 * directory: with the default trusted key, that archived key is the
 * appliance's too (the audit log's key.rotate entries link them).
 */
static int
verify_archived(const struct ctl *ctl, const char *file, const char *sig, struct mm_key_check *chk,
	char *from, size_t fromlen)
{
	char path[PATH_MAX], err[MM_KEY_ERRLEN];
	json_t *arch = ctl_archived_keys(ctl->c_state_dir), *a;
	struct mm_key *key;
	size_t i;
	int rv = -EBADMSG;

	json_array_foreach(arch, i, a)
	{
		if (strcmp(json_string_value(json_object_get(a, "fingerprint")), chk->kc_fpr) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ctl->c_state_dir,
			json_string_value(json_object_get(a, "file")));
		if (mm_key_load_public(path, &key, err, sizeof(err)) != 0)
			break;
		rv = mm_key_verify_file(file, sig, key, chk);
		mm_key_free(key);
		snprintf(from, fromlen, "%s, archived by a rotation", path);
		break;
	}
	json_decref(arch);
	return (rv);
}

/* Checks one file; prints the verdict.  Returns an exit status. */
static int
verify_one(const struct ctl *ctl, const char *file, const char *sig, const struct mm_key *trusted,
	bool state_key, const char *keyfrom)
{
	struct mm_key_check chk;
	char from[PATH_MAX + 32];
	int rv = mm_key_verify_file(file, sig, trusted, &chk);

	snprintf(from, sizeof(from), "%s", keyfrom);
	if (rv == -EBADMSG && chk.kc_verdict == MM_KEY_UNTRUSTED && state_key)
		rv = verify_archived(ctl, file, sig, &chk, from, sizeof(from));
	if (rv != 0 && rv != -EBADMSG) {
		ctl_error("verify: %s", chk.kc_msg);
		return (CTL_EXIT_ERROR);
	}
	if (ctl->c_json) {
		ctl_json_print(json_pack("{s:s, s:b, s:s, s:s?, s:b, s:s?, s:s?, s:s?}", "file",
			file, "valid", rv == 0, "verdict", mm_key_verdict_name(chk.kc_verdict),
			"fingerprint", chk.kc_fpr[0] != '\0' ? chk.kc_fpr : NULL, "trusted",
			chk.kc_trusted, "signed_at",
			chk.kc_signed_at[0] != '\0' ? chk.kc_signed_at : NULL, "blake2b",
			chk.kc_hash[0] != '\0' ? chk.kc_hash : NULL, "message",
			chk.kc_msg[0] != '\0' ? chk.kc_msg : NULL));
	} else if (rv == 0) {
		printf("%s: valid signature by key %s, signed at %s", file, chk.kc_fpr,
			chk.kc_signed_at);
		if (chk.kc_trusted)
			printf(" (trusted key from %s)", from);
		printf("\n");
	} else {
		printf("%s: INVALID (%s): %s\n", file, mm_key_verdict_name(chk.kc_verdict),
			chk.kc_msg);
	}
	if (rv == 0 && !chk.kc_trusted)
		ctl_warn("%s", chk.kc_msg);
	return (rv == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL);
}

static int
verify_run(struct ctl *ctl, int argc, char **argv)
{
	const char *sig = NULL, *keyfile = NULL;
	const struct ctl_opt opts[] = {
		{ "sig", &sig, NULL },
		{ "key", &keyfile, NULL },
		{ NULL, NULL, NULL },
	};
	char from[PATH_MAX];
	struct mm_key *trusted;
	int argi, rv, worst = CTL_EXIT_OK;

	if ((rv = ctl_parse(ctl, &ctl_cmd_verify, "verify", argc, argv, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi >= argc) {
		ctl_usage_error(&ctl_cmd_verify, "verify: no FILE to check");
		return (CTL_EXIT_USAGE);
	}
	if (sig != NULL && argc - argi > 1) {
		ctl_usage_error(
			&ctl_cmd_verify, "verify: --sig goes with one FILE, not %d", argc - argi);
		return (CTL_EXIT_USAGE);
	}
	if ((rv = ctl_trusted_key(ctl, keyfile, &trusted, from, sizeof(from))) != CTL_EXIT_OK)
		return (rv);
	for (int i = argi; i < argc; i++) {
		rv = verify_one(ctl, argv[i], sig, trusted, keyfile == NULL, from);
		/* An unreadable file (3) outranks an invalid one (1). */
		if (rv > worst)
			worst = rv;
	}
	mm_key_free(trusted);
	return (worst);
}

const struct ctl_cmd ctl_cmd_sign = {
	.cc_name = "sign",
	.cc_summary = "sign files handed to others (FILE.sig) and record it in the audit log",
	.cc_help = sign_help,
	.cc_run = sign_run,
};

const struct ctl_cmd ctl_cmd_verify = {
	.cc_name = "verify",
	.cc_summary = "check files against their signatures",
	.cc_help = verify_help,
	.cc_run = verify_run,
};
