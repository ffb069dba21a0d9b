/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter against a real nng rep peer: a small stand-in for the store
 * that decodes batches with mm_bus_batch_decode, commits each (producer,
 * seq) once (a set, as the store's INSERT OR IGNORE does) and acknowledges.
 * It can be stopped and started again on the same ipc address, made to
 * refuse, or to commit and lose its acknowledgement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "mamori/bus.h"
#include "mamori/exporter.h"
#include "mamori/log.h"
#include "mamori/spool.h"
#include "mm_test.h"

#define SET_SLOTS (1U << 16)
#define LOG_MAX   20000

struct commit {
	uint64_t c_producer;
	uint64_t c_seq;
	char *c_json;
};

struct store {
	char st_url[300];
	nng_socket st_sock;
	nng_tls_config *st_tls;
	pthread_t st_thr;
	bool st_running;
	pthread_mutex_t st_mtx;
	/* Behaviour for the next batches. */
	int st_refuse;   /* answer EBUSY */
	int st_reject;   /* answer EBADMSG, a refusal for good */
	int st_lose_ack; /* commit, then send no acknowledgement */
	/* What was committed, first commits in order. */
	struct commit st_log[LOG_MAX];
	size_t st_log_n;
	struct {
		uint64_t k_producer, k_seq;
		bool k_used;
	} st_set[SET_SLOTS];
	uint64_t st_batches;
	uint64_t st_dups;
	uint64_t st_bad;
};

static struct mm_bus_event store_evs[MM_BUS_MAX_EVENTS];
static char tmpdir[64];

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Inserts (producer, seq); false when it was there already. */
static bool
store_insert(struct store *st, uint64_t producer, uint64_t seq)
{
	uint64_t h = (producer * 0x9e3779b97f4a7c15ULL) ^ (seq * 0xc2b2ae3d27d4eb4fULL);

	for (uint32_t i = (uint32_t)(h >> 40) % SET_SLOTS;; i = (i + 1) % SET_SLOTS) {
		if (!st->st_set[i].k_used) {
			st->st_set[i].k_used = true;
			st->st_set[i].k_producer = producer;
			st->st_set[i].k_seq = seq;
			return (true);
		}
		if (st->st_set[i].k_producer == producer && st->st_set[i].k_seq == seq)
			return (false);
	}
}

static void
store_answer(struct store *st, const struct mm_bus_ack *a)
{
	uint8_t buf[MM_BUS_ACK_HDR + sizeof(a->ba_reason)];
	size_t n = mm_bus_ack_encode(buf, sizeof(buf), a);
	nng_msg *rep;

	if (nng_msg_alloc(&rep, 0) != 0)
		return;
	if (nng_msg_append(rep, buf, n) != 0 || nng_sendmsg(st->st_sock, rep, 0) != 0)
		nng_msg_free(rep);
}

static void *
store_main(void *arg)
{
	struct store *st = arg;

	for (;;) {
		struct mm_bus_ack a = { 0 };
		struct mm_bus_batch b;
		char why[sizeof(a.ba_reason)];
		nng_msg *msg;
		int rv;

		if ((rv = nng_recvmsg(st->st_sock, &msg, 0)) == NNG_ECLOSED)
			break;
		if (rv != 0)
			continue;
		pthread_mutex_lock(&st->st_mtx);
		st->st_batches++;
		if (mm_bus_batch_decode(nng_msg_body(msg), nng_msg_len(msg), &b, store_evs,
			    MM_BUS_MAX_EVENTS, why, sizeof(why)) != 0) {
			st->st_bad++;
			a.ba_status = EBADMSG;
			snprintf(a.ba_reason, sizeof(a.ba_reason), "%s", why);
		} else if (st->st_refuse > 0) {
			st->st_refuse--;
			a.ba_status = EBUSY;
			snprintf(a.ba_reason, sizeof(a.ba_reason), "database is locked");
		} else if (st->st_reject > 0) {
			st->st_reject--;
			a.ba_status = EBADMSG;
			snprintf(a.ba_reason, sizeof(a.ba_reason), "event 0 is not JSON");
		} else {
			for (uint32_t i = 0; i < b.bb_count; i++) {
				struct commit *c = &st->st_log[st->st_log_n];

				if (!store_insert(st, b.bb_producer, b.bb_first_seq + i)) {
					st->st_dups++;
					continue;
				}
				if (st->st_log_n == LOG_MAX)
					abort();
				c->c_producer = b.bb_producer;
				c->c_seq = b.bb_first_seq + i;
				c->c_json = strndup(b.bb_events[i].be_json, b.bb_events[i].be_len);
				st->st_log_n++;
			}
			a.ba_acked_seq = b.bb_first_seq + b.bb_count - 1;
		}
		a.ba_producer = b.bb_producer;
		if (a.ba_status == 0 && st->st_lose_ack > 0) {
			st->st_lose_ack--;
			pthread_mutex_unlock(&st->st_mtx);
			nng_msg_free(msg);
			continue;
		}
		pthread_mutex_unlock(&st->st_mtx);
		nng_msg_free(msg);
		store_answer(st, &a);
	}
	return (NULL);
}

static struct store *
store_new(const char *name)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		abort();
	snprintf(st->st_url, sizeof(st->st_url), "ipc://%s/%s", tmpdir, name);
	pthread_mutex_init(&st->st_mtx, NULL);
	return (st);
}

static int
store_start(struct store *st)
{
	nng_listener l;
	int rv;

	if ((rv = nng_rep0_open(&st->st_sock)) != 0)
		return (rv);
	nng_socket_set_size(st->st_sock, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG);
	if ((rv = nng_listener_create(&l, st->st_sock, st->st_url)) != 0 ||
		(st->st_tls != NULL &&
			(rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, st->st_tls)) != 0) ||
		(rv = nng_listener_start(l, 0)) != 0) {
		nng_close(st->st_sock);
		return (rv);
	}
	if (pthread_create(&st->st_thr, NULL, store_main, st) != 0)
		abort();
	st->st_running = true;
	return (0);
}

/* Closing the socket under the thread is the store dying: connections drop. */
static void
store_stop(struct store *st)
{
	if (!st->st_running)
		return;
	nng_close(st->st_sock);
	pthread_join(st->st_thr, NULL);
	st->st_running = false;
}

static void
store_free(struct store *st)
{
	store_stop(st);
	for (size_t i = 0; i < st->st_log_n; i++)
		free(st->st_log[i].c_json);
	if (st->st_tls != NULL)
		nng_tls_config_free(st->st_tls);
	pthread_mutex_destroy(&st->st_mtx);
	free(st);
}

/*
 * True when the commits from index from on include producer's seq first ..
 * first + n - 1 exactly once each and in order (other producers may be
 * interleaved).
 */
static bool
store_has_run(struct store *st, size_t from, uint64_t producer, uint64_t first, uint64_t n)
{
	uint64_t want = first;
	bool ok = true;

	pthread_mutex_lock(&st->st_mtx);
	for (size_t i = from; i < st->st_log_n; i++) {
		if (st->st_log[i].c_producer != producer)
			continue;
		if (st->st_log[i].c_seq != want) {
			fprintf(stderr, "  commit %zu: seq %" PRIu64 ", expected %" PRIu64 "\n", i,
				st->st_log[i].c_seq, want);
			ok = false;
			break;
		}
		want++;
	}
	pthread_mutex_unlock(&st->st_mtx);
	if (ok && want != first + n) {
		fprintf(stderr, "  %" PRIu64 " of %" PRIu64 " events committed\n", want - first, n);
		ok = false;
	}
	return (ok);
}

static size_t
store_count(struct store *st)
{
	size_t n;

	pthread_mutex_lock(&st->st_mtx);
	n = st->st_log_n;
	pthread_mutex_unlock(&st->st_mtx);
	return (n);
}

static json_t *
event(int i)
{
	return (json_pack("{s:s, s:s, s:i, s:s}", "timestamp", "2024-02-13T14:34:38.788187+0000",
		"event_type", "test", "n", i, "pad", "0123456789abcdef"));
}

static void
test_conf(struct mm_exporter_conf *c, const struct store *st, const char *spool)
{
	static char spool_path[300];

	memset(c, 0, sizeof(*c));
	c->ec_url = st->st_url;
	c->ec_batch_events = 16;
	c->ec_batch_delay_ms = 10;
	c->ec_send_timeout_ms = 150;
	c->ec_ack_timeout_ms = 500;
	c->ec_retry_min_ms = 10;
	c->ec_retry_max_ms = 100;
	c->ec_reconnect_min_ms = 10;
	c->ec_reconnect_max_ms = 50;
	if (spool != NULL) {
		snprintf(spool_path, sizeof(spool_path), "%s/%s", tmpdir, spool);
		c->ec_spool_path = spool_path;
	}
}

static struct mm_exporter *
exporter(const struct mm_exporter_conf *c)
{
	char err[MM_EXPORTER_ERRLEN];
	struct mm_exporter *ex = mm_exporter_new(c, err, sizeof(err));

	if (ex == NULL)
		fprintf(stderr, "  mm_exporter_new: %s\n", err);
	return (ex);
}

static void
pump(struct mm_exporter *ex, uint32_t ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		mm_exporter_poll(ex, now_ms());
		nng_msleep(1);
	}
}

static bool
pump_until_acked(struct mm_exporter *ex, uint64_t acked, uint32_t timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct mm_exporter_stats s;

	do {
		mm_exporter_poll(ex, now_ms());
		mm_exporter_stats(ex, &s);
		if (s.es_acked >= acked)
			return (true);
		nng_msleep(1);
	} while (now_ms() < end);
	fprintf(stderr, "  %" PRIu64 " of %" PRIu64 " events acknowledged; last error: %s\n",
		s.es_acked, acked, s.es_last_error);
	return (false);
}

static int
submit_n(struct mm_exporter *ex, int from, int n, bool poll)
{
	for (int i = from; i < from + n; i++) {
		if (mm_exporter_submit(ex, event(i)) != 0)
			return (-1);
		if (poll)
			mm_exporter_poll(ex, now_ms());
	}
	return (0);
}

/*
 * The store commits the batch of events [from, from + n) but dies before it
 * acknowledges it; the exporter sees the connection go.
 */
static void
store_dies_unacked(struct store *st, struct mm_exporter *ex, int from, int n, bool poll)
{
	uint64_t batches, deadline;

	pthread_mutex_lock(&st->st_mtx);
	st->st_lose_ack = 1;
	batches = st->st_batches;
	pthread_mutex_unlock(&st->st_mtx);
	MM_ASSERT_EQ(submit_n(ex, from, n, poll), 0);
	for (deadline = now_ms() + 1000; now_ms() < deadline; pump(ex, 1)) {
		pthread_mutex_lock(&st->st_mtx);
		if (st->st_batches > batches)
			deadline = 0;
		pthread_mutex_unlock(&st->st_mtx);
	}
	store_stop(st);
	pump(ex, 50);
}

/* Nothing lost silently: every event submitted is accounted for somewhere. */
static bool
balanced(const struct mm_exporter_stats *s)
{
	return (s->es_submitted ==
		s->es_acked + s->es_dropped + s->es_rejected + s->es_invalid + s->es_pending);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return (stat(path, &sb) == 0 ? sb.st_size : -1);
}

MM_TEST(delivers_in_order)
{
	struct store *st = store_new("order.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, "order.spool");
	/*
	 * Room for every batch: a loaded machine may stall the store for a
	 * while, and overflowing memory into the spool is right but not what
	 * this test is about.
	 */
	c.ec_queue_batches = 64;
	MM_ASSERT((ex = exporter(&c)) != NULL);
	/* Ten events a millisecond, polled each millisecond as mamorid's control loop does. */
	for (int i = 0; i < 1000; i += 10) {
		MM_ASSERT_EQ(submit_n(ex, i, 10, false), 0);
		pump(ex, 1);
	}
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 1, 1000));
	MM_ASSERT_EQ(s.es_submitted, 1000);
	MM_ASSERT_EQ(s.es_acked, 1000);
	MM_ASSERT_EQ(s.es_spooled, 0);
	MM_ASSERT_EQ(s.es_resent, 0);
	MM_ASSERT_EQ(s.es_pending, 0);
	MM_ASSERT(s.es_sent >= 1000);
	MM_ASSERT(s.es_connected);
	MM_ASSERT(balanced(&s));
	MM_ASSERT_EQ(st->st_dups, 0);
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(store_down_at_start)
{
	struct store *st = store_new("late.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	test_conf(&c, st, "late.spool");
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 200, true), 0);
	pump(ex, 400);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(!s.es_connected);
	MM_ASSERT(!s.es_store_ok);
	MM_ASSERT(s.es_store_errors > 0);
	MM_ASSERT_EQ(s.es_acked, 0);
	MM_ASSERT_EQ(s.es_spooled, 200);
	MM_ASSERT_EQ(s.es_spool_records, 13);
	MM_ASSERT(strstr(s.es_last_error, st->st_url) != NULL);
	MM_ASSERT(balanced(&s));

	MM_ASSERT_EQ(store_start(st), 0);
	MM_ASSERT(pump_until_acked(ex, 200, 5000));
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 1, 200));
	MM_ASSERT_EQ(s.es_drained, 200);
	MM_ASSERT_EQ(s.es_spool_records, 0);
	MM_ASSERT_EQ(s.es_spool_bytes, 0);
	/* Drained to the end, the file is cut back to its header. */
	MM_ASSERT_EQ(s.es_spool_file_bytes, MM_SPOOL_HDR);
	MM_ASSERT_EQ(file_size(c.ec_spool_path), MM_SPOOL_HDR);
	MM_ASSERT(s.es_connected && s.es_store_ok);
	MM_ASSERT(balanced(&s));
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(store_restarts_mid_stream)
{
	struct store *st = store_new("restart.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, "restart.spool");
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 112, true), 0);
	MM_ASSERT(pump_until_acked(ex, 112, 3000));

	/* The store dies holding a batch it committed but did not acknowledge. */
	store_dies_unacked(st, ex, 112, 16, true);
	/* The lost connection ended the wait at once, well before the ack timeout. */
	mm_exporter_stats(ex, &s);
	MM_ASSERT(strstr(s.es_last_error, "Connection reset") != NULL);
	MM_ASSERT(!s.es_store_ok);

	MM_ASSERT_EQ(submit_n(ex, 128, 300, true), 0);
	pump(ex, 300);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(!s.es_connected);
	MM_ASSERT_EQ(s.es_spooled, 316);
	MM_ASSERT(balanced(&s));

	MM_ASSERT_EQ(store_start(st), 0);
	MM_ASSERT_EQ(submit_n(ex, 428, 100, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 5000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 1, 528));
	MM_ASSERT_EQ(s.es_acked, 528);
	MM_ASSERT(st->st_dups >= 16);
	MM_ASSERT(s.es_resent >= 16);
	MM_ASSERT_EQ(s.es_sent - s.es_resent, 528);
	MM_ASSERT(balanced(&s));
	mm_exporter_free(ex);
	store_free(st);
}

/*
 * True when the commits include producer's seq first .. first + n - 1, each
 * exactly once, in any order: with batches in flight on several sinks the
 * store may commit them out of order.
 */
static bool
store_has_all(struct store *st, uint64_t producer, uint64_t first, uint64_t n)
{
	uint64_t seen = 0;
	uint8_t *got = calloc(n, 1);
	bool ok = got != NULL;

	pthread_mutex_lock(&st->st_mtx);
	for (size_t i = 0; ok && i < st->st_log_n; i++) {
		uint64_t q = st->st_log[i].c_seq;

		if (st->st_log[i].c_producer != producer)
			continue;
		if (q < first || q >= first + n || got[q - first]++ != 0) {
			fprintf(stderr, "  commit %zu: seq %" PRIu64 " unexpected or twice\n", i,
				q);
			ok = false;
		}
		seen++;
	}
	pthread_mutex_unlock(&st->st_mtx);
	if (ok && seen != n) {
		fprintf(stderr, "  %" PRIu64 " of %" PRIu64 " events committed\n", seen, n);
		ok = false;
	}
	free(got);
	return (ok);
}

/* Events as text (mm_exporter_submit_text), the text event(i) would serialise to. */
static int
submit_text_n(struct mm_exporter *ex, int from, int n)
{
	for (int i = from; i < from + n; i++) {
		char buf[256];
		json_t *ev = event(i);
		size_t len = json_dumpb(ev, buf, sizeof(buf), JSON_COMPACT | JSON_PRESERVE_ORDER);

		json_decref(ev);
		if (len == 0 || len > sizeof(buf) || mm_exporter_submit_text(ex, buf, len) != 0)
			return (-1);
		mm_exporter_poll(ex, now_ms());
	}
	return (0);
}

/*
 * Several batches in flight, events given as text and as objects, and the
 * store dying with a commit unacknowledged: every event is still stored
 * exactly once, the spool takes all that was in memory, and the counts add
 * up.
 */
MM_TEST(inflight_restart_exactly_once)
{
	struct store *st = store_new("inflight.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, "inflight.spool");
	c.ec_inflight_batches = 3;
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_text_n(ex, 0, 160), 0);
	MM_ASSERT(pump_until_acked(ex, 160, 3000));

	/* Three batches at once, so that more than one is in flight when the store dies. */
	store_dies_unacked(st, ex, 160, 48, false);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(!s.es_store_ok);

	MM_ASSERT_EQ(submit_text_n(ex, 208, 300), 0);
	pump(ex, 300);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(!s.es_connected);
	MM_ASSERT(balanced(&s));

	MM_ASSERT_EQ(store_start(st), 0);
	MM_ASSERT_EQ(submit_n(ex, 508, 100, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 5000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_all(st, s.es_producer, 1, 608));
	MM_ASSERT_EQ(s.es_acked, 608);
	MM_ASSERT(st->st_dups >= 16);
	MM_ASSERT(s.es_resent >= 16);
	MM_ASSERT_EQ(s.es_dropped, 0);
	MM_ASSERT(balanced(&s));
	/* The text path and the object path give the store the same bytes. */
	pthread_mutex_lock(&st->st_mtx);
	for (size_t i = 0; i < st->st_log_n; i++) {
		json_t *ev = event((int)(st->st_log[i].c_seq - 1));
		char *want = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);

		MM_ASSERT_STREQ(st->st_log[i].c_json, want);
		free(want);
		json_decref(ev);
	}
	pthread_mutex_unlock(&st->st_mtx);
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(submit_text_checks)
{
	struct store *st = store_new("text.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	test_conf(&c, st, NULL);
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(mm_exporter_submit_text(ex, NULL, 0), -EINVAL);
	MM_ASSERT_EQ(mm_exporter_submit_text(ex, "{}", 1), -EINVAL);
	MM_ASSERT_EQ(mm_exporter_submit_text(ex, "[1]", 3), -EINVAL);
	MM_ASSERT_EQ(mm_exporter_submit_text(ex, "{\"a\":\n1}", 8), -EINVAL);
	MM_ASSERT_EQ(mm_exporter_submit_text(ex, "{\"a\":1}", 7), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_submitted, 5);
	MM_ASSERT_EQ(s.es_invalid, 4);
	MM_ASSERT_EQ(s.es_pending, 1);
	mm_exporter_free(ex);
	c.ec_inflight_batches = MM_EXPORTER_INFLIGHT_MAX + 1;
	MM_ASSERT(exporter(&c) == NULL);
	store_free(st);
}

MM_TEST(lost_ack_resent_stored_once)
{
	struct store *st = store_new("lost.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	st->st_lose_ack = 1;
	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, "lost.spool");
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 40, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 1, 40));
	/* The first batch reached the store twice (or more, on a slow machine); it kept one copy.
	 */
	MM_ASSERT(st->st_dups >= 16);
	MM_ASSERT(s.es_resent >= 16);
	MM_ASSERT_EQ(s.es_sent - s.es_resent, 40);
	MM_ASSERT(s.es_store_errors >= 1);
	MM_ASSERT(strstr(s.es_last_error, "no acknowledgement") != NULL);
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(refusals)
{
	struct store *st = store_new("refuse.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	/* Two "busy" answers are retried; then one final refusal drops its batch only. */
	st->st_refuse = 2;
	st->st_reject = 1;
	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, NULL);
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 48, false), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_rejected, 16);
	MM_ASSERT_EQ(s.es_acked, 32);
	MM_ASSERT(s.es_store_errors >= 3);
	MM_ASSERT(s.es_resent >= 32);
	MM_ASSERT_EQ(s.es_sent - s.es_resent, 48);
	MM_ASSERT(strstr(s.es_last_error, "event 0 is not JSON") != NULL);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 17, 32));
	MM_ASSERT(balanced(&s));
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(spool_full_drops_counted)
{
	struct store *st = store_new("full.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;
	uint64_t dropped;
	size_t n;

	test_conf(&c, st, "full.spool");
	c.ec_spool_max_bytes = MM_SPOOL_MIN_BYTES;
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 1000, true), 0);
	pump(ex, 300);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(s.es_dropped > 0);
	MM_ASSERT(s.es_spooled > 0);
	MM_ASSERT(s.es_spool_file_bytes <= MM_SPOOL_MIN_BYTES);
	MM_ASSERT(file_size(c.ec_spool_path) <= MM_SPOOL_MIN_BYTES);
	MM_ASSERT(strstr(s.es_last_error, "full") != NULL);
	MM_ASSERT(balanced(&s));

	MM_ASSERT_EQ(store_start(st), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	dropped = s.es_dropped;
	n = store_count(st);
	/* What arrived is what was not dropped, each once and in order; the gaps are the drops. */
	MM_ASSERT_EQ(n + dropped, 1000);
	MM_ASSERT_EQ(s.es_acked, n);
	for (size_t i = 1; i < n; i++)
		MM_ASSERT(st->st_log[i].c_seq > st->st_log[i - 1].c_seq);
	MM_ASSERT(balanced(&s));
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(torn_spool_tail)
{
	struct store *st = store_new("torn.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;
	uint64_t old;
	off_t size;

	test_conf(&c, st, "torn.spool");
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 100, false), 0);
	/* No store: everything goes to the spool, 6 batches of 16 and one of 4. */
	MM_ASSERT_EQ(mm_exporter_flush(ex, 0), 100);
	mm_exporter_stats(ex, &s);
	old = s.es_producer;
	MM_ASSERT_EQ(s.es_spool_records, 7);
	mm_exporter_free(ex);

	/* A crash in the middle of the last append. */
	size = file_size(c.ec_spool_path);
	MM_ASSERT(truncate(c.ec_spool_path, size - 10) == 0);

	MM_ASSERT((ex = exporter(&c)) != NULL);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_spool_damaged, 1);
	MM_ASSERT(s.es_spool_damaged_bytes > 0);
	MM_ASSERT_EQ(s.es_spool_records, 6);
	MM_ASSERT_EQ(s.es_pending, 96);
	MM_ASSERT_EQ(file_size(c.ec_spool_path), size - 10 - (off_t)s.es_spool_damaged_bytes);
	MM_ASSERT_EQ(store_start(st), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, old, 1, 96));
	MM_ASSERT_EQ(s.es_drained, 96);
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(old_spool_drained_first)
{
	struct store *st = store_new("old.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;
	uint64_t old;

	test_conf(&c, st, "old.spool");
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 50, false), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 0), 50);
	mm_exporter_stats(ex, &s);
	old = s.es_producer;
	mm_exporter_free(ex);

	/* The next run: a new producer, the store up, its own events queued behind. */
	MM_ASSERT_EQ(store_start(st), 0);
	MM_ASSERT((ex = exporter(&c)) != NULL);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(s.es_producer != old);
	MM_ASSERT_EQ(s.es_pending, 50);
	MM_ASSERT_EQ(submit_n(ex, 0, 30, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_drained, 50 + s.es_spooled);
	MM_ASSERT_EQ(s.es_acked, 80);
	MM_ASSERT(store_has_run(st, 0, old, 1, 50));
	MM_ASSERT(store_has_run(st, 50, s.es_producer, 1, 30));
	MM_ASSERT_EQ(store_count(st), 80);
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(flush_at_shutdown)
{
	struct store *st = store_new("flush.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;

	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, "flush.spool");
	c.ec_batch_delay_ms = 60000;
	MM_ASSERT((ex = exporter(&c)) != NULL);
	/* Never polled: flush alone seals the open batch and delivers it all. */
	MM_ASSERT_EQ(submit_n(ex, 0, 100, false), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 1, 100));
	mm_exporter_free(ex);
	store_stop(st);

	/* The store gone: what cannot be delivered in time is spooled and reported. */
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 50, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 200), 50);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_spooled, 50);
	MM_ASSERT_EQ(s.es_pending, 50);
	mm_exporter_free(ex);

	/* Without a spool the same events are dropped, and counted. */
	test_conf(&c, st, NULL);
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 50, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 200), 50);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_dropped, 50);
	MM_ASSERT(balanced(&s));
	mm_exporter_free(ex);
	store_free(st);
}

MM_TEST(eve_file_matches_store)
{
	struct store *st = store_new("eve.ipc");
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;
	char *buf = NULL, *line, *save = NULL, *blob;
	size_t len = 0, i = 0, bigs = 0;
	FILE *eve = open_memstream(&buf, &len);
	json_t *big;

	MM_ASSERT(eve != NULL);
	MM_ASSERT_EQ(store_start(st), 0);
	test_conf(&c, st, NULL);
	c.ec_eve = eve;
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 20, true), 0);
	/* Too large for the bus: refused and counted, but still in the EVE file. */
	MM_ASSERT((blob = malloc(MM_BUS_MAX_EVENT + 1)) != NULL);
	memset(blob, 'b', MM_BUS_MAX_EVENT);
	blob[MM_BUS_MAX_EVENT] = '\0';
	big = json_pack("{s:s, s:s}", "event_type", "big", "blob", blob);
	free(blob);
	MM_ASSERT(big != NULL);
	MM_ASSERT_EQ(mm_exporter_submit(ex, big), -EMSGSIZE);
	MM_ASSERT_EQ(mm_exporter_submit(ex, NULL), -EINVAL);
	MM_ASSERT_EQ(submit_n(ex, 20, 1, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_invalid, 2);
	MM_ASSERT_EQ(s.es_acked, 21);
	MM_ASSERT(balanced(&s));
	mm_exporter_free(ex);
	fclose(eve);

	/* Line by line the EVE file holds what the store got, the large event between. */
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "\"event_type\":\"big\"") != NULL) {
			bigs++;
			continue;
		}
		if (i >= st->st_log_n || strcmp(line, st->st_log[i].c_json) != 0)
			break;
		i++;
	}
	free(buf);
	MM_ASSERT_EQ(bigs, 1);
	MM_ASSERT_EQ(i, 21);
	store_free(st);
}

MM_TEST(config_errors)
{
	struct store *st = store_new("conf.ipc");
	struct mm_exporter_conf c;
	static const char precious[] = "precious data that is not a spool at all\n";
	char err[MM_EXPORTER_ERRLEN], path[300];
	struct mm_exporter *ex, *ex2;
	FILE *f;

	memset(&c, 0, sizeof(c));
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "no store URL") != NULL);

	c.ec_url = "carrier-pigeon://coop";
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "carrier-pigeon://coop") != NULL);
	MM_ASSERT(strstr(err, "expected ipc://") != NULL);

	c.ec_url = "tls+tcp://127.0.0.1:7701";
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "needs a CA file") != NULL);
	c.ec_tls_ca_file = "/nonexistent/ca.pem";
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "/nonexistent/ca.pem") != NULL);

	c.ec_url = "tcp://127.0.0.1:7701";
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "not tls+tcp") != NULL);

	/* A spool path that holds something else is left alone. */
	snprintf(path, sizeof(path), "%s/not-a-spool", tmpdir);
	MM_ASSERT((f = fopen(path, "w")) != NULL);
	fputs(precious, f);
	fclose(f);
	test_conf(&c, st, NULL);
	c.ec_spool_path = path;
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "not a Mamori spool") != NULL);
	MM_ASSERT_EQ(file_size(path), strlen(precious));

	/* One spool, one owner. */
	test_conf(&c, st, "owned.spool");
	MM_ASSERT((ex = exporter(&c)) != NULL);
	ex2 = mm_exporter_new(&c, err, sizeof(err));
	MM_ASSERT(ex2 == NULL);
	MM_ASSERT(strstr(err, "in use by another process") != NULL);
	mm_exporter_free(ex);
	store_free(st);
}

/* Runs a shell command quietly; false when it fails. */
static bool
sh(const char *cmd)
{
	char buf[2100];

	snprintf(buf, sizeof(buf), "(%s) >/dev/null 2>&1", cmd);
	return (system(buf) == 0);
}

MM_TEST(tls_delivery)
{
	struct store *st = store_new("unused");
	char cmd[2048], cert[300], key[300], both[300];
	struct mm_exporter_conf c;
	struct mm_exporter_stats s;
	struct mm_exporter *ex;
	nng_sockaddr sa;
	nng_listener l;

	if (!sh("command -v openssl")) {
		printf("  skipped: no openssl to make a certificate\n");
		store_free(st);
		return;
	}
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
	snprintf(both, sizeof(both), "%s/both.pem", tmpdir);
	snprintf(cmd, sizeof(cmd),
		"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
		"-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout %s -out %s && "
		"cat %s %s > %s",
		key, cert, cert, key, both);
	MM_ASSERT(sh(cmd));

	MM_ASSERT_EQ(nng_tls_config_alloc(&st->st_tls, NNG_TLS_MODE_SERVER), 0);
	MM_ASSERT_EQ(nng_tls_config_cert_key_file(st->st_tls, both, NULL), 0);
	/* Port 0 picks a free port; the listener says which. */
	snprintf(st->st_url, sizeof(st->st_url), "tls+tcp://127.0.0.1:0");
	MM_ASSERT_EQ(nng_rep0_open(&st->st_sock), 0);
	MM_ASSERT_EQ(nng_listener_create(&l, st->st_sock, st->st_url), 0);
	MM_ASSERT_EQ(nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, st->st_tls), 0);
	MM_ASSERT_EQ(nng_listener_start(l, 0), 0);
	MM_ASSERT_EQ(nng_listener_get_addr(l, NNG_OPT_LOCADDR, &sa), 0);
	MM_ASSERT(pthread_create(&st->st_thr, NULL, store_main, st) == 0);
	st->st_running = true;
	snprintf(st->st_url, sizeof(st->st_url), "tls+tcp://127.0.0.1:%u",
		(unsigned)ntohs(sa.s_in.sa_port));

	test_conf(&c, st, NULL);
	c.ec_tls_ca_file = cert;
	c.ec_tls_server_name = "localhost";
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 0, 40, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 3000), 0);
	mm_exporter_stats(ex, &s);
	MM_ASSERT(store_has_run(st, 0, s.es_producer, 1, 40));
	mm_exporter_free(ex);

	/* A store whose certificate is not the expected name is refused. */
	c.ec_tls_server_name = "store.example";
	MM_ASSERT((ex = exporter(&c)) != NULL);
	MM_ASSERT_EQ(submit_n(ex, 40, 16, true), 0);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 300), 16);
	mm_exporter_stats(ex, &s);
	MM_ASSERT_EQ(s.es_acked, 0);
	MM_ASSERT_EQ(store_count(st), 40);
	mm_exporter_free(ex);
	store_free(st);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(delivers_in_order),
	MM_TEST_ENTRY(store_down_at_start),
	MM_TEST_ENTRY(store_restarts_mid_stream),
	MM_TEST_ENTRY(inflight_restart_exactly_once),
	MM_TEST_ENTRY(submit_text_checks),
	MM_TEST_ENTRY(lost_ack_resent_stored_once),
	MM_TEST_ENTRY(refusals),
	MM_TEST_ENTRY(spool_full_drops_counted),
	MM_TEST_ENTRY(torn_spool_tail),
	MM_TEST_ENTRY(old_spool_drained_first),
	MM_TEST_ENTRY(flush_at_shutdown),
	MM_TEST_ENTRY(eve_file_matches_store),
	MM_TEST_ENTRY(config_errors),
	MM_TEST_ENTRY(tls_delivery),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char cmd[128];
	int rv;

	/* Quiet by default: the failures provoked here are expected; MM_TEST_LOG=debug shows them.
	 */
	mm_log_init("test_exporter", MM_LOG_ERR);
	if (getenv("MM_TEST_LOG") != NULL && mm_log_level_parse(getenv("MM_TEST_LOG")) > 0)
		mm_log_set_level((enum mm_log_level)mm_log_level_parse(getenv("MM_TEST_LOG")));
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mm-exporter-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	rv = mm_test_main(tests, argc, argv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return (rv);
}
