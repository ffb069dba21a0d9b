/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include <mamori/datafile.h>
#include <mamori/dirs.h>
#include <mamori/eve.h>
#include <mamori/log.h>

#include "plugins.h"

#ifndef MAMORI_PLUGIN_DIR
#define MAMORI_PLUGIN_DIR "/usr/lib/mamori/plugins"
#endif

/* The host's handle for one plugin, passed to every host call. */
struct mm_plugin_ctx {
	struct plg_set *c_set;
	struct plg_plugin *c_plugin;
	char *c_state_dir;
};

/* ---- The host vtable ---- */

static void host_log(struct mm_plugin_ctx *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
host_log(struct mm_plugin_ctx *ctx, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mm_log((enum mm_log_level)level, "%s: %s", ctx->c_plugin->p_d->pd_name, buf);
}

/* The plugin's section, or NULL when the configuration has none. */
static const struct mm_cfg_node *
host_section(struct mm_plugin_ctx *ctx)
{
	char path[MM_PLUGIN_NAME_MAX + 16];

	snprintf(path, sizeof(path), "plugins.%s", ctx->c_plugin->p_d->pd_name);
	return (mm_cfg_lookup(ctx->c_set->ps_env.e_cfg, path));
}

/* Getters log their own errors: a plugin cannot print the file and line. */
static int
host_cfg_done(struct mm_plugin_ctx *ctx, int rv, const char *err)
{
	if (rv < 0 && rv != -ENOENT)
		mm_err("plugin %s: %s", ctx->c_plugin->p_d->pd_name, err);
	return (rv);
}

#define HOST_SECTION(ctx, path, def_stmt)                                                          \
	const struct mm_cfg_node *sec = host_section(ctx);                                         \
	char err[MM_CFG_ERRLEN];                                                                   \
	if (sec == NULL) {                                                                         \
		def_stmt;                                                                          \
		return (-ENOENT);                                                                  \
	}

static int
host_cfg_str(struct mm_plugin_ctx *ctx, const char *path, const char *def, const char **out)
{
	HOST_SECTION(ctx, path, *out = def);
	return (host_cfg_done(ctx,
		mm_cfg_get_str(ctx->c_set->ps_env.e_cfg, sec, path, def, out, err, sizeof(err)),
		err));
}

static int
host_cfg_u64(struct mm_plugin_ctx *ctx, const char *path, uint64_t def, uint64_t min, uint64_t max,
	uint64_t *out)
{
	HOST_SECTION(ctx, path, *out = def);
	return (host_cfg_done(ctx,
		mm_cfg_get_u64(
			ctx->c_set->ps_env.e_cfg, sec, path, def, min, max, out, err, sizeof(err)),
		err));
}

static int
host_cfg_bool(struct mm_plugin_ctx *ctx, const char *path, bool def, bool *out)
{
	HOST_SECTION(ctx, path, *out = def);
	return (host_cfg_done(ctx,
		mm_cfg_get_bool(ctx->c_set->ps_env.e_cfg, sec, path, def, out, err, sizeof(err)),
		err));
}

static int
host_cfg_duration_ms(struct mm_plugin_ctx *ctx, const char *path, uint64_t def, uint64_t min,
	uint64_t max, uint64_t *out)
{
	HOST_SECTION(ctx, path, *out = def);
	return (host_cfg_done(ctx,
		mm_cfg_get_duration_ms(
			ctx->c_set->ps_env.e_cfg, sec, path, def, min, max, out, err, sizeof(err)),
		err));
}

static int
host_cfg_strv(struct mm_plugin_ctx *ctx, const char *path, char ***out, size_t *n)
{
	HOST_SECTION(ctx, path, *out = calloc(1, sizeof(char *)); *n = 0);
	return (host_cfg_done(ctx,
		mm_cfg_get_strv(ctx->c_set->ps_env.e_cfg, sec, path, out, n, err, sizeof(err)),
		err));
}

static int
host_counter_register(struct mm_plugin_ctx *ctx, const char *name, const char *help)
{
	struct plg_plugin *p = ctx->c_plugin;

	(void)help;
	if (p->p_ncounters == PLG_MAX_COUNTERS)
		return (-ENOSPC);
	if ((p->p_counter_names[p->p_ncounters] = strdup(name)) == NULL)
		return (-ENOMEM);
	return ((int)p->p_ncounters++);
}

static int
host_patterns_add(struct mm_plugin_ctx *ctx, const struct mm_pattern *pt, size_t n)
{
	struct plg_set *set = ctx->c_set;

	if (set->ps_npatterns + n > set->ps_cap_patterns) {
		size_t cap = RTE_MAX(set->ps_cap_patterns * 2, set->ps_npatterns + n + 64);
		struct hsvc_pattern *v = realloc(set->ps_patterns, cap * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		set->ps_patterns = v;
		set->ps_cap_patterns = cap;
	}
	for (size_t i = 0; i < n; i++) {
		struct hsvc_pattern *hp = &set->ps_patterns[set->ps_npatterns];

		if (pt[i].pt_expr == NULL || pt[i].pt_mode > MM_PATTERN_STREAM ||
			pt[i].pt_dir > MM_DIR_TO_CLIENT) {
			host_log(ctx, MM_LOG_ERR,
				"pattern %u: no expression, or a bad mode or direction",
				pt[i].pt_id);
			return (-EINVAL);
		}
		if (pt[i].pt_mode == MM_PATTERN_STREAM && pt[i].pt_proto == IPPROTO_UDP) {
			host_log(ctx, MM_LOG_ERR,
				"pattern %u: stream scope is for TCP; declare UDP patterns in "
				"block "
				"scope",
				pt[i].pt_id);
			return (-EINVAL);
		}
		if (pt[i].pt_mode == MM_PATTERN_STREAM && set->ps_env.e_stream_depth == 0) {
			host_log(ctx, MM_LOG_ERR,
				"pattern %u: stream scope is off (flow.stream.depth is 0); set a "
				"depth or declare the pattern in block scope",
				pt[i].pt_id);
			return (-ENOTSUP);
		}
		hp->hp_pat = pt[i];
		if (hp->hp_pat.pt_mode == MM_PATTERN_STREAM)
			hp->hp_pat.pt_proto = IPPROTO_TCP;
		if ((hp->hp_pat.pt_expr = strdup(pt[i].pt_expr)) == NULL)
			return (-ENOMEM);
		hp->hp_plugin = ctx->c_plugin->p_index;
		hp->hp_plugin_name = ctx->c_plugin->p_d->pd_name;
		set->ps_npatterns++;
	}
	return (0);
}

/* Forgets a plugin's patterns: it declares them again when it reloads. */
static void
patterns_drop(struct plg_set *set, unsigned plugin)
{
	size_t k = 0;

	for (size_t i = 0; i < set->ps_npatterns; i++) {
		if (set->ps_patterns[i].hp_plugin == plugin)
			free((char *)(uintptr_t)set->ps_patterns[i].hp_pat.pt_expr);
		else
			set->ps_patterns[k++] = set->ps_patterns[i];
	}
	set->ps_npatterns = k;
}

static int
host_data_file(struct mm_plugin_ctx *ctx, const char *name, char *out, size_t len)
{
	(void)ctx;
	return (mm_data_file(name, out, len));
}

static const char *
host_state_dir(struct mm_plugin_ctx *ctx)
{
	int rv;

	if (ctx->c_state_dir == NULL &&
		asprintf(&ctx->c_state_dir, "%s/%s", ctx->c_set->ps_env.e_state_dir,
			ctx->c_plugin->p_d->pd_name) < 0)
		return (NULL);
	/* mkdir -p: the state directory may not exist yet when the plugins start. */
	if ((rv = mm_mkdirs(ctx->c_state_dir, 0750, NULL, 0)) != 0) {
		host_log(ctx, MM_LOG_ERR, "cannot create %s: %s", ctx->c_state_dir, strerror(-rv));
		return (NULL);
	}
	return (ctx->c_state_dir);
}

static int
host_emit_json(struct mm_plugin_ctx *ctx, void *ev)
{
	json_t *o = ev;

	if (o == NULL || !json_is_object(o))
		return (-EINVAL);
	json_object_set_new(o, "plugin", json_string(ctx->c_plugin->p_d->pd_name));
	if (json_array_append_new(ctx->c_set->ps_ctl_events, o) != 0)
		return (-ENOMEM);
	return (0);
}

static int
host_eve_flow(struct mm_plugin_ctx *ctx, const struct mm_flow_rec *r, void *obj)
{
	(void)ctx;
	return (mm_eve_flow_members(obj, r));
}

static int
host_eve_flow_text(struct mm_plugin_ctx *ctx, const struct mm_flow_rec *r, char *buf, size_t len)
{
	/* The event header cannot carry VLAN id 0: the object has "vlan" elsewhere then. */
	if (r->fr_vlan_n > 0 && r->fr_vlan[0] == 0)
		return (-ENOTSUP);
	return (mm_eve_flow_text(buf, len, r, ctx->c_plugin->p_d->pd_name));
}

static bool
host_lossless(struct mm_plugin_ctx *ctx)
{
	return (ctx->c_set->ps_backpressure);
}

static bool
host_is_home(struct mm_plugin_ctx *ctx, const struct mm_addr *a)
{
	const struct plg_env *env = &ctx->c_set->ps_env;

	return (env->e_is_home(env->e_arg, a));
}

static uint64_t
host_now_ns(struct mm_plugin_ctx *ctx)
{
	const struct plg_env *env = &ctx->c_set->ps_env;

	return (env->e_now_ns(env->e_arg));
}

static void
host_counter_add(struct mm_plugin_ctx *ctx, unsigned lcore, int id, uint64_t v)
{
	int16_t w = ctx->c_set->ps_windex[lcore];

	if (likely(w >= 0 && id >= 0 && (unsigned)id < ctx->c_plugin->p_ncounters))
		ctx->c_plugin->p_counters[w].pc_v[id] += v;
}

static int
host_emit(struct mm_plugin_ctx *ctx, unsigned lcore, const struct mm_event *ev)
{
	struct plg_set *set = ctx->c_set;
	int16_t w = lcore < RTE_MAX_LCORE ? set->ps_windex[lcore] : -1;
	struct mm_event e;

	if (unlikely(w < 0))
		return (-EINVAL);
	e = *ev;
	e.ev_plugin = ctx->c_plugin->p_index;
	while (rte_ring_sp_enqueue_elem(set->ps_events[w], &e, sizeof(e)) != 0) {
		if (!set->ps_backpressure) {
			ctx->c_plugin->p_emit_drops[w]++;
			return (-ENOBUFS);
		}
		/* Offline nothing may be lost: the control thread is draining. */
		rte_pause();
	}
	return (0);
}

static void
host_init(struct mm_host *h)
{
	memset(h, 0, sizeof(*h));
	h->h_abi = MM_PLUGIN_ABI;
	h->h_size = sizeof(*h);
	h->h_log = host_log;
	h->h_cfg_str = host_cfg_str;
	h->h_cfg_u64 = host_cfg_u64;
	h->h_cfg_bool = host_cfg_bool;
	h->h_cfg_duration_ms = host_cfg_duration_ms;
	h->h_cfg_strv = host_cfg_strv;
	h->h_cfg_strv_free = mm_cfg_strv_free;
	h->h_counter_register = host_counter_register;
	h->h_patterns_add = host_patterns_add;
	h->h_state_dir = host_state_dir;
	h->h_data_file = host_data_file;
	h->h_emit_json = host_emit_json;
	h->h_eve_flow = host_eve_flow;
	h->h_eve_flow_text = host_eve_flow_text;
	h->h_lossless = host_lossless;
	h->h_is_home = host_is_home;
	h->h_now_ns = host_now_ns;
	h->h_counter_add = host_counter_add;
	h->h_emit = host_emit;
}

/* ---- Loading ---- */

/* Where a plugin named in plugins.load lives. */
static int
plugin_path(const struct plg_set *set, const char *dir, const char *name, char *out, size_t len)
{
	const char *env;
	char cand[PATH_MAX];

	if (strchr(name, '/') != NULL) {
		snprintf(out, len, "%s", name);
		return (0);
	}
	if (dir != NULL) {
		snprintf(out, len, "%s/mamori_%s.so", dir, name);
		return (0);
	}
	if ((env = getenv("MAMORI_PLUGIN_DIR")) != NULL && *env != '\0') {
		snprintf(out, len, "%s/mamori_%s.so", env, name);
		return (0);
	}
	/* In a build tree the plugins sit beside the daemon's directory. */
	snprintf(cand, sizeof(cand), "%s/../plugins/mamori_%s.so", set->ps_env.e_exe_dir, name);
	if (access(cand, R_OK) == 0) {
		snprintf(out, len, "%s", cand);
		return (0);
	}
	snprintf(out, len, "%s/mamori_%s.so", MAMORI_PLUGIN_DIR, name);
	return (0);
}

static int
plugin_add(struct plg_set *set, const char *path, char *err, size_t errlen)
{
	struct plg_plugin *p;
	int rv;

	if (set->ps_n == PLG_MAX) {
		snprintf(err, errlen, "plugin %s: at most %d plugins", path, PLG_MAX);
		return (-ENOSPC);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (-ENOMEM);
	if ((rv = mm_plugin_open(path, &p->p_so, err, errlen)) < 0)
		goto fail;
	p->p_d = p->p_so.ps_desc;
	if (plg_find(set, p->p_d->pd_name) != NULL) {
		snprintf(err, errlen, "plugin %s: a plugin named '%s' is loaded already", path,
			p->p_d->pd_name);
		rv = -EEXIST;
		goto fail_so;
	}
	p->p_index = (uint8_t)set->ps_n;
	p->p_enabled = true;
	p->p_ctx = calloc(1, sizeof(*p->p_ctx));
	p->p_global = rte_zmalloc(
		"plugin_global", RTE_MAX(p->p_d->pd_global_size, (size_t)1), RTE_CACHE_LINE_SIZE);
	if (p->p_ctx == NULL || p->p_global == NULL) {
		rv = -ENOMEM;
		goto fail_mem;
	}
	p->p_ctx->c_set = set;
	p->p_ctx->c_plugin = p;
	p->p_flow_off = set->ps_flow_size;
	if ((rv = p->p_d->pd_init(&set->ps_host, p->p_ctx, p->p_global)) < 0) {
		snprintf(err, errlen, "plugin %s (%s): initialisation failed: %s", path,
			p->p_d->pd_name, strerror(-rv));
		goto fail_mem;
	}
	set->ps_flow_size += (uint32_t)RTE_ALIGN_CEIL(p->p_d->pd_flow_size, 8);
	set->ps_any_burst |= p->p_d->pd_on_burst != NULL;
	set->ps_any_flow |= p->p_d->pd_on_flow_new != NULL || p->p_d->pd_on_flow_end != NULL;
	if (MM_PLUGIN_HAS(p->p_d, pd_format_text))
		p->p_format_text = p->p_d->pd_format_text;
	set->ps_v[set->ps_n++] = p;
	mm_info("plugin %s %s loaded from %s", p->p_d->pd_name,
		p->p_d->pd_version != NULL ? p->p_d->pd_version : "", path);
	return (0);

fail_mem:
	rte_free(p->p_global);
	free(p->p_ctx);
fail_so:
	mm_plugin_close(&p->p_so);
fail:
	free(p);
	return (rv);
}

int
plg_load(struct plg_set *set, const struct plg_env *env, bool skip_bad, char *err, size_t errlen)
{
	const char *dir = NULL;
	char **names = NULL;
	size_t n = 0;
	int rv;

	memset(set, 0, sizeof(*set));
	set->ps_env = *env;
	memset(set->ps_windex, -1, sizeof(set->ps_windex));
	host_init(&set->ps_host);
	if ((set->ps_ctl_events = json_array()) == NULL)
		return (-ENOMEM);
	rv = mm_cfg_get_str(env->e_cfg, NULL, "plugins.dir", NULL, &dir, err, errlen);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	rv = mm_cfg_get_strv(env->e_cfg, NULL, "plugins.load", &names, &n, err, errlen);
	if (rv == -ENOENT) {
		/* Flow records reach the store and --flows-out through flowlog. */
		mm_cfg_strv_free(names);
		names = calloc(2, sizeof(char *));
		if (names == NULL || (names[0] = strdup("flowlog")) == NULL) {
			mm_cfg_strv_free(names);
			return (-ENOMEM);
		}
		n = 1;
	} else if (rv < 0) {
		return (rv);
	}
	rv = 0;
	for (size_t i = 0; i < n && rv == 0; i++) {
		char path[PATH_MAX];

		plugin_path(set, dir, names[i], path, sizeof(path));
		if ((rv = plugin_add(set, path, err, errlen)) < 0 && skip_bad) {
			mm_err("%s; continuing without it", err);
			rv = 0;
		}
	}
	mm_cfg_strv_free(names);
	plg_mark_unloaded_sections(set);
	return (rv);
}

void
plg_mark_unloaded_sections(struct plg_set *set)
{
	const struct mm_cfg *cfg = set->ps_env.e_cfg;
	const struct mm_cfg_node *plugins;

	/*
	 * A loaded plugin reads its own section, so a misspelt key there is
	 * reported; sections of plugins not loaded are kept for later.
	 */
	mm_cfg_lookup(cfg, "plugins.dir");
	mm_cfg_lookup(cfg, "plugins.load");
	plugins = mm_cfg_lookup(cfg, "plugins");
	for (size_t i = 0; i < mm_cfg_node_count(plugins); i++) {
		const struct mm_cfg_node *sec = mm_cfg_node_child(plugins, i);

		if (mm_cfg_node_type(sec) == MM_CFG_MAP &&
			plg_find(set, mm_cfg_node_key(sec)) == NULL)
			mm_cfg_mark_used(sec);
	}
}

/* One slot: a worker lcore or another flow source, with its ring and lcore states. */
static int
slot_init(struct plg_set *set, unsigned slot, unsigned lcore, int socket, unsigned ring_size,
	char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];

	set->ps_env.e_worker_lcore[slot] = lcore;
	set->ps_env.e_worker_socket[slot] = socket;
	set->ps_windex[lcore] = (int16_t)slot;
	snprintf(name, sizeof(name), "plg_events_%u", slot);
	set->ps_events[slot] = rte_ring_create_elem(name, sizeof(struct mm_event),
		rte_align32pow2(ring_size), socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (set->ps_events[slot] == NULL) {
		snprintf(err, errlen, "event ring %u: %s", slot, rte_strerror(rte_errno));
		return (-ENOMEM);
	}
	set->ps_nslots = slot + 1;
	for (unsigned i = 0; i < set->ps_n; i++) {
		struct plg_plugin *p = set->ps_v[i];
		int rv;

		p->p_lcore[slot] = rte_zmalloc_socket("plugin_lcore",
			RTE_MAX(p->p_d->pd_lcore_size, (size_t)1), RTE_CACHE_LINE_SIZE, socket);
		if (p->p_lcore[slot] == NULL)
			return (-ENOMEM);
		if (p->p_d->pd_lcore_init != NULL &&
			(rv = p->p_d->pd_lcore_init(p->p_global, p->p_lcore[slot], lcore)) < 0) {
			snprintf(err, errlen, "plugin %s: lcore %u initialisation failed: %s",
				p->p_d->pd_name, lcore, strerror(-rv));
			return (rv);
		}
	}
	return (0);
}

int
plg_workers_init(struct plg_set *set, unsigned ring_size, char *err, size_t errlen)
{
	const struct plg_env *env = &set->ps_env;
	int rv;

	for (unsigned w = 0; w < env->e_nworkers; w++)
		if ((rv = slot_init(set, w, env->e_worker_lcore[w], env->e_worker_socket[w],
			     ring_size, err, errlen)) < 0)
			return (rv);
	return (0);
}

int
plg_source_add(struct plg_set *set, unsigned lcore, int socket, unsigned ring_size, char *err,
	size_t errlen)
{
	unsigned slot = RTE_MAX(set->ps_nslots, set->ps_env.e_nworkers);
	int rv;

	if (slot >= PLG_MAX_WORKERS || lcore >= RTE_MAX_LCORE) {
		snprintf(err, errlen, "no room for another flow source (%u in use)", slot);
		return (-ENOSPC);
	}
	if ((rv = slot_init(set, slot, lcore, socket, ring_size, err, errlen)) < 0)
		return (rv);
	return ((int)slot);
}

void
plg_unload(struct plg_set *set)
{
	for (unsigned i = set->ps_n; i-- > 0;) {
		struct plg_plugin *p = set->ps_v[i];

		for (unsigned w = 0; w < set->ps_nslots; w++)
			if (p->p_lcore[w] != NULL && p->p_d->pd_lcore_fini != NULL)
				p->p_d->pd_lcore_fini(
					p->p_global, p->p_lcore[w], set->ps_env.e_worker_lcore[w]);
		/*
		 * The lcore blocks outlive pd_fini: a plugin's own threads may read
		 * them until pd_fini has stopped them (c2detect's analysis thread
		 * drains each lcore's ring).  Freed before, DPDK's heap wrote its
		 * bookkeeping over them and the thread read a ring of billions.
		 */
		if (p->p_d->pd_fini != NULL)
			p->p_d->pd_fini(p->p_global);
		for (unsigned w = 0; w < set->ps_nslots; w++)
			rte_free(p->p_lcore[w]);
		for (unsigned c = 0; c < p->p_ncounters; c++)
			free(p->p_counter_names[c]);
		rte_free(p->p_global);
		free(p->p_ctx->c_state_dir);
		free(p->p_ctx);
		mm_plugin_close(&p->p_so);
		free(p);
	}
	for (unsigned w = 0; w < set->ps_nslots; w++)
		rte_ring_free(set->ps_events[w]);
	json_decref(set->ps_ctl_events);
	json_decref(set->ps_exercise);
	free(set->ps_exercise_text);
	for (size_t i = 0; i < set->ps_npatterns; i++)
		free((char *)(uintptr_t)set->ps_patterns[i].hp_pat.pt_expr);
	free(set->ps_patterns);
	memset(set, 0, sizeof(*set));
}

struct plg_plugin *
plg_find(struct plg_set *set, const char *name)
{
	for (unsigned i = 0; i < set->ps_n; i++)
		if (strcmp(set->ps_v[i]->p_d->pd_name, name) == 0)
			return (set->ps_v[i]);
	return (NULL);
}

/* ---- Hooks ---- */

/*
 * Each plugin sees pk_flow_state pointing at its own block of the flow's
 * state: the views are moved from one plugin's block to the next, and back.
 */
static void
views_move(struct mm_pkt *pkts, uint16_t n, int64_t delta)
{
	if (delta == 0)
		return;
	for (uint16_t k = 0; k < n; k++)
		if (pkts[k].pk_flow_state != NULL)
			pkts[k].pk_flow_state = (uint8_t *)pkts[k].pk_flow_state + delta;
}

void
plg_on_burst(struct plg_set *set, unsigned windex, struct mm_pkt *pkts, uint16_t n)
{
	uint32_t at = 0; /* the offset the views point at */

	for (unsigned i = 0; i < set->ps_n; i++) {
		struct plg_plugin *p = set->ps_v[i];

		if (!p->p_enabled || p->p_d->pd_on_burst == NULL)
			continue;
		views_move(pkts, n, (int64_t)p->p_flow_off - (int64_t)at);
		at = p->p_flow_off;
		p->p_d->pd_on_burst(p->p_global, p->p_lcore[windex],
			set->ps_env.e_worker_lcore[windex], pkts, n);
	}
	views_move(pkts, n, -(int64_t)at);
}

void
plg_on_flow_new(struct plg_set *set, unsigned windex, const struct mm_flow_rec *rec, void *state)
{
	for (unsigned i = 0; i < set->ps_n; i++) {
		struct plg_plugin *p = set->ps_v[i];

		if (p->p_enabled && p->p_d->pd_on_flow_new != NULL)
			p->p_d->pd_on_flow_new(p->p_global, p->p_lcore[windex],
				set->ps_env.e_worker_lcore[windex], rec,
				(uint8_t *)state + p->p_flow_off);
	}
}

void
plg_on_flow_end(struct plg_set *set, unsigned windex, const struct mm_flow_rec *rec, void *state)
{
	for (unsigned i = 0; i < set->ps_n; i++) {
		struct plg_plugin *p = set->ps_v[i];

		if (p->p_enabled && p->p_d->pd_on_flow_end != NULL)
			p->p_d->pd_on_flow_end(p->p_global, p->p_lcore[windex],
				set->ps_env.e_worker_lcore[windex], rec,
				(uint8_t *)state + p->p_flow_off);
	}
}

void
plg_on_match(struct plg_set *set, unsigned windex, unsigned plugin, uint32_t id,
	const struct mm_pkt *pkt, uint64_t from, uint64_t to)
{
	struct plg_plugin *p = set->ps_v[plugin];
	struct mm_pkt v;

	if (!p->p_enabled || p->p_d->pd_on_match == NULL)
		return;
	v = *pkt;
	if (v.pk_flow_state != NULL)
		v.pk_flow_state = (uint8_t *)v.pk_flow_state + p->p_flow_off;
	p->p_d->pd_on_match(p->p_global, p->p_lcore[windex], set->ps_env.e_worker_lcore[windex], id,
		&v, from, to);
}

unsigned
plg_reload(struct plg_set *set)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < set->ps_n; i++) {
		struct plg_plugin *p = set->ps_v[i];

		if (p->p_d->pd_reload == NULL)
			continue;
		patterns_drop(set, p->p_index);
		if (p->p_d->pd_reload(p->p_global) < 0) {
			mm_err("plugin %s: reload failed; its patterns are what it declared before "
			       "failing",
				p->p_d->pd_name);
			failed++;
		}
	}
	return (failed);
}

int
plg_patterns_build(
	struct plg_set *set, const char *cache_dir, struct hsvc_gen **out, char *err, size_t errlen)
{
	*out = NULL;
	if (set->ps_npatterns == 0)
		return (0);
	if (mkdir(cache_dir, 0750) != 0 && errno != EEXIST)
		mm_warn("pattern cache %s: %s; compiling every time", cache_dir, strerror(errno));
	return (hsvc_gen_build(set->ps_patterns, set->ps_npatterns, cache_dir,
		set->ps_env.e_nworkers, out, err, errlen));
}

void
plg_tick(struct plg_set *set, uint64_t now_ns)
{
	for (unsigned i = 0; i < set->ps_n; i++) {
		struct plg_plugin *p = set->ps_v[i];

		if (p->p_enabled && p->p_d->pd_tick != NULL)
			p->p_d->pd_tick(p->p_global, now_ns);
	}
}

json_t *
plg_event_json(struct plg_set *set, const struct mm_event *ev)
{
	struct mm_flow_rec tuple;
	struct plg_plugin *p;
	const char *type;
	json_t *o;

	if (ev->ev_plugin >= set->ps_n)
		return (NULL);
	p = set->ps_v[ev->ev_plugin];
	type = p->p_d->pd_event_types != NULL ? p->p_d->pd_event_types[ev->ev_type] : NULL;
	if (type == NULL || ev->ev_len > MM_EVENT_DATA_MAX) {
		p->p_format_errors++;
		return (NULL);
	}
	memset(&tuple, 0, sizeof(tuple));
	tuple.fr_id = ev->ev_flow_id;
	tuple.fr_src = ev->ev_src;
	tuple.fr_dst = ev->ev_dst;
	tuple.fr_sport = ev->ev_sport;
	tuple.fr_dport = ev->ev_dport;
	tuple.fr_proto = ev->ev_proto;
	tuple.fr_vlan_n = ev->ev_vlan != 0;
	tuple.fr_vlan[0] = ev->ev_vlan;
	if ((o = mm_eve_new(ev->ev_ts_ns, type, &tuple)) == NULL)
		return (NULL);
	if (p->p_d->pd_format(p->p_global, ev, o) < 0) {
		p->p_format_errors++;
		json_decref(o);
		return (NULL);
	}
	json_object_set_new(o, "plugin", json_string(p->p_d->pd_name));
	return (o);
}

int
plg_exercise_set(struct plg_set *set, const char *run_id)
{
	char *text;

	json_decref(set->ps_exercise);
	free(set->ps_exercise_text);
	set->ps_exercise = NULL;
	set->ps_exercise_text = NULL;
	set->ps_exercise_len = 0;
	if (run_id == NULL)
		return (0);
	/*
	 * jansson escapes the value (and refuses one that is not UTF-8: the
	 * object then has no member), so the text member is the object's.
	 */
	if ((set->ps_exercise = json_string(run_id)) == NULL)
		return (0);
	text = json_dumps(set->ps_exercise, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL || asprintf(&set->ps_exercise_text, ",\"exercise\":%s", text) < 0) {
		free(text);
		set->ps_exercise_text = NULL;
		return (-ENOMEM);
	}
	free(text);
	set->ps_exercise_len = strlen(set->ps_exercise_text);
	return (0);
}

void
plg_event_tag(const struct plg_set *set, json_t *ev)
{
	if (set->ps_exercise != NULL)
		json_object_set(ev, "exercise", set->ps_exercise);
}

size_t
plg_event_text_max(const struct plg_set *set)
{
	return (MM_EVENT_TEXT_MAX + set->ps_exercise_len);
}

int
plg_event_text(
	struct plg_set *set, const struct mm_event *ev, char *buf, size_t len, const char **type)
{
	struct plg_plugin *p;
	size_t room;
	int n;

	if (ev->ev_plugin >= set->ps_n)
		return (-EINVAL);
	p = set->ps_v[ev->ev_plugin];
	if (p->p_format_text == NULL || p->p_d->pd_event_types == NULL ||
		ev->ev_len > MM_EVENT_DATA_MAX || len <= set->ps_exercise_len + 2)
		return (-ENOTSUP);
	/* An unknown type is plg_event_json's to count. */
	if ((*type = p->p_d->pd_event_types[ev->ev_type]) == NULL)
		return (-EINVAL);
	/* Leave room for the exercise member. */
	room = len - set->ps_exercise_len;
	if ((n = p->p_format_text(p->p_global, ev, buf, room)) < 0)
		return (n);
	/* One object on one line, as the object path writes it, or that path. */
	if ((size_t)n >= room || !mm_eve_text_is_line(buf, (size_t)n))
		return (-EPROTO);
	if (set->ps_exercise_len > 0) {
		/* The member comes last, as json_object_set_new appends it: before the '}'. */
		memcpy(buf + n - 1, set->ps_exercise_text, set->ps_exercise_len);
		n += (int)set->ps_exercise_len;
		buf[n - 1] = '}';
		buf[n] = '\0';
	}
	return (n);
}

json_t *
plg_stats_json(const struct plg_set *set)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < set->ps_n; i++) {
		const struct plg_plugin *p = set->ps_v[i];
		json_t *cnt = json_object();
		uint64_t drops = 0;

		for (unsigned c = 0; c < p->p_ncounters; c++) {
			uint64_t sum = 0;

			for (unsigned w = 0; w < set->ps_nslots; w++)
				sum += p->p_counters[w].pc_v[c];
			json_object_set_new(
				cnt, p->p_counter_names[c], json_integer((json_int_t)sum));
		}
		for (unsigned w = 0; w < set->ps_nslots; w++)
			drops += p->p_emit_drops[w];
		json_array_append_new(arr,
			json_pack("{s:s, s:s, s:b, s:o, s:I, s:I}", "name", p->p_d->pd_name,
				"version", p->p_d->pd_version != NULL ? p->p_d->pd_version : "",
				"enabled", p->p_enabled, "counters", cnt, "event_drops",
				(json_int_t)drops, "format_errors",
				(json_int_t)p->p_format_errors));
	}
	return (arr);
}
