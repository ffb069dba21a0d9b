/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the packet decoder.  Packets are built byte by byte
 * (pkt_build.h), never copied from captures, so each test says exactly what
 * it feeds in.
 * Every decode runs over a copy in a buffer of exactly the packet's length,
 * so that under ASan a read one byte too far fails the test run.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "mm_test.h"
#include "pkt_build.h"

/* The buffer of the last decode, exactly as long as the packet. */
static uint8_t *tbuf;
static uint32_t tbuf_len;

static bool
span_ok(const uint8_t *ptr, uint32_t n)
{
	uintptr_t b = (uintptr_t)tbuf, e = b + tbuf_len, x = (uintptr_t)ptr;

	return ptr == NULL || (x >= b && x <= e && n <= e - x);
}

/* Everything the result points at lies inside the buffer, and the fields agree. */
static bool
result_ok(const struct dp_pkt *p, int layer)
{
	uint32_t alen = p->p_family == 6 ? 16 : 4;

	if (layer != p->p_layer || p->p_anomaly >= DP_AN__COUNT)
		return false;
	if ((p->p_l3 != NULL) != (layer >= DP_LAYER_L3))
		return false;
	if ((p->p_l4 != NULL) != (layer == DP_LAYER_L4) ||
		(p->p_payload != NULL) != (p->p_l4 != NULL))
		return false;
	if (p->p_l4 != NULL && (p->p_l4 < p->p_l3 || p->p_payload < p->p_l4))
		return false;
	return span_ok(p->p_l3, p->p_l3_len) && span_ok(p->p_l4, 0) &&
	       span_ok(p->p_payload, p->p_payload_len) && span_ok(p->p_src, alen) &&
	       span_ok(p->p_dst, alen);
}

/* Decodes a copy of b's first len bytes in a buffer of exactly that size. */
static int
decode_n(const struct pb *b, uint32_t len, struct dp_pkt *p)
{
	free(tbuf);
	tbuf = malloc(len);
	if (tbuf == NULL && len != 0)
		abort();
	if (len != 0)
		memcpy(tbuf, b->pb_b, len);
	tbuf_len = len;
	return dp_decode(tbuf, len, p);
}

static int
decode(const struct pb *b, struct dp_pkt *p)
{
	return decode_n(b, b->pb_len, p);
}

/* Offset of a result pointer in the decoded buffer, -1 when NULL. */
static long
off_of(const uint8_t *ptr)
{
	return ptr == NULL ? -1 : (long)(ptr - tbuf);
}

/* What a clean packet decodes to; offsets count from the frame's first byte. */
struct path_case {
	const char *pc_name;
	void (*pc_build)(struct pb *);
	uint16_t pc_ethertype;
	uint8_t pc_vlan_n;
	uint16_t pc_vlan[2];
	uint8_t pc_family;
	uint8_t pc_proto;
	uint16_t pc_l3_off;
	uint16_t pc_l4_off;
	uint16_t pc_payload_len;
	uint16_t pc_sport;
	uint16_t pc_dport;
	uint8_t pc_icmp_type;
};

static const struct path_case path_cases[] = {
	{ "ipv4_tcp", build_ipv4_tcp, 0x0800, 0, { 0, 0 }, 4, 6, 14, 34, 10, 1234, 80, 0 },
	{ "ipv4_udp", build_ipv4_udp, 0x0800, 0, { 0, 0 }, 4, 17, 14, 34, 24, 5353, 53, 0 },
	{ "ipv4_icmp", build_ipv4_icmp, 0x0800, 0, { 0, 0 }, 4, 1, 14, 34, 16, 0, 0, 8 },
	{ "ipv6_tcp", build_ipv6_tcp, 0x86dd, 0, { 0, 0 }, 6, 6, 14, 54, 4, 40000, 443, 0 },
	{ "ipv6_udp", build_ipv6_udp, 0x86dd, 0, { 0, 0 }, 6, 17, 14, 54, 12, 546, 547, 0 },
	{ "ipv6_icmpv6", build_ipv6_icmpv6, 0x86dd, 0, { 0, 0 }, 6, 58, 14, 54, 8, 0, 0, 128 },
	{ "vlan_ipv4_tcp", build_vlan_ipv4_tcp, 0x0800, 1, { 100, 0 }, 4, 6, 18, 38, 3, 1234, 80,
		0 },
	{ "qinq_ipv6_udp", build_qinq_ipv6_udp, 0x86dd, 2, { 10, 20 }, 6, 17, 22, 62, 5, 1000, 2000,
		0 },
	{ "ipv4_options_tcp", build_ipv4_options_tcp, 0x0800, 0, { 0, 0 }, 4, 6, 14, 50, 0, 1, 2,
		0 },
	/* Routing, AH (24 bytes), mobility, HIP (16 bytes), shim6. */
	{ "ipv6_more_ext_tcp", build_ipv6_more_ext_tcp, 0x86dd, 0, { 0, 0 }, 6, 6, 14, 118, 7, 22,
		50000, 0 },
};

#define N_PATH_CASES (sizeof(path_cases) / sizeof(path_cases[0]))

/* MM_ASSERT_EQ that names the table row it checks. */
#define CASE_EQ(name, got, want)                                                                   \
	do {                                                                                       \
		long long got_ = (long long)(got), want_ = (long long)(want);                      \
		if (got_ != want_)                                                                 \
			MM_FAIL_("%s: %s is %lld, want %lld", (name), #got, got_, want_);          \
	} while (0)

MM_TEST(protocol_paths)
{
	for (size_t i = 0; i < N_PATH_CASES; i++) {
		const struct path_case *c = &path_cases[i];
		struct pb b;
		struct dp_pkt p;
		int layer;

		c->pc_build(&b);
		layer = decode(&b, &p);
		CASE_EQ(c->pc_name, layer, DP_LAYER_L4);
		CASE_EQ(c->pc_name, result_ok(&p, layer), true);
		CASE_EQ(c->pc_name, p.p_anomaly, DP_AN_NONE);
		CASE_EQ(c->pc_name, p.p_ethertype, c->pc_ethertype);
		CASE_EQ(c->pc_name, p.p_vlan_n, c->pc_vlan_n);
		CASE_EQ(c->pc_name, p.p_vlan[0], c->pc_vlan[0]);
		CASE_EQ(c->pc_name, p.p_vlan[1], c->pc_vlan[1]);
		CASE_EQ(c->pc_name, p.p_family, c->pc_family);
		CASE_EQ(c->pc_name, p.p_proto, c->pc_proto);
		CASE_EQ(c->pc_name, p.p_ttl, 64);
		CASE_EQ(c->pc_name, off_of(p.p_l3), c->pc_l3_off);
		CASE_EQ(c->pc_name, p.p_l3_len, b.pb_len - c->pc_l3_off);
		CASE_EQ(c->pc_name, off_of(p.p_l4), c->pc_l4_off);
		CASE_EQ(c->pc_name, off_of(p.p_payload) + p.p_payload_len, b.pb_len);
		CASE_EQ(c->pc_name, p.p_payload_len, c->pc_payload_len);
		CASE_EQ(c->pc_name, p.p_sport, c->pc_sport);
		CASE_EQ(c->pc_name, p.p_dport, c->pc_dport);
		CASE_EQ(c->pc_name, p.p_icmp_type, c->pc_icmp_type);
		CASE_EQ(c->pc_name, p.p_fragment, false);
	}
}

/* The fields the path table leaves out: IPv4 ones, TCP ones, the payload bytes. */
MM_TEST(ipv4_tcp_fields)
{
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	struct pb b;
	struct dp_pkt p;

	build_ipv4_tcp(&b);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_ip_id, 0x1234);
	MM_ASSERT(memcmp(p.p_src, src, 4) == 0);
	MM_ASSERT(memcmp(p.p_dst, dst, 4) == 0);
	MM_ASSERT_EQ(p.p_tcp_seq, 0x01020304);
	MM_ASSERT_EQ(p.p_tcp_ack, 0x05060708);
	MM_ASSERT_EQ(p.p_tcp_flags, 0x12);
	MM_ASSERT_EQ(p.p_tcp_win, 0xfaf0);
	MM_ASSERT_EQ(p.p_tcp_optlen, 12);
	MM_ASSERT_EQ(off_of(p.p_payload), 34 + 32);
	MM_ASSERT(memcmp(p.p_payload, "abcdefghij", 10) == 0);
}

MM_TEST(ipv6_tcp_fields)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct pb b;
	struct dp_pkt p;

	build_ipv6_tcp(&b);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(memcmp(p.p_src, src, 16) == 0);
	MM_ASSERT(memcmp(p.p_dst, dst, 16) == 0);
	MM_ASSERT_EQ(p.p_ip_id, 0);
	MM_ASSERT_EQ(p.p_tcp_flags, 0x02);
	MM_ASSERT_EQ(p.p_tcp_optlen, 20);
	MM_ASSERT_EQ(off_of(p.p_payload), 54 + 40);
}

MM_TEST(vlan_two_tags)
{
	static const uint16_t outer[] = { 0x88a8, 0x9100, 0x8100 };
	struct pb b;
	struct dp_pkt p;

	for (size_t i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
		build_qinq_ipv6_udp(&b);
		pb_set16(&b, 12, outer[i]);
		MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
		MM_ASSERT(result_ok(&p, DP_LAYER_L4));
		MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
		MM_ASSERT_EQ(p.p_vlan_n, 2);
		MM_ASSERT_EQ(p.p_vlan[0], 10);
		MM_ASSERT_EQ(p.p_vlan[1], 20);
		MM_ASSERT_EQ(p.p_ethertype, 0x86dd);
		MM_ASSERT_EQ(off_of(p.p_l3), 22);
		MM_ASSERT_EQ(p.p_sport, 1000);
		MM_ASSERT_EQ(p.p_payload_len, 5);
	}
}

MM_TEST(ipv4_bad_options)
{
	/* A length past the header, a length below 2, a length byte missing. */
	static const uint8_t opts[][4] = {
		{ 0x44, 40, 0, 0 },
		{ 1, 0x83, 1, 0 },
		{ 1, 1, 1, 0x07 },
	};
	struct pb b;
	struct dp_pkt p;

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		uint32_t ip;

		pb_eth(&b, 0x0800);
		ip = pb_ipv4(&b, 17, 0, opts[i], 4);
		pb_udp(&b, 53, 53, 2);
		pb_ipv4_end(&b, ip);
		/* The header length is still right, so the transport is still decoded. */
		MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
		MM_ASSERT(result_ok(&p, DP_LAYER_L4));
		MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_BAD_OPTIONS);
		MM_ASSERT_EQ(off_of(p.p_l4), 14 + 24);
		MM_ASSERT_EQ(p.p_payload_len, 2);
	}
}

MM_TEST(ipv4_fragments)
{
	struct pb b;
	struct dp_pkt p;
	uint32_t ip;

	/* First fragment: MF, offset 0, transport decoded. */
	pb_eth(&b, 0x0800);
	ip = pb_ipv4(&b, 17, 0x2000, NULL, 0);
	pb_udp(&b, 4000, 5000, 16);
	pb_set16(&b, 38, 1000); /* the datagram goes on in later fragments */
	pb_ipv4_end(&b, ip);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(result_ok(&p, DP_LAYER_L4));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_FRAGMENT);
	MM_ASSERT(p.p_fragment);
	MM_ASSERT(p.p_more_frags);
	MM_ASSERT_EQ(p.p_frag_off, 0);
	MM_ASSERT_EQ(p.p_sport, 4000);
	MM_ASSERT_EQ(p.p_payload_len, 16);

	/* Middle fragment at 1480 bytes: its first bytes are data, not a header. */
	pb_eth(&b, 0x0800);
	ip = pb_ipv4(&b, 17, 0x2000 | 185, NULL, 0);
	pb_payload(&b, 24);
	pb_ipv4_end(&b, ip);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L3);
	MM_ASSERT(result_ok(&p, DP_LAYER_L3));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_FRAGMENT);
	MM_ASSERT(p.p_fragment);
	MM_ASSERT(p.p_more_frags);
	MM_ASSERT_EQ(p.p_frag_off, 1480);
	MM_ASSERT_EQ(p.p_proto, 17);
	MM_ASSERT_EQ(p.p_sport, 0);

	/* Last fragment: no MF. */
	pb_set16(&b, 14 + 6, 370);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L3);
	MM_ASSERT(p.p_fragment);
	MM_ASSERT(!p.p_more_frags);
	MM_ASSERT_EQ(p.p_frag_off, 2960);
}

MM_TEST(ipv6_ext_chain)
{
	struct pb b;
	struct dp_pkt p;

	build_ipv6_ext_udp(&b);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(result_ok(&p, DP_LAYER_L4));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV6_FRAGMENT);
	MM_ASSERT_EQ(p.p_proto, 17);
	MM_ASSERT(p.p_fragment);
	MM_ASSERT(p.p_more_frags);
	MM_ASSERT_EQ(p.p_frag_off, 0);
	MM_ASSERT_EQ(p.p_ip_id, 0xbeef);
	MM_ASSERT_EQ(off_of(p.p_l4), 14 + 40 + 8 + 16 + 8);
	MM_ASSERT_EQ(p.p_sport, 7);
	MM_ASSERT_EQ(p.p_payload_len, 6);
}

MM_TEST(ipv6_later_fragment)
{
	struct pb b;
	struct dp_pkt p;
	uint32_t ip;

	pb_eth(&b, 0x86dd);
	ip = pb_ipv6(&b, 44);
	pb_frag6(&b, 6, 1448, false, 77);
	pb_payload(&b, 30);
	pb_ipv6_end(&b, ip);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L3);
	MM_ASSERT(result_ok(&p, DP_LAYER_L3));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV6_FRAGMENT);
	MM_ASSERT_EQ(p.p_proto, 6);
	MM_ASSERT(p.p_fragment);
	MM_ASSERT(!p.p_more_frags);
	MM_ASSERT_EQ(p.p_frag_off, 1448);
	MM_ASSERT_EQ(p.p_ip_id, 77);
	MM_ASSERT_EQ(p.p_sport, 0);
}

MM_TEST(ipv6_atomic_fragment)
{
	struct pb b;
	struct dp_pkt p;
	uint32_t ip;

	/* Offset 0 and no M: a whole datagram that only carries a fragment header. */
	pb_eth(&b, 0x86dd);
	ip = pb_ipv6(&b, 44);
	pb_frag6(&b, 17, 0, false, 5);
	pb_udp(&b, 1, 2, 0);
	pb_ipv6_end(&b, ip);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT(!p.p_fragment);
	MM_ASSERT_EQ(p.p_ip_id, 5);
	MM_ASSERT_EQ(p.p_sport, 1);
}

MM_TEST(ipv6_esp_and_no_next)
{
	static const uint8_t stop[] = { 50, 59 };
	struct pb b;
	struct dp_pkt p;

	for (size_t i = 0; i < sizeof(stop); i++) {
		uint32_t ip;

		pb_eth(&b, 0x86dd);
		ip = pb_ipv6(&b, 0);
		pb_ext(&b, stop[i], 0);
		pb_payload(&b, 20);
		pb_ipv6_end(&b, ip);
		MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L3);
		MM_ASSERT(result_ok(&p, DP_LAYER_L3));
		MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
		MM_ASSERT_EQ(p.p_proto, stop[i]);
	}
}

MM_TEST(ipv6_jumbo)
{
	struct pb b;
	struct dp_pkt p;

	/* Payload length 0 and a jumbo payload option: the frame gives the length. */
	pb_eth(&b, 0x86dd);
	pb_ipv6(&b, 0);
	pb_u8(&b, 6);
	pb_u8(&b, 0);
	pb_u8(&b, 0xc2);
	pb_u8(&b, 4);
	pb_u32(&b, 70000);
	pb_tcp(&b, 80, 8080, 0x10, 0);
	pb_payload(&b, 100);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(result_ok(&p, DP_LAYER_L4));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT_EQ(p.p_l3_len, b.pb_len - 14);
	MM_ASSERT_EQ(p.p_dport, 8080);
	MM_ASSERT_EQ(p.p_payload_len, 100);
}

MM_TEST(ethernet_padding)
{
	struct pb b;
	struct dp_pkt p;
	uint32_t ip;

	/* A 40-byte IPv4 packet padded to the 60-byte Ethernet minimum. */
	pb_eth(&b, 0x0800);
	ip = pb_ipv4(&b, 6, 0, NULL, 0);
	pb_tcp(&b, 1, 2, 0x10, 0);
	pb_ipv4_end(&b, ip);
	pb_fill(&b, 0xee, 60 - b.pb_len);
	MM_ASSERT_EQ(b.pb_len, 60);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(result_ok(&p, DP_LAYER_L4));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT_EQ(p.p_l3_len, 40);
	MM_ASSERT_EQ(p.p_payload_len, 0);

	/* The same with 2 bytes of UDP payload. */
	pb_eth(&b, 0x0800);
	ip = pb_ipv4(&b, 17, 0, NULL, 0);
	pb_udp(&b, 1, 2, 2);
	pb_ipv4_end(&b, ip);
	pb_fill(&b, 0xee, 60 - b.pb_len);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT_EQ(p.p_l3_len, 30);
	MM_ASSERT_EQ(p.p_payload_len, 2);
}

MM_TEST(ipv4_bad_len)
{
	struct pb b;
	struct dp_pkt p;

	/* Total length past the frame (a snapped capture): clipped to the frame. */
	build_ipv4_udp(&b);
	pb_set16(&b, 14 + 2, 1500);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(result_ok(&p, DP_LAYER_L4));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_BAD_LEN);
	MM_ASSERT_EQ(p.p_l3_len, b.pb_len - 14);
	MM_ASSERT_EQ(p.p_payload_len, 24);

	/* Total length 0, as TSO leaves it: the frame gives the length. */
	pb_set16(&b, 14 + 2, 0);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_BAD_LEN);
	MM_ASSERT_EQ(p.p_l3_len, b.pb_len - 14);
}

MM_TEST(ipv6_bad_len)
{
	struct pb b;
	struct dp_pkt p;

	build_ipv6_tcp(&b);
	pb_set16(&b, 14 + 4, 9000);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT(result_ok(&p, DP_LAYER_L4));
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV6_BAD_LEN);
	MM_ASSERT_EQ(p.p_l3_len, b.pb_len - 14);
	MM_ASSERT_EQ(p.p_payload_len, 4);
}

MM_TEST(udp_lengths)
{
	struct pb b;
	struct dp_pkt p;
	uint32_t ip;

	/* A UDP length below the IP payload: the payload ends where UDP says. */
	pb_eth(&b, 0x0800);
	ip = pb_ipv4(&b, 17, 0, NULL, 0);
	pb_udp(&b, 1, 2, 10);
	pb_set16(&b, 38, 8 + 4);
	pb_ipv4_end(&b, ip);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT_EQ(p.p_payload_len, 4);

	/* Below 8 or past the datagram: flagged, ports kept, payload to the IP length. */
	pb_set16(&b, 38, 7);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_UDP_BAD_LEN);
	MM_ASSERT_EQ(p.p_sport, 1);
	MM_ASSERT_EQ(p.p_payload_len, 10);
	pb_set16(&b, 38, 19);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_UDP_BAD_LEN);
	MM_ASSERT_EQ(p.p_payload_len, 10);
}

MM_TEST(first_anomaly_kept)
{
	static const uint8_t opt[4] = { 0x44, 8, 0, 0 };
	struct pb b;
	struct dp_pkt p;
	uint32_t ip;

	/* Bad options come before the fragment bits are looked at. */
	pb_eth(&b, 0x0800);
	ip = pb_ipv4(&b, 17, 0x2000, opt, sizeof(opt));
	pb_udp(&b, 1, 2, 0);
	pb_ipv4_end(&b, ip);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_BAD_OPTIONS);
	MM_ASSERT(p.p_fragment);

	/* A bad IP length, then a bad UDP length: the IP one is kept. */
	build_ipv4_udp(&b);
	pb_set16(&b, 14 + 2, 1500);
	pb_set16(&b, 38, 3);
	MM_ASSERT_EQ(decode(&b, &p), DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_BAD_LEN);
}

MM_TEST(result_fully_written)
{
	struct pb b;
	struct dp_pkt clean, dirty;

	build_ipv4_udp(&b);
	memset(&clean, 0, sizeof(clean));
	memset(&dirty, 0xa5, sizeof(dirty));
	decode(&b, &clean);
	decode(&b, &dirty);
	MM_ASSERT_EQ(dirty.p_l3 - tbuf, 14);
	clean.p_l3 = clean.p_l4 = clean.p_payload = clean.p_src = clean.p_dst = NULL;
	dirty.p_l3 = dirty.p_l4 = dirty.p_payload = dirty.p_src = dirty.p_dst = NULL;
	MM_ASSERT(memcmp(&clean, &dirty, sizeof(clean)) == 0);

	/* A frame that stops at Ethernet leaves every later field zero. */
	memset(&dirty, 0xa5, sizeof(dirty));
	MM_ASSERT_EQ(decode_n(&b, 5, &dirty), DP_LAYER_NONE);
	MM_ASSERT(dirty.p_l3 == NULL && dirty.p_src == NULL && dirty.p_payload == NULL);
	MM_ASSERT_EQ(dirty.p_sport, 0);
	MM_ASSERT_EQ(dirty.p_family, 0);
	MM_ASSERT_EQ(dirty.p_anomaly, DP_AN_ETH_TRUNCATED);
}

/*
 * One anomaly each: a packet from a builder, then one 16-bit big-endian
 * field overwritten and the frame cut short, where asked.
 */
struct anomaly_case {
	const char *ac_name;
	void (*ac_build)(struct pb *);
	uint16_t ac_at;  /* offset of the field to overwrite; 0 for none */
	uint16_t ac_val; /* its new value */
	uint16_t ac_cut; /* frame length to keep; 0 for all of it */
	enum dp_anomaly ac_anomaly;
	enum dp_layer ac_layer;
};

static const struct anomaly_case anomaly_cases[] = {
	{ "eth_13_bytes", build_ipv4_tcp, 0, 0, 13, DP_AN_ETH_TRUNCATED, DP_LAYER_NONE },
	{ "vlan_tag_cut", build_vlan_ipv4_tcp, 0, 0, 17, DP_AN_VLAN_TRUNCATED, DP_LAYER_L2 },
	{ "three_tags", build_qinq_ipv6_udp, 20, 0x8100, 0, DP_AN_VLAN_TOO_DEEP, DP_LAYER_L2 },
	{ "arp", build_arp, 0, 0, 0, DP_AN_UNKNOWN_ETHERTYPE, DP_LAYER_L2 },
	{ "ipv4_19_bytes", build_ipv4_tcp, 0, 0, 33, DP_AN_IPV4_TRUNCATED, DP_LAYER_L2 },
	{ "ipv4_version_6", build_ipv4_tcp, 14, 0x6500, 0, DP_AN_IPV4_BAD_VERSION, DP_LAYER_L2 },
	{ "ipv4_ihl_4", build_ipv4_tcp, 14, 0x4400, 0, DP_AN_IPV4_BAD_HLEN, DP_LAYER_L2 },
	{ "ipv4_ihl_15", build_ipv4_tcp, 14, 0x4f00, 54, DP_AN_IPV4_BAD_HLEN, DP_LAYER_L2 },
	{ "ipv4_tlen_19", build_ipv4_udp, 16, 19, 0, DP_AN_IPV4_BAD_LEN, DP_LAYER_L4 },
	{ "ipv4_tlen_1500", build_ipv4_udp, 16, 1500, 0, DP_AN_IPV4_BAD_LEN, DP_LAYER_L4 },
	{ "ipv4_rr_len_40", build_ipv4_options_tcp, 36, 0x2804, 0, DP_AN_IPV4_BAD_OPTIONS,
		DP_LAYER_L4 },
	{ "ipv4_offset_800", build_ipv4_udp, 20, 100, 0, DP_AN_IPV4_FRAGMENT, DP_LAYER_L3 },
	{ "ipv6_39_bytes", build_ipv6_tcp, 0, 0, 53, DP_AN_IPV6_TRUNCATED, DP_LAYER_L2 },
	{ "ipv6_version_4", build_ipv6_tcp, 14, 0x4000, 0, DP_AN_IPV6_BAD_VERSION, DP_LAYER_L2 },
	{ "ipv6_plen_2000", build_ipv6_udp, 18, 2000, 0, DP_AN_IPV6_BAD_LEN, DP_LAYER_L4 },
	{ "ipv6_dstopts_cut", build_ipv6_ext_udp, 18, 12, 0, DP_AN_IPV6_EXTHDR_TRUNCATED,
		DP_LAYER_L3 },
	{ "ipv6_nine_ext", build_ipv6_nine_ext, 0, 0, 0, DP_AN_IPV6_EXTHDR_TOO_MANY, DP_LAYER_L3 },
	{ "ipv6_offset_8", build_ipv6_ext_udp, 80, 0x0009, 0, DP_AN_IPV6_FRAGMENT, DP_LAYER_L3 },
	{ "tcp_19_bytes", build_ipv4_tcp, 16, 39, 0, DP_AN_TCP_TRUNCATED, DP_LAYER_L3 },
	{ "tcp_doff_4", build_ipv4_tcp, 46, 0x4012, 0, DP_AN_TCP_BAD_HLEN, DP_LAYER_L3 },
	{ "tcp_doff_15", build_ipv6_tcp, 66, 0xf002, 0, DP_AN_TCP_BAD_HLEN, DP_LAYER_L3 },
	{ "udp_7_bytes", build_ipv6_udp, 18, 7, 0, DP_AN_UDP_TRUNCATED, DP_LAYER_L3 },
	{ "udp_len_100", build_ipv6_udp, 58, 100, 0, DP_AN_UDP_BAD_LEN, DP_LAYER_L4 },
	{ "icmp_3_bytes", build_ipv4_icmp, 16, 23, 0, DP_AN_ICMP_TRUNCATED, DP_LAYER_L3 },
	{ "icmpv6_3_bytes", build_ipv6_icmpv6, 18, 3, 0, DP_AN_ICMPV6_TRUNCATED, DP_LAYER_L3 },
};

#define N_ANOMALY_CASES (sizeof(anomaly_cases) / sizeof(anomaly_cases[0]))

static void
build_anomaly_case(const struct anomaly_case *c, struct pb *b)
{
	c->ac_build(b);
	if (c->ac_at != 0)
		pb_set16(b, c->ac_at, c->ac_val);
	if (c->ac_cut != 0)
		b->pb_len = c->ac_cut;
}

MM_TEST(every_anomaly)
{
	bool seen[DP_AN__COUNT] = { false };

	for (size_t i = 0; i < N_ANOMALY_CASES; i++) {
		const struct anomaly_case *c = &anomaly_cases[i];
		struct pb b;
		struct dp_pkt p;
		int layer;

		build_anomaly_case(c, &b);
		layer = decode(&b, &p);
		if (p.p_anomaly != c->ac_anomaly || layer != (int)c->ac_layer)
			MM_FAIL_("%s: anomaly %s at layer %d, want %s at layer %d", c->ac_name,
				dp_anomaly_name(p.p_anomaly), layer, dp_anomaly_name(c->ac_anomaly),
				(int)c->ac_layer);
		MM_ASSERT(result_ok(&p, layer));
		seen[c->ac_anomaly] = true;
	}
	for (int an = DP_AN_NONE + 1; an < DP_AN__COUNT; an++)
		if (!seen[an])
			MM_FAIL_("no case for anomaly %s", dp_anomaly_name((enum dp_anomaly)an));
}

/* A frame longer than 16-bit lengths can say is decoded as far as they reach. */
MM_TEST(huge_frame)
{
	const uint32_t len = 70000;
	struct pb b;
	struct dp_pkt p;
	uint8_t *big;
	int layer;

	pb_eth(&b, 0x86dd);
	pb_ipv6(&b, 0);
	pb_ext(&b, 6, 0);
	pb_tcp(&b, 80, 8080, 0x10, 0);
	big = calloc(1, len);
	MM_ASSERT(big != NULL);
	memcpy(big, b.pb_b, b.pb_len);
	layer = dp_decode(big, len, &p);
	free(big);
	MM_ASSERT_EQ(layer, DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT_EQ(p.p_l3_len, UINT16_MAX);
	MM_ASSERT_EQ(p.p_payload_len, UINT16_MAX - 40 - 8 - 20);
}

/* A frame above the mbuf size arrives in segments: only the first is contiguous. */
MM_TEST(segmented_frame)
{
	const uint32_t seg = 2048, frame = 3000;
	struct pb b;
	struct dp_pkt p;
	uint8_t *first;
	int layer;

	pb_eth(&b, 0x0800);
	pb_ipv4(&b, 6, 0, NULL, 0);
	pb_tcp(&b, 443, 50000, 0x18, 0);
	first = calloc(1, seg);
	MM_ASSERT(first != NULL);
	memcpy(first, b.pb_b, b.pb_len);
	/* The IP total length covers the whole frame, not just the first segment. */
	first[14 + 2] = (uint8_t)((frame - 14) >> 8);
	first[14 + 3] = (uint8_t)((frame - 14) & 0xff);
	layer = dp_decode_seg(first, seg, frame, &p);
	MM_ASSERT_EQ(layer, DP_LAYER_L4);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_NONE);
	MM_ASSERT_EQ(p.p_l3_len, frame - 14);
	MM_ASSERT_EQ(p.p_payload_len, seg - 14 - 20 - 20);
	/* Seen alone, the first segment is a packet cut short. */
	layer = dp_decode(first, seg, &p);
	MM_ASSERT_EQ(p.p_anomaly, DP_AN_IPV4_BAD_LEN);
	free(first);
}

MM_TEST(anomaly_names)
{
	for (int an = 0; an < DP_AN__COUNT; an++) {
		const char *name = dp_anomaly_name((enum dp_anomaly)an);

		MM_ASSERT(name != NULL && name[0] != '\0');
		MM_ASSERT(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(name));
		for (int other = 0; other < an; other++)
			MM_ASSERT(strcmp(name, dp_anomaly_name((enum dp_anomaly)other)) != 0);
	}
	MM_ASSERT_STREQ(dp_anomaly_name(DP_AN_NONE), "none");
	MM_ASSERT_STREQ(dp_anomaly_name(DP_AN_IPV4_BAD_HLEN), "ipv4_bad_hlen");
	MM_ASSERT_STREQ(dp_anomaly_name(DP_AN_UNKNOWN_ETHERTYPE), "unknown_ethertype");
	MM_ASSERT_STREQ(dp_anomaly_name(DP_AN_IPV6_EXTHDR_TOO_MANY), "ipv6_exthdr_too_many");
	MM_ASSERT_STREQ(dp_anomaly_name(DP_AN_ICMPV6_TRUNCATED), "icmpv6_truncated");
	MM_ASSERT_STREQ(dp_anomaly_name(DP_AN__COUNT), "invalid");
}

/*
 * Each packet cut at every length from 0 up: the result must stay inside the
 * cut buffer (ASan checks the reads), and a clean packet cut short must say so.
 */
MM_TEST(every_prefix)
{
	for (size_t i = 0; i < N_PATH_CASES + N_ANOMALY_CASES + 1; i++) {
		struct pb b;
		struct dp_pkt p, full;
		int full_layer;

		if (i < N_PATH_CASES)
			path_cases[i].pc_build(&b);
		else if (i < N_PATH_CASES + N_ANOMALY_CASES)
			build_anomaly_case(&anomaly_cases[i - N_PATH_CASES], &b);
		else
			build_ipv6_ext_udp(&b);
		full_layer = decode(&b, &full);
		for (uint32_t len = 0; len <= b.pb_len; len++) {
			int layer = decode_n(&b, len, &p);

			if (!result_ok(&p, layer))
				MM_FAIL_("packet %zu cut at %u: result outside the buffer", i, len);
			if (layer > full_layer)
				MM_FAIL_(
					"packet %zu cut at %u: layer %d past the whole packet's %d",
					i, len, layer, full_layer);
			if (i < N_PATH_CASES && len < b.pb_len && p.p_anomaly == DP_AN_NONE)
				MM_FAIL_("packet %zu cut at %u: no anomaly", i, len);
		}
		MM_ASSERT_EQ(p.p_anomaly, full.p_anomaly);
		MM_ASSERT_EQ(p.p_payload_len, full.p_payload_len);
	}
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(protocol_paths),
	MM_TEST_ENTRY(ipv4_tcp_fields),
	MM_TEST_ENTRY(ipv6_tcp_fields),
	MM_TEST_ENTRY(vlan_two_tags),
	MM_TEST_ENTRY(ipv4_bad_options),
	MM_TEST_ENTRY(ipv4_fragments),
	MM_TEST_ENTRY(ipv6_ext_chain),
	MM_TEST_ENTRY(ipv6_later_fragment),
	MM_TEST_ENTRY(ipv6_atomic_fragment),
	MM_TEST_ENTRY(ipv6_esp_and_no_next),
	MM_TEST_ENTRY(ipv6_jumbo),
	MM_TEST_ENTRY(ethernet_padding),
	MM_TEST_ENTRY(ipv4_bad_len),
	MM_TEST_ENTRY(ipv6_bad_len),
	MM_TEST_ENTRY(udp_lengths),
	MM_TEST_ENTRY(first_anomaly_kept),
	MM_TEST_ENTRY(segmented_frame),
	MM_TEST_ENTRY(result_fully_written),
	MM_TEST_ENTRY(every_anomaly),
	MM_TEST_ENTRY(huge_frame),
	MM_TEST_ENTRY(anomaly_names),
	MM_TEST_ENTRY(every_prefix),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	int rc = mm_test_main(tests, argc, argv);

	free(tbuf);
	return rc;
}
