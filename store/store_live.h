/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The live view: each committed event published on an nng pub socket as
 * "<event_type> <json>", so a subscriber filters by type with a topic such as
 * "flow " (with the space, or "flow" also matches "flowbits").  Lossy by
 * design, as nng's pub/sub is: a slow subscriber loses the oldest messages;
 * what must not be lost is read with the query API.
 */
#ifndef STORE_LIVE_H
#define STORE_LIVE_H

#include <stdint.h>

#include <nng/nng.h>

#include "store_row.h"

/*
 * Messages queued per subscriber (nng's maximum; its default is 16, which a
 * single committed batch overflows).  About 6 MB for a subscriber that stalls.
 */
#define STORE_LIVE_QUEUE 8192

struct store_live;

/* Takes over pub (an open pub socket); NULL when out of memory. */
struct store_live *store_live_new(nng_socket pub);
/* Closes the socket. */
void store_live_free(struct store_live *live);

/* Publishes the rows marked r_inserted; returns how many were sent. */
uint32_t store_live_publish(struct store_live *live, const struct store_row *rows, uint32_t n);

#endif /* STORE_LIVE_H */
