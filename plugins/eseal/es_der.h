/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walking DER with OpenSSL's ASN1_get_object, for the few structures the
 * OpenSSL API does not expose (SignedData's "other" revocation entries,
 * CAdES revocationValues, QCStatements).  Every read is bounded by its
 * enclosing element; BER indefinite lengths are refused.
 */
#ifndef ESEAL_ES_DER_H
#define ESEAL_ES_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct es_tlv {
	int tv_tag;
	int tv_class; /* V_ASN1_UNIVERSAL, V_ASN1_CONTEXT_SPECIFIC, ... */
	bool tv_cons;
	const uint8_t *tv_body; /* contents */
	long tv_blen;
	const uint8_t *tv_der; /* the whole element */
	long tv_dlen;
};

/* Reads the element at *p (before end) and moves *p past it; -1 at the end or on bad DER. */
int es_tlv_next(const uint8_t **p, const uint8_t *end, struct es_tlv *tv);
/* The dotted form of an OBJECT IDENTIFIER element into buf; -1 if it is not one. */
int es_tlv_oid(const struct es_tlv *tv, char *buf, size_t len);

/*
 * Writes tag, the DER length of len, and body into out (of outlen bytes);
 * returns the bytes written, or 0 when out is too small.
 */
size_t es_der_put(uint8_t *out, size_t outlen, int tag, const uint8_t *body, size_t len);

#endif /* ESEAL_ES_DER_H */
