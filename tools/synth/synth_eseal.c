/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "synth_eseal.h"
#include "synth_json.h"
#include "synth_seal_key.h"
#include "synth_tcp.h"

#define SEC      1000000ULL
#define DOC_MAX  4096
#define BODY_MAX 16384

static const char gateway_name[] = "efiling.example.jp";

struct seal_id {
	EVP_PKEY *si_key;
	X509 *si_cert;
};

static int
seal_id_load(struct seal_id *id)
{
	BIO *k = BIO_new_mem_buf(synth_seal_key_pem, -1);
	BIO *c = BIO_new_mem_buf(synth_seal_cert_pem, -1);

	id->si_key = k != NULL ? PEM_read_bio_PrivateKey(k, NULL, NULL, NULL) : NULL;
	id->si_cert = c != NULL ? PEM_read_bio_X509(c, NULL, NULL, NULL) : NULL;
	BIO_free(k);
	BIO_free(c);
	return (id->si_key != NULL && id->si_cert != NULL ? 0 : -EINVAL);
}

static void
seal_id_free(struct seal_id *id)
{
	EVP_PKEY_free(id->si_key);
	X509_free(id->si_cert);
}

/*
 * Seals doc as CMS SignedData (SHA-256, CAdES signing-certificate-v2, the
 * given signing time) into der; returns its length or 0.
 */
static size_t
seal(const struct seal_id *id, const char *doc, size_t len, uint64_t when_us, uint8_t *der,
	size_t cap)
{
	const unsigned flags = CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL | CMS_CADES;
	BIO *in = BIO_new_mem_buf(doc, (int)len), *out = BIO_new(BIO_s_mem());
	ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)(when_us / SEC));
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	const uint8_t *p;
	size_t n = 0;
	long got;

	if (in == NULL || out == NULL || t == NULL)
		goto out;
	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL ||
		(si = CMS_add1_signer(cms, id->si_cert, id->si_key, EVP_sha256(), flags)) == NULL ||
		CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1) != 1 ||
		CMS_final(cms, in, NULL, flags) != 1 || i2d_CMS_bio(out, cms) != 1)
		goto out;
	got = BIO_get_mem_data(out, (char **)&p);
	if (got > 0 && (size_t)got <= cap) {
		memcpy(der, p, (size_t)got);
		n = (size_t)got;
	}
out:
	CMS_ContentInfo_free(cms);
	ASN1_TIME_free(t);
	BIO_free(in);
	BIO_free(out);
	return (n);
}

static void
hex_sha256(const char *doc, size_t len, char *out)
{
	uint8_t md[32];
	unsigned mdlen = 0;

	EVP_Digest(doc, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int
upload(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli, struct synth_host *gw,
	uint64_t at, const uint8_t *der, size_t dlen, const char *name)
{
	static char body[BODY_MAX];
	char resp[256];
	struct synth_tcp tc;
	size_t n, rn;
	int rv;

	n = (size_t)snprintf(body, sizeof(body),
		"POST /api/v1/submissions HTTP/1.1\r\nHost: %s\r\nUser-Agent: eFilingClient/3.2\r\n"
		"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"%s\"\r\n"
		"Content-Disposition: attachment; filename=\"%s\"\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n",
		gateway_name, name, name, dlen);
	if (n + dlen > sizeof(body))
		return (-E2BIG);
	memcpy(body + n, der, dlen);
	rn = (size_t)snprintf(resp, sizeof(resp),
		"HTTP/1.1 201 Created\r\nServer: nginx\r\nLocation: /api/v1/submissions/%s\r\n"
		"Content-Length: 0\r\nConnection: close\r\n\r\n",
		name);
	synth_tcp_init(&tc, x->x_cap, r, cli, gw, SYNTH_ESEAL_PORT, at);
	if ((rv = synth_tcp_connect(&tc)) != 0 ||
		(rv = synth_tcp_send(&tc, SYNTH_CLI, body, n + dlen)) != 0)
		return (rv);
	synth_tcp_wait(&tc, synth_rng_range(r, 20000, 90000));
	if ((rv = synth_tcp_send(&tc, SYNTH_SRV, resp, rn)) != 0 ||
		(rv = synth_tcp_close(&tc, SYNTH_CLI)) != 0)
		return (rv);
	return (0);
}

int
synth_eseal_run(struct synth_ctx *x, const struct synth_eseal_params *p)
{
	static uint8_t der[BODY_MAX];
	struct synth_net *n = x->x_net;
	struct synth_host gw, *cli;
	struct seal_id id;
	struct synth_rng r;
	uint8_t addr[16];
	uint64_t gap;
	int rv, si;

	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_ESEAL);
	if ((si = synth_net_claim(n, &r)) < 0)
		return (si);
	cli = &n->n_sub[si];
	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return (rv);
	synth_host_init(&gw, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	if (seal_id_load(&id) != 0)
		return (-EINVAL);
	synth_json_obj_begin(x->x_truth, "eseal");
	synth_json_addr(x->x_truth, "client", 4, cli->h_addr);
	synth_json_addr(x->x_truth, "gateway", 4, gw.h_addr);
	synth_json_str(x->x_truth, "gateway_name", gateway_name);
	synth_json_u64(x->x_truth, "port", SYNTH_ESEAL_PORT);
	synth_json_arr_begin(x->x_truth, "uploads");
	gap = x->x_dur / (p->ep_uploads + 1);
	for (uint32_t i = 0; i < p->ep_uploads; i++) {
		char doc[DOC_MAX], name[64], sha[65];
		uint64_t at = x->x_start + gap * (i + 1) - synth_rng_below(&r, gap / 4);
		bool tampered = i + p->ep_tampered >= p->ep_uploads;
		size_t dl, sl;
		uint8_t *hit;

		snprintf(name, sizeof(name), "notice-%04u.txt.p7m", (unsigned)(1000 + i));
		dl = (size_t)snprintf(doc, sizeof(doc),
			"NOTICE OF INCIDENT %u\r\nReporting organisation: Mamori Exercise "
			"Organisation\r\nReference: %08llx\r\nAmount: %llu JPY\r\nThe undersigned "
			"organisation certifies this notice.\r\n",
			1000 + i, (unsigned long long)synth_rng_below(&r, 1ULL << 32),
			(unsigned long long)synth_rng_range(&r, 1000, 999999));
		hex_sha256(doc, dl, sha);
		if ((sl = seal(&id, doc, dl, at, der, sizeof(der))) == 0) {
			rv = -EINVAL;
			break;
		}
		/* Tampering: the amount's first digit changes inside the sealed content. */
		if (tampered && (hit = memmem(der, sl, "Amount: ", 8)) != NULL)
			hit[8] = hit[8] == '9' ? '1' : (uint8_t)(hit[8] + 1);
		if ((rv = upload(x, &r, cli, &gw, at, der, sl, name)) != 0)
			break;
		synth_json_obj_begin(x->x_truth, NULL);
		synth_json_str(x->x_truth, "name", name);
		synth_json_u64(x->x_truth, "time_us", at);
		synth_json_u64(x->x_truth, "seal_bytes", sl);
		synth_json_str(x->x_truth, "document_sha256", sha);
		synth_json_str(x->x_truth, "seal", tampered ? "tampered" : "intact");
		synth_json_obj_end(x->x_truth);
	}
	synth_json_arr_end(x->x_truth);
	synth_json_obj_end(x->x_truth);
	seal_id_free(&id);
	return (rv);
}
