/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet decoder: Ethernet, 802.1Q / 802.1ad (QinQ), IPv4 (options,
 * fragments), IPv6 (extension headers, fragments), TCP, UDP, ICMP, ICMPv6.
 *
 * dp_decode() reads only within [data, data + len): a header that does not
 * fit is an anomaly, never a read past the buffer.  It decodes as far as it
 * can and records the first anomaly met; the caller counts anomalies by kind.
 * Nothing is allocated; the result points into the packet.
 */
#ifndef DP_DECODE_H
#define DP_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Anomalies by kind.  DP_AN_NONE is 0 so a zeroed result means "clean". */
enum dp_anomaly {
	DP_AN_NONE = 0,
	DP_AN_ETH_TRUNCATED,         /* shorter than an Ethernet header */
	DP_AN_VLAN_TRUNCATED,        /* VLAN tag cut short */
	DP_AN_VLAN_TOO_DEEP,         /* more than two VLAN tags */
	DP_AN_UNKNOWN_ETHERTYPE,     /* not IPv4, IPv6 or VLAN (ARP, LLDP, ...) */
	DP_AN_IPV4_TRUNCATED,        /* shorter than 20 bytes */
	DP_AN_IPV4_BAD_VERSION,      /* version field is not 4 */
	DP_AN_IPV4_BAD_HLEN,         /* IHL below 5 or beyond the packet */
	DP_AN_IPV4_BAD_LEN,          /* total length below IHL or beyond the frame */
	DP_AN_IPV4_BAD_OPTIONS,      /* an option's length runs past the header */
	DP_AN_IPV4_FRAGMENT,         /* a fragment (first or later) */
	DP_AN_IPV6_TRUNCATED,        /* shorter than 40 bytes */
	DP_AN_IPV6_BAD_VERSION,      /* version field is not 6 */
	DP_AN_IPV6_BAD_LEN,          /* payload length beyond the frame */
	DP_AN_IPV6_EXTHDR_TRUNCATED, /* an extension header runs past the packet */
	DP_AN_IPV6_EXTHDR_TOO_MANY,  /* more extension headers than the decoder follows */
	DP_AN_IPV6_FRAGMENT,         /* a fragment (first or later) */
	DP_AN_TCP_TRUNCATED,         /* shorter than 20 bytes */
	DP_AN_TCP_BAD_HLEN,          /* data offset below 5 or beyond the segment */
	DP_AN_UDP_TRUNCATED,         /* shorter than 8 bytes */
	DP_AN_UDP_BAD_LEN,           /* length field below 8 or beyond the datagram */
	DP_AN_ICMP_TRUNCATED,        /* shorter than 4 bytes */
	DP_AN_ICMPV6_TRUNCATED,      /* shorter than 4 bytes */
	DP_AN__COUNT
};

/* Stable names for counters and logs ("ipv4_bad_hlen", ...). */
const char *dp_anomaly_name(enum dp_anomaly an);

/* How far decoding got. */
enum dp_layer {
	DP_LAYER_NONE = 0, /* not even Ethernet */
	DP_LAYER_L2,       /* Ethernet (and VLANs) only */
	DP_LAYER_L3,       /* IP header decoded; no usable transport header */
	DP_LAYER_L4,       /* transport header decoded */
};

struct dp_pkt {
	const uint8_t *p_l3;      /* IP header */
	const uint8_t *p_l4;      /* transport header (NULL below DP_LAYER_L4) */
	const uint8_t *p_payload; /* transport payload, clipped to the IP length */
	const uint8_t *p_src;     /* source address in the IP header (4 or 16 bytes) */
	const uint8_t *p_dst;     /* destination address */
	uint32_t p_tcp_seq;       /* host order */
	uint32_t p_tcp_ack;
	uint16_t p_payload_len;
	uint16_t p_l3_len;    /* IP total length as the header says (clipped to the frame) */
	uint16_t p_ethertype; /* innermost ethertype, host order */
	uint16_t p_vlan[2];   /* VLAN ids, outer first */
	uint16_t p_sport;     /* host order; 0 for protocols without ports */
	uint16_t p_dport;
	uint16_t p_tcp_win;
	uint16_t p_ip_id;    /* IPv4 identification (low 16 bits of the IPv6 one) */
	uint16_t p_frag_off; /* fragment offset in bytes */
	uint8_t p_vlan_n;
	uint8_t p_family; /* 4, 6, or 0 when not IP */
	uint8_t p_proto;  /* IP protocol (after IPv6 extension headers) */
	uint8_t p_ttl;    /* TTL or hop limit */
	uint8_t p_tcp_flags;
	uint8_t p_tcp_optlen; /* bytes of TCP options */
	uint8_t p_icmp_type;
	uint8_t p_icmp_code;
	uint8_t p_layer;   /* enum dp_layer */
	uint8_t p_anomaly; /* enum dp_anomaly: the first one met */
	bool p_fragment;   /* any IP fragment */
	bool p_more_frags; /* MF set */
};

/*
 * Decodes one frame.  Returns the layer reached (enum dp_layer); p is fully
 * written, so the caller need not clear it.
 */
int dp_decode(const uint8_t *data, uint32_t len, struct dp_pkt *p);

/*
 * Decodes a frame of frame_len bytes of which only the first len are
 * contiguous at data (a multi-segment mbuf: frames above the mbuf size, such
 * as captures taken with offloads).  Lengths are checked against the whole
 * frame; headers and p_payload stay within the contiguous part.
 */
int dp_decode_seg(const uint8_t *data, uint32_t len, uint32_t frame_len, struct dp_pkt *p);

#endif /* DP_DECODE_H */
