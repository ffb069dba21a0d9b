/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * c2detect: C&C servers of IoT botnets from flow records alone.
 *
 * Lcores (worker and collector alike) only classify each finished flow record
 * (which side is the subscriber) and copy a compact observation into their
 * own single-producer ring.  The plugin's analysis thread drains every ring
 * continuously into one pair table, so a destination's clients are merged
 * whichever lcore saw them, and scores: beacons per (source, destination,
 * port) and per (source, destination), fan-in per destination endpoint.
 * Candidates go out as c2_candidate events, handed to the control thread,
 * which emits them on its tick.  See docs/c2detect.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs_compile.h>
#include <jansson.h>
#include <mamori/log.h>
#include <mamori/plugin.h>

#include "c2detect.h"

static const char *const c2_types[] = { "c2_candidate", "c2_handshake", "c2_summary", "c2_stats",
	NULL };

#define C2_TYPE_HANDSHAKE 1

/* Payload evidence (packet path only): known C&C handshakes. */
enum { C2_PAT_MIRAI_HELLO = 1, C2_PAT_MIRAI_REPORT = 2 };

static const struct mm_pattern c2_patterns[] = {
	{ .pt_id = C2_PAT_MIRAI_HELLO,
		.pt_expr = "^\\x00\\x00\\x00\\x01",
		.pt_flags = HS_FLAG_SINGLEMATCH,
		.pt_proto = 6,
		.pt_mode = MM_PATTERN_BLOCK,
		.pt_dir = MM_DIR_TO_SERVER },
	{ .pt_id = C2_PAT_MIRAI_REPORT,
		.pt_expr = "^.",
		.pt_flags = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL,
		.pt_proto = 6,
		.pt_mode = MM_PATTERN_BLOCK,
		.pt_dir = MM_DIR_TO_SERVER,
		.pt_port = 48101 },
};

/* What a c2_handshake event carries. */
struct c2_handshake {
	uint32_t hs_pattern;
	uint8_t hs_has_id; /* the id came in this packet */
	uint8_t hs_idlen;
	char hs_id[33];
};

/* ---- Lcores ---- */

/*
 * No answer, or a reset without data.  Exporters often send one record per
 * direction, so a record without reverse counters proves nothing there: a
 * TCP initiator that never acknowledged anything got no SYN-ACK, though.
 */
static bool
is_failed(const struct mm_flow_rec *r)
{
	bool tcp = r->fr_proto == 6;

	if (tcp && (r->fr_tcp_flags_ts & MM_TCP_ACK) == 0)
		return (true);
	if (r->fr_pkts_tc == 0)
		return (r->fr_source == MM_FLOW_SRC_PACKETS);
	return (tcp && (r->fr_tcp_flags_tc & MM_TCP_RST) != 0 && r->fr_pkts_tc <= 1);
}

static bool
goes_on(const struct mm_flow_rec *r)
{
	if (r->fr_end == MM_FLOW_END_ACTIVE)
		return (true);
	/* An exporter's record of a TCP session neither side closed: split by a timeout. */
	return (r->fr_source != MM_FLOW_SRC_PACKETS && r->fr_proto == 6 &&
		((r->fr_tcp_flags_ts | r->fr_tcp_flags_tc) & (MM_TCP_FIN | MM_TCP_RST)) == 0);
}

/* Room in the lcore's ring: the analysis thread drains it continuously. */
static bool
ring_room(void *arg)
{
	const struct c2_lcore *lc = arg;

	return (lc->lc_head - __atomic_load_n(&lc->lc_tail, __ATOMIC_ACQUIRE) < C2_RING);
}

/*
 * A slot of the lcore's ring, or NULL when full after a short grace (live)
 * or after a second (offline, in case the analysis thread is gone).
 */
static struct c2_obs *
ring_slot(const struct c2_global *g, struct c2_lcore *lc)
{
	/* A full ring gets a short grace first. */
	for (unsigned spin = 0; !ring_room(lc) && spin < C2_FULL_SPINS; spin++)
		__builtin_ia32_pause();
	if (!mm_wait_room(g->g_host, g->g_ctx, ring_room, lc))
		return (NULL);
	return (&lc->lc_ring[lc->lc_head & (C2_RING - 1)]);
}

static void
ring_push(struct c2_lcore *lc)
{
	__atomic_store_n(&lc->lc_head, lc->lc_head + 1, __ATOMIC_RELEASE);
}

static void
c2_flow_end(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *r,
	void *flow_state)
{
	struct c2_global *g = global;
	struct c2_lcore *lc = lcore_state;
	bool src_home, dst_home, inbound;
	struct c2_obs *o;

	(void)flow_state;
	if (r->fr_end == MM_FLOW_END_SHUTDOWN)
		__atomic_store_n(&lc->lc_shutdown, 1, __ATOMIC_RELAXED);
	src_home = g->g_host->h_is_home(g->g_ctx, &r->fr_src);
	dst_home = g->g_host->h_is_home(g->g_ctx, &r->fr_dst);
	if (src_home == dst_home)
		return; /* internal or transit traffic: not subscriber to outside */
	inbound = !src_home;
	if ((inbound && !(g->g_dir & C2_DIR_INBOUND)) ||
		(!inbound && !(g->g_dir & C2_DIR_OUTBOUND)))
		return;
	if ((o = ring_slot(g, lc)) == NULL) {
		g->g_host->h_counter_add(g->g_ctx, lcore, g->g_cnt_ring_full, 1);
		return;
	}
	memcpy(o->o_int, inbound ? r->fr_dst.a_bytes : r->fr_src.a_bytes, 16);
	memcpy(o->o_ext, inbound ? r->fr_src.a_bytes : r->fr_dst.a_bytes, 16);
	o->o_first = (uint32_t)(r->fr_first_ns / 1000000000ULL);
	o->o_last = (uint32_t)(r->fr_last_ns / 1000000000ULL);
	o->o_bytes = r->fr_bytes_ts;
	o->o_bytes_back = r->fr_bytes_tc;
	o->o_sport = r->fr_sport;
	o->o_dport = r->fr_dport;
	o->o_proto = r->fr_proto;
	o->o_flags =
		(uint8_t)((goes_on(r) ? C2_OBS_GOES_ON : 0) | (is_failed(r) ? C2_OBS_FAILED : 0));
	ring_push(lc);
	g->g_host->h_counter_add(g->g_ctx, lcore, g->g_cnt_records, 1);
}

/* IPv4, port, user length, user, password length, password: exactly n bytes. */
static bool
report_layout(const uint8_t *b, size_t n)
{
	size_t ulen, plen;

	if (n < 8)
		return (false);
	ulen = b[6];
	if (7 + ulen >= n)
		return (false);
	plen = b[7 + ulen];
	return (n == 8 + ulen + plen && ulen > 0);
}

/* The whole payload must have the handshake's layout, not only its first bytes. */
static bool
handshake_ok(uint32_t id, const struct mm_pkt *pk, struct c2_handshake *hs)
{
	const uint8_t *b = pk->pk_payload;
	size_t n = pk->pk_payload_len;

	memset(hs, 0, sizeof(*hs));
	hs->hs_pattern = id;
	if (id == C2_PAT_MIRAI_HELLO) {
		/* 00 00 00 01, then (in the same segment or the next) id length, id */
		if (n == 4)
			return (true);
		if (n < 5 || n != 5u + b[4])
			return (false);
		hs->hs_has_id = 1;
		hs->hs_idlen = b[4];
		for (unsigned i = 0; i < b[4] && i < 32; i++)
			hs->hs_id[i] = b[5 + i] >= 0x20 && b[5 + i] < 0x7f ? (char)b[5 + i] : '.';
		return (true);
	}
	/*
	 * 00, IPv4, port, user length, user, password length, password: the bot
	 * writes the 00 on its own, so it comes alone or with the rest.
	 */
	if (n == 1)
		return (b[0] == 0);
	if (b[0] == 0 && report_layout(b + 1, n - 1))
		return (true);
	return (report_layout(b, n));
}

static void
c2_match(void *global, void *lcore_state, unsigned lcore, uint32_t id, const struct mm_pkt *pk,
	uint64_t from, uint64_t to)
{
	struct c2_global *g = global;
	struct c2_lcore *lc = lcore_state;
	const struct mm_flow_rec *r = pk->pk_flow;
	struct c2_handshake hs;
	struct mm_event ev;
	struct c2_obs *o;

	(void)from;
	(void)to;
	if (r == NULL || !handshake_ok(id, pk, &hs))
		return;
	g->g_host->h_counter_add(g->g_ctx, lcore, g->g_cnt_evidence, 1);
	memset(&ev, 0, offsetof(struct mm_event, ev_data));
	ev.ev_ts_ns = pk->pk_ts_ns;
	ev.ev_flow_id = r->fr_id;
	ev.ev_src = r->fr_src;
	ev.ev_dst = r->fr_dst;
	ev.ev_sport = r->fr_sport;
	ev.ev_dport = r->fr_dport;
	ev.ev_proto = r->fr_proto;
	ev.ev_type = C2_TYPE_HANDSHAKE;
	ev.ev_len = sizeof(hs);
	memcpy(ev.ev_data, &hs, sizeof(hs));
	g->g_host->h_emit(g->g_ctx, lcore, &ev);
	/* The server gets the evidence in the analysis thread, through the ring. */
	if ((o = ring_slot(g, lc)) == NULL) {
		g->g_host->h_counter_add(g->g_ctx, lcore, g->g_cnt_ring_full, 1);
		return;
	}
	memset(o, 0, sizeof(*o));
	memcpy(o->o_int, r->fr_src.a_bytes, 16);
	memcpy(o->o_ext, r->fr_dst.a_bytes, 16);
	o->o_dport = r->fr_dport;
	o->o_proto = r->fr_proto;
	o->o_flags = C2_OBS_EVIDENCE;
	o->o_bytes = id == C2_PAT_MIRAI_HELLO ? C2_EV_MIRAI_HELLO : C2_EV_MIRAI_REPORT;
	ring_push(lc);
}

static int
c2_format(void *global, const struct mm_event *ev, void *obj)
{
	struct c2_handshake hs;

	(void)global;
	if (ev->ev_type != C2_TYPE_HANDSHAKE || ev->ev_len != sizeof(hs))
		return (-EINVAL);
	memcpy(&hs, ev->ev_data, sizeof(hs));
	hs.hs_id[sizeof(hs.hs_id) - 1] = '\0';
	if (hs.hs_pattern == C2_PAT_MIRAI_HELLO && hs.hs_has_id)
		return (json_object_set_new(obj, "c2_handshake",
			json_pack("{s:s,s:i,s:s}", "pattern", "mirai_bot_hello", "id_length",
				hs.hs_idlen, "bot_id", hs.hs_id)));
	if (hs.hs_pattern == C2_PAT_MIRAI_HELLO)
		return (json_object_set_new(
			obj, "c2_handshake", json_pack("{s:s}", "pattern", "mirai_bot_hello")));
	return (json_object_set_new(
		obj, "c2_handshake", json_pack("{s:s}", "pattern", "mirai_scan_report")));
}

static int
c2_patterns_declare(struct c2_global *g)
{
	if (!g->g_payload)
		return (0);
	return (g->g_host->h_patterns_add(
		g->g_ctx, c2_patterns, sizeof(c2_patterns) / sizeof(c2_patterns[0])));
}

static int
c2_lcore_init(void *global, void *lcore_state, unsigned lcore)
{
	struct c2_global *g = global;
	unsigned n = __atomic_load_n(&g->g_nlc, __ATOMIC_ACQUIRE);

	(void)lcore;
	if (n >= C2_MAX_SOURCES)
		return (-ENOSPC);
	g->g_lc[n] = lcore_state;
	__atomic_store_n(&g->g_nlc, n + 1, __ATOMIC_RELEASE);
	return (0);
}

/* ---- The analysis thread ---- */

static void
out_append(struct c2_global *g, struct c2_out *o)
{
	pthread_mutex_lock(&g->g_out_lock);
	*g->g_out_tail = o;
	g->g_out_tail = &o->o_next;
	pthread_mutex_unlock(&g->g_out_lock);
}

void
c2_out_event(struct c2_global *g, void *ev)
{
	struct c2_out *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		json_decref(ev);
		return;
	}
	o->o_event = ev;
	out_append(g, o);
}

void
c2_out_log(struct c2_global *g, int level, const char *fmt, ...)
{
	struct c2_out *o = calloc(1, sizeof(*o));
	va_list ap;

	if (o == NULL)
		return;
	o->o_level = level;
	va_start(ap, fmt);
	vsnprintf(o->o_msg, sizeof(o->o_msg), fmt, ap);
	va_end(ap);
	out_append(g, o);
}

const char *
c2_state_dir(struct c2_global *g)
{
	return (__atomic_load_n(&g->g_state_dir, __ATOMIC_ACQUIRE));
}

/*
 * Whether record o must wait for a scoring round: it is eval_interval of
 * record time past the record that began the last one.  Rounds are thus cut
 * by the records themselves, not by how many the rings held when the thread
 * looked, so a capture is scored the same way however fast it is read.
 */
static bool
round_due(struct c2_global *g, const struct c2_obs *o)
{
	if (g->g_evaluating || g->g_round_due)
		return (g->g_round_due);
	if (g->g_last_eval == 0) {
		g->g_last_eval = o->o_last;
		return (false);
	}
	if (o->o_last < g->g_last_eval + g->g_eval_interval)
		return (false);
	g->g_round_due = true;
	g->g_round_at = o->o_last;
	return (true);
}

/* Takes what the rings hold, up to a record that is due for a round; returns the count. */
static uint64_t
drain(struct c2_global *g)
{
	unsigned nlc = __atomic_load_n(&g->g_nlc, __ATOMIC_ACQUIRE);
	uint64_t total = 0;

	for (unsigned i = 0; i < nlc && !g->g_round_due; i++) {
		struct c2_lcore *lc = g->g_lc[i];
		uint32_t tail = lc->lc_tail, head = __atomic_load_n(&lc->lc_head, __ATOMIC_ACQUIRE);

		while (tail != head && !g->g_round_due) {
			struct c2_obs batch[PT_BURST / 2];
			unsigned n = 0;

			for (; tail != head && n < PT_BURST / 2; tail++) {
				const struct c2_obs *o = &lc->lc_ring[tail & (C2_RING - 1)];

				if (round_due(g, o))
					break;
				batch[n++] = *o;
			}
			pthread_mutex_lock(&g->g_lock);
			c2_observe_burst(g, batch, n);
			pthread_mutex_unlock(&g->g_lock);
			/* Released once processed: the control thread waits on it. */
			__atomic_store_n(&lc->lc_tail, tail, __ATOMIC_RELEASE);
			total += n;
		}
	}
	if (total > 0)
		__atomic_add_fetch(&g->g_consumed, total, __ATOMIC_RELEASE);
	return (total);
}

/* A whole scoring round at once (finishing one that runs in steps). */
static void
evaluate(struct c2_global *g)
{
	pthread_mutex_lock(&g->g_lock);
	if (g->g_pt.t_now != 0) {
		if (!g->g_evaluating)
			c2_evaluate_begin(g);
		while (!c2_evaluate_step(g, UINT32_MAX))
			;
		g->g_last_eval = g->g_pt.t_now;
		g->g_round_due = false;
	}
	/* The input ended: its last window is summarised now, whole or not. */
	if (__atomic_exchange_n(&g->g_sum_flush, 0, __ATOMIC_ACQ_REL))
		c2_summary_flush(g, false);
	__atomic_store_n(&g->g_pending, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g->g_lock);
}

static void *
analysis_main(void *arg)
{
	struct c2_global *g = arg;

	while (!__atomic_load_n(&g->g_stop, __ATOMIC_ACQUIRE)) {
		uint64_t n = drain(g), req = __atomic_load_n(&g->g_eval_req, __ATOMIC_ACQUIRE);

		if (req != __atomic_load_n(&g->g_eval_done, __ATOMIC_RELAXED)) {
			/* Asked by the control thread: the whole round now. */
			evaluate(g);
			__atomic_store_n(&g->g_eval_done, req, __ATOMIC_RELEASE);
			continue;
		}
		/* Every eval_interval of record time, in steps between drains. */
		if (g->g_round_due) {
			pthread_mutex_lock(&g->g_lock);
			c2_evaluate_begin(g);
			g->g_last_eval = g->g_round_at;
			g->g_round_due = false;
			pthread_mutex_unlock(&g->g_lock);
		}
		if (g->g_evaluating) {
			/* Steps only where a round takes long: small tables score at once. */
			uint32_t budget =
				g->g_pt.t_hwm > 4 * C2_EVAL_STEP ? C2_EVAL_STEP : UINT32_MAX;

			pthread_mutex_lock(&g->g_lock);
			if (c2_evaluate_step(g, budget))
				__atomic_store_n(&g->g_pending, 0, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&g->g_lock);
			continue;
		}
		if (n == 0) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	return (NULL);
}

/* ---- Control thread ---- */

static bool
rings_empty(struct c2_global *g)
{
	unsigned nlc = __atomic_load_n(&g->g_nlc, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < nlc; i++)
		if (__atomic_load_n(&g->g_lc[i]->lc_head, __ATOMIC_ACQUIRE) !=
			__atomic_load_n(&g->g_lc[i]->lc_tail, __ATOMIC_ACQUIRE))
			return (false);
	return (true);
}

/* Asks the analysis thread for a whole scoring round and waits for it. */
static void
evaluate_now(struct c2_global *g)
{
	uint64_t req = __atomic_add_fetch(&g->g_eval_req, 1, __ATOMIC_ACQ_REL);
	struct timespec ts = { 0, 200000 };

	while (__atomic_load_n(&g->g_eval_done, __ATOMIC_ACQUIRE) < req)
		nanosleep(&ts, NULL);
}

static void
c2_tick(void *global, uint64_t now_ns)
{
	struct c2_global *g = global;
	unsigned nlc = __atomic_load_n(&g->g_nlc, __ATOMIC_ACQUIRE);
	uint64_t consumed = __atomic_load_n(&g->g_consumed, __ATOMIC_ACQUIRE);
	struct c2_out *o, *next;
	bool shutdown = false, quiet;
	const char *dir;

	(void)now_ns;
	if (c2_state_dir(g) == NULL && (dir = g->g_host->h_state_dir(g->g_ctx)) != NULL) {
		char *d = strdup(dir);

		if (d != NULL)
			__atomic_store_n(&g->g_state_dir, d, __ATOMIC_RELEASE);
	}
	for (unsigned i = 0; i < nlc; i++)
		if (__atomic_exchange_n(&g->g_lc[i]->lc_shutdown, 0, __ATOMIC_RELAXED))
			shutdown = true;
	/*
	 * Offline the input's end is the flush: a pause between records (a busy
	 * machine) must not score early, or the rounds would depend on timing.
	 */
	quiet = consumed == g->g_tick_consumed && rings_empty(g) &&
		!mm_host_lossless(g->g_host, g->g_ctx);
	g->g_tick_consumed = consumed;
	/*
	 * The input ended (the flows' final flush), or went quiet after records:
	 * everything is scored now, so that this tick reports it.
	 */
	if (shutdown) {
		struct timespec ts = { 0, 200000 };

		while (!rings_empty(g))
			nanosleep(&ts, NULL);
		__atomic_store_n(&g->g_sum_flush, 1, __ATOMIC_RELEASE);
	}
	if (shutdown || (quiet && __atomic_load_n(&g->g_pending, __ATOMIC_ACQUIRE)))
		evaluate_now(g);
	pthread_mutex_lock(&g->g_out_lock);
	o = g->g_out_head;
	g->g_out_head = NULL;
	g->g_out_tail = &g->g_out_head;
	pthread_mutex_unlock(&g->g_out_lock);
	for (; o != NULL; o = next) {
		next = o->o_next;
		if (o->o_event != NULL)
			g->g_host->h_emit_json(g->g_ctx, o->o_event);
		else
			g->g_host->h_log(g->g_ctx, o->o_level, "%s", o->o_msg);
		free(o);
	}
}

static int
c2_reload(void *global)
{
	struct c2_global *g = global;
	int rv;

	pthread_mutex_lock(&g->g_lock);
	rv = c2_config_lists(g);
	pthread_mutex_unlock(&g->g_lock);
	if (rv < 0)
		return (rv);
	return (c2_patterns_declare(g));
}

static void
c2_fini(void *global)
{
	struct c2_global *g = global;
	struct c2_out *o, *next;

	if (g->g_thread_started) {
		__atomic_store_n(&g->g_stop, 1, __ATOMIC_RELEASE);
		pthread_join(g->g_thread, NULL);
	}
	for (o = g->g_out_head; o != NULL; o = next) {
		next = o->o_next;
		json_decref(o->o_event);
		free(o);
	}
	c2_config_fini(g);
	c2_export_fini(&g->g_srv);
	pt_fini(&g->g_pt);
	sk_fini(&g->g_sk);
	free(g->g_work);
	free(g->g_state_dir);
	pthread_mutex_destroy(&g->g_lock);
	pthread_mutex_destroy(&g->g_out_lock);
}

static int
c2_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct c2_global *g = global;
	const char *dir;
	int rv;

	g->g_host = host;
	g->g_ctx = ctx;
	pthread_mutex_init(&g->g_lock, NULL);
	pthread_mutex_init(&g->g_out_lock, NULL);
	g->g_out_tail = &g->g_out_head;
	if ((rv = c2_config_read(g)) < 0)
		return (rv);
	g->g_cnt_records = host->h_counter_register(ctx, "records", "flow records analysed");
	g->g_cnt_ring_full = host->h_counter_register(
		ctx, "ring_full", "flow records dropped: the analysis thread fell behind");
	g->g_cnt_evidence = host->h_counter_register(
		ctx, "handshakes", "payloads with a known C&C handshake (Mirai)");
	if ((g->g_work = calloc(2 * PT_SAMPLES, sizeof(*g->g_work))) == NULL)
		return (-ENOMEM);
	if ((rv = pt_init(&g->g_pt, g->g_max_pairs, g->g_window)) < 0) {
		host->h_log(ctx, MM_LOG_ERR, "cannot hold %" PRIu32 " pairs (%zu bytes each): %s",
			g->g_max_pairs, sizeof(struct pt_pair), strerror(-rv));
		return (rv);
	}
	if ((rv = sk_init(&g->g_sk, g->g_sum_window, g->g_sum_max_dest)) < 0) {
		host->h_log(ctx, MM_LOG_ERR,
			"cannot hold summaries of %" PRIu32 " destinations (%zu bytes each): %s",
			g->g_sum_max_dest,
			sizeof(struct sk_dest) + SK_PAIRS_PER_DEST * sizeof(struct sk_pair),
			strerror(-rv));
		return (rv);
	}
	if ((rv = c2_patterns_declare(g)) < 0)
		return (rv);
	if ((dir = host->h_state_dir(ctx)) != NULL && (g->g_state_dir = strdup(dir)) == NULL)
		return (-ENOMEM);
	if ((rv = pthread_create(&g->g_thread, NULL, analysis_main, g)) != 0) {
		host->h_log(ctx, MM_LOG_ERR, "cannot start the analysis thread: %s", strerror(rv));
		return (-rv);
	}
	pthread_setname_np(g->g_thread, "c2detect");
	g->g_thread_started = true;
	return (0);
}

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("c2detect"),
	.pd_version = "1.0",
	.pd_description = "C&C servers of IoT botnets from flow records: beacons and fan-in",
	.pd_event_types = c2_types,
	.pd_global_size = sizeof(struct c2_global),
	.pd_lcore_size = sizeof(struct c2_lcore),
	.pd_init = c2_init,
	.pd_fini = c2_fini,
	.pd_reload = c2_reload,
	.pd_tick = c2_tick,
	.pd_format = c2_format,
	.pd_lcore_init = c2_lcore_init,
	.pd_on_flow_end = c2_flow_end,
	.pd_on_match = c2_match,
};
