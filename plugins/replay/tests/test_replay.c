/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the replay engine: rewrite maps, schedule, scenarios, scoring. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mm_test.h"
#include "rpl_engine.h"
#include "rpl_lane.h"
#include "rpl_rewrite.h"
#include "rpl_scenario.h"
#include "rpl_sched.h"
#include "rpl_score.h"
#include "rpl_src.h"

/* One's complement sum, independent of the code under test. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return (s);
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ((uint16_t)s);
}

/* True when the L4 checksum of an IPv4 or IPv6 frame (no VLAN) verifies. */
static bool
l4_ok(const uint8_t *f, size_t len)
{
	uint32_t s = 0;

	if (f[12] == 0x08) {
		const uint8_t *ip = f + 14;
		size_t hl = (size_t)(ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);

		if (fold(sum16(ip, hl, 0)) != 0xffff || 14 + tot > len)
			return (false);
		s = sum16(ip + 12, 8, 0) + ip[9] + (uint32_t)(tot - hl);
		return (fold(sum16(ip + hl, tot - hl, s)) == 0xffff);
	}
	{
		const uint8_t *ip = f + 14;
		size_t pl = (size_t)(ip[4] << 8 | ip[5]);

		s = sum16(ip + 8, 32, 0) + ip[6] + (uint32_t)pl;
		return (fold(sum16(ip + 40, pl, s)) == 0xffff);
	}
}

/* Ethernet + IPv4 + TCP (20 bytes) + payload, checksums right. */
static size_t
ipv4_tcp(uint8_t *f, const char *src, const char *dst, uint16_t sp, uint16_t dp)
{
	static const char payload[] = "login: root\r\n";
	uint8_t *ip = f + 14, *tcp = ip + 20;
	size_t plen = sizeof(payload) - 1, tot = 20 + 20 + plen;
	uint16_t c;

	memset(f, 0, 14 + tot);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = 6;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	c = (uint16_t)~fold(sum16(ip, 20, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[0] = (uint8_t)(sp >> 8);
	tcp[1] = (uint8_t)sp;
	tcp[2] = (uint8_t)(dp >> 8);
	tcp[3] = (uint8_t)dp;
	tcp[12] = 0x50;
	tcp[13] = 0x18;
	memcpy(tcp + 20, payload, plen);
	c = (uint16_t)~fold(
		sum16(tcp, 20 + plen, sum16(ip + 12, 8, 0) + 6 + (uint32_t)(20 + plen)));
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	return (14 + tot);
}

MM_TEST(rewrite_ipv4_tcp_fixes_checksums)
{
	struct rpl_rewrite rw;
	struct rpl_rw_stats st = { 0 };
	uint8_t f[256];
	char err[256], a[INET_ADDRSTRLEN];
	size_t n = ipv4_tcp(f, "10.1.2.3", "192.0.2.1", 40000, 23);

	memset(&rw, 0, sizeof(rw));
	MM_ASSERT(l4_ok(f, n));
	MM_ASSERT_EQ(rpl_rewrite_add_ip(&rw, "10.0.0.0/8", "172.16.0.0/8", err, sizeof(err)), 0);
	MM_ASSERT_EQ(
		rpl_rewrite_add_ip(&rw, "192.0.2.0/24", "198.51.100.0/24", err, sizeof(err)), 0);
	MM_ASSERT_EQ(rpl_rewrite_add_port(&rw, "23", "2323", err, sizeof(err)), 0);
	MM_ASSERT_EQ(rpl_rewrite_add_mac(
			     &rw, "02:00:00:00:00:01", "0a:0b:0c:0d:0e:0f", err, sizeof(err)),
		0);
	MM_ASSERT(rpl_rewrite_frame(&rw, f, (uint32_t)n, &st));
	MM_ASSERT_EQ(st.rs_rewritten, 1);
	MM_ASSERT_EQ(st.rs_l4_partial, 0);
	MM_ASSERT(memcmp(f, "\x0a\x0b\x0c\x0d\x0e\x0f", 6) == 0);
	inet_ntop(AF_INET, f + 26, a, sizeof(a));
	MM_ASSERT_STREQ(a, "172.1.2.3");
	inet_ntop(AF_INET, f + 30, a, sizeof(a));
	MM_ASSERT_STREQ(a, "198.51.100.1");
	MM_ASSERT_EQ(f[36] << 8 | f[37], 2323);
	MM_ASSERT_EQ(f[34] << 8 | f[35], 40000);
	MM_ASSERT(l4_ok(f, n));
	/* A frame the maps do not touch is left alone. */
	n = ipv4_tcp(f, "203.0.113.9", "203.0.113.10", 1, 2);
	f[5] = 0x77;
	MM_ASSERT(!rpl_rewrite_frame(&rw, f, (uint32_t)n, &st));
	MM_ASSERT_EQ(st.rs_rewritten, 1);
}

MM_TEST(rewrite_keeps_host_bits_and_short_frames)
{
	struct rpl_rewrite rw;
	struct rpl_rw_stats st = { 0 };
	uint8_t f[256];
	char err[256], out[64];
	size_t n = ipv4_tcp(f, "172.31.255.7", "192.0.2.1", 5, 6);

	memset(&rw, 0, sizeof(rw));
	MM_ASSERT_EQ(rpl_rewrite_add_ip(&rw, "172.16.0.0/12", "10.32.0.0/12", err, sizeof(err)), 0);
	MM_ASSERT_EQ(rpl_rewrite_addr_str(&rw, "172.31.255.7", out, sizeof(out)), 0);
	MM_ASSERT_STREQ(out, "10.47.255.7");
	MM_ASSERT_EQ(rpl_rewrite_addr_str(&rw, "172.20.0.0/16", out, sizeof(out)), 0);
	MM_ASSERT_STREQ(out, "10.36.0.0/16");
	MM_ASSERT_EQ(rpl_rewrite_addr_str(&rw, "TCP", out, sizeof(out)), 0);
	MM_ASSERT_STREQ(out, "TCP");
	/* Captured short of its end: addresses change, the L4 checksum cannot be redone. */
	MM_ASSERT(rpl_rewrite_frame(&rw, f, (uint32_t)n - 5, &st));
	MM_ASSERT_EQ(st.rs_l4_partial, 1);
	MM_ASSERT(rpl_rewrite_frame(&rw, f, 10, &st) == false);
	MM_ASSERT_EQ(st.rs_undecoded, 1);
}

MM_TEST(rewrite_ipv6_udp)
{
	struct rpl_rewrite rw;
	struct rpl_rw_stats st = { 0 };
	uint8_t f[128] = { 0 }, *ip = f + 14, *udp = ip + 40;
	char err[256], a[INET6_ADDRSTRLEN];
	uint16_t c;

	memset(&rw, 0, sizeof(rw));
	memcpy(f + 12, "\x86\xdd", 2);
	ip[0] = 0x60;
	ip[5] = 12;
	ip[6] = 17;
	ip[7] = 64;
	inet_pton(AF_INET6, "2001:db8:1::5", ip + 8);
	inet_pton(AF_INET6, "2001:db8:f000::1", ip + 24);
	udp[1] = 53;
	udp[3] = 53;
	udp[5] = 12;
	memcpy(udp + 8, "abcd", 4);
	c = (uint16_t)~fold(sum16(udp, 12, sum16(ip + 8, 32, 0) + 17 + 12));
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
	MM_ASSERT(l4_ok(f, 14 + 40 + 12));
	MM_ASSERT_EQ(
		rpl_rewrite_add_ip(&rw, "2001:db8:1::/48", "2001:db8:99::/48", err, sizeof(err)),
		0);
	MM_ASSERT(rpl_rewrite_frame(&rw, f, 14 + 40 + 12, &st));
	inet_ntop(AF_INET6, ip + 8, a, sizeof(a));
	MM_ASSERT_STREQ(a, "2001:db8:99::5");
	MM_ASSERT(l4_ok(f, 14 + 40 + 12));
}

MM_TEST(rewrite_map_errors)
{
	struct rpl_rewrite rw;
	char err[256];

	memset(&rw, 0, sizeof(rw));
	MM_ASSERT(rpl_rewrite_add_ip(&rw, "10.0.0.0/8", "172.16.0.0/12", err, sizeof(err)) < 0);
	MM_ASSERT(strstr(err, "prefix length") != NULL);
	MM_ASSERT(rpl_rewrite_add_ip(&rw, "10.0.0.0/8", "2001:db8::/8", err, sizeof(err)) < 0);
	MM_ASSERT(rpl_rewrite_add_ip(&rw, "10.0.0.0/33", "10.0.0.0/33", err, sizeof(err)) < 0);
	MM_ASSERT(rpl_rewrite_add_port(&rw, "0", "80", err, sizeof(err)) < 0);
	MM_ASSERT(rpl_rewrite_add_port(&rw, "80", "65536", err, sizeof(err)) < 0);
	MM_ASSERT(rpl_rewrite_add_mac(
			  &rw, "02:00:00:00:00", "02:00:00:00:00:01", err, sizeof(err)) < 0);
	MM_ASSERT(rpl_rewrite_empty(&rw));
}

static void
src_of(struct rpl_src *s, const uint64_t *ts_ms, size_t n)
{
	uint8_t f[60] = { 0 };

	rpl_src_init(s);
	for (size_t i = 0; i < n; i++)
		rpl_src_add(
			s, 1775001600000000000ULL + ts_ms[i] * 1000000ULL, f, sizeof(f), sizeof(f));
}

MM_TEST(schedule_is_absolute_across_loops)
{
	static const uint64_t a_ms[] = { 0, 100, 300 }, b_ms[] = { 50, 40, 60 };
	struct rpl_src src[2];
	struct rpl_play pl[2];
	struct rpl_sched sc;
	char err[256];

	src_of(&src[0], a_ms, 3);
	src_of(&src[1], b_ms, 3);
	MM_ASSERT_EQ(src[1].s_unordered, 1);
	rpl_play_defaults(&pl[0]);
	rpl_play_defaults(&pl[1]);
	pl[0].p_speed = 2;
	pl[0].p_loops = 3;
	pl[1].p_start_ns = 1000000000ULL;
	pl[1].p_pps = 10;
	MM_ASSERT_EQ(rpl_sched_build(&sc, src, pl, 2, err, sizeof(err)), 0);
	MM_ASSERT_EQ(sc.sc_n, 12);
	/* Source a at half time: 0, 50, 150 ms; a loop spans 150 + 75 (one mean gap). */
	MM_ASSERT_EQ(sc.sc_ent[0].e_t_ns, 0);
	MM_ASSERT_EQ(sc.sc_ent[1].e_t_ns, 50000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[2].e_t_ns, 150000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[3].e_t_ns, 225000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[8].e_t_ns, 600000000ULL);
	MM_ASSERT_EQ(rpl_sched_frame_ns(&src[0], &pl[0], 2, 2), 600000000ULL);
	/* Source b at 10 pps from 1 s, whatever its own (unordered) times. */
	MM_ASSERT_EQ(sc.sc_ent[9].e_t_ns, 1000000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[10].e_t_ns, 1100000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[11].e_t_ns, 1200000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[11].e_src, 1);
	MM_ASSERT_EQ(sc.sc_ent[11].e_pkt, 5);
	MM_ASSERT_EQ(sc.sc_end_ns, 1200000000ULL);
	for (size_t i = 1; i < sc.sc_n; i++)
		MM_ASSERT(sc.sc_ent[i - 1].e_t_ns <= sc.sc_ent[i].e_t_ns);
	rpl_sched_fini(&sc);
	/* Played at its own times, the unordered frame leaves right after the one before. */
	pl[1].p_pps = 0;
	MM_ASSERT_EQ(rpl_sched_build(&sc, &src[1], &pl[1], 1, err, sizeof(err)), 0);
	MM_ASSERT_EQ(sc.sc_ent[1].e_t_ns, 1000000000ULL);
	MM_ASSERT_EQ(sc.sc_ent[2].e_t_ns, 1010000000ULL);
	rpl_sched_fini(&sc);
	rpl_src_fini(&src[0]);
	rpl_src_fini(&src[1]);
}

static const char scenario_ok[] =
	"name: unit\n"
	"pass_mark: 60\n"
	"sources:\n"
	"  - name: cap\n"
	"    pcap: some.pcap\n"
	"    speed: 4\n"
	"    loops: 2\n"
	"    start: 1.5s\n"
	"    rewrite:\n"
	"      ip: {\"192.168.0.0/16\": \"10.9.0.0/16\"}\n"
	"      port: {\"80\": \"8080\"}\n"
	"  - name: bots\n"
	"    synth: {scenario: mirai, seed: 7, duration: 300, bots: 2, subscribers: 12}\n"
	"    pps: 500\n"
	"truth:\n"
	"  - id: web\n"
	"    source: cap\n"
	"    technique: T1071.001\n"
	"    event_type: flow\n"
	"    match: {src_ip: 192.168.1.5, dest_port: 80, proto: TCP}\n"
	"    window: [1s, 2m]\n"
	"    points: 30\n"
	"  - id: c2\n"
	"    event_type: c2_candidate\n"
	"    plugin: c2detect\n"
	"    match: {dest_ip: 203.0.113.0/24}\n"
	"    points: 40\n"
	"  - id: scan\n"
	"    event_type: flow\n"
	"    match: {dest_port: 23}\n"
	"    window: [0s, 10s]\n"
	"    points: 30\n";

MM_TEST(flow_hash_is_symmetric)
{
	uint8_t f[256], g[256], v[260];
	size_t n = ipv4_tcp(f, "10.0.0.1", "10.0.0.2", 40000, 23);
	uint32_t h = rpl_flow_hash(f, (uint32_t)n);

	/* The reply, MACs swapped too: the same flow. */
	ipv4_tcp(g, "10.0.0.2", "10.0.0.1", 23, 40000);
	memcpy(g, f + 6, 6);
	memcpy(g + 6, f, 6);
	MM_ASSERT_EQ(rpl_flow_hash(g, (uint32_t)n), h);
	/* Another source port, another flow (this pair does not collide). */
	ipv4_tcp(g, "10.0.0.1", "10.0.0.2", 40001, 23);
	MM_ASSERT(rpl_flow_hash(g, (uint32_t)n) != h);
	/* A VLAN tag does not change the flow. */
	memcpy(v, f, 12);
	memcpy(v + 12, "\x81\x00\x00\x07", 4);
	memcpy(v + 16, f + 12, n - 12);
	MM_ASSERT_EQ(rpl_flow_hash(v, (uint32_t)n + 4), h);
	/* Fragments hash without ports: a later fragment carries none. */
	ipv4_tcp(g, "10.0.0.1", "10.0.0.2", 40000, 23);
	g[14 + 6] = 0x20; /* more fragments */
	h = rpl_flow_hash(g, (uint32_t)n);
	g[14 + 6] = 0x00;
	g[14 + 7] = 0x10; /* offset 128, no more: the last fragment */
	memset(g + 34, 0xab, 4);
	MM_ASSERT_EQ(rpl_flow_hash(g, (uint32_t)n), h);
	/* Short and non-IP frames hash too. */
	(void)rpl_flow_hash(f, 10);
	f[12] = 0x08;
	f[13] = 0x06;
	(void)rpl_flow_hash(f, 42);
}

/* n flows of 10.0.0.1:40000+i <-> 10.0.0.2:23, flow i holding i + 1 frames each way. */
static void
flows_src(struct rpl_src *s, unsigned n)
{
	uint64_t t = 1775001600000000000ULL;
	uint8_t f[256];

	rpl_src_init(s);
	for (unsigned i = 0; i < n; i++) {
		for (unsigned k = 0; k <= i; k++) {
			size_t len = ipv4_tcp(f, "10.0.0.1", "10.0.0.2", (uint16_t)(40000 + i), 23);

			f[14 + 4] = (uint8_t)k; /* the IP ID tells the frames of a flow apart */
			rpl_src_add(s, t += 1000, f, (uint32_t)len, (uint32_t)len);
			len = ipv4_tcp(f, "10.0.0.2", "10.0.0.1", 23, (uint16_t)(40000 + i));
			f[14 + 4] = (uint8_t)k;
			rpl_src_add(s, t += 1000, f, (uint32_t)len, (uint32_t)len);
		}
	}
}

MM_TEST(lanes_keep_flows_whole_in_order_and_even)
{
	struct rpl_sched lanes[RPL_LANE_MAX];
	struct rpl_engine en;
	size_t base = 0;
	char err[256];

	memset(&en, 0, sizeof(en));
	en.en_nsrc = 1;
	en.en_src = calloc(1, sizeof(*en.en_src));
	en.en_play = calloc(1, sizeof(*en.en_play));
	en.en_base = &base;
	MM_ASSERT(en.en_src != NULL && en.en_play != NULL);
	flows_src(&en.en_src[0], 12);
	en.en_nframes = en.en_src[0].s_n;
	rpl_play_defaults(&en.en_play[0]);
	en.en_play[0].p_loops = 3;
	MM_ASSERT_EQ(rpl_sched_build(&en.en_sched, en.en_src, en.en_play, 1, err, sizeof(err)), 0);
	MM_ASSERT_EQ(rpl_lane_split(&en, 0, lanes), -EINVAL);
	MM_ASSERT_EQ(rpl_lane_split(&en, RPL_LANE_MAX + 1, lanes), -EINVAL);
	for (unsigned n = 1; n <= 3; n++) {
		uint8_t lane_of_flow[12];
		size_t total = 0, lo = SIZE_MAX, hi = 0;

		memset(lane_of_flow, 0xff, sizeof(lane_of_flow));
		MM_ASSERT_EQ(rpl_lane_split(&en, n, lanes), 0);
		for (unsigned k = 0; k < n; k++) {
			const struct rpl_sched *ln = &lanes[k];

			total += ln->sc_n;
			lo = ln->sc_n < lo ? ln->sc_n : lo;
			hi = ln->sc_n > hi ? ln->sc_n : hi;
			for (size_t i = 0; i < ln->sc_n; i++) {
				uint32_t len;
				const uint8_t *f = rpl_engine_frame(&en, ln->sc_ent[i].e_pkt, &len);
				unsigned flow = (unsigned)((f[34] << 8 | f[35]) == 23
								   ? (f[36] << 8 | f[37]) - 40000
								   : (f[34] << 8 | f[35]) - 40000);

				MM_ASSERT(flow < 12);
				/* Both directions of a flow, every loop: one lane. */
				MM_ASSERT(lane_of_flow[flow] == 0xff || lane_of_flow[flow] == k);
				lane_of_flow[flow] = (uint8_t)k;
				/* In schedule order: times never go back, nor frames within a loop.
				 */
				MM_ASSERT(
					i == 0 || ln->sc_ent[i - 1].e_t_ns < ln->sc_ent[i].e_t_ns);
			}
			MM_ASSERT(
				ln->sc_n == 0 || ln->sc_end_ns == ln->sc_ent[ln->sc_n - 1].e_t_ns);
		}
		MM_ASSERT_EQ(total, en.en_sched.sc_n);
		/* Biggest flow first to the emptiest lane: within one flow's weight (72). */
		MM_ASSERT(hi - lo <= 2 * 12 * 3);
		for (unsigned k = 0; k < n; k++)
			rpl_sched_fini(&lanes[k]);
	}
	rpl_sched_fini(&en.en_sched);
	rpl_src_fini(&en.en_src[0]);
	free(en.en_src);
	free(en.en_play);
}

MM_TEST(scenario_loads_and_rewrites_truth)
{
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	char err[512];
	const struct rpl_item *it;

	MM_ASSERT(sn != NULL);
	MM_ASSERT_EQ(rpl_scenario_parse(sn, scenario_ok, strlen(scenario_ok), "unit.yaml", "/data",
			     err, sizeof(err)),
		0);
	MM_ASSERT_STREQ(sn->sn_name, "unit");
	MM_ASSERT_EQ(sn->sn_nsrc, 2);
	MM_ASSERT_STREQ(sn->sn_src[0].ss_path, "/data/some.pcap");
	MM_ASSERT_EQ(sn->sn_src[0].ss_play.p_loops, 2);
	MM_ASSERT_EQ(sn->sn_src[0].ss_play.p_start_ns, 1500000000ULL);
	MM_ASSERT(sn->sn_src[0].ss_play.p_speed == 4.0);
	MM_ASSERT_EQ(sn->sn_src[1].ss_kind, RPL_SRC_SYNTH);
	MM_ASSERT_EQ(sn->sn_src[1].ss_synth.o_bots, 2);
	MM_ASSERT_EQ(sn->sn_src[1].ss_play.p_pps, 500);
	MM_ASSERT_EQ(sn->sn_nitems, 3);
	it = &sn->sn_items[0];
	MM_ASSERT_STREQ(it->it_match[0].kv_value, "10.9.1.5");
	MM_ASSERT_STREQ(it->it_match[1].kv_value, "8080");
	MM_ASSERT_STREQ(it->it_match[2].kv_value, "TCP");
	MM_ASSERT_EQ(it->it_from_ns, 1000000000ULL);
	MM_ASSERT_EQ(it->it_to_ns, 120000000000ULL);
	MM_ASSERT_EQ(sn->sn_items[1].it_to_ns, UINT64_MAX);
	rpl_scenario_fini(sn);
	free(sn);
}

static void
expect_error(const char *doc, const char *needle)
{
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	char err[512] = "";

	if (rpl_scenario_parse(sn, doc, strlen(doc), "bad.yaml", NULL, err, sizeof(err)) == 0 ||
		strstr(err, needle) == NULL) {
		fprintf(stderr, "  for:\n%s  got: '%s', wanted '%s'\n", doc, err, needle);
		mm_test_failed_ = 1;
	}
	rpl_scenario_fini(sn);
	free(sn);
}

MM_TEST(scenario_errors_name_the_line)
{
	expect_error("name: x\nsources: []\n", "bad.yaml:2: sources");
	expect_error("name: x\nsources:\n  - name: a\n    pcap: f\n    sped: 2\n",
		"bad.yaml:5: source: unknown key 'sped'");
	expect_error("name: x\nsources:\n  - name: a\n", "exactly one of");
	expect_error("name: x\nsources:\n  - name: a\n    pcap: f\n    start: soon\n",
		"bad.yaml:5: 'start': expected a duration");
	expect_error("name: x\nsources:\n  - {name: a, pcap: f}\n  - {name: a, pcap: g}\n",
		"used twice");
	expect_error("name: x\nsources:\n  - {name: a, pcap: f}\ntruth:\n  - {id: i, "
		     "event_type: flow, source: b}\n",
		"no source named 'b'");
	expect_error("name: x\nsources:\n  - {name: a, pcap: f}\ntruth:\n  - {id: i, "
		     "event_type: flow, window: [5s, 1s]}\n",
		"FROM before TO");
	expect_error("name: x\nsources:\n  - {name: a, synth: {scenario: nope}}\n",
		"unknown scenario 'nope'");
	expect_error("name: [x\n", "YAML");
}

static bool
only_builtin(void *arg, const char *plugin)
{
	(void)arg;
	return (strcmp(plugin, "flowlog") == 0);
}

/* A variable not set stops playing the source, not reading the scenario (scoring). */
MM_TEST(unset_variable_stops_only_playing)
{
	static const char doc[] =
		"name: x\nsources:\n  - {name: a, pcap: \"${MAMORI_NO_SUCH_VAR}/x\"}\n";
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	struct rpl_engine en;
	char err[512];

	MM_ASSERT(sn != NULL);
	MM_ASSERT_EQ(rpl_scenario_parse(sn, doc, strlen(doc), "v.yaml", NULL, err, sizeof(err)), 0);
	MM_ASSERT(sn->sn_src[0].ss_path == NULL);
	MM_ASSERT(rpl_engine_load(&en, sn, err, sizeof(err)) < 0);
	MM_ASSERT(strstr(err, "v.yaml:3:") != NULL && strstr(err, "MAMORI_NO_SUCH_VAR is not set"));
	rpl_scenario_fini(sn);
	free(sn);
}

MM_TEST(score_items_fp_precision_recall)
{
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	struct rpl_score_conf sc = { "r1", 0, only_builtin, NULL };
	const char *evs =
		"["
		"{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"exercise_"
		"run\","
		"\"exercise\":\"r1\",\"exercise_run\":{\"state\":\"started\","
		"\"t0\":\"2026-04-01T00:00:00.000000+0000\"}},"
		/* web: at 2.5 s, the rewritten addresses */
		"{\"timestamp\":\"2026-04-01T00:00:02.500000+0000\",\"event_type\":\"flow\","
		"\"exercise\":\"r1\",\"src_ip\":\"10.9.1.5\",\"dest_port\":8080,\"proto\":\"TCP\"},"
		/* web again, later: counted, not the first */
		"{\"timestamp\":\"2026-04-01T00:00:09.000000+0000\",\"event_type\":\"flow\","
		"\"exercise\":\"r1\",\"src_ip\":\"10.9.1.5\",\"dest_port\":8080,\"proto\":\"TCP\"},"
		/* scan, but outside its window: a false positive */
		"{\"timestamp\":\"2026-04-01T00:00:11.000000Z\",\"event_type\":\"flow\","
		"\"exercise\":\"r1\",\"dest_port\":23},"
		/* another run's event: ignored */
		"{\"timestamp\":\"2026-04-01T00:00:03.000000+0000\",\"event_type\":\"flow\","
		"\"exercise\":\"r2\",\"dest_port\":23},"
		/* not a false-positive type */
		"{\"timestamp\":\"2026-04-01T00:00:04.000000+0000\",\"event_type\":\"stats\","
		"\"exercise\":\"r1\"}"
		"]";
	json_t *events = json_loads(evs, 0, NULL), *rep, *items;
	char err[512];

	MM_ASSERT(sn != NULL && events != NULL);
	MM_ASSERT_EQ(rpl_scenario_parse(sn, scenario_ok, strlen(scenario_ok), "unit.yaml", NULL,
			     err, sizeof(err)),
		0);
	rep = rpl_score(sn, events, &sc, err, sizeof(err));
	MM_ASSERT(rep != NULL);
	items = json_object_get(rep, "items");
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_array_get(items, 0), "status")), "detected");
	MM_ASSERT(json_real_value(json_object_get(json_array_get(items, 0), "time_to_detect_s")) ==
		  1.5);
	MM_ASSERT_EQ(json_integer_value(json_object_get(json_array_get(items, 0), "events")), 2);
	MM_ASSERT_STREQ(json_string_value(json_object_get(json_array_get(items, 1), "status")),
		"not_scorable");
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_array_get(items, 2), "status")), "missed");
	MM_ASSERT_EQ(json_integer_value(json_object_get(rep, "scorable")), 2);
	MM_ASSERT_EQ(json_integer_value(json_object_get(rep, "detected")), 1);
	MM_ASSERT_EQ(json_integer_value(json_object_get(rep, "false_positives")), 1);
	MM_ASSERT(json_real_value(json_object_get(rep, "precision")) == 2.0 / 3.0);
	MM_ASSERT(json_real_value(json_object_get(rep, "recall")) == 0.5);
	MM_ASSERT_EQ(json_integer_value(json_object_get(rep, "points")), 30);
	MM_ASSERT_EQ(json_integer_value(json_object_get(rep, "points_possible")), 60);
	MM_ASSERT(json_is_false(json_object_get(rep, "passed")));
	json_decref(rep);
	/* No start event and no t0: said so. */
	sc.sc_run = "r9";
	MM_ASSERT(rpl_score(sn, events, &sc, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "--t0") != NULL);
	json_decref(events);
	rpl_scenario_fini(sn);
	free(sn);
}

MM_TEST(times_parse)
{
	json_t *a = json_string("2026-04-01T00:00:01.5+0000"),
	       *b = json_string("2026-04-01T09:00:01.5+09:00");
	json_t *c = json_string("yesterday"), *d = json_integer(42);

	MM_ASSERT_EQ(rpl_parse_time_ns(a), 1775001601500000000ULL);
	MM_ASSERT_EQ(rpl_parse_time_ns(b), 1775001601500000000ULL);
	MM_ASSERT_EQ(rpl_parse_time_ns(c), 0);
	MM_ASSERT_EQ(rpl_parse_time_ns(d), 42);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(rewrite_ipv4_tcp_fixes_checksums),
	MM_TEST_ENTRY(rewrite_keeps_host_bits_and_short_frames),
	MM_TEST_ENTRY(rewrite_ipv6_udp),
	MM_TEST_ENTRY(rewrite_map_errors),
	MM_TEST_ENTRY(schedule_is_absolute_across_loops),
	MM_TEST_ENTRY(flow_hash_is_symmetric),
	MM_TEST_ENTRY(lanes_keep_flows_whole_in_order_and_even),
	MM_TEST_ENTRY(scenario_loads_and_rewrites_truth),
	MM_TEST_ENTRY(scenario_errors_name_the_line),
	MM_TEST_ENTRY(unset_variable_stops_only_playing),
	MM_TEST_ENTRY(score_items_fp_precision_recall),
	MM_TEST_ENTRY(times_parse),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
