/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores.  Each worker owns RX queues, a flow table and two rings: an
 * inbound ring of mbufs when a queue without hardware RSS feeds several
 * workers (the queue's owner dispatches with rte_softrss and the symmetric
 * key, so both directions of a flow meet on one lcore), and, through the
 * plugin host, an outbound ring of events to the control thread.  Workers never call malloc, locks,
 * logging or I/O.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "decode.h"
#include "flowtable.h"
#include "hsvc.h"
#include "plugins.h"
#include "port.h"
#include "settings.h"

#define DP_MAX_WORKERS 64
#define DP_MAX_RXQ     32

/* Counters written by one lcore only and read by the control thread. */
struct dp_lcore_stats {
	uint64_t ls_rx_pkts; /* received from the lcore's own queues */
	uint64_t ls_rx_bytes;
	uint64_t ls_pkts; /* processed here (own and dispatched) */
	uint64_t ls_bytes;
	uint64_t ls_dispatched;     /* handed to another worker */
	uint64_t ls_dispatch_drops; /* another worker's ring was full */
	uint64_t ls_l4;             /* decoded to the transport header */
	uint64_t ls_l3;             /* IP, but no usable transport header */
	uint64_t ls_not_ip;         /* not IP: no flow */
	uint64_t ls_anomalies[DP_AN__COUNT];
	uint64_t ls_records;     /* flow records: ended flows and active-timeout reports */
	uint64_t ls_matches;     /* pattern matches handed to plugins */
	uint64_t ls_scan_errors; /* Hyperscan failed on a payload */
	uint64_t ls_busy_cycles; /* TSC cycles spent on bursts that carried packets */
	uint64_t ls_cycles;      /* TSC cycles in the loop */
} __rte_cache_aligned;

struct dp_rxq {
	uint16_t q_port;
	uint16_t q_queue;
	bool q_pcap_ts;  /* convert the capture timestamp (us) */
	bool q_dispatch; /* spread over all workers with rte_softrss */
};

struct dp_worker {
	struct dp_lcore_stats w_stats;
	unsigned w_index; /* 0..nworkers-1 */
	unsigned w_lcore;
	struct dp_rxq w_rxq[DP_MAX_RXQ];
	unsigned w_nrxq;
	struct rte_ring *w_in; /* mbufs from dispatchers */
	struct flow_table *w_ft;
	struct dp_streams *w_streams; /* stream scope: the opening bytes of TCP directions */
	struct plg_set *w_plugins;    /* hooks; events leave through their rings */
	struct dp_workers *w_all;
	uint16_t w_burst;
	bool w_backpressure;        /* offline: wait for ring space instead of dropping */
	volatile bool w_done;       /* flushed and finished */
	const struct dp_gen *w_gen; /* the generation of the current loop */
};

/*
 * What workers read through RCU.  A reload builds a new generation off the
 * fast path, publishes it with one pointer store, waits until every worker
 * has passed a quiescent point (rte_rcu_qsbr), then frees the old one.  No
 * packet waits for a reload.
 */
struct dp_gen {
	uint64_t g_id;
	struct mm_prefix_set g_home_net; /* subscribers: plugins ask through the host */
	struct hsvc_gen *g_patterns;     /* compiled pattern databases, or NULL */
	struct dp_gen *g_next;           /* replaced, waiting for its streams to end */
};

struct dp_workers {
	struct dp_worker *ws_v[DP_MAX_WORKERS];
	unsigned ws_n;
	int ws_ts_offset; /* mbuf dynfield holding the packet time in ns */
	uint64_t ws_ts_flag;
	volatile bool ws_stop;       /* set by the control thread */
	rte_atomic32_t ws_rx_active; /* workers still draining their queues */
	uint64_t ws_tsc_hz;
	uint64_t ws_base_ns; /* wall clock at ws_base_tsc */
	uint64_t ws_base_tsc;
	struct dp_gen *ws_gen;       /* the current generation (RCU) */
	struct rte_rcu_qsbr *ws_qsv; /* one reader per worker, by index */
};

/*
 * Creates worker index on lcore with its rings and flow table.  offline:
 * nothing may be dropped, so full rings are waited on.  NULL on failure
 * (rte_errno tells why).
 */
struct dp_worker *dp_worker_create(struct dp_workers *ws, unsigned index, unsigned lcore,
	const struct dp_settings *s, bool offline, struct plg_set *plugins);
void dp_worker_free(struct dp_worker *w);

/* Allocates the RCU state for ws->ws_n workers; 0 or a negative errno. */
int dp_gen_init(struct dp_workers *ws);
/*
 * Publishes g as the current generation and returns the previous one once no
 * worker can still see it (the caller frees it).  Control thread only.
 */
struct dp_gen *dp_gen_publish(struct dp_workers *ws, struct dp_gen *g);
void dp_gen_fini(struct dp_workers *ws);

/* The lcore entry point for rte_eal_remote_launch(); arg is a struct dp_worker. */
int dp_worker_main(void *arg);

/*
 * Processes a burst on w: decode, flow accounting, free.  Each mbuf carries
 * its time in ns in the timestamp dynfield.  Exposed for benchmarks and tests
 * that feed mbufs without a port.
 */
void dp_worker_process(struct dp_worker *w, struct rte_mbuf **m, uint16_t n);

/* The worker index for a decoded packet (symmetric softrss over the 5-tuple). */
unsigned dp_dispatch_hash(const struct dp_pkt *p, unsigned nworkers);

/* Wall-clock ns from the TSC, for inputs without capture timestamps. */
uint64_t dp_clock_ns(const struct dp_workers *ws);

#endif /* DP_WORKER_H */
