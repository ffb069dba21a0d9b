/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's data layer without a terminal: times and numbers, events,
 * the tail and its filters, sparkline buckets, and the req link against a
 * real nng rep socket (answers, a peer that stops answering, a peer that
 * goes away and comes back).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "mm_test.h"
#include "ui_model.h"

MM_TEST(time_parse)
{
	MM_ASSERT_EQ(ui_time_parse("1970-01-01T00:00:01Z"), 1000000000LL);
	MM_ASSERT_EQ(ui_time_parse("2024-02-08T15:27:44.919692+0000"), 1707406064919692000LL);
	MM_ASSERT_EQ(ui_time_parse("2024-02-09T00:27:44.919692+09:00"), 1707406064919692000LL);
	MM_ASSERT_EQ(ui_time_parse("2024-02-08 15:27:44z"), 1707406064000000000LL);
	MM_ASSERT_EQ(ui_time_parse("2024-02-08T15:27:44"), -1);
	MM_ASSERT_EQ(ui_time_parse("2024-13-08T15:27:44Z"), -1);
	MM_ASSERT_EQ(ui_time_parse("yesterday"), -1);
	MM_ASSERT_EQ(ui_time_parse("2024-02-08T15:27:44Z trailing"), -1);
}

MM_TEST(numbers)
{
	char b[32];

	MM_ASSERT_STREQ(ui_fmt_si(0, b, sizeof(b)), "0");
	MM_ASSERT_STREQ(ui_fmt_si(999, b, sizeof(b)), "999");
	MM_ASSERT_STREQ(ui_fmt_si(1000, b, sizeof(b)), "1.00k");
	MM_ASSERT_STREQ(ui_fmt_si(12345, b, sizeof(b)), "12.3k");
	MM_ASSERT_STREQ(ui_fmt_si(7012345, b, sizeof(b)), "7.01M");
	MM_ASSERT_STREQ(ui_fmt_si(999999, b, sizeof(b)), "1.00M");
	MM_ASSERT_STREQ(ui_fmt_si(3.59e9, b, sizeof(b)), "3.59G");
	MM_ASSERT_STREQ(ui_fmt_count(0, b, sizeof(b)), "0");
	MM_ASSERT_STREQ(ui_fmt_count(1234567, b, sizeof(b)), "1,234,567");
	MM_ASSERT_STREQ(ui_fmt_count(123, b, sizeof(b)), "123");
	MM_ASSERT_STREQ(ui_fmt_duration(59.9, b, sizeof(b)), "59 s");
	MM_ASSERT_STREQ(ui_fmt_duration(723, b, sizeof(b)), "12 m 03 s");
	MM_ASSERT_STREQ(ui_fmt_duration(3 * 86400 + 7200, b, sizeof(b)), "3 d 02 h");
}

static const char flow_ev[] =
	"{\"timestamp\":\"2024-02-08T15:27:44.919692+0000\",\"flow_id\":7,\"event_type\":"
	"\"flow\",\"src_ip\":\"147.32.80.37\",\"src_port\":51274,\"dest_ip\":\"141.193.213.21\","
	"\"dest_port\":443,\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":14,\"pkts_toclient\":13,"
	"\"bytes_toserver\":1773,\"bytes_toclient\":4771,\"reason\":\"fin\"},\"plugin\":"
	"\"flowlog\"}";

static const char c2_ev[] = "{\"event_type\":\"c2_candidate\",\"src_ip\":\"2001:db8::1\","
			    "\"src_port\":5,\"c2_candidate\":{\"score\":0.5,\"why\":\"beacon\","
			    "\"peers\":[1]}}";

MM_TEST(events)
{
	json_t *o = json_loads(flow_ev, 0, NULL);
	struct ui_ev *a = ui_ev_new(NULL, flow_ev, strlen(flow_ev)), *b = ui_ev_new(o, NULL, 0);
	char buf[128];

	json_decref(o);
	MM_ASSERT(a != NULL && b != NULL);
	/* The live view's text and a query's object are the same event. */
	MM_ASSERT_EQ(a->e_hash, b->e_hash);
	MM_ASSERT_STREQ(a->e_type, "flow");
	MM_ASSERT_EQ(a->e_ts_ns, 1707406064919692000LL);
	MM_ASSERT_STREQ(ui_ev_endpoint(a, false, buf, sizeof(buf)), "147.32.80.37:51274");
	MM_ASSERT_STREQ(ui_ev_endpoint(a, true, buf, sizeof(buf)), "141.193.213.21:443");
	MM_ASSERT_STREQ(ui_ev_summary(a, buf, sizeof(buf)), "TCP 27p 6.54kB fin");
	MM_ASSERT_STREQ(ui_ev_text(a, "flow.pkts_toserver", buf, sizeof(buf)), "14");
	MM_ASSERT_STREQ(ui_ev_text(a, "flow.missing", buf, sizeof(buf)), "");
	ui_ev_free(a);
	ui_ev_free(b);

	a = ui_ev_new(NULL, c2_ev, strlen(c2_ev));
	MM_ASSERT(a != NULL);
	MM_ASSERT_STREQ(ui_ev_endpoint(a, false, buf, sizeof(buf)), "[2001:db8::1]:5");
	MM_ASSERT_STREQ(ui_ev_endpoint(a, true, buf, sizeof(buf)), "-");
	MM_ASSERT_STREQ(ui_ev_summary(a, buf, sizeof(buf)), "score=0.5 why=beacon peers=[..]");
	MM_ASSERT_EQ(a->e_ts_ns, 0);
	ui_ev_free(a);
	MM_ASSERT(ui_ev_new(NULL, "[1]", 3) == NULL);
	MM_ASSERT(ui_ev_new(NULL, "{\"a\":", 5) == NULL);
}

static struct ui_ev *
ev(int i, const char *type, const char *src)
{
	char text[256];

	snprintf(text, sizeof(text),
		"{\"timestamp\":\"2025-01-01T00:00:%02dZ\",\"event_type\":\"%s\",\"src_ip\":\"%s\","
		"\"dest_ip\":\"192.0.2.1\",\"n\":%d,\"note\":\"Hello World\"}",
		i % 60, type, src, i);
	return (ui_ev_new(NULL, text, strlen(text)));
}

MM_TEST(tail)
{
	struct ui_tail t;
	json_t *arr = json_array();

	MM_ASSERT_EQ(ui_tail_init(&t, 4), 0);
	for (int i = 0; i < 6; i++)
		ui_tail_push_new(&t, ev(i, "flow", "10.0.0.1"));
	MM_ASSERT_EQ(t.t_n, 4);
	MM_ASSERT_EQ(t.t_evicted, 2);
	MM_ASSERT_EQ(json_integer_value(json_object_get(ui_tail_at(&t, 0)->e_obj, "n")), 2);
	MM_ASSERT_EQ(json_integer_value(json_object_get(ui_tail_at(&t, 3)->e_obj, "n")), 5);
	/* Full: an older event has no room. */
	MM_ASSERT(!ui_tail_push_old(&t, ev(1, "flow", "10.0.0.1")));
	ui_tail_fini(&t);

	/* A fill under the live events: newest first in, skipping the one already there. */
	MM_ASSERT_EQ(ui_tail_init(&t, 10), 0);
	ui_tail_push_new(&t, ev(9, "flow", "10.0.0.1"));
	for (int i = 9; i >= 6; i--) {
		struct ui_ev *e = ev(i, "flow", "10.0.0.1");

		json_array_append(arr, e->e_obj);
		ui_ev_free(e);
	}
	MM_ASSERT_EQ(ui_tail_merge(&t, arr, true), 3);
	MM_ASSERT_EQ(t.t_n, 4);
	for (size_t i = 0; i < 4; i++)
		MM_ASSERT_EQ(json_integer_value(json_object_get(ui_tail_at(&t, i)->e_obj, "n")),
			6 + (int)i);
	/* A refill on top: only what is new, oldest first. */
	json_array_clear(arr);
	for (int i = 11; i >= 8; i--) {
		struct ui_ev *e = ev(i, "flow", "10.0.0.1");

		json_array_append(arr, e->e_obj);
		ui_ev_free(e);
	}
	MM_ASSERT_EQ(ui_tail_merge(&t, arr, false), 2);
	MM_ASSERT_EQ(json_integer_value(json_object_get(ui_tail_at(&t, 4)->e_obj, "n")), 10);
	MM_ASSERT_EQ(json_integer_value(json_object_get(ui_tail_at(&t, 5)->e_obj, "n")), 11);
	json_decref(arr);
	ui_tail_fini(&t);
}

MM_TEST(filter)
{
	struct ui_filter f;
	struct ui_ev *a = ev(1, "flow", "10.1.2.3"), *b = ev(2, "exercise_score", "2001:db8::7");
	char err[160];
	json_t *q;

	memset(&f, 0, sizeof(f));
	MM_ASSERT(ui_filter_match(&f, a));
	MM_ASSERT_EQ(ui_filter_parse(&f, "type:flow", err, sizeof(err)), 0);
	MM_ASSERT(ui_filter_match(&f, a) && !ui_filter_match(&f, b));
	MM_ASSERT_EQ(ui_filter_parse(&f, "type:exercise_* type:flow", err, sizeof(err)), 0);
	MM_ASSERT(ui_filter_match(&f, a) && ui_filter_match(&f, b));
	MM_ASSERT_EQ(ui_filter_parse(&f, "ip:10.0.0.0/8", err, sizeof(err)), 0);
	MM_ASSERT(ui_filter_match(&f, a) && !ui_filter_match(&f, b));
	MM_ASSERT_EQ(ui_filter_parse(&f, "addr:2001:db8::/32", err, sizeof(err)), 0);
	MM_ASSERT(!ui_filter_match(&f, a) && ui_filter_match(&f, b));
	/* 192.0.2.1 is every event's destination. */
	MM_ASSERT_EQ(ui_filter_parse(&f, "ip:192.0.2.1 hello", err, sizeof(err)), 0);
	MM_ASSERT(ui_filter_match(&f, a) && ui_filter_match(&f, b));
	MM_ASSERT_EQ(ui_filter_parse(&f, "WORLD \"n\":2", err, sizeof(err)), 0);
	MM_ASSERT(!ui_filter_match(&f, a) && ui_filter_match(&f, b));
	q = ui_filter_query(&f);
	MM_ASSERT_STREQ(json_string_value(json_object_get(q, "text")), "WORLD");
	json_decref(q);
	/* A bad term leaves the filter as it was. */
	MM_ASSERT_EQ(ui_filter_parse(&f, "ip:10.0.0.300", err, sizeof(err)), -EINVAL);
	MM_ASSERT(strstr(err, "ip:10.0.0.300") != NULL);
	MM_ASSERT_STREQ(f.f_text, "WORLD \"n\":2");
	MM_ASSERT_EQ(ui_filter_parse(&f, "type:flow ip:10.0.0.0/8", err, sizeof(err)), 0);
	q = ui_filter_query(&f);
	MM_ASSERT_STREQ(json_string_value(json_object_get(q, "type")), "flow");
	MM_ASSERT_STREQ(json_string_value(json_object_get(q, "ip")), "10.0.0.0/8");
	json_decref(q);
	MM_ASSERT_EQ(ui_filter_parse(&f, "", err, sizeof(err)), 0);
	MM_ASSERT(ui_filter_query(&f) == NULL);
	ui_filter_clear(&f);
	ui_ev_free(a);
	ui_ev_free(b);
}

MM_TEST(hist)
{
	struct ui_hist *h = calloc(1, sizeof(*h));
	double v[8];

	MM_ASSERT_EQ(ui_hist_buckets(h, 5, v, 8), 0);
	for (int i = 0; i < 12; i++)
		ui_hist_push(h, i);
	/* Buckets of 5 aligned on sample numbers: 0-4, 5-9, 10-11 (partial). */
	MM_ASSERT_EQ(ui_hist_buckets(h, 5, v, 8), 3);
	MM_ASSERT_EQ(v[0], 2);
	MM_ASSERT_EQ(v[1], 7);
	MM_ASSERT_EQ(v[2] * 2, 21);
	MM_ASSERT_EQ(ui_hist_buckets(h, 5, v, 2), 2);
	MM_ASSERT_EQ(v[0], 7);
	for (int i = 0; i < 2 * UI_HIST_MAX; i++)
		ui_hist_push(h, 1);
	MM_ASSERT_EQ(ui_hist_buckets(h, 1, v, 8), 8);
	MM_ASSERT_EQ(v[7], 1);
	free(h);
}

/* A rep socket that answers {"ok":true,"n":N} to everything, when told to. */
static int
serve(nng_socket rep, int n)
{
	char *buf = NULL, out[64];
	size_t len = 0;
	int rv;

	if ((rv = nng_recv(rep, &buf, &len, NNG_FLAG_ALLOC | NNG_FLAG_NONBLOCK)) != 0)
		return (rv);
	nng_free(buf, len);
	snprintf(out, sizeof(out), "{\"ok\":true,\"n\":%d}", n);
	return (nng_send(rep, out, strlen(out), 0));
}

static int answers, failures;
static char last_err[128];

static void
count_cb(void *arg, json_t *ans, const char *err)
{
	if (ans != NULL) {
		answers++;
	} else {
		failures++;
		snprintf(last_err, sizeof(last_err), "%s", err);
	}
}

/* Polls the link (and serves, when rep is open) until done() or a timeout. */
static bool
pump(struct ui_link *l, nng_socket *rep, int ms, bool (*done)(void))
{
	for (int t = 0; t < ms; t += 10) {
		if (rep != NULL)
			serve(*rep, t);
		ui_link_poll(l);
		if (done())
			return (true);
		usleep(10000);
	}
	return (false);
}

static bool
answered(void)
{
	return (answers > 0);
}

static bool
failed(void)
{
	return (failures > 0);
}

MM_TEST(req_link)
{
	char url[128], err[256];
	struct ui_link l;
	nng_socket rep;
	int wake[2];

	MM_ASSERT_EQ(pipe2(wake, O_NONBLOCK), 0);
	snprintf(url, sizeof(url), "ipc:///tmp/test_ui_data.%d.ipc", (int)getpid());
	/* The peer is not there yet: the link waits for it without failing. */
	MM_ASSERT_EQ(ui_link_open(&l, "test", url, wake[1], err, sizeof(err)), 0);
	MM_ASSERT(!ui_link_up(&l));
	MM_ASSERT_EQ(nng_rep0_open(&rep), 0);
	MM_ASSERT_EQ(nng_listen(rep, url, NULL, 0), 0);
	answers = failures = 0;
	MM_ASSERT_EQ(
		ui_link_ask(&l, 0, "a", json_pack("{s:s}", "op", "x"), 2000, count_cb, NULL), 0);
	/* The same key again is not queued twice. */
	MM_ASSERT_EQ(ui_link_ask(&l, 0, "a", json_pack("{s:s}", "op", "x"), 2000, count_cb, NULL),
		-EBUSY);
	MM_ASSERT(pump(&l, &rep, 3000, answered));
	MM_ASSERT(ui_link_up(&l));
	MM_ASSERT(ui_link_newly_connected(&l));
	MM_ASSERT(!ui_link_newly_connected(&l));

	/* A peer that stops answering: the request times out, the link is down. */
	answers = failures = 0;
	ui_link_ask(&l, 0, "b", json_pack("{s:s}", "op", "x"), 300, count_cb, NULL);
	MM_ASSERT(pump(&l, NULL, 3000, failed));
	MM_ASSERT(strstr(last_err, "no answer") != NULL);
	MM_ASSERT(!ui_link_up(&l));

	/* A peer that goes away and comes back: the link reconnects by itself. */
	nng_close(rep);
	for (int t = 0; t < 300 && atomic_load(&l.l_pipes) > 0; t++)
		usleep(10000);
	MM_ASSERT_EQ(atomic_load(&l.l_pipes), 0);
	MM_ASSERT_EQ(nng_rep0_open(&rep), 0);
	MM_ASSERT_EQ(nng_listen(rep, url, NULL, 0), 0);
	answers = failures = 0;
	ui_link_ask(&l, 0, "c", json_pack("{s:s}", "op", "x"), 3000, count_cb, NULL);
	MM_ASSERT(pump(&l, &rep, 5000, answered));
	MM_ASSERT(ui_link_up(&l));
	MM_ASSERT(ui_link_newly_connected(&l));
	ui_link_close(&l);
	nng_close(rep);
	close(wake[0]);
	close(wake[1]);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(time_parse),
	MM_TEST_ENTRY(numbers),
	MM_TEST_ENTRY(events),
	MM_TEST_ENTRY(tail),
	MM_TEST_ENTRY(filter),
	MM_TEST_ENTRY(hist),
	MM_TEST_ENTRY(req_link),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
