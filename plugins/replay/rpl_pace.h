/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pacing on the TSC.  The engine's frames are preloaded once into mbufs;
 * each send takes one more reference, so loops cost no copy.  Frame i of
 * the schedule leaves at t0 + e_t_ns on the TSC — an absolute schedule, so a
 * late frame makes no later frame late — or as fast as the sink takes them
 * (top speed).  The lateness of every frame (the TSC when the port call
 * that took it began, minus its due time) is kept, and its percentiles
 * reported; what the port itself then takes is the port's.
 */
#ifndef RPL_PACE_H
#define RPL_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "rpl_engine.h"

/*
 * A sink takes n frames, each with one reference the pacer took for it, and
 * returns how many it accepted (it then owns their reference).  The pacer
 * offers the rest again.
 */
typedef uint16_t (*rpl_tx_fn)(void *arg, struct rte_mbuf **pkts, uint16_t n);

struct rpl_pace_conf {
	bool pc_topspeed;
	uint16_t pc_burst;          /* frames per hand-off at most (top speed, or when late) */
	uint64_t pc_lead_ns;        /* t0 is this far after the start of rpl_pace_run */
	volatile bool *pc_stop;     /* set to end the run early; may be NULL */
	volatile uint64_t *pc_sent; /* progress, for another thread to read; may be NULL */
	volatile uint64_t *pc_t0;   /* set to the t0 wall clock once known; may be NULL */
	/*
	 * A t0 given by the caller (TSC and the wall clock at that TSC), so that
	 * several lanes share one schedule zero; 0: the start plus pc_lead_ns.
	 * Even at top speed nothing leaves before it, so lanes start together.
	 */
	uint64_t pc_t0_tsc;
	uint64_t pc_t0_wall_ns;
	bool pc_keep_errs; /* hand the frames' lateness over in pr_errs (for rpl_pace_merge) */
};

struct rpl_pace_result {
	uint64_t pr_sent;
	uint64_t pr_bytes;
	uint64_t pr_retries;    /* hand-offs the sink refused at first (back-pressure) */
	uint64_t pr_t0_ns;      /* wall clock (CLOCK_REALTIME) of the schedule's zero */
	uint64_t pr_elapsed_ns; /* from t0 to the last hand-off */
	/* Lateness of the frames against their schedule, ns (paced runs only). */
	uint64_t pr_err_p50;
	uint64_t pr_err_p99;
	uint64_t pr_err_max;
	double pr_err_mean;
	bool pr_stopped;
	uint64_t *pr_errs; /* each frame's lateness, ns, with pc_keep_errs; rpl_pace_result_fini */
	size_t pr_nerrs;
};

struct rpl_pool {
	struct rte_mempool *pl_mp;
	struct rte_mbuf **pl_pkts; /* one per engine frame */
	size_t pl_n;
};

/* Preloads every frame of en into mbufs of a pool of its own (name must be unique). */
int rpl_pool_load(struct rpl_pool *pl, const struct rpl_engine *en, const char *name, int socket,
	char *err, size_t errlen);
void rpl_pool_fini(struct rpl_pool *pl);

/*
 * Sends a schedule (the engine's, or one lane of it) of pl's frames; returns
 * 0 or -ENOMEM (no room to keep the timing errors).
 */
int rpl_pace_run(const struct rpl_sched *sc, const struct rpl_pool *pl, rpl_tx_fn tx, void *arg,
	const struct rpl_pace_conf *conf, struct rpl_pace_result *res);
/*
 * The figures of n lanes run together (each with pc_keep_errs) as one run:
 * counts added, the longest elapsed time, percentiles over every frame.
 * Returns 0 or -ENOMEM.
 */
int rpl_pace_merge(struct rpl_pace_result *sum, const struct rpl_pace_result *lanes, unsigned n);
void rpl_pace_result_fini(struct rpl_pace_result *res);

#endif /* RPL_PACE_H */
