/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plugin host: loads the plugins the configuration names, allocates
 * their state (global, per worker on the worker's socket, per flow inside
 * the flow table's entries), implements struct mm_host for them and calls
 * their hooks from the workers and the control thread.
 *
 * Configuration:
 *	plugins:
 *	  dir: /usr/lib/mamori/plugins   # where mamori_<name>.so live
 *	  load: [flowlog, c2detect]      # names (or paths), in hook order
 *	  <name>: { ... }                # each plugin's own section
 */
#ifndef DP_PLUGINS_H
#define DP_PLUGINS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_ring.h>

#include <mamori/config.h>
#include <mamori/netaddr.h>
#include <mamori/plugin.h>
#include <mamori/plugin_load.h>

#include "hsvc.h"

#define PLG_MAX          16
#define PLG_MAX_COUNTERS 32
#define PLG_MAX_WORKERS  64

/* Per-worker counters, one cache line set per worker: no false sharing. */
struct plg_counters {
	uint64_t pc_v[PLG_MAX_COUNTERS];
} __attribute__((aligned(64)));

struct plg_plugin {
	struct mm_plugin_so p_so;
	const struct mm_plugin *p_d;
	struct mm_plugin_ctx *p_ctx;
	void *p_global;
	void *p_lcore[PLG_MAX_WORKERS]; /* per worker index */
	uint32_t p_flow_off;            /* offset of its block in the flow state */
	uint8_t p_index;
	volatile bool p_enabled;
	unsigned p_ncounters;
	char *p_counter_names[PLG_MAX_COUNTERS];
	struct plg_counters p_counters[PLG_MAX_WORKERS];
	uint64_t p_emit_drops[PLG_MAX_WORKERS]; /* events lost to a full ring */
	uint64_t p_format_errors;
	/* pd_format_text when the descriptor has it (ABI 1.2 and later), else NULL */
	int (*p_format_text)(void *global, const struct mm_event *ev, char *buf, size_t len);
};

/* What the host tells plugins about the appliance. */
struct plg_env {
	const struct mm_cfg *e_cfg;
	const char *e_state_dir;
	const char *e_exe_dir; /* to find plugins in a build tree */
	unsigned e_nworkers;
	unsigned e_worker_lcore[PLG_MAX_WORKERS]; /* lcore id of each worker */
	int e_worker_socket[PLG_MAX_WORKERS];
	uint64_t (*e_now_ns)(void *arg);                       /* the packet clock */
	bool (*e_is_home)(void *arg, const struct mm_addr *a); /* any thread */
	uint32_t e_stream_depth; /* flow.stream.depth: 0, stream-scope patterns are refused */
	void *e_arg;
};

struct plg_set {
	struct plg_plugin *ps_v[PLG_MAX];
	unsigned ps_n;
	uint32_t ps_flow_size; /* bytes of flow state, all plugins */
	struct plg_env ps_env;
	struct mm_host ps_host;
	struct rte_ring *ps_events[PLG_MAX_WORKERS]; /* per slot, struct mm_event */
	unsigned ps_nslots;               /* workers, then other flow sources (the collector) */
	int16_t ps_windex[RTE_MAX_LCORE]; /* lcore id -> worker index */
	json_t *ps_ctl_events;            /* events emitted on the control thread */
	bool ps_any_burst;                /* some plugin has pd_on_burst */
	bool ps_any_flow;                 /* some plugin has flow hooks */
	bool ps_backpressure;             /* offline: wait for ring space rather than drop */
	struct hsvc_pattern *ps_patterns; /* every plugin's declared patterns (copies) */
	size_t ps_npatterns;
	size_t ps_cap_patterns;
	json_t *ps_exercise;    /* training mode: exercise.run_id as a string, else NULL */
	char *ps_exercise_text; /* its member as text: ,"exercise":"..." (NULL: none) */
	size_t ps_exercise_len;
};

/*
 * Loads and initialises every plugin of plugins.load (default: flowlog).
 * Returns 0 or a negative errno with err set; a plugin that is refused is
 * reported and skipped when skip_bad is true (the others keep running).
 */
int plg_load(
	struct plg_set *set, const struct plg_env *env, bool skip_bad, char *err, size_t errlen);
/* Marks the sections of plugins that are not loaded as read (kept for later). */
void plg_mark_unloaded_sections(struct plg_set *set);
/* Per-worker state and event rings; call once the workers exist. */
int plg_workers_init(struct plg_set *set, unsigned ring_size, char *err, size_t errlen);
void plg_unload(struct plg_set *set);
/*
 * Adds a flow source that is not a worker lcore, such as the NetFlow/IPFIX
 * collector thread: a slot of its own, with lcore state in each plugin and an
 * event ring drained like the workers'.  lcore is the id the thread got from
 * rte_thread_register().  Returns the slot, to pass as windex to
 * plg_on_flow_new/plg_on_flow_end from that thread only, or a negative errno.
 * Control thread, after plg_workers_init().
 */
int plg_source_add(struct plg_set *set, unsigned lcore, int socket, unsigned ring_size, char *err,
	size_t errlen);

/* Worker side. */
void plg_on_burst(struct plg_set *set, unsigned windex, struct mm_pkt *pkts, uint16_t n);
void plg_on_flow_new(
	struct plg_set *set, unsigned windex, const struct mm_flow_rec *rec, void *state);
void plg_on_flow_end(
	struct plg_set *set, unsigned windex, const struct mm_flow_rec *rec, void *state);
void plg_on_match(struct plg_set *set, unsigned windex, unsigned plugin, uint32_t id,
	const struct mm_pkt *pkt, uint64_t from, uint64_t to);

/* Control side. */
void plg_tick(struct plg_set *set, uint64_t now_ns);
/*
 * Asks every plugin with pd_reload to re-read its configuration and data
 * files.  A plugin that reloads declares its patterns again; the others keep
 * theirs.  Returns the number of plugins whose reload failed.
 */
unsigned plg_reload(struct plg_set *set);
/*
 * Compiles the declared patterns into a new Hyperscan generation (NULL in
 * *out when no plugin declared any).  cache_dir keeps compiled databases.
 */
int plg_patterns_build(struct plg_set *set, const char *cache_dir, struct hsvc_gen **out, char *err,
	size_t errlen);
/* The EVE object for an event from a worker ring; NULL (counted) if it cannot be made. */
json_t *plg_event_json(struct plg_set *set, const struct mm_event *ev);
/*
 * Training mode: every event gets "exercise": run_id (NULL: production).
 * Call after plg_load; returns 0 or -ENOMEM.
 */
int plg_exercise_set(struct plg_set *set, const char *run_id);
/* Adds the exercise member, if any, to an event object (the last member when it is new). */
void plg_event_tag(const struct plg_set *set, json_t *ev);
/*
 * The same event as text, for plugins with pd_format_text: byte for byte
 * the compact dump of plg_event_json's object tagged by plg_event_tag, no
 * newline, NUL terminated, with the event type in *type.  Returns the
 * length, or a negative errno when the plugin has no text hook or declined
 * (-ENOTSUP, -ENOSPC, ...): then use plg_event_json.  len of
 * plg_event_text_max() bytes always has room.
 */
int plg_event_text(
	struct plg_set *set, const struct mm_event *ev, char *buf, size_t len, const char **type);
size_t plg_event_text_max(const struct plg_set *set);
struct plg_plugin *plg_find(struct plg_set *set, const char *name);
/* Plugins, their state and counters, for statistics and control. */
json_t *plg_stats_json(const struct plg_set *set);

#endif /* DP_PLUGINS_H */
