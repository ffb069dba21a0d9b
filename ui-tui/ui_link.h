/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's sockets, without a line of curses: JSON requests over nng
 * req (mamorid's control socket, the store's query socket) and the store's
 * live view over nng sub.
 *
 * Nothing here blocks the screen.  Requests run on nng's threads (an aio per
 * channel); their completions only set a state and write a byte to the wake
 * pipe, and the main loop calls ui_link_poll(), which runs the callbacks on
 * its own thread.  Dialers are non-blocking, so a socket whose peer is not
 * there yet, or has gone away, keeps reconnecting by itself.
 */
#ifndef UI_LINK_H
#define UI_LINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <nng/nng.h>

#define UI_LINK_CHANS  2 /* independent requests in flight on one socket */
#define UI_LINK_QUEUE  8 /* waiting requests per channel */
#define UI_LINK_ERRLEN 128

/* ans is the answer (borrowed) or NULL with err saying why. */
typedef void (*ui_link_cb)(void *arg, json_t *ans, const char *err);

struct ui_req {
	char *r_text;   /* the request, compact JSON */
	char r_key[80]; /* requests with the same key are not queued twice */
	int r_timeout_ms;
	ui_link_cb r_cb;
	void *r_arg;
};

struct ui_link;

struct ui_chan {
	struct ui_link *c_link;
	nng_ctx c_ctx;
	nng_aio *c_aio;
	atomic_int c_state; /* enum in ui_link.c */
	int c_rv;           /* the finished exchange's result */
	bool c_busy;        /* c_cur holds a request */
	struct ui_req c_cur;
	struct ui_req c_queue[UI_LINK_QUEUE];
	unsigned c_nq;
};

struct ui_link {
	const char *l_name; /* "mamorid", "store" */
	const char *l_url;
	nng_socket l_sock;
	bool l_open;
	bool l_sub;           /* a sub socket (the live view) */
	atomic_int l_pipes;   /* connections up now */
	atomic_uint l_adds;   /* connections made so far */
	unsigned l_adds_seen; /* l_adds at the last ui_link_newly_connected() */
	int l_wake_fd;        /* written by nng's threads */
	bool l_answered;      /* the last exchange got an answer */
	bool l_ever;          /* some exchange ever got an answer */
	char l_error[UI_LINK_ERRLEN];
	const char *l_site; /* set: added as "site" to every query and count (central store) */
	struct ui_chan l_chan[UI_LINK_CHANS];
};

/* Opens a req socket dialing url; 0 or a negative errno with err set. */
int ui_link_open(struct ui_link *l, const char *name, const char *url, int wake_fd, char *err,
	size_t errlen);
/* Opens a sub socket subscribed to every topic. */
int ui_link_open_sub(struct ui_link *l, const char *name, const char *url, int wake_fd, char *err,
	size_t errlen);
void ui_link_close(struct ui_link *l);

/*
 * Queues req (consumed) on channel chan.  When a request with the same key is
 * waiting or in flight, this one is dropped: a poll that is not answered does
 * not pile up.  Returns 0, -EBUSY (dropped) or -ENOMEM.
 */
int ui_link_ask(struct ui_link *l, unsigned chan, const char *key, json_t *req, int timeout_ms,
	ui_link_cb cb, void *arg);
/* Finishes what completed (callbacks run here) and starts what waits. */
void ui_link_poll(struct ui_link *l);

/*
 * Receives one live message without waiting: its length, 0 when none, or a
 * negative errno.  *msgp is freed with nng_msg_free().
 */
int ui_link_recv(struct ui_link *l, nng_msg **msgp);
/* A descriptor readable when the sub socket has a message (NNG_OPT_RECVFD), or -1. */
int ui_link_recv_fd(struct ui_link *l);

/* Connected and, for req, the last request answered. */
bool ui_link_up(const struct ui_link *l);
/* True once after each new connection, the first one included. */
bool ui_link_newly_connected(struct ui_link *l);

#endif /* UI_LINK_H */
