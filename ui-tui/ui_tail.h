/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live tail: the events the console has seen, in the order they were
 * committed as far as it can tell, bounded, and the filters that narrow it.
 * No curses.
 *
 * Events arrive from the store's live view (newest end) and from queries:
 * the first fill and filter searches bring events committed before the
 * console listened (oldest end), a fill after a reconnection brings those
 * committed while it was away (newest end).  The same event never appears
 * twice: queries are merged by the hash of the event's canonical text.
 */
#ifndef UI_TAIL_H
#define UI_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mamori/netaddr.h"
#include "ui_event.h"

struct ui_tail {
	struct ui_ev **t_v; /* circular: t_head is the oldest */
	size_t t_cap;
	size_t t_head;
	size_t t_n;
	uint64_t t_gen;     /* changes whenever the content does */
	uint64_t t_evicted; /* dropped at the oldest end to make room */
};

int ui_tail_init(struct ui_tail *t, size_t cap);
void ui_tail_fini(struct ui_tail *t);
/* The i-th event, 0 the oldest. */
struct ui_ev *ui_tail_at(const struct ui_tail *t, size_t i);
/* Adds the newest event (taken), evicting the oldest when full. */
void ui_tail_push_new(struct ui_tail *t, struct ui_ev *e);
/* Adds an event older than all (taken); freed when the tail is full. */
bool ui_tail_push_old(struct ui_tail *t, struct ui_ev *e);
bool ui_tail_has(const struct ui_tail *t, uint64_t hash);
/*
 * Merges a query's answer (EVE objects newest first) at one end, skipping
 * events already there; returns how many were added.
 */
size_t ui_tail_merge(struct ui_tail *t, const json_t *events, bool at_old_end);

#define UI_FILTER_TERMS 8

/*
 * "type:flow type:exercise_*" (any of), "ip:10.0.0.0/8 addr:2001:db8::1"
 * (source or destination in any of), other words: all of them in the event's
 * text, ignoring case.  The groups combine with AND.
 */
struct ui_filter {
	char f_text[256]; /* as typed; "" matches everything */
	char *f_types[UI_FILTER_TERMS];
	unsigned f_ntypes;
	struct mm_prefix f_ips[UI_FILTER_TERMS];
	char f_ip_text[UI_FILTER_TERMS][64];
	unsigned f_nips;
	char *f_words[UI_FILTER_TERMS];
	unsigned f_nwords;
};

/* 0, or -EINVAL with err naming the bad term (the filter is then unchanged). */
int ui_filter_parse(struct ui_filter *f, const char *text, char *err, size_t errlen);
void ui_filter_clear(struct ui_filter *f);
bool ui_filter_match(const struct ui_filter *f, const struct ui_ev *e);
/* True when the type matches a "type:" term pattern (a trailing '*' is a prefix). */
bool ui_type_match(const char *pattern, const char *type);
/* The store query members that narrow the same way, or NULL when none do. */
json_t *ui_filter_query(const struct ui_filter *f);

#endif /* UI_TAIL_H */
