/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recursive descent over the text, bounded by STORE_JSON_MAX_DEPTH.  What is
 * refused, and why, follows jansson's lexer: control characters and "\u0000"
 * in strings, lone surrogates, malformed UTF-8 (overlong forms, surrogates,
 * past U+10FFFF), leading zeros, integers outside int64 and reals that
 * overflow a double.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "store_json.h"

struct scan {
	const char *sc_text;
	const char *sc_p;
	const char *sc_end;
	store_json_member_fn sc_fn;
	void *sc_arg;
	char *sc_why;
	size_t sc_whylen;
};

static int
refuse(struct scan *sc, const char *what)
{
	snprintf(sc->sc_why, sc->sc_whylen, "not JSON: %s at byte %zu", what,
		(size_t)(sc->sc_p - sc->sc_text));
	return (-EBADMSG);
}

static void
skip_ws(struct scan *sc)
{
	while (sc->sc_p < sc->sc_end &&
		(*sc->sc_p == ' ' || *sc->sc_p == '\n' || *sc->sc_p == '\r' || *sc->sc_p == '\t'))
		sc->sc_p++;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Reads the 4 hex digits of a \u escape at p; -1 if malformed. */
static long
read_u4(const char *p, const char *end)
{
	long v = 0;

	if (end - p < 4)
		return (-1);
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return (-1);
		v = v << 4 | h;
	}
	return (v);
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned long cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return (0);
	if ((size_t)(end - p) < n)
		return (0);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		(cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

/*
 * Bytes that stand for themselves in a string: printable ASCII but '"' and
 * '\\'.  One load per byte instead of four comparisons: strings are most of
 * an event's text.
 */
static const bool plain[256] = {
	[0x20 ... 0x21] = true, /* '"' is 0x22 */
	[0x23 ... 0x5b] = true, /* '\\' is 0x5c */
	[0x5d ... 0x7f] = true, /* 0x80 and up: UTF-8, checked apart */
};

/*
 * The first byte at or after p that is not plain, or end.  With SSE2 (every
 * x86-64), 16 bytes at a time: '"', '\\', and, compared as signed bytes,
 * everything below 0x20 and from 0x80 up.
 */
static const char *
skip_plain(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		      space = _mm_set1_epi8(0x20);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		int m = _mm_movemask_epi8(_mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
			_mm_cmplt_epi8(v, space)));

		if (m != 0)
			return (p + __builtin_ctz((unsigned)m));
		p += 16;
	}
#endif
	while (p < end && plain[(unsigned char)*p])
		p++;
	return (p);
}

static int
scan_string(struct scan *sc, struct store_json_tok *t)
{
	const char *p = ++sc->sc_p;

	t->jt_type = STORE_JSON_STRING;
	t->jt_escaped = false;
	t->jt_text = p;
	for (;;) {
		unsigned char c;

		/* The common case: plain ASCII. */
		p = skip_plain(p, sc->sc_end);
		if (p >= sc->sc_end) {
			sc->sc_p = p;
			return (refuse(sc, "unterminated string"));
		}
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20) {
			sc->sc_p = p;
			return (refuse(sc, "control character in a string"));
		}
		if (c >= 0x80) {
			size_t n = utf8_len(
				(const unsigned char *)p, (const unsigned char *)sc->sc_end);

			if (n == 0) {
				sc->sc_p = p;
				return (refuse(sc, "invalid UTF-8 in a string"));
			}
			p += n;
			continue;
		}
		/* A backslash. */
		t->jt_escaped = true;
		if (p + 1 >= sc->sc_end) {
			sc->sc_p = p;
			return (refuse(sc, "unterminated escape"));
		}
		if (strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (p[1] != 'u') {
			sc->sc_p = p;
			return (refuse(sc, "invalid escape"));
		}
		{
			long u = read_u4(p + 2, sc->sc_end), lo;

			sc->sc_p = p;
			if (u < 0)
				return (refuse(sc, "invalid \\u escape"));
			if (u == 0)
				return (refuse(sc, "\\u0000 in a string"));
			if (u >= 0xdc00 && u <= 0xdfff)
				return (refuse(sc, "lone low surrogate"));
			p += 6;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (sc->sc_end - p < 2 || p[0] != '\\' || p[1] != 'u' ||
					(lo = read_u4(p + 2, sc->sc_end)) < 0xdc00 || lo > 0xdfff)
					return (refuse(sc, "high surrogate without a low one"));
				p += 6;
			}
		}
	}
	t->jt_len = (size_t)(p - t->jt_text);
	sc->sc_p = p + 1;
	return (0);
}

static bool
is_digit(const char *p, const char *end)
{
	return (p < end && *p >= '0' && *p <= '9');
}

static int
scan_number(struct scan *sc, struct store_json_tok *t)
{
	const char *p = sc->sc_p, *end = sc->sc_end;
	bool neg = false, real = false;
	uint64_t mag = 0, limit;

	t->jt_text = p;
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!is_digit(p, end))
		return (refuse(sc, "invalid number"));
	if (*p == '0' && is_digit(p + 1, end))
		return (refuse(sc, "leading zero in a number"));
	/* int64 allows one more below zero than above. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; is_digit(p, end); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (mag > (limit - d) / 10)
			mag = UINT64_MAX; /* overflowed; only an error if it stays an integer */
		else
			mag = mag * 10 + d;
	}
	if (p < end && *p == '.') {
		real = true;
		if (!is_digit(++p, end))
			return (refuse(sc, "digit expected after '.'"));
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return (refuse(sc, "digit expected in an exponent"));
		while (is_digit(p, end))
			p++;
	}
	t->jt_len = (size_t)(p - t->jt_text);
	if (!real) {
		if (mag == UINT64_MAX)
			return (refuse(sc, "integer out of the 64-bit range"));
		t->jt_type = STORE_JSON_INTEGER;
		t->jt_int = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	} else {
		char buf[64], *copy = t->jt_len < sizeof(buf) ? buf : malloc(t->jt_len + 1);
		double v;

		if (copy == NULL)
			return (refuse(sc, "number too long"));
		memcpy(copy, t->jt_text, t->jt_len);
		copy[t->jt_len] = '\0';
		v = strtod(copy, NULL);
		if (copy != buf)
			free(copy);
		if (isinf(v))
			return (refuse(sc, "real number overflow"));
		t->jt_type = STORE_JSON_REAL;
	}
	sc->sc_p = p;
	return (0);
}

static int scan_value(
	struct scan *sc, struct store_json_tok *t, int depth, const struct store_json_tok *key);

/*
 * Reads an object at sc_p ('{').  Members are reported at depth 1 (parent
 * NULL) and depth 2 (parent outer).
 */
static int
scan_object(struct scan *sc, int depth, const struct store_json_tok *outer)
{
	int rv;

	sc->sc_p++;
	skip_ws(sc);
	if (sc->sc_p < sc->sc_end && *sc->sc_p == '}') {
		sc->sc_p++;
		return (0);
	}
	for (;;) {
		struct store_json_tok key, val;

		if (sc->sc_p >= sc->sc_end || *sc->sc_p != '"')
			return (refuse(sc, "string or '}' expected"));
		if ((rv = scan_string(sc, &key)) != 0)
			return (rv);
		skip_ws(sc);
		if (sc->sc_p >= sc->sc_end || *sc->sc_p != ':')
			return (refuse(sc, "':' expected"));
		sc->sc_p++;
		skip_ws(sc);
		if ((rv = scan_value(sc, &val, depth, depth == 1 ? &key : NULL)) != 0)
			return (rv);
		if (depth <= 2 && (rv = sc->sc_fn(sc->sc_arg, outer, &key, &val)) != 0)
			return (rv);
		skip_ws(sc);
		if (sc->sc_p < sc->sc_end && *sc->sc_p == ',') {
			sc->sc_p++;
			skip_ws(sc);
			continue;
		}
		if (sc->sc_p < sc->sc_end && *sc->sc_p == '}') {
			sc->sc_p++;
			return (0);
		}
		return (refuse(sc, "',' or '}' expected"));
	}
}

static int
scan_array(struct scan *sc, int depth)
{
	struct store_json_tok val;
	int rv;

	sc->sc_p++;
	skip_ws(sc);
	if (sc->sc_p < sc->sc_end && *sc->sc_p == ']') {
		sc->sc_p++;
		return (0);
	}
	for (;;) {
		if ((rv = scan_value(sc, &val, depth, NULL)) != 0)
			return (rv);
		skip_ws(sc);
		if (sc->sc_p < sc->sc_end && *sc->sc_p == ',') {
			sc->sc_p++;
			skip_ws(sc);
			continue;
		}
		if (sc->sc_p < sc->sc_end && *sc->sc_p == ']') {
			sc->sc_p++;
			return (0);
		}
		return (refuse(sc, "',' or ']' expected"));
	}
}

static int
scan_literal(struct scan *sc, struct store_json_tok *t, const char *word, enum store_json_type type)
{
	size_t n = strlen(word);

	if ((size_t)(sc->sc_end - sc->sc_p) < n || memcmp(sc->sc_p, word, n) != 0)
		return (refuse(sc, "invalid token"));
	t->jt_type = type;
	t->jt_text = sc->sc_p;
	t->jt_len = n;
	sc->sc_p += n;
	return (0);
}

/* Reads the value at sc_p, found at nesting depth (of its container). */
static int
scan_value(struct scan *sc, struct store_json_tok *t, int depth, const struct store_json_tok *key)
{
	const char *start = sc->sc_p;
	int rv;

	if (sc->sc_p >= sc->sc_end)
		return (refuse(sc, "value expected"));
	switch (*sc->sc_p) {
	case '"':
		return (scan_string(sc, t));
	case '{':
	case '[':
		if (depth >= STORE_JSON_MAX_DEPTH)
			return (refuse(sc, "nested too deep"));
		t->jt_type = *sc->sc_p == '{' ? STORE_JSON_OBJECT : STORE_JSON_ARRAY;
		rv = t->jt_type == STORE_JSON_OBJECT ? scan_object(sc, depth + 1, key)
						     : scan_array(sc, depth + 1);
		t->jt_text = start;
		t->jt_len = (size_t)(sc->sc_p - start);
		return (rv);
	case 't':
		return (scan_literal(sc, t, "true", STORE_JSON_TRUE));
	case 'f':
		return (scan_literal(sc, t, "false", STORE_JSON_FALSE));
	case 'n':
		return (scan_literal(sc, t, "null", STORE_JSON_NULL));
	default:
		return (scan_number(sc, t));
	}
}

int
store_json_scan(
	const char *text, size_t len, store_json_member_fn fn, void *arg, char *why, size_t whylen)
{
	struct scan sc = { text, text, text + len, fn, arg, why, whylen };
	int rv;

	skip_ws(&sc);
	if (sc.sc_p >= sc.sc_end || *sc.sc_p != '{')
		return (refuse(&sc, "'{' expected"));
	if ((rv = scan_object(&sc, 1, NULL)) != 0)
		return (rv);
	skip_ws(&sc);
	if (sc.sc_p != sc.sc_end)
		return (refuse(&sc, "end of text expected"));
	return (0);
}

long
store_json_unescape(const struct store_json_tok *t, char *out, size_t cap)
{
	const char *p = t->jt_text, *end = t->jt_text + t->jt_len;
	size_t n = 0;

	/* Every escape is at least as long as what it stands for: the token's length bounds. */
	if (t->jt_len + 1 > cap)
		return (-ENOSPC);
	if (!t->jt_escaped) {
		memcpy(out, p, t->jt_len);
		out[t->jt_len] = '\0';
		return ((long)t->jt_len);
	}
	while (p < end) {
		unsigned long cp;
		char c = *p++;

		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		c = *p++;
		switch (c) {
		case 'b':
			out[n++] = '\b';
			continue;
		case 'f':
			out[n++] = '\f';
			continue;
		case 'n':
			out[n++] = '\n';
			continue;
		case 'r':
			out[n++] = '\r';
			continue;
		case 't':
			out[n++] = '\t';
			continue;
		case 'u':
			break;
		default: /* '"', '\\', '/' */
			out[n++] = c;
			continue;
		}
		/* The scan checked the digits and the surrogate pairs. */
		cp = (unsigned long)read_u4(p, end);
		p += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     ((unsigned long)read_u4(p + 2, end) - 0xdc00);
			p += 6;
		}
		if (cp < 0x80) {
			out[n++] = (char)cp;
		} else if (cp < 0x800) {
			out[n++] = (char)(0xc0 | cp >> 6);
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[n++] = (char)(0xe0 | cp >> 12);
			out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[n++] = (char)(0xf0 | cp >> 18);
			out[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
			out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[n] = '\0';
	return ((long)n);
}
