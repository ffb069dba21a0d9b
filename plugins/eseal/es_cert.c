/* SPDX-License-Identifier: BSD-3-Clause */
/* Certificate details for reports and the level map. */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "es_cert.h"
#include "es_der.h"

#define ES_OID_QC_TYPE "0.4.0.1862.1.6"

void
es_cert_name(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int k = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		k = BIO_read(b, buf, (int)len - 1);
	buf[k > 0 ? k : 0] = '\0';
	BIO_free(b);
}

void
es_cert_name_entry(const X509_NAME *n, int nid, char *buf, size_t len)
{
	const X509_NAME_ENTRY *e;
	unsigned char *u = NULL;
	int i, k;

	buf[0] = '\0';
	if ((i = X509_NAME_get_index_by_NID(n, nid, -1)) < 0)
		return;
	e = X509_NAME_get_entry(n, i);
	if ((k = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e))) < 0) {
		ERR_clear_error();
		return;
	}
	snprintf(buf, len, "%.*s", k, (const char *)u);
	OPENSSL_free(u);
}

void
es_cert_sha256(X509 *x, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	out[0] = '\0';
	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		return;
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void
es_cert_serial(X509 *x, char *buf, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn != NULL ? BN_bn2hex(bn) : NULL;

	snprintf(buf, len, "%s", h != NULL ? h : "");
	OPENSSL_free(h);
	BN_free(bn);
}

bool
es_cert_has_policy(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES *cp = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	char txt[96];
	bool found = false;

	for (int i = 0; cp != NULL && i < sk_POLICYINFO_num(cp) && !found; i++) {
		OBJ_obj2txt(txt, sizeof(txt), sk_POLICYINFO_value(cp, i)->policyid, 1);
		found = strcmp(txt, oid) == 0;
	}
	CERTIFICATEPOLICIES_free(cp);
	ERR_clear_error();
	return (found);
}

/* QCStatements ::= SEQUENCE OF SEQUENCE { statementId OID, statementInfo ANY OPTIONAL } */
bool
es_cert_has_qc_type(X509 *x, const char *oid)
{
	const ASN1_OCTET_STRING *os;
	const uint8_t *p, *end, *q, *qend, *r, *rend;
	struct es_tlv seq, st, id, info, t;
	char txt[96];
	int idx;

	if ((idx = X509_get_ext_by_NID(x, NID_qcStatements, -1)) < 0)
		return (false);
	os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	p = os->data;
	end = p + os->length;
	if (es_tlv_next(&p, end, &seq) < 0 || seq.tv_tag != V_ASN1_SEQUENCE)
		return (false);
	q = seq.tv_body;
	qend = q + seq.tv_blen;
	while (es_tlv_next(&q, qend, &st) == 0) {
		if (st.tv_tag != V_ASN1_SEQUENCE)
			continue;
		r = st.tv_body;
		rend = r + st.tv_blen;
		if (es_tlv_next(&r, rend, &id) < 0 || es_tlv_oid(&id, txt, sizeof(txt)) < 0 ||
			strcmp(txt, ES_OID_QC_TYPE) != 0 || es_tlv_next(&r, rend, &info) < 0 ||
			info.tv_tag != V_ASN1_SEQUENCE)
			continue;
		r = info.tv_body;
		rend = r + info.tv_blen;
		while (es_tlv_next(&r, rend, &t) == 0)
			if (es_tlv_oid(&t, txt, sizeof(txt)) == 0 && strcmp(txt, oid) == 0)
				return (true);
	}
	return (false);
}
