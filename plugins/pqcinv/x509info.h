/* SPDX-License-Identifier: BSD-3-Clause */
/* What the inventory records of an X.509 certificate seen in clear (TLS <= 1.2). */
#ifndef PQC_X509INFO_H
#define PQC_X509INFO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "classify.h"

/*
 * A JSON object for a DER certificate: subject, issuer, serial, not_before,
 * not_after, key_alg (dotted OID and name), key_bits, sig_alg, sha256, and
 * the class of its key and signature from the table.  NULL when the bytes
 * are not a certificate.
 */
json_t *x509_info(const uint8_t *der, size_t len, const struct pqc_table *t);

#endif /* PQC_X509INFO_H */
