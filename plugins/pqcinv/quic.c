/* SPDX-License-Identifier: BSD-3-Clause */
/* QUIC Initial packets: RFC 9001 section 5 and appendix A, RFC 9369 section 3. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "quic.h"
#include "rd.h"

static const uint8_t salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };

struct quic_crypto {
	EVP_KDF_CTX *qc_kdf;
	EVP_CIPHER_CTX *qc_gcm;
	EVP_CIPHER_CTX *qc_ecb;
	EVP_CIPHER *qc_aes_gcm;
	EVP_CIPHER *qc_aes_ecb;
};

struct quic_crypto *
quic_crypto_new(void)
{
	struct quic_crypto *qc = calloc(1, sizeof(*qc));
	EVP_KDF *kdf;

	if (qc == NULL)
		return (NULL);
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	qc->qc_kdf = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	qc->qc_gcm = EVP_CIPHER_CTX_new();
	qc->qc_ecb = EVP_CIPHER_CTX_new();
	qc->qc_aes_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	qc->qc_aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	if (qc->qc_kdf == NULL || qc->qc_gcm == NULL || qc->qc_ecb == NULL ||
		qc->qc_aes_gcm == NULL || qc->qc_aes_ecb == NULL) {
		quic_crypto_free(qc);
		return (NULL);
	}
	return (qc);
}

void
quic_crypto_free(struct quic_crypto *qc)
{
	if (qc == NULL)
		return;
	EVP_KDF_CTX_free(qc->qc_kdf);
	EVP_CIPHER_CTX_free(qc->qc_gcm);
	EVP_CIPHER_CTX_free(qc->qc_ecb);
	EVP_CIPHER_free(qc->qc_aes_gcm);
	EVP_CIPHER_free(qc->qc_aes_ecb);
	free(qc);
}

static uint64_t
rd_varint(struct rd *r)
{
	uint8_t b = rd_u8(r);
	unsigned n = 1u << (b >> 6);
	uint64_t v = b & 0x3f;

	for (unsigned i = 1; i < n; i++)
		v = v << 8 | rd_u8(r);
	return (v);
}

static int
wire_type(uint32_t version, uint8_t bits)
{
	/* v2 rotates the long packet types: Initial 1, 0-RTT 2, Handshake 3, Retry 0. */
	if (version == QUIC_V2)
		return ((bits + 3) & 3);
	return (bits);
}

bool
quic_looks_like(const uint8_t *p, size_t n)
{
	uint32_t v;

	if (n < 7 || (p[0] & 0xc0) != 0xc0)
		return (false);
	v = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	return (v == QUIC_V1 || v == QUIC_V2);
}

int
quic_parse_long(const uint8_t *p, size_t n, struct quic_hdr *h)
{
	struct rd r;
	uint8_t b0;
	uint64_t len;

	memset(h, 0, sizeof(*h));
	if (!quic_looks_like(p, n))
		return (-EINVAL);
	rd_init(&r, p, n);
	b0 = rd_u8(&r);
	h->h_version = rd_u32(&r);
	h->h_type = (uint8_t)wire_type(h->h_version, (b0 >> 4) & 3);
	h->h_dcid_len = rd_u8(&r);
	if (h->h_dcid_len > QUIC_CID_MAX || !rd_need(&r, h->h_dcid_len))
		return (-EINVAL);
	memcpy(h->h_dcid, rd_bytes(&r, h->h_dcid_len), h->h_dcid_len);
	h->h_scid_len = rd_u8(&r);
	if (h->h_scid_len > QUIC_CID_MAX || !rd_need(&r, h->h_scid_len))
		return (-EINVAL);
	memcpy(h->h_scid, rd_bytes(&r, h->h_scid_len), h->h_scid_len);
	if (h->h_type == QUIC_RETRY) {
		h->h_end = n; /* a Retry takes the rest of the datagram */
		return (0);
	}
	if (h->h_type == QUIC_INITIAL) {
		uint64_t tl = rd_varint(&r);

		if (r.r_short || tl > rd_left(&r))
			return (-EINVAL);
		rd_bytes(&r, (size_t)tl);
	}
	len = rd_varint(&r);
	if (r.r_short || len > rd_left(&r) || len < 20)
		return (-EINVAL);
	h->h_pn_off = r.r_off;
	h->h_end = r.r_off + (size_t)len;
	return (0);
}

static int
kdf_run(struct quic_crypto *qc, int mode, const uint8_t *key, size_t keylen, const uint8_t *salt,
	size_t saltlen, const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
	OSSL_PARAM params[6], *p = params;

	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, keylen);
	if (salt != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	if (info != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_INFO, (void *)info, infolen);
	*p = OSSL_PARAM_construct_end();
	return (EVP_KDF_derive(qc->qc_kdf, out, outlen, params) == 1 ? 0 : -EIO);
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int
expand_label(struct quic_crypto *qc, const uint8_t secret[32], const char *label, uint8_t *out,
	size_t outlen)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = strlen(label), k = 0;

	info[k++] = (uint8_t)(outlen >> 8);
	info[k++] = (uint8_t)outlen;
	info[k++] = (uint8_t)(6 + ll);
	memcpy(info + k, "tls13 ", 6);
	k += 6;
	memcpy(info + k, label, ll);
	k += ll;
	info[k++] = 0;
	return (kdf_run(
		qc, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0, info, k, out, outlen));
}

int
quic_initial_keys(struct quic_crypto *qc, uint32_t version, const uint8_t *dcid, size_t dcid_len,
	bool server, struct quic_keys *k)
{
	bool v2 = version == QUIC_V2;
	uint8_t initial[32], secret[32];
	int rv;

	if ((rv = kdf_run(qc, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len,
		     v2 ? salt_v2 : salt_v1, 20, NULL, 0, initial, 32)) < 0 ||
		(rv = expand_label(qc, initial, server ? "server in" : "client in", secret, 32)) <
			0 ||
		(rv = expand_label(qc, secret, v2 ? "quicv2 key" : "quic key", k->k_key, 16)) < 0 ||
		(rv = expand_label(qc, secret, v2 ? "quicv2 iv" : "quic iv", k->k_iv, 12)) < 0 ||
		(rv = expand_label(qc, secret, v2 ? "quicv2 hp" : "quic hp", k->k_hp, 16)) < 0)
		return (rv);
	return (0);
}

int
quic_decrypt(struct quic_crypto *qc, const struct quic_keys *k, const struct quic_hdr *h,
	uint8_t *pkt, uint8_t **frames, size_t *nframes)
{
	uint8_t mask[16], nonce[12];
	size_t pn_len, hdr_len, ct_len;
	uint64_t pn = 0;
	int outl = 0, fl = 0;

	if (h->h_pn_off + 4 + 16 > h->h_end)
		return (-EINVAL);
	if (!EVP_EncryptInit_ex2(qc->qc_ecb, qc->qc_aes_ecb, k->k_hp, NULL, NULL) ||
		!EVP_CIPHER_CTX_set_padding(qc->qc_ecb, 0) ||
		!EVP_EncryptUpdate(qc->qc_ecb, mask, &outl, pkt + h->h_pn_off + 4, 16))
		return (-EIO);
	pkt[0] ^= mask[0] & 0x0f;
	pn_len = (size_t)(pkt[0] & 3) + 1;
	for (size_t i = 0; i < pn_len; i++) {
		pkt[h->h_pn_off + i] ^= mask[1 + i];
		pn = pn << 8 | pkt[h->h_pn_off + i];
	}
	hdr_len = h->h_pn_off + pn_len;
	if (hdr_len + 16 > h->h_end)
		return (-EINVAL);
	ct_len = h->h_end - hdr_len - 16;
	memcpy(nonce, k->k_iv, sizeof(nonce));
	for (size_t i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	if (!EVP_DecryptInit_ex2(qc->qc_gcm, qc->qc_aes_gcm, k->k_key, nonce, NULL) ||
		!EVP_DecryptUpdate(qc->qc_gcm, NULL, &outl, pkt, (int)hdr_len) ||
		!EVP_DecryptUpdate(qc->qc_gcm, pkt + hdr_len, &outl, pkt + hdr_len, (int)ct_len) ||
		!EVP_CIPHER_CTX_ctrl(qc->qc_gcm, EVP_CTRL_GCM_SET_TAG, 16, pkt + hdr_len + ct_len))
		return (-EIO);
	if (EVP_DecryptFinal_ex(qc->qc_gcm, pkt + hdr_len + outl, &fl) != 1)
		return (-EBADMSG);
	*frames = pkt + hdr_len;
	*nframes = (size_t)outl + (size_t)fl;
	return (0);
}

int
quic_frames(const uint8_t *p, size_t n, quic_crypto_fn fn, void *arg)
{
	struct rd r;

	rd_init(&r, p, n);
	while (rd_left(&r) > 0) {
		uint64_t type = rd_varint(&r);

		switch (type) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
			break;
		case 0x02:
		case 0x03: { /* ACK: largest, delay, range count, first range, ranges, [ECN] */
			uint64_t nr;

			rd_varint(&r);
			rd_varint(&r);
			nr = rd_varint(&r);
			rd_varint(&r);
			for (uint64_t i = 0; i < nr && !r.r_short; i++) {
				rd_varint(&r);
				rd_varint(&r);
			}
			if (type == 0x03) {
				rd_varint(&r);
				rd_varint(&r);
				rd_varint(&r);
			}
			break;
		}
		case 0x06: { /* CRYPTO: offset, length, data */
			uint64_t off = rd_varint(&r), len = rd_varint(&r);
			const uint8_t *d;

			if (r.r_short || len > rd_left(&r))
				return (-EINVAL);
			d = rd_bytes(&r, (size_t)len);
			fn(arg, off, d, (size_t)len);
			break;
		}
		case 0x1c: { /* CONNECTION_CLOSE: code, frame type, reason */
			uint64_t rl;

			rd_varint(&r);
			rd_varint(&r);
			rl = rd_varint(&r);
			if (rl > rd_left(&r))
				return (-EINVAL);
			rd_bytes(&r, (size_t)rl);
			break;
		}
		default:
			return (-EINVAL);
		}
		if (r.r_short)
			return (-EINVAL);
	}
	return (0);
}
