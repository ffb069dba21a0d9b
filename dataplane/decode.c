/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet decoder, the first thing every packet meets on the fast path.
 *
 * Each layer is handed the bytes that belong to it and no more: the frame
 * for Ethernet, the IP length (clipped to the frame) for everything above IP.
 * That one rule is what keeps every read in bounds, so each helper checks
 * its own header against the length it was given before it reads a byte.
 *
 * Packets sit at any offset after VLAN tags and IP options, so multi-byte
 * fields are read with memcpy (a single load on x86) rather than through the
 * DPDK header structs, which would be misaligned loads; the structs still give
 * the field offsets.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "decode.h"

/* ICMP and ICMPv6: type, code, checksum, then 4 bytes whose use depends on the type. */
#define DP_ICMP_HLEN sizeof(struct rte_icmp_hdr)

/* IPv6 extension headers that <netinet/in.h> does not name (RFC 7401, RFC 5533). */
#define DP_IPPROTO_HIP   139
#define DP_IPPROTO_SHIM6 140

/*
 * Real traffic carries two or three extension headers at most; a longer chain
 * is either an attack on the decoder's time or something we cannot classify.
 */
#define DP_IPV6_MAX_EXT 8

/* IPv6 fragment header: offset in bytes (13 bits in 8-byte units) and the M flag. */
#define DP_IPV6_FRAG_OFF_MASK 0xfff8
#define DP_IPV6_FRAG_MF       0x0001

static const char *const dp_anomaly_names[] = {
	[DP_AN_NONE] = "none",
	[DP_AN_ETH_TRUNCATED] = "eth_truncated",
	[DP_AN_VLAN_TRUNCATED] = "vlan_truncated",
	[DP_AN_VLAN_TOO_DEEP] = "vlan_too_deep",
	[DP_AN_UNKNOWN_ETHERTYPE] = "unknown_ethertype",
	[DP_AN_IPV4_TRUNCATED] = "ipv4_truncated",
	[DP_AN_IPV4_BAD_VERSION] = "ipv4_bad_version",
	[DP_AN_IPV4_BAD_HLEN] = "ipv4_bad_hlen",
	[DP_AN_IPV4_BAD_LEN] = "ipv4_bad_len",
	[DP_AN_IPV4_BAD_OPTIONS] = "ipv4_bad_options",
	[DP_AN_IPV4_FRAGMENT] = "ipv4_fragment",
	[DP_AN_IPV6_TRUNCATED] = "ipv6_truncated",
	[DP_AN_IPV6_BAD_VERSION] = "ipv6_bad_version",
	[DP_AN_IPV6_BAD_LEN] = "ipv6_bad_len",
	[DP_AN_IPV6_EXTHDR_TRUNCATED] = "ipv6_exthdr_truncated",
	[DP_AN_IPV6_EXTHDR_TOO_MANY] = "ipv6_exthdr_too_many",
	[DP_AN_IPV6_FRAGMENT] = "ipv6_fragment",
	[DP_AN_TCP_TRUNCATED] = "tcp_truncated",
	[DP_AN_TCP_BAD_HLEN] = "tcp_bad_hlen",
	[DP_AN_UDP_TRUNCATED] = "udp_truncated",
	[DP_AN_UDP_BAD_LEN] = "udp_bad_len",
	[DP_AN_ICMP_TRUNCATED] = "icmp_truncated",
	[DP_AN_ICMPV6_TRUNCATED] = "icmpv6_truncated",
};

/* A new anomaly kind without a name would print as NULL in every counter dump. */
_Static_assert(RTE_DIM(dp_anomaly_names) == DP_AN__COUNT, "dp_anomaly_names misses a kind");

const char *
dp_anomaly_name(enum dp_anomaly an)
{
	if ((unsigned int)an >= DP_AN__COUNT)
		return "invalid";
	return dp_anomaly_names[an];
}

static inline uint16_t
dp_rd16(const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
dp_rd32(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* Only the first anomaly is kept: later ones are often its consequences. */
static inline void
dp_anomaly(struct dp_pkt *p, enum dp_anomaly an)
{
	if (p->p_anomaly == DP_AN_NONE)
		p->p_anomaly = an;
}

static inline bool
dp_is_vlan_tpid(uint16_t et)
{
	return et == RTE_ETHER_TYPE_VLAN || et == RTE_ETHER_TYPE_QINQ || et == RTE_ETHER_TYPE_QINQ1;
}

/*
 * The transport header is hlen bytes of the rem the IP layer gave; what
 * follows is payload.  rem never exceeds UINT16_MAX (the IP layers clip it).
 */
static inline int
dp_set_l4(struct dp_pkt *p, const uint8_t *l4, uint32_t hlen, uint32_t rem)
{
	p->p_l4 = l4;
	p->p_payload = l4 + hlen;
	p->p_payload_len = (uint16_t)(rem - hlen);
	return DP_LAYER_L4;
}

static inline int
dp_decode_tcp(struct dp_pkt *p, const uint8_t *l4, uint32_t rem)
{
	uint32_t hlen;

	if (unlikely(rem < sizeof(struct rte_tcp_hdr))) {
		dp_anomaly(p, DP_AN_TCP_TRUNCATED);
		return DP_LAYER_L3;
	}
	hlen = (uint32_t)(l4[offsetof(struct rte_tcp_hdr, data_off)] >> 4) * 4;
	/* Without a sane data offset nothing says where the payload starts: stop at L3. */
	if (unlikely(hlen < sizeof(struct rte_tcp_hdr) || hlen > rem)) {
		dp_anomaly(p, DP_AN_TCP_BAD_HLEN);
		return DP_LAYER_L3;
	}
	p->p_sport = dp_rd16(l4 + offsetof(struct rte_tcp_hdr, src_port));
	p->p_dport = dp_rd16(l4 + offsetof(struct rte_tcp_hdr, dst_port));
	p->p_tcp_seq = dp_rd32(l4 + offsetof(struct rte_tcp_hdr, sent_seq));
	p->p_tcp_ack = dp_rd32(l4 + offsetof(struct rte_tcp_hdr, recv_ack));
	p->p_tcp_flags = l4[offsetof(struct rte_tcp_hdr, tcp_flags)];
	p->p_tcp_win = dp_rd16(l4 + offsetof(struct rte_tcp_hdr, rx_win));
	p->p_tcp_optlen = (uint8_t)(hlen - sizeof(struct rte_tcp_hdr));
	return dp_set_l4(p, l4, hlen, rem);
}

static inline int
dp_decode_udp(struct dp_pkt *p, const uint8_t *l4, uint32_t rem)
{
	uint32_t ulen;

	if (unlikely(rem < sizeof(struct rte_udp_hdr))) {
		dp_anomaly(p, DP_AN_UDP_TRUNCATED);
		return DP_LAYER_L3;
	}
	p->p_sport = dp_rd16(l4 + offsetof(struct rte_udp_hdr, src_port));
	p->p_dport = dp_rd16(l4 + offsetof(struct rte_udp_hdr, dst_port));
	ulen = dp_rd16(l4 + offsetof(struct rte_udp_hdr, dgram_len));
	/*
	 * A bad length only loses the payload's end, not the header: the ports
	 * still name the flow, and the IP length bounds the payload instead.
	 */
	if (unlikely(ulen < sizeof(struct rte_udp_hdr) || ulen > rem)) {
		dp_anomaly(p, DP_AN_UDP_BAD_LEN);
		ulen = rem;
	}
	return dp_set_l4(p, l4, sizeof(struct rte_udp_hdr), ulen);
}

/* ICMP and ICMPv6 share a layout; the payload starts after the 8-byte header if there is one. */
static inline int
dp_decode_icmp(struct dp_pkt *p, const uint8_t *l4, uint32_t rem, enum dp_anomaly trunc)
{
	if (unlikely(rem < 4)) {
		dp_anomaly(p, trunc);
		return DP_LAYER_L3;
	}
	p->p_icmp_type = l4[offsetof(struct rte_icmp_hdr, icmp_type)];
	p->p_icmp_code = l4[offsetof(struct rte_icmp_hdr, icmp_code)];
	return dp_set_l4(p, l4, RTE_MIN(rem, (uint32_t)DP_ICMP_HLEN), rem);
}

static inline int
dp_decode_l4(struct dp_pkt *p, const uint8_t *l4, uint32_t rem, uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return dp_decode_tcp(p, l4, rem);
	case IPPROTO_UDP:
		return dp_decode_udp(p, l4, rem);
	case IPPROTO_ICMP:
		return dp_decode_icmp(p, l4, rem, DP_AN_ICMP_TRUNCATED);
	case IPPROTO_ICMPV6:
		return dp_decode_icmp(p, l4, rem, DP_AN_ICMPV6_TRUNCATED);
	default:
		return DP_LAYER_L3;
	}
}

/*
 * Walks IPv4 options (RFC 791): EOL ends the list, NOP is one byte, every
 * other option carries its own length, which must cover the type and length
 * bytes and stay inside the header.  The only byte loop on the fast path, and
 * only for the rare packet with options.
 */
static bool
dp_ipv4_options_ok(const uint8_t *o, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint32_t olen;

		if (o[i] == RTE_IPV4_HDR_OPT_EOL)
			return true;
		if (o[i] == RTE_IPV4_HDR_OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2)
			return false;
		olen = o[i + 1];
		if (olen < 2 || olen > n - i)
			return false;
		i += olen;
	}
	return true;
}

static inline int
dp_decode_ipv4(struct dp_pkt *p, const uint8_t *ip, uint32_t rem, uint32_t beyond)
{
	uint32_t hlen, tlen;
	uint16_t frag;

	if (unlikely(rem < sizeof(struct rte_ipv4_hdr))) {
		dp_anomaly(p, DP_AN_IPV4_TRUNCATED);
		return DP_LAYER_L2;
	}
	if (unlikely((ip[0] >> 4) != 4)) {
		dp_anomaly(p, DP_AN_IPV4_BAD_VERSION);
		return DP_LAYER_L2;
	}
	hlen = (uint32_t)(ip[0] & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (unlikely(hlen < sizeof(struct rte_ipv4_hdr) || hlen > rem)) {
		dp_anomaly(p, DP_AN_IPV4_BAD_HLEN);
		return DP_LAYER_L2;
	}
	/*
	 * A total length shorter than the frame is Ethernet padding, cut off.
	 * One past the frame is a snapped capture, and one below the header is
	 * what TSO leaves in captures taken on the sender: both are decoded up
	 * to the end of the frame rather than dropped.
	 */
	tlen = dp_rd16(ip + offsetof(struct rte_ipv4_hdr, total_length));
	if (unlikely(tlen < hlen || tlen > rem + beyond)) {
		dp_anomaly(p, DP_AN_IPV4_BAD_LEN);
		tlen = RTE_MIN(rem + beyond, (uint32_t)UINT16_MAX);
	}
	p->p_family = 4;
	p->p_l3 = ip;
	p->p_l3_len = (uint16_t)tlen;
	/* Only the contiguous part is read; the rest of a long frame is payload. */
	tlen = RTE_MIN(tlen, rem);
	p->p_src = ip + offsetof(struct rte_ipv4_hdr, src_addr);
	p->p_dst = ip + offsetof(struct rte_ipv4_hdr, dst_addr);
	p->p_ttl = ip[offsetof(struct rte_ipv4_hdr, time_to_live)];
	p->p_proto = ip[offsetof(struct rte_ipv4_hdr, next_proto_id)];
	p->p_ip_id = dp_rd16(ip + offsetof(struct rte_ipv4_hdr, packet_id));
	if (unlikely(hlen > sizeof(struct rte_ipv4_hdr)) &&
		!dp_ipv4_options_ok(
			ip + sizeof(struct rte_ipv4_hdr), hlen - sizeof(struct rte_ipv4_hdr)))
		dp_anomaly(p, DP_AN_IPV4_BAD_OPTIONS);

	frag = dp_rd16(ip + offsetof(struct rte_ipv4_hdr, fragment_offset));
	if (unlikely(frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		p->p_fragment = true;
		p->p_more_frags = (frag & RTE_IPV4_HDR_MF_FLAG) != 0;
		p->p_frag_off =
			(uint16_t)((frag & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS);
		dp_anomaly(p, DP_AN_IPV4_FRAGMENT);
		/* Later fragments start mid-datagram: their first bytes are no header. */
		if (p->p_frag_off != 0)
			return DP_LAYER_L3;
	}
	return dp_decode_l4(p, ip + hlen, tlen - hlen, p->p_proto);
}

static inline int
dp_decode_ipv6(struct dp_pkt *p, const uint8_t *ip, uint32_t rem, uint32_t beyond)
{
	uint32_t plen, tlen, off, n;
	uint8_t nh;

	if (unlikely(rem < sizeof(struct rte_ipv6_hdr))) {
		dp_anomaly(p, DP_AN_IPV6_TRUNCATED);
		return DP_LAYER_L2;
	}
	if (unlikely((ip[0] >> 4) != 6)) {
		dp_anomaly(p, DP_AN_IPV6_BAD_VERSION);
		return DP_LAYER_L2;
	}
	plen = dp_rd16(ip + offsetof(struct rte_ipv6_hdr, payload_len));
	nh = ip[offsetof(struct rte_ipv6_hdr, proto)];
	tlen = (uint32_t)sizeof(struct rte_ipv6_hdr) + plen;
	if (unlikely(plen == 0) && nh == IPPROTO_HOPOPTS) {
		/* A jumbogram (RFC 2675): the real length is in hop-by-hop; the frame bounds it. */
		tlen = rem + beyond;
	} else if (unlikely(tlen > rem + beyond)) {
		dp_anomaly(p, DP_AN_IPV6_BAD_LEN);
		tlen = rem + beyond;
	}
	/* The length fields are 16 bits: a larger datagram is decoded as far as they reach. */
	tlen = RTE_MIN(tlen, (uint32_t)UINT16_MAX);
	p->p_family = 6;
	p->p_l3 = ip;
	p->p_l3_len = (uint16_t)tlen;
	/* Only the contiguous part is read; the rest of a long frame is payload. */
	tlen = RTE_MIN(tlen, rem);
	p->p_src = ip + offsetof(struct rte_ipv6_hdr, src_addr);
	p->p_dst = ip + offsetof(struct rte_ipv6_hdr, dst_addr);
	p->p_ttl = ip[offsetof(struct rte_ipv6_hdr, hop_limits)];

	off = sizeof(struct rte_ipv6_hdr);
	for (n = 0;; n++) {
		const uint8_t *eh = ip + off;
		uint8_t cur = nh;
		uint32_t elen;
		uint16_t fd;

		p->p_proto = cur;
		switch (cur) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_MH:
		case DP_IPPROTO_HIP:
		case DP_IPPROTO_SHIM6:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			/* Upper layer, or ESP / no-next-header, whose contents are opaque. */
			return dp_decode_l4(p, eh, tlen - off, cur);
		}
		if (unlikely(n == DP_IPV6_MAX_EXT)) {
			dp_anomaly(p, DP_AN_IPV6_EXTHDR_TOO_MANY);
			return DP_LAYER_L3;
		}
		/* Every extension header is at least 8 bytes, the fragment header exactly 8. */
		if (unlikely(tlen - off < 8)) {
			dp_anomaly(p, DP_AN_IPV6_EXTHDR_TRUNCATED);
			return DP_LAYER_L3;
		}
		nh = eh[0];
		if (likely(cur != IPPROTO_FRAGMENT)) {
			if (cur == IPPROTO_AH)
				elen = ((uint32_t)eh[1] + 2) * 4; /* RFC 4302 counts 4-byte units */
			else
				elen = ((uint32_t)eh[1] + 1) * 8;
			if (unlikely(elen > tlen - off)) {
				dp_anomaly(p, DP_AN_IPV6_EXTHDR_TRUNCATED);
				return DP_LAYER_L3;
			}
			off += elen;
			continue;
		}
		off += RTE_IPV6_FRAG_HDR_SIZE;
		p->p_ip_id = (uint16_t)dp_rd32(eh + offsetof(struct rte_ipv6_fragment_ext, id));
		fd = dp_rd16(eh + offsetof(struct rte_ipv6_fragment_ext, frag_data));
		/* Offset 0 without M is an atomic fragment (RFC 6946): a whole datagram. */
		if (fd & (DP_IPV6_FRAG_OFF_MASK | DP_IPV6_FRAG_MF)) {
			p->p_fragment = true;
			p->p_more_frags = (fd & DP_IPV6_FRAG_MF) != 0;
			p->p_frag_off = fd & DP_IPV6_FRAG_OFF_MASK;
			dp_anomaly(p, DP_AN_IPV6_FRAGMENT);
			/* Later fragments start mid-datagram: their first bytes are no header. */
			if (p->p_frag_off != 0) {
				p->p_proto = nh;
				return DP_LAYER_L3;
			}
		}
	}
}

static inline int
dp_decode_eth(const uint8_t *data, uint32_t len, uint32_t beyond, struct dp_pkt *p)
{
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t et;

	if (unlikely(len < sizeof(struct rte_ether_hdr))) {
		dp_anomaly(p, DP_AN_ETH_TRUNCATED);
		return DP_LAYER_NONE;
	}
	et = dp_rd16(data + offsetof(struct rte_ether_hdr, ether_type));
	while (unlikely(dp_is_vlan_tpid(et))) {
		if (p->p_vlan_n == RTE_DIM(p->p_vlan)) {
			dp_anomaly(p, DP_AN_VLAN_TOO_DEEP);
			p->p_ethertype = et;
			return DP_LAYER_L2;
		}
		if (len - off < sizeof(struct rte_vlan_hdr)) {
			dp_anomaly(p, DP_AN_VLAN_TRUNCATED);
			p->p_ethertype = et;
			return DP_LAYER_L2;
		}
		p->p_vlan[p->p_vlan_n++] = RTE_VLAN_TCI_ID(
			dp_rd16(data + off + offsetof(struct rte_vlan_hdr, vlan_tci)));
		et = dp_rd16(data + off + offsetof(struct rte_vlan_hdr, eth_proto));
		off += sizeof(struct rte_vlan_hdr);
	}
	p->p_ethertype = et;
	if (likely(et == RTE_ETHER_TYPE_IPV4))
		return dp_decode_ipv4(p, data + off, len - off, beyond);
	if (et == RTE_ETHER_TYPE_IPV6)
		return dp_decode_ipv6(p, data + off, len - off, beyond);
	dp_anomaly(p, DP_AN_UNKNOWN_ETHERTYPE);
	return DP_LAYER_L2;
}

int
dp_decode_seg(const uint8_t *data, uint32_t len, uint32_t frame_len, struct dp_pkt *p)
{
	int layer;

	memset(p, 0, sizeof(*p));
	layer = dp_decode_eth(data, len, frame_len > len ? frame_len - len : 0, p);
	p->p_layer = (uint8_t)layer;
	return layer;
}

int
dp_decode(const uint8_t *data, uint32_t len, struct dp_pkt *p)
{
	return dp_decode_seg(data, len, len, p);
}
