/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exercise: what the training mode (replay) records, live: each run's
 * exercise_run events (started, running with the frames played, finished)
 * and the exercise_score events mamorictl exercise keeps in the store.  A
 * column whose member the event has not shows '-' (docs/exercises.md).
 */
#include "ui_table.h"

static const char *const types[] = { "exercise_*", NULL };

static const struct ui_col cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "TYPE", UI_COL_TYPE, NULL, 18, false },
	{ "EXERCISE", UI_COL_FIELD, "exercise", 14, false },
	{ "STATE", UI_COL_FIELD, "exercise_run.state", 9, false },
	{ "PLAYED", UI_COL_FIELD, "exercise_run.frames_sent", 9, true },
	{ "SCORE%", UI_COL_FIELD, "exercise_score.score_percent", 7, true },
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
