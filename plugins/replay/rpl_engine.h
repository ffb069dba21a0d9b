/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The replay engine: a scenario's sources loaded (captures read, synthetic
 * traffic generated), rewritten with their maps and scheduled on one
 * timeline.  It is plain memory until rpl_pace preloads it into mbufs, so
 * the standalone tool and the replay plugin share it, and a scenario can be
 * rendered to a capture file.
 */
#ifndef RPL_ENGINE_H
#define RPL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "rpl_rewrite.h"
#include "rpl_scenario.h"
#include "rpl_sched.h"
#include "rpl_src.h"

struct rpl_engine {
	struct rpl_src *en_src; /* one per scenario source */
	struct rpl_play *en_play;
	unsigned en_nsrc;
	size_t *en_base; /* global index of each source's first frame */
	size_t en_nframes;
	uint32_t en_maxlen;
	struct rpl_rw_stats en_rw;
	struct rpl_sched en_sched;
};

/* Loads, rewrites and schedules every source of sn; 0 or a negative errno with err. */
int rpl_engine_load(struct rpl_engine *en, const struct rpl_scenario *sn, char *err, size_t errlen);
/* The global frame index's bytes and length. */
const uint8_t *rpl_engine_frame(const struct rpl_engine *en, uint32_t pkt, uint32_t *len);
/*
 * Writes the timeline as one capture, frame times being epoch_ns plus their
 * schedule offsets: what the run would put on the wire.
 */
int rpl_engine_render(
	const struct rpl_engine *en, const char *path, uint64_t epoch_ns, char *err, size_t errlen);
void rpl_engine_fini(struct rpl_engine *en);

#endif /* RPL_ENGINE_H */
