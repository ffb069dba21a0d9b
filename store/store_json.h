/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A validating one-pass reader of one JSON object, for the ingest path.
 *
 * jansson builds a tree (a hash table per object, an allocation per value):
 * on a 650-byte EVE flow event that was half of the store's CPU time per
 * event.  The store needs a dozen members out of each event and the
 * certainty that the whole text is valid, so this reader checks the whole
 * text (RFC 8259, strict UTF-8) and reports members as it goes, allocating
 * nothing.  It accepts what jansson's json_loadb(text, 0) accepts for an
 * object, so every stored event reads back with jansson (tests/test_db.c
 * compares the two), except that it refuses nesting deeper than
 * STORE_JSON_MAX_DEPTH and NUL bytes between tokens (which jansson skips).
 */
#ifndef STORE_JSON_H
#define STORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_JSON_MAX_DEPTH 64

enum store_json_type {
	STORE_JSON_STRING,
	STORE_JSON_INTEGER, /* a number without fraction or exponent, fitting int64 */
	STORE_JSON_REAL,
	STORE_JSON_TRUE,
	STORE_JSON_FALSE,
	STORE_JSON_NULL,
	STORE_JSON_OBJECT,
	STORE_JSON_ARRAY,
};

/* A token in the text: strings without their quotes, still escaped. */
struct store_json_tok {
	enum store_json_type jt_type;
	const char *jt_text;
	size_t jt_len;
	bool jt_escaped; /* a string with backslash escapes */
	int64_t jt_int;  /* STORE_JSON_INTEGER */
};

/*
 * Called for each member of the top-level object (parent NULL) and of the
 * objects directly inside it (parent is the key of the outer member), after
 * the member's value was read: the members of an inner object come before
 * the outer member that holds it.  A non-zero return stops the scan with it.
 */
typedef int (*store_json_member_fn)(void *arg, const struct store_json_tok *parent,
	const struct store_json_tok *key, const struct store_json_tok *val);

/* Reads text[0..len) as one object.  Returns 0, fn's value, or -EBADMSG with why. */
int store_json_scan(
	const char *text, size_t len, store_json_member_fn fn, void *arg, char *why, size_t whylen);

/*
 * Decodes a string token into out (cap bytes, NUL-terminated); a checked
 * token never decodes longer than it is.  Returns the length or -ENOSPC.
 */
long store_json_unescape(const struct store_json_tok *t, char *out, size_t cap);

#endif /* STORE_JSON_H */
