/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A plugin's screen: the store's events of the plugin's types in a table
 * driven by a column spec, or a line saying there are none yet and why that
 * may be.  A plugin refines its screen by refining its spec (ui_<name>.c).
 */
#ifndef UI_TABLE_H
#define UI_TABLE_H

#include "ui.h"
#include "ui_evlist.h"

struct ui_table_spec {
	const char *const *ts_types; /* "c2_candidate"; a trailing '*' is a prefix */
	const char *ts_type_label;   /* in the empty line: "c2_candidate" */
	const char *ts_plugin;       /* the plugin that emits them: "c2detect" */
	const struct ui_col *ts_cols;
};

struct ui_table {
	const struct ui_table_spec *t_spec;
	struct ui_typeset t_set;
	struct ui_evlist t_list;
	bool t_init;
};

void ui_table_draw(struct ui *u, const struct ui_screen *sc, int top, int rows);
bool ui_table_key(struct ui *u, const struct ui_screen *sc, struct ui_key k);
void ui_table_tick(struct ui *u, const struct ui_screen *sc, uint64_t now_ms);
const char *ui_table_hint(struct ui *u, const struct ui_screen *sc);
void ui_table_fini(struct ui *u, const struct ui_screen *sc);

#define UI_TABLE_SCREEN(name, title, table)                                                        \
	{                                                                                          \
		.sc_name = (name), .sc_title = (title), .sc_draw = ui_table_draw,                  \
		.sc_key = ui_table_key, .sc_tick = ui_table_tick, .sc_hint = ui_table_hint,        \
		.sc_fini = ui_table_fini, .sc_state = (table),                                     \
	}

#endif /* UI_TABLE_H */
