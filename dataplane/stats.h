/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics per port, queue and lcore, gathered by the control thread from
 * counters the workers write, printed as a table or as JSON.
 */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <stdio.h>

#include <jansson.h>

#include "plugins.h"
#include "port.h"
#include "worker.h"

struct dp_totals {
	uint64_t t_pkts;
	uint64_t t_bytes;
	uint64_t t_l4;
	uint64_t t_l3;
	uint64_t t_not_ip;
	uint64_t t_anomalies[DP_AN__COUNT];
	uint64_t t_records;
	uint64_t t_matches;
	uint64_t t_scan_errors;
	uint64_t t_dispatch_drops;
	struct flow_table_stats t_flows;
	struct dp_stream_stats t_streams;
};

void dp_stats_totals(const struct dp_workers *ws, struct dp_totals *t);

/* The whole picture as one JSON object (ports, queues, lcores, totals). */
json_t *dp_stats_json(const struct dp_port *ports, unsigned nports, const struct dp_workers *ws,
	const struct plg_set *plugins, double elapsed_s);

/* A table for people: ports, lcores, flows by end reason, anomalies by kind. */
void dp_stats_print(FILE *f, const struct dp_port *ports, unsigned nports,
	const struct dp_workers *ws, const struct plg_set *plugins, double elapsed_s);

#endif /* DP_STATS_H */
