/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <mamori/eve.h>

#include "bench_gen.h"

#define MS 1000000ULL

/* splitmix64: small, fast, and good enough to spread hosts and ports. */
static uint64_t
rnd(struct gen *g)
{
	uint64_t z = (g->g_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

uint64_t
gen_rand(struct gen *g)
{
	return (rnd(g));
}

/* Uniform in [0, n). */
static uint32_t
below(struct gen *g, uint32_t n)
{
	return ((uint32_t)(((rnd(g) >> 32) * n) >> 32));
}

/* Skewed towards 0: index n * u^k, so a few entries take most picks. */
static uint32_t
skewed(struct gen *g, uint32_t n, int k)
{
	double u = (double)(rnd(g) >> 11) / (double)(1ULL << 53), p = u;

	for (int i = 1; i < k; i++)
		p *= u;
	return ((uint32_t)(p * n));
}

static void
addr4(struct mm_addr *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	mm_addr_from_v4(a, b);
}

static void
addr6(struct gen *g, struct mm_addr *a, const uint8_t prefix[6])
{
	uint8_t b[16];
	uint64_t r = rnd(g);

	memcpy(b, prefix, 6);
	memset(b + 6, 0, 6);
	memcpy(b + 12, &r, 4);
	mm_addr_from_v6(a, b);
}

/* A public-looking IPv4 address: not 0/8, 10/8, 127/8, 172.16/12, 192.168/16, multicast. */
static uint32_t
public4(struct gen *g)
{
	for (;;) {
		uint32_t v = (uint32_t)(rnd(g) >> 32), a = v >> 24;

		if (a == 0 || a == 10 || a == 127 || a >= 224 || (v >> 20) == 0xac1 ||
			(v >> 16) == 0xc0a8)
			continue;
		return (v);
	}
}

void
gen_init(struct gen *g, uint64_t seed, uint64_t stream, uint64_t t0, uint64_t step)
{
	static const uint8_t clients6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00 };
	static const uint8_t servers6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x80, 0x00 };

	memset(g, 0, sizeof(*g));
	g->g_rng = seed;
	g->g_t0 = t0;
	g->g_step = step;
	for (uint32_t i = 0; i < GEN_CLIENTS; i++) {
		if (i % (GEN_CLIENTS / GEN_CLIENTS_V6) == GEN_CLIENTS / GEN_CLIENTS_V6 - 1)
			addr6(g, &g->g_clients[i], clients6);
		else
			addr4(&g->g_clients[i], 0x0a000000U | below(g, 1U << 20)); /* 10.0.0.0/12 */
	}
	for (uint32_t i = 0; i < GEN_SERVERS; i++)
		addr4(&g->g_servers[i], public4(g));
	for (uint32_t i = 0; i < GEN_SERVERS_V6; i++)
		addr6(g, &g->g_servers6[i], servers6);
	for (uint32_t i = 0; i < GEN_INTERNAL; i++)
		addr4(&g->g_internal[i], 0x0a640000U | (i + 1)); /* 10.100.0.1.. */
	g->g_rng = seed ^ (stream * 0xd1b54a32d192ed03ULL);
}

void
gen_seek(struct gen *g, uint64_t i)
{
	g->g_index = i;
}

static uint16_t
tcp_port(struct gen *g)
{
	static const uint16_t ports[] = { 443, 443, 443, 443, 443, 443, 443, 443, 443, 443, 80, 80,
		80, 22, 25, 8080, 993, 3389, 8443, 5222 };
	uint32_t r = below(g, 100);

	if (r < 80)
		return (ports[below(g, sizeof(ports) / sizeof(ports[0]))]);
	return ((uint16_t)(1024 + below(g, 64512)));
}

static uint16_t
udp_port(struct gen *g)
{
	uint32_t r = below(g, 100);

	if (r < 50)
		return (53);
	if (r < 70)
		return (443);
	if (r < 80)
		return (123);
	return ((uint16_t)(1024 + below(g, 64512)));
}

/* Packets: mostly a handful, a long tail up to about a million. */
static uint64_t
packets(struct gen *g)
{
	return (1 + ((uint64_t)1 << below(g, 20)) * (1 + below(g, 4)) / 4);
}

void
gen_flow(struct gen *g, struct mm_flow_rec *r)
{
	uint32_t kind = below(g, 100), dur_ms;
	uint64_t end;

	memset(r, 0, sizeof(*r));
	r->fr_id = rnd(g) >> 13; /* Suricata-like: large, 51 bits */
	r->fr_src = g->g_clients[skewed(g, GEN_CLIENTS, 2)];
	if (kind < 80)
		r->fr_dst = g->g_servers[skewed(g, GEN_SERVERS, 3)];
	else if (kind < 88)
		r->fr_dst = g->g_servers6[skewed(g, GEN_SERVERS_V6, 3)];
	else
		r->fr_dst = g->g_internal[skewed(g, GEN_INTERNAL, 2)];
	/* IPv6 clients only reach IPv6 servers, IPv4 clients IPv4 servers. */
	if (mm_addr_is_v4(&r->fr_src) != mm_addr_is_v4(&r->fr_dst))
		r->fr_dst = mm_addr_is_v4(&r->fr_src) ? g->g_servers[skewed(g, GEN_SERVERS, 3)]
						      : g->g_servers6[skewed(g, GEN_SERVERS_V6, 3)];
	kind = below(g, 100);
	r->fr_proto = kind < 70 ? 6 : kind < 95 ? 17 : mm_addr_is_v4(&r->fr_src) ? 1 : 58;
	if (r->fr_proto == 6 || r->fr_proto == 17) {
		r->fr_sport = (uint16_t)(32768 + below(g, 28232));
		r->fr_dport = r->fr_proto == 6 ? tcp_port(g) : udp_port(g);
	} else {
		r->fr_icmp_type = r->fr_proto == 1 ? 8 : 128;
	}
	if (below(g, 100) < 12) { /* inbound: the outside initiates */
		struct mm_addr a = r->fr_src;
		uint16_t p = r->fr_sport;

		r->fr_src = r->fr_dst;
		r->fr_dst = a;
		r->fr_sport = r->fr_dport;
		r->fr_dport = p;
		if (r->fr_proto == 6 || r->fr_proto == 17) {
			r->fr_sport = (uint16_t)(1024 + below(g, 64512));
			r->fr_dport = below(g, 2) ? 443 : 22;
		}
	}
	r->fr_pkts_ts = packets(g);
	r->fr_pkts_tc = below(g, 10) == 0 ? 0 : packets(g);
	r->fr_bytes_ts = r->fr_pkts_ts * (60 + below(g, 1440));
	r->fr_bytes_tc = r->fr_pkts_tc * (60 + below(g, 1440));
	kind = below(g, 100);
	if (r->fr_proto == 6)
		r->fr_end = kind < 55   ? MM_FLOW_END_FIN
			    : kind < 70 ? MM_FLOW_END_RST
			    : kind < 92 ? MM_FLOW_END_IDLE
			    : kind < 99 ? MM_FLOW_END_ACTIVE
					: MM_FLOW_END_EVICTED;
	else
		r->fr_end = kind < 93 ? MM_FLOW_END_IDLE : MM_FLOW_END_ACTIVE;
	if (r->fr_proto == 6) {
		r->fr_tcp_flags_ts = MM_TCP_SYN | MM_TCP_ACK | (below(g, 2) ? MM_TCP_PSH : 0) |
				     (r->fr_end == MM_FLOW_END_FIN ? MM_TCP_FIN : 0);
		r->fr_tcp_flags_tc =
			r->fr_pkts_tc == 0
				? 0
				: MM_TCP_SYN | MM_TCP_ACK |
					  (r->fr_end == MM_FLOW_END_RST ? MM_TCP_RST : MM_TCP_PSH);
	}
	end = g->g_t0 + g->g_index++ * g->g_step + below(g, 50) * MS;
	dur_ms = (uint32_t)(((uint64_t)1 << below(g, 20)) * (1 + below(g, 4)) / 4);
	r->fr_last_ns = end;
	r->fr_first_ns = end - (uint64_t)dur_ms * MS;
	r->fr_sampling = 1;
	r->fr_port = (uint16_t)below(g, 2);
}

json_t *
gen_event(const struct mm_flow_rec *r)
{
	json_t *ev = mm_eve_flow(r);

	/* What plg_event_json() adds after the plugin's format. */
	if (ev != NULL && json_object_set_new(ev, "plugin", json_string("flowlog")) != 0) {
		json_decref(ev);
		return (NULL);
	}
	return (ev);
}

int
gen_event_text(const struct mm_flow_rec *r, char *buf, size_t len)
{
	return (mm_eve_flow_text(buf, len, r, "flowlog"));
}
