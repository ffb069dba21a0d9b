/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream scope: the opening bytes of each direction of a TCP connection,
 * put back in sequence order and scanned with the generation's stream
 * databases (hsvc), so that a pattern split over several segments, or
 * carried by segments that arrived out of order, still matches.
 *
 * Each direction is followed from its SYN (the first byte is SYN + 1) or,
 * for a connection picked up in the middle, from its first segment with
 * data.  In-order bytes are scanned straight from the packet; segments
 * ahead of the next expected byte wait in an out-of-order buffer (one per
 * direction, taken from the worker's pool when needed) until the hole before
 * them is filled.  Bytes already scanned are never scanned again: a
 * retransmission that disagrees with them is ignored (first copy wins); in
 * the buffer a later copy of the same bytes replaces an earlier one.  A
 * direction ends at the depth, at FIN or RST, at the end of the flow, when a
 * hole cannot be waited for (buffer pool empty or too many pieces: a gap),
 * or when a new pattern generation replaces the one its stream was opened in.
 *
 * Per flow the worker keeps FLOW_AUX_SIZE bytes (struct dp_stream_slot); the
 * state of the two directions comes from a pool only once a segment carries
 * data and the generation has stream patterns for TCP.  Everything here runs
 * on the worker's lcore.
 */
#ifndef DP_STREAM_H
#define DP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "hsvc.h"

struct dp_stream_conf {
	uint32_t sc_depth;   /* bytes of each direction in stream scope; 0: no stream scope */
	uint32_t sc_flows;   /* directions' state (both of a flow) per worker */
	uint32_t sc_buffers; /* out-of-order buffers per worker */
	int sc_socket;       /* NUMA socket of the pools */
};

struct dp_stream_stats {
	uint64_t ss_flows;    /* flows that got stream state */
	uint64_t ss_bytes;    /* bytes scanned in stream scope */
	uint64_t ss_depth;    /* directions that reached the depth */
	uint64_t ss_closed;   /* directions ended by FIN, RST or the flow's end */
	uint64_t ss_held;     /* segments held in an out-of-order buffer */
	uint64_t ss_gaps;     /* directions ended by a hole that could not be waited for */
	uint64_t ss_old;      /* bytes before a direction's start, or retransmitted: skipped */
	uint64_t ss_no_state; /* flows without stream state: the pool was empty */
	uint64_t ss_regen;    /* directions ended by a new pattern generation */
	uint64_t ss_errors;   /* Hyperscan errors on stream scans */
};

/* The per-flow slot, in the flow table's aux bytes. */
struct dp_sflow;
struct dp_stream_slot {
	struct dp_sflow *sl_flow; /* NULL until the flow carries data */
	uint32_t sl_syn_seq[2];   /* sequence number of each direction's SYN */
	uint8_t sl_syn;           /* bit d: a SYN was seen in direction d (0 to server) */
};

struct dp_streams;

/* One worker's pools; NULL with rte_errno set on failure (sc_depth 0 is fine: inert). */
struct dp_streams *dp_streams_create(const char *name, const struct dp_stream_conf *c);
void dp_streams_free(struct dp_streams *ss);

/* One TCP segment of a flow, as the worker saw it. */
struct dp_segment {
	const uint8_t *sg_data;
	uint32_t sg_len;
	uint32_t sg_seq;
	uint16_t sg_server_port;
	uint8_t sg_flags; /* TCP flags */
	bool sg_to_server;
};

/*
 * Feeds one segment.  g is the current generation's patterns (NULL: none);
 * cb receives the matches, with from/to as offsets in the direction's stream.
 */
void dp_stream_segment(struct dp_streams *ss, struct dp_stream_slot *sl, const struct hsvc_gen *g,
	unsigned lcore, const struct dp_segment *sg, hsvc_match_fn cb, void *ctx);

/*
 * The flow ended: ends both directions (reporting matches that need the end
 * of the data to cb) and gives their memory back.
 */
void dp_stream_end(struct dp_streams *ss, struct dp_stream_slot *sl, unsigned lcore,
	hsvc_match_fn cb, void *ctx);

void dp_streams_stats(const struct dp_streams *ss, struct dp_stream_stats *st);

#endif /* DP_STREAM_H */
