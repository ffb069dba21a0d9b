/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorid's Prometheus endpoint: nng's HTTP server answers GET on one path
 * (http://127.0.0.1:9470/metrics) with the text exposition format 0.0.4.
 *
 * The counters belong to the control thread, so scrapes are not answered
 * from nng's threads: a request is parked, the control thread sees it at
 * its next poll (dp_metrics_pending), renders the same status and stats the
 * console shows (dp_metrics_answer) and completes every parked request at
 * once.  A scrape therefore always sees one consistent snapshot, and a
 * daemon whose control thread is stuck shows as a scrape timeout.
 */
#ifndef DP_METRICS_H
#define DP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define DP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct dp_metrics;

/*
 * Serves url (http://HOST:PORT/PATH; port 0 picks a free one, PATH defaults
 * to /metrics).  Returns 0 or a negative errno with err set.
 */
int dp_metrics_open(struct dp_metrics **mp, const char *url, char *err, size_t errlen);
/* The address actually served, with the port the kernel picked. */
const char *dp_metrics_url(const struct dp_metrics *m);
/* True when scrapes wait for an answer (any thread; cheap). */
bool dp_metrics_pending(struct dp_metrics *m);
/*
 * Control thread: answers every waiting scrape with this snapshot, followed
 * by the endpoint's own counters (mamori_metrics_scrapes_total, ...).
 */
void dp_metrics_answer(struct dp_metrics *m, const json_t *status, const json_t *stats);
/* Stops serving; waiting scrapes are answered 503. */
void dp_metrics_close(struct dp_metrics *m);

/*
 * Writes status ({"op": "status"}) and stats ({"op": "stats"}) as
 * Prometheus text to f.  Members missing or of another type are left out:
 * any JSON renders.  Returns 0, or -EIO when f fails.
 */
int dp_metrics_render(FILE *f, const json_t *status, const json_t *stats);

#endif /* DP_METRICS_H */
