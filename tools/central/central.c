/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-central's analysis (central.h).
 *
 * Each destination keeps what the horizon covers: one entry per (site,
 * window) with that window's sketch and flow count, and one per (client,
 * site, window) with that pair's interval statistics.  A summary delivered
 * twice (redelivery, a replayed spool) replaces its own entries rather than
 * adding to them, so merging stays exact.  Scoring merges the entries: the
 * sketches register-wise, the pairs by client (the same client seen at two
 * sites or in two windows is one client with the intervals of both).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mamori/netaddr.h>

#include "central.h"
#include "store_time.h"

#define BUCKETS          4096
#define MAX_DESTINATIONS 100000
#define MAX_PAIRS        (MM_SUMMARY_PAIRS * 4)

struct c_win {
	char w_site[CENTRAL_SITE_MAX + 1];
	int64_t w_start;
	uint64_t w_flows;
	struct mm_hll w_hll;
};

struct c_pair {
	uint64_t p_client;
	char p_site[CENTRAL_SITE_MAX + 1];
	int64_t p_start;
	struct mm_pair_stats p_st;
};

struct c_dest {
	struct c_dest *d_next;
	char d_key[96]; /* "ip|port|proto" */
	char d_ip[64];
	int d_port;
	char d_proto[16];
	struct c_win *d_wins;
	size_t d_nwins;
	struct c_pair *d_pairs;
	size_t d_npairs;
	unsigned d_reported; /* clients when last reported; 0: never */
};

struct central {
	struct central_conf c_conf;
	struct c_dest *c_buckets[BUCKETS];
	int64_t c_newest; /* the newest window start seen */
	struct central_stats c_st;
};

struct central *
central_new(const struct central_conf *conf)
{
	struct central *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->c_conf = *conf;
	return (c);
}

static void
dest_free(struct c_dest *d)
{
	free(d->d_wins);
	free(d->d_pairs);
	free(d);
}

void
central_free(struct central *c)
{
	if (c == NULL)
		return;
	for (size_t b = 0; b < BUCKETS; b++) {
		struct c_dest *d, *next;

		for (d = c->c_buckets[b]; d != NULL; d = next) {
			next = d->d_next;
			dest_free(d);
		}
	}
	free(c);
}

static uint32_t
key_hash(const char *k)
{
	uint32_t h = 2166136261U;

	for (; *k != '\0'; k++)
		h = (h ^ (uint8_t)*k) * 16777619U;
	return (h % BUCKETS);
}

static struct c_dest *
dest_get(struct central *c, const char *ip, int port, const char *proto)
{
	char key[96];
	struct c_dest *d;
	uint32_t b;

	snprintf(key, sizeof(key), "%s|%d|%s", ip, port, proto);
	b = key_hash(key);
	for (d = c->c_buckets[b]; d != NULL; d = d->d_next)
		if (strcmp(d->d_key, key) == 0)
			return (d);
	if (c->c_st.cs_destinations >= MAX_DESTINATIONS || (d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	snprintf(d->d_key, sizeof(d->d_key), "%s", key);
	snprintf(d->d_ip, sizeof(d->d_ip), "%s", ip);
	d->d_port = port;
	snprintf(d->d_proto, sizeof(d->d_proto), "%s", proto);
	d->d_next = c->c_buckets[b];
	c->c_buckets[b] = d;
	c->c_st.cs_destinations++;
	return (d);
}

/* One destination of a summary, checked whole before anything is merged. */
struct s_dest {
	char sd_ip[64];
	int sd_port;
	const char *sd_proto;
	uint64_t sd_flows;
	struct mm_hll sd_hll;
	size_t sd_npairs;
	struct c_pair sd_pairs[MAX_PAIRS];
};

#define bad(why, whylen, ...) (snprintf((why), (whylen), __VA_ARGS__), -EBADMSG)

static int
parse_pairs(json_t *arr, struct s_dest *sd, char *why, size_t whylen)
{
	size_t i;
	json_t *p;

	if (arr == NULL)
		return (0);
	if (!json_is_array(arr) || json_array_size(arr) > MAX_PAIRS)
		return (bad(
			why, whylen, "\"pairs\": expected an array of at most %s pairs", "256"));
	json_array_foreach(arr, i, p)
	{
		const char *client = json_string_value(json_object_get(p, "client"));
		json_t *n = json_object_get(p, "n"), *mean = json_object_get(p, "mean_s"),
		       *m2 = json_object_get(p, "m2");
		struct c_pair *cp = &sd->sd_pairs[sd->sd_npairs];
		char *end;

		if (client == NULL || strlen(client) != 16)
			return (bad(why, whylen, "pair %s: \"client\": expected 16 hex digits",
				client != NULL ? client : "(none)"));
		cp->p_client = strtoull(client, &end, 16);
		if (*end != '\0')
			return (bad(why, whylen, "pair %s: \"client\": expected 16 hex digits",
				client));
		if (!json_is_integer(n) || json_integer_value(n) < 0 || !json_is_number(mean) ||
			!json_is_number(m2) || !(json_number_value(mean) >= 0) ||
			!(json_number_value(m2) >= 0) || !isfinite(json_number_value(mean)) ||
			!isfinite(json_number_value(m2)))
			return (bad(why, whylen,
				"pair %s: expected \"n\" (integer >= 0), \"mean_s\" and \"m2\" "
				"(numbers >= 0)",
				client));
		cp->p_st.ps_n = (uint64_t)json_integer_value(n);
		cp->p_st.ps_mean = json_number_value(mean);
		cp->p_st.ps_m2 = json_number_value(m2);
		sd->sd_npairs++;
	}
	return (0);
}

static int
parse_dest(json_t *o, struct s_dest *sd, char *why, size_t whylen)
{
	const char *ip = json_string_value(json_object_get(o, "dest_ip"));
	const char *hll = json_string_value(json_object_get(o, "hll"));
	json_t *port = json_object_get(o, "dest_port"), *flows = json_object_get(o, "flows");
	struct mm_addr a;

	memset(sd, 0, offsetof(struct s_dest, sd_pairs));
	if (!json_is_object(o))
		return (bad(why, whylen, "destination: expected an object%s", ""));
	if (ip == NULL || mm_addr_parse(ip, &a) != 0)
		return (bad(why, whylen, "\"dest_ip\": expected an address, got %s",
			ip != NULL ? ip : "nothing"));
	mm_addr_format(&a, sd->sd_ip, sizeof(sd->sd_ip));
	if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		json_integer_value(port) > 65535)
		return (bad(why, whylen, "%s: \"dest_port\": expected an integer 0-65535", ip));
	sd->sd_port = (int)json_integer_value(port);
	sd->sd_proto = json_string_value(json_object_get(o, "proto"));
	if (sd->sd_proto == NULL || strlen(sd->sd_proto) == 0 || strlen(sd->sd_proto) > 15)
		return (bad(why, whylen, "%s: \"proto\": expected a name (TCP, UDP, ...)", ip));
	if (flows != NULL && (!json_is_integer(flows) || json_integer_value(flows) < 0))
		return (bad(why, whylen, "%s: \"flows\": expected an integer >= 0", ip));
	sd->sd_flows = flows != NULL ? (uint64_t)json_integer_value(flows) : 0;
	mm_hll_init(&sd->sd_hll);
	if (hll == NULL || !mm_hll_decode_merge(&sd->sd_hll, hll, strlen(hll)))
		return (bad(why, whylen,
			"%s: \"hll\": expected registers as 4 hex digits each (summary.h)", ip));
	return (parse_pairs(json_object_get(o, "pairs"), sd, why, whylen));
}

/* Replaces (or adds) this site's window of d. */
static int
merge_dest(struct c_dest *d, const char *site, int64_t start, const struct s_dest *sd)
{
	struct c_win *w = NULL;
	size_t keep = 0;

	for (size_t i = 0; i < d->d_nwins && w == NULL; i++)
		if (d->d_wins[i].w_start == start && strcmp(d->d_wins[i].w_site, site) == 0)
			w = &d->d_wins[i];
	if (w == NULL) {
		struct c_win *nw = realloc(d->d_wins, (d->d_nwins + 1) * sizeof(*nw));

		if (nw == NULL)
			return (-ENOMEM);
		d->d_wins = nw;
		w = &d->d_wins[d->d_nwins++];
	}
	snprintf(w->w_site, sizeof(w->w_site), "%s", site);
	w->w_start = start;
	w->w_flows = sd->sd_flows;
	w->w_hll = sd->sd_hll;
	/* The pairs of this site and window are replaced by the new ones. */
	for (size_t i = 0; i < d->d_npairs; i++)
		if (!(d->d_pairs[i].p_start == start && strcmp(d->d_pairs[i].p_site, site) == 0))
			d->d_pairs[keep++] = d->d_pairs[i];
	d->d_npairs = keep;
	if (sd->sd_npairs > 0) {
		struct c_pair *np = realloc(d->d_pairs, (keep + sd->sd_npairs) * sizeof(*np));

		if (np == NULL)
			return (-ENOMEM);
		d->d_pairs = np;
		for (size_t i = 0; i < sd->sd_npairs; i++) {
			struct c_pair *p = &d->d_pairs[d->d_npairs++];

			*p = sd->sd_pairs[i];
			snprintf(p->p_site, sizeof(p->p_site), "%s", site);
			p->p_start = start;
		}
	}
	return (0);
}

int
central_add(
	struct central *c, const char *site, const char *json, size_t len, char *why, size_t whylen)
{
	json_t *ev = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL), *s, *dests, *o;
	const char *type = json_string_value(json_object_get(ev, "event_type")), *ws;
	struct s_dest *sd = NULL;
	json_int_t wsecs;
	int64_t start;
	int rv = -EBADMSG;
	size_t i;

	if (ev == NULL || type == NULL) {
		snprintf(why, whylen, "not an EVE object with an \"event_type\"");
		goto refused;
	}
	if (strcmp(type, MM_SUMMARY_TYPE) != 0) {
		json_decref(ev);
		c->c_st.cs_ignored++;
		return (0);
	}
	s = json_object_get(ev, "summary");
	ws = json_string_value(json_object_get(s, "window_start"));
	wsecs = json_integer_value(json_object_get(s, "window_s"));
	dests = json_object_get(s, "destinations");
	if (json_integer_value(json_object_get(s, "version")) != MM_SUMMARY_VERSION) {
		snprintf(why, whylen, "\"summary\": expected an object with \"version\": %d",
			MM_SUMMARY_VERSION);
		goto refused;
	}
	if (ws == NULL || store_time_parse(ws, strlen(ws), &start) != 0) {
		snprintf(why, whylen, "\"window_start\": expected an RFC 3339 time");
		goto refused;
	}
	if (wsecs < 1 || wsecs > 86400 || !json_is_array(dests)) {
		snprintf(why, whylen,
			"expected \"window_s\" from 1 to 86400 and a \"destinations\" array");
		goto refused;
	}
	if (site == NULL || strlen(site) == 0 || strlen(site) > CENTRAL_SITE_MAX) {
		snprintf(why, whylen, "no site, or a site name over %d bytes", CENTRAL_SITE_MAX);
		goto refused;
	}
	if ((sd = malloc(sizeof(*sd))) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto refused;
	}
	/* Every destination is checked before any is merged: a summary is taken whole or not. */
	json_array_foreach(dests, i, o)
	{
		if (parse_dest(o, sd, why, whylen) != 0)
			goto refused;
	}
	json_array_foreach(dests, i, o)
	{
		struct c_dest *d;

		parse_dest(o, sd, why, whylen);
		if ((d = dest_get(c, sd->sd_ip, sd->sd_port, sd->sd_proto)) == NULL ||
			merge_dest(d, site, start, sd) != 0) {
			snprintf(why, whylen, "out of memory, or over %d destinations",
				MAX_DESTINATIONS);
			goto refused;
		}
	}
	if (start > c->c_newest)
		c->c_newest = start;
	c->c_st.cs_summaries++;
	free(sd);
	json_decref(ev);
	return (1);
refused:
	c->c_st.cs_refused++;
	free(sd);
	json_decref(ev);
	return (rv);
}

/* Drops what the horizon no longer covers; returns false when nothing is left. */
static bool
expire(struct central *c, struct c_dest *d)
{
	int64_t oldest = c->c_newest - c->c_conf.cc_horizon_ns;
	size_t keep = 0;

	for (size_t i = 0; i < d->d_nwins; i++)
		if (d->d_wins[i].w_start >= oldest)
			d->d_wins[keep++] = d->d_wins[i];
	d->d_nwins = keep;
	keep = 0;
	for (size_t i = 0; i < d->d_npairs; i++)
		if (d->d_pairs[i].p_start >= oldest)
			d->d_pairs[keep++] = d->d_pairs[i];
	d->d_npairs = keep;
	return (d->d_nwins > 0);
}

static int
pair_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct c_pair *)a)->p_client, y = ((const struct c_pair *)b)->p_client;

	return (x < y ? -1 : x > y);
}

static const char *
iso_time(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+0000", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(long)(ns % 1000000000) / 1000);
	return (buf);
}

/* Scores d; a candidate event, or NULL. */
static json_t *
score_dest(struct central *c, struct c_dest *d, int64_t now_ns)
{
	const struct central_conf *cf = &c->c_conf;
	json_t *sites = json_object(), *ev;
	unsigned clients, beacons = 0, max_site = 0, nclients = 0;
	double period = 0, cv_sum = 0, score;
	struct mm_hll all;
	uint64_t flows = 0;
	char ts[80];

	mm_hll_init(&all);
	for (size_t i = 0; i < d->d_nwins; i++) {
		struct mm_hll site;
		unsigned n;

		mm_hll_merge(&all, &d->d_wins[i].w_hll);
		flows += d->d_wins[i].w_flows;
		if (json_object_get(sites, d->d_wins[i].w_site) != NULL)
			continue;
		/* This site's windows, merged. */
		mm_hll_init(&site);
		for (size_t k = i; k < d->d_nwins; k++)
			if (strcmp(d->d_wins[k].w_site, d->d_wins[i].w_site) == 0)
				mm_hll_merge(&site, &d->d_wins[k].w_hll);
		n = (unsigned)lround(mm_hll_estimate(&site));
		max_site = n > max_site ? n : max_site;
		json_object_set_new(sites, d->d_wins[i].w_site, json_integer(n));
	}
	clients = (unsigned)lround(mm_hll_estimate(&all));
	/* The pairs, merged by client over windows and sites. */
	if (d->d_npairs > 1)
		qsort(d->d_pairs, d->d_npairs, sizeof(*d->d_pairs), pair_cmp);
	for (size_t i = 0; i < d->d_npairs;) {
		struct mm_pair_stats st = { 0, 0, 0 };
		size_t k = i;
		double cv;

		for (; k < d->d_npairs && d->d_pairs[k].p_client == d->d_pairs[i].p_client; k++)
			mm_pair_merge(&st, &d->d_pairs[k].p_st);
		i = k;
		nclients++;
		cv = mm_pair_cv(&st);
		if (st.ps_n >= cf->cc_min_intervals && cv <= cf->cc_max_cv) {
			beacons++;
			period += st.ps_mean;
			cv_sum += cv;
		}
	}
	if (clients < cf->cc_min_clients || beacons < cf->cc_min_beacons ||
		(double)beacons < cf->cc_min_share * (double)clients ||
		(d->d_reported != 0 && clients <= d->d_reported)) {
		json_decref(sites);
		return (NULL);
	}
	d->d_reported = clients;
	/* How far past the thresholds, and how regular: 0..1. */
	score = fmin(1.0, (double)beacons / (2.0 * cf->cc_min_beacons)) *
		(1.0 - fmin(1.0, cv_sum / beacons / (cf->cc_max_cv > 0 ? 2 * cf->cc_max_cv : 1)));
	ev = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:{s:i, s:i, s:i, s:o, s:b, s:f, s:f, s:f, "
		       "s:I, s:I, s:i}}",
		"timestamp", iso_time(now_ns, ts, sizeof(ts)), "event_type", "c2_fleet_candidate",
		"dest_ip", d->d_ip, "dest_port", d->d_port, "proto", d->d_proto, "plugin",
		"mamori-central", "fleet", "clients", (int)clients, "beacon_clients", (int)beacons,
		"sites_seen", (int)json_object_size(sites), "site_clients", sites, "fleet_only",
		max_site < cf->cc_min_clients, "period_s", period / beacons, "cv", cv_sum / beacons,
		"score", score, "flows", (json_int_t)flows, "horizon_s",
		(json_int_t)(cf->cc_horizon_ns / 1000000000), "windows", (int)d->d_nwins);
	return (ev);
}

json_t *
central_score(struct central *c, int64_t now_ns)
{
	json_t *out = json_array();

	for (size_t b = 0; b < BUCKETS; b++) {
		struct c_dest **pp = &c->c_buckets[b], *d;

		while ((d = *pp) != NULL) {
			json_t *ev;

			if (!expire(c, d)) {
				*pp = d->d_next;
				dest_free(d);
				c->c_st.cs_destinations--;
				continue;
			}
			if ((ev = score_dest(c, d, now_ns)) != NULL) {
				json_array_append_new(out, ev);
				c->c_st.cs_candidates++;
			}
			pp = &d->d_next;
		}
	}
	return (out);
}

void
central_stats(const struct central *c, struct central_stats *st)
{
	*st = c->c_st;
}
