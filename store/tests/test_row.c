/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading events: timestamps, the JSON scan (checked against jansson on
 * edge cases and on mutated events) and the rows made from EVE objects.
 */
#include <stdbool.h>

#include "mm_test.h"
#include "store_json.h"
#include "store_time.h"
#include "test_events.h"

MM_TEST(time_parse)
{
	int64_t ns;

	MM_ASSERT_EQ(store_time_parse("2023-11-14T22:13:20Z", 20, &ns), 0);
	MM_ASSERT_EQ(ns, T0);
	MM_ASSERT_EQ(store_time_parse("2023-11-14T22:13:20.000001+0000", 31, &ns), 0);
	MM_ASSERT_EQ(ns, T0 + 1000);
	MM_ASSERT_EQ(store_time_parse("2023-11-15T07:13:20.5+09:00", 27, &ns), 0);
	MM_ASSERT_EQ(ns, T0 + NS / 2);
	MM_ASSERT_EQ(store_time_parse("1970-01-01 00:00:00z", 20, &ns), 0);
	MM_ASSERT_EQ(ns, 0);
	MM_ASSERT_EQ(store_time_parse("2024-02-29T00:00:00Z", 20, &ns), 0);
	MM_ASSERT_EQ(store_time_parse("2023-02-29T00:00:00Z", 20, &ns), -EINVAL);
	MM_ASSERT_EQ(store_time_parse("2023-11-14T22:13:20", 19, &ns), -EINVAL);
	MM_ASSERT_EQ(store_time_parse("2023-11-14T22:13:20.Z", 21, &ns), -EINVAL);
	MM_ASSERT_EQ(store_time_parse("2023-11-14T24:00:00Z", 20, &ns), -EINVAL);
	MM_ASSERT_EQ(store_time_parse("1969-12-31T23:59:59Z", 20, &ns), -EINVAL);
	MM_ASSERT_EQ(store_time_parse("2263-01-01T00:00:00Z", 20, &ns), -EINVAL);
	MM_ASSERT_EQ(store_time_parse("2023-11-14T22:13:20Zjunk", 24, &ns), -EINVAL);
}

MM_TEST(row_refused)
{
	static const char *const bad[] = {
		"not json",
		"[1, 2]",
		"{\"timestamp\": \"2023-11-14T22:13:20Z\"}",
		"{\"event_type\": \"flow\"}",
		"{\"event_type\": \"has space\", \"timestamp\": \"2023-11-14T22:13:20Z\"}",
		"{\"event_type\": \"flow\", \"timestamp\": \"yesterday\"}",
		"{\"event_type\": \"flow\", \"timestamp\": \"2023-11-14T22:13:20Z\", \"src_ip\": "
		"\"10.0.0.300\"}",
		"{\"event_type\": \"flow\", \"timestamp\": \"2023-11-14T22:13:20Z\", \"src_port\": "
		"70000}",
		"{\"event_type\": \"flow\", \"timestamp\": \"2023-11-14T22:13:20Z\", \"plugin\": "
		"5}",
		"{\"event_type\": \"flow\", \"timestamp\": \"2023-11-14T22:13:20Z\", \"flow\": "
		"{\"pkts_toserver\": -1}}",
		"{\"event_type\": \"flow\", \"timestamp\": \"2023-11-14T22:13:20Z\", \"x\": "
		"\"\\u0000\"}",
	};
	struct store_arena ar = { NULL, 0, 0 };
	struct store_row row;
	char why[160];

	MM_ASSERT_EQ(store_arena_reset(&ar, 4096), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (store_row_parse(&row, bad[i], (uint32_t)strlen(bad[i]), &ar, why,
			    sizeof(why)) != -EBADMSG) {
			store_arena_fini(&ar);
			MM_FAIL_("accepted: %s", bad[i]);
		}
		if (why[0] == '\0') {
			store_arena_fini(&ar);
			MM_FAIL_("no reason for: %s", bad[i]);
		}
	}
	store_arena_fini(&ar);
}

static int
ignore_member(void *arg, const struct store_json_tok *parent, const struct store_json_tok *key,
	const struct store_json_tok *val)
{
	return (0);
}

/* True when jansson reads text as an object (what the store can read back). */
static bool
jansson_ok(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	bool ok = j != NULL && json_is_object(j);

	json_decref(j);
	return (ok);
}

static bool
scan_ok(const char *text, size_t len)
{
	char why[160];

	return (store_json_scan(text, len, ignore_member, NULL, why, sizeof(why)) == 0);
}

MM_TEST(json_edges)
{
	static const char *const cases[] = {
		"{}",
		" {\"a\" : [1, -0, 0.5e-3, 1E+2, true, false, null, {}, []]}\n",
		"{\"a\": \"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}",
		"{\"a\": \"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"{\"a\": 9223372036854775807, \"b\": -9223372036854775808}",
		"{\"a\": 9223372036854775808}",
		"{\"a\": -9223372036854775809}",
		"{\"a\": 1e400}",
		"{\"a\": 1e-400}",
		"{\"a\": 01}",
		"{\"a\": -}",
		"{\"a\": 1.}",
		"{\"a\": .5}",
		"{\"a\": 1e}",
		"{\"a\": +1}",
		"{\"a\": \"\\u0000\"}",
		"{\"a\": \"\\ud83d\"}",
		"{\"a\": \"\\ude00\"}",
		"{\"a\": \"\\ud83d\\u0041\"}",
		"{\"a\": \"\\u12\"}",
		"{\"a\": \"\\x\"}",
		"{\"a\": \"\xc0\xaf\"}",
		"{\"a\": \"\xed\xa0\x80\"}",
		"{\"a\": \"\xf4\x90\x80\x80\"}",
		"{\"a\": \"\xe2\x82\"}",
		"{\"a\": \"\x80\"}",
		"{\"a\": \"tab\there\"}",
		"{\"a\": tru}",
		"{\"a\": nul}",
		"{\"a\" 1}",
		"{\"a\": 1,}",
		"{,}",
		"{\"a\": [1,]}",
		"{\"a\": [1 2]}",
		"{\"a\": 1} x",
		"{\"a\": 1}}",
		"[1]",
		"\"a\"",
		"",
		"{\"a\": \"unterminated}",
		"{\"a\": 1, \"a\": 2}",
		"{\"\": 1}",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i]);

		if (scan_ok(cases[i], n) != jansson_ok(cases[i], n))
			MM_FAIL_("case %zu: scan %d, jansson %d: %s", i, scan_ok(cases[i], n),
				jansson_ok(cases[i], n), cases[i]);
	}
	/* Too deep for the store, though valid JSON. */
	{
		char deep[200];

		memset(deep, '[', sizeof(deep));
		memcpy(deep, "{\"a\":", 5);
		MM_ASSERT(!scan_ok(deep, sizeof(deep)));
	}
}

/* Mutated events: what the scan accepts, jansson must read back. */
MM_TEST(json_mutations)
{
	static const char alphabet[] =
		"{}[]\",:\\u0 \x00\x7f\x80\xc3\xa9\xe2\xed\xf0\xff-+.eE9aftn/";
	struct batch *b = batch_new();
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	char buf[EVSIZE + 8];
	int disagree = 0, accepted = 0;

	MM_ASSERT(b != NULL);
	batch_add(b, T0, "flow", "10.1.2.3", "2001:db8::1", "c2detect", 10);
	for (int k = 0; k < 20000; k++) {
		size_t n = strlen(b->b_json[0]), at;
		unsigned op;

		memcpy(buf, b->b_json[0], n);
		for (int m = 0; m < 1 + k % 3; m++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			at = (size_t)(rng >> 8) % n;
			op = (unsigned)(rng >> 40) % 3;
			char c = alphabet[(rng >> 48) % (sizeof(alphabet) - 1)];

			if (op == 0) {
				buf[at] = c;
			} else if (op == 1 && n < EVSIZE) {
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = c;
				n++;
			} else if (n > 1) {
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
			}
		}
		/*
		 * jansson skips a NUL byte outside strings (its stream treats one as
		 * the end of a buffer); the scan refuses it.  Otherwise they agree.
		 */
		if (scan_ok(buf, n) != jansson_ok(buf, n) &&
			(scan_ok(buf, n) || memchr(buf, '\0', n) == NULL)) {
			if (disagree++ < 5)
				fprintf(stderr, "  scan %d, jansson %d: %.*s\n", scan_ok(buf, n),
					jansson_ok(buf, n), (int)n, buf);
		}
		accepted += scan_ok(buf, n);
	}
	batch_free(b);
	MM_ASSERT_EQ(disagree, 0);
	/* Both kinds were seen. */
	MM_ASSERT(accepted > 1000 && accepted < 19000);
}

/* Parses ev into r with strings in ar (freed on failure); 0, or the refusal, printed. */
static int
parse_whole(const char *ev, size_t len, struct store_row *r, struct store_arena *ar)
{
	char why[160] = "";
	int rv;

	if (store_arena_reset(ar, len + 1) != 0)
		return (-ENOMEM);
	if ((rv = store_row_parse(r, ev, (uint32_t)len, ar, why, sizeof(why))) != 0) {
		fprintf(stderr, "  refused: %s\n", why);
		store_arena_fini(ar);
	}
	return (rv);
}

MM_TEST(row_fields)
{
	/* Escapes, a repeated "flow" (the last counts), "event_type" after "flow", nulls. */
	static const char ev[] =
		"{\"flow\": {\"pkts_toserver\": 1, \"state\": \"new\"}, \"timestamp\": "
		"\"2023-11-14T22:13:20.25Z\", \"flow\": {\"pkts_toserver\": 2, \"reason\": "
		"\"time\\u006fut\", \"start\": \"2023-11-14T22:13:19Z\"}, \"event_typ\\u0065\": "
		"\"fl\\u006fw\", \"src_ip\": \"2001:DB8::1\", \"dest_ip\": null, \"src_port\": 0, "
		"\"proto\": \"UDP\", \"exercise\": \"\\u6f14\\u7fd2\", \"tcp\": {\"state\": 5}}";
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		1 };
	struct store_arena ar = { NULL, 0, 0 };
	struct store_row r;

	MM_ASSERT_EQ(parse_whole(ev, sizeof(ev) - 1, &r, &ar), 0);
	MM_ASSERT_STREQ(r.r_event_type, "flow");
	MM_ASSERT_EQ(r.r_ts, T0 + NS / 4);
	MM_ASSERT(r.r_has & STORE_ROW_SRC);
	MM_ASSERT(memcmp(r.r_src_addr, v6, 16) == 0);
	MM_ASSERT_STREQ(r.r_src_ip, "2001:DB8::1");
	MM_ASSERT(!(r.r_has & STORE_ROW_DEST) && r.r_dest_ip == NULL);
	MM_ASSERT((r.r_has & STORE_ROW_SPORT) && r.r_src_port == 0);
	MM_ASSERT(!(r.r_has & STORE_ROW_DPORT));
	MM_ASSERT_STREQ(r.r_proto, "UDP");
	MM_ASSERT(r.r_plugin == NULL);
	MM_ASSERT_STREQ(r.r_exercise, "\xe6\xbc\x94\xe7\xbf\x92");
	MM_ASSERT(r.r_has & STORE_ROW_FLOW);
	MM_ASSERT_EQ(r.r_flow.fl_pkts_toserver, 2);
	MM_ASSERT_EQ(r.r_flow.fl_pkts_toclient, -1);
	MM_ASSERT_STREQ(r.r_flow.fl_reason, "timeout");
	MM_ASSERT(r.r_flow.fl_state == NULL);
	MM_ASSERT_EQ(r.r_flow.fl_start, T0 - NS);
	MM_ASSERT(r.r_raw == ev && r.r_raw_len == sizeof(ev) - 1);
	/* Every string came out of an arena no larger than the event. */
	MM_ASSERT(ar.ar_len <= sizeof(ev));
	store_arena_fini(&ar);
}

/*
 * Every member the store reads, each with its own value: none is taken for
 * another.  Two keys are escaped, one of them every byte (84 bytes for 14).
 */
MM_TEST(row_every_name)
{
	static const char ev[] =
		"{\"timestamp\":\"2023-11-14T22:13:20Z\",\"flow_id\":77,\"event_type\":\"flow\","
		"\"src_ip\":\"10.0.0.1\",\"src_port\":1111,\"dest_ip\":\"10.0.0.2\","
		"\"dest_port\":2222,\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":3,"
		"\"pkts_toclient\":4,\"bytes_toserver\":5,"
		"\"\\u0062\\u0079\\u0074\\u0065\\u0073\\u005f\\u0074\\u006f\\u0063\\u006c\\u0069\\u"
		"0065\\u006e\\u0074\":6,"
		"\"start\":\"2023-11-14T22:13:18Z\",\"end\":\"2023-11-14T22:13:19Z\",\"\\u0061ge\":"
		"7,"
		"\"state\":\"closed\",\"reason\":\"fin\",\"alerted\":false},"
		"\"tcp\":{\"age\":9,\"state\":\"x\"},\"plugin\":\"flowlog\",\"exercise\":\"ex1\","
		"\"flowx\":1,\"src_ipx\":\"y\",\"protO\":\"z\"}";
	struct store_arena ar = { NULL, 0, 0 };
	struct store_row r;

	MM_ASSERT_EQ(parse_whole(ev, sizeof(ev) - 1, &r, &ar), 0);
	MM_ASSERT_EQ(r.r_ts, T0);
	MM_ASSERT((r.r_has & STORE_ROW_FLOW_ID) && r.r_flow_id == 77);
	MM_ASSERT_STREQ(r.r_event_type, "flow");
	MM_ASSERT_STREQ(r.r_src_ip, "10.0.0.1");
	MM_ASSERT_STREQ(r.r_dest_ip, "10.0.0.2");
	MM_ASSERT_EQ(r.r_src_port, 1111);
	MM_ASSERT_EQ(r.r_dest_port, 2222);
	MM_ASSERT_STREQ(r.r_proto, "TCP");
	MM_ASSERT_STREQ(r.r_plugin, "flowlog");
	MM_ASSERT_STREQ(r.r_exercise, "ex1");
	MM_ASSERT(r.r_has & STORE_ROW_FLOW);
	MM_ASSERT_EQ(r.r_flow.fl_pkts_toserver, 3);
	MM_ASSERT_EQ(r.r_flow.fl_pkts_toclient, 4);
	MM_ASSERT_EQ(r.r_flow.fl_bytes_toserver, 5);
	MM_ASSERT_EQ(r.r_flow.fl_bytes_toclient, 6);
	MM_ASSERT_EQ(r.r_flow.fl_start, T0 - 2 * NS);
	MM_ASSERT_EQ(r.r_flow.fl_end, T0 - NS);
	MM_ASSERT_EQ(r.r_flow.fl_age, 7);
	MM_ASSERT_STREQ(r.r_flow.fl_state, "closed");
	MM_ASSERT_STREQ(r.r_flow.fl_reason, "fin");
	store_arena_fini(&ar);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(time_parse),
	MM_TEST_ENTRY(row_refused),
	MM_TEST_ENTRY(row_fields),
	MM_TEST_ENTRY(row_every_name),
	MM_TEST_ENTRY(json_edges),
	MM_TEST_ENTRY(json_mutations),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
