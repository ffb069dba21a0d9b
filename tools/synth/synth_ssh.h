/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSH transport bytes (RFC 4253): version banners, binary packets with
 * random padding to the 8-byte block, KEXINIT with each implementation's
 * real name-lists, the ECDH-style init/reply (the hybrid post-quantum
 * methods use the same messages with longer Q_C / Q_S), NEWKEYS, and
 * encrypted packets framed as chacha20-poly1305@openssh.com frames them.
 */
#ifndef SYNTH_SSH_H
#define SYNTH_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth_rng.h"

/* One implementation's offer, as its KEXINIT lists it. */
struct synth_ssh_impl {
	const char *si_banner; /* without CR LF */
	const char *si_kex;
	const char *si_hostkey;
	const char *si_cipher;
	const char *si_mac;
	const char *si_comp;
};

extern const struct synth_ssh_impl synth_ssh_openssh10_client;
extern const struct synth_ssh_impl synth_ssh_openssh96_client;
extern const struct synth_ssh_impl synth_ssh_openssh87_rhel_server;
extern const struct synth_ssh_impl synth_ssh_openssh92_server;
extern const struct synth_ssh_impl synth_ssh_openssh10_server;

/*
 * The key exchange both sides end up with: the first name in the client's
 * list that the server also lists (RFC 4253 7.1).  Writes it to out; false
 * when there is none.
 */
bool synth_ssh_negotiate(const char *client, const char *server, char *out, size_t len);
/* Bytes of Q_C (client) or Q_S (server) for a key-exchange method. */
size_t synth_ssh_share_len(const char *kex, bool server);

/* "banner\r\n" */
size_t synth_ssh_banner(char *buf, size_t cap, const struct synth_ssh_impl *impl);
size_t synth_ssh_kexinit(
	uint8_t *buf, size_t cap, struct synth_rng *r, const struct synth_ssh_impl *impl);
/* SSH_MSG_KEX_ECDH_INIT (30) carrying a random Q_C of qlen bytes. */
size_t synth_ssh_kex_init(uint8_t *buf, size_t cap, struct synth_rng *r, size_t qlen);
/*
 * SSH_MSG_KEX_ECDH_REPLY (31) with an Ed25519 host key, Q_S of qlen bytes
 * and an Ed25519 signature, followed by SSH_MSG_NEWKEYS in the same write.
 */
size_t synth_ssh_kex_reply(uint8_t *buf, size_t cap, struct synth_rng *r, size_t qlen);
size_t synth_ssh_newkeys(uint8_t *buf, size_t cap, struct synth_rng *r);
/* One encrypted packet whose plaintext payload is about len bytes. */
size_t synth_ssh_encrypted(uint8_t *buf, size_t cap, struct synth_rng *r, size_t len);

#endif /* SYNTH_SSH_H */
