/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One seal, stage by stage in EN 319 102-1's order: format checking,
 * identification of the signing certificate, proof of existence from
 * timestamps, cryptographic verification; es_validate.c then does the
 * X.509 validation, revocation, constraints and the assurance level.
 * Every stage runs and reports its check; the first failure in that order
 * is the verdict, except that a cryptographic TOTAL-FAILED outranks an
 * INDETERMINATE chain (as EN 319 102-1 5.3 says).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>

#include "es_cert.h"
#include "es_ctx.h"
#include "es_der.h"
#include "es_tsp.h"
#include "es_verify.h"

#define ES_OID_ATS_V3     "0.4.0.1733.2.4"
#define ES_OID_ATS_V2     "1.2.840.113549.1.9.16.2.48"
#define ES_OID_ATS_V1     "1.2.840.113549.1.9.16.2.27"
#define ES_OID_CONTENT_TS "1.2.840.113549.1.9.16.2.20"

/* Signers verified at most (the rest are counted). */
#define ES_MAX_SIGNERS 8

static void
es_openssl_why(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "no detail");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

/* DER, or PEM ("-----BEGIN CMS-----" / "PKCS7"), as one ContentInfo with nothing after it. */
static CMS_ContentInfo *
es_load(const uint8_t *seal, size_t len, char *why, size_t whylen)
{
	const unsigned char *p = seal;
	CMS_ContentInfo *cms;
	BIO *b;

	if (len >= 11 && memcmp(seal, "-----BEGIN ", 11) == 0) {
		if ((b = BIO_new_mem_buf(seal, (int)len)) == NULL)
			return (NULL);
		cms = PEM_read_bio_CMS(b, NULL, NULL, NULL);
		BIO_free(b);
		if (cms == NULL)
			es_openssl_why(why, whylen);
		return (cms);
	}
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL) {
		es_openssl_why(why, whylen);
		return (NULL);
	}
	while (p < seal + len && (*p == '\0' || *p == '\r' || *p == '\n'))
		p++;
	if (p != seal + len) {
		snprintf(why, whylen, "%zu bytes of trailing data after the CMS structure",
			(size_t)(seal + len - p));
		CMS_ContentInfo_free(cms);
		return (NULL);
	}
	return (cms);
}

static int
es_pool_add(STACK_OF(X509) * sk, STACK_OF(X509) * from)
{
	for (int i = 0; from != NULL && i < sk_X509_num(from); i++) {
		X509 *x = sk_X509_value(from, i);

		if (!X509_up_ref(x))
			return (-ENOMEM);
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			return (-ENOMEM);
		}
	}
	return (0);
}

/* The signed content-type attribute must name the encapsulated content's type. */
static bool
es_content_type_ok(struct es_vctx *v)
{
	const ASN1_OBJECT *want = CMS_get0_eContentType(v->v_cms);
	ASN1_OBJECT *got;

	got = CMS_signed_get0_data_by_OBJ(
		v->v_si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT);
	return (got != NULL && want != NULL && OBJ_cmp(got, want) == 0);
}

/* Format checking: a SignedData with one signer, its content, signed attributes. */
static int
es_stage_format(struct es_vctx *v, const uint8_t *content, size_t content_len)
{
	struct es_result *r = v->v_res;
	STACK_OF(CMS_SignerInfo) * sis;
	ASN1_OCTET_STRING **pos;

	if (OBJ_obj2nid(CMS_get0_type(v->v_cms)) != NID_pkcs7_signed) {
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "not a SignedData");
		es_result_fail(r, ES_FORMAT_FAILURE,
			"The file is CMS but not a signed structure, so it carries no seal.");
		return (-1);
	}
	sis = CMS_get0_SignerInfos(v->v_cms);
	if (sis == NULL || sk_CMS_SignerInfo_num(sis) < 1) {
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "no SignerInfo");
		es_result_fail(r, ES_FORMAT_FAILURE, "The signed structure holds no signature.");
		return (-1);
	}
	v->v_res->r_signers = sk_CMS_SignerInfo_num(sis);
	v->v_res->r_signer = v->v_index;
	v->v_si = sk_CMS_SignerInfo_value(sis, v->v_index);
	r->r_detached = CMS_is_detached(v->v_cms) == 1;
	if (r->r_detached) {
		if (content == NULL) {
			es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED,
				"detached seal without its document");
			es_result_fail(r, ES_SIGNED_DATA_NOT_FOUND,
				"The seal is detached and the sealed document was not supplied.");
			return (-1);
		}
		v->v_content = content;
		v->v_contentlen = content_len;
	} else if ((pos = CMS_get0_content(v->v_cms)) != NULL && *pos != NULL) {
		v->v_content = ASN1_STRING_get0_data(*pos);
		v->v_contentlen = (size_t)ASN1_STRING_length(*pos);
	}
	if (CMS_signed_get_attr_count(v->v_si) <= 0) {
		es_result_check(r, ES_CHK_SIGNED_ATTRS, ES_CHECK_ABSENT, "no signed attributes");
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "not CAdES");
		es_result_fail(r, ES_FORMAT_FAILURE,
			"The signature has no signed attributes: a CAdES seal must sign its "
			"content type, digest and signing certificate.");
		return (-1);
	}
	if (CMS_signed_get_attr_by_NID(v->v_si, NID_pkcs9_contentType, -1) < 0 ||
		CMS_signed_get_attr_by_NID(v->v_si, NID_pkcs9_messageDigest, -1) < 0) {
		es_result_check(r, ES_CHK_SIGNED_ATTRS, ES_CHECK_FAILED,
			"content-type or message-digest missing");
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "not CAdES");
		es_result_fail(r, ES_FORMAT_FAILURE,
			"The signed attributes lack the content type or the message digest.");
		return (-1);
	}
	if (!es_content_type_ok(v)) {
		es_result_check(r, ES_CHK_SIGNED_ATTRS, ES_CHECK_FAILED,
			"content-type differs from the content's type");
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "content-type mismatch");
		es_result_fail(r, ES_FORMAT_FAILURE,
			"The signed content type is not the type of the sealed content.");
		return (-1);
	}
	es_result_check(r, ES_CHK_SIGNED_ATTRS, ES_CHECK_PASSED, NULL);
	es_result_check(r, ES_CHK_FORMAT, ES_CHECK_PASSED, "%d signer(s), %s",
		sk_CMS_SignerInfo_num(sis), r->r_detached ? "detached" : "enveloping");
	return (0);
}

static void
es_fill_cert(struct es_result *r, X509 *x)
{
	const X509_NAME *subj = X509_get_subject_name(x);
	EVP_PKEY *pk = X509_get0_pubkey(x);

	es_cert_name(subj, r->r_subject, sizeof(r->r_subject));
	es_cert_name(X509_get_issuer_name(x), r->r_issuer, sizeof(r->r_issuer));
	es_cert_name_entry(subj, NID_organizationName, r->r_org, sizeof(r->r_org));
	es_cert_name_entry(subj, NID_organizationIdentifier, r->r_org_id, sizeof(r->r_org_id));
	es_cert_name_entry(subj, NID_commonName, r->r_common_name, sizeof(r->r_common_name));
	es_cert_name_entry(subj, NID_countryName, r->r_country, sizeof(r->r_country));
	es_cert_serial(x, r->r_serial, sizeof(r->r_serial));
	es_cert_sha256(x, r->r_cert_sha256);
	r->r_cert_not_before = es_asn1_time(X509_get0_notBefore(x));
	r->r_cert_not_after = es_asn1_time(X509_get0_notAfter(x));
	r->r_key_bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;
}

/* Identification of the signing certificate: carried, in certValues, or known locally. */
static int
es_stage_signer(struct es_vctx *v)
{
	const struct es_trust *t = &v->v_pol->p_trust;
	struct es_result *r = v->v_res;
	STACK_OF(X509) *certs = CMS_get1_certs(v->v_cms);
	X509_ALGOR *dig, *sig;
	int rv;

	rv = es_pool_add(v->v_pool, certs);
	sk_X509_pop_free(certs, X509_free);
	if (rv < 0 ||
		es_revdata_collect(&v->v_rev, t, v->v_si, v->v_der, v->v_derlen, v->v_pool) < 0 ||
		es_pool_add(v->v_pool, t->t_intermediates) < 0 ||
		(v->v_untrusted = sk_X509_dup(v->v_pool)) == NULL ||
		es_pool_add(v->v_pool, t->t_anchors) < 0)
		return (-ENOMEM);
	CMS_SignerInfo_get0_algs(v->v_si, NULL, NULL, &dig, &sig);
	snprintf(r->r_digest_alg, sizeof(r->r_digest_alg), "%s",
		OBJ_nid2sn(OBJ_obj2nid(dig->algorithm)));
	OBJ_obj2txt(r->r_sig_alg, sizeof(r->r_sig_alg), sig->algorithm, 0);
	for (int i = 0; i < sk_X509_num(v->v_pool); i++) {
		if (CMS_SignerInfo_cert_cmp(v->v_si, sk_X509_value(v->v_pool, i)) == 0) {
			v->v_signer = sk_X509_value(v->v_pool, i);
			break;
		}
	}
	ERR_clear_error();
	if (v->v_signer == NULL) {
		es_result_check(r, ES_CHK_SIGNING_CERT, ES_CHECK_FAILED,
			"no certificate matches the signer identifier");
		es_result_fail(r, ES_NO_SIGNING_CERTIFICATE_FOUND,
			"The seal's certificate is neither inside the seal nor known locally, so "
			"the sealing organisation cannot be identified.");
		return (-1);
	}
	es_fill_cert(r, v->v_signer);
	CMS_SignerInfo_set1_signer_cert(v->v_si, v->v_signer);
	return (0);
}

/*
 * SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies
 * OPTIONAL }: the same attribute reduced to its first reference, the signer's.
 */
static size_t
es_ess_first(const ASN1_STRING *s, uint8_t *out, size_t outlen)
{
	const uint8_t *p = ASN1_STRING_get0_data(s), *end = p + ASN1_STRING_length(s);
	struct es_tlv sc, certs, first;
	uint8_t inner[2048];
	size_t n;

	if (es_tlv_next(&p, end, &sc) < 0 || sc.tv_tag != V_ASN1_SEQUENCE)
		return (0);
	p = sc.tv_body;
	end = p + sc.tv_blen;
	if (es_tlv_next(&p, end, &certs) < 0 || certs.tv_tag != V_ASN1_SEQUENCE)
		return (0);
	p = certs.tv_body;
	end = p + certs.tv_blen;
	if (es_tlv_next(&p, end, &first) < 0)
		return (0);
	n = es_der_put(inner, sizeof(inner), 0x30, first.tv_der, (size_t)first.tv_dlen);
	return (n == 0 ? 0 : es_der_put(out, outlen, 0x30, inner, n));
}

struct es_ess {
	ESS_SIGNING_CERT_V2 *e_v2, *e_v2_first;
	ESS_SIGNING_CERT *e_v1, *e_v1_first;
};

static void
es_ess_load(CMS_SignerInfo *si, struct es_ess *e)
{
	uint8_t buf[2048];
	const unsigned char *p;
	ASN1_STRING *s;
	size_t n;

	memset(e, 0, sizeof(*e));
	s = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3, V_ASN1_SEQUENCE);
	if (s != NULL) {
		p = ASN1_STRING_get0_data(s);
		e->e_v2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p, ASN1_STRING_length(s));
		if ((n = es_ess_first(s, buf, sizeof(buf))) > 0) {
			p = buf;
			e->e_v2_first = d2i_ESS_SIGNING_CERT_V2(NULL, &p, (long)n);
		}
	}
	s = CMS_signed_get0_data_by_OBJ(
		si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3, V_ASN1_SEQUENCE);
	if (s != NULL) {
		p = ASN1_STRING_get0_data(s);
		e->e_v1 = d2i_ESS_SIGNING_CERT(NULL, &p, ASN1_STRING_length(s));
		if ((n = es_ess_first(s, buf, sizeof(buf))) > 0) {
			p = buf;
			e->e_v1_first = d2i_ESS_SIGNING_CERT(NULL, &p, (long)n);
		}
	}
	ERR_clear_error();
}

static void
es_ess_free(struct es_ess *e)
{
	ESS_SIGNING_CERT_V2_free(e->e_v2);
	ESS_SIGNING_CERT_V2_free(e->e_v2_first);
	ESS_SIGNING_CERT_free(e->e_v1);
	ESS_SIGNING_CERT_free(e->e_v1_first);
}

/*
 * The signing-certificate(-v2) attribute must name the certificate found
 * (ESS): its first reference is the signer's and must match.  The others
 * name certificates of the chain that may not be at hand (a root that is
 * not carried): they are checked and reported, never fatal.
 */
static void
es_stage_ess(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	STACK_OF(X509) * chain;
	struct es_ess e;
	const char *what;
	char why[160];
	int ok;

	es_ess_load(v->v_si, &e);
	v->v_has_signing_cert_attr = e.e_v1 != NULL || e.e_v2 != NULL;
	if (!v->v_has_signing_cert_attr) {
		es_result_check(r, ES_CHK_SIGNING_CERT, ES_CHECK_ABSENT,
			"no signing-certificate(-v2) attribute: the certificate is not bound "
			"to the signature");
		goto out;
	}
	what = e.e_v2 != NULL ? "signing-certificate-v2" : "signing-certificate";
	if ((chain = sk_X509_new_null()) == NULL)
		goto out;
	sk_X509_push(chain, v->v_signer);
	ok = (e.e_v1_first != NULL || e.e_v2_first != NULL) &&
	     OSSL_ESS_check_signing_certs(e.e_v1_first, e.e_v2_first, chain, 1) == 1;
	if (!ok) {
		es_openssl_why(why, sizeof(why));
		es_result_check(r, ES_CHK_SIGNING_CERT, ES_CHECK_FAILED, "%s: %s", what, why);
		es_result_fail(r, ES_NO_SIGNING_CERTIFICATE_FOUND,
			"The signed reference to the seal's certificate does not match the "
			"certificate that verifies it.");
		sk_X509_free(chain);
		goto out;
	}
	/* Then every reference, against the chain and every certificate at hand. */
	for (int i = 1; v->v_chain_built && i < sk_X509_num(v->v_chain.ch_certs); i++)
		sk_X509_push(chain, sk_X509_value(v->v_chain.ch_certs, i));
	for (int i = 0; i < sk_X509_num(v->v_pool); i++)
		sk_X509_push(chain, sk_X509_value(v->v_pool, i));
	ok = OSSL_ESS_check_signing_certs(e.e_v1, e.e_v2, chain, 1) == 1;
	ERR_clear_error();
	sk_X509_free(chain);
	es_result_check(r, ES_CHK_SIGNING_CERT, ES_CHECK_PASSED, "%s%s", what,
		ok ? "" : "; it also references certificates that are not at hand");
out:
	es_ess_free(&e);
}

/* The signature over the signed attributes, then the digest of the content. */
static void
es_stage_crypto(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	BIO *dcont = NULL, *cmsbio, *tmp;
	char buf[4096], why[160];
	int ok;

	if (CMS_SignerInfo_verify(v->v_si) == 1) {
		es_result_check(r, ES_CHK_SIGNATURE, ES_CHECK_PASSED, "%s", r->r_sig_alg);
	} else {
		es_openssl_why(why, sizeof(why));
		es_result_check(r, ES_CHK_SIGNATURE, ES_CHECK_FAILED, "%s", why);
		es_result_fail(r, ES_SIG_CRYPTO_FAILURE,
			"The seal's signature does not verify with its certificate: the signed "
			"attributes were altered or the signature was forged.");
	}
	if (r->r_detached && (dcont = BIO_new_mem_buf(v->v_content, (int)v->v_contentlen)) == NULL)
		return;
	if ((cmsbio = CMS_dataInit(v->v_cms, dcont)) == NULL) {
		es_openssl_why(why, sizeof(why));
		es_result_check(r, ES_CHK_DIGEST, ES_CHECK_FAILED, "%s", why);
		es_result_fail(r, ES_FORMAT_FAILURE, "The sealed content cannot be read.");
		BIO_free(dcont);
		return;
	}
	while (BIO_read(cmsbio, buf, sizeof(buf)) > 0)
		;
	ok = CMS_SignerInfo_verify_content(v->v_si, cmsbio);
	if (ok == 1) {
		es_result_check(r, ES_CHK_DIGEST, ES_CHECK_PASSED, "%s", r->r_digest_alg);
	} else {
		es_openssl_why(why, sizeof(why));
		es_result_check(r, ES_CHK_DIGEST, ES_CHECK_FAILED, "%s", why);
		es_result_fail(r, ES_HASH_FAILURE,
			"The document does not match the seal: it was changed after sealing, or "
			"it is not the document that was sealed.");
	}
	if (dcont == NULL) {
		BIO_free_all(cmsbio);
	} else {
		while (cmsbio != NULL && cmsbio != dcont) {
			tmp = BIO_pop(cmsbio);
			BIO_free(cmsbio);
			cmsbio = tmp;
		}
		BIO_free(dcont);
	}
}

static int64_t
es_signing_time(CMS_SignerInfo *si)
{
	X509_ATTRIBUTE *a;
	ASN1_TYPE *at;
	int idx;

	if ((idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)) < 0)
		return (ES_TIME_NONE);
	if ((a = CMS_signed_get_attr(si, idx)) == NULL ||
		(at = X509_ATTRIBUTE_get0_type(a, 0)) == NULL)
		return (ES_TIME_NONE);
	if (at->type != V_ASN1_UTCTIME && at->type != V_ASN1_GENERALIZEDTIME)
		return (ES_TIME_NONE);
	return (es_asn1_time((ASN1_TIME *)at->value.asn1_string));
}

/* Every value of every attribute with this OID, as timestamp tokens. */
static int
es_each_token(struct es_vctx *v, const char *oid, bool is_signed, const uint8_t *data, size_t dlen,
	struct es_tst *best, int *valid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *at;
	struct es_tst t;
	int idx = -1, n = 0;

	if (obj == NULL)
		return (0);
	*valid = 0;
	while ((idx = is_signed ? CMS_signed_get_attr_by_OBJ(v->v_si, obj, idx)
				: CMS_unsigned_get_attr_by_OBJ(v->v_si, obj, idx)) >= 0) {
		a = is_signed ? CMS_signed_get_attr(v->v_si, idx)
			      : CMS_unsigned_get_attr(v->v_si, idx);
		for (int k = 0; a != NULL && k < X509_ATTRIBUTE_count(a); k++) {
			at = X509_ATTRIBUTE_get0_type(a, k);
			n++;
			if (at == NULL || at->type != V_ASN1_SEQUENCE) {
				if (n == 1) {
					memset(best, 0, sizeof(*best));
					best->ts_state = ES_TST_MALFORMED;
					best->ts_time = ES_TIME_NONE;
					snprintf(best->ts_note, sizeof(best->ts_note),
						"the attribute holds no timestamp token");
				}
				continue;
			}
			es_tsp_check(&v->v_pol->p_trust, at->value.sequence->data,
				(size_t)at->value.sequence->length, data, dlen, v->v_pool,
				v->v_res->r_validation_time, &t);
			/* Keep the earliest valid token, else the first failure. */
			if ((t.ts_state == ES_TST_VALID &&
				    (*valid == 0 || t.ts_time < best->ts_time)) ||
				(n == 1 && t.ts_state != ES_TST_VALID))
				*best = t;
			*valid += t.ts_state == ES_TST_VALID;
		}
	}
	ASN1_OBJECT_free(obj);
	return (n);
}

/* Signature timestamps give proof of existence; archive and content ones are checked too. */
static void
es_stage_timestamps(struct es_vctx *v)
{
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(v->v_si);
	struct es_result *r = v->v_res;
	struct es_tst best, cts, ats;
	int valid = 0, cvalid = 0, avalid = 0, n;

	r->r_signing_time = es_signing_time(v->v_si);
	n = es_each_token(v, "1.2.840.113549.1.9.16.2.14", false, sig->data, (size_t)sig->length,
		&best, &valid);
	r->r_timestamps = n;
	if (n == 0) {
		es_result_check(r, ES_CHK_TIMESTAMP, ES_CHECK_ABSENT, "no signature timestamp");
	} else if (valid > 0) {
		char when[32];

		r->r_poe_time = best.ts_time;
		es_time_str(best.ts_time, when, sizeof(when));
		es_result_check(
			r, ES_CHK_TIMESTAMP, ES_CHECK_PASSED, "%s by %s", when, best.ts_tsa);
	} else {
		es_result_check(r, ES_CHK_TIMESTAMP, ES_CHECK_FAILED, "%s", best.ts_note);
	}
	r->r_archive_timestamps = es_each_token(v, ES_OID_ATS_V3, false, NULL, 0, &ats, &avalid);
	r->r_archive_valid = avalid;
	r->r_archive_timestamps += es_each_token(v, ES_OID_ATS_V2, false, NULL, 0, &ats, &avalid);
	r->r_archive_valid += avalid;
	r->r_archive_timestamps += es_each_token(v, ES_OID_ATS_V1, false, NULL, 0, &ats, &avalid);
	r->r_archive_valid += avalid;
	if (es_each_token(
		    v, ES_OID_CONTENT_TS, true, v->v_content, v->v_contentlen, &cts, &cvalid) > 0 &&
		cvalid > 0 && r->r_poe_time != ES_TIME_NONE && cts.ts_time > r->r_poe_time)
		es_result_fail(r, ES_TIMESTAMP_ORDER_FAILURE,
			"The content timestamp is later than the signature timestamp.");
	v->v_check_time = r->r_poe_time != ES_TIME_NONE ? r->r_poe_time : r->r_validation_time;
}

static void
es_stage_baseline(struct es_vctx *v)
{
	struct es_result *r = v->v_res;
	const char *b = "";

	if (v->v_has_signing_cert_attr) {
		b = "B-B";
		if (r->r_timestamps > 0) {
			b = "B-T";
			if (v->v_rev.rd_embedded > 0) {
				b = "B-LT";
				if (r->r_archive_timestamps > 0)
					b = "B-LTA";
			}
		}
	}
	snprintf(r->r_baseline, sizeof(r->r_baseline), "%s", b);
}

static void
es_vctx_free(struct es_vctx *v)
{
	es_chain_free(&v->v_chain);
	es_revdata_free(&v->v_rev);
	sk_X509_free(v->v_untrusted);
	sk_X509_pop_free(v->v_pool, X509_free);
	CMS_ContentInfo_free(v->v_cms);
}

static int
es_run(struct es_vctx *v, const uint8_t *content, size_t content_len)
{
	struct es_result *r = v->v_res;
	int rv;

	if (es_stage_format(v, content, content_len) < 0)
		return (0);
	if ((rv = es_stage_signer(v)) != 0)
		return (rv == -1 ? 0 : rv);
	es_stage_timestamps(v);
	v->v_chain_built = es_chain_build(&v->v_pol->p_trust, v->v_signer, v->v_untrusted,
				   v->v_check_time, X509_PURPOSE_ANY, &v->v_chain) == 0;
	es_stage_ess(v);
	es_stage_crypto(v);
	es_validate_chain(v);
	es_validate_revocation(v);
	es_validate_constraints(v);
	if (v->v_pol->p_require_timestamp && r->r_poe_time == ES_TIME_NONE)
		es_result_fail(r, ES_NO_POE,
			"The policy requires a signature timestamp and the seal has no valid one.");
	es_stage_baseline(v);
	es_validate_level(v);
	return (0);
}

static int
es_verify_signer(const struct es_policy *p, const uint8_t *seal, size_t seal_len,
	const uint8_t *content, size_t content_len, int64_t at, int index, struct es_result *r)
{
	struct es_vctx v;
	unsigned char *der = NULL;
	char why[200];
	int len, rv;

	es_result_init(r, at != ES_TIME_NONE ? at : (int64_t)time(NULL));
	if (seal_len > p->p_max_seal || content_len > p->p_max_content) {
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "over the size limit");
		es_result_fail(r, ES_FORMAT_FAILURE,
			"The %s is larger than the policy allows (%zu bytes).",
			seal_len > p->p_max_seal ? "seal" : "document",
			seal_len > p->p_max_seal ? p->p_max_seal : p->p_max_content);
		return (0);
	}
	memset(&v, 0, sizeof(v));
	v.v_pol = p;
	v.v_res = r;
	v.v_index = index;
	if ((v.v_cms = es_load(seal, seal_len, why, sizeof(why))) == NULL) {
		es_result_check(r, ES_CHK_FORMAT, ES_CHECK_FAILED, "%s", why);
		es_result_fail(r, ES_FORMAT_FAILURE,
			"The seal is not a readable CMS / CAdES structure (%s).", why);
		return (0);
	}
	/*
	 * The revocation walk needs definite lengths: PEM, and BER with
	 * indefinite lengths (streaming signers), are re-encoded first.
	 */
	if ((seal_len >= 11 && memcmp(seal, "-----BEGIN ", 11) == 0) ||
		(seal_len >= 2 && seal[1] == 0x80)) {
		if ((len = i2d_CMS_ContentInfo(v.v_cms, &der)) > 0) {
			v.v_der = der;
			v.v_derlen = (size_t)len;
		}
	} else {
		v.v_der = seal;
		v.v_derlen = seal_len;
	}
	if ((v.v_pool = sk_X509_new_null()) == NULL) {
		rv = -ENOMEM;
	} else {
		rv = es_run(&v, content, content_len);
	}
	es_vctx_free(&v);
	OPENSSL_free(der);
	ERR_clear_error();
	return (rv);
}

/*
 * Every signer must pass: the report is the first signer's, or that of the
 * first one that does not pass.
 */
int
es_verify(const struct es_policy *p, const uint8_t *seal, size_t seal_len, const uint8_t *content,
	size_t content_len, int64_t at, struct es_result *r)
{
	struct es_result *other;
	int rv, n;

	if ((rv = es_verify_signer(p, seal, seal_len, content, content_len, at, 0, r)) != 0)
		return (rv);
	n = r->r_signers < ES_MAX_SIGNERS ? r->r_signers : ES_MAX_SIGNERS;
	if (n <= 1)
		return (0);
	if ((other = malloc(sizeof(*other))) == NULL)
		return (-ENOMEM);
	for (int i = 1; i < n && rv == 0 && r->r_ind == ES_TOTAL_PASSED; i++) {
		rv = es_verify_signer(p, seal, seal_len, content, content_len, at, i, other);
		if (rv == 0 && other->r_ind != ES_TOTAL_PASSED)
			*r = *other;
		else if (rv == 0 && other->r_level < r->r_level)
			r->r_level = other->r_level;
	}
	free(other);
	return (rv);
}
