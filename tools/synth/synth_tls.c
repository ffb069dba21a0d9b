/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "synth_buf.h"
#include "synth_tls.h"

#define REC_HANDSHAKE   0x16
#define REC_CCS         0x14
#define REC_APPDATA     0x17
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2

#define EXT_SNI           0x0000
#define EXT_STATUS_REQ    0x0005
#define EXT_GROUPS        0x000a
#define EXT_EC_FORMATS    0x000b
#define EXT_SIGALGS       0x000d
#define EXT_ALPN          0x0010
#define EXT_SCT           0x0012
#define EXT_EMS           0x0017
#define EXT_COMPRESS_CERT 0x001b
#define EXT_RECORD_LIMIT  0x001c
#define EXT_DELEG_CRED    0x0022
#define EXT_TICKET        0x0023
#define EXT_VERSIONS      0x002b
#define EXT_PSK_MODES     0x002d
#define EXT_KEY_SHARE     0x0033
#define EXT_ALPS          0x4469
#define EXT_ECH           0xfe0d
#define EXT_RENEG         0xff01

#define AEAD_TAG 16 /* AES-GCM tag; plus one byte of inner content type per record */

struct profile {
	const char *p_name;
	bool p_grease;
	bool p_shuffle; /* Chrome permutes its extensions on every connection */
	bool p_h2;      /* offers "h2" before "http/1.1" in ALPN */
	const uint16_t *p_ciphers;
	size_t p_nciphers;
	const uint16_t *p_groups;
	size_t p_ngroups;
	const uint16_t *p_shares; /* groups that get a key share */
	size_t p_nshares;
	const uint16_t *p_exts; /* extension order (before any shuffle) */
	size_t p_nexts;
	const uint16_t *p_sigalgs;
	size_t p_nsigalgs;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t chrome_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
	0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t chrome_pq_groups[] = { SYNTH_TLS_X25519MLKEM768, SYNTH_TLS_X25519,
	SYNTH_TLS_SECP256R1, 0x0018 };
static const uint16_t chrome_pq_shares[] = { SYNTH_TLS_X25519MLKEM768, SYNTH_TLS_X25519 };
static const uint16_t chrome_groups[] = { SYNTH_TLS_X25519, SYNTH_TLS_SECP256R1, 0x0018 };
static const uint16_t x25519_share[] = { SYNTH_TLS_X25519 };
static const uint16_t chrome_exts[] = { EXT_SNI, EXT_EMS, EXT_RENEG, EXT_GROUPS, EXT_EC_FORMATS,
	EXT_TICKET, EXT_ALPN, EXT_STATUS_REQ, EXT_SIGALGS, EXT_SCT, EXT_KEY_SHARE, EXT_PSK_MODES,
	EXT_VERSIONS, EXT_COMPRESS_CERT, EXT_ALPS, EXT_ECH };
static const uint16_t chrome_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
	0x0601 };

static const uint16_t firefox_ciphers[] = { 0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8,
	0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t firefox_groups[] = { SYNTH_TLS_X25519MLKEM768, SYNTH_TLS_X25519,
	SYNTH_TLS_SECP256R1, 0x0018, 0x0019, 0x0100, 0x0101 };
static const uint16_t firefox_shares[] = { SYNTH_TLS_X25519MLKEM768, SYNTH_TLS_X25519,
	SYNTH_TLS_SECP256R1 };
static const uint16_t firefox_exts[] = { EXT_SNI, EXT_EMS, EXT_RENEG, EXT_GROUPS, EXT_EC_FORMATS,
	EXT_TICKET, EXT_ALPN, EXT_STATUS_REQ, EXT_DELEG_CRED, EXT_KEY_SHARE, EXT_VERSIONS,
	EXT_SIGALGS, EXT_PSK_MODES, EXT_RECORD_LIMIT };
static const uint16_t firefox_sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401,
	0x0501, 0x0601, 0x0203, 0x0201 };

static const uint16_t safari_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030,
	0xc02f, 0xcca8, 0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x0035, 0x002f, 0xc008,
	0xc012, 0x000a };
static const uint16_t safari_groups[] = { SYNTH_TLS_X25519, SYNTH_TLS_SECP256R1, 0x0018, 0x0019 };
static const uint16_t safari_exts[] = { EXT_SNI, EXT_EMS, EXT_RENEG, EXT_GROUPS, EXT_EC_FORMATS,
	EXT_ALPN, EXT_STATUS_REQ, EXT_SIGALGS, EXT_SCT, EXT_KEY_SHARE, EXT_PSK_MODES, EXT_VERSIONS,
	EXT_COMPRESS_CERT };
/* Safari really does list rsa_pss_rsae_sha384 twice. */
static const uint16_t safari_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0203, 0x0805, 0x0805,
	0x0501, 0x0806, 0x0601, 0x0201 };

static const uint16_t curl_ciphers[] = { 0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9,
	0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023, 0xc027, 0x0067,
	0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035,
	0x002f, 0x00ff };
static const uint16_t curl_groups[] = { SYNTH_TLS_X25519, SYNTH_TLS_SECP256R1, 0x001e, 0x0019,
	0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104 };
static const uint16_t curl_exts[] = { EXT_SNI, EXT_EC_FORMATS, EXT_GROUPS, EXT_TICKET, EXT_ALPN,
	0x0016, EXT_EMS, EXT_SIGALGS, EXT_VERSIONS, EXT_PSK_MODES, EXT_KEY_SHARE };
static const uint16_t curl_sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
	0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601 };

static const struct profile profiles[SYNTH_TLS__COUNT] = {
	[SYNTH_TLS_CHROME_PQ] = { "chrome-pq", true, true, true, chrome_ciphers, N(chrome_ciphers),
		chrome_pq_groups, N(chrome_pq_groups), chrome_pq_shares, N(chrome_pq_shares),
		chrome_exts, N(chrome_exts), chrome_sigalgs, N(chrome_sigalgs) },
	[SYNTH_TLS_CHROME] = { "chrome", true, true, true, chrome_ciphers, N(chrome_ciphers),
		chrome_groups, N(chrome_groups), x25519_share, N(x25519_share), chrome_exts,
		N(chrome_exts), chrome_sigalgs, N(chrome_sigalgs) },
	[SYNTH_TLS_FIREFOX_PQ] = { "firefox-pq", false, false, true, firefox_ciphers,
		N(firefox_ciphers), firefox_groups, N(firefox_groups), firefox_shares,
		N(firefox_shares), firefox_exts, N(firefox_exts), firefox_sigalgs,
		N(firefox_sigalgs) },
	[SYNTH_TLS_SAFARI] = { "safari", true, false, true, safari_ciphers, N(safari_ciphers),
		safari_groups, N(safari_groups), x25519_share, N(x25519_share), safari_exts,
		N(safari_exts), safari_sigalgs, N(safari_sigalgs) },
	[SYNTH_TLS_CURL] = { "curl", false, false, false, curl_ciphers, N(curl_ciphers),
		curl_groups, N(curl_groups), x25519_share, N(x25519_share), curl_exts, N(curl_exts),
		curl_sigalgs, N(curl_sigalgs) },
};

const char *
synth_tls_client_name(enum synth_tls_client c)
{
	return c < SYNTH_TLS__COUNT ? profiles[c].p_name : "?";
}

/* Key share sizes from the IANA registry and FIPS 203 (ML-KEM-768 first in 0x11EC). */
static size_t
share_len(uint16_t group, bool server)
{
	switch (group) {
	case SYNTH_TLS_X25519:
		return 32;
	case SYNTH_TLS_SECP256R1:
		return 65;
	case SYNTH_TLS_X25519MLKEM768:
		return server ? 1088 + 32 : 1184 + 32;
	default:
		return 32;
	}
}

/* An RFC 8701 GREASE value: 0x?a?a with both nibbles equal. */
static uint16_t
grease(struct synth_rng *r)
{
	uint16_t n = (uint16_t)synth_rng_below(r, 16);

	return (uint16_t)(n << 12 | 0x0a00 | n << 4 | 0x0a);
}

static void
record_begin(struct synth_buf *b, uint8_t type, uint16_t version, size_t *at)
{
	synth_buf_u8(b, type);
	synth_buf_u16(b, version);
	*at = synth_buf_len_begin(b, 2);
}

static void
ext_body(struct synth_buf *b, struct synth_rng *r, const struct profile *p, uint16_t ext,
	const char *sni, uint16_t gr)
{
	size_t l1, l2;

	switch (ext) {
	case EXT_SNI:
		l1 = synth_buf_len_begin(b, 2);
		synth_buf_u8(b, 0); /* host_name */
		l2 = synth_buf_len_begin(b, 2);
		synth_buf_str(b, sni);
		synth_buf_len_end(b, l2, 2);
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_RENEG:
	case EXT_EC_FORMATS:
		synth_buf_u8(b, ext == EXT_RENEG ? 0 : 1);
		if (ext == EXT_EC_FORMATS)
			synth_buf_u8(b, 0); /* uncompressed */
		break;
	case EXT_GROUPS:
		l1 = synth_buf_len_begin(b, 2);
		if (p->p_grease)
			synth_buf_u16(b, gr);
		for (size_t i = 0; i < p->p_ngroups; i++)
			synth_buf_u16(b, p->p_groups[i]);
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_ALPN:
		l1 = synth_buf_len_begin(b, 2);
		if (p->p_h2) {
			synth_buf_u8(b, 2);
			synth_buf_str(b, "h2");
		}
		synth_buf_u8(b, 8);
		synth_buf_str(b, "http/1.1");
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_STATUS_REQ:
		synth_buf_u8(b, 1); /* OCSP */
		synth_buf_u16(b, 0);
		synth_buf_u16(b, 0);
		break;
	case EXT_SIGALGS:
		l1 = synth_buf_len_begin(b, 2);
		for (size_t i = 0; i < p->p_nsigalgs; i++)
			synth_buf_u16(b, p->p_sigalgs[i]);
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_KEY_SHARE:
		l1 = synth_buf_len_begin(b, 2);
		if (p->p_grease) {
			synth_buf_u16(b, gr);
			synth_buf_u16(b, 1);
			synth_buf_u8(b, 0);
		}
		for (size_t i = 0; i < p->p_nshares; i++) {
			size_t n = share_len(p->p_shares[i], false);

			synth_buf_u16(b, p->p_shares[i]);
			synth_buf_u16(b, (uint16_t)n);
			synth_buf_random(b, r, n);
			/* An uncompressed P-256 point starts with 4. */
			if (p->p_shares[i] == SYNTH_TLS_SECP256R1 && !b->sb_over)
				b->sb_p[b->sb_len - n] = 4;
		}
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_PSK_MODES:
		synth_buf_u8(b, 1);
		synth_buf_u8(b, 1); /* psk_dhe_ke */
		break;
	case EXT_VERSIONS:
		l1 = synth_buf_len_begin(b, 1);
		if (p->p_grease)
			synth_buf_u16(b, grease(r));
		synth_buf_u16(b, 0x0304);
		synth_buf_u16(b, 0x0303);
		synth_buf_len_end(b, l1, 1);
		break;
	case EXT_COMPRESS_CERT:
		synth_buf_u8(b, 2);
		synth_buf_u16(b, p == &profiles[SYNTH_TLS_SAFARI] ? 1 : 2); /* zlib, brotli */
		break;
	case EXT_RECORD_LIMIT:
		synth_buf_u16(b, 0x4001);
		break;
	case EXT_DELEG_CRED:
		l1 = synth_buf_len_begin(b, 2);
		synth_buf_u16(b, 0x0403);
		synth_buf_u16(b, 0x0503);
		synth_buf_u16(b, 0x0603);
		synth_buf_u16(b, 0x0203);
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_ALPS:
		l1 = synth_buf_len_begin(b, 2);
		synth_buf_u8(b, 2);
		synth_buf_str(b, "h2");
		synth_buf_len_end(b, l1, 2);
		break;
	case EXT_ECH:
		/* A GREASE ECH (draft-ietf-tls-esni): outer, HKDF-SHA256, AES-128-GCM. */
		synth_buf_u8(b, 0);
		synth_buf_u16(b, 0x0001);
		synth_buf_u16(b, 0x0001);
		synth_buf_u8(b, (uint8_t)synth_rng_u32(r));
		synth_buf_u16(b, 32);
		synth_buf_random(b, r, 32);
		l1 = 144 + 32 * synth_rng_below(r, 4);
		synth_buf_u16(b, (uint16_t)l1);
		synth_buf_random(b, r, l1);
		break;
	default: /* empty ones: EMS, session ticket, SCT, encrypt-then-MAC */
		break;
	}
}

size_t
synth_tls_client_hello(uint8_t *buf, size_t cap, struct synth_rng *r, enum synth_tls_client c,
	const char *sni, struct synth_tls_hello *out)
{
	const struct profile *p = &profiles[c < SYNTH_TLS__COUNT ? c : SYNTH_TLS_CHROME];
	uint16_t order[32], gr = grease(r), gr_ext = grease(r);
	struct synth_buf b;
	size_t rec, hs, l;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->p_nshares; i++)
		if (p->p_shares[i] == SYNTH_TLS_X25519MLKEM768)
			out->th_hybrid = true;
	synth_rng_fill(r, out->th_sid, sizeof(out->th_sid));
	memcpy(order, p->p_exts, p->p_nexts * sizeof(order[0]));
	if (p->p_shuffle)
		for (size_t i = p->p_nexts - 1; i > 0; i--) {
			size_t j = (size_t)synth_rng_below(r, i + 1);
			uint16_t x = order[i];

			order[i] = order[j];
			order[j] = x;
		}

	synth_buf_init(&b, buf, cap);
	record_begin(&b, REC_HANDSHAKE, 0x0301, &rec);
	synth_buf_u8(&b, HS_CLIENT_HELLO);
	hs = synth_buf_len_begin(&b, 3);
	synth_buf_u16(&b, 0x0303);
	synth_buf_random(&b, r, 32);
	synth_buf_u8(&b, 32);
	synth_buf_mem(&b, out->th_sid, 32);
	l = synth_buf_len_begin(&b, 2);
	if (p->p_grease)
		synth_buf_u16(&b, grease(r));
	for (size_t i = 0; i < p->p_nciphers; i++)
		synth_buf_u16(&b, p->p_ciphers[i]);
	synth_buf_len_end(&b, l, 2);
	synth_buf_u8(&b, 1);
	synth_buf_u8(&b, 0); /* null compression */
	l = synth_buf_len_begin(&b, 2);
	if (p->p_grease) {
		synth_buf_u16(&b, gr_ext);
		synth_buf_u16(&b, 0);
	}
	for (size_t i = 0; i < p->p_nexts; i++) {
		size_t el;

		synth_buf_u16(&b, order[i]);
		el = synth_buf_len_begin(&b, 2);
		ext_body(&b, r, p, order[i], sni, gr);
		synth_buf_len_end(&b, el, 2);
	}
	if (p->p_grease) {
		/* A second GREASE extension, distinct from the first, with one zero byte. */
		uint16_t g2 = grease(r);

		if (g2 == gr_ext)
			g2 ^= 0x1010;
		synth_buf_u16(&b, g2);
		synth_buf_u16(&b, 1);
		synth_buf_u8(&b, 0);
	}
	synth_buf_len_end(&b, l, 2);
	synth_buf_len_end(&b, hs, 3);
	synth_buf_len_end(&b, rec, 2);
	return b.sb_over ? 0 : b.sb_len;
}

bool
synth_tls_offers_share(enum synth_tls_client c, uint16_t group)
{
	for (size_t i = 0; c < SYNTH_TLS__COUNT && i < profiles[c].p_nshares; i++)
		if (profiles[c].p_shares[i] == group)
			return true;
	return false;
}

uint16_t
synth_tls_select(const struct synth_tls_hello *ch, bool server_pq)
{
	return ch->th_hybrid && server_pq ? SYNTH_TLS_X25519MLKEM768 : SYNTH_TLS_X25519;
}

/* One encrypted TLS 1.3 record carrying n bytes of plaintext. */
static void
sealed(struct synth_buf *b, struct synth_rng *r, size_t n)
{
	synth_buf_u8(b, REC_APPDATA);
	synth_buf_u16(b, 0x0303);
	synth_buf_u16(b, (uint16_t)(n + 1 + AEAD_TAG));
	synth_buf_random(b, r, n + 1 + AEAD_TAG);
}

size_t
synth_tls_server_flight(uint8_t *buf, size_t cap, struct synth_rng *r,
	const struct synth_tls_hello *ch, uint16_t group, size_t cert_len)
{
	struct synth_buf b;
	size_t rec, hs, l, n = share_len(group, true);

	synth_buf_init(&b, buf, cap);
	record_begin(&b, REC_HANDSHAKE, 0x0303, &rec);
	synth_buf_u8(&b, HS_SERVER_HELLO);
	hs = synth_buf_len_begin(&b, 3);
	synth_buf_u16(&b, 0x0303);
	synth_buf_random(&b, r, 32);
	synth_buf_u8(&b, 32);
	synth_buf_mem(&b, ch->th_sid, 32);
	synth_buf_u16(&b, 0x1301);
	synth_buf_u8(&b, 0);
	l = synth_buf_len_begin(&b, 2);
	synth_buf_u16(&b, EXT_KEY_SHARE);
	synth_buf_u16(&b, (uint16_t)(4 + n));
	synth_buf_u16(&b, group);
	synth_buf_u16(&b, (uint16_t)n);
	synth_buf_random(&b, r, n);
	synth_buf_u16(&b, EXT_VERSIONS);
	synth_buf_u16(&b, 2);
	synth_buf_u16(&b, 0x0304);
	synth_buf_len_end(&b, l, 2);
	synth_buf_len_end(&b, hs, 3);
	synth_buf_len_end(&b, rec, 2);
	/* Middlebox compatibility mode (RFC 8446 D.4). */
	synth_buf_u8(&b, REC_CCS);
	synth_buf_u16(&b, 0x0303);
	synth_buf_u16(&b, 1);
	synth_buf_u8(&b, 1);
	sealed(&b, r, 10 + synth_rng_below(r, 60));         /* EncryptedExtensions */
	sealed(&b, r, cert_len);                            /* Certificate */
	sealed(&b, r, synth_rng_chance(r, 500) ? 79 : 264); /* CertificateVerify: ECDSA / RSA */
	sealed(&b, r, 36);                                  /* Finished (SHA-256) */
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_tls_client_finished(uint8_t *buf, size_t cap, struct synth_rng *r)
{
	struct synth_buf b;

	synth_buf_init(&b, buf, cap);
	synth_buf_u8(&b, REC_CCS);
	synth_buf_u16(&b, 0x0303);
	synth_buf_u16(&b, 1);
	synth_buf_u8(&b, 1);
	sealed(&b, r, 36);
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_tls_app_data(uint8_t *buf, size_t cap, struct synth_rng *r, size_t len)
{
	struct synth_buf b;

	synth_buf_init(&b, buf, cap);
	while (len > 0) {
		size_t n = len < 16384 ? len : 16384;

		sealed(&b, r, n);
		len -= n;
	}
	return b.sb_over ? 0 : b.sb_len;
}
