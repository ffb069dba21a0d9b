/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NetFlow/IPFIX decoder on hand-built datagrams, one feature each: v5
 * (times, sampling, sequence numbers) and v9 (templates, data held for its
 * template, refresh with a new layout, options with sampling, ICMP,
 * sequence numbers).  IPFIX is in test_netflow_ipfix.c; malformed input,
 * limits and exporter isolation in test_netflow_limits.c.
 */
#include <errno.h>

#include "mm_test.h"
#include "test_netflow_build.h"

MM_TEST(v5_basic)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct mm_nf_exporter_stats es;
	struct tsink s = { .n = 0 };
	struct tbuf b;
	uint64_t base = T_EXPORT_NS + 500000000ULL - 100 * T_SEC; /* boot time */

	MM_ASSERT(nf != NULL);
	t_v5_header(&b, 2, 100000, T_EXPORT, 500000000, 0, 0);
	t_v5_record(&b, T_A(1), T_B(2), 40000, 443, 6, 0x1b, 10, 1500, 40000, 90000);
	/* ICMP port unreachable: type 3, code 3 in the destination port. */
	t_v5_record(&b, T_A(3), T_B(4), 0, 0x0303, 1, 0, 1, 84, 95000, 95000);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 2);
	MM_ASSERT_EQ(s.n, 2);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_dst, T_B(2)));
	MM_ASSERT_EQ(s.r[0].fr_sport, 40000);
	MM_ASSERT_EQ(s.r[0].fr_dport, 443);
	MM_ASSERT_EQ(s.r[0].fr_proto, 6);
	MM_ASSERT_EQ(s.r[0].fr_tcp_flags_ts, 0x1b);
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 10);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 1500);
	MM_ASSERT_EQ(s.r[0].fr_pkts_tc, 0);
	MM_ASSERT_EQ(s.r[0].fr_first_ns, base + 40 * T_SEC);
	MM_ASSERT_EQ(s.r[0].fr_last_ns, base + 90 * T_SEC);
	MM_ASSERT_EQ(s.r[0].fr_sampling, 1);
	MM_ASSERT_EQ(s.r[0].fr_source, MM_FLOW_SRC_NETFLOW_V5);
	MM_ASSERT_EQ(s.r[0].fr_end, MM_FLOW_END_EXPORTER);
	MM_ASSERT(memcmp(&s.r[0].fr_exporter, &ex, sizeof(ex)) == 0);
	MM_ASSERT(s.r[0].fr_id != 0 && s.r[0].fr_id != s.r[1].fr_id);
	MM_ASSERT_EQ(s.r[1].fr_proto, 1);
	MM_ASSERT_EQ(s.r[1].fr_icmp_type, 3);
	MM_ASSERT_EQ(s.r[1].fr_icmp_code, 3);
	MM_ASSERT_EQ(s.r[1].fr_dport, 0);
	es = t_stream(nf, &ex, 5, 0x0102);
	MM_ASSERT_EQ(es.es_datagrams, 1);
	MM_ASSERT_EQ(es.es_records, 2);
	MM_ASSERT_EQ(es.es_sampling, 1);
	mm_nf_free(nf);
}

MM_TEST(v5_sampling)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	/* Mode 01 (deterministic), 1 in 10. */
	t_v5_header(&b, 1, 100000, T_EXPORT, 0, 0, 0x4000 | 10);
	t_v5_record(&b, T_A(1), T_B(2), 40000, 443, 6, 0x10, 10, 1500, 40000, 90000);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 100);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 15000);
	MM_ASSERT_EQ(s.r[0].fr_sampling, 10);
	MM_ASSERT_EQ(t_stream(nf, &ex, 5, 0x0102).es_sampling, 10);
	mm_nf_free(nf);
}

MM_TEST(v5_sequence)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	static const uint32_t seq[] = { 0, 2, 10, 11, 0, 1 };
	struct tbuf b;

	/* Each datagram holds one record: 0 is followed by 2 (one lost), then 10 (7 lost). */
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		t_v5_header(&b, 1, 100000, T_EXPORT, 0, seq[i], 0);
		t_v5_record(&b, T_A(1), T_B(2), 1, 2, 17, 0, 1, 100, 90000, 90000);
		MM_ASSERT_EQ(mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS, NULL, NULL, NULL, 0), 1);
	}
	/* Going back to 0 is a restart, not a loss. */
	MM_ASSERT_EQ(t_stream(nf, &ex, 5, 0x0102).es_seq_gaps, 8);
	mm_nf_free(nf);
}

/* v9 template 256: addresses, ports, protocol, flags, counts, times, end reason, VLAN. */
static void
v9_template_256(struct tbuf *b)
{
	size_t set = t_set_begin(b, 0);

	t_put16(b, 256);
	t_put16(b, 12);
	t_field(b, 8, 4, 0);
	t_field(b, 12, 4, 0);
	t_field(b, 7, 2, 0);
	t_field(b, 11, 2, 0);
	t_field(b, 4, 1, 0);
	t_field(b, 6, 1, 0);
	t_field(b, 1, 4, 0);
	t_field(b, 2, 4, 0);
	t_field(b, 22, 4, 0);
	t_field(b, 21, 4, 0);
	t_field(b, 136, 1, 0);
	t_field(b, 58, 2, 0);
	t_set_end(b, set);
}

static void
v9_data_256(struct tbuf *b, uint32_t src, uint8_t reason)
{
	size_t set = t_set_begin(b, 256);

	t_put32(b, src);
	t_put32(b, T_B(2));
	t_put16(b, 1234);
	t_put16(b, 53);
	t_put8(b, 17);
	t_put8(b, 0);
	t_put32(b, 300); /* bytes */
	t_put32(b, 3);   /* packets */
	t_put32(b, 40000);
	t_put32(b, 90000);
	t_put8(b, reason);
	t_put16(b, 100);
	t_put8(b, 0); /* padding: shorter than a record */
	t_set_end(b, set);
}

MM_TEST(v9_template_and_data)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_v9_header(&b, 100000, T_EXPORT, 1, 7);
	v9_template_256(&b);
	v9_data_256(&b, T_A(1), 1);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT_EQ(s.r[0].fr_sport, 1234);
	MM_ASSERT_EQ(s.r[0].fr_dport, 53);
	MM_ASSERT_EQ(s.r[0].fr_proto, 17);
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 3);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 300);
	MM_ASSERT_EQ(s.r[0].fr_first_ns, T_EXPORT_NS - 60 * T_SEC);
	MM_ASSERT_EQ(s.r[0].fr_last_ns, T_EXPORT_NS - 10 * T_SEC);
	MM_ASSERT_EQ(s.r[0].fr_end, MM_FLOW_END_IDLE);
	MM_ASSERT_EQ(s.r[0].fr_vlan_n, 1);
	MM_ASSERT_EQ(s.r[0].fr_vlan[0], 100);
	MM_ASSERT_EQ(s.r[0].fr_source, MM_FLOW_SRC_NETFLOW_V9);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_templates, 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_malformed, 0);
	mm_nf_free(nf);
}

MM_TEST(v9_data_before_template)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_v9_header(&b, 100000, T_EXPORT, 1, 7);
	v9_data_256(&b, T_A(1), 2);
	v9_data_256(&b, T_A(2), 2);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(s.n, 0);
	/* The template comes with another clock: the held sets keep their own. */
	t_v9_header(&b, 500000, T_EXPORT + 2, 2, 7);
	v9_template_256(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS + 2 * T_SEC, &s), 2);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_A(2)));
	MM_ASSERT_EQ(s.r[0].fr_last_ns, T_EXPORT_NS - 10 * T_SEC);
	MM_ASSERT_EQ(s.r[0].fr_end, MM_FLOW_END_ACTIVE);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_unknown_template, 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_seq_gaps, 0);
	mm_nf_free(nf);
}

MM_TEST(v9_held_set_expires)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_v9_header(&b, 100000, T_EXPORT, 1, 7);
	v9_data_256(&b, T_A(1), 2);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	mm_nf_expire(nf, T_EXPORT_NS + 5 * T_SEC);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_unknown_template, 0);
	mm_nf_expire(nf, T_EXPORT_NS + 10 * T_SEC);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_unknown_template, 1);
	t_v9_header(&b, 111000, T_EXPORT + 11, 2, 7);
	v9_template_256(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS + 11 * T_SEC, &s), 0);
	mm_nf_free(nf);
}

MM_TEST(v9_template_refresh_new_layout)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_v9_header(&b, 100000, T_EXPORT, 1, 7);
	v9_template_256(&b);
	v9_data_256(&b, T_A(1), 1);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	/* Same id, new layout: destination first, 8-byte counters, no times. */
	t_v9_header(&b, 101000, T_EXPORT + 1, 2, 7);
	T_TEMPLATE(&b, 0, 256, { 12, 4, 0 }, { 8, 4, 0 }, { 2, 8, 0 }, { 1, 8, 0 }, { 4, 1, 0 });
	set = t_set_begin(&b, 256);
	t_put32(&b, T_B(9));
	t_put32(&b, T_A(9));
	t_put64(&b, 5000000000ULL);
	t_put64(&b, 6000000000000ULL);
	t_put8(&b, 47);
	t_set_end(&b, set);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS + T_SEC, &s), 1);
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_A(9)));
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_dst, T_B(9)));
	MM_ASSERT_EQ(s.r[1].fr_pkts_ts, 5000000000ULL);
	MM_ASSERT_EQ(s.r[1].fr_bytes_ts, 6000000000000ULL);
	MM_ASSERT_EQ(s.r[1].fr_proto, 47);
	/* No times in the record: the export time stands in for both. */
	MM_ASSERT_EQ(s.r[1].fr_first_ns, T_EXPORT_NS + T_SEC);
	MM_ASSERT_EQ(s.r[1].fr_last_ns, T_EXPORT_NS + T_SEC);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_templates, 1);
	mm_nf_free(nf);
}

MM_TEST(v9_options_sampling)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_v9_header(&b, 100000, T_EXPORT, 1, 7);
	/* Options template 257: scope "system" (4 bytes); SAMPLING_INTERVAL, SAMPLING_ALGORITHM. */
	set = t_set_begin(&b, 1);
	t_put16(&b, 257);
	t_put16(&b, 4);
	t_put16(&b, 8);
	t_field(&b, 1, 4, 0);
	t_field(&b, 34, 4, 0);
	t_field(&b, 35, 1, 0);
	t_put16(&b, 0); /* padding to 4 bytes */
	t_set_end(&b, set);
	set = t_set_begin(&b, 257);
	t_put32(&b, 0);
	t_put32(&b, 100);
	t_put8(&b, 2);
	t_put8(&b, 0);
	t_put16(&b, 0);
	t_set_end(&b, set);
	v9_template_256(&b);
	v9_data_256(&b, T_A(1), 1);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(s.r[0].fr_sampling, 100);
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 300);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 30000);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_sampling, 100);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_templates, 2);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_malformed, 0);
	mm_nf_free(nf);
}

MM_TEST(v9_icmp)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_v9_header(&b, 100000, T_EXPORT, 1, 7);
	T_TEMPLATE(&b, 0, 260, { 8, 4, 0 }, { 12, 4, 0 }, { 4, 1, 0 }, { 32, 2, 0 }, { 2, 4, 0 });
	set = t_set_begin(&b, 260);
	t_put32(&b, T_A(1));
	t_put32(&b, T_B(1));
	t_put8(&b, 1);
	t_put16(&b, 0x0b01); /* time exceeded, fragment reassembly */
	t_put32(&b, 1);
	t_set_end(&b, set);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(s.r[0].fr_icmp_type, 11);
	MM_ASSERT_EQ(s.r[0].fr_icmp_code, 1);
	MM_ASSERT_EQ(s.r[0].fr_sport, 0);
	MM_ASSERT_EQ(s.r[0].fr_dport, 0);
	mm_nf_free(nf);
}

MM_TEST(v9_sequence)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	static const uint32_t seq[] = { 1, 2, 5, 6, 1, 2 };
	struct tbuf b;

	/* v9 numbers datagrams: 2 then 5 is two datagrams lost; 6 then 1 a restart. */
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		t_v9_header(&b, 100000, T_EXPORT, seq[i], 7);
		v9_template_256(&b);
		MM_ASSERT_EQ(mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS, NULL, NULL, NULL, 0), 0);
	}
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_seq_gaps, 2);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 7).es_datagrams, 6);
	mm_nf_free(nf);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(v5_basic),
	MM_TEST_ENTRY(v5_sampling),
	MM_TEST_ENTRY(v5_sequence),
	MM_TEST_ENTRY(v9_template_and_data),
	MM_TEST_ENTRY(v9_data_before_template),
	MM_TEST_ENTRY(v9_held_set_expires),
	MM_TEST_ENTRY(v9_template_refresh_new_layout),
	MM_TEST_ENTRY(v9_options_sampling),
	MM_TEST_ENTRY(v9_icmp),
	MM_TEST_ENTRY(v9_sequence),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
