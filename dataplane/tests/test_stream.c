/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream scope on a real EAL (--no-huge) and real Hyperscan databases:
 * patterns split over segments, segments out of order, retransmissions,
 * the SYN as the start, the depth, gaps, FIN and end-of-data patterns,
 * direction scope, a new generation, and an empty pool.
 */
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <hs/hs.h>
#include <rte_eal.h>

#include "mamori/flow.h"
#include "mm_test.h"
#include "stream.h"

#define ISN_C 1000u       /* the client's SYN */
#define ISN_S 0xfffffff0u /* the server's SYN: its stream wraps the sequence space */

struct match {
	uint32_t id;
	uint64_t to;
};

struct matches {
	struct match m[32];
	unsigned n;
};

static int
on_match(void *ctx, uint32_t plugin, uint32_t id, uint64_t from, uint64_t to)
{
	struct matches *ms = ctx;

	(void)plugin;
	(void)from;
	if (ms->n < 32)
		ms->m[ms->n++] = (struct match){ .id = id, .to = to };
	return (0);
}

static struct hsvc_pattern
spat(uint32_t id, const char *expr, uint8_t dir)
{
	struct hsvc_pattern p = {
		.hp_pat = { .pt_id = id,
			.pt_expr = expr,
			.pt_proto = IPPROTO_TCP,
			.pt_mode = MM_PATTERN_STREAM,
			.pt_dir = dir },
		.hp_plugin = 0,
		.hp_plugin_name = "test",
	};

	return (p);
}

/* Patterns 1 "HELLO WORLD" (either way), 2 "220 ready" to the client only, 3 "BYE$". */
static struct hsvc_gen *
gen(void)
{
	struct hsvc_pattern v[] = {
		spat(1, "HELLO WORLD", MM_DIR_ANY),
		spat(2, "220 ready", MM_DIR_TO_CLIENT),
		spat(3, "BYE$", MM_DIR_ANY),
	};
	struct hsvc_gen *g = NULL;
	char err[256];

	if (hsvc_gen_build(v, 3, NULL, 1, &g, err, sizeof(err)) != 0)
		fprintf(stderr, "hsvc_gen_build: %s\n", err);
	return (g);
}

static struct dp_streams *
pools(uint32_t depth, uint32_t flows, uint32_t buffers)
{
	static unsigned seq;
	struct dp_stream_conf c = {
		.sc_depth = depth, .sc_flows = flows, .sc_buffers = buffers, .sc_socket = 0
	};
	char name[32];

	snprintf(name, sizeof(name), "tst%u", seq++);
	return (dp_streams_create(name, &c));
}

/* One segment: to the server with the client's numbering, or back. */
static void
seg(struct dp_streams *ss, struct dp_stream_slot *sl, const struct hsvc_gen *g, bool to_server,
	uint32_t off, uint8_t flags, const char *text, struct matches *ms)
{
	struct dp_segment sg = {
		.sg_data = (const uint8_t *)text,
		.sg_len = (uint32_t)strlen(text),
		.sg_seq = (to_server ? ISN_C + 1 : ISN_S + 1) + off,
		.sg_server_port = 21,
		.sg_flags = flags,
		.sg_to_server = to_server,
	};

	dp_stream_segment(ss, sl, g, 0, &sg, on_match, ms);
}

/* The three-way handshake: both directions' SYNs. */
static void
handshake(struct dp_streams *ss, struct dp_stream_slot *sl, const struct hsvc_gen *g)
{
	struct dp_segment syn = { .sg_seq = ISN_C, .sg_flags = MM_TCP_SYN, .sg_to_server = true };
	struct dp_segment synack = { .sg_seq = ISN_S, .sg_flags = MM_TCP_SYN | MM_TCP_ACK };

	dp_stream_segment(ss, sl, g, 0, &syn, on_match, NULL);
	dp_stream_segment(ss, sl, g, 0, &synack, on_match, NULL);
}

static unsigned
count(const struct matches *ms, uint32_t id)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ms->n; i++)
		n += ms->m[i].id == id;
	return (n);
}

/* What most tests start from: patterns, pools, one connection, no matches. */
struct fix {
	struct hsvc_gen *g;
	struct dp_streams *ss;
	struct dp_stream_slot sl;
	struct matches ms;
};

static void
fix_open(struct fix *f, uint32_t depth, uint32_t flows, uint32_t buffers)
{
	memset(f, 0, sizeof(*f));
	f->g = gen();
	f->ss = pools(depth, flows, buffers);
	MM_ASSERT(f->g != NULL && f->ss != NULL);
}

/* Ends the connection; nothing may stay open. */
static void
fix_close(struct fix *f)
{
	dp_stream_end(f->ss, &f->sl, 0, on_match, &f->ms);
	MM_ASSERT(f->sl.sl_flow == NULL);
	MM_ASSERT_EQ(hsvc_gen_streams_open(f->g), 0);
	dp_streams_free(f->ss);
	hsvc_gen_free(f->g);
}

MM_TEST(split_in_order)
{
	struct fix f;
	struct dp_stream_stats st;

	fix_open(&f, 4096, 16, 4);
	handshake(f.ss, &f.sl, f.g);
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "say HEL", &f.ms);
	MM_ASSERT_EQ(f.ms.n, 0);
	seg(f.ss, &f.sl, f.g, true, 7, MM_TCP_ACK, "LO WORLD!", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 1), 1);
	MM_ASSERT_EQ(f.ms.m[0].to, 15);
	dp_streams_stats(f.ss, &st);
	MM_ASSERT_EQ(st.ss_flows, 1);
	MM_ASSERT_EQ(st.ss_bytes, 16);
	fix_close(&f);
}

MM_TEST(out_of_order_and_retransmitted)
{
	struct fix f;
	struct dp_stream_stats st;

	fix_open(&f, 4096, 16, 4);
	handshake(f.ss, &f.sl, f.g);
	/* The second half first, then the start: held, then scanned in order. */
	seg(f.ss, &f.sl, f.g, true, 7, MM_TCP_ACK, "LO WORLD", &f.ms);
	seg(f.ss, &f.sl, f.g, true, 10, MM_TCP_ACK, "WORLD!", &f.ms); /* overlaps what waits */
	MM_ASSERT_EQ(f.ms.n, 0);
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "say HEL", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 1), 1);
	MM_ASSERT_EQ(f.ms.m[0].to, 15);
	/* A retransmission of all of it reports nothing again. */
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "say HELLO WORLD", &f.ms);
	MM_ASSERT_EQ(f.ms.n, 1);
	dp_streams_stats(f.ss, &st);
	MM_ASSERT_EQ(st.ss_held, 2);
	MM_ASSERT_EQ(st.ss_old, 15);
	MM_ASSERT_EQ(st.ss_bytes, 16);
	fix_close(&f);
}

/* Without the SYN the first data is the start; with it, earlier bytes still count. */
MM_TEST(syn_is_the_start)
{
	struct hsvc_gen *g = gen();
	struct dp_streams *ss = pools(4096, 16, 4);
	struct dp_stream_slot with = { 0 }, without = { 0 };
	struct matches a = { .n = 0 }, b = { .n = 0 };

	handshake(ss, &with, g);
	seg(ss, &with, g, true, 5, MM_TCP_ACK, " WORLD", &a);
	seg(ss, &with, g, true, 0, MM_TCP_ACK, "HELL", &a);
	MM_ASSERT_EQ(a.n, 0);
	seg(ss, &with, g, true, 4, MM_TCP_ACK, "O", &a);
	MM_ASSERT_EQ(count(&a, 1), 1);
	/* Picked up in the middle: the stream starts at " WORLD"; "HELLO" is before it. */
	seg(ss, &without, g, true, 5, MM_TCP_ACK, " WORLD", &b);
	seg(ss, &without, g, true, 0, MM_TCP_ACK, "HELLO WORLD", &b);
	MM_ASSERT_EQ(count(&b, 1), 0);
	dp_stream_end(ss, &with, 0, on_match, &a);
	dp_stream_end(ss, &without, 0, on_match, &b);
	dp_streams_free(ss);
	hsvc_gen_free(g);
}

/* Direction scope, and the server's numbering wrapping past 2^32. */
MM_TEST(direction_and_wrap)
{
	struct fix f;

	fix_open(&f, 4096, 16, 4);
	handshake(f.ss, &f.sl, f.g);
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "220 ready\r\n", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 2), 0);
	seg(f.ss, &f.sl, f.g, false, 0, MM_TCP_ACK, "220 re", &f.ms); /* seq 0xfffffff1 */
	seg(f.ss, &f.sl, f.g, false, 6, MM_TCP_ACK, "ady", &f.ms);    /* seq 0xfffffff7 */
	MM_ASSERT_EQ(count(&f.ms, 2), 1);
	seg(f.ss, &f.sl, f.g, false, 20, MM_TCP_ACK, "HELLO",
		&f.ms); /* seq 5, after the wrap: held */
	seg(f.ss, &f.sl, f.g, false, 9, MM_TCP_ACK, "\r\nabcdefghi", &f.ms);
	seg(f.ss, &f.sl, f.g, false, 25, MM_TCP_ACK, " WORLD", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 1), 1);
	fix_close(&f);
}

MM_TEST(depth)
{
	struct fix f;
	struct dp_stream_stats st;

	fix_open(&f, 16, 16, 4);
	handshake(f.ss, &f.sl, f.g);
	/* "HELLO WORLD" ends at 17, past the depth of 16 bytes. */
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "123456HELLO WORLD", &f.ms);
	MM_ASSERT_EQ(f.ms.n, 0);
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "12345HELLO WORLD", &f.ms);
	MM_ASSERT_EQ(f.ms.n, 0);
	dp_streams_stats(f.ss, &st);
	MM_ASSERT_EQ(st.ss_depth, 1);
	MM_ASSERT_EQ(st.ss_bytes, 16);
	MM_ASSERT_EQ(hsvc_gen_streams_open(f.g), 0);
	fix_close(&f);
}

/* More holes than a buffer keeps apart, or no buffer at all: a gap ends the direction. */
MM_TEST(gaps)
{
	struct hsvc_gen *g = gen();
	struct dp_streams *ss = pools(4096, 16, 1);
	struct dp_stream_slot a = { 0 }, b = { 0 };
	struct matches ms = { .n = 0 };
	struct dp_stream_stats st;

	handshake(ss, &a, g);
	handshake(ss, &b, g);
	seg(ss, &a, g, true, 0, MM_TCP_ACK, "x", &ms);
	for (uint32_t i = 0; i < 9; i++)
		seg(ss, &a, g, true, 10 + 10 * i, MM_TCP_ACK, "piece", &ms);
	dp_streams_stats(ss, &st);
	MM_ASSERT_EQ(st.ss_held, 8);
	MM_ASSERT_EQ(st.ss_gaps, 1);
	/* a's buffer went back with the gap; b takes it, then a second hole finds none. */
	seg(ss, &b, g, false, 10, MM_TCP_ACK, "later", &ms);
	seg(ss, &b, g, true, 10, MM_TCP_ACK, "later", &ms);
	dp_streams_stats(ss, &st);
	MM_ASSERT_EQ(st.ss_held, 9);
	MM_ASSERT_EQ(st.ss_gaps, 2);
	dp_stream_end(ss, &a, 0, on_match, &ms);
	dp_stream_end(ss, &b, 0, on_match, &ms);
	MM_ASSERT_EQ(hsvc_gen_streams_open(g), 0);
	dp_streams_free(ss);
	hsvc_gen_free(g);
}

/* FIN ends its direction, and "$" patterns match at that end. */
MM_TEST(fin_and_end_of_data)
{
	struct fix f;
	struct dp_stream_stats st;

	fix_open(&f, 4096, 16, 4);
	handshake(f.ss, &f.sl, f.g);
	seg(f.ss, &f.sl, f.g, true, 0, MM_TCP_ACK, "BYE", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 3), 0);
	seg(f.ss, &f.sl, f.g, true, 3, MM_TCP_ACK | MM_TCP_FIN, "", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 3), 1);
	MM_ASSERT(f.sl.sl_flow != NULL); /* the server's direction is still open */
	seg(f.ss, &f.sl, f.g, false, 0, MM_TCP_ACK, "BYE", &f.ms);
	seg(f.ss, &f.sl, f.g, false, 0, MM_TCP_RST, "", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 3), 2);
	MM_ASSERT(f.sl.sl_flow == NULL); /* both ended: the state went back */
	seg(f.ss, &f.sl, f.g, true, 3, MM_TCP_ACK, "HELLO WORLD", &f.ms);
	MM_ASSERT_EQ(count(&f.ms, 1), 0);
	dp_streams_stats(f.ss, &st);
	MM_ASSERT_EQ(st.ss_closed, 2);
	fix_close(&f);
}

/* A stream opened in one generation ends quietly when the next one arrives. */
MM_TEST(new_generation)
{
	struct hsvc_gen *g1 = gen(), *g2 = gen();
	struct dp_streams *ss = pools(4096, 16, 4);
	struct dp_stream_slot sl = { 0 };
	struct matches ms = { .n = 0 };
	struct dp_stream_stats st;

	handshake(ss, &sl, g1);
	seg(ss, &sl, g1, true, 0, MM_TCP_ACK, "BYE", &ms);
	MM_ASSERT_EQ(hsvc_gen_streams_open(g1), 1);
	seg(ss, &sl, g2, true, 3, MM_TCP_ACK, "HELLO WORLD", &ms);
	MM_ASSERT_EQ(ms.n, 0); /* no "BYE$" from the old one, nothing new mid-stream */
	MM_ASSERT_EQ(hsvc_gen_streams_open(g1), 0);
	dp_streams_stats(ss, &st);
	MM_ASSERT_EQ(st.ss_regen, 1);
	/* The other direction starts in the new generation. */
	seg(ss, &sl, g2, false, 0, MM_TCP_ACK, "HELLO WORLD", &ms);
	MM_ASSERT_EQ(count(&ms, 1), 1);
	dp_stream_end(ss, &sl, 0, on_match, &ms);
	MM_ASSERT_EQ(hsvc_gen_streams_open(g2), 0);
	dp_streams_free(ss);
	hsvc_gen_free(g1);
	hsvc_gen_free(g2);
}

/* No stream patterns: no state; an empty pool: the flow goes without, counted. */
MM_TEST(no_patterns_and_empty_pool)
{
	struct hsvc_pattern block = spat(9, "HELLO", MM_DIR_ANY);
	struct hsvc_gen *g = gen(), *gb = NULL;
	struct dp_streams *ss = pools(4096, 1, 4);
	struct dp_stream_slot a = { 0 }, b = { 0 }, c = { 0 };
	struct matches ms = { .n = 0 };
	struct dp_stream_stats st;
	char err[256];

	block.hp_pat.pt_mode = MM_PATTERN_BLOCK;
	MM_ASSERT_EQ(hsvc_gen_build(&block, 1, NULL, 1, &gb, err, sizeof(err)), 0);
	seg(ss, &a, gb, true, 0, MM_TCP_ACK, "HELLO WORLD", &ms);
	seg(ss, &a, NULL, true, 11, MM_TCP_ACK, "HELLO WORLD", &ms);
	MM_ASSERT(a.sl_flow == NULL);
	seg(ss, &b, g, true, 0, MM_TCP_ACK, "HELLO WORLD", &ms);
	MM_ASSERT(b.sl_flow != NULL);
	seg(ss, &c, g, true, 0, MM_TCP_ACK, "HELLO WORLD", &ms);
	MM_ASSERT(c.sl_flow == NULL);
	MM_ASSERT_EQ(count(&ms, 1), 1);
	dp_streams_stats(ss, &st);
	MM_ASSERT_EQ(st.ss_no_state, 1);
	MM_ASSERT_EQ(st.ss_flows, 1);
	dp_stream_end(ss, &b, 0, on_match, &ms);
	dp_stream_end(ss, &c, 0, on_match, &ms);
	dp_streams_free(ss);
	hsvc_gen_free(g);
	hsvc_gen_free(gb);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(split_in_order),
	MM_TEST_ENTRY(out_of_order_and_retransmitted),
	MM_TEST_ENTRY(syn_is_the_start),
	MM_TEST_ENTRY(direction_and_wrap),
	MM_TEST_ENTRY(depth),
	MM_TEST_ENTRY(gaps),
	MM_TEST_ENTRY(fin_and_end_of_data),
	MM_TEST_ENTRY(new_generation),
	MM_TEST_ENTRY(no_patterns_and_empty_pool),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-shconf", "-m", "64", "--no-pci", "-l", "0",
		"--log-level=error", NULL };
	int rv;

	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "test_stream: EAL initialisation failed\n");
		return (1);
	}
	rv = mm_test_main(tests, argc, argv);
	rte_eal_cleanup();
	return (rv);
}
