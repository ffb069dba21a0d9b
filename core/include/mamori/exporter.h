/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event exporter of mamorid's control side: it numbers EVE events,
 * batches them and delivers the batches to the store over nng req/rep (see
 * bus.h), so that every event is stored exactly once or is counted as lost.
 *
 *	submit ──▶ open batch ──(full or old)──▶ memory queue ──▶ store ──ack──▶ freed
 *	                                    └──▶ spool file ──────┘ (drained first)
 *
 * Sequence numbers.  Each event takes the next number of this exporter's
 * producer when it joins a batch; the producer and the numbers travel in the
 * batch header, the EVE object itself is sent as the caller built it.  Events
 * the store never gets (dropped because the spool was full) leave gaps in the
 * numbers, so the loss is visible at the store too.
 *
 * Delivery.  By default one batch is in flight at a time, always the oldest:
 * the spool's first record while the spool holds any, else the head of the
 * memory queue, so the store commits batches in sequence order.  With
 * ec_inflight_batches above 1 (store sink only, each exchange on a req
 * socket of its own), up to that many of the oldest queued batches are in
 * flight at once, so that the store parses one while it commits another;
 * the store may then commit them out of order (its queries order by time,
 * not by arrival), and each is freed when its own acknowledgement comes.
 * The spool's records still go one at a time, in order.  An acknowledgement with
 * status 0 means committed: the batch is freed.  A refusal (another status)
 * is logged and the batch retried after a back-off; a refusal that no retry
 * can cure (EBADMSG, EINVAL, EMSGSIZE, EPROTO) drops the batch and counts it
 * as rejected, so that one bad batch cannot stop all delivery behind it.
 * Resending is always safe: the store ignores (producer, seq) pairs it has.
 *
 * nng's own request resend is switched off (NNG_OPT_REQ_RESENDTIME infinite):
 * the exporter alone decides when to resend, after a send that no connected
 * store took within the send timeout, an acknowledgement that did not come
 * within the ack timeout, or a dropped connection.  Each of these marks the
 * store unreachable: every batch in memory, those in flight included, is
 * appended to the spool, new batches go to the spool too, and the exporter
 * retries with a back-off (cut short when the dialer reconnects).  The first
 * commit marks the store reachable again; the spool drains, in order, before
 * batches are kept in memory again.  Without a spool, batches that find the
 * memory queue full are dropped and counted.
 *
 * Throughput.  An exchange completes in one poll at best (a round trip over
 * ipc takes tens of microseconds), so a control loop polling every
 * millisecond moves up to 1000 batches a second.  When the memory queue
 * fills anyway, the store is behind: the queue, with the batches in flight
 * (abandoned and later resent, which the store ignores), moves to the spool
 * and delivery continues from there, in order.
 *
 * The spool (spool.h) survives restarts.  A new exporter that finds batches
 * in it (from an earlier run, under that run's producer) delivers them before
 * its own.
 *
 * Sinks.  Where sealed batches go is a sink (core/src/exporter_sink.h),
 * chosen by the URL's scheme; batching, ordering, the spool and the retry
 * rules above are the same for every sink:
 *
 *	ipc://, tcp://, tls+tcp://  mamori-store over nng req/rep; the store's
 *	                            acknowledgement follows its COMMIT
 *	nats://, tls://             NATS JetStream: each event is one message on
 *	                            subject mamori.<site>.<event_type> with the
 *	                            message id "<producer hex>-<seq>" (the
 *	                            stream's de-duplication key); the batch is
 *	                            acknowledged when the stream has acknowledged
 *	                            every one of its events
 *
 * A JetStream URL lists the cluster's servers, comma-separated, and may end
 * in parameters: "nats://a:4222,nats://b:4222?site=pop-3&creds=/etc/x.creds".
 * site names this appliance in subjects (letters, digits, '-', '_'; default
 * the host name), creds is a NATS credentials file (JWT and NKey seed).  TLS
 * (tls:// or a server requiring it) uses ec_tls_ca_file, ec_tls_cert_key_file
 * (certificate and key in one PEM file) and ec_tls_server_name.  A user and
 * password may also be given in the URL (nats://user:password@host:4222);
 * messages show them as user:***.  A resend
 * after a lost acknowledgement is dropped by the stream (same message id
 * within its duplicate window) and by the central store ((producer, seq)
 * unique), so delivery stays exactly once in the store.
 *
 * Time is what the caller passes to mm_exporter_poll (monotonic ms); submit
 * uses the time of the last poll.  All calls come from one thread (the
 * control thread); nng's threads only complete the in-flight operation.
 */
#ifndef MAMORI_EXPORTER_H
#define MAMORI_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define MM_EXPORTER_BATCH_EVENTS    512
#define MM_EXPORTER_BATCH_DELAY_MS  200
#define MM_EXPORTER_QUEUE_BATCHES   8
#define MM_EXPORTER_INFLIGHT        1
#define MM_EXPORTER_INFLIGHT_MAX    4
#define MM_EXPORTER_SEND_TIMEOUT_MS 2000
#define MM_EXPORTER_ACK_TIMEOUT_MS  5000
#define MM_EXPORTER_RETRY_MIN_MS    100
#define MM_EXPORTER_RETRY_MAX_MS    5000
#define MM_EXPORTER_RECONN_MIN_MS   100
#define MM_EXPORTER_RECONN_MAX_MS   5000
#define MM_EXPORTER_SPOOL_BYTES     (256ULL << 20)
#define MM_EXPORTER_ERRLEN          256

/* Zero (or NULL) in any field selects the default named beside it. */
struct mm_exporter_conf {
	uint64_t ec_producer; /* 0: a random id for this run (randombytes_buf) */
	/*
	 * First sequence number.  0: 1 for a random producer; for a given
	 * producer the wall clock in ns, so a restarted exporter with the same
	 * id never reuses a number the store has already committed (and would
	 * silently ignore).
	 */
	uint64_t ec_first_seq;
	const char *ec_url;  /* ipc://, tcp://, tls+tcp:// (store); nats://, tls:// (required) */
	const char *ec_site; /* JetStream: site in subjects (overrides the URL's site=) */
	const char *ec_nats_creds;  /* JetStream: credentials file (overrides creds=) */
	const char *ec_tls_ca_file; /* tls+tcp: CAs (PEM) the store must chain to (required) */
	const char *ec_tls_cert_key_file; /* tls+tcp: our certificate and key, one PEM file */
	const char *ec_tls_key_pass;      /* tls+tcp: password of an encrypted key */
	const char *ec_tls_server_name;   /* tls+tcp: name the store's certificate must carry */
	uint32_t ec_batch_events;         /* a batch is sent at this many events (512) */
	uint32_t ec_batch_delay_ms;       /* or when its first event is this old (200) */
	uint32_t ec_queue_batches;        /* batches held in memory while the store keeps up (8) */
	uint32_t ec_inflight_batches; /* of those, sent and not yet acknowledged (1, at most 4) */
	uint32_t ec_send_timeout_ms;  /* time for a connected store to take a batch (2000) */
	uint32_t ec_ack_timeout_ms;   /* time for its acknowledgement (5000) */
	uint32_t ec_retry_min_ms;     /* back-off after a failure, doubling (100) */
	uint32_t ec_retry_max_ms;     /* up to this (5000) */
	uint32_t ec_reconnect_min_ms; /* nng dialer back-off, NNG_OPT_RECONNMINT (100) */
	uint32_t ec_reconnect_max_ms; /* NNG_OPT_RECONNMAXT (5000) */
	const char *ec_spool_path;    /* NULL: no spool, undeliverable batches are dropped */
	uint64_t ec_spool_max_bytes;  /* cap on the spool file (256 MiB) */
	FILE *ec_eve;                 /* also write each event here as a line (not closed) */
	const char *ec_eve_path;      /* or append to this file (mamorid --eve FILE) */
};

struct mm_exporter_stats {
	uint64_t es_producer;      /* this run's producer id */
	uint64_t es_submitted;     /* events given to mm_exporter_submit */
	uint64_t es_sent;          /* events in batches sent, counting every attempt */
	uint64_t es_resent;        /* of those, sends of the same batch or record after the first */
	uint64_t es_acked;         /* events the store committed */
	uint64_t es_spooled;       /* events written to the spool */
	uint64_t es_drained;       /* events committed from the spool (earlier runs' included) */
	uint64_t es_dropped;       /* events dropped: spool full, or no spool and memory full */
	uint64_t es_rejected;      /* events in batches the store refused for good */
	uint64_t es_invalid;       /* events refused by submit: not serialisable or too large */
	uint64_t es_pending;       /* events not yet committed: open batch, memory, spool */
	uint64_t es_spool_records; /* records waiting in the spool */
	uint64_t es_spool_bytes;   /* bytes waiting in the spool */
	uint64_t es_spool_file_bytes; /* size of the spool file (bounded by its cap) */
	uint64_t es_spool_damaged;    /* torn or corrupt spool stretches skipped */
	uint64_t es_spool_damaged_bytes;
	uint64_t es_store_errors; /* failed sends, missing or bad acknowledgements, refusals */
	uint64_t es_eve_errors;   /* events the EVE file could not take */
	bool es_connected;        /* a connection to the store is up now */
	bool es_store_ok;         /* the last exchange with the store succeeded */
	char es_last_error[MM_EXPORTER_ERRLEN]; /* the latest store or spool error, "" if none */
};

struct mm_exporter;

/*
 * Opens the spool (draining an earlier run's first), the EVE file and an nng
 * req socket dialling the store in the background; an absent store is not an
 * error.  Returns NULL with errno set and err naming what was wrong (the URL,
 * a TLS file, the spool) and what was expected.
 */
struct mm_exporter *mm_exporter_new(const struct mm_exporter_conf *conf, char *err, size_t errlen);
/*
 * Stops at once: the in-flight exchange is abandoned and every batch still
 * in memory goes to the spool (or is counted as dropped).  Call
 * mm_exporter_flush first to deliver what can be delivered.
 */
void mm_exporter_free(struct mm_exporter *exp);

/*
 * Takes the reference to one EVE object, writes it to the EVE file and adds
 * it to the open batch, which is sealed when full.  Returns 0, -EINVAL when
 * the object cannot be serialised, -EMSGSIZE when it is over MM_BUS_MAX_EVENT
 * (both counted in es_invalid; the EVE file still gets a large one).
 */
int mm_exporter_submit(struct mm_exporter *exp, json_t *ev);
/*
 * The same for an event already serialised as compact EVE JSON (one object,
 * no newline; mm_eve_flow_text), copied: the path for events built without
 * a JSON object, which skips jansson's dump and the object's release (most
 * of what mm_exporter_submit costs).  Returns 0, -EINVAL when the text is
 * not one line holding an object, -EMSGSIZE as above; the store checks the
 * JSON itself.
 */
int mm_exporter_submit_text(struct mm_exporter *exp, const char *json, size_t len);

/*
 * Does the work that is due, without blocking: seals an open batch older
 * than the delay, takes in a completed exchange with the store, starts the
 * next one.  One batch completes per call at most, so call it often (every
 * millisecond or so while events flow).  Returns the number of events the
 * store committed during the call.
 */
int mm_exporter_poll(struct mm_exporter *exp, uint64_t now_ms);

/*
 * At shutdown: seals the open batch and delivers everything it can, the
 * spool included, within timeout_ms; what is left goes to the spool.
 * Returns the number of events not delivered (in the spool, or dropped and
 * counted when they did not fit).
 */
long mm_exporter_flush(struct mm_exporter *exp, uint32_t timeout_ms);

void mm_exporter_stats(const struct mm_exporter *exp, struct mm_exporter_stats *st);

#endif /* MAMORI_EXPORTER_H */
