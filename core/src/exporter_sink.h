/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the exporter: the sink interface.  A sink takes one sealed
 * batch at a time (the bus format of bus.h) and reports how its delivery
 * ended; on success it hands back an acknowledgement in the bus format too,
 * so the exporter's batching, ordering, spool and retry rules are the same
 * whatever the sink:
 *
 *	store      nng req/rep to mamori-store (exporter_link.c): the store's
 *	           own acknowledgement, sent after its COMMIT
 *	jetstream  NATS JetStream (sink_jetstream.c): one message per event,
 *	           acknowledged by the stream; the sink builds the bus
 *	           acknowledgement once every event of the batch is
 *
 * The sink is chosen by the URL's scheme (ex_sink_for_url).  All calls come
 * from the exporter's thread; a sink may complete work on threads of its
 * own, and poll only looks at how it ended.
 */
#ifndef MAMORI_EXPORTER_SINK_H
#define MAMORI_EXPORTER_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/exporter.h"

enum ex_link_state {
	XL_IDLE,        /* no exchange started */
	XL_RUNNING,     /* sending, or waiting for the reply */
	XL_REPLIED,     /* the reply is in */
	XL_SEND_FAILED, /* nothing reachable took the batch in time, or the send failed */
	XL_RECV_FAILED, /* no reply in time, or the connection dropped while waiting */
};

struct ex_sink_ops {
	const char *so_kind; /* for messages: "store", "jetstream" */
	/*
	 * Opens the sink for conf->ec_url, connecting in the background: an
	 * absent peer is not an error.  Returns 0, or a negative errno with err
	 * naming what was wrong and what was expected.
	 */
	int (*so_open)(const struct mm_exporter_conf *conf, uint32_t reconnect_min_ms,
		uint32_t reconnect_max_ms, void **out, char *err, size_t errlen);
	/* Abandons any exchange and closes. */
	void (*so_close)(void *sink);
	/*
	 * Starts delivering one batch (copied): taken within send_ms, acknowledged
	 * within reply_ms after that.  0, -EBUSY while one runs, or -ENOMEM.
	 */
	int (*so_start)(
		void *sink, const void *msg, size_t len, uint32_t send_ms, uint32_t reply_ms);
	/*
	 * Where the exchange stands, without blocking.  XL_REPLIED sets *reply
	 * and *len (valid until the next call); the failures set *err, which
	 * so_strerror explains.
	 */
	enum ex_link_state (*so_poll)(void *sink, const void **reply, size_t *len, int *err);
	/* Abandons the exchange in flight, waiting for the sink's threads to let go. */
	void (*so_abort)(void *sink);
	/* Connected now, and connections made so far (a change means: try again now). */
	bool (*so_connected)(const void *sink);
	unsigned (*so_connects)(const void *sink);
	const char *(*so_strerror)(int err);
};

extern const struct ex_sink_ops ex_sink_store;
extern const struct ex_sink_ops ex_sink_jetstream;

/*
 * Checks a JetStream URL as the sink reads it: servers, then site= and
 * creds= parameters (exporter.h).  0, or -EINVAL with the reason in err.
 */
int ex_jetstream_url_check(const char *url, char *err, size_t errlen);

/*
 * A copy of url for messages, with any password hidden ("nats://user:***@h"),
 * for each server of a list; NULL when out of memory.
 */
char *ex_url_redact(const char *url);

/* The sink for a URL: nats:// and tls:// go to JetStream, the rest to the store. */
const struct ex_sink_ops *ex_sink_for_url(const char *url);

#endif /* MAMORI_EXPORTER_SINK_H */
