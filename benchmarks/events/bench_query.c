/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_events query: latency of the store's query API, one request at a
 * time over its nng req/rep socket, as a console asks: for each kind, a few
 * unmeasured requests, then --count measured ones with random parameters
 * (or fewer, when the kind's time budget runs out), p50 and p99 of the round
 * trip (request sent to answer received and parsed).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include <mamori/bus.h>

#include "bench_events.h"
#include "bench_gen.h"
#include "store_time.h"

#define WARMUP   3
#define REQ_LEN  512
#define TIMEO_MS 60000

enum kind {
	Q_NEWEST,
	Q_RANGE,
	Q_PREFIX,
	Q_PREFIX_HOUR,
	Q_COUNT,
	Q_TEXT,
	Q_N,
};

static const char *const kind_name[Q_N] = { "newest", "range", "prefix", "prefix1h", "count",
	"text" };
static const char *const kind_what[Q_N] = {
	"the newest 100 events of type flow",
	"100 events of a random 1 s window (about 1,000 events in it), oldest first",
	"the newest 100 events to or from a random client's /24",
	"the same within a random hour",
	"count of type flow in a random 60 s window (about 60,000 events)",
	"the newest 100 events whose raw JSON holds \"dest_port\":3389, (~2.5% of events)",
};

struct qctx {
	nng_socket q_sock;
	struct gen *q_gen;
	int64_t q_min_ts;
	int64_t q_max_ts;
};

/* Sends req, returns the parsed answer (NULL on failure, with a message). */
static json_t *
ask(struct qctx *q, const char *req)
{
	json_error_t jerr;
	nng_msg *m;
	json_t *a;
	int rv;

	if ((rv = nng_msg_alloc(&m, 0)) != 0 || (rv = nng_msg_append(m, req, strlen(req))) != 0 ||
		(rv = nng_sendmsg(q->q_sock, m, 0)) != 0 ||
		(rv = nng_recvmsg(q->q_sock, &m, 0)) != 0) {
		fprintf(stderr, "events: query %s: %s\n", req, nng_strerror(rv));
		return (NULL);
	}
	a = json_loadb(nng_msg_body(m), nng_msg_len(m), 0, &jerr);
	nng_msg_free(m);
	if (a == NULL || !json_is_true(json_object_get(a, "ok"))) {
		fprintf(stderr, "events: query %s: %s\n", req,
			a != NULL ? json_string_value(json_object_get(a, "error")) : jerr.text);
		json_decref(a);
		return (NULL);
	}
	return (a);
}

/* The timestamp of the oldest (desc false) or newest event, in ns. */
static int
edge_ts(struct qctx *q, bool desc, int64_t *ts)
{
	json_t *a = ask(q, desc ? "{\"op\":\"query\",\"limit\":1,\"order\":\"desc\"}"
				: "{\"op\":\"query\",\"limit\":1}");
	const char *s;
	int rv = -EINVAL;

	if (a == NULL)
		return (-EIO);
	s = json_string_value(
		json_object_get(json_array_get(json_object_get(a, "events"), 0), "timestamp"));
	if (s != NULL && store_time_parse(s, strlen(s), ts) == 0)
		rv = 0;
	json_decref(a);
	return (rv);
}

static int64_t
random_time(struct qctx *q, int64_t span)
{
	uint64_t room =
		q->q_max_ts - q->q_min_ts > span ? (uint64_t)(q->q_max_ts - q->q_min_ts - span) : 1;

	return (q->q_min_ts + (int64_t)(gen_rand(q->q_gen) % room));
}

static void
make_request(struct qctx *q, enum kind k, char *buf, size_t len)
{
	const struct mm_addr *c;
	int64_t t;

	switch (k) {
	case Q_NEWEST:
		snprintf(buf, len,
			"{\"op\":\"query\",\"type\":\"flow\",\"order\":\"desc\","
			"\"limit\":100}");
		break;
	case Q_RANGE:
		t = random_time(q, (int64_t)BENCH_NS);
		snprintf(buf, len,
			"{\"op\":\"query\",\"since\":%" PRId64 ",\"until\":%" PRId64
			",\"limit\":100}",
			t, t + (int64_t)BENCH_NS);
		break;
	case Q_PREFIX:
		do
			c = &q->q_gen->g_clients[gen_rand(q->q_gen) % GEN_CLIENTS];
		while (!mm_addr_is_v4(c));
		snprintf(buf, len,
			"{\"op\":\"query\",\"ip\":\"%u.%u.%u.0/24\",\"order\":\"desc\","
			"\"limit\":100}",
			c->a_bytes[12], c->a_bytes[13], c->a_bytes[14]);
		break;
	case Q_PREFIX_HOUR:
		do
			c = &q->q_gen->g_clients[gen_rand(q->q_gen) % GEN_CLIENTS];
		while (!mm_addr_is_v4(c));
		t = random_time(q, 3600 * (int64_t)BENCH_NS);
		snprintf(buf, len,
			"{\"op\":\"query\",\"ip\":\"%u.%u.%u.0/24\",\"since\":%" PRId64
			",\"until\":%" PRId64 ",\"order\":\"desc\",\"limit\":100}",
			c->a_bytes[12], c->a_bytes[13], c->a_bytes[14], t,
			t + 3600 * (int64_t)BENCH_NS);
		break;
	case Q_COUNT:
		t = random_time(q, 60 * (int64_t)BENCH_NS);
		snprintf(buf, len,
			"{\"op\":\"count\",\"type\":\"flow\",\"since\":%" PRId64
			",\"until\":%" PRId64 "}",
			t, t + 60 * (int64_t)BENCH_NS);
		break;
	case Q_TEXT:
		snprintf(buf, len,
			"{\"op\":\"query\",\"text\":\"\\\"dest_port\\\":3389,\","
			"\"order\":\"desc\",\"limit\":100}");
		break;
	case Q_N:
		break;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Runs one kind; prints its line. */
static int
run_kind(struct qctx *q, enum kind k, unsigned count, double budget_s)
{
	uint64_t *lat = calloc(count, sizeof(*lat)), start = bench_mono_ns(), results = 0;
	char req[REQ_LEN];
	unsigned n = 0;

	if (lat == NULL)
		return (-ENOMEM);
	for (unsigned i = 0; i < WARMUP + count; i++) {
		uint64_t t0;
		json_t *a;

		if (i >= WARMUP && (double)(bench_mono_ns() - start) / 1e9 > budget_s)
			break;
		make_request(q, k, req, sizeof(req));
		t0 = bench_mono_ns();
		if ((a = ask(q, req)) == NULL) {
			free(lat);
			return (-EIO);
		}
		if (i >= WARMUP) {
			lat[n++] = bench_mono_ns() - t0;
			results += k == Q_COUNT ? (uint64_t)json_integer_value(
							  json_object_get(a, "count"))
						: json_array_size(json_object_get(a, "events"));
		}
		json_decref(a);
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	if (n == 0) {
		printf("events query %-8s: no measured request within %.0f s\n", kind_name[k],
			budget_s);
	} else {
		unsigned p99 = (n * 99 + 99) / 100;

		printf("events query %-8s: %u requests: p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
		       "%.0f %s per answer: %s%s\n",
			kind_name[k], n, (double)lat[(n - 1) / 2] / 1e6, (double)lat[p99 - 1] / 1e6,
			(double)lat[n - 1] / 1e6, (double)results / n,
			k == Q_COUNT ? "counted" : "events", kind_what[k],
			n < count ? " (stopped: time budget)" : "");
	}
	fflush(stdout);
	free(lat);
	return (0);
}

int
bench_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'n' },
		{ "budget", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL;
	unsigned count = 200;
	double budget = 30;
	struct qctx q;
	json_t *st;
	char a[32];
	int ch, rv = 1;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'n':
			count = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			budget = strtod(optarg, NULL);
			break;
		default:
			url = NULL;
			break;
		}
	}
	if (url == NULL || count == 0) {
		fprintf(stderr, "usage: bench_events query --url URL [--count N] [--budget S]\n");
		return (2);
	}
	memset(&q, 0, sizeof(q));
	if ((q.q_gen = malloc(sizeof(*q.q_gen))) == NULL)
		return (1);
	/* The ingest runs' hosts, for prefixes that hold events. */
	gen_init(q.q_gen, BENCH_SEED, 99, BENCH_T0, BENCH_STEP);
	if ((rv = nng_req0_open(&q.q_sock)) != 0 ||
		(rv = nng_socket_set_ms(q.q_sock, NNG_OPT_RECVTIMEO, TIMEO_MS)) != 0 ||
		(rv = nng_socket_set_ms(q.q_sock, NNG_OPT_SENDTIMEO, TIMEO_MS)) != 0 ||
		(rv = nng_socket_set_size(q.q_sock, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG)) != 0 ||
		(rv = nng_dial(q.q_sock, url, NULL, 0)) != 0) {
		fprintf(stderr, "events: query socket %s: %s\n", url, nng_strerror(rv));
		free(q.q_gen);
		return (1);
	}
	rv = 1;
	if ((st = ask(&q, "{\"op\":\"stats\"}")) == NULL || edge_ts(&q, false, &q.q_min_ts) < 0 ||
		edge_ts(&q, true, &q.q_max_ts) < 0)
		goto out;
	printf("events query: %s rows, %.1f h of traffic; %u requests of each kind after %d "
	       "unmeasured, %.0f s at most each\n",
		bench_commas(
			(uint64_t)json_integer_value(json_object_get(st, "rows")), a, sizeof(a)),
		(double)(q.q_max_ts - q.q_min_ts) / 3600e9, count, WARMUP, budget);
	fflush(stdout);
	for (int k = 0; k < Q_N; k++)
		if (run_kind(&q, (enum kind)k, count, budget) < 0)
			goto out;
	rv = 0;
out:
	json_decref(st);
	nng_close(q.q_sock);
	free(q.q_gen);
	return (rv);
}
