/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "rpl_rewrite.h"

#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		    &tail) != 6)
		return (-EINVAL);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return (0);
}

int
rpl_rewrite_add_mac(
	struct rpl_rewrite *rw, const char *from, const char *to, char *err, size_t errlen)
{
	struct rpl_map_mac *m;

	if (rw->rw_nmac == RPL_REWRITE_MAX) {
		snprintf(err, errlen, "more than %d MAC maps", RPL_REWRITE_MAX);
		return (-EINVAL);
	}
	m = &rw->rw_mac[rw->rw_nmac];
	if (parse_mac(from, m->mm_from) != 0 || parse_mac(to, m->mm_to) != 0) {
		snprintf(err, errlen,
			"MAC map '%s' -> '%s': expected aa:bb:cc:dd:ee:ff on both sides", from, to);
		return (-EINVAL);
	}
	rw->rw_nmac++;
	return (0);
}

/* "a.b.c.d[/n]" or "x::y[/n]"; a bare address is a /32 or /128. */
static int
parse_cidr(const char *s, uint8_t *family, uint8_t *addr, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return (-EINVAL);
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return (-EINVAL);
	if (slash == NULL) {
		*plen = *family == 4 ? 32 : 128;
		return (0);
	}
	errno = 0;
	n = strtoul(slash, &end, 10);
	if (errno != 0 || end == slash || *end != '\0' || n > (*family == 4 ? 32UL : 128UL))
		return (-EINVAL);
	*plen = (uint8_t)n;
	return (0);
}

int
rpl_rewrite_add_ip(
	struct rpl_rewrite *rw, const char *from, const char *to, char *err, size_t errlen)
{
	struct rpl_map_ip *m;
	uint8_t fam2, plen2;

	if (rw->rw_nip == RPL_REWRITE_MAX) {
		snprintf(err, errlen, "more than %d address maps", RPL_REWRITE_MAX);
		return (-EINVAL);
	}
	m = &rw->rw_ip[rw->rw_nip];
	if (parse_cidr(from, &m->mi_family, m->mi_from, &m->mi_plen) != 0 ||
		parse_cidr(to, &fam2, m->mi_to, &plen2) != 0) {
		snprintf(err, errlen,
			"address map '%s' -> '%s': expected CIDRs such as 10.0.0.0/16 or "
			"2001:db8::/48",
			from, to);
		return (-EINVAL);
	}
	if (fam2 != m->mi_family || plen2 != m->mi_plen) {
		snprintf(err, errlen,
			"address map '%s' -> '%s': both sides must be of one family and one "
			"prefix length (host bits are kept)",
			from, to);
		return (-EINVAL);
	}
	rw->rw_nip++;
	return (0);
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 65535)
		return (-EINVAL);
	*port = (uint16_t)v;
	return (0);
}

int
rpl_rewrite_add_port(
	struct rpl_rewrite *rw, const char *from, const char *to, char *err, size_t errlen)
{
	struct rpl_map_port *m;

	if (rw->rw_nport == RPL_REWRITE_MAX) {
		snprintf(err, errlen, "more than %d port maps", RPL_REWRITE_MAX);
		return (-EINVAL);
	}
	m = &rw->rw_port[rw->rw_nport];
	if (parse_port(from, &m->mp_from) != 0 || parse_port(to, &m->mp_to) != 0) {
		snprintf(err, errlen, "port map '%s' -> '%s': expected ports 1 to 65535", from, to);
		return (-EINVAL);
	}
	rw->rw_nport++;
	return (0);
}

bool
rpl_rewrite_empty(const struct rpl_rewrite *rw)
{
	return (rw->rw_nmac == 0 && rw->rw_nip == 0 && rw->rw_nport == 0);
}

static bool
prefix_match(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, p, bytes) != 0)
		return (false);
	if (bits == 0)
		return (true);
	return (((a[bytes] ^ p[bytes]) & (uint8_t)(0xff00 >> bits)) == 0);
}

bool
rpl_rewrite_addr(const struct rpl_rewrite *rw, int family, uint8_t *addr)
{
	for (unsigned i = 0; i < rw->rw_nip; i++) {
		const struct rpl_map_ip *m = &rw->rw_ip[i];
		unsigned bytes, bits;

		if (m->mi_family != family || !prefix_match(addr, m->mi_from, m->mi_plen))
			continue;
		bytes = m->mi_plen / 8;
		bits = m->mi_plen % 8;
		memcpy(addr, m->mi_to, bytes);
		if (bits != 0) {
			uint8_t mask = (uint8_t)(0xff00 >> bits);

			addr[bytes] = (uint8_t)((m->mi_to[bytes] & mask) | (addr[bytes] & ~mask));
		}
		return (true);
	}
	return (false);
}

uint16_t
rpl_rewrite_port(const struct rpl_rewrite *rw, uint16_t port)
{
	for (unsigned i = 0; i < rw->rw_nport; i++)
		if (rw->rw_port[i].mp_from == port)
			return (rw->rw_port[i].mp_to);
	return (port);
}

int
rpl_rewrite_addr_str(const struct rpl_rewrite *rw, const char *in, char *out, size_t outlen)
{
	uint8_t fam, plen, a[16];
	char txt[INET6_ADDRSTRLEN];
	int n;

	if (parse_cidr(in, &fam, a, &plen) != 0) {
		n = snprintf(out, outlen, "%s", in);
	} else {
		rpl_rewrite_addr(rw, fam, a);
		inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, txt, sizeof(txt));
		if (strchr(in, '/') != NULL)
			n = snprintf(out, outlen, "%s/%u", txt, plen);
		else
			n = snprintf(out, outlen, "%s", txt);
	}
	return (n < 0 || (size_t)n >= outlen ? -ENOSPC : 0);
}

static bool
rewrite_mac(const struct rpl_rewrite *rw, uint8_t *mac)
{
	for (unsigned i = 0; i < rw->rw_nmac; i++) {
		if (memcmp(mac, rw->rw_mac[i].mm_from, 6) == 0) {
			memcpy(mac, rw->rw_mac[i].mm_to, 6);
			return (true);
		}
	}
	return (false);
}

/* Maps the two ports of a TCP or UDP header; true when one changed. */
static bool
rewrite_ports(const struct rpl_rewrite *rw, uint8_t *l4)
{
	bool changed = false;

	for (int k = 0; k < 2; k++) {
		uint16_t v, n;

		memcpy(&v, l4 + 2 * k, 2);
		n = rte_cpu_to_be_16(rpl_rewrite_port(rw, rte_be_to_cpu_16(v)));
		if (n != v) {
			memcpy(l4 + 2 * k, &n, 2);
			changed = true;
		}
	}
	return (changed);
}

/* Where the L4 checksum sits, or -1 for protocols without one to fix. */
static int
l4_cksum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return (16);
	case IPPROTO_UDP:
		return (6);
	case IPPROTO_ICMPV6:
		return (2);
	default:
		return (-1);
	}
}

static bool
rewrite_ipv4(const struct rpl_rewrite *rw, uint8_t *ip, uint32_t len, struct rpl_rw_stats *st)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
	uint32_t hl, tot;
	bool changed = false, first_frag;
	uint8_t *l4;
	int coff;

	if (len < sizeof(*h) || (h->version_ihl >> 4) != 4)
		return (false);
	hl = rte_ipv4_hdr_len(h);
	tot = rte_be_to_cpu_16(h->total_length);
	if (hl < sizeof(*h) || hl > len)
		return (false);
	changed |= rpl_rewrite_addr(rw, 4, (uint8_t *)&h->src_addr);
	changed |= rpl_rewrite_addr(rw, 4, (uint8_t *)&h->dst_addr);
	first_frag = (rte_be_to_cpu_16(h->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0;
	l4 = ip + hl;
	if (first_frag && (h->next_proto_id == IPPROTO_TCP || h->next_proto_id == IPPROTO_UDP) &&
		len >= hl + 4)
		changed |= rewrite_ports(rw, l4);
	if (!changed)
		return (false);
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	coff = l4_cksum_off(h->next_proto_id);
	if (coff < 0 || h->next_proto_id == IPPROTO_ICMPV6)
		return (true);
	if (!first_frag || (h->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG)) != 0 ||
		tot > len || tot < hl + (uint32_t)coff + 2) {
		st->rs_l4_partial++;
		return (true);
	}
	if (h->next_proto_id == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0)
		return (true); /* no UDP checksum in IPv4: keep none */
	memset(l4 + coff, 0, 2);
	{
		uint16_t c = rte_ipv4_udptcp_cksum(h, l4);

		memcpy(l4 + coff, &c, 2);
	}
	return (true);
}

static bool
rewrite_ipv6(const struct rpl_rewrite *rw, uint8_t *ip, uint32_t len, struct rpl_rw_stats *st)
{
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;
	uint32_t plen;
	bool changed = false;
	uint8_t *l4 = ip + sizeof(*h);
	int coff;

	if (len < sizeof(*h) || (ip[0] >> 4) != 6)
		return (false);
	plen = rte_be_to_cpu_16(h->payload_len);
	changed |= rpl_rewrite_addr(rw, 6, h->src_addr);
	changed |= rpl_rewrite_addr(rw, 6, h->dst_addr);
	if ((h->proto == IPPROTO_TCP || h->proto == IPPROTO_UDP) && len >= sizeof(*h) + 4)
		changed |= rewrite_ports(rw, l4);
	if (!changed)
		return (false);
	if ((coff = l4_cksum_off(h->proto)) < 0)
		return (true);
	if (sizeof(*h) + plen > len || plen < (uint32_t)coff + 2) {
		st->rs_l4_partial++;
		return (true);
	}
	memset(l4 + coff, 0, 2);
	{
		uint16_t c = rte_ipv6_udptcp_cksum(h, l4);

		memcpy(l4 + coff, &c, 2);
	}
	return (true);
}

bool
rpl_rewrite_frame(
	const struct rpl_rewrite *rw, uint8_t *frame, uint32_t len, struct rpl_rw_stats *st)
{
	uint32_t off = 12;
	uint16_t type;
	bool changed = false;

	if (len < 14) {
		st->rs_undecoded++;
		return (false);
	}
	changed |= rewrite_mac(rw, frame);
	changed |= rewrite_mac(rw, frame + 6);
	for (;;) {
		type = (uint16_t)(frame[off] << 8 | frame[off + 1]);
		off += 2;
		if (type != ETH_VLAN && type != ETH_QINQ)
			break;
		if (len < off + 4) {
			st->rs_undecoded++;
			goto out;
		}
		off += 2;
	}
	if (type == ETH_IPV4 && rw->rw_nip + rw->rw_nport > 0)
		changed |= rewrite_ipv4(rw, frame + off, len - off, st);
	else if (type == ETH_IPV6 && rw->rw_nip + rw->rw_nport > 0)
		changed |= rewrite_ipv6(rw, frame + off, len - off, st);
	else if (type != ETH_IPV4 && type != ETH_IPV6)
		st->rs_undecoded++;
out:
	if (changed)
		st->rs_rewritten++;
	return (changed);
}
