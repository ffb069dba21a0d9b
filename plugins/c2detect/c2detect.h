/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * c2detect's state, shared by its modules: the lcore rings, the global block
 * (configuration, pair table, feeds, marks) and the functions each module
 * gives the others.
 */
#ifndef C2_C2DETECT_H
#define C2_C2DETECT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <mamori/plugin.h>

#include "allow.h"
#include "export.h"
#include "fanin.h"
#include "feeds.h"
#include "pairs.h"
#include "sketch.h"

#define C2_RING        65536 /* observations per lcore ring (power of two) */
#define C2_MAX_SOURCES 64    /* worker lcores and flow collectors */
#define C2_FULL_SPINS  20000 /* pauses (about 100 us) a lcore waits on a full ring */
#define C2_EVAL_STEP   4096  /* pairs scored between two drains of the rings */

#define C2_DIR_OUTBOUND 1 /* subscriber initiates to the outside */
#define C2_DIR_INBOUND  2 /* the outside initiates to a subscriber */

#define C2_OBS_GOES_ON  0x01
#define C2_OBS_FAILED   0x02
#define C2_OBS_EVIDENCE 0x08 /* a payload match, o_bytes holds C2_EV_* bits */

#define C2_EV_MIRAI_HELLO  0x01 /* bot to C&C: 00 00 00 01, id length, id */
#define C2_EV_MIRAI_REPORT 0x02 /* scan result to the report server (TCP 48101) */

/* One flow record as the analysis thread needs it: 64 bytes. */
struct c2_obs {
	uint8_t o_int[16]; /* the subscriber side */
	uint8_t o_ext[16]; /* the outside */
	uint32_t o_first;  /* Unix s */
	uint32_t o_last;
	uint64_t o_bytes; /* initiator -> responder */
	uint64_t o_bytes_back;
	uint16_t o_sport;
	uint16_t o_dport;
	uint8_t o_proto;
	uint8_t o_flags; /* C2_OBS_* */
	uint8_t o_pad[2];
};

/* Per lcore: a single-producer, single-consumer ring to the analysis thread. */
struct c2_lcore {
	uint32_t lc_head __attribute__((aligned(64))); /* written by the lcore */
	uint32_t lc_shutdown;                          /* a shutdown flush was seen */
	uint32_t lc_tail __attribute__((aligned(64))); /* written by the analysis thread */
	struct c2_obs lc_ring[C2_RING] __attribute__((aligned(64)));
};

struct c2_global {
	const struct mm_host *g_host;
	struct mm_plugin_ctx *g_ctx;
	struct c2_lcore *g_lc[C2_MAX_SOURCES];
	unsigned g_nlc;

	/* Configuration (plugins.c2detect.*). */
	uint32_t g_window; /* s */
	uint32_t g_max_pairs;
	uint32_t g_eval_interval; /* s of packet time */
	unsigned g_dir;           /* C2_DIR_* */
	bool g_host_pairs;
	bool g_payload;
	double g_report_min;  /* bucketed beacon score to report */
	double g_fanin_min;   /* fan-in score to report */
	double g_max_failed;  /* share of unanswered connections tolerated */
	uint32_t g_max_ports; /* distinct ports beyond which a host pair is a scan */
	struct fi_params g_fp;
	uint16_t *g_ignore_ports;
	size_t g_nignore_ports;
	struct c2_set g_allow;     /* allow-list: config, file, operator marks */
	struct c2_set g_confirmed; /* servers an operator confirmed */
	struct c2_set g_infected;  /* known-infected devices */
	char *g_infected_path;     /* infected_file, or NULL: iotsense's quarantine list */
	int64_t g_infected_mtime;
	struct c2_feeds g_feeds;
	char *g_export_dir;
	uint32_t g_sum_window;   /* s of packet time; 0: no fleet summaries */
	uint32_t g_sum_max_dest; /* destinations a summary holds at most */

	/*
	 * The analysis thread drains the rings and owns the table; g_lock keeps
	 * reloads of the lists out of its way.  What it has to say (events, log
	 * lines) waits in g_out for the control thread's next tick.
	 */
	pthread_t g_thread;
	pthread_mutex_t g_lock;
	pthread_mutex_t g_out_lock;
	struct c2_out *g_out_head;
	struct c2_out **g_out_tail;
	bool g_thread_started;
	int g_stop;           /* atomic: the thread ends */
	uint64_t g_eval_req;  /* atomic: scoring rounds asked by the control thread */
	uint64_t g_eval_done; /* atomic: the last one done */
	uint64_t g_consumed;  /* atomic: observations taken from the rings */
	uint64_t g_tick_consumed;
	char *g_state_dir; /* atomic pointer, set by the control thread */
	int g_sum_flush;   /* atomic: the input ended, the open window is summarised */

	/* State of the analysis thread. */
	struct pt_table g_pt;
	double *g_work;
	uint32_t g_last_eval;   /* record time (s) that began the last round; 0: none yet */
	uint32_t g_round_at;    /* g_round_due: the time of the record that made it due */
	bool g_round_due;       /* a record eval_interval past g_last_eval waits for a round */
	uint32_t g_eval_cursor; /* a round in steps: the next pair */
	size_t g_eval_det;      /* detections when the round began */
	bool g_evaluating;
	int g_pending; /* atomic: records since the last scoring */
	struct c2_detections g_det;
	struct c2_servers g_srv;
	struct c2_sketch g_sk; /* the open window's fleet summary */
	uint64_t g_skipped;    /* records of allow-listed servers or ignored ports */
	uint64_t g_strobes;
	uint64_t g_unanswered;
	uint64_t g_scans;
	uint64_t g_beacons_reported;
	uint64_t g_fanins_reported;

	/* Counters. */
	int g_cnt_records;
	int g_cnt_ring_full;
	int g_cnt_evidence;
};

/* A line of the plugin's output, handed to the control thread. */
struct c2_out {
	struct c2_out *o_next;
	void *o_event; /* json_t *, or NULL for a log line */
	int o_level;
	char o_msg[256];
};

/* c2detect.c: from the analysis thread, for the control thread to pass on. */
void c2_out_event(struct c2_global *g, void *ev);
void c2_out_log(struct c2_global *g, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The plugin's state directory, or NULL until the host could make it. */
const char *c2_state_dir(struct c2_global *g);

/* config.c */
int c2_config_read(struct c2_global *g);
int c2_config_lists(struct c2_global *g);
void c2_config_fini(struct c2_global *g);
/* Re-reads the known-infected devices when their file changed. */
void c2_infected_refresh(struct c2_global *g);

/* report.c */
/* Adds up to PT_BURST / 2 observations to the pair table. */
void c2_observe_burst(struct c2_global *g, const struct c2_obs *obs, unsigned n);
/*
 * A scoring round (every pair with new connections, then fan-in, the exports
 * and the summary) in steps of at most budget pairs, so that draining goes on
 * between them; c2_evaluate_step returns true when the round is complete.
 */
void c2_evaluate_begin(struct c2_global *g);
bool c2_evaluate_step(struct c2_global *g, uint32_t budget);
/*
 * Hands the open window's fleet summary to the control thread: closing it
 * (its time is over), or not (the input ended: records that still come
 * extend it, and its next summary replaces this one).
 */
void c2_summary_flush(struct c2_global *g, bool close);

#endif /* C2_C2DETECT_H */
