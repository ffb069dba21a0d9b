/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the exporter: its state, shared by the two halves.
 *
 *	exporter_batch.c  events into batches: the open batch, sealing, and
 *	                  where a sealed batch waits (memory queue or spool)
 *	exporter.c        batches to the store: exchanges in flight, their
 *	                  acknowledgements, retries, polling, the life cycle
 *
 * Everything runs on the caller's thread (mm_exporter_submit and
 * mm_exporter_poll), so nothing here is locked.
 */
#ifndef MAMORI_EXPORTER_INT_H
#define MAMORI_EXPORTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include "mamori/bus.h"
#include "mamori/exporter.h"
#include "mamori/spool.h"
#include "exporter_sink.h"

/* The open batch's text starts this large and doubles as needed. */
#define EX_TEXT_INIT (64U << 10)

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

static inline uint64_t
last_seq(uint64_t first, uint32_t count)
{
	return (first + count - 1);
}

/* Records the latest error for the statistics and logs it. */
void ex_error(struct mm_exporter *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Abandons every exchange in flight (their batches stay queued). */
void ex_abort(struct mm_exporter *ex);

/* Seals the open batch, if any, and puts it in the queue or the spool, oldest first. */
void ex_seal(struct mm_exporter *ex);
/*
 * Moves every batch in memory to the spool, in order (those in flight are
 * abandoned first); without a spool they are dropped and counted.  Returns
 * the events dropped.
 */
uint64_t ex_shelve(struct mm_exporter *ex);
/* The spool holds records to deliver before anything in memory. */
bool ex_spool_waiting(const struct mm_exporter *ex);

#endif /* MAMORI_EXPORTER_INT_H */
