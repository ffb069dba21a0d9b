/* SPDX-License-Identifier: BSD-3-Clause */
/* Request bodies: JSON with base64 (jansson, OpenSSL), multipart/form-data, raw. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "es_upload.h"

#define ES_PART_HEADERS_MAX 8192

static int
es_b64(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx;
	int n = 0, m = 0;
	uint8_t *buf;

	if (len > (size_t)INT32_MAX || (buf = malloc(len / 4 * 3 + 4)) == NULL)
		return (-1);
	if ((ctx = EVP_ENCODE_CTX_new()) == NULL) {
		free(buf);
		return (-1);
	}
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)s, (int)len) < 0 ||
		EVP_DecodeFinal(ctx, buf + n, &m) < 0) {
		EVP_ENCODE_CTX_free(ctx);
		free(buf);
		return (-1);
	}
	EVP_ENCODE_CTX_free(ctx);
	*out = buf;
	*outlen = (size_t)(n + m);
	return (0);
}

static int
es_upload_json(const uint8_t *body, size_t len, struct es_upload *u, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *v;
	int rv = -1;

	o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL || !json_is_object(o)) {
		snprintf(err, errlen, "the body is not a JSON object (%s, column %d)",
			o == NULL ? je.text : "another JSON value", je.column);
		json_decref(o);
		return (-1);
	}
	v = json_object_get(o, "seal");
	if (!json_is_string(v) || es_b64(json_string_value(v), json_string_length(v), &u->u_own[0],
					  &u->u_seal_len) < 0) {
		snprintf(err, errlen, "\"seal\": expected the seal in base64");
		goto out;
	}
	u->u_seal = u->u_own[0];
	if ((v = json_object_get(o, "document")) != NULL) {
		if (!json_is_string(v) || es_b64(json_string_value(v), json_string_length(v),
						  &u->u_own[1], &u->u_doc_len) < 0) {
			snprintf(err, errlen, "\"document\": expected the document in base64");
			goto out;
		}
		u->u_doc = u->u_own[1];
	}
	if ((v = json_object_get(o, "document_name")) != NULL && json_is_string(v))
		snprintf(u->u_doc_name, sizeof(u->u_doc_name), "%s", json_string_value(v));
	if ((v = json_object_get(o, "at")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof(u->u_at)) {
			snprintf(err, errlen,
				"\"at\": expected a time such as 2020-03-01T12:00:00Z");
			goto out;
		}
		snprintf(u->u_at, sizeof(u->u_at), "%s", json_string_value(v));
	}
	rv = 0;
out:
	json_decref(o);
	return (rv);
}

/* A parameter of a header value ("boundary", "name", ...), quoted or not. */
static int
es_param(const char *h, size_t hlen, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), i = 0, n = 0;

	while (i < hlen) {
		while (i < hlen && h[i] != ';')
			i++;
		if (i >= hlen)
			break;
		i++;
		while (i < hlen && (h[i] == ' ' || h[i] == '\t'))
			i++;
		if (hlen - i <= klen || strncasecmp(h + i, key, klen) != 0 || h[i + klen] != '=')
			continue;
		i += klen + 1;
		if (i < hlen && h[i] == '"') {
			for (i++; i < hlen && h[i] != '"' && n + 1 < outlen; i++)
				out[n++] = h[i];
		} else {
			for (; i < hlen && h[i] != ';' && h[i] != ' ' && h[i] != '\r' &&
				n + 1 < outlen;
				i++)
				out[n++] = h[i];
		}
		out[n] = '\0';
		return (n > 0 ? 0 : -1);
	}
	return (-1);
}

static bool
es_has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return (a >= b && strcasecmp(s + a - b, suf) == 0);
}

/* One part: headers [h, h+hlen), contents [c, c+clen). */
static void
es_part(struct es_upload *u, const char *h, size_t hlen, const uint8_t *c, size_t clen)
{
	char name[64] = "", file[128] = "";
	const char *cd = NULL;

	for (size_t i = 0; i + 20 <= hlen; i++) {
		if ((i == 0 || h[i - 1] == '\n') &&
			strncasecmp(h + i, "Content-Disposition:", 20) == 0) {
			cd = h + i;
			break;
		}
	}
	if (cd != NULL) {
		size_t cdlen = (size_t)(h + hlen - cd);
		const char *eol = memchr(cd, '\r', cdlen);

		if (eol != NULL)
			cdlen = (size_t)(eol - cd);
		(void)es_param(cd, cdlen, "name", name, sizeof(name));
		(void)es_param(cd, cdlen, "filename", file, sizeof(file));
	}
	if (strcmp(name, "seal") == 0 ||
		(strcmp(name, "document") != 0 &&
			(es_has_suffix(file, ".p7s") || es_has_suffix(file, ".p7m") ||
				es_has_suffix(file, ".p7")))) {
		if (u->u_seal == NULL) {
			u->u_seal = c;
			u->u_seal_len = clen;
		}
		return;
	}
	if (u->u_doc == NULL && (strcmp(name, "document") == 0 || file[0] != '\0')) {
		u->u_doc = c;
		u->u_doc_len = clen;
		snprintf(u->u_doc_name, sizeof(u->u_doc_name), "%s", file);
	}
}

static int
es_upload_multipart(const char *ctype, const uint8_t *body, size_t len, struct es_upload *u,
	char *err, size_t errlen)
{
	char bnd[80], delim[84];
	const uint8_t *p, *end = body + len, *hend, *next;
	size_t dlen;
	int parts = 0;

	if (es_param(ctype, strlen(ctype), "boundary", bnd, sizeof(bnd)) < 0 || strlen(bnd) > 70) {
		snprintf(err, errlen, "multipart/form-data without a valid boundary");
		return (-1);
	}
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", bnd);
	/* The first delimiter may open the body, without the CRLF before it. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else
		goto bad;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			if (parts > 0)
				return (0);
			snprintf(err, errlen, "multipart/form-data body without any part");
			return (-1);
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto bad;
		p += 2;
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hend == NULL || hend - p > ES_PART_HEADERS_MAX)
			goto bad;
		next = memmem(hend + 4, (size_t)(end - hend - 4), delim, dlen);
		if (next == NULL)
			goto bad;
		if (++parts > ES_UPLOAD_MAX_PARTS) {
			snprintf(err, errlen, "more than %d parts", ES_UPLOAD_MAX_PARTS);
			return (-1);
		}
		es_part(u, (const char *)p, (size_t)(hend - p) + 2, hend + 4,
			(size_t)(next - hend - 4));
		p = next + dlen;
	}
bad:
	snprintf(err, errlen, "malformed multipart/form-data body (boundary \"%s\")", bnd);
	return (-1);
}

int
es_upload_parse(const char *content_type, const uint8_t *body, size_t len, struct es_upload *u,
	char *err, size_t errlen)
{
	const char *ct = content_type != NULL ? content_type : "";

	memset(u, 0, sizeof(*u));
	while (isspace((unsigned char)*ct))
		ct++;
	if (strncasecmp(ct, "application/json", 16) == 0)
		return (es_upload_json(body, len, u, err, errlen));
	if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		return (es_upload_multipart(ct, body, len, u, err, errlen));
	if (len == 0) {
		snprintf(err, errlen,
			"empty body: send the seal (enveloping), JSON or "
			"multipart/form-data");
		return (-1);
	}
	u->u_seal = body;
	u->u_seal_len = len;
	return (0);
}

void
es_upload_free(struct es_upload *u)
{
	free(u->u_own[0]);
	free(u->u_own[1]);
	memset(u, 0, sizeof(*u));
}
