/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the audit log's format (audit_format.c), writer (audit.c) and verifier
 * (audit_verify.c) share: hashing an entry and parsing one line.
 */
#ifndef MAMORI_AUDIT_INT_H
#define MAMORI_AUDIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mamori/audit.h"

#define AUDIT_FIELDS    8 /* seq ts actor action detail prev hash sig */
#define AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* One line's fields; the pointers point into the parsed object. */
struct audit_ent {
	uint64_t ae_seq;
	const char *ae_action;
	const json_t *ae_detail;
	const char *ae_prev;
	const char *ae_hash;
	unsigned char ae_hash_bin[MM_KEY_HASH_LEN]; /* ae_hash decoded */
	unsigned char ae_sig[MM_KEY_SIG_LEN];
	char ae_hash_calc[MM_AUDIT_HASHHEX]; /* BLAKE2b-256 of the canonical bytes */
};

void audit_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Parses one line (without its newline) into *objp and *ent.  Returns
 * MM_AUDIT_OK, MM_AUDIT_MALFORMED (not an entry) or MM_AUDIT_EDITED (its hash
 * field is not the hash of its contents), with the reason in why.  *objp is
 * set (and must be freed) whenever the line was JSON.
 */
enum mm_audit_fault audit_parse(const char *line, size_t len, json_t **objp, struct audit_ent *ent,
	char *why, size_t whylen);

/*
 * BLAKE2b-256 of the canonical bytes of entry without "hash" and "sig", as hex
 * and raw bytes.  -EINVAL (a real number somewhere, named in err) or -ENOMEM.
 */
int audit_hash(const json_t *entry, char hex[MM_AUDIT_HASHHEX], unsigned char bin[MM_KEY_HASH_LEN],
	char *err, size_t errlen);

/* The 32-byte public key named by a key.init detail ("public_key", "fingerprint"). */
int audit_init_key(const json_t *detail, unsigned char pk[MM_KEY_PUBLIC_LEN]);

/* True when s is exactly n lowercase hex digits. */
bool audit_is_hex(const char *s, size_t n);

#endif /* MAMORI_AUDIT_INT_H */
