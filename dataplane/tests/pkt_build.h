/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builders for tests: Ethernet, VLAN, IPv4, IPv6 and its extension
 * headers, TCP, UDP and ICMP, written byte by byte in network order so a
 * test can say exactly what it feeds the decoder, then edit a field or cut
 * the frame to make it wrong.  Addresses are fixed: 10.0.0.1 -> 10.0.0.2 and
 * 2001:db8::1 -> 2001:db8::2, TTL 64, IPv4 identification 0x1234.  Then a
 * set of reference packets, one per protocol path; fuzz/corpus/
 * make_decode_seeds.py builds the same ones for the fuzzer's seeds.
 */
#ifndef DP_PKT_BUILD_H
#define DP_PKT_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define PB_MAX 512

/* A packet under construction. */
struct pb {
	uint8_t pb_b[PB_MAX];
	uint32_t pb_len;
};

static inline void
pb_u8(struct pb *b, uint8_t v)
{
	if (b->pb_len >= PB_MAX)
		abort();
	b->pb_b[b->pb_len++] = v;
}

static inline void
pb_u16(struct pb *b, uint16_t v)
{
	pb_u8(b, (uint8_t)(v >> 8));
	pb_u8(b, (uint8_t)v);
}

static inline void
pb_u32(struct pb *b, uint32_t v)
{
	pb_u16(b, (uint16_t)(v >> 16));
	pb_u16(b, (uint16_t)v);
}

static inline void
pb_bytes(struct pb *b, const uint8_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		pb_u8(b, v[i]);
}

static inline void
pb_fill(struct pb *b, uint8_t v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		pb_u8(b, v);
}

static inline void
pb_set16(struct pb *b, uint32_t at, uint16_t v)
{
	b->pb_b[at] = (uint8_t)(v >> 8);
	b->pb_b[at + 1] = (uint8_t)v;
}

static inline void
pb_payload(struct pb *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		pb_u8(b, (uint8_t)('a' + i % 26));
}

/* Ethernet header with fixed addresses; et is the ethertype or the first TPID. */
static inline void
pb_eth(struct pb *b, uint16_t et)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };

	b->pb_len = 0;
	pb_bytes(b, macs, sizeof(macs));
	pb_u16(b, et);
}

static inline void
pb_vlan(struct pb *b, uint16_t tci, uint16_t et)
{
	pb_u16(b, tci);
	pb_u16(b, et);
}

/* IPv4 10.0.0.1 -> 10.0.0.2 with options; returns its offset for pb_ipv4_end(). */
static inline uint32_t
pb_ipv4(struct pb *b, uint8_t proto, uint16_t frag, const uint8_t *opt, uint32_t optlen)
{
	uint32_t at = b->pb_len;

	pb_u8(b, (uint8_t)(0x40 | (20 + optlen) / 4));
	pb_u8(b, 0);
	pb_u16(b, 0);
	pb_u16(b, 0x1234);
	pb_u16(b, frag);
	pb_u8(b, 64);
	pb_u8(b, proto);
	pb_u16(b, 0);
	pb_u32(b, 0x0a000001);
	pb_u32(b, 0x0a000002);
	pb_bytes(b, opt, optlen);
	return at;
}

static inline void
pb_ipv4_end(struct pb *b, uint32_t at)
{
	pb_set16(b, at + 2, (uint16_t)(b->pb_len - at));
}

/* IPv6 2001:db8::1 -> 2001:db8::2; returns its offset for pb_ipv6_end(). */
static inline uint32_t
pb_ipv6(struct pb *b, uint8_t nh)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	uint32_t at = b->pb_len;

	pb_u32(b, 0x60000000);
	pb_u16(b, 0);
	pb_u8(b, nh);
	pb_u8(b, 64);
	pb_bytes(b, src, sizeof(src));
	pb_bytes(b, dst, sizeof(dst));
	return at;
}

static inline void
pb_ipv6_end(struct pb *b, uint32_t at)
{
	pb_set16(b, at + 4, (uint16_t)(b->pb_len - at - 40));
}

/* An extension header of (units + 1) * 8 bytes, padded with Pad1 options. */
static inline void
pb_ext(struct pb *b, uint8_t nh, uint8_t units)
{
	pb_u8(b, nh);
	pb_u8(b, units);
	pb_fill(b, 0, (units + 1u) * 8 - 2);
}

/* An authentication header of (units + 2) * 4 bytes. */
static inline void
pb_ah(struct pb *b, uint8_t nh, uint8_t units)
{
	pb_u8(b, nh);
	pb_u8(b, units);
	pb_fill(b, 0, (units + 2u) * 4 - 2);
}

static inline void
pb_frag6(struct pb *b, uint8_t nh, uint16_t off_bytes, bool more, uint32_t id)
{
	pb_u8(b, nh);
	pb_u8(b, 0);
	pb_u16(b, (uint16_t)(off_bytes | (more ? 1 : 0)));
	pb_u32(b, id);
}

/* TCP with optlen bytes of NOP options. */
static inline void
pb_tcp(struct pb *b, uint16_t sport, uint16_t dport, uint8_t flags, uint8_t optlen)
{
	pb_u16(b, sport);
	pb_u16(b, dport);
	pb_u32(b, 0x01020304);
	pb_u32(b, 0x05060708);
	pb_u8(b, (uint8_t)(((20 + optlen) / 4) << 4));
	pb_u8(b, flags);
	pb_u16(b, 0xfaf0);
	pb_u16(b, 0);
	pb_u16(b, 0);
	pb_fill(b, 1, optlen);
}

static inline void
pb_udp(struct pb *b, uint16_t sport, uint16_t dport, uint16_t paylen)
{
	pb_u16(b, sport);
	pb_u16(b, dport);
	pb_u16(b, (uint16_t)(8 + paylen));
	pb_u16(b, 0);
	pb_payload(b, paylen);
}

/* ICMP or ICMPv6 echo-shaped message: type, code, checksum, id, sequence. */
static inline void
pb_icmp(struct pb *b, uint8_t type, uint8_t code, uint16_t paylen)
{
	pb_u8(b, type);
	pb_u8(b, code);
	pb_u16(b, 0);
	pb_u16(b, 0x4242);
	pb_u16(b, 1);
	pb_payload(b, paylen);
}

/*
 * Reference packets.  The decoder tests know their layout (header offsets,
 * ports, payload lengths): change one and its expectations change with it.
 */
static inline void
build_ipv4_tcp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x0800);
	ip = pb_ipv4(b, 6, 0x4000, NULL, 0);
	pb_tcp(b, 1234, 80, 0x12, 12);
	pb_payload(b, 10);
	pb_ipv4_end(b, ip);
}

static inline void
build_ipv4_udp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x0800);
	ip = pb_ipv4(b, 17, 0, NULL, 0);
	pb_udp(b, 5353, 53, 24);
	pb_ipv4_end(b, ip);
}

static inline void
build_ipv4_icmp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x0800);
	ip = pb_ipv4(b, 1, 0, NULL, 0);
	pb_icmp(b, 8, 0, 16);
	pb_ipv4_end(b, ip);
}

static inline void
build_ipv6_tcp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x86dd);
	ip = pb_ipv6(b, 6);
	pb_tcp(b, 40000, 443, 0x02, 20);
	pb_payload(b, 4);
	pb_ipv6_end(b, ip);
}

static inline void
build_ipv6_udp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x86dd);
	ip = pb_ipv6(b, 17);
	pb_udp(b, 546, 547, 12);
	pb_ipv6_end(b, ip);
}

static inline void
build_ipv6_icmpv6(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x86dd);
	ip = pb_ipv6(b, 58);
	pb_icmp(b, 128, 0, 8);
	pb_ipv6_end(b, ip);
}

static inline void
build_vlan_ipv4_tcp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x8100);
	pb_vlan(b, 0x2064, 0x0800); /* priority 1, id 100 */
	ip = pb_ipv4(b, 6, 0, NULL, 0);
	pb_tcp(b, 1234, 80, 0x10, 0);
	pb_payload(b, 3);
	pb_ipv4_end(b, ip);
}

static inline void
build_qinq_ipv6_udp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x88a8);
	pb_vlan(b, 10, 0x8100);
	pb_vlan(b, 0xf014, 0x86dd); /* id 20 under priority 7 and DEI */
	ip = pb_ipv6(b, 17);
	pb_udp(b, 1000, 2000, 5);
	pb_ipv6_end(b, ip);
}

static inline void
build_ipv4_options_tcp(struct pb *b)
{
	/* NOP, record route (7 bytes), router alert (4), EOL, then padding. */
	static const uint8_t opt[16] = { 1, 7, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0, 0, 0, 0 };
	uint32_t ip;

	pb_eth(b, 0x0800);
	ip = pb_ipv4(b, 6, 0, opt, sizeof(opt));
	pb_tcp(b, 1, 2, 0x02, 0);
	pb_ipv4_end(b, ip);
}

static inline void
build_ipv6_ext_udp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x86dd);
	ip = pb_ipv6(b, 0);
	pb_ext(b, 60, 0);
	pb_ext(b, 44, 1);
	pb_frag6(b, 17, 0, true, 0xdeadbeef);
	pb_udp(b, 7, 9, 6);
	pb_ipv6_end(b, ip);
}

static inline void
build_ipv6_more_ext_tcp(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x86dd);
	ip = pb_ipv6(b, 43);
	pb_ext(b, 51, 0);
	pb_ah(b, 135, 4);
	pb_ext(b, 139, 0);
	pb_ext(b, 140, 1);
	pb_ext(b, 6, 0);
	pb_tcp(b, 22, 50000, 0x18, 0);
	pb_payload(b, 7);
	pb_ipv6_end(b, ip);
}

static inline void
build_arp(struct pb *b)
{
	pb_eth(b, 0x0806);
	pb_u16(b, 1);
	pb_u16(b, 0x0800);
	pb_u8(b, 6);
	pb_u8(b, 4);
	pb_u16(b, 1);
	pb_fill(b, 0, 20);
}

static inline void
build_ipv6_nine_ext(struct pb *b)
{
	uint32_t ip;

	pb_eth(b, 0x86dd);
	ip = pb_ipv6(b, 60);
	for (int i = 0; i < 8; i++)
		pb_ext(b, 60, 0);
	pb_ext(b, 17, 0);
	pb_udp(b, 1, 2, 0);
	pb_ipv6_end(b, ip);
}

#endif /* DP_PKT_BUILD_H */
