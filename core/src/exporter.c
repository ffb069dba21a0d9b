/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event exporter (see exporter.h for the delivery rules).
 *
 * Batches live in three places, always in this order of age: the spool
 * file, the memory queue, the open batch.  A batch goes to the memory queue
 * only while the spool is empty, the store is answering and the queue has
 * room; otherwise the whole queue is appended to the spool first, then the
 * batch.  So the spool never holds a batch newer than one in memory, and
 * sending "the spool's first record, else the queue's head" is always
 * sending the oldest batch.
 *
 * The exchanges in flight run on the sinks (exporter_link.c for the store,
 * one per exchange at once), which own everything nng; this file only
 * starts exchanges and looks at how they ended, from mm_exporter_poll on the
 * caller's thread, so the queues need no lock.  A queued batch in flight
 * stays in the queue (eb_in_flight) until acknowledged.
 *
 * Submitting costs little per event on the text path (a copy into the open
 * batch).  The object path pays for jansson: its dump checks and escapes
 * every string one code point at a time through function calls, hands the
 * text to its output callback in small pieces, formats every number (and,
 * for loop detection, every object's address) with snprintf; releasing the
 * object then frees each member.  For a 520-byte flow event that is about
 * 5.5 us to dump and 2 us to release, more than building the object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>
#include <sodium.h>

#include "mamori/bus.h"
#include "mamori/exporter.h"
#include "mamori/log.h"
#include "mamori/spool.h"
#include "exporter_sink.h"

/* The same serialisation as mm_eve_write, so the EVE file and the store agree byte for byte. */
#define EX_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)
#define EX_TEXT_INIT  (64U << 10)
/* Spooled batches reach the disk within this long: a bound on what a power cut can take. */
#define EX_SYNC_MS 100

struct ex_batch {
	TAILQ_ENTRY(ex_batch) eb_link;
	uint64_t eb_producer;
	uint64_t eb_first_seq;
	uint32_t eb_count;
	uint32_t eb_sends; /* times sent so far */
	bool eb_in_flight; /* an exchange carries it now */
	size_t eb_len;
	uint8_t eb_msg[]; /* the encoded batch */
};
TAILQ_HEAD(ex_batchq, ex_batch);

/* An event of the open batch: its JSON text in ex_text. */
struct ex_open {
	size_t eo_off;
	uint32_t eo_len;
};

enum ex_source {
	EX_FROM_QUEUE,
	EX_FROM_SPOOL,
};

/*
 * One exchange with the store, on a sink of its own.  Batches from the
 * memory queue may be in flight on several at once, the oldest first, so
 * that the store parses one while it commits another; the spool's first
 * record goes alone (on the first), so the spool drains in order.
 */
struct ex_flight {
	void *fl_sink;
	bool fl_busy;
	enum ex_source fl_src;
	struct ex_batch *fl_eb; /* EX_FROM_QUEUE: the batch, still in the queue */
	uint64_t fl_producer;
	uint64_t fl_first_seq;
	uint32_t fl_count;
};

struct mm_exporter {
	char *ex_url;
	uint64_t ex_producer;
	uint32_t ex_batch_events;
	uint32_t ex_batch_delay_ms;
	uint32_t ex_queue_max;
	uint32_t ex_send_timeout_ms;
	uint32_t ex_ack_timeout_ms;
	uint32_t ex_retry_min_ms;
	uint32_t ex_retry_max_ms;

	const struct ex_sink_ops *ex_ops;
	struct ex_flight ex_fl[MM_EXPORTER_INFLIGHT_MAX];
	uint32_t ex_nfl;    /* exchanges at most in flight: sinks open */
	uint32_t ex_busy_n; /* exchanges in flight now */
	unsigned ex_connects_seen;

	/* The open batch. */
	char *ex_text; /* JSON texts back to back */
	size_t ex_text_len;
	size_t ex_text_cap;
	struct ex_open *ex_open; /* ex_batch_events entries */
	uint32_t ex_open_n;
	size_t ex_open_size;         /* its encoded size so far */
	struct mm_bus_event *ex_evs; /* for the encoder, ex_batch_events entries */
	uint64_t ex_open_first_seq;
	uint64_t ex_open_since; /* ex_now when its first event came */
	uint64_t ex_next_seq;

	/* Sealed batches in memory, oldest first, all newer than the spool's. */
	struct ex_batchq ex_queue;
	uint32_t ex_queue_n;
	uint64_t ex_queue_events;

	uint32_t ex_spool_sends; /* sends of the spool's first record */
	/*
	 * Batches already sent when they were shelved (consecutive in the
	 * queue, so a range of first sequence numbers): their first send from
	 * the spool is a resend.
	 */
	bool ex_shelved_sent;
	uint64_t ex_shelved_producer;
	uint64_t ex_shelved_lo;
	uint64_t ex_shelved_hi;

	bool ex_store_ok;          /* false after a failure, until a commit */
	uint64_t ex_errors_in_row; /* logged loudly only when a run of them starts */
	uint32_t ex_backoff_ms;
	uint64_t ex_retry_at;
	uint64_t ex_now;
	bool ex_now_known; /* false until the first poll brings the caller's clock */
	uint64_t ex_synced_at;

	struct mm_spool *ex_spool;
	uint64_t ex_dropping; /* events dropped since the spool last took a batch */

	FILE *ex_eve;
	bool ex_eve_own;
	bool ex_eve_dirty;

	struct mm_exporter_stats ex_st;
};

const struct ex_sink_ops *
ex_sink_for_url(const char *url)
{
	if (strncmp(url, "nats://", 7) == 0 || strncmp(url, "tls://", 6) == 0)
		return (&ex_sink_jetstream);
	return (&ex_sink_store);
}

char *
ex_url_redact(const char *url)
{
	size_t len = strlen(url);
	/* Each "://" (3 bytes) may grow by 3 ("user:@" -> "user:***@"): twice the input suffices.
	 */
	char *out = malloc(2 * len + 1), *o = out;
	const char *p = url;

	if (out == NULL)
		return (NULL);
	while (*p != '\0') {
		const char *scheme = strstr(p, "://"), *end, *at, *colon;

		if (scheme == NULL) {
			o = stpcpy(o, p);
			break;
		}
		scheme += 3;
		memcpy(o, p, (size_t)(scheme - p));
		o += scheme - p;
		end = scheme + strcspn(scheme, ",?/");
		at = memchr(scheme, '@', (size_t)(end - scheme));
		colon = at != NULL ? memchr(scheme, ':', (size_t)(at - scheme)) : NULL;
		if (colon != NULL) {
			/* user:password@ -> user:***@ */
			memcpy(o, scheme, (size_t)(colon - scheme) + 1);
			o += colon - scheme + 1;
			o = stpcpy(o, "***");
			scheme = at;
		}
		memcpy(o, scheme, (size_t)(end - scheme));
		o += end - scheme;
		p = end;
		if (*p == ',' || *p == '/') {
			*o++ = *p++;
		} else if (*p == '?') {
			o = stpcpy(o, p);
			break;
		}
	}
	*o = '\0';
	return (out);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static uint64_t
last_seq(uint64_t first, uint32_t count)
{
	return (first + count - 1);
}

static void ex_error(struct mm_exporter *ex, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records the latest error for the statistics and logs it. */
static void
ex_error(struct mm_exporter *ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ex->ex_st.es_last_error, sizeof(ex->ex_st.es_last_error), fmt, ap);
	va_end(ap);
	mm_warn("%s", ex->ex_st.es_last_error);
}

static void
ex_abort_one(struct mm_exporter *ex, struct ex_flight *fl)
{
	if (!fl->fl_busy)
		return;
	ex->ex_ops->so_abort(fl->fl_sink);
	fl->fl_busy = false;
	ex->ex_busy_n--;
	if (fl->fl_src == EX_FROM_QUEUE)
		fl->fl_eb->eb_in_flight = false;
	fl->fl_eb = NULL;
}

/* Abandons every exchange in flight. */
static void
ex_abort(struct mm_exporter *ex)
{
	for (uint32_t i = 0; i < ex->ex_nfl; i++)
		ex_abort_one(ex, &ex->ex_fl[i]);
}

static void
ex_spool_batch(struct mm_exporter *ex, struct ex_batch *eb)
{
	int rv;

	if ((rv = mm_spool_append(ex->ex_spool, eb->eb_msg, eb->eb_len)) == 0) {
		ex->ex_st.es_spooled += eb->eb_count;
		if (ex->ex_dropping > 0)
			mm_notice("spool %s: taking batches again after dropping %" PRIu64
				  " events",
				mm_spool_path(ex->ex_spool), ex->ex_dropping);
		ex->ex_dropping = 0;
	} else {
		ex->ex_st.es_dropped += eb->eb_count;
		if (ex->ex_dropping == 0 || rv != -ENOSPC)
			ex_error(ex,
				"spool %s: %s: dropping events from producer %016" PRIx64
				" seq %" PRIu64 "-%" PRIu64,
				mm_spool_path(ex->ex_spool), rv == -ENOSPC ? "full" : strerror(-rv),
				eb->eb_producer, eb->eb_first_seq,
				last_seq(eb->eb_first_seq, eb->eb_count));
		ex->ex_dropping += eb->eb_count;
	}
	free(eb);
}

/*
 * Moves every batch in memory to the spool, in order (those in flight are
 * abandoned first); without a spool they are dropped and
 * counted.  Returns the events dropped.
 */
static uint64_t
ex_shelve(struct mm_exporter *ex)
{
	uint64_t before = ex->ex_st.es_dropped;
	struct ex_batch *eb;

	if (TAILQ_EMPTY(&ex->ex_queue))
		return (0);
	/* Exchanges in flight carry queued batches (the spool's record is never in flight then). */
	ex_abort(ex);
	while ((eb = TAILQ_FIRST(&ex->ex_queue)) != NULL) {
		TAILQ_REMOVE(&ex->ex_queue, eb, eb_link);
		ex->ex_queue_n--;
		ex->ex_queue_events -= eb->eb_count;
		if (ex->ex_spool != NULL) {
			if (eb->eb_sends > 0) {
				if (!ex->ex_shelved_sent ||
					ex->ex_shelved_producer != eb->eb_producer)
					ex->ex_shelved_lo = eb->eb_first_seq;
				ex->ex_shelved_sent = true;
				ex->ex_shelved_producer = eb->eb_producer;
				ex->ex_shelved_hi = eb->eb_first_seq;
			}
			ex_spool_batch(ex, eb);
		} else {
			ex->ex_st.es_dropped += eb->eb_count;
			free(eb);
		}
	}
	return (ex->ex_st.es_dropped - before);
}

static bool
ex_spool_waiting(const struct mm_exporter *ex)
{
	struct mm_spool_info si;

	if (ex->ex_spool == NULL)
		return (false);
	mm_spool_info(ex->ex_spool, &si);
	return (si.si_records > 0);
}

/* Puts a sealed batch where the ordering rule (at the top of the file) says. */
static void
ex_place(struct mm_exporter *ex, struct ex_batch *eb)
{
	bool full = ex->ex_queue_n >= ex->ex_queue_max;

	if (ex->ex_spool != NULL && (full || !ex->ex_store_ok || ex_spool_waiting(ex))) {
		ex_shelve(ex);
		ex_spool_batch(ex, eb);
		return;
	}
	if (full) {
		if (ex->ex_dropping == 0)
			ex_error(ex,
				"exporter: %u batches wait for the store and there is no spool: "
				"dropping events from seq %" PRIu64,
				ex->ex_queue_n, eb->eb_first_seq);
		ex->ex_dropping += eb->eb_count;
		ex->ex_st.es_dropped += eb->eb_count;
		free(eb);
		return;
	}
	ex->ex_dropping = 0;
	TAILQ_INSERT_TAIL(&ex->ex_queue, eb, eb_link);
	ex->ex_queue_n++;
	ex->ex_queue_events += eb->eb_count;
}

static void
ex_seal(struct mm_exporter *ex)
{
	struct ex_batch *eb;
	uint32_t n = ex->ex_open_n;
	size_t size;
	long len;

	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++) {
		ex->ex_evs[i].be_json = ex->ex_text + ex->ex_open[i].eo_off;
		ex->ex_evs[i].be_len = ex->ex_open[i].eo_len;
	}
	size = mm_bus_batch_size(ex->ex_evs, n);
	ex->ex_open_n = 0;
	ex->ex_text_len = 0;
	ex->ex_open_size = MM_BUS_BATCH_HDR;
	if ((eb = malloc(sizeof(*eb) + size)) == NULL ||
		(len = mm_bus_batch_encode(eb->eb_msg, size, ex->ex_producer, ex->ex_open_first_seq,
			 ex->ex_evs, n)) < 0) {
		free(eb);
		ex->ex_st.es_dropped += n;
		ex_error(ex, "exporter: cannot build a batch of %u events (%zu bytes): dropped", n,
			size);
		return;
	}
	eb->eb_producer = ex->ex_producer;
	eb->eb_first_seq = ex->ex_open_first_seq;
	eb->eb_count = n;
	eb->eb_sends = 0;
	eb->eb_in_flight = false;
	eb->eb_len = (size_t)len;
	ex_place(ex, eb);
}

/* The exchange failed; unreachable says whether the store is to be considered gone. */
static void ex_failed(struct mm_exporter *ex, bool unreachable, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
ex_failed(struct mm_exporter *ex, bool unreachable, const char *fmt, ...)
{
	va_list ap;

	ex->ex_st.es_store_errors++;
	va_start(ap, fmt);
	vsnprintf(ex->ex_st.es_last_error, sizeof(ex->ex_st.es_last_error), fmt, ap);
	va_end(ap);
	/* An outage fails every few seconds: say so when it starts, not every time. */
	mm_log(ex->ex_errors_in_row++ == 0 ? MM_LOG_WARN : MM_LOG_DEBUG, "%s",
		ex->ex_st.es_last_error);
	ex->ex_retry_at = ex->ex_now + ex->ex_backoff_ms;
	ex->ex_backoff_ms = ex->ex_backoff_ms > ex->ex_retry_max_ms / 2 ? ex->ex_retry_max_ms
									: ex->ex_backoff_ms * 2;
	if (unreachable) {
		ex->ex_store_ok = false;
		if (ex->ex_spool != NULL)
			ex_shelve(ex);
	}
}

/* Removes the batch that was in flight, once committed or refused for good. */
static void
ex_drop_done(struct mm_exporter *ex, struct ex_flight *fl)
{
	struct ex_batch *eb;
	int rv;

	if (fl->fl_src == EX_FROM_SPOOL) {
		ex->ex_spool_sends = 0;
		if ((rv = mm_spool_pop(ex->ex_spool)) != 0)
			ex_error(ex, "spool %s: cannot move past a delivered record: %s",
				mm_spool_path(ex->ex_spool), strerror(-rv));
		return;
	}
	eb = fl->fl_eb;
	fl->fl_eb = NULL;
	TAILQ_REMOVE(&ex->ex_queue, eb, eb_link);
	ex->ex_queue_n--;
	ex->ex_queue_events -= eb->eb_count;
	free(eb);
}

/* A refusal that a retry cannot cure: the batch itself is wrong for the store. */
static bool
status_is_final(uint16_t status)
{
	return (status == EBADMSG || status == EINVAL || status == EMSGSIZE || status == EPROTO);
}

/* The exchange has ended; its batch stays where it is until acknowledged. */
static void
ex_flight_ended(struct mm_exporter *ex, struct ex_flight *fl)
{
	fl->fl_busy = false;
	ex->ex_busy_n--;
	if (fl->fl_src == EX_FROM_QUEUE)
		fl->fl_eb->eb_in_flight = false;
}

static void
ex_ack(struct mm_exporter *ex, struct ex_flight *fl, const void *msg, size_t len)
{
	uint64_t last = last_seq(fl->fl_first_seq, fl->fl_count);
	struct mm_bus_ack ack;
	char why[160];

	if (mm_bus_ack_decode(msg, len, &ack, why, sizeof(why)) != 0) {
		ex_failed(ex, false, "%s %s: bad acknowledgement: %s", ex->ex_ops->so_kind,
			ex->ex_url, why);
		return;
	}
	/*
	 * nng pairs the reply with our request already; this guards against a
	 * store that commits something else.  A refusal may name no producer
	 * (a batch it could not decode), so only a commit is checked.
	 */
	if (ack.ba_status == 0 &&
		(ack.ba_producer != fl->fl_producer || ack.ba_acked_seq != last)) {
		ex_failed(ex, false,
			"%s %s: acknowledgement for producer %016" PRIx64 " seq %" PRIu64
			", expected producer %016" PRIx64 " seq %" PRIu64,
			ex->ex_ops->so_kind, ex->ex_url, ack.ba_producer, ack.ba_acked_seq,
			fl->fl_producer, last);
		return;
	}
	if (ack.ba_status != 0 && !status_is_final(ack.ba_status)) {
		ex_failed(ex, false,
			"%s %s: refused producer %016" PRIx64 " seq %" PRIu64 "-%" PRIu64
			": %s (%s); will retry",
			ex->ex_ops->so_kind, ex->ex_url, fl->fl_producer, fl->fl_first_seq, last,
			strerror(ack.ba_status), ack.ba_reason);
		return;
	}
	if (ack.ba_status != 0) {
		ex->ex_st.es_rejected += fl->fl_count;
		ex->ex_st.es_store_errors++;
		snprintf(ex->ex_st.es_last_error, sizeof(ex->ex_st.es_last_error),
			"%s %s: rejected producer %016" PRIx64 " seq %" PRIu64 "-%" PRIu64
			" for good: %s (%s); %u events dropped",
			ex->ex_ops->so_kind, ex->ex_url, fl->fl_producer, fl->fl_first_seq, last,
			strerror(ack.ba_status), ack.ba_reason, fl->fl_count);
		mm_err("%s", ex->ex_st.es_last_error);
	} else {
		ex->ex_st.es_acked += fl->fl_count;
		if (fl->fl_src == EX_FROM_SPOOL)
			ex->ex_st.es_drained += fl->fl_count;
	}
	ex_drop_done(ex, fl);
	if (ex->ex_errors_in_row > 0)
		mm_notice("%s %s: answering again after %" PRIu64 " failed exchanges",
			ex->ex_ops->so_kind, ex->ex_url, ex->ex_errors_in_row);
	ex->ex_errors_in_row = 0;
	ex->ex_store_ok = true;
	ex->ex_backoff_ms = ex->ex_retry_min_ms;
	ex->ex_retry_at = ex->ex_now;
}

/* Takes in an exchange if its sink says it has ended. */
static void
ex_finish_one(struct mm_exporter *ex, struct ex_flight *fl)
{
	uint64_t last = last_seq(fl->fl_first_seq, fl->fl_count);
	const void *reply;
	size_t len;
	int err = 0;

	switch (ex->ex_ops->so_poll(fl->fl_sink, &reply, &len, &err)) {
	case XL_IDLE:
	case XL_RUNNING:
		return;
	case XL_SEND_FAILED:
		ex_flight_ended(ex, fl);
		fl->fl_eb = NULL;
		ex_failed(ex, true, "%s %s: batch seq %" PRIu64 "-%" PRIu64 " not taken: %s%s",
			ex->ex_ops->so_kind, ex->ex_url, fl->fl_first_seq, last,
			ex->ex_ops->so_strerror(err),
			ex->ex_ops == &ex_sink_store && err == NNG_ETIMEDOUT
				? " (no connection to the store)"
				: "");
		return;
	case XL_RECV_FAILED:
		ex_flight_ended(ex, fl);
		fl->fl_eb = NULL;
		ex_failed(ex, true, "%s %s: no acknowledgement for seq %" PRIu64 "-%" PRIu64 ": %s",
			ex->ex_ops->so_kind, ex->ex_url, fl->fl_first_seq, last,
			ex->ex_ops->so_strerror(err));
		return;
	case XL_REPLIED:
		ex_flight_ended(ex, fl);
		ex_ack(ex, fl, reply, len);
		return;
	}
}

/* Takes in every exchange that has ended, the oldest batch's first. */
static void
ex_finish(struct mm_exporter *ex)
{
	for (uint32_t i = 0; i < ex->ex_nfl && ex->ex_busy_n > 0; i++)
		if (ex->ex_fl[i].fl_busy)
			ex_finish_one(ex, &ex->ex_fl[i]);
}

/* The oldest queued batch not in flight, or NULL. */
static struct ex_batch *
ex_oldest_idle(struct mm_exporter *ex)
{
	struct ex_batch *eb;

	TAILQ_FOREACH(eb, &ex->ex_queue, eb_link)
	{
		if (!eb->eb_in_flight)
			return (eb);
	}
	return (NULL);
}

/*
 * Starts an exchange on fl for the oldest batch not in flight: the spool's
 * first record, alone, else the oldest queued batch not yet in flight.
 * Returns false when there is nothing (more) to start.
 */
static bool
ex_start_one(struct mm_exporter *ex, struct ex_flight *fl)
{
	const struct mm_bus_batch *b;
	struct ex_batch *eb = NULL;
	const void *buf;
	uint32_t *sends;
	size_t len;
	int rv = -ENOENT;

	if (ex->ex_spool != NULL && (rv = mm_spool_peek(ex->ex_spool, &b, &buf, &len)) == 0) {
		/* The spool's record goes alone: nothing is queued while it holds any. */
		if (ex->ex_busy_n > 0)
			return (false);
		fl->fl_src = EX_FROM_SPOOL;
		fl->fl_eb = NULL;
		fl->fl_producer = b->bb_producer;
		fl->fl_first_seq = b->bb_first_seq;
		fl->fl_count = b->bb_count;
		sends = &ex->ex_spool_sends;
		if (ex->ex_shelved_sent && b->bb_producer == ex->ex_shelved_producer &&
			b->bb_first_seq >= ex->ex_shelved_lo &&
			b->bb_first_seq <= ex->ex_shelved_hi && ex->ex_spool_sends == 0) {
			if (b->bb_first_seq == ex->ex_shelved_hi)
				ex->ex_shelved_sent = false;
			ex->ex_spool_sends = 1;
		}
	} else if (rv != -ENOENT) {
		ex_error(ex, "spool %s: cannot read the next record: %s",
			mm_spool_path(ex->ex_spool), strerror(-rv));
		ex->ex_retry_at = ex->ex_now + ex->ex_retry_max_ms;
		return (false);
	} else {
		if ((eb = ex_oldest_idle(ex)) == NULL)
			return (false);
		fl->fl_src = EX_FROM_QUEUE;
		fl->fl_eb = eb;
		fl->fl_producer = eb->eb_producer;
		fl->fl_first_seq = eb->eb_first_seq;
		fl->fl_count = eb->eb_count;
		buf = eb->eb_msg;
		len = eb->eb_len;
		sends = &eb->eb_sends;
	}
	if (ex->ex_ops->so_start(
		    fl->fl_sink, buf, len, ex->ex_send_timeout_ms, ex->ex_ack_timeout_ms) != 0) {
		ex_error(ex, "exporter: out of memory for a message of %zu bytes", len);
		ex->ex_retry_at = ex->ex_now + ex->ex_retry_max_ms;
		return (false);
	}
	fl->fl_busy = true;
	ex->ex_busy_n++;
	if (eb != NULL)
		eb->eb_in_flight = true;
	ex->ex_st.es_sent += fl->fl_count;
	if ((*sends)++ > 0)
		ex->ex_st.es_resent += fl->fl_count;
	return (true);
}

/* Fills the idle sinks with the oldest batches not in flight. */
static void
ex_start(struct mm_exporter *ex)
{
	for (uint32_t i = 0; i < ex->ex_nfl; i++)
		if (!ex->ex_fl[i].fl_busy && !ex_start_one(ex, &ex->ex_fl[i]))
			return;
}

/* Connections made so far over every sink (a change means: try again now). */
static unsigned
ex_connects(const struct mm_exporter *ex)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < ex->ex_nfl; i++)
		n += ex->ex_ops->so_connects(ex->ex_fl[i].fl_sink);
	return (n);
}

static void
ex_sync(struct mm_exporter *ex)
{
	int rv;

	if (ex->ex_spool != NULL && (rv = mm_spool_sync(ex->ex_spool)) != 0)
		ex_error(ex, "spool %s: sync: %s", mm_spool_path(ex->ex_spool), strerror(-rv));
	ex->ex_synced_at = ex->ex_now;
	if (ex->ex_eve_dirty && fflush(ex->ex_eve) != 0) {
		ex->ex_st.es_eve_errors++;
		mm_warn("exporter: EVE output: %s", strerror(errno));
	}
	ex->ex_eve_dirty = false;
}

int
mm_exporter_poll(struct mm_exporter *ex, uint64_t now_ms)
{
	uint64_t acked = ex->ex_st.es_acked;
	unsigned connects;

	ex->ex_now = now_ms;
	/* Events submitted before the first poll are aged from that poll. */
	if (!ex->ex_now_known) {
		ex->ex_now_known = true;
		ex->ex_open_since = now_ms;
		ex->ex_synced_at = now_ms;
	}
	if (ex->ex_open_n > 0 && now_ms >= ex->ex_open_since + ex->ex_batch_delay_ms)
		ex_seal(ex);
	if (ex->ex_busy_n > 0)
		ex_finish(ex);
	/* A new connection is the best moment to try again: do not sit out the back-off. */
	if ((connects = ex_connects(ex)) != ex->ex_connects_seen) {
		ex->ex_connects_seen = connects;
		ex->ex_backoff_ms = ex->ex_retry_min_ms;
		ex->ex_retry_at = now_ms;
	}
	if (ex->ex_busy_n < ex->ex_nfl && now_ms >= ex->ex_retry_at)
		ex_start(ex);
	if (now_ms >= ex->ex_synced_at + EX_SYNC_MS)
		ex_sync(ex);
	return ((int)(ex->ex_st.es_acked - acked));
}

static bool
ex_idle(const struct mm_exporter *ex)
{
	return (ex->ex_busy_n == 0 && ex->ex_open_n == 0 && TAILQ_EMPTY(&ex->ex_queue) &&
		!ex_spool_waiting(ex));
}

long
mm_exporter_flush(struct mm_exporter *ex, uint32_t timeout_ms)
{
	uint64_t start = mono_ms(), base = ex->ex_now, elapsed = 0, dropped;
	struct mm_spool_info si = { 0 };

	/* Keep the caller's clock: flush's time is the last poll's plus what passed here. */
	ex_seal(ex);
	while (!ex_idle(ex) && elapsed < timeout_ms) {
		mm_exporter_poll(ex, base + elapsed);
		if (ex_idle(ex))
			break;
		nng_msleep(1);
		elapsed = mono_ms() - start;
	}
	ex_abort(ex);
	dropped = ex_shelve(ex);
	ex->ex_now = base + elapsed;
	ex_sync(ex);
	if (ex->ex_spool != NULL)
		mm_spool_info(ex->ex_spool, &si);
	return ((long)(si.si_events + dropped));
}

/* Makes room for n more bytes of text in the open batch; 0 or -ENOMEM. */
static int
ex_text_room(struct mm_exporter *ex, size_t n)
{
	size_t at = ex->ex_text_len, cap;
	char *nt;

	if (ex->ex_text_cap - at >= n)
		return (0);
	cap = ex->ex_text_cap * 2 > at + n ? ex->ex_text_cap * 2 : at + n;
	if ((nt = realloc(ex->ex_text, cap)) == NULL)
		return (-ENOMEM);
	ex->ex_text = nt;
	ex->ex_text_cap = cap;
	return (0);
}

/* The event's type for messages: from the object, or unknown for text. */
static const char *
ex_event_type(const json_t *ev)
{
	const char *type = ev != NULL ? json_string_value(json_object_get(ev, "event_type")) : NULL;

	return (type != NULL ? type : "?");
}

/*
 * The event's text is at the end of ex_text (n bytes from ex_text_len):
 * writes it to the EVE file and adds it to the open batch.  ev, when the
 * event came as an object, names it in messages.
 */
static int
ex_add(struct mm_exporter *ex, size_t n, const json_t *ev)
{
	size_t at = ex->ex_text_len;
	char *text = ex->ex_text + at;

	if (ex->ex_eve != NULL) {
		if (fwrite(text, 1, n, ex->ex_eve) != n || fputc('\n', ex->ex_eve) == EOF) {
			if (ex->ex_st.es_eve_errors++ == 0)
				mm_warn("exporter: EVE output: %s", strerror(errno));
		} else {
			ex->ex_eve_dirty = true;
		}
	}
	if (n > MM_BUS_MAX_EVENT) {
		ex->ex_st.es_invalid++;
		mm_warn("exporter: event of type '%s' is %zu bytes, over the limit of %u: "
			"not exported",
			ex_event_type(ev), n, MM_BUS_MAX_EVENT);
		return (-EMSGSIZE);
	}
	if (ex->ex_open_size + 4 + n > MM_BUS_MAX_MSG) {
		ex_seal(ex);
		memmove(ex->ex_text, text, n);
		at = 0;
	}
	if (ex->ex_open_n == 0) {
		ex->ex_open_first_seq = ex->ex_next_seq;
		ex->ex_open_since = ex->ex_now;
	}
	ex->ex_open[ex->ex_open_n].eo_off = at;
	ex->ex_open[ex->ex_open_n].eo_len = (uint32_t)n;
	ex->ex_open_n++;
	ex->ex_open_size += 4 + n;
	ex->ex_text_len = at + n;
	ex->ex_next_seq++;
	if (ex->ex_open_n == ex->ex_batch_events)
		ex_seal(ex);
	return (0);
}

int
mm_exporter_submit(struct mm_exporter *ex, json_t *ev)
{
	size_t n, at = ex->ex_text_len, room = ex->ex_text_cap - at;
	int rv;

	ex->ex_st.es_submitted++;
	if (ev == NULL) {
		ex->ex_st.es_invalid++;
		return (-EINVAL);
	}
	if ((n = json_dumpb(ev, ex->ex_text + at, room, EX_JSON_FLAGS)) > room) {
		if (ex_text_room(ex, n) != 0) {
			json_decref(ev);
			ex->ex_st.es_invalid++;
			return (-ENOMEM);
		}
		n = json_dumpb(ev, ex->ex_text + at, ex->ex_text_cap - at, EX_JSON_FLAGS);
	}
	if (n == 0) {
		ex->ex_st.es_invalid++;
		mm_warn("exporter: event of type '%s' cannot be serialised: not exported",
			ex_event_type(ev));
		json_decref(ev);
		return (-EINVAL);
	}
	rv = ex_add(ex, n, ev);
	json_decref(ev);
	return (rv);
}

int
mm_exporter_submit_text(struct mm_exporter *ex, const char *json, size_t len)
{
	ex->ex_st.es_submitted++;
	/* One object on one line: the EVE file and the store both take it as such. */
	if (json == NULL || len < 2 || json[0] != '{' || json[len - 1] != '}' ||
		memchr(json, '\n', len) != NULL) {
		ex->ex_st.es_invalid++;
		return (-EINVAL);
	}
	if (ex_text_room(ex, len) != 0) {
		ex->ex_st.es_invalid++;
		return (-ENOMEM);
	}
	memcpy(ex->ex_text + ex->ex_text_len, json, len);
	return (ex_add(ex, len, NULL));
}

/* Releases everything; the batches must have been dealt with. */
static void
ex_destroy(struct mm_exporter *ex)
{
	struct ex_batch *eb;

	for (uint32_t i = 0; i < ex->ex_nfl; i++)
		ex->ex_ops->so_close(ex->ex_fl[i].fl_sink);
	while ((eb = TAILQ_FIRST(&ex->ex_queue)) != NULL) {
		TAILQ_REMOVE(&ex->ex_queue, eb, eb_link);
		free(eb);
	}
	mm_spool_close(ex->ex_spool);
	if (ex->ex_eve != NULL && ex->ex_eve_own)
		fclose(ex->ex_eve);
	else if (ex->ex_eve != NULL)
		fflush(ex->ex_eve);
	free(ex->ex_text);
	free(ex->ex_open);
	free(ex->ex_evs);
	free(ex->ex_url);
	free(ex);
}

#define EX_DEFAULT(v, d) ((v) != 0 ? (v) : (d))

struct mm_exporter *
mm_exporter_new(const struct mm_exporter_conf *conf, char *err, size_t errlen)
{
	struct mm_spool_info si;
	struct mm_exporter *ex;
	uint32_t inflight;
	int rv = -ENOMEM;

	if (conf == NULL || conf->ec_url == NULL) {
		snprintf(err, errlen,
			"exporter: no store URL; expected ipc://, tcp:// or tls+tcp://");
		errno = EINVAL;
		return (NULL);
	}
	if (conf->ec_inflight_batches > MM_EXPORTER_INFLIGHT_MAX) {
		snprintf(err, errlen, "exporter: %u batches in flight, expected at most %d",
			conf->ec_inflight_batches, MM_EXPORTER_INFLIGHT_MAX);
		errno = EINVAL;
		return (NULL);
	}
	if (conf->ec_batch_events > MM_BUS_MAX_EVENTS) {
		snprintf(err, errlen, "exporter: batch of %u events, expected at most %d",
			conf->ec_batch_events, MM_BUS_MAX_EVENTS);
		errno = EINVAL;
		return (NULL);
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "exporter: libsodium failed to initialise");
		errno = EIO;
		return (NULL);
	}
	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		goto err_nomem;
	TAILQ_INIT(&ex->ex_queue);
	ex->ex_ops = ex_sink_for_url(conf->ec_url);
	ex->ex_batch_events = EX_DEFAULT(conf->ec_batch_events, MM_EXPORTER_BATCH_EVENTS);
	ex->ex_batch_delay_ms = EX_DEFAULT(conf->ec_batch_delay_ms, MM_EXPORTER_BATCH_DELAY_MS);
	ex->ex_queue_max = EX_DEFAULT(conf->ec_queue_batches, MM_EXPORTER_QUEUE_BATCHES);
	ex->ex_send_timeout_ms = EX_DEFAULT(conf->ec_send_timeout_ms, MM_EXPORTER_SEND_TIMEOUT_MS);
	ex->ex_ack_timeout_ms = EX_DEFAULT(conf->ec_ack_timeout_ms, MM_EXPORTER_ACK_TIMEOUT_MS);
	ex->ex_retry_min_ms = EX_DEFAULT(conf->ec_retry_min_ms, MM_EXPORTER_RETRY_MIN_MS);
	ex->ex_retry_max_ms = EX_DEFAULT(conf->ec_retry_max_ms, MM_EXPORTER_RETRY_MAX_MS);
	if (ex->ex_retry_max_ms < ex->ex_retry_min_ms)
		ex->ex_retry_max_ms = ex->ex_retry_min_ms;
	ex->ex_backoff_ms = ex->ex_retry_min_ms;
	ex->ex_store_ok = true;

	ex->ex_producer = conf->ec_producer;
	while (ex->ex_producer == 0)
		randombytes_buf(&ex->ex_producer, sizeof(ex->ex_producer));
	if (conf->ec_first_seq != 0) {
		ex->ex_next_seq = conf->ec_first_seq;
	} else if (conf->ec_producer != 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ex->ex_next_seq = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	} else {
		ex->ex_next_seq = 1;
	}
	ex->ex_st.es_producer = ex->ex_producer;

	ex->ex_text_cap = EX_TEXT_INIT;
	ex->ex_open_size = MM_BUS_BATCH_HDR;
	if ((ex->ex_url = ex_url_redact(conf->ec_url)) == NULL ||
		(ex->ex_text = malloc(ex->ex_text_cap)) == NULL ||
		(ex->ex_open = calloc(ex->ex_batch_events, sizeof(*ex->ex_open))) == NULL ||
		(ex->ex_evs = calloc(ex->ex_batch_events, sizeof(*ex->ex_evs))) == NULL)
		goto err_nomem;

	if (conf->ec_eve != NULL) {
		ex->ex_eve = conf->ec_eve;
	} else if (conf->ec_eve_path != NULL) {
		if ((ex->ex_eve = fopen(conf->ec_eve_path, "ae")) == NULL) {
			rv = -errno;
			snprintf(err, errlen, "EVE output %s: %s", conf->ec_eve_path,
				strerror(errno));
			goto err;
		}
		ex->ex_eve_own = true;
	}
	if (conf->ec_spool_path != NULL) {
		if ((rv = mm_spool_open(conf->ec_spool_path,
			     EX_DEFAULT(conf->ec_spool_max_bytes, MM_EXPORTER_SPOOL_BYTES),
			     ex->ex_producer, &ex->ex_spool, err, errlen)) != 0)
			goto err;
		mm_spool_info(ex->ex_spool, &si);
		if (si.si_records > 0)
			mm_notice("spool %s: %" PRIu64 " events in %" PRIu64
				  " batches (file started by producer %016" PRIx64
				  ") to deliver first",
				conf->ec_spool_path, si.si_events, si.si_records, si.si_producer);
	}
	/* JetStream acknowledges each message on its own: one batch at a time suffices there. */
	inflight = ex->ex_ops == &ex_sink_store
			   ? EX_DEFAULT(conf->ec_inflight_batches, MM_EXPORTER_INFLIGHT)
			   : 1;
	for (uint32_t i = 0; i < inflight; i++) {
		if ((rv = ex->ex_ops->so_open(conf,
			     EX_DEFAULT(conf->ec_reconnect_min_ms, MM_EXPORTER_RECONN_MIN_MS),
			     EX_DEFAULT(conf->ec_reconnect_max_ms, MM_EXPORTER_RECONN_MAX_MS),
			     &ex->ex_fl[i].fl_sink, err, errlen)) != 0)
			goto err;
		ex->ex_nfl++;
	}
	mm_info("exporter: producer %016" PRIx64 " from seq %" PRIu64 " to %s", ex->ex_producer,
		ex->ex_next_seq, ex->ex_url);
	return (ex);

err_nomem:
	snprintf(err, errlen, "exporter: out of memory");
	rv = -ENOMEM;
err:
	if (ex != NULL)
		ex_destroy(ex);
	errno = -rv;
	return (NULL);
}

void
mm_exporter_free(struct mm_exporter *ex)
{
	uint64_t dropped;

	if (ex == NULL)
		return;
	ex_seal(ex);
	ex_abort(ex);
	if ((dropped = ex_shelve(ex)) > 0)
		mm_warn("exporter: %" PRIu64 " undelivered events dropped at exit (no spool room)",
			dropped);
	ex_sync(ex);
	ex_destroy(ex);
}

void
mm_exporter_stats(const struct mm_exporter *ex, struct mm_exporter_stats *st)
{
	struct mm_spool_info si = { 0 };

	*st = ex->ex_st;
	if (ex->ex_spool != NULL)
		mm_spool_info(ex->ex_spool, &si);
	st->es_pending = ex->ex_open_n + ex->ex_queue_events + si.si_events;
	st->es_spool_records = si.si_records;
	st->es_spool_bytes = si.si_bytes;
	st->es_spool_file_bytes = si.si_file_bytes;
	st->es_spool_damaged = si.si_damaged_records;
	st->es_spool_damaged_bytes = si.si_damaged_bytes;
	st->es_connected = false;
	for (uint32_t i = 0; i < ex->ex_nfl; i++)
		st->es_connected |= ex->ex_ops->so_connected(ex->ex_fl[i].fl_sink);
	st->es_store_ok = ex->ex_store_ok;
}
