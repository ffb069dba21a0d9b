/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the synthesiser's builders: checksums, framing, TLS and
 * SSH message layout, Mirai's exclusion list, the conversation counter and
 * the JSON writer.  The whole-capture checks (determinism, tshark) are in
 * test_synth.sh.
 */
#include <stdlib.h>
#include <string.h>

#include "mm_test.h"
#include "synth_buf.h"
#include "synth_cap.h"
#include "synth_conv.h"
#include "synth_dns.h"
#include "synth_json.h"
#include "synth_mirai.h"
#include "synth_pkt.h"
#include "synth_rng.h"
#include "synth_ssh.h"
#include "synth_tls.h"

static void
test_l2(struct synth_l2 *l2, uint8_t nvlan)
{
	memset(l2, 0, sizeof(*l2));
	memset(l2->l2_dst, 0x11, 6);
	memset(l2->l2_src, 0x22, 6);
	l2->l2_nvlan = nvlan;
	l2->l2_vlan[0] = 300;
	l2->l2_vlan[1] = 42;
}

static void
test_ip(struct synth_ip *ip, int family)
{
	memset(ip, 0, sizeof(*ip));
	ip->ip_family = (uint8_t)family;
	ip->ip_ttl = 64;
	ip->ip_id = 0x1234;
	ip->ip_frag = SYNTH_IP_DF;
	if (family == 4) {
		uint8_t s[4] = { 10, 0, 1, 2 }, d[4] = { 198, 51, 100, 7 };

		memcpy(ip->ip_src, s, 4);
		memcpy(ip->ip_dst, d, 4);
	} else {
		ip->ip_src[0] = 0x20;
		ip->ip_src[1] = 0x01;
		ip->ip_src[15] = 1;
		ip->ip_dst[0] = 0x20;
		ip->ip_dst[1] = 0x01;
		ip->ip_dst[15] = 2;
	}
}

/* A transport checksum verifies when the sum over pseudo-header and segment folds to 0. */
static int
l4_ok(const struct synth_ip *ip, uint8_t proto, const uint8_t *l4, size_t len)
{
	return synth_cksum_fold(synth_cksum_add(synth_cksum_pseudo(ip, proto, len), l4, len)) == 0;
}

MM_TEST(rng_is_deterministic)
{
	struct synth_rng a, b, c;
	int same = 1, differ = 0;

	synth_rng_seed(&a, 42, 1);
	synth_rng_seed(&b, 42, 1);
	synth_rng_seed(&c, 42, 2);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = synth_rng_next(&a), y = synth_rng_next(&b), z = synth_rng_next(&c);

		same &= x == y;
		differ |= x != z;
	}
	MM_ASSERT(same);
	MM_ASSERT(differ);
	for (int i = 0; i < 1000; i++) {
		uint64_t v = synth_rng_range(&a, 10, 12);

		MM_ASSERT(v >= 10 && v <= 12);
	}
	MM_ASSERT_EQ(synth_rng_below(&a, 0), 0);
}

MM_TEST(ipv4_tcp_checksums)
{
	uint8_t frame[SYNTH_FRAME_MAX], opt[4] = { 2, 4, 0x05, 0xb4 };
	const char payload[] = "hello, odd length";
	struct synth_tcph th;
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	test_l2(&l2, 0);
	test_ip(&ip, 4);
	memset(&th, 0, sizeof(th));
	th.th_sport = 40000;
	th.th_dport = 443;
	th.th_seq = 1;
	th.th_flags = SYNTH_TH_SYN;
	th.th_win = 64240;
	th.th_opt = opt;
	th.th_optlen = 4;
	n = synth_pkt_tcp(frame, sizeof(frame), &l2, &ip, &th, payload, strlen(payload));
	MM_ASSERT_EQ(n, 14 + 20 + 24 + strlen(payload));
	MM_ASSERT_EQ(synth_get16(frame + 12), SYNTH_ETH_IPV4);
	MM_ASSERT_EQ(synth_cksum_fold(synth_cksum_add(0, frame + 14, 20)), 0);
	MM_ASSERT_EQ(synth_get16(frame + 14 + 2), 20 + 24 + strlen(payload));
	MM_ASSERT_EQ(frame[14 + 20 + 12] >> 4, 6);
	MM_ASSERT(l4_ok(&ip, SYNTH_PROTO_TCP, frame + 34, n - 34));
}

MM_TEST(ipv6_udp_icmp_checksums)
{
	uint8_t frame[SYNTH_FRAME_MAX], data[3] = { 1, 2, 3 };
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	test_l2(&l2, 0);
	test_ip(&ip, 6);
	n = synth_pkt_udp(frame, sizeof(frame), &l2, &ip, 5353, 53, data, sizeof(data));
	/* 14 + 40 + 8 + 3 = 65: above the minimum, so no padding. */
	MM_ASSERT_EQ(n, 65);
	MM_ASSERT_EQ(synth_get16(frame + 12), SYNTH_ETH_IPV6);
	MM_ASSERT_EQ(synth_get16(frame + 14 + 4), 11);
	MM_ASSERT(l4_ok(&ip, SYNTH_PROTO_UDP, frame + 54, 11));
	n = synth_pkt_icmp(frame, sizeof(frame), &l2, &ip, 128, 0, 0x00010001, data, 3);
	MM_ASSERT_EQ(frame[14 + 6], SYNTH_PROTO_ICMPV6);
	MM_ASSERT(l4_ok(&ip, SYNTH_PROTO_ICMPV6, frame + 54, n - 54));
}

MM_TEST(icmpv4_and_padding)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	test_l2(&l2, 0);
	test_ip(&ip, 4);
	n = synth_pkt_icmp(frame, sizeof(frame), &l2, &ip, 8, 0, 0x00010001, NULL, 0);
	MM_ASSERT_EQ(n, SYNTH_ETH_MIN);
	MM_ASSERT_EQ(synth_get16(frame + 14 + 2), 28);
	/* ICMPv4 has no pseudo-header. */
	MM_ASSERT_EQ(synth_cksum_fold(synth_cksum_add(0, frame + 34, 8)), 0);
}

MM_TEST(vlan_and_qinq_framing)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_l2 l2;
	struct synth_ip ip;

	test_ip(&ip, 4);
	test_l2(&l2, 1);
	l2.l2_vlan[0] = 101;
	synth_pkt_udp(frame, sizeof(frame), &l2, &ip, 1, 2, NULL, 0);
	MM_ASSERT_EQ(synth_get16(frame + 12), SYNTH_ETH_VLAN);
	MM_ASSERT_EQ(synth_get16(frame + 14), 101);
	MM_ASSERT_EQ(synth_get16(frame + 16), SYNTH_ETH_IPV4);
	test_l2(&l2, 2);
	synth_pkt_udp(frame, sizeof(frame), &l2, &ip, 1, 2, NULL, 0);
	MM_ASSERT_EQ(synth_get16(frame + 12), SYNTH_ETH_QINQ);
	MM_ASSERT_EQ(synth_get16(frame + 14), 300);
	MM_ASSERT_EQ(synth_get16(frame + 16), SYNTH_ETH_VLAN);
	MM_ASSERT_EQ(synth_get16(frame + 18), 42);
	MM_ASSERT_EQ(synth_get16(frame + 20), SYNTH_ETH_IPV4);
}

/* Finds extension ext in a ClientHello or ServerHello record; returns its body or NULL. */
static const uint8_t *
tls_ext(const uint8_t *rec, size_t len, uint16_t ext, size_t *elen)
{
	size_t off = 5 + 4 + 2 + 32, end;

	if (len < off + 1)
		return NULL;
	off += 1 + rec[off]; /* session id */
	if (rec[5] == 1) {
		off += 2 + synth_get16(rec + off); /* cipher suites */
		off += 1 + rec[off];               /* compression methods */
	} else {
		off += 3; /* cipher, compression */
	}
	end = off + 2 + synth_get16(rec + off);
	for (off += 2; off + 4 <= end && end <= len;) {
		uint16_t type = synth_get16(rec + off), l = synth_get16(rec + off + 2);

		if (type == ext) {
			*elen = l;
			return rec + off + 4;
		}
		off += 4 + l;
	}
	return NULL;
}

MM_TEST(tls_hybrid_share_lengths)
{
	uint8_t buf[8192];
	struct synth_tls_hello ch;
	struct synth_rng r;
	const uint8_t *ks;
	size_t n, el, off;
	int seen_pq = 0, seen_x = 0;

	synth_rng_seed(&r, 1, 99);
	n = synth_tls_client_hello(
		buf, sizeof(buf), &r, SYNTH_TLS_CHROME_PQ, "www.example.com", &ch);
	MM_ASSERT(n > 0);
	MM_ASSERT(ch.th_hybrid);
	MM_ASSERT_EQ(buf[0], 0x16);
	MM_ASSERT_EQ(synth_get16(buf + 3), n - 5);
	ks = tls_ext(buf, n, 0x0033, &el);
	MM_ASSERT(ks != NULL);
	MM_ASSERT_EQ(synth_get16(ks), el - 2);
	for (off = 2; off + 4 <= el; off += 4 + synth_get16(ks + off + 2)) {
		uint16_t g = synth_get16(ks + off), l = synth_get16(ks + off + 2);

		if (g == SYNTH_TLS_X25519MLKEM768) {
			MM_ASSERT_EQ(l, 1216);
			seen_pq = 1;
		} else if (g == SYNTH_TLS_X25519) {
			MM_ASSERT_EQ(l, 32);
			seen_x = 1;
		}
	}
	MM_ASSERT(seen_pq && seen_x);
	MM_ASSERT(tls_ext(buf, n, 0x0000, &el) != NULL);
	MM_ASSERT(tls_ext(buf, n, 0x002b, &el) != NULL);

	n = synth_tls_server_flight(buf, sizeof(buf), &r, &ch, synth_tls_select(&ch, true), 2000);
	MM_ASSERT(n > 0);
	ks = tls_ext(buf, n, 0x0033, &el);
	MM_ASSERT(ks != NULL);
	MM_ASSERT_EQ(synth_get16(ks), SYNTH_TLS_X25519MLKEM768);
	MM_ASSERT_EQ(synth_get16(ks + 2), 1120);
	MM_ASSERT_EQ(synth_tls_select(&ch, false), SYNTH_TLS_X25519);

	n = synth_tls_client_hello(buf, sizeof(buf), &r, SYNTH_TLS_SAFARI, "a.example", &ch);
	MM_ASSERT(n > 0);
	MM_ASSERT(!ch.th_hybrid);
	MM_ASSERT_EQ(synth_tls_select(&ch, true), SYNTH_TLS_X25519);
}

MM_TEST(ssh_negotiation_and_packets)
{
	uint8_t buf[8192];
	struct synth_rng r;
	char kex[128];
	size_t n;

	MM_ASSERT(synth_ssh_negotiate(synth_ssh_openssh10_client.si_kex,
		synth_ssh_openssh87_rhel_server.si_kex, kex, sizeof(kex)));
	MM_ASSERT_STREQ(kex, "curve25519-sha256");
	MM_ASSERT(synth_ssh_negotiate(synth_ssh_openssh10_client.si_kex,
		synth_ssh_openssh10_server.si_kex, kex, sizeof(kex)));
	MM_ASSERT_STREQ(kex, "mlkem768x25519-sha256");
	MM_ASSERT(synth_ssh_negotiate(synth_ssh_openssh96_client.si_kex,
		synth_ssh_openssh92_server.si_kex, kex, sizeof(kex)));
	MM_ASSERT_STREQ(kex, "sntrup761x25519-sha512@openssh.com");
	MM_ASSERT(!synth_ssh_negotiate("a,b", "c,ab", kex, sizeof(kex)));
	MM_ASSERT_EQ(synth_ssh_share_len("mlkem768x25519-sha256", false), 1216);
	MM_ASSERT_EQ(synth_ssh_share_len("mlkem768x25519-sha256", true), 1120);
	MM_ASSERT_EQ(synth_ssh_share_len("sntrup761x25519-sha512@openssh.com", false), 1190);
	MM_ASSERT_EQ(synth_ssh_share_len("curve25519-sha256", true), 32);

	synth_rng_seed(&r, 3, 3);
	n = synth_ssh_kexinit(buf, sizeof(buf), &r, &synth_ssh_openssh10_client);
	MM_ASSERT(n > 0);
	MM_ASSERT_EQ(synth_get32(buf) + 4, n);
	MM_ASSERT_EQ(n % 8, 0);
	MM_ASSERT(buf[4] >= 4);
	MM_ASSERT_EQ(buf[5], 20);
	/* The kex name-list follows the 16-byte cookie. */
	MM_ASSERT_EQ(synth_get32(buf + 22), strlen(synth_ssh_openssh10_client.si_kex));
	n = synth_ssh_kex_init(buf, sizeof(buf), &r, 1216);
	MM_ASSERT_EQ(buf[5], 30);
	MM_ASSERT_EQ(synth_get32(buf + 6), 1216);
	MM_ASSERT_EQ(n % 8, 0);
}

MM_TEST(mirai_exclusions)
{
	MM_ASSERT(synth_mirai_excluded(0x0a010203));  /* 10.1.2.3 */
	MM_ASSERT(synth_mirai_excluded(0x64400001));  /* 100.64.0.1 */
	MM_ASSERT(!synth_mirai_excluded(0x64800001)); /* 100.128.0.1 */
	MM_ASSERT(synth_mirai_excluded(0xac100505));  /* 172.16.5.5 */
	MM_ASSERT(!synth_mirai_excluded(0xac200001)); /* 172.32.0.1 */
	MM_ASSERT(synth_mirai_excluded(0xc6130001));  /* 198.19.0.1 */
	MM_ASSERT(!synth_mirai_excluded(0xc6140001)); /* 198.20.0.1 */
	MM_ASSERT(synth_mirai_excluded(0xc0a80101));  /* 192.168.1.1 */
	MM_ASSERT(synth_mirai_excluded(0x7f000001));  /* 127.0.0.1 */
	MM_ASSERT(synth_mirai_excluded(0xe0000001));  /* 224.0.0.1 */
	MM_ASSERT(synth_mirai_excluded(0x1e000001));  /* 30.0.0.1 */
	MM_ASSERT(!synth_mirai_excluded(0x08080808)); /* 8.8.8.8 */
	MM_ASSERT(!synth_mirai_excluded(0x51000001)); /* 81.0.0.1 */
}

static size_t
syn(uint8_t *frame, uint32_t seq, uint8_t flags, int reverse)
{
	struct synth_tcph th;
	struct synth_l2 l2;
	struct synth_ip ip;
	uint8_t tmp[16];

	test_l2(&l2, 0);
	test_ip(&ip, 4);
	memset(&th, 0, sizeof(th));
	th.th_sport = 40000;
	th.th_dport = 23;
	th.th_seq = seq;
	th.th_flags = flags;
	if (reverse) {
		memcpy(tmp, ip.ip_src, 16);
		memcpy(ip.ip_src, ip.ip_dst, 16);
		memcpy(ip.ip_dst, tmp, 16);
		th.th_sport = 23;
		th.th_dport = 40000;
	}
	return synth_pkt_tcp(frame, SYNTH_FRAME_MAX, &l2, &ip, &th, NULL, 0);
}

MM_TEST(conversation_counting)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_conv cv;
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	synth_conv_init(&cv);
	n = syn(frame, 100, SYNTH_TH_SYN, 0);
	MM_ASSERT_EQ(synth_conv_frame(&cv, frame, n), 0);
	n = syn(frame, 7, SYNTH_TH_SYN | SYNTH_TH_ACK, 1);
	synth_conv_frame(&cv, frame, n);
	/* The same SYN again is a retransmission, not a new conversation... */
	n = syn(frame, 100, SYNTH_TH_SYN, 0);
	synth_conv_frame(&cv, frame, n);
	MM_ASSERT_EQ(cv.cv_tcp, 1);
	/* ...but a SYN with a new sequence number on the same ports is port reuse. */
	n = syn(frame, 5000, SYNTH_TH_SYN, 0);
	synth_conv_frame(&cv, frame, n);
	MM_ASSERT_EQ(cv.cv_tcp, 2);

	test_l2(&l2, 1);
	test_ip(&ip, 4);
	ip.ip_frag = 0;
	n = synth_pkt_udp(frame, sizeof(frame), &l2, &ip, 5000, 53, NULL, 0);
	synth_conv_frame(&cv, frame, n);
	n = synth_pkt_udp(frame, sizeof(frame), &l2, &ip, 5000, 53, "x", 1);
	synth_conv_frame(&cv, frame, n);
	MM_ASSERT_EQ(cv.cv_udp, 1);
	/* A later fragment carries no ports and is not counted. */
	ip.ip_frag = 185;
	n = synth_pkt_ip(frame, sizeof(frame), &l2, &ip, SYNTH_PROTO_UDP, "abcdefgh", 8);
	synth_conv_frame(&cv, frame, n);
	MM_ASSERT_EQ(cv.cv_udp, 1);
	/* A TCP data offset running past the segment is not counted either. */
	n = syn(frame, 1, SYNTH_TH_SYN, 0);
	frame[14 + 20 + 12] = 0xf0;
	frame[14 + 20 + 1] ^= 1; /* another source port */
	synth_conv_frame(&cv, frame, n);
	MM_ASSERT_EQ(cv.cv_tcp, 2);
	synth_conv_fini(&cv);
}

MM_TEST(capture_sort_is_stable)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_cap *cap = synth_cap_new();
	uint64_t frames[4];
	size_t n = syn(frame, 1, SYNTH_TH_SYN, 0);

	MM_ASSERT(cap != NULL);
	MM_ASSERT_EQ(synth_cap_add(cap, 200, frame, n, 0), 0);
	MM_ASSERT_EQ(synth_cap_add(cap, 100, frame, n, 1), 0);
	MM_ASSERT_EQ(synth_cap_add(cap, 100, frame, n, 2), 0);
	MM_ASSERT_EQ(synth_cap_finish(cap), 0);
	MM_ASSERT_EQ(synth_cap_marked(cap, 1, frames, 4), 1);
	MM_ASSERT_EQ(frames[0], 1);
	MM_ASSERT_EQ(synth_cap_marked(cap, 2, frames, 4), 1);
	MM_ASSERT_EQ(frames[0], 2);
	MM_ASSERT_EQ(synth_cap_stats(cap)->cs_packets, 3);
	MM_ASSERT_EQ(synth_cap_stats(cap)->cs_first_us, 100);
	MM_ASSERT_EQ(synth_cap_stats(cap)->cs_tcp_conv, 1);
	synth_cap_free(cap);
}

MM_TEST(dns_wire_format)
{
	static const uint8_t want[] = { 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w',
		'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	uint8_t buf[512], addr[4] = { 192, 0, 2, 1 };
	struct synth_dns_rr rr = { SYNTH_DNS_A, 60, addr, 4 };
	size_t n;

	n = synth_dns_query(buf, sizeof(buf), 0xabcd, "www.example", SYNTH_DNS_A, false);
	MM_ASSERT_EQ(n, sizeof(want));
	MM_ASSERT(memcmp(buf, want, sizeof(want)) == 0);
	n = synth_dns_response(
		buf, sizeof(buf), 0xabcd, "www.example", SYNTH_DNS_A, 0, &rr, 1, false);
	MM_ASSERT_EQ(n, sizeof(want) + 16);
	MM_ASSERT_EQ(synth_get16(buf + 2), 0x8180);
	MM_ASSERT_EQ(synth_get16(buf + 6), 1);
	MM_ASSERT_EQ(synth_get16(buf + sizeof(want)), 0xc00c);
	MM_ASSERT_EQ(synth_dns_query(buf, sizeof(buf), 1, "bad..name", SYNTH_DNS_A, false), 0);
}

MM_TEST(json_writer_escapes)
{
	struct synth_json j;
	uint8_t a[4] = { 10, 0, 0, 1 };

	synth_json_init(&j);
	synth_json_obj_begin(&j, NULL);
	synth_json_str(&j, "s", "a\"b\\c\n");
	synth_json_u64(&j, "n", 18446744073709551615ULL);
	synth_json_arr_begin(&j, "e");
	synth_json_arr_end(&j);
	synth_json_addr(&j, "ip", 4, a);
	synth_json_obj_end(&j);
	MM_ASSERT_EQ(j.j_err, 0);
	MM_ASSERT_STREQ(j.j_buf,
		"{\n  \"s\": \"a\\\"b\\\\c\\u000a\",\n  \"n\": "
		"18446744073709551615,\n  \"e\": [],\n  \"ip\": \"10.0.0.1\"\n}\n");
	synth_json_fini(&j);
}

MM_TEST(buffer_never_overruns)
{
	uint8_t mem[4];
	struct synth_buf b;
	size_t at;

	synth_buf_init(&b, mem, sizeof(mem));
	at = synth_buf_len_begin(&b, 2);
	synth_buf_u16(&b, 7);
	synth_buf_len_end(&b, at, 2);
	MM_ASSERT(!b.sb_over);
	MM_ASSERT_EQ(synth_get16(mem), 2);
	synth_buf_u8(&b, 1);
	MM_ASSERT(b.sb_over);
	MM_ASSERT_EQ(b.sb_len, 4);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(rng_is_deterministic),
	MM_TEST_ENTRY(ipv4_tcp_checksums),
	MM_TEST_ENTRY(ipv6_udp_icmp_checksums),
	MM_TEST_ENTRY(icmpv4_and_padding),
	MM_TEST_ENTRY(vlan_and_qinq_framing),
	MM_TEST_ENTRY(tls_hybrid_share_lengths),
	MM_TEST_ENTRY(ssh_negotiation_and_packets),
	MM_TEST_ENTRY(mirai_exclusions),
	MM_TEST_ENTRY(conversation_counting),
	MM_TEST_ENTRY(capture_sort_is_stable),
	MM_TEST_ENTRY(dns_wire_format),
	MM_TEST_ENTRY(json_writer_escapes),
	MM_TEST_ENTRY(buffer_never_overruns),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return mm_test_main(tests, argc, argv);
}
