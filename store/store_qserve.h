/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Serves the query API on an nng rep socket from a thread of its own, one
 * request at a time: queries are small and infrequent, and one reader
 * connection beside the writer is all WAL needs.
 */
#ifndef STORE_QSERVE_H
#define STORE_QSERVE_H

#include <stddef.h>

#include <nng/nng.h>

#include "store_query.h"

struct store_qserve;

/* Takes over sock (an open rep socket) and q; NULL with the reason in err. */
struct store_qserve *store_qserve_start(
	nng_socket sock, struct store_query *q, char *err, size_t errlen);
/* Interrupts a running query, closes the socket, joins the thread, frees q. */
void store_qserve_stop(struct store_qserve *qs);

#endif /* STORE_QSERVE_H */
