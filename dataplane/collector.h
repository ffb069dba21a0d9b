/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NetFlow v5/v9 and IPFIX collector: flow records from routers feeding
 * the same plugin flow hooks as the packet path.
 *
 * One thread of its own, never a worker lcore: it is started with
 * rte_ctrl_thread_create() (so it runs on the CPUs the EAL lcores leave
 * free) and registers itself with rte_thread_register() to get an lcore id,
 * which the plugin host needs for its per-lcore state, counters and event
 * ring.  The thread reads its UDP sockets with recvmmsg(), refuses datagrams
 * from addresses outside collector.allow (counted per source), decodes the
 * rest with mm_nf_decode() (the decoder keys its state by exporter, so two
 * exporters' records are never mixed) and hands each record to the plugins
 * as a finished flow: pd_on_flow_new, then pd_on_flow_end, with a zeroed
 * flow-state block.  Once a second it expires templates and pending sets and
 * publishes its statistics for the control thread.
 *
 * When the event ring to the control thread is more than half full the
 * thread waits before decoding the next datagram: the socket's receive
 * buffer absorbs the burst, and what it cannot hold is the kernel's to drop
 * and ours to report (socket_drops), rather than events lost in silence.
 *
 * It reads the current generation's home networks through the plugins'
 * h_is_home, so it is an RCU reader of its own: col_synchronize() waits for
 * it before an old generation is freed.
 */
#ifndef DP_COLLECTOR_H
#define DP_COLLECTOR_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <mamori/netflow.h>

#include "plugins.h"
#include "settings.h"

struct col;

/* The collector's own counters (the decoder's are per exporter, in mm_nf_exporter_stats). */
struct col_stats {
	uint64_t cs_datagrams;     /* received on every socket */
	uint64_t cs_bytes;         /* their UDP payload bytes */
	uint64_t cs_refused;       /* from addresses outside collector.allow */
	uint64_t cs_refused_other; /* of those, from sources beyond the per-source table */
	uint64_t cs_socket_drops;  /* the kernel's drops on our sockets (receive buffer full) */
	uint64_t cs_truncated;     /* longer than the receive buffer: not decoded */
	uint64_t cs_rejected;      /* refused whole by the decoder (bad version, too short...) */
	uint64_t cs_records;       /* flow records handed to the plugins */
	uint64_t cs_ring_waits;    /* waits for room in the event ring */
	struct mm_nf_stats cs_nf;  /* the decoder's totals */
};

/*
 * Opens and binds every socket of conf (so that an address in use is an
 * error at start) and makes the decoder.  Control thread.  Returns 0 or a
 * negative errno with err set.
 */
int col_open(struct col **cp, const struct dp_col_conf *conf, char *err, size_t errlen);
/*
 * Starts the thread: it registers itself, the control thread adds it to the
 * plugin host as a flow source (plg_source_add with the thread's lcore id),
 * then the thread starts reading.  Call after plg_workers_init().
 */
int col_start(struct col *c, struct plg_set *set, unsigned ring_size, char *err, size_t errlen);
/* Asks the thread to stop and waits for it; idempotent.  Control thread. */
void col_stop(struct col *c);
/* Waits until the thread holds nothing of a generation published before the call. */
void col_synchronize(struct col *c);
/* Closes the sockets and frees the decoder; the thread must be stopped. */
void col_free(struct col *c);

/*
 * Statistics: the collector's counters, per socket, refused sources and
 * every exporter.  Live, they are the thread's last snapshot (at most a
 * second old); once stopped, exact.
 */
json_t *col_stats_json(struct col *c);
/* A few lines for people: totals, then one line per exporter (at most max_exporters). */
void col_stats_print(FILE *f, struct col *c, unsigned max_exporters);

#endif /* DP_COLLECTOR_H */
