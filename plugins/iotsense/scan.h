/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scan behaviour, per lcore: Mirai's SYN fingerprint on packets, threshold
 * random walk and fan-out of failed connections on flow records (from packets
 * and from NetFlow/IPFIX alike), darknet hits, and login storms.  Each lcore
 * keeps its own tables in its own state block, with no allocation and no lock;
 * a host seen by two lcores (two collectors, or RSS across workers) is counted
 * apart on each, and the control thread merges what they report.
 */
#ifndef IOTSENSE_SCAN_H
#define IOTSENSE_SCAN_H

#include <stdint.h>

#include "iotsense.h"

#define IOT_HOSTS       16384 /* per-lcore host table (power of two) */
#define IOT_PAIRS       4096  /* per-lcore login pair table (power of two) */
#define IOT_PROBE       16    /* linear probes before the least recent entry is reused */
#define IOT_BLOOM_BITS  (1U << 22)
#define IOT_BLOOM_WORDS (IOT_BLOOM_BITS / 64)

/* One host, as scanner, device or target. */
struct iot_host {
	struct mm_addr h_addr;
	uint64_t h_first_ns;
	uint64_t h_last_ns;
	uint64_t h_win_ns; /* start of the fan-out window */
	uint64_t h_ps_dst; /* hash of the host a port scan is aimed at */
	float h_trw;       /* log likelihood ratio of the walk */
	uint32_t h_n[IOT_N_MAX];
	uint16_t h_ports[IOT_TOP_PORTS];
	uint32_t h_port_n[IOT_TOP_PORTS];
	uint16_t h_sport;    /* majority source port of fingerprinted SYNs */
	uint16_t h_sport_c;  /* its majority vote */
	uint16_t h_reported; /* bit per enum iot_reason already reported today */
	uint32_t h_day;      /* the day h_reported is about */
	uint64_t h_sigs;     /* firmware signatures reported today (bit: index % 64) */
	uint8_t h_used;
};

/* One (client, server, port): login attempts. */
struct iot_pair {
	struct mm_addr p_src;
	struct mm_addr p_dst;
	uint64_t p_first_ns;
	uint64_t p_last_ns;
	uint64_t p_win_ns;
	uint32_t p_attempts;
	uint16_t p_dport;
	uint8_t p_service; /* enum iot_service of the last session */
	uint8_t p_used;
	uint8_t p_reported;
};

struct iot_lcore {
	unsigned l_lcore;
	uint64_t l_bloom_ns; /* when the current filter started */
	unsigned l_bloom_cur;
	struct iot_host l_hosts[IOT_HOSTS];
	struct iot_pair l_pairs[IOT_PAIRS];
	uint64_t l_bloom[2][IOT_BLOOM_WORDS]; /* contacts and failures seen in two windows */
};

/* Flow state: login exchanges and what the flow already gave. */
struct iot_flow {
	uint8_t f_counted; /* outcome taken (active-timeout reports come again) */
	uint8_t f_service; /* enum iot_service recognised on the flow */
	uint8_t f_state;   /* enum iot_login_state */
	uint8_t f_fails;   /* failed logins seen */
	uint8_t f_oks;     /* successful logins seen */
	uint8_t f_line_len;
	uint8_t f_user_len;
	uint8_t f_pass_len;
	uint8_t f_cnc;        /* 1: Mirai's C&C hello sent, 2: the bot's id followed */
	char f_line[IOT_STR]; /* the client's line being typed */
	char f_user[IOT_STR];
	char f_pass[IOT_STR];
};

_Static_assert(IOT_WHY_N <= 16, "h_reported has a bit per reason");

struct iot_global;

/* Packet hook: Mirai's fingerprint and SYN port mixes. */
void iot_scan_burst(
	struct iot_global *g, struct iot_lcore *l, const struct mm_pkt *pkts, uint16_t n);
/* Flow hook: connection outcome, walk, fan-out, darknet, login storms. */
void iot_scan_flow(
	struct iot_global *g, struct iot_lcore *l, const struct mm_flow_rec *r, struct iot_flow *f);
/* The host entry of an address (created); NULL only when the table cannot take it. */
struct iot_host *iot_host_get(struct iot_lcore *l, const struct mm_addr *a, uint64_t now_ns);
/*
 * Emits one iot_device event about dev (the host entry supplies counts and
 * times) unless it was already reported for the reason.  evd carries the
 * rest; its category, reason and confirmed fields must be set.
 */
void iot_report(struct iot_global *g, struct iot_lcore *l, struct iot_host *dev,
	struct iot_evd *evd, const struct mm_addr *peer, uint16_t port, uint64_t now_ns);

#endif /* IOTSENSE_SCAN_H */
