/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "rpl_report.h"

void
rpl_eve_time(uint64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char date[32];

	gmtime_r(&s, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06u+0000", date, (unsigned)(ns % 1000000000ULL / 1000));
}

double
rpl_report_rate(uint64_t n, uint64_t ns)
{
	return (ns > 0 ? (double)n * 1e9 / (double)ns : 0);
}

json_t *
rpl_report_json(const struct rpl_engine *en, const struct rpl_pace_result *res, bool topspeed)
{
	char t0[RPL_EVE_TIME_LEN];
	json_t *o;

	rpl_eve_time(res->pr_t0_ns, t0, sizeof(t0));
	o = json_pack("{s:I, s:I, s:I, s:s, s:f, s:f, s:f, s:f, s:b, s:I, s:b, s:{s:I, s:I, s:I}}",
		"frames", (json_int_t)en->en_sched.sc_n, "sent", (json_int_t)res->pr_sent, "bytes",
		(json_int_t)res->pr_bytes, "t0", t0, "schedule_s",
		(double)en->en_sched.sc_end_ns / 1e9, "elapsed_s", (double)res->pr_elapsed_ns / 1e9,
		"pps", rpl_report_rate(res->pr_sent, res->pr_elapsed_ns), "mbps",
		rpl_report_rate(res->pr_bytes * 8, res->pr_elapsed_ns) / 1e6, "topspeed", topspeed,
		"retries", (json_int_t)res->pr_retries, "stopped", res->pr_stopped, "rewrite",
		"frames", (json_int_t)en->en_rw.rs_rewritten, "l4_checksum_kept",
		(json_int_t)en->en_rw.rs_l4_partial, "not_ip", (json_int_t)en->en_rw.rs_undecoded);
	if (o != NULL && !topspeed)
		json_object_set_new(o, "timing_error_ns",
			json_pack("{s:I, s:I, s:I, s:f}", "p50", (json_int_t)res->pr_err_p50, "p99",
				(json_int_t)res->pr_err_p99, "max", (json_int_t)res->pr_err_max,
				"mean", res->pr_err_mean));
	return (o);
}

void
rpl_report_print(
	FILE *f, const struct rpl_engine *en, const struct rpl_pace_result *res, bool topspeed)
{
	fprintf(f,
		"sent %" PRIu64 " of %zu frames, %" PRIu64
		" bytes in %.3f s (%.0f pps, %.1f Mbit/s)%s\n",
		res->pr_sent, en->en_sched.sc_n, res->pr_bytes, (double)res->pr_elapsed_ns / 1e9,
		rpl_report_rate(res->pr_sent, res->pr_elapsed_ns),
		rpl_report_rate(res->pr_bytes * 8, res->pr_elapsed_ns) / 1e6,
		res->pr_stopped ? " (stopped)" : "");
	if (!topspeed)
		fprintf(f,
			"timing error: p50 %.1f us, p99 %.1f us, max %.1f us, mean %.1f us "
			"(schedule %.3f s)\n",
			(double)res->pr_err_p50 / 1e3, (double)res->pr_err_p99 / 1e3,
			(double)res->pr_err_max / 1e3, res->pr_err_mean / 1e3,
			(double)en->en_sched.sc_end_ns / 1e9);
	if (en->en_rw.rs_rewritten > 0)
		fprintf(f,
			"rewritten: %" PRIu64 " frames (%" PRIu64
			" kept their L4 checksum: captured short)\n",
			en->en_rw.rs_rewritten, en->en_rw.rs_l4_partial);
}
