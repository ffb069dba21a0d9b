/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test plugin that exercises the host: per-flow state written from bursts,
 * flow hooks, counters, configuration and events.  At each flow's end it
 * emits a "probe" event carrying what it counted in the flow's state, which
 * the test compares with the flow record itself.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>
#include <mamori/plugin.h>

#define PROBE_LCORES 64
#define PROBE_MAGIC  0x9e3779b9

/* An lcore's block, which must stay the plugin's until pd_fini has returned. */
struct probe_lcore {
	uint32_t pl_magic;
};

struct probe {
	const struct mm_host *pr_host;
	struct probe_lcore *pr_lcores[PROBE_LCORES];
	unsigned pr_nlcores;
	struct mm_plugin_ctx *pr_ctx;
	int pr_pkts;  /* counter: packets seen in bursts */
	int pr_flows; /* counter: flows seen starting */
	uint64_t pr_min_bytes;
	uint64_t pr_ticks; /* control-thread ticks so far */
	uint64_t pr_last_tick;
};

struct probe_flow {
	uint64_t pf_pkts;
	uint64_t pf_to_server;
	uint64_t pf_matches;
	uint32_t pf_magic; /* set at flow start: proves the state is this flow's */
};

struct probe_event {
	uint64_t pe_pkts;
	uint64_t pe_to_server;
	uint64_t pe_record_pkts;
	uint64_t pe_matches;
};

#define PROBE_PATTERN_ID 7

static const char *const probe_types[] = { "probe", NULL };

/*
 * One literal from the configuration (plugins.probe.pattern), to the server
 * over TCP, in block scope or (plugins.probe.scope: stream) stream scope.
 */
static int
probe_patterns(struct probe *pr)
{
	struct mm_pattern pt = {
		.pt_id = PROBE_PATTERN_ID,
		.pt_flags = 0,
		.pt_proto = 6,
		.pt_mode = MM_PATTERN_BLOCK,
		.pt_dir = MM_DIR_TO_SERVER,
	};
	const char *lit, *scope;
	int rv;

	rv = pr->pr_host->h_cfg_str(pr->pr_ctx, "scope", "block", &scope);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	if (strcmp(scope, "stream") == 0)
		pt.pt_mode = MM_PATTERN_STREAM;
	else if (strcmp(scope, "block") != 0)
		return (-EINVAL);
	rv = pr->pr_host->h_cfg_str(pr->pr_ctx, "pattern", "", &lit);
	if ((rv < 0 && rv != -ENOENT) || lit == NULL || lit[0] == '\0')
		return (rv == -ENOENT ? 0 : rv);
	pt.pt_expr = lit;
	return (pr->pr_host->h_patterns_add(pr->pr_ctx, &pt, 1));
}

static int
probe_reload(void *global)
{
	return (probe_patterns(global));
}

static void
probe_match(void *global, void *lcore_state, unsigned lcore, uint32_t pattern_id,
	const struct mm_pkt *pkt, uint64_t from, uint64_t to)
{
	struct probe_flow *pf = pkt->pk_flow_state;

	(void)global;
	(void)lcore_state;
	(void)lcore;
	(void)from;
	(void)to;
	if (pattern_id == PROBE_PATTERN_ID && pf->pf_magic == PROBE_MAGIC)
		pf->pf_matches++;
}

static int
probe_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct probe *pr = global;
	int rv;

	if (host->h_abi != MM_PLUGIN_ABI || host->h_size < sizeof(*host))
		return (-EPROTO);
	pr->pr_host = host;
	pr->pr_ctx = ctx;
	rv = host->h_cfg_u64(ctx, "min_bytes", 0, 0, UINT64_MAX, &pr->pr_min_bytes);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	if ((rv = probe_patterns(pr)) < 0)
		return (rv);
	pr->pr_pkts = host->h_counter_register(ctx, "packets", "packets seen in bursts");
	pr->pr_flows = host->h_counter_register(ctx, "flows", "flows seen starting");
	host->h_log(ctx, 6, "probe ready (min_bytes %llu)", (unsigned long long)pr->pr_min_bytes);
	return (0);
}

static void
probe_flow_new(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *flow,
	void *flow_state)
{
	struct probe *pr = global;
	struct probe_flow *pf = flow_state;

	(void)lcore_state;
	(void)flow;
	pf->pf_magic = PROBE_MAGIC;
	pr->pr_host->h_counter_add(pr->pr_ctx, lcore, pr->pr_flows, 1);
}

static void
probe_burst(void *global, void *lcore_state, unsigned lcore, const struct mm_pkt *pkts, uint16_t n)
{
	struct probe *pr = global;

	(void)lcore_state;
	for (uint16_t i = 0; i < n; i++) {
		struct probe_flow *pf = pkts[i].pk_flow_state;

		if (pf->pf_magic != PROBE_MAGIC)
			continue;
		pf->pf_pkts++;
		pf->pf_to_server += pkts[i].pk_to_server;
	}
	pr->pr_host->h_counter_add(pr->pr_ctx, lcore, pr->pr_pkts, n);
}

static void
probe_flow_end(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *r,
	void *flow_state)
{
	struct probe *pr = global;
	struct probe_flow *pf = flow_state;
	struct probe_event pe = {
		.pe_pkts = pf->pf_pkts,
		.pe_to_server = pf->pf_to_server,
		.pe_record_pkts = r->fr_pkts_ts + r->fr_pkts_tc,
		.pe_matches = pf->pf_matches,
	};
	struct mm_event ev;

	(void)lcore_state;
	if (r->fr_bytes_ts + r->fr_bytes_tc < pr->pr_min_bytes)
		return;
	mm_event_from_flow(&ev, r);
	ev.ev_len = sizeof(pe);
	memcpy(ev.ev_data, &pe, sizeof(pe));
	pr->pr_host->h_emit(pr->pr_ctx, lcore, &ev);
}

static int
probe_lcore_init(void *global, void *lcore_state, unsigned lcore)
{
	struct probe *pr = global;
	struct probe_lcore *pl = lcore_state;

	(void)lcore;
	pl->pl_magic = PROBE_MAGIC;
	if (pr->pr_nlcores < PROBE_LCORES)
		pr->pr_lcores[pr->pr_nlcores++] = pl;
	return (0);
}

/* A plugin's own thread may read the lcore blocks until pd_fini stops it: they must be there. */
static void
probe_fini(void *global)
{
	struct probe *pr = global;
	unsigned gone = 0;

	for (unsigned i = 0; i < pr->pr_nlcores; i++)
		gone += pr->pr_lcores[i]->pl_magic != PROBE_MAGIC;
	if (gone > 0)
		pr->pr_host->h_log(pr->pr_ctx, 3, "%u of %u lcore blocks freed before pd_fini",
			gone, pr->pr_nlcores);
}

static void
probe_tick(void *global, uint64_t now_ns)
{
	struct probe *pr = global;

	pr->pr_ticks++;
	pr->pr_last_tick = now_ns;
}

static int
probe_format(void *global, const struct mm_event *ev, void *obj)
{
	struct probe *pr = global;
	struct probe_event pe;

	if (ev->ev_len != sizeof(pe))
		return (-EINVAL);
	memcpy(&pe, ev->ev_data, sizeof(pe));
	return (json_object_set_new(obj, "probe",
		json_pack("{s:I, s:I, s:I, s:I, s:I}", "pkts", (json_int_t)pe.pe_pkts, "to_server",
			(json_int_t)pe.pe_to_server, "record_pkts", (json_int_t)pe.pe_record_pkts,
			"matches", (json_int_t)pe.pe_matches, "ticks", (json_int_t)pr->pr_ticks)));
}

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("probe"),
	.pd_version = "1",
	.pd_description = "exercises the host for tests",
	.pd_event_types = probe_types,
	.pd_global_size = sizeof(struct probe),
	.pd_flow_size = sizeof(struct probe_flow),
	.pd_lcore_size = sizeof(struct probe_lcore),
	.pd_init = probe_init,
	.pd_fini = probe_fini,
	.pd_lcore_init = probe_lcore_init,
	.pd_reload = probe_reload,
	.pd_on_match = probe_match,
	.pd_tick = probe_tick,
	.pd_format = probe_format,
	.pd_on_burst = probe_burst,
	.pd_on_flow_new = probe_flow_new,
	.pd_on_flow_end = probe_flow_end,
};
