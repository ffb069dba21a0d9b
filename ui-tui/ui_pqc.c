/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PQC: the cryptography of TLS, QUIC and SSH sessions, as pqcinv inventories it.
 * Until the plugin lands, its members are guessed: a column whose member
 * is absent shows '-', and the summary column shows what is there.
 */
#include "ui_table.h"

static const char *const types[] = { "pqc_session", NULL };

static const struct ui_col cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "CLIENT", UI_COL_SRC, NULL, 19, false },
	{ "SERVER", UI_COL_DEST, NULL, 19, false },
	{ "CLASS", UI_COL_FIELD, "pqc_session.class", 12, false },
	{ "DETAILS", UI_COL_SUMMARY, NULL, 0, false },
	{ NULL, UI_COL_TIME, NULL, 0, false },
};

static const struct ui_table_spec spec = {
	.ts_types = types,
	.ts_type_label = "pqc_session",
	.ts_plugin = "pqcinv",
	.ts_cols = cols,
};

static struct ui_table table = { .t_spec = &spec };

const struct ui_screen ui_screen_pqc =
	UI_TABLE_SCREEN("PQC", "Cryptography inventory (pqcinv)", &table);
