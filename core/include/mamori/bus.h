/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages on Mamori's nng bus.
 *
 * Events travel from an appliance's exporter to a store as batches over
 * req/rep.  A batch carries its producer id and the sequence number of its
 * first event; events in it are numbered consecutively.  The store commits
 * the batch in one transaction with INSERT OR IGNORE on (producer, seq) and
 * answers with an acknowledgement, so a resend after a lost reply or a
 * restart is harmless: delivery is at least once, storage exactly once.
 *
 * Batch (little-endian):
 *	u32 magic "MMEV" | u16 version (1) | u16 flags (0)
 *	u64 producer | u64 first_seq | u32 count | u32 reserved (0)
 *	count x { u32 len | len bytes of one EVE JSON object, no newline }
 * Acknowledgement:
 *	u32 magic "MMAK" | u16 version | u16 status (0 ok, else an errno)
 *	u64 producer | u64 acked_seq (the batch's last sequence once committed)
 *	u32 msglen | msglen bytes of a reason, for a status other than 0
 *
 * Queries to the store and control requests to mamorid are JSON objects with
 * an "op" member, answered with {"ok": true, ...} or {"ok": false, "error":
 * "..."}; they are small and infrequent, and JSON keeps them scriptable.
 *
 * Every decoder checks every length against the message and refuses anything
 * malformed with a reason; receivers count refusals and never trust the rest.
 */
#ifndef MAMORI_BUS_H
#define MAMORI_BUS_H

#include <stddef.h>
#include <stdint.h>

#define MM_BUS_BATCH_MAGIC 0x56454d4dU /* "MMEV" */
#define MM_BUS_ACK_MAGIC   0x4b414d4dU /* "MMAK" */
#define MM_BUS_VERSION     1
#define MM_BUS_BATCH_HDR   32
#define MM_BUS_ACK_HDR     28
/* Limits every socket enforces (NNG_OPT_RECVMAXSZ) and every decoder checks. */
#define MM_BUS_MAX_MSG    (8U << 20)
#define MM_BUS_MAX_EVENTS 65536
#define MM_BUS_MAX_EVENT  (256U << 10)

/* Default addresses, under the runtime directory (mode 0700). */
#define MM_BUS_RUNDIR       "/run/mamori"
#define MM_BUS_STORE_INGEST "ingest.ipc"  /* rep: event batches in */
#define MM_BUS_STORE_QUERY  "query.ipc"   /* rep: queries */
#define MM_BUS_STORE_LIVE   "live.ipc"    /* pub: committed events, lossy */
#define MM_BUS_CONTROL      "control.ipc" /* rep: mamorid control */

struct mm_bus_event {
	const char *be_json; /* one EVE object, not NUL-terminated */
	uint32_t be_len;
};

struct mm_bus_batch {
	uint64_t bb_producer;
	uint64_t bb_first_seq;
	uint32_t bb_count;
	struct mm_bus_event *bb_events; /* points into the message */
};

struct mm_bus_ack {
	uint64_t ba_producer;
	uint64_t ba_acked_seq;
	uint16_t ba_status;
	char ba_reason[128];
};

/* Size of the encoded batch of n events with the given JSON lengths. */
size_t mm_bus_batch_size(const struct mm_bus_event *ev, uint32_t n);
/* Encodes into buf (of mm_bus_batch_size bytes); returns bytes written or -EINVAL. */
long mm_bus_batch_encode(void *buf, size_t len, uint64_t producer, uint64_t first_seq,
	const struct mm_bus_event *ev, uint32_t n);
/*
 * Decodes a batch in place.  events must hold MM_BUS_MAX_EVENTS entries (or
 * max_events).  Returns 0, or -EBADMSG with the reason in why.
 */
int mm_bus_batch_decode(const void *msg, size_t len, struct mm_bus_batch *b,
	struct mm_bus_event *events, uint32_t max_events, char *why, size_t whylen);

size_t mm_bus_ack_encode(void *buf, size_t len, const struct mm_bus_ack *ack);
int mm_bus_ack_decode(
	const void *msg, size_t len, struct mm_bus_ack *ack, char *why, size_t whylen);

#endif /* MAMORI_BUS_H */
