/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builder: Ethernet with up to two VLAN tags, IPv4 or IPv6, and TCP,
 * UDP, ICMP or ICMPv6 on top, with every checksum filled in.  Each builder
 * writes one whole frame into the caller's buffer and returns its length,
 * or 0 when it does not fit.  Frames shorter than the Ethernet minimum are
 * padded with zeros, as a NIC pads them on the wire, so a tap sees 60 bytes.
 */
#ifndef SYNTH_PKT_H
#define SYNTH_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNTH_ETH_MIN   60   /* shortest frame on the wire, without the FCS */
#define SYNTH_FRAME_MAX 2048 /* longest frame any generator builds (1500 MTU + tags) */

#define SYNTH_ETH_IPV4 0x0800
#define SYNTH_ETH_ARP  0x0806
#define SYNTH_ETH_VLAN 0x8100
#define SYNTH_ETH_IPV6 0x86dd
#define SYNTH_ETH_QINQ 0x88a8

#define SYNTH_PROTO_ICMP   1
#define SYNTH_PROTO_TCP    6
#define SYNTH_PROTO_UDP    17
#define SYNTH_PROTO_ICMPV6 58

#define SYNTH_TH_FIN 0x01
#define SYNTH_TH_SYN 0x02
#define SYNTH_TH_RST 0x04
#define SYNTH_TH_PSH 0x08
#define SYNTH_TH_ACK 0x10

#define SYNTH_IP_DF 0x4000 /* IPv4 "don't fragment" in the flags/offset field */
#define SYNTH_IP_MF 0x2000 /* IPv4 "more fragments" */

struct synth_l2 {
	uint8_t l2_dst[6];
	uint8_t l2_src[6];
	uint16_t l2_vlan[2]; /* VLAN ids, outer first */
	uint8_t l2_nvlan;    /* 0, 1 (802.1Q) or 2 (802.1ad outer, 802.1Q inner) */
};

struct synth_ip {
	uint8_t ip_family; /* 4 or 6 */
	uint8_t ip_ttl;    /* TTL or hop limit */
	uint8_t ip_tos;    /* DSCP/ECN or traffic class */
	uint16_t ip_id;    /* IPv4 identification */
	uint16_t ip_frag;  /* IPv4 flags and offset as on the wire (SYNTH_IP_DF, ...) */
	uint32_t ip_flow;  /* IPv6 flow label */
	uint8_t ip_src[16];
	uint8_t ip_dst[16];
};

struct synth_tcph {
	uint16_t th_sport;
	uint16_t th_dport;
	uint32_t th_seq;
	uint32_t th_ack;
	uint16_t th_win;
	uint8_t th_flags;
	uint8_t th_optlen; /* bytes in th_opt, a multiple of 4, at most 40 */
	const uint8_t *th_opt;
};

/* One's-complement sum of data added to sum, not yet folded. */
uint32_t synth_cksum_add(uint32_t sum, const void *data, size_t len);
/* Folds a sum and complements it: the value that goes into the header. */
uint16_t synth_cksum_fold(uint32_t sum);
/* The IPv4 or IPv6 pseudo-header sum for a transport checksum over l4len bytes. */
uint32_t synth_cksum_pseudo(const struct synth_ip *ip, uint8_t proto, size_t l4len);

/* Ethernet (and tags) around an arbitrary payload: ARP and malformed frames. */
size_t synth_pkt_eth(uint8_t *frame, size_t cap, const struct synth_l2 *l2, uint16_t ethertype,
	const void *payload, size_t len);
/*
 * An IP packet whose transport bytes the caller made (fragments): proto goes
 * into the header, l4 is copied as is.  IPv4 only carries fragments here.
 */
size_t synth_pkt_ip(uint8_t *frame, size_t cap, const struct synth_l2 *l2,
	const struct synth_ip *ip, uint8_t proto, const void *l4, size_t len);
size_t synth_pkt_tcp(uint8_t *frame, size_t cap, const struct synth_l2 *l2,
	const struct synth_ip *ip, const struct synth_tcph *th, const void *payload, size_t len);
size_t synth_pkt_udp(uint8_t *frame, size_t cap, const struct synth_l2 *l2,
	const struct synth_ip *ip, uint16_t sport, uint16_t dport, const void *payload, size_t len);
/* ICMP for IPv4, ICMPv6 for IPv6; rest is the 4 bytes after the checksum (id, seq). */
size_t synth_pkt_icmp(uint8_t *frame, size_t cap, const struct synth_l2 *l2,
	const struct synth_ip *ip, uint8_t type, uint8_t code, uint32_t rest, const void *payload,
	size_t len);
/* UDP header and payload with the checksum over the pseudo-header (for fragmenting). */
size_t synth_udp_datagram(uint8_t *out, size_t cap, const struct synth_ip *ip, uint16_t sport,
	uint16_t dport, const void *payload, size_t len);

static inline void
synth_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
synth_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
synth_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
synth_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif /* SYNTH_PKT_H */
