/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JetStream into PostgreSQL (store_jsin.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include <mamori/log.h>

#include "store_jsin.h"
#include "store_jspull.h"
#include "store_time.h"

/* Quiet time between attempts to set up the stream and consumer, or to store a batch. */
#define JSIN_RETRY_MS 500
/* A fetch's pull request expires after this; "no messages" at once pauses a tenth of it. */
#define JSIN_FETCH_MS 100
/* Fetches failing in a row before the stream and consumer are set up again. */
#define JSIN_RESUBSCRIBE 50
/* A refusal is logged at most this often. */
#define JSIN_LOG_EVERY_NS (10LL * 1000000000LL)
#define JSIN_SITE_MAX     64
/* Rows per retention statement, and the pause when there were fewer to delete. */
#define JSIN_RETAIN_ROWS     10000
#define JSIN_RETAIN_EVERY_NS (10LL * 1000000000LL)

struct store_jsin {
	struct store_jsin_conf ji_conf;
	natsOptions *ji_opts;
	natsConnection *ji_nc;
	jsCtx *ji_js;
	struct store_jspull ji_pull; /* the consumer's messages, pulled */
	natsMsg **ji_fetched;        /* the messages of a fetch, jc_batch */
	pthread_t ji_thread;
	atomic_bool ji_stop;

	/* The batch in hand. */
	struct store_row *ji_rows;
	uint64_t *ji_producers;
	const char **ji_sites;
	char (*ji_site_buf)[JSIN_SITE_MAX + 1];
	natsMsg **ji_msgs; /* of the rows, to acknowledge after COMMIT */
	struct store_arena ji_arena;

	int64_t ji_logged_at;
	uint64_t ji_unlogged;

	atomic_uint_fast64_t ji_batches;
	atomic_uint_fast64_t ji_events;
	atomic_uint_fast64_t ji_duplicates;
	atomic_uint_fast64_t ji_rejected;
	atomic_uint_fast64_t ji_failed;
	atomic_uint_fast64_t ji_redelivered;
	atomic_uint_fast64_t ji_published;
	atomic_uint_fast64_t ji_retained; /* rows deleted by retention */
	int64_t ji_retain_at;             /* the next retention step (ingest thread) */
	atomic_bool ji_connected;
	atomic_bool ji_consuming;
	atomic_bool ji_closed; /* libnats' last callback has run */
	bool ji_told_refused;  /* the refusal of the credentials is logged (ingest thread) */
};

static void
conn_up(natsConnection *nc, void *arg)
{
	struct store_jsin *ji = arg;

	(void)nc;
	atomic_store(&ji->ji_connected, true);
}

static void
conn_down(natsConnection *nc, void *arg)
{
	struct store_jsin *ji = arg;

	(void)nc;
	atomic_store(&ji->ji_connected, false);
}

static void
conn_closed(natsConnection *nc, void *arg)
{
	struct store_jsin *ji = arg;

	(void)nc;
	atomic_store(&ji->ji_closed, true);
}

/* Closes the connection, waiting for libnats' callbacks (on its own thread) to be done. */
static void
jsin_close_conn(struct store_jsin *ji)
{
	if (ji->ji_nc == NULL)
		return;
	natsConnection_Close(ji->ji_nc);
	for (int i = 0; i < 2000 && !atomic_load(&ji->ji_closed); i++)
		nats_Sleep(1);
	natsConnection_Destroy(ji->ji_nc);
	ji->ji_nc = NULL;
}

static int
jsin_options(struct store_jsin *ji, char *err, size_t errlen)
{
	const struct store_jsin_conf *c = &ji->ji_conf;
	natsStatus s;

	if ((s = natsOptions_Create(&ji->ji_opts)) != NATS_OK ||
		(s = natsOptions_SetServers(ji->ji_opts, (const char **)(uintptr_t)c->jc_servers,
			 (int)c->jc_nservers)) != NATS_OK ||
		(s = natsOptions_SetName(ji->ji_opts, "mamori-store")) != NATS_OK ||
		(s = natsOptions_SetMaxReconnect(ji->ji_opts, -1)) != NATS_OK ||
		(s = natsOptions_SetReconnectWait(ji->ji_opts, 200)) != NATS_OK ||
		(s = natsOptions_SetDisconnectedCB(ji->ji_opts, conn_down, ji)) != NATS_OK ||
		(s = natsOptions_SetReconnectedCB(ji->ji_opts, conn_up, ji)) != NATS_OK ||
		(s = natsOptions_SetClosedCB(ji->ji_opts, conn_closed, ji)) != NATS_OK ||
		(s = natsOptions_SetRetryOnFailedConnect(ji->ji_opts, true, conn_up, ji)) !=
			NATS_OK) {
		snprintf(err, errlen, "jetstream: %s", natsStatus_GetText(s));
		return (-EINVAL);
	}
	if (c->jc_creds != NULL && natsOptions_SetUserCredentialsFromFiles(
					   ji->ji_opts, c->jc_creds, NULL) != NATS_OK) {
		snprintf(err, errlen, "store.jetstream.creds %s: %s", c->jc_creds,
			nats_GetLastError(NULL));
		return (-EINVAL);
	}
	if (c->jc_tls_ca != NULL && (natsOptions_SetSecure(ji->ji_opts, true) != NATS_OK ||
					    natsOptions_LoadCATrustedCertificates(
						    ji->ji_opts, c->jc_tls_ca) != NATS_OK)) {
		snprintf(err, errlen, "store.jetstream.tls.ca %s: %s", c->jc_tls_ca,
			nats_GetLastError(NULL));
		return (-EINVAL);
	}
	if (c->jc_tls_cert != NULL && natsOptions_LoadCertificatesChain(ji->ji_opts, c->jc_tls_cert,
					      c->jc_tls_key) != NATS_OK) {
		snprintf(err, errlen, "store.jetstream.tls.cert %s: %s", c->jc_tls_cert,
			nats_GetLastError(NULL));
		return (-EINVAL);
	}
	return (0);
}

static int
jsin_connect(struct store_jsin *ji, char *err, size_t errlen)
{
	natsStatus s;

	atomic_store(&ji->ji_closed, false);
	s = natsConnection_Connect(&ji->ji_nc, ji->ji_opts);
	/* Connected at once: the callback is only for a connection made later. */
	if (s == NATS_OK)
		atomic_store(&ji->ji_connected, true);
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		snprintf(err, errlen, "jetstream %s: %s", ji->ji_conf.jc_servers[0],
			nats_GetLastError(NULL));
		return (-EIO);
	}
	if ((s = natsConnection_JetStream(&ji->ji_js, ji->ji_nc, NULL)) != NATS_OK) {
		snprintf(err, errlen, "jetstream: %s", natsStatus_GetText(s));
		return (-ENOMEM);
	}
	return (0);
}

/*
 * While not connected: says once that the servers refused the credentials,
 * and makes a new connection when libnats closed it (it does so when every
 * server refused it twice), so that credentials put right are taken up.
 */
static void
jsin_revive(struct store_jsin *ji)
{
	const char *text = NULL;
	char err[256];
	natsStatus s;

	if (ji->ji_nc != NULL && natsConnection_Status(ji->ji_nc) == NATS_CONN_STATUS_CLOSED) {
		jsCtx_Destroy(ji->ji_js);
		ji->ji_js = NULL;
		jsin_close_conn(ji);
		if (jsin_connect(ji, err, sizeof(err)) != 0) {
			mm_debug("%s", err);
			return;
		}
	}
	if (ji->ji_nc == NULL)
		return;
	s = natsConnection_GetLastError(ji->ji_nc, &text);
	if ((s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) && !ji->ji_told_refused) {
		mm_err("jetstream %s: the servers refused the credentials (%s); set "
		       "store.jetstream.creds to the .creds file of a user of the account the "
		       "servers trust (the user's JWT signed by that account, and that user's "
		       "own seed)",
			ji->ji_conf.jc_servers[0], text != NULL ? text : natsStatus_GetText(s));
		ji->ji_told_refused = true;
	}
}

/* The stream, created as configured when missing; then the durable pull consumer. */
static int
jsin_subscribe(struct store_jsin *ji)
{
	const struct store_jsin_conf *c = &ji->ji_conf;
	const char *subjects[] = { STORE_JSIN_SUBJECTS };
	jsConsumerInfo *ci = NULL;
	jsStreamInfo *si = NULL;
	jsConsumerConfig cc;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	natsStatus s;

	s = js_GetStreamInfo(&si, ji->ji_js, c->jc_stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND) {
		jsStreamConfig_Init(&sc);
		sc.Name = c->jc_stream;
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Retention = js_LimitsPolicy;
		sc.Replicas = (int64_t)c->jc_replicas;
		sc.MaxAge = (int64_t)c->jc_max_age_h * 3600 * 1000000000LL;
		sc.MaxBytes = c->jc_max_mb > 0 ? (int64_t)(c->jc_max_mb << 20) : -1;
		sc.Duplicates = (int64_t)c->jc_dup_window_s * 1000000000LL;
		s = js_AddStream(&si, ji->ji_js, &sc, NULL, &jerr);
		if (s == NATS_OK)
			mm_notice("jetstream: created stream %s (%s, %u replicas)", c->jc_stream,
				STORE_JSIN_SUBJECTS, c->jc_replicas);
	}
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK) {
		mm_debug("jetstream: stream %s not ready: %s (%d)", c->jc_stream,
			natsStatus_GetText(s), (int)jerr);
		return (-EAGAIN);
	}
	/*
	 * The consumer is made here, not by the subscription: one that a
	 * subscription made is deleted when it ends, with its place in the stream.
	 */
	s = js_GetConsumerInfo(&ci, ji->ji_js, c->jc_stream, c->jc_durable, NULL, &jerr);
	if (s == NATS_NOT_FOUND) {
		jsConsumerConfig_Init(&cc);
		cc.Durable = c->jc_durable;
		cc.AckPolicy = js_AckExplicit;
		cc.AckWait = (int64_t)c->jc_ack_wait_s * 1000000000LL;
		cc.MaxAckPending = (int64_t)c->jc_batch * 16;
		cc.DeliverPolicy = js_DeliverAll;
		cc.FilterSubject = STORE_JSIN_SUBJECTS;
		s = js_AddConsumer(&ci, ji->ji_js, c->jc_stream, &cc, NULL, &jerr);
	}
	jsConsumerInfo_Destroy(ci);
	if (s != NATS_OK) {
		mm_debug("jetstream: consumer %s not ready: %s (%d)", c->jc_durable,
			natsStatus_GetText(s), (int)jerr);
		return (-EAGAIN);
	}
	/* Pulled by hand (store_jspull.h says why). */
	s = store_jspull_open(&ji->ji_pull, ji->ji_nc, "store", c->jc_stream, c->jc_durable);
	if (s != NATS_OK) {
		mm_debug("jetstream: consumer %s not ready: %s (%d)", c->jc_durable,
			natsStatus_GetText(s), (int)jerr);
		return (-EAGAIN);
	}
	mm_notice("jetstream: consuming %s from stream %s as %s", STORE_JSIN_SUBJECTS, c->jc_stream,
		c->jc_durable);
	ji->ji_told_refused = false;
	atomic_store(&ji->ji_consuming, true);
	return (0);
}

/*
 * The delivery count in a message's reply subject: $JS.ACK.<stream>.
 * <consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>, or
 * with <domain>.<account hash> after $JS.ACK (and a token at the end).
 * 0 when it is not such a subject.
 */
static uint64_t
jsin_delivered(const char *reply)
{
	const char *tok[16];
	int n = 0;

	if (reply == NULL || strncmp(reply, "$JS.ACK.", 8) != 0)
		return (0);
	for (const char *p = reply; p != NULL && n < 16; p = strchr(p, '.'))
		tok[n++] = *p == '.' ? ++p : p;
	if (n == 9)
		return (strtoull(tok[4], NULL, 10));
	if (n >= 11 && n < 16)
		return (strtoull(tok[6], NULL, 10));
	return (0);
}

/* Destroys the messages of a fetch; the list's array is ours and stays. */
static void
jsin_release(natsMsgList *list)
{
	for (int i = 0; i < list->Count; i++)
		natsMsg_Destroy(list->Msgs[i]);
	list->Count = 0;
}

static void jsin_refused(struct store_jsin *ji, natsMsg *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A message no store can take: counted, logged (rate-limited) and terminated. */
static void
jsin_refused(struct store_jsin *ji, natsMsg *m, const char *fmt, ...)
{
	int64_t now = store_time_now();
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&ji->ji_rejected, 1);
	if (now - ji->ji_logged_at >= JSIN_LOG_EVERY_NS) {
		mm_warn("jetstream: refused a message on %s: %s%s", natsMsg_GetSubject(m), why,
			ji->ji_unlogged > 0 ? " (and others not logged)" : "");
		ji->ji_logged_at = now;
		ji->ji_unlogged = 0;
	} else {
		ji->ji_unlogged++;
	}
	store_jspull_reply(ji->ji_nc, m, "+TERM");
}

int
store_jsin_key(const char *subject, const char *id, char *site, size_t sitelen, uint64_t *producer,
	uint64_t *seq, char *why, size_t whylen)
{
	unsigned long long p, s;
	const char *a, *b;
	int end = 0;

	if (id == NULL || strlen(id) < 18 || id[16] != '-' ||
		sscanf(id, "%16llx-%llu%n", &p, &s, &end) != 2 || id[end] != '\0' ||
		!isxdigit((unsigned char)id[17]) || s > INT64_MAX) {
		snprintf(why, whylen, "message id '%.40s': expected <producer as 16 hex>-<seq>",
			id != NULL ? id : "(none)");
		return (-EBADMSG);
	}
	if (subject == NULL || strncmp(subject, "mamori.", 7) != 0 ||
		(b = strchr(a = subject + 7, '.')) == NULL || b == a ||
		(size_t)(b - a) >= sitelen || b[1] == '\0') {
		snprintf(why, whylen, "subject '%.80s': expected mamori.<site>.<event_type>",
			subject != NULL ? subject : "(none)");
		return (-EBADMSG);
	}
	memcpy(site, a, (size_t)(b - a));
	site[b - a] = '\0';
	*producer = p;
	*seq = s;
	return (0);
}

/* Reads the messages into rows; refused ones are terminated and left out.  Returns the rows. */
static size_t
jsin_rows(struct store_jsin *ji, natsMsgList *list)
{
	size_t n = 0, total = 0;
	char why[160];

	for (int i = 0; i < list->Count; i++)
		total += (size_t)natsMsg_GetDataLength(list->Msgs[i]);
	if (store_arena_reset(&ji->ji_arena, total) != 0) {
		mm_err("jetstream: out of memory for a batch of %d messages", list->Count);
		return (0);
	}
	for (int i = 0; i < list->Count; i++) {
		natsMsg *m = list->Msgs[i];
		const char *id = NULL;
		uint64_t producer, seq;

		if (jsin_delivered(natsMsg_GetReply(m)) > 1)
			atomic_fetch_add(&ji->ji_redelivered, 1);
		natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
		if (store_jsin_key(natsMsg_GetSubject(m), id, ji->ji_site_buf[n], JSIN_SITE_MAX + 1,
			    &producer, &seq, why, sizeof(why)) != 0) {
			jsin_refused(ji, m, "%s", why);
			continue;
		}
		if (store_row_parse(&ji->ji_rows[n], natsMsg_GetData(m),
			    (uint32_t)natsMsg_GetDataLength(m), &ji->ji_arena, why,
			    sizeof(why)) != 0) {
			jsin_refused(ji, m, "producer %016" PRIx64 " seq %" PRIu64 ": %s", producer,
				seq, why);
			continue;
		}
		ji->ji_rows[n].r_seq = (int64_t)seq;
		ji->ji_producers[n] = producer;
		ji->ji_sites[n] = ji->ji_site_buf[n];
		ji->ji_msgs[n] = m;
		n++;
	}
	return (n);
}

/* Stores the rows, trying again until it works or the store stops; then acknowledges. */
static void
jsin_store(struct store_jsin *ji, size_t n)
{
	uint32_t inserted = 0;
	uint64_t errors = 0;
	char err[512];

	while (store_pg_insert(ji->ji_conf.jc_pg, ji->ji_rows, ji->ji_producers, ji->ji_sites, n,
		       &inserted, err, sizeof(err)) != 0) {
		atomic_fetch_add(&ji->ji_failed, 1);
		if (errors++ == 0)
			mm_err("%s; keeping the batch of %zu events and trying again", err, n);
		if (atomic_load(&ji->ji_stop)) {
			/* Not acknowledged: the consumer delivers them again. */
			return;
		}
		nats_Sleep(JSIN_RETRY_MS);
	}
	if (errors > 0)
		mm_notice("PostgreSQL: storing again after %" PRIu64 " failed attempts", errors);
	for (size_t i = 0; i < n; i++)
		store_jspull_reply(ji->ji_nc, ji->ji_msgs[i], "+ACK");
	atomic_fetch_add(&ji->ji_batches, 1);
	atomic_fetch_add(&ji->ji_events, inserted);
	atomic_fetch_add(&ji->ji_duplicates, n - inserted);
	if (ji->ji_conf.jc_live != NULL)
		atomic_fetch_add(&ji->ji_published,
			store_live_publish(ji->ji_conf.jc_live, ji->ji_rows, (uint32_t)n));
}

/* A batch from the consumer into list (ji_fetched); NATS_TIMEOUT when nothing came. */
static natsStatus
jsin_fetch(struct store_jsin *ji, natsMsgList *list)
{
	list->Msgs = ji->ji_fetched;
	return (store_jspull_fetch(&ji->ji_pull, ji->ji_fetched, (int)ji->ji_conf.jc_batch,
		JSIN_FETCH_MS, &list->Count));
}

/*
 * One retention step between two batches: the oldest rows past the age
 * limit, JSIN_RETAIN_ROWS at most, so ingest never waits long.  Another step
 * follows at once while there is more to delete.
 */
static void
jsin_retain(struct store_jsin *ji)
{
	int64_t now = store_time_now(), n;
	char err[256];

	if (ji->ji_conf.jc_max_age_ns <= 0 || now < ji->ji_retain_at)
		return;
	n = store_pg_retain(ji->ji_conf.jc_pg, now - ji->ji_conf.jc_max_age_ns, JSIN_RETAIN_ROWS,
		err, sizeof(err));
	if (n < 0)
		mm_warn("%s; trying again in %lld s", err, JSIN_RETAIN_EVERY_NS / 1000000000LL);
	else
		atomic_fetch_add(&ji->ji_retained, (uint64_t)n);
	ji->ji_retain_at = n == JSIN_RETAIN_ROWS ? now : now + JSIN_RETAIN_EVERY_NS;
}

static void *
jsin_main(void *arg)
{
	struct store_jsin *ji = arg;
	uint64_t fetch_errors = 0;

	pthread_setname_np(pthread_self(), "store-jsin");
	while (!atomic_load(&ji->ji_stop)) {
		natsMsgList list = { 0 };
		natsStatus s;
		size_t n;

		jsin_retain(ji);
		if (ji->ji_pull.jp_sub == NULL) {
			if (!atomic_load(&ji->ji_connected))
				jsin_revive(ji);
			if (!atomic_load(&ji->ji_connected) || jsin_subscribe(ji) != 0)
				nats_Sleep(JSIN_RETRY_MS);
			continue;
		}
		s = jsin_fetch(ji, &list);
		if (s == NATS_TIMEOUT)
			continue;
		if (s != NATS_OK) {
			/* A server lost, a leader being elected: the consumer is still there. */
			if (fetch_errors++ == 0)
				mm_warn("jetstream: fetch from %s: %s; trying again",
					ji->ji_conf.jc_durable, natsStatus_GetText(s));
			jsin_release(&list);
			/* Still failing after a while: the consumer may be gone; set it up again.
			 */
			if (fetch_errors % JSIN_RESUBSCRIBE == 0) {
				store_jspull_close(&ji->ji_pull);
				atomic_store(&ji->ji_consuming, false);
			}
			nats_Sleep(JSIN_RETRY_MS / 5);
			continue;
		}
		if (fetch_errors > 0)
			mm_notice("jetstream: fetching again after %" PRIu64 " failures",
				fetch_errors);
		fetch_errors = 0;
		if ((n = jsin_rows(ji, &list)) > 0)
			jsin_store(ji, n);
		jsin_release(&list);
	}
	return (NULL);
}

struct store_jsin *
store_jsin_start(const struct store_jsin_conf *conf, char *err, size_t errlen)
{
	struct store_jsin *ji;
	unsigned b = conf->jc_batch;
	int rv;

	if ((ji = calloc(1, sizeof(*ji))) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		store_pg_close(conf->jc_pg);
		return (NULL);
	}
	ji->ji_conf = *conf;
	if ((ji->ji_rows = calloc(b, sizeof(*ji->ji_rows))) == NULL ||
		(ji->ji_producers = calloc(b, sizeof(*ji->ji_producers))) == NULL ||
		(ji->ji_sites = calloc(b, sizeof(*ji->ji_sites))) == NULL ||
		(ji->ji_site_buf = calloc(b, sizeof(*ji->ji_site_buf))) == NULL ||
		(ji->ji_msgs = calloc(b, sizeof(*ji->ji_msgs))) == NULL ||
		(ji->ji_fetched = calloc(b, sizeof(*ji->ji_fetched))) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		goto fail;
	}
	if (jsin_options(ji, err, errlen) != 0 || jsin_connect(ji, err, errlen) != 0)
		goto fail;
	if ((rv = pthread_create(&ji->ji_thread, NULL, jsin_main, ji)) != 0) {
		snprintf(err, errlen, "jetstream: cannot start the thread: %s", strerror(rv));
		goto fail;
	}
	return (ji);
fail:
	jsCtx_Destroy(ji->ji_js);
	jsin_close_conn(ji);
	natsOptions_Destroy(ji->ji_opts);
	store_pg_close(conf->jc_pg);
	free(ji->ji_rows);
	free(ji->ji_producers);
	free(ji->ji_sites);
	free(ji->ji_site_buf);
	free(ji->ji_msgs);
	free(ji->ji_fetched);
	free(ji);
	return (NULL);
}

void
store_jsin_stats(void *arg, json_t *obj)
{
	struct store_jsin *ji = arg;

	json_object_set_new(obj, "batches", json_integer((json_int_t)ji->ji_batches));
	json_object_set_new(obj, "events", json_integer((json_int_t)ji->ji_events));
	json_object_set_new(obj, "duplicates", json_integer((json_int_t)ji->ji_duplicates));
	json_object_set_new(obj, "rejected", json_integer((json_int_t)ji->ji_rejected));
	json_object_set_new(obj, "failed", json_integer((json_int_t)ji->ji_failed));
	json_object_set_new(obj, "redelivered", json_integer((json_int_t)ji->ji_redelivered));
	json_object_set_new(obj, "published", json_integer((json_int_t)ji->ji_published));
	json_object_set_new(obj, "retention_deleted", json_integer((json_int_t)ji->ji_retained));
	json_object_set_new(obj, "connected", json_boolean(atomic_load(&ji->ji_connected)));
	json_object_set_new(obj, "consuming", json_boolean(atomic_load(&ji->ji_consuming)));
}

void
store_jsin_stop(struct store_jsin *ji, json_t *counters)
{
	if (ji == NULL)
		return;
	atomic_store(&ji->ji_stop, true);
	pthread_join(ji->ji_thread, NULL);
	if (counters != NULL)
		store_jsin_stats(ji, counters);
	store_jspull_close(&ji->ji_pull);
	jsCtx_Destroy(ji->ji_js);
	/* Flushes the acknowledgements still buffered before closing. */
	if (ji->ji_nc != NULL)
		natsConnection_FlushTimeout(ji->ji_nc, 1000);
	jsin_close_conn(ji);
	natsOptions_Destroy(ji->ji_opts);
	store_pg_close(ji->ji_conf.jc_pg);
	store_arena_fini(&ji->ji_arena);
	free(ji->ji_rows);
	free(ji->ji_producers);
	free(ji->ji_sites);
	free(ji->ji_site_buf);
	free(ji->ji_msgs);
	free(ji->ji_fetched);
	free(ji);
}
