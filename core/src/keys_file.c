/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detached signatures of the files the appliance hands to others (see
 * mamori/keys.h for the .sig format).  The signature covers the canonical
 * bytes of the .sig object, so the file's name, size and signing time are as
 * authentic as its hash; receivers without Mamori check it as docs/audit.md
 * shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keys_int.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

int
mm_key_hash_file(const char *path, unsigned char hash[MM_KEY_HASH_LEN], uint64_t *size, char *err,
	size_t errlen)
{
	crypto_generichash_state st;
	unsigned char *buf;
	uint64_t total = 0;
	ssize_t n;
	int fd, rv = 0;

	if ((rv = key_sodium(err, errlen)) != 0)
		return (rv);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return (rv);
	}
	if ((buf = malloc(KEY_HASH_CHUNK)) == NULL) {
		close(fd);
		key_err(err, errlen, "%s: out of memory", path);
		return (-ENOMEM);
	}
	crypto_generichash_init(&st, NULL, 0, MM_KEY_HASH_LEN);
	while ((n = read(fd, buf, KEY_HASH_CHUNK)) > 0) {
		crypto_generichash_update(&st, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (n < 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	} else {
		crypto_generichash_final(&st, hash, MM_KEY_HASH_LEN);
		if (size != NULL)
			*size = total;
	}
	free(buf);
	close(fd);
	return (rv);
}

/* The .sig object for a file, without "sig". */
static json_t *
key_sig_doc(const struct mm_key *key, const char *path, const char *hash_hex, uint64_t size,
	const char *signed_at)
{
	const char *base = strrchr(path, '/');

	return (json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "format",
		MM_KEY_SIG_FORMAT, "alg", "ed25519", "hash", "blake2b-256", "file",
		base != NULL ? base + 1 : path, "size", (json_int_t)size, "blake2b", hash_hex,
		"key", key->k_pk_hex, "fingerprint", key->k_fpr, "signed_at", signed_at));
}

int
mm_key_sign_file(const struct mm_key *key, const char *path, struct mm_key_signed *out, char *err,
	size_t errlen)
{
	unsigned char hash[MM_KEY_HASH_LEN], sig[MM_KEY_SIG_LEN];
	char hash_hex[MM_KEY_HASHHEX_LEN], sig_hex[MM_KEY_SIGHEX_LEN], when[MM_KEY_TIME_LEN];
	char sigpath[PATH_MAX];
	char *canon = NULL, *text = NULL, *line = NULL;
	size_t canon_len;
	uint64_t size;
	json_t *doc;
	int rv;

	if (key->k_sk == NULL) {
		key_err(err, errlen, "%s: cannot sign with a public key (fingerprint %s)", path,
			key->k_fpr);
		return (-EPERM);
	}
	if ((size_t)snprintf(sigpath, sizeof(sigpath), "%s%s", path, MM_KEY_SIG_SUFFIX) >=
		sizeof(sigpath)) {
		key_err(err, errlen, "%s: path too long", path);
		return (-ENAMETOOLONG);
	}
	if ((rv = mm_key_hash_file(path, hash, &size, err, errlen)) != 0)
		return (rv);
	sodium_bin2hex(hash_hex, sizeof(hash_hex), hash, sizeof(hash));
	mm_audit_time(when, sizeof(when));
	if ((doc = key_sig_doc(key, path, hash_hex, size, when)) == NULL) {
		key_err(err, errlen, "%s: cannot describe the file (is its name UTF-8?)", path);
		return (-EINVAL);
	}
	if ((rv = mm_audit_canonical(doc, &canon, &canon_len, err, errlen)) != 0)
		goto out;
	crypto_sign_detached(sig, NULL, (const unsigned char *)canon, canon_len, key->k_sk);
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	if (json_object_set_new(doc, "sig", json_string(sig_hex)) != 0 ||
		(text = json_dumps(doc, JSON_COMPACT)) == NULL) {
		key_err(err, errlen, "%s: out of memory", sigpath);
		rv = -ENOMEM;
		goto out;
	}
	/* A text file ends with a newline. */
	if (asprintf(&line, "%s\n", text) < 0) {
		line = NULL;
		rv = -ENOMEM;
		goto out;
	}
	if ((rv = key_write_file(sigpath, line, strlen(line), 0644, false, err, errlen)) != 0)
		goto out;
	if (out != NULL) {
		memcpy(out->ks_hash, hash_hex, sizeof(out->ks_hash));
		out->ks_size = size;
		snprintf(out->ks_signed_at, sizeof(out->ks_signed_at), "%s", when);
	}
out:
	free(canon);
	free(text);
	free(line);
	json_decref(doc);
	return (rv);
}

const char *
mm_key_verdict_name(enum mm_key_verdict v)
{
	switch (v) {
	case MM_KEY_VALID:
		return ("valid");
	case MM_KEY_MALFORMED:
		return ("malformed");
	case MM_KEY_BAD_SIGNATURE:
		return ("bad-signature");
	case MM_KEY_UNTRUSTED:
		return ("untrusted");
	case MM_KEY_CONTENT_CHANGED:
		return ("content-changed");
	}
	return ("unknown");
}

/* A string member of the .sig; NULL (and a MALFORMED message) when absent or not a string. */
static const char *
key_sig_str(const json_t *doc, const char *name, const char *sigpath, struct mm_key_check *chk)
{
	const char *s = json_string_value(json_object_get(doc, name));

	if (s == NULL && chk->kc_verdict == MM_KEY_VALID) {
		chk->kc_verdict = MM_KEY_MALFORMED;
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s: field \"%s\" missing or not a string", sigpath, name);
	}
	return (s);
}

/* Parses and checks the form of a .sig; kc_verdict MALFORMED on failure. */
static json_t *
key_sig_parse(const char *sigpath, unsigned char pk[MM_KEY_PUBLIC_LEN],
	unsigned char sig[MM_KEY_SIG_LEN], unsigned char hash[MM_KEY_HASH_LEN], uint64_t *size,
	struct mm_key_check *chk)
{
	char buf[KEY_SIGFILE_MAX];
	const char *format, *alg, *halg, *key, *fpr, *sig_hex, *hash_hex, *when;
	json_error_t jerr;
	json_t *doc, *jsize;
	size_t len;
	int rv;

	if ((rv = key_read_small(sigpath, buf, sizeof(buf), &len, NULL, chk->kc_msg,
		     sizeof(chk->kc_msg))) != 0) {
		chk->kc_verdict = MM_KEY_MALFORMED;
		return (NULL);
	}
	if ((doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
		!json_is_object(doc)) {
		chk->kc_verdict = MM_KEY_MALFORMED;
		key_err(chk->kc_msg, sizeof(chk->kc_msg), "%s: expected a JSON object: %s", sigpath,
			doc == NULL ? jerr.text : "found another JSON value");
		json_decref(doc);
		return (NULL);
	}
	format = key_sig_str(doc, "format", sigpath, chk);
	alg = key_sig_str(doc, "alg", sigpath, chk);
	halg = key_sig_str(doc, "hash", sigpath, chk);
	key = key_sig_str(doc, "key", sigpath, chk);
	fpr = key_sig_str(doc, "fingerprint", sigpath, chk);
	sig_hex = key_sig_str(doc, "sig", sigpath, chk);
	hash_hex = key_sig_str(doc, "blake2b", sigpath, chk);
	when = key_sig_str(doc, "signed_at", sigpath, chk);
	key_sig_str(doc, "file", sigpath, chk);
	jsize = json_object_get(doc, "size");
	if (chk->kc_verdict != MM_KEY_VALID)
		goto bad;
	if (strcmp(format, MM_KEY_SIG_FORMAT) != 0 || strcmp(alg, "ed25519") != 0 ||
		strcmp(halg, "blake2b-256") != 0) {
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s: expected format \"%s\", alg \"ed25519\", hash \"blake2b-256\"; found "
			"\"%s\", \"%s\", \"%s\"",
			sigpath, MM_KEY_SIG_FORMAT, format, alg, halg);
		goto bad_set;
	}
	if (!json_is_integer(jsize) || json_integer_value(jsize) < 0) {
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s: field \"size\" must be a whole number of bytes", sigpath);
		goto bad_set;
	}
	*size = (uint64_t)json_integer_value(jsize);
	if (key_unhex(key, strlen(key), pk, MM_KEY_PUBLIC_LEN) != 0 ||
		key_unhex(sig_hex, strlen(sig_hex), sig, MM_KEY_SIG_LEN) != 0 ||
		key_unhex(hash_hex, strlen(hash_hex), hash, MM_KEY_HASH_LEN) != 0) {
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s: \"key\", \"blake2b\" and \"sig\" must be %d, %d and %d hex digits",
			sigpath, 2 * MM_KEY_PUBLIC_LEN, 2 * MM_KEY_HASH_LEN, 2 * MM_KEY_SIG_LEN);
		goto bad_set;
	}
	mm_key_fingerprint_of(pk, chk->kc_fpr);
	if (strcmp(fpr, chk->kc_fpr) != 0) {
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s: fingerprint %s is not the fingerprint of its key (%s)", sigpath, fpr,
			chk->kc_fpr);
		goto bad_set;
	}
	snprintf(chk->kc_signed_at, sizeof(chk->kc_signed_at), "%s", when);
	snprintf(chk->kc_hash, sizeof(chk->kc_hash), "%s", hash_hex);
	return (doc);
bad_set:
	chk->kc_verdict = MM_KEY_MALFORMED;
bad:
	json_decref(doc);
	return (NULL);
}

int
mm_key_verify_file(const char *path, const char *sigpath, const struct mm_key *trusted,
	struct mm_key_check *chk)
{
	unsigned char pk[MM_KEY_PUBLIC_LEN], sig[MM_KEY_SIG_LEN], want[MM_KEY_HASH_LEN];
	unsigned char got[MM_KEY_HASH_LEN];
	char sigbuf[PATH_MAX], got_hex[MM_KEY_HASHHEX_LEN], tfpr[MM_KEY_FPR_LEN];
	char *canon = NULL;
	size_t canon_len;
	uint64_t want_size = 0, got_size = 0;
	json_t *doc;
	int rv;

	memset(chk, 0, sizeof(*chk));
	if ((rv = key_sodium(chk->kc_msg, sizeof(chk->kc_msg))) != 0)
		return (rv);
	if (sigpath == NULL) {
		if ((size_t)snprintf(sigbuf, sizeof(sigbuf), "%s%s", path, MM_KEY_SIG_SUFFIX) >=
			sizeof(sigbuf)) {
			key_err(chk->kc_msg, sizeof(chk->kc_msg), "%s: path too long", path);
			return (-ENAMETOOLONG);
		}
		sigpath = sigbuf;
	}
	if ((doc = key_sig_parse(sigpath, pk, sig, want, &want_size, chk)) == NULL) {
		/* An unreadable .sig is an I/O error, not a verdict on the file. */
		if (access(sigpath, R_OK) != 0) {
			rv = -errno;
			key_err(chk->kc_msg, sizeof(chk->kc_msg), "%s: cannot read: %s", sigpath,
				strerror(errno));
			return (rv);
		}
		return (-EBADMSG);
	}
	json_object_del(doc, "sig");
	rv = mm_audit_canonical(doc, &canon, &canon_len, chk->kc_msg, sizeof(chk->kc_msg));
	json_decref(doc);
	if (rv != 0) {
		chk->kc_verdict = MM_KEY_MALFORMED;
		return (-EBADMSG);
	}
	rv = crypto_sign_verify_detached(sig, (const unsigned char *)canon, canon_len, pk);
	free(canon);
	if (rv != 0) {
		chk->kc_verdict = MM_KEY_BAD_SIGNATURE;
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s: the signature does not verify with the key it names (fingerprint %s): "
			"the .sig was altered or forged",
			sigpath, chk->kc_fpr);
		return (-EBADMSG);
	}
	if (trusted != NULL) {
		if (sodium_memcmp(pk, trusted->k_pk, sizeof(pk)) != 0) {
			chk->kc_verdict = MM_KEY_UNTRUSTED;
			key_err(chk->kc_msg, sizeof(chk->kc_msg),
				"%s: signed by key %s, not by the trusted key %s", sigpath,
				chk->kc_fpr, trusted->k_fpr);
			return (-EBADMSG);
		}
		chk->kc_trusted = true;
	}
	if ((rv = mm_key_hash_file(path, got, &got_size, chk->kc_msg, sizeof(chk->kc_msg))) != 0)
		return (rv);
	if (got_size != want_size || sodium_memcmp(got, want, sizeof(got)) != 0) {
		sodium_bin2hex(got_hex, sizeof(got_hex), got, sizeof(got));
		chk->kc_verdict = MM_KEY_CONTENT_CHANGED;
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"%s does not match its signature: %" PRIu64
			" bytes with BLAKE2b-256 %.16s..., signed were %" PRIu64
			" bytes with %.16s... (signed at %s by key %s)",
			path, got_size, got_hex, want_size, chk->kc_hash, chk->kc_signed_at,
			chk->kc_fpr);
		return (-EBADMSG);
	}
	if (!chk->kc_trusted) {
		mm_key_fingerprint_of(pk, tfpr);
		key_err(chk->kc_msg, sizeof(chk->kc_msg),
			"origin not established: %s was checked with the key its signature carries "
			"(fingerprint %s); give the appliance's public key to check who signed it",
			path, tfpr);
	}
	return (0);
}
