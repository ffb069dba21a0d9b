/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS 1.3 handshake bytes as browsers and libraries send them: a
 * ClientHello per client profile (cipher and extension lists, GREASE,
 * supported_groups, key_share with true share lengths, SNI, ALPN,
 * supported_versions), the server's first flight (ServerHello, the
 * compatibility ChangeCipherSpec, then encrypted records of realistic
 * sizes), and application-data records.  Encrypted parts are random bytes:
 * only their framing matters on the wire.
 */
#ifndef SYNTH_TLS_H
#define SYNTH_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth_rng.h"

#define SYNTH_TLS_X25519         0x001d
#define SYNTH_TLS_SECP256R1      0x0017
#define SYNTH_TLS_X25519MLKEM768 0x11ec

enum synth_tls_client {
	SYNTH_TLS_CHROME_PQ,  /* Chrome 131+: X25519MLKEM768 and x25519 shares, GREASE */
	SYNTH_TLS_CHROME,     /* older Chrome / Edge: x25519 share only */
	SYNTH_TLS_FIREFOX_PQ, /* Firefox 132+: X25519MLKEM768, x25519 and P-256 shares */
	SYNTH_TLS_SAFARI,     /* Safari / iOS: x25519 share */
	SYNTH_TLS_CURL,       /* curl on OpenSSL 3.0: x25519 share */
	SYNTH_TLS__COUNT
};

struct synth_tls_hello {
	uint8_t th_sid[32]; /* legacy_session_id, echoed by the server */
	bool th_hybrid;     /* carries an X25519MLKEM768 key share */
};

const char *synth_tls_client_name(enum synth_tls_client c);
/* The whole ClientHello record; returns its length or 0 when cap is too small. */
size_t synth_tls_client_hello(uint8_t *buf, size_t cap, struct synth_rng *r,
	enum synth_tls_client c, const char *sni, struct synth_tls_hello *out);
/* Whether a client profile sends a key share for group. */
bool synth_tls_offers_share(enum synth_tls_client c, uint16_t group);
/* The group a TLS 1.3 server picks: the hybrid when both sides have it, else x25519. */
uint16_t synth_tls_select(const struct synth_tls_hello *ch, bool server_pq);
/*
 * ServerHello (TLS_AES_128_GCM_SHA256, the selected group's share),
 * ChangeCipherSpec, and the encrypted EncryptedExtensions, Certificate
 * (about cert_len bytes), CertificateVerify and Finished.
 */
size_t synth_tls_server_flight(uint8_t *buf, size_t cap, struct synth_rng *r,
	const struct synth_tls_hello *ch, uint16_t group, size_t cert_len);
/* The client's ChangeCipherSpec and encrypted Finished. */
size_t synth_tls_client_finished(uint8_t *buf, size_t cap, struct synth_rng *r);
/* len bytes of application data as records of at most 16 KiB (plus 17 bytes of AEAD). */
size_t synth_tls_app_data(uint8_t *buf, size_t cap, struct synth_rng *r, size_t len);

#endif /* SYNTH_TLS_H */
