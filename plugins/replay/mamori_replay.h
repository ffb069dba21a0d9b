/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-replay's two halves: the command line and the scenario
 * (mamori_replay.c), and the run out of a port or socket from one or more
 * lcores with its figures (mamori_replay_tx.c).
 */
#ifndef MAMORI_REPLAY_H
#define MAMORI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "rpl_engine.h"
#include "rpl_rewrite.h"

#define PROG "mamori-replay"

struct mr_opts {
	const char *o_scenario;
	const char *o_pcap;
	const char *o_port;
	const char *o_render;
	const char *o_report;
	double o_speed;
	uint64_t o_pps;
	uint64_t o_loops;
	uint64_t o_lead_ns;
	uint64_t o_burst;
	uint64_t o_memory_mb;
	uint64_t o_lcore;
	uint64_t o_epoch_s;
	uint64_t o_rt_prio;
	uint64_t o_tx_lcores;
	bool o_epoch_set;
	bool o_topspeed;
	bool o_quiet;
	const char *o_maps[3][RPL_REWRITE_MAX]; /* ip, mac, port */
	unsigned o_nmaps[3];
};

/* Set by SIGINT or SIGTERM: the run ends, and its figures so far are reported. */
extern volatile bool mr_stop;

/* Plays en out of o's port; returns the exit status (0, or 1 with the error printed). */
int mr_transmit(const struct mr_opts *o, struct rpl_engine *en);

#endif /* MAMORI_REPLAY_H */
