/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C2: candidate command-and-control servers found by c2detect from flow records.
 * Until the plugin lands, its members are guessed: a column whose member
 * is absent shows '-', and the summary column shows what is there.
 */
#include "ui_table.h"

static const char *const types[] = { "c2_candidate", NULL };

static const struct ui_col cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "CLIENT", UI_COL_SRC, NULL, 19, false },
	{ "SERVER", UI_COL_DEST, NULL, 19, false },
	{ "SCORE", UI_COL_FIELD, "c2_candidate.score", 6, true },
	{ "WHY", UI_COL_SUMMARY, NULL, 0, false },
	{ NULL, UI_COL_TIME, NULL, 0, false },
};

static const struct ui_table_spec spec = {
	.ts_types = types,
	.ts_type_label = "c2_candidate",
	.ts_plugin = "c2detect",
	.ts_cols = cols,
};

static struct ui_table table = { .t_spec = &spec };

const struct ui_screen ui_screen_c2 = UI_TABLE_SCREEN("C2", "C2 candidates (c2detect)", &table);
