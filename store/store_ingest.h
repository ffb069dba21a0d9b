/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ingest: event batches in on an nng rep socket, committed, acknowledged.
 *
 * Several nng contexts receive at once, so several producers (or one producer
 * with several batches in flight) are served together.  Each context decodes
 * and checks its batch on nng's threads, then queues it for the one writer
 * thread, which owns the SQLite connection: it commits the batch in one
 * transaction (with the other batches waiting, if any, but the last: group
 * commit),
 * publishes the new events on the live view, and only then sends the
 * acknowledgement.  A refused batch is answered at once with a
 * non-zero status and never reaches the writer.  Between batches the writer
 * runs retention in small steps.
 */
#ifndef STORE_INGEST_H
#define STORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <nng/nng.h>

#include "store_ckpt.h"
#include "store_db.h"
#include "store_live.h"

/* Batches received at once (each context holds one until acknowledged). */
#define STORE_INGEST_CONTEXTS 8
/* How often the writer looks for retention work while none is pending. */
#define STORE_RETENTION_INTERVAL_MS 10000

struct store_ingest_conf {
	struct store_db *ic_db;     /* the writer connection; used by the writer thread only */
	struct store_ckpt *ic_ckpt; /* its checkpointer, or NULL */
	nng_socket ic_sock;         /* an open rep socket; the ingest closes it */
	struct store_live *ic_live; /* NULL: no live view */
	const struct store_retention *ic_retention;
	unsigned ic_retention_ms; /* 0: STORE_RETENTION_INTERVAL_MS */
	int ic_writer_nice;       /* the writer thread's nice value, if allowed */
};

struct store_ingest;

struct store_ingest *store_ingest_start(
	const struct store_ingest_conf *conf, char *err, size_t errlen);
/*
 * Stops: the writer finishes the transaction in hand, then the socket is
 * closed.  Batches queued but not committed are dropped unacknowledged; the
 * producers send them again.  The final counters go into counters (as
 * store_ingest_stats), when not NULL.
 */
void store_ingest_stop(struct store_ingest *ing, json_t *counters);

/* Adds the counters to obj: batches, events, duplicates, rejected, failed, ... */
void store_ingest_stats(void *ing, json_t *obj);

#endif /* STORE_INGEST_H */
