/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-central's analysis: per-site, per-window summaries (summary.h) in,
 * merged per external destination over every site within a time horizon,
 * and scored as C&C candidates over the whole fleet.
 *
 * A destination is a candidate when, within the horizon,
 *	- its distinct clients (the union of every site's HyperLogLog) reach
 *	  cc_min_clients, and
 *	- at least cc_min_beacons of them beacon to it: a client whose
 *	  intervals, merged over windows and sites, number cc_min_intervals or
 *	  more with a coefficient of variation at most cc_max_cv, and
 *	- those beaconing clients are at least cc_min_share of its clients.
 * It is "fleet_only" when no single site saw cc_min_clients clients of it:
 * the candidate no site could have flagged alone.
 */
#ifndef MAMORI_CENTRAL_H
#define MAMORI_CENTRAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <mamori/summary.h>

#define CENTRAL_SITE_MAX 64

struct central_conf {
	int64_t cc_horizon_ns;     /* summaries older than the newest window by this are dropped */
	unsigned cc_min_clients;   /* distinct clients over the fleet (5) */
	unsigned cc_min_beacons;   /* beaconing clients (3) */
	unsigned cc_min_intervals; /* intervals of a beaconing client (3) */
	double cc_max_cv;          /* coefficient of variation of a beacon's intervals (0.25) */
	double cc_min_share;       /* beaconing clients / clients (0.5) */
};

struct central_stats {
	uint64_t cs_summaries;    /* summary events merged */
	uint64_t cs_refused;      /* summary events refused (malformed) */
	uint64_t cs_ignored;      /* events of other types, skipped */
	uint64_t cs_destinations; /* destinations held now */
	uint64_t cs_candidates;   /* candidate events emitted */
};

struct central;

struct central *central_new(const struct central_conf *conf);
void central_free(struct central *c);

/*
 * Merges one event (EVE JSON text) from site.  Returns 1 when it was a
 * summary and was merged, 0 when it is another event type (ignored), or
 * -EBADMSG with the reason in why (nothing of it merged).
 */
int central_add(struct central *c, const char *site, const char *json, size_t len, char *why,
	size_t whylen);

/*
 * Scores every destination and returns the candidates that are new, or have
 * gained clients since they were last returned, as EVE objects
 * (event_type "c2_fleet_candidate") in a JSON array the caller owns.
 */
json_t *central_score(struct central *c, int64_t now_ns);

void central_stats(const struct central *c, struct central_stats *st);

#endif /* MAMORI_CENTRAL_H */
