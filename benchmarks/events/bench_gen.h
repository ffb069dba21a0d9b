/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synthetic flow records for the events benchmark, and the EVE flow events
 * mamorid's flowlog plugin makes of them (mm_eve_flow plus "plugin", or the
 * same text from mm_eve_flow_text).
 *
 * The traffic is an appliance's view of a site: 8,192 internal clients
 * (10.0.0.0/12 and 1,024 in 2001:db8:100::/48) talking mostly outwards to
 * 65,536 servers spread over the IPv4 space (and 4,096 IPv6 ones), a few
 * internal servers, 12% of flows inbound.  Both choices are skewed (a few
 * hosts and servers carry most flows), as on real links.  TCP 70%, UDP 25%,
 * ICMP 5%; ports, counters, durations and end reasons vary.  Event i ends
 * at t0 + i * step, give or take up to 50 ms (records from several lcores
 * arrive slightly out of order).  The same seed gives the same records.
 */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <mamori/flow.h>

#define GEN_CLIENTS    8192
#define GEN_CLIENTS_V6 1024
#define GEN_SERVERS    65536
#define GEN_SERVERS_V6 4096
#define GEN_INTERNAL   256

struct gen {
	uint64_t g_rng;
	uint64_t g_t0;   /* ns */
	uint64_t g_step; /* ns between events */
	uint64_t g_index;
	struct mm_addr g_clients[GEN_CLIENTS];
	struct mm_addr g_servers[GEN_SERVERS];
	struct mm_addr g_servers6[GEN_SERVERS_V6];
	struct mm_addr g_internal[GEN_INTERNAL];
};

/*
 * The same seed gives the same hosts, and with the same stream the same
 * flows; t0 and step place event 0, 1, ... in time.
 */
void gen_init(struct gen *g, uint64_t seed, uint64_t stream, uint64_t t0, uint64_t step);
/* Moves to event index i (so that a second generator continues a first's times). */
void gen_seek(struct gen *g, uint64_t i);
/* A random 64-bit number from the flow stream. */
uint64_t gen_rand(struct gen *g);
/* The next flow record. */
void gen_flow(struct gen *g, struct mm_flow_rec *r);
/* The EVE event mamorid's flowlog plugin emits for r; NULL when out of memory. */
json_t *gen_event(const struct mm_flow_rec *r);
/*
 * The same event as compact text (mm_eve_flow_text, no jansson object):
 * byte for byte what gen_event's object serialises to.  Its length, or a
 * negative errno.
 */
int gen_event_text(const struct mm_flow_rec *r, char *buf, size_t len);

#endif /* BENCH_GEN_H */
