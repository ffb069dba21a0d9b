/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table tests on a real EAL (--no-huge): direction, end reasons, port
 * reuse, idle and active timeouts, eviction, VLANs, fragments, IPv6.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "bigmem.h"
#include "flowtable.h"
#include "mm_test.h"

#define S  1000000000ULL
#define MS 1000000ULL

static struct mm_flow_rec recs[4096];
static unsigned nrecs;

static uint64_t state_at_end[4096]; /* the first word of each ended flow's state */
static unsigned nnew;

static void
collect(void *arg, const struct mm_flow_rec *r, void *state)
{
	(void)arg;
	if (nrecs < sizeof(recs) / sizeof(recs[0])) {
		state_at_end[nrecs] = state != NULL ? *(uint64_t *)state : 0;
		recs[nrecs++] = *r;
	}
}

/* A plugin-like user of the per-flow state: counts packets in it. */
static void
on_new(void *arg, const struct mm_flow_rec *r, void *state)
{
	(void)arg;
	(void)r;
	nnew++;
	*(uint64_t *)state = 1000;
}

static struct flow_table *
table(uint32_t capacity, uint64_t active_ns)
{
	static unsigned seq;
	struct flow_table_conf c = {
		.fc_capacity = capacity,
		.fc_timeout_ns = { 30 * S, 600 * S, 10 * S, 120 * S, 60 * S, 60 * S },
		.fc_active_ns = active_ns,
		.fc_socket = 0,
		.fc_lcore = 1,
		.fc_emit = collect,
	};
	char name[32];

	nrecs = 0;
	snprintf(name, sizeof(name), "ft_test_%u", seq++);
	return (flow_table_create(name, &c));
}

static const uint8_t A[4] = { 10, 0, 0, 1 }, B[4] = { 192, 0, 2, 7 };

static struct dp_pkt
pkt4(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t sport, uint16_t dport,
	uint8_t flags)
{
	struct dp_pkt p;

	memset(&p, 0, sizeof(p));
	p.p_family = 4;
	p.p_src = src;
	p.p_dst = dst;
	p.p_proto = proto;
	p.p_sport = sport;
	p.p_dport = dport;
	p.p_tcp_flags = flags;
	p.p_layer = DP_LAYER_L4;
	return (p);
}

static void
feed(struct flow_table *ft, const struct dp_pkt *p, uint64_t ts, uint32_t len)
{
	struct flow_pkt fp = { .fp_pkt = p, .fp_ts_ns = ts, .fp_wire_len = len, .fp_port = 0 };

	flow_table_update_burst(ft, &fp, 1);
}

/* A full TCP connection: A:40000 -> B:80 handshake, data, FIN both ways. */
static void
tcp_conn(struct flow_table *ft, uint16_t sport, uint64_t t0)
{
	struct dp_pkt p;

	p = pkt4(A, B, IPPROTO_TCP, sport, 80, MM_TCP_SYN);
	feed(ft, &p, t0, 74);
	p = pkt4(B, A, IPPROTO_TCP, 80, sport, MM_TCP_SYN | MM_TCP_ACK);
	feed(ft, &p, t0 + 1 * MS, 74);
	p = pkt4(A, B, IPPROTO_TCP, sport, 80, MM_TCP_ACK);
	feed(ft, &p, t0 + 2 * MS, 66);
	p = pkt4(A, B, IPPROTO_TCP, sport, 80, MM_TCP_ACK | MM_TCP_PSH);
	feed(ft, &p, t0 + 3 * MS, 200);
	p = pkt4(B, A, IPPROTO_TCP, 80, sport, MM_TCP_ACK | MM_TCP_PSH);
	feed(ft, &p, t0 + 4 * MS, 1000);
	p = pkt4(A, B, IPPROTO_TCP, sport, 80, MM_TCP_ACK | MM_TCP_FIN);
	feed(ft, &p, t0 + 5 * MS, 66);
	p = pkt4(B, A, IPPROTO_TCP, 80, sport, MM_TCP_ACK | MM_TCP_FIN);
	feed(ft, &p, t0 + 6 * MS, 66);
	p = pkt4(A, B, IPPROTO_TCP, sport, 80, MM_TCP_ACK);
	feed(ft, &p, t0 + 7 * MS, 66);
}

MM_TEST(tcp_fin_directions)
{
	struct flow_table *ft = table(1024, 0);
	struct flow_table_stats st;

	MM_ASSERT(ft != NULL);
	tcp_conn(ft, 40000, 100 * S);
	MM_ASSERT_EQ(nrecs, 0);
	/* Closed flows wait tcp_closed (10 s) for stragglers. */
	flow_table_expire(ft, 100 * S + 5 * S, 100);
	MM_ASSERT_EQ(nrecs, 0);
	flow_table_expire(ft, 100 * S + 11 * S, 100);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(recs[0].fr_end, MM_FLOW_END_FIN);
	MM_ASSERT_EQ(recs[0].fr_sport, 40000);
	MM_ASSERT_EQ(recs[0].fr_dport, 80);
	MM_ASSERT_EQ(recs[0].fr_src.a_bytes[15], 1);
	MM_ASSERT_EQ(recs[0].fr_src.a_bytes[10], 0xff);
	MM_ASSERT_EQ(recs[0].fr_pkts_ts, 5);
	MM_ASSERT_EQ(recs[0].fr_pkts_tc, 3);
	MM_ASSERT_EQ(recs[0].fr_bytes_ts, 74 + 66 + 200 + 66 + 66);
	MM_ASSERT_EQ(recs[0].fr_bytes_tc, 74 + 1000 + 66);
	MM_ASSERT_EQ(recs[0].fr_tcp_flags_ts, MM_TCP_SYN | MM_TCP_ACK | MM_TCP_PSH | MM_TCP_FIN);
	MM_ASSERT_EQ(recs[0].fr_first_ns, 100 * S);
	MM_ASSERT_EQ(recs[0].fr_last_ns, 100 * S + 7 * MS);
	flow_table_stats(ft, &st);
	MM_ASSERT_EQ(st.fs_active, 0);
	MM_ASSERT_EQ(st.fs_created, 1);
	flow_table_free(ft);
}

MM_TEST(synack_first_sets_initiator)
{
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt p = pkt4(B, A, IPPROTO_TCP, 80, 40000, MM_TCP_SYN | MM_TCP_ACK);

	feed(ft, &p, 1 * S, 60);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(recs[0].fr_sport, 40000);
	MM_ASSERT_EQ(recs[0].fr_dport, 80);
	MM_ASSERT_EQ(recs[0].fr_pkts_tc, 1);
	MM_ASSERT_EQ(recs[0].fr_end, MM_FLOW_END_SHUTDOWN);
	flow_table_free(ft);
}

MM_TEST(tcp_rst)
{
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt p = pkt4(A, B, IPPROTO_TCP, 40001, 23, MM_TCP_SYN);

	feed(ft, &p, 1 * S, 60);
	p = pkt4(B, A, IPPROTO_TCP, 23, 40001, MM_TCP_RST | MM_TCP_ACK);
	feed(ft, &p, 1 * S + MS, 60);
	flow_table_expire(ft, 20 * S, 100);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(recs[0].fr_end, MM_FLOW_END_RST);
	flow_table_free(ft);
}

MM_TEST(port_reuse_starts_new_flow)
{
	struct flow_table *ft = table(1024, 0);
	struct flow_table_stats st;

	tcp_conn(ft, 40002, 1 * S);
	tcp_conn(ft, 40002, 2 * S);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(recs[0].fr_end, MM_FLOW_END_FIN);
	MM_ASSERT_EQ(recs[0].fr_pkts_ts + recs[0].fr_pkts_tc, 8);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 2);
	MM_ASSERT_EQ(recs[1].fr_end, MM_FLOW_END_FIN);
	MM_ASSERT(recs[0].fr_id != recs[1].fr_id);
	flow_table_stats(ft, &st);
	MM_ASSERT_EQ(st.fs_created, 2);
	flow_table_free(ft);
}

MM_TEST(udp_idle_timeout_splits)
{
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt q = pkt4(A, B, IPPROTO_UDP, 5353, 53, 0);
	struct dp_pkt r = pkt4(B, A, IPPROTO_UDP, 53, 5353, 0);

	feed(ft, &q, 10 * S, 80);
	feed(ft, &r, 10 * S + MS, 120);
	flow_table_expire(ft, 100 * S, 100);
	MM_ASSERT_EQ(nrecs, 0);
	flow_table_expire(ft, 131 * S, 100);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(recs[0].fr_end, MM_FLOW_END_IDLE);
	MM_ASSERT_EQ(recs[0].fr_pkts_ts, 1);
	MM_ASSERT_EQ(recs[0].fr_pkts_tc, 1);
	feed(ft, &q, 300 * S, 80);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 2);
	MM_ASSERT_EQ(recs[1].fr_end, MM_FLOW_END_SHUTDOWN);
	flow_table_free(ft);
}

MM_TEST(active_timeout_reports_and_continues)
{
	struct flow_table *ft = table(1024, 30 * S);
	struct dp_pkt p = pkt4(A, B, IPPROTO_UDP, 1234, 4321, 0);
	uint64_t pkts = 0;

	for (int i = 0; i <= 10; i++)
		feed(ft, &p, (uint64_t)(10 * i) * S, 100);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT(nrecs >= 3);
	for (unsigned i = 0; i < nrecs; i++) {
		pkts += recs[i].fr_pkts_ts;
		MM_ASSERT_EQ(recs[i].fr_id, recs[0].fr_id);
		MM_ASSERT_EQ(
			recs[i].fr_end, i + 1 < nrecs ? MM_FLOW_END_ACTIVE : MM_FLOW_END_SHUTDOWN);
	}
	MM_ASSERT_EQ(pkts, 11);
	flow_table_free(ft);
}

MM_TEST(full_table_evicts_least_recent)
{
	struct flow_table *ft = table(64, 0);
	struct flow_table_stats st;
	struct dp_pkt p;

	for (uint16_t i = 0; i < 100; i++) {
		p = pkt4(A, B, IPPROTO_UDP, (uint16_t)(10000 + i), 53, 0);
		feed(ft, &p, (uint64_t)(i + 1) * MS, 80);
	}
	flow_table_stats(ft, &st);
	MM_ASSERT_EQ(st.fs_active, 64);
	MM_ASSERT_EQ(st.fs_created, 100);
	MM_ASSERT_EQ(st.fs_ended[MM_FLOW_END_EVICTED], 36);
	/* The evicted ones are the oldest: source ports 10000..10035. */
	for (unsigned i = 0; i < nrecs; i++)
		MM_ASSERT(recs[i].fr_sport < 10036);
	flow_table_free(ft);
}

MM_TEST(vlans_separate_flows)
{
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt p = pkt4(A, B, IPPROTO_UDP, 1000, 2000, 0);

	p.p_vlan_n = 1;
	p.p_vlan[0] = 10;
	feed(ft, &p, 1 * S, 100);
	p.p_vlan[0] = 20;
	feed(ft, &p, 1 * S, 100);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 2);
	MM_ASSERT_EQ(recs[0].fr_vlan_n, 1);
	MM_ASSERT(recs[0].fr_vlan[0] != recs[1].fr_vlan[0]);
	flow_table_free(ft);
}

MM_TEST(fragments_join_their_flow)
{
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt first = pkt4(A, B, IPPROTO_UDP, 7000, 8000, 0);
	struct dp_pkt later = pkt4(A, B, IPPROTO_UDP, 0, 0, 0);
	struct flow_table_stats st;

	first.p_fragment = true;
	first.p_more_frags = true;
	first.p_ip_id = 0x4242;
	later.p_fragment = true;
	later.p_frag_off = 1480;
	later.p_ip_id = 0x4242;
	later.p_layer = DP_LAYER_L3;
	feed(ft, &first, 1 * S, 1514);
	feed(ft, &later, 1 * S + 1, 600);
	/* A later fragment of another datagram, its first never seen. */
	later.p_ip_id = 0x4343;
	feed(ft, &later, 1 * S + 2, 600);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 2);
	MM_ASSERT_EQ(recs[0].fr_sport == 7000 ? recs[0].fr_pkts_ts : recs[1].fr_pkts_ts, 2);
	flow_table_stats(ft, &st);
	MM_ASSERT_EQ(st.fs_frag_orphans, 1);
	flow_table_free(ft);
}

MM_TEST(ipv6_flow)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt p = pkt4(a6, b6, IPPROTO_TCP, 50000, 443, MM_TCP_SYN);

	p.p_family = 6;
	feed(ft, &p, 1 * S, 80);
	p = pkt4(b6, a6, IPPROTO_TCP, 443, 50000, MM_TCP_SYN | MM_TCP_ACK);
	p.p_family = 6;
	feed(ft, &p, 1 * S + MS, 80);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(memcmp(recs[0].fr_src.a_bytes, a6, 16), 0);
	MM_ASSERT_EQ(recs[0].fr_pkts_ts, 1);
	MM_ASSERT_EQ(recs[0].fr_pkts_tc, 1);
	flow_table_free(ft);
}

MM_TEST(burst_with_new_flow_twice)
{
	struct flow_table *ft = table(1024, 0);
	struct dp_pkt p1 = pkt4(A, B, IPPROTO_UDP, 1, 2, 0);
	struct dp_pkt p2 = pkt4(B, A, IPPROTO_UDP, 2, 1, 0);
	struct flow_pkt fp[3] = {
		{ .fp_pkt = &p1, .fp_ts_ns = 1 * S, .fp_wire_len = 100 },
		{ .fp_pkt = &p2, .fp_ts_ns = 1 * S + 1, .fp_wire_len = 100 },
		{ .fp_pkt = &p1, .fp_ts_ns = 1 * S + 2, .fp_wire_len = 100 },
	};
	struct flow_table_stats st;

	MM_ASSERT_EQ(flow_table_update_burst(ft, fp, 3), 3);
	/* Every packet learns its flow and direction. */
	MM_ASSERT(fp[0].fp_rec != NULL && fp[0].fp_rec == fp[1].fp_rec);
	MM_ASSERT(fp[0].fp_to_server && !fp[1].fp_to_server && fp[2].fp_to_server);
	flow_table_stats(ft, &st);
	MM_ASSERT_EQ(st.fs_created, 1);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(recs[0].fr_pkts_ts, 2);
	MM_ASSERT_EQ(recs[0].fr_pkts_tc, 1);
	flow_table_free(ft);
}

MM_TEST(flow_state_for_plugins)
{
	struct flow_table_conf c = {
		.fc_capacity = 1024,
		.fc_timeout_ns = { 30 * S, 600 * S, 10 * S, 120 * S, 60 * S, 60 * S },
		.fc_emit = collect,
		.fc_new = on_new,
		.fc_state_size = 24,
	};
	struct dp_pkt p = pkt4(A, B, IPPROTO_UDP, 1, 2, 0);
	struct flow_pkt fp = { .fp_pkt = &p, .fp_ts_ns = 1 * S, .fp_wire_len = 60 };
	struct flow_table *ft;

	nrecs = 0;
	nnew = 0;
	ft = flow_table_create("ft_state", &c);
	MM_ASSERT(ft != NULL);
	for (int i = 0; i < 3; i++) {
		fp.fp_ts_ns = (uint64_t)(i + 1) * S;
		flow_table_update_burst(ft, &fp, 1);
		MM_ASSERT(fp.fp_state != NULL);
		(*(uint64_t *)fp.fp_state)++;
	}
	MM_ASSERT_EQ(nnew, 1);
	flow_table_flush(ft, MM_FLOW_END_SHUTDOWN);
	MM_ASSERT_EQ(nrecs, 1);
	MM_ASSERT_EQ(state_at_end[0], 1003);
	flow_table_free(ft);
}

/* The tables' memory: zeroed, aligned, writable to the end; 2 MB aligned when mapped. */
MM_TEST(big_tables_zeroed_and_aligned)
{
	const size_t sizes[] = { 1000, (3u << 20) + 4096 + 64 };

	for (unsigned i = 0; i < RTE_DIM(sizes); i++) {
		uint8_t *p = dp_bigmem_zalloc("test_bigmem", sizes[i], 0);
		size_t nonzero = 0;

		MM_ASSERT(p != NULL);
		MM_ASSERT(((uintptr_t)p & (RTE_CACHE_LINE_SIZE - 1)) == 0);
		if (!rte_eal_has_hugepages() && sizes[i] >= (2u << 20))
			MM_ASSERT(((uintptr_t)p & ((2u << 20) - 1)) == 0);
		for (size_t o = 0; o < sizes[i]; o++)
			nonzero += p[o] != 0;
		MM_ASSERT_EQ(nonzero, 0);
		memset(p, 0xa5, sizes[i]);
		dp_bigmem_free(p);
	}
	dp_bigmem_free(NULL);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(tcp_fin_directions),
	MM_TEST_ENTRY(synack_first_sets_initiator),
	MM_TEST_ENTRY(tcp_rst),
	MM_TEST_ENTRY(port_reuse_starts_new_flow),
	MM_TEST_ENTRY(udp_idle_timeout_splits),
	MM_TEST_ENTRY(active_timeout_reports_and_continues),
	MM_TEST_ENTRY(full_table_evicts_least_recent),
	MM_TEST_ENTRY(vlans_separate_flows),
	MM_TEST_ENTRY(fragments_join_their_flow),
	MM_TEST_ENTRY(ipv6_flow),
	MM_TEST_ENTRY(burst_with_new_flow_twice),
	MM_TEST_ENTRY(flow_state_for_plugins),
	MM_TEST_ENTRY(big_tables_zeroed_and_aligned),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-shconf", "-m", "128", "--no-pci", "-l", "0",
		"--log-level=error", NULL };
	int rv;

	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "test_flowtable: EAL initialisation failed\n");
		return (1);
	}
	rv = mm_test_main(tests, argc, argv);
	rte_eal_cleanup();
	return (rv);
}
