/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC v1 (RFC 9000/9001) and v2 (RFC 9369) Initial packets: long headers,
 * Initial keys from the public salts, header protection and AES-128-GCM
 * removed with OpenSSL, and the CRYPTO frames inside.
 */
#ifndef PQC_QUIC_H
#define PQC_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_V1      0x00000001u
#define QUIC_V2      0x6b3343cfu
#define QUIC_CID_MAX 20

/* Packet types, the same for both versions (v2 numbers them differently on the wire). */
enum quic_type {
	QUIC_INITIAL = 0,
	QUIC_0RTT,
	QUIC_HANDSHAKE,
	QUIC_RETRY,
};

struct quic_hdr {
	uint32_t h_version;
	uint8_t h_type; /* enum quic_type */
	uint8_t h_dcid_len;
	uint8_t h_scid_len;
	uint8_t h_dcid[QUIC_CID_MAX];
	uint8_t h_scid[QUIC_CID_MAX];
	size_t h_pn_off; /* offset of the (protected) packet number */
	size_t h_end;    /* offset after this packet (coalesced packets follow) */
};

struct quic_keys {
	uint8_t k_key[16];
	uint8_t k_iv[12];
	uint8_t k_hp[16];
};

/* OpenSSL contexts reused for every packet of one thread. */
struct quic_crypto;

struct quic_crypto *quic_crypto_new(void);
void quic_crypto_free(struct quic_crypto *qc);

/* Whether a UDP payload starts with a long-header packet of a known version. */
bool quic_looks_like(const uint8_t *p, size_t n);
/*
 * Parses one long-header packet at the start of p.  0, or -EINVAL when it
 * is not one (short header, unknown version, lengths past the end).
 */
int quic_parse_long(const uint8_t *p, size_t n, struct quic_hdr *h);
/* Initial keys for one side from the client's Destination Connection ID. */
int quic_initial_keys(struct quic_crypto *qc, uint32_t version, const uint8_t *dcid,
	size_t dcid_len, bool server, struct quic_keys *k);
/*
 * Removes header protection and decrypts the Initial packet pkt[0..h->h_end)
 * in place; the plaintext frames are at *frames (*nframes bytes) inside pkt.
 * 0, or -EBADMSG when authentication fails.
 */
int quic_decrypt(struct quic_crypto *qc, const struct quic_keys *k, const struct quic_hdr *h,
	uint8_t *pkt, uint8_t **frames, size_t *nframes);

/* Called for each CRYPTO frame: the data at this offset of the crypto stream. */
typedef void (*quic_crypto_fn)(void *arg, uint64_t off, const uint8_t *data, size_t len);
/*
 * Walks the frames of an Initial packet: CRYPTO frames go to fn; PADDING,
 * PING, ACK and CONNECTION_CLOSE are skipped.  0, or -EINVAL at a frame an
 * Initial may not carry or a malformed one.
 */
int quic_frames(const uint8_t *p, size_t n, quic_crypto_fn fn, void *arg);

#endif /* PQC_QUIC_H */
