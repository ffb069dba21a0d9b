/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "synth_pkt.h"

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN  20
#define UDP_HLEN  8
#define ICMP_HLEN 8

uint32_t
synth_cksum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len >= 2; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	/* Fold early so that long payloads never overflow the 32-bit accumulator. */
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
synth_cksum_fold(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
synth_cksum_pseudo(const struct synth_ip *ip, uint8_t proto, size_t l4len)
{
	uint8_t tail[8];
	uint32_t sum = 0;

	if (ip->ip_family == 4) {
		sum = synth_cksum_add(sum, ip->ip_src, 4);
		sum = synth_cksum_add(sum, ip->ip_dst, 4);
		tail[0] = 0;
		tail[1] = proto;
		synth_put16(tail + 2, (uint16_t)l4len);
		return synth_cksum_add(sum, tail, 4);
	}
	sum = synth_cksum_add(sum, ip->ip_src, 16);
	sum = synth_cksum_add(sum, ip->ip_dst, 16);
	synth_put32(tail, (uint32_t)l4len);
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	return synth_cksum_add(sum, tail, 8);
}

static size_t
put_eth(uint8_t *frame, const struct synth_l2 *l2, uint16_t ethertype)
{
	size_t off = 12;

	memcpy(frame, l2->l2_dst, 6);
	memcpy(frame + 6, l2->l2_src, 6);
	if (l2->l2_nvlan == 2) {
		synth_put16(frame + off, SYNTH_ETH_QINQ);
		synth_put16(frame + off + 2, l2->l2_vlan[0] & 0x0fff);
		off += 4;
	}
	if (l2->l2_nvlan >= 1) {
		synth_put16(frame + off, SYNTH_ETH_VLAN);
		synth_put16(frame + off + 2, l2->l2_vlan[l2->l2_nvlan - 1] & 0x0fff);
		off += 4;
	}
	synth_put16(frame + off, ethertype);
	return off + 2;
}

static size_t
eth_len(const struct synth_l2 *l2)
{
	return 14 + 4 * (size_t)l2->l2_nvlan;
}

/* Pads to the Ethernet minimum; returns the final frame length. */
static size_t
pad(uint8_t *frame, size_t len)
{
	if (len < SYNTH_ETH_MIN) {
		memset(frame + len, 0, SYNTH_ETH_MIN - len);
		len = SYNTH_ETH_MIN;
	}
	return len;
}

static size_t
put_ip(uint8_t *p, const struct synth_ip *ip, uint8_t proto, size_t l4len)
{
	if (ip->ip_family == 4) {
		p[0] = 0x45;
		p[1] = ip->ip_tos;
		synth_put16(p + 2, (uint16_t)(IPV4_HLEN + l4len));
		synth_put16(p + 4, ip->ip_id);
		synth_put16(p + 6, ip->ip_frag);
		p[8] = ip->ip_ttl;
		p[9] = proto;
		p[10] = p[11] = 0;
		memcpy(p + 12, ip->ip_src, 4);
		memcpy(p + 16, ip->ip_dst, 4);
		synth_put16(p + 10, synth_cksum_fold(synth_cksum_add(0, p, IPV4_HLEN)));
		return IPV4_HLEN;
	}
	synth_put32(p, 0x60000000u | (uint32_t)ip->ip_tos << 20 | (ip->ip_flow & 0xfffff));
	synth_put16(p + 4, (uint16_t)l4len);
	p[6] = proto;
	p[7] = ip->ip_ttl;
	memcpy(p + 8, ip->ip_src, 16);
	memcpy(p + 24, ip->ip_dst, 16);
	return IPV6_HLEN;
}

static size_t
ip_hlen(const struct synth_ip *ip)
{
	return ip->ip_family == 4 ? IPV4_HLEN : IPV6_HLEN;
}

/*
 * Lays out Ethernet, IP, a transport header and the payload, then fills the
 * transport checksum at ck_off (from the transport header start) when
 * ck_off >= 0.  ICMPv4 sums without a pseudo-header, everything else with.
 */
static size_t
build(uint8_t *frame, size_t cap, const struct synth_l2 *l2, const struct synth_ip *ip,
	uint8_t proto, const uint8_t *hdr, size_t hlen, const void *payload, size_t len, int ck_off)
{
	size_t l2len = eth_len(l2), l3len = ip_hlen(ip), l4len = hlen + len;
	size_t total = l2len + l3len + l4len;
	uint8_t *l4;
	uint32_t sum;
	uint16_t ck;

	if ((ip->ip_family != 4 && ip->ip_family != 6) || l4len > 65535 - IPV4_HLEN ||
		total > cap || cap < SYNTH_ETH_MIN)
		return 0;
	put_eth(frame, l2, ip->ip_family == 4 ? SYNTH_ETH_IPV4 : SYNTH_ETH_IPV6);
	put_ip(frame + l2len, ip, proto, l4len);
	l4 = frame + l2len + l3len;
	if (hlen > 0)
		memcpy(l4, hdr, hlen);
	if (len > 0)
		memcpy(l4 + hlen, payload, len);
	if (ck_off >= 0) {
		sum = proto == SYNTH_PROTO_ICMP ? 0 : synth_cksum_pseudo(ip, proto, l4len);
		ck = synth_cksum_fold(synth_cksum_add(sum, l4, l4len));
		/* UDP sends a computed zero as all ones: zero means "no checksum". */
		if (proto == SYNTH_PROTO_UDP && ck == 0)
			ck = 0xffff;
		synth_put16(l4 + ck_off, ck);
	}
	return pad(frame, total);
}

size_t
synth_pkt_eth(uint8_t *frame, size_t cap, const struct synth_l2 *l2, uint16_t ethertype,
	const void *payload, size_t len)
{
	size_t off = eth_len(l2);

	if (off + len > cap || cap < SYNTH_ETH_MIN)
		return 0;
	put_eth(frame, l2, ethertype);
	if (len > 0)
		memcpy(frame + off, payload, len);
	return pad(frame, off + len);
}

size_t
synth_pkt_ip(uint8_t *frame, size_t cap, const struct synth_l2 *l2, const struct synth_ip *ip,
	uint8_t proto, const void *l4, size_t len)
{
	return build(frame, cap, l2, ip, proto, NULL, 0, l4, len, -1);
}

size_t
synth_pkt_tcp(uint8_t *frame, size_t cap, const struct synth_l2 *l2, const struct synth_ip *ip,
	const struct synth_tcph *th, const void *payload, size_t len)
{
	uint8_t hdr[TCP_HLEN + 40];
	size_t hlen = TCP_HLEN + th->th_optlen;

	if (th->th_optlen > 40 || th->th_optlen % 4 != 0)
		return 0;
	synth_put16(hdr, th->th_sport);
	synth_put16(hdr + 2, th->th_dport);
	synth_put32(hdr + 4, th->th_seq);
	synth_put32(hdr + 8, th->th_ack);
	hdr[12] = (uint8_t)((hlen / 4) << 4);
	hdr[13] = th->th_flags;
	synth_put16(hdr + 14, th->th_win);
	synth_put16(hdr + 16, 0);
	synth_put16(hdr + 18, 0);
	if (th->th_optlen > 0)
		memcpy(hdr + TCP_HLEN, th->th_opt, th->th_optlen);
	return build(frame, cap, l2, ip, SYNTH_PROTO_TCP, hdr, hlen, payload, len, 16);
}

size_t
synth_pkt_udp(uint8_t *frame, size_t cap, const struct synth_l2 *l2, const struct synth_ip *ip,
	uint16_t sport, uint16_t dport, const void *payload, size_t len)
{
	uint8_t hdr[UDP_HLEN];

	synth_put16(hdr, sport);
	synth_put16(hdr + 2, dport);
	synth_put16(hdr + 4, (uint16_t)(UDP_HLEN + len));
	synth_put16(hdr + 6, 0);
	return build(frame, cap, l2, ip, SYNTH_PROTO_UDP, hdr, UDP_HLEN, payload, len, 6);
}

size_t
synth_pkt_icmp(uint8_t *frame, size_t cap, const struct synth_l2 *l2, const struct synth_ip *ip,
	uint8_t type, uint8_t code, uint32_t rest, const void *payload, size_t len)
{
	uint8_t hdr[ICMP_HLEN];
	uint8_t proto = ip->ip_family == 4 ? SYNTH_PROTO_ICMP : SYNTH_PROTO_ICMPV6;

	hdr[0] = type;
	hdr[1] = code;
	synth_put16(hdr + 2, 0);
	synth_put32(hdr + 4, rest);
	return build(frame, cap, l2, ip, proto, hdr, ICMP_HLEN, payload, len, 2);
}

size_t
synth_udp_datagram(uint8_t *out, size_t cap, const struct synth_ip *ip, uint16_t sport,
	uint16_t dport, const void *payload, size_t len)
{
	size_t total = UDP_HLEN + len;
	uint16_t ck;

	if (total > cap || total > 65535)
		return 0;
	synth_put16(out, sport);
	synth_put16(out + 2, dport);
	synth_put16(out + 4, (uint16_t)total);
	synth_put16(out + 6, 0);
	memcpy(out + UDP_HLEN, payload, len);
	ck = synth_cksum_fold(
		synth_cksum_add(synth_cksum_pseudo(ip, SYNTH_PROTO_UDP, total), out, total));
	synth_put16(out + 6, ck == 0 ? 0xffff : ck);
	return total;
}
