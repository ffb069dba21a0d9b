/* SPDX-License-Identifier: BSD-3-Clause */
/* Timestamp tokens through TS_RESP_verify_token. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "es_revoc.h"
#include "es_tsp.h"
#include "es_verdict.h"

static void
es_tsp_err(struct es_tst *out, enum es_tst_state st, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[120];

	out->ts_state = st;
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(out->ts_note, sizeof(out->ts_note), "%s (%s)", what, buf);
	} else {
		snprintf(out->ts_note, sizeof(out->ts_note), "%s", what);
	}
	ERR_clear_error();
}

/* A store of the anchors whose checks run at time at (the TS API takes its time from it). */
static X509_STORE *
es_tsp_store(const struct es_trust *t, int64_t at)
{
	X509_STORE *st = X509_STORE_new();

	if (st == NULL)
		return (NULL);
	for (int i = 0; i < sk_X509_num(t->t_anchors); i++)
		X509_STORE_add_cert(st, sk_X509_value(t->t_anchors, i));
	X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), (time_t)at);
	return (st);
}

static int
es_tsp_imprint(PKCS7 *p7, TS_TST_INFO *tst, const uint8_t *data, size_t dlen, struct es_tst *out)
{
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
	unsigned char md[EVP_MAX_MD_SIZE], *copy;
	unsigned int mdlen = 0;
	TS_VERIFY_CTX *vc;
	const EVP_MD *alg;
	int ok;

	alg = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
	if (alg == NULL || !EVP_Digest(data, dlen, md, &mdlen, alg, NULL)) {
		es_tsp_err(out, ES_TST_MALFORMED, "unknown imprint algorithm");
		return (-1);
	}
	if ((vc = TS_VERIFY_CTX_new()) == NULL || (copy = OPENSSL_memdup(md, mdlen)) == NULL) {
		TS_VERIFY_CTX_free(vc);
		es_tsp_err(out, ES_TST_MALFORMED, "out of memory");
		return (-1);
	}
	TS_VERIFY_CTX_set_flags(vc, TS_VFY_IMPRINT | TS_VFY_VERSION);
	TS_VERIFY_CTX_set_imprint(vc, copy, mdlen);
	ok = TS_RESP_verify_token(vc, p7);
	TS_VERIFY_CTX_free(vc);
	if (ok != 1) {
		es_tsp_err(out, ES_TST_IMPRINT_MISMATCH,
			"the timestamp's message imprint does not match what it must cover");
		return (-1);
	}
	return (0);
}

static int
es_tsp_signature(
	const struct es_trust *t, PKCS7 *p7, STACK_OF(X509) * pool, int64_t at, struct es_tst *out)
{
	STACK_OF(X509) *certs = NULL;
	TS_VERIFY_CTX *vc;
	X509_STORE *st;
	int ok;

	if ((vc = TS_VERIFY_CTX_new()) == NULL || (st = es_tsp_store(t, at)) == NULL) {
		TS_VERIFY_CTX_free(vc);
		es_tsp_err(out, ES_TST_SIGNATURE, "out of memory");
		return (-1);
	}
	TS_VERIFY_CTX_set_flags(vc, TS_VFY_SIGNATURE);
	TS_VERIFY_CTX_set_store(vc, st);
	if (pool != NULL && (certs = X509_chain_up_ref(pool)) != NULL)
		TS_VERIFY_CTX_set_certs(vc, certs);
	ok = TS_RESP_verify_token(vc, p7);
	TS_VERIFY_CTX_free(vc);
	if (ok != 1) {
		es_tsp_err(out, ES_TST_SIGNATURE,
			"the TSA's signature does not verify to a trust anchor at the validation "
			"time");
		return (-1);
	}
	return (0);
}

void
es_tsp_check(const struct es_trust *t, const uint8_t *der, size_t len, const uint8_t *data,
	size_t dlen, STACK_OF(X509) * pool, int64_t at, struct es_tst *out)
{
	const unsigned char *q = der;
	STACK_OF(X509) * signers;
	TS_TST_INFO *tst = NULL;
	PKCS7 *p7;

	memset(out, 0, sizeof(*out));
	out->ts_time = ES_TIME_NONE;
	if ((p7 = d2i_PKCS7(NULL, &q, (long)len)) == NULL ||
		(tst = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		es_tsp_err(out, ES_TST_MALFORMED, "not an RFC 3161 timestamp token");
		goto out;
	}
	out->ts_time = es_asn1_time(TS_TST_INFO_get_time(tst));
	if (PKCS7_type_is_signed(p7) && (signers = PKCS7_get0_signers(p7, pool, 0)) != NULL) {
		if (sk_X509_num(signers) > 0)
			X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)),
				out->ts_tsa, sizeof(out->ts_tsa));
		sk_X509_free(signers);
	}
	ERR_clear_error();
	if (data != NULL && es_tsp_imprint(p7, tst, data, dlen, out) < 0)
		goto out;
	if (es_tsp_signature(t, p7, pool, at, out) < 0)
		goto out;
	out->ts_state = ES_TST_VALID;
out:
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
}
