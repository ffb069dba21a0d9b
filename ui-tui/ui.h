/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-console: the console's state, its screens and what they share.
 *
 * Layout: line 0 is the title (screen, connections, clock); the screen
 * draws lines 1 .. LINES-3; line LINES-2 holds the screen's keys, a message,
 * a y/n question or the filter being typed; line LINES-1 lists the screens.
 */
#ifndef UI_H
#define UI_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include "ui_model.h"

#define UI_PROG "mamori-console"

struct ui;

/* A key: a character (fkey false) or a curses KEY_* code (fkey true). */
struct ui_key {
	int k_code;
	bool k_fkey;
};

struct ui_screen {
	const char *sc_name;  /* in the footer: "Overview" */
	const char *sc_title; /* in the title line */
	/* Draws lines top .. top+rows-1. */
	void (*sc_draw)(struct ui *u, const struct ui_screen *sc, int top, int rows);
	/* A key the console did not take; true when used. */
	bool (*sc_key)(struct ui *u, const struct ui_screen *sc, struct ui_key k);
	/* Every refresh period while shown: ask for what the screen needs. */
	void (*sc_tick)(struct ui *u, const struct ui_screen *sc, uint64_t now_ms);
	/* The keys line: what the screen's own keys do. */
	const char *(*sc_hint)(struct ui *u, const struct ui_screen *sc);
	void (*sc_fini)(struct ui *u, const struct ui_screen *sc);
	void *sc_state;
};

enum ui_mode {
	UI_MODE_NORMAL,
	UI_MODE_HELP,
	UI_MODE_CONFIRM, /* a y/n question on the keys line */
	UI_MODE_INPUT,   /* a line being typed on the keys line */
};

typedef void (*ui_confirm_fn)(struct ui *u, const char *arg);
typedef void (*ui_input_fn)(struct ui *u, const char *text);

#define UI_INPUT_MAX 200

struct ui {
	/* Options */
	const char *u_control;
	const char *u_store;
	const char *u_live;
	const char *u_site; /* a central store's queries restricted to this site, or NULL */
	double u_refresh_s;
	bool u_read_only;
	bool u_color;

	struct ui_model u_model;
	const struct ui_screen *const *u_screens;
	unsigned u_nscreens;
	unsigned u_cur;

	enum ui_mode u_mode;
	char u_confirm_q[160];  /* the question */
	char u_confirm_arg[64]; /* handed to the action */
	ui_confirm_fn u_confirm_do;
	char u_input_label[64];
	wchar_t u_input[UI_INPUT_MAX + 1];
	size_t u_input_len;
	ui_input_fn u_input_done;

	char u_msg[256]; /* a passing message on the keys line */
	bool u_msg_err;
	uint64_t u_msg_until_ms;
	unsigned u_action_seen; /* d_action_seq of the last action shown */

	bool u_dirty; /* redraw at the next chance */
	bool u_quit;
};

/* The screens, in footer order (keys 1..7, F1..F7). */
extern const struct ui_screen ui_screen_overview;
extern const struct ui_screen ui_screen_alerts;
extern const struct ui_screen ui_screen_c2;
extern const struct ui_screen ui_screen_iot;
extern const struct ui_screen ui_screen_pqc;
extern const struct ui_screen ui_screen_eseal;
extern const struct ui_screen ui_screen_exercise;

/* ui_frame.c: title, footer, help, messages, questions and input. */
void ui_frame_draw(struct ui *u);
void ui_message(struct ui *u, bool err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_confirm(struct ui *u, const char *question, ui_confirm_fn fn, const char *arg);
void ui_input(struct ui *u, const char *label, const char *initial, ui_input_fn done);
/* Keys for the modes above; true when taken. */
bool ui_frame_key(struct ui *u, struct ui_key k);

/* ui_control.c: control actions, each behind a y/n question. */
bool ui_control_key(struct ui *u, struct ui_key k, const char *plugin);
const char *ui_control_hint(const struct ui *u);

#endif /* UI_H */
