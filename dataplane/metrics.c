/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP side of the metrics endpoint (metrics.h): nng's server parses
 * the requests and refuses other paths (404) and methods (405) itself; the
 * handler only parks the request's aio for the control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "metrics.h"

/* Scrapes parked at once; more are answered 503 (a scraper storm is not our load). */
#define DP_METRICS_MAX_WAITING 64

struct dp_metrics_stats {
	uint64_t ms_scrapes;   /* requests answered with the metrics */
	uint64_t ms_failures;  /* requests answered 500 (out of memory) */
	uint64_t ms_cancelled; /* requests whose client went away first */
};

struct dp_metrics {
	nng_http_server *m_srv;
	nng_http_handler *m_h; /* owned by m_srv once added */
	char m_url[256];       /* as served, with the real port */
	pthread_mutex_t m_mu;
	nng_aio *m_wait[DP_METRICS_MAX_WAITING]; /* parked scrapes, under m_mu */
	unsigned m_nwait;
	atomic_uint m_pending; /* m_nwait, readable without the lock */
	bool m_closing;
	struct dp_metrics_stats m_st; /* under m_mu */
};

/* Answers a request with a short plain-text error. */
static void
metrics_error(nng_aio *aio, uint16_t status, const char *text)
{
	nng_http_res *res;

	if (nng_http_res_alloc_error(&res, status) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_header(res, "Content-Type", "text/plain; charset=utf-8");
	nng_http_res_copy_data(res, text, strlen(text));
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* nng's thread: the client went away, or the server stops. */
static void
metrics_cancel(nng_aio *aio, void *arg, int rv)
{
	struct dp_metrics *m = arg;
	bool found = false;

	pthread_mutex_lock(&m->m_mu);
	for (unsigned i = 0; i < m->m_nwait; i++) {
		if (m->m_wait[i] != aio)
			continue;
		m->m_wait[i] = m->m_wait[--m->m_nwait];
		atomic_store(&m->m_pending, m->m_nwait);
		m->m_st.ms_cancelled++;
		found = true;
		break;
	}
	pthread_mutex_unlock(&m->m_mu);
	/* Not found: the control thread took it and completes it. */
	if (found)
		nng_aio_finish(aio, rv);
}

/* nng's thread: parks the scrape for the control thread. */
static void
metrics_handle(nng_aio *aio)
{
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	struct dp_metrics *m = nng_http_handler_get_data(h);
	bool parked = false;

	pthread_mutex_lock(&m->m_mu);
	if (!m->m_closing && m->m_nwait < DP_METRICS_MAX_WAITING) {
		m->m_wait[m->m_nwait++] = aio;
		atomic_store(&m->m_pending, m->m_nwait);
		nng_aio_defer(aio, metrics_cancel, m);
		parked = true;
	}
	pthread_mutex_unlock(&m->m_mu);
	if (!parked)
		metrics_error(aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE,
			"mamorid: too many scrapes waiting, or stopping; try again\n");
}

int
dp_metrics_open(struct dp_metrics **mp, const char *url, char *err, size_t errlen)
{
	struct dp_metrics *m;
	nng_sockaddr sa;
	nng_url *u = NULL;
	const char *path;
	char host[128];
	int rv;

	*mp = NULL;
	if ((rv = nng_url_parse(&u, url)) != 0 || strcmp(u->u_scheme, "http") != 0) {
		snprintf(err, errlen,
			"metrics.url: '%s' is not an http:// URL (expected, for example, "
			"http://127.0.0.1:9470/metrics)",
			url);
		nng_url_free(u);
		return (-EINVAL);
	}
	path = u->u_path[0] != '\0' && strcmp(u->u_path, "/") != 0 ? u->u_path : "/metrics";
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		nng_url_free(u);
		snprintf(err, errlen, "out of memory");
		return (-ENOMEM);
	}
	pthread_mutex_init(&m->m_mu, NULL);
	if ((rv = nng_http_server_hold(&m->m_srv, u)) != 0)
		goto fail;
	if ((rv = nng_http_handler_alloc(&m->m_h, path, metrics_handle)) != 0)
		goto fail_srv;
	if ((rv = nng_http_handler_set_method(m->m_h, "GET")) != 0 ||
		(rv = nng_http_handler_set_data(m->m_h, m, NULL)) != 0 ||
		(rv = nng_http_server_add_handler(m->m_srv, m->m_h)) != 0) {
		nng_http_handler_free(m->m_h);
		goto fail_srv;
	}
	if ((rv = nng_http_server_start(m->m_srv)) != 0)
		goto fail_srv;
	snprintf(host, sizeof(host), "%s", u->u_hostname);
	if (nng_http_server_get_addr(m->m_srv, &sa) == 0 && sa.s_family == NNG_AF_INET)
		snprintf(m->m_url, sizeof(m->m_url), "http://%s:%u%s", host,
			(unsigned)ntohs(sa.s_in.sa_port), path);
	else if (nng_http_server_get_addr(m->m_srv, &sa) == 0 && sa.s_family == NNG_AF_INET6)
		snprintf(m->m_url, sizeof(m->m_url), "http://[%s]:%u%s", host,
			(unsigned)ntohs(sa.s_in6.sa_port), path);
	else
		snprintf(m->m_url, sizeof(m->m_url), "%s", url);
	nng_url_free(u);
	*mp = m;
	return (0);

fail_srv:
	nng_http_server_release(m->m_srv);
fail:
	snprintf(err, errlen, "metrics.url: cannot serve '%s': %s%s", url, nng_strerror(rv),
		rv == NNG_EADDRINUSE ? " (another process has the port: choose another)" : "");
	pthread_mutex_destroy(&m->m_mu);
	free(m);
	nng_url_free(u);
	return (-EADDRNOTAVAIL);
}

const char *
dp_metrics_url(const struct dp_metrics *m)
{
	return (m->m_url);
}

bool
dp_metrics_pending(struct dp_metrics *m)
{
	return (atomic_load(&m->m_pending) > 0);
}

void
dp_metrics_answer(struct dp_metrics *m, const json_t *status, const json_t *stats)
{
	nng_aio *wait[DP_METRICS_MAX_WAITING];
	struct dp_metrics_stats st;
	char *text = NULL;
	size_t len = 0;
	unsigned n;
	FILE *f;
	int rv = -ENOMEM;

	/* Taken out under the lock: a cancellation now finds nothing and leaves them to us. */
	pthread_mutex_lock(&m->m_mu);
	n = m->m_nwait;
	memcpy(wait, m->m_wait, n * sizeof(wait[0]));
	m->m_nwait = 0;
	atomic_store(&m->m_pending, 0);
	st = m->m_st;
	pthread_mutex_unlock(&m->m_mu);
	if (n == 0)
		return;
	if ((f = open_memstream(&text, &len)) != NULL) {
		rv = dp_metrics_render(f, status, stats);
		/* These scrapes count themselves. */
		fprintf(f,
			"# HELP mamori_metrics_scrapes_total Scrapes of this endpoint answered.\n"
			"# TYPE mamori_metrics_scrapes_total counter\n"
			"mamori_metrics_scrapes_total %" PRIu64 "\n"
			"# HELP mamori_metrics_scrapes_abandoned_total Scrapes whose client left "
			"before the answer.\n"
			"# TYPE mamori_metrics_scrapes_abandoned_total counter\n"
			"mamori_metrics_scrapes_abandoned_total %" PRIu64 "\n"
			"# HELP mamori_metrics_scrape_failures_total Scrapes answered 500: no "
			"memory to render them.\n"
			"# TYPE mamori_metrics_scrape_failures_total counter\n"
			"mamori_metrics_scrape_failures_total %" PRIu64 "\n",
			st.ms_scrapes + n, st.ms_cancelled, st.ms_failures);
		if (fclose(f) != 0)
			rv = -EIO;
	}
	for (unsigned i = 0; i < n; i++) {
		nng_http_res *res;

		if (rv == 0 && nng_http_res_alloc(&res) == 0) {
			nng_http_res_set_header(res, "Content-Type", DP_METRICS_CONTENT_TYPE);
			if (nng_http_res_copy_data(res, text, len) == 0) {
				nng_aio_set_output(wait[i], 0, res);
				nng_aio_finish(wait[i], 0);
				pthread_mutex_lock(&m->m_mu);
				m->m_st.ms_scrapes++;
				pthread_mutex_unlock(&m->m_mu);
				continue;
			}
			nng_http_res_free(res);
		}
		pthread_mutex_lock(&m->m_mu);
		m->m_st.ms_failures++;
		pthread_mutex_unlock(&m->m_mu);
		metrics_error(wait[i], NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR,
			"mamorid: out of memory rendering the metrics\n");
	}
	free(text);
}

void
dp_metrics_close(struct dp_metrics *m)
{
	nng_aio *wait[DP_METRICS_MAX_WAITING];
	unsigned n;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->m_mu);
	m->m_closing = true;
	n = m->m_nwait;
	memcpy(wait, m->m_wait, n * sizeof(wait[0]));
	m->m_nwait = 0;
	atomic_store(&m->m_pending, 0);
	pthread_mutex_unlock(&m->m_mu);
	for (unsigned i = 0; i < n; i++)
		metrics_error(wait[i], NNG_HTTP_STATUS_SERVICE_UNAVAILABLE, "mamorid: stopping\n");
	/* Stops the listener and every connection, then frees the server and its handler. */
	nng_http_server_stop(m->m_srv);
	nng_http_server_release(m->m_srv);
	pthread_mutex_destroy(&m->m_mu);
	free(m);
}
