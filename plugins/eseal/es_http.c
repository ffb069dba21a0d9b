/* SPDX-License-Identifier: BSD-3-Clause */
/* The endpoint and the gateway: nng HTTP handlers feeding a pool of workers. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <openssl/evp.h>

#include "es_http.h"
#include "es_upload.h"
#include "es_verify.h"

/* Request headers the gateway passes on to the upstream service. */
static const char *const es_fwd_headers[] = { "Content-Type", "Accept", "Accept-Language",
	"Authorization", "Cookie", "User-Agent", "X-Request-Id", "X-Forwarded-For", NULL };
/* Response headers it passes back. */
static const char *const es_back_headers[] = { "Content-Type", "Location", "Set-Cookie",
	"Cache-Control", "X-Request-Id", NULL };

struct es_job {
	struct es_job *j_next;
	nng_aio *j_aio;
	nng_http_req *j_req;
	bool j_gateway;
	uint64_t j_queued_ms;
};

struct es_listener {
	struct es_server *l_srv;
	nng_http_server *l_http;
	nng_http_handler *l_handler;
	bool l_gateway;
};

struct es_server {
	struct es_server_conf s_conf;
	struct es_listener s_ep;
	struct es_listener s_gw;
	pthread_t *s_threads;
	unsigned s_nthreads;
	pthread_mutex_t s_lock;
	pthread_cond_t s_cond;
	struct es_job *s_head;
	struct es_job *s_tail;
	unsigned s_qlen;
	bool s_stopping;
	struct es_server_stats s_stats; /* under s_lock */
	size_t s_max_body;
};

static uint64_t
es_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
es_count(struct es_server *s, uint64_t *field)
{
	pthread_mutex_lock(&s->s_lock);
	(*field)++;
	pthread_mutex_unlock(&s->s_lock);
}

static void
es_reply(nng_aio *aio, uint16_t status, const char *ctype, const void *body, size_t len,
	const char *verdict)
{
	nng_http_res *res;

	if (nng_http_res_alloc(&res) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_status(res, status);
	if (ctype != NULL)
		nng_http_res_set_header(res, "Content-Type", ctype);
	if (verdict != NULL)
		nng_http_res_set_header(res, ES_HTTP_HEADER, verdict);
	if (len > 0 && nng_http_res_copy_data(res, body, len) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
es_reply_json(nng_aio *aio, uint16_t status, json_t *o, const char *verdict)
{
	char *s = json_dumps(o, JSON_COMPACT);

	es_reply(aio, status, "application/json", s, s != NULL ? strlen(s) : 0, verdict);
	free(s);
}

static void
es_reply_error(struct es_server *s, nng_aio *aio, uint16_t status, const char *msg)
{
	json_t *o = json_pack("{s:s, s:i}", "error", msg, "status", (int)status);

	/* Refusals (403) are counted where the policy decides them. */
	if (status == 503)
		es_count(s, &s->s_stats.ss_busy);
	else if (status == 502)
		es_count(s, &s->s_stats.ss_upstream_errors);
	else if (status != 403)
		es_count(s, &s->s_stats.ss_bad);
	es_reply_json(aio, status, o, NULL);
	json_decref(o);
}

/* "TOTAL-PASSED; level=2; baseline=B-T; org=Example%20K.K." */
static void
es_verdict_header(const struct es_result *r, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char org[3 * 64 + 1];
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)r->r_org; *p != '\0' && n + 4 < 64 * 3;
		p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_') {
			org[n++] = (char)*p;
		} else {
			org[n++] = '%';
			org[n++] = hex[*p >> 4];
			org[n++] = hex[*p & 15];
		}
	}
	org[n] = '\0';
	snprintf(buf, len, "%s%s%s; level=%d%s%s%s%s", es_indication_name(r->r_ind),
		r->r_sub != ES_SUB_NONE ? "/" : "", es_sub_name(r->r_sub), r->r_level,
		r->r_baseline[0] != '\0' ? "; baseline=" : "", r->r_baseline,
		org[0] != '\0' ? "; org=" : "", org);
}

static void
es_doc_json(json_t *o, const struct es_upload *u)
{
	unsigned char md[32];
	char hex[65];
	json_t *d;

	if (u->u_doc == NULL)
		return;
	d = json_object();
	if (u->u_doc_name[0] != '\0')
		json_object_set_new(d, "name", json_string(u->u_doc_name));
	json_object_set_new(d, "bytes", json_integer((json_int_t)u->u_doc_len));
	if (EVP_Digest(u->u_doc, u->u_doc_len, md, NULL, EVP_sha256(), NULL)) {
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		json_object_set_new(d, "sha256", json_string(hex));
	}
	json_object_set_new(o, "document", d);
}

/*
 * Verifies an upload: the report (new reference) or NULL after replying
 * with the client's error.  *accepted says whether the policy is met.
 */
static json_t *
es_check(struct es_server *s, struct es_job *j, const struct es_upload *u, const char *source,
	struct es_result *r, bool *accepted)
{
	const struct es_policy *p = s->s_conf.sc_policy;
	int64_t at = ES_TIME_NONE;
	json_t *o, *pol;

	if (u->u_at[0] != '\0' && es_parse_time(u->u_at, &at) != 0) {
		es_reply_error(s, j->j_aio, 400,
			"\"at\": expected 2020-03-01, 2020-03-01T12:00:00Z or @EPOCH");
		return (NULL);
	}
	if (es_verify(p, u->u_seal, u->u_seal_len, u->u_doc, u->u_doc_len, at, r) != 0) {
		es_reply_error(s, j->j_aio, 503, "out of memory");
		return (NULL);
	}
	*accepted = r->r_ind == ES_TOTAL_PASSED && r->r_level >= p->p_require_level;
	pthread_mutex_lock(&s->s_lock);
	s->s_stats.ss_verified++;
	s->s_stats.ss_passed += r->r_ind == ES_TOTAL_PASSED;
	pthread_mutex_unlock(&s->s_lock);
	o = es_result_json(r);
	es_doc_json(o, u);
	pol = json_object();
	json_object_set_new(pol, "required_level", json_integer(p->p_require_level));
	json_object_set_new(pol, "accepted", json_boolean(*accepted));
	json_object_set_new(o, "policy", pol);
	json_object_set_new(o, "source", json_string(source));
	json_object_set_new(o, "uri", json_string(nng_http_req_get_uri(j->j_req)));
	if (s->s_conf.sc_report != NULL)
		s->s_conf.sc_report(s->s_conf.sc_arg, json_deep_copy(o));
	return (o);
}

static void
es_do_verify(struct es_server *s, struct es_job *j)
{
	char err[256], hdr[256];
	struct es_upload u;
	struct es_result r;
	void *body;
	size_t len;
	bool accepted;
	json_t *o;

	nng_http_req_get_data(j->j_req, &body, &len);
	if (es_upload_parse(nng_http_req_get_header(j->j_req, "Content-Type"), body, len, &u, err,
		    sizeof(err)) != 0) {
		es_reply_error(s, j->j_aio, 400, err);
		return;
	}
	if (u.u_seal == NULL) {
		es_reply_error(s, j->j_aio, 400, "the request carries no seal");
	} else if ((o = es_check(s, j, &u, "http", &r, &accepted)) != NULL) {
		es_verdict_header(&r, hdr, sizeof(hdr));
		es_reply_json(j->j_aio, 200, o, hdr);
		json_decref(o);
	}
	es_upload_free(&u);
}

/* Sends the request on to the upstream service and its answer back. */
static void
es_forward(struct es_server *s, struct es_job *j, nng_http_client *cli, const char *verdict)
{
	char url[2048], hdr[64];
	nng_http_req *ureq = NULL;
	nng_http_res *ures = NULL;
	nng_aio *caio = NULL;
	nng_url *u = NULL;
	void *body;
	size_t len;
	const char *v;
	int rv;

	snprintf(
		url, sizeof(url), "%s%s", s->s_conf.sc_gw_upstream, nng_http_req_get_uri(j->j_req));
	if ((rv = nng_url_parse(&u, url)) != 0 || (rv = nng_http_req_alloc(&ureq, u)) != 0 ||
		(rv = nng_http_res_alloc(&ures)) != 0 ||
		(rv = nng_aio_alloc(&caio, NULL, NULL)) != 0)
		goto fail;
	nng_http_req_set_method(ureq, nng_http_req_get_method(j->j_req));
	for (int i = 0; es_fwd_headers[i] != NULL; i++)
		if ((v = nng_http_req_get_header(j->j_req, es_fwd_headers[i])) != NULL)
			nng_http_req_set_header(ureq, es_fwd_headers[i], v);
	if (verdict != NULL)
		nng_http_req_set_header(ureq, ES_HTTP_HEADER, verdict);
	nng_http_req_get_data(j->j_req, &body, &len);
	if (len > 0 && (rv = nng_http_req_set_data(ureq, body, len)) != 0)
		goto fail;
	nng_aio_set_timeout(caio, (nng_duration)s->s_conf.sc_policy->p_timeout_ms);
	nng_http_client_transact(cli, ureq, ures, caio);
	nng_aio_wait(caio);
	if ((rv = nng_aio_result(caio)) != 0)
		goto fail;
	es_count(s, &s->s_stats.ss_forwarded);
	{
		nng_http_res *res;
		void *ubody;
		size_t ulen;

		if (nng_http_res_alloc(&res) != 0) {
			rv = NNG_ENOMEM;
			goto fail;
		}
		nng_http_res_set_status(res, nng_http_res_get_status(ures));
		for (int i = 0; es_back_headers[i] != NULL; i++)
			if ((v = nng_http_res_get_header(ures, es_back_headers[i])) != NULL)
				nng_http_res_set_header(res, es_back_headers[i], v);
		if (verdict != NULL)
			nng_http_res_set_header(res, ES_HTTP_HEADER, verdict);
		nng_http_res_get_data(ures, &ubody, &ulen);
		if (ulen > 0)
			nng_http_res_copy_data(res, ubody, ulen);
		nng_aio_set_output(j->j_aio, 0, res);
		nng_aio_finish(j->j_aio, 0);
	}
	goto out;
fail:
	snprintf(hdr, sizeof(hdr), "upstream: %s", nng_strerror(rv));
	es_reply_error(s, j->j_aio, 502, hdr);
out:
	nng_aio_free(caio);
	nng_http_res_free(ures);
	nng_http_req_free(ureq);
	nng_url_free(u);
}

static void
es_do_gateway(struct es_server *s, struct es_job *j, nng_http_client *cli)
{
	const char *m = nng_http_req_get_method(j->j_req);
	char err[256], hdr[256];
	struct es_upload u;
	struct es_result r;
	void *body;
	size_t len;
	bool accepted = false;
	json_t *o;

	nng_http_req_get_data(j->j_req, &body, &len);
	if ((strcmp(m, "POST") != 0 && strcmp(m, "PUT") != 0) || len == 0) {
		es_forward(s, j, cli, NULL);
		return;
	}
	if (es_upload_parse(nng_http_req_get_header(j->j_req, "Content-Type"), body, len, &u, err,
		    sizeof(err)) != 0) {
		es_reply_error(s, j->j_aio, 400, err);
		return;
	}
	if (u.u_seal == NULL) {
		if (s->s_conf.sc_gw_require_seal) {
			es_count(s, &s->s_stats.ss_refused);
			es_reply_error(s, j->j_aio, 403,
				"the upload carries no seal and the gateway requires sealed "
				"documents");
		} else {
			es_forward(s, j, cli, "none");
		}
	} else if ((o = es_check(s, j, &u, "gateway", &r, &accepted)) != NULL) {
		es_verdict_header(&r, hdr, sizeof(hdr));
		if (accepted) {
			es_forward(s, j, cli, hdr);
		} else {
			es_count(s, &s->s_stats.ss_refused);
			es_reply_json(j->j_aio, 403, o, hdr);
		}
		json_decref(o);
	}
	es_upload_free(&u);
}

static void *
es_worker(void *arg)
{
	struct es_server *s = arg;
	nng_http_client *cli = NULL;
	nng_url *u = NULL;
	struct es_job *j;

	if (s->s_conf.sc_gw_upstream != NULL && nng_url_parse(&u, s->s_conf.sc_gw_upstream) == 0)
		(void)nng_http_client_alloc(&cli, u);
	for (;;) {
		pthread_mutex_lock(&s->s_lock);
		while (s->s_head == NULL && !s->s_stopping)
			pthread_cond_wait(&s->s_cond, &s->s_lock);
		if ((j = s->s_head) == NULL) {
			pthread_mutex_unlock(&s->s_lock);
			break;
		}
		s->s_head = j->j_next;
		if (s->s_head == NULL)
			s->s_tail = NULL;
		s->s_qlen--;
		s->s_stats.ss_requests++;
		pthread_mutex_unlock(&s->s_lock);
		if (s->s_stopping)
			es_reply_error(s, j->j_aio, 503, "the service is stopping");
		else if (es_mono_ms() - j->j_queued_ms > s->s_conf.sc_policy->p_timeout_ms)
			es_reply_error(s, j->j_aio, 503, "timed out waiting for a worker");
		else if (!j->j_gateway)
			es_do_verify(s, j);
		else if (cli == NULL)
			es_reply_error(s, j->j_aio, 502, "upstream: not configured");
		else
			es_do_gateway(s, j, cli);
		free(j);
	}
	if (cli != NULL)
		nng_http_client_free(cli);
	nng_url_free(u);
	return (NULL);
}

static void
es_http_cb(nng_aio *aio)
{
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	struct es_listener *l = nng_http_handler_get_data(h);
	struct es_server *s = l->l_srv;
	struct es_job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	j->j_aio = aio;
	j->j_req = nng_aio_get_input(aio, 0);
	j->j_gateway = l->l_gateway;
	j->j_queued_ms = es_mono_ms();
	pthread_mutex_lock(&s->s_lock);
	if (s->s_stopping || s->s_qlen >= s->s_conf.sc_queue) {
		pthread_mutex_unlock(&s->s_lock);
		free(j);
		es_reply_error(s, aio, 503, "too many requests waiting; try again");
		return;
	}
	if (s->s_tail != NULL)
		s->s_tail->j_next = j;
	else
		s->s_head = j;
	s->s_tail = j;
	s->s_qlen++;
	pthread_cond_signal(&s->s_cond);
	pthread_mutex_unlock(&s->s_lock);
}

static int
es_listen(struct es_server *s, struct es_listener *l, const char *url, bool gateway, char *err,
	size_t errlen)
{
	nng_url *u = NULL;
	int rv;

	l->l_srv = s;
	l->l_gateway = gateway;
	if ((rv = nng_url_parse(&u, url)) != 0 || (rv = nng_http_server_hold(&l->l_http, u)) != 0) {
		snprintf(err, errlen, "%s: %s (expected http://ADDRESS:PORT)", url,
			nng_strerror(rv));
		nng_url_free(u);
		return (-1);
	}
	nng_url_free(u);
	if ((rv = nng_http_handler_alloc(&l->l_handler, gateway ? "/" : "/verify", es_http_cb)) !=
			0 ||
		(rv = nng_http_handler_set_method(l->l_handler, gateway ? NULL : "POST")) != 0 ||
		(gateway && (rv = nng_http_handler_set_tree(l->l_handler)) != 0) ||
		(rv = nng_http_handler_collect_body(l->l_handler, true, s->s_max_body)) != 0 ||
		(rv = nng_http_handler_set_data(l->l_handler, l, NULL)) != 0 ||
		(rv = nng_http_server_add_handler(l->l_http, l->l_handler)) != 0) {
		snprintf(err, errlen, "%s: %s", url, nng_strerror(rv));
		if (l->l_handler != NULL)
			nng_http_handler_free(l->l_handler);
		l->l_handler = NULL;
		return (-1);
	}
	if ((rv = nng_http_server_start(l->l_http)) != 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", url, nng_strerror(rv));
		return (-1);
	}
	return (0);
}

static void
es_unlisten(struct es_listener *l)
{
	if (l->l_http == NULL)
		return;
	nng_http_server_stop(l->l_http);
	nng_http_server_release(l->l_http);
	l->l_http = NULL;
}

int
es_server_start(const struct es_server_conf *c, struct es_server **out, char *err, size_t errlen)
{
	struct es_server *s;

	if (c->sc_gw_upstream != NULL) {
		nng_url *u = NULL;
		int rv = nng_url_parse(&u, c->sc_gw_upstream);

		nng_url_free(u);
		if (rv != 0 || strncmp(c->sc_gw_upstream, "http://", 7) != 0) {
			snprintf(err, errlen,
				"gateway.upstream %s: expected http://HOST:PORT[/PATH] (%s)",
				c->sc_gw_upstream, rv != 0 ? nng_strerror(rv) : "not http");
			return (-EINVAL);
		}
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (-ENOMEM);
	s->s_conf = *c;
	/* JSON carries base64: a third larger than the seal and the document. */
	s->s_max_body = (c->sc_policy->p_max_seal + c->sc_policy->p_max_content) / 3 * 4 + 65536;
	pthread_mutex_init(&s->s_lock, NULL);
	pthread_cond_init(&s->s_cond, NULL);
	if ((s->s_threads = calloc(c->sc_workers, sizeof(pthread_t))) == NULL)
		goto fail;
	for (; s->s_nthreads < c->sc_workers; s->s_nthreads++)
		if (pthread_create(&s->s_threads[s->s_nthreads], NULL, es_worker, s) != 0) {
			snprintf(err, errlen, "cannot start worker threads");
			goto fail;
		}
	if (c->sc_listen != NULL && es_listen(s, &s->s_ep, c->sc_listen, false, err, errlen) < 0)
		goto fail;
	if (c->sc_gw_listen != NULL &&
		es_listen(s, &s->s_gw, c->sc_gw_listen, true, err, errlen) < 0)
		goto fail;
	*out = s;
	return (0);
fail:
	es_server_stop(s);
	return (-EINVAL);
}

void
es_server_stats(struct es_server *s, struct es_server_stats *st)
{
	pthread_mutex_lock(&s->s_lock);
	*st = s->s_stats;
	pthread_mutex_unlock(&s->s_lock);
}

void
es_server_stop(struct es_server *s)
{
	if (s == NULL)
		return;
	/* No new requests, then the queued ones are answered, then the workers go. */
	es_unlisten(&s->s_ep);
	es_unlisten(&s->s_gw);
	pthread_mutex_lock(&s->s_lock);
	s->s_stopping = true;
	pthread_cond_broadcast(&s->s_cond);
	pthread_mutex_unlock(&s->s_lock);
	for (unsigned i = 0; i < s->s_nthreads; i++)
		pthread_join(s->s_threads[i], NULL);
	free(s->s_threads);
	pthread_cond_destroy(&s->s_cond);
	pthread_mutex_destroy(&s->s_lock);
	free(s);
}
