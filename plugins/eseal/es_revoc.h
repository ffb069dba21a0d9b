/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Revocation: CRLs (embedded in SignedData, in a CAdES revocationValues
 * attribute, or configured) and OCSP responses (SignedData's "other"
 * revocation entries under id-ri-ocsp-response 1.3.6.1.5.5.7.16.2 or
 * id-pkix-ocsp-basic 1.3.6.1.5.5.7.48.1.1, and revocationValues' ocspVals).
 */
#ifndef ESEAL_ES_REVOC_H
#define ESEAL_ES_REVOC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "es_trust.h"

#define ES_REV_OCSP_MAX 64

struct es_revdata {
	STACK_OF(X509_CRL) * rd_crls;
	OCSP_BASICRESP *rd_ocsp[ES_REV_OCSP_MAX];
	int rd_nocsp;
	int rd_embedded;  /* CRLs and OCSP responses carried by the seal */
	int rd_malformed; /* entries that did not parse (skipped) */
};

enum es_revstat {
	ES_RS_UNKNOWN = 0,
	ES_RS_GOOD,
	ES_RS_REVOKED,
};

/*
 * Collects the revocation material of a seal (der is its DER encoding) and
 * the configured CRLs; certificates of a certValues attribute go to pool.
 */
int es_revdata_collect(struct es_revdata *rd, const struct es_trust *t, CMS_SignerInfo *si,
	const uint8_t *der, size_t len, STACK_OF(X509) * pool);
void es_revdata_free(struct es_revdata *rd);

/*
 * The status of cert (issued by issuer) from verified material only;
 * *rev_time gets the revocation time, src a description of the source.
 */
enum es_revstat es_revoc_status(const struct es_revdata *rd, const struct es_trust *t, X509 *cert,
	X509 *issuer, STACK_OF(X509) * pool, int64_t *rev_time, char *src, size_t srclen);

/* Seconds since the epoch of an ASN1_TIME, or INT64_MIN. */
int64_t es_asn1_time(const ASN1_TIME *t);

#endif /* ESEAL_ES_REVOC_H */
