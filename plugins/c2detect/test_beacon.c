/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Beacon scoring and the pair table against values worked out by hand from
 * the published definitions (docs/c2detect.md shows the arithmetic).
 */
#include <math.h>

#include "beacon.h"
#include "mm_test.h"
#include "pairs.h"

#define MM_ASSERT_NEAR(a, b)                                                                       \
	do {                                                                                       \
		double mm_x_ = (a), mm_y_ = (b);                                                   \
		if (fabs(mm_x_ - mm_y_) > 1e-6)                                                    \
			MM_FAIL_("%s == %s: %.9f != %.9f", #a, #b, mm_x_, mm_y_);                  \
	} while (0)

MM_TEST(quartiles_odd_even)
{
	const double odd[] = { 1, 2, 3, 4, 5, 6, 7 }, even[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct bc_quartiles q;

	/* Odd: the middle element (4) belongs to neither half. */
	bc_quartiles(odd, 7, &q);
	MM_ASSERT_NEAR(q.q1, 2);
	MM_ASSERT_NEAR(q.q2, 4);
	MM_ASSERT_NEAR(q.q3, 6);
	bc_quartiles(even, 8, &q);
	MM_ASSERT_NEAR(q.q1, 2.5);
	MM_ASSERT_NEAR(q.q2, 4.5);
	MM_ASSERT_NEAR(q.q3, 6.5);
}

MM_TEST(bowley_rules)
{
	struct bc_quartiles a = { 10, 15, 30 }, narrow = { 1, 2, 5 }, flat = { 10, 10, 30 };

	/* (10 + 30 - 2 * 15) / (30 - 10) */
	MM_ASSERT_NEAR(bc_bowley(&a), 0.5);
	MM_ASSERT_NEAR(bc_bowley(&narrow), 0); /* IQR 4 < 10 */
	MM_ASSERT_NEAR(bc_bowley(&flat), 0);   /* Q2 == Q1 */
}

MM_TEST(madm)
{
	const double v[] = { 1, 2, 3, 4, 100 };
	double tmp[5];

	/* median 3; deviations 2 1 0 1 97 -> 0 1 1 2 97 -> 1 */
	MM_ASSERT_NEAR(bc_madm(v, 5, tmp), 1);
}

MM_TEST(ts_score_perfect_and_jittered)
{
	const uint32_t perfect[] = { 600, 0, 60, 120, 180, 240, 300, 360, 420, 480, 540 };
	const uint32_t jitter[] = { 0, 10, 30, 40, 60 };
	const uint32_t skewed[] = { 0, 2, 6, 12, 20, 60, 150 };
	const uint32_t dup[] = { 0, 0, 60, 60, 120 };
	double work[32], s, ss, ms, med, mad;

	MM_ASSERT_EQ(bc_ts_score(perfect, 11, work, &s, &ss, &ms, &med, &mad), 0);
	MM_ASSERT_NEAR(s, 1);
	MM_ASSERT_NEAR(med, 60);
	MM_ASSERT_NEAR(mad, 0);
	/* deltas 10 20 10 20: Q1 10, Q2 15, Q3 20, skew 0; MADM 5; mad (15-5)/15 */
	MM_ASSERT_EQ(bc_ts_score(jitter, 5, work, &s, &ss, &ms, &med, &mad), 0);
	MM_ASSERT_NEAR(ss, 1);
	MM_ASSERT_NEAR(ms, 10.0 / 15.0);
	MM_ASSERT_NEAR(s, 0.833);
	/* deltas 2 4 6 8 40 90: Q1 4, Q2 7, Q3 40, skew 30/36; MADM 4; mad 3/7 */
	MM_ASSERT_EQ(bc_ts_score(skewed, 7, work, &s, &ss, &ms, &med, &mad), 0);
	MM_ASSERT_NEAR(ss, 1.0 - 30.0 / 36.0);
	MM_ASSERT_NEAR(ms, 3.0 / 7.0);
	MM_ASSERT_NEAR(s, 0.298);
	/* Zero deltas are dropped: two left, not enough. */
	MM_ASSERT(bc_ts_score(dup, 5, work, &s, &ss, &ms, &med, &mad) < 0);
	MM_ASSERT_NEAR(s, 0);
}

MM_TEST(ds_score)
{
	const uint32_t same[] = { 100, 100, 100, 100, 100 }, zero[] = { 0, 0, 0 };
	const uint32_t spread[] = { 500, 100, 300, 200, 400 };
	double work[16], s, ss, ms;

	MM_ASSERT_EQ(bc_ds_score(same, 5, work, &s, &ss, &ms), 0);
	MM_ASSERT_NEAR(s, 1);
	/* Median 0 < 1: madScore 0; skew 0: (1 + 0) / 2 */
	MM_ASSERT_EQ(bc_ds_score(zero, 3, work, &s, &ss, &ms), 0);
	MM_ASSERT_NEAR(s, 0.5);
	/* Q1 150, Q2 300, Q3 450: skew 0; MADM 100: mad 200/300 */
	MM_ASSERT_EQ(bc_ds_score(spread, 5, work, &s, &ss, &ms), 0);
	MM_ASSERT_NEAR(ms, 2.0 / 3.0);
	MM_ASSERT_NEAR(s, 0.833);
	MM_ASSERT(bc_ds_score(same, 2, work, &s, &ss, &ms) < 0);
}

MM_TEST(hist_score)
{
	double flat[BC_BINS], ramp[BC_BINS], few[BC_BINS] = { 0 }, alt[BC_BINS], cv, fit;

	for (int i = 0; i < BC_BINS; i++) {
		flat[i] = 10;
		ramp[i] = i + 1;
		alt[i] = i % 2 ? 0 : 10;
	}
	MM_ASSERT_NEAR(bc_hist_score(flat, &cv, &fit), 1);
	MM_ASSERT_NEAR(cv, 1);
	/*
	 * 1..24: mean 12.5, population variance (24^2 - 1) / 12, CV 0.553775;
	 * buckets 2 wide (ceil(24 * 0.05)): largest two hold 2 bins each: 4 / 23.
	 */
	MM_ASSERT_NEAR(bc_hist_score(ramp, &cv, &fit), 0.446);
	MM_ASSERT_NEAR(cv, 0.446);
	MM_ASSERT_NEAR(fit, 4.0 / 23.0);
	/* Every other hour: CV exactly 1 (cvScore 0), but 12 bins of one height fit. */
	MM_ASSERT_NEAR(bc_hist_score(alt, &cv, &fit), 1);
	MM_ASSERT_NEAR(cv, 0);
	MM_ASSERT_NEAR(fit, 12.0 / 11.0);
	/* Five busy hours: CV 1.949 > 1 and too few bins for the fit. */
	for (int i = 0; i < 5; i++)
		few[i] = 20;
	MM_ASSERT_NEAR(bc_hist_score(few, &cv, &fit), 0);
	MM_ASSERT_NEAR(fit, 0);
}

MM_TEST(dur_score)
{
	double bins[BC_BINS] = { 0 }, wrap[BC_BINS] = { 0 }, cov, con;

	for (int i = 0; i < 6; i++)
		bins[i] = 3;
	/* coverage ceil3(19800 / 86400) = 0.230; consistency 6 / 12 */
	MM_ASSERT_NEAR(bc_dur_score(bins, 0, 19800, 0, 86400, &cov, &con), 0.5);
	MM_ASSERT_NEAR(cov, 0.230);
	MM_ASSERT_NEAR(con, 0.5);
	/* 20..23 and 0..3 make one run of 8 across midnight: ceil3(8 / 12) */
	for (int i = 0; i < 4; i++)
		wrap[i] = wrap[20 + i] = 1;
	MM_ASSERT_NEAR(bc_dur_score(wrap, 0, 3600, 0, 86400, &cov, &con), 0.667);
	/* Fewer than 6 bins: no duration score. */
	bins[5] = 0;
	MM_ASSERT_NEAR(bc_dur_score(bins, 0, 86400, 0, 86400, &cov, &con), 0);
}

MM_TEST(bucketing)
{
	MM_ASSERT_NEAR(bc_bucket(0.49), 0);
	MM_ASSERT_NEAR(bc_bucket(0.5), 0.2);
	MM_ASSERT_NEAR(bc_bucket(0.6), 0.3);
	MM_ASSERT_NEAR(bc_bucket(0.75), 0.45);
	MM_ASSERT_NEAR(bc_bucket(0.95), 0.7);
	MM_ASSERT_NEAR(bc_bucket(1.0), 0.8);
	MM_ASSERT_STREQ(bc_level(0.8), "high");
	MM_ASSERT_STREQ(bc_level(0.45), "medium");
	MM_ASSERT_STREQ(bc_level(0.2), "low");
	MM_ASSERT_STREQ(bc_level(0.1), "none");
}

MM_TEST(total_perfect_day)
{
	static uint32_t ts[1440], by[1440];
	static double work[2 * 1440];
	struct bc_input in = { ts, 1440, by, 1440, NULL, 0, 86340, 0, 86400 };
	struct bc_score s;

	for (int i = 0; i < 1440; i++) {
		ts[i] = (uint32_t)i * 60;
		by[i] = 52;
	}
	MM_ASSERT_EQ(bc_score(&in, work, &s), 1440);
	MM_ASSERT_NEAR(s.ts, 1);
	MM_ASSERT_NEAR(s.ds, 1);
	MM_ASSERT_NEAR(s.hist, 1);
	MM_ASSERT_NEAR(s.dur, 1);
	MM_ASSERT_NEAR(s.score, 1);
	MM_ASSERT_NEAR(s.bucketed, 0.8);
	MM_ASSERT_NEAR(s.period, 60);
}

static struct pt_key
key(uint8_t src, uint8_t dst, uint16_t port)
{
	struct pt_key k;

	memset(&k, 0, sizeof(k));
	k.k_src[15] = src;
	k.k_dst[15] = dst;
	k.k_port = port;
	k.k_proto = 6;
	return (k);
}

static void
conn(struct pt_conn *c, uint32_t t, uint32_t dur, uint64_t bytes, uint16_t sport)
{
	memset(c, 0, sizeof(*c));
	c->c_first = t;
	c->c_last = t + dur;
	c->c_bytes = bytes;
	c->c_sport = sport;
	c->c_dport = 80;
}

/* 300 connections 2 s apart: more than the samples, the fine histogram scores it. */
MM_TEST(table_long_beacon)
{
	struct pt_table t;
	struct pt_key k = key(1, 2, 80);
	struct pt_conn c;
	struct bc_score s;
	double work[2 * PT_SAMPLES], n;
	struct pt_pair *p;

	MM_ASSERT_EQ(pt_init(&t, 16, 86400), 0);
	for (uint32_t i = 0; i < 300; i++) {
		conn(&c, 1700000000 + 2 * i, 1, 400, (uint16_t)(40000 + i));
		MM_ASSERT(pt_add(&t, &k, &c) != NULL);
	}
	p = pt_find(&t, &k);
	MM_ASSERT(p != NULL);
	MM_ASSERT_EQ(p->p_conns, 300);
	MM_ASSERT(pt_score(&t, p, work, &s, &n) >= BC_MIN_TIMESTAMPS);
	MM_ASSERT_NEAR(n, 300);
	MM_ASSERT_NEAR(s.ts, 1);
	MM_ASSERT_NEAR(s.ds, 1);
	MM_ASSERT(s.hist >= 0.9);
	MM_ASSERT(s.dur >= 0.99);
	MM_ASSERT_STREQ(bc_level(s.bucketed), "high");
	pt_fini(&t);
}

/* Reports of one open session are one connection; a new source port is another. */
MM_TEST(table_stitching)
{
	struct pt_table t;
	struct pt_key k = key(1, 2, 23);
	struct pt_conn c;
	struct pt_pair *p;

	MM_ASSERT_EQ(pt_init(&t, 4, 86400), 0);
	for (uint32_t i = 0; i < 5; i++) {
		conn(&c, 1000 + 300 * i, 299, 120, 5555);
		c.c_goes_on = i < 4;
		MM_ASSERT(pt_add(&t, &k, &c) != NULL);
	}
	conn(&c, 3000, 10, 100, 5556);
	p = pt_add(&t, &k, &c);
	MM_ASSERT(p != NULL);
	MM_ASSERT_EQ(p->p_records, 6);
	MM_ASSERT_EQ(p->p_conns, 2);
	MM_ASSERT_EQ(p->p_long, 1499);
	MM_ASSERT_EQ(p->p_bytes, 700);
	MM_ASSERT_EQ(t.t_st.ps_stitched, 4);
	pt_fini(&t);
}

/* A full table keeps the pairs that can be scored and drops the least recent other. */
MM_TEST(table_budget)
{
	struct pt_table t;
	struct pt_key k;
	struct pt_conn c;

	MM_ASSERT_EQ(pt_init(&t, 4, 86400), 0);
	k = key(1, 9, 80);
	for (uint32_t i = 0; i < 5; i++) {
		conn(&c, 100 + 10 * i, 1, 50, (uint16_t)(1000 + i));
		pt_add(&t, &k, &c);
	}
	for (uint8_t d = 10; d < 13; d++) {
		k = key(1, d, 80);
		conn(&c, 200 + d, 1, 50, 2000);
		pt_add(&t, &k, &c);
	}
	MM_ASSERT_EQ(t.t_used, 4);
	k = key(1, 20, 80);
	conn(&c, 300, 1, 50, 3000);
	MM_ASSERT(pt_add(&t, &k, &c) != NULL);
	MM_ASSERT_EQ(t.t_used, 4);
	MM_ASSERT_EQ(t.t_st.ps_evicted, 1);
	MM_ASSERT_EQ(t.t_st.ps_evicted_scored, 0);
	k = key(1, 9, 80);
	MM_ASSERT(pt_find(&t, &k) != NULL); /* five connections: kept */
	k = key(1, 10, 80);
	MM_ASSERT(pt_find(&t, &k) == NULL); /* the oldest one-connection pair went */
	/* A whole window later every old pair expires. */
	k = key(1, 21, 80);
	conn(&c, 300 + 86400 * 2, 1, 50, 3001);
	pt_add(&t, &k, &c);
	MM_ASSERT_EQ(pt_expire(&t), 3);
	MM_ASSERT_EQ(t.t_used, 1);
	pt_fini(&t);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(quartiles_odd_even),
	MM_TEST_ENTRY(bowley_rules),
	MM_TEST_ENTRY(madm),
	MM_TEST_ENTRY(ts_score_perfect_and_jittered),
	MM_TEST_ENTRY(ds_score),
	MM_TEST_ENTRY(hist_score),
	MM_TEST_ENTRY(dur_score),
	MM_TEST_ENTRY(bucketing),
	MM_TEST_ENTRY(total_perfect_day),
	MM_TEST_ENTRY(table_long_beacon),
	MM_TEST_ENTRY(table_stitching),
	MM_TEST_ENTRY(table_budget),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
