/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit trail: an append-only, hash-chained, signed log of control actions
 * and of every export the appliance hands to others.
 *
 * One JSON object a line, fields in this order:
 *	{"seq":N,"ts":"2026-04-01T12:00:00.123456Z","actor":"...","action":"...",
 *	 "detail":{...},"prev":"<64 hex>","hash":"<64 hex>","sig":"<128 hex>"}
 *
 * Canonical bytes of an entry: the object without "hash" and "sig" written
 * with keys sorted by code point at every level, no whitespace, strings
 * escaping only '"', '\\' and the characters below U+0020 (\b \f \n \r \t as
 * such, the others as \u00xx with lowercase hex), all other characters as
 * UTF-8, integers in decimal.  Real numbers are not allowed.  These are the
 * bytes of Python's json.dumps(obj, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False), so a third party can recompute them.
 *
 *	hash = BLAKE2b-256(canonical bytes), unkeyed, in lowercase hex
 *	prev = the previous entry's hash; 64 zeros for seq 1
 *	sig  = Ed25519 signature of the 32 raw bytes of hash
 *
 * seq runs 1, 2, 3, ... and equals the line number.  Keys: entry 1 is always
 * {"action":"key.init","detail":{"public_key":HEX,"fingerprint":FPR}}, signed
 * by the key it names; a rotation is a "key.rotate" entry signed by the old key
 * with "old_key" and "new_key" in its detail, immediately followed by a
 * key.init of the new key signed by the new key.  Every other entry is signed
 * by the key in force.  Because each hash covers prev, an entry signed by a key
 * vouches for the whole log before it; a key's own key.init entry ensures
 * every key in the chain has signed something.
 *
 * Appends take a mutex (threads sharing a handle) and flock(LOCK_EX) on the
 * file (other handles and processes), read the last entry to chain onto it,
 * write the new line(s) with one write(2) on an O_APPEND descriptor and
 * fsync.  A reader sees whole lines or, after a crash mid-write, a torn last
 * line that verification reports as such.
 *
 * Removing entries from the end leaves a valid, shorter log; only a copy of
 * the last seq and hash kept elsewhere (mm_audit_report's ar_last_*) shows it.
 */
#ifndef MAMORI_AUDIT_H
#define MAMORI_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "keys.h"

#define MM_AUDIT_FILE     "audit.log"
#define MM_AUDIT_LINE_MAX (64U << 10) /* longest entry line, newline included */
#define MM_AUDIT_HASHHEX  65
#define MM_AUDIT_TIME_LEN 32
#define MM_AUDIT_ERRLEN   512
#define MM_AUDIT_ACT_INIT "key.init"
#define MM_AUDIT_ACT_ROT  "key.rotate"
#define MM_AUDIT_ACT_SIGN "export.sign"

struct mm_audit;

/* The audit log's default path: dir/audit.log, dir as mm_key_state_dir resolves it. */
int mm_audit_path(const char *state_dir, char *buf, size_t len);
/* The current time as RFC 3339 UTC with microseconds: "2026-04-01T12:00:00.123456Z". */
char *mm_audit_time(char *buf, size_t len);

/*
 * Canonical bytes of a JSON value (see above); *out is malloc'd and
 * NUL-terminated.  -EINVAL for a real number, naming its place in err.
 */
int mm_audit_canonical(const json_t *v, char **out, size_t *lenp, char *err, size_t errlen);

/*
 * A handle appending to the log at path with key (borrowed: it must outlive
 * the handle and hold a secret key).  The file is created (mode 0640) when
 * missing.
 */
int mm_audit_open(
	const char *path, const struct mm_key *key, struct mm_audit **ap, char *err, size_t errlen);
void mm_audit_close(struct mm_audit *a);

/*
 * Appends one entry; detail (may be NULL for {}) is copied.  An empty log
 * first gets the key.init entry for the handle's key, in the same write.
 * Refuses (-EKEYREJECTED) when the last entry does not verify with the
 * handle's key, i.e. the log has been rotated to another key or its tail was
 * altered, and (-EBADMSG) when the log ends with a torn line.  *seqp (may be
 * NULL) gets the entry's seq.
 */
int mm_audit_append(struct mm_audit *a, const char *actor, const char *action, const json_t *detail,
	uint64_t *seqp, char *err, size_t errlen);

/*
 * Appends key.rotate (signed by the handle's key; detail, may be NULL, is
 * extended with old/new keys and fingerprints) and key.init (signed by
 * newkey) in one write, then makes newkey (borrowed) the handle's key.
 * *seqp gets the key.rotate entry's seq.
 */
int mm_audit_rotate(struct mm_audit *a, const struct mm_key *newkey, const char *actor,
	const json_t *detail, uint64_t *seqp, char *err, size_t errlen);

/*
 * Signs path with the handle's key (writing path.sig) and appends an
 * export.sign entry with the file, its size and hash and the .sig's name.
 */
int mm_audit_sign_export(struct mm_audit *a, const char *path, const char *actor,
	struct mm_key_signed *out, uint64_t *seqp, char *err, size_t errlen);

enum mm_audit_fault {
	MM_AUDIT_OK = 0,
	MM_AUDIT_MALFORMED, /* not an entry: bad JSON, missing or extra field, wrong type */
	MM_AUDIT_TORN,      /* the last line has no newline: a write cut short */
	MM_AUDIT_EDITED,    /* the entry's contents do not match its hash */
	MM_AUDIT_REMOVED,   /* a seq gap, or prev is not the previous entry's hash */
	MM_AUDIT_REORDERED, /* seq out of order (backwards, repeated, or found later) */
	MM_AUDIT_FORGED,    /* the signature does not verify with the key in force */
	MM_AUDIT_KEYCHAIN,  /* key.init / key.rotate out of place or inconsistent */
	MM_AUDIT_UNTRUSTED, /* intact, but the trusted key is none of the log's keys */
};

const char *mm_audit_fault_name(enum mm_audit_fault f);

/* The outcome of mm_audit_verify. */
struct mm_audit_report {
	enum mm_audit_fault ar_fault;
	uint64_t ar_line;     /* line of the first bad entry (1-based); 0 when valid */
	uint64_t ar_seq;      /* its seq when readable, else 0 */
	uint64_t ar_entries;  /* lines in the file, bad and torn ones included */
	uint64_t ar_verified; /* entries that verified before the first bad one */
	unsigned ar_keys;     /* keys in the chain (1 + rotations) */
	bool ar_trusted;      /* a trusted key was given and is in the chain */
	uint64_t ar_last_seq; /* seq and hash of the last verified entry */
	char ar_last_hash[MM_AUDIT_HASHHEX];
	char ar_key_fpr[MM_KEY_FPR_LEN]; /* the key in force after the last verified entry */
	char ar_msg[MM_AUDIT_ERRLEN];    /* what is wrong, in words */
};

/*
 * Checks every entry of the log: form, seq continuity, prev links, hashes,
 * signatures and the key chain, and that trusted (NULL: none, integrity only)
 * is one of the chain's keys.  Returns 0 when the file could be read; then
 * rep->ar_fault is MM_AUDIT_OK or names the first bad entry.  Returns a
 * negative errno, with rep->ar_msg saying why, when it could not be read.
 */
int mm_audit_verify(const char *path, const struct mm_key *trusted, struct mm_audit_report *rep);

/*
 * Calls fn for each line: entry is the parsed object, or NULL when the line is
 * not JSON (raw holds it, without the newline).  A non-zero return from fn
 * stops the walk and is returned.
 */
typedef int (*mm_audit_entry_fn)(
	void *arg, uint64_t line, const json_t *entry, const char *raw, size_t rawlen);
int mm_audit_read(const char *path, mm_audit_entry_fn fn, void *arg, char *err, size_t errlen);

#endif /* MAMORI_AUDIT_H */
