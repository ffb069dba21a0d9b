/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "synth_anom.h"
#include "synth_bg.h"
#include "synth_buf.h"
#include "synth_cap.h"
#include "synth_dns.h"
#include "synth_json.h"

#define SEC       1000000ULL
#define FRAG_DATA 1480 /* IPv4 payload per fragment on a 1500-byte MTU */

struct line {
	uint16_t li_vlan[2];
	uint8_t li_nvlan;
};

static const struct line lines[] = {
	{ { 101, 0 }, 1 },
	{ { 102, 0 }, 1 },
	{ { 103, 0 }, 1 },
	{ { 300, 42 }, 2 },
};

/* A start time that leaves three minutes for the flow to finish inside the capture. */
static uint64_t
when(const struct synth_ctx *x, struct synth_rng *r)
{
	return x->x_start +
	       synth_rng_below(r, x->x_dur > 360 * SEC ? x->x_dur - 180 * SEC : x->x_dur / 2);
}

static int
tagged_lines(struct synth_ctx *x, struct synth_rng *r, struct synth_bg_stats *st)
{
	struct synth_net *n = x->x_net;
	struct synth_json *j = x->x_truth;
	struct synth_host h;
	uint8_t addr[16];
	uint64_t done;
	int rv;

	synth_json_arr_begin(j, "tagged_lines");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const struct line *li = &lines[i];
		int flows = 2 + (int)synth_rng_below(r, 2);

		if ((rv = synth_net_sub_addr(n, r, addr)) != 0)
			return rv;
		synth_host_init(&h, r, SYNTH_OS_WINDOWS, 4, addr, SYNTH_INSIDE);
		h.h_nvlan = li->li_nvlan;
		h.h_vlan[0] = li->li_vlan[0];
		h.h_vlan[1] = li->li_vlan[1];
		for (int f = 0; f < flows; f++) {
			struct synth_site *s = &n->n_site[synth_rng_below(r, n->n_nsite)];
			uint64_t t = when(x, r);

			if ((rv = synth_dns_lookup(x->x_cap, r, t, &h, &n->n_resolver, s->s_name,
				     SYNTH_DNS_A, s->s_v4.h_addr, SYNTH_DNS_NOERROR, &done)) != 0)
				return rv;
			if (f == 0 && li->li_nvlan == 2)
				rv = synth_bg_http(x, r, &h, &s->s_v4, s->s_name, SYNTH_TLS_CHROME,
					done + 500, st);
			else
				rv = synth_bg_tls(x, r, &h, &s->s_v4, s->s_name, SYNTH_TLS_CHROME,
					s->s_pq, done + 500, st);
			if (rv != 0)
				return rv;
		}
		synth_json_obj_begin(j, NULL);
		synth_json_addr(j, "host", 4, h.h_addr);
		synth_json_str(j, "encapsulation", li->li_nvlan == 2 ? "qinq" : "802.1q");
		synth_json_u64(j, "vlan", li->li_vlan[0]);
		if (li->li_nvlan == 2)
			synth_json_u64(j, "inner_vlan", li->li_vlan[1]);
		synth_json_u64(j, "dns_lookups", (uint64_t)flows);
		synth_json_u64(j, "tcp_connections", (uint64_t)flows);
		synth_json_obj_end(j);
	}
	synth_json_arr_end(j);
	return 0;
}

/* A TXT answer of about 2.9 kB (a DNSSEC-style key dump) that must be fragmented. */
static int
fragmented(struct synth_ctx *x, struct synth_rng *r)
{
	static const char name[] = "keys.example.org";
	struct synth_net *n = x->x_net;
	struct synth_host *cli = &n->n_sub[synth_rng_below(r, n->n_nsub)];
	struct synth_host *res = &n->n_resolver;
	uint8_t q[512], txt[3][1024], dns[4096], udp[4200], frame[SYNTH_FRAME_MAX];
	struct synth_dns_rr rr[3];
	struct synth_l2 l2;
	struct synth_ip ip;
	uint16_t id = (uint16_t)synth_rng_u32(r), sport = (uint16_t)synth_rng_range(r, 1024, 65535);
	uint64_t t = when(x, r);
	size_t qn, dn, un, f;
	int rv;

	for (int i = 0; i < 3; i++) {
		struct synth_buf b;

		synth_buf_init(&b, txt[i], sizeof(txt[i]));
		for (int k = 0; k < 4; k++) {
			char s[240];

			synth_rng_alnum(r, s, sizeof(s));
			synth_buf_u8(&b, sizeof(s));
			synth_buf_mem(&b, s, sizeof(s));
		}
		rr[i].rr_type = SYNTH_DNS_TXT;
		rr[i].rr_ttl = 3600;
		rr[i].rr_data = txt[i];
		rr[i].rr_len = b.sb_len;
	}
	if ((qn = synth_dns_query(q, sizeof(q), id, name, SYNTH_DNS_TXT, true)) == 0 ||
		(dn = synth_dns_response(dns, sizeof(dns), id, name, SYNTH_DNS_TXT,
			 SYNTH_DNS_NOERROR, rr, 3, true)) == 0)
		return -EMSGSIZE;
	if ((rv = synth_emit_udp(x->x_cap, t, cli, res, sport, 53, q, qn)) != 0)
		return rv;
	t += res->h_rtt_us + 20000;
	synth_host_frame(res, cli, &l2, &ip);
	if ((un = synth_udp_datagram(udp, sizeof(udp), &ip, 53, sport, dns, dn)) == 0)
		return -EMSGSIZE;
	/* Every fragment shares the IP id; offsets count 8-byte units; all but the last set MF. */
	for (f = 0; f * FRAG_DATA < un; f++) {
		size_t off = f * FRAG_DATA, len = un - off < FRAG_DATA ? un - off : FRAG_DATA;
		size_t fn;

		ip.ip_frag = (uint16_t)(off / 8) | (off + len < un ? SYNTH_IP_MF : 0);
		fn = synth_pkt_ip(frame, sizeof(frame), &l2, &ip, SYNTH_PROTO_UDP, udp + off, len);
		if (fn == 0)
			return -EMSGSIZE;
		if ((rv = synth_cap_add(x->x_cap, t + f * 130, frame, fn, 0)) != 0)
			return rv;
	}
	synth_json_obj_begin(x->x_truth, "fragmented_udp");
	synth_json_addr(x->x_truth, "src", 4, res->h_addr);
	synth_json_addr(x->x_truth, "dst", 4, cli->h_addr);
	synth_json_u64(x->x_truth, "ip_id", ip.ip_id);
	synth_json_u64(x->x_truth, "udp_length", un);
	synth_json_u64(x->x_truth, "fragments", f);
	synth_json_obj_end(x->x_truth);
	return 0;
}

static int
arp(struct synth_ctx *x, struct synth_rng *r)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct synth_net *n = x->x_net;
	struct synth_host *cpe = &n->n_sub[synth_rng_below(r, n->n_nsub)];
	const struct synth_host *gw = &n->n_resolver; /* any outside host has the router's MAC */
	uint8_t body[28], frame[SYNTH_FRAME_MAX], gwip[16];
	struct synth_l2 l2;
	uint64_t t = when(x, r);
	size_t fn;
	int rv;

	synth_addr4(gwip, 10, 0, 0, 1);
	/* who-has 10.0.0.1 tell the CPE, broadcast; then the router's reply. */
	synth_put16(body, 1); /* Ethernet */
	synth_put16(body + 2, SYNTH_ETH_IPV4);
	body[4] = 6;
	body[5] = 4;
	synth_put16(body + 6, 1); /* request */
	memcpy(body + 8, cpe->h_mac, 6);
	memcpy(body + 14, cpe->h_addr, 4);
	memset(body + 18, 0, 6);
	memcpy(body + 24, gwip, 4);
	memset(&l2, 0, sizeof(l2));
	memcpy(l2.l2_src, cpe->h_mac, 6);
	memcpy(l2.l2_dst, bcast, 6);
	if ((fn = synth_pkt_eth(frame, sizeof(frame), &l2, SYNTH_ETH_ARP, body, 28)) == 0)
		return -EMSGSIZE;
	if ((rv = synth_cap_add(x->x_cap, t, frame, fn, SYNTH_MARK_ARP)) != 0)
		return rv;
	synth_put16(body + 6, 2); /* reply */
	memcpy(body + 8, gw->h_mac, 6);
	memcpy(body + 14, gwip, 4);
	memcpy(body + 18, cpe->h_mac, 6);
	memcpy(body + 24, cpe->h_addr, 4);
	memcpy(l2.l2_src, gw->h_mac, 6);
	memcpy(l2.l2_dst, cpe->h_mac, 6);
	if ((fn = synth_pkt_eth(frame, sizeof(frame), &l2, SYNTH_ETH_ARP, body, 28)) == 0)
		return -EMSGSIZE;
	return synth_cap_add(x->x_cap, t + 400, frame, fn, SYNTH_MARK_ARP);
}

enum malformed_kind { MAL_IPV4_TRUNCATED, MAL_IPV4_BAD_IHL, MAL_TCP_BAD_OFFSET, MAL__COUNT };

static const char *const mal_names[MAL__COUNT] = { "ipv4_truncated", "ipv4_bad_ihl",
	"tcp_offset_beyond_segment" };

/* A subscriber's SYN to a site, then broken in one way. */
static int
malformed(struct synth_ctx *x, struct synth_rng *r, enum malformed_kind kind)
{
	struct synth_net *n = x->x_net;
	struct synth_host *cli = &n->n_sub[synth_rng_below(r, n->n_nsub)];
	struct synth_host *srv = &n->n_site[synth_rng_below(r, n->n_nsite)].s_v4;
	uint8_t frame[SYNTH_FRAME_MAX], *ip4;
	struct synth_tcph th;
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t fn;

	synth_host_frame(cli, srv, &l2, &ip);
	ip.ip_frag = SYNTH_IP_DF;
	memset(&th, 0, sizeof(th));
	th.th_sport = synth_host_port(cli, r);
	th.th_dport = 443;
	th.th_seq = synth_rng_u32(r);
	th.th_flags = SYNTH_TH_SYN;
	th.th_win = 64240;
	if ((fn = synth_pkt_tcp(frame, sizeof(frame), &l2, &ip, &th, NULL, 0)) == 0)
		return -EMSGSIZE;
	ip4 = frame + 14;
	switch (kind) {
	case MAL_IPV4_TRUNCATED:
		/* The frame ends 12 bytes into the IPv4 header (a runt, no padding). */
		fn = 14 + 12;
		break;
	case MAL_IPV4_BAD_IHL:
		ip4[0] = 0x43; /* IHL 3: 12 bytes, below the 20-byte minimum */
		break;
	case MAL_TCP_BAD_OFFSET:
		/* Data offset 15 (60 bytes) in a 20-byte segment, with the checksum redone. */
		ip4[20 + 12] = 0xf0;
		synth_put16(ip4 + 20 + 16, 0);
		synth_put16(ip4 + 20 + 16,
			synth_cksum_fold(synth_cksum_add(
				synth_cksum_pseudo(&ip, SYNTH_PROTO_TCP, 20), ip4 + 20, 20)));
		break;
	default:
		return -EINVAL;
	}
	if (kind != MAL_IPV4_TRUNCATED) {
		uint16_t ck;

		/* Keep the header checksum right so the one defect is the only one. */
		ip4[10] = ip4[11] = 0;
		ck = synth_cksum_fold(synth_cksum_add(0, ip4, (size_t)(ip4[0] & 0x0f) * 4));
		synth_put16(ip4 + 10, ck);
	}
	return synth_cap_add(x->x_cap, when(x, r), frame, fn, SYNTH_MARK_MALFORMED);
}

int
synth_anom_run(struct synth_ctx *x)
{
	struct synth_bg_stats st;
	struct synth_rng r;
	int rv;

	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_ANOMALY);
	memset(&st, 0, sizeof(st));
	synth_json_obj_begin(x->x_truth, "anomalies");
	if ((rv = tagged_lines(x, &r, &st)) != 0 || (rv = fragmented(x, &r)) != 0 ||
		(rv = arp(x, &r)) != 0)
		return rv;
	synth_json_arr_begin(x->x_truth, "malformed_kinds");
	for (int k = 0; k < MAL__COUNT; k++) {
		for (int i = 0; i < 2; i++)
			if ((rv = malformed(x, &r, (enum malformed_kind)k)) != 0)
				return rv;
		synth_json_str(x->x_truth, NULL, mal_names[k]);
	}
	synth_json_arr_end(x->x_truth);
	synth_json_u64(x->x_truth, "malformed_each", 2);
	synth_json_u64(x->x_truth, "arp_frames", 2);
	synth_json_obj_end(x->x_truth);
	return 0;
}
