/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Overview: traffic per port, drops, lcore load, flows, decode anomalies,
 * plugins and their counters, export and store, with sparklines over the
 * last minutes.  Rates come from successive stats polls of mamorid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "ui_draw.h"

#define SPARK_COLUMN_S 5.0 /* seconds of history per sparkline column */
#define LABEL_W        24  /* label and figure before a sparkline */

static size_t plugin_sel; /* the selected plugin, for e and d */

static uint64_t
jint(const json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return (v > 0 ? (uint64_t)v : 0);
}

static unsigned
spark_k(const struct ui *u)
{
	unsigned k = (unsigned)(SPARK_COLUMN_S / u->u_refresh_s + 0.5);

	return (k > 0 ? k : 1);
}

/* "  packets/s    7.01M  ▁▂▃..." */
static void
spark_row(struct ui *u, int y, const char *label, const char *value, const struct ui_hist *h)
{
	double v[512];
	int w = COLS - LABEL_W - 1;
	size_t n;

	ui_put(y, 2, 12, UI_NORMAL, label);
	ui_put_right(y, 14, LABEL_W - 15, UI_NORMAL, value);
	if (w <= 0)
		return;
	if (w > (int)(sizeof(v) / sizeof(v[0])))
		w = (int)(sizeof(v) / sizeof(v[0]));
	n = ui_hist_buckets(h, spark_k(u), v, (size_t)w);
	/* Right-aligned: the newest column is always at the right edge. */
	ui_spark(y, LABEL_W + w - (int)n, v, n, UI_SPARK);
}

static int
draw_daemon_line(struct ui *u, int y)
{
	const struct ui_daemon *d = &u->u_model.m_d;
	const json_t *st = d->d_status;
	char up[32], pk[32];

	if (st == NULL) {
		ui_putf(y, 0, COLS, UI_BAD, "mamorid at %s: %s", u->u_control,
			d->d_link.l_error[0] != '\0' ? d->d_link.l_error : "no answer yet");
		return (y + 1);
	}
	ui_putf(y, 0, COLS, ui_link_up(&d->d_link) ? UI_NORMAL : UI_DIM,
		"mamorid %s  %s  up %s  generation %lld  %s packets",
		json_string_value(json_object_get(st, "version")),
		json_string_value(json_object_get(st, "mode")),
		ui_fmt_duration(json_number_value(json_object_get(st, "uptime_s")), up, sizeof(up)),
		(long long)json_integer_value(json_object_get(st, "generation")),
		ui_fmt_count(jint(st, "packets"), pk, sizeof(pk)));
	if (!ui_link_up(&d->d_link)) {
		char age[32];

		ui_putf(y + 1, 0, COLS, UI_BAD,
			"mamorid disconnected (%s); figures below are %s old", d->d_link.l_error,
			ui_fmt_duration(
				(double)(ui_now_ms() - d->d_stats_ms) / 1000, age, sizeof(age)));
		return (y + 2);
	}
	return (y + 1);
}

static int
draw_ports(struct ui *u, int y, int ymax)
{
	const struct ui_daemon *d = &u->u_model.m_d;
	char a[16], b[16], c[16], e[16], f[16];

	ui_putf(y++, 0, COLS, UI_HEAD, "%-20s %10s %10s %10s %10s %10s", "PORT", "PKTS/S", "BITS/S",
		"IMISSED", "NOMBUF", "IERRORS");
	for (unsigned i = 0; i < d->d_nports && y < ymax; i++) {
		const struct ui_port *p = &d->d_ports[i];
		enum ui_role r = d->d_drops_rising ? UI_BAD : UI_NORMAL;
		int x;

		x = ui_putf(y, 0, COLS, UI_NORMAL, "%u %-18.18s %10s %10s ", i, p->p_name,
			d->d_rated ? ui_fmt_si(p->p_pps, a, sizeof(a)) : "-",
			d->d_rated ? ui_fmt_si(p->p_bps, b, sizeof(b)) : "-");
		x += ui_putf(y, x, COLS - x, p->p_imissed + p->p_nombuf > 0 ? r : UI_NORMAL,
			"%10s %10s ", ui_fmt_si((double)p->p_imissed, c, sizeof(c)),
			ui_fmt_si((double)p->p_nombuf, e, sizeof(e)));
		ui_putf(y, x, COLS - x, p->p_ierrors > 0 ? UI_WARN : UI_NORMAL, "%10s",
			ui_fmt_si((double)p->p_ierrors, f, sizeof(f)));
		y++;
	}
	return (y);
}

static int
draw_traffic(struct ui *u, int y, int ymax)
{
	const struct ui_daemon *d = &u->u_model.m_d;
	const struct ui_store *s = &u->u_model.m_s;
	char v[32], span[32];
	int x;
	double last_active = d->d_hactive.h_count > 0
				     ? d->d_hactive.h_v[(d->d_hactive.h_count - 1) % UI_HIST_MAX]
				     : 0;

	ui_fmt_duration((COLS - LABEL_W - 1) * spark_k(u) * u->u_refresh_s, span, sizeof(span));
	x = ui_put(y, 0, COLS, UI_HEAD, "TRAFFIC (decoded by the workers)");
	if (x + 1 + ui_width(span) <= COLS)
		ui_put_right(y, 0, COLS, UI_DIM, span);
	y++;
	if (y < ymax)
		spark_row(u, y++, "packets/s", d->d_rated ? ui_fmt_si(d->d_pps, v, sizeof(v)) : "-",
			&d->d_hpps);
	if (y < ymax)
		spark_row(u, y++, "bits/s", d->d_rated ? ui_fmt_si(d->d_bps, v, sizeof(v)) : "-",
			&d->d_hbps);
	if (y < ymax)
		spark_row(u, y++, "flows",
			d->d_stats != NULL ? ui_fmt_si(last_active, v, sizeof(v)) : "-",
			&d->d_hactive);
	if (y < ymax)
		spark_row(u, y++, "new flows/s",
			d->d_rated ? ui_fmt_si(d->d_new_flows, v, sizeof(v)) : "-", &d->d_hnew);
	if (y < ymax)
		spark_row(u, y++, "events/s",
			ui_fmt_si(s->s_hrate.h_count > 0
					  ? s->s_hrate.h_v[(s->s_hrate.h_count - 1) % UI_HIST_MAX]
					  : 0,
				v, sizeof(v)),
			&s->s_hrate);
	return (y);
}

static int
draw_lcores(struct ui *u, int y, int ymax)
{
	json_t *lc = json_object_get(u->u_model.m_d.d_stats, "lcores"), *l;
	int x = 8;
	size_t i;

	if (y >= ymax)
		return (y);
	ui_put(y, 0, 8, UI_HEAD, "LCORES");
	json_array_foreach(lc, i, l)
	{
		double pct = json_number_value(json_object_get(l, "load_pct"));

		if (x + 18 > COLS) {
			if (++y >= ymax)
				return (y);
			x = 8;
		}
		ui_putf(y, x, 4, UI_NORMAL, "%lld",
			(long long)json_integer_value(json_object_get(l, "lcore")));
		ui_bar(y, x + 4, 8, pct / 100, pct > 90 ? UI_WARN : UI_OK);
		ui_putf(y, x + 13, 5, UI_NORMAL, "%3.0f%%", pct);
		x += 19;
	}
	if (json_array_size(lc) == 0)
		ui_put(y, x, COLS - x, UI_DIM, "-");
	return (y + 1);
}

static int
draw_flows_decode(struct ui *u, int y, int ymax)
{
	json_t *tot = json_object_get(u->u_model.m_d.d_stats, "totals");
	json_t *fl = json_object_get(tot, "flows"), *an = json_object_get(tot, "anomalies"), *v;
	char a[16], b[16], line[512];
	uint64_t total = 0;
	size_t off = 0;
	const char *k;

	if (y < ymax && fl == NULL) {
		ui_put(y, 0, 8, UI_HEAD, "FLOWS");
		ui_put(y++, 8, COLS - 8, UI_DIM, "-");
	} else if (y < ymax) {
		ui_put(y, 0, 8, UI_HEAD, "FLOWS");
		ui_putf(y++, 8, COLS - 8, UI_NORMAL, "%s active  %s created  %lld add failures",
			ui_fmt_si((double)jint(fl, "active"), a, sizeof(a)),
			ui_fmt_si((double)jint(fl, "created"), b, sizeof(b)),
			(long long)jint(fl, "add_failures"));
	}
	if (y >= ymax)
		return (y);
	line[0] = '\0';
	json_object_foreach(an, k, v)
	{
		if (json_integer_value(v) <= 0)
			continue;
		total += (uint64_t)json_integer_value(v);
		if (off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %s", k,
				ui_fmt_si((double)json_integer_value(v), a, sizeof(a)));
	}
	ui_put(y, 0, 8, UI_HEAD, "DECODE");
	if (tot == NULL)
		ui_put(y, 8, COLS - 8, UI_DIM, "-");
	else if (total == 0)
		ui_put(y, 8, COLS - 8, UI_NORMAL, "no anomalies");
	else
		ui_putf(y, 8, COLS - 8, UI_WARN, "%s anomalies:%s",
			ui_fmt_si((double)total, b, sizeof(b)), line);
	return (y + 1);
}

static int
draw_export_store(struct ui *u, int y, int ymax)
{
	const struct ui_store *s = &u->u_model.m_s;
	json_t *ex = json_object_get(u->u_model.m_d.d_stats, "export");
	char a[32], b[32], c[32], e[32];

	if (y < ymax) {
		ui_put(y, 0, 8, UI_HEAD, "EXPORT");
		if (ex == NULL) {
			ui_put(y, 8, COLS - 8, UI_DIM,
				u->u_model.m_d.d_stats == NULL
					? "-"
					: "mamorid's stats carry no export counters");
		} else {
			uint64_t dropped = jint(ex, "dropped");

			ui_putf(y, 8, COLS - 8, dropped > 0 ? UI_BAD : UI_NORMAL,
				"committed %s  spooled %s  dropped %s  store lag %s events%s",
				ui_fmt_si((double)(jint(ex, "acked") + jint(ex, "drained")), a,
					sizeof(a)),
				ui_fmt_si((double)jint(ex, "spooled"), b, sizeof(b)),
				ui_fmt_si((double)dropped, c, sizeof(c)),
				ui_fmt_si((double)jint(ex, "pending"), e, sizeof(e)),
				json_is_true(json_object_get(ex, "connected"))
					? ""
					: "  (store unreachable)");
		}
		y++;
	}
	if (y < ymax) {
		json_t *db = json_object_get(s->s_stats, "db");

		ui_put(y, 0, 8, UI_HEAD, "STORE");
		if (!ui_store_up(&u->u_model)) {
			ui_putf(y, 8, COLS - 8, UI_BAD, "disconnected: %s",
				ui_link_up(&s->s_query) ? "live view lost, reconnecting"
							: s->s_query.l_error);
		} else if (s->s_stats == NULL) {
			ui_put(y, 8, COLS - 8, UI_DIM, "asking...");
		} else {
			double ago = (double)(ui_now_ms() - s->s_last_live_ms) / 1000;

			ui_putf(y, 8, COLS - 8, UI_NORMAL, "%s events  %s B  last live event %s%s",
				ui_fmt_count(jint(s->s_stats, "rows"), a, sizeof(a)),
				ui_fmt_si((double)jint(db, "file_bytes"), b, sizeof(b)),
				s->s_last_live_ms == 0 ? "none yet"
						       : ui_fmt_duration(ago, c, sizeof(c)),
				s->s_last_live_ms == 0 ? "" : " ago");
			if (s->s_live_bad > 0 && y + 1 < ymax)
				ui_putf(++y, 8, COLS - 8, UI_WARN,
					"%llu live messages were not \"<type> <json object>\"",
					(unsigned long long)s->s_live_bad);
		}
		y++;
	}
	return (y);
}

static int
draw_plugins(struct ui *u, int y, int ymax)
{
	json_t *pl = ui_daemon_plugins(&u->u_model), *p;
	size_t i, n = json_array_size(pl);

	if (y >= ymax)
		return (y);
	ui_put(y, 0, 8, UI_HEAD, "PLUGINS");
	if (n == 0) {
		ui_put(y, 8, COLS - 8, UI_DIM, pl == NULL ? "-" : "none loaded");
		return (y + 1);
	}
	if (plugin_sel >= n)
		plugin_sel = n - 1;
	json_array_foreach(pl, i, p)
	{
		bool on = json_is_true(json_object_get(p, "enabled")), sel = i == plugin_sel;
		char line[512];
		size_t off = 0;
		const char *k;
		json_t *v;
		int x;

		if (y >= ymax)
			break;
		json_object_foreach(json_object_get(p, "counters"), k, v) if (off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %lld  ", k,
				(long long)json_integer_value(v));
		if (off < sizeof(line))
			snprintf(line + off, sizeof(line) - off, "drops %lld",
				(long long)json_integer_value(json_object_get(p, "event_drops")));
		if (sel)
			ui_fill(y, 8, COLS - 8, UI_SEL);
		x = 8 + ui_putf(y, 8, COLS - 8, sel ? UI_SEL : UI_NORMAL, "%-12s ",
				json_string_value(json_object_get(p, "name")));
		x += ui_putf(y, x, COLS - x,
			sel  ? UI_SEL
			: on ? UI_OK
			     : UI_WARN,
			"%-9s", on ? "enabled" : "disabled");
		ui_put(y, x, COLS - x, sel ? UI_SEL : UI_NORMAL, line);
		y++;
	}
	return (y);
}

static void
overview_draw(struct ui *u, const struct ui_screen *sc, int top, int rows)
{
	int y = top, ymax = top + rows;

	y = draw_daemon_line(u, y);
	if (y < ymax)
		y = draw_ports(u, y, ymax);
	if (y < ymax)
		y = draw_traffic(u, y, ymax);
	y = draw_lcores(u, y, ymax);
	y = draw_flows_decode(u, y, ymax);
	y = draw_export_store(u, y, ymax);
	draw_plugins(u, y, ymax);
}

static const char *
selected_plugin(const struct ui *u)
{
	json_t *pl = ui_daemon_plugins(&u->u_model);

	return (json_string_value(json_object_get(json_array_get(pl, plugin_sel), "name")));
}

static bool
overview_key(struct ui *u, const struct ui_screen *sc, struct ui_key k)
{
	size_t n = json_array_size(ui_daemon_plugins(&u->u_model));

	if ((k.k_fkey && k.k_code == KEY_UP) || (!k.k_fkey && k.k_code == 'k')) {
		if (plugin_sel > 0)
			plugin_sel--;
		return (true);
	}
	if ((k.k_fkey && k.k_code == KEY_DOWN) || (!k.k_fkey && k.k_code == 'j')) {
		if (plugin_sel + 1 < n)
			plugin_sel++;
		return (true);
	}
	if (!k.k_fkey && (k.k_code == 'e' || k.k_code == 'd')) {
		if (selected_plugin(u) == NULL) {
			ui_message(
				u, true, "no plugin to %s", k.k_code == 'e' ? "enable" : "disable");
			return (true);
		}
		return (ui_control_key(u, k, selected_plugin(u)));
	}
	return (false);
}

static const char *
overview_hint(struct ui *u, const struct ui_screen *sc)
{
	return (u->u_read_only ? "arrows select a plugin" : "arrows plugin  e enable  d disable");
}

const struct ui_screen ui_screen_overview = {
	.sc_name = "Overview",
	.sc_title = "Overview",
	.sc_draw = overview_draw,
	.sc_key = overview_key,
	.sc_hint = overview_hint,
};
