/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include <rte_ethdev.h>

#include "stats.h"

static const enum mm_flow_end end_reasons[] = {
	MM_FLOW_END_FIN,
	MM_FLOW_END_RST,
	MM_FLOW_END_IDLE,
	MM_FLOW_END_ACTIVE,
	MM_FLOW_END_EVICTED,
	MM_FLOW_END_SHUTDOWN,
};
#define N_END_REASONS (sizeof(end_reasons) / sizeof(end_reasons[0]))

static void
streams_add(struct dp_stream_stats *t, const struct dp_streams *ss)
{
	struct dp_stream_stats s;

	dp_streams_stats(ss, &s);
	t->ss_flows += s.ss_flows;
	t->ss_bytes += s.ss_bytes;
	t->ss_depth += s.ss_depth;
	t->ss_closed += s.ss_closed;
	t->ss_held += s.ss_held;
	t->ss_gaps += s.ss_gaps;
	t->ss_old += s.ss_old;
	t->ss_no_state += s.ss_no_state;
	t->ss_regen += s.ss_regen;
	t->ss_errors += s.ss_errors;
}

void
dp_stats_totals(const struct dp_workers *ws, struct dp_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < ws->ws_n; i++) {
		const struct dp_worker *w = ws->ws_v[i];
		const struct dp_lcore_stats *ls = &w->w_stats;
		struct flow_table_stats fs;

		t->t_pkts += ls->ls_pkts;
		t->t_bytes += ls->ls_bytes;
		t->t_l4 += ls->ls_l4;
		t->t_l3 += ls->ls_l3;
		t->t_not_ip += ls->ls_not_ip;
		for (int a = 0; a < DP_AN__COUNT; a++)
			t->t_anomalies[a] += ls->ls_anomalies[a];
		t->t_records += ls->ls_records;
		t->t_matches += ls->ls_matches;
		t->t_scan_errors += ls->ls_scan_errors;
		t->t_dispatch_drops += ls->ls_dispatch_drops;
		flow_table_stats(w->w_ft, &fs);
		t->t_flows.fs_active += fs.fs_active;
		t->t_flows.fs_created += fs.fs_created;
		t->t_flows.fs_frag_orphans += fs.fs_frag_orphans;
		t->t_flows.fs_add_failures += fs.fs_add_failures;
		for (size_t r = 0; r < N_END_REASONS; r++)
			t->t_flows.fs_ended[end_reasons[r]] += fs.fs_ended[end_reasons[r]];
		streams_add(&t->t_streams, w->w_streams);
	}
}

static json_t *
streams_json(const struct dp_stream_stats *s)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "flows",
		(json_int_t)s->ss_flows, "bytes", (json_int_t)s->ss_bytes, "depth_reached",
		(json_int_t)s->ss_depth, "closed", (json_int_t)s->ss_closed, "held_out_of_order",
		(json_int_t)s->ss_held, "gaps", (json_int_t)s->ss_gaps, "old_bytes",
		(json_int_t)s->ss_old, "no_state", (json_int_t)s->ss_no_state, "regenerated",
		(json_int_t)s->ss_regen, "errors", (json_int_t)s->ss_errors));
}

static json_t *
flows_json(const struct flow_table_stats *fs)
{
	json_t *ended = json_object();

	for (size_t r = 0; r < N_END_REASONS; r++)
		json_object_set_new(ended, mm_flow_end_name(end_reasons[r]),
			json_integer((json_int_t)fs->fs_ended[end_reasons[r]]));
	return (json_pack("{s:I, s:I, s:o, s:I, s:I}", "created", (json_int_t)fs->fs_created,
		"active", (json_int_t)fs->fs_active, "ended", ended, "frag_orphans",
		(json_int_t)fs->fs_frag_orphans, "add_failures", (json_int_t)fs->fs_add_failures));
}

static json_t *
anomalies_json(const uint64_t *an)
{
	json_t *o = json_object();

	for (int a = 1; a < DP_AN__COUNT; a++)
		json_object_set_new(
			o, dp_anomaly_name((enum dp_anomaly)a), json_integer((json_int_t)an[a]));
	return (o);
}

static json_t *
port_json(const struct dp_port *p)
{
	struct rte_eth_stats es;
	json_t *queues = json_array();

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->p_id, &es);
	for (uint16_t q = 0; q < p->p_nb_rxq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
		json_array_append_new(queues,
			json_pack("{s:i, s:I, s:I}", "queue", q, "packets",
				(json_int_t)es.q_ipackets[q], "bytes", (json_int_t)es.q_ibytes[q]));
	return (json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:I}", "port", p->p_id,
		"name", p->p_name, "driver", p->p_driver, "rx_packets", (json_int_t)es.ipackets,
		"rx_bytes", (json_int_t)es.ibytes, "imissed", (json_int_t)es.imissed, "ierrors",
		(json_int_t)es.ierrors, "rx_nombuf", (json_int_t)es.rx_nombuf, "queues", queues,
		"expected_packets", (json_int_t)p->p_expected));
}

static double
load_pct(const struct dp_lcore_stats *ls)
{
	return (ls->ls_cycles > 0 ? 100.0 * (double)ls->ls_busy_cycles / (double)ls->ls_cycles
				  : 0.0);
}

json_t *
dp_stats_json(const struct dp_port *ports, unsigned nports, const struct dp_workers *ws,
	const struct plg_set *plugins, double elapsed_s)
{
	json_t *jp = json_array(), *jl = json_array(), *tot;
	struct dp_totals t;

	for (unsigned i = 0; i < nports; i++)
		json_array_append_new(jp, port_json(&ports[i]));
	for (unsigned i = 0; i < ws->ws_n; i++) {
		const struct dp_worker *w = ws->ws_v[i];
		const struct dp_lcore_stats *ls = &w->w_stats;
		struct flow_table_stats fs;

		flow_table_stats(w->w_ft, &fs);
		json_array_append_new(jl,
			json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, "
				  "s:o}",
				"lcore", w->w_lcore, "rx_packets", (json_int_t)ls->ls_rx_pkts,
				"packets", (json_int_t)ls->ls_pkts, "bytes",
				(json_int_t)ls->ls_bytes, "l4", (json_int_t)ls->ls_l4, "l3_only",
				(json_int_t)ls->ls_l3, "not_ip", (json_int_t)ls->ls_not_ip,
				"dispatched", (json_int_t)ls->ls_dispatched, "dispatch_drops",
				(json_int_t)ls->ls_dispatch_drops, "records",
				(json_int_t)ls->ls_records, "load_pct", load_pct(ls), "flows",
				flows_json(&fs), "anomalies", anomalies_json(ls->ls_anomalies)));
	}
	dp_stats_totals(ws, &t);
	tot = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "packets",
		(json_int_t)t.t_pkts, "bytes", (json_int_t)t.t_bytes, "l4", (json_int_t)t.t_l4,
		"l3_only", (json_int_t)t.t_l3, "not_ip", (json_int_t)t.t_not_ip, "records",
		(json_int_t)t.t_records, "matches", (json_int_t)t.t_matches, "scan_errors",
		(json_int_t)t.t_scan_errors, "dispatch_drops", (json_int_t)t.t_dispatch_drops,
		"flows", flows_json(&t.t_flows), "anomalies", anomalies_json(t.t_anomalies),
		"streams", streams_json(&t.t_streams));
	return (json_pack("{s:f, s:o, s:o, s:o, s:o}", "elapsed_s", elapsed_s, "ports", jp,
		"lcores", jl, "totals", tot, "plugins", plg_stats_json(plugins)));
}

void
dp_stats_print(FILE *f, const struct dp_port *ports, unsigned nports, const struct dp_workers *ws,
	const struct plg_set *plugins, double elapsed_s)
{
	struct dp_totals t;
	int first;

	dp_stats_totals(ws, &t);
	fprintf(f, "%" PRIu64 " packets, %" PRIu64 " bytes in %.2f s (%.1f kpps)\n", t.t_pkts,
		t.t_bytes, elapsed_s, elapsed_s > 0 ? (double)t.t_pkts / elapsed_s / 1e3 : 0.0);
	/* Without ports (the collector alone) the port and lcore tables would be empty. */
	if (nports > 0)
		fprintf(f, "%-5s %-16s %-14s %12s %14s %9s %9s %9s\n", "port", "name", "driver",
			"rx-packets", "rx-bytes", "imissed", "ierrors", "nombuf");
	for (unsigned i = 0; i < nports; i++) {
		struct rte_eth_stats es;

		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(ports[i].p_id, &es);
		fprintf(f,
			"%-5u %-16s %-14s %12" PRIu64 " %14" PRIu64 " %9" PRIu64 " %9" PRIu64
			" %9" PRIu64 "\n",
			ports[i].p_id, ports[i].p_name, ports[i].p_driver, es.ipackets, es.ibytes,
			es.imissed, es.ierrors, es.rx_nombuf);
	}
	if (ws->ws_n > 0)
		fprintf(f, "%-5s %12s %12s %10s %10s %7s %10s %10s\n", "lcore", "packets", "l4",
			"l3-only", "not-ip", "load%", "flows", "created");
	for (unsigned i = 0; i < ws->ws_n; i++) {
		const struct dp_worker *w = ws->ws_v[i];
		const struct dp_lcore_stats *ls = &w->w_stats;
		struct flow_table_stats fs;

		flow_table_stats(w->w_ft, &fs);
		fprintf(f,
			"%-5u %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64
			" %7.1f %10" PRIu64 " %10" PRIu64 "\n",
			w->w_lcore, ls->ls_pkts, ls->ls_l4, ls->ls_l3, ls->ls_not_ip, load_pct(ls),
			fs.fs_active, fs.fs_created);
	}
	fprintf(f, "flows: %" PRIu64 " created, %" PRIu64 " active; ended:", t.t_flows.fs_created,
		t.t_flows.fs_active);
	for (size_t r = 0; r < N_END_REASONS; r++)
		fprintf(f, " %s %" PRIu64, mm_flow_end_name(end_reasons[r]),
			t.t_flows.fs_ended[end_reasons[r]]);
	fprintf(f, "\nflow records: %" PRIu64 "\n", t.t_records);
	for (unsigned i = 0; i < plugins->ps_n; i++) {
		const struct plg_plugin *p = plugins->ps_v[i];
		uint64_t drops = 0;

		for (unsigned w = 0; w < plugins->ps_nslots; w++)
			drops += p->p_emit_drops[w];
		fprintf(f, "plugin %s: %s, %" PRIu64 " events dropped, %" PRIu64 " format errors\n",
			p->p_d->pd_name, p->p_enabled ? "enabled" : "disabled", drops,
			p->p_format_errors);
	}
	fprintf(f, "decode anomalies:");
	first = 1;
	for (int a = 1; a < DP_AN__COUNT; a++) {
		if (t.t_anomalies[a] == 0)
			continue;
		fprintf(f, "%s %s %" PRIu64, first ? "" : ",", dp_anomaly_name((enum dp_anomaly)a),
			t.t_anomalies[a]);
		first = 0;
	}
	fprintf(f, "%s\n", first ? " none" : "");
}
