/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schedule: every frame of every source, every loop, with the time it
 * leaves relative to the run's start.  Times are absolute on the run's
 * clock — frame i of loop k of a source leaves at
 *	start + k * loop_span + (ts_i - ts_0) / speed
 * (or start + k * loop_span + i / pps) — so nothing drifts across frames or
 * loops whatever the pacer's own delays.  A loop's span is the source's
 * scaled length plus loop_delay, or plus one mean frame gap when no delay is
 * given, so a looped capture goes on at its own rate.
 */
#ifndef RPL_SCHED_H
#define RPL_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "rpl_src.h"

struct rpl_play {
	uint64_t p_start_ns;      /* offset of the source's first frame in the run */
	double p_speed;           /* multiplier of the capture's own timing (> 0) */
	uint64_t p_pps;           /* fixed rate instead of the capture's timing (0: none) */
	uint32_t p_loops;         /* times the source is played (>= 1) */
	uint64_t p_loop_delay_ns; /* pause between loops (0: one mean frame gap) */
};

struct rpl_ent {
	uint64_t e_t_ns; /* when the frame leaves, ns after the run's start */
	uint32_t e_pkt;  /* global frame index: sources back to back */
	uint32_t e_src;
};

struct rpl_sched {
	struct rpl_ent *sc_ent;
	size_t sc_n;
	uint64_t sc_end_ns; /* the last frame's time */
};

/* speed 1, one loop, no start offset. */
void rpl_play_defaults(struct rpl_play *p);
/*
 * Builds the schedule of nsrc sources; returns 0, or -ENOMEM / -E2BIG (more
 * than 2^32 - 1 frames) with err set.
 */
int rpl_sched_build(struct rpl_sched *sc, const struct rpl_src *srcs, const struct rpl_play *plays,
	unsigned nsrc, char *err, size_t errlen);
/* Offset in the run of frame i of loop k of a source. */
uint64_t rpl_sched_frame_ns(
	const struct rpl_src *src, const struct rpl_play *play, uint32_t loop, size_t i);
void rpl_sched_fini(struct rpl_sched *sc);

#endif /* RPL_SCHED_H */
