/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS 1.0-1.3 handshake parsing over byte buffers: the record layer of a TCP
 * direction, or the CRYPTO stream of QUIC (handshake messages without
 * records).  Pure functions: no allocation, every length checked, so the same
 * code serves the worker (is the handshake complete yet?), the control thread
 * (what does it say?), the unit tests and the fuzzer.
 */
#ifndef PQC_TLS_H
#define PQC_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_LIST_MAX  128 /* values kept per list; more are counted, not kept */
#define TLS_SHARE_MAX 16
#define TLS_ALPN_MAX  8
#define TLS_ALPN_LEN  64
#define TLS_SNI_LEN   256
#define TLS_CERT_MAX  8

/* Results of the status functions. */
enum tls_status {
	TLS_MORE = 0, /* complete so far: wait for more bytes */
	TLS_DONE,     /* what the inventory needs has arrived */
	TLS_BAD,      /* not TLS, or malformed */
};

struct tls_list {
	uint16_t l_v[TLS_LIST_MAX];
	uint16_t l_n;     /* values kept */
	uint16_t l_total; /* values on the wire */
};

struct tls_share {
	uint16_t s_group;
	uint16_t s_len; /* key_exchange bytes */
};

struct tls_client_hello {
	uint16_t ch_legacy_version;
	struct tls_list ch_ciphers;
	struct tls_list ch_exts;
	struct tls_list ch_groups;
	struct tls_list ch_point_formats;
	struct tls_list ch_sigalgs;
	struct tls_list ch_versions; /* supported_versions */
	struct tls_share ch_shares[TLS_SHARE_MAX];
	uint8_t ch_nshares;
	uint8_t ch_nalpn;
	uint8_t ch_alpn_len[TLS_ALPN_MAX];
	uint8_t ch_alpn[TLS_ALPN_MAX][TLS_ALPN_LEN]; /* raw protocol ids (may be cut) */
	char ch_sni[TLS_SNI_LEN];                    /* host_name, NUL-terminated */
};

struct tls_cert_ref {
	uint32_t c_off; /* DER certificate at this offset of the handshake buffer */
	uint32_t c_len;
};

struct tls_server_hello {
	bool sh_seen; /* a ServerHello (not a HelloRetryRequest) was parsed */
	bool sh_hrr;  /* a HelloRetryRequest came first */
	bool sh_done; /* ServerHelloDone (TLS <= 1.2) */
	bool sh_ske;  /* a ServerKeyExchange was parsed */
	uint16_t sh_legacy_version;
	uint16_t sh_version; /* supported_versions selection, 0 when absent */
	uint16_t sh_cipher;
	uint16_t sh_share_group; /* key_share group, 0 when absent */
	uint16_t sh_share_len;
	uint16_t sh_hrr_group; /* the group a HelloRetryRequest asked for */
	struct tls_list sh_exts;
	uint16_t sh_ske_group;   /* ECDHE named curve of the ServerKeyExchange */
	uint16_t sh_ske_sigalg;  /* its signature algorithm (TLS 1.2) */
	uint16_t sh_ske_dh_bits; /* DHE: prime size in bits */
	uint8_t sh_ncerts;
	uint8_t sh_alpn_len;
	uint8_t sh_alpn[TLS_ALPN_LEN];
	struct tls_cert_ref sh_certs[TLS_CERT_MAX];
};

/* RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa). */
static inline bool
tls_is_grease(uint16_t v)
{
	return ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff));
}

/* Whether the opening bytes of a TCP direction look like a TLS handshake record. */
bool tls_looks_like(const uint8_t *p, size_t n);

/*
 * Concatenates the payloads of the handshake records at the start of in
 * into out (at most cap bytes), skipping ChangeCipherSpec; stops at the first
 * other record or at the end (a partial record counts with what it has).
 * *stopped is set when another record type ended the handshake (an alert,
 * encrypted data).  Returns the bytes written, or -1 when in is not TLS.
 */
long tls_unrecord(const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool *stopped);

/* Parses the ClientHello that starts hs.  0, -EAGAIN (incomplete) or -EINVAL. */
int tls_parse_client_hello(const uint8_t *hs, size_t n, struct tls_client_hello *ch);
/*
 * Parses the server's handshake messages in hs: ServerHello (after any
 * HelloRetryRequest), Certificate, ServerKeyExchange, ServerHelloDone.
 * 0 when a ServerHello was parsed, -EAGAIN when hs ends before one, -EINVAL.
 */
int tls_parse_server(const uint8_t *hs, size_t n, struct tls_server_hello *sh);

/* Whether a ClientHello is complete in the handshake bytes hs. */
enum tls_status tls_client_status(const uint8_t *hs, size_t n);
/*
 * Whether the server's flight says enough: a TLS 1.3 (or QUIC) ServerHello,
 * or a TLS <= 1.2 flight up to ServerHelloDone; stopped means the handshake
 * records ended (encrypted data, ChangeCipherSpec then data, an alert).
 */
enum tls_status tls_server_status(const uint8_t *hs, size_t n, bool stopped);

/* "TLSv1.3", "TLSv1.2", ... or "0x%04x" in buf. */
const char *tls_version_name(uint16_t v, char *buf, size_t len);

#endif /* PQC_TLS_H */
