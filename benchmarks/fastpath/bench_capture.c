/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fastpath (a): a capture read once through a net_pcap port into mbufs
 * that are kept, then fed to the worker again and again.  Before each burst
 * the reference count of every segment is raised by one, so the free at the
 * end of dp_worker_process() only takes it back down.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <pcap.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "bench_fastpath.h"
#include "port.h"

#define BENCH_RX_DESC  1024
#define BENCH_PCAP_CAP 262144 /* flow table for (a): the default configuration's */

/* Gaps in capture time beyond this (or backwards) become this: see capture_rebase(). */
#define REBASE_GAP_NS (3600ULL * 1000000000ULL)

/* A capture held in mbufs, with its packet times made to run forward. */
struct capture {
	struct rte_mempool *c_pool;
	struct rte_mbuf **c_m;
	uint64_t *c_ts;     /* rebased capture time of each frame, ns */
	uint32_t c_n;       /* frames */
	uint32_t c_segs;    /* mbufs holding them */
	uint32_t c_multi;   /* frames in more than one mbuf */
	uint64_t c_span_ns; /* one pass of the rebased capture, gap included */
};

/*
 * Counts the frames of a capture and the mbufs net_pcap will put them in:
 * the first mbuf holds data room minus headroom, chained ones the whole room.
 */
static int
capture_scan(const char *path, uint32_t *frames, uint32_t *segs)
{
	const uint32_t first = RTE_MBUF_DEFAULT_DATAROOM;
	const uint32_t next = RTE_MBUF_DEFAULT_BUF_SIZE;
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int rv;

	*frames = *segs = 0;
	if ((pc = pcap_open_offline(path, ebuf)) == NULL) {
		fprintf(stderr, PROG ": capture '%s': %s\n", path, ebuf);
		return (-EINVAL);
	}
	while ((rv = pcap_next_ex(pc, &h, &data)) == 1) {
		(*frames)++;
		*segs += 1;
		if (h->caplen > first)
			*segs += (h->caplen - first + next - 1) / next;
	}
	if (rv == PCAP_ERROR)
		fprintf(stderr, PROG ": capture '%s': %s after %" PRIu32 " frames\n", path,
			pcap_geterr(pc), *frames);
	pcap_close(pc);
	if (*frames == 0) {
		fprintf(stderr, PROG ": capture '%s' holds no frames\n", path);
		return (-EINVAL);
	}
	return (0);
}

/*
 * Packet times in ns that only run forward, so the flow table ages flows as
 * it would on a live link.  Gaps within a capture are kept; a gap longer than
 * an hour, or a jump backwards (the shared captures are merged, then the
 * merged file repeated), becomes one hour: longer than every idle timeout,
 * so each flow ends across it as it would between two separate captures.
 * The next pass starts one such gap after the end of this one.
 */
static int
capture_rebase(struct capture *c)
{
	uint64_t prev = 0, t = 0;

	c->c_ts = rte_malloc("bench_ts", sizeof(uint64_t) * c->c_n, 0);
	if (c->c_ts == NULL) {
		fprintf(stderr, PROG ": no memory for %" PRIu32 " timestamps\n", c->c_n);
		return (-ENOMEM);
	}
	for (uint32_t i = 0; i < c->c_n; i++) {
		struct rte_mbuf *m = c->c_m[i];
		uint64_t raw;

		if (!(m->ol_flags & bench_ws.ws_ts_flag)) {
			fprintf(stderr, PROG ": frame %" PRIu32 " came without a capture time\n",
				i + 1);
			return (-EINVAL);
		}
		raw = *bench_ts(m) * 1000; /* net_pcap gives microseconds */
		if (i == 0)
			t = raw;
		else if (raw < prev || raw - prev > REBASE_GAP_NS)
			t += REBASE_GAP_NS;
		else
			t += raw - prev;
		prev = raw;
		c->c_ts[i] = t;
	}
	c->c_span_ns = t - c->c_ts[0] + REBASE_GAP_NS;
	return (0);
}

static void
capture_free(struct capture *c)
{
	if (c->c_m != NULL) {
		for (uint32_t i = 0; i < c->c_n; i++)
			rte_pktmbuf_free(c->c_m[i]);
	}
	rte_free(c->c_m);
	rte_free(c->c_ts);
	rte_mempool_free(c->c_pool);
	memset(c, 0, sizeof(*c));
}

/*
 * Reads every frame of path through a net_pcap port into mbufs kept in c.
 * The vdev is plugged through EAL hotplug, which is rte_vdev_init() without
 * linking librte_bus_vdev (not in libdpdk.pc).
 */
static int
capture_load(struct capture *c, const char *path)
{
	static const char vdev[] = "net_pcap_bench";
	struct dp_port_conf pc;
	struct dp_port port;
	struct rte_eth_stats es;
	char dev[PATH_MAX + 64], args[PATH_MAX + 16], err[256];
	uint32_t frames;
	int rv;

	memset(c, 0, sizeof(*c));
	if ((rv = capture_scan(path, &frames, &c->c_segs)) < 0)
		return (rv);
	c->c_m = rte_malloc("bench_mbufs", sizeof(c->c_m[0]) * frames, 0);
	c->c_pool = rte_pktmbuf_pool_create("bench_pcap", c->c_segs + BENCH_RX_DESC, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (c->c_m == NULL || c->c_pool == NULL) {
		fprintf(stderr,
			PROG ": no memory for %" PRIu32 " frames in %" PRIu32
			     " mbufs (raise --memory): %s\n",
			frames, c->c_segs, rte_strerror(rte_errno));
		capture_free(c);
		return (-ENOMEM);
	}
	snprintf(args, sizeof(args), "rx_pcap=%s", path);
	snprintf(dev, sizeof(dev), "%s,%s", vdev, args);
	if ((rv = rte_eal_hotplug_add("vdev", vdev, args)) != 0) {
		fprintf(stderr, PROG ": cannot create %s on '%s': %s\n", vdev, path,
			rte_strerror(-rv));
		capture_free(c);
		return (rv);
	}
	memset(&pc, 0, sizeof(pc));
	pc.pc_dev = dev;
	pc.pc_is_vdev = true;
	pc.pc_rx_queues = 1;
	pc.pc_rx_desc = BENCH_RX_DESC;
	if ((rv = dp_port_setup(&port, &pc, c->c_pool, err, sizeof(err))) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rte_eal_hotplug_remove("vdev", vdev);
		capture_free(c);
		return (rv);
	}
	while (c->c_n < frames) {
		uint16_t want = (uint16_t)RTE_MIN(BENCH_BURST, frames - c->c_n);
		uint16_t got = rte_eth_rx_burst(port.p_id, 0, &c->c_m[c->c_n], want);

		if (got == 0)
			break;
		for (uint16_t i = 0; i < got; i++)
			if (c->c_m[c->c_n + i]->nb_segs > 1)
				c->c_multi++;
		c->c_n += got;
	}
	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(port.p_id, &es);
	dp_port_close(&port);
	rte_eal_hotplug_remove("vdev", vdev);
	if (c->c_n != frames) {
		fprintf(stderr,
			PROG ": '%s': net_pcap delivered %" PRIu32 " of %" PRIu32
			     " frames (%" PRIu64 " without an mbuf, %" PRIu64 " errors)\n",
			path, c->c_n, frames, es.rx_nombuf, es.ierrors);
		capture_free(c);
		return (-EIO);
	}
	if ((rv = capture_rebase(c)) < 0) {
		capture_free(c);
		return (rv);
	}
	return (0);
}

/* One pass over the capture, its times shifted by offset. */
static unsigned
capture_pass(struct dp_worker *w, struct capture *c, uint64_t offset)
{
	unsigned records = 0, bursts = 0;

	for (uint32_t i = 0; i < c->c_n; i += BENCH_BURST) {
		uint16_t n = (uint16_t)RTE_MIN(BENCH_BURST, c->c_n - i);
		struct rte_mbuf **m = &c->c_m[i];

		for (uint16_t k = 0; k < n; k++) {
			rte_pktmbuf_refcnt_update(m[k], 1);
			*bench_ts(m[k]) = c->c_ts[i + k] + offset;
		}
		bench_burst(w, m, n);
		if ((++bursts & BENCH_DRAIN_MASK) == 0)
			records += bench_records_drain(w);
	}
	return (records + bench_records_drain(w));
}

int
bench_capture_run(const struct bench_opts *o)
{
	struct flow_table_stats st0, st1;
	struct dp_lcore_stats ls;
	struct run_result r = { 0 };
	struct dp_worker *w;
	struct capture c;
	uint64_t t0, cpu0, limit, records, pass = 0;
	int rv;

	if ((rv = capture_load(&c, o->bo_pcap)) < 0)
		return (rv);
	if ((w = bench_worker_make(BENCH_PCAP_CAP)) == NULL) {
		capture_free(&c);
		return (-ENOMEM);
	}
	printf("fastpath (a) capture %s: %" PRIu32 " frames in %" PRIu32 " mbufs (%" PRIu32
	       " multi-segment), looped in memory\n",
		o->bo_pcap, c.c_n, c.c_segs, c.c_multi);
	/* One pass to warm the table and the caches, not measured. */
	capture_pass(w, &c, pass++ * c.c_span_ns);
	flow_table_stats(w->w_ft, &st0);
	ls = w->w_stats;
	limit = (uint64_t)(o->bo_seconds * (double)rte_get_tsc_hz());
	cpu0 = bench_cpu_ns();
	t0 = rte_rdtsc();
	do {
		r.rr_records += capture_pass(w, &c, pass++ * c.c_span_ns);
		r.rr_passes++;
		r.rr_cycles = rte_rdtsc() - t0;
	} while (r.rr_cycles < limit);
	r.rr_cpu_ns = bench_cpu_ns() - cpu0;
	r.rr_pkts = r.rr_passes * c.c_n;
	flow_table_stats(w->w_ft, &st1);
	records = r.rr_records / r.rr_passes;
	printf("fastpath (a) %" PRIu64 " passes, %" PRIu64 " packets in %.2f s; per pass: %" PRIu64
	       " flows created, %" PRIu64 " flow records, %" PRIu64 " to L4, %" PRIu64 " not IP\n",
		r.rr_passes, r.rr_pkts, (double)r.rr_cycles / (double)rte_get_tsc_hz(),
		(st1.fs_created - st0.fs_created) / r.rr_passes, records,
		(w->w_stats.ls_l4 - ls.ls_l4) / r.rr_passes,
		(w->w_stats.ls_not_ip - ls.ls_not_ip) / r.rr_passes);
	bench_print_rate("fastpath (a) capture", &r, "");
	bench_worker_drop(w);
	capture_free(&c);
	return (0);
}
