/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter's link to the store (see exporter_link.h).
 *
 * The aio's callback runs on an nng thread: it chains a successful send to
 * the receive of the reply and raises xl_done when the exchange has ended,
 * one way or the other.  Everything else runs on the exporter's thread,
 * which only looks at xl_done, so the link needs no lock.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "mamori/bus.h"
#include "exporter_link.h"

enum xl_phase {
	XL_PHASE_SEND = 1,
	XL_PHASE_RECV,
};

struct ex_link {
	char *xl_url;
	nng_socket xl_sock;
	bool xl_sock_open;
	nng_ctx xl_ctx;
	nng_aio *xl_aio;
	nng_tls_config *xl_tls;
	bool xl_busy;            /* an exchange was started and not yet reported */
	uint32_t xl_reply_ms;    /* time allowed for the reply of this exchange */
	atomic_int xl_phase;     /* enum xl_phase */
	atomic_bool xl_done;     /* raised by the callback when the exchange has ended */
	atomic_int xl_pipes;     /* connections up now */
	atomic_uint xl_connects; /* connections made so far */
	nng_msg *xl_reply;       /* the last reply, freed on the next call */
};

/*
 * Runs on an nng thread.  A send that succeeded turns into the receive of
 * its reply; anything else ends the exchange for ex_link_poll to report.
 */
static void
xl_aio_cb(void *arg)
{
	struct ex_link *xl = arg;

	if (atomic_load(&xl->xl_phase) == XL_PHASE_SEND && nng_aio_result(xl->xl_aio) == 0) {
		atomic_store(&xl->xl_phase, XL_PHASE_RECV);
		/* The request now belongs to the context; the aio must not point at it. */
		nng_aio_set_msg(xl->xl_aio, NULL);
		nng_aio_set_timeout(xl->xl_aio, (nng_duration)xl->xl_reply_ms);
		nng_ctx_recv(xl->xl_ctx, xl->xl_aio);
		return;
	}
	atomic_store(&xl->xl_done, true);
}

static void
xl_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ex_link *xl = arg;

	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&xl->xl_pipes, 1);
		atomic_fetch_add(&xl->xl_connects, 1);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_sub(&xl->xl_pipes, 1);
	}
}

static void
xl_drop_reply(struct ex_link *xl)
{
	if (xl->xl_reply != NULL)
		nng_msg_free(xl->xl_reply);
	xl->xl_reply = NULL;
}

static int
xl_tls(struct ex_link *xl, const struct mm_exporter_conf *conf, nng_dialer d, char *err,
	size_t errlen)
{
	int rv;

	if (conf->ec_tls_ca_file == NULL) {
		snprintf(err, errlen,
			"store %s: tls+tcp needs a CA file (ec_tls_ca_file) to verify the store's "
			"certificate",
			xl->xl_url);
		return (-EINVAL);
	}
	if ((rv = nng_tls_config_alloc(&xl->xl_tls, NNG_TLS_MODE_CLIENT)) != 0 ||
		(rv = nng_tls_config_auth_mode(xl->xl_tls, NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
		snprintf(err, errlen, "store %s: TLS: %s", xl->xl_url, nng_strerror(rv));
		return (-ENOMEM);
	}
	if ((rv = nng_tls_config_ca_file(xl->xl_tls, conf->ec_tls_ca_file)) != 0) {
		snprintf(err, errlen, "TLS CA file %s: %s; expected readable PEM certificates",
			conf->ec_tls_ca_file, nng_strerror(rv));
		return (-EINVAL);
	}
	if (conf->ec_tls_cert_key_file != NULL &&
		(rv = nng_tls_config_cert_key_file(
			 xl->xl_tls, conf->ec_tls_cert_key_file, conf->ec_tls_key_pass)) != 0) {
		snprintf(err, errlen,
			"TLS certificate file %s: %s; expected a PEM certificate and its key in "
			"one file",
			conf->ec_tls_cert_key_file, nng_strerror(rv));
		return (-EINVAL);
	}
	if (conf->ec_tls_server_name != NULL &&
		(rv = nng_tls_config_server_name(xl->xl_tls, conf->ec_tls_server_name)) != 0) {
		snprintf(err, errlen, "TLS server name '%s': %s", conf->ec_tls_server_name,
			nng_strerror(rv));
		return (-EINVAL);
	}
	if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, xl->xl_tls)) != 0) {
		snprintf(err, errlen, "store %s: TLS: %s", xl->xl_url, nng_strerror(rv));
		return (-EINVAL);
	}
	return (0);
}

static int
xl_socket(struct ex_link *xl, uint32_t reconnect_min_ms, uint32_t reconnect_max_ms, char *err,
	size_t errlen)
{
	int rv;

	if ((rv = nng_req0_open(&xl->xl_sock)) != 0) {
		snprintf(err, errlen, "nng req socket: %s", nng_strerror(rv));
		return (-ENOMEM);
	}
	xl->xl_sock_open = true;
	/*
	 * The exporter decides when to resend (exporter.h), so nng's resend
	 * timer is off: a dropped connection then fails the wait for the reply
	 * at once (NNG_ECONNRESET) instead of resending behind our back.  The
	 * dialer's back-off is set rather than left to nng (100 ms, no growth).
	 */
	if ((rv = nng_socket_set_size(xl->xl_sock, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG)) != 0 ||
		(rv = nng_socket_set_ms(
			 xl->xl_sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
		(rv = nng_socket_set_ms(
			 xl->xl_sock, NNG_OPT_RECONNMINT, (nng_duration)reconnect_min_ms)) != 0 ||
		(rv = nng_socket_set_ms(
			 xl->xl_sock, NNG_OPT_RECONNMAXT, (nng_duration)reconnect_max_ms)) != 0 ||
		(rv = nng_pipe_notify(xl->xl_sock, NNG_PIPE_EV_ADD_POST, xl_pipe_cb, xl)) != 0 ||
		(rv = nng_pipe_notify(xl->xl_sock, NNG_PIPE_EV_REM_POST, xl_pipe_cb, xl)) != 0 ||
		(rv = nng_ctx_open(&xl->xl_ctx, xl->xl_sock)) != 0 ||
		(rv = nng_ctx_set_ms(xl->xl_ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) !=
			0 ||
		(rv = nng_aio_alloc(&xl->xl_aio, xl_aio_cb, xl)) != 0) {
		snprintf(err, errlen, "nng req socket: %s", nng_strerror(rv));
		return (-ENOMEM);
	}
	return (0);
}

int
ex_link_open(const struct mm_exporter_conf *conf, uint32_t reconnect_min_ms,
	uint32_t reconnect_max_ms, struct ex_link **out, char *err, size_t errlen)
{
	bool tls = strncmp(conf->ec_url, "tls+tcp://", 10) == 0;
	struct ex_link *xl;
	nng_dialer d;
	int rv;

	*out = NULL;
	if ((xl = calloc(1, sizeof(*xl))) == NULL || (xl->xl_url = strdup(conf->ec_url)) == NULL) {
		free(xl);
		snprintf(err, errlen, "store %s: out of memory", conf->ec_url);
		return (-ENOMEM);
	}
	if ((rv = xl_socket(xl, reconnect_min_ms, reconnect_max_ms, err, errlen)) != 0)
		goto err;
	if ((rv = nng_dialer_create(&d, xl->xl_sock, xl->xl_url)) != 0) {
		snprintf(err, errlen,
			"store %s: %s; expected ipc://PATH, tcp://HOST:PORT or tls+tcp://HOST:PORT",
			xl->xl_url, nng_strerror(rv));
		rv = -EINVAL;
		goto err;
	}
	if (tls && (rv = xl_tls(xl, conf, d, err, errlen)) != 0)
		goto err;
	if (!tls && (conf->ec_tls_ca_file != NULL || conf->ec_tls_cert_key_file != NULL)) {
		snprintf(err, errlen, "store %s: TLS files given, but the URL is not tls+tcp://",
			xl->xl_url);
		rv = -EINVAL;
		goto err;
	}
	/* Non-blocking: an absent store is dialled again in the background, not an error. */
	if ((rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "store %s: %s", xl->xl_url, nng_strerror(rv));
		rv = -EINVAL;
		goto err;
	}
	*out = xl;
	return (0);

err:
	ex_link_close(xl);
	return (rv);
}

void
ex_link_close(struct ex_link *xl)
{
	if (xl == NULL)
		return;
	ex_link_abort(xl);
	if (xl->xl_aio != NULL) {
		nng_aio_stop(xl->xl_aio);
		nng_aio_free(xl->xl_aio);
	}
	xl_drop_reply(xl);
	/* Closing the socket closes its context and dialer; pipe callbacks end here. */
	if (xl->xl_sock_open)
		nng_close(xl->xl_sock);
	if (xl->xl_tls != NULL)
		nng_tls_config_free(xl->xl_tls);
	free(xl->xl_url);
	free(xl);
}

int
ex_link_start(struct ex_link *xl, const void *msg, size_t len, uint32_t send_ms, uint32_t reply_ms)
{
	nng_msg *m;

	if (xl->xl_busy)
		return (-EBUSY);
	xl_drop_reply(xl);
	if ((xl->xl_aio == NULL && nng_aio_alloc(&xl->xl_aio, xl_aio_cb, xl) != 0) ||
		nng_msg_alloc(&m, len) != 0)
		return (-ENOMEM);
	memcpy(nng_msg_body(m), msg, len);
	xl->xl_busy = true;
	xl->xl_reply_ms = reply_ms;
	atomic_store(&xl->xl_done, false);
	atomic_store(&xl->xl_phase, XL_PHASE_SEND);
	nng_aio_set_msg(xl->xl_aio, m);
	nng_aio_set_timeout(xl->xl_aio, (nng_duration)send_ms);
	nng_ctx_send(xl->xl_ctx, xl->xl_aio);
	return (0);
}

enum ex_link_state
ex_link_poll(struct ex_link *xl, const void **reply, size_t *len, int *nngerr)
{
	nng_msg *m;
	int rv;

	if (!xl->xl_busy)
		return (XL_IDLE);
	if (!atomic_load(&xl->xl_done))
		return (XL_RUNNING);
	xl->xl_busy = false;
	rv = nng_aio_result(xl->xl_aio);
	m = nng_aio_get_msg(xl->xl_aio);
	nng_aio_set_msg(xl->xl_aio, NULL);
	if (atomic_load(&xl->xl_phase) == XL_PHASE_SEND) {
		/* A failed send leaves the message with us. */
		if (m != NULL)
			nng_msg_free(m);
		*nngerr = rv;
		return (XL_SEND_FAILED);
	}
	if (rv != 0) {
		*nngerr = rv;
		return (XL_RECV_FAILED);
	}
	xl->xl_reply = m;
	*reply = nng_msg_body(m);
	*len = nng_msg_len(m);
	return (XL_REPLIED);
}

/*
 * nng_aio_stop waits for the callback, and a stopped aio takes no new
 * operation, so a fresh one replaces it (allocated again by ex_link_start
 * if it cannot be here).  Cancelling the receive also drops the request
 * from the context, so a late reply is discarded by nng.
 */
void
ex_link_abort(struct ex_link *xl)
{
	nng_msg *m;

	if (!xl->xl_busy)
		return;
	nng_aio_stop(xl->xl_aio);
	if ((m = nng_aio_get_msg(xl->xl_aio)) != NULL)
		nng_msg_free(m);
	nng_aio_free(xl->xl_aio);
	xl->xl_busy = false;
	if (nng_aio_alloc(&xl->xl_aio, xl_aio_cb, xl) != 0)
		xl->xl_aio = NULL;
}

bool
ex_link_connected(const struct ex_link *xl)
{
	/* C11 atomic_load takes no const pointer; reading does not change the link. */
	return (atomic_load(&((struct ex_link *)(uintptr_t)xl)->xl_pipes) > 0);
}

unsigned
ex_link_connects(const struct ex_link *xl)
{
	return (atomic_load(&((struct ex_link *)(uintptr_t)xl)->xl_connects));
}

/* The link as the exporter's "store" sink (exporter_sink.h). */
static int
sink_open(const struct mm_exporter_conf *conf, uint32_t reconnect_min_ms, uint32_t reconnect_max_ms,
	void **out, char *err, size_t errlen)
{
	struct ex_link *xl;
	int rv;

	rv = ex_link_open(conf, reconnect_min_ms, reconnect_max_ms, &xl, err, errlen);
	*out = xl;
	return (rv);
}

static void
sink_close(void *sink)
{
	ex_link_close(sink);
}

static int
sink_start(void *sink, const void *msg, size_t len, uint32_t send_ms, uint32_t reply_ms)
{
	return (ex_link_start(sink, msg, len, send_ms, reply_ms));
}

static enum ex_link_state
sink_poll(void *sink, const void **reply, size_t *len, int *err)
{
	return (ex_link_poll(sink, reply, len, err));
}

static void
sink_abort(void *sink)
{
	ex_link_abort(sink);
}

static bool
sink_connected(const void *sink)
{
	return (ex_link_connected(sink));
}

static unsigned
sink_connects(const void *sink)
{
	return (ex_link_connects(sink));
}

const struct ex_sink_ops ex_sink_store = {
	.so_kind = "store",
	.so_open = sink_open,
	.so_close = sink_close,
	.so_start = sink_start,
	.so_poll = sink_poll,
	.so_abort = sink_abort,
	.so_connected = sink_connected,
	.so_connects = sink_connects,
	.so_strerror = nng_strerror,
};
