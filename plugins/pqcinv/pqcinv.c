/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pqcinv: a passive inventory of the cryptography in use.  Workers reassemble
 * the opening bytes of TLS (TCP), QUIC (decrypted Initial packets) and SSH
 * handshakes; the control thread parses them, fingerprints them (JA3, JA3S,
 * JA4, HASSH), classifies the key exchange against pqc-algorithms.yaml
 * (quantum-vulnerable, hybrid, post-quantum), emits one pqc_session event
 * per handshake and keeps the inventory (inventory.db in the state directory).
 *
 * Configuration (plugins.pqcinv), see configs/ and docs/pqcinv.md:
 *	table: PATH            the classification table
 *	max_flows: 512         handshakes reassembled at once, per worker
 *	stream_bytes: 16384    bytes kept per direction of a handshake
 *	ring: 256              handshakes waiting for the control thread, per worker
 *	inventory: true        keep inventory.db
 *	commit_interval: 5s    how often the inventory is committed
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inventory.h"
#include "pqcinv_int.h"
#include "session.h"

static const char *const pqc_types[] = { "pqc_session", NULL };

static const char *const counter_names[PQC_NCOUNTERS][2] = {
	[PQC_C_TLS] = { "sessions_tls", "TLS handshakes handed over for analysis" },
	[PQC_C_QUIC] = { "sessions_quic", "QUIC handshakes handed over for analysis" },
	[PQC_C_SSH] = { "sessions_ssh", "SSH openings handed over for analysis" },
	[PQC_C_NO_SLOT] = { "no_slot",
		"handshakes not followed: max_flows reassemblies already in progress" },
	[PQC_C_RING_FULL] = { "ring_full",
		"handshakes lost: the control thread was ring records behind" },
	[PQC_C_EMIT_FAIL] = { "emit_failed", "pqc_session events the host refused" },
	[PQC_C_CLIPPED] = { "clipped", "segments cut at stream_bytes" },
	[PQC_C_HOLES] = { "holes", "segments dropped: too many holes in a stream" },
	[PQC_C_QUIC_BAD] = { "quic_undecryptable",
		"QUIC long-header packets that did not parse or authenticate" },
	[PQC_C_BAD] = { "not_handshake", "flows that looked like TLS or SSH and were not" },
	[PQC_C_PARSE_ERR] = { "parse_errors", "handshakes with a malformed message" },
	[PQC_C_BAD_CERT] = { "bad_certificates", "certificates OpenSSL could not read" },
};

static int
cfg_u64(struct pqc_global *g, const char *key, uint64_t def, uint64_t min, uint64_t max,
	uint64_t *out)
{
	int rv = g->g_host->h_cfg_u64(g->g_ctx, key, def, min, max, out);

	return (rv == -ENOENT ? 0 : rv);
}

static int
load_table(struct pqc_global *g)
{
	struct pqc_table *t;
	char err[512];
	int rv;

	if ((rv = pqc_table_load(g->g_table_path, &t, err, sizeof(err))) < 0) {
		g->g_host->h_log(g->g_ctx, 3, "%s (set plugins.pqcinv.table)", err);
		return (rv);
	}
	pqc_table_free(g->g_table);
	g->g_table = t;
	return (0);
}

static int
pqc_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct pqc_global *g = global;
	char err[512];
	int rv;

	g->g_host = host;
	g->g_ctx = ctx;
	/* The table shipped with the plugin, unless the configuration names another. */
	host->h_data_file(
		ctx, "pqc-algorithms.yaml", g->g_table_default, sizeof(g->g_table_default));
	rv = host->h_cfg_str(ctx, "table", g->g_table_default, &g->g_table_path);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	if ((rv = cfg_u64(g, "max_flows", 512, 1, 1u << 20, &g->g_max_flows)) < 0 ||
		(rv = cfg_u64(g, "stream_bytes", 16384, 2048, 65536, &g->g_stream_bytes)) < 0 ||
		(rv = cfg_u64(g, "ring", 256, 4, 1u << 16, &g->g_ring)) < 0)
		return (rv);
	rv = host->h_cfg_bool(ctx, "inventory", true, &g->g_inventory_on);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	rv = host->h_cfg_duration_ms(ctx, "commit_interval", 5000, 100, 3600000, &g->g_commit_ms);
	if (rv < 0 && rv != -ENOENT)
		return (rv);
	for (int i = 0; i < PQC_NCOUNTERS; i++)
		g->g_counters[i] =
			host->h_counter_register(ctx, counter_names[i][0], counter_names[i][1]);
	if ((rv = load_table(g)) < 0)
		return (rv);
	if (g->g_inventory_on) {
		const char *dir = host->h_state_dir(ctx);

		rv = dir != NULL ? pqc_inventory_open(dir, &g->g_inv, err, sizeof(err)) : -ENOENT;
		if (dir == NULL)
			snprintf(err, sizeof(err),
				"no state directory for the inventory: check "
				"state_dir, or set plugins.pqcinv.inventory: false");
	}
	if (rv < 0) {
		host->h_log(ctx, 3, "%s", err);
		pqc_table_free(g->g_table);
		g->g_table = NULL;
		return (rv);
	}
	return (0);
}

static void
pqc_fini(void *global)
{
	struct pqc_global *g = global;

	pqc_inventory_close(g->g_inv);
	pqc_table_free(g->g_table);
	g->g_inv = NULL;
	g->g_table = NULL;
}

static int
pqc_reload(void *global)
{
	return (load_table(global));
}

static void
pqc_tick(void *global, uint64_t now_ns)
{
	struct pqc_global *g = global;

	if (g->g_inv == NULL || now_ns - g->g_last_commit_ns < g->g_commit_ms * 1000000u)
		return;
	g->g_last_commit_ns = now_ns;
	if (pqc_inventory_commit(g->g_inv) < 0)
		g->g_host->h_log(
			g->g_ctx, 3, "inventory commit: %s", pqc_inventory_error(g->g_inv));
}

/*
 * The control thread's half of a handshake: the event points at a record in
 * its worker's ring, analysed here (parsing, fingerprints, certificates,
 * classification), added to the inventory, and released.
 */
static int
pqc_format(void *global, const struct mm_event *ev, void *obj)
{
	struct pqc_global *g = global;
	struct pqc_session_stats st = { 0, 0 };
	struct pqc_lcore *lc;
	struct pqc_rec *rec;
	struct pqc_ref ref;
	json_t *s;

	if (ev->ev_len != sizeof(ref))
		return (-EINVAL);
	memcpy(&ref, ev->ev_data, sizeof(ref));
	if (ref.rf_lcore >= g->g_nlcores || (lc = g->g_lcores[ref.rf_lcore]) == NULL)
		return (-EINVAL);
	rec = pqc_ring_rec(lc, ref.rf_seq);
	if (rec->r_seq != ref.rf_seq) {
		atomic_store_explicit(&lc->lc_tail, ref.rf_seq + 1, memory_order_release);
		return (-ESTALE);
	}
	s = pqc_session_json(rec, g->g_table, &st);
	/* Records are consumed in order: this one and any skipped before it are free. */
	atomic_store_explicit(&lc->lc_tail, ref.rf_seq + 1, memory_order_release);
	if (st.ss_parse_errors > 0)
		pqc_count(g, lc->lc_lcore, PQC_C_PARSE_ERR, st.ss_parse_errors);
	if (st.ss_bad_certs > 0)
		pqc_count(g, lc->lc_lcore, PQC_C_BAD_CERT, st.ss_bad_certs);
	json_object_set_new(obj, "pqc_session", s);
	if (g->g_inv != NULL && pqc_inventory_add(g->g_inv, obj, ev->ev_ts_ns) < 0)
		g->g_host->h_log(g->g_ctx, 4, "inventory: %s", pqc_inventory_error(g->g_inv));
	return (0);
}

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("pqcinv"),
	.pd_version = "1.0",
	.pd_description = "passive inventory of TLS, QUIC and SSH cryptography: "
			  "quantum-vulnerable, hybrid or post-quantum",
	.pd_event_types = pqc_types,
	.pd_global_size = sizeof(struct pqc_global),
	.pd_lcore_size = sizeof(struct pqc_lcore),
	.pd_flow_size = sizeof(struct pqc_flow),
	.pd_init = pqc_init,
	.pd_fini = pqc_fini,
	.pd_reload = pqc_reload,
	.pd_tick = pqc_tick,
	.pd_format = pqc_format,
	.pd_lcore_init = pqc_lcore_init,
	.pd_lcore_fini = pqc_lcore_fini,
	.pd_on_burst = pqc_on_burst,
	.pd_on_flow_end = pqc_on_flow_end,
};
