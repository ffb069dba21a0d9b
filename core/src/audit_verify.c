/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verification of the audit log: one pass over the lines, stopping the
 * checks at the first bad entry and counting the rest.
 *
 * Per line the checks run in the order that names the tampering best: form
 * (malformed), the entry's own hash (edited), seq (reordered or removed), prev
 * (removed or replaced), the key chain, and last the signature (forged: a
 * consistent entry that the key in force did not sign).  A seq gap is a
 * removal unless the missing seq turns up later in the file, which makes it a
 * reordering; the rest of the file is scanned to tell the two apart.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit_int.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

struct verify {
	struct mm_audit_report *v_rep;
	const struct mm_key *v_trusted;
	uint64_t v_expect; /* the next seq */
	char v_prev[MM_AUDIT_HASHHEX];
	unsigned char v_key[MM_KEY_PUBLIC_LEN];  /* the key in force */
	uint64_t v_key_line;                     /* the line of its key.init */
	unsigned char v_next[MM_KEY_PUBLIC_LEN]; /* named by a key.rotate, not yet in force */
	uint64_t v_rot_line;                     /* that key.rotate's line; 0 when none */
	bool v_trusted_seen;
	uint64_t v_missing; /* after a seq gap: the seq looked for further on */
};

static void fault(struct verify *v, enum mm_audit_fault f, uint64_t line, uint64_t seq,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
fault(struct verify *v, enum mm_audit_fault f, uint64_t line, uint64_t seq, const char *fmt, ...)
{
	struct mm_audit_report *rep = v->v_rep;
	va_list ap;

	rep->ar_fault = f;
	rep->ar_line = line;
	rep->ar_seq = seq;
	va_start(ap, fmt);
	vsnprintf(rep->ar_msg, sizeof(rep->ar_msg), fmt, ap);
	va_end(ap);
}

const char *
mm_audit_fault_name(enum mm_audit_fault f)
{
	switch (f) {
	case MM_AUDIT_OK:
		return ("ok");
	case MM_AUDIT_MALFORMED:
		return ("malformed");
	case MM_AUDIT_TORN:
		return ("torn");
	case MM_AUDIT_EDITED:
		return ("edited");
	case MM_AUDIT_REMOVED:
		return ("removed");
	case MM_AUDIT_REORDERED:
		return ("reordered");
	case MM_AUDIT_FORGED:
		return ("forged");
	case MM_AUDIT_KEYCHAIN:
		return ("keychain");
	case MM_AUDIT_UNTRUSTED:
		return ("untrusted");
	}
	return ("unknown");
}

/*
 * The key chain: which key must have signed this entry, and whether the entry
 * may stand here.  Returns false after reporting a fault.
 */
static bool
verify_chain(struct verify *v, uint64_t line, const struct audit_ent *ent,
	unsigned char signer[MM_KEY_PUBLIC_LEN])
{
	bool is_init = strcmp(ent->ae_action, MM_AUDIT_ACT_INIT) == 0;
	unsigned char pk[MM_KEY_PUBLIC_LEN];
	const char *old, *nkey;
	char fpr[MM_KEY_FPR_LEN];

	if (is_init && audit_init_key(ent->ae_detail, pk) != 0) {
		fault(v, MM_AUDIT_KEYCHAIN, line, ent->ae_seq,
			"key.init without a valid \"public_key\" (64 hex digits) and its "
			"\"fingerprint\"");
		return (false);
	}
	if (ent->ae_seq == 1 && !is_init) {
		fault(v, MM_AUDIT_KEYCHAIN, line, ent->ae_seq,
			"the first entry must be key.init naming the log's key; found %s",
			ent->ae_action);
		return (false);
	}
	if (v->v_rot_line != 0) {
		if (!is_init || sodium_memcmp(pk, v->v_next, sizeof(pk)) != 0) {
			mm_key_fingerprint_of(v->v_next, fpr);
			fault(v, MM_AUDIT_KEYCHAIN, line, ent->ae_seq,
				"the key.rotate at line %" PRIu64
				" must be followed by the key.init of key %s; found %s",
				v->v_rot_line, fpr, ent->ae_action);
			return (false);
		}
	} else if (is_init && ent->ae_seq != 1) {
		fault(v, MM_AUDIT_KEYCHAIN, line, ent->ae_seq,
			"key.init without a key.rotate just before it: a key cannot join the chain "
			"unannounced");
		return (false);
	}
	memcpy(signer, is_init ? pk : v->v_key, MM_KEY_PUBLIC_LEN);
	if (strcmp(ent->ae_action, MM_AUDIT_ACT_ROT) != 0)
		return (true);
	old = json_string_value(json_object_get(ent->ae_detail, "old_key"));
	nkey = json_string_value(json_object_get(ent->ae_detail, "new_key"));
	if (old == NULL || nkey == NULL || !audit_is_hex(old, 2 * MM_KEY_PUBLIC_LEN) ||
		!audit_is_hex(nkey, 2 * MM_KEY_PUBLIC_LEN) ||
		sodium_hex2bin(pk, sizeof(pk), old, strlen(old), NULL, NULL, NULL) != 0 ||
		sodium_memcmp(pk, v->v_key, sizeof(pk)) != 0) {
		mm_key_fingerprint_of(v->v_key, fpr);
		fault(v, MM_AUDIT_KEYCHAIN, line, ent->ae_seq,
			"key.rotate must name the key in force (%s) as \"old_key\" and a new key "
			"as \"new_key\", 64 hex digits each",
			fpr);
		return (false);
	}
	return (true);
}

/* All checks of one parsed, well-formed line. */
static void
verify_entry(struct verify *v, uint64_t line, const struct audit_ent *ent)
{
	struct mm_audit_report *rep = v->v_rep;
	unsigned char signer[MM_KEY_PUBLIC_LEN];
	char fpr[MM_KEY_FPR_LEN];

	if (ent->ae_seq < v->v_expect) {
		fault(v, MM_AUDIT_REORDERED, line, ent->ae_seq,
			"seq %" PRIu64 " where %" PRIu64
			" was expected: an earlier entry was moved or copied here",
			ent->ae_seq, v->v_expect);
		return;
	}
	if (ent->ae_seq > v->v_expect) {
		if (ent->ae_seq == v->v_expect + 1)
			fault(v, MM_AUDIT_REMOVED, line, ent->ae_seq,
				"seq %" PRIu64 " where %" PRIu64 " was expected: entry %" PRIu64
				" was removed",
				ent->ae_seq, v->v_expect, v->v_expect);
		else
			fault(v, MM_AUDIT_REMOVED, line, ent->ae_seq,
				"seq %" PRIu64 " where %" PRIu64 " was expected: entries %" PRIu64
				" to %" PRIu64 " were removed",
				ent->ae_seq, v->v_expect, v->v_expect, ent->ae_seq - 1);
		v->v_missing = v->v_expect;
		return;
	}
	if (strcmp(ent->ae_prev, v->v_prev) != 0) {
		if (ent->ae_seq == 1)
			fault(v, MM_AUDIT_REMOVED, line, ent->ae_seq,
				"the first entry's prev must be 64 zeros: the log's start was cut "
				"and renumbered");
		else
			fault(v, MM_AUDIT_REMOVED, line, ent->ae_seq,
				"prev %.16s... is not the hash of line %" PRIu64 " (%.16s...): an "
				"entry was removed or replaced and the rest renumbered",
				ent->ae_prev, line - 1, v->v_prev);
		return;
	}
	if (!verify_chain(v, line, ent, signer))
		return;
	if (crypto_sign_verify_detached(ent->ae_sig, ent->ae_hash_bin, MM_KEY_HASH_LEN, signer) !=
		0) {
		mm_key_fingerprint_of(signer, fpr);
		if (strcmp(ent->ae_action, MM_AUDIT_ACT_INIT) == 0)
			fault(v, MM_AUDIT_FORGED, line, ent->ae_seq,
				"the signature does not verify with the key this key.init names "
				"(%s)",
				fpr);
		else
			fault(v, MM_AUDIT_FORGED, line, ent->ae_seq,
				"the signature does not verify with key %s (in force since line "
				"%" PRIu64 "): the entry was forged or its signature altered",
				fpr, v->v_key_line);
		return;
	}
	if (strcmp(ent->ae_action, MM_AUDIT_ACT_INIT) == 0) {
		memcpy(v->v_key, signer, sizeof(v->v_key));
		v->v_key_line = line;
		v->v_rot_line = 0;
		rep->ar_keys++;
		if (v->v_trusted != NULL &&
			sodium_memcmp(signer, mm_key_public(v->v_trusted), sizeof(signer)) == 0)
			v->v_trusted_seen = true;
	} else if (strcmp(ent->ae_action, MM_AUDIT_ACT_ROT) == 0) {
		sodium_hex2bin(v->v_next, sizeof(v->v_next),
			json_string_value(json_object_get(ent->ae_detail, "new_key")),
			2 * MM_KEY_PUBLIC_LEN, NULL, NULL, NULL);
		v->v_rot_line = line;
	}
	memcpy(v->v_prev, ent->ae_hash, sizeof(v->v_prev));
	v->v_expect++;
	rep->ar_verified++;
	rep->ar_last_seq = ent->ae_seq;
	memcpy(rep->ar_last_hash, ent->ae_hash, sizeof(rep->ar_last_hash));
}

/* After a seq gap: the missing seq further on means the entries were reordered. */
static void
verify_lookahead(struct verify *v, uint64_t line, const char *text, size_t len)
{
	json_t *e = json_loadb(text, len, 0, NULL);
	json_t *seq = json_object_get(e, "seq");

	if (json_is_integer(seq) && (uint64_t)json_integer_value(seq) == v->v_missing) {
		struct mm_audit_report *rep = v->v_rep;

		fault(v, MM_AUDIT_REORDERED, rep->ar_line, rep->ar_seq,
			"seq %" PRIu64 " where %" PRIu64 " was expected, and seq %" PRIu64
			" comes later, at line %" PRIu64 ": entries were reordered",
			rep->ar_seq, v->v_missing, v->v_missing, line);
		v->v_missing = 0;
	}
	json_decref(e);
}

static void
verify_line(struct verify *v, uint64_t line, const char *text, size_t len, bool torn)
{
	char why[MM_AUDIT_ERRLEN];
	struct audit_ent ent;
	enum mm_audit_fault f;
	json_t *obj;

	if (v->v_rep->ar_fault != MM_AUDIT_OK) {
		if (v->v_missing != 0)
			verify_lookahead(v, line, text, len);
		return;
	}
	if (torn) {
		fault(v, MM_AUDIT_TORN, line, 0,
			"the last line ends without a newline: a write cut short by a crash or a "
			"full disk (%zu bytes); the entries before it are intact",
			len);
		return;
	}
	if (len + 1 > MM_AUDIT_LINE_MAX) {
		fault(v, MM_AUDIT_MALFORMED, line, 0, "%zu bytes; an entry line holds at most %u",
			len + 1, MM_AUDIT_LINE_MAX);
		return;
	}
	f = audit_parse(text, len, &obj, &ent, why, sizeof(why));
	if (f != MM_AUDIT_OK)
		fault(v, f, line, ent.ae_seq, "%s", why);
	else
		verify_entry(v, line, &ent);
	json_decref(obj);
}

/* Whole-log verdicts, once every line verified. */
static void
verify_end(struct verify *v, uint64_t lines)
{
	struct mm_audit_report *rep = v->v_rep;
	char fpr[MM_KEY_FPR_LEN], tfpr[MM_KEY_FPR_LEN];

	if (rep->ar_keys > 0)
		mm_key_fingerprint_of(v->v_key, rep->ar_key_fpr);
	if (rep->ar_fault != MM_AUDIT_OK)
		return;
	if (v->v_rot_line != 0) {
		mm_key_fingerprint_of(v->v_next, fpr);
		fault(v, MM_AUDIT_KEYCHAIN, v->v_rot_line, rep->ar_last_seq,
			"the log ends with a key.rotate to key %s without that key's key.init: the "
			"last line was removed",
			fpr);
		return;
	}
	if (v->v_trusted == NULL || lines == 0)
		return;
	if (!v->v_trusted_seen) {
		snprintf(tfpr, sizeof(tfpr), "%s", mm_key_fingerprint(v->v_trusted));
		fault(v, MM_AUDIT_UNTRUSTED, 1, 1,
			"the entries are intact but signed by %u key(s) ending with %s; the "
			"trusted key %s is not among them",
			rep->ar_keys, rep->ar_key_fpr, tfpr);
		return;
	}
	rep->ar_trusted = true;
}

int
mm_audit_verify(const char *path, const struct mm_key *trusted, struct mm_audit_report *rep)
{
	struct verify v = { .v_rep = rep, .v_trusted = trusted, .v_expect = 1 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int rv = 0;

	memset(rep, 0, sizeof(*rep));
	memcpy(v.v_prev, AUDIT_ZERO_HASH, sizeof(v.v_prev));
	if (sodium_init() < 0) {
		snprintf(rep->ar_msg, sizeof(rep->ar_msg), "libsodium failed to initialise");
		return (-EIO);
	}
	if ((f = fopen(path, "re")) == NULL) {
		rv = -errno;
		snprintf(rep->ar_msg, sizeof(rep->ar_msg), "%s: cannot open: %s", path,
			strerror(errno));
		return (rv);
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		bool torn = line[n - 1] != '\n';

		rep->ar_entries++;
		verify_line(&v, rep->ar_entries, line, (size_t)(torn ? n : n - 1), torn);
	}
	if (ferror(f)) {
		rv = -EIO;
		snprintf(rep->ar_msg, sizeof(rep->ar_msg), "%s: read error after line %" PRIu64,
			path, rep->ar_entries);
	} else {
		verify_end(&v, rep->ar_entries);
	}
	free(line);
	fclose(f);
	return (rv);
}
