/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event exporter's delivery (see exporter.h for the rules;
 * exporter_batch.c builds the batches and keeps them in order).
 *
 * The exchanges in flight run on the sinks (exporter_link.c for the store,
 * one per exchange at once), which own everything nng; this file only
 * starts exchanges and looks at how they ended, from mm_exporter_poll on the
 * caller's thread, so the queues need no lock.  A queued batch in flight
 * stays in the queue (eb_in_flight) until acknowledged.
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

#include "mamori/log.h"
#include "exporter_int.h"

/* Spooled batches reach the disk within this long: a bound on what a power cut can take. */
#define EX_SYNC_MS 100

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

void
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

void
ex_abort(struct mm_exporter *ex)
{
	for (uint32_t i = 0; i < ex->ex_nfl; i++)
		ex_abort_one(ex, &ex->ex_fl[i]);
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
