/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_draw.h"
#include "ui_evlist.h"

void
ui_evlist_init(struct ui_evlist *el)
{
	memset(el, 0, sizeof(*el));
	el->el_follow = true;
}

/* Finds the selected event again after the list changed. */
static void
resync(struct ui_evlist *el, struct ui_ev *const *v, size_t n)
{
	if (n == 0) {
		el->el_sel = 0;
		el->el_top = 0;
		return;
	}
	if (el->el_follow) {
		el->el_sel = 0;
	} else if (el->el_sel >= n || v[el->el_sel]->e_hash != el->el_sel_hash) {
		size_t i;

		for (i = 0; i < n && v[i]->e_hash != el->el_sel_hash; i++)
			;
		/* Gone (evicted, filtered out): stay at the same place. */
		el->el_sel = i < n ? i : (el->el_sel < n ? el->el_sel : n - 1);
	}
	el->el_sel_hash = v[el->el_sel]->e_hash;
}

static const char *
cell(const struct ui_col *c, const struct ui_ev *e, time_t now, char *buf, size_t len)
{
	switch (c->c_kind) {
	case UI_COL_TIME:
		return (ui_time_short(e->e_ts_ns, now, buf, len));
	case UI_COL_TYPE:
		return (e->e_type);
	case UI_COL_SRC:
		return (ui_ev_endpoint(e, false, buf, len));
	case UI_COL_DEST:
		return (ui_ev_endpoint(e, true, buf, len));
	case UI_COL_FIELD: {
		const char *s = ui_ev_text(e, c->c_path, buf, len);

		return (*s != '\0' ? s : "-");
	}
	case UI_COL_SUMMARY:
		return (ui_ev_summary(e, buf, len));
	}
	return ("");
}

/* One row of cells; returns nothing, draws within COLS. */
static void
draw_row(int y, const struct ui_col *cols, const struct ui_ev *e, time_t now, enum ui_role r)
{
	char buf[512];
	int x = 0;

	for (const struct ui_col *c = cols; c->c_title != NULL && x < COLS; c++) {
		int w = c->c_width > 0 && c->c_width < COLS - x ? c->c_width : COLS - x;
		const char *s = e != NULL ? cell(c, e, now, buf, sizeof(buf)) : c->c_title;

		if (c->c_right)
			ui_put_right(y, x, w, r, s);
		else
			ui_put(y, x, w, r, s);
		x += w + 1;
	}
}

static void
draw_detail(struct ui_evlist *el, const struct ui_ev *e, int y, int rows)
{
	char *text = ui_ev_pretty(e), *line, *save = NULL;
	int skip = el->el_dscroll, total = 0;

	if (text == NULL)
		return;
	for (char *p = text; *p != '\0'; p++)
		total += *p == '\n';
	total++;
	/* Not past the end: the last line stays at the bottom of the pane. */
	if (skip > total - rows)
		skip = total - rows > 0 ? total - rows : 0;
	el->el_dscroll = skip;
	for (line = strtok_r(text, "\n", &save); line != NULL && rows > 0;
		line = strtok_r(NULL, "\n", &save)) {
		if (skip-- > 0)
			continue;
		ui_put(y++, 1, COLS - 1, UI_NORMAL, line);
		rows--;
	}
	free(text);
}

void
ui_evlist_draw(struct ui_evlist *el, struct ui_ev *const *v, size_t n, const struct ui_col *cols,
	int top, int rows)
{
	time_t now = time(NULL);
	int list_rows = rows, visible;

	resync(el, v, n);
	if (el->el_detail && n > 0) {
		list_rows = rows * 2 / 5 < 4 ? 4 : rows * 2 / 5;
		if (list_rows > rows)
			list_rows = rows;
	}
	el->el_list_rows = list_rows;
	ui_fill(top, 0, COLS, UI_NORMAL);
	draw_row(top, cols, NULL, now, UI_HEAD);
	visible = list_rows - 1;
	if (visible <= 0)
		return;
	if (el->el_sel < el->el_top)
		el->el_top = el->el_sel;
	if (el->el_sel >= el->el_top + (size_t)visible)
		el->el_top = el->el_sel - (size_t)visible + 1;
	for (int i = 0; i < visible && el->el_top + (size_t)i < n; i++) {
		size_t k = el->el_top + (size_t)i;
		enum ui_role r = k == el->el_sel ? UI_SEL : UI_NORMAL;

		if (r == UI_SEL)
			ui_fill(top + 1 + i, 0, COLS, UI_SEL);
		draw_row(top + 1 + i, cols, v[k], now, r);
	}
	if (el->el_detail && n > 0 && rows - list_rows > 1) {
		int y = top + list_rows;

		el->el_detail_rows = rows - list_rows - 1;
		ui_fill(y, 0, COLS, UI_HEAD);
		ui_putf(y, 0, COLS, UI_HEAD, "-- %s details%s ", v[el->el_sel]->e_type,
			el->el_detail_focus ? " (arrows scroll; Tab: back to the list)"
					    : " (Tab: scroll them; Enter: close)");
		draw_detail(el, v[el->el_sel], y + 1, el->el_detail_rows);
	}
}

static void
select_at(struct ui_evlist *el, struct ui_ev *const *v, size_t n, long i)
{
	if (n == 0)
		return;
	if (i < 0)
		i = 0;
	if ((size_t)i >= n)
		i = (long)n - 1;
	el->el_sel = (size_t)i;
	el->el_sel_hash = v[i]->e_hash;
	el->el_follow = i == 0;
	el->el_dscroll = 0;
}

static void
toggle_detail(struct ui_evlist *el)
{
	el->el_detail = !el->el_detail;
	el->el_detail_focus = false;
	el->el_dscroll = 0;
}

bool
ui_evlist_key(struct ui_evlist *el, struct ui_ev *const *v, size_t n, struct ui_key k)
{
	long page = el->el_list_rows > 2 ? el->el_list_rows - 2 : 1, step = 0;
	int c = k.k_code;

	if (el->el_detail && el->el_detail_focus) {
		page = el->el_detail_rows > 1 ? el->el_detail_rows - 1 : 1;
		if ((k.k_fkey && c == KEY_UP) || (!k.k_fkey && c == 'k'))
			step = -1;
		else if ((k.k_fkey && c == KEY_DOWN) || (!k.k_fkey && c == 'j'))
			step = 1;
		else if (k.k_fkey && c == KEY_PPAGE)
			step = -page;
		else if (k.k_fkey && c == KEY_NPAGE)
			step = page;
		if (step != 0) {
			el->el_dscroll += (int)step;
			if (el->el_dscroll < 0)
				el->el_dscroll = 0;
			return (true);
		}
	}
	if (k.k_fkey) {
		switch (c) {
		case KEY_UP:
			select_at(el, v, n, (long)el->el_sel - 1);
			return (true);
		case KEY_DOWN:
			select_at(el, v, n, (long)el->el_sel + 1);
			return (true);
		case KEY_PPAGE:
			select_at(el, v, n, (long)el->el_sel - page);
			return (true);
		case KEY_NPAGE:
			select_at(el, v, n, (long)el->el_sel + page);
			return (true);
		case KEY_HOME:
			select_at(el, v, n, 0);
			el->el_follow = true;
			return (true);
		case KEY_END:
			select_at(el, v, n, (long)n - 1);
			return (true);
		case KEY_ENTER:
			toggle_detail(el);
			return (true);
		default:
			return (false);
		}
	}
	switch (c) {
	case 'k':
		select_at(el, v, n, (long)el->el_sel - 1);
		return (true);
	case 'j':
		select_at(el, v, n, (long)el->el_sel + 1);
		return (true);
	case 'g':
		select_at(el, v, n, 0);
		el->el_follow = true;
		return (true);
	case 'G':
		select_at(el, v, n, (long)n - 1);
		return (true);
	case '\n':
	case '\r':
		toggle_detail(el);
		return (true);
	case '\t':
		if (!el->el_detail)
			return (false);
		el->el_detail_focus = !el->el_detail_focus;
		return (true);
	case 27:
		if (!el->el_detail)
			return (false);
		el->el_detail = false;
		el->el_detail_focus = false;
		return (true);
	}
	return (false);
}

size_t
ui_evlist_newer(const struct ui_evlist *el)
{
	return (el->el_follow ? 0 : el->el_sel);
}

const char *
ui_evlist_hint(const struct ui_evlist *el)
{
	if (el->el_detail)
		return ("Enter close  Tab scroll details  Home newest");
	return ("arrows select  Enter details  Home follow");
}
