/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_thash.h>

#include "worker.h"

#define BURST_MAX 64

static inline uint64_t *
pkt_ts(const struct dp_workers *ws, struct rte_mbuf *m)
{
	return (RTE_MBUF_DYNFIELD(m, ws->ws_ts_offset, uint64_t *));
}

uint64_t
dp_clock_ns(const struct dp_workers *ws)
{
	uint64_t d = rte_rdtsc() - ws->ws_base_tsc;

	return (ws->ws_base_ns + (uint64_t)((double)d * 1e9 / (double)ws->ws_tsc_hz));
}

static inline uint32_t
be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (rte_be_to_cpu_32(v));
}

/*
 * Dispatch hashes the addresses only: fragments without ports and both
 * directions of every flow then meet on one lcore, as with NIC RSS on L3.
 */
unsigned
dp_dispatch_hash(const struct dp_pkt *p, unsigned nworkers)
{
	uint32_t t[8];
	uint32_t h;

	if (p->p_family == 4) {
		t[0] = be32_at(p->p_src);
		t[1] = be32_at(p->p_dst);
		h = rte_softrss(t, RTE_THASH_V4_L3_LEN, dp_rss_sym_key);
	} else if (p->p_family == 6) {
		for (int i = 0; i < 4; i++) {
			t[i] = be32_at(p->p_src + 4 * i);
			t[4 + i] = be32_at(p->p_dst + 4 * i);
		}
		h = rte_softrss(t, RTE_THASH_V6_L3_LEN, dp_rss_sym_key);
	} else {
		return (0);
	}
	return (h % nworkers);
}

struct match_ctx {
	struct dp_worker *mc_w;
	const struct mm_pkt *mc_pkt;
};

static int on_match(void *arg, uint32_t plugin, uint32_t pattern_id, uint64_t from, uint64_t to);

/*
 * The flow ends: its streams end first, and what their end still reports
 * reaches the plugins with a view of the flow that carries no payload.
 */
static void
streams_end(struct dp_worker *w, const struct mm_flow_rec *rec, void *state)
{
	struct dp_stream_slot *sl = flow_aux(state);
	struct match_ctx mc;
	struct mm_pkt v;

	if (sl->sl_flow == NULL)
		return;
	memset(&v, 0, sizeof(v));
	v.pk_ts_ns = rec->fr_last_ns;
	v.pk_sport = rec->fr_sport;
	v.pk_dport = rec->fr_dport;
	v.pk_family = mm_addr_is_v4(&rec->fr_src) ? 4 : 6;
	v.pk_proto = rec->fr_proto;
	v.pk_to_server = 1;
	v.pk_flow = rec;
	v.pk_flow_state = state;
	mc.mc_w = w;
	mc.mc_pkt = &v;
	dp_stream_end(w->w_streams, sl, w->w_index, on_match, &mc);
}

static void
worker_flow_end(void *arg, const struct mm_flow_rec *rec, void *state)
{
	struct dp_worker *w = arg;

	if (w->w_streams != NULL && rec->fr_proto == IPPROTO_TCP &&
		rec->fr_end != MM_FLOW_END_ACTIVE)
		streams_end(w, rec, state);
	w->w_stats.ls_records++;
	if (w->w_plugins->ps_any_flow)
		plg_on_flow_end(w->w_plugins, w->w_index, rec, state);
}

static void
worker_flow_new(void *arg, const struct mm_flow_rec *rec, void *state)
{
	struct dp_worker *w = arg;

	plg_on_flow_new(w->w_plugins, w->w_index, rec, state);
}

/* The plugins' view of a burst: decoded packets with their flows. */
static uint16_t
pkt_views(const struct flow_pkt *fp, uint16_t n, struct mm_pkt *v)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_pkt *p = fp[i].fp_pkt;
		struct mm_pkt *o = &v[k];

		if (fp[i].fp_rec == NULL)
			continue;
		o->pk_l3 = p->p_l3;
		o->pk_payload = p->p_payload;
		o->pk_ts_ns = fp[i].fp_ts_ns;
		o->pk_wire_len = fp[i].fp_wire_len;
		o->pk_tcp_seq = p->p_tcp_seq;
		o->pk_tcp_ack = p->p_tcp_ack;
		o->pk_payload_len = p->p_payload_len;
		o->pk_sport = p->p_sport;
		o->pk_dport = p->p_dport;
		o->pk_tcp_win = p->p_tcp_win;
		o->pk_family = p->p_family;
		o->pk_proto = p->p_proto;
		o->pk_tcp_flags = p->p_tcp_flags;
		o->pk_tcp_optlen = p->p_tcp_optlen;
		o->pk_ttl = p->p_ttl;
		o->pk_to_server = fp[i].fp_to_server;
		o->pk_flow = fp[i].fp_rec;
		o->pk_flow_state = fp[i].fp_state;
		k++;
	}
	return (k);
}

static int
on_match(void *arg, uint32_t plugin, uint32_t pattern_id, uint64_t from, uint64_t to)
{
	struct match_ctx *mc = arg;

	mc->mc_w->w_stats.ls_matches++;
	plg_on_match(
		mc->mc_w->w_plugins, mc->mc_w->w_index, plugin, pattern_id, mc->mc_pkt, from, to);
	return (0);
}

/* A TCP segment for stream scope: its bytes in the order of its direction. */
static void
scan_segment(
	struct dp_worker *w, const struct hsvc_gen *g, const struct mm_pkt *v, struct match_ctx *mc)
{
	struct dp_segment sg = {
		.sg_data = v->pk_payload,
		.sg_len = v->pk_payload_len,
		.sg_seq = v->pk_tcp_seq,
		.sg_server_port = v->pk_to_server ? v->pk_dport : v->pk_sport,
		.sg_flags = v->pk_tcp_flags,
		.sg_to_server = v->pk_to_server,
	};

	dp_stream_segment(
		w->w_streams, flow_aux(v->pk_flow_state), g, w->w_index, &sg, on_match, mc);
}

/*
 * Every TCP and UDP payload against the generation's block patterns, and,
 * when it has stream patterns, TCP segments through stream scope.  Without
 * them no stream state is touched: streams a reload left open end with their
 * flows.
 */
static void
scan_payloads(struct dp_worker *w, const struct hsvc_gen *g, const struct mm_pkt *v, uint16_t k)
{
	bool streams = w->w_streams != NULL && hsvc_gen_stream_size(g, IPPROTO_TCP) > 0;

	for (uint16_t i = 0; i < k; i++) {
		struct match_ctx mc = { .mc_w = w, .mc_pkt = &v[i] };
		int rv;

		if (streams && v[i].pk_proto == IPPROTO_TCP)
			scan_segment(w, g, &v[i], &mc);
		if (v[i].pk_payload_len == 0 ||
			(v[i].pk_proto != IPPROTO_TCP && v[i].pk_proto != IPPROTO_UDP))
			continue;
		rv = hsvc_scan_block(g, w->w_index, v[i].pk_proto, v[i].pk_to_server,
			v[i].pk_to_server ? v[i].pk_dport : v[i].pk_sport, v[i].pk_payload,
			v[i].pk_payload_len, on_match, &mc);
		if (unlikely(rv < 0))
			w->w_stats.ls_scan_errors++;
	}
}

/* What plugins see of a burst: their burst hooks, then pattern matches. */
static void
burst_to_plugins(struct dp_worker *w, const struct flow_pkt *fp, uint16_t n)
{
	const struct hsvc_gen *g = w->w_gen != NULL ? w->w_gen->g_patterns : NULL;
	struct mm_pkt v[BURST_MAX];
	uint16_t k;

	if (!w->w_plugins->ps_any_burst && g == NULL)
		return;
	k = pkt_views(fp, n, v);
	if (k == 0)
		return;
	if (w->w_plugins->ps_any_burst)
		plg_on_burst(w->w_plugins, w->w_index, v, k);
	if (g != NULL)
		scan_payloads(w, g, v, k);
}

void
dp_worker_process(struct dp_worker *w, struct rte_mbuf **m, uint16_t n)
{
	struct dp_lcore_stats *st = &w->w_stats;
	struct dp_pkt pk[BURST_MAX];
	struct flow_pkt fp[BURST_MAX];
	uint16_t nf = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *mb = m[i];
		int layer = dp_decode_seg(rte_pktmbuf_mtod(mb, const uint8_t *),
			rte_pktmbuf_data_len(mb), rte_pktmbuf_pkt_len(mb), &pk[i]);

		st->ls_pkts++;
		st->ls_bytes += rte_pktmbuf_pkt_len(mb);
		if (unlikely(pk[i].p_anomaly != DP_AN_NONE))
			st->ls_anomalies[pk[i].p_anomaly]++;
		if (layer == DP_LAYER_L4) {
			st->ls_l4++;
		} else if (layer == DP_LAYER_L3) {
			st->ls_l3++;
		} else {
			st->ls_not_ip++;
			continue;
		}
		fp[nf].fp_pkt = &pk[i];
		fp[nf].fp_ts_ns = *pkt_ts(w->w_all, mb);
		fp[nf].fp_wire_len = rte_pktmbuf_pkt_len(mb);
		fp[nf].fp_port = mb->port;
		nf++;
	}
	if (nf > 0) {
		flow_table_update_burst(w->w_ft, fp, nf);
		burst_to_plugins(w, fp, nf);
	}
	rte_pktmbuf_free_bulk(m, n);
}

/* Stamps each mbuf with its time in ns: the capture time, or the TSC clock. */
static void
stamp(const struct dp_workers *ws, const struct dp_rxq *q, struct rte_mbuf **m, uint16_t n)
{
	uint64_t now = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (q->q_pcap_ts && (m[i]->ol_flags & ws->ws_ts_flag)) {
			*pkt_ts(ws, m[i]) *= 1000;
		} else {
			if (now == 0)
				now = dp_clock_ns(ws);
			*pkt_ts(ws, m[i]) = now;
			m[i]->ol_flags |= ws->ws_ts_flag;
		}
	}
}

/* Sends each packet to the worker its addresses hash to; keeps its own share. */
static void
dispatch(struct dp_worker *w, struct rte_mbuf **m, uint16_t n)
{
	struct dp_workers *ws = w->w_all;
	struct rte_mbuf *out[DP_MAX_WORKERS][BURST_MAX];
	uint16_t cnt[DP_MAX_WORKERS] = { 0 };
	struct dp_pkt pk;

	for (uint16_t i = 0; i < n; i++) {
		dp_decode_seg(rte_pktmbuf_mtod(m[i], const uint8_t *), rte_pktmbuf_data_len(m[i]),
			rte_pktmbuf_pkt_len(m[i]), &pk);
		unsigned t = dp_dispatch_hash(&pk, ws->ws_n);

		out[t][cnt[t]++] = m[i];
	}
	for (unsigned t = 0; t < ws->ws_n; t++) {
		unsigned sent = 0;

		if (cnt[t] == 0)
			continue;
		if (t == w->w_index) {
			dp_worker_process(w, out[t], cnt[t]);
			continue;
		}
		do {
			sent += rte_ring_enqueue_burst(
				ws->ws_v[t]->w_in, (void **)&out[t][sent], cnt[t] - sent, NULL);
		} while (sent < cnt[t] && w->w_backpressure);
		w->w_stats.ls_dispatched += sent;
		if (sent < cnt[t]) {
			w->w_stats.ls_dispatch_drops += cnt[t] - sent;
			rte_pktmbuf_free_bulk(&out[t][sent], cnt[t] - sent);
		}
	}
}

static unsigned
poll_queues(struct dp_worker *w)
{
	struct rte_mbuf *m[BURST_MAX];
	unsigned got = 0;

	for (unsigned i = 0; i < w->w_nrxq; i++) {
		const struct dp_rxq *q = &w->w_rxq[i];
		uint16_t n = rte_eth_rx_burst(q->q_port, q->q_queue, m, w->w_burst);

		if (n == 0)
			continue;
		got += n;
		w->w_stats.ls_rx_pkts += n;
		for (uint16_t k = 0; k < n; k++)
			w->w_stats.ls_rx_bytes += rte_pktmbuf_pkt_len(m[k]);
		stamp(w->w_all, q, m, n);
		if (q->q_dispatch)
			dispatch(w, m, n);
		else
			dp_worker_process(w, m, n);
	}
	return (got);
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_workers *ws = w->w_all;
	struct rte_mbuf *m[BURST_MAX];
	bool rx_done = w->w_nrxq == 0;
	bool offline = w->w_backpressure;

	rte_rcu_qsbr_thread_register(ws->ws_qsv, w->w_index);
	rte_rcu_qsbr_thread_online(ws->ws_qsv, w->w_index);
	for (;;) {
		uint64_t t0 = rte_rdtsc(), now;
		unsigned got = 0;
		uint16_t n;

		w->w_gen = __atomic_load_n(&ws->ws_gen, __ATOMIC_ACQUIRE);
		if (!rx_done) {
			/*
			 * Read the flag first: a stop seen here is followed by exactly one
			 * more poll.  Offline that poll finds the capture's end; live, traffic
			 * that goes on arriving stays in the NIC rather than keep us here.
			 */
			bool stop = ws->ws_stop;

			rte_compiler_barrier();
			got += poll_queues(w);
			if (stop) {
				rx_done = true;
				rte_atomic32_dec(&ws->ws_rx_active);
			}
		}
		n = (uint16_t)rte_ring_sc_dequeue_burst(w->w_in, (void **)m, w->w_burst, NULL);
		if (n > 0) {
			dp_worker_process(w, m, n);
			got += n;
		}
		now = offline ? flow_table_now(w->w_ft) : dp_clock_ns(ws);
		flow_table_expire(w->w_ft, now, 64);
		if (got > 0)
			w->w_stats.ls_busy_cycles += rte_rdtsc() - t0;
		w->w_stats.ls_cycles += rte_rdtsc() - t0;
		/* Nothing of this loop's generation is held past here. */
		rte_rcu_qsbr_quiescent(ws->ws_qsv, w->w_index);
		if (rx_done && rte_atomic32_read(&ws->ws_rx_active) == 0 && rte_ring_empty(w->w_in))
			break;
	}
	flow_table_flush(w->w_ft, MM_FLOW_END_SHUTDOWN);
	rte_rcu_qsbr_thread_offline(ws->ws_qsv, w->w_index);
	rte_rcu_qsbr_thread_unregister(ws->ws_qsv, w->w_index);
	rte_smp_wmb();
	w->w_done = true;
	return (0);
}

int
dp_gen_init(struct dp_workers *ws)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX(ws->ws_n, 1U));

	ws->ws_qsv = rte_zmalloc("dp_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (ws->ws_qsv == NULL)
		return (-ENOMEM);
	return (rte_rcu_qsbr_init(ws->ws_qsv, RTE_MAX(ws->ws_n, 1U)));
}

struct dp_gen *
dp_gen_publish(struct dp_workers *ws, struct dp_gen *g)
{
	struct dp_gen *old = ws->ws_gen;

	__atomic_store_n(&ws->ws_gen, g, __ATOMIC_RELEASE);
	/* Waits for every registered worker to pass a quiescent point. */
	rte_rcu_qsbr_synchronize(ws->ws_qsv, RTE_QSBR_THRID_INVALID);
	return (old);
}

void
dp_gen_fini(struct dp_workers *ws)
{
	rte_free(ws->ws_qsv);
	ws->ws_qsv = NULL;
}

struct dp_worker *
dp_worker_create(struct dp_workers *ws, unsigned index, unsigned lcore, const struct dp_settings *s,
	bool offline, struct plg_set *plugins)
{
	struct flow_table_conf fc = s->s_flow;
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct dp_worker *w;
	char name[RTE_RING_NAMESIZE];

	w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return (NULL);
	w->w_index = index;
	w->w_lcore = lcore;
	w->w_all = ws;
	w->w_burst = s->s_burst;
	w->w_backpressure = offline;
	w->w_plugins = plugins;
	/* Any dispatcher may feed this ring; only this worker reads it. */
	snprintf(name, sizeof(name), "dp_in_%u", index);
	w->w_in = rte_ring_create(name, rte_align32pow2(s->s_dispatch_ring), socket, RING_F_SC_DEQ);
	if (w->w_in == NULL)
		goto fail;
	fc.fc_socket = socket;
	fc.fc_lcore = (uint16_t)lcore;
	fc.fc_emit = worker_flow_end;
	fc.fc_new = plugins->ps_any_flow ? worker_flow_new : NULL;
	fc.fc_emit_arg = w;
	fc.fc_state_size = plugins->ps_flow_size;
	snprintf(name, sizeof(name), "dp_flows_%u", index);
	if ((w->w_ft = flow_table_create(name, &fc)) == NULL)
		goto fail;
	if (s->s_stream.sc_depth > 0) {
		struct dp_stream_conf sc = s->s_stream;

		sc.sc_socket = socket;
		snprintf(name, sizeof(name), "dp_st_%u", index);
		if ((w->w_streams = dp_streams_create(name, &sc)) == NULL)
			goto fail;
	}
	return (w);

fail:
	dp_worker_free(w);
	return (NULL);
}

void
dp_worker_free(struct dp_worker *w)
{
	if (w == NULL)
		return;
	flow_table_free(w->w_ft);
	dp_streams_free(w->w_streams);
	rte_ring_free(w->w_in);
	rte_free(w);
}
