/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/eve.h"
#include "mm_test.h"

/* 2024-02-13T14:34:38.788187123 UTC */
#define T0 1707834878788187123ULL

/* Serializes an event the way mm_eve_write does; the caller frees the text. */
static char *
eve_text(json_t *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return (NULL);
	if (ev == NULL || mm_eve_write(f, ev) != 0) {
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	json_decref(ev);
	return (buf);
}

static void
tcp_flow(struct mm_flow_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->fr_id = 1234567;
	r->fr_first_ns = T0;
	r->fr_last_ns = T0 + 2500000000ULL;
	r->fr_pkts_ts = 6;
	r->fr_pkts_tc = 4;
	r->fr_bytes_ts = 520;
	r->fr_bytes_tc = 4280;
	mm_addr_parse("10.0.0.1", &r->fr_src);
	mm_addr_parse("192.0.2.80", &r->fr_dst);
	r->fr_sampling = 1;
	r->fr_sport = 49152;
	r->fr_dport = 80;
	r->fr_proto = 6;
	r->fr_tcp_flags_ts = MM_TCP_SYN | MM_TCP_ACK | MM_TCP_PSH | MM_TCP_FIN;
	r->fr_tcp_flags_tc = MM_TCP_SYN | MM_TCP_ACK | MM_TCP_PSH | MM_TCP_FIN;
	r->fr_end = MM_FLOW_END_FIN;
}

MM_TEST(time_format)
{
	char buf[MM_EVE_TIME_LEN];

	MM_ASSERT_STREQ(mm_eve_time(T0, buf, sizeof(buf)), "2024-02-13T14:34:38.788187+0000");
	MM_ASSERT_STREQ(mm_eve_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000000+0000");
	MM_ASSERT_STREQ(
		mm_eve_time(999999999, buf, sizeof(buf)), "1970-01-01T00:00:00.999999+0000");
	MM_ASSERT_STREQ(mm_eve_time(951782400000001000ULL, buf, sizeof(buf)),
		"2000-02-29T00:00:00.000001+0000");
	/* Too small a buffer gives a truncated string, never an overrun. */
	MM_ASSERT_STREQ(mm_eve_time(T0, buf, 10), "");
	MM_ASSERT_STREQ(mm_eve_time(T0, buf, 22), "2024-02-13T14:34:38.7");
}

MM_TEST(flow_tcp)
{
	struct mm_flow_rec r;
	char *s;

	tcp_flow(&r);
	s = eve_text(mm_eve_flow(&r));
	MM_ASSERT_STREQ(s,
		"{\"timestamp\":\"2024-02-13T14:34:41.288187+0000\",\"flow_id\":1234567,"
		"\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"src_port\":49152,"
		"\"dest_ip\":\"192.0.2.80\",\"dest_port\":80,\"proto\":\"TCP\","
		"\"flow\":{\"pkts_toserver\":6,\"pkts_toclient\":4,\"bytes_toserver\":520,"
		"\"bytes_toclient\":4280,\"start\":\"2024-02-13T14:34:38.788187+0000\","
		"\"end\":\"2024-02-13T14:34:41.288187+0000\",\"age\":3,\"state\":\"closed\","
		"\"reason\":\"fin\",\"alerted\":false},"
		"\"tcp\":{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\","
		"\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true}}\n");
	free(s);
}

MM_TEST(flow_tcp_states)
{
	struct mm_flow_rec r;
	json_t *ev;

	tcp_flow(&r);
	r.fr_end = MM_FLOW_END_IDLE;
	ev = mm_eve_flow(&r);
	MM_ASSERT_STREQ(json_string_value(json_object_get(json_object_get(ev, "flow"), "state")),
		"established");
	json_decref(ev);
	r.fr_pkts_tc = 0;
	r.fr_tcp_flags_ts = MM_TCP_SYN | MM_TCP_ECE | MM_TCP_CWR;
	r.fr_tcp_flags_tc = 0;
	ev = mm_eve_flow(&r);
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_object_get(ev, "flow"), "state")), "new");
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_object_get(ev, "tcp"), "tcp_flags")), "c2");
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_object_get(ev, "tcp"), "tcp_flags_tc")),
		"00");
	MM_ASSERT(json_is_true(json_object_get(json_object_get(ev, "tcp"), "ecn")));
	MM_ASSERT(json_is_true(json_object_get(json_object_get(ev, "tcp"), "cwr")));
	MM_ASSERT(json_object_get(json_object_get(ev, "tcp"), "ack") == NULL);
	json_decref(ev);
	r.fr_end = MM_FLOW_END_RST;
	ev = mm_eve_flow(&r);
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_object_get(ev, "flow"), "state")), "closed");
	MM_ASSERT_STREQ(
		json_string_value(json_object_get(json_object_get(ev, "flow"), "reason")), "rst");
	json_decref(ev);
}

MM_TEST(flow_ipv6_udp_vlan)
{
	struct mm_flow_rec r;
	char *s;

	memset(&r, 0, sizeof(r));
	r.fr_first_ns = T0;
	r.fr_last_ns = T0;
	r.fr_pkts_ts = 1;
	r.fr_bytes_ts = 90;
	mm_addr_parse("2001:db8::1", &r.fr_src);
	mm_addr_parse("2001:db8::53", &r.fr_dst);
	r.fr_sampling = 1;
	r.fr_sport = 5353;
	r.fr_dport = 53;
	r.fr_vlan[0] = 100;
	r.fr_vlan[1] = 200;
	r.fr_vlan_n = 2;
	r.fr_proto = 17;
	r.fr_end = MM_FLOW_END_SHUTDOWN;
	s = eve_text(mm_eve_flow(&r));
	MM_ASSERT_STREQ(s,
		"{\"timestamp\":\"2024-02-13T14:34:38.788187+0000\",\"event_type\":\"flow\","
		"\"vlan\":[100,200],\"src_ip\":\"2001:db8::1\",\"src_port\":5353,"
		"\"dest_ip\":\"2001:db8::53\",\"dest_port\":53,\"proto\":\"UDP\","
		"\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,\"bytes_toserver\":90,"
		"\"bytes_toclient\":0,\"start\":\"2024-02-13T14:34:38.788187+0000\","
		"\"end\":\"2024-02-13T14:34:38.788187+0000\",\"age\":0,\"state\":\"new\","
		"\"reason\":\"shutdown\",\"alerted\":false}}\n");
	free(s);
}

MM_TEST(icmp)
{
	struct mm_flow_rec r;
	char *s;

	memset(&r, 0, sizeof(r));
	mm_addr_parse("10.0.0.1", &r.fr_src);
	mm_addr_parse("10.0.0.2", &r.fr_dst);
	r.fr_proto = 1;
	r.fr_icmp_type = 8;
	r.fr_vlan[0] = 7;
	r.fr_vlan_n = 1;
	s = eve_text(mm_eve_new(T0, "alert", &r));
	MM_ASSERT_STREQ(s, "{\"timestamp\":\"2024-02-13T14:34:38.788187+0000\","
			   "\"event_type\":\"alert\",\"vlan\":[7],\"src_ip\":\"10.0.0.1\","
			   "\"dest_ip\":\"10.0.0.2\",\"proto\":\"ICMP\",\"icmp_type\":8,"
			   "\"icmp_code\":0}\n");
	free(s);
	mm_addr_parse("fe80::1", &r.fr_src);
	mm_addr_parse("ff02::1", &r.fr_dst);
	r.fr_proto = 58;
	r.fr_icmp_type = 135;
	r.fr_vlan_n = 0;
	s = eve_text(mm_eve_new(T0, "alert", &r));
	MM_ASSERT_STREQ(s,
		"{\"timestamp\":\"2024-02-13T14:34:38.788187+0000\","
		"\"event_type\":\"alert\",\"src_ip\":\"fe80::1\",\"dest_ip\":\"ff02::1\","
		"\"proto\":\"IPv6-ICMP\",\"icmp_type\":135,\"icmp_code\":0}\n");
	free(s);
}

MM_TEST(netflow_source)
{
	struct mm_flow_rec r;
	json_t *flow, *ev;

	tcp_flow(&r);
	r.fr_source = MM_FLOW_SRC_IPFIX;
	r.fr_sampling = 100;
	r.fr_end = MM_FLOW_END_EXPORTER;
	mm_addr_parse("198.51.100.7", &r.fr_exporter);
	ev = mm_eve_flow(&r);
	flow = json_object_get(ev, "flow");
	MM_ASSERT_EQ(json_integer_value(json_object_get(flow, "sampling")), 100);
	MM_ASSERT_STREQ(json_string_value(json_object_get(flow, "source")), "ipfix");
	MM_ASSERT_STREQ(json_string_value(json_object_get(flow, "exporter")), "198.51.100.7");
	MM_ASSERT_STREQ(json_string_value(json_object_get(flow, "reason")), "exporter");
	json_decref(ev);
	r.fr_source = MM_FLOW_SRC_NETFLOW_V5;
	r.fr_sampling = 1;
	ev = mm_eve_flow(&r);
	flow = json_object_get(ev, "flow");
	MM_ASSERT(json_object_get(flow, "sampling") == NULL);
	MM_ASSERT_STREQ(json_string_value(json_object_get(flow, "source")), "netflow_v5");
	json_decref(ev);
}

MM_TEST(names)
{
	char buf[8];

	MM_ASSERT_STREQ(mm_proto_name(6, buf, sizeof(buf)), "TCP");
	MM_ASSERT_STREQ(mm_proto_name(17, buf, sizeof(buf)), "UDP");
	MM_ASSERT_STREQ(mm_proto_name(1, buf, sizeof(buf)), "ICMP");
	MM_ASSERT_STREQ(mm_proto_name(58, buf, sizeof(buf)), "IPv6-ICMP");
	MM_ASSERT_STREQ(mm_proto_name(47, buf, sizeof(buf)), "GRE");
	MM_ASSERT_STREQ(mm_proto_name(50, buf, sizeof(buf)), "ESP");
	MM_ASSERT_STREQ(mm_proto_name(132, buf, sizeof(buf)), "SCTP");
	MM_ASSERT_STREQ(mm_proto_name(89, buf, sizeof(buf)), "89");
	MM_ASSERT_STREQ(mm_proto_name(255, buf, sizeof(buf)), "255");
	MM_ASSERT_STREQ(mm_flow_end_name(MM_FLOW_END_IDLE), "idle");
	MM_ASSERT_STREQ(mm_flow_end_name(MM_FLOW_END_ACTIVE), "active");
	MM_ASSERT_STREQ(mm_flow_end_name(MM_FLOW_END_EVICTED), "evicted");
	MM_ASSERT_STREQ(mm_flow_end_name((enum mm_flow_end)0), "unknown");
}

MM_TEST(new_without_tuple)
{
	char *s = eve_text(mm_eve_new(0, "stats", NULL));

	MM_ASSERT_STREQ(s, "{\"timestamp\":\"1970-01-01T00:00:00.000000+0000\","
			   "\"event_type\":\"stats\"}\n");
	free(s);
}

/* xorshift64*: the same records on every run. */
static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return (*st * 2685821657736338717ULL);
}

/* A record with every field drawn at random, over the ranges each field can take. */
static void
random_flow(struct mm_flow_rec *r, uint64_t *st)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 47, 50, 89, 0, 255 };
	uint64_t v = rnd(st);

	memset(r, 0, sizeof(*r));
	r->fr_id = v % 4 == 0 ? 0 : rnd(st) >> (v >> 8) % 64;
	/* Any time up to 2^64 ns (year 2554), and often near day, month and year ends. */
	r->fr_last_ns =
		v % 3 == 0 ? rnd(st)
			   : (rnd(st) % 40000) * 86400 * 1000000000ULL - (rnd(st) % 3) * 1000ULL;
	r->fr_first_ns = r->fr_last_ns - (r->fr_last_ns > 0 ? rnd(st) % r->fr_last_ns : 0);
	r->fr_pkts_ts = rnd(st) >> (rnd(st) % 64);
	r->fr_pkts_tc = v % 5 == 0 ? 0 : rnd(st) >> (rnd(st) % 64);
	r->fr_bytes_ts = rnd(st) >> (rnd(st) % 64);
	r->fr_bytes_tc = rnd(st);
	for (int i = 0; i < 16; i++) {
		r->fr_src.a_bytes[i] = (uint8_t)rnd(st);
		r->fr_dst.a_bytes[i] = (uint8_t)rnd(st);
		r->fr_exporter.a_bytes[i] = (uint8_t)rnd(st);
	}
	/* Mostly IPv4 (mapped), with 0, 1, 2 and 3-digit octets. */
	if (v % 8 != 0) {
		memset(r->fr_src.a_bytes, 0, 10);
		r->fr_src.a_bytes[10] = r->fr_src.a_bytes[11] = 0xff;
		r->fr_src.a_bytes[12] = (uint8_t)(rnd(st) % 12);
	}
	if (v % 7 != 0) {
		memset(r->fr_dst.a_bytes, 0, 10);
		r->fr_dst.a_bytes[10] = r->fr_dst.a_bytes[11] = 0xff;
	}
	if (v % 2 == 0) {
		memset(r->fr_exporter.a_bytes, 0, 10);
		r->fr_exporter.a_bytes[10] = r->fr_exporter.a_bytes[11] = 0xff;
	}
	r->fr_sampling = v % 6 == 0 ? (uint32_t)rnd(st) : 1;
	r->fr_sport = (uint16_t)rnd(st);
	r->fr_dport = (uint16_t)rnd(st);
	r->fr_vlan[0] = (uint16_t)(rnd(st) % 4096);
	r->fr_vlan[1] = (uint16_t)(rnd(st) % 4096);
	r->fr_vlan_n = (uint8_t)(rnd(st) % 4);
	r->fr_proto = protos[rnd(st) % sizeof(protos)];
	r->fr_tcp_flags_ts = (uint8_t)rnd(st);
	r->fr_tcp_flags_tc = (uint8_t)rnd(st);
	r->fr_icmp_type = (uint8_t)rnd(st);
	r->fr_icmp_code = (uint8_t)rnd(st);
	r->fr_end = (uint8_t)(rnd(st) % 9);
	r->fr_source = (uint8_t)(rnd(st) % 5);
}

/* jansson's text of mm_eve_flow with "plugin" added as plg_event_json adds it. */
static char *
jansson_flow(const struct mm_flow_rec *r, const char *plugin)
{
	json_t *ev = mm_eve_flow(r);

	if (ev != NULL && plugin != NULL)
		json_object_set_new(ev, "plugin", json_string(plugin));
	return (eve_text(ev));
}

MM_TEST(flow_text_matches_jansson)
{
	static const char *plugins[] = { NULL, "flowlog", "a\"b\\c/d\n\t\b\f\r\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" };
	char buf[MM_EVE_FLOW_TEXT_MAX + 64];
	uint64_t st = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 50000; i++) {
		const char *plugin = plugins[i % 4];
		struct mm_flow_rec r;
		char *want;
		int n;

		random_flow(&r, &st);
		want = jansson_flow(&r, plugin);
		MM_ASSERT(want != NULL);
		n = mm_eve_flow_text(buf, sizeof(buf), &r, plugin);
		MM_ASSERT(n > 0);
		MM_ASSERT_EQ((size_t)n + 1, strlen(want));
		want[n] = '\0'; /* mm_eve_write's newline */
		if (strcmp(buf, want) != 0)
			fprintf(stderr, "record %d:\n  text    %s\n  jansson %s\n", i, buf, want);
		MM_ASSERT_STREQ(buf, want);
		free(want);
	}
}

MM_TEST(flow_text_bounds)
{
	char buf[MM_EVE_FLOW_TEXT_MAX], small[600];
	struct mm_flow_rec r;
	int n;

	tcp_flow(&r);
	n = mm_eve_flow_text(buf, sizeof(buf), &r, "flowlog");
	MM_ASSERT(n > 0 && (size_t)n == strlen(buf));
	/* Every buffer shorter than the text (and its NUL) is refused, none overrun. */
	for (size_t len = 0; len <= (size_t)n; len++) {
		memset(small, 'x', sizeof(small));
		MM_ASSERT_EQ(mm_eve_flow_text(small, len, &r, "flowlog"), -ENOSPC);
		MM_ASSERT(small[len] == 'x');
	}
	MM_ASSERT_EQ(mm_eve_flow_text(small, (size_t)n + 1, &r, "flowlog"), n);
	MM_ASSERT_STREQ(small, buf);
	/* jansson refuses invalid UTF-8 in strings; so does the writer. */
	MM_ASSERT_EQ(mm_eve_flow_text(buf, sizeof(buf), &r, "bad\xc3("), -EINVAL);
	MM_ASSERT_EQ(mm_eve_flow_text(buf, sizeof(buf), &r, "bad\xed\xa0\x80"), -EINVAL);
	MM_ASSERT_EQ(mm_eve_flow_text(buf, sizeof(buf), &r, "bad\xc0\x80"), -EINVAL);
	/* The largest record: IPv6 everywhere, every optional member, 20-digit counters. */
	memset(&r, 0xff, sizeof(r));
	r.fr_proto = 6;
	r.fr_vlan_n = 2;
	r.fr_source = MM_FLOW_SRC_IPFIX;
	r.fr_end = MM_FLOW_END_EVICTED;
	memset(r.fr_src.a_bytes, 0, 10);
	r.fr_src.a_bytes[10] = r.fr_src.a_bytes[11] = 0xff;
	MM_ASSERT(mm_eve_flow_text(buf, sizeof(buf), &r, NULL) > 0);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(time_format),
	MM_TEST_ENTRY(flow_tcp),
	MM_TEST_ENTRY(flow_tcp_states),
	MM_TEST_ENTRY(flow_ipv6_udp_vlan),
	MM_TEST_ENTRY(icmp),
	MM_TEST_ENTRY(netflow_source),
	MM_TEST_ENTRY(names),
	MM_TEST_ENTRY(new_without_tuple),
	MM_TEST_ENTRY(flow_text_matches_jansson),
	MM_TEST_ENTRY(flow_text_bounds),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
