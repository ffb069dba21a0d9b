/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow record: the common currency of Mamori.  The packet flow table and
 * the NetFlow/IPFIX collector both produce it, and flow-based plugins cannot
 * tell the two apart.
 *
 * Direction follows Suricata's convention: "to server" is from the initiator
 * (fr_src, fr_sport) to the responder (fr_dst, fr_dport).
 */
#ifndef MAMORI_FLOW_H
#define MAMORI_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* Why a flow record was emitted. */
enum mm_flow_end {
	MM_FLOW_END_FIN = 1,  /* TCP closed with FIN from both sides (or FIN then silence) */
	MM_FLOW_END_RST,      /* TCP reset */
	MM_FLOW_END_IDLE,     /* no packet for the idle timeout */
	MM_FLOW_END_ACTIVE,   /* active timeout: a long flow reported, and it goes on */
	MM_FLOW_END_EVICTED,  /* the table was full and this flow was the least recent */
	MM_FLOW_END_SHUTDOWN, /* flushed at the end of the capture or at exit */
	MM_FLOW_END_EXPORTER, /* from a NetFlow/IPFIX record without an end reason */
};

/* Where a flow record came from. */
enum mm_flow_source {
	MM_FLOW_SRC_PACKETS = 0,
	MM_FLOW_SRC_NETFLOW_V5,
	MM_FLOW_SRC_NETFLOW_V9,
	MM_FLOW_SRC_IPFIX,
};

/* TCP flag bits as on the wire. */
#define MM_TCP_FIN 0x01
#define MM_TCP_SYN 0x02
#define MM_TCP_RST 0x04
#define MM_TCP_PSH 0x08
#define MM_TCP_ACK 0x10
#define MM_TCP_URG 0x20
#define MM_TCP_ECE 0x40
#define MM_TCP_CWR 0x80

struct mm_flow_rec {
	uint64_t fr_id;             /* unique within one appliance run */
	uint64_t fr_first_ns;       /* first packet, Unix time in ns (capture time offline) */
	uint64_t fr_last_ns;        /* last packet */
	uint64_t fr_pkts_ts;        /* packets initiator -> responder */
	uint64_t fr_pkts_tc;        /* packets responder -> initiator */
	uint64_t fr_bytes_ts;       /* frame bytes initiator -> responder */
	uint64_t fr_bytes_tc;       /* frame bytes responder -> initiator */
	struct mm_addr fr_src;      /* initiator */
	struct mm_addr fr_dst;      /* responder */
	struct mm_addr fr_exporter; /* NetFlow/IPFIX exporter; zero for packet flows */
	uint32_t fr_sampling;       /* 1 in N sampled; 1 for packet flows */
	uint16_t fr_sport;          /* host order; 0 when the protocol has no ports */
	uint16_t fr_dport;
	uint16_t fr_vlan[2];     /* outer, inner VLAN id */
	uint16_t fr_port;        /* input port (packets) */
	uint8_t fr_vlan_n;       /* number of VLAN tags: 0, 1 or 2 */
	uint8_t fr_proto;        /* IP protocol number */
	uint8_t fr_tcp_flags_ts; /* union of TCP flags initiator -> responder */
	uint8_t fr_tcp_flags_tc; /* union of TCP flags responder -> initiator */
	uint8_t fr_icmp_type;    /* first ICMP/ICMPv6 type and code seen */
	uint8_t fr_icmp_code;
	uint8_t fr_end;    /* enum mm_flow_end */
	uint8_t fr_source; /* enum mm_flow_source */
};

/* "fin", "rst", "idle", "active", "evicted", "shutdown", "exporter". */
const char *mm_flow_end_name(enum mm_flow_end end);
/* "TCP", "UDP", "ICMP", "IPv6-ICMP", or the number as text in buf. */
const char *mm_proto_name(uint8_t proto, char *buf, size_t len);

#endif /* MAMORI_FLOW_H */
