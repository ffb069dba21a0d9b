/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timestamp tokens (RFC 3161) inside a seal, verified with OpenSSL's TS API:
 * the message imprint against the data it must cover, and the TSA's
 * signature with a chain to the trust anchors at the validation time.
 */
#ifndef ESEAL_ES_TSP_H
#define ESEAL_ES_TSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "es_trust.h"

enum es_tst_state {
	ES_TST_VALID = 0,
	ES_TST_MALFORMED,        /* not a timestamp token */
	ES_TST_IMPRINT_MISMATCH, /* covers other data */
	ES_TST_SIGNATURE,        /* the TSA's signature or chain does not verify */
};

struct es_tst {
	enum es_tst_state ts_state;
	int64_t ts_time;   /* genTime, ES_TIME_NONE when unreadable */
	char ts_tsa[256];  /* the TSA's certificate subject */
	char ts_note[256]; /* what went wrong */
};

/*
 * Checks one token (the DER value of a timestamp attribute).  data, when not
 * NULL, is what the imprint must be the digest of; pool adds certificates to
 * find the TSA's chain; at is the validation time.
 */
void es_tsp_check(const struct es_trust *t, const uint8_t *der, size_t len, const uint8_t *data,
	size_t dlen, STACK_OF(X509) * pool, int64_t at, struct es_tst *out);

#endif /* ESEAL_ES_TSP_H */
