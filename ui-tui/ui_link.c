/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "mamori/bus.h"
#include "ui_link.h"

/* A channel's exchange, as nng's callback and the main loop see it. */
enum {
	CHAN_IDLE,
	CHAN_SENDING,
	CHAN_RECEIVING,
	CHAN_DONE, /* finished; the main loop takes the result */
};

/* A dead peer is noticed by its connection closing; reconnect soon after. */
#define LINK_RECONNECT_MIN_MS 100
#define LINK_RECONNECT_MAX_MS 1000

static void
wake(struct ui_link *l)
{
	ssize_t n;

	/* The pipe is non-blocking: when it is full, the loop is awake anyway. */
	n = write(l->l_wake_fd, "", 1);
	(void)n;
}

static void
pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ui_link *l = arg;

	atomic_fetch_add(&l->l_pipes, 1);
	atomic_fetch_add(&l->l_adds, 1);
	wake(l);
}

static void
pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ui_link *l = arg;

	atomic_fetch_sub(&l->l_pipes, 1);
	wake(l);
}

/* nng's thread: a send finished (start the receive) or a receive did. */
static void
chan_cb(void *arg)
{
	struct ui_chan *c = arg;
	int rv = nng_aio_result(c->c_aio);

	if (atomic_load(&c->c_state) == CHAN_SENDING) {
		if (rv == 0) {
			atomic_store(&c->c_state, CHAN_RECEIVING);
			nng_ctx_recv(c->c_ctx, c->c_aio);
			return;
		}
		nng_msg_free(nng_aio_get_msg(c->c_aio));
		nng_aio_set_msg(c->c_aio, NULL);
	}
	c->c_rv = rv;
	atomic_store(&c->c_state, CHAN_DONE);
	wake(c->c_link);
}

static int
link_common(
	struct ui_link *l, const char *name, const char *url, int wake_fd, char *err, size_t errlen)
{
	int rv;

	nng_socket_set_size(l->l_sock, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG);
	nng_socket_set_ms(l->l_sock, NNG_OPT_RECONNMINT, LINK_RECONNECT_MIN_MS);
	nng_socket_set_ms(l->l_sock, NNG_OPT_RECONNMAXT, LINK_RECONNECT_MAX_MS);
	if ((rv = nng_pipe_notify(l->l_sock, NNG_PIPE_EV_ADD_POST, pipe_added, l)) != 0 ||
		(rv = nng_pipe_notify(l->l_sock, NNG_PIPE_EV_REM_POST, pipe_removed, l)) != 0) {
		snprintf(err, errlen, "%s: %s", name, nng_strerror(rv));
		return (-EIO);
	}
	/* Non-blocking: the dialer keeps trying in the background. */
	if ((rv = nng_dial(l->l_sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "%s: cannot dial '%s': %s", name, url, nng_strerror(rv));
		return (-EINVAL);
	}
	return (0);
}

static void
link_init(struct ui_link *l, const char *name, const char *url, int wake_fd)
{
	memset(l, 0, sizeof(*l));
	l->l_name = name;
	l->l_url = url;
	l->l_wake_fd = wake_fd;
	atomic_init(&l->l_pipes, 0);
	atomic_init(&l->l_adds, 0);
	snprintf(l->l_error, sizeof(l->l_error), "connecting");
}

int
ui_link_open(
	struct ui_link *l, const char *name, const char *url, int wake_fd, char *err, size_t errlen)
{
	int rv;

	link_init(l, name, url, wake_fd);
	if ((rv = nng_req0_open(&l->l_sock)) != 0) {
		snprintf(err, errlen, "%s: %s", name, nng_strerror(rv));
		return (-ENOMEM);
	}
	l->l_open = true;
	/* Our own timeouts decide; nng must not resend on its own meanwhile. */
	nng_socket_set_ms(l->l_sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	for (unsigned i = 0; i < UI_LINK_CHANS; i++) {
		struct ui_chan *c = &l->l_chan[i];

		c->c_link = l;
		atomic_init(&c->c_state, CHAN_IDLE);
		if ((rv = nng_ctx_open(&c->c_ctx, l->l_sock)) != 0 ||
			(rv = nng_aio_alloc(&c->c_aio, chan_cb, c)) != 0) {
			snprintf(err, errlen, "%s: %s", name, nng_strerror(rv));
			ui_link_close(l);
			return (-ENOMEM);
		}
	}
	if ((rv = link_common(l, name, url, wake_fd, err, errlen)) != 0) {
		ui_link_close(l);
		return (rv);
	}
	return (0);
}

int
ui_link_open_sub(
	struct ui_link *l, const char *name, const char *url, int wake_fd, char *err, size_t errlen)
{
	int rv;

	link_init(l, name, url, wake_fd);
	l->l_sub = true;
	if ((rv = nng_sub0_open(&l->l_sock)) != 0) {
		snprintf(err, errlen, "%s: %s", name, nng_strerror(rv));
		return (-ENOMEM);
	}
	l->l_open = true;
	/* The deepest queue nng allows: a busy second is kept, not dropped. */
	nng_socket_set_int(l->l_sock, NNG_OPT_RECVBUF, 8192);
	if ((rv = nng_socket_set(l->l_sock, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0) {
		snprintf(err, errlen, "%s: subscribe: %s", name, nng_strerror(rv));
		ui_link_close(l);
		return (-EIO);
	}
	if ((rv = link_common(l, name, url, wake_fd, err, errlen)) != 0) {
		ui_link_close(l);
		return (rv);
	}
	return (0);
}

static void
req_free(struct ui_req *r)
{
	free(r->r_text);
	r->r_text = NULL;
}

void
ui_link_close(struct ui_link *l)
{
	if (!l->l_open)
		return;
	for (unsigned i = 0; i < UI_LINK_CHANS; i++) {
		struct ui_chan *c = &l->l_chan[i];

		if (c->c_aio != NULL) {
			nng_aio_stop(c->c_aio);
			nng_msg_free(nng_aio_get_msg(c->c_aio));
			nng_aio_free(c->c_aio);
			c->c_aio = NULL;
		}
		if (c->c_busy)
			req_free(&c->c_cur);
		for (unsigned q = 0; q < c->c_nq; q++)
			req_free(&c->c_queue[q]);
		c->c_nq = 0;
		c->c_busy = false;
	}
	nng_close(l->l_sock);
	l->l_open = false;
}

int
ui_link_ask(struct ui_link *l, unsigned chan, const char *key, json_t *req, int timeout_ms,
	ui_link_cb cb, void *arg)
{
	struct ui_chan *c = &l->l_chan[chan];
	struct ui_req *r;
	char *text;

	if (!l->l_open || l->l_sub || chan >= UI_LINK_CHANS) {
		json_decref(req);
		return (-EINVAL);
	}
	if (c->c_busy && strcmp(c->c_cur.r_key, key) == 0) {
		json_decref(req);
		return (-EBUSY);
	}
	for (unsigned i = 0; i < c->c_nq; i++) {
		if (strcmp(c->c_queue[i].r_key, key) == 0) {
			json_decref(req);
			return (-EBUSY);
		}
	}
	if (c->c_nq == UI_LINK_QUEUE) {
		json_decref(req);
		return (-EBUSY);
	}
	if (l->l_site != NULL) {
		const char *op = json_string_value(json_object_get(req, "op"));

		if (op != NULL && (strcmp(op, "query") == 0 || strcmp(op, "count") == 0))
			json_object_set_new(req, "site", json_string(l->l_site));
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (text == NULL)
		return (-ENOMEM);
	r = &c->c_queue[c->c_nq++];
	r->r_text = text;
	snprintf(r->r_key, sizeof(r->r_key), "%s", key);
	r->r_timeout_ms = timeout_ms;
	r->r_cb = cb;
	r->r_arg = arg;
	ui_link_poll(l);
	return (0);
}

/* Runs the callback of a finished exchange; the link's state follows it. */
static void
chan_finish(struct ui_link *l, struct ui_chan *c)
{
	struct ui_req r = c->c_cur;
	json_t *ans = NULL;
	json_error_t jerr;
	char why[UI_LINK_ERRLEN];

	c->c_busy = false;
	atomic_store(&c->c_state, CHAN_IDLE);
	if (c->c_rv == 0) {
		nng_msg *m = nng_aio_get_msg(c->c_aio);

		nng_aio_set_msg(c->c_aio, NULL);
		ans = json_loadb(nng_msg_body(m), nng_msg_len(m), 0, &jerr);
		nng_msg_free(m);
		if (ans == NULL || !json_is_object(ans)) {
			snprintf(why, sizeof(why), "answer is not a JSON object: %.80s",
				ans == NULL ? jerr.text : "another JSON value");
			json_decref(ans);
			ans = NULL;
		} else {
			l->l_answered = true;
			l->l_ever = true;
			l->l_error[0] = '\0';
		}
	} else if (c->c_rv == NNG_ETIMEDOUT) {
		snprintf(why, sizeof(why), "no answer in %.1f s", r.r_timeout_ms / 1000.0);
	} else {
		snprintf(why, sizeof(why), "%s", nng_strerror(c->c_rv));
	}
	if (ans == NULL) {
		/* A timeout means the peer stopped answering, whatever the pipe says. */
		if (c->c_rv == NNG_ETIMEDOUT || c->c_rv == NNG_ECLOSED)
			l->l_answered = false;
		snprintf(l->l_error, sizeof(l->l_error), "%s", why);
	}
	if (r.r_cb != NULL)
		r.r_cb(r.r_arg, ans, ans == NULL ? why : NULL);
	json_decref(ans);
	req_free(&r);
}

static void
chan_start(struct ui_chan *c)
{
	nng_msg *m;

	c->c_cur = c->c_queue[0];
	memmove(&c->c_queue[0], &c->c_queue[1], (c->c_nq - 1) * sizeof(c->c_queue[0]));
	c->c_nq--;
	c->c_busy = true;
	if (nng_msg_alloc(&m, 0) != 0 ||
		nng_msg_append(m, c->c_cur.r_text, strlen(c->c_cur.r_text)) != 0) {
		nng_msg_free(m);
		c->c_rv = NNG_ENOMEM;
		atomic_store(&c->c_state, CHAN_DONE);
		return;
	}
	nng_aio_set_msg(c->c_aio, m);
	nng_aio_set_timeout(c->c_aio, c->c_cur.r_timeout_ms);
	atomic_store(&c->c_state, CHAN_SENDING);
	nng_ctx_send(c->c_ctx, c->c_aio);
}

void
ui_link_poll(struct ui_link *l)
{
	if (!l->l_open || l->l_sub)
		return;
	for (unsigned i = 0; i < UI_LINK_CHANS; i++) {
		struct ui_chan *c = &l->l_chan[i];

		/* A start that fails at once finishes here too. */
		for (int guard = 0; guard < UI_LINK_QUEUE + 1; guard++) {
			if (atomic_load(&c->c_state) == CHAN_DONE)
				chan_finish(l, c);
			if (c->c_busy || c->c_nq == 0)
				break;
			chan_start(c);
		}
	}
	if (atomic_load(&l->l_pipes) == 0 && l->l_ever)
		snprintf(l->l_error, sizeof(l->l_error), "connection lost, reconnecting");
}

int
ui_link_recv(struct ui_link *l, nng_msg **msgp)
{
	int rv;

	if (!l->l_open)
		return (-EINVAL);
	rv = nng_recvmsg(l->l_sock, msgp, NNG_FLAG_NONBLOCK);
	if (rv == NNG_EAGAIN)
		return (0);
	if (rv != 0)
		return (-EIO);
	l->l_ever = true;
	return ((int)nng_msg_len(*msgp) > 0 ? (int)nng_msg_len(*msgp) : 1);
}

int
ui_link_recv_fd(struct ui_link *l)
{
	int fd;

	if (!l->l_open || nng_socket_get_int(l->l_sock, NNG_OPT_RECVFD, &fd) != 0)
		return (-1);
	return (fd);
}

bool
ui_link_up(const struct ui_link *l)
{
	if (atomic_load(&l->l_pipes) <= 0)
		return (false);
	return (l->l_sub || l->l_answered);
}

bool
ui_link_newly_connected(struct ui_link *l)
{
	unsigned adds = atomic_load(&l->l_adds);

	if (adds == l->l_adds_seen)
		return (false);
	l->l_adds_seen = adds;
	return (true);
}
