/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A list of events, newest first, with a selection that stays on its event
 * while others arrive, columns from a small spec, and a detail pane with the
 * selected event pretty-printed.  The Alerts and the plugin screens use it.
 */
#ifndef UI_EVLIST_H
#define UI_EVLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui.h"
#include "ui_event.h"

enum ui_col_kind {
	UI_COL_TIME,    /* timestamp, short */
	UI_COL_TYPE,    /* event_type */
	UI_COL_SRC,     /* src_ip:src_port */
	UI_COL_DEST,    /* dest_ip:dest_port */
	UI_COL_FIELD,   /* the member at c_path */
	UI_COL_SUMMARY, /* ui_ev_summary() */
};

struct ui_col {
	const char *c_title;
	enum ui_col_kind c_kind;
	const char *c_path; /* UI_COL_FIELD: "c2_candidate.score" */
	int c_width;        /* columns; 0: the rest of the line */
	bool c_right;       /* right-aligned (numbers) */
};

struct ui_evlist {
	bool el_follow;       /* the selection stays on the newest event */
	uint64_t el_sel_hash; /* else: the selected event */
	size_t el_sel;        /* its index in the list */
	size_t el_top;        /* the first row shown */
	bool el_detail;       /* the detail pane is open */
	bool el_detail_focus; /* arrows scroll the details */
	int el_dscroll;       /* first detail line shown */
	int el_list_rows;     /* rows the list had at the last draw */
	int el_detail_rows;
};

void ui_evlist_init(struct ui_evlist *el);
/* Draws v[0..n) (newest first) in rows lines from top. */
void ui_evlist_draw(struct ui_evlist *el, struct ui_ev *const *v, size_t n,
	const struct ui_col *cols, int top, int rows);
/* Moves the selection, opens and scrolls the details; true when the key was used. */
bool ui_evlist_key(struct ui_evlist *el, struct ui_ev *const *v, size_t n, struct ui_key k);
/* Events above the selection (newer) when not following. */
size_t ui_evlist_newer(const struct ui_evlist *el);
/* The keys line for a list. */
const char *ui_evlist_hint(const struct ui_evlist *el);

#endif /* UI_EVLIST_H */
