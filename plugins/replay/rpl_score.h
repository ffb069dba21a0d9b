/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scoring an exercise run against its scenario's ground truth.
 *
 * Each item is detected when an event of its type, whose members match the
 * item's keys (after the source's rewrite maps), falls in its window after
 * t0 (the schedule's zero); time to detect is the first such event's time
 * minus the window's start (the injection time).  An item whose plugin is
 * not installed cannot be scored and leaves the totals.  Events of the
 * false-positive types that match no item are false positives.
 *	precision = matching events / (matching events + false positives)
 *	recall    = detected items / scorable items
 *	score     = points of detected items / points of scorable items (percent)
 * and the run passes when the score reaches the scenario's pass mark.
 *
 * The events may be mamorid's (from an EVE file or the store) or a
 * trainee's report: the same rules score both.
 */
#ifndef RPL_SCORE_H
#define RPL_SCORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "rpl_scenario.h"

struct rpl_score_conf {
	const char *sc_run; /* only events with this "exercise" member (NULL: all) */
	uint64_t sc_t0_ns;  /* 0: from the run's exercise_run "started" event */
	/* Whether a plugin is installed (NULL: every plugin is). */
	bool (*sc_installed)(void *arg, const char *plugin);
	void *sc_arg;
};

/* EVE time ("2026-04-01T00:00:00.123456+0000", "...Z", "+09:00") or Unix ns; 0 if neither. */
uint64_t rpl_parse_time_ns(const json_t *v);

/* t0 of a run: the time its exercise_run "started" event announced; 0 when absent. */
uint64_t rpl_run_t0(const json_t *events, const char *run);

/*
 * Scores events (a JSON array of EVE objects) for sn.  Returns the report
 * object, or NULL with err set (no t0 found, out of memory).
 */
json_t *rpl_score(const struct rpl_scenario *sn, const json_t *events,
	const struct rpl_score_conf *conf, char *err, size_t errlen);
/* The report as a printable summary. */
void rpl_score_print(FILE *f, const json_t *report);

#endif /* RPL_SCORE_H */
