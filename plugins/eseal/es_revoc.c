/* SPDX-License-Identifier: BSD-3-Clause */
/* Revocation material: collection from the seal and status of a certificate. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "es_chain.h"
#include "es_der.h"
#include "es_revoc.h"

int64_t
es_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return (INT64_MIN);
	return ((int64_t)timegm(&tm));
}

static void
es_rd_add_ocsp(struct es_revdata *rd, OCSP_BASICRESP *bs)
{
	if (bs == NULL) {
		rd->rd_malformed++;
		ERR_clear_error();
		return;
	}
	if (rd->rd_nocsp >= ES_REV_OCSP_MAX) {
		OCSP_BASICRESP_free(bs);
		return;
	}
	rd->rd_ocsp[rd->rd_nocsp++] = bs;
	rd->rd_embedded++;
}

static void
es_rd_add_crl(struct es_revdata *rd, X509_CRL *crl, bool embedded)
{
	if (crl == NULL) {
		rd->rd_malformed++;
		ERR_clear_error();
		return;
	}
	if (!sk_X509_CRL_push(rd->rd_crls, crl)) {
		X509_CRL_free(crl);
		return;
	}
	rd->rd_embedded += embedded;
}

/* An OCSPResponse (RFC 5940) or a BasicOCSPResponse, whichever it is. */
static OCSP_BASICRESP *
es_ocsp_decode(const uint8_t *der, long len, bool full_response)
{
	const unsigned char *q = der;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;

	if (full_response) {
		if ((resp = d2i_OCSP_RESPONSE(NULL, &q, len)) != NULL) {
			bs = OCSP_response_get1_basic(resp);
			OCSP_RESPONSE_free(resp);
			if (bs != NULL)
				return (bs);
		}
		ERR_clear_error();
		q = der;
	}
	return (d2i_OCSP_BASICRESP(NULL, &q, len));
}

static bool es_rd_item(
	struct es_revdata *rd, const struct es_tlv *e, STACK_OF(X509) * pool, int kind);

/* OtherRevocationInfoFormat ::= SEQUENCE { otherRevInfoFormat OID, otherRevInfo ANY } */
static void
es_rd_other(struct es_revdata *rd, const struct es_tlv *other)
{
	const uint8_t *p = other->tv_body, *end = p + other->tv_blen;
	struct es_tlv oid, val;
	char txt[64];

	if (es_tlv_next(&p, end, &oid) < 0 || es_tlv_oid(&oid, txt, sizeof(txt)) < 0 ||
		es_tlv_next(&p, end, &val) < 0) {
		rd->rd_malformed++;
		return;
	}
	if (strcmp(txt, "1.3.6.1.5.5.7.16.2") == 0)
		es_rd_add_ocsp(rd, es_ocsp_decode(val.tv_der, val.tv_dlen, true));
	else if (strcmp(txt, "1.3.6.1.5.5.7.48.1.1") == 0)
		es_rd_add_ocsp(rd, es_ocsp_decode(val.tv_der, val.tv_dlen, false));
}

/*
 * ContentInfo { OID, [0] SignedData { version, digestAlgorithms,
 * encapContentInfo, [0] certificates OPTIONAL, [1] crls OPTIONAL, ... } }:
 * the crls field, whose "other" entries the CMS API does not expose.
 */
static void
es_rd_signeddata(struct es_revdata *rd, const uint8_t *der, size_t len)
{
	const uint8_t *p = der, *end = der + len;
	struct es_tlv ci, oid, exp, sd, e, r;

	if (es_tlv_next(&p, end, &ci) < 0 || ci.tv_tag != V_ASN1_SEQUENCE)
		return;
	p = ci.tv_body;
	end = p + ci.tv_blen;
	if (es_tlv_next(&p, end, &oid) < 0 || es_tlv_next(&p, end, &exp) < 0 ||
		exp.tv_class != V_ASN1_CONTEXT_SPECIFIC)
		return;
	p = exp.tv_body;
	end = p + exp.tv_blen;
	if (es_tlv_next(&p, end, &sd) < 0 || sd.tv_tag != V_ASN1_SEQUENCE)
		return;
	p = sd.tv_body;
	end = p + sd.tv_blen;
	while (es_tlv_next(&p, end, &e) == 0) {
		if (e.tv_class != V_ASN1_CONTEXT_SPECIFIC || e.tv_tag != 1)
			continue;
		/* RevocationInfoChoice: a CRL, or [1] IMPLICIT OtherRevocationInfoFormat. */
		const uint8_t *q = e.tv_body, *qend = q + e.tv_blen;

		while (es_tlv_next(&q, qend, &r) == 0) {
			if (r.tv_class == V_ASN1_CONTEXT_SPECIFIC && r.tv_tag == 1)
				es_rd_other(rd, &r);
			else if (r.tv_class == V_ASN1_UNIVERSAL && r.tv_tag == V_ASN1_SEQUENCE &&
				 !es_rd_item(rd, &r, NULL, 0))
				rd->rd_malformed++;
		}
		break;
	}
}

/* One CRL, OCSP response or certificate (kind 0, 1, 2); false if it does not parse. */
static bool
es_rd_item(struct es_revdata *rd, const struct es_tlv *e, STACK_OF(X509) * pool, int kind)
{
	const unsigned char *q = e->tv_der;
	OCSP_BASICRESP *bs;
	X509_CRL *crl;
	X509 *x;

	if (kind == 0) {
		if ((crl = d2i_X509_CRL(NULL, &q, e->tv_dlen)) == NULL)
			goto fail;
		es_rd_add_crl(rd, crl, true);
	} else if (kind == 1) {
		if ((bs = d2i_OCSP_BASICRESP(NULL, &q, e->tv_dlen)) == NULL)
			goto fail;
		es_rd_add_ocsp(rd, bs);
	} else {
		if ((x = d2i_X509(NULL, &q, e->tv_dlen)) == NULL)
			goto fail;
		if (!sk_X509_push(pool, x))
			X509_free(x);
	}
	return (true);
fail:
	ERR_clear_error();
	return (false);
}

/* The items of a SEQUENCE OF, tagged implicitly or explicitly (one level more). */
static void
es_rd_each(struct es_revdata *rd, const struct es_tlv *v, STACK_OF(X509) * pool, int kind)
{
	const uint8_t *p = v->tv_body, *end = p + v->tv_blen;
	struct es_tlv e;

	if (es_tlv_next(&p, end, &e) == 0 && p == end && e.tv_tag == V_ASN1_SEQUENCE) {
		if (es_rd_item(rd, &e, pool, kind))
			return;
		p = e.tv_body;
		end = p + e.tv_blen;
	} else {
		p = v->tv_body;
	}
	while (es_tlv_next(&p, end, &e) == 0)
		if (!es_rd_item(rd, &e, pool, kind))
			rd->rd_malformed++;
}

static const ASN1_STRING *
es_unsigned_seq(CMS_SignerInfo *si, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *at;
	int idx;

	if (obj == NULL)
		return (NULL);
	idx = CMS_unsigned_get_attr_by_OBJ(si, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0 || (a = CMS_unsigned_get_attr(si, idx)) == NULL)
		return (NULL);
	at = X509_ATTRIBUTE_get0_type(a, 0);
	if (at == NULL || at->type != V_ASN1_SEQUENCE)
		return (NULL);
	return (at->value.sequence);
}

/* CAdES revocationValues (.2.24) and certValues (.2.23). */
static void
es_rd_cades(struct es_revdata *rd, CMS_SignerInfo *si, STACK_OF(X509) * pool)
{
	const ASN1_STRING *s;
	const uint8_t *p, *end;
	struct es_tlv v, f;

	if ((s = es_unsigned_seq(si, "1.2.840.113549.1.9.16.2.24")) != NULL) {
		p = s->data;
		end = p + s->length;
		if (es_tlv_next(&p, end, &v) == 0 && v.tv_tag == V_ASN1_SEQUENCE) {
			p = v.tv_body;
			end = p + v.tv_blen;
			while (es_tlv_next(&p, end, &f) == 0)
				if (f.tv_class == V_ASN1_CONTEXT_SPECIFIC && f.tv_tag <= 1)
					es_rd_each(rd, &f, pool, f.tv_tag);
		}
	}
	if ((s = es_unsigned_seq(si, "1.2.840.113549.1.9.16.2.23")) != NULL) {
		p = s->data;
		end = p + s->length;
		if (es_tlv_next(&p, end, &v) == 0 && v.tv_tag == V_ASN1_SEQUENCE)
			es_rd_each(rd, &v, pool, 2);
	}
}

int
es_revdata_collect(struct es_revdata *rd, const struct es_trust *t, CMS_SignerInfo *si,
	const uint8_t *der, size_t len, STACK_OF(X509) * pool)
{
	memset(rd, 0, sizeof(*rd));
	if ((rd->rd_crls = sk_X509_CRL_new_null()) == NULL)
		return (-1);
	/* Embedded CRLs come through the same walk as the OCSP entries. */
	if (der != NULL)
		es_rd_signeddata(rd, der, len);
	es_rd_cades(rd, si, pool);
	for (int i = 0; i < sk_X509_CRL_num(t->t_crls); i++) {
		X509_CRL *c = sk_X509_CRL_value(t->t_crls, i);

		if (X509_CRL_up_ref(c))
			es_rd_add_crl(rd, c, false);
	}
	return (0);
}

void
es_revdata_free(struct es_revdata *rd)
{
	sk_X509_CRL_pop_free(rd->rd_crls, X509_CRL_free);
	for (int i = 0; i < rd->rd_nocsp; i++)
		OCSP_BASICRESP_free(rd->rd_ocsp[i]);
	memset(rd, 0, sizeof(*rd));
}

/*
 * Whether signer may speak for issuer's certificates: the CA itself, a
 * responder it delegated to (RFC 6960 4.2.2.2), a locally trusted
 * responder, or, as validators commonly accept, a responder with the
 * OCSPSigning purpose whose own chain leads to a trust anchor when the
 * response was produced.
 */
static bool
es_ocsp_authorised(const struct es_trust *t, OCSP_BASICRESP *bs, X509 *signer, X509 *issuer,
	STACK_OF(X509) * pool)
{
	struct es_chain ch;
	int64_t at;
	bool ok;

	if (X509_cmp(signer, issuer) == 0)
		return (true);
	for (int i = 0; i < sk_X509_num(t->t_anchors); i++)
		if (X509_cmp(signer, sk_X509_value(t->t_anchors, i)) == 0)
			return (true);
	if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
		(X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0)
		return (false);
	if (X509_check_issued(issuer, signer) == X509_V_OK)
		return (X509_verify(signer, X509_get0_pubkey(issuer)) == 1);
	at = es_asn1_time(OCSP_resp_get0_produced_at(bs));
	if (at == INT64_MIN)
		return (false);
	ok = es_chain_build(t, signer, pool, at, X509_PURPOSE_OCSP_HELPER, &ch) == 0 &&
	     ch.ch_error == 0 && ch.ch_expired_depth < 0 && ch.ch_future_depth < 0;
	es_chain_free(&ch);
	return (ok);
}

static enum es_revstat
es_revoc_ocsp(const struct es_revdata *rd, const struct es_trust *t, X509 *cert, X509 *issuer,
	STACK_OF(X509) * pool, int64_t *rev_time, char *src, size_t srclen)
{
	const EVP_MD *mds[2] = { EVP_sha1(), EVP_sha256() };
	ASN1_GENERALIZEDTIME *rt, *tu, *nu;
	OCSP_CERTID *id;
	X509 *signer;
	int status, reason, found;

	for (int i = 0; i < rd->rd_nocsp; i++) {
		found = 0;
		for (int m = 0; m < 2 && !found; m++) {
			if ((id = OCSP_cert_to_id(mds[m], cert, issuer)) == NULL)
				continue;
			found = OCSP_resp_find_status(
				rd->rd_ocsp[i], id, &status, &reason, &rt, &tu, &nu);
			OCSP_CERTID_free(id);
		}
		if (!found)
			continue;
		if (OCSP_basic_verify(rd->rd_ocsp[i], pool, t->t_store, OCSP_NOVERIFY) <= 0 ||
			!OCSP_resp_get0_signer(rd->rd_ocsp[i], &signer, pool) ||
			!es_ocsp_authorised(t, rd->rd_ocsp[i], signer, issuer, pool)) {
			ERR_clear_error();
			continue;
		}
		if (status == V_OCSP_CERTSTATUS_REVOKED) {
			*rev_time = es_asn1_time(rt);
			snprintf(src, srclen, "OCSP response");
			return (ES_RS_REVOKED);
		}
		if (status == V_OCSP_CERTSTATUS_GOOD) {
			snprintf(src, srclen, "OCSP response");
			return (ES_RS_GOOD);
		}
	}
	return (ES_RS_UNKNOWN);
}

enum es_revstat
es_revoc_status(const struct es_revdata *rd, const struct es_trust *t, X509 *cert, X509 *issuer,
	STACK_OF(X509) * pool, int64_t *rev_time, char *src, size_t srclen)
{
	enum es_revstat st = ES_RS_UNKNOWN;
	X509_REVOKED *rev;
	X509_CRL *crl;
	EVP_PKEY *ipk = X509_get0_pubkey(issuer);

	for (int i = 0; i < sk_X509_CRL_num(rd->rd_crls); i++) {
		crl = sk_X509_CRL_value(rd->rd_crls, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
			continue;
		if (ipk == NULL || X509_CRL_verify(crl, ipk) != 1) {
			ERR_clear_error();
			continue;
		}
		if (X509_CRL_get0_by_cert(crl, &rev, cert) == 1) {
			*rev_time = es_asn1_time(X509_REVOKED_get0_revocationDate(rev));
			snprintf(src, srclen, "CRL");
			return (ES_RS_REVOKED);
		}
		st = ES_RS_GOOD;
		snprintf(src, srclen, "CRL");
	}
	if (st == ES_RS_GOOD) {
		/* A revocation an OCSP responder knows of still counts. */
		char osrc[32];
		int64_t ot;

		if (es_revoc_ocsp(rd, t, cert, issuer, pool, &ot, osrc, sizeof(osrc)) ==
			ES_RS_REVOKED) {
			*rev_time = ot;
			snprintf(src, srclen, "%s", osrc);
			return (ES_RS_REVOKED);
		}
		return (st);
	}
	ERR_clear_error();
	return (es_revoc_ocsp(rd, t, cert, issuer, pool, rev_time, src, srclen));
}
