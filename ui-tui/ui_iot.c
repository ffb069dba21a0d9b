/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IoT: devices iotsense finds infected, weakly protected or vulnerable.
 * Until the plugin lands, its members are guessed: a column whose member
 * is absent shows '-', and the summary column shows what is there.
 */
#include "ui_table.h"

static const char *const types[] = { "iot_device", NULL };

static const struct ui_col cols[] = {
	{ "TIME", UI_COL_TIME, NULL, 11, false },
	{ "DEVICE", UI_COL_FIELD, "src_ip", 15, false },
	{ "PEER", UI_COL_DEST, NULL, 19, false },
	{ "FINDING", UI_COL_FIELD, "iot_device.finding", 14, false },
	{ "DETAILS", UI_COL_SUMMARY, NULL, 0, false },
	{ NULL, UI_COL_TIME, NULL, 0, false },
};

static const struct ui_table_spec spec = {
	.ts_types = types,
	.ts_type_label = "iot_device",
	.ts_plugin = "iotsense",
	.ts_cols = cols,
};

static struct ui_table table = { .t_spec = &spec };

const struct ui_screen ui_screen_iot = UI_TABLE_SCREEN("IoT", "IoT devices (iotsense)", &table);
