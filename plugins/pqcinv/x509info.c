/* SPDX-License-Identifier: BSD-3-Clause */
/* Certificate summaries with OpenSSL. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "x509info.h"

static json_t *
name_json(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;
	json_t *s;

	if (b == NULL)
		return (json_null());
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &p);
	s = json_stringn_nocheck(p != NULL ? p : "", len > 0 ? (size_t)len : 0);
	BIO_free(b);
	return (s != NULL ? s : json_null());
}

static json_t *
time_json(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return (json_null());
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (json_string(buf));
}

/* Dotted OID, OpenSSL's long name, and the table's class of it. */
static void
alg_json(json_t *o, const char *key, const ASN1_OBJECT *obj, const struct pqc_table *t)
{
	char oid[128], k[64];
	const struct pqc_alg *a;
	int nid;

	if (obj == NULL || OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		return;
	nid = OBJ_obj2nid(obj);
	a = pqc_table_name(t, PQC_X509, oid, strlen(oid));
	snprintf(k, sizeof(k), "%s_oid", key);
	json_object_set_new(o, k, json_string(oid));
	json_object_set_new(o, key, json_string(nid != NID_undef ? OBJ_nid2ln(nid) : oid));
	snprintf(k, sizeof(k), "%s_class", key);
	json_object_set_new(
		o, k, json_string(pqc_class_name(a != NULL ? a->a_class : PQC_CLASS_UNKNOWN)));
	if (a != NULL) {
		snprintf(k, sizeof(k), "%s_level", key);
		json_object_set_new(o, k, json_integer(a->a_level));
	}
}

json_t *
x509_info(const uint8_t *der, size_t len, const struct pqc_table *t)
{
	const unsigned char *p = der;
	const X509_ALGOR *sigalg;
	const ASN1_OBJECT *obj = NULL;
	X509_PUBKEY *pub;
	EVP_PKEY *pkey;
	unsigned char md[32];
	unsigned mdlen = 0;
	char hex[65];
	X509 *x;
	json_t *o;

	if (len > LONG_MAX || (x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return (NULL);
	o = json_object();
	json_object_set_new(o, "subject", name_json(X509_get_subject_name(x)));
	json_object_set_new(o, "issuer", name_json(X509_get_issuer_name(x)));
	json_object_set_new(o, "not_before", time_json(X509_get0_notBefore(x)));
	json_object_set_new(o, "not_after", time_json(X509_get0_notAfter(x)));
	pub = X509_get_X509_PUBKEY(x);
	if (pub != NULL && X509_PUBKEY_get0_param((ASN1_OBJECT **)&obj, NULL, NULL, NULL, pub))
		alg_json(o, "key_alg", obj, t);
	if ((pkey = X509_get0_pubkey(x)) != NULL)
		json_object_set_new(o, "key_bits", json_integer(EVP_PKEY_get_bits(pkey)));
	X509_get0_signature(NULL, &sigalg, x);
	if (sigalg != NULL) {
		X509_ALGOR_get0(&obj, NULL, NULL, sigalg);
		alg_json(o, "sig_alg", obj, t);
	}
	if (X509_digest(x, EVP_sha256(), md, &mdlen)) {
		for (unsigned i = 0; i < mdlen && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		json_object_set_new(o, "sha256", json_string(hex));
	}
	X509_free(x);
	return (o);
}
