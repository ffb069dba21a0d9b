/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cryptographic constraints (after ETSI TS 119 312 and the EU DSS default
 * policy): which digests and keys are acceptable, and until when.
 */
#ifndef ESEAL_ES_CONSTRAINTS_H
#define ESEAL_ES_CONSTRAINTS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "es_policy.h"

enum es_crypto_ok {
	ES_CRYPTO_OK = 0,
	ES_CRYPTO_EXPIRED, /* acceptable before a date that the time of use is past */
	ES_CRYPTO_REFUSED, /* never acceptable */
};

/* A digest algorithm (by NID) used at time 'at'. */
enum es_crypto_ok es_constraints_digest(int md_nid, int64_t at, char *why, size_t len);
/* A public key used at time 'at'. */
enum es_crypto_ok es_constraints_key(
	const struct es_policy *p, EVP_PKEY *pk, int64_t at, char *why, size_t len);

#endif /* ESEAL_ES_CONSTRAINTS_H */
