/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's data layer: what mamorid and the store said, rates computed
 * from successive polls, histories for sparklines, the live tail, and the
 * typed event lists of the plugin screens.  Screens read it; only this layer
 * talks to the sockets.  No curses.
 */
#ifndef UI_MODEL_H
#define UI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ui_event.h"
#include "ui_link.h"
#include "ui_tail.h"

#define UI_HIST_MAX    720 /* samples kept: 12 minutes at one a second */
#define UI_MAX_PORTS   16
#define UI_TAIL_CAP    10000 /* events the live tail keeps */
#define UI_FILL_LIMIT  500   /* events a fill or a filter search asks for */
#define UI_TABLE_LIMIT 500   /* events per type a plugin screen asks for */

/* Request timeouts: short, so that a peer that stops answering shows soon. */
#define UI_POLL_TIMEOUT_MS   2000
#define UI_QUERY_TIMEOUT_MS  8000
#define UI_RELOAD_TIMEOUT_MS 120000 /* a reload recompiles patterns */

/* Channels of a req link: polls, and what a person asked for. */
#define UI_CHAN_POLL 0
#define UI_CHAN_ACT  1

struct ui_hist {
	double h_v[UI_HIST_MAX];
	uint64_t h_count; /* samples pushed so far */
};

void ui_hist_push(struct ui_hist *h, double v);
/*
 * The newest samples averaged in buckets of k (aligned on multiples of k, so
 * a column keeps its samples as time goes on), oldest first, at most n;
 * returns how many were written.
 */
size_t ui_hist_buckets(const struct ui_hist *h, unsigned k, double *out, size_t n);

struct ui_port {
	char p_name[48];
	uint64_t p_pkts;
	uint64_t p_bytes;
	uint64_t p_imissed;
	uint64_t p_nombuf;
	uint64_t p_ierrors;
	double p_pps;
	double p_bps;
	struct ui_hist p_hpps;
};

/* mamorid, through its control socket. */
struct ui_daemon {
	struct ui_link d_link;
	json_t *d_status;    /* the last "status" body, or NULL */
	json_t *d_stats;     /* the last "stats" body, or NULL */
	uint64_t d_stats_ms; /* when it came (monotonic ms) */
	double d_elapsed;    /* its elapsed_s, to rate the next one */
	bool d_rated;        /* two polls of one run seen: rates mean something */
	struct ui_port d_ports[UI_MAX_PORTS];
	unsigned d_nports;
	uint64_t d_pkts; /* totals of the last poll */
	uint64_t d_bytes;
	uint64_t d_created;
	uint64_t d_drops; /* imissed + nombuf over the ports */
	double d_pps;     /* decoded by the workers */
	double d_bps;
	double d_new_flows;  /* flows created per second */
	bool d_drops_rising; /* drops grew since the previous poll */
	struct ui_hist d_hpps;
	struct ui_hist d_hbps;
	struct ui_hist d_hactive;
	struct ui_hist d_hnew;
	char d_action_what[96]; /* the last control action: "reload", "disable flowlog" */
	char d_action[256];     /* its outcome, in words */
	bool d_action_ok;
	bool d_action_busy;
	unsigned d_action_seq; /* changes with d_action */
};

/* Events of some types, newest first: a plugin screen's table. */
struct ui_typeset {
	const char *const *ts_patterns; /* "c2_candidate", "exercise_*" (prefix) */
	struct ui_model *ts_model;
	struct ui_ev **ts_v;
	size_t ts_n;
	bool ts_loaded; /* answered at least once */
	char ts_error[UI_LINK_ERRLEN];
	uint64_t ts_asked_ms;
	unsigned ts_waiting; /* queries in flight */
	json_t *ts_acc;      /* their events, gathered */
};

/* mamori-store: queries and the live view. */
struct ui_store {
	struct ui_link s_query;
	struct ui_link s_live;
	json_t *s_stats; /* the last "stats" answer, or NULL */
	uint64_t s_stats_asked_ms;
	struct ui_tail s_tail;
	bool s_filled;                 /* the first fill is done */
	bool s_live_seen;              /* the live view connected once */
	bool s_refill;                 /* it reconnected: fetch what it missed */
	uint64_t s_live_msgs;          /* live messages received */
	uint64_t s_live_bad;           /* of those, not "<type> <json object>" */
	uint64_t s_live_tick;          /* received since the last tick */
	uint64_t s_last_live_ms;       /* when the last one came */
	struct ui_hist s_hrate;        /* live events per second */
	char s_search[UI_LINK_ERRLEN]; /* the outcome of the last filter search */
};

struct ui_model {
	struct ui_daemon m_d;
	struct ui_store m_s;
	int m_wake[2];      /* nng's threads write, the main loop polls */
	double m_refresh_s; /* between polls */
	bool m_overview;    /* the overview is shown: store stats are worth asking */
	bool m_changed;     /* something new to draw */
};

/* Opens the three sockets (they connect in the background); 0 or -errno, err set. */
int ui_model_open(struct ui_model *m, const char *control, const char *store, const char *live,
	double refresh_s, char *err, size_t errlen);
void ui_model_close(struct ui_model *m);
/* Asks for fresh figures; called every refresh period. */
void ui_model_tick(struct ui_model *m, uint64_t now_ms);
/* Takes what arrived (answers, live messages) without waiting. */
void ui_model_poll(struct ui_model *m, uint64_t now_ms);
/* The descriptors to wait on besides the terminal (-1 for none). */
int ui_model_wake_fd(const struct ui_model *m);
int ui_model_live_fd(struct ui_model *m);

/* mamorid (ui_daemon.c) */
int ui_daemon_open(struct ui_model *m, const char *url, char *err, size_t errlen);
void ui_daemon_close(struct ui_model *m);
void ui_daemon_tick(struct ui_model *m, uint64_t now_ms);
/* Control actions; the outcome lands in d_action. */
void ui_daemon_reload(struct ui_model *m);
void ui_daemon_plugin(struct ui_model *m, const char *name, bool enable);
void ui_daemon_stop(struct ui_model *m);
/* The plugins array of the last stats, or NULL. */
json_t *ui_daemon_plugins(const struct ui_model *m);

/* The store (ui_store.c) */
int ui_store_open(
	struct ui_model *m, const char *query, const char *live, char *err, size_t errlen);
void ui_store_close(struct ui_model *m);
void ui_store_tick(struct ui_model *m, uint64_t now_ms);
void ui_store_poll(struct ui_model *m, uint64_t now_ms);
/* Fetches the newest events matching a filter into the tail's old end. */
void ui_store_search(struct ui_model *m, const struct ui_filter *f);
bool ui_store_up(const struct ui_model *m);

void ui_typeset_init(struct ui_typeset *ts, struct ui_model *m, const char *const *patterns);
void ui_typeset_fini(struct ui_typeset *ts);
/* Asks again when the last answer is older than min_ms. */
void ui_typeset_refresh(struct ui_typeset *ts, uint64_t now_ms, uint64_t min_ms);

/* Monotonic milliseconds. */
uint64_t ui_now_ms(void);

#endif /* UI_MODEL_H */
