/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log's format (see mamori/audit.h): canonical bytes, entry hashes
 * and the parse of one line, shared by the writer and the verifier, and the
 * canonical bytes that detached signatures (keys_file.c) sign too.
 *
 * The canonical bytes are written here rather than by json_dumps: they are a
 * contract with third parties who recompute them with their own JSON library,
 * and jansson's escaping (uppercase \u00XX) is not Python's nor documented as
 * stable.  The lines themselves are written by jansson; verification never
 * depends on their exact bytes, only on the canonical bytes of their contents.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit_int.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

#define CANON_DEPTH_MAX 128
#define CANON_PATH_MAX  256

void
audit_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool
audit_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return (false);
	return (s[n] == '\0');
}

/* Canonical JSON (see mamori/audit.h): the place of a value is kept for messages. */
struct canon {
	FILE *c_f;
	char c_path[CANON_PATH_MAX];
	size_t c_plen;
	char *c_err;
	size_t c_errlen;
};

static void
canon_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static int
canon_keycmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

static int canon_value(struct canon *c, const json_t *v, int depth);

/* Extends the place ("detail.files[2]") for one child; returns the length to restore. */
static size_t
canon_push(struct canon *c, const char *key, size_t index)
{
	size_t old = c->c_plen, room = sizeof(c->c_path) - old;
	int n;

	if (key != NULL)
		n = snprintf(c->c_path + old, room, "%s%s", old > 0 ? "." : "", key);
	else
		n = snprintf(c->c_path + old, room, "[%zu]", index);
	if (n > 0)
		c->c_plen = (size_t)n < room ? old + (size_t)n : sizeof(c->c_path) - 1;
	return (old);
}

static int
canon_object(struct canon *c, const json_t *v, int depth)
{
	size_t n = json_object_size(v), i = 0, old;
	const char **keys;
	const char *k;
	json_t *val;
	int rv = 0;

	if (n == 0) {
		fputs("{}", c->c_f);
		return (0);
	}
	if ((keys = malloc(n * sizeof(*keys))) == NULL)
		return (-ENOMEM);
	json_object_foreach((json_t *)v, k, val) keys[i++] = k;
	/* strcmp on UTF-8 orders by code point, as Python's sort_keys does. */
	qsort(keys, n, sizeof(*keys), canon_keycmp);
	fputc('{', c->c_f);
	for (i = 0; i < n && rv == 0; i++) {
		if (i > 0)
			fputc(',', c->c_f);
		canon_string(c->c_f, keys[i], strlen(keys[i]));
		fputc(':', c->c_f);
		old = canon_push(c, keys[i], 0);
		rv = canon_value(c, json_object_get(v, keys[i]), depth + 1);
		if (rv == 0)
			c->c_path[c->c_plen = old] = '\0';
	}
	fputc('}', c->c_f);
	free(keys);
	return (rv);
}

static int
canon_value(struct canon *c, const json_t *v, int depth)
{
	size_t old;
	int rv = 0;

	if (depth > CANON_DEPTH_MAX) {
		audit_err(c->c_err, c->c_errlen, "%s: nested deeper than %d levels",
			c->c_plen > 0 ? c->c_path : "(top)", CANON_DEPTH_MAX);
		return (-ELOOP);
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return (canon_object(c, v, depth));
	case JSON_ARRAY:
		fputc('[', c->c_f);
		for (size_t i = 0; i < json_array_size(v) && rv == 0; i++) {
			if (i > 0)
				fputc(',', c->c_f);
			old = canon_push(c, NULL, i);
			rv = canon_value(c, json_array_get(v, i), depth + 1);
			if (rv == 0)
				c->c_path[c->c_plen = old] = '\0';
		}
		fputc(']', c->c_f);
		return (rv);
	case JSON_STRING:
		canon_string(c->c_f, json_string_value(v), json_string_length(v));
		return (0);
	case JSON_INTEGER:
		fprintf(c->c_f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (0);
	case JSON_REAL:
		/* Real numbers print differently in every library: no canonical form. */
		audit_err(c->c_err, c->c_errlen,
			"%s: real number %g; the audit format takes integers and strings only",
			c->c_plen > 0 ? c->c_path : "(top)", json_real_value(v));
		return (-EINVAL);
	case JSON_TRUE:
		fputs("true", c->c_f);
		return (0);
	case JSON_FALSE:
		fputs("false", c->c_f);
		return (0);
	case JSON_NULL:
		fputs("null", c->c_f);
		return (0);
	}
	return (-EINVAL);
}

int
mm_audit_canonical(const json_t *v, char **out, size_t *lenp, char *err, size_t errlen)
{
	struct canon c = { .c_err = err, .c_errlen = errlen };
	char *buf = NULL;
	size_t len = 0;
	int rv;

	if ((c.c_f = open_memstream(&buf, &len)) == NULL)
		return (-ENOMEM);
	rv = canon_value(&c, v, 0);
	if (fclose(c.c_f) != 0 && rv == 0)
		rv = -ENOMEM;
	if (rv != 0) {
		free(buf);
		return (rv);
	}
	*out = buf;
	*lenp = len;
	return (0);
}

int
audit_hash(const json_t *entry, char hex[MM_AUDIT_HASHHEX], unsigned char bin[MM_KEY_HASH_LEN],
	char *err, size_t errlen)
{
	json_t *body = json_copy((json_t *)entry);
	char *canon = NULL;
	size_t len;
	int rv;

	if (body == NULL)
		return (-ENOMEM);
	json_object_del(body, "hash");
	json_object_del(body, "sig");
	rv = mm_audit_canonical(body, &canon, &len, err, errlen);
	json_decref(body);
	if (rv != 0)
		return (rv);
	crypto_generichash(bin, MM_KEY_HASH_LEN, (const unsigned char *)canon, len, NULL, 0);
	sodium_bin2hex(hex, MM_AUDIT_HASHHEX, bin, MM_KEY_HASH_LEN);
	free(canon);
	return (0);
}

static const char *const audit_field_names[AUDIT_FIELDS] = { "seq", "ts", "actor", "action",
	"detail", "prev", "hash", "sig" };

enum mm_audit_fault
audit_parse(const char *line, size_t len, json_t **objp, struct audit_ent *ent, char *why,
	size_t whylen)
{
	unsigned char bin[MM_KEY_HASH_LEN];
	json_error_t jerr;
	json_t *e, *v;
	const char *k;

	*objp = NULL;
	memset(ent, 0, sizeof(*ent));
	if ((e = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		audit_err(why, whylen, "not JSON: %s at column %d", jerr.text, jerr.column);
		return (MM_AUDIT_MALFORMED);
	}
	*objp = e;
	if (!json_is_object(e)) {
		audit_err(why, whylen, "expected a JSON object");
		return (MM_AUDIT_MALFORMED);
	}
	for (size_t i = 0; i < AUDIT_FIELDS; i++)
		if (json_object_get(e, audit_field_names[i]) == NULL) {
			audit_err(why, whylen, "field \"%s\" missing", audit_field_names[i]);
			return (MM_AUDIT_MALFORMED);
		}
	json_object_foreach(e, k, v)
	{
		bool known = false;

		for (size_t i = 0; i < AUDIT_FIELDS; i++)
			known |= strcmp(k, audit_field_names[i]) == 0;
		if (!known) {
			audit_err(why, whylen, "unexpected field \"%s\"", k);
			return (MM_AUDIT_MALFORMED);
		}
	}
	v = json_object_get(e, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		audit_err(why, whylen, "\"seq\" must be a whole number from 1");
		return (MM_AUDIT_MALFORMED);
	}
	ent->ae_seq = (uint64_t)json_integer_value(v);
	if (!json_is_string(json_object_get(e, "ts")) ||
		!json_is_string(json_object_get(e, "actor")) ||
		!json_is_string(json_object_get(e, "action"))) {
		audit_err(why, whylen, "\"ts\", \"actor\" and \"action\" must be strings");
		return (MM_AUDIT_MALFORMED);
	}
	ent->ae_action = json_string_value(json_object_get(e, "action"));
	if (!json_is_object(ent->ae_detail = json_object_get(e, "detail"))) {
		audit_err(why, whylen, "\"detail\" must be an object");
		return (MM_AUDIT_MALFORMED);
	}
	ent->ae_prev = json_string_value(json_object_get(e, "prev"));
	ent->ae_hash = json_string_value(json_object_get(e, "hash"));
	k = json_string_value(json_object_get(e, "sig"));
	if (ent->ae_prev == NULL || !audit_is_hex(ent->ae_prev, 2 * MM_KEY_HASH_LEN) ||
		ent->ae_hash == NULL || !audit_is_hex(ent->ae_hash, 2 * MM_KEY_HASH_LEN) ||
		k == NULL || !audit_is_hex(k, 2 * MM_KEY_SIG_LEN)) {
		audit_err(why, whylen,
			"\"prev\", \"hash\" and \"sig\" must be %d, %d and %d lowercase hex digits",
			2 * MM_KEY_HASH_LEN, 2 * MM_KEY_HASH_LEN, 2 * MM_KEY_SIG_LEN);
		return (MM_AUDIT_MALFORMED);
	}
	sodium_hex2bin(ent->ae_hash_bin, sizeof(ent->ae_hash_bin), ent->ae_hash,
		2 * MM_KEY_HASH_LEN, NULL, NULL, NULL);
	sodium_hex2bin(ent->ae_sig, sizeof(ent->ae_sig), k, 2 * MM_KEY_SIG_LEN, NULL, NULL, NULL);
	if (audit_hash(e, ent->ae_hash_calc, bin, why, whylen) != 0)
		return (MM_AUDIT_MALFORMED);
	if (strcmp(ent->ae_hash_calc, ent->ae_hash) != 0) {
		audit_err(why, whylen,
			"contents do not match the hash: BLAKE2b-256 of the canonical bytes is "
			"%.16s..., the entry says %.16s...: the entry was edited",
			ent->ae_hash_calc, ent->ae_hash);
		return (MM_AUDIT_EDITED);
	}
	return (MM_AUDIT_OK);
}

int
audit_init_key(const json_t *detail, unsigned char pk[MM_KEY_PUBLIC_LEN])
{
	const char *hex = json_string_value(json_object_get(detail, "public_key"));
	const char *fpr = json_string_value(json_object_get(detail, "fingerprint"));
	char calc[MM_KEY_FPR_LEN];

	if (hex == NULL || fpr == NULL || !audit_is_hex(hex, 2 * MM_KEY_PUBLIC_LEN))
		return (-EINVAL);
	sodium_hex2bin(pk, MM_KEY_PUBLIC_LEN, hex, 2 * MM_KEY_PUBLIC_LEN, NULL, NULL, NULL);
	mm_key_fingerprint_of(pk, calc);
	return (strcmp(calc, fpr) == 0 ? 0 : -EINVAL);
}
