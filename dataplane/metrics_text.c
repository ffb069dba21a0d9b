/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format (version 0.0.4) of mamorid's status
 * and stats.  Names follow Prometheus' conventions: a mamori_ prefix, base
 * units (bytes, seconds), _total on counters, labels for what varies (port,
 * lcore, plugin, reason).  Every sample of a family follows its one HELP and
 * TYPE line, as the format requires.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MX_LABELS 6 /* labels one sample may carry */
#define MX_LABLEN 512

/* One family: a member of each source object, as a counter or a gauge. */
struct mx_fam {
	const char *f_name;  /* after "mamori_" */
	const char *f_type;  /* "counter" or "gauge" */
	const char *f_help;  /* one line */
	const char *f_key;   /* member of each object; a dotted path reaches inside */
	const char *f_label; /* non-NULL: f_key is an object, one sample per member, so labelled */
	double f_scale;      /* 0: as it is */
};

/*
 * A group: the objects at g_path (one object, or each element of an array,
 * or each element of g_sub inside each of those), labelled by their members.
 */
struct mx_grp {
	const char *g_path;
	const char *g_labels[3][2]; /* {member, label name}; the label name NULL: the member's */
	const char *g_sub;          /* an array inside each object, or NULL */
	const char *g_sub_labels[2][2];
	const struct mx_fam *g_fams;
	size_t g_nfams;
};

#define C "counter"
#define G "gauge"

static const struct mx_fam fam_status[] = {
	{ "uptime_seconds", G, "Seconds since mamorid started.", "uptime_s", NULL, 0 },
	{ "config_generation", G,
		"Generation of configuration and patterns in place; rises at each reload.",
		"generation", NULL, 0 },
	{ "ports", G, "DPDK ports receiving packets.", "ports", NULL, 0 },
	{ "workers", G, "Worker lcores.", "workers", NULL, 0 },
	{ "plugins", G, "Plugins loaded.", "plugins", NULL, 0 },
};

static const struct mx_fam fam_totals[] = {
	{ "packets_total", C, "Packets decoded by the workers.", "packets", NULL, 0 },
	{ "bytes_total", C, "Bytes of the packets decoded by the workers.", "bytes", NULL, 0 },
	{ "packets_l4_total", C, "Packets with a TCP, UDP, SCTP or ICMP header decoded.", "l4",
		NULL, 0 },
	{ "packets_l3_only_total", C, "IP packets without a decodable layer 4 header.", "l3_only",
		NULL, 0 },
	{ "packets_not_ip_total", C, "Frames that carry no IP packet.", "not_ip", NULL, 0 },
	{ "flow_records_total", C, "Flow records reported.", "records", NULL, 0 },
	{ "pattern_matches_total", C, "Hyperscan matches dispatched to plugins.", "matches", NULL,
		0 },
	{ "scan_errors_total", C, "Hyperscan scans that failed.", "scan_errors", NULL, 0 },
	{ "dispatch_drops_total", C, "Packets dropped because a worker's dispatch ring was full.",
		"dispatch_drops", NULL, 0 },
	{ "flows_created_total", C, "Flows created in the flow tables.", "flows.created", NULL, 0 },
	{ "flows_active", G, "Flows in the flow tables now.", "flows.active", NULL, 0 },
	{ "flows_ended_total", C, "Flows ended, by reason.", "flows.ended", "reason", 0 },
	{ "flow_add_failures_total", C, "Flows not tracked because a flow table was full.",
		"flows.add_failures", NULL, 0 },
	{ "fragment_orphans_total", C, "IP fragments whose first fragment was never seen.",
		"flows.frag_orphans", NULL, 0 },
	{ "decode_anomalies_total", C, "Malformed or unusual packets, by kind.", "anomalies",
		"kind", 0 },
};

static const struct mx_fam fam_port[] = {
	{ "port_rx_packets_total", C, "Packets received by the port.", "rx_packets", NULL, 0 },
	{ "port_rx_bytes_total", C, "Bytes received by the port.", "rx_bytes", NULL, 0 },
	{ "port_rx_missed_total", C, "Packets the NIC dropped: RX queues full (imissed).",
		"imissed", NULL, 0 },
	{ "port_rx_errors_total", C, "Erroneous packets received (ierrors).", "ierrors", NULL, 0 },
	{ "port_rx_nombuf_total", C, "RX allocation failures: the mempool was empty.", "rx_nombuf",
		NULL, 0 },
};

static const struct mx_fam fam_queue[] = {
	{ "port_queue_rx_packets_total", C, "Packets received by one RX queue.", "packets", NULL,
		0 },
	{ "port_queue_rx_bytes_total", C, "Bytes received by one RX queue.", "bytes", NULL, 0 },
};

static const struct mx_fam fam_lcore[] = {
	{ "lcore_rx_packets_total", C, "Packets a worker took from its RX queues.", "rx_packets",
		NULL, 0 },
	{ "lcore_packets_total", C, "Packets a worker decoded.", "packets", NULL, 0 },
	{ "lcore_bytes_total", C, "Bytes a worker decoded.", "bytes", NULL, 0 },
	{ "lcore_dispatch_drops_total", C, "Packets dropped on the way to this worker.",
		"dispatch_drops", NULL, 0 },
	{ "lcore_flow_records_total", C, "Flow records a worker reported.", "records", NULL, 0 },
	{ "lcore_busy_ratio", G, "Share of a worker's cycles spent on packets (0 to 1).",
		"load_pct", NULL, 0.01 },
	{ "lcore_flows_active", G, "Flows in a worker's flow table now.", "flows.active", NULL, 0 },
};

static const struct mx_fam fam_plugin[] = {
	{ "plugin_enabled", G, "1 when the plugin is enabled, 0 when disabled.", "enabled", NULL,
		0 },
	{ "plugin_event_drops_total", C, "Events a plugin emitted that its ring could not hold.",
		"event_drops", NULL, 0 },
	{ "plugin_format_errors_total", C, "Events a plugin emitted that were not valid JSON.",
		"format_errors", NULL, 0 },
	{ "plugin_counter_total", C, "A plugin's own counters.", "counters", "counter", 0 },
};

static const struct mx_fam fam_export[] = {
	{ "export_submitted_total", C, "Events handed to the exporter.", "submitted", NULL, 0 },
	{ "export_acked_total", C, "Events the store committed and acknowledged.", "acked", NULL,
		0 },
	{ "export_resent_total", C, "Batches sent again after a timeout or a reconnection.",
		"resent", NULL, 0 },
	{ "export_spooled_total", C, "Events written to the spool while the store was away.",
		"spooled", NULL, 0 },
	{ "export_drained_total", C, "Events sent from the spool.", "drained", NULL, 0 },
	{ "export_dropped_total", C, "Events lost: the spool was full.", "dropped", NULL, 0 },
	{ "export_rejected_total", C, "Events the store refused.", "rejected", NULL, 0 },
	{ "export_invalid_total", C, "Events refused before sending (not EVE JSON).", "invalid",
		NULL, 0 },
	{ "export_pending", G, "Events not acknowledged yet (in flight or spooled).", "pending",
		NULL, 0 },
	{ "export_connected", G, "1 while the exporter is connected to the store.", "connected",
		NULL, 0 },
};

static const struct mx_fam fam_collector[] = {
	{ "collector_datagrams_total", C, "NetFlow/IPFIX datagrams received.", "datagrams", NULL,
		0 },
	{ "collector_bytes_total", C, "Bytes of NetFlow/IPFIX datagrams received.", "bytes", NULL,
		0 },
	{ "collector_records_total", C, "Flow records decoded from exporters.", "records", NULL,
		0 },
	{ "collector_socket_drops_total", C, "Datagrams the kernel dropped: socket buffer full.",
		"socket_drops", NULL, 0 },
	{ "collector_refused_total", C, "Datagrams from exporters outside collector.allow.",
		"refused", NULL, 0 },
	{ "collector_truncated_total", C, "Datagrams longer than the receive buffer.", "truncated",
		NULL, 0 },
	{ "collector_rejected_total", C, "Datagrams that could not be decoded.", "rejected", NULL,
		0 },
	{ "collector_malformed_total", C, "Malformed NetFlow/IPFIX messages.", "malformed", NULL,
		0 },
	{ "collector_bad_version_total", C, "Datagrams of no NetFlow/IPFIX version.", "bad_version",
		NULL, 0 },
	{ "collector_exporters_full_total", C,
		"Datagrams from new exporters refused: collector.max_exporters reached.",
		"exporters_full", NULL, 0 },
	{ "collector_ring_waits_total", C, "Times the collector waited for room in its ring.",
		"ring_waits", NULL, 0 },
};

static const struct mx_fam fam_exporter[] = {
	{ "collector_exporter_datagrams_total", C, "Datagrams from one exporter.", "datagrams",
		NULL, 0 },
	{ "collector_exporter_records_total", C, "Flow records from one exporter.", "records", NULL,
		0 },
	{ "collector_exporter_seq_gaps_total", C,
		"Sequence gaps from one exporter (datagrams lost on the way).", "seq_gaps", NULL,
		0 },
	{ "collector_exporter_malformed_total", C, "Malformed messages from one exporter.",
		"malformed", NULL, 0 },
	{ "collector_exporter_unknown_template_total", C,
		"Data sets whose template one exporter had not sent yet.", "unknown_template", NULL,
		0 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct mx_grp groups[] = {
	{ "totals", { { NULL } }, NULL, { { NULL } }, fam_totals, N(fam_totals) },
	{ "ports", { { "port", NULL }, { "name", NULL }, { "driver", NULL } }, NULL, { { NULL } },
		fam_port, N(fam_port) },
	{ "ports", { { "port", NULL }, { "name", NULL } }, "queues", { { "queue", NULL } },
		fam_queue, N(fam_queue) },
	{ "lcores", { { "lcore", NULL } }, NULL, { { NULL } }, fam_lcore, N(fam_lcore) },
	{ "plugins", { { "name", "plugin" } }, NULL, { { NULL } }, fam_plugin, N(fam_plugin) },
	{ "export", { { NULL } }, NULL, { { NULL } }, fam_export, N(fam_export) },
	{ "collector", { { NULL } }, NULL, { { NULL } }, fam_collector, N(fam_collector) },
	{ "collector.exporters", { { "address", "exporter" }, { "source_id", NULL } }, NULL,
		{ { NULL } }, fam_exporter, N(fam_exporter) },
};

/* A member by dotted path ("flows.active"); NULL when any step is missing. */
static const json_t *
mx_get(const json_t *o, const char *path)
{
	char step[64];

	while (o != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(step))
			return (NULL);
		memcpy(step, path, n);
		step[n] = '\0';
		o = json_object_get(o, step);
		path += n + (path[n] == '.');
	}
	return (o);
}

/*
 * A label value as the format wants it: backslash, quote and newline
 * escaped.  A value too long for the buffer is cut, never its closing quote.
 */
static void
mx_label(char *buf, size_t len, size_t *off, const char *name, const json_t *v)
{
	char tmp[64];
	const char *s = NULL;
	size_t start;

	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = tmp;
	} else if (json_is_boolean(v)) {
		s = json_is_true(v) ? "true" : "false";
	}
	if (s == NULL || *off + strlen(name) + 8 >= len)
		return;
	*off += (size_t)snprintf(buf + *off, len - *off, "%s%s=\"", *off > 0 ? "," : "", name);
	start = *off;
	/* Room kept for an escaped pair, the closing quote and the NUL. */
	for (; *s != '\0' && *off + 4 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			buf[(*off)++] = '\\';
		buf[(*off)++] = *s == '\n' ? 'n' : *s;
	}
	/* Cut inside a UTF-8 sequence: drop its first bytes too, the format wants UTF-8. */
	if (*s != '\0' && (*s & 0xC0) == 0x80) {
		while (*off > start && (buf[*off - 1] & 0xC0) == 0x80)
			(*off)--;
		if (*off > start && (buf[*off - 1] & 0xC0) == 0xC0)
			(*off)--;
	}
	buf[(*off)++] = '"';
	buf[*off] = '\0';
}

/* Labels of one object: its members named by spec. */
static void
mx_labels(
	char *buf, size_t len, size_t *off, const char *const (*spec)[2], size_t n, const json_t *o)
{
	for (size_t i = 0; i < n && spec[i][0] != NULL; i++)
		mx_label(buf, len, off, spec[i][1] != NULL ? spec[i][1] : spec[i][0],
			json_object_get(o, spec[i][0]));
}

/* A number in the format's float syntax; false when v is no number. */
static bool
mx_value(const json_t *v, double scale, char *out, size_t len)
{
	double d;

	if (json_is_integer(v) && scale == 0) {
		snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (true);
	}
	if (json_is_number(v))
		d = json_number_value(v);
	else if (json_is_boolean(v))
		d = json_is_true(v) ? 1 : 0;
	else
		return (false);
	if (scale != 0)
		d *= scale;
	if (isnan(d))
		snprintf(out, len, "NaN");
	else if (isinf(d))
		snprintf(out, len, "%s", d > 0 ? "+Inf" : "-Inf");
	else
		snprintf(out, len, "%.17g", d);
	return (true);
}

/* One row: an object and the labels it carries. */
struct mx_row {
	const json_t *r_obj;
	char r_labels[MX_LABLEN];
};

static void
mx_sample(FILE *f, bool *head, const struct mx_fam *fam, const char *labels, const char *extra,
	const json_t *extra_v, const json_t *v)
{
	char num[64], lb[MX_LABLEN];
	size_t off;

	if (!mx_value(v, fam->f_scale, num, sizeof(num)))
		return;
	if (!*head) {
		fprintf(f, "# HELP mamori_%s %s\n# TYPE mamori_%s %s\n", fam->f_name, fam->f_help,
			fam->f_name, fam->f_type);
		*head = true;
	}
	snprintf(lb, sizeof(lb), "%s", labels);
	off = strlen(lb);
	if (extra != NULL)
		mx_label(lb, sizeof(lb), &off, extra, extra_v);
	fprintf(f, "mamori_%s%s%s%s %s\n", fam->f_name, off > 0 ? "{" : "", lb, off > 0 ? "}" : "",
		num);
}

static void
mx_family(FILE *f, const struct mx_fam *fam, const struct mx_row *rows, size_t nrows)
{
	bool head = false;

	for (size_t r = 0; r < nrows; r++) {
		const json_t *v = mx_get(rows[r].r_obj, fam->f_key), *mv;
		const char *k;

		if (fam->f_label == NULL) {
			mx_sample(f, &head, fam, rows[r].r_labels, NULL, NULL, v);
			continue;
		}
		/* A map: each member a sample, its name a label. */
		json_object_foreach((json_t *)v, k, mv)
		{
			json_t *name = json_string(k);

			mx_sample(f, &head, fam, rows[r].r_labels, fam->f_label, name, mv);
			json_decref(name);
		}
	}
}

/* Rows of a group: the objects its families read, with their labels. */
static size_t
mx_rows(const struct mx_grp *g, const json_t *stats, struct mx_row **rowsp)
{
	const json_t *src = mx_get(stats, g->g_path), *el, *sub;
	struct mx_row *rows = NULL, *nr;
	size_t n = 0, cap = 0, i, j;

	if (json_is_object(src)) {
		if ((rows = calloc(1, sizeof(*rows))) == NULL)
			return (0);
		rows[0].r_obj = src;
		*rowsp = rows;
		return (1);
	}
	json_array_foreach(src, i, el)
	{
		size_t nsub = g->g_sub != NULL ? json_array_size(json_object_get(el, g->g_sub)) : 1;

		if (!json_is_object(el))
			continue;
		for (j = 0; j < nsub; j++) {
			size_t off = 0;

			sub = g->g_sub != NULL ? json_array_get(json_object_get(el, g->g_sub), j)
					       : el;
			if (!json_is_object(sub))
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 8;
				if ((nr = realloc(rows, cap * sizeof(*rows))) == NULL)
					goto out;
				rows = nr;
			}
			rows[n].r_obj = sub;
			rows[n].r_labels[0] = '\0';
			mx_labels(
				rows[n].r_labels, MX_LABLEN, &off, g->g_labels, N(g->g_labels), el);
			if (g->g_sub != NULL)
				mx_labels(rows[n].r_labels, MX_LABLEN, &off, g->g_sub_labels,
					N(g->g_sub_labels), sub);
			n++;
		}
	}
out:
	*rowsp = rows;
	return (n);
}

int
dp_metrics_render(FILE *f, const json_t *status, const json_t *stats)
{
	struct mx_row one;

	/* The build, as the _info convention has it: a constant 1 carrying labels. */
	if (json_is_object(status)) {
		size_t off = 0;

		one.r_labels[0] = '\0';
		mx_label(one.r_labels, MX_LABLEN, &off, "version",
			json_object_get(status, "version"));
		mx_label(one.r_labels, MX_LABLEN, &off, "mode", json_object_get(status, "mode"));
		fprintf(f,
			"# HELP mamori_info mamorid's version and mode (live or offline).\n"
			"# TYPE mamori_info gauge\nmamori_info{%s} 1\n",
			one.r_labels);
		one.r_obj = status;
		one.r_labels[0] = '\0';
		for (size_t i = 0; i < N(fam_status); i++)
			mx_family(f, &fam_status[i], &one, 1);
	}
	for (size_t gi = 0; gi < N(groups); gi++) {
		const struct mx_grp *g = &groups[gi];
		struct mx_row *rows = NULL;
		size_t n = mx_rows(g, stats, &rows);

		for (size_t i = 0; i < g->g_nfams && n > 0; i++)
			mx_family(f, &g->g_fams[i], rows, n);
		free(rows);
	}
	return (ferror(f) ? -EIO : 0);
}
