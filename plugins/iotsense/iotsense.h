/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iotsense: the plugin's shared types.  One global block (control thread,
 * read-only for lcores except through published pointers), one block per
 * lcore (the host and scan tables), one small block per flow (login state).
 */
#ifndef IOTSENSE_H
#define IOTSENSE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mamori/plugin.h>

#include "creds.h"
#include "firmware.h"
#include "registry.h"
#include "subscriber.h"

/* Categories of the programme. */
enum iot_category {
	IOT_CAT_INFECTED = 0,
	IOT_CAT_WEAK_CREDENTIALS,
	IOT_CAT_VULNERABLE_FIRMWARE,
	IOT_CAT_N,
};

/* What made the finding. */
enum iot_reason {
	IOT_WHY_MIRAI_SYN = 0, /* SYNs carrying Mirai's seq == destination mark */
	IOT_WHY_TRW,           /* threshold random walk over first-contact outcomes */
	IOT_WHY_ADDR_SCAN,     /* failed connections to many hosts */
	IOT_WHY_PORT_SCAN,     /* failed connections to many ports of one host */
	IOT_WHY_DARKNET,       /* traffic to unused address space */
	IOT_WHY_BRUTE_FORCE,   /* a storm of login attempts (attacker or target) */
	IOT_WHY_DEFAULT_LOGIN, /* a login with a default credential succeeded */
	IOT_WHY_BANNER,        /* a service banner of a product with high-risk CVEs */
	IOT_WHY_MIRAI_CNC,     /* Mirai's C&C handshake: 00 00 00 01, then the bot's id */
	IOT_WHY_N,
};

/* Indexes of ie_n[], the counts an event carries as evidence. */
enum iot_count {
	IOT_N_SYNS = 0,   /* SYNs sent */
	IOT_N_MIRAI,      /* of them with seq == destination */
	IOT_N_MIRAI_23,   /* fingerprinted SYNs to port 23 */
	IOT_N_MIRAI_2323, /* fingerprinted SYNs to port 2323 */
	IOT_N_EXPLOIT,    /* SYNs to the exploit ports */
	IOT_N_SPORT_SAME, /* fingerprinted SYNs from the most used source port */
	IOT_N_FAILED,     /* failed first contacts (weighted by sampling) */
	IOT_N_OK,         /* successful first contacts */
	IOT_N_DSTS,       /* distinct hosts with failed connections in the window */
	IOT_N_PORTS,      /* distinct ports failed on one host in the window */
	IOT_N_DARK,       /* connections into the darknet */
	IOT_N_ATTEMPTS,   /* login attempts (brute force) */
	IOT_N_SAMPLING,   /* highest sampling rate of the flows counted */
	IOT_N_MAX,
};

#define IOT_TOP_PORTS 6
#define IOT_STR       32
#define IOT_EV_CVES   4

/* The payload of an iot_device event (struct mm_event's ev_data). */
struct iot_evd {
	uint8_t ie_category;  /* enum iot_category */
	uint8_t ie_reason;    /* enum iot_reason */
	uint8_t ie_confirmed; /* 1: a finding; 0: an attempt against the device */
	uint8_t ie_peer_set;  /* ie_peer holds an address */
	uint8_t ie_proto;     /* IP protocol of the evidence (EVE "proto") */
	uint8_t ie_pad[3];
	uint16_t ie_port;  /* the service port concerned, 0 if none */
	uint16_t ie_sport; /* Mirai: the scanner's fixed source port */
	uint64_t ie_first_ns;
	uint64_t ie_last_ns;
	struct mm_addr ie_peer; /* attacker, target or scanner on the other side */
	uint32_t ie_n[IOT_N_MAX];
	int32_t ie_trw_milli; /* log likelihood ratio of the walk, x1000 */
	uint16_t ie_ports[IOT_TOP_PORTS];
	uint32_t ie_port_n[IOT_TOP_PORTS];
	uint32_t ie_sig;                          /* firmware signature index */
	char ie_user[IOT_STR];                    /* default credential used */
	char ie_pass[IOT_STR];                    /* (a published default, not a secret) */
	char ie_version[IOT_STR];                 /* firmware version read from the banner */
	char ie_product[IOT_STR];                 /* firmware product */
	char ie_service[IOT_STR / 2];             /* telnet, ftp, http, rtsp, ssh, upnp */
	char ie_cve[IOT_EV_CVES][IOT_FW_CVE_MAX]; /* high-risk CVEs, worst first */
	uint16_t ie_cvss10[IOT_EV_CVES];
};

_Static_assert(sizeof(struct iot_evd) <= MM_EVENT_DATA_MAX, "an iot_device payload fits an event");

/* Configuration (plugins.iotsense.*). */
struct iot_conf {
	uint64_t c_window_ns;         /* fan-out and scan window */
	uint64_t c_mirai_min;         /* fingerprinted SYNs that make a Mirai scanner */
	uint64_t c_exploit_min;       /* fingerprinted SYNs to exploit ports (variants) */
	uint64_t c_fan_hosts;         /* distinct hosts failed: address scan */
	uint64_t c_fan_ports;         /* distinct ports failed on one host: port scan */
	uint64_t c_dark_min;          /* connections into the darknet */
	uint64_t c_bf_attempts;       /* login attempts to one service: brute force */
	uint64_t c_bf_window_ns;      /* ... within this time */
	uint64_t c_bf_session_ns;     /* a login session shorter than this is an attempt */
	double c_trw_fail_step;       /* log((1 - theta1) / (1 - theta0)) */
	double c_trw_ok_step;         /* log(theta1 / theta0) */
	double c_trw_eta1;            /* log(PD / PF): scanner */
	double c_trw_eta0;            /* log((1 - PD) / (1 - PF)): benign */
	double c_min_cvss;            /* high risk from this CVSS score */
	bool c_trw;                   /* threshold random walk on */
	bool c_udp;                   /* UDP outcomes count */
	bool c_home_only;             /* report only home_net devices */
	uint64_t c_quarantine_ns;     /* how long an infected device stays quarantined */
	uint16_t c_exploit_ports[16]; /* the variants' exploit ports */
	unsigned c_n_exploit;
	struct mm_prefix c_dark[64]; /* darknet prefixes */
	unsigned c_n_dark;
};

/* Data files that reload swaps as one generation. */
struct iot_data {
	struct iot_creds *d_creds;
	struct iot_fw *d_fw;
	struct iot_subs *d_subs;
};

/* Pattern ids: login patterns below 100, then two per firmware signature. */
#define IOT_PT_FIRMWARE 1000

/* Counter ids. */
struct iot_counters {
	int k_pkts;
	int k_mirai;
	int k_flows;
	int k_failed;
	int k_events;
	int k_drops;
	int k_logins;
	int k_default_ok;
	int k_banners;
	int k_table_full;
};

struct iot_global {
	const struct mm_host *g_host;
	struct mm_plugin_ctx *g_ctx;
	struct iot_conf g_conf;
	struct iot_counters g_k;
	_Atomic(struct iot_data *) g_data; /* what lcores read */
	struct iot_data *g_retired;        /* the previous generation, freed at the next */
	uint64_t g_written_ns;             /* packet time the registry was last written */
	uint64_t g_last_ns;                /* latest finding's time */
	int64_t g_day;                     /* day of the latest finding (days since the epoch) */
	const char *g_state;               /* the plugin's state directory */
	bool g_restored;                   /* the last run's registry was read back */
	char *g_paths[4];                  /* data file paths, owned */
	struct iot_registry g_reg;         /* devices found (control thread) */
};

struct iot_lcore; /* scan.h */

/* Writes the registry's files into the state directory (control thread). */
void iot_write_now(struct iot_global *g, uint64_t now_ns);
/* Reads the last run's registry back, once, before the first finding or write. */
void iot_restore(struct iot_global *g);

#endif /* IOTSENSE_H */
