/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_cap.h"
#include "synth_net.h"

#define NSITES 48

static const struct synth_os os_table[SYNTH_OS__COUNT] = {
	[SYNTH_OS_WINDOWS] = { "windows", 128, 8, 0, SYNTH_OPTS_WINDOWS, 0, 64240, 49152, 65535,
		262656 },
	[SYNTH_OS_MACOS] = { "macos", 64, 6, 1, SYNTH_OPTS_MACOS, 1, 65535, 49152, 65535, 131072 },
	[SYNTH_OS_LINUX] = { "linux", 64, 7, 1, SYNTH_OPTS_LINUX, 1, 64240, 32768, 60999, 64256 },
	[SYNTH_OS_IOT] = { "embedded-linux", 64, 1, 1, SYNTH_OPTS_LINUX, 0, 5840, 32768, 61000,
		5840 },
};

/* The upstream router as seen from the tap (RFC 7042 documentation MAC). */
static const uint8_t upstream_mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };

const struct synth_os *
synth_os_get(enum synth_os_id id)
{
	return &os_table[id < SYNTH_OS__COUNT ? id : SYNTH_OS_LINUX];
}

void
synth_addr4(uint8_t addr[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(addr, 0, 16);
	addr[0] = a;
	addr[1] = b;
	addr[2] = c;
	addr[3] = d;
}

void
synth_host_init(struct synth_host *h, struct synth_rng *r, enum synth_os_id os, int family,
	const uint8_t *addr, enum synth_side side)
{
	const struct synth_os *o = synth_os_get(os);

	memset(h, 0, sizeof(*h));
	h->h_os = o;
	h->h_family = (uint8_t)family;
	memcpy(h->h_addr, addr, family == 4 ? 4 : 16);
	if (side == SYNTH_INSIDE) {
		synth_rng_fill(r, h->h_mac, 6);
		/* Unicast, locally administered: a CPE that never clashes with a real OUI. */
		h->h_mac[0] = (uint8_t)((h->h_mac[0] & 0xfc) | 0x02);
		h->h_ttl = (uint8_t)(o->os_ttl - 1);
		h->h_rtt_us = (uint32_t)synth_rng_range(r, 1500, 15000);
	} else {
		memcpy(h->h_mac, upstream_mac, 6);
		h->h_ttl = (uint8_t)(o->os_ttl - synth_rng_range(r, 8, 20));
		h->h_rtt_us = (uint32_t)synth_rng_range(r, 5000, 150000);
	}
	h->h_ipid = (uint16_t)synth_rng_u32(r);
	h->h_tsbase = synth_rng_u32(r);
	h->h_port = (uint16_t)synth_rng_range(r, o->os_port_lo, o->os_port_hi);
}

uint16_t
synth_host_port(struct synth_host *h, struct synth_rng *r)
{
	const struct synth_os *o = h->h_os;
	uint32_t p = (uint32_t)h->h_port + 1 + (uint32_t)synth_rng_below(r, 4);

	if (p > o->os_port_hi)
		p = o->os_port_lo + (p - o->os_port_hi - 1);
	h->h_port = (uint16_t)p;
	return h->h_port;
}

void
synth_host_frame(struct synth_host *src, const struct synth_host *dst, struct synth_l2 *l2,
	struct synth_ip *ip)
{
	/* Access tags belong to the subscriber's line, so both directions carry them. */
	const struct synth_host *tagged = src->h_nvlan > 0 ? src : dst;

	memset(l2, 0, sizeof(*l2));
	memcpy(l2->l2_src, src->h_mac, 6);
	memcpy(l2->l2_dst, dst->h_mac, 6);
	l2->l2_nvlan = tagged->h_nvlan;
	l2->l2_vlan[0] = tagged->h_vlan[0];
	l2->l2_vlan[1] = tagged->h_vlan[1];
	memset(ip, 0, sizeof(*ip));
	ip->ip_family = src->h_family;
	ip->ip_ttl = src->h_ttl;
	ip->ip_id = src->h_ipid++;
	memcpy(ip->ip_src, src->h_addr, 16);
	memcpy(ip->ip_dst, dst->h_addr, 16);
}

int
synth_emit_udp(struct synth_cap *cap, uint64_t when, struct synth_host *src,
	const struct synth_host *dst, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	synth_host_frame(src, dst, &l2, &ip);
	n = synth_pkt_udp(frame, sizeof(frame), &l2, &ip, sport, dport, data, len);
	if (n == 0)
		return -EMSGSIZE;
	return synth_cap_add(cap, when, frame, n, 0);
}

int
synth_emit_icmp(struct synth_cap *cap, uint64_t when, struct synth_host *src,
	const struct synth_host *dst, uint8_t type, uint8_t code, uint32_t rest, const void *data,
	size_t len)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	synth_host_frame(src, dst, &l2, &ip);
	n = synth_pkt_icmp(frame, sizeof(frame), &l2, &ip, type, code, rest, data, len);
	if (n == 0)
		return -EMSGSIZE;
	return synth_cap_add(cap, when, frame, n, 0);
}

int
synth_net_sub_addr(struct synth_net *n, struct synth_rng *r, uint8_t addr[16])
{
	for (int tries = 0; tries < 1000000; tries++) {
		uint32_t hn = (uint32_t)synth_rng_range(r, 1, 65534);

		/* x.y.0 and x.y.255 look like network and broadcast addresses to people. */
		if ((hn & 0xff) == 0 || (hn & 0xff) == 255)
			continue;
		if (n->n_used4[hn / 8] & (1u << (hn % 8)))
			continue;
		n->n_used4[hn / 8] |= (uint8_t)(1u << (hn % 8));
		synth_addr4(addr, 10, 0, (uint8_t)(hn >> 8), (uint8_t)hn);
		return 0;
	}
	return -ENOSPC;
}

int
synth_net_ext_addr(struct synth_net *n, struct synth_rng *r, uint8_t addr[16])
{
	for (int tries = 0; tries < 100000; tries++) {
		uint32_t k = (uint32_t)synth_rng_below(r, 512);

		if ((k & 0xff) == 0 || (k & 0xff) == 255)
			continue;
		if (n->n_usedx[k / 8] & (1u << (k % 8)))
			continue;
		n->n_usedx[k / 8] |= (uint8_t)(1u << (k % 8));
		if (k < 256)
			synth_addr4(addr, 198, 51, 100, (uint8_t)k);
		else
			synth_addr4(addr, 203, 0, 113, (uint8_t)k);
		return 0;
	}
	return -ENOSPC;
}

int
synth_net_claim(struct synth_net *n, struct synth_rng *r)
{
	size_t start, i;

	if (n->n_nsub == 0)
		return -ENOSPC;
	start = (size_t)synth_rng_below(r, n->n_nsub);
	for (size_t k = 0; k < n->n_nsub; k++) {
		i = (start + k) % n->n_nsub;
		if (!n->n_claimed[i]) {
			n->n_claimed[i] = 1;
			return (int)i;
		}
	}
	return -ENOSPC;
}

/* Fictional but plausible names under reserved domains (RFC 2606, RFC 6761). */
static void
site_name(char *buf, size_t len, size_t i)
{
	static const char *const host[] = { "www", "static", "cdn", "api", "img", "login" };
	static const char *const dom[] = { "news.example", "shop.example", "video.example",
		"mail.example", "bank.example", "social.example", "example.com", "example.net",
		"example.org" };
	const size_t nh = sizeof(host) / sizeof(host[0]), nd = sizeof(dom) / sizeof(dom[0]);

	snprintf(buf, len, "%s.%s", host[(i / nd) % nh], dom[i % nd]);
}

int
synth_net_init(struct synth_net *n, uint64_t seed, size_t nsub)
{
	struct synth_rng rng, *r = &rng;
	uint8_t addr[16];
	int rv;

	memset(n, 0, sizeof(*n));
	synth_rng_seed(r, seed, SYNTH_STREAM_NET);
	n->n_sub = calloc(nsub, sizeof(*n->n_sub));
	n->n_sub6 = calloc(nsub, sizeof(*n->n_sub6));
	n->n_site = calloc(NSITES, sizeof(*n->n_site));
	n->n_claimed = calloc(nsub, 1);
	if (n->n_sub == NULL || n->n_sub6 == NULL || n->n_site == NULL || n->n_claimed == NULL) {
		rv = -ENOMEM;
		goto err;
	}
	n->n_nsub = nsub;
	/* 10.0.0.1 is the access router (ARP on the access link names it). */
	n->n_used4[0] |= 1u << 1;
	for (size_t i = 0; i < nsub; i++) {
		/* A home mix: Windows PCs, Macs and iPhones, Linux and Android. */
		unsigned pick = (unsigned)synth_rng_below(r, 100);
		enum synth_os_id os = pick < 40   ? SYNTH_OS_WINDOWS
				      : pick < 65 ? SYNTH_OS_MACOS
						  : SYNTH_OS_LINUX;

		if ((rv = synth_net_sub_addr(n, r, addr)) != 0)
			goto err;
		synth_host_init(&n->n_sub[i], r, os, 4, addr, SYNTH_INSIDE);
		if (synth_rng_chance(r, 250)) {
			struct synth_host *h6 = &n->n_sub6[i];

			/* One /64 per line, numbered like the IPv4 host; a random (privacy) IID. */
			memset(addr, 0, 16);
			addr[0] = 0x20;
			addr[1] = 0x01;
			addr[2] = 0x0d;
			addr[3] = 0xb8;
			addr[5] = 0x01;
			addr[6] = n->n_sub[i].h_addr[2];
			addr[7] = n->n_sub[i].h_addr[3];
			synth_rng_fill(r, addr + 8, 8);
			synth_host_init(h6, r, os, 6, addr, SYNTH_INSIDE);
			/* The same CPE and the same line: the same MAC and access delay. */
			memcpy(h6->h_mac, n->n_sub[i].h_mac, 6);
			h6->h_rtt_us = n->n_sub[i].h_rtt_us;
		}
	}
	n->n_nsite = NSITES;
	for (size_t i = 0; i < NSITES; i++) {
		struct synth_site *s = &n->n_site[i];

		site_name(s->s_name, sizeof(s->s_name), i);
		if ((rv = synth_net_ext_addr(n, r, addr)) != 0)
			goto err;
		synth_host_init(&s->s_v4, r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
		/* Roughly the share of large CDNs that already negotiate hybrid key exchange. */
		s->s_pq = synth_rng_chance(r, 400);
		if (synth_rng_chance(r, 350)) {
			memset(addr, 0, 16);
			addr[0] = 0x20;
			addr[1] = 0x01;
			addr[2] = 0x0d;
			addr[3] = 0xb8;
			addr[4] = 0xf0;
			addr[5] = (uint8_t)i;
			synth_rng_fill(r, addr + 14, 2);
			addr[14] &= 0x0f;
			synth_host_init(&s->s_v6, r, SYNTH_OS_LINUX, 6, addr, SYNTH_OUTSIDE);
			s->s_v6.h_rtt_us = s->s_v4.h_rtt_us;
		}
	}
	synth_addr4(addr, 192, 0, 2, 53);
	synth_host_init(&n->n_resolver, r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	/* The ISP's own servers sit a few hops behind the tap, not across the Internet. */
	n->n_resolver.h_rtt_us = 1200;
	n->n_resolver.h_ttl = 62;
	synth_addr4(addr, 192, 0, 2, 123);
	synth_host_init(&n->n_ntp, r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	n->n_ntp.h_rtt_us = 1500;
	n->n_ntp.h_ttl = 62;
	return 0;
err:
	synth_net_fini(n);
	return rv;
}

void
synth_net_fini(struct synth_net *n)
{
	free(n->n_sub);
	free(n->n_sub6);
	free(n->n_site);
	free(n->n_claimed);
	n->n_claimed = NULL;
	n->n_sub = NULL;
	n->n_sub6 = NULL;
	n->n_site = NULL;
	n->n_nsub = 0;
	n->n_nsite = 0;
}
