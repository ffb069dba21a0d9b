/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fastpath's parts: the options, the worker every part drives, and the
 * loop helpers.  bench_fastpath.c starts EAL and runs (a), bench_capture.c,
 * then (b), bench_synth.c.
 */
#ifndef BENCH_FASTPATH_H
#define BENCH_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "flowtable.h"
#include "worker.h"

#define PROG "bench_fastpath"

#define BENCH_BURST      32
#define BENCH_EXPIRE     64         /* flows ended per burst at most, as dp_worker_main() does */
#define BENCH_DRAIN_MASK 15         /* drain the record ring every 16 bursts */
#define BENCH_FLOWS_MAX  (1U << 30) /* (b): 2^24 source addresses x 64 source ports */

struct bench_opts {
	const char *bo_pcap;   /* (a) capture; NULL runs (b) only */
	double bo_seconds;     /* measured time of each part */
	uint32_t bo_flows;     /* (b) flows */
	uint32_t bo_capacity;  /* (b) flow table capacity */
	unsigned bo_memory_mb; /* EAL -m */
	bool bo_skip_synth;    /* run (a) only */
	bool bo_refcnt;        /* (b): reuse frames by reference count, not through the pool */
};

/* What one measured run did. */
struct run_result {
	uint64_t rr_pkts;
	uint64_t rr_cycles; /* TSC, wall time */
	uint64_t rr_cpu_ns; /* CPU time of this thread */
	uint64_t rr_passes;
	uint64_t rr_records; /* drained from the record ring */
};

/* The workers' shared state: the timestamp dynfield above all. */
extern struct dp_workers bench_ws;

/* A worker with a capacity-flow table and the default configuration's timeouts. */
struct dp_worker *bench_worker_make(uint32_t capacity);
void bench_worker_drop(struct dp_worker *w);
/* Takes what the control thread would; returns the number of records. */
unsigned bench_records_drain(struct dp_worker *w);
/* CPU time of the calling thread, ns. */
uint64_t bench_cpu_ns(void);
void bench_print_rate(const char *what, const struct run_result *r, const char *goal);

/* (a) and (b); 0 or a negative errno, the reason printed. */
int bench_capture_run(const struct bench_opts *o);
int bench_synth_run(const struct bench_opts *o);

static inline uint64_t *
bench_ts(struct rte_mbuf *m)
{
	return (RTE_MBUF_DYNFIELD(m, bench_ws.ws_ts_offset, uint64_t *));
}

/* The work of one burst: what dp_worker_main() does with a burst it received. */
static inline void
bench_burst(struct dp_worker *w, struct rte_mbuf **m, uint16_t n)
{
	dp_worker_process(w, m, n);
	flow_table_expire(w->w_ft, flow_table_now(w->w_ft), BENCH_EXPIRE);
}

#endif /* BENCH_FASTPATH_H */
