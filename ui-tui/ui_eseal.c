/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * e-seal: verdicts on the e-seals of documents passing the gateway (eseal).
 * Until the plugin lands, its members are guessed: a column whose member
 * is absent shows '-', and the summary column shows what is there.
 */
#include "ui_table.h"

static const char *const types[] = { "eseal_verdict", NULL };

static const struct ui_col cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "SOURCE", UI_COL_SRC, NULL, 19, false },
	{ "VERDICT", UI_COL_FIELD, "eseal_verdict.verdict", 12, false },
	{ "SIGNER", UI_COL_FIELD, "eseal_verdict.signer", 16, false },
	{ "DETAILS", UI_COL_SUMMARY, NULL, 0, false },
	{ NULL, UI_COL_TIME, NULL, 0, false },
};

static const struct ui_table_spec spec = {
	.ts_types = types,
	.ts_type_label = "eseal_verdict",
	.ts_plugin = "eseal",
	.ts_cols = cols,
};

static struct ui_table table = { .t_spec = &spec };

const struct ui_screen ui_screen_eseal =
	UI_TABLE_SCREEN("e-seal", "e-seal verdicts (eseal)", &table);
