/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exercise scenarios (docs/exercises.md): a YAML timeline of sources —
 * capture files and synthesised traffic — each with its start offset,
 * pacing, loops and rewrite maps; ground-truth items saying which event is
 * expected, about what (in the capture's own addresses: the source's maps
 * are applied), in which time window and for how many points; and the pass
 * mark.
 */
#ifndef RPL_SCENARIO_H
#define RPL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpl_rewrite.h"
#include "rpl_sched.h"
#include "synth_scenario.h"

#define RPL_MAX_SOURCES 64
#define RPL_MAX_ITEMS   256
#define RPL_MAX_MATCH   16

enum rpl_src_kind {
	RPL_SRC_PCAP,
	RPL_SRC_SYNTH,
};

struct rpl_source_spec {
	char *ss_name;
	enum rpl_src_kind ss_kind;
	char *ss_path;              /* pcap: the file, relative paths resolved */
	char *ss_path_error;        /* pcap: why there is no ss_path (a variable not set) */
	struct synth_opts ss_synth; /* synth: the generator's options */
	char *ss_synth_scenario;    /* owns ss_synth.o_scenario */
	char *ss_synth_kex;         /* owns ss_synth.o_ssh_kex */
	struct rpl_play ss_play;
	struct rpl_rewrite ss_rw;
};

struct rpl_kv {
	char *kv_key;   /* an EVE member, dotted for nested ones: "flow.pkts_toserver" */
	char *kv_value; /* after the source's rewrite maps */
};

struct rpl_item {
	char *it_id;
	char *it_desc;
	char *it_technique; /* ATT&CK technique id, "T1071.001" */
	char *it_event_type;
	char *it_plugin; /* the plugin that emits it, when not built in */
	int it_src;      /* index of the source it is about, -1 for none */
	struct rpl_kv it_match[RPL_MAX_MATCH];
	unsigned it_nmatch;
	uint64_t it_from_ns; /* window after the run's start; from is the injection time */
	uint64_t it_to_ns;
	uint32_t it_points;
};

struct rpl_scenario {
	char *sn_name;
	char *sn_desc;
	double sn_pass_mark; /* percent of the scorable points */
	struct rpl_source_spec sn_src[RPL_MAX_SOURCES];
	unsigned sn_nsrc;
	struct rpl_item sn_items[RPL_MAX_ITEMS];
	unsigned sn_nitems;
	char **sn_fp_types; /* event types whose unmatched events are false positives */
	unsigned sn_nfp;
};

/*
 * Loads a scenario file.  Relative capture paths are taken from the file's
 * directory; ${VAR} in them is replaced by the environment variable.
 * Returns 0, or -EINVAL with err naming the file, line and what was
 * expected (or -ENOMEM, -ENOENT).
 */
int rpl_scenario_load(struct rpl_scenario *sn, const char *path, char *err, size_t errlen);
/* The same from text in memory; name is used in messages, basedir for paths. */
int rpl_scenario_parse(struct rpl_scenario *sn, const char *text, size_t len, const char *name,
	const char *basedir, char *err, size_t errlen);
void rpl_scenario_fini(struct rpl_scenario *sn);

/* Parses "1.5s", "250ms", "2m", "1h", "30us" or a bare number of seconds into ns. */
int rpl_parse_duration_ns(const char *s, uint64_t *ns);

#endif /* RPL_SCENARIO_H */
