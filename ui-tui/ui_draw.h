/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drawing primitives on stdscr: attributes by role (colour, or monochrome
 * attributes when there is no colour), text clipped to a display width
 * (UTF-8 aware: wide characters count two columns, control characters and
 * invalid bytes are shown as '?'), sparklines and bars.
 */
#ifndef UI_DRAW_H
#define UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

enum ui_role {
	UI_NORMAL,
	UI_TITLE, /* the top line */
	UI_HEAD,  /* section and column headings */
	UI_DIM,   /* stale or secondary */
	UI_OK,
	UI_WARN,
	UI_BAD, /* disconnected, drops rising, refusals */
	UI_SEL, /* the selected row */
	UI_KEY, /* a key in the footer */
	UI_TAB, /* the current screen in the footer */
	UI_SPARK,
	UI_ROLE_COUNT,
};

/* Sets up colours (when color and the terminal has them) and the glyphs. */
void ui_draw_init(bool color, bool utf8);
bool ui_draw_utf8(void);
attr_t ui_attr(enum ui_role r);

/*
 * Writes s at (y, x) within width columns, clipped by display width; returns
 * the columns used.  ui_putf formats first.
 */
int ui_put(int y, int x, int width, enum ui_role r, const char *s);
int ui_putf(int y, int x, int width, enum ui_role r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Like ui_put, right-aligned in width columns. */
int ui_put_right(int y, int x, int width, enum ui_role r, const char *s);
/* Fills width columns with blanks in the role's attribute (a bar, a selection). */
void ui_fill(int y, int x, int width, enum ui_role r);
/* Writes s over at most lines lines, broken at spaces; returns the lines used. */
int ui_put_wrap(int y, int x, int width, int lines, enum ui_role r, const char *s);
/* Display width of s as ui_put would draw it. */
int ui_width(const char *s);

/* n values as a sparkline (▁..█, or ASCII), scaled to the largest of them. */
void ui_spark(int y, int x, const double *v, size_t n, enum ui_role r);
/* A bar of width columns filled to frac (0..1) with eighths (or '#'). */
void ui_bar(int y, int x, int width, double frac, enum ui_role r);
/* A framed box (ACS lines, which ncurses draws in ASCII when it must). */
void ui_box(int y, int x, int h, int w, enum ui_role r);

#endif /* UI_DRAW_H */
