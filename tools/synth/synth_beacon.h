/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A periodic command-and-control beacon: one infected subscriber opens a
 * new connection to one outside address every period, give or take the
 * jitter, sends a small HTTP poll of constant size and gets a short answer
 * (now and then a task).  It looks its C&C name up again whenever the
 * answer's TTL has run out, as a stub resolver would.
 */
#ifndef SYNTH_BEACON_H
#define SYNTH_BEACON_H

#include <stdint.h>

#include "synth_net.h"

struct synth_beacon_params {
	uint32_t bp_period; /* seconds between connections */
	uint32_t bp_jitter; /* percent of the period, each way, uniformly */
	uint16_t bp_port;   /* the C&C's TCP port */
};

int synth_beacon_run(struct synth_ctx *x, const struct synth_beacon_params *p);

#endif /* SYNTH_BEACON_H */
