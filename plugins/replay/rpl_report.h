/* SPDX-License-Identifier: BSD-3-Clause */
/* What a replay run did, as JSON (the tool's --report-json, the plugin's events). */
#ifndef RPL_REPORT_H
#define RPL_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "rpl_engine.h"
#include "rpl_pace.h"

/* "2026-04-01T00:00:00.000000+0000", as Suricata's EVE. */
void rpl_eve_time(uint64_t ns, char *buf, size_t len);
#define RPL_EVE_TIME_LEN 40

/* n per second over ns nanoseconds (0 when ns is). */
double rpl_report_rate(uint64_t n, uint64_t ns);
/* {"frames", "sent", "bytes", "elapsed_s", "pps", "mbps", "timing_error_ns": {...}, ...} */
json_t *rpl_report_json(
	const struct rpl_engine *en, const struct rpl_pace_result *res, bool topspeed);
/* The same as lines for people. */
void rpl_report_print(
	FILE *f, const struct rpl_engine *en, const struct rpl_pace_result *res, bool topspeed);

#endif /* RPL_REPORT_H */
