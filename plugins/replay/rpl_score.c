/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpl_report.h"
#include "rpl_score.h"

struct item_state {
	bool is_scorable;
	uint64_t is_first_ns;
	uint64_t is_events;
};

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hhmm|+hh:mm)" → Unix ns. */
static uint64_t
parse_rfc3339(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	uint64_t frac = 0, scale = 1000000000ULL;
	long off = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return (0);
	s += n;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
		}
	}
	if (*s == '+' || *s == '-') {
		int oh, om;

		if (sscanf(s + 1, "%2d:%2d", &oh, &om) != 2 &&
			sscanf(s + 1, "%2d%2d", &oh, &om) != 2)
			return (0);
		off = (oh * 3600L + om * 60L) * (*s == '-' ? -1 : 1);
	} else if (*s != 'Z' && *s != '\0') {
		return (0);
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm) - off;
	if (t < 0)
		return (0);
	return ((uint64_t)t * 1000000000ULL + frac);
}

uint64_t
rpl_parse_time_ns(const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return ((uint64_t)json_integer_value(v));
	if (json_is_string(v))
		return (parse_rfc3339(json_string_value(v)));
	return (0);
}

/* The member at a dotted path ("flow.pkts_toserver"). */
static const json_t *
member(const json_t *ev, const char *path)
{
	char buf[128], *save = NULL, *tok;
	const json_t *v = ev;

	if (strlen(path) >= sizeof(buf))
		return (NULL);
	strcpy(buf, path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && v != NULL;
		tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return (v);
}

/* An address matches a prefix or an equal address. */
static int
addr_match(const char *want, const char *have)
{
	uint8_t w[16], h[16];
	char buf[64], *slash;
	int fam, plen;

	if (strlen(want) >= sizeof(buf))
		return (-1);
	strcpy(buf, want);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, w) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, buf, w) == 1)
		fam = AF_INET6;
	else
		return (-1); /* not an address: compare as text */
	if (inet_pton(fam, have, h) != 1)
		return (0);
	plen = slash != NULL ? atoi(slash) : (fam == AF_INET ? 32 : 128);
	for (int i = 0; i < plen / 8; i++)
		if (w[i] != h[i])
			return (0);
	if (plen % 8 != 0) {
		uint8_t mask = (uint8_t)(0xff00 >> (plen % 8));

		if ((w[plen / 8] & mask) != (h[plen / 8] & mask))
			return (0);
	}
	return (1);
}

static bool
value_match(const char *want, const json_t *have)
{
	char *end;
	double d;
	int am;

	if (have == NULL)
		return (false);
	if (json_is_string(have)) {
		if ((am = addr_match(want, json_string_value(have))) >= 0)
			return (am == 1);
		return (strcmp(want, json_string_value(have)) == 0);
	}
	if (json_is_number(have)) {
		d = strtod(want, &end);
		return (end != want && *end == '\0' && d == json_number_value(have));
	}
	if (json_is_boolean(have))
		return (strcmp(want, json_is_true(have) ? "true" : "false") == 0);
	return (false);
}

static bool
item_match(const struct rpl_item *it, const json_t *ev, const char *type, uint64_t ts, uint64_t t0)
{
	if (strcmp(it->it_event_type, type) != 0)
		return (false);
	if (ts < t0 + it->it_from_ns || (it->it_to_ns != UINT64_MAX && ts > t0 + it->it_to_ns))
		return (false);
	for (unsigned k = 0; k < it->it_nmatch; k++)
		if (!value_match(it->it_match[k].kv_value, member(ev, it->it_match[k].kv_key)))
			return (false);
	return (true);
}

static bool
in_run(const json_t *ev, const char *run)
{
	const char *ex = json_string_value(json_object_get(ev, "exercise"));

	return (run == NULL || (ex != NULL && strcmp(ex, run) == 0));
}

uint64_t
rpl_run_t0(const json_t *events, const char *run)
{
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev)
	{
		const json_t *r = json_object_get(ev, "exercise_run");
		const char *st = json_string_value(json_object_get(r, "state"));

		if (r != NULL && st != NULL && strcmp(st, "started") == 0 && in_run(ev, run))
			return (rpl_parse_time_ns(json_object_get(r, "t0")));
	}
	return (0);
}

static bool
is_fp_type(const struct rpl_scenario *sn, const struct item_state *st, const char *type)
{
	if (strncmp(type, "exercise_", 9) == 0)
		return (false);
	if (sn->sn_fp_types != NULL) {
		for (unsigned i = 0; i < sn->sn_nfp; i++)
			if (strcmp(sn->sn_fp_types[i], type) == 0)
				return (true);
		return (false);
	}
	for (unsigned i = 0; i < sn->sn_nitems; i++)
		if (st[i].is_scorable && strcmp(sn->sn_items[i].it_event_type, type) == 0)
			return (true);
	return (false);
}

static json_t *
item_json(const struct rpl_item *it, const struct item_state *st, uint64_t t0)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", it->it_id, "description",
		it->it_desc != NULL ? it->it_desc : "", "technique",
		it->it_technique != NULL ? it->it_technique : "", "event_type", it->it_event_type,
		"points", (json_int_t)it->it_points);
	char ts[RPL_EVE_TIME_LEN];

	if (o == NULL)
		return (NULL);
	if (it->it_plugin != NULL)
		json_object_set_new(o, "plugin", json_string(it->it_plugin));
	if (!st->is_scorable) {
		json_object_set_new(o, "status", json_string("not_scorable"));
		json_object_set_new(
			o, "reason", json_sprintf("plugin %s is not installed", it->it_plugin));
		return (o);
	}
	json_object_set_new(o, "status", json_string(st->is_events > 0 ? "detected" : "missed"));
	json_object_set_new(o, "events", json_integer((json_int_t)st->is_events));
	if (st->is_events > 0) {
		rpl_eve_time(st->is_first_ns, ts, sizeof(ts));
		json_object_set_new(o, "first_event", json_string(ts));
		json_object_set_new(o, "time_to_detect_s",
			json_real((double)(st->is_first_ns - (t0 + it->it_from_ns)) / 1e9));
	}
	return (o);
}

json_t *
rpl_score(const struct rpl_scenario *sn, const json_t *events, const struct rpl_score_conf *conf,
	char *err, size_t errlen)
{
	struct item_state *st = calloc(sn->sn_nitems + 1, sizeof(*st));
	uint64_t t0 = conf->sc_t0_ns, tp_events = 0, fp = 0, pts = 0, pts_all = 0, considered = 0;
	unsigned detected = 0, scorable = 0;
	json_t *items, *fptypes, *rep, *ev;
	char t0s[RPL_EVE_TIME_LEN];
	double score;
	size_t i;

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (t0 == 0 && (t0 = rpl_run_t0(events, conf->sc_run)) == 0) {
		snprintf(err, errlen,
			"no exercise_run 'started' event%s%s%s among the events: give the run's "
			"start with --t0",
			conf->sc_run != NULL ? " of run '" : "",
			conf->sc_run != NULL ? conf->sc_run : "", conf->sc_run != NULL ? "'" : "");
		free(st);
		return (NULL);
	}
	for (unsigned k = 0; k < sn->sn_nitems; k++)
		st[k].is_scorable = sn->sn_items[k].it_plugin == NULL ||
				    conf->sc_installed == NULL ||
				    conf->sc_installed(conf->sc_arg, sn->sn_items[k].it_plugin);
	json_array_foreach(events, i, ev)
	{
		const char *type = json_string_value(json_object_get(ev, "event_type"));
		uint64_t ts = rpl_parse_time_ns(json_object_get(ev, "timestamp"));
		bool hit = false;

		if (type == NULL || ts == 0 || !in_run(ev, conf->sc_run))
			continue;
		considered++;
		for (unsigned k = 0; k < sn->sn_nitems; k++) {
			if (!st[k].is_scorable || !item_match(&sn->sn_items[k], ev, type, ts, t0))
				continue;
			hit = true;
			if (st[k].is_events++ == 0 || ts < st[k].is_first_ns)
				st[k].is_first_ns = ts;
		}
		if (hit)
			tp_events++;
		else if (is_fp_type(sn, st, type))
			fp++;
	}
	items = json_array();
	for (unsigned k = 0; k < sn->sn_nitems; k++) {
		json_array_append_new(items, item_json(&sn->sn_items[k], &st[k], t0));
		if (!st[k].is_scorable)
			continue;
		scorable++;
		pts_all += sn->sn_items[k].it_points;
		if (st[k].is_events > 0) {
			detected++;
			pts += sn->sn_items[k].it_points;
		}
	}
	fptypes = json_array();
	if (sn->sn_fp_types != NULL) {
		for (unsigned k = 0; k < sn->sn_nfp; k++)
			json_array_append_new(fptypes, json_string(sn->sn_fp_types[k]));
	} else {
		for (unsigned k = 0; k < sn->sn_nitems; k++) {
			bool dup = false;

			for (unsigned j = 0; j < k; j++)
				dup |= st[j].is_scorable &&
				       strcmp(sn->sn_items[j].it_event_type,
					       sn->sn_items[k].it_event_type) == 0;
			if (st[k].is_scorable && !dup)
				json_array_append_new(
					fptypes, json_string(sn->sn_items[k].it_event_type));
		}
	}
	score = pts_all > 0 ? 100.0 * (double)pts / (double)pts_all : 0;
	rpl_eve_time(t0, t0s, sizeof(t0s));
	rep = json_pack("{s:s, s:s?, s:s, s:I, s:o, s:i, s:i, s:i, s:i, s:I, s:I, s:o, s:o, s:o, "
			"s:I, s:I, s:f, s:f, s:b}",
		"scenario", sn->sn_name, "run", conf->sc_run, "t0", t0s, "events_considered",
		(json_int_t)considered, "items", items, "scorable", scorable, "detected", detected,
		"missed", scorable - detected, "not_scorable", sn->sn_nitems - scorable,
		"true_positive_events", (json_int_t)tp_events, "false_positives", (json_int_t)fp,
		"false_positive_types", fptypes, "precision",
		tp_events + fp > 0 ? json_real((double)tp_events / (double)(tp_events + fp))
				   : json_null(),
		"recall", scorable > 0 ? json_real((double)detected / scorable) : json_null(),
		"points", (json_int_t)pts, "points_possible", (json_int_t)pts_all, "score_percent",
		score, "pass_mark", sn->sn_pass_mark, "passed",
		pts_all > 0 && score >= sn->sn_pass_mark);
	free(st);
	if (rep == NULL)
		snprintf(err, errlen, "out of memory");
	return (rep);
}

void
rpl_score_print(FILE *f, const json_t *rep)
{
	const json_t *items = json_object_get(rep, "items"), *it;
	const json_t *prec = json_object_get(rep, "precision"),
		     *rec = json_object_get(rep, "recall");
	size_t i;

	fprintf(f, "Exercise %s, run %s (t0 %s)\n",
		json_string_value(json_object_get(rep, "scenario")),
		json_is_string(json_object_get(rep, "run"))
			? json_string_value(json_object_get(rep, "run"))
			: "-",
		json_string_value(json_object_get(rep, "t0")));
	fprintf(f, "%-24s %-12s %-10s %6s %10s  %s\n", "ITEM", "STATUS", "TECHNIQUE", "POINTS",
		"DETECT(s)", "EVENT");
	json_array_foreach(items, i, it)
	{
		const json_t *ttd = json_object_get(it, "time_to_detect_s");
		char t[32] = "-";

		if (ttd != NULL)
			snprintf(t, sizeof(t), "%.3f", json_real_value(ttd));
		fprintf(f, "%-24s %-12s %-10s %6lld %10s  %s%s%s\n",
			json_string_value(json_object_get(it, "id")),
			json_string_value(json_object_get(it, "status")),
			json_string_value(json_object_get(it, "technique")),
			(long long)json_integer_value(json_object_get(it, "points")), t,
			json_string_value(json_object_get(it, "event_type")),
			json_object_get(it, "reason") != NULL ? " — " : "",
			json_object_get(it, "reason") != NULL
				? json_string_value(json_object_get(it, "reason"))
				: "");
	}
	fprintf(f,
		"detected %lld of %lld scorable items (%lld not scorable); false positives %lld\n",
		(long long)json_integer_value(json_object_get(rep, "detected")),
		(long long)json_integer_value(json_object_get(rep, "scorable")),
		(long long)json_integer_value(json_object_get(rep, "not_scorable")),
		(long long)json_integer_value(json_object_get(rep, "false_positives")));
	fprintf(f, "precision %s%.3f, recall %s%.3f\n", json_is_null(prec) ? "n/a " : "",
		json_is_null(prec) ? 0.0 : json_real_value(prec), json_is_null(rec) ? "n/a " : "",
		json_is_null(rec) ? 0.0 : json_real_value(rec));
	fprintf(f, "points %lld of %lld (%.1f%%), pass mark %.1f%%: %s\n",
		(long long)json_integer_value(json_object_get(rep, "points")),
		(long long)json_integer_value(json_object_get(rep, "points_possible")),
		json_real_value(json_object_get(rep, "score_percent")),
		json_real_value(json_object_get(rep, "pass_mark")),
		json_is_true(json_object_get(rep, "passed")) ? "PASSED" : "FAILED");
}
