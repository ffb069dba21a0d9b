/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NetFlow/IPFIX decoder on hand-built IPFIX messages, one feature each:
 * IPv6, variable-length and enterprise fields, withdrawal, biflows kept and
 * split, sampling from an options record, SysUpTime against its base, the
 * time formats, sequence numbers; and what all formats share: end reasons,
 * VLANs and the range checks.  v5 and v9 are in test_netflow.c.
 */
#include <errno.h>

#include "mm_test.h"
#include "test_netflow_build.h"

MM_TEST(ipfix_ipv6)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("::1"), src, dst;
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	mm_addr_parse("2001:db8::1", &src);
	mm_addr_parse("2001:db8:1::2", &dst);
	t_ipfix_header(&b, T_EXPORT, 0, 42);
	T_TEMPLATE(&b, 2, 300, { 27, 16, 0 }, { 28, 16, 0 }, { 7, 2, 0 }, { 11, 2, 0 }, { 4, 1, 0 },
		{ 6, 2, 0 }, { 2, 8, 0 }, { 1, 8, 0 }, { 152, 8, 0 }, { 153, 8, 0 });
	set = t_set_begin(&b, 300);
	t_putn(&b, src.a_bytes, 16);
	t_putn(&b, dst.a_bytes, 16);
	t_put16(&b, 50000);
	t_put16(&b, 22);
	t_put8(&b, 6);
	t_put16(&b, 0x0016); /* SYN RST ACK */
	t_put64(&b, 4);
	t_put64(&b, 240);
	t_put64(&b, (uint64_t)T_EXPORT * 1000 - 1500);
	t_put64(&b, (uint64_t)T_EXPORT * 1000 - 250);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT(memcmp(&s.r[0].fr_src, &src, sizeof(src)) == 0);
	MM_ASSERT(memcmp(&s.r[0].fr_dst, &dst, sizeof(dst)) == 0);
	MM_ASSERT_EQ(s.r[0].fr_sport, 50000);
	MM_ASSERT_EQ(s.r[0].fr_dport, 22);
	MM_ASSERT_EQ(s.r[0].fr_tcp_flags_ts, 0x16);
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 4);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 240);
	MM_ASSERT_EQ(s.r[0].fr_first_ns, T_EXPORT_NS - 1500000000ULL);
	MM_ASSERT_EQ(s.r[0].fr_last_ns, T_EXPORT_NS - 250000000ULL);
	MM_ASSERT_EQ(s.r[0].fr_source, MM_FLOW_SRC_IPFIX);
	MM_ASSERT_EQ(s.r[0].fr_end, MM_FLOW_END_EXPORTER);
	MM_ASSERT(memcmp(&s.r[0].fr_exporter, &ex, sizeof(ex)) == 0);
	mm_nf_free(nf);
}

MM_TEST(ipfix_varlen_and_enterprise)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	uint8_t blob[300];
	struct tbuf b;
	size_t set;

	memset(blob, 0xab, sizeof(blob));
	t_ipfix_header(&b, T_EXPORT, 0, 1);
	set = t_set_begin(&b, 2);
	t_put16(&b, 301);
	t_put16(&b, 7);
	t_field(&b, 8, 4, 0);
	t_field(&b, 82, T_VARLEN, 0); /* interfaceName */
	t_field(&b, 12, 4, 9);        /* enterprise 9, element 12: not ours */
	t_field(&b, 12, 4, 0);
	t_field(&b, 1, T_VARLEN, 4242);
	t_field(&b, 2, 4, 0);
	t_field(&b, 1, 4, 0);
	t_set_end(&b, set);
	set = t_set_begin(&b, 301);
	/* Record 1: a 1-byte length prefix, then a 3-byte one (255, 300). */
	t_put32(&b, T_A(1));
	t_put8(&b, 4);
	t_putn(&b, "eth0", 4);
	t_put32(&b, T_B(7));
	t_put32(&b, T_B(1));
	t_put8(&b, 255);
	t_put16(&b, sizeof(blob));
	t_putn(&b, blob, sizeof(blob));
	t_put32(&b, 2);
	t_put32(&b, 120);
	/* Record 2: both variable-length fields empty. */
	t_put32(&b, T_A(2));
	t_put8(&b, 0);
	t_put32(&b, T_B(7));
	t_put32(&b, T_B(2));
	t_put8(&b, 0);
	t_put32(&b, 3);
	t_put32(&b, 180);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 2);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_dst, T_B(1)));
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 2);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 120);
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_A(2)));
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_dst, T_B(2)));
	MM_ASSERT_EQ(s.r[1].fr_pkts_ts, 3);
	MM_ASSERT_EQ(s.r[1].fr_bytes_ts, 180);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 0);
	mm_nf_free(nf);
}

static void
ipfix_template(struct tbuf *b, uint16_t tid)
{
	size_t set = t_set_begin(b, 2);

	t_put16(b, tid);
	t_put16(b, 4);
	t_field(b, 8, 4, 0);
	t_field(b, 12, 4, 0);
	t_field(b, 2, 4, 0);
	t_field(b, 1, 4, 0);
	t_set_end(b, set);
}

static void
ipfix_data(struct tbuf *b, uint16_t tid, uint32_t src, int n)
{
	size_t set = t_set_begin(b, tid);

	for (int i = 0; i < n; i++) {
		t_put32(b, src + (uint32_t)i);
		t_put32(b, T_B(1));
		t_put32(b, 1);
		t_put32(b, 60);
	}
	t_set_end(b, set);
}

static void
ipfix_withdraw(struct tbuf *b, uint16_t set_id, uint16_t tid)
{
	size_t set = t_set_begin(b, set_id);

	t_put16(b, tid);
	t_put16(b, 0);
	t_set_end(b, set);
}

MM_TEST(ipfix_withdrawal)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	ipfix_template(&b, 300);
	ipfix_data(&b, 300, T_A(1), 1);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	/* Withdrawn: the next data set waits for a new definition. */
	t_ipfix_header(&b, T_EXPORT, 1, 1);
	ipfix_withdraw(&b, 2, 300);
	ipfix_data(&b, 300, T_A(2), 1);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 0);
	t_ipfix_header(&b, T_EXPORT, 1, 1);
	ipfix_template(&b, 300);
	ipfix_template(&b, 301);
	set = t_set_begin(&b, 3);
	t_put16(&b, 400);
	t_put16(&b, 2);
	t_put16(&b, 1);
	t_field(&b, 149, 4, 0);
	t_field(&b, 34, 4, 0);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_A(2)));
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 3);
	/* "Withdraw all": id 2 takes the data templates, id 3 the options templates. */
	t_ipfix_header(&b, T_EXPORT, 2, 1);
	ipfix_withdraw(&b, 2, 2);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 1);
	t_ipfix_header(&b, T_EXPORT, 2, 1);
	ipfix_withdraw(&b, 3, 3);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 0);
	mm_nf_free(nf);
}

/* A biflow template (RFC 5103) and three records. */
static void
ipfix_biflow(struct tbuf *b)
{
	size_t set;

	t_ipfix_header(b, T_EXPORT, 0, 1);
	T_TEMPLATE(b, 2, 302, { 8, 4, 0 }, { 12, 4, 0 }, { 7, 2, 0 }, { 11, 2, 0 }, { 4, 1, 0 },
		{ 2, 4, 0 }, { 1, 4, 0 }, { 6, 1, 0 }, { 2, 4, 29305 }, { 1, 4, 29305 },
		{ 6, 1, 29305 }, { 152, 8, 0 }, { 153, 8, 0 });
	set = t_set_begin(b, 302);
	/* Answered; unanswered; and only the reverse direction (turned around). */
	for (int i = 0; i < 3; i++) {
		t_put32(b, T_A(1));
		t_put32(b, T_B(2));
		t_put16(b, 50000);
		t_put16(b, 80);
		t_put8(b, 6);
		t_put32(b, i < 2 ? 5 : 0);
		t_put32(b, i < 2 ? 500 : 0);
		t_put8(b, i < 2 ? 0x1b : 0);
		t_put32(b, i != 1 ? 4 : 0);
		t_put32(b, i != 1 ? 4000 : 0);
		t_put8(b, i != 1 ? 0x12 : 0);
		t_put64(b, (uint64_t)T_EXPORT * 1000 - 2000);
		t_put64(b, (uint64_t)T_EXPORT * 1000 - 1000);
	}
	t_set_end(b, set);
	t_ipfix_end(b);
}

MM_TEST(ipfix_biflow_keep)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	ipfix_biflow(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 3);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 5);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 500);
	MM_ASSERT_EQ(s.r[0].fr_pkts_tc, 4);
	MM_ASSERT_EQ(s.r[0].fr_bytes_tc, 4000);
	MM_ASSERT_EQ(s.r[0].fr_tcp_flags_ts, 0x1b);
	MM_ASSERT_EQ(s.r[0].fr_tcp_flags_tc, 0x12);
	MM_ASSERT_EQ(s.r[1].fr_pkts_tc, 0);
	MM_ASSERT(t_addr_is_v4(&s.r[2].fr_src, T_B(2)));
	MM_ASSERT_EQ(s.r[2].fr_sport, 80);
	MM_ASSERT_EQ(s.r[2].fr_pkts_ts, 4);
	MM_ASSERT_EQ(s.r[2].fr_bytes_ts, 4000);
	MM_ASSERT_EQ(s.r[2].fr_tcp_flags_ts, 0x12);
	MM_ASSERT_EQ(s.r[2].fr_pkts_tc, 0);
	mm_nf_free(nf);
}

MM_TEST(ipfix_biflow_split)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_SPLIT);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	ipfix_biflow(&b);
	/* The unanswered record has nothing to split off, the turned one neither. */
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 4);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 5);
	MM_ASSERT_EQ(s.r[0].fr_pkts_tc, 0);
	MM_ASSERT_EQ(s.r[0].fr_tcp_flags_tc, 0);
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_B(2)));
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_dst, T_A(1)));
	MM_ASSERT_EQ(s.r[1].fr_sport, 80);
	MM_ASSERT_EQ(s.r[1].fr_dport, 50000);
	MM_ASSERT_EQ(s.r[1].fr_pkts_ts, 4);
	MM_ASSERT_EQ(s.r[1].fr_bytes_ts, 4000);
	MM_ASSERT_EQ(s.r[1].fr_tcp_flags_ts, 0x12);
	MM_ASSERT_EQ(s.r[1].fr_pkts_tc, 0);
	MM_ASSERT(s.r[0].fr_id != s.r[1].fr_id);
	MM_ASSERT_EQ(s.r[2].fr_pkts_ts, 5);
	MM_ASSERT(t_addr_is_v4(&s.r[3].fr_src, T_B(2)));
	MM_ASSERT_EQ(s.r[3].fr_pkts_ts, 4);
	MM_ASSERT_EQ(s.r[3].fr_pkts_tc, 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_records, 4);
	mm_nf_free(nf);
}

MM_TEST(ipfix_sampling_packet_interval)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	set = t_set_begin(&b, 3);
	t_put16(&b, 400);
	t_put16(&b, 3);
	t_put16(&b, 1);
	t_field(&b, 143, 4, 0); /* scope: meteringProcessId */
	t_field(&b, 305, 4, 0);
	t_field(&b, 306, 4, 0);
	t_set_end(&b, set);
	set = t_set_begin(&b, 400);
	t_put32(&b, 1);
	t_put32(&b, 1); /* one packet taken, */
	t_put32(&b, 9); /* nine skipped: 1 in 10 */
	t_set_end(&b, set);
	ipfix_template(&b, 300);
	ipfix_data(&b, 300, T_A(1), 1);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(s.r[0].fr_sampling, 10);
	MM_ASSERT_EQ(s.r[0].fr_pkts_ts, 10);
	MM_ASSERT_EQ(s.r[0].fr_bytes_ts, 600);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_sampling, 10);
	mm_nf_free(nf);
}

/* IPFIX flowStart/EndSysUpTime against systemInitTimeMilliseconds from an options record. */
MM_TEST(ipfix_sysuptime)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	uint64_t init_ms = (uint64_t)T_EXPORT * 1000 - 3600000;
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	T_TEMPLATE(&b, 2, 310, { 8, 4, 0 }, { 22, 4, 0 }, { 21, 4, 0 });
	set = t_set_begin(&b, 310);
	t_put32(&b, T_A(1));
	t_put32(&b, 3500000);
	t_put32(&b, 3590000);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	/* No base yet: the export time stands in. */
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(s.r[0].fr_first_ns, T_EXPORT_NS);
	t_ipfix_header(&b, T_EXPORT, 1, 1);
	set = t_set_begin(&b, 3);
	t_put16(&b, 401);
	t_put16(&b, 2);
	t_put16(&b, 1);
	t_field(&b, 149, 4, 0);
	t_field(&b, 160, 8, 0);
	t_set_end(&b, set);
	set = t_set_begin(&b, 401);
	t_put32(&b, 1);
	t_put64(&b, init_ms);
	t_set_end(&b, set);
	set = t_set_begin(&b, 310);
	t_put32(&b, T_A(1));
	t_put32(&b, 3500000);
	t_put32(&b, 3590000);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(s.r[1].fr_first_ns, (init_ms + 3500000) * 1000000);
	MM_ASSERT_EQ(s.r[1].fr_last_ns, (init_ms + 3590000) * 1000000);
	mm_nf_free(nf);
}

/* One template per time format; each record starts 2 s and ends 1 s before the export (NTP: .5
 * later). */
MM_TEST(ipfix_time_formats)
{
	static const struct {
		uint16_t start, end, len;
		int64_t first_ms, last_ms;
	} fmt[] = {
		{ 150, 151, 4, -2000, -1000 }, /* seconds */
		{ 152, 153, 8, -2000, -1000 }, /* milliseconds */
		{ 154, 155, 8, -2500, -1500 }, /* NTP, microseconds */
		{ 156, 157, 8, -2500, -1500 }, /* NTP, nanoseconds */
		{ 158, 159, 4, -2000, -1000 }, /* microseconds before the export time */
		{ 152, 161, 8, -2000, -1000 }, /* start, and duration in milliseconds (4 bytes) */
	};
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	uint64_t e = T_EXPORT, ntp = e + 2208988800ULL;
	struct tbuf b;
	size_t set;

	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		uint16_t tid = (uint16_t)(500 + i);

		t_ipfix_header(&b, T_EXPORT, 0, 1);
		T_TEMPLATE(&b, 2, tid, { 8, 4, 0 }, { fmt[i].start, fmt[i].len, 0 },
			{ fmt[i].end, fmt[i].end == 161 ? 4 : fmt[i].len, 0 });
		set = t_set_begin(&b, tid);
		t_put32(&b, T_A(1));
		switch (fmt[i].start) {
		case 150:
			t_put32(&b, (uint32_t)e - 2);
			t_put32(&b, (uint32_t)e - 1);
			break;
		case 152:
			t_put64(&b, e * 1000 - 2000);
			if (fmt[i].end == 161)
				t_put32(&b, 1000);
			else
				t_put64(&b, e * 1000 - 1000);
			break;
		case 154:
		case 156:
			t_put64(&b, (ntp - 3) << 32 | 0x80000000u); /* .5 s */
			t_put64(&b, (ntp - 2) << 32 | 0x80000000u);
			break;
		case 158:
			t_put32(&b, 2000000);
			t_put32(&b, 1000000);
			break;
		}
		t_set_end(&b, set);
		t_ipfix_end(&b);
		MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
		MM_ASSERT_EQ(s.r[i].fr_first_ns, T_EXPORT_NS + fmt[i].first_ms * 1000000);
		MM_ASSERT_EQ(s.r[i].fr_last_ns, T_EXPORT_NS + fmt[i].last_ms * 1000000);
	}
	mm_nf_free(nf);
}

MM_TEST(ipfix_sequence)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	/* RFC 7011: records before this message.  2 then 3 records: 6 follows 5, one lost. */
	static const uint32_t std[][2] = { { 0, 2 }, { 2, 3 }, { 6, 1 }, { 7, 1 } };
	/* softflowd: records up to and including this message. */
	static const uint32_t incl[][2] = { { 2, 2 }, { 5, 3 }, { 6, 1 }, { 8, 2 } };
	struct tbuf b;

	for (int i = 0; i < 4; i++) {
		t_ipfix_header(&b, T_EXPORT, std[i][0], 1);
		ipfix_template(&b, 300);
		ipfix_data(&b, 300, T_A(1), (int)std[i][1]);
		t_ipfix_end(&b);
		MM_ASSERT_EQ(mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS, NULL, NULL, NULL, 0),
			(int)std[i][1]);
		t_ipfix_header(&b, T_EXPORT, incl[i][0], 2);
		ipfix_template(&b, 300);
		ipfix_data(&b, 300, T_A(1), (int)incl[i][1]);
		t_ipfix_end(&b);
		MM_ASSERT_EQ(mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS, NULL, NULL, NULL, 0),
			(int)incl[i][1]);
	}
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_seq_gaps, 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 2).es_seq_gaps, 0);
	mm_nf_free(nf);
}

MM_TEST(end_reasons)
{
	static const struct {
		uint8_t reason, flags, want;
	} cases[] = {
		{ 1, 0x10, MM_FLOW_END_IDLE },
		{ 2, 0x10, MM_FLOW_END_ACTIVE },
		{ 3, 0x11, MM_FLOW_END_FIN },
		{ 3, 0x14, MM_FLOW_END_RST },
		{ 4, 0x10, MM_FLOW_END_SHUTDOWN },
		{ 5, 0x10, MM_FLOW_END_EVICTED },
		{ 0, 0x10, MM_FLOW_END_EXPORTER },
		{ 99, 0x10, MM_FLOW_END_EXPORTER },
	};
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	T_TEMPLATE(&b, 2, 320, { 8, 4, 0 }, { 4, 1, 0 }, { 6, 1, 0 }, { 136, 1, 0 });
	set = t_set_begin(&b, 320);
	for (int i = 0; i < n; i++) {
		t_put32(&b, T_A(1));
		t_put8(&b, 6);
		t_put8(&b, cases[i].flags);
		t_put8(&b, cases[i].reason);
	}
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), n);
	for (int i = 0; i < n; i++)
		MM_ASSERT_EQ(s.r[i].fr_end, cases[i].want);
	mm_nf_free(nf);
}

MM_TEST(vlans)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	T_TEMPLATE(&b, 2, 330, { 8, 4, 0 }, { 58, 2, 0 }, { 245, 2, 0 });
	set = t_set_begin(&b, 330);
	t_put32(&b, T_A(1));
	t_put16(&b, 100);
	t_put16(&b, 200);
	t_put32(&b, T_A(2));
	t_put16(&b, 0);
	t_put16(&b, 0);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 2);
	MM_ASSERT_EQ(s.r[0].fr_vlan_n, 2);
	MM_ASSERT_EQ(s.r[0].fr_vlan[0], 100);
	MM_ASSERT_EQ(s.r[0].fr_vlan[1], 200);
	MM_ASSERT_EQ(s.r[1].fr_vlan_n, 0);
	mm_nf_free(nf);
}

MM_TEST(out_of_range)
{
	/* Start and end relative to the export time (ms), packets, bytes. */
	static const struct {
		int64_t start, end;
		uint32_t pkts, bytes;
		int ok;
	} cases[] = {
		{ -5000, -1000, 2, 120, 1 },
		{ -1000, -3500, 1, 60, 0 },           /* ends 2.5 s before it starts */
		{ -1000, -1500, 1, 60, 1 },           /* 0.5 s: clock granularity, kept */
		{ -1000, 2 * 3600 * 1000, 1, 60, 0 }, /* ends two hours after the export */
		{ -8LL * 86400 * 1000, -8LL * 86400 * 1000 + 10, 1, 60, 0 }, /* 8 days old */
		{ -1000, -500, 1, 100000, 0 }, /* 100000 bytes in one packet */
	};
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	int64_t e = (int64_t)T_EXPORT * 1000;
	struct tbuf b;
	size_t set;
	int n = (int)(sizeof(cases) / sizeof(cases[0])), ok = 0;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	T_TEMPLATE(&b, 2, 340, { 8, 4, 0 }, { 152, 8, 0 }, { 153, 8, 0 }, { 2, 4, 0 }, { 1, 4, 0 });
	set = t_set_begin(&b, 340);
	for (int i = 0; i < n; i++) {
		t_put32(&b, T_A(1));
		t_put64(&b, (uint64_t)(e + cases[i].start));
		t_put64(&b, (uint64_t)(e + cases[i].end));
		t_put32(&b, cases[i].pkts);
		t_put32(&b, cases[i].bytes);
		ok += cases[i].ok;
	}
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), ok);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_out_of_range, n - ok);
	/* The kept record that ended before it started ends when it starts. */
	MM_ASSERT_EQ(s.r[1].fr_first_ns, s.r[1].fr_last_ns);
	mm_nf_free(nf);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(ipfix_ipv6),
	MM_TEST_ENTRY(ipfix_varlen_and_enterprise),
	MM_TEST_ENTRY(ipfix_withdrawal),
	MM_TEST_ENTRY(ipfix_biflow_keep),
	MM_TEST_ENTRY(ipfix_biflow_split),
	MM_TEST_ENTRY(ipfix_sampling_packet_interval),
	MM_TEST_ENTRY(ipfix_sysuptime),
	MM_TEST_ENTRY(ipfix_time_formats),
	MM_TEST_ENTRY(ipfix_sequence),
	MM_TEST_ENTRY(end_reasons),
	MM_TEST_ENTRY(vlans),
	MM_TEST_ENTRY(out_of_range),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
