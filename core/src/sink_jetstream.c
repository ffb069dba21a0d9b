/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter's JetStream sink (exporter_sink.h): each event of a batch is
 * published as one message on mamori.<site>.<event_type>, with the message
 * id "<producer as 16 hex digits>-<seq>" in the Nats-Msg-Id header, which
 * the stream de-duplicates on.  The batch is acknowledged (a bus
 * acknowledgement built here, status 0) when the stream has acknowledged
 * every one of its events, duplicates included; any error, a timeout or a
 * lost connection fails the batch, and the exporter spools it and sends it
 * again later, whole: the events the stream already has are dropped as
 * duplicates there, and again by the central store on (producer, seq).
 *
 * Publishing runs on a thread of the sink, so that the exporter's poll never
 * blocks: the thread publishes the batch asynchronously (the acknowledgements
 * come back on libnats' threads, into js_ack_cb), waits for them, and
 * raises js_done.  The connection is made and remade in the background
 * (retry on failed connect, reconnect forever), over the cluster's servers
 * in random order.  Only a refusal ends it: libnats closes a connection that
 * every server refused twice (bad or missing credentials), so the publishing
 * thread makes a new one when a batch finds it closed, and the batch fails
 * with what the servers said, until the credentials are put right.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "mamori/bus.h"
#include "mamori/log.h"
#include "exporter_sink.h"
#include "sink_jetstream_int.h"

#define JS_SUBJECT_ROOT "mamori"
/* Waits for the stream's acknowledgements are cut in slices this long, to notice an abort. */
#define JS_WAIT_SLICE_MS 20
/* Our own status for errors that are not libnats' (a batch we cannot read). */
#define JS_ERR_BATCH (-1)
#define JS_ERR_NACK  (-2)
#define JS_ERR_AUTH  (-3)

struct js_sink {
	char *js_url;
	char js_site[JS_SITE_MAX + 1];
	natsOptions *js_opts;
	natsConnection *js_nc;
	jsCtx *js_ctx;
	struct mm_bus_event *js_evs; /* decoded events of the batch, MM_BUS_MAX_EVENTS */
	bool js_inflight; /* messages may wait for the stream (publishing thread, or closed) */

	pthread_t js_thread;
	bool js_thread_up;
	pthread_mutex_t js_mu;
	pthread_cond_t js_cv;
	bool js_job;  /* a batch waits for the thread (under js_mu) */
	bool js_quit; /* the thread is to exit (under js_mu) */

	/* The batch in hand: set before publishing, read by js_ack_cb (under js_mu). */
	uint64_t js_producer;
	uint64_t js_first;
	uint32_t js_count;
	uint32_t js_acked;
	uint32_t js_failed;
	int js_fail_code; /* the stream's error code of the first failure */

	/* The exchange, as the exporter sees it. */
	bool js_busy;
	atomic_bool js_done;
	atomic_bool js_abort;
	uint8_t *js_msg;
	size_t js_len;
	size_t js_cap;
	uint32_t js_send_ms;
	uint32_t js_reply_ms;
	enum ex_link_state js_state;
	int js_err;
	uint8_t js_reply[MM_BUS_ACK_HDR + 128];
	size_t js_reply_len;

	atomic_int js_connected;
	atomic_uint js_connects;
	atomic_bool js_refused; /* the servers refused the credentials since the last connect */
	atomic_bool js_closed;  /* libnats' last callback has run: the sink may be freed */
};

static const char *
js_strerror(int err)
{
	if (err == JS_ERR_BATCH)
		return ("the batch could not be read");
	if (err == JS_ERR_NACK)
		return ("the stream refused some of its events (is there a stream for mamori.>?)");
	if (err == JS_ERR_AUTH)
		return ("credentials refused (Authorization Violation): creds=FILE must name the "
			".creds file of a user of the servers' account");
	return (natsStatus_GetText((natsStatus)err));
}

static void
js_conn_up(natsConnection *nc, void *arg)
{
	struct js_sink *js = arg;

	(void)nc;
	atomic_store(&js->js_refused, false);
	atomic_store(&js->js_connected, 1);
	atomic_fetch_add(&js->js_connects, 1);
}

static void
js_conn_down(natsConnection *nc, void *arg)
{
	struct js_sink *js = arg;

	(void)nc;
	atomic_store(&js->js_connected, 0);
}

static void
js_conn_closed(natsConnection *nc, void *arg)
{
	struct js_sink *js = arg;

	(void)nc;
	atomic_store(&js->js_closed, true);
}

/* "<producer>-<seq>" back into numbers; false for anything else. */
static bool
msg_id_parse(const char *id, uint64_t *producer, uint64_t *seq)
{
	unsigned long long p, s;
	int end = 0;

	if (id == NULL || sscanf(id, "%16llx-%llu%n", &p, &s, &end) != 2 || id[end] != '\0')
		return (false);
	*producer = p;
	*seq = s;
	return (true);
}

/*
 * Runs on a libnats thread for every message published, with the stream's
 * acknowledgement or the error.  A late answer for an abandoned batch is
 * told apart by its message id and ignored.
 */
static void
js_ack_cb(jsCtx *ctx, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *arg)
{
	struct js_sink *js = arg;
	const char *id = NULL;
	uint64_t producer, seq;

	(void)ctx;
	natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
	pthread_mutex_lock(&js->js_mu);
	if (msg_id_parse(id, &producer, &seq) && producer == js->js_producer &&
		seq >= js->js_first && seq - js->js_first < js->js_count) {
		if (pa != NULL && pae == NULL) {
			js->js_acked++;
		} else {
			if (js->js_failed++ == 0)
				js->js_fail_code = pae != NULL ? (int)pae->Err : (int)NATS_ERR;
		}
	}
	pthread_mutex_unlock(&js->js_mu);
	natsMsg_Destroy(m);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Forgets the messages still waiting for the stream (libnats wants one published first). */
static void
js_drop_pending(struct js_sink *js)
{
	natsMsgList pending;

	if (js->js_inflight && js->js_ctx != NULL &&
		js_PublishAsyncGetPendingList(&pending, js->js_ctx) == NATS_OK)
		natsMsgList_Destroy(&pending);
	js->js_inflight = false;
}

/*
 * Notes whether the servers refused the credentials in the last attempt to
 * connect, and says what to do the first time since the last connection.
 */
static void
js_note_refusal(struct js_sink *js)
{
	const char *text = NULL;
	natsStatus s = natsConnection_GetLastError(js->js_nc, &text);

	if ((s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) &&
		!atomic_exchange(&js->js_refused, true))
		mm_warn("jetstream %s: the servers refused the credentials (%s); give the "
			"appliance the .creds file of a user of the account the servers trust "
			"(creds=FILE in the URL): that user's JWT, signed by the account, and "
			"that user's own seed",
			js->js_url, text != NULL ? text : natsStatus_GetText(s));
}

static int
js_connect(struct js_sink *js, char *err, size_t errlen)
{
	jsOptions jo;
	natsStatus s;

	atomic_store(&js->js_closed, false);
	/* With retry on failed connect, an unreachable cluster is NATS_NOT_YET_CONNECTED. */
	s = natsConnection_Connect(&js->js_nc, js->js_opts);
	if (s == NATS_OK) {
		/* Connected at once: the callback is only for a connection made later. */
		js_conn_up(js->js_nc, js);
	} else if (s == NATS_NOT_YET_CONNECTED) {
		/* The first attempt is made before Connect returns: its error is there. */
		js_note_refusal(js);
	} else {
		snprintf(err, errlen, "jetstream %s: %s", js->js_url, nats_GetLastError(NULL));
		return (-EINVAL);
	}
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = MM_BUS_MAX_EVENTS;
	jo.PublishAsync.AckHandler = js_ack_cb;
	jo.PublishAsync.AckHandlerClosure = js;
	if ((s = natsConnection_JetStream(&js->js_ctx, js->js_nc, &jo)) != NATS_OK) {
		snprintf(err, errlen, "jetstream %s: %s", js->js_url, natsStatus_GetText(s));
		return (-ENOMEM);
	}
	return (0);
}

/* Closes the connection once libnats' last callback on it (on its own thread) has run. */
static void
js_disconnect(struct js_sink *js)
{
	if (js->js_ctx != NULL) {
		js_drop_pending(js);
		jsCtx_Destroy(js->js_ctx);
		js->js_ctx = NULL;
	}
	if (js->js_nc != NULL) {
		natsConnection_Close(js->js_nc);
		for (int i = 0; i < 2000 && !atomic_load(&js->js_closed); i++)
			nats_Sleep(1);
		natsConnection_Destroy(js->js_nc);
		js->js_nc = NULL;
	}
	atomic_store(&js->js_connected, 0);
}

/*
 * For a batch that finds no connection: a connection libnats closed (every
 * server refused it) is made again, at the exporter's retry pace, so that
 * credentials put right on either side are taken up without a restart.
 */
static void
js_revive(struct js_sink *js)
{
	char err[256];

	if (js->js_nc != NULL && natsConnection_Status(js->js_nc) != NATS_CONN_STATUS_CLOSED) {
		js_note_refusal(js);
		return;
	}
	js_disconnect(js);
	if (js_connect(js, err, sizeof(err)) != 0)
		mm_debug("%s", err);
}

/* Publishes the batch in js_msg and waits for the stream; sets js_state and js_err. */
static void
js_publish(struct js_sink *js)
{
	char why[128], subject[sizeof(JS_SUBJECT_ROOT) + JS_SITE_MAX + JS_TYPE_MAX + 4];
	char type[JS_TYPE_MAX], id[48];
	int64_t deadline;
	struct mm_bus_batch b;
	struct mm_bus_ack ack;
	jsPubOptions po;
	natsStatus s;

	if (mm_bus_batch_decode(js->js_msg, js->js_len, &b, js->js_evs, MM_BUS_MAX_EVENTS, why,
		    sizeof(why)) != 0) {
		js->js_state = XL_SEND_FAILED;
		js->js_err = JS_ERR_BATCH;
		return;
	}
	if (js->js_nc == NULL || natsConnection_Status(js->js_nc) != NATS_CONN_STATUS_CONNECTED) {
		js_revive(js);
		js->js_state = XL_SEND_FAILED;
		js->js_err =
			atomic_load(&js->js_refused) ? JS_ERR_AUTH : NATS_CONNECTION_DISCONNECTED;
		return;
	}
	pthread_mutex_lock(&js->js_mu);
	js->js_producer = b.bb_producer;
	js->js_first = b.bb_first_seq;
	js->js_count = b.bb_count;
	js->js_acked = 0;
	js->js_failed = 0;
	js->js_fail_code = 0;
	pthread_mutex_unlock(&js->js_mu);

	jsPubOptions_Init(&po);
	po.MaxWait = js->js_reply_ms;
	deadline = mono_ms() + js->js_send_ms;
	for (uint32_t i = 0; i < b.bb_count; i++) {
		natsMsg *m = NULL;

		js_type_token(b.bb_events[i].be_json, b.bb_events[i].be_len, type, sizeof(type));
		snprintf(subject, sizeof(subject), "%s.%s.%s", JS_SUBJECT_ROOT, js->js_site, type);
		snprintf(id, sizeof(id), "%016" PRIx64 "-%" PRIu64, b.bb_producer,
			b.bb_first_seq + i);
		po.MsgId = id;
		if ((s = natsMsg_Create(&m, subject, NULL, b.bb_events[i].be_json,
			     (int)b.bb_events[i].be_len)) == NATS_OK)
			s = js_PublishMsgAsync(js->js_ctx, &m, &po);
		natsMsg_Destroy(m);
		js->js_inflight = js->js_inflight || s == NATS_OK;
		if (s != NATS_OK || atomic_load(&js->js_abort) || mono_ms() > deadline) {
			js_drop_pending(js);
			js->js_state = XL_SEND_FAILED;
			js->js_err = s != NATS_OK ? (int)s : NATS_TIMEOUT;
			return;
		}
	}
	deadline = mono_ms() + js->js_reply_ms;
	for (;;) {
		jsPubOptions wo;

		jsPubOptions_Init(&wo);
		wo.MaxWait = JS_WAIT_SLICE_MS;
		if ((s = js_PublishAsyncComplete(js->js_ctx, &wo)) == NATS_OK) {
			js->js_inflight = false;
			break;
		}
		if (s != NATS_TIMEOUT || atomic_load(&js->js_abort) || mono_ms() > deadline) {
			js_drop_pending(js);
			js->js_state = XL_RECV_FAILED;
			js->js_err = s != NATS_OK ? (int)s : NATS_TIMEOUT;
			return;
		}
	}
	pthread_mutex_lock(&js->js_mu);
	if (js->js_failed > 0 || js->js_acked != js->js_count) {
		js->js_state = XL_RECV_FAILED;
		js->js_err = js->js_fail_code != 0 ? JS_ERR_NACK : NATS_TIMEOUT;
		if (js->js_fail_code != 0)
			mm_debug("jetstream %s: %u of %u events not acknowledged (error %d)",
				js->js_url, js->js_failed, js->js_count, js->js_fail_code);
		pthread_mutex_unlock(&js->js_mu);
		return;
	}
	js->js_count = 0; /* late answers no longer count */
	pthread_mutex_unlock(&js->js_mu);
	memset(&ack, 0, sizeof(ack));
	ack.ba_producer = b.bb_producer;
	ack.ba_acked_seq = b.bb_first_seq + b.bb_count - 1;
	js->js_reply_len = mm_bus_ack_encode(js->js_reply, sizeof(js->js_reply), &ack);
	js->js_state = XL_REPLIED;
}

static void *
js_main(void *arg)
{
	struct js_sink *js = arg;

	pthread_setname_np(pthread_self(), "exp-jetstream");
	pthread_mutex_lock(&js->js_mu);
	for (;;) {
		while (!js->js_job && !js->js_quit)
			pthread_cond_wait(&js->js_cv, &js->js_mu);
		if (js->js_quit)
			break;
		js->js_job = false;
		pthread_mutex_unlock(&js->js_mu);
		js_publish(js);
		atomic_store(&js->js_done, true);
		pthread_mutex_lock(&js->js_mu);
	}
	pthread_mutex_unlock(&js->js_mu);
	return (NULL);
}

static int
js_options(struct js_sink *js, const struct mm_exporter_conf *conf, const struct js_url *u,
	uint32_t reconnect_min_ms, char *err, size_t errlen)
{
	const char *creds = conf->ec_nats_creds != NULL ? conf->ec_nats_creds : u->ju_creds;
	bool tls = false;
	natsStatus s;

	for (int i = 0; i < u->ju_nservers; i++)
		tls = tls || strncmp(u->ju_servers[i], "tls://", 6) == 0;
	if ((s = natsOptions_Create(&js->js_opts)) != NATS_OK ||
		(s = natsOptions_SetServers(js->js_opts, (const char **)(uintptr_t)u->ju_servers,
			 u->ju_nservers)) != NATS_OK ||
		(s = natsOptions_SetName(js->js_opts, js->js_site)) != NATS_OK ||
		(s = natsOptions_SetMaxReconnect(js->js_opts, -1)) != NATS_OK ||
		(s = natsOptions_SetReconnectWait(js->js_opts, reconnect_min_ms)) != NATS_OK ||
		(s = natsOptions_SetTimeout(js->js_opts, 2000)) != NATS_OK ||
		(s = natsOptions_SetDisconnectedCB(js->js_opts, js_conn_down, js)) != NATS_OK ||
		(s = natsOptions_SetReconnectedCB(js->js_opts, js_conn_up, js)) != NATS_OK ||
		(s = natsOptions_SetClosedCB(js->js_opts, js_conn_closed, js)) != NATS_OK ||
		(s = natsOptions_SetRetryOnFailedConnect(js->js_opts, true, js_conn_up, js)) !=
			NATS_OK) {
		snprintf(err, errlen, "jetstream %s: %s", js->js_url, natsStatus_GetText(s));
		return (-EINVAL);
	}
	if (creds != NULL && access(creds, R_OK) != 0) {
		snprintf(err, errlen, "jetstream credentials %s: %s; expected a NATS .creds file",
			creds, strerror(errno));
		return (-EINVAL);
	}
	if (creds != NULL && (s = natsOptions_SetUserCredentialsFromFiles(
				      js->js_opts, creds, NULL)) != NATS_OK) {
		snprintf(err, errlen, "jetstream credentials %s: %s", creds, natsStatus_GetText(s));
		return (-EINVAL);
	}
	if (conf->ec_tls_ca_file == NULL && (tls || conf->ec_tls_cert_key_file != NULL)) {
		snprintf(err, errlen,
			"jetstream %s: TLS needs a CA file (export.tls.ca) to verify the servers",
			js->js_url);
		return (-EINVAL);
	}
	if (conf->ec_tls_ca_file == NULL)
		return (0);
	if ((s = natsOptions_SetSecure(js->js_opts, true)) != NATS_OK ||
		(s = natsOptions_LoadCATrustedCertificates(js->js_opts, conf->ec_tls_ca_file)) !=
			NATS_OK) {
		snprintf(err, errlen, "TLS CA file %s: %s; expected readable PEM certificates",
			conf->ec_tls_ca_file, nats_GetLastError(NULL));
		return (-EINVAL);
	}
	if (conf->ec_tls_cert_key_file != NULL &&
		(s = natsOptions_LoadCertificatesChain(js->js_opts, conf->ec_tls_cert_key_file,
			 conf->ec_tls_cert_key_file)) != NATS_OK) {
		snprintf(err, errlen,
			"TLS certificate file %s: %s; expected a PEM certificate and its key in "
			"one file",
			conf->ec_tls_cert_key_file, nats_GetLastError(NULL));
		return (-EINVAL);
	}
	if (conf->ec_tls_server_name != NULL && (s = natsOptions_SetExpectedHostname(js->js_opts,
							 conf->ec_tls_server_name)) != NATS_OK) {
		snprintf(err, errlen, "TLS server name '%s': %s", conf->ec_tls_server_name,
			natsStatus_GetText(s));
		return (-EINVAL);
	}
	return (0);
}

static void js_close(void *sink);

static int
js_open(const struct mm_exporter_conf *conf, uint32_t reconnect_min_ms, uint32_t reconnect_max_ms,
	void **out, char *err, size_t errlen)
{
	const char *site;
	struct js_sink *js;
	struct js_url u;
	int rv;

	(void)reconnect_max_ms; /* libnats waits the same time between every attempt */
	*out = NULL;
	if ((js = calloc(1, sizeof(*js))) == NULL ||
		(js->js_url = ex_url_redact(conf->ec_url)) == NULL ||
		(js->js_evs = calloc(MM_BUS_MAX_EVENTS, sizeof(*js->js_evs))) == NULL) {
		if (js != NULL)
			free(js->js_url);
		free(js);
		snprintf(err, errlen, "jetstream: out of memory");
		return (-ENOMEM);
	}
	pthread_mutex_init(&js->js_mu, NULL);
	pthread_cond_init(&js->js_cv, NULL);
	if ((rv = js_url_parse(conf->ec_url, &u, err, errlen)) != 0)
		goto fail;
	site = conf->ec_site != NULL ? conf->ec_site : u.ju_site;
	if (site != NULL && !js_site_valid(site)) {
		snprintf(err, errlen,
			"jetstream %s: site '%s': expected 1 to %d letters, digits, '-' or '_'",
			js->js_url, site, JS_SITE_MAX);
		rv = -EINVAL;
		goto fail;
	}
	if (site != NULL)
		snprintf(js->js_site, sizeof(js->js_site), "%s", site);
	else
		js_site_default(js->js_site, sizeof(js->js_site));
	if ((rv = js_options(js, conf, &u, reconnect_min_ms, err, errlen)) != 0 ||
		(rv = js_connect(js, err, errlen)) != 0)
		goto fail;
	if ((rv = pthread_create(&js->js_thread, NULL, js_main, js)) != 0) {
		snprintf(err, errlen, "jetstream: cannot start a thread: %s", strerror(rv));
		rv = -rv;
		goto fail;
	}
	js->js_thread_up = true;
	free(u.ju_buf);
	mm_info("jetstream %s: publishing as site %s on %s.%s.<event_type>", js->js_url,
		js->js_site, JS_SUBJECT_ROOT, js->js_site);
	*out = js;
	return (0);
fail:
	free(u.ju_buf);
	js_close(js);
	return (rv);
}

static void
js_abort(void *sink)
{
	struct js_sink *js = sink;

	if (!js->js_busy)
		return;
	atomic_store(&js->js_abort, true);
	while (!atomic_load(&js->js_done))
		nats_Sleep(1);
	atomic_store(&js->js_abort, false);
	js->js_busy = false;
}

static void
js_close(void *sink)
{
	struct js_sink *js = sink;

	if (js == NULL)
		return;
	if (js->js_thread_up) {
		js_abort(js);
		pthread_mutex_lock(&js->js_mu);
		js->js_quit = true;
		pthread_cond_signal(&js->js_cv);
		pthread_mutex_unlock(&js->js_mu);
		pthread_join(js->js_thread, NULL);
	}
	js_disconnect(js);
	natsOptions_Destroy(js->js_opts);
	pthread_cond_destroy(&js->js_cv);
	pthread_mutex_destroy(&js->js_mu);
	free(js->js_msg);
	free(js->js_evs);
	free(js->js_url);
	free(js);
}

static int
js_start(void *sink, const void *msg, size_t len, uint32_t send_ms, uint32_t reply_ms)
{
	struct js_sink *js = sink;

	if (js->js_busy)
		return (-EBUSY);
	if (len > js->js_cap) {
		uint8_t *n = realloc(js->js_msg, len);

		if (n == NULL)
			return (-ENOMEM);
		js->js_msg = n;
		js->js_cap = len;
	}
	memcpy(js->js_msg, msg, len);
	js->js_len = len;
	js->js_send_ms = send_ms;
	js->js_reply_ms = reply_ms;
	js->js_busy = true;
	atomic_store(&js->js_done, false);
	pthread_mutex_lock(&js->js_mu);
	js->js_job = true;
	pthread_cond_signal(&js->js_cv);
	pthread_mutex_unlock(&js->js_mu);
	return (0);
}

static enum ex_link_state
js_poll(void *sink, const void **reply, size_t *len, int *err)
{
	struct js_sink *js = sink;

	if (!js->js_busy)
		return (XL_IDLE);
	if (!atomic_load(&js->js_done))
		return (XL_RUNNING);
	js->js_busy = false;
	if (js->js_state == XL_REPLIED) {
		*reply = js->js_reply;
		*len = js->js_reply_len;
	} else {
		*err = js->js_err;
	}
	return (js->js_state);
}

static bool
js_connected(const void *sink)
{
	const struct js_sink *js = sink;

	return (atomic_load(&((struct js_sink *)(uintptr_t)js)->js_connected) != 0);
}

static unsigned
js_connects(const void *sink)
{
	const struct js_sink *js = sink;

	return (atomic_load(&((struct js_sink *)(uintptr_t)js)->js_connects));
}

const struct ex_sink_ops ex_sink_jetstream = {
	.so_kind = "jetstream",
	.so_open = js_open,
	.so_close = js_close,
	.so_start = js_start,
	.so_poll = js_poll,
	.so_abort = js_abort,
	.so_connected = js_connected,
	.so_connects = js_connects,
	.so_strerror = js_strerror,
};
