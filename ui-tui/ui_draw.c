/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "ui_draw.h"

#define PUT_MAX 1024 /* columns a single put draws at most */

static attr_t role_attr[UI_ROLE_COUNT];
static bool draw_utf8;
static bool draw_color;

static const wchar_t spark_u[] = L"▁▂▃▄▅▆▇█";
static const char spark_a[] = "_.,-=+*#";
static const wchar_t eighths[] = L" ▏▎▍▌▋▊▉█";

void
ui_draw_init(bool color, bool utf8)
{
	static const struct {
		short fg, bg;
		attr_t extra;
	} pairs[UI_ROLE_COUNT] = {
		[UI_NORMAL] = { -1, -1, 0 },
		[UI_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
		[UI_HEAD] = { COLOR_CYAN, -1, A_BOLD },
		[UI_DIM] = { -1, -1, A_DIM },
		[UI_OK] = { COLOR_GREEN, -1, 0 },
		[UI_WARN] = { COLOR_YELLOW, -1, A_BOLD },
		[UI_BAD] = { COLOR_RED, -1, A_BOLD },
		[UI_SEL] = { COLOR_BLACK, COLOR_CYAN, 0 },
		[UI_KEY] = { COLOR_BLACK, COLOR_CYAN, 0 },
		[UI_TAB] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
		[UI_SPARK] = { COLOR_GREEN, -1, 0 },
	};
	static const attr_t mono[UI_ROLE_COUNT] = {
		[UI_NORMAL] = A_NORMAL,
		[UI_TITLE] = A_REVERSE | A_BOLD,
		[UI_HEAD] = A_BOLD,
		[UI_DIM] = A_DIM,
		[UI_OK] = A_NORMAL,
		[UI_WARN] = A_BOLD,
		[UI_BAD] = A_BOLD | A_UNDERLINE,
		[UI_SEL] = A_REVERSE,
		[UI_KEY] = A_REVERSE,
		[UI_TAB] = A_REVERSE | A_BOLD,
		[UI_SPARK] = A_NORMAL,
	};

	draw_utf8 = utf8;
	draw_color = color && has_colors() && start_color() == OK;
	if (draw_color)
		use_default_colors();
	for (int r = 0; r < UI_ROLE_COUNT; r++) {
		if (!draw_color || r == UI_NORMAL || r == UI_DIM) {
			role_attr[r] = mono[r];
			continue;
		}
		init_pair((short)r, pairs[r].fg, pairs[r].bg);
		role_attr[r] = COLOR_PAIR(r) | pairs[r].extra;
	}
}

bool
ui_draw_utf8(void)
{
	return (draw_utf8);
}

attr_t
ui_attr(enum ui_role r)
{
	return (role_attr[r]);
}

/* Decodes s into at most width columns of printable wide characters. */
static size_t
clip(const char *s, int width, wchar_t *out, size_t cap, int *cols)
{
	mbstate_t st;
	size_t n = 0, len = strlen(s);
	int used = 0;

	memset(&st, 0, sizeof(st));
	while (len > 0 && n + 1 < cap) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &st);
		int w;

		if (k == (size_t)-1 || k == (size_t)-2) {
			/* Invalid or cut short: one byte shown as '?', then resync. */
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		} else if (k == 0) {
			break;
		}
		if ((w = wcwidth(wc)) < 0) {
			wc = L'?';
			w = 1;
		}
		if (used + w > width)
			break;
		out[n++] = wc;
		used += w;
		s += k;
		len -= k;
	}
	out[n] = L'\0';
	*cols = used;
	return (n);
}

int
ui_put(int y, int x, int width, enum ui_role r, const char *s)
{
	wchar_t buf[PUT_MAX + 1];
	size_t n;
	int cols;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return (0);
	if (x + width > COLS)
		width = COLS - x;
	n = clip(s, width < PUT_MAX ? width : PUT_MAX, buf, PUT_MAX + 1, &cols);
	attrset(ui_attr(r));
	mvaddnwstr(y, x, buf, (int)n);
	attrset(A_NORMAL);
	return (cols);
}

int
ui_putf(int y, int x, int width, enum ui_role r, const char *fmt, ...)
{
	char buf[PUT_MAX * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return (ui_put(y, x, width, r, buf));
}

int
ui_width(const char *s)
{
	wchar_t buf[PUT_MAX + 1];
	int cols;

	clip(s, PUT_MAX, buf, PUT_MAX + 1, &cols);
	return (cols);
}

int
ui_put_wrap(int y, int x, int width, int lines, enum ui_role r, const char *s)
{
	char buf[PUT_MAX * 4];
	int used = 0;

	while (*s != '\0' && used < lines) {
		size_t n = strlen(s), cut = n, sp = 0;

		/* The longest prefix that fits, then back to its last space. */
		while (cut > 0) {
			snprintf(buf, sizeof(buf), "%.*s", (int)cut, s);
			if (ui_width(buf) <= width)
				break;
			cut--;
		}
		if (cut < n) {
			for (sp = cut; sp > 0 && s[sp] != ' '; sp--)
				;
			if (sp > 0)
				cut = sp;
		}
		if (cut == 0)
			cut = n < (size_t)width ? n : (size_t)width;
		snprintf(buf, sizeof(buf), "%.*s", (int)cut, s);
		ui_put(y + used++, x, width, r, buf);
		s += cut;
		while (*s == ' ')
			s++;
	}
	return (used);
}

int
ui_put_right(int y, int x, int width, enum ui_role r, const char *s)
{
	int w = ui_width(s);

	if (w > width)
		return (ui_put(y, x, width, r, s));
	return (ui_put(y, x + width - w, w, r, s));
}

void
ui_fill(int y, int x, int width, enum ui_role r)
{
	if (y < 0 || y >= LINES || x >= COLS || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attrset(ui_attr(r));
	mvhline(y, x, ' ', width);
	attrset(A_NORMAL);
}

void
ui_spark(int y, int x, const double *v, size_t n, enum ui_role r)
{
	double max = 0;

	if (y < 0 || y >= LINES)
		return;
	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	attrset(ui_attr(r));
	for (size_t i = 0; i < n && x + (int)i < COLS; i++) {
		int lvl = max > 0 ? (int)(v[i] / max * 7 + 0.5) : 0;

		if (lvl < 0)
			lvl = 0;
		if (lvl > 7)
			lvl = 7;
		if (draw_utf8) {
			wchar_t wc[2] = { spark_u[lvl], L'\0' };

			mvaddnwstr(y, x + (int)i, wc, 1);
		} else {
			mvaddch(y, x + (int)i, (chtype)spark_a[lvl]);
		}
	}
	attrset(A_NORMAL);
}

void
ui_bar(int y, int x, int width, double frac, enum ui_role r)
{
	int full, part;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	full = (int)(frac * width);
	part = (int)((frac * width - full) * 8);
	for (int i = 0; i < width && x + i < COLS; i++) {
		if (draw_utf8) {
			wchar_t wc[2] = { i < full    ? eighths[8]
					  : i == full ? eighths[part]
						      : L' ',
				0 };

			if (i >= full && wc[0] == L' ')
				wc[0] = L'·';
			attrset(ui_attr(i > full || (i == full && part == 0) ? UI_DIM : r));
			mvaddnwstr(y, x + i, wc, 1);
		} else {
			attrset(ui_attr(i < full ? r : UI_DIM));
			mvaddch(y, x + i, i < full ? '#' : '.');
		}
	}
	attrset(A_NORMAL);
}

void
ui_box(int y, int x, int h, int w, enum ui_role r)
{
	attrset(ui_attr(r));
	for (int i = y; i < y + h; i++)
		mvhline(i, x, ' ', w);
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
}
