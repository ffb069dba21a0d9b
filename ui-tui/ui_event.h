/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events as the console keeps them (an EVE object and what its screens read
 * from it), and the number and time formats every screen shares.  No curses.
 */
#ifndef UI_EVENT_H
#define UI_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ui_ev {
	json_t *e_obj;      /* the EVE object */
	char *e_raw;        /* its text: what text filters search */
	const char *e_type; /* event_type, in e_obj ("?" when absent) */
	int64_t e_ts_ns;    /* timestamp, Unix ns; 0 when unreadable */
	uint64_t e_hash;    /* of the canonical text: the same event twice has one hash */
};

/*
 * Makes an event of an EVE object (reference taken) or of its text (raw,
 * len; obj NULL).  NULL when the text is not a JSON object or memory is short.
 */
struct ui_ev *ui_ev_new(json_t *obj, const char *raw, size_t len);
void ui_ev_free(struct ui_ev *e);

/* Member at a dotted path ("flow.pkts_toserver"), or NULL. */
json_t *ui_ev_get(const struct ui_ev *e, const char *path);
/* The member as text ("" when absent; numbers and booleans written out). */
const char *ui_ev_text(const struct ui_ev *e, const char *path, char *buf, size_t len);
/* "192.0.2.1:443", "[2001:db8::1]:443", "192.0.2.1" (no port), "-". */
const char *ui_ev_endpoint(const struct ui_ev *e, bool dest, char *buf, size_t len);
/*
 * One line about the event's own members: "TCP 27p 6.54kB fin" for a flow, else the protocol and
 * the scalar members of the sub-object named after the type ("score=0.93 reason=beacon").
 */
const char *ui_ev_summary(const struct ui_ev *e, char *buf, size_t len);
/* The whole event, indented (free()). */
char *ui_ev_pretty(const struct ui_ev *e);

/* EVE or RFC 3339 time to Unix ns; -1 when unreadable. */
int64_t ui_time_parse(const char *s);
/* "15:04:05" within the last day of now_s, else "02-08 15:27" (local time). */
const char *ui_time_short(int64_t ns, int64_t now_s, char *buf, size_t len);

/* 3 significant digits with an SI suffix: "999", "12.3k", "7.01M". */
const char *ui_fmt_si(double v, char *buf, size_t len);
/* An integer with thousands separators: "1,234,567". */
const char *ui_fmt_count(uint64_t v, char *buf, size_t len);
/* "59 s", "12 m 03 s", "3 h 02 m", "4 d 07 h". */
const char *ui_fmt_duration(double s, char *buf, size_t len);

/* FNV-1a, 64 bits. */
uint64_t ui_hash(const void *p, size_t len);

#endif /* UI_EVENT_H */
