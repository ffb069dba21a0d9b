/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE JSON as Suricata writes it, so that tools built for eve.json (jq
 * recipes, Elastic and Splunk mappings, EveBox) read Mamori's output as is.
 * Field names, their order and their formats follow Suricata's flow events.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "mamori/eve.h"

#define NS_PER_SEC 1000000000ULL

char *
mm_eve_time(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / NS_PER_SEC);
	unsigned usec = (unsigned)(ns % NS_PER_SEC / 1000);
	struct tm tm;
	size_t n;

	if (len == 0)
		return (buf);
	buf[0] = '\0';
	if (gmtime_r(&sec, &tm) == NULL)
		return (buf);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0) {
		buf[0] = '\0';
		return (buf);
	}
	snprintf(buf + n, len - n, ".%06u+0000", usec);
	return (buf);
}

/*
 * json_object_set_new() takes the value even when it fails, and fails on a
 * NULL value, so a builder can chain sets and check one flag at the end.
 */
static void
eve_set(json_t *obj, const char *key, json_t *val, bool *bad)
{
	if (json_object_set_new(obj, key, val) != 0)
		*bad = true;
}

/* Counters are uint64_t; JSON readers handle 63 bits, and no counter gets there. */
static json_t *
eve_uint(uint64_t v)
{
	return (json_integer((json_int_t)(v & INT64_MAX)));
}

static json_t *
eve_addr(const struct mm_addr *a)
{
	char buf[MM_ADDR_STRLEN];

	return (json_string(mm_addr_format(a, buf, sizeof(buf))));
}

static json_t *
eve_timestr(uint64_t ns)
{
	char buf[MM_EVE_TIME_LEN];

	return (json_string(mm_eve_time(ns, buf, sizeof(buf))));
}

static bool
proto_has_ports(uint8_t proto)
{
	return (proto == 6 || proto == 17 || proto == 132);
}

static bool
proto_is_icmp(uint8_t proto)
{
	return (proto == 1 || proto == 58);
}

json_t *
mm_eve_new(uint64_t ts_ns, const char *event_type, const struct mm_flow_rec *tuple)
{
	char pbuf[8];
	bool bad = false;
	json_t *ev;

	if ((ev = json_object()) == NULL)
		return (NULL);
	eve_set(ev, "timestamp", eve_timestr(ts_ns), &bad);
	if (tuple != NULL && tuple->fr_id != 0)
		eve_set(ev, "flow_id", eve_uint(tuple->fr_id), &bad);
	eve_set(ev, "event_type", json_string(event_type), &bad);
	if (tuple == NULL)
		goto out;
	if (tuple->fr_vlan_n > 0) {
		json_t *vlan = json_array();
		unsigned n = tuple->fr_vlan_n < 2 ? tuple->fr_vlan_n : 2;

		for (unsigned i = 0; i < n && vlan != NULL; i++)
			if (json_array_append_new(vlan, json_integer(tuple->fr_vlan[i])) != 0)
				bad = true;
		eve_set(ev, "vlan", vlan, &bad);
	}
	eve_set(ev, "src_ip", eve_addr(&tuple->fr_src), &bad);
	if (proto_has_ports(tuple->fr_proto))
		eve_set(ev, "src_port", json_integer(tuple->fr_sport), &bad);
	eve_set(ev, "dest_ip", eve_addr(&tuple->fr_dst), &bad);
	if (proto_has_ports(tuple->fr_proto))
		eve_set(ev, "dest_port", json_integer(tuple->fr_dport), &bad);
	eve_set(ev, "proto", json_string(mm_proto_name(tuple->fr_proto, pbuf, sizeof(pbuf))), &bad);
	if (proto_is_icmp(tuple->fr_proto)) {
		eve_set(ev, "icmp_type", json_integer(tuple->fr_icmp_type), &bad);
		eve_set(ev, "icmp_code", json_integer(tuple->fr_icmp_code), &bad);
	}
out:
	if (bad) {
		json_decref(ev);
		return (NULL);
	}
	return (ev);
}

static const char *
flow_state(const struct mm_flow_rec *r)
{
	if (r->fr_end == MM_FLOW_END_FIN || r->fr_end == MM_FLOW_END_RST)
		return ("closed");
	if (r->fr_pkts_ts > 0 && r->fr_pkts_tc > 0)
		return ("established");
	return ("new");
}

static const char *
flow_source_name(uint8_t source)
{
	switch (source) {
	case MM_FLOW_SRC_NETFLOW_V5:
		return ("netflow_v5");
	case MM_FLOW_SRC_NETFLOW_V9:
		return ("netflow_v9");
	case MM_FLOW_SRC_IPFIX:
		return ("ipfix");
	}
	return ("unknown");
}

static json_t *
eve_tcp_flags(uint8_t flags)
{
	char hex[3];

	snprintf(hex, sizeof(hex), "%02x", flags);
	return (json_string(hex));
}

/* Suricata names the 0x40 flag (ECE on the wire) "ecn"; readers expect that name. */
static const struct {
	uint8_t tf_bit;
	const char *tf_name;
} tcp_flag_names[] = {
	{ MM_TCP_SYN, "syn" },
	{ MM_TCP_FIN, "fin" },
	{ MM_TCP_RST, "rst" },
	{ MM_TCP_PSH, "psh" },
	{ MM_TCP_ACK, "ack" },
	{ MM_TCP_URG, "urg" },
	{ MM_TCP_ECE, "ecn" },
	{ MM_TCP_CWR, "cwr" },
};

static json_t *
eve_tcp(const struct mm_flow_rec *r)
{
	uint8_t all = r->fr_tcp_flags_ts | r->fr_tcp_flags_tc;
	bool bad = false;
	json_t *tcp;

	if ((tcp = json_object()) == NULL)
		return (NULL);
	eve_set(tcp, "tcp_flags", eve_tcp_flags(all), &bad);
	eve_set(tcp, "tcp_flags_ts", eve_tcp_flags(r->fr_tcp_flags_ts), &bad);
	eve_set(tcp, "tcp_flags_tc", eve_tcp_flags(r->fr_tcp_flags_tc), &bad);
	for (size_t i = 0; i < sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]); i++)
		if (all & tcp_flag_names[i].tf_bit)
			eve_set(tcp, tcp_flag_names[i].tf_name, json_true(), &bad);
	if (bad) {
		json_decref(tcp);
		return (NULL);
	}
	return (tcp);
}

int
mm_eve_flow_members(json_t *ev, const struct mm_flow_rec *r)
{
	uint64_t first_s = r->fr_first_ns / NS_PER_SEC, last_s = r->fr_last_ns / NS_PER_SEC;
	json_t *flow;
	bool bad = false;

	if ((flow = json_object()) == NULL)
		return (-ENOMEM);
	eve_set(flow, "pkts_toserver", eve_uint(r->fr_pkts_ts), &bad);
	eve_set(flow, "pkts_toclient", eve_uint(r->fr_pkts_tc), &bad);
	eve_set(flow, "bytes_toserver", eve_uint(r->fr_bytes_ts), &bad);
	eve_set(flow, "bytes_toclient", eve_uint(r->fr_bytes_tc), &bad);
	eve_set(flow, "start", eve_timestr(r->fr_first_ns), &bad);
	eve_set(flow, "end", eve_timestr(r->fr_last_ns), &bad);
	/* As Suricata: whole seconds of the end minus whole seconds of the start. */
	eve_set(flow, "age", eve_uint(last_s > first_s ? last_s - first_s : 0), &bad);
	eve_set(flow, "state", json_string(flow_state(r)), &bad);
	eve_set(flow, "reason", json_string(mm_flow_end_name((enum mm_flow_end)r->fr_end)), &bad);
	eve_set(flow, "alerted", json_false(), &bad);
	if (r->fr_sampling > 1)
		eve_set(flow, "sampling", json_integer(r->fr_sampling), &bad);
	if (r->fr_source != MM_FLOW_SRC_PACKETS) {
		eve_set(flow, "source", json_string(flow_source_name(r->fr_source)), &bad);
		eve_set(flow, "exporter", eve_addr(&r->fr_exporter), &bad);
	}
	eve_set(ev, "flow", flow, &bad);
	if (r->fr_proto == 6)
		eve_set(ev, "tcp", eve_tcp(r), &bad);
	/* The record knows more of its tuple than an event header carries. */
	if (proto_is_icmp(r->fr_proto)) {
		eve_set(ev, "icmp_type", json_integer(r->fr_icmp_type), &bad);
		eve_set(ev, "icmp_code", json_integer(r->fr_icmp_code), &bad);
	}
	if (r->fr_vlan_n > 0) {
		json_t *vlan = json_array();

		for (unsigned i = 0; i < r->fr_vlan_n && i < 2; i++)
			json_array_append_new(vlan, json_integer(r->fr_vlan[i]));
		eve_set(ev, "vlan", vlan, &bad);
	}
	return (bad ? -ENOMEM : 0);
}

json_t *
mm_eve_flow(const struct mm_flow_rec *r)
{
	json_t *ev;

	if ((ev = mm_eve_new(r->fr_last_ns, "flow", r)) == NULL)
		return (NULL);
	if (mm_eve_flow_members(ev, r) < 0) {
		json_decref(ev);
		return (NULL);
	}
	return (ev);
}

int
mm_eve_write(FILE *f, const json_t *ev)
{
	if (json_dumpf(ev, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return (-EIO);
	if (fputc('\n', f) == EOF)
		return (-EIO);
	return (0);
}
