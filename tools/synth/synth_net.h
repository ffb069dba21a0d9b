/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The world the generators share: operating-system profiles (TTL, SYN
 * options, ephemeral ports), hosts as a tap between the subscribers and the
 * Internet sees them, the subscribers, the web sites they visit and the
 * ISP's resolver and time servers.
 *
 * Address plan: subscribers in 10.0.0.0/16, some also in 2001:db8:1::/48
 * (one /64 each); everything outside comes from the documentation ranges
 * (192.0.2.0/24 for the ISP's own services, 198.51.100.0/24 and
 * 203.0.113.0/24 for sites and attackers, 2001:db8:f000::/36 for IPv6
 * sites) and MAC addresses from 00:00:5e:00:53:00/24 (RFC 7042) for the
 * upstream router; subscribers' CPEs get locally administered MACs.
 */
#ifndef SYNTH_NET_H
#define SYNTH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth_pkt.h"
#include "synth_rng.h"

struct synth_cap;
struct synth_json;

#define SYNTH_SUB_PREFIX4 "10.0.0.0/16"
#define SYNTH_SUB_PREFIX6 "2001:db8:1::/48"

enum synth_os_id {
	SYNTH_OS_WINDOWS,
	SYNTH_OS_MACOS,
	SYNTH_OS_LINUX, /* desktops, Android, and servers */
	SYNTH_OS_IOT,   /* an old embedded Linux (BusyBox cameras, DVRs, routers) */
	SYNTH_OS__COUNT
};

/* How the stack lays out its SYN options; each order is what that OS sends. */
enum synth_opt_style {
	SYNTH_OPTS_LINUX,   /* MSS, SACK_PERM, TS, NOP, WS */
	SYNTH_OPTS_WINDOWS, /* MSS, NOP, WS, NOP, NOP, SACK_PERM */
	SYNTH_OPTS_MACOS,   /* MSS, NOP, WS, NOP, NOP, TS, SACK_PERM, EOL, EOL */
};

struct synth_os {
	const char *os_name;
	uint8_t os_ttl;      /* initial TTL and hop limit */
	uint8_t os_wscale;   /* window scale shift offered */
	uint8_t os_ts;       /* offers timestamps */
	uint8_t os_style;    /* enum synth_opt_style */
	uint8_t os_edns;     /* its stub resolver adds an EDNS0 OPT record */
	uint16_t os_syn_win; /* window field in its SYN and SYN-ACK */
	uint16_t os_port_lo; /* ephemeral port range */
	uint16_t os_port_hi;
	uint32_t os_rcvwin; /* bytes it advertises once established */
};

const struct synth_os *synth_os_get(enum synth_os_id id);

/* One machine as the tap sees it. */
struct synth_host {
	const struct synth_os *h_os;
	uint8_t h_family;   /* 4 or 6 */
	uint8_t h_addr[16]; /* 4 or 16 bytes used */
	uint8_t h_mac[6];   /* CPE MAC for a subscriber, the upstream router's for the outside */
	uint8_t h_ttl;      /* TTL its packets have at the tap */
	uint8_t h_nvlan;    /* access VLAN tags its packets carry at the tap (0, 1, 2) */
	uint16_t h_vlan[2];
	uint16_t h_ipid;   /* next IPv4 identification */
	uint16_t h_port;   /* last ephemeral port handed out */
	uint32_t h_tsbase; /* TCP timestamp clock at time 0 (1 kHz) */
	uint32_t h_rtt_us; /* round trip between the tap and this host */
};

enum synth_side {
	SYNTH_INSIDE,  /* a subscriber: a few ms from the tap, one hop (the CPE) on its TTL */
	SYNTH_OUTSIDE, /* the Internet: 5 to 150 ms away, 8 to 20 hops */
};

void synth_host_init(struct synth_host *h, struct synth_rng *r, enum synth_os_id os, int family,
	const uint8_t *addr, enum synth_side side);
/* The next ephemeral port; sequential with small random steps, as the stacks do. */
uint16_t synth_host_port(struct synth_host *h, struct synth_rng *r);
/* Ethernet and IP fields for one packet from src to dst (uses up one IPv4 id of src). */
void synth_host_frame(struct synth_host *src, const struct synth_host *dst, struct synth_l2 *l2,
	struct synth_ip *ip);

void synth_addr4(uint8_t addr[16], uint8_t a, uint8_t b, uint8_t c, uint8_t d);

/*
 * One UDP datagram or ICMP message from src to dst at when, added to the
 * capture.  Returns 0 or a negative errno.
 */
int synth_emit_udp(struct synth_cap *cap, uint64_t when, struct synth_host *src,
	const struct synth_host *dst, uint16_t sport, uint16_t dport, const void *data, size_t len);
int synth_emit_icmp(struct synth_cap *cap, uint64_t when, struct synth_host *src,
	const struct synth_host *dst, uint8_t type, uint8_t code, uint32_t rest, const void *data,
	size_t len);

struct synth_site {
	char s_name[64];
	struct synth_host s_v4;
	struct synth_host s_v6; /* h_family 0 when the site has no AAAA */
	bool s_pq;              /* its TLS servers select X25519MLKEM768 when offered */
};

struct synth_net {
	struct synth_host *n_sub;  /* the subscribers, IPv4 */
	struct synth_host *n_sub6; /* their IPv6 side; h_family 0 when none */
	size_t n_nsub;
	struct synth_site *n_site;
	size_t n_nsite;
	struct synth_host n_resolver; /* the ISP's DNS resolver */
	struct synth_host n_ntp;      /* the ISP's time server */
	uint8_t *n_claimed;           /* subscribers a generator took for a role */
	uint8_t n_used4[65536 / 8];   /* host numbers taken in 10.0.0.0/16 */
	uint8_t n_usedx[512 / 8]; /* documentation addresses taken (198.51.100/24, 203.0.113/24) */
};

int synth_net_init(struct synth_net *n, uint64_t seed, size_t nsub);
void synth_net_fini(struct synth_net *n);
/* A subscriber address no one has yet (10.0.x.y); -ENOSPC when the /16 is full. */
int synth_net_sub_addr(struct synth_net *n, struct synth_rng *r, uint8_t addr[16]);
/*
 * A subscriber no other generator has taken for a role (infected host,
 * vulnerable device); returns its index, or -ENOSPC when all are taken.
 */
int synth_net_claim(struct synth_net *n, struct synth_rng *r);
/* An outside address no one has yet, from 198.51.100.0/24 or 203.0.113.0/24. */
int synth_net_ext_addr(struct synth_net *n, struct synth_rng *r, uint8_t addr[16]);

/* What every generator gets: the capture, the world, its truth section. */
struct synth_ctx {
	struct synth_cap *x_cap;
	struct synth_net *x_net;
	struct synth_json *x_truth;
	uint64_t x_seed;
	uint64_t x_start;      /* capture start, µs since the epoch */
	uint64_t x_dur;        /* capture length, µs */
	uint16_t x_tls_group;  /* TLS group servers pick when offered a share of it; 0: their own */
	const char *x_ssh_kex; /* SSH key exchange both sides put first; NULL: as implemented */
};

/* Random-stream ids: one per generator, fixed so that each stays stable. */
enum synth_stream {
	SYNTH_STREAM_NET = 1,
	SYNTH_STREAM_BACKGROUND,
	SYNTH_STREAM_BEACON,
	SYNTH_STREAM_MIRAI,
	SYNTH_STREAM_IOT,
	SYNTH_STREAM_SSH,
	SYNTH_STREAM_ANOMALY,
	SYNTH_STREAM_ESEAL,
};

#endif /* SYNTH_NET_H */
