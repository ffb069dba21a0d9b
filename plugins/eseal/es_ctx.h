/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state of one verification, shared by its stages: es_verify.c (format,
 * signing certificate, cryptography, timestamps) and es_validate.c (chain,
 * revocation, constraints, level).
 */
#ifndef ESEAL_ES_CTX_H
#define ESEAL_ES_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "es_chain.h"
#include "es_policy.h"
#include "es_revoc.h"
#include "es_verdict.h"

struct es_vctx {
	const struct es_policy *v_pol;
	struct es_result *v_res;
	CMS_ContentInfo *v_cms;
	CMS_SignerInfo *v_si;
	int v_index;                  /* which SignerInfo */
	X509 *v_signer;               /* borrowed from v_pool */
	STACK_OF(X509) * v_pool;      /* seal certificates, certValues, intermediates, anchors */
	STACK_OF(X509) * v_untrusted; /* the same without the anchors */
	const uint8_t *v_der;         /* the seal's DER encoding */
	size_t v_derlen;
	const uint8_t *v_content; /* the signed content (detached or embedded) */
	size_t v_contentlen;
	struct es_chain v_chain;
	bool v_chain_built;
	struct es_revdata v_rev;
	int64_t v_check_time; /* proof of existence if any, else the validation time */
	bool v_has_signing_cert_attr;
	bool v_has_revocation_data;
};

/* es_validate.c: run after the cryptographic checks. */
void es_validate_chain(struct es_vctx *v);
void es_validate_revocation(struct es_vctx *v);
void es_validate_constraints(struct es_vctx *v);
void es_validate_level(struct es_vctx *v);

#endif /* ESEAL_ES_CTX_H */
