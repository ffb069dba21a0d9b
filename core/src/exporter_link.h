/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the exporter: the store sink, one nng req socket with
 * one context and one aio, carrying one exchange (a batch out, its
 * acknowledgement back) at a time.  The link knows nothing of batches; the
 * exporter knows nothing of nng.
 */
#ifndef MAMORI_EXPORTER_LINK_H
#define MAMORI_EXPORTER_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exporter_sink.h"

struct ex_link;

/*
 * Opens the socket (NNG_OPT_RECVMAXSZ, reconnect back-off, nng's request
 * resend switched off) and starts dialling conf->ec_url in the background,
 * with TLS for tls+tcp://.  Returns 0, or a negative errno with err naming
 * the URL or the TLS file and what was expected.
 */
int ex_link_open(const struct mm_exporter_conf *conf, uint32_t reconnect_min_ms,
	uint32_t reconnect_max_ms, struct ex_link **out, char *err, size_t errlen);
/* Abandons any exchange and closes the socket. */
void ex_link_close(struct ex_link *xl);

/*
 * Starts an exchange: msg (copied) must be taken by a connected store
 * within send_ms, and its reply must come within reply_ms after that.
 * Returns 0, -EBUSY while an exchange runs, or -ENOMEM.
 */
int ex_link_start(
	struct ex_link *xl, const void *msg, size_t len, uint32_t send_ms, uint32_t reply_ms);
/*
 * Where the exchange stands, without blocking.  XL_REPLIED sets *reply and
 * *len (valid until the next call on the link); the failures set *nngerr.
 * Once a finished state has been returned, the link is idle again.
 */
enum ex_link_state ex_link_poll(struct ex_link *xl, const void **reply, size_t *len, int *nngerr);
/* Abandons the exchange in flight, waiting for nng to let go of it. */
void ex_link_abort(struct ex_link *xl);

/* Connections up now, and connections made so far (a change means: try again now). */
bool ex_link_connected(const struct ex_link *xl);
unsigned ex_link_connects(const struct ex_link *xl);

#endif /* MAMORI_EXPORTER_LINK_H */
