/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing costs a message per event; with nobody subscribed it is skipped
 * altogether, which pipe notifications make cheap to know.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store_live.h"

struct store_live {
	nng_socket lv_sock;
	atomic_int lv_pipes; /* connected subscribers */
};

static void
on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct store_live *live = arg;

	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&live->lv_pipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&live->lv_pipes, 1);
}

struct store_live *
store_live_new(nng_socket pub)
{
	struct store_live *live;

	if ((live = calloc(1, sizeof(*live))) == NULL)
		return (NULL);
	live->lv_sock = pub;
	atomic_init(&live->lv_pipes, 0);
	/* Best effort: with nng's default queue a subscriber only sees more loss. */
	nng_socket_set_int(pub, NNG_OPT_SENDBUF, STORE_LIVE_QUEUE);
	nng_pipe_notify(pub, NNG_PIPE_EV_ADD_POST, on_pipe, live);
	nng_pipe_notify(pub, NNG_PIPE_EV_REM_POST, on_pipe, live);
	return (live);
}

void
store_live_free(struct store_live *live)
{
	if (live == NULL)
		return;
	/* Closing waits for pipe callbacks, which use live. */
	nng_close(live->lv_sock);
	free(live);
}

uint32_t
store_live_publish(struct store_live *live, const struct store_row *rows, uint32_t n)
{
	uint32_t sent = 0;

	if (live == NULL || atomic_load(&live->lv_pipes) <= 0)
		return (0);
	for (uint32_t i = 0; i < n; i++) {
		const struct store_row *r = &rows[i];
		size_t tlen = strlen(r->r_event_type);
		nng_msg *m;

		if (!r->r_inserted)
			continue;
		if (nng_msg_alloc(&m, tlen + 1 + r->r_raw_len) != 0)
			break;
		memcpy(nng_msg_body(m), r->r_event_type, tlen);
		((char *)nng_msg_body(m))[tlen] = ' ';
		memcpy((char *)nng_msg_body(m) + tlen + 1, r->r_raw, r->r_raw_len);
		/* pub never blocks: a full subscriber queue drops its oldest message. */
		if (nng_sendmsg(live->lv_sock, m, NNG_FLAG_NONBLOCK) != 0) {
			nng_msg_free(m);
			break;
		}
		sent++;
	}
	return (sent);
}
