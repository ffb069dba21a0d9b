/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP side of the eseal plugin, on nng's HTTP server: the endpoint
 * (POST /verify answers the verdict as JSON) and the gateway (in front of a
 * document-receiving service: verifies the seal of each upload, forwards it
 * with the verdict in a Mamori-ESeal-Verdict header, or refuses it with 403
 * when the policy is not met).  Requests are queued to worker threads, so
 * nng's own threads never wait for a verification or for the upstream.
 */
#ifndef ESEAL_ES_HTTP_H
#define ESEAL_ES_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "es_policy.h"

#define ES_HTTP_HEADER "Mamori-ESeal-Verdict"

struct es_server;

struct es_server_conf {
	const struct es_policy *sc_policy;
	const char *sc_listen;      /* endpoint base URL (http://host:port), or NULL */
	const char *sc_gw_listen;   /* gateway base URL, or NULL */
	const char *sc_gw_upstream; /* where the gateway forwards (http://host:port) */
	bool sc_gw_require_seal;    /* refuse uploads without a seal */
	unsigned sc_workers;
	unsigned sc_queue; /* requests waiting at most; more get 503 */
	/* Receives each eseal_verdict body (the reference), from a worker thread. */
	void (*sc_report)(void *arg, json_t *verdict);
	void *sc_arg;
};

struct es_server_stats {
	uint64_t ss_requests;        /* requests handled */
	uint64_t ss_verified;        /* seals verified */
	uint64_t ss_passed;          /* TOTAL-PASSED */
	uint64_t ss_refused;         /* gateway uploads refused by the policy */
	uint64_t ss_forwarded;       /* gateway requests forwarded */
	uint64_t ss_bad;             /* malformed requests (400) */
	uint64_t ss_busy;            /* refused for a full queue or a timeout (503) */
	uint64_t ss_upstream_errors; /* 502 */
};

int es_server_start(
	const struct es_server_conf *c, struct es_server **out, char *err, size_t errlen);
void es_server_stats(struct es_server *s, struct es_server_stats *st);
void es_server_stop(struct es_server *s);

#endif /* ESEAL_ES_HTTP_H */
