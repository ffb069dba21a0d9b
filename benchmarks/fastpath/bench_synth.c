/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fastpath (b): 64-byte Ethernet/IPv4/UDP frames, each rewritten to
 * belong to one of many flows picked at random, fed to a worker whose table
 * already holds every flow.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "bench_fastpath.h"

/* Frames in flight, frame size, spacing and addresses. */
#define SYN_MBUFS   4096        /* a power of two */
#define SYN_RX_DESC 1024        /* mamorid's default ports.*.rx_descriptors; a power of two */
#define SYN_CACHE   256         /* mamorid's default mempool.cache */
#define SYN_LEN     60          /* 64 bytes on the wire with the FCS the NIC strips */
#define SYN_GAP_NS  67          /* 14.88 Mpps: 10GbE line rate at 64 bytes */
#define SYN_SRC     0x0a000000U /* 10.0.0.0; not RTE_IPV4(), which overflows an int from 128. */
#define SYN_DST     0xc0000201U /* 192.0.2.1 */
#define SYN_DPORT   443
#define SYN_OFF_SRC (sizeof(struct rte_ether_hdr) + offsetof(struct rte_ipv4_hdr, src_addr))
#define SYN_OFF_SPORT                                                                              \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +                              \
		offsetof(struct rte_udp_hdr, src_port))

/* Fills m with a valid Ethernet/IPv4/UDP frame of SYN_LEN bytes; the source is set per packet. */
static int
synth_frame(struct rte_mbuf *m)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, SYN_LEN);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	const uint16_t ip_len = SYN_LEN - sizeof(*eh);

	if (p == NULL)
		return (-ENOSPC);
	memset(p, 0, SYN_LEN);
	eh = (struct rte_ether_hdr *)p;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	memcpy(eh->dst_addr.addr_bytes, "\x02\x00\x00\x00\x00\x02", RTE_ETHER_ADDR_LEN);
	memcpy(eh->src_addr.addr_bytes, "\x02\x00\x00\x00\x00\x01", RTE_ETHER_ADDR_LEN);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(SYN_SRC);
	ip->dst_addr = rte_cpu_to_be_32(SYN_DST);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(SYN_DPORT);
	udp->dgram_len = rte_cpu_to_be_16(ip_len - sizeof(*ip));
	return (0);
}

/*
 * Makes frame m belong to flow f: source 10.0.0.0 + f / 64, source port
 * 1024 + f % 64.  The IPv4 checksum goes stale; the decoder does not check
 * it (NICs do, in hardware).
 */
static inline void
synth_set_flow(struct rte_mbuf *m, uint32_t f)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t src = rte_cpu_to_be_32(SYN_SRC + (f >> 6));
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 + (f & 63)));

	memcpy(p + SYN_OFF_SRC, &src, sizeof(src));
	memcpy(p + SYN_OFF_SPORT, &sport, sizeof(sport));
}

static inline uint64_t
xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return (x);
}

/* A flow in [0, n) from the high half of a random word (Lemire's multiply-shift). */
static inline uint32_t
pick(uint64_t *s, uint32_t n)
{
	return ((uint32_t)(((xorshift64(s) >> 32) * n) >> 32));
}

struct synth {
	struct rte_mempool *sy_pool;
	struct rte_mbuf *sy_m[SYN_MBUFS];      /* with --refcnt: the frames, reused in turn */
	struct rte_mbuf *sy_ring[SYN_RX_DESC]; /* otherwise: the emulated RX ring */
	unsigned sy_next; /* the next frame to use (--refcnt) or ring slot to receive into */
	bool sy_refcnt;
	uint64_t sy_rng;
	uint64_t sy_now; /* packet time, ns */
};

/*
 * The next burst in m, one frame per flow in flows[] (random ones when flows
 * is NULL).  By default it works as a PMD's receive does with mamorid's
 * default port and mempool settings: the burst is the next SYN_RX_DESC-ring
 * slots' mbufs, the slots are refilled from the pool through the lcore's
 * cache of SYN_CACHE, and the frame is written into each mbuf taken (the
 * NIC's DMA and the PMD's descriptor-to-mbuf fields).  So an mbuf freed by
 * dp_worker_process() comes back a ring's length later, and every mbuf still
 * holds the template synth_frame() wrote.  With --refcnt the frames are taken
 * in turn from sy_m and their reference count raised, so the free in
 * dp_worker_process() is an atomic decrement instead of a return to the pool.
 */
static inline int
synth_burst(struct synth *sy, struct rte_mbuf **m, uint32_t nflows, const uint32_t *flows)
{
	if (sy->sy_refcnt) {
		memcpy(m, &sy->sy_m[sy->sy_next], sizeof(m[0]) * BENCH_BURST);
		sy->sy_next = (sy->sy_next + BENCH_BURST) & (SYN_MBUFS - 1);
		for (unsigned k = 0; k < BENCH_BURST; k++)
			rte_mbuf_refcnt_update(m[k], 1);
	} else {
		memcpy(m, &sy->sy_ring[sy->sy_next], sizeof(m[0]) * BENCH_BURST);
		if (rte_pktmbuf_alloc_bulk(sy->sy_pool, &sy->sy_ring[sy->sy_next], BENCH_BURST) !=
			0)
			return (-ENOBUFS);
		sy->sy_next = (sy->sy_next + BENCH_BURST) & (SYN_RX_DESC - 1);
	}
	for (unsigned k = 0; k < BENCH_BURST; k++) {
		m[k]->data_len = SYN_LEN;
		m[k]->pkt_len = SYN_LEN;
		m[k]->ol_flags = bench_ws.ws_ts_flag;
		synth_set_flow(m[k], flows != NULL ? flows[k] : pick(&sy->sy_rng, nflows));
		*bench_ts(m[k]) = sy->sy_now;
		sy->sy_now += SYN_GAP_NS;
	}
	return (0);
}

static inline int
synth_run(struct dp_worker *w, struct synth *sy, uint32_t nflows, const uint32_t *flows)
{
	struct rte_mbuf *m[BENCH_BURST];

	if (synth_burst(sy, m, nflows, flows) < 0)
		return (-ENOBUFS);
	bench_burst(w, m, BENCH_BURST);
	return (0);
}

/*
 * The generator alone -- frames taken and rewritten, then freed as
 * dp_worker_process() would -- timed apart so its share of (b) is known.
 * Returns cycles per packet.
 */
static double
synth_gen_cost(struct synth *sy, uint32_t nflows)
{
	const unsigned bursts = 1U << 16;
	struct rte_mbuf *m[BENCH_BURST];
	uint64_t t0 = rte_rdtsc();

	for (unsigned b = 0; b < bursts; b++) {
		if (synth_burst(sy, m, nflows, NULL) < 0)
			return (0.0);
		rte_pktmbuf_free_bulk(m, BENCH_BURST);
	}
	return ((double)(rte_rdtsc() - t0) / ((double)bursts * BENCH_BURST));
}

/* Pool and templates; with --refcnt the frames stay allocated in sy_m. */
static int
synth_init(struct synth *sy, bool refcnt)
{
	sy->sy_refcnt = refcnt;
	sy->sy_rng = 0x9e3779b97f4a7c15ULL;
	sy->sy_now = 1700000000ULL * 1000000000ULL;
	sy->sy_pool = rte_pktmbuf_pool_create("bench_synth", SYN_MBUFS, refcnt ? 0 : SYN_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (sy->sy_pool == NULL || rte_pktmbuf_alloc_bulk(sy->sy_pool, sy->sy_m, SYN_MBUFS) != 0) {
		fprintf(stderr, PROG ": no memory for %u mbufs: %s\n", SYN_MBUFS,
			rte_strerror(rte_errno));
		rte_mempool_free(sy->sy_pool);
		return (-ENOMEM);
	}
	for (unsigned i = 0; i < SYN_MBUFS; i++) {
		if (synth_frame(sy->sy_m[i]) < 0) {
			fprintf(stderr, PROG ": a %u-byte frame does not fit an mbuf\n", SYN_LEN);
			rte_pktmbuf_free_bulk(sy->sy_m, SYN_MBUFS);
			rte_mempool_free(sy->sy_pool);
			return (-ENOSPC);
		}
	}
	if (refcnt)
		return (0);
	rte_pktmbuf_free_bulk(sy->sy_m, SYN_MBUFS);
	if (rte_pktmbuf_alloc_bulk(sy->sy_pool, sy->sy_ring, SYN_RX_DESC) != 0) {
		fprintf(stderr, PROG ": no mbufs for a %u-slot ring\n", SYN_RX_DESC);
		rte_mempool_free(sy->sy_pool);
		return (-ENOMEM);
	}
	sy->sy_next = 0;
	return (0);
}

static void
synth_fini(struct synth *sy)
{
	if (sy->sy_refcnt)
		rte_pktmbuf_free_bulk(sy->sy_m, SYN_MBUFS);
	else
		rte_pktmbuf_free_bulk(sy->sy_ring, SYN_RX_DESC);
	rte_mempool_free(sy->sy_pool);
}

int
bench_synth_run(const struct bench_opts *o)
{
	struct flow_table_stats st0, st1;
	struct run_result r = { 0 };
	struct synth *sy;
	struct dp_worker *w;
	uint32_t flows[BENCH_BURST];
	uint64_t t0, cpu0, limit;
	char label[64];
	double gen;
	int rv = -ENOMEM;

	sy = rte_zmalloc("bench_synth", sizeof(*sy), RTE_CACHE_LINE_SIZE);
	if (sy == NULL) {
		fprintf(stderr, PROG ": no memory for the synthetic stream\n");
		return (-ENOMEM);
	}
	if ((rv = synth_init(sy, o->bo_refcnt)) < 0) {
		rte_free(sy);
		return (rv);
	}
	if ((w = bench_worker_make(o->bo_capacity)) == NULL) {
		rv = -ENOMEM;
		goto out;
	}
	/* Warm-up, not measured: every flow once, in order, so all of them exist. */
	for (uint32_t f = 0; f < o->bo_flows; f += BENCH_BURST) {
		for (unsigned k = 0; k < BENCH_BURST; k++)
			flows[k] = (f + k) % o->bo_flows;
		if ((rv = synth_run(w, sy, o->bo_flows, flows)) < 0)
			goto out_mbufs;
		bench_records_drain(w);
	}
	flow_table_stats(w->w_ft, &st0);
	gen = synth_gen_cost(sy, o->bo_flows);

	limit = (uint64_t)(o->bo_seconds * (double)rte_get_tsc_hz());
	cpu0 = bench_cpu_ns();
	t0 = rte_rdtsc();
	do {
		for (unsigned b = 0; b < 1024; b++) {
			if ((rv = synth_run(w, sy, o->bo_flows, NULL)) < 0)
				goto out_mbufs;
			if ((b & BENCH_DRAIN_MASK) == 0)
				r.rr_records += bench_records_drain(w);
		}
		r.rr_pkts += 1024 * BENCH_BURST;
		r.rr_cycles = rte_rdtsc() - t0;
	} while (r.rr_cycles < limit);
	r.rr_cpu_ns = bench_cpu_ns() - cpu0;
	r.rr_records += bench_records_drain(w);
	flow_table_stats(w->w_ft, &st1);

	printf("fastpath (b) %" PRIu32 " flows in a %" PRIu32 "-flow table: %" PRIu64
	       " flows active after warm-up, %" PRIu64 " created while measured, %" PRIu64
	       " evicted, %" PRIu64 " add failures, %" PRIu64 " flow records\n",
		o->bo_flows, o->bo_capacity, st0.fs_active, st1.fs_created - st0.fs_created,
		st1.fs_ended[MM_FLOW_END_EVICTED], st1.fs_add_failures, r.rr_records);
	printf("fastpath (b) %" PRIu64 " packets in %.2f s; the generator's part (%s, rewriting "
	       "address, port and timestamp, freeing) is %.1f ns/packet on its own\n",
		r.rr_pkts, (double)r.rr_cycles / (double)rte_get_tsc_hz(),
		o->bo_refcnt ? "reusing frames by reference count" : "taking frames from the pool",
		gen * 1e9 / (double)rte_get_tsc_hz());
	if (o->bo_flows == 1U << 20)
		snprintf(label, sizeof(label), "fastpath (b) synthetic 64B/1M flows");
	else
		snprintf(label, sizeof(label), "fastpath (b) synthetic 64B/%" PRIu32 " flows",
			o->bo_flows);
	bench_print_rate(label, &r, " (goal 10)");
	rv = 0;
out_mbufs:
	if (rv < 0)
		fprintf(stderr, PROG ": the synthetic mempool ran dry\n");
	bench_worker_drop(w);
out:
	synth_fini(sy);
	rte_free(sy);
	return (rv);
}
