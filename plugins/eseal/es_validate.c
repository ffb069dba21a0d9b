/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * X.509 validation of the seal certificate at the time that counts (the
 * proof of existence when a timestamp gives one, else the validation time),
 * revocation, cryptographic constraints and the assurance level.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "es_cert.h"
#include "es_constraints.h"
#include "es_ctx.h"

static void
es_when(int64_t t, char *buf, size_t len)
{
	es_time_str(t, buf, len);
}

static bool
es_is_constraint_error(int err)
{
	switch (err) {
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_INVALID_EXTENSION:
	case X509_V_ERR_INVALID_POLICY_EXTENSION:
	case X509_V_ERR_NO_EXPLICIT_POLICY:
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
		return (true);
	default:
		return (false);
	}
}

static void
es_chain_missing(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	const struct es_chain *ch = &v->v_chain;
	int err = ch->ch_error;

	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_CERT_UNTRUSTED:
		es_result_check(
			r, ES_CHK_CHAIN, ES_CHECK_FAILED, "%s", X509_verify_cert_error_string(err));
		es_result_fail(r, ES_NO_CERTIFICATE_CHAIN_FOUND,
			"The seal's certificate (issued by %s) does not lead to any of the %d "
			"trusted anchors: add the issuing CA or its trusted list to the policy if "
			"it is to be trusted.",
			r->r_issuer, sk_X509_num(v->v_pol->p_trust.t_anchors));
		break;
	default:
		es_result_check(r, ES_CHK_CHAIN, ES_CHECK_FAILED, "%s at depth %d",
			X509_verify_cert_error_string(err), ch->ch_error_depth);
		es_result_fail(r,
			es_is_constraint_error(err) ? ES_CHAIN_CONSTRAINTS_FAILURE
						    : ES_CERTIFICATE_CHAIN_GENERAL_FAILURE,
			"The certificate chain is not valid: %s (certificate %d of the chain).",
			X509_verify_cert_error_string(err), ch->ch_error_depth);
	}
}

/* The seal certificate must allow signing: digitalSignature or nonRepudiation. */
static bool
es_key_usage_ok(X509 *x)
{
	uint32_t ku;

	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0)
		return (true);
	ku = X509_get_key_usage(x);
	return ((ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0);
}

void
es_validate_chain(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	const struct es_chain *ch = &v->v_chain;
	bool poe = r->r_poe_time != ES_TIME_NONE;
	char t1[32], t2[32];

	if (!v->v_chain_built) {
		es_chain_missing(v);
		return;
	}
	es_cert_name(
		X509_get_subject_name(sk_X509_value(ch->ch_certs, sk_X509_num(ch->ch_certs) - 1)),
		r->r_anchor, sizeof(r->r_anchor));
	if (ch->ch_error != 0) {
		es_chain_missing(v);
		return;
	}
	if (!es_anchor_trusted_at(
		    es_trust_anchor_info(&v->v_pol->p_trust,
			    sk_X509_value(ch->ch_certs, sk_X509_num(ch->ch_certs) - 1)),
		    v->v_check_time)) {
		es_when(v->v_check_time, t1, sizeof(t1));
		es_result_check(r, ES_CHK_CHAIN, ES_CHECK_FAILED,
			"the anchor's trust service was not in a positive status at %s", t1);
		es_result_fail(r, ES_NO_CERTIFICATE_CHAIN_FOUND,
			"The chain ends at %s, but its trusted list does not show that service as "
			"granted at %s, the time the seal is judged at.",
			r->r_anchor, t1);
		return;
	}
	if (!es_key_usage_ok(v->v_signer)) {
		es_result_check(r, ES_CHK_CHAIN, ES_CHECK_FAILED, "key usage forbids signing");
		es_result_fail(r, ES_CHAIN_CONSTRAINTS_FAILURE,
			"The seal's certificate does not allow digital signatures (key usage).");
		return;
	}
	es_when(v->v_check_time, t1, sizeof(t1));
	if (ch->ch_future_depth >= 0) {
		es_result_check(r, ES_CHK_CHAIN, ES_CHECK_FAILED, "not yet valid at %s", t1);
		es_result_fail(r, ES_NOT_YET_VALID,
			"The %s certificate was not yet valid at %s, the time the seal is judged "
			"at.",
			ch->ch_future_depth == 0 ? "seal's" : "CA's", t1);
		return;
	}
	if (ch->ch_expired_depth == 0) {
		es_when(r->r_cert_not_after, t2, sizeof(t2));
		es_result_check(
			r, ES_CHK_CHAIN, ES_CHECK_FAILED, "expired %s, checked at %s", t2, t1);
		if (poe || (r->r_signing_time != ES_TIME_NONE &&
				   r->r_signing_time > r->r_cert_not_after))
			es_result_fail(r, ES_EXPIRED,
				"The seal was made after its certificate expired on %s.", t2);
		else
			es_result_fail(r, ES_OUT_OF_BOUNDS_NO_POE,
				"The seal's certificate expired on %s and nothing proves the seal "
				"existed before then (no valid signature timestamp).",
				t2);
		return;
	}
	if (ch->ch_expired_depth > 0) {
		es_result_check(
			r, ES_CHK_CHAIN, ES_CHECK_FAILED, "a CA certificate expired by %s", t1);
		es_result_fail(r, ES_OUT_OF_BOUNDS_NO_POE,
			"A CA certificate of the chain had expired at %s and nothing proves the "
			"seal existed before then.",
			t1);
		return;
	}
	es_result_check(r, ES_CHK_CHAIN, ES_CHECK_PASSED, "%d certificates to %s at %s",
		sk_X509_num(ch->ch_certs), r->r_anchor, t1);
}

/* The seal certificate was revoked at rt, before or at the time it is judged at. */
static void
es_revoked_signer(struct es_vctx *v, int64_t rt)
{
	struct es_result *r = v->v_res;
	char t[32];

	es_when(rt, t, sizeof(t));
	r->r_revocation_time = rt;
	if (r->r_poe_time != ES_TIME_NONE)
		es_result_fail(r, ES_REVOKED,
			"The seal's certificate was revoked on %s, before the seal's proven time.",
			t);
	else if (r->r_signing_time != ES_TIME_NONE && r->r_signing_time >= rt)
		es_result_fail(r, ES_REVOKED,
			"The seal's certificate was revoked on %s and the seal claims to have been "
			"made after that.",
			t);
	else
		es_result_fail(r, ES_REVOKED_NO_POE,
			"The seal's certificate was revoked on %s and nothing proves the seal was "
			"made before.",
			t);
}

void
es_validate_revocation(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	STACK_OF(X509) *c = v->v_chain.ch_certs;
	enum es_revstat st, leaf = ES_RS_UNKNOWN;
	char src[64], leafsrc[64] = "", t[32];
	int64_t rt;
	int n;

	if (v->v_pol->p_revocation == ES_REV_IGNORE) {
		es_result_check(r, ES_CHK_REVOCATION, ES_CHECK_SKIPPED, "ignored by the policy");
		return;
	}
	if (!v->v_chain_built) {
		es_result_check(r, ES_CHK_REVOCATION, ES_CHECK_SKIPPED, "no chain");
		return;
	}
	/* Every certificate but the anchor, whose trust is the list's business. */
	n = sk_X509_num(c);
	for (int i = 0; i + 1 < n; i++) {
		rt = ES_TIME_NONE;
		st = es_revoc_status(&v->v_rev, &v->v_pol->p_trust, sk_X509_value(c, i),
			sk_X509_value(c, i + 1), v->v_pool, &rt, src, sizeof(src));
		if (i == 0) {
			leaf = st;
			snprintf(leafsrc, sizeof(leafsrc), "%s", src);
		}
		if (st != ES_RS_REVOKED || rt > v->v_check_time)
			continue;
		es_when(rt, t, sizeof(t));
		es_result_check(r, ES_CHK_REVOCATION, ES_CHECK_FAILED, "%s revoked %s (%s)",
			i == 0 ? "seal certificate" : "CA certificate", t, src);
		if (i == 0) {
			es_revoked_signer(v, rt);
		} else {
			r->r_revocation_time = rt;
			es_result_fail(r, ES_REVOKED_CA_NO_POE,
				"A CA certificate of the chain was revoked on %s.", t);
		}
		return;
	}
	if (leaf == ES_RS_GOOD || leaf == ES_RS_REVOKED) {
		es_result_check(r, ES_CHK_REVOCATION, ES_CHECK_PASSED,
			"not revoked at the time "
			"used (%s)",
			leafsrc);
		return;
	}
	if (n == 1) {
		es_result_check(r, ES_CHK_REVOCATION, ES_CHECK_PASSED,
			"the seal certificate is itself a trust anchor");
		return;
	}
	es_result_check(r, ES_CHK_REVOCATION, ES_CHECK_UNKNOWN,
		"no verifiable CRL or OCSP response for the seal certificate");
	if (v->v_pol->p_revocation == ES_REV_REQUIRE)
		es_result_fail(r, ES_TRY_LATER,
			"No revocation information for the seal's certificate was available; the "
			"policy requires it (try again when a CRL or OCSP response is at hand).");
}

static bool
es_constraint(struct es_vctx *v, enum es_crypto_ok ok, const char *why)
{
	struct es_result *r = v->v_res;

	if (ok == ES_CRYPTO_OK)
		return (true);
	es_result_check(r, ES_CHK_CONSTRAINTS, ES_CHECK_FAILED, "%s", why);
	if (ok == ES_CRYPTO_EXPIRED)
		es_result_fail(r, ES_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			"The seal uses an algorithm no longer acceptable (%s) and nothing proves "
			"it was made while it still was.",
			why);
	else
		es_result_fail(r, ES_CRYPTO_CONSTRAINTS_FAILURE,
			"The seal uses an algorithm or key that is not acceptable: %s.", why);
	return (false);
}

void
es_validate_constraints(struct es_vctx *v)
{
	STACK_OF(X509) *c = v->v_chain.ch_certs;
	X509_ALGOR *dig, *sig;
	int64_t at = v->v_check_time;
	int mdnid, pknid, n;
	EVP_PKEY *pk;
	char why[160];

	CMS_SignerInfo_get0_algs(v->v_si, NULL, NULL, &dig, &sig);
	if (!es_constraint(v,
		    es_constraints_digest(OBJ_obj2nid(dig->algorithm), at, why, sizeof(why)), why))
		return;
	if (OBJ_find_sigid_algs(OBJ_obj2nid(sig->algorithm), &mdnid, &pknid) &&
		mdnid != NID_undef &&
		!es_constraint(v, es_constraints_digest(mdnid, at, why, sizeof(why)), why))
		return;
	if ((pk = X509_get0_pubkey(v->v_signer)) == NULL ||
		!es_constraint(v, es_constraints_key(v->v_pol, pk, at, why, sizeof(why)), why))
		return;
	/* The signatures on the chain's certificates, the anchor's own excepted. */
	n = v->v_chain_built ? sk_X509_num(c) : 0;
	for (int i = 0; i + 1 < n; i++) {
		int secbits;
		uint32_t flags;

		if (X509_get_signature_info(
			    sk_X509_value(c, i), &mdnid, &pknid, &secbits, &flags) &&
			mdnid != NID_undef &&
			!es_constraint(v, es_constraints_digest(mdnid, at, why, sizeof(why)), why))
			return;
		if ((pk = X509_get0_pubkey(sk_X509_value(c, i + 1))) != NULL &&
			!es_constraint(
				v, es_constraints_key(v->v_pol, pk, at, why, sizeof(why)), why))
			return;
	}
	ERR_clear_error();
	es_result_check(v->v_res, ES_CHK_CONSTRAINTS, ES_CHECK_PASSED, "%s, %d-bit key",
		v->v_res->r_digest_alg, v->v_res->r_key_bits);
}

static bool
es_rule_ca(const struct es_level_rule *lr, STACK_OF(X509) * c)
{
	char buf[512], fp[65];

	for (int i = 0; i < sk_X509_num(c); i++) {
		X509 *x = sk_X509_value(c, i);

		if (lr->lr_ca_sha256[0] != '\0') {
			es_cert_sha256(x, fp);
			if (strcmp(fp, lr->lr_ca_sha256) != 0)
				continue;
		}
		if (lr->lr_ca_subject[0] != '\0') {
			es_cert_name(X509_get_subject_name(x), buf, sizeof(buf));
			if (strcmp(buf, lr->lr_ca_subject) != 0)
				continue;
		}
		return (true);
	}
	return (false);
}

static bool
es_rule_matches(struct es_vctx *v, const struct es_level_rule *lr)
{
	STACK_OF(X509) *c = v->v_chain.ch_certs;
	const struct es_anchor_info *ai;

	if ((lr->lr_ca_sha256[0] != '\0' || lr->lr_ca_subject[0] != '\0') && !es_rule_ca(lr, c))
		return (false);
	if (lr->lr_policy_oid[0] != '\0' && !es_cert_has_policy(v->v_signer, lr->lr_policy_oid))
		return (false);
	if (lr->lr_qc_type[0] != '\0' && !es_cert_has_qc_type(v->v_signer, lr->lr_qc_type))
		return (false);
	if (lr->lr_tl_qualifier[0] != '\0' || lr->lr_tl_service[0] != '\0') {
		ai = es_trust_anchor_info(&v->v_pol->p_trust, sk_X509_value(c, sk_X509_num(c) - 1));
		if (ai == NULL)
			return (false);
		if (lr->lr_tl_service[0] != '\0' &&
			strcmp(ai->ai_service_type, lr->lr_tl_service) != 0)
			return (false);
		if (lr->lr_tl_qualifier[0] != '\0') {
			const char *q = strstr(ai->ai_qualifiers, lr->lr_tl_qualifier);
			size_t l = strlen(lr->lr_tl_qualifier);

			if (q == NULL || (q[l] != '\0' && q[l] != ' '))
				return (false);
		}
	}
	return (true);
}

void
es_validate_level(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	const struct es_policy *p = v->v_pol;

	if (r->r_ind != ES_TOTAL_PASSED || !v->v_chain_built)
		return;
	for (size_t i = 0; i < p->p_nrules; i++) {
		if (!es_rule_matches(v, &p->p_rules[i]))
			continue;
		r->r_level = p->p_rules[i].lr_level;
		snprintf(r->r_level_rule, sizeof(r->r_level_rule), "%.140s:%d", p->p_path,
			p->p_rules[i].lr_line);
		return;
	}
	r->r_level = 1;
	snprintf(
		r->r_level_rule, sizeof(r->r_level_rule), "trusted, not in the level map: level 1");
}
