/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSH openings (RFC 4253): the version banner and the first binary packet,
 * SSH_MSG_KEXINIT with its ten name-lists, both in clear.  Pure functions
 * over the opening bytes of one direction; the strings are references into
 * that buffer.
 */
#ifndef PQC_SSH_H
#define PQC_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

enum ssh_list {
	SSH_KEX = 0,
	SSH_HOSTKEY,
	SSH_ENC_CS, /* client to server */
	SSH_ENC_SC,
	SSH_MAC_CS,
	SSH_MAC_SC,
	SSH_COMP_CS,
	SSH_COMP_SC,
	SSH_LANG_CS,
	SSH_LANG_SC,
	SSH_NLISTS,
};

struct ssh_str {
	const char *s_p;
	size_t s_len;
};

struct ssh_side {
	struct ssh_str sd_banner; /* "SSH-2.0-OpenSSH_9.6", without CR LF */
	struct ssh_str sd_lists[SSH_NLISTS];
	bool sd_kexinit;
};

/* Whether the bytes start like an SSH version exchange ("SSH-"). */
bool ssh_looks_like(const uint8_t *p, size_t n);
/* Parses banner and KEXINIT.  0 with both, -EAGAIN when incomplete, -EINVAL. */
int ssh_parse(const uint8_t *p, size_t n, struct ssh_side *sd);
/* TLS_DONE once the KEXINIT is complete, TLS_MORE before, TLS_BAD when not SSH. */
enum tls_status ssh_status(const uint8_t *p, size_t n);
/*
 * RFC 4253 7.1: the first algorithm of the client's list that the server
 * also lists; the pseudo-algorithms ext-info-* and kex-strict-* never count.
 * Returns false when there is none.
 */
bool ssh_negotiate(const struct ssh_str *client, const struct ssh_str *server, struct ssh_str *out);
/* Whether a name-list contains a name. */
bool ssh_list_has(const struct ssh_str *list, const char *name, size_t len);
/* Whether a name is a pseudo-algorithm (ext-info-c/s, kex-strict-*). */
bool ssh_is_pseudo(const char *name, size_t len);

#endif /* PQC_SSH_H */
