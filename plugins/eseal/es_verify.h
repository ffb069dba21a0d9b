/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verification of one CAdES / CMS seal (detached or enveloping) against a
 * policy, into an EN 319 102-1 verdict.  Thread-safe: a policy may be shared
 * by any number of concurrent verifications once loaded.
 */
#ifndef ESEAL_ES_VERIFY_H
#define ESEAL_ES_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "es_policy.h"
#include "es_verdict.h"

/*
 * Verifies seal (DER or PEM CMS SignedData).  content is the detached
 * document (NULL for an enveloping seal).  at is the validation time
 * (ES_TIME_NONE: now).  The verdict, whatever it is, is in r; the return is
 * 0, or a negative errno when memory ran out.
 */
int es_verify(const struct es_policy *p, const uint8_t *seal, size_t seal_len,
	const uint8_t *content, size_t content_len, int64_t at, struct es_result *r);

#endif /* ESEAL_ES_VERIFY_H */
