/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet benchmark's driver: flow events through the exporter's JetStream
 * sink into a NATS cluster, consumed by the central mamori-store into
 * PostgreSQL (all started by benchmarks/fleet/run).
 *
 *	throughput  COUNT events submitted as fast as the exporter takes them;
 *	            timed from the first submit until PostgreSQL holds them all
 *	delay       RATE events/s for SECONDS, each carrying its submit time;
 *	            the delay is from the submit to the event's arrival on the
 *	            store's live view, which publishes after the COMMIT
 *
 * Prints "throughput: ..." and "delay: ..." lines for the run script.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>

#include <mamori/exporter.h>

#define BENCH_BATCH 512
#define BENCH_QUEUE 64

struct opts {
	const char *o_nats;
	const char *o_live;
	const char *o_conninfo;
	const char *o_spool_dir;
	long o_count;
	long o_rate;
	long o_seconds;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* A flow event shaped as mamorid's (about 500 bytes), with the submit time. */
static json_t *
flow_event(long i)
{
	char src[32], dst[32];

	snprintf(src, sizeof(src), "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	snprintf(dst, sizeof(dst), "198.51.100.%ld", i % 250 + 1);
	return (json_pack("{s:s, s:I, s:s, s:s, s:i, s:s, s:i, s:s, s:{s:i, s:i, s:i, s:i, s:s, "
			  "s:s, s:i, s:s, s:s}, s:s, s:I}",
		"timestamp", "2026-04-01T00:00:00.000000+0000", "flow_id", (json_int_t)i,
		"event_type", "flow", "src_ip", src, "src_port", (int)(40000 + i % 20000),
		"dest_ip", dst, "dest_port", 443, "proto", "TCP", "flow", "pkts_toserver", 12,
		"pkts_toclient", 10, "bytes_toserver", 1800, "bytes_toclient", 9400, "start",
		"2026-04-01T00:00:00.000000+0000", "end", "2026-04-01T00:00:01.000000+0000", "age",
		1, "state", "closed", "reason", "fin", "plugin", "flowlog", "x_sent_ns",
		(json_int_t)now_ns()));
}

static long
pg_count(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT count(*) FROM events");
	long n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return (n);
}

static struct mm_exporter *
exporter(const struct opts *o, const char *site)
{
	struct mm_exporter_conf c;
	struct mm_exporter *ex;
	char url[1024], err[256], spool[1024];

	snprintf(url, sizeof(url), "%s?site=%s", o->o_nats, site);
	memset(&c, 0, sizeof(c));
	c.ec_url = url;
	c.ec_batch_events = BENCH_BATCH;
	c.ec_batch_delay_ms = 20;
	c.ec_queue_batches = BENCH_QUEUE;
	/* As mamorid: batches the cluster does not take in time wait on disk. */
	snprintf(spool, sizeof(spool), "%s/%s.spool", o->o_spool_dir, site);
	c.ec_spool_path = spool;
	if ((ex = mm_exporter_new(&c, err, sizeof(err))) == NULL)
		fprintf(stderr, "bench_fleet: %s\n", err);
	return (ex);
}

static int
throughput(const struct opts *o, PGconn *pg)
{
	struct mm_exporter *ex = exporter(o, "bench-t");
	long base = pg_count(pg), n;
	uint64_t t0, t1, last_check = 0;
	struct mm_exporter_stats st;

	if (ex == NULL || base < 0)
		return (-1);
	t0 = mono_ms();
	for (long i = 0; i < o->o_count; i++) {
		/* Back-pressure: never more in memory than the queue holds (no spool here). */
		for (;;) {
			mm_exporter_stats(ex, &st);
			if (st.es_pending < (BENCH_QUEUE - 2) * BENCH_BATCH)
				break;
			mm_exporter_poll(ex, mono_ms());
			nng_msleep(1);
		}
		mm_exporter_submit(ex, flow_event(i));
		if (i % 64 == 0)
			mm_exporter_poll(ex, mono_ms());
	}
	mm_exporter_flush(ex, 60000);
	do {
		uint64_t now = mono_ms();

		if (now - last_check >= 50) {
			last_check = now;
			mm_exporter_stats(ex, &st);
			if ((n = pg_count(pg) - base) >= (long)st.es_acked)
				break;
		}
		nng_msleep(5);
	} while (mono_ms() - t0 < 300000);
	t1 = mono_ms();
	mm_exporter_stats(ex, &st);
	printf("throughput: %ld events in %.3f s: %.0f events/s (exporter acked %" PRIu64
	       ", dropped %" PRIu64 "; stored %ld)\n",
		o->o_count, (double)(t1 - t0) / 1000,
		(double)o->o_count * 1000 / (double)(t1 - t0 > 0 ? t1 - t0 : 1), st.es_acked,
		st.es_dropped, pg_count(pg) - base);
	mm_exporter_free(ex);
	return (0);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

static int
delay(const struct opts *o)
{
	struct mm_exporter *ex = exporter(o, "bench-d");
	long total = o->o_rate * o->o_seconds, sent = 0, got = 0;
	int64_t *d = calloc((size_t)total + 1, sizeof(*d));
	uint64_t t0, end;
	nng_socket sub;

	if (ex == NULL || d == NULL || nng_sub0_open(&sub) != 0 ||
		nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "flow ", 5) != 0 ||
		nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 10) != 0 ||
		nng_socket_set_int(sub, NNG_OPT_RECVBUF, 8192) != 0 ||
		nng_dial(sub, o->o_live, NULL, 0) != 0) {
		fprintf(stderr, "bench_fleet: cannot subscribe to %s\n", o->o_live);
		free(d);
		return (-1);
	}
	nng_msleep(300); /* the subscription reaches the publisher */
	t0 = mono_ms();
	end = t0 + (uint64_t)o->o_seconds * 1000 + 10000;
	while (mono_ms() < end && got < total) {
		long due = (long)((mono_ms() - t0) * (uint64_t)o->o_rate / 1000);
		nng_msg *m;

		while (sent < total && sent < due)
			mm_exporter_submit(ex, flow_event(sent++));
		mm_exporter_poll(ex, mono_ms());
		while (nng_recvmsg(sub, &m, NNG_FLAG_NONBLOCK) == 0) {
			const char *body = nng_msg_body(m), *sp = memchr(body, ' ', nng_msg_len(m));
			json_t *ev = sp != NULL ? json_loadb(sp + 1,
							  nng_msg_len(m) - (size_t)(sp + 1 - body),
							  0, NULL)
						: NULL;
			json_t *x = json_object_get(ev, "x_sent_ns");

			if (x != NULL && got < total)
				d[got++] = now_ns() - json_integer_value(x);
			json_decref(ev);
			nng_msg_free(m);
		}
		nng_msleep(1);
	}
	mm_exporter_flush(ex, 10000);
	nng_close(sub);
	mm_exporter_free(ex);
	if (got == 0) {
		printf("delay: no event came back on the live view\n");
		free(d);
		return (-1);
	}
	qsort(d, (size_t)got, sizeof(*d), cmp_i64);
	printf("delay: %ld of %ld events at %ld/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", got,
		total, o->o_rate, (double)d[got / 2] / 1e6, (double)d[(got * 99) / 100] / 1e6,
		(double)d[got - 1] / 1e6);
	free(d);
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nats", required_argument, NULL, 'n' },
		{ "live", required_argument, NULL, 'l' },
		{ "conninfo", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "spool-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .o_count = 200000, .o_rate = 2000, .o_seconds = 10 };
	PGconn *pg;
	int c, rv;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.o_nats = optarg;
			break;
		case 'l':
			o.o_live = optarg;
			break;
		case 'p':
			o.o_conninfo = optarg;
			break;
		case 'c':
			o.o_count = strtol(optarg, NULL, 10);
			break;
		case 'r':
			o.o_rate = strtol(optarg, NULL, 10);
			break;
		case 's':
			o.o_seconds = strtol(optarg, NULL, 10);
			break;
		case 'd':
			o.o_spool_dir = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: bench_fleet --nats URL[,URL...] --live URL --conninfo STR\n"
				"                   --spool-dir DIR [--count N] [--rate EV_PER_S]\n"
				"                   [--seconds S]\n"
				"Run by benchmarks/fleet/run, which starts the servers.\n");
			return (c == 'h' ? 0 : 2);
		}
	}
	if (o.o_nats == NULL || o.o_live == NULL || o.o_conninfo == NULL || o.o_spool_dir == NULL ||
		o.o_count <= 0 || o.o_rate <= 0 || o.o_seconds <= 0) {
		fprintf(stderr, "bench_fleet: --nats, --live, --conninfo and --spool-dir are "
				"required\n");
		return (2);
	}
	pg = PQconnectdb(o.o_conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "bench_fleet: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return (1);
	}
	rv = throughput(&o, pg) == 0 && delay(&o) == 0 ? 0 : 1;
	PQfinish(pg);
	return (rv);
}
