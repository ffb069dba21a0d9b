/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exercise: what the training mode (replay) records: scenarios, ground truth, scores.
 * Until the plugin lands, its members are guessed: a column whose member
 * is absent shows '-', and the summary column shows what is there.
 */
#include "ui_table.h"

static const char *const types[] = { "exercise_*", NULL };

static const struct ui_col cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "TYPE", UI_COL_TYPE, NULL, 18, false },
	{ "EXERCISE", UI_COL_FIELD, "exercise", 14, false },
	{ "DETAILS", UI_COL_SUMMARY, NULL, 0, false },
	{ NULL, UI_COL_TIME, NULL, 0, false },
};

static const struct ui_table_spec spec = {
	.ts_types = types,
	.ts_type_label = "exercise_*",
	.ts_plugin = "replay",
	.ts_cols = cols,
};

static struct ui_table table = { .t_spec = &spec };

const struct ui_screen ui_screen_exercise =
	UI_TABLE_SCREEN("Exercise", "Exercise (replay)", &table);
