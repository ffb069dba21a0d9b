/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Alerts: the live tail of committed events.  Filled at start with the
 * newest events from a query, then fed by the store's live view; '/' filters
 * it (and searches the store for older matches), Enter shows an event whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "ui_draw.h"
#include "ui_evlist.h"

struct alerts {
	struct ui_evlist a_list;
	struct ui_filter a_filter;
	struct ui_ev **a_view; /* the tail, filtered, newest first */
	size_t a_n;
	size_t a_cap;
	uint64_t a_view_gen; /* the tail's t_gen the view was built from */
	bool a_stale;        /* the filter changed */
	bool a_init;
};

static struct alerts alerts;

static const struct ui_col alert_cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "TYPE", UI_COL_TYPE, NULL, 12, false },
	{ "SOURCE", UI_COL_SRC, NULL, 19, false },
	{ "DESTINATION", UI_COL_DEST, NULL, 19, false },
	{ "SUMMARY", UI_COL_SUMMARY, NULL, 0, false },
	{ NULL, UI_COL_TIME, NULL, 0, false },
};

static struct alerts *
state(void)
{
	if (!alerts.a_init) {
		ui_evlist_init(&alerts.a_list);
		alerts.a_init = true;
		alerts.a_stale = true;
	}
	return (&alerts);
}

static void
rebuild(struct alerts *a, const struct ui_tail *t)
{
	if (!a->a_stale && a->a_view_gen == t->t_gen)
		return;
	if (a->a_cap < t->t_n) {
		struct ui_ev **v = realloc(a->a_view, t->t_n * sizeof(*v));

		if (v == NULL)
			return;
		a->a_view = v;
		a->a_cap = t->t_n;
	}
	a->a_n = 0;
	for (size_t i = t->t_n; i-- > 0;) {
		struct ui_ev *e = ui_tail_at(t, i);

		if (ui_filter_match(&a->a_filter, e))
			a->a_view[a->a_n++] = e;
	}
	a->a_view_gen = t->t_gen;
	a->a_stale = false;
}

static void
apply_filter(struct ui *u, const char *text)
{
	struct alerts *a = state();
	char err[160];

	if (ui_filter_parse(&a->a_filter, text, err, sizeof(err)) != 0) {
		ui_message(u, true, "filter: %s", err);
		return;
	}
	a->a_stale = true;
	a->a_list.el_follow = true;
	if (text[0] == '\0') {
		ui_message(u, false, "filter cleared");
		u->u_model.m_s.s_search[0] = '\0';
		return;
	}
	/* The tail holds the recent past; the store has the rest. */
	ui_store_search(&u->u_model, &a->a_filter);
}

static void
draw_status(struct ui *u, struct alerts *a, int y)
{
	const struct ui_store *s = &u->u_model.m_s;
	char n1[32], n2[32], line[512];
	int x;

	ui_fmt_count(s->s_tail.t_n, n1, sizeof(n1));
	ui_fmt_count(a->a_n, n2, sizeof(n2));
	if (a->a_filter.f_text[0] != '\0')
		x = ui_putf(y, 0, COLS, UI_HEAD, "%s of %s events match '%s'", n2, n1,
			a->a_filter.f_text);
	else
		x = ui_putf(y, 0, COLS, UI_HEAD, "%s events", n1);
	if (!ui_store_up(&u->u_model))
		snprintf(line, sizeof(line), "  store disconnected: reconnecting");
	else if (ui_evlist_newer(&a->a_list) > 0)
		snprintf(line, sizeof(line), "  paused: %zu newer above (Home follows)",
			ui_evlist_newer(&a->a_list));
	else if (s->s_search[0] != '\0' && a->a_filter.f_text[0] != '\0')
		snprintf(line, sizeof(line), "  %s", s->s_search);
	else
		snprintf(line, sizeof(line), "  following the live view");
	ui_put(y, x, COLS - x, ui_store_up(&u->u_model) ? UI_DIM : UI_BAD, line);
}

static void
alerts_draw(struct ui *u, const struct ui_screen *sc, int top, int rows)
{
	struct alerts *a = state();
	const struct ui_store *s = &u->u_model.m_s;

	rebuild(a, &s->s_tail);
	draw_status(u, a, top);
	ui_evlist_draw(&a->a_list, a->a_view, a->a_n, alert_cols, top + 1, rows - 1);
	if (a->a_n > 0 || rows < 4)
		return;
	if (a->a_filter.f_text[0] != '\0')
		ui_put(top + 3, 2, COLS - 4, UI_DIM,
			"no event in the tail matches the filter (Esc clears it)");
	else if (!s->s_filled && !ui_link_up(&s->s_query))
		ui_put(top + 3, 2, COLS - 4, UI_BAD,
			"the store is not answering: no events to show yet");
	else
		ui_put(top + 3, 2, COLS - 4, UI_DIM, "no events yet");
}

static bool
alerts_key(struct ui *u, const struct ui_screen *sc, struct ui_key k)
{
	struct alerts *a = state();

	rebuild(a, &u->u_model.m_s.s_tail);
	if (ui_evlist_key(&a->a_list, a->a_view, a->a_n, k))
		return (true);
	if (k.k_fkey)
		return (false);
	if (k.k_code == '/') {
		ui_input(u, "filter [type:T ip:CIDR words]", a->a_filter.f_text, apply_filter);
		return (true);
	}
	if (k.k_code == 27 && a->a_filter.f_text[0] != '\0') {
		apply_filter(u, "");
		return (true);
	}
	return (false);
}

static const char *
alerts_hint(struct ui *u, const struct ui_screen *sc)
{
	static char hint[128];

	snprintf(hint, sizeof(hint), "/ filter  %s", ui_evlist_hint(&state()->a_list));
	return (hint);
}

static void
alerts_fini(struct ui *u, const struct ui_screen *sc)
{
	ui_filter_clear(&alerts.a_filter);
	free(alerts.a_view);
	memset(&alerts, 0, sizeof(alerts));
}

const struct ui_screen ui_screen_alerts = {
	.sc_name = "Alerts",
	.sc_title = "Alerts (live tail)",
	.sc_draw = alerts_draw,
	.sc_key = alerts_key,
	.sc_hint = alerts_hint,
	.sc_fini = alerts_fini,
};
