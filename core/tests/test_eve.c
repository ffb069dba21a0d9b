/* SPDX-License-Identifier: BSD-3-Clause */
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

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(time_format),
	MM_TEST_ENTRY(flow_tcp),
	MM_TEST_ENTRY(flow_tcp_states),
	MM_TEST_ENTRY(flow_ipv6_udp_vlan),
	MM_TEST_ENTRY(icmp),
	MM_TEST_ENTRY(netflow_source),
	MM_TEST_ENTRY(names),
	MM_TEST_ENTRY(new_without_tuple),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
