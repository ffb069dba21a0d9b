/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NetFlow/IPFIX decoder on broken and hostile input: truncated headers
 * and sets, impossible templates, every limit of struct mm_nf_limits, and
 * exporters that claim each other's source ids.  Also replays the fuzzing
 * seeds (fuzz/corpus/netflow) the way the fuzz target splits them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm_test.h"
#include "test_netflow_build.h"

/* IPFIX template tid: source address and packet count (8 bytes a record). */
static void
small_template(struct tbuf *b, uint16_t tid)
{
	size_t set = t_set_begin(b, 2);

	t_put16(b, tid);
	t_put16(b, 2);
	t_field(b, 8, 4, 0);
	t_field(b, 2, 4, 0);
	t_set_end(b, set);
}

static void
small_data(struct tbuf *b, uint16_t tid, uint32_t src)
{
	size_t set = t_set_begin(b, tid);

	t_put32(b, src);
	t_put32(b, 1);
	t_set_end(b, set);
}

MM_TEST(truncated_headers)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	static const uint8_t v5[10] = { 0, 5, 0, 1 }, v9[19] = { 0, 9 }, ipfix[15] = { 0, 10 };
	struct mm_nf_stats st;

	MM_ASSERT_EQ(mm_nf_decode(nf, &ex, v5, sizeof(v5), 0, NULL, NULL, t_why, sizeof(t_why)),
		-EBADMSG);
	MM_ASSERT(strstr(t_why, "v5") != NULL);
	MM_ASSERT_EQ(mm_nf_decode(nf, &ex, v9, sizeof(v9), 0, NULL, NULL, t_why, sizeof(t_why)),
		-EBADMSG);
	MM_ASSERT_EQ(
		mm_nf_decode(nf, &ex, ipfix, sizeof(ipfix), 0, NULL, NULL, t_why, sizeof(t_why)),
		-EBADMSG);
	MM_ASSERT_EQ(mm_nf_decode(nf, &ex, v5, 1, 0, NULL, NULL, t_why, sizeof(t_why)), -EBADMSG);
	MM_ASSERT_EQ(mm_nf_decode(nf, &ex, NULL, 0, 0, NULL, NULL, NULL, 0), -EBADMSG);
	mm_nf_stats(nf, &st);
	MM_ASSERT_EQ(st.ns_datagrams, 5);
	MM_ASSERT_EQ(st.ns_malformed, 5);
	/* Nothing to attribute them to: no stream was made. */
	MM_ASSERT_EQ(mm_nf_exporters(nf, NULL, 0), 0);
	mm_nf_free(nf);
}

MM_TEST(bad_version)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	static const uint8_t v7[64] = { 0, 7 };
	struct mm_nf_stats st;

	MM_ASSERT_EQ(mm_nf_decode(nf, &ex, v7, sizeof(v7), 0, NULL, NULL, t_why, sizeof(t_why)),
		-EPROTONOSUPPORT);
	MM_ASSERT(strstr(t_why, "version 7") != NULL);
	mm_nf_stats(nf, &st);
	MM_ASSERT_EQ(st.ns_bad_version, 1);
	mm_nf_free(nf);
}

MM_TEST(v5_count_past_end)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_v5_header(&b, 3, 100000, T_EXPORT, 0, 0, 0);
	t_v5_record(&b, T_A(1), T_B(2), 1, 2, 17, 0, 1, 100, 90000, 90000);
	t_v5_record(&b, T_A(1), T_B(2), 1, 2, 17, 0, 1, 100, 90000, 90000);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), -EBADMSG);
	MM_ASSERT_EQ(s.n, 0);
	t_v5_header(&b, 31, 100000, T_EXPORT, 0, 0, 0);
	for (int i = 0; i < 31; i++)
		t_v5_record(&b, T_A(1), T_B(2), 1, 2, 17, 0, 1, 100, 90000, 90000);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), -EBADMSG);
	mm_nf_free(nf);
}

MM_TEST(ipfix_length_past_end)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	small_template(&b, 300);
	small_data(&b, 300, T_A(1));
	t_ipfix_end(&b);
	b.n -= 4; /* the datagram is shorter than the message says */
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), -EBADMSG);
	MM_ASSERT(strstr(t_why, "length") != NULL);
	mm_nf_free(nf);
}

/* A set claiming more than is left ends the walk; what came before stands. */
MM_TEST(set_length_past_end)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_v9_header(&b, 100000, T_EXPORT, 1, 1);
	T_TEMPLATE(&b, 0, 256, { 8, 4, 0 }, { 2, 4, 0 });
	set = t_set_begin(&b, 256);
	t_put32(&b, T_A(1));
	t_put32(&b, 1);
	t_set_end(&b, set);
	set = t_set_begin(&b, 256);
	t_put32(&b, T_A(2));
	t_put32(&b, 1);
	t_set16(&b, set + 2, 200);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(1)));
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 1).es_malformed, 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 1).es_datagrams, 1);
	mm_nf_free(nf);
}

/* A record cut short at the end of its set: the whole ones are kept, the rest counted. */
MM_TEST(record_cut_short)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	T_TEMPLATE(&b, 2, 300, { 8, 4, 0 }, { 82, T_VARLEN, 0 });
	set = t_set_begin(&b, 300);
	t_put32(&b, T_A(1));
	t_put8(&b, 2);
	t_putn(&b, "ok", 2);
	t_put32(&b, T_A(2));
	t_put8(&b, 200); /* 200 bytes announced, 3 there */
	t_putn(&b, "cut", 3);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 1);
	mm_nf_free(nf);
}

MM_TEST(template_zero_length_field)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	/* Records of this template could take no bytes: refused. */
	t_ipfix_header(&b, T_EXPORT, 0, 1);
	T_TEMPLATE(&b, 2, 300, { 210, 0, 0 });
	small_data(&b, 300, T_A(1));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 0);
	/* v9 likewise, and a v9 template without fields. */
	t_v9_header(&b, 100000, T_EXPORT, 1, 1);
	set = t_set_begin(&b, 0);
	t_put16(&b, 256);
	t_put16(&b, 2);
	t_field(&b, 8, 4, 0);
	t_field(&b, 2, 0, 0);
	t_put16(&b, 257);
	t_put16(&b, 0);
	t_set_end(&b, set);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 1).es_malformed, 2);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 1).es_templates, 0);
	mm_nf_free(nf);
}

MM_TEST(template_truncated)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	set = t_set_begin(&b, 2);
	t_put16(&b, 300);
	t_put16(&b, 10); /* ten fields announced, two there */
	t_field(&b, 8, 4, 0);
	t_field(&b, 2, 4, 0);
	t_set_end(&b, set);
	/* An enterprise field whose enterprise number is cut off. */
	set = t_set_begin(&b, 2);
	t_put16(&b, 301);
	t_put16(&b, 1);
	t_put16(&b, 0x8001);
	t_put16(&b, 4);
	t_set_end(&b, set);
	/* Options template: scope count 0, and scope count above the field count. */
	set = t_set_begin(&b, 3);
	t_put16(&b, 400);
	t_put16(&b, 1);
	t_put16(&b, 0);
	t_field(&b, 34, 4, 0);
	t_put16(&b, 401);
	t_put16(&b, 1);
	t_put16(&b, 2);
	t_field(&b, 34, 4, 0);
	t_set_end(&b, set);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 4);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 0);
	mm_nf_free(nf);
}

MM_TEST(too_many_templates)
{
	struct mm_nf_limits lim = { .nl_templates = 2 };
	struct mm_nf *nf = mm_nf_new(&lim, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	small_template(&b, 300);
	small_template(&b, 301);
	small_template(&b, 302);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 2);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 1);
	/* A refresh of a held template is no new template. */
	t_ipfix_header(&b, T_EXPORT, 0, 1);
	small_template(&b, 301);
	small_data(&b, 301, T_A(1));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_malformed, 1);
	mm_nf_free(nf);
}

MM_TEST(field_count_over_limit)
{
	struct mm_nf_limits lim = { .nl_template_fields = 4 };
	struct mm_nf *nf = mm_nf_new(&lim, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	/* Template 300 has five fields: refused, and 301 after it in the same set still read. */
	t_v9_header(&b, 100000, T_EXPORT, 1, 1);
	set = t_set_begin(&b, 0);
	t_put16(&b, 300);
	t_put16(&b, 5);
	for (int i = 0; i < 5; i++)
		t_field(&b, 8, 4, 0);
	t_put16(&b, 301);
	t_put16(&b, 2);
	t_field(&b, 8, 4, 0);
	t_field(&b, 2, 4, 0);
	t_set_end(&b, set);
	set = t_set_begin(&b, 301);
	t_put32(&b, T_A(1));
	t_put32(&b, 1);
	t_set_end(&b, set);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 1).es_malformed, 1);
	MM_ASSERT_EQ(t_stream(nf, &ex, 9, 1).es_templates, 1);
	mm_nf_free(nf);
}

/*
 * Exporter B claims exporter A's source id and redefines its template, then
 * withdraws everything (IPFIX): A's state is its own and does not change.
 */
MM_TEST(exporter_isolation)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr a = t_exporter("127.0.0.1"), bx = t_exporter("127.0.0.2");
	struct tsink s = { .n = 0 };
	struct tbuf b;
	size_t set;

	t_ipfix_header(&b, T_EXPORT, 0, 5);
	small_template(&b, 300);
	small_data(&b, 300, T_A(1));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &a, &b, T_EXPORT_NS, &s), 1);
	/* B: the same id with another layout, a withdrawal of all, and garbage. */
	t_ipfix_header(&b, T_EXPORT, 0, 5);
	T_TEMPLATE(&b, 2, 300, { 12, 4, 0 });
	set = t_set_begin(&b, 2);
	t_put16(&b, 2);
	t_put16(&b, 0);
	t_set_end(&b, set);
	t_put32(&b, 0xdeadbeef);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &bx, &b, T_EXPORT_NS, &s), 0);
	t_ipfix_header(&b, T_EXPORT, 1, 5);
	small_data(&b, 300, T_A(2));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &a, &b, T_EXPORT_NS, &s), 1);
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_A(2)));
	MM_ASSERT_EQ(s.r[1].fr_pkts_ts, 1);
	MM_ASSERT(memcmp(&s.r[1].fr_exporter, &a, sizeof(a)) == 0);
	MM_ASSERT_EQ(t_stream(nf, &a, 10, 5).es_templates, 1);
	MM_ASSERT_EQ(t_stream(nf, &a, 10, 5).es_malformed, 0);
	MM_ASSERT_EQ(t_stream(nf, &a, 10, 5).es_records, 2);
	MM_ASSERT_EQ(t_stream(nf, &bx, 10, 5).es_malformed, 1);
	MM_ASSERT_EQ(t_stream(nf, &bx, 10, 5).es_templates, 0);
	/* Data from B with A's template id is B's own unknown template: held for B, not decoded. */
	t_ipfix_header(&b, T_EXPORT, 1, 5);
	small_data(&b, 300, T_A(3));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &bx, &b, T_EXPORT_NS, &s), 0);
	/* The same address with another domain is another stream too. */
	t_ipfix_header(&b, T_EXPORT, 1, 6);
	small_data(&b, 300, T_A(4));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &a, &b, T_EXPORT_NS, &s), 0);
	MM_ASSERT_EQ(mm_nf_exporters(nf, NULL, 0), 3);
	mm_nf_free(nf);
}

MM_TEST(exporters_full)
{
	struct mm_nf_limits lim = { .nl_exporters = 2, .nl_template_ns = 60 * T_SEC };
	struct mm_nf *nf = mm_nf_new(&lim, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct mm_nf_exporter_stats v[4];
	struct tsink s = { .n = 0 };
	struct mm_nf_stats st;
	struct tbuf b;

	for (uint32_t id = 1; id <= 3; id++) {
		t_v9_header(&b, 100000, T_EXPORT, 1, id);
		MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), id <= 2 ? 0 : -ENOSPC);
	}
	mm_nf_stats(nf, &st);
	MM_ASSERT_EQ(st.ns_exporters_full, 1);
	MM_ASSERT_EQ(mm_nf_exporters(nf, v, 1), 2);
	MM_ASSERT_EQ(v[0].es_source_id, 1);
	/* Streams silent for a template lifetime, with nothing held, are forgotten. */
	mm_nf_expire(nf, T_EXPORT_NS + 61 * T_SEC);
	MM_ASSERT_EQ(mm_nf_exporters(nf, v, 4), 0);
	t_v9_header(&b, 100000, T_EXPORT, 1, 3);
	MM_ASSERT_EQ(
		mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS + 62 * T_SEC, NULL, NULL, NULL, 0), 0);
	MM_ASSERT_EQ(mm_nf_exporters(nf, v, 4), 1);
	mm_nf_free(nf);
}

MM_TEST(held_sets_bounded)
{
	struct mm_nf_limits lim = { .nl_pending_sets = 2 };
	struct mm_nf *nf = mm_nf_new(&lim, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	for (uint32_t i = 1; i <= 3; i++)
		small_data(&b, 300, T_A(i));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	/* The oldest went to make room. */
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_unknown_template, 1);
	t_ipfix_header(&b, T_EXPORT, 3, 1);
	small_template(&b, 300);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 2);
	MM_ASSERT(t_addr_is_v4(&s.r[0].fr_src, T_A(2)));
	MM_ASSERT(t_addr_is_v4(&s.r[1].fr_src, T_A(3)));
	mm_nf_free(nf);
}

MM_TEST(template_lifetime)
{
	struct mm_nf_limits lim = { .nl_template_ns = 10 * T_SEC };
	struct mm_nf *nf = mm_nf_new(&lim, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	t_ipfix_header(&b, T_EXPORT, 0, 1);
	small_template(&b, 300);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 0);
	t_ipfix_header(&b, T_EXPORT + 11, 0, 1);
	small_data(&b, 300, T_A(1));
	t_ipfix_end(&b);
	/* Eleven seconds later the template is gone, even without mm_nf_expire(). */
	MM_ASSERT_EQ(
		mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS + 11 * T_SEC, t_sink, &s, NULL, 0), 0);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 0);
	t_ipfix_header(&b, T_EXPORT + 12, 0, 1);
	small_template(&b, 300);
	t_ipfix_end(&b);
	MM_ASSERT_EQ(
		mm_nf_decode(nf, &ex, b.b, b.n, T_EXPORT_NS + 12 * T_SEC, t_sink, &s, NULL, 0), 1);
	mm_nf_expire(nf, T_EXPORT_NS + 23 * T_SEC);
	MM_ASSERT_EQ(t_stream(nf, &ex, 10, 1).es_templates, 0);
	mm_nf_free(nf);
}

MM_TEST(id_base)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP);
	struct mm_addr ex = t_exporter("127.0.0.1");
	struct tsink s = { .n = 0 };
	struct tbuf b;

	mm_nf_set_id_base(nf, 5ULL << 48);
	t_ipfix_header(&b, T_EXPORT, 0, 1);
	small_template(&b, 300);
	small_data(&b, 300, T_A(1));
	small_data(&b, 300, T_A(2));
	t_ipfix_end(&b);
	MM_ASSERT_EQ(t_decode(nf, &ex, &b, T_EXPORT_NS, &s), 2);
	MM_ASSERT_EQ(s.r[0].fr_id, (5ULL << 48) | 1);
	MM_ASSERT_EQ(s.r[1].fr_id, (5ULL << 48) | 2);
	mm_nf_free(nf);
}

/*
 * Feeds a fuzz input as the fuzz target does: [control byte][length, 2 bytes]
 * [datagram]...; bit 0 of the control byte picks exporter A or B, the other
 * bits advance the clock by that many seconds.
 */
static void
replay(struct mm_nf *nf, const uint8_t *p, size_t n)
{
	struct mm_addr ex[2] = { t_exporter("127.0.0.1"), t_exporter("2001:db8::2") };
	uint64_t now = T_EXPORT_NS;

	while (n >= 3) {
		size_t len = (size_t)p[1] << 8 | p[2];

		if (len > n - 3)
			len = n - 3;
		now += (uint64_t)(p[0] >> 1) * T_SEC;
		mm_nf_decode(nf, &ex[p[0] & 1], p + 3, len, now, NULL, NULL, t_why, sizeof(t_why));
		if (p[0] >> 1)
			mm_nf_expire(nf, now);
		p += 3 + len;
		n -= 3 + len;
	}
}

MM_TEST(corpus_replay)
{
	struct mm_nf *nf = mm_nf_new(NULL, MM_NF_BIFLOW_SPLIT);
	char path[1024];
	struct dirent *de;
	struct mm_nf_stats st;
	uint8_t *buf;
	DIR *d;
	int files = 0;

	if ((d = opendir(MM_NF_CORPUS)) == NULL) {
		printf("  no corpus in %s: skipped\n", MM_NF_CORPUS);
		mm_nf_free(nf);
		return;
	}
	MM_ASSERT((buf = malloc(1 << 20)) != NULL);
	while ((de = readdir(d)) != NULL) {
		FILE *f;
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", MM_NF_CORPUS, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		n = fread(buf, 1, 1 << 20, f);
		fclose(f);
		replay(nf, buf, n);
		files++;
	}
	closedir(d);
	free(buf);
	mm_nf_stats(nf, &st);
	printf("  %d seeds: %" PRIu64 " datagrams, %" PRIu64 " records\n", files, st.ns_datagrams,
		st.ns_records);
	MM_ASSERT(files > 0);
	MM_ASSERT(st.ns_records > 0);
	mm_nf_free(nf);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(truncated_headers),
	MM_TEST_ENTRY(bad_version),
	MM_TEST_ENTRY(v5_count_past_end),
	MM_TEST_ENTRY(ipfix_length_past_end),
	MM_TEST_ENTRY(set_length_past_end),
	MM_TEST_ENTRY(record_cut_short),
	MM_TEST_ENTRY(template_zero_length_field),
	MM_TEST_ENTRY(template_truncated),
	MM_TEST_ENTRY(too_many_templates),
	MM_TEST_ENTRY(field_count_over_limit),
	MM_TEST_ENTRY(exporter_isolation),
	MM_TEST_ENTRY(exporters_full),
	MM_TEST_ENTRY(held_sets_bounded),
	MM_TEST_ENTRY(template_lifetime),
	MM_TEST_ENTRY(id_base),
	MM_TEST_ENTRY(corpus_replay),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
