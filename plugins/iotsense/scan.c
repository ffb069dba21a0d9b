/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scan behaviour on packets and flow records.  See scan.h.
 *
 * Connection outcome of a flow record that the initiator opened:
 *	TCP   the initiator sent a SYN; success when the responder answered with
 *	      SYN-ACK or the initiator went on to ACK (one-way records from an
 *	      exporter, or asymmetric routing); failure when it only sent SYNs
 *	      (no answer, or a reset).
 *	UDP   (packet flows only; one-way NetFlow records say nothing) success
 *	      when the responder sent anything back.
 *	ICMP  echo requests: success with any reply.
 * Only the first contact of a source with a destination in the window moves
 * the walk (Jung et al.); every failure counts towards the fan-out, weighted by
 * the record's sampling rate, which is the same as dividing the thresholds by it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "login.h"
#include "scan.h"

#define IOT_NS_PER_DAY      (86400ULL * 1000000000ULL)
#define IOT_PORT_TELNET     23
#define IOT_PORT_TELNET_ALT 2323

static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (x);
}

static inline uint64_t
addr_hash(const struct mm_addr *a)
{
	uint64_t w0, w1;

	memcpy(&w0, a->a_bytes, 8);
	memcpy(&w1, a->a_bytes + 8, 8);
	return (mix64(w0 ^ mix64(w1 + 0x9e3779b97f4a7c15ULL)));
}

static inline bool
addr_eq(const struct mm_addr *a, const struct mm_addr *b)
{
	return (memcmp(a->a_bytes, b->a_bytes, sizeof(a->a_bytes)) == 0);
}

static bool
addr_is_v4(const struct mm_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return (memcmp(a->a_bytes, mapped, sizeof(mapped)) == 0);
}

/* Multicast, broadcast and unspecified destinations never answer a scan. */
static bool
addr_is_group(const struct mm_addr *a)
{
	const uint8_t *b = a->a_bytes;

	if (addr_is_v4(a))
		return (b[12] >= 224 || b[12] == 0 ||
			(b[13] == 255 && b[14] == 255 && b[15] == 255));
	return (b[0] == 0xff);
}

static bool
prefix_contains(const struct mm_prefix *p, const struct mm_addr *a)
{
	unsigned full = p->p_len / 8, rest = p->p_len % 8;

	if (memcmp(p->p_addr.a_bytes, a->a_bytes, full) != 0)
		return (false);
	if (rest == 0)
		return (true);
	return (((p->p_addr.a_bytes[full] ^ a->a_bytes[full]) & (0xff00 >> rest) & 0xff) == 0);
}

static bool
in_darknet(const struct iot_conf *c, const struct mm_addr *a)
{
	for (unsigned i = 0; i < c->c_n_dark; i++)
		if (prefix_contains(&c->c_dark[i], a))
			return (true);
	return (false);
}

static bool
is_exploit_port(const struct iot_conf *c, uint16_t port)
{
	for (unsigned i = 0; i < c->c_n_exploit; i++)
		if (c->c_exploit_ports[i] == port)
			return (true);
	return (false);
}

/* Starts a new filter when the window has passed: two windows are remembered. */
static void
bloom_age(struct iot_lcore *l, const struct iot_conf *c, uint64_t now_ns)
{
	if (now_ns < l->l_bloom_ns + c->c_window_ns)
		return;
	l->l_bloom_cur ^= 1;
	memset(l->l_bloom[l->l_bloom_cur], 0, sizeof(l->l_bloom[0]));
	l->l_bloom_ns = now_ns;
}

/* Whether key was seen in this window or the last; remembers it in this one. */
static bool
bloom_seen(struct iot_lcore *l, uint64_t key)
{
	uint64_t h[3] = { key, mix64(key ^ 0x5bd1e995ULL), mix64(key + 0x27d4eb2fULL) };
	bool seen = true;

	for (unsigned i = 0; i < 3; i++) {
		uint32_t bit = (uint32_t)(h[i] & (IOT_BLOOM_BITS - 1));
		uint64_t m = 1ULL << (bit & 63);
		bool here = (l->l_bloom[0][bit / 64] & m) || (l->l_bloom[1][bit / 64] & m);

		seen = seen && here;
		l->l_bloom[l->l_bloom_cur][bit / 64] |= m;
	}
	return (seen);
}

static uint64_t
contact_key(unsigned kind, const struct mm_addr *src, const struct mm_addr *dst, uint16_t port)
{
	return (mix64(addr_hash(src) * 31 + addr_hash(dst) + ((uint64_t)port << 8) + kind));
}

struct iot_host *
iot_host_get(struct iot_lcore *l, const struct mm_addr *a, uint64_t now_ns)
{
	uint64_t h = addr_hash(a);
	struct iot_host *victim = NULL;

	for (unsigned i = 0; i < IOT_PROBE; i++) {
		struct iot_host *e = &l->l_hosts[(h + i) & (IOT_HOSTS - 1)];

		if (!e->h_used) {
			memset(e, 0, sizeof(*e));
			e->h_used = 1;
			e->h_addr = *a;
			e->h_first_ns = e->h_last_ns = e->h_win_ns = now_ns;
			return (e);
		}
		if (addr_eq(&e->h_addr, a)) {
			if (now_ns > e->h_last_ns)
				e->h_last_ns = now_ns;
			return (e);
		}
		if (victim == NULL || e->h_last_ns < victim->h_last_ns)
			victim = e;
	}
	/* Full around here: the least recent host makes room. */
	memset(victim, 0, sizeof(*victim));
	victim->h_used = 1;
	victim->h_addr = *a;
	victim->h_first_ns = victim->h_last_ns = victim->h_win_ns = now_ns;
	return (victim);
}

static struct iot_pair *
pair_get(struct iot_lcore *l, const struct mm_flow_rec *r, uint64_t now_ns)
{
	uint64_t h = mix64(addr_hash(&r->fr_src) ^ (addr_hash(&r->fr_dst) * 3) ^ r->fr_dport);
	struct iot_pair *victim = NULL;

	for (unsigned i = 0; i < IOT_PROBE; i++) {
		struct iot_pair *e = &l->l_pairs[(h + i) & (IOT_PAIRS - 1)];

		if (e->p_used && addr_eq(&e->p_src, &r->fr_src) && addr_eq(&e->p_dst, &r->fr_dst) &&
			e->p_dport == r->fr_dport)
			return (e);
		if (!e->p_used) {
			victim = e;
			break;
		}
		if (victim == NULL || e->p_last_ns < victim->p_last_ns)
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->p_used = 1;
	victim->p_src = r->fr_src;
	victim->p_dst = r->fr_dst;
	victim->p_dport = r->fr_dport;
	victim->p_first_ns = victim->p_win_ns = now_ns;
	return (victim);
}

/* Space-saving top ports: a port not yet kept replaces the least counted one. */
static void
top_port(struct iot_host *h, uint16_t port, uint32_t w)
{
	unsigned min = 0;

	for (unsigned i = 0; i < IOT_TOP_PORTS; i++) {
		if (h->h_port_n[i] != 0 && h->h_ports[i] == port) {
			h->h_port_n[i] += w;
			return;
		}
		if (h->h_port_n[i] < h->h_port_n[min])
			min = i;
	}
	h->h_ports[min] = port;
	h->h_port_n[min] += w;
}

void
iot_report(struct iot_global *g, struct iot_lcore *l, struct iot_host *dev, struct iot_evd *evd,
	const struct mm_addr *peer, uint16_t port, uint64_t now_ns)
{
	struct mm_event ev;

	/* Findings are made again each day the behaviour goes on: daily counts. */
	if (dev->h_day != (uint32_t)(now_ns / IOT_NS_PER_DAY)) {
		dev->h_day = (uint32_t)(now_ns / IOT_NS_PER_DAY);
		dev->h_reported = 0;
		dev->h_sigs = 0;
	}
	if (dev->h_reported & (1U << evd->ie_reason)) {
		/* One banner finding per product and device a day. */
		if (evd->ie_reason != IOT_WHY_BANNER ||
			(dev->h_sigs & (1ULL << (evd->ie_sig % 64))))
			return;
	}
	if (g->g_conf.c_home_only && !g->g_host->h_is_home(g->g_ctx, &dev->h_addr))
		return;
	evd->ie_first_ns = dev->h_first_ns;
	evd->ie_last_ns = dev->h_last_ns > now_ns ? dev->h_last_ns : now_ns;
	memcpy(evd->ie_n, dev->h_n, sizeof(evd->ie_n));
	memcpy(evd->ie_ports, dev->h_ports, sizeof(evd->ie_ports));
	memcpy(evd->ie_port_n, dev->h_port_n, sizeof(evd->ie_port_n));
	evd->ie_trw_milli = (int32_t)(dev->h_trw * 1000.0f);
	evd->ie_sport = dev->h_sport;
	evd->ie_port = port;
	memset(&ev, 0, offsetof(struct mm_event, ev_data));
	ev.ev_ts_ns = now_ns;
	ev.ev_src = dev->h_addr;
	if (peer != NULL) {
		ev.ev_dst = *peer;
		evd->ie_peer = *peer;
		evd->ie_peer_set = 1;
	}
	ev.ev_dport = port;
	ev.ev_proto = evd->ie_proto;
	ev.ev_len = sizeof(*evd);
	memcpy(ev.ev_data, evd, sizeof(*evd));
	if (g->g_host->h_emit(g->g_ctx, l->l_lcore, &ev) == 0) {
		dev->h_reported |= (uint16_t)(1U << evd->ie_reason);
		if (evd->ie_reason == IOT_WHY_BANNER)
			dev->h_sigs |= 1ULL << (evd->ie_sig % 64);
		g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_events, 1);
	} else {
		g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_drops, 1);
	}
}

static void
report_scan(struct iot_global *g, struct iot_lcore *l, struct iot_host *h, enum iot_reason why,
	const struct mm_addr *peer, uint8_t proto, uint16_t port, uint64_t now_ns)
{
	struct iot_evd evd;

	memset(&evd, 0, sizeof(evd));
	evd.ie_proto = proto;
	evd.ie_category = IOT_CAT_INFECTED;
	evd.ie_reason = (uint8_t)why;
	evd.ie_confirmed = 1;
	iot_report(g, l, h, &evd, peer, port, now_ns);
}

/* One SYN without ACK from the initiator: counts, and Mirai's mark. */
static void
syn_seen(struct iot_global *g, struct iot_lcore *l, const struct mm_pkt *p)
{
	const struct iot_conf *c = &g->g_conf;
	const struct mm_flow_rec *r = p->pk_flow;
	struct iot_host *h = iot_host_get(l, &r->fr_src, p->pk_ts_ns);
	const uint8_t *ip = p->pk_l3;
	uint32_t dst;

	h->h_n[IOT_N_SYNS]++;
	top_port(h, p->pk_dport, 1);
	if (is_exploit_port(c, p->pk_dport))
		h->h_n[IOT_N_EXPLOIT]++;
	if (p->pk_family != 4 || p->pk_tcp_optlen != 0)
		return;
	dst = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	if (p->pk_tcp_seq != dst)
		return;
	h->h_n[IOT_N_MIRAI]++;
	if (p->pk_dport == IOT_PORT_TELNET)
		h->h_n[IOT_N_MIRAI_23]++;
	else if (p->pk_dport == IOT_PORT_TELNET_ALT)
		h->h_n[IOT_N_MIRAI_2323]++;
	/* Boyer-Moore majority: Mirai keeps one source port for the process. */
	if (h->h_sport_c == 0) {
		h->h_sport = p->pk_sport;
		h->h_sport_c = 1;
		h->h_n[IOT_N_SPORT_SAME] = 1;
	} else if (h->h_sport == p->pk_sport) {
		if (h->h_sport_c < UINT16_MAX)
			h->h_sport_c++;
		h->h_n[IOT_N_SPORT_SAME]++;
	} else {
		h->h_sport_c--;
	}
	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_mirai, 1);
	if (h->h_n[IOT_N_MIRAI] >= c->c_mirai_min)
		report_scan(g, l, h, IOT_WHY_MIRAI_SYN, &r->fr_dst, 6, p->pk_dport, p->pk_ts_ns);
}

void
iot_scan_burst(struct iot_global *g, struct iot_lcore *l, const struct mm_pkt *pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct mm_pkt *p = &pkts[i];

		if (p->pk_proto == 6 && p->pk_flow != NULL && p->pk_to_server &&
			(p->pk_tcp_flags & (MM_TCP_SYN | MM_TCP_ACK | MM_TCP_RST)) == MM_TCP_SYN)
			syn_seen(g, l, p);
	}
	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_pkts, n);
}

/* 1 success, 0 failure, -1 when the record says nothing about an outcome. */
static int
outcome(const struct iot_conf *c, const struct mm_flow_rec *r)
{
	if (addr_is_group(&r->fr_dst))
		return (-1);
	switch (r->fr_proto) {
	case 6:
		if (!(r->fr_tcp_flags_ts & MM_TCP_SYN))
			return (-1);
		if ((r->fr_tcp_flags_tc & (MM_TCP_SYN | MM_TCP_ACK)) == (MM_TCP_SYN | MM_TCP_ACK) ||
			(r->fr_tcp_flags_ts & MM_TCP_ACK))
			return (1);
		return (0);
	case 17:
		if (!c->c_udp || r->fr_source != MM_FLOW_SRC_PACKETS)
			return (-1);
		return (r->fr_pkts_tc > 0);
	case 1:
	case 58:
		if (r->fr_source != MM_FLOW_SRC_PACKETS ||
			r->fr_icmp_type != (r->fr_proto == 1 ? 8 : 128))
			return (-1);
		return (r->fr_pkts_tc > 0);
	default:
		return (-1);
	}
}

static void
walk(struct iot_global *g, struct iot_lcore *l, struct iot_host *h, const struct mm_flow_rec *r,
	int ok)
{
	const struct iot_conf *c = &g->g_conf;

	if (!c->c_trw)
		return;
	h->h_trw += (float)(ok ? c->c_trw_ok_step : c->c_trw_fail_step);
	if (h->h_trw <= c->c_trw_eta0)
		h->h_trw = 0; /* benign so far: a later infection starts a new walk */
	else if (h->h_trw >= c->c_trw_eta1)
		report_scan(
			g, l, h, IOT_WHY_TRW, &r->fr_dst, r->fr_proto, r->fr_dport, r->fr_last_ns);
}

static void
failed(struct iot_global *g, struct iot_lcore *l, struct iot_host *h, const struct mm_flow_rec *r,
	uint32_t w)
{
	const struct iot_conf *c = &g->g_conf;
	uint64_t dh = addr_hash(&r->fr_dst);

	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_failed, 1);
	h->h_n[IOT_N_FAILED] += w;
	if (!bloom_seen(l, contact_key(2, &r->fr_src, &r->fr_dst, 0)))
		h->h_n[IOT_N_DSTS] += w;
	if (r->fr_proto != 1 && r->fr_proto != 58 &&
		!bloom_seen(l, contact_key(3, &r->fr_src, &r->fr_dst, r->fr_dport))) {
		if (h->h_ps_dst == dh) {
			h->h_n[IOT_N_PORTS] += w;
		} else if (h->h_n[IOT_N_PORTS] <= 1) {
			h->h_ps_dst = dh;
			h->h_n[IOT_N_PORTS] = w;
		}
	}
	/* TCP packet flows had their ports counted from the SYNs themselves. */
	if ((r->fr_source != MM_FLOW_SRC_PACKETS && r->fr_proto == 6) || r->fr_proto == 17)
		top_port(h, r->fr_dport, w);
	if (h->h_n[IOT_N_DSTS] >= c->c_fan_hosts)
		report_scan(g, l, h, IOT_WHY_ADDR_SCAN, &r->fr_dst, r->fr_proto, r->fr_dport,
			r->fr_last_ns);
	if (h->h_n[IOT_N_PORTS] >= c->c_fan_ports)
		report_scan(g, l, h, IOT_WHY_PORT_SCAN, &r->fr_dst, r->fr_proto, r->fr_dport,
			r->fr_last_ns);
}

/* Login sessions and failures against one service: a storm is an attempt on the target. */
static void
logins(struct iot_global *g, struct iot_lcore *l, const struct mm_flow_rec *r,
	const struct iot_flow *f)
{
	const struct iot_conf *c = &g->g_conf;
	uint64_t now = r->fr_last_ns;
	struct iot_pair *p;
	uint32_t n = f->f_fails;
	struct iot_host *t, *a;
	struct iot_evd evd;

	/* A short session of an opaque login (SSH, telnet without a verdict) is one attempt. */
	if (n == 0 && f->f_oks == 0 &&
		(f->f_service == IOT_SVC_SSH || f->f_service == IOT_SVC_TELNET) &&
		r->fr_last_ns - r->fr_first_ns < c->c_bf_session_ns)
		n = 1;
	if (n == 0)
		return;
	p = pair_get(l, r, now);
	if (now > p->p_win_ns + c->c_bf_window_ns) {
		p->p_win_ns = now;
		p->p_attempts = 0;
	}
	p->p_attempts += n;
	p->p_last_ns = now;
	p->p_service = f->f_service;
	if (p->p_attempts < c->c_bf_attempts || p->p_reported)
		return;
	p->p_reported = 1;
	t = iot_host_get(l, &r->fr_dst, now);
	a = iot_host_get(l, &r->fr_src, now);
	t->h_n[IOT_N_ATTEMPTS] = a->h_n[IOT_N_ATTEMPTS] = p->p_attempts;
	memset(&evd, 0, sizeof(evd));
	evd.ie_category = IOT_CAT_WEAK_CREDENTIALS;
	evd.ie_reason = IOT_WHY_BRUTE_FORCE;
	evd.ie_confirmed = 0;
	evd.ie_proto = 6;
	iot_login_service_name(f->f_service, evd.ie_service, sizeof(evd.ie_service));
	iot_report(g, l, t, &evd, &r->fr_src, r->fr_dport, now);
	evd.ie_category = IOT_CAT_INFECTED;
	evd.ie_confirmed = 1;
	iot_report(g, l, a, &evd, &r->fr_dst, r->fr_dport, now);
}

void
iot_scan_flow(
	struct iot_global *g, struct iot_lcore *l, const struct mm_flow_rec *r, struct iot_flow *f)
{
	const struct iot_conf *c = &g->g_conf;
	uint32_t w = r->fr_sampling > 1 ? r->fr_sampling : 1;
	struct iot_host *h;
	int ok;

	if (f->f_counted)
		return;
	f->f_counted = 1;
	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_flows, 1);
	bloom_age(l, c, r->fr_last_ns);
	if (r->fr_proto == 6 && (f->f_service != 0 || f->f_fails != 0))
		logins(g, l, r, f);
	ok = outcome(c, r);
	if (ok < 0 && !(c->c_n_dark > 0 && in_darknet(c, &r->fr_dst)))
		return;
	h = iot_host_get(l, &r->fr_src, r->fr_first_ns);
	if (r->fr_last_ns > h->h_last_ns)
		h->h_last_ns = r->fr_last_ns;
	if (r->fr_last_ns > h->h_win_ns + c->c_window_ns) {
		h->h_win_ns = r->fr_last_ns;
		h->h_n[IOT_N_DSTS] = 0;
		h->h_n[IOT_N_PORTS] = 0;
	}
	if (w > h->h_n[IOT_N_SAMPLING])
		h->h_n[IOT_N_SAMPLING] = w;
	if (c->c_n_dark > 0 && in_darknet(c, &r->fr_dst)) {
		h->h_n[IOT_N_DARK] += w;
		if (h->h_n[IOT_N_DARK] >= c->c_dark_min)
			report_scan(g, l, h, IOT_WHY_DARKNET, &r->fr_dst, r->fr_proto, r->fr_dport,
				r->fr_last_ns);
	}
	if (ok < 0)
		return;
	if (ok)
		h->h_n[IOT_N_OK] += w;
	if (!bloom_seen(l, contact_key(1, &r->fr_src, &r->fr_dst, 0)))
		walk(g, l, h, r, ok);
	if (!ok)
		failed(g, l, h, r, w);
}
