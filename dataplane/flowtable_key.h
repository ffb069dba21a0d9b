/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's keys, private to flowtable.c.  A key is canonical and
 * bidirectional: the lower (address, port) endpoint, then the higher, with
 * IPv4 addresses mapped into IPv6, the outer VLAN and the protocol, so both
 * directions of a conversation make the same 40 bytes.  Keys are built,
 * hashed and compared a word at a time.  Later fragments carry no ports: a
 * small cache learns them from the first fragment of each datagram.
 */
#ifndef DP_FLOWTABLE_KEY_H
#define DP_FLOWTABLE_KEY_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "decode.h"

#define FTK_FRAG_SLOTS  4096
#define FTK_FRAG_TTL_NS (30ULL * 1000000000ULL)

struct flow_key {
	union {
		struct {
			uint8_t k_lo[16]; /* the lower (address, port) endpoint; IPv4 mapped */
			uint8_t k_hi[16];
			uint16_t k_lo_port;
			uint16_t k_hi_port;
			uint16_t k_vlan; /* outer VLAN id: the same tuple in two VLANs is two flows
					  */
			uint8_t k_proto;
			uint8_t k_pad;
		};
		uint64_t k_w[5]; /* the same bytes, a word at a time */
	};
};

/* A first fragment's ports, for the later fragments of its datagram. */
struct ftk_frag {
	uint8_t ff_src[16];
	uint8_t ff_dst[16];
	uint64_t ff_ts;
	uint32_t ff_id;
	uint16_t ff_sport;
	uint16_t ff_dport;
	uint8_t ff_proto;
	uint8_t ff_used;
};

struct ftk_frags {
	struct ftk_frag *kf_slots; /* FTK_FRAG_SLOTS of them, by hash */
	uint64_t kf_orphans;       /* later fragments whose first fragment was not seen */
};

/* 0 or -ENOMEM. */
static inline int
ftk_frags_init(struct ftk_frags *kf, const char *name, int socket)
{
	kf->kf_slots = rte_zmalloc_socket(
		name, sizeof(struct ftk_frag) * FTK_FRAG_SLOTS, RTE_CACHE_LINE_SIZE, socket);
	kf->kf_orphans = 0;
	return (kf->kf_slots != NULL ? 0 : -ENOMEM);
}

static inline void
ftk_frags_fini(struct ftk_frags *kf)
{
	rte_free(kf->kf_slots);
	kf->kf_slots = NULL;
}

static inline void
ftk_addr_load(uint8_t out[16], const uint8_t *a, uint8_t family)
{
	if (family == 4) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, a, 4);
	} else {
		memcpy(out, a, 16);
	}
}

/* The ports of a fragment: its own if it is the first (remembered), else the first's. */
static inline bool
ftk_frag_ports(struct ftk_frags *kf, const struct dp_pkt *p, const uint8_t src[16],
	const uint8_t dst[16], uint64_t now, uint16_t *sport, uint16_t *dport)
{
	uint32_t h = rte_hash_crc(src, 16, p->p_ip_id ^ ((uint32_t)p->p_proto << 16));
	struct ftk_frag *s = &kf->kf_slots[rte_hash_crc(dst, 16, h) & (FTK_FRAG_SLOTS - 1)];

	if (p->p_frag_off == 0) {
		if (p->p_layer < DP_LAYER_L4)
			return (false);
		memcpy(s->ff_src, src, 16);
		memcpy(s->ff_dst, dst, 16);
		s->ff_id = p->p_ip_id;
		s->ff_proto = p->p_proto;
		s->ff_sport = p->p_sport;
		s->ff_dport = p->p_dport;
		s->ff_ts = now;
		s->ff_used = 1;
		*sport = p->p_sport;
		*dport = p->p_dport;
		return (true);
	}
	if (s->ff_used && s->ff_id == p->p_ip_id && s->ff_proto == p->p_proto &&
		now - s->ff_ts < FTK_FRAG_TTL_NS && memcmp(s->ff_src, src, 16) == 0 &&
		memcmp(s->ff_dst, dst, 16) == 0) {
		*sport = s->ff_sport;
		*dport = s->ff_dport;
		return (true);
	}
	kf->kf_orphans++;
	return (false);
}

/* Bytes 8-15 of the IPv4-mapped address of a (network order) IPv4 address, as a word. */
static inline uint64_t
ftk_v4_word(uint32_t a)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (0xffff0000ULL | (uint64_t)a << 32);
#else
	return (0xffffULL << 32 | a);
#endif
}

/* The key's last word: ports, VLAN, protocol and the zero pad, as they lie in memory. */
static inline uint64_t
ftk_tail_word(uint16_t lo_port, uint16_t hi_port, uint16_t vlan, uint8_t proto)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (lo_port | (uint64_t)hi_port << 16 | (uint64_t)vlan << 32 | (uint64_t)proto << 48);
#else
	return ((uint64_t)lo_port << 48 | (uint64_t)hi_port << 32 | (uint64_t)vlan << 16 |
		(uint64_t)proto << 8);
#endif
}

/* The key the general way: IPv6, and fragments (whose ports may come from the first). */
static inline bool
ftk_build_slow(struct ftk_frags *kf, uint64_t now, struct flow_key *k, const struct dp_pkt *p)
{
	uint8_t src[16], dst[16];
	uint16_t sport = p->p_sport, dport = p->p_dport;
	int c;

	ftk_addr_load(src, p->p_src, p->p_family);
	ftk_addr_load(dst, p->p_dst, p->p_family);
	if (p->p_fragment && !ftk_frag_ports(kf, p, src, dst, now, &sport, &dport))
		sport = dport = 0;
	c = memcmp(src, dst, 16);
	k->k_vlan = p->p_vlan_n > 0 ? p->p_vlan[0] : 0;
	k->k_proto = p->p_proto;
	k->k_pad = 0;
	if (c < 0 || (c == 0 && sport <= dport)) {
		memcpy(k->k_lo, src, 16);
		memcpy(k->k_hi, dst, 16);
		k->k_lo_port = sport;
		k->k_hi_port = dport;
		return (true);
	}
	memcpy(k->k_lo, dst, 16);
	memcpy(k->k_hi, src, 16);
	k->k_lo_port = dport;
	k->k_hi_port = sport;
	return (false);
}

/*
 * Builds the key of packet p, seen at time now; returns true when its source
 * is the lo endpoint.  IPv4 that is not a fragment is ordered in registers and
 * written a word at a time, the very bytes ftk_build_slow() writes: addresses
 * in host order compare as memcmp() compares them in network order.
 */
static inline bool
ftk_build(struct ftk_frags *kf, uint64_t now, struct flow_key *k, const struct dp_pkt *p)
{
	uint32_t s, d, hs, hd;
	bool lo;

	if (unlikely(p->p_family != 4 || p->p_fragment))
		return (ftk_build_slow(kf, now, k, p));
	memcpy(&s, p->p_src, sizeof(s));
	memcpy(&d, p->p_dst, sizeof(d));
	hs = rte_be_to_cpu_32(s);
	hd = rte_be_to_cpu_32(d);
	lo = hs < hd || (hs == hd && p->p_sport <= p->p_dport);
	k->k_w[0] = 0;
	k->k_w[1] = ftk_v4_word(lo ? s : d);
	k->k_w[2] = 0;
	k->k_w[3] = ftk_v4_word(lo ? d : s);
	k->k_w[4] = ftk_tail_word(lo ? p->p_sport : p->p_dport, lo ? p->p_dport : p->p_sport,
		p->p_vlan_n > 0 ? p->p_vlan[0] : 0, p->p_proto);
	return (lo);
}

/* CRC32-C of the key's words, mixed by MurmurHash3's finaliser so that every bit counts. */
static inline uint32_t
ftk_hash(const struct flow_key *k)
{
	uint32_t h = 0;

	for (unsigned i = 0; i < RTE_DIM(k->k_w); i++)
		h = rte_hash_crc_8byte(k->k_w[i], h);
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return (h);
}

#endif /* DP_FLOWTABLE_KEY_H */
