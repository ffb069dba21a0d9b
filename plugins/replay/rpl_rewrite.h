/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rewrite maps, as tcprewrite's --enet-smac/dmac, --pnat and --portmap:
 * MAC → MAC, IPv4 or IPv6 CIDR → CIDR of the same length (host bits are
 * kept), and TCP/UDP port → port.  Maps apply to source and destination
 * alike; the first map that matches wins.  The IPv4 header checksum and the
 * TCP, UDP and ICMPv6 checksums are computed again after a change; a frame
 * captured short of its L4 end keeps its old L4 checksum (counted).
 *
 * The same maps rewrite ground-truth keys, so a scenario states its
 * expectations in the capture's own addresses.
 */
#ifndef RPL_REWRITE_H
#define RPL_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPL_REWRITE_MAX 64 /* maps of each kind */

struct rpl_map_mac {
	uint8_t mm_from[6];
	uint8_t mm_to[6];
};

struct rpl_map_ip {
	uint8_t mi_family; /* 4 or 6 */
	uint8_t mi_plen;
	uint8_t mi_from[16];
	uint8_t mi_to[16];
};

struct rpl_map_port {
	uint16_t mp_from;
	uint16_t mp_to;
};

struct rpl_rewrite {
	struct rpl_map_mac rw_mac[RPL_REWRITE_MAX];
	struct rpl_map_ip rw_ip[RPL_REWRITE_MAX];
	struct rpl_map_port rw_port[RPL_REWRITE_MAX];
	unsigned rw_nmac;
	unsigned rw_nip;
	unsigned rw_nport;
};

struct rpl_rw_stats {
	uint64_t rs_rewritten;  /* frames changed */
	uint64_t rs_l4_partial; /* changed, but the L4 checksum could not be recomputed */
	uint64_t rs_undecoded;  /* not Ethernet + IPv4/IPv6 (left as they are) */
};

/* Each adds one map from its text; -EINVAL with err saying what was expected. */
int rpl_rewrite_add_mac(
	struct rpl_rewrite *rw, const char *from, const char *to, char *err, size_t errlen);
int rpl_rewrite_add_ip(
	struct rpl_rewrite *rw, const char *from, const char *to, char *err, size_t errlen);
int rpl_rewrite_add_port(
	struct rpl_rewrite *rw, const char *from, const char *to, char *err, size_t errlen);
bool rpl_rewrite_empty(const struct rpl_rewrite *rw);

/* Rewrites one Ethernet frame in place; returns true when it changed. */
bool rpl_rewrite_frame(
	const struct rpl_rewrite *rw, uint8_t *frame, uint32_t len, struct rpl_rw_stats *st);
/* Maps one address (4 or 16 bytes) in place; true when a map applied. */
bool rpl_rewrite_addr(const struct rpl_rewrite *rw, int family, uint8_t *addr);
uint16_t rpl_rewrite_port(const struct rpl_rewrite *rw, uint16_t port);
/*
 * Maps an address or CIDR in text ("10.0.0.5", "10.0.0.0/24", "2001:db8::1")
 * into out; text that is no address is copied as it is.  Returns 0 or -ENOSPC.
 */
int rpl_rewrite_addr_str(const struct rpl_rewrite *rw, const char *in, char *out, size_t outlen);

#endif /* RPL_REWRITE_H */
