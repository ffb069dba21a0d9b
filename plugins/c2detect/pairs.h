/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pair table: bounded state per (source, destination, port, protocol)
 * and per (source, destination), fed with connection records, scored with
 * beacon.h over a sliding window.
 *
 * Memory is fixed at creation: pt_max entries of sizeof(struct pt_pair)
 * (under 1 KiB) and a hash index.  A pair keeps its last PT_SAMPLES
 * connections exactly (times and bytes: the timestamp and data-size scores)
 * and a histogram of PT_FINE counters whose width doubles as the pair ages
 * (the histogram and duration scores).  When the table is full, a new pair
 * replaces the least valuable of PT_EVICT_SAMPLE entries looked at from a
 * clock hand: one with fewer than 4 connections (no beacon yet) before one
 * that could be scored, and among those the longest idle.
 */
#ifndef C2_PAIRS_H
#define C2_PAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon.h"

#define PT_SAMPLES      48
#define PT_FINE         96
#define PT_MAX_SHIFT    20
#define PT_EVICT_SAMPLE 16

struct pt_key {
	uint8_t k_src[16]; /* the internal side (IPv4 mapped) */
	uint8_t k_dst[16]; /* the external side */
	uint16_t k_port;   /* destination port; 0 for a host pair */
	uint8_t k_proto;   /* 0 for a host pair */
	uint8_t k_host;    /* 1: the (source, destination) pair over every port */
};

/* One connection record, as the table wants it. */
struct pt_conn {
	uint32_t c_first; /* first packet, Unix s */
	uint32_t c_last;  /* last packet, Unix s */
	uint64_t c_bytes; /* bytes source -> destination */
	uint64_t c_bytes_back;
	uint16_t c_sport;
	uint16_t c_dport;
	bool c_goes_on; /* the session continues (active timeout, no FIN/RST seen) */
	bool c_failed;  /* no answer, or reset without data */
};

/* One connection kept exactly: its start and the bytes its source sent. */
struct pt_sample {
	uint32_t s_ts;
	uint32_t s_bytes;
};

struct pt_pair {
	struct pt_key p_key;
	uint32_t p_next;    /* hash chain: index + 1, 0 ends it */
	uint32_t p_first;   /* first connection start in the table */
	uint32_t p_last;    /* last connection start */
	uint32_t p_seen;    /* last packet of the last record */
	uint32_t p_conns;   /* connections (stitched sessions count once) */
	uint32_t p_records; /* records, stitched ones included */
	uint32_t p_long;    /* longest session, s */
	uint32_t p_dursum;  /* time covered by the records, s */
	uint32_t p_anchor;  /* start of p_fine[0] */
	uint64_t p_bytes;   /* bytes source -> destination */
	uint64_t p_bytes_back;
	uint16_t p_sess_sport; /* the last session, for stitching */
	uint16_t p_sess_dport;
	uint8_t p_sess_open;
	uint8_t p_shift; /* p_fine bins are 2^p_shift s wide */
	uint8_t p_head;  /* next sample slot */
	uint8_t p_nsamples;
	uint8_t p_dirty; /* new connections since the last scoring */
	uint8_t p_level; /* highest level reported: 0 none, 1 low, 2 medium, 3 high */
	uint8_t p_used;
	uint8_t p_evidence; /* payload evidence seen: C2_EV_* bits */
	float p_score;      /* last bucketed score */
	uint64_t p_ports;   /* destination ports seen, one bit per port hash (host pairs) */
	uint32_t p_failed;  /* connections without an answer or reset */
	float p_tsscore;    /* last timestamp score */
	float p_period;     /* last median inter-arrival time, s */
	float p_jitter;     /* last MADM of the inter-arrival times, s */
	uint16_t p_fine[PT_FINE];
	struct pt_sample p_s[PT_SAMPLES]; /* a ring, p_head next */
};

struct pt_stats {
	uint64_t ps_records;
	uint64_t ps_stitched;
	uint64_t ps_created;
	uint64_t ps_evicted;        /* pairs replaced because the table was full */
	uint64_t ps_evicted_scored; /* of which had 4 or more connections */
	uint64_t ps_expired;        /* pairs idle for a whole window */
};

struct pt_table {
	struct pt_pair *t_v;
	uint32_t *t_index; /* hash buckets: index + 1 */
	uint32_t t_max;
	uint32_t t_mask;
	uint32_t t_used;
	uint32_t t_hwm;    /* entries handed out so far (below it: used or free) */
	uint32_t t_free;   /* free list through p_next: index + 1 */
	uint32_t t_hand;   /* eviction clock hand */
	uint32_t t_window; /* s */
	uint32_t t_origin; /* first record the table saw, Unix s */
	uint32_t t_now;    /* latest record time, Unix s */
	struct pt_stats t_st;
};

/* Returns 0 or -ENOMEM; max is the number of pairs, window in seconds. */
int pt_init(struct pt_table *t, uint32_t max, uint32_t window);
void pt_fini(struct pt_table *t);
/* Memory the table holds, bytes. */
size_t pt_memory(const struct pt_table *t);

/* Adds one record to the pair (created, or replacing another when full). */
struct pt_pair *pt_add(struct pt_table *t, const struct pt_key *k, const struct pt_conn *c);
/*
 * Adds n records (n <= PT_BURST), fetching their hash buckets and entries
 * ahead of use: the table is far larger than the caches.  pairs[i] (when not
 * NULL) gets record i's pair.
 */
#define PT_BURST 64
#define PT_AHEAD 16 /* records between fetching a line and using it */
void pt_add_burst(struct pt_table *t, const struct pt_key *k, const struct pt_conn *c, unsigned n,
	struct pt_pair **pairs);
struct pt_pair *pt_find(const struct pt_table *t, const struct pt_key *k);
/* Frees pairs idle for a whole window; returns how many. */
uint32_t pt_expire(struct pt_table *t);

/* The window the table scores over: [max(now - window, origin), now]. */
void pt_window(const struct pt_table *t, double *ws, double *we);

/*
 * Scores a pair over the window.  work holds 2 * PT_SAMPLES doubles.
 * Returns the number of distinct connection times in the window; the score
 * is valid when it is BC_MIN_TIMESTAMPS or more.  *conns is the number of
 * connections in the window.
 */
size_t pt_score(const struct pt_table *t, const struct pt_pair *p, double *work,
	struct bc_score *out, double *conns);

/* Iteration: the next used entry from *cursor, or NULL at the end. */
struct pt_pair *pt_next(struct pt_table *t, uint32_t *cursor);

#endif /* C2_PAIRS_H */
