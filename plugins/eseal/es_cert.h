/* SPDX-License-Identifier: BSD-3-Clause */
/* What the verdict says about a certificate: names, fingerprint, policies, QcTypes. */
#ifndef ESEAL_ES_CERT_H
#define ESEAL_ES_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

/* The subject or issuer in RFC 2253 form, UTF-8 kept. */
void es_cert_name(const X509_NAME *n, char *buf, size_t len);
/* One attribute of a name (NID_organizationName, ...) as UTF-8, "" when absent. */
void es_cert_name_entry(const X509_NAME *n, int nid, char *buf, size_t len);
/* Lowercase hex SHA-256 of the DER certificate (65 bytes). */
void es_cert_sha256(X509 *x, char out[65]);
void es_cert_serial(X509 *x, char *buf, size_t len);
/* Whether the certificatePolicies extension lists oid. */
bool es_cert_has_policy(X509 *x, const char *oid);
/* Whether a QCStatement QcType (0.4.0.1862.1.6) of x lists oid. */
bool es_cert_has_qc_type(X509 *x, const char *oid);

#endif /* ESEAL_ES_CERT_H */
