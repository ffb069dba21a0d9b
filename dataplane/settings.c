/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include <mamori/bus.h>
#include <mamori/exporter.h>

#include "settings.h"

#define NS_PER_MS 1000000ULL
#define DAY_MS    (86400ULL * 1000ULL)

/* The getters store the default when a key is absent: that is not an error here. */
static int
absent_ok(int rv)
{
	return (rv == -ENOENT ? 0 : rv);
}

static char *
dup_or_null(const char *s)
{
	return (s != NULL && *s != '\0' ? strdup(s) : NULL);
}

/* True for a DPDK PCI address such as 0000:01:00.0 or 01:00.0. */
static bool
looks_like_pci(const char *dev)
{
	unsigned a, b, c, d;
	char tail;

	return (sscanf(dev, "%x:%x:%x.%x%c", &a, &b, &c, &d, &tail) == 4 ||
		sscanf(dev, "%x:%x.%x%c", &b, &c, &d, &tail) == 3);
}

static int
load_eal(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	const char *v;
	size_t n;
	int rv;

	if ((rv = absent_ok(mm_cfg_get_str(cfg, NULL, "eal.lcores", "0-1", &v, err, errlen))) < 0)
		return (rv);
	s->s_lcores = strdup(v);
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "eal.memory", 512, 64, 1 << 20, &s->s_memory_mb, err, errlen))) < 0)
		return (rv);
	if ((rv = absent_ok(mm_cfg_get_str(cfg, NULL, "eal.hugepages", "auto", &v, err, errlen))) <
		0)
		return (rv);
	if (strcmp(v, "auto") == 0) {
		s->s_huge = DP_HUGE_AUTO;
	} else if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0) {
		s->s_huge = DP_HUGE_ON;
	} else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0) {
		s->s_huge = DP_HUGE_OFF;
	} else {
		snprintf(err, errlen, "%s: eal.hugepages: expected auto, on or off, got '%s'",
			mm_cfg_name(cfg), v);
		return (-EINVAL);
	}
	if ((rv = absent_ok(
		     mm_cfg_get_str(cfg, NULL, "eal.log_level", "warning", &v, err, errlen))) < 0)
		return (rv);
	s->s_eal_log_level = strdup(v);
	if ((rv = absent_ok(mm_cfg_get_bool(
		     cfg, NULL, "eal.telemetry", false, &s->s_telemetry, err, errlen))) < 0)
		return (rv);
	/* An absent list still comes back as an empty one. */
	return (absent_ok(mm_cfg_get_strv(cfg, NULL, "eal.args", &s->s_eal_args, &n, err, errlen)));
}

static int
load_ports(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	const struct mm_cfg_node *ports = mm_cfg_lookup(cfg, "ports");
	int rv;

	if (ports == NULL || mm_cfg_node_count(ports) == 0) {
		/* A collector alone is an appliance too: flows from the routers. */
		if (s->s_col.cc_nlisten > 0)
			return (0);
		snprintf(err, errlen,
			"%s: no ports configured: add a 'ports' list (a PCI address or a vdev "
			"such as net_af_packet0,iface=eth1), set collector.listen, or run with "
			"--pcap FILE",
			mm_cfg_name(cfg));
		return (-EINVAL);
	}
	if (mm_cfg_node_type(ports) != MM_CFG_SEQ) {
		snprintf(err, errlen, "%s:%d: ports: expected a list of ports", mm_cfg_name(cfg),
			mm_cfg_node_line(ports));
		return (-EINVAL);
	}
	if (mm_cfg_node_count(ports) > DP_MAX_PORTS) {
		snprintf(err, errlen, "%s:%d: ports: at most %d ports, got %zu", mm_cfg_name(cfg),
			mm_cfg_node_line(ports), DP_MAX_PORTS, mm_cfg_node_count(ports));
		return (-EINVAL);
	}
	for (size_t i = 0; i < mm_cfg_node_count(ports); i++) {
		const struct mm_cfg_node *pn = mm_cfg_node_child(ports, i);
		struct dp_port_conf *pc = &s->s_ports[s->s_nports];
		const char *dev;
		uint64_t v;

		if ((rv = mm_cfg_get_str(cfg, pn, "dev", NULL, &dev, err, errlen)) < 0) {
			if (rv == -ENOENT)
				snprintf(err, errlen,
					"%s:%d: ports.%zu: missing 'dev' (a PCI address or a vdev "
					"string)",
					mm_cfg_name(cfg), mm_cfg_node_line(pn), i);
			return (-EINVAL);
		}
		pc->pc_dev = strdup(dev);
		pc->pc_is_vdev = !looks_like_pci(dev);
		s->s_nports++;
		if ((rv = absent_ok(mm_cfg_get_u64(
			     cfg, pn, "rx_queues", 1, 1, DP_MAX_QUEUES, &v, err, errlen))) < 0)
			return (rv);
		pc->pc_rx_queues = (uint16_t)v;
		if ((rv = absent_ok(mm_cfg_get_u64(
			     cfg, pn, "rx_descriptors", 1024, 64, 32768, &v, err, errlen))) < 0)
			return (rv);
		pc->pc_rx_desc = (uint16_t)v;
		if ((rv = absent_ok(mm_cfg_get_bool(
			     cfg, pn, "promiscuous", true, &pc->pc_promisc, err, errlen))) < 0)
			return (rv);
	}
	return (0);
}

/* "a.b.c.d:port" or "[v6]:port" into a socket address. */
static int
parse_listen(const char *text, struct dp_col_listen *cl)
{
	const char *colon = strrchr(text, ':');
	bool v6 = text[0] == '[';
	char host[INET6_ADDRSTRLEN + 2], *end;
	unsigned long port;
	size_t hlen;

	if (colon == NULL || colon == text || colon[1] == '\0')
		return (-EINVAL);
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return (-EINVAL);
	hlen = (size_t)(colon - text);
	if (v6) {
		if (hlen < 3 || text[hlen - 1] != ']')
			return (-EINVAL);
		text++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return (-EINVAL);
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(&cl->cl_addr, 0, sizeof(cl->cl_addr));
	if (!v6) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&cl->cl_addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return (-EINVAL);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		cl->cl_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cl->cl_addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return (-EINVAL);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		cl->cl_len = sizeof(*sin6);
	}
	return (0);
}

static int
load_collector_listen(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	struct dp_col_conf *cc = &s->s_col;
	char **v;
	size_t n;
	int rv;

	if ((rv = absent_ok(mm_cfg_get_strv(cfg, NULL, "collector.listen", &v, &n, err, errlen))) <
		0)
		return (rv);
	if (n > DP_COL_LISTEN) {
		snprintf(err, errlen, "%s: collector.listen: at most %d addresses, got %zu",
			mm_cfg_name(cfg), DP_COL_LISTEN, n);
		rv = -EINVAL;
	}
	for (size_t i = 0; i < n && rv == 0; i++) {
		struct dp_col_listen *cl = &cc->cc_listen[cc->cc_nlisten];

		/* listen: "" is no collector, as an empty list is. */
		if (v[i][0] == '\0')
			continue;
		if (parse_listen(v[i], cl) < 0) {
			snprintf(err, errlen,
				"%s:%d: collector.listen.%zu: expected ADDRESS:PORT (0.0.0.0:2055, "
				"[::]:4739), got '%s'",
				mm_cfg_name(cfg),
				mm_cfg_node_line(mm_cfg_lookup(cfg, "collector.listen")), i, v[i]);
			rv = -EINVAL;
			break;
		}
		for (size_t k = 0; k < cc->cc_nlisten; k++)
			if (cc->cc_listen[k].cl_len == cl->cl_len &&
				memcmp(&cc->cc_listen[k].cl_addr, &cl->cl_addr, cl->cl_len) == 0) {
				snprintf(err, errlen, "%s: collector.listen: '%s' is listed twice",
					mm_cfg_name(cfg), v[i]);
				rv = -EINVAL;
			}
		if (rv == 0 && (cl->cl_text = strdup(v[i])) == NULL)
			rv = -ENOMEM;
		if (rv == 0)
			cc->cc_nlisten++;
	}
	mm_cfg_strv_free(v);
	return (rv);
}

static int
load_collector(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	struct dp_col_conf *cc = &s->s_col;
	struct mm_nf_limits *l = &cc->cc_limits;
	const char *v;
	char **allow = NULL;
	size_t n = 0;
	uint64_t u;
	int rv;

	mm_prefix_set_init(&cc->cc_allow);
	if ((rv = load_collector_listen(s, cfg, err, errlen)) < 0)
		return (rv);
	/* The decoder's defaults (netflow.h) for what is not configurable. */
	l->nl_template_fields = 128;
	l->nl_pending_sets = 64;
	if ((rv = mm_cfg_get_strv(cfg, NULL, "collector.allow", &allow, &n, err, errlen)) ==
		-ENOENT) {
		cc->cc_allow_all = true;
		rv = 0;
	} else if (rv == 0 && n == 0) {
		snprintf(err, errlen,
			"%s: collector.allow: an empty list would refuse every exporter; list "
			"their networks, or remove the key to accept all",
			mm_cfg_name(cfg));
		rv = -EINVAL;
	}
	for (size_t i = 0; i < n && rv == 0; i++) {
		char sub[MM_CFG_ERRLEN];

		if ((rv = mm_prefix_set_parse(&cc->cc_allow, allow[i], sub, sizeof(sub))) < 0)
			snprintf(err, errlen, "%s: collector.allow: %s", mm_cfg_name(cfg), sub);
	}
	mm_cfg_strv_free(allow);
	if (rv < 0)
		return (rv);
	if ((rv = absent_ok(
		     mm_cfg_get_str(cfg, NULL, "collector.biflow", "keep", &v, err, errlen))) < 0)
		return (rv);
	if (strcmp(v, "keep") == 0) {
		cc->cc_biflow = MM_NF_BIFLOW_KEEP;
	} else if (strcmp(v, "split") == 0) {
		cc->cc_biflow = MM_NF_BIFLOW_SPLIT;
	} else {
		snprintf(err, errlen, "%s: collector.biflow: expected keep or split, got '%s'",
			mm_cfg_name(cfg), v);
		return (-EINVAL);
	}
	if ((rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "collector.max_exporters", 1024, 1, 1U << 20,
		     &u, err, errlen))) < 0)
		return (rv);
	l->nl_exporters = (uint32_t)u;
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "collector.max_templates", 256, 1, 65535, &u, err, errlen))) < 0)
		return (rv);
	l->nl_templates = (uint32_t)u;
	if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "collector.template_timeout",
		     1800 * 1000, 0, 365 * DAY_MS, &u, err, errlen))) < 0)
		return (rv);
	l->nl_template_ns = u * NS_PER_MS;
	if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "collector.pending_timeout",
		     10 * 1000, 1, DAY_MS, &u, err, errlen))) < 0)
		return (rv);
	l->nl_pending_ns = u * NS_PER_MS;
	/* Exporters replaying old data (nfreplay, softflowd -r) need a longer age. */
	if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "collector.max_age", 7 * DAY_MS, 1,
		     36500 * DAY_MS, &u, err, errlen))) < 0)
		return (rv);
	l->nl_max_age_ns = u * NS_PER_MS;
	if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "collector.max_future", 3600 * 1000,
		     1, 3650 * DAY_MS, &u, err, errlen))) < 0)
		return (rv);
	l->nl_max_future_ns = u * NS_PER_MS;
	return (absent_ok(mm_cfg_get_u64(cfg, NULL, "collector.rcvbuf", 8U << 20, 4096, 1U << 30,
		&cc->cc_rcvbuf, err, errlen)));
}

static int
load_flow(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	static const struct {
		enum flow_class cls;
		const char *key;
		uint64_t def_ms;
	} timeouts[] = {
		{ FLOW_CLASS_TCP_NEW, "flow.timeouts.tcp_new", 30 * 1000 },
		{ FLOW_CLASS_TCP_ESTABLISHED, "flow.timeouts.tcp_established", 600 * 1000 },
		{ FLOW_CLASS_TCP_CLOSED, "flow.timeouts.tcp_closed", 10 * 1000 },
		{ FLOW_CLASS_UDP, "flow.timeouts.udp", 120 * 1000 },
		{ FLOW_CLASS_ICMP, "flow.timeouts.icmp", 60 * 1000 },
		{ FLOW_CLASS_OTHER, "flow.timeouts.other", 60 * 1000 },
	};
	uint64_t v;
	int rv;

	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "flow.capacity", 262144, 64, 1U << 28, &v, err, errlen))) < 0)
		return (rv);
	s->s_flow.fc_capacity = (uint32_t)v;
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, timeouts[i].key,
			     timeouts[i].def_ms, 1, 365 * DAY_MS, &v, err, errlen))) < 0)
			return (rv);
		s->s_flow.fc_timeout_ns[timeouts[i].cls] = v * NS_PER_MS;
	}
	if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "flow.active_timeout", 1800 * 1000, 0,
		     365 * DAY_MS, &v, err, errlen))) < 0)
		return (rv);
	s->s_flow.fc_active_ns = v * NS_PER_MS;
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "flow.stream.depth", 4096, 0, 1U << 20, &v, err, errlen))) < 0)
		return (rv);
	s->s_stream.sc_depth = (uint32_t)v;
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "flow.stream.flows", 16384, 64, 1U << 24, &v, err, errlen))) < 0)
		return (rv);
	s->s_stream.sc_flows = (uint32_t)v;
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "flow.stream.buffers", 512, 0, 1U << 20, &v, err, errlen))) < 0)
		return (rv);
	s->s_stream.sc_buffers = (uint32_t)v;
	return (0);
}

static int
load_home_net(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	char **v;
	size_t n;
	int rv;

	mm_prefix_set_init(&s->s_home_net);
	if ((rv = absent_ok(mm_cfg_get_strv(cfg, NULL, "home_net", &v, &n, err, errlen))) < 0)
		return (rv);
	for (size_t i = 0; i < n && rv == 0; i++) {
		char sub[MM_CFG_ERRLEN];

		if ((rv = mm_prefix_set_parse(&s->s_home_net, v[i], sub, sizeof(sub))) < 0)
			snprintf(err, errlen, "%s: home_net: %s", mm_cfg_name(cfg), sub);
	}
	mm_cfg_strv_free(v);
	return (rv);
}

static int
load_output(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	const char *v;
	int rv;

	if ((rv = mm_cfg_get_str(cfg, NULL, "output.flows", NULL, &v, err, errlen)) == 0)
		s->s_flows_out = dup_or_null(v);
	else if (rv != -ENOENT)
		return (rv);
	if ((rv = absent_ok(mm_cfg_get_str(
		     cfg, NULL, "state_dir", "/var/lib/mamori", &v, err, errlen))) < 0)
		return (rv);
	s->s_state_dir = strdup(v);
	if ((rv = mm_cfg_get_str(cfg, NULL, "control.url", NULL, &v, err, errlen)) == 0)
		s->s_control_url = dup_or_null(v);
	else if (rv != -ENOENT)
		return (rv);
	if ((rv = mm_cfg_get_str(cfg, NULL, "metrics.url", NULL, &v, err, errlen)) == 0)
		s->s_metrics_url = strcmp(v, "off") != 0 ? dup_or_null(v) : NULL;
	else if (rv != -ENOENT)
		return (rv);
	if ((rv = mm_cfg_get_str(cfg, NULL, "output.eve", NULL, &v, err, errlen)) == 0)
		s->s_eve_out = dup_or_null(v);
	else if (rv != -ENOENT)
		return (rv);
	if ((rv = mm_cfg_get_str(cfg, NULL, "output.summary_json", NULL, &v, err, errlen)) == 0)
		s->s_summary_json = dup_or_null(v);
	else if (rv != -ENOENT)
		return (rv);
	/* Training mode: every event carries the run id and is stored apart. */
	if ((rv = mm_cfg_get_str(cfg, NULL, "exercise.run_id", NULL, &v, err, errlen)) == 0)
		s->s_exercise = dup_or_null(v);
	else if (rv != -ENOENT)
		return (rv);
	if ((rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "output.stats_interval", 10 * 1000, 0,
		     DAY_MS, &s->s_stats_interval_ms, err, errlen))) < 0)
		return (rv);
	return (0);
}

static int
load_export(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{ "export.store", offsetof(struct dp_settings, s_export_url) },
		{ "export.spool", offsetof(struct dp_settings, s_export_spool) },
		{ "export.tls.ca", offsetof(struct dp_settings, s_export_tls_ca) },
		{ "export.tls.cert_key", offsetof(struct dp_settings, s_export_tls_cert_key) },
		{ "export.tls.server_name", offsetof(struct dp_settings, s_export_tls_server) },
	};
	const char *v;
	int rv;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if ((rv = mm_cfg_get_str(cfg, NULL, strs[i].key, NULL, &v, err, errlen)) == 0)
			*(char **)((char *)s + strs[i].off) = dup_or_null(v);
		else if (rv != -ENOENT)
			return (rv);
	}
	if ((rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "export.spool_max_mb", 256, 1, 1U << 20,
		     &s->s_export_spool_mb, err, errlen))) < 0 ||
		/* 1,024: the store's writer commits fewer, larger transactions than at 512. */
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "export.batch_events", 1024, 1,
			 MM_BUS_MAX_EVENTS, &s->s_export_batch, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "export.batch_delay", 200, 1,
			 60 * 1000, &s->s_export_delay_ms, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_duration_ms(cfg, NULL, "export.flush_timeout", 10 * 1000,
			 0, DAY_MS, &s->s_export_flush_ms, err, errlen))) < 0 ||
		/*
		 * Three in flight: the store parses batches while it commits
		 * another, so its writer seldom waits for a batch to arrive.
		 */
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "export.inflight_batches", 3, 1,
			 MM_EXPORTER_INFLIGHT_MAX, &s->s_export_inflight, err, errlen))) < 0)
		return (rv);
	return (0);
}

static int
load_mempool(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	uint64_t v;
	int rv;

	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "mempool.mbufs", 16383, 1023, 1U << 26, &v, err, errlen))) < 0)
		return (rv);
	s->s_mbufs = (uint32_t)v;
	if ((rv = absent_ok(
		     mm_cfg_get_u64(cfg, NULL, "mempool.cache", 256, 0, 512, &v, err, errlen))) < 0)
		return (rv);
	s->s_mbuf_cache = (uint32_t)v;
	if ((rv = absent_ok(
		     mm_cfg_get_u64(cfg, NULL, "mempool.data_room", RTE_MBUF_DEFAULT_DATAROOM, 1024,
			     UINT16_MAX - RTE_PKTMBUF_HEADROOM, &v, err, errlen))) < 0)
		return (rv);
	s->s_data_room = (uint32_t)v;
	if ((rv = absent_ok(
		     mm_cfg_get_u64(cfg, NULL, "mempool.burst", 32, 1, 64, &v, err, errlen))) < 0)
		return (rv);
	s->s_burst = (uint16_t)v;
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "rings.dispatch", 4096, 64, 1U << 20, &v, err, errlen))) < 0)
		return (rv);
	s->s_dispatch_ring = (uint32_t)v;
	if ((rv = absent_ok(mm_cfg_get_u64(
		     cfg, NULL, "rings.events", 8192, 64, 1U << 20, &v, err, errlen))) < 0)
		return (rv);
	s->s_event_ring = (uint32_t)v;
	if (s->s_mbuf_cache > s->s_mbufs / 1.5) {
		snprintf(err, errlen,
			"%s: mempool.cache: %u is too large for %u mbufs (at most %u)",
			mm_cfg_name(cfg), s->s_mbuf_cache, s->s_mbufs,
			(unsigned)(s->s_mbufs / 1.5));
		return (-EINVAL);
	}
	return (0);
}

int
dp_settings_load(struct dp_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	int rv;

	memset(s, 0, sizeof(*s));
	if ((rv = load_eal(s, cfg, err, errlen)) < 0 ||
		(rv = load_collector(s, cfg, err, errlen)) < 0 ||
		(rv = load_ports(s, cfg, err, errlen)) < 0 ||
		(rv = load_mempool(s, cfg, err, errlen)) < 0 ||
		(rv = load_flow(s, cfg, err, errlen)) < 0 ||
		(rv = load_home_net(s, cfg, err, errlen)) < 0 ||
		(rv = load_output(s, cfg, err, errlen)) < 0 ||
		(rv = load_export(s, cfg, err, errlen)) < 0)
		return (rv);
	/* One file may configure the store too: its section is the store's to check. */
	mm_cfg_mark_used(mm_cfg_lookup(cfg, "store"));
	/* Unknown keys are checked once the plugins have read their sections. */
	return (0);
}

void
dp_settings_fini(struct dp_settings *s)
{
	free(s->s_lcores);
	free(s->s_eal_log_level);
	mm_cfg_strv_free(s->s_eal_args);
	for (unsigned i = 0; i < s->s_nports; i++)
		free(s->s_ports[i].pc_dev);
	for (unsigned i = 0; i < s->s_col.cc_nlisten; i++)
		free(s->s_col.cc_listen[i].cl_text);
	mm_prefix_set_fini(&s->s_col.cc_allow);
	mm_prefix_set_fini(&s->s_home_net);
	free(s->s_flows_out);
	free(s->s_eve_out);
	free(s->s_exercise);
	free(s->s_summary_json);
	free(s->s_pcap);
	free(s->s_state_dir);
	free(s->s_control_url);
	free(s->s_metrics_url);
	free(s->s_export_url);
	free(s->s_export_spool);
	free(s->s_export_tls_ca);
	free(s->s_export_tls_cert_key);
	free(s->s_export_tls_server);
	memset(s, 0, sizeof(*s));
}
