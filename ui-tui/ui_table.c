/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "ui_draw.h"
#include "ui_table.h"

#define TABLE_REFRESH_MS 3000 /* queries, not a live feed: every few seconds */

static struct ui_table *
table(struct ui *u, const struct ui_screen *sc)
{
	struct ui_table *t = sc->sc_state;

	if (!t->t_init) {
		ui_typeset_init(&t->t_set, &u->u_model, t->t_spec->ts_types);
		ui_evlist_init(&t->t_list);
		t->t_init = true;
	}
	return (t);
}

/* What mamorid says about the plugin, when it says anything. */
static void
plugin_line(struct ui *u, const struct ui_table_spec *sp, char *buf, size_t len)
{
	json_t *plugins = ui_daemon_plugins(&u->u_model), *p;
	size_t i;

	if (!ui_link_up(&u->u_model.m_d.d_link)) {
		snprintf(buf, len, "(mamorid is disconnected: whether %s is loaded is unknown)",
			sp->ts_plugin);
		return;
	}
	json_array_foreach(plugins, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));

		if (name != NULL && strcmp(name, sp->ts_plugin) == 0) {
			snprintf(buf, len, "mamorid has %s loaded, %s.", sp->ts_plugin,
				json_is_true(json_object_get(p, "enabled"))
					? "enabled"
					: "disabled (Overview: e enables it)");
			return;
		}
	}
	snprintf(buf, len, "mamorid has not loaded %s (plugins.load in its configuration).",
		sp->ts_plugin);
}

void
ui_table_draw(struct ui *u, const struct ui_screen *sc, int top, int rows)
{
	struct ui_table *t = table(u, sc);
	const struct ui_table_spec *sp = t->t_spec;
	struct ui_typeset *ts = &t->t_set;
	bool up = ui_link_up(&u->u_model.m_s.s_query);
	char line[256], n1[32];
	int y = top + 1;

	if (!ts->ts_loaded) {
		ui_put(top, 0, COLS, up ? UI_DIM : UI_BAD,
			up ? "asking the store..." : "store disconnected: reconnecting");
		return;
	}
	if (ts->ts_n == 0) {
		snprintf(line, sizeof(line),
			"no %s events yet %s the %s plugin is not loaded or has "
			"found nothing",
			sp->ts_type_label, ui_draw_utf8() ? "—" : "-", sp->ts_plugin);
		y += 1 + ui_put_wrap(y, 2, COLS - 4, 3, UI_HEAD, line);
		plugin_line(u, sp, line, sizeof(line));
		y += 1 + ui_put_wrap(y, 2, COLS - 4, 3, UI_DIM, line);
		if (!up)
			ui_put(y, 2, COLS - 4, UI_BAD, "store disconnected: reconnecting");
		return;
	}
	ui_fmt_count(ts->ts_n, n1, sizeof(n1));
	if (!up)
		snprintf(line, sizeof(line), "%s %s events, as last seen; store disconnected", n1,
			sp->ts_type_label);
	else
		snprintf(line, sizeof(line), "%s %s events, newest first (at most %d a type)%s%s",
			n1, sp->ts_type_label, UI_TABLE_LIMIT, ts->ts_error[0] != '\0' ? ": " : "",
			ts->ts_error);
	ui_put(top, 0, COLS, up && ts->ts_error[0] == '\0' ? UI_HEAD : UI_BAD, line);
	ui_evlist_draw(&t->t_list, ts->ts_v, ts->ts_n, sp->ts_cols, top + 1, rows - 1);
}

bool
ui_table_key(struct ui *u, const struct ui_screen *sc, struct ui_key k)
{
	struct ui_table *t = table(u, sc);

	return (ui_evlist_key(&t->t_list, t->t_set.ts_v, t->t_set.ts_n, k));
}

void
ui_table_tick(struct ui *u, const struct ui_screen *sc, uint64_t now_ms)
{
	struct ui_table *t = table(u, sc);
	uint64_t every = (uint64_t)(u->u_refresh_s * 1000);

	ui_typeset_refresh(&t->t_set, now_ms, every > TABLE_REFRESH_MS ? every : TABLE_REFRESH_MS);
}

const char *
ui_table_hint(struct ui *u, const struct ui_screen *sc)
{
	return (ui_evlist_hint(&table(u, sc)->t_list));
}

void
ui_table_fini(struct ui *u, const struct ui_screen *sc)
{
	struct ui_table *t = sc->sc_state;

	if (t->t_init)
		ui_typeset_fini(&t->t_set);
	t->t_init = false;
}
