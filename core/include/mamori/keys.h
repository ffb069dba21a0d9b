/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's Ed25519 key pair (libsodium) and detached signatures of the
 * files it hands to others (notification lists, reports, CBOMs).
 *
 * Files in the state directory (default /var/lib/mamori, or $MAMORI_STATE_DIR):
 *	appliance.key	mode 0600: the 64-byte libsodium secret key (seed || public
 *			key) as 128 lowercase hex digits and a newline
 *	appliance.pub	mode 0644: the 32-byte public key as 64 hex digits and a newline
 *	appliance.{key,pub}.<YYYYMMDDTHHMMSSZ>	pairs archived by a rotation
 * Hex text rather than raw bytes: an operator can compare a fingerprint by eye
 * and a receiver's script can read the public key without a binary parser.
 *
 * The fingerprint is BLAKE2b-128 of the 32 public-key bytes, in hex.
 *
 * A detached signature of FILE is FILE.sig, one JSON object:
 *	{"format":"mamori-sig/1","alg":"ed25519","hash":"blake2b-256","file":NAME,
 *	 "size":BYTES,"blake2b":HEX,"key":PUBHEX,"fingerprint":FPR,"signed_at":RFC3339,
 *	 "sig":HEX}
 * where "blake2b" is BLAKE2b-256 of the file's bytes and "sig" is the Ed25519
 * signature of the canonical bytes (mm_audit_canonical) of the object without
 * "sig", so the name, size and time are signed along with the hash.
 * docs/audit.md shows how to check one without Mamori's code.
 *
 * Functions return 0 or a negative errno and, on failure, write what went wrong
 * (naming the file and what was expected) into err when err is not NULL.
 */
#ifndef MAMORI_KEYS_H
#define MAMORI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MM_KEY_DEFAULT_DIR "/var/lib/mamori"
#define MM_KEY_DIR_ENV     "MAMORI_STATE_DIR"
#define MM_KEY_SECRET_FILE "appliance.key"
#define MM_KEY_PUBLIC_FILE "appliance.pub"
#define MM_KEY_SIG_SUFFIX  ".sig"
#define MM_KEY_SIG_FORMAT  "mamori-sig/1"

#define MM_KEY_PUBLIC_LEN  32
#define MM_KEY_SIG_LEN     64
#define MM_KEY_HASH_LEN    32 /* BLAKE2b-256 */
#define MM_KEY_PUBHEX_LEN  (2 * MM_KEY_PUBLIC_LEN + 1)
#define MM_KEY_FPR_LEN     33 /* 32 hex digits of BLAKE2b-128 and a NUL */
#define MM_KEY_HASHHEX_LEN (2 * MM_KEY_HASH_LEN + 1)
#define MM_KEY_SIGHEX_LEN  (2 * MM_KEY_SIG_LEN + 1)
#define MM_KEY_TIME_LEN    32
#define MM_KEY_ERRLEN      512

struct mm_key;

/* dir if not NULL, else $MAMORI_STATE_DIR if set and not empty, else /var/lib/mamori. */
const char *mm_key_state_dir(const char *dir);

/*
 * Creates a new key pair in dir (made, mode 0750, when missing).  -EEXIST when
 * dir already holds appliance.key: a key is never overwritten.
 */
int mm_key_create(const char *dir, struct mm_key **keyp, char *err, size_t errlen);
/*
 * Loads the key pair from dir.  Refuses a secret key file that group or others
 * may read (-EPERM), a malformed one (-EINVAL) and a public key file that does
 * not match the secret key (-EKEYREJECTED).
 */
int mm_key_load(const char *dir, struct mm_key **keyp, char *err, size_t errlen);
/*
 * Loads the key pair, creating it on first use; *created (may be NULL) says
 * which.  Rewrites a missing appliance.pub from the secret key.
 */
int mm_key_open(const char *dir, bool *created, struct mm_key **keyp, char *err, size_t errlen);
/* Loads a public key (64 hex digits) from a file: a key that can verify, not sign. */
int mm_key_load_public(const char *path, struct mm_key **keyp, char *err, size_t errlen);
/* A public-only key from its 32 bytes. */
int mm_key_from_public(const unsigned char pk[MM_KEY_PUBLIC_LEN], struct mm_key **keyp);
/* Wipes the secret key and frees. */
void mm_key_free(struct mm_key *key);

bool mm_key_has_secret(const struct mm_key *key);
const unsigned char *mm_key_public(const struct mm_key *key);
const char *mm_key_public_hex(const struct mm_key *key);
const char *mm_key_fingerprint(const struct mm_key *key);
/* Fingerprint of a raw public key, into fpr[MM_KEY_FPR_LEN]. */
void mm_key_fingerprint_of(const unsigned char pk[MM_KEY_PUBLIC_LEN], char *fpr);

/* Detached Ed25519 signature of msg; -EPERM for a public-only key. */
int mm_key_sign(
	const struct mm_key *key, const void *msg, size_t len, unsigned char sig[MM_KEY_SIG_LEN]);
/* BLAKE2b-256 of a file's contents, and its size. */
int mm_key_hash_file(const char *path, unsigned char hash[MM_KEY_HASH_LEN], uint64_t *size,
	char *err, size_t errlen);

/* What mm_key_sign_file signed. */
struct mm_key_signed {
	char ks_hash[MM_KEY_HASHHEX_LEN]; /* BLAKE2b-256 of the file, hex */
	uint64_t ks_size;
	char ks_signed_at[MM_KEY_TIME_LEN];
};

/*
 * Writes path.sig (mode 0644, through a temporary file and rename, so a
 * reader never sees half a signature).  out may be NULL.
 */
int mm_key_sign_file(const struct mm_key *key, const char *path, struct mm_key_signed *out,
	char *err, size_t errlen);

enum mm_key_verdict {
	MM_KEY_VALID = 0,
	MM_KEY_MALFORMED,       /* the .sig file is not a mamori-sig/1 object */
	MM_KEY_BAD_SIGNATURE,   /* the .sig's fields were altered or it was forged */
	MM_KEY_UNTRUSTED,       /* validly signed, but by a key other than the trusted one */
	MM_KEY_CONTENT_CHANGED, /* the file is not the file that was signed */
};

/* The outcome of mm_key_verify_file. */
struct mm_key_check {
	enum mm_key_verdict kc_verdict;
	bool kc_trusted; /* checked against the caller's key, not the one the .sig carries */
	char kc_fpr[MM_KEY_FPR_LEN]; /* the key the .sig names */
	char kc_signed_at[MM_KEY_TIME_LEN];
	char kc_hash[MM_KEY_HASHHEX_LEN]; /* the hash that was signed */
	char kc_msg[MM_KEY_ERRLEN];       /* what is wrong, or a warning when not trusted */
};

const char *mm_key_verdict_name(enum mm_key_verdict v);

/*
 * Checks path against sigpath (NULL: path.sig).  With trusted NULL the
 * signature is checked with the key it carries, which proves integrity but
 * not origin; kc_trusted is then false and kc_msg holds a warning saying so.
 * Returns 0 when valid, -EBADMSG when not (kc_verdict and kc_msg say why), or
 * another negative errno when a file cannot be read (kc_msg says which).
 */
int mm_key_verify_file(const char *path, const char *sigpath, const struct mm_key *trusted,
	struct mm_key_check *chk);

/* What mm_key_rotate did. */
struct mm_key_rotation {
	char kr_old_fpr[MM_KEY_FPR_LEN];
	char kr_new_fpr[MM_KEY_FPR_LEN];
	char kr_suffix[MM_KEY_TIME_LEN]; /* the old pair is appliance.{key,pub}.<suffix> */
	uint64_t kr_seq;                 /* audit seq of the key.rotate entry */
};

/*
 * Replaces the key pair in dir with a new one.  The audit log at audit_path
 * (NULL: dir/audit.log) gets, in one write, a key.rotate entry signed by the
 * old key naming the new public key and a key.init entry signed by the new
 * key, so the chain of trust runs on across the rotation.  The old pair is
 * kept as appliance.{key,pub}.<suffix>.
 *
 * Order: the new pair is written as appliance.{key,pub}.new, the audit
 * entries are appended, then the old pair is linked to its archive names and
 * the new one renamed over it.  After a crash between the append and the
 * rename, appends with the old key are refused (the log is in the new key's
 * hands) and the operator installs the .new files by hand; the key is never
 * lost and the log never forks.
 */
int mm_key_rotate(const char *dir, const char *audit_path, const char *actor,
	struct mm_key_rotation *rot, char *err, size_t errlen);

#endif /* MAMORI_KEYS_H */
