/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker side of pqcinv: spot TLS, QUIC and SSH openings, reassemble
 * them within a bound (TCP by sequence number, QUIC CRYPTO by offset after
 * decrypting Initial packets), tell when the handshake is complete, and hand
 * the bytes to the control thread.  No allocation here: slots, buffers and
 * the record ring are made in pqc_lcore_init.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "pqcinv_int.h"
#include "ssh.h"
#include "tls.h"

int
pqc_lcore_init(void *global, void *lcore_state, unsigned lcore)
{
	struct pqc_global *g = global;
	struct pqc_lcore *lc = lcore_state;
	size_t cap = g->g_stream_bytes;

	if (g->g_nlcores >= PQC_MAX_LCORES)
		return (-ENOSPC);
	lc->lc_g = g;
	lc->lc_lcore = lcore;
	lc->lc_slots = calloc(g->g_max_flows, sizeof(*lc->lc_slots));
	lc->lc_arena = malloc(g->g_max_flows * 2 * cap);
	lc->lc_scratch = malloc(cap);
	lc->lc_pkt = malloc(65536);
	lc->lc_rec_size = (sizeof(struct pqc_rec) + 2 * cap + 7) & ~(size_t)7;
	lc->lc_ring_n = (uint32_t)g->g_ring;
	lc->lc_ring = malloc(lc->lc_ring_n * lc->lc_rec_size);
	lc->lc_qc = quic_crypto_new();
	if (lc->lc_slots == NULL || lc->lc_arena == NULL || lc->lc_scratch == NULL ||
		lc->lc_pkt == NULL || lc->lc_ring == NULL || lc->lc_qc == NULL) {
		pqc_lcore_fini(global, lcore_state, lcore);
		return (-ENOMEM);
	}
	for (uint32_t i = 0; i < g->g_max_flows; i++) {
		lc->lc_slots[i].sl_buf[0] = lc->lc_arena + (size_t)i * 2 * cap;
		lc->lc_slots[i].sl_buf[1] = lc->lc_slots[i].sl_buf[0] + cap;
		lc->lc_slots[i].sl_next = i + 1 < g->g_max_flows ? i + 2 : 0;
	}
	lc->lc_free = g->g_max_flows > 0 ? 1 : 0;
	lc->lc_index = g->g_nlcores;
	g->g_lcores[g->g_nlcores++] = lc;
	return (0);
}

void
pqc_lcore_fini(void *global, void *lcore_state, unsigned lcore)
{
	struct pqc_global *g = global;
	struct pqc_lcore *lc = lcore_state;

	(void)lcore;
	if (lc->lc_g != NULL && lc->lc_index < g->g_nlcores && g->g_lcores[lc->lc_index] == lc)
		g->g_lcores[lc->lc_index] = NULL;
	free(lc->lc_slots);
	free(lc->lc_arena);
	free(lc->lc_scratch);
	free(lc->lc_pkt);
	free(lc->lc_ring);
	quic_crypto_free(lc->lc_qc);
	memset(lc, 0, sizeof(*lc));
}

static struct pqc_slot *
slot_get(struct pqc_lcore *lc, struct pqc_flow *pf)
{
	return (pf->pf_slot != 0 ? &lc->lc_slots[pf->pf_slot - 1] : NULL);
}

static struct pqc_slot *
slot_alloc(struct pqc_lcore *lc, struct pqc_flow *pf)
{
	struct pqc_slot *sl;
	uint8_t *b0, *b1;
	uint32_t next;

	if (lc->lc_free == 0)
		return (NULL);
	pf->pf_slot = lc->lc_free;
	sl = &lc->lc_slots[pf->pf_slot - 1];
	next = sl->sl_next;
	b0 = sl->sl_buf[0];
	b1 = sl->sl_buf[1];
	memset(sl, 0, sizeof(*sl));
	sl->sl_buf[0] = b0;
	sl->sl_buf[1] = b1;
	lc->lc_free = next;
	for (int d = 0; d < 2; d++)
		if (pf->pf_has_isn & (1u << (d ^ pf->pf_rev)))
			reasm_set_base(&sl->sl_ra[d], pf->pf_isn[d ^ pf->pf_rev]);
	return (sl);
}

static void
slot_free(struct pqc_lcore *lc, struct pqc_flow *pf)
{
	struct pqc_slot *sl = slot_get(lc, pf);

	if (sl == NULL)
		return;
	sl->sl_next = lc->lc_free;
	lc->lc_free = pf->pf_slot;
	pf->pf_slot = 0;
}

/* Room in the ring: the control thread takes records as it formats their events. */
static bool
ring_room(void *arg)
{
	const struct pqc_lcore *lc = arg;

	return (lc->lc_head - atomic_load_explicit(&lc->lc_tail, memory_order_acquire) <
		lc->lc_ring_n);
}

/* Copies the handshake into the ring and emits the event that points at it. */
static void
emit(struct pqc_lcore *lc, unsigned lcore, struct pqc_flow *pf, const struct mm_flow_rec *fr,
	uint64_t ts_ns, uint8_t flags)
{
	struct pqc_global *g = lc->lc_g;
	struct pqc_slot *sl = slot_get(lc, pf);
	struct pqc_ref ref = { .rf_lcore = lc->lc_index, .rf_seq = lc->lc_head };
	struct mm_event ev;
	struct pqc_rec *r;
	uint32_t cap = (uint32_t)g->g_stream_bytes;

	pf->pf_state = PQC_FLOW_DONE;
	if (sl == NULL)
		return;
	if (!mm_wait_room(g->g_host, g->g_ctx, ring_room, lc)) {
		pqc_count(g, lcore, PQC_C_RING_FULL, 1);
		slot_free(lc, pf);
		return;
	}
	r = pqc_ring_rec(lc, lc->lc_head);
	r->r_seq = lc->lc_head;
	r->r_flow_id = fr->fr_id;
	r->r_ts_ns = ts_ns;
	r->r_client = pf->pf_rev ? fr->fr_dst : fr->fr_src;
	r->r_server = pf->pf_rev ? fr->fr_src : fr->fr_dst;
	r->r_cport = pf->pf_rev ? fr->fr_dport : fr->fr_sport;
	r->r_sport = pf->pf_rev ? fr->fr_sport : fr->fr_dport;
	r->r_ipproto = fr->fr_proto;
	r->r_proto = pf->pf_proto;
	r->r_flags = sl->sl_flags | flags;
	r->r_quic_version = sl->sl_qversion;
	r->r_cap = cap;
	for (int d = 0; d < 2; d++) {
		r->r_len[d] = reasm_contig(&sl->sl_ra[d]);
		if (sl->sl_status[d] == TLS_DONE)
			r->r_flags |= d == 0 ? PQC_REC_CLIENT_DONE : PQC_REC_SERVER_DONE;
		if (sl->sl_ra[d].ra_nr > 1)
			r->r_flags |= PQC_REC_GAP;
		memcpy(r->r_data + (size_t)d * cap, sl->sl_buf[d], r->r_len[d]);
	}
	slot_free(lc, pf);
	memset(&ev, 0, offsetof(struct mm_event, ev_data));
	ev.ev_ts_ns = ts_ns;
	ev.ev_flow_id = fr->fr_id;
	/* EVE's source is the client, whichever side the flow table saw first. */
	ev.ev_src = r->r_client;
	ev.ev_dst = r->r_server;
	ev.ev_sport = r->r_cport;
	ev.ev_dport = r->r_sport;
	ev.ev_proto = fr->fr_proto;
	ev.ev_vlan = fr->fr_vlan_n > 0 ? fr->fr_vlan[0] : 0;
	ev.ev_len = sizeof(ref);
	memcpy(ev.ev_data, &ref, sizeof(ref));
	if (g->g_host->h_emit(g->g_ctx, lcore, &ev) < 0) {
		pqc_count(g, lcore, PQC_C_EMIT_FAIL, 1);
		return;
	}
	lc->lc_head++;
	pqc_count(g, lcore,
		pf->pf_proto == PQC_PROTO_SSH    ? PQC_C_SSH
		: pf->pf_proto == PQC_PROTO_QUIC ? PQC_C_QUIC
						 : PQC_C_TLS,
		1);
}

static void
note_reasm(struct pqc_lcore *lc, unsigned lcore, struct pqc_slot *sl, enum reasm_result rr)
{
	if (rr == REASM_CLIPPED) {
		sl->sl_flags |= PQC_REC_TRUNCATED;
		pqc_count(lc->lc_g, lcore, PQC_C_CLIPPED, 1);
	} else if (rr == REASM_HOLES) {
		sl->sl_flags |= PQC_REC_GAP;
		pqc_count(lc->lc_g, lcore, PQC_C_HOLES, 1);
	}
}

/* Re-evaluates one direction after new bytes. */
static void
update_status(struct pqc_lcore *lc, struct pqc_slot *sl, uint8_t proto, int d)
{
	uint32_t n = reasm_contig(&sl->sl_ra[d]), cap = (uint32_t)lc->lc_g->g_stream_bytes;
	const uint8_t *hs = sl->sl_buf[d];
	bool stopped = false;
	long k;

	if (sl->sl_status[d] != TLS_MORE || n == 0)
		return;
	if (proto == PQC_PROTO_SSH) {
		sl->sl_status[d] = (uint8_t)ssh_status(hs, n);
	} else {
		if (proto == PQC_PROTO_TLS) {
			k = tls_unrecord(hs, n, lc->lc_scratch, cap, &stopped);
			if (k < 0) {
				sl->sl_status[d] = TLS_BAD;
				return;
			}
			hs = lc->lc_scratch;
			n = (uint32_t)k;
		}
		sl->sl_status[d] = (uint8_t)(d == 0 ? tls_client_status(hs, n)
						    : tls_server_status(hs, n, stopped));
	}
	if (sl->sl_status[d] == TLS_MORE && reasm_contig(&sl->sl_ra[d]) >= cap)
		sl->sl_status[d] = TLS_DONE; /* what fits is all there will be */
}

static void
check_done(struct pqc_lcore *lc, unsigned lcore, const struct mm_pkt *pk, struct pqc_flow *pf,
	struct pqc_slot *sl)
{
	if (sl->sl_status[0] == TLS_BAD) {
		/* Not the handshake it looked like: nothing to inventory. */
		pqc_count(lc->lc_g, lcore, PQC_C_BAD, 1);
		slot_free(lc, pf);
		pf->pf_state = PQC_FLOW_DONE;
		return;
	}
	/* Both openings complete (an SSH server may finish first). */
	if (sl->sl_status[0] == TLS_DONE && sl->sl_status[1] != TLS_MORE)
		emit(lc, lcore, pf, pk->pk_flow, pk->pk_ts_ns, 0);
}

static void
tcp_packet(struct pqc_lcore *lc, unsigned lcore, const struct mm_pkt *pk, struct pqc_flow *pf)
{
	int raw = pk->pk_to_server ? 0 : 1, d;
	struct pqc_slot *sl;
	uint32_t cap = (uint32_t)lc->lc_g->g_stream_bytes;

	if (pk->pk_tcp_flags & MM_TCP_SYN) {
		pf->pf_isn[raw] = pk->pk_tcp_seq + 1;
		pf->pf_has_isn |= (uint8_t)(1u << raw);
	}
	if (pk->pk_payload_len == 0)
		return;
	if (pf->pf_state == PQC_FLOW_WATCH) {
		if (ssh_looks_like(pk->pk_payload, pk->pk_payload_len))
			pf->pf_proto = PQC_PROTO_SSH;
		else if (tls_looks_like(pk->pk_payload, pk->pk_payload_len)) {
			/* A ClientHello from the responder: the capture began mid-flow. */
			pf->pf_proto = PQC_PROTO_TLS;
			pf->pf_rev = (uint8_t)raw;
		} else {
			pf->pf_state = PQC_FLOW_DONE;
			return;
		}
		if (slot_alloc(lc, pf) == NULL) {
			pqc_count(lc->lc_g, lcore, PQC_C_NO_SLOT, 1);
			pf->pf_state = PQC_FLOW_DONE;
			return;
		}
		pf->pf_state = PQC_FLOW_TRACK;
	}
	d = raw ^ pf->pf_rev;
	sl = slot_get(lc, pf);
	if (sl->sl_status[d] != TLS_MORE)
		return;
	note_reasm(lc, lcore, sl,
		reasm_add_tcp(&sl->sl_ra[d], sl->sl_buf[d], cap, pk->pk_tcp_seq, pk->pk_payload,
			pk->pk_payload_len));
	update_status(lc, sl, pf->pf_proto, d);
	check_done(lc, lcore, pk, pf, sl);
}

struct crypto_arg {
	struct pqc_lcore *ca_lc;
	struct pqc_slot *ca_sl;
	unsigned ca_lcore;
	int ca_dir;
};

static void
crypto_frame(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	struct crypto_arg *ca = arg;

	note_reasm(ca->ca_lc, ca->ca_lcore, ca->ca_sl,
		reasm_add(&ca->ca_sl->sl_ra[ca->ca_dir], ca->ca_sl->sl_buf[ca->ca_dir],
			(uint32_t)ca->ca_lc->lc_g->g_stream_bytes, off, data, len));
}

/* One long-header packet of a datagram (already copied to lc_pkt). */
static int
quic_packet(struct pqc_lcore *lc, unsigned lcore, struct pqc_slot *sl, int d, uint8_t *p, size_t n,
	size_t *used)
{
	struct crypto_arg ca = { lc, sl, lcore, d };
	struct quic_hdr h;
	uint8_t *frames;
	size_t nframes;

	if (quic_parse_long(p, n, &h) < 0)
		return (-EINVAL);
	*used = h.h_end;
	if (h.h_type == QUIC_RETRY && d == 1) {
		/* The client starts over with the server's new connection id. */
		sl->sl_flags |= PQC_REC_RETRY;
		memset(&sl->sl_ra[0], 0, sizeof(sl->sl_ra[0]));
		sl->sl_status[0] = TLS_MORE;
		sl->sl_keys = false;
		return (0);
	}
	if (h.h_type != QUIC_INITIAL)
		return (0);
	if (d == 0 && (!sl->sl_keys || h.h_dcid_len != sl->sl_dcid_len ||
			      memcmp(h.h_dcid, sl->sl_dcid, h.h_dcid_len) != 0)) {
		if (quic_initial_keys(lc->lc_qc, h.h_version, h.h_dcid, h.h_dcid_len, false,
			    &sl->sl_ck) < 0 ||
			quic_initial_keys(lc->lc_qc, h.h_version, h.h_dcid, h.h_dcid_len, true,
				&sl->sl_sk) < 0)
			return (-EIO);
		memcpy(sl->sl_dcid, h.h_dcid, h.h_dcid_len);
		sl->sl_dcid_len = h.h_dcid_len;
		sl->sl_keys = true;
		sl->sl_qversion = h.h_version;
	}
	if (!sl->sl_keys)
		return (-EINVAL);
	if (quic_decrypt(lc->lc_qc, d == 0 ? &sl->sl_ck : &sl->sl_sk, &h, p, &frames, &nframes) < 0)
		return (-EBADMSG);
	return (quic_frames(frames, nframes, crypto_frame, &ca));
}

static void
udp_packet(struct pqc_lcore *lc, unsigned lcore, const struct mm_pkt *pk, struct pqc_flow *pf)
{
	int d = pk->pk_to_server ? 0 : 1;
	size_t pos = 0, n = pk->pk_payload_len;
	struct pqc_slot *sl;

	if (n == 0)
		return;
	if (pf->pf_state == PQC_FLOW_WATCH) {
		if (d != 0 || !quic_looks_like(pk->pk_payload, n)) {
			pf->pf_state = PQC_FLOW_DONE;
			return;
		}
		pf->pf_proto = PQC_PROTO_QUIC;
		if (slot_alloc(lc, pf) == NULL) {
			pqc_count(lc->lc_g, lcore, PQC_C_NO_SLOT, 1);
			pf->pf_state = PQC_FLOW_DONE;
			return;
		}
		pf->pf_state = PQC_FLOW_TRACK;
	}
	sl = slot_get(lc, pf);
	if (++pf->pf_dgrams > 32) {
		/* Long past any Initial: what arrived is what there is. */
		emit(lc, lcore, pf, pk->pk_flow, pk->pk_ts_ns, 0);
		return;
	}
	if ((pk->pk_payload[0] & 0x80) == 0 || sl->sl_status[d] != TLS_MORE)
		return; /* short header (1-RTT) or this side complete */
	memcpy(lc->lc_pkt, pk->pk_payload, n);
	while (pos < n && (lc->lc_pkt[pos] & 0x80) != 0) {
		size_t used = 0;

		if (quic_packet(lc, lcore, sl, d, lc->lc_pkt + pos, n - pos, &used) < 0) {
			pqc_count(lc->lc_g, lcore, PQC_C_QUIC_BAD, 1);
			break;
		}
		pos += used;
	}
	update_status(lc, sl, PQC_PROTO_QUIC, d);
	check_done(lc, lcore, pk, pf, sl);
}

void
pqc_on_burst(void *global, void *lcore_state, unsigned lcore, const struct mm_pkt *pkts, uint16_t n)
{
	struct pqc_lcore *lc = lcore_state;

	(void)global;
	for (uint16_t i = 0; i < n; i++) {
		const struct mm_pkt *pk = &pkts[i];
		struct pqc_flow *pf = pk->pk_flow_state;

		if (pf == NULL || pk->pk_flow == NULL || pf->pf_state == PQC_FLOW_DONE ||
			lc->lc_slots == NULL)
			continue;
		if (pk->pk_proto == IPPROTO_TCP)
			tcp_packet(lc, lcore, pk, pf);
		else if (pk->pk_proto == IPPROTO_UDP)
			udp_packet(lc, lcore, pk, pf);
		else
			pf->pf_state = PQC_FLOW_DONE;
	}
}

void
pqc_on_flow_end(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *flow,
	void *flow_state)
{
	struct pqc_lcore *lc = lcore_state;
	struct pqc_flow *pf = flow_state;
	struct pqc_slot *sl;

	(void)global;
	if (lc->lc_slots == NULL || (sl = slot_get(lc, pf)) == NULL)
		return;
	if (flow->fr_end == MM_FLOW_END_ACTIVE)
		return; /* the flow goes on */
	if (sl->sl_status[0] == TLS_BAD || reasm_contig(&sl->sl_ra[0]) == 0) {
		slot_free(lc, pf);
		pf->pf_state = PQC_FLOW_DONE;
		return;
	}
	emit(lc, lcore, pf, flow, flow->fr_last_ns, PQC_REC_FLOW_END);
}
