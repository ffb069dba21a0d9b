/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The central store's ingest: events from NATS JetStream into PostgreSQL.
 *
 * Appliances publish each event on mamori.<site>.<event_type> with the
 * message id "<producer hex>-<seq>" (the exporter's JetStream sink).  One
 * thread here pulls them in batches from a durable consumer with explicit
 * acknowledgements, stores each batch in one PostgreSQL transaction keyed by
 * (producer, seq) (store_pg.h) and acknowledges its messages only after the
 * COMMIT.  A store that stops, crashes or loses its NATS server leaves the
 * unacknowledged messages with the consumer, which delivers them again
 * (after the acknowledgement wait) to whichever store asks: nothing is lost,
 * and the unique key drops what was already stored, so every event is
 * stored once.  Several stores may share the durable consumer (each message
 * goes to one of them).
 *
 * The store creates the stream (subjects mamori.>, file storage, the
 * configured replicas, age and size limits, duplicate window) when it does
 * not exist; an existing stream is used as it is.
 */
#ifndef STORE_JSIN_H
#define STORE_JSIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store_live.h"
#include "store_pg.h"

#define STORE_JSIN_SUBJECTS "mamori.>"

struct store_jsin_conf {
	struct store_pg *jc_pg;     /* taken over; used by the ingest thread only */
	struct store_live *jc_live; /* NULL: no live view */
	const char *const *jc_servers;
	size_t jc_nservers;
	const char *jc_stream;
	const char *jc_durable;
	const char *jc_creds;    /* NULL: none */
	const char *jc_tls_ca;   /* NULL: no TLS unless a tls:// server */
	const char *jc_tls_cert; /* client certificate and key, or NULL */
	const char *jc_tls_key;
	unsigned jc_replicas;     /* of a stream created here */
	uint64_t jc_max_age_h;    /* of a stream created here; 0: no limit */
	uint64_t jc_max_mb;       /* of a stream created here; 0: no limit */
	uint64_t jc_dup_window_s; /* of a stream created here */
	uint64_t jc_ack_wait_s;   /* redelivery of unacknowledged messages */
	unsigned jc_batch;        /* messages per fetch and per transaction */
	int64_t jc_max_age_ns;    /* events older than this (by ts) are deleted; 0: kept */
};

struct store_jsin;

/*
 * Reads a message's key: the site from its subject "mamori.<site>.<type>"
 * (into site, of sitelen bytes) and the producer and sequence number from
 * its message id "<producer as 16 hex digits>-<seq>".  Returns 0, or
 * -EBADMSG with the reason in why.
 */
int store_jsin_key(const char *subject, const char *id, char *site, size_t sitelen,
	uint64_t *producer, uint64_t *seq, char *why, size_t whylen);

/* Starts the ingest thread; connecting happens there, in the background. */
struct store_jsin *store_jsin_start(const struct store_jsin_conf *conf, char *err, size_t errlen);
/* Stops after the transaction in hand (committed and acknowledged); closes the database. */
void store_jsin_stop(struct store_jsin *ji, json_t *counters);
/* Adds the counters to obj: batches, events, duplicates, rejected, failed, ... */
void store_jsin_stats(void *ji, json_t *obj);

#endif /* STORE_JSIN_H */
