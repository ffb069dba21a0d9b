/* SPDX-License-Identifier: BSD-3-Clause */
/* What every screen has around it: title, keys line, footer, help, questions. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "ui.h"
#include "ui_draw.h"

#define MSG_SHOW_MS 6000

void
ui_message(struct ui *u, bool err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->u_msg, sizeof(u->u_msg), fmt, ap);
	va_end(ap);
	u->u_msg_err = err;
	u->u_msg_until_ms = ui_now_ms() + MSG_SHOW_MS;
	u->u_dirty = true;
}

void
ui_confirm(struct ui *u, const char *question, ui_confirm_fn fn, const char *arg)
{
	snprintf(u->u_confirm_q, sizeof(u->u_confirm_q), "%s", question);
	snprintf(u->u_confirm_arg, sizeof(u->u_confirm_arg), "%s", arg != NULL ? arg : "");
	u->u_confirm_do = fn;
	u->u_mode = UI_MODE_CONFIRM;
	u->u_dirty = true;
}

void
ui_input(struct ui *u, const char *label, const char *initial, ui_input_fn done)
{
	size_t n;

	snprintf(u->u_input_label, sizeof(u->u_input_label), "%s", label);
	n = mbstowcs(u->u_input, initial, UI_INPUT_MAX);
	u->u_input_len = n == (size_t)-1 ? 0 : n;
	u->u_input[u->u_input_len] = L'\0';
	u->u_input_done = done;
	u->u_mode = UI_MODE_INPUT;
	u->u_dirty = true;
}

static void
input_finish(struct ui *u, bool apply)
{
	char text[UI_INPUT_MAX * MB_LEN_MAX + 1];
	size_t n;

	u->u_mode = UI_MODE_NORMAL;
	curs_set(0);
	if (!apply)
		return;
	u->u_input[u->u_input_len] = L'\0';
	n = wcstombs(text, u->u_input, sizeof(text) - 1);
	text[n == (size_t)-1 ? 0 : n] = '\0';
	u->u_input_done(u, text);
}

static bool
is_key(struct ui_key k, int c)
{
	return (!k.k_fkey && k.k_code == c);
}

bool
ui_frame_key(struct ui *u, struct ui_key k)
{
	switch (u->u_mode) {
	case UI_MODE_NORMAL:
		return (false);
	case UI_MODE_HELP:
		u->u_mode = UI_MODE_NORMAL;
		return (true);
	case UI_MODE_CONFIRM:
		if (is_key(k, 'y') || is_key(k, 'Y')) {
			u->u_mode = UI_MODE_NORMAL;
			u->u_confirm_do(u, u->u_confirm_arg);
		} else if (is_key(k, 'n') || is_key(k, 'N') || is_key(k, 27) || is_key(k, 'q')) {
			u->u_mode = UI_MODE_NORMAL;
			ui_message(u, false, "cancelled");
		}
		return (true);
	case UI_MODE_INPUT:
		if (is_key(k, '\n') || is_key(k, '\r') || (k.k_fkey && k.k_code == KEY_ENTER)) {
			input_finish(u, true);
		} else if (is_key(k, 27)) {
			input_finish(u, false);
		} else if ((k.k_fkey && k.k_code == KEY_BACKSPACE) || is_key(k, 127) ||
			   is_key(k, 8)) {
			if (u->u_input_len > 0)
				u->u_input_len--;
		} else if (is_key(k, 21)) { /* ^U */
			u->u_input_len = 0;
		} else if (!k.k_fkey && iswprint((wint_t)k.k_code) &&
			   u->u_input_len < UI_INPUT_MAX) {
			u->u_input[u->u_input_len++] = (wchar_t)k.k_code;
		}
		u->u_input[u->u_input_len] = L'\0';
		return (true);
	}
	return (false);
}

/* "ok", "connecting" or "disconnected", with the role to show it in. */
static const char *
link_state(const struct ui_link *q, const struct ui_link *live, enum ui_role *r)
{
	bool up = ui_link_up(q) && (live == NULL || ui_link_up(live));

	if (up) {
		*r = UI_TITLE;
		return ("ok");
	}
	if (!q->l_ever && strcmp(q->l_error, "connecting") == 0) {
		*r = UI_WARN;
		return ("connecting");
	}
	*r = UI_BAD;
	return ("disconnected");
}

/*
 * " Mamori console | Overview      mamorid: ok  store: ok  12:34:56": when the
 * line is short, the clock goes first, then the name; the connections stay.
 */
static void
draw_title(struct ui *u)
{
	const struct ui_model *m = &u->u_model;
	const struct ui_screen *sc = u->u_screens[u->u_cur];
	char clock[16], d[48], s[48], left[160];
	enum ui_role rd, rs;
	time_t now = time(NULL);
	struct tm tm;
	int wd, ws, wc, wl, x;

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&now, &tm));
	snprintf(d, sizeof(d), "mamorid: %s", link_state(&m->m_d.d_link, NULL, &rd));
	snprintf(s, sizeof(s), "store: %s", link_state(&m->m_s.s_query, &m->m_s.s_live, &rs));
	wd = ui_width(d);
	ws = ui_width(s);
	wc = ui_width(clock) + 2;
	snprintf(left, sizeof(left), " Mamori console | %s", sc->sc_title);
	wl = ui_width(left) + 2;
	if (wl + wd + 2 + ws + wc + 1 > COLS) {
		snprintf(left, sizeof(left), " %s", sc->sc_title);
		wl = ui_width(left) + 2;
	}
	if (wl + wd + 2 + ws + wc + 1 > COLS)
		wc = 0;
	ui_fill(0, 0, COLS, UI_TITLE);
	x = COLS - 1 - wd - 2 - ws - wc;
	if (x < 0) /* narrower than the connections: they come first */
		x = 0;
	ui_put(0, 0, x - 1, UI_TITLE, left);
	x += ui_put(0, x, COLS - x, rd, d) + 2;
	x += ui_put(0, x, COLS - x, rs, s);
	if (wc > 0)
		ui_put(0, x + 2, wc - 2, UI_TITLE, clock);
}

static void
draw_keys_line(struct ui *u)
{
	const struct ui_screen *sc = u->u_screens[u->u_cur];
	int y = LINES - 2, x;
	char label[80];

	ui_fill(y, 0, COLS, UI_NORMAL);
	if (u->u_mode == UI_MODE_CONFIRM) {
		x = ui_put(y, 0, COLS, UI_WARN, u->u_confirm_q);
		ui_put(y, x, COLS - x, UI_KEY, " y/n ");
		return;
	}
	if (u->u_mode == UI_MODE_INPUT) {
		int w;

		snprintf(label, sizeof(label), "%s: ", u->u_input_label);
		x = ui_put(y, 0, COLS, UI_HEAD, label);
		attrset(A_NORMAL);
		/* Show the end of a long line: the cursor stays on screen. */
		{
			const wchar_t *s = u->u_input;

			w = wcswidth(s, u->u_input_len);
			while (w > COLS - x - 1 && *s != L'\0') {
				int cw = wcwidth(*s);

				w -= cw > 0 ? cw : 0;
				s++;
			}
			mvaddnwstr(y, x, s, (int)wcslen(s));
			move(y, x + (w > 0 ? w : 0));
		}
		curs_set(1);
		return;
	}
	if (u->u_msg[0] != '\0' && ui_now_ms() < u->u_msg_until_ms) {
		ui_put(y, 0, COLS, u->u_msg_err ? UI_BAD : UI_OK, u->u_msg);
		return;
	}
	x = 0;
	if (sc->sc_hint != NULL)
		x = ui_put(y, 0, COLS, UI_DIM, sc->sc_hint(u, sc));
	if (x > 0)
		x += 2;
	ui_put(y, x, COLS - x, u->u_read_only ? UI_WARN : UI_DIM, ui_control_hint(u));
}

static void
draw_footer(struct ui *u)
{
	int y = LINES - 1, x = 0;
	char key[16];

	ui_fill(y, 0, COLS, UI_NORMAL);
	for (unsigned i = 0; i < u->u_nscreens && x < COLS; i++) {
		snprintf(key, sizeof(key), "%u", i + 1);
		x += ui_put(y, x, COLS - x, UI_KEY, key);
		x += ui_put(y, x, COLS - x, i == u->u_cur ? UI_TAB : UI_NORMAL,
			u->u_screens[i]->sc_name);
		x++;
	}
	x += ui_put(y, x, COLS - x, UI_KEY, "?");
	x += ui_put(y, x, COLS - x, UI_NORMAL, "Help") + 1;
	x += ui_put(y, x, COLS - x, UI_KEY, "q");
	x += ui_put(y, x, COLS - x, UI_NORMAL, "Quit") + 1;
	if (u->u_read_only)
		ui_put_right(y, x, COLS - x, UI_WARN, "READ-ONLY");
}

static const char *const help_text[] = {
	"1-7, F1-F7     Overview, Alerts, C2, IoT, PQC, e-seal, Exercise",
	"Left, Right    previous, next screen",
	"Up, Down, j k  select            PgUp, PgDn   a page",
	"Home, End      newest (follow the tail), oldest",
	"Enter          details of the selected event; Tab scrolls them",
	"/              filter the Alerts: type:flow ip:10.0.0.0/8 words",
	"Esc            clear the filter, close the details",
	"r              reload mamorid's configuration and patterns",
	"e, d           enable, disable the selected plugin (Overview)",
	"s              stop mamorid       (each control key asks y/n)",
	"Ctrl-L         redraw             ?  this help      q, F10  quit",
	NULL,
};

static void
draw_help(struct ui *u)
{
	int n = 0, w = 72, h, y, x, row;
	enum ui_role r;
	const char *st;

	while (help_text[n] != NULL)
		n++;
	h = n + 8;
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	ui_box(y, x, h, w, UI_NORMAL);
	ui_put(y, x + 2, w - 4, UI_HEAD, " mamori-console: keys ");
	for (row = 0; row < n && row + 1 < h - 1; row++)
		ui_put(y + 1 + row, x + 2, w - 4, UI_NORMAL, help_text[row]);
	row++;
	st = link_state(&u->u_model.m_d.d_link, NULL, &r);
	if (row < h - 2)
		ui_putf(y + 1 + row++, x + 2, w - 4, UI_NORMAL, "mamorid control  %s (%s)",
			u->u_control, st);
	st = link_state(&u->u_model.m_s.s_query, NULL, &r);
	if (row < h - 2)
		ui_putf(y + 1 + row++, x + 2, w - 4, UI_NORMAL, "store queries    %s (%s)",
			u->u_store, st);
	st = link_state(&u->u_model.m_s.s_live, NULL, &r);
	if (row < h - 2)
		ui_putf(y + 1 + row++, x + 2, w - 4, UI_NORMAL,
			"store live view  %s (%s, %llu messages)", u->u_live, st,
			(unsigned long long)u->u_model.m_s.s_live_msgs);
	if (row < h - 2)
		ui_putf(y + 1 + row++, x + 2, w - 4, UI_DIM,
			"%srefresh every %.1f s; any key closes",
			u->u_read_only ? "read-only; " : "", u->u_refresh_s);
}

void
ui_frame_draw(struct ui *u)
{
	const struct ui_screen *sc = u->u_screens[u->u_cur];

	erase();
	curs_set(0);
	if (COLS < 20 || LINES < 6) {
		ui_put(0, 0, COLS, UI_BAD, "terminal too small");
	} else {
		draw_title(u);
		sc->sc_draw(u, sc, 1, LINES - 3);
		draw_footer(u);
		if (u->u_mode == UI_MODE_HELP)
			draw_help(u);
		/* Last: it places the cursor when a line is being typed. */
		draw_keys_line(u);
	}
	wnoutrefresh(stdscr);
	doupdate();
}
