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
#include <string.h>
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

/*
 * The flow event as text, without a JSON object (mm_eve_flow_text).  Every
 * ended flow becomes one, so this path avoids what jansson costs per event:
 * allocations per member and per string, and at the dump a code point at a
 * time string check and snprintf for every number (about 0.5 us here
 * against 12 for building, dumping and releasing the object).  The writer
 * appends to a bounded buffer and remembers an overflow; the caller checks
 * once at the end.
 */
struct eve_buf {
	char *eb_p;
	char *eb_end; /* one past the last byte usable for text (the NUL goes there) */
	bool eb_full;
};

static const char eve_digits2[] = "000102030405060708091011121314151617181920212223242526272829"
				  "303132333435363738394041424344454647484950515253545556575859"
				  "606162636465666768697071727374757677787980818283848586878889"
				  "90919293949596979899";

static void
eb_mem(struct eve_buf *b, const char *s, size_t n)
{
	if ((size_t)(b->eb_end - b->eb_p) < n) {
		b->eb_full = true;
		return;
	}
	memcpy(b->eb_p, s, n);
	b->eb_p += n;
}

/* A literal: its length is known at compile time. */
#define EB_LIT(b, s) eb_mem((b), (s), sizeof(s) - 1)

static void
eb_uint(struct eve_buf *b, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);

	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;

		v /= 100;
		*--p = eve_digits2[i + 1];
		*--p = eve_digits2[i];
	}
	if (v >= 10) {
		*--p = eve_digits2[v * 2 + 1];
		*--p = eve_digits2[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	eb_mem(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* n decimal digits, zero-padded: the fields of a timestamp. */
static char *
put_padded(char *p, unsigned v, unsigned n)
{
	for (unsigned i = n; i > 0; i--) {
		p[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return (p + n);
}

/*
 * mm_eve_time's text, quoted, without gmtime_r and strftime: the civil date
 * from days since the epoch (H. Hinnant's days_from_civil, inverted).
 */
static void
eb_time(struct eve_buf *b, uint64_t ns)
{
	uint64_t sec = ns / NS_PER_SEC, z = sec / 86400 + 719468;
	unsigned sod = (unsigned)(sec % 86400), usec = (unsigned)(ns % NS_PER_SEC / 1000);
	uint64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400 + (m <= 2);
	char tmp[40], *p = tmp;

	/* Four digits always: 2^64 ns from 1970 end in the year 2554. */
	*p++ = '"';
	p = put_padded(p, (unsigned)y, 4);
	*p++ = '-';
	p = put_padded(p, m, 2);
	*p++ = '-';
	p = put_padded(p, d, 2);
	*p++ = 'T';
	p = put_padded(p, sod / 3600, 2);
	*p++ = ':';
	p = put_padded(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put_padded(p, sod % 60, 2);
	*p++ = '.';
	p = put_padded(p, usec, 6);
	memcpy(p, "+0000\"", 6);
	p += 6;
	eb_mem(b, tmp, (size_t)(p - tmp));
}

/* Bytes of a valid UTF-8 sequence starting at s (at most n), or 0: jansson refuses the rest. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return (0);
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return (0);
	cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		(cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (len);
}

/*
 * A JSON string escaped as jansson's compact dump escapes it: '"' and '\\',
 * the short forms of \b \f \n \r \t, other control bytes as \u00XX, the
 * rest (UTF-8 included) as is.  Returns -EINVAL for invalid UTF-8.
 */
static int
eb_str(struct eve_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n = strlen(s);
	const unsigned char *end = p + n;

	EB_LIT(b, "\"");
	while (p < end) {
		unsigned char c = *p;
		char esc[7];
		size_t l;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0x80) {
			if ((l = utf8_len(p, (size_t)(end - p))) == 0)
				return (-EINVAL);
			p += l;
			continue;
		}
		eb_mem(b, (const char *)run, (size_t)(p - run));
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			snprintf(esc + 1, sizeof(esc) - 1, "u%04X", c);
			eb_mem(b, esc, 6);
			p++;
			run = p;
			continue;
		}
		eb_mem(b, esc, 2);
		p++;
		run = p;
	}
	eb_mem(b, (const char *)run, (size_t)(p - run));
	EB_LIT(b, "\"");
	return (0);
}

/* A string known to need no escaping: names from fixed tables, formatted addresses. */
static void
eb_plain(struct eve_buf *b, const char *s)
{
	EB_LIT(b, "\"");
	eb_mem(b, s, strlen(s));
	EB_LIT(b, "\"");
}

/* Dotted quad without inet_ntop (which formats through sprintf), else inet_ntop's text. */
static void
eb_addr(struct eve_buf *b, const struct mm_addr *a)
{
	char buf[MM_ADDR_STRLEN + 2], *p = buf;

	if (!mm_addr_is_v4(a)) {
		eb_plain(b, mm_addr_format(a, buf, sizeof(buf)));
		return;
	}
	*p++ = '"';
	for (unsigned i = 12; i < 16; i++) {
		unsigned v = a->a_bytes[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 15 ? '.' : '"';
	}
	eb_mem(b, buf, (size_t)(p - buf));
}

static void
eb_hex2(struct eve_buf *b, uint8_t v)
{
	static const char hex[] = "0123456789abcdef";
	char s[4] = { '"', hex[v >> 4], hex[v & 15], '"' };

	eb_mem(b, s, sizeof(s));
}

/* Counters as eve_uint: 63 bits. */
#define EB_U63(b, v) eb_uint((b), (uint64_t)(v)&INT64_MAX)

int
mm_eve_flow_text(char *buf, size_t len, const struct mm_flow_rec *r, const char *plugin)
{
	struct eve_buf b = { buf, buf + (len > 0 ? len - 1 : 0), len == 0 };
	uint64_t first_s = r->fr_first_ns / NS_PER_SEC, last_s = r->fr_last_ns / NS_PER_SEC;
	uint8_t all = r->fr_tcp_flags_ts | r->fr_tcp_flags_tc;
	unsigned nvlan = r->fr_vlan_n < 2 ? r->fr_vlan_n : 2;
	char pbuf[8];

	/* Members in mm_eve_flow's order: mm_eve_new's, then mm_eve_flow_members'. */
	EB_LIT(&b, "{\"timestamp\":");
	eb_time(&b, r->fr_last_ns);
	if (r->fr_id != 0) {
		EB_LIT(&b, ",\"flow_id\":");
		EB_U63(&b, r->fr_id);
	}
	EB_LIT(&b, ",\"event_type\":\"flow\"");
	if (nvlan > 0) {
		EB_LIT(&b, ",\"vlan\":[");
		eb_uint(&b, r->fr_vlan[0]);
		if (nvlan > 1) {
			EB_LIT(&b, ",");
			eb_uint(&b, r->fr_vlan[1]);
		}
		EB_LIT(&b, "]");
	}
	EB_LIT(&b, ",\"src_ip\":");
	eb_addr(&b, &r->fr_src);
	if (proto_has_ports(r->fr_proto)) {
		EB_LIT(&b, ",\"src_port\":");
		eb_uint(&b, r->fr_sport);
	}
	EB_LIT(&b, ",\"dest_ip\":");
	eb_addr(&b, &r->fr_dst);
	if (proto_has_ports(r->fr_proto)) {
		EB_LIT(&b, ",\"dest_port\":");
		eb_uint(&b, r->fr_dport);
	}
	EB_LIT(&b, ",\"proto\":");
	eb_plain(&b, mm_proto_name(r->fr_proto, pbuf, sizeof(pbuf)));
	if (proto_is_icmp(r->fr_proto)) {
		EB_LIT(&b, ",\"icmp_type\":");
		eb_uint(&b, r->fr_icmp_type);
		EB_LIT(&b, ",\"icmp_code\":");
		eb_uint(&b, r->fr_icmp_code);
	}
	EB_LIT(&b, ",\"flow\":{\"pkts_toserver\":");
	EB_U63(&b, r->fr_pkts_ts);
	EB_LIT(&b, ",\"pkts_toclient\":");
	EB_U63(&b, r->fr_pkts_tc);
	EB_LIT(&b, ",\"bytes_toserver\":");
	EB_U63(&b, r->fr_bytes_ts);
	EB_LIT(&b, ",\"bytes_toclient\":");
	EB_U63(&b, r->fr_bytes_tc);
	EB_LIT(&b, ",\"start\":");
	eb_time(&b, r->fr_first_ns);
	EB_LIT(&b, ",\"end\":");
	eb_time(&b, r->fr_last_ns);
	EB_LIT(&b, ",\"age\":");
	EB_U63(&b, last_s > first_s ? last_s - first_s : 0);
	EB_LIT(&b, ",\"state\":");
	eb_plain(&b, flow_state(r));
	EB_LIT(&b, ",\"reason\":");
	eb_plain(&b, mm_flow_end_name((enum mm_flow_end)r->fr_end));
	EB_LIT(&b, ",\"alerted\":false");
	if (r->fr_sampling > 1) {
		EB_LIT(&b, ",\"sampling\":");
		eb_uint(&b, r->fr_sampling);
	}
	if (r->fr_source != MM_FLOW_SRC_PACKETS) {
		EB_LIT(&b, ",\"source\":");
		eb_plain(&b, flow_source_name(r->fr_source));
		EB_LIT(&b, ",\"exporter\":");
		eb_addr(&b, &r->fr_exporter);
	}
	EB_LIT(&b, "}");
	if (r->fr_proto == 6) {
		EB_LIT(&b, ",\"tcp\":{\"tcp_flags\":");
		eb_hex2(&b, all);
		EB_LIT(&b, ",\"tcp_flags_ts\":");
		eb_hex2(&b, r->fr_tcp_flags_ts);
		EB_LIT(&b, ",\"tcp_flags_tc\":");
		eb_hex2(&b, r->fr_tcp_flags_tc);
		for (size_t i = 0; i < sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]); i++) {
			if (!(all & tcp_flag_names[i].tf_bit))
				continue;
			EB_LIT(&b, ",");
			eb_plain(&b, tcp_flag_names[i].tf_name);
			EB_LIT(&b, ":true");
		}
		EB_LIT(&b, "}");
	}
	if (plugin != NULL) {
		EB_LIT(&b, ",\"plugin\":");
		if (eb_str(&b, plugin) != 0)
			return (-EINVAL);
	}
	EB_LIT(&b, "}");
	if (b.eb_full)
		return (-ENOSPC);
	*b.eb_p = '\0';
	return ((int)(b.eb_p - buf));
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
