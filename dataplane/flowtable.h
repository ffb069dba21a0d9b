/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table.
 *
 * One table belongs to one worker lcore and is touched by that lcore alone,
 * so it takes no locks.  Keys are canonical and bidirectional: both
 * directions of a conversation find the same entry (the dispatcher sends both
 * directions to the same lcore).  Idle timeouts are kept per timeout class,
 * least recent first, so expiry looks only at the oldest flows; active
 * timeouts are checked when a packet arrives.  When the table is full the
 * least recently seen flow is evicted and counted.  Ended flows leave through
 * a callback as struct mm_flow_rec.
 */
#ifndef DP_FLOWTABLE_H
#define DP_FLOWTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <mamori/flow.h>

#include "decode.h"

/* Idle-timeout classes. */
enum flow_class {
	FLOW_CLASS_TCP_NEW,         /* handshake not complete */
	FLOW_CLASS_TCP_ESTABLISHED, /* data or both directions seen */
	FLOW_CLASS_TCP_CLOSED,      /* FIN both ways, or RST: wait briefly for stragglers */
	FLOW_CLASS_UDP,
	FLOW_CLASS_ICMP,
	FLOW_CLASS_OTHER,
	FLOW_CLASS__COUNT
};

const char *flow_class_name(enum flow_class c);

/*
 * Bytes of every entry kept for the table's owner (the worker's stream
 * state): zeroed when the flow starts, kept across active-timeout reports.
 */
#define FLOW_AUX_SIZE 24

/*
 * Callbacks from the table, on its lcore.  state is the flow's block of
 * fc_state_size bytes (zeroed when the flow starts, kept across active-timeout
 * reports, gone after an end).
 */
typedef void (*flow_emit_fn)(void *arg, const struct mm_flow_rec *rec, void *state);
typedef void (*flow_new_fn)(void *arg, const struct mm_flow_rec *rec, void *state);

struct flow_table_conf {
	uint32_t fc_capacity;                      /* flows held at once */
	uint64_t fc_timeout_ns[FLOW_CLASS__COUNT]; /* idle timeout per class */
	uint64_t fc_active_ns;                     /* active timeout; 0 disables */
	int fc_socket;                             /* NUMA socket for the memory */
	uint16_t fc_lcore;                         /* stamped into flow ids */
	flow_emit_fn fc_emit;                      /* receives every ended or reported flow */
	flow_new_fn fc_new;                        /* told of every new flow; may be NULL */
	void *fc_emit_arg;                         /* argument of both callbacks */
	uint32_t fc_state_size;                    /* bytes of per-flow state for plugins */
};

struct flow_table_stats {
	uint64_t fs_active; /* flows in the table now */
	uint64_t fs_created;
	uint64_t fs_ended[MM_FLOW_END_EXPORTER + 1]; /* records emitted, by end reason */
	uint64_t fs_frag_orphans; /* later fragments whose first fragment was not seen */
	uint64_t fs_add_failures; /* could not insert even after eviction */
};

struct flow_table;

/* Creates a table; returns NULL and sets rte_errno on failure. */
struct flow_table *flow_table_create(const char *name, const struct flow_table_conf *conf);
void flow_table_free(struct flow_table *ft);

/* One packet for the flow table: decoded to at least DP_LAYER_L3. */
struct flow_pkt {
	const struct dp_pkt *fp_pkt;
	uint64_t fp_ts_ns;    /* packet time */
	uint32_t fp_wire_len; /* frame length */
	uint16_t fp_port;     /* input port */
	/* Filled in by flow_table_update_burst(), valid until the next call. */
	const struct mm_flow_rec *fp_rec; /* the packet's flow, NULL if none */
	void *fp_state;                   /* its per-flow state */
	bool fp_to_server;                /* sent by the flow's initiator */
};

/* The FLOW_AUX_SIZE bytes of the flow whose state block is state (fp_state, callbacks). */
void *flow_aux(void *state);

/* Accounts a burst of packets; returns the number accounted to a flow. */
uint16_t flow_table_update_burst(struct flow_table *ft, struct flow_pkt *pkts, uint16_t n);

/* Ends flows idle for longer than their timeout at time now; at most budget of them. */
unsigned flow_table_expire(struct flow_table *ft, uint64_t now_ns, unsigned budget);

/* Ends every flow with the given reason (MM_FLOW_END_SHUTDOWN at exit). */
unsigned flow_table_flush(struct flow_table *ft, enum mm_flow_end reason);

void flow_table_stats(const struct flow_table *ft, struct flow_table_stats *st);

/* Latest packet time the table has seen (capture time offline). */
uint64_t flow_table_now(const struct flow_table *ft);

#endif /* DP_FLOWTABLE_H */
