/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eseal: verifies e-seals on documents submitted to its HTTP endpoint or
 * uploaded through its gateway, and reports each verdict as an
 * eseal_verdict event.
 *
 * Configuration (plugins.eseal, documented in configs/eseal/mamorid-eseal.yaml):
 *	policy: /etc/mamori/eseal/policy.yaml  # anchors, trusted lists, levels
 *	listen: http://127.0.0.1:8480          # POST /verify ("" = off)
 *	gateway:
 *	  listen: http://0.0.0.0:8481          # in front of the service ("" = off)
 *	  upstream: http://127.0.0.1:8080      # the document-receiving service
 *	  require_seal: true                   # refuse uploads with no seal
 *	workers: 2                             # verification threads
 *	queue: 64                              # requests waiting at most
 *
 * The HTTP threads hand verdicts to the control thread through a bounded
 * queue; pd_tick emits them (h_emit_json is for the control thread only).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>
#include <mamori/log.h>
#include <mamori/plugin.h>

#include "es_http.h"
#include "es_policy.h"

#define ESEAL_EVENTS_MAX 4096

struct eseal {
	const struct mm_host *e_host;
	struct mm_plugin_ctx *e_ctx;
	struct es_policy e_policy;
	bool e_policy_loaded;
	struct es_server *e_srv;
	pthread_mutex_t e_lock;
	json_t *e_pending;  /* eseal_verdict bodies waiting for pd_tick */
	uint64_t e_dropped; /* verdicts lost to a full queue */
	uint64_t e_emitted;
};

static const char *const eseal_types[] = { "eseal_verdict", NULL };

/* Called from the HTTP worker threads. */
static void
eseal_report(void *arg, json_t *verdict)
{
	struct eseal *e = arg;

	pthread_mutex_lock(&e->e_lock);
	if (json_array_size(e->e_pending) < ESEAL_EVENTS_MAX)
		json_array_append_new(e->e_pending, verdict);
	else {
		e->e_dropped++;
		json_decref(verdict);
	}
	pthread_mutex_unlock(&e->e_lock);
}

/* EVE's timestamp: 2026-11-26T12:00:00.123456+0000. */
static void
eseal_timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char base[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld+0000", base, (long)tv.tv_usec);
}

static void
eseal_flush(struct eseal *e)
{
	char ts[48];
	json_t *batch, *v, *ev;
	size_t i;

	pthread_mutex_lock(&e->e_lock);
	batch = e->e_pending;
	e->e_pending = json_array();
	pthread_mutex_unlock(&e->e_lock);
	if (batch == NULL)
		return;
	json_array_foreach(batch, i, v)
	{
		eseal_timestamp(ts, sizeof(ts));
		ev = json_pack("{s:s, s:s, s:O}", "timestamp", ts, "event_type", "eseal_verdict",
			"eseal_verdict", v);
		if (ev != NULL && e->e_host->h_emit_json(e->e_ctx, ev) == 0)
			e->e_emitted++;
	}
	json_decref(batch);
}

static int
eseal_cfg_str(struct eseal *e, const char *key, const char *def, const char **out)
{
	int rv = e->e_host->h_cfg_str(e->e_ctx, key, def, out);

	if (rv < 0 && rv != -ENOENT)
		return (rv);
	if (*out != NULL && (*out)[0] == '\0')
		*out = NULL;
	return (0);
}

static int
eseal_start(struct eseal *e)
{
	struct es_server_conf sc;
	const char *listen, *gw, *up;
	uint64_t workers, queue;
	char err[512];
	int rv;

	memset(&sc, 0, sizeof(sc));
	if ((rv = eseal_cfg_str(e, "listen", "", &listen)) < 0 ||
		(rv = eseal_cfg_str(e, "gateway.listen", "", &gw)) < 0 ||
		(rv = eseal_cfg_str(e, "gateway.upstream", "", &up)) < 0)
		return (rv);
	rv = e->e_host->h_cfg_bool(e->e_ctx, "gateway.require_seal", true, &sc.sc_gw_require_seal);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	rv = e->e_host->h_cfg_u64(e->e_ctx, "workers", 2, 1, 64, &workers);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	rv = e->e_host->h_cfg_u64(e->e_ctx, "queue", 64, 1, 65536, &queue);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	if (gw != NULL && up == NULL) {
		e->e_host->h_log(e->e_ctx, MM_LOG_ERR,
			"plugins.eseal.gateway.listen is set but gateway.upstream is not: say "
			"where the gateway forwards uploads (http://host:port)");
		return (-EINVAL);
	}
	if (listen == NULL && gw == NULL) {
		e->e_host->h_log(e->e_ctx, MM_LOG_NOTICE,
			"neither listen nor gateway.listen is set: no seal will reach the plugin");
		return (0);
	}
	sc.sc_policy = &e->e_policy;
	sc.sc_listen = listen;
	sc.sc_gw_listen = gw;
	sc.sc_gw_upstream = up;
	sc.sc_workers = (unsigned)workers;
	sc.sc_queue = (unsigned)queue;
	sc.sc_report = eseal_report;
	sc.sc_arg = e;
	if (es_server_start(&sc, &e->e_srv, err, sizeof(err)) != 0) {
		e->e_host->h_log(e->e_ctx, MM_LOG_ERR, "%s", err);
		return (-EINVAL);
	}
	e->e_host->h_log(e->e_ctx, MM_LOG_NOTICE, "verifying seals%s%s%s%s%s%s",
		listen ? " at " : "", listen ? listen : "", listen ? "/verify" : "",
		gw ? "; gateway " : "", gw ? gw : "", gw ? " in front of the upstream" : "");
	return (0);
}

static int
eseal_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct eseal *e = global;
	const char *policy;
	char err[512];
	int rv;

	e->e_host = host;
	e->e_ctx = ctx;
	pthread_mutex_init(&e->e_lock, NULL);
	if ((e->e_pending = json_array()) == NULL || es_policy_init(&e->e_policy) != 0)
		return (-ENOMEM);
	e->e_policy_loaded = true;
	if ((rv = eseal_cfg_str(e, "policy", "", &policy)) < 0)
		return (rv);
	if (policy == NULL) {
		host->h_log(ctx, MM_LOG_WARN,
			"plugins.eseal.policy is not set: no trust anchors, so no seal can pass "
			"(see configs/eseal/policy.yaml)");
	} else if (es_policy_load(&e->e_policy, policy, err, sizeof(err)) != 0) {
		host->h_log(ctx, MM_LOG_ERR, "%s", err);
		return (-EINVAL);
	} else {
		host->h_log(ctx, MM_LOG_INFO, "%s: %d anchors (%u trusted lists), %zu level rules",
			policy, sk_X509_num(e->e_policy.p_trust.t_anchors), e->e_policy.p_tl_count,
			e->e_policy.p_nrules);
	}
	return (eseal_start(e));
}

static void
eseal_tick(void *global, uint64_t now_ns)
{
	(void)now_ns;
	eseal_flush(global);
}

static void
eseal_fini(void *global)
{
	struct eseal *e = global;
	struct es_server_stats st;

	if (e->e_srv != NULL) {
		es_server_stats(e->e_srv, &st);
		es_server_stop(e->e_srv);
		e->e_srv = NULL;
		e->e_host->h_log(e->e_ctx, MM_LOG_INFO,
			"%llu requests, %llu seals verified (%llu passed), %llu refused by the "
			"gateway, %llu forwarded, %llu malformed, %llu busy, %llu upstream errors, "
			"%llu verdicts not reported (queue full)",
			(unsigned long long)st.ss_requests, (unsigned long long)st.ss_verified,
			(unsigned long long)st.ss_passed, (unsigned long long)st.ss_refused,
			(unsigned long long)st.ss_forwarded, (unsigned long long)st.ss_bad,
			(unsigned long long)st.ss_busy, (unsigned long long)st.ss_upstream_errors,
			(unsigned long long)e->e_dropped);
	}
	if (e->e_pending != NULL) {
		eseal_flush(e);
		json_decref(e->e_pending);
		e->e_pending = NULL;
	}
	if (e->e_policy_loaded)
		es_policy_free(&e->e_policy);
	pthread_mutex_destroy(&e->e_lock);
}

/* Verdicts are emitted whole by eseal_flush: no struct mm_event of this plugin exists. */
static int
eseal_format(void *global, const struct mm_event *ev, void *obj)
{
	(void)global;
	(void)ev;
	(void)obj;
	return (-EINVAL);
}

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("eseal"),
	.pd_version = "1.0",
	.pd_description = "verifies e-seals (CAdES / CMS) on submitted and uploaded documents",
	.pd_event_types = eseal_types,
	.pd_global_size = sizeof(struct eseal),
	.pd_init = eseal_init,
	.pd_fini = eseal_fini,
	.pd_tick = eseal_tick,
	.pd_format = eseal_format,
};
