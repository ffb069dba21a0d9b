/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feeds (list, CSV, STIX 2.1), lead time, address sets and fan-in scoring.
 */
#include <math.h>

#include "allow.h"
#include "fanin.h"
#include "feeds.h"
#include "mm_test.h"

static const char list[] = "# C&C\n198.51.100.7\n\n203.0.113.0/32\nnot-an-address\n2001:db8::66\n";
static const char csv[] =
	"# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware\n"
	"\"2024-05-01 10:00:00\",\"198.51.100.7\",\"443\",\"online\",\"2024-05-02\",\"QakBot\"\n"
	"\"2024-05-03 11:30:00\",\"203.0.113.9\",\"23\",\"offline\",\"2024-05-04\",\"Mirai\"\n";
static const char stix[] =
	"{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":["
	"{\"type\":\"identity\",\"name\":\"x\"},"
	"{\"type\":\"indicator\",\"pattern\":\"[ipv4-addr:value = '198.51.100.7'] OR "
	"[ipv4-addr:value = '192.0.2.1']\",\"valid_from\":\"2024-04-30T00:00:00.000Z\"},"
	"{\"type\":\"indicator\",\"pattern\":\"[ipv6-addr:value = '2001:db8::66']\","
	"\"created\":\"2024-05-02T10:00:00Z\"},"
	"{\"type\":\"indicator\",\"pattern\":\"[ipv4-addr:value = '192.0.2.2']\","
	"\"valid_from\":\"yesterday\"}]}";

static void
addr(const char *s, uint8_t out[16])
{
	c2_addr_parse(s, out);
}

MM_TEST(feed_list)
{
	struct c2_feeds f;
	char err[256] = "";
	uint8_t a[16];

	c2_feeds_init(&f);
	MM_ASSERT_EQ(c2_feeds_parse(&f, "list", list, sizeof(list) - 1, 1000, err, sizeof(err)), 3);
	MM_ASSERT_EQ(f.fd_bad, 1);
	MM_ASSERT(strstr(err, "line 5") != NULL);
	c2_feeds_finish(&f);
	addr("2001:db8::66", a);
	MM_ASSERT(c2_feeds_first(&f, a) != NULL);
	MM_ASSERT_EQ(c2_feeds_first(&f, a)->fe_published, 1000);
	c2_feeds_fini(&f);
}

MM_TEST(feed_csv_and_stix_earliest)
{
	struct c2_feeds f;
	char err[256] = "";
	uint8_t a[16];

	c2_feeds_init(&f);
	MM_ASSERT_EQ(c2_feeds_parse(&f, "feodo", csv, sizeof(csv) - 1, 0, err, sizeof(err)), 2);
	MM_ASSERT_EQ(f.fd_bad, 0);
	MM_ASSERT_EQ(c2_feeds_parse(&f, "stix", stix, sizeof(stix) - 1, 0, err, sizeof(err)), 3);
	MM_ASSERT_EQ(f.fd_bad, 1); /* the indicator with a bad valid_from */
	c2_feeds_finish(&f);
	/* 198.51.100.7: CSV 2024-05-01 10:00, STIX 2024-04-30 00:00 -> the STIX bundle first. */
	addr("198.51.100.7", a);
	MM_ASSERT(c2_feeds_first(&f, a) != NULL);
	MM_ASSERT_EQ(c2_feeds_first(&f, a)->fe_published, 1714435200);
	MM_ASSERT_STREQ(f.fd_names[c2_feeds_first(&f, a)->fe_feed], "stix");
	addr("203.0.113.9", a);
	MM_ASSERT_EQ(c2_feeds_first(&f, a)->fe_published, 1714735800);
	addr("2001:db8::66", a);
	MM_ASSERT_EQ(c2_feeds_first(&f, a)->fe_published, 1714644000);
	addr("192.0.2.2", a);
	MM_ASSERT(c2_feeds_first(&f, a) == NULL);
	c2_feeds_fini(&f);
}

MM_TEST(feed_refused)
{
	struct c2_feeds f;
	char err[256] = "";
	static const char notbundle[] = "{\"type\":\"indicator\"}", broken[] = "{\"type\":";
	static const char binary[] = "1.2.3.4\n\0\x01";

	c2_feeds_init(&f);
	MM_ASSERT(
		c2_feeds_parse(&f, "a", notbundle, sizeof(notbundle) - 1, 0, err, sizeof(err)) < 0);
	MM_ASSERT(strstr(err, "STIX 2.1 bundle") != NULL);
	MM_ASSERT(c2_feeds_parse(&f, "b", broken, sizeof(broken) - 1, 0, err, sizeof(err)) < 0);
	MM_ASSERT(strstr(err, "not JSON") != NULL);
	MM_ASSERT(c2_feeds_parse(&f, "c", binary, sizeof(binary) - 1, 0, err, sizeof(err)) < 0);
	MM_ASSERT_EQ(f.fd_n, 0);
	c2_feeds_fini(&f);
}

/* Lead time: a detection before the listing counts for the policy's measure. */
MM_TEST(lead_time)
{
	struct c2_feeds f;
	struct c2_detections d = { 0 };
	struct c2_detection *x;
	char err[256];
	uint8_t a[16], b[16], c[16];

	c2_feeds_init(&f);
	c2_feeds_parse(&f, "feodo", csv, sizeof(csv) - 1, 0, err, sizeof(err));
	c2_feeds_finish(&f);
	addr("198.51.100.7", a); /* listed 1714557600 */
	addr("203.0.113.9", b);  /* listed 1714735800 */
	addr("192.0.2.77", c);   /* never listed */
	x = c2_detections_add(&d, &f, a, 1714557600 + 3600);
	MM_ASSERT_EQ(x->d_listed - x->d_time, -3600); /* an hour late */
	x = c2_detections_add(&d, &f, b, 1714735800 - 86400);
	MM_ASSERT_EQ(x->d_listed - x->d_time, 86400); /* a day early */
	c2_detections_add(&d, &f, c, 1714000000);
	MM_ASSERT(c2_detections_add(&d, &f, c, 1715000000) == &d.dt_v[2]); /* once per address */
	MM_ASSERT_EQ(d.dt_v[2].d_time, 1714000000);
	MM_ASSERT_EQ(d.dt_n, 3);
	MM_ASSERT_EQ(c2_detections_before_feeds(&d), 2);
	c2_detections_fini(&d);
	c2_feeds_fini(&f);
}

MM_TEST(sets)
{
	struct c2_set s;
	uint8_t a[16];
	char buf[64];

	c2_set_init(&s);
	MM_ASSERT_EQ(c2_set_add(&s, "192.0.2.0/24"), 0);
	MM_ASSERT_EQ(c2_set_add(&s, "2001:db8:1::/48"), 0);
	MM_ASSERT(c2_set_add(&s, "192.0.2.0/33") < 0);
	MM_ASSERT(c2_set_add(&s, "nonsense") < 0);
	addr("192.0.2.200", a);
	MM_ASSERT(c2_set_contains(&s, a));
	MM_ASSERT_STREQ(c2_addr_format(a, buf, sizeof(buf)), "192.0.2.200");
	addr("192.0.3.1", a);
	MM_ASSERT(!c2_set_contains(&s, a));
	addr("2001:db8:1:ffff::1", a);
	MM_ASSERT(c2_set_contains(&s, a));
	c2_set_fini(&s);
}

/*
 * Four subscribers (10.0.0.1-4) each hold one 1200 s session of 1200 bytes (1 B/s) to
 * 203.0.113.5:23; one more talks to a web server.  With clients_high 16:
 * clients ln 4 / ln 16 = 0.5, regularity 1, bytes 1, rarity 1 - 0/2 = 1,
 * age 1: 0.3 * 0.5 + 0.2 + 0.15 + 0.2 + 0.15 = 0.85.
 */
MM_TEST(fanin_score)
{
	struct fi_params fp = { 600, 2048, 1, 3, 16, 0.7 };
	struct fi_server *v = NULL;
	struct c2_set inf;
	struct pt_table t;
	struct pt_conn c;
	struct pt_key k;
	long n;

	MM_ASSERT_EQ(pt_init(&t, 64, 86400), 0);
	for (uint8_t i = 1; i <= 5; i++) {
		memset(&k, 0, sizeof(k));
		k.k_src[10] = k.k_src[11] = k.k_dst[10] = k.k_dst[11] = 0xff;
		k.k_src[12] = 10;
		k.k_src[15] = i;
		k.k_dst[12] = 203;
		k.k_dst[14] = 113;
		k.k_dst[15] = i == 5 ? 80 : 5;
		k.k_proto = 6;
		k.k_port = i == 5 ? 443 : 23;
		memset(&c, 0, sizeof(c));
		c.c_first = 1000;
		c.c_last = 2200;
		c.c_bytes = i == 5 ? 900000 : 1200;
		c.c_dport = k.k_port;
		c.c_sport = 40000;
		MM_ASSERT(pt_add(&t, &k, &c) != NULL);
	}
	n = fi_compute(&t, &fp, NULL, &v);
	MM_ASSERT_EQ(n, 1); /* the web server's one client is not low volume */
	MM_ASSERT_EQ(v[0].s_qualified, 4);
	MM_ASSERT_EQ(v[0].s_port, 23);
	MM_ASSERT(fabs(v[0].c_clients - 0.5) < 1e-9);
	MM_ASSERT(fabs(v[0].c_rarity - 1.0) < 1e-9);
	MM_ASSERT(fabs(v[0].score - 0.85) < 1e-9);
	MM_ASSERT_STREQ(fi_level(v[0].score), "high");
	free(v);
	/* Three of the four clients known infected. */
	c2_set_init(&inf);
	MM_ASSERT_EQ(c2_set_add(&inf, "10.0.0.1"), 0);
	MM_ASSERT_EQ(c2_set_add(&inf, "10.0.0.2/31"), 0); /* 10.0.0.2 and .3 */
	MM_ASSERT_EQ(c2_set_add(&inf, "10.0.0.5"), 0);    /* the web client: not counted */
	n = fi_compute(&t, &fp, &inf, &v);
	MM_ASSERT_EQ(n, 1);
	MM_ASSERT_EQ(v[0].s_infected, 3);
	MM_ASSERT(fabs(v[0].c_infected - 0.75) < 1e-9);
	/* 0.85 + 0.25 * 0.75 * 0.15 = 0.878125 -> 0.878 */
	MM_ASSERT(fabs(v[0].score - 0.878) < 1e-9);
	free(v);
	c2_set_fini(&inf);
	pt_fini(&t);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(feed_list),
	MM_TEST_ENTRY(feed_csv_and_stix_earliest),
	MM_TEST_ENTRY(feed_refused),
	MM_TEST_ENTRY(lead_time),
	MM_TEST_ENTRY(sets),
	MM_TEST_ENTRY(fanin_score),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
