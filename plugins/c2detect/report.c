/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From observations to c2_candidate events: the analysis thread's side of
 * c2detect (see c2detect.c for the lcores' side).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mamori/log.h>

#include "c2detect.h"

static bool
ignored_port(const struct c2_global *g, uint16_t port)
{
	for (size_t i = 0; i < g->g_nignore_ports; i++)
		if (g->g_ignore_ports[i] == port)
			return (true);
	return (false);
}

/*
 * An answered flow of fan-in's low volume: a long session (fanin.long_session)
 * at fanin.low_rate bytes a second or less, a shorter one of fanin.low_bytes
 * or less.  Each record counts, those of a session that goes on included.
 */
static bool
low_volume(const struct c2_global *g, const struct c2_obs *o)
{
	uint32_t dur = o->o_last > o->o_first ? o->o_last - o->o_first : 0;

	if (o->o_flags & C2_OBS_FAILED)
		return (false);
	if (dur >= g->g_fp.fp_long_session)
		return ((double)o->o_bytes / (double)(dur > 0 ? dur : 1) <= g->g_fp.fp_low_rate);
	return (o->o_bytes <= g->g_fp.fp_low_bytes);
}

void
c2_summary_flush(struct c2_global *g, bool close)
{
	uint64_t cut = g->g_sk.sk_cut_records, cut_pairs = g->g_sk.sk_cut_pairs;
	uint32_t start = g->g_sk.sk_start;
	void *ev;

	if (start == 0 || !g->g_sk.sk_dirty) {
		if (close)
			sk_take(&g->g_sk, true);
		return;
	}
	if (cut > 0 || cut_pairs > 0)
		c2_out_log(g, MM_LOG_WARN,
			"fleet summary of the window at %" PRIu32 ": %" PRIu64
			" records of destinations over summary_max_destinations (%" PRIu32
			") and %" PRIu64 " clients over %u per destination left out",
			start, cut, g->g_sum_max_dest, cut_pairs, SK_PAIRS_PER_DEST);
	g->g_sk.sk_cut_records = 0;
	g->g_sk.sk_cut_pairs = 0;
	if ((ev = sk_take(&g->g_sk, close)) != NULL)
		c2_out_event(g, ev);
	else
		c2_out_log(g, MM_LOG_WARN,
			"fleet summary of the window at %" PRIu32 ": out of memory; not sent",
			start);
}

void
c2_observe_burst(struct c2_global *g, const struct c2_obs *obs, unsigned n)
{
	struct pt_key k[PT_BURST];
	struct pt_conn c[PT_BURST];
	struct pt_pair *pairs[PT_BURST];
	unsigned m = 0, first;

	/* Each record updates its port pair and, with host_pairs, its host pair. */
	for (unsigned i = 0; i < n && m + 2 <= PT_BURST; i++) {
		const struct c2_obs *o = &obs[i];

		memset(&k[m], 0, sizeof(k[m]));
		memcpy(k[m].k_src, o->o_int, 16);
		memcpy(k[m].k_dst, o->o_ext, 16);
		k[m].k_port = o->o_dport;
		k[m].k_proto = o->o_proto;
		if (o->o_flags & C2_OBS_EVIDENCE) {
			c2_evidence_add(&g->g_srv, k[m].k_dst, k[m].k_port, k[m].k_proto,
				(uint8_t)o->o_bytes);
			continue;
		}
		/* The records' time closes the fleet summary's window and opens the next. */
		if (sk_ends_window(&g->g_sk, o->o_last))
			c2_summary_flush(g, true);
		sk_clock(&g->g_sk, o->o_last);
		if (ignored_port(g, o->o_dport) || c2_set_contains(&g->g_allow, o->o_ext)) {
			g->g_skipped++;
			continue;
		}
		if (low_volume(g, o))
			sk_add(&g->g_sk, o->o_int, o->o_ext, o->o_dport, o->o_proto, o->o_first);
		memset(&c[m], 0, sizeof(c[m]));
		c[m].c_first = o->o_first;
		c[m].c_last = o->o_last;
		c[m].c_bytes = o->o_bytes;
		c[m].c_bytes_back = o->o_bytes_back;
		c[m].c_sport = o->o_sport;
		c[m].c_dport = o->o_dport;
		c[m].c_goes_on = (o->o_flags & C2_OBS_GOES_ON) != 0;
		c[m].c_failed = (o->o_flags & C2_OBS_FAILED) != 0;
		m++;
		if (g->g_host_pairs) {
			k[m] = k[m - 1];
			k[m].k_port = 0;
			k[m].k_proto = 0;
			k[m].k_host = 1;
			c[m] = c[m - 1];
			m++;
		}
	}
	if (m == 0)
		return;
	pt_add_burst(&g->g_pt, k, c, m, pairs);
	for (first = 0; first < m; first++)
		if (pairs[first] != NULL && !k[first].k_host && g->g_srv.sl_nev > 0)
			pairs[first]->p_evidence |= c2_evidence_get(
				&g->g_srv, k[first].k_dst, k[first].k_port, k[first].k_proto);
	__atomic_store_n(&g->g_pending, 1, __ATOMIC_RELEASE);
}

static json_t *
iso_time(double t)
{
	char buf[40];
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06u+0000",
		(unsigned)((t - (double)s) * 1e6));
	return (json_string(buf));
}

static json_t *
addr_json(const uint8_t a[16])
{
	char buf[64];

	return (json_string(c2_addr_format(a, buf, sizeof(buf)) ? buf : "?"));
}

static const char *
proto_name(uint8_t proto)
{
	return (proto == 6 ? "TCP" : proto == 17 ? "UDP" : proto == 1 ? "ICMP" : "other");
}

static json_t *
evidence_json(uint8_t ev)
{
	json_t *a = json_array();

	if (ev & C2_EV_MIRAI_HELLO)
		json_array_append_new(a, json_string("mirai_bot_hello"));
	if (ev & C2_EV_MIRAI_REPORT)
		json_array_append_new(a, json_string("mirai_scan_report"));
	return (a);
}

/* The threat-intelligence member and the detection's lead over the feeds. */
static json_t *
ti_json(struct c2_global *g, const uint8_t addr[16], double now)
{
	struct c2_detection *d = c2_detections_add(&g->g_det, &g->g_feeds, addr, (int64_t)now);
	json_t *o = json_object();

	if (d == NULL)
		return (o);
	json_object_set_new(o, "listed", json_boolean(d->d_listed != 0));
	json_object_set_new(o, "first_detected", iso_time((double)d->d_time));
	if (d->d_listed != 0) {
		json_object_set_new(o, "feed", json_string(g->g_feeds.fd_names[d->d_feed]));
		json_object_set_new(o, "feed_published", iso_time((double)d->d_listed));
		/* Positive: we saw it that many seconds before the feed published it. */
		json_object_set_new(
			o, "lead_time_s", json_integer((json_int_t)(d->d_listed - d->d_time)));
	}
	json_object_set_new(
		o, "before_feeds", json_boolean(d->d_listed == 0 || d->d_listed > d->d_time));
	return (o);
}

static json_t *
candidate_head(
	const uint8_t src[16], const uint8_t dst[16], uint16_t port, uint8_t proto, double ts)
{
	json_t *o = json_object();

	json_object_set_new(o, "timestamp", iso_time(ts));
	json_object_set_new(o, "event_type", json_string("c2_candidate"));
	if (src != NULL)
		json_object_set_new(o, "src_ip", addr_json(src));
	json_object_set_new(o, "dest_ip", addr_json(dst));
	if (proto != 0) {
		json_object_set_new(o, "dest_port", json_integer(port));
		json_object_set_new(o, "proto", json_string(proto_name(proto)));
	}
	return (o);
}

static void
emit_beacon(struct c2_global *g, const struct pt_pair *p, const struct bc_score *s, double conns,
	double ws, double we)
{
	const struct pt_key *k = &p->p_key;
	json_t *o = candidate_head(k->k_src, k->k_dst, k->k_port, k->k_proto, (double)p->p_seen);
	json_t *c = json_object(), *comp;

	comp = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "ts", s->ts,
		"ts_skew_score", s->ts_skew, "ts_madm_score", s->ts_mad, "ds", s->ds,
		"ds_skew_score", s->ds_skew, "ds_madm_score", s->ds_mad, "hist", s->hist,
		"hist_cv_score", s->hist_cv, "hist_bimodal", s->hist_fit, "dur", s->dur,
		"dur_coverage", s->dur_coverage, "dur_consistency", s->dur_consistency);
	json_object_set_new(c, "kind", json_string("beacon"));
	json_object_set_new(c, "scope", json_string(k->k_host ? "host" : "port"));
	json_object_set_new(c, "score", json_real(round(s->bucketed * 1000) / 1000));
	json_object_set_new(c, "level", json_string(bc_level(s->bucketed)));
	json_object_set_new(c, "raw_score", json_real(s->score));
	json_object_set_new(c, "components", comp);
	json_object_set_new(c, "period_s", json_real(s->period));
	json_object_set_new(c, "jitter_s", json_real(s->jitter));
	json_object_set_new(c, "connections", json_integer((json_int_t)llround(conns)));
	json_object_set_new(c, "records", json_integer(p->p_records));
	json_object_set_new(c, "failed", json_integer(p->p_failed));
	json_object_set_new(c, "bytes_toserver", json_integer((json_int_t)p->p_bytes));
	json_object_set_new(c, "bytes_toclient", json_integer((json_int_t)p->p_bytes_back));
	json_object_set_new(c, "longest_session_s", json_integer(p->p_long));
	json_object_set_new(c, "clients", json_integer(1));
	json_object_set_new(c, "client_sample", json_pack("[o]", addr_json(k->k_src)));
	json_object_set_new(c, "first_seen", iso_time((double)p->p_first));
	json_object_set_new(c, "last_seen", iso_time((double)p->p_seen));
	json_object_set_new(c, "window_start", iso_time(ws));
	json_object_set_new(c, "window_end", iso_time(we));
	json_object_set_new(c, "payload_evidence", evidence_json(p->p_evidence));
	json_object_set_new(
		c, "confirmed", json_boolean(c2_set_contains(&g->g_confirmed, k->k_dst)));
	json_object_set_new(c, "threat_intel", ti_json(g, k->k_dst, (double)p->p_seen));
	json_object_set_new(o, "c2_candidate", c);
	c2_export_note(g, k->k_dst, k->k_port, k->k_proto, "beacon", s->bucketed,
		bc_level(s->bucketed), (double)p->p_first, (double)p->p_seen, 1);
	c2_out_event(g, o);
	g->g_beacons_reported++;
}

static int
level_rank(const char *level)
{
	return (strcmp(level, "high") == 0     ? 3
		: strcmp(level, "medium") == 0 ? 2
		: strcmp(level, "low") == 0    ? 1
					       : 0);
}

static void
evaluate_pair(struct c2_global *g, struct pt_pair *p, double ws, double we)
{
	struct bc_score s;
	double conns;
	size_t distinct;
	int rank;

	p->p_dirty = 0;
	if (p->p_conns < BC_MIN_TIMESTAMPS || c2_set_contains(&g->g_allow, p->p_key.k_dst))
		return;
	distinct = pt_score(&g->g_pt, p, g->g_work, &s, &conns);
	if (distinct < BC_MIN_TIMESTAMPS)
		return;
	p->p_score = (float)s.bucketed;
	p->p_tsscore = (float)s.ts;
	p->p_period = (float)s.period;
	p->p_jitter = (float)s.jitter;
	/* One a second or more for an hour or longer: a strobe, not a beacon. */
	if (conns >= 3600 && conns >= we - ws) {
		g->g_strobes++;
		return;
	}
	if ((double)p->p_failed > g->g_max_failed * (double)p->p_conns) {
		g->g_unanswered++;
		return;
	}
	if (p->p_key.k_host) {
		int ports = __builtin_popcountll(p->p_ports);

		/* One port: the port pair says it.  Many ports: a scan. */
		if (ports <= 1)
			return;
		if ((uint32_t)ports > g->g_max_ports) {
			g->g_scans++;
			return;
		}
	}
	rank = level_rank(bc_level(s.bucketed));
	if (s.bucketed < g->g_report_min || rank <= p->p_level)
		return;
	p->p_level = (uint8_t)rank;
	emit_beacon(g, p, &s, conns, ws, we);
}

static void
emit_fanin(struct c2_global *g, const struct fi_server *s, double ws, double we)
{
	json_t *o = candidate_head(NULL, s->s_dst, s->s_port, s->s_proto, (double)s->s_last);
	json_t *c = json_object(), *sample = json_array(), *comp;

	comp = json_pack("{s:f,s:f,s:f,s:f,s:f}", "clients", s->c_clients, "regularity",
		s->c_regularity, "bytes", s->c_bytes, "port_rarity", s->c_rarity, "age", s->c_age);
	if (s->c_infected >= 0)
		json_object_set_new(comp, "infected_share", json_real(s->c_infected));
	for (unsigned i = 0; i < s->s_nsample; i++)
		json_array_append_new(sample, addr_json(s->s_sample[i]));
	json_object_set_new(c, "kind", json_string("fanin"));
	json_object_set_new(c, "scope", json_string("server"));
	json_object_set_new(c, "score", json_real(s->score));
	json_object_set_new(c, "level", json_string(fi_level(s->score)));
	json_object_set_new(c, "components", comp);
	if (s->s_periodic > 0) {
		json_object_set_new(c, "period_s", json_real(s->s_period_sum / s->s_periodic));
		json_object_set_new(c, "jitter_s", json_real(s->s_jitter_sum / s->s_periodic));
	}
	json_object_set_new(c, "clients", json_integer(s->s_qualified));
	json_object_set_new(c, "clients_any", json_integer(s->s_clients));
	json_object_set_new(c, "clients_long_lived", json_integer(s->s_long));
	json_object_set_new(c, "clients_periodic", json_integer(s->s_periodic));
	if (s->c_infected >= 0)
		json_object_set_new(c, "clients_infected", json_integer(s->s_infected));
	json_object_set_new(c, "client_sample", sample);
	json_object_set_new(c, "records", json_integer((json_int_t)s->s_records));
	json_object_set_new(c, "bytes_per_record",
		json_real(s->s_records ? (double)s->s_bytes / (double)s->s_records : 0));
	json_object_set_new(c, "first_seen", iso_time((double)s->s_first));
	json_object_set_new(c, "last_seen", iso_time((double)s->s_last));
	json_object_set_new(c, "window_start", iso_time(ws));
	json_object_set_new(c, "window_end", iso_time(we));
	json_object_set_new(c, "payload_evidence",
		evidence_json(c2_evidence_get(&g->g_srv, s->s_dst, s->s_port, s->s_proto)));
	json_object_set_new(
		c, "confirmed", json_boolean(c2_set_contains(&g->g_confirmed, s->s_dst)));
	json_object_set_new(c, "threat_intel", ti_json(g, s->s_dst, (double)s->s_last));
	json_object_set_new(o, "c2_candidate", c);
	c2_export_note(g, s->s_dst, s->s_port, s->s_proto, "fanin", s->score, fi_level(s->score),
		(double)s->s_first, (double)s->s_last, s->s_qualified);
	c2_out_event(g, o);
	g->g_fanins_reported++;
}

static void
evaluate_fanin(struct c2_global *g, double ws, double we)
{
	struct fi_server *v = NULL;
	long n = fi_compute(&g->g_pt, &g->g_fp, &g->g_infected, &v);

	for (long i = 0; i < n; i++) {
		int rank = level_rank(fi_level(v[i].score));

		if (v[i].score < g->g_fanin_min || c2_set_contains(&g->g_allow, v[i].s_dst) ||
			c2_fanin_reported(g, v[i].s_dst, v[i].s_port, v[i].s_proto, rank))
			continue;
		emit_fanin(g, &v[i], ws, we);
	}
	if (n < 0)
		c2_out_log(g, MM_LOG_WARN, "fan-in: out of memory; skipped this round");
	free(v);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

/* The policy's measure: how many detections came before any feed listed them. */
static void
emit_summary(struct c2_global *g, double we)
{
	const struct c2_detections *d = &g->g_det;
	size_t before = c2_detections_before_feeds(d), listed = 0;
	int64_t *leads = calloc(d->dt_n + 1, sizeof(*leads));
	json_t *o, *c;

	for (size_t i = 0; leads != NULL && i < d->dt_n; i++)
		if (d->dt_v[i].d_listed != 0)
			leads[listed++] = d->dt_v[i].d_listed - d->dt_v[i].d_time;
	o = json_object();
	json_object_set_new(o, "timestamp", iso_time(we));
	json_object_set_new(o, "event_type", json_string("c2_stats"));
	c = json_pack("{s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I}", "detections", (json_int_t)d->dt_n,
		"listed_by_feeds", (json_int_t)listed, "before_feeds", (json_int_t)before,
		"share_before_feeds", d->dt_n ? (double)before / (double)d->dt_n : 0.0,
		"pairs_tracked", (json_int_t)g->g_pt.t_used, "pairs_evicted",
		(json_int_t)g->g_pt.t_st.ps_evicted, "strobes", (json_int_t)g->g_strobes,
		"scans_suppressed", (json_int_t)g->g_scans, "skipped_records",
		(json_int_t)g->g_skipped);
	if (g->g_sum_window != 0)
		json_object_set_new(
			c, "summary_records_cut", json_integer((json_int_t)g->g_sk.sk_cut_total));
	if (listed > 0) {
		qsort(leads, listed, sizeof(*leads), cmp_i64);
		json_object_set_new(c, "median_lead_time_s", json_integer(leads[listed / 2]));
	}
	free(leads);
	json_object_set_new(o, "c2_stats", c);
	c2_out_event(g, o);
}

void
c2_evaluate_begin(struct c2_global *g)
{
	c2_infected_refresh(g);
	pt_expire(&g->g_pt);
	g->g_eval_cursor = 0;
	g->g_eval_det = g->g_det.dt_n;
	g->g_evaluating = true;
}

bool
c2_evaluate_step(struct c2_global *g, uint32_t budget)
{
	struct pt_pair *p;
	double ws, we;

	pt_window(&g->g_pt, &ws, &we);
	while (budget-- > 0 && (p = pt_next(&g->g_pt, &g->g_eval_cursor)) != NULL)
		if (p->p_dirty)
			evaluate_pair(g, p, ws, we);
	if (g->g_eval_cursor < g->g_pt.t_hwm)
		return (false);
	evaluate_fanin(g, ws, we);
	c2_export_write(g);
	if (g->g_det.dt_n != g->g_eval_det)
		emit_summary(g, we);
	g->g_evaluating = false;
	return (true);
}
