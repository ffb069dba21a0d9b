/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a request to the endpoint or an upload through the gateway carries:
 * the seal and, for a detached seal, the document.  Three forms:
 *   application/json      {"seal": BASE64, "document": BASE64,
 *                          "document_name": NAME, "at": TIME}
 *   multipart/form-data   a part named "seal" (or a *.p7s / *.p7m / *.p7
 *                         file) and a part named "document" (or another file)
 *   anything else         the body is an enveloping seal (application/
 *                         pkcs7-mime, application/cms, application/octet-stream)
 * Parsing is bounded by the body and never copies it except to decode base64.
 */
#ifndef ESEAL_ES_UPLOAD_H
#define ESEAL_ES_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#define ES_UPLOAD_MAX_PARTS 16

struct es_upload {
	const uint8_t *u_seal; /* NULL when the request has no seal */
	size_t u_seal_len;
	const uint8_t *u_doc; /* NULL for an enveloping seal */
	size_t u_doc_len;
	char u_doc_name[128];
	char u_at[40];     /* validation time asked for ("" = now) */
	uint8_t *u_own[2]; /* base64-decoded buffers */
};

/* Returns 0, or -1 with what is wrong in err (a client error: HTTP 400). */
int es_upload_parse(const char *content_type, const uint8_t *body, size_t len, struct es_upload *u,
	char *err, size_t errlen);
void es_upload_free(struct es_upload *u);

#endif /* ESEAL_ES_UPLOAD_H */
