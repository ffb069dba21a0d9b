/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorid's settings: the configuration tree read once, validated, and turned
 * into plain values.  Every error names the key, the file and line, what was
 * expected and what was found.
 */
#ifndef DP_SETTINGS_H
#define DP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <mamori/config.h>
#include <mamori/netaddr.h>
#include <mamori/netflow.h>

#include "flowtable.h"
#include "stream.h"

#define DP_MAX_PORTS  16
#define DP_MAX_QUEUES 16
#define DP_COL_LISTEN 16

struct dp_port_conf {
	char *pc_dev; /* a PCI address (0000:01:00.0) or a vdev string (net_pcap0,...) */
	bool pc_is_vdev;
	uint16_t pc_rx_queues;
	uint16_t pc_rx_desc;
	bool pc_promisc;
};

/* One UDP address the collector listens on. */
struct dp_col_listen {
	char *cl_text; /* as configured: "0.0.0.0:2055", "[::]:4739" */
	struct sockaddr_storage cl_addr;
	socklen_t cl_len;
};

/* collector: NetFlow v5/v9 and IPFIX from routers (see collector.h). */
struct dp_col_conf {
	struct dp_col_listen cc_listen[DP_COL_LISTEN];
	unsigned cc_nlisten;           /* 0: no collector */
	struct mm_prefix_set cc_allow; /* exporters accepted */
	bool cc_allow_all;             /* collector.allow absent: every exporter */
	enum mm_nf_biflow cc_biflow;
	struct mm_nf_limits cc_limits;
	uint64_t cc_rcvbuf; /* SO_RCVBUF asked for each socket, bytes */
};

enum dp_hugepages {
	DP_HUGE_AUTO, /* use them when mounted, else --no-huge with a warning */
	DP_HUGE_ON,
	DP_HUGE_OFF,
};

struct dp_settings {
	/* eal */
	char *s_lcores;       /* EAL -l list; the first is the control lcore */
	uint64_t s_memory_mb; /* -m when running without hugepages */
	enum dp_hugepages s_huge;
	char **s_eal_args; /* extra EAL arguments, NULL-terminated */
	char *s_eal_log_level;
	bool s_telemetry; /* DPDK telemetry socket (dpdk-telemetry.py) */
	/* ports: none is allowed when the collector listens */
	struct dp_port_conf s_ports[DP_MAX_PORTS];
	unsigned s_nports;
	struct dp_col_conf s_col;
	/* mempool and bursts */
	uint32_t s_mbufs;
	uint32_t s_mbuf_cache;
	uint32_t s_data_room; /* bytes of packet data per mbuf (longer frames chain) */
	uint16_t s_burst;
	uint32_t s_dispatch_ring; /* per-worker ring when one queue feeds several workers */
	uint32_t s_event_ring;    /* per-worker ring of events to the control thread */
	/* flows */
	struct flow_table_conf s_flow;  /* capacity, timeouts, active timeout */
	struct dp_stream_conf s_stream; /* stream scope: depth and pools per worker */
	struct mm_prefix_set s_home_net;
	/* output */
	char *s_flows_out;            /* EVE flow JSON lines, or NULL */
	char *s_eve_out;              /* every event as EVE JSON lines, or NULL */
	char *s_summary_json;         /* summary as one JSON object, or NULL */
	char *s_exercise;             /* exercise.run_id: tag of every event, or NULL */
	uint64_t s_stats_interval_ms; /* 0: only at exit */
	/* offline */
	char *s_pcap;      /* --pcap FILE: offline run over one capture */
	char *s_state_dir; /* the appliance state: keys, plugin data */
	/* export: events to a mamori-store (none when s_export_url is NULL) */
	char *s_export_url;
	char *s_export_spool; /* spool file; NULL: <state_dir>/export.spool */
	uint64_t s_export_spool_mb;
	uint64_t s_export_batch;
	uint64_t s_export_delay_ms;
	uint64_t s_export_flush_ms; /* at exit, time to deliver before spooling the rest */
	uint64_t s_export_inflight; /* batches sent and not yet acknowledged at once (store) */
	char *s_export_tls_ca;
	char *s_export_tls_cert_key;
	char *s_export_tls_server;
	char *s_control_url; /* control socket; NULL: the default for live runs, none offline */
	char *s_metrics_url; /* Prometheus endpoint (http://HOST:PORT/PATH); NULL: none */
};

/* Fills s from the configuration; returns 0 or a negative errno with err set. */
int dp_settings_load(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen);
void dp_settings_fini(struct dp_settings *s);

#endif /* DP_SETTINGS_H */
