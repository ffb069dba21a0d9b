/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-window summaries for the fleet (c2_summary events with a "summary"
 * member, core/include/mamori/summary.h): per external destination, the
 * distinct subscribers with low-volume flows to it (a HyperLogLog sketch)
 * and, per (subscriber, destination) pair, the statistics of the intervals
 * between its flows.  Windows are aligned to the Unix epoch and follow the
 * records' time, not the clock.
 *
 * Memory is fixed at creation: sk_max_dest destinations (about 1.1 KiB each,
 * the sketch included) and SK_PAIRS_PER_DEST times as many pairs (56 bytes
 * each).  Records of a destination beyond the cap, and new pairs beyond
 * theirs, are counted and left out of the window's summary.
 */
#ifndef C2_SKETCH_H
#define C2_SKETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <mamori/summary.h>

#define SK_PAIRS_PER_DEST 16

struct sk_dest {
	uint8_t d_dst[16];
	uint16_t d_port;
	uint8_t d_proto;
	uint8_t d_untracked; /* a client of it found the pair table full */
	uint32_t d_clients;  /* distinct clients with a pair entry */
	uint64_t d_flows;
	struct mm_hll d_hll;
};

struct sk_pair {
	uint8_t sp_src[16];
	uint32_t sp_dest;  /* index into sk_d */
	uint32_t sp_first; /* first flow in the window, Unix s */
	uint32_t sp_last;  /* the latest flow */
	uint32_t sp_pad;
	struct mm_pair_stats sp_st;
};

struct c2_sketch {
	uint32_t sk_window; /* s; 0: no summaries */
	uint32_t sk_max_dest;
	uint32_t sk_max_pairs;
	uint32_t sk_start;  /* start of the current window, Unix s; 0: none yet */
	uint32_t sk_latest; /* latest record time in it */
	bool sk_dirty;      /* changed since its summary was last taken */
	struct sk_dest *sk_d;
	uint32_t sk_nd;
	uint32_t *sk_dindex; /* open addressing: index + 1 */
	uint32_t sk_dmask;
	struct sk_pair *sk_p;
	uint32_t sk_np;
	uint32_t *sk_pindex;
	uint32_t sk_pmask;
	uint64_t sk_cut_records; /* this window: records of destinations over the cap */
	uint64_t sk_cut_pairs;   /* this window: clients over the pair cap */
	uint64_t sk_cut_total;   /* records left out, since the start */
	uint64_t sk_windows;     /* summaries made */
};

/* Returns 0, -EINVAL or -ENOMEM; window in s (0: off), max_dest destinations a window. */
int sk_init(struct c2_sketch *s, uint32_t window, uint32_t max_dest);
void sk_fini(struct c2_sketch *s);
/* True when a record at time t (Unix s) ends the current window: take it with sk_take first. */
bool sk_ends_window(const struct c2_sketch *s, uint32_t t);
/* Notes the time of a record (every record, counted or not): opens the window. */
void sk_clock(struct c2_sketch *s, uint32_t t);
/* A low-volume flow from src (subscriber) to dst:port/proto that began at first. */
void sk_add(struct c2_sketch *s, const uint8_t src[16], const uint8_t dst[16], uint16_t port,
	uint8_t proto, uint32_t first);
/*
 * The open window's c2_summary event (a json_t *), NULL when there is none,
 * it has not changed since last taken, or out of memory.  With close, the
 * window is emptied (the next record opens another); without, it stays open
 * and a later summary of it, a superset, replaces this one downstream.
 */
void *sk_take(struct c2_sketch *s, bool close);

#endif /* C2_SKETCH_H */
