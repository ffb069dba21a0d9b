/* SPDX-License-Identifier: BSD-3-Clause */
/* The store: its figures, the live tail and the plugin screens' queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_model.h"

#define STORE_STATS_EVERY_MS 10000 /* rows per type are a scan: not every second */
#define LIVE_DRAIN_MAX       5000  /* live messages taken per loop turn */

int
ui_store_open(struct ui_model *m, const char *query, const char *live, char *err, size_t errlen)
{
	struct ui_store *s = &m->m_s;
	int rv;

	if ((rv = ui_tail_init(&s->s_tail, UI_TAIL_CAP)) != 0) {
		snprintf(err, errlen, "out of memory");
		return (rv);
	}
	if ((rv = ui_link_open(&s->s_query, "store", query, m->m_wake[1], err, errlen)) != 0)
		goto fail_query;
	if ((rv = ui_link_open_sub(&s->s_live, "live view", live, m->m_wake[1], err, errlen)) != 0)
		goto fail_live;
	return (0);
fail_live:
	ui_link_close(&s->s_query);
fail_query:
	ui_tail_fini(&s->s_tail);
	return (rv);
}

void
ui_store_close(struct ui_model *m)
{
	struct ui_store *s = &m->m_s;

	ui_link_close(&s->s_live);
	ui_link_close(&s->s_query);
	ui_tail_fini(&s->s_tail);
	json_decref(s->s_stats);
	s->s_stats = NULL;
}

bool
ui_store_up(const struct ui_model *m)
{
	return (ui_link_up(&m->m_s.s_query) && ui_link_up(&m->m_s.s_live));
}

/* The heartbeat's answer: ui_link keeps the state; the title shows it. */
static void
alive_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;

	m->m_changed = true;
}

static void
stats_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;

	m->m_changed = true;
	if (json_is_true(json_object_get(ans, "ok"))) {
		json_decref(m->m_s.s_stats);
		m->m_s.s_stats = json_incref(ans);
	}
}

/* A fill: the first one goes under what the live view brought, later ones on top. */
static void
fill_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;
	struct ui_store *s = &m->m_s;
	json_t *evs = json_object_get(ans, "events");

	if (!json_is_array(evs))
		return;
	ui_tail_merge(&s->s_tail, evs, !s->s_filled);
	s->s_filled = true;
	s->s_refill = false;
	m->m_changed = true;
}

static void
ask_fill(struct ui_model *m)
{
	ui_link_ask(&m->m_s.s_query, UI_CHAN_POLL, "fill",
		json_pack(
			"{s:s, s:s, s:i}", "op", "query", "order", "desc", "limit", UI_FILL_LIMIT),
		UI_QUERY_TIMEOUT_MS, fill_cb, m);
}

void
ui_store_tick(struct ui_model *m, uint64_t now_ms)
{
	struct ui_store *s = &m->m_s;
	struct ui_link *q = &s->s_query;

	/* types is an index seek per type: cheap enough to tell that the store answers. */
	ui_link_ask(q, UI_CHAN_POLL, "types", json_pack("{s:s}", "op", "types"), UI_POLL_TIMEOUT_MS,
		alive_cb, m);
	if (m->m_overview &&
		(s->s_stats == NULL || now_ms - s->s_stats_asked_ms >= STORE_STATS_EVERY_MS)) {
		s->s_stats_asked_ms = now_ms;
		ui_link_ask(q, UI_CHAN_POLL, "stats", json_pack("{s:s}", "op", "stats"),
			UI_QUERY_TIMEOUT_MS, stats_cb, m);
	}
	if (!s->s_filled || s->s_refill)
		ask_fill(m);
	ui_hist_push(&s->s_hrate, (double)s->s_live_tick / m->m_refresh_s);
	s->s_live_tick = 0;
}

/* One live message: "<event_type> <json>". */
static void
take_live(struct ui_store *s, nng_msg *msg, uint64_t now_ms)
{
	const char *body = nng_msg_body(msg);
	size_t len = nng_msg_len(msg);
	const char *sp = memchr(body, ' ', len);
	struct ui_ev *e;

	s->s_live_msgs++;
	s->s_live_tick++;
	s->s_last_live_ms = now_ms;
	if (sp == NULL || (e = ui_ev_new(NULL, sp + 1, len - (size_t)(sp + 1 - body))) == NULL) {
		s->s_live_bad++;
		return;
	}
	ui_tail_push_new(&s->s_tail, e);
}

void
ui_store_poll(struct ui_model *m, uint64_t now_ms)
{
	struct ui_store *s = &m->m_s;
	nng_msg *msg;
	int n = 0;

	ui_link_poll(&s->s_query);
	if (ui_link_newly_connected(&s->s_live)) {
		/* Whatever was committed while it was away is not on the live view. */
		if (s->s_live_seen && s->s_filled) {
			s->s_refill = true;
			ask_fill(m);
		}
		s->s_live_seen = true;
	}
	while (n < LIVE_DRAIN_MAX && ui_link_recv(&s->s_live, &msg) > 0) {
		take_live(s, msg, now_ms);
		nng_msg_free(msg);
		n++;
	}
	if (n > 0)
		m->m_changed = true;
}

static void
search_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;
	struct ui_store *s = &m->m_s;
	json_t *evs = json_object_get(ans, "events");
	size_t added;

	m->m_changed = true;
	if (!json_is_array(evs)) {
		const char *why =
			ans != NULL ? json_string_value(json_object_get(ans, "error")) : err;

		snprintf(s->s_search, sizeof(s->s_search), "store search failed: %s",
			why != NULL ? why : "?");
		return;
	}
	added = ui_tail_merge(&s->s_tail, evs, true);
	snprintf(s->s_search, sizeof(s->s_search), "store: %zu matching, %zu older ones added",
		json_array_size(evs), added);
}

void
ui_store_search(struct ui_model *m, const struct ui_filter *f)
{
	json_t *q = ui_filter_query(f);

	m->m_s.s_search[0] = '\0';
	if (q == NULL)
		return;
	json_object_set_new(q, "op", json_string("query"));
	json_object_set_new(q, "order", json_string("desc"));
	json_object_set_new(q, "limit", json_integer(UI_FILL_LIMIT));
	snprintf(m->m_s.s_search, sizeof(m->m_s.s_search), "searching the store...");
	ui_link_ask(&m->m_s.s_query, UI_CHAN_ACT, "search", q, UI_QUERY_TIMEOUT_MS, search_cb, m);
}

/* Typed event lists for the plugin screens. */

void
ui_typeset_init(struct ui_typeset *ts, struct ui_model *m, const char *const *patterns)
{
	memset(ts, 0, sizeof(*ts));
	ts->ts_model = m;
	ts->ts_patterns = patterns;
}

static void
typeset_clear(struct ui_typeset *ts)
{
	for (size_t i = 0; i < ts->ts_n; i++)
		ui_ev_free(ts->ts_v[i]);
	free(ts->ts_v);
	ts->ts_v = NULL;
	ts->ts_n = 0;
}

void
ui_typeset_fini(struct ui_typeset *ts)
{
	typeset_clear(ts);
	json_decref(ts->ts_acc);
	ts->ts_acc = NULL;
}

static int
newest_first(const void *a, const void *b)
{
	const struct ui_ev *x = *(struct ui_ev *const *)a, *y = *(struct ui_ev *const *)b;

	return (x->e_ts_ns < y->e_ts_ns ? 1 : x->e_ts_ns > y->e_ts_ns ? -1 : 0);
}

/* Every query answered: the gathered events replace the table's. */
static void
typeset_done(struct ui_typeset *ts)
{
	size_t n = json_array_size(ts->ts_acc), k = 0, i;
	struct ui_ev **v = n > 0 ? calloc(n, sizeof(*v)) : NULL;
	json_t *o;

	if (n > 0 && v == NULL) {
		snprintf(ts->ts_error, sizeof(ts->ts_error), "out of memory");
	} else {
		json_array_foreach(ts->ts_acc, i, o)
		{
			if ((v[k] = ui_ev_new(o, NULL, 0)) != NULL)
				k++;
		}
		if (k > 1)
			qsort(v, k, sizeof(*v), newest_first);
		typeset_clear(ts);
		ts->ts_v = v;
		ts->ts_n = k;
		ts->ts_loaded = true;
	}
	json_decref(ts->ts_acc);
	ts->ts_acc = NULL;
	ts->ts_model->m_changed = true;
}

static void
typeset_query_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_typeset *ts = arg;
	json_t *evs = json_object_get(ans, "events");

	if (json_is_array(evs)) {
		json_array_extend(ts->ts_acc, evs);
	} else {
		const char *why =
			ans != NULL ? json_string_value(json_object_get(ans, "error")) : err;

		snprintf(ts->ts_error, sizeof(ts->ts_error), "%s", why != NULL ? why : "?");
	}
	if (--ts->ts_waiting == 0)
		typeset_done(ts);
}

static void
typeset_ask(struct ui_typeset *ts, const char *type)
{
	char key[80];

	snprintf(key, sizeof(key), "typeset %p %s", (void *)ts, type);
	ts->ts_waiting++;
	if (ui_link_ask(&ts->ts_model->m_s.s_query, UI_CHAN_POLL, key,
		    json_pack("{s:s, s:s, s:s, s:i}", "op", "query", "type", type, "order", "desc",
			    "limit", UI_TABLE_LIMIT),
		    UI_QUERY_TIMEOUT_MS, typeset_query_cb, ts) != 0)
		ts->ts_waiting--;
}

/* With the store's list of types: one query per type a pattern names. */
static void
typeset_types_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_typeset *ts = arg;
	json_t *types = json_object_get(ans, "types"), *t;
	size_t i;

	ts->ts_waiting--;
	if (!json_is_array(types)) {
		const char *why =
			ans != NULL ? json_string_value(json_object_get(ans, "error")) : err;

		snprintf(ts->ts_error, sizeof(ts->ts_error), "%s", why != NULL ? why : "?");
		json_decref(ts->ts_acc);
		ts->ts_acc = NULL;
		ts->ts_model->m_changed = true;
		return;
	}
	ts->ts_error[0] = '\0';
	json_array_foreach(types, i, t)
	{
		const char *name = json_string_value(t);

		for (const char *const *p = ts->ts_patterns; name != NULL && *p != NULL; p++) {
			if (ui_type_match(*p, name)) {
				typeset_ask(ts, name);
				break;
			}
		}
	}
	if (ts->ts_waiting == 0)
		typeset_done(ts);
}

void
ui_typeset_refresh(struct ui_typeset *ts, uint64_t now_ms, uint64_t min_ms)
{
	struct ui_link *q = &ts->ts_model->m_s.s_query;
	char key[80];

	if (ts->ts_waiting > 0 || (ts->ts_loaded && now_ms - ts->ts_asked_ms < min_ms))
		return;
	if (!ui_link_up(q) && ts->ts_loaded)
		return;
	ts->ts_asked_ms = now_ms;
	ts->ts_acc = json_array();
	/* The store lists the types it holds; asking it spares a query per pattern. */
	snprintf(key, sizeof(key), "typeset %p", (void *)ts);
	ts->ts_waiting = 1;
	if (ui_link_ask(q, UI_CHAN_POLL, key, json_pack("{s:s}", "op", "types"), UI_POLL_TIMEOUT_MS,
		    typeset_types_cb, ts) != 0) {
		ts->ts_waiting = 0;
		json_decref(ts->ts_acc);
		ts->ts_acc = NULL;
	}
}
