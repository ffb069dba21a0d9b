/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chain building to the trust anchors only: certificates carried in a seal
 * help to find the path but are never trusted themselves.  Validity periods
 * are recorded rather than fatal, so the caller can weigh them against proof
 * of existence (EN 319 102-1's OUT_OF_BOUNDS_* and EXPIRED).
 */
#ifndef ESEAL_ES_CHAIN_H
#define ESEAL_ES_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "es_trust.h"

struct es_chain {
	STACK_OF(X509) * ch_certs; /* leaf first, anchor last; NULL when none was built */
	int ch_error;              /* first X509_V_ERR_* other than validity, or 0 */
	int ch_error_depth;
	int ch_expired_depth; /* the first certificate past notAfter, or -1 */
	int ch_future_depth;  /* the first certificate before notBefore, or -1 */
};

/*
 * Builds and checks the chain of leaf at time at.  purpose is an
 * X509_PURPOSE_* (X509_PURPOSE_ANY for seals).  Returns 0 when a chain to an
 * anchor was built (ch_error may still be set), -1 otherwise.
 */
int es_chain_build(const struct es_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, int64_t at,
	int purpose, struct es_chain *ch);
void es_chain_free(struct es_chain *ch);

#endif /* ESEAL_ES_CHAIN_H */
