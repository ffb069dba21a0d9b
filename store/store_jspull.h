/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pulling a durable JetStream consumer's messages by hand, onto an inbox of
 * our own, for the central store (jsin.c) and mamori-central: libnats 3.4's
 * pull subscription Fetch writes past the end of its list when more
 * messages than the batch wait in the subscription, which a pull request
 * answered after the client gave up on it leaves there (seen under load,
 * the process killed by the heap damage).
 */
#ifndef STORE_JSPULL_H
#define STORE_JSPULL_H

#include <stdint.h>

#include <nats/nats.h>

struct store_jspull {
	natsConnection *jp_nc;
	natsSubscription *jp_sub; /* on jp_inbox; NULL: not subscribed */
	char jp_inbox[128];       /* where the consumer delivers */
	char jp_next[256];        /* $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> */
};

/* Subscribes an inbox named after who for the consumer durable of stream. */
natsStatus store_jspull_open(struct store_jspull *jp, natsConnection *nc, const char *who,
	const char *stream, const char *durable);

/* Answers a pulled message on its reply subject ("+ACK", "+TERM"), when it has one. */
void store_jspull_reply(natsConnection *nc, natsMsg *m, const char *what);

/* Drops the subscription (jp_sub NULL again); harmless when there is none. */
void store_jspull_close(struct store_jspull *jp);

/*
 * The messages waiting in the inbox first, then one pull request for the
 * rest of the batch (no_wait with an expiry of wait_ms: the server answers
 * at once with what the consumer has, or waits for the first messages up to
 * the expiry), collected until its closing status, max messages or the
 * expiry.  What comes later stays in the inbox for the next call.  *count
 * messages are in msgs (the caller acknowledges and destroys them);
 * NATS_TIMEOUT when none came, NATS_ERR when the server ended the request
 * with an error status (409 consumer deleted, 503 no JetStream).
 */
natsStatus store_jspull_fetch(
	struct store_jspull *jp, natsMsg **msgs, int max, int64_t wait_ms, int *count);

#endif /* STORE_JSPULL_H */
