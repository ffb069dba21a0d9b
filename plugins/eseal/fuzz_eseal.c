/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over eseal's parsing path.  The first byte picks what the
 * rest is:
 *   0  a seal (CMS / CAdES, DER or PEM) verified over a fixed document
 *   1  an HTTP request body: multipart/form-data, then JSON, then the seals
 *      they carry are verified
 *   2  a trusted list (XML), checked against a fixed signer
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "es_tl.h"
#include "es_upload.h"
#include "es_verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct es_policy fz_policy;
static char fz_signer[64];

static void
fz_cleanup(void)
{
	unlink(fz_signer);
}

/* A throwaway signer certificate for the trusted-list path. */
static void
fz_make_signer(void)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *f;
	int fd;

	snprintf(fz_signer, sizeof(fz_signer), "/tmp/fuzz-eseal-signer-XXXXXX");
	if (pk == NULL || x == NULL || (fd = mkstemp(fz_signer)) < 0)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
		(const unsigned char *)"fz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, pk);
	X509_sign(x, pk, EVP_sha256());
	if ((f = fdopen(fd, "w")) == NULL)
		abort();
	PEM_write_X509(f, x);
	fclose(f);
	atexit(fz_cleanup);
	X509_free(x);
	EVP_PKEY_free(pk);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (es_policy_init(&fz_policy) != 0)
		abort();
	fz_policy.p_max_seal = 1u << 20;
	fz_make_signer();
	return (0);
}

static void
fz_verify(const uint8_t *seal, size_t len, const uint8_t *doc, size_t dlen)
{
	struct es_result r;
	json_t *o;

	if (es_verify(&fz_policy, seal, len, doc, dlen, 1700000000, &r) == 0) {
		o = es_result_json(&r);
		json_decref(o);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t doc[] = "Hello World";
	struct es_trust t;
	struct es_upload u;
	char err[256];

	if (size < 1)
		return (0);
	switch (data[0] % 3) {
	case 0:
		fz_verify(data + 1, size - 1, doc, sizeof(doc) - 1);
		break;
	case 1:
		if (es_upload_parse("multipart/form-data; boundary=fz", data + 1, size - 1, &u, err,
			    sizeof(err)) == 0 &&
			u.u_seal != NULL)
			fz_verify(u.u_seal, u.u_seal_len, u.u_doc, u.u_doc_len);
		es_upload_free(&u);
		if (es_upload_parse("application/json", data + 1, size - 1, &u, err, sizeof(err)) ==
				0 &&
			u.u_seal != NULL)
			fz_verify(u.u_seal, u.u_seal_len, u.u_doc, u.u_doc_len);
		es_upload_free(&u);
		break;
	default:
		if (es_trust_init(&t) == 0) {
			(void)es_tl_load_mem(
				&t, "fuzz.xml", data + 1, size - 1, fz_signer, err, sizeof(err));
			es_trust_free(&t);
		}
		break;
	}
	return (0);
}
