/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "mamori/netaddr.h"
#include "mm_test.h"

static const char *
fmt_prefix(const char *text)
{
	static char buf[64];
	struct mm_prefix p;

	if (mm_prefix_parse(text, &p) != 0)
		return ("(error)");
	return (mm_prefix_format(&p, buf, sizeof(buf)));
}

MM_TEST(addr_v4)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2,
		1 };
	struct mm_addr a, b;
	char buf[MM_ADDR_STRLEN];

	mm_addr_from_v4(&a, v4);
	MM_ASSERT(memcmp(a.a_bytes, mapped, 16) == 0);
	MM_ASSERT(mm_addr_is_v4(&a));
	MM_ASSERT_STREQ(mm_addr_format(&a, buf, sizeof(buf)), "192.0.2.1");
	MM_ASSERT_EQ(mm_addr_parse("192.0.2.1", &b), 0);
	MM_ASSERT(memcmp(a.a_bytes, b.a_bytes, 16) == 0);
	/* The mapped form in IPv6 text is the same address. */
	MM_ASSERT_EQ(mm_addr_parse("::ffff:192.0.2.1", &b), 0);
	MM_ASSERT(memcmp(a.a_bytes, b.a_bytes, 16) == 0);
	MM_ASSERT_STREQ(mm_addr_format(&a, buf, 4), "");
}

MM_TEST(addr_v6)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		1 };
	struct mm_addr a, b;
	char buf[MM_ADDR_STRLEN];

	mm_addr_from_v6(&a, v6);
	MM_ASSERT(!mm_addr_is_v4(&a));
	MM_ASSERT_STREQ(mm_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	MM_ASSERT_EQ(mm_addr_parse("2001:DB8:0::1", &b), 0);
	MM_ASSERT(memcmp(a.a_bytes, b.a_bytes, 16) == 0);
	MM_ASSERT_EQ(mm_addr_parse("::", &b), 0);
	MM_ASSERT(!mm_addr_is_v4(&b));
	MM_ASSERT_STREQ(mm_addr_format(&b, buf, sizeof(buf)), "::");
}

MM_TEST(addr_bad)
{
	static const char *const bad[] = { "", "1.2.3", "1.2.3.256", "1.2.3.4 ", " 1.2.3.4",
		"2001:db8:::1", "host", "1.2.3.4/8", "fe80::1%eth0" };
	struct mm_addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MM_ASSERT_EQ(mm_addr_parse(bad[i], &a), -EINVAL);
	MM_ASSERT_EQ(mm_addr_parse(NULL, &a), -EINVAL);
}

MM_TEST(prefix_parse_format)
{
	struct mm_prefix p;

	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/8", &p), 0);
	MM_ASSERT_EQ(p.p_len, 104);
	MM_ASSERT(mm_addr_is_v4(&p.p_addr));
	MM_ASSERT_STREQ(fmt_prefix("10.0.0.0/8"), "10.0.0.0/8");
	MM_ASSERT_STREQ(fmt_prefix("10.1.2.3/8"), "10.0.0.0/8"); /* host bits masked */
	MM_ASSERT_STREQ(fmt_prefix("192.168.1.77/26"), "192.168.1.64/26");
	MM_ASSERT_STREQ(fmt_prefix("0.0.0.0/0"), "0.0.0.0/0");
	MM_ASSERT_STREQ(fmt_prefix("192.0.2.1"), "192.0.2.1/32");
	MM_ASSERT_STREQ(fmt_prefix("2001:db8::1/32"), "2001:db8::/32");
	MM_ASSERT_STREQ(fmt_prefix("2001:db8::1"), "2001:db8::1/128");
	MM_ASSERT_STREQ(fmt_prefix("fd00::/8"), "fd00::/8");
	MM_ASSERT_STREQ(fmt_prefix("::/0"), "::/0");
	MM_ASSERT_STREQ(fmt_prefix("::ffff:10.0.0.0/104"), "10.0.0.0/8");
	MM_ASSERT_STREQ(fmt_prefix("10.0.0.0/08"), "10.0.0.0/8");
	MM_ASSERT_EQ(mm_prefix_parse("2001:db8::/129", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/33", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/x", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/-1", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/8/8", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/0008", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("/8", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("", &p), -EINVAL);
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0 /8", &p), -EINVAL);
	MM_ASSERT_EQ(
		mm_prefix_parse("aaaa:bbbb:cccc:dddd:eeee:ffff:1111:2222:3333/64", &p), -EINVAL);
}

MM_TEST(prefix_contains)
{
	struct mm_prefix p;
	struct mm_addr a;

	MM_ASSERT_EQ(mm_prefix_parse("192.168.0.0/16", &p), 0);
	mm_addr_parse("192.168.255.1", &a);
	MM_ASSERT(mm_prefix_contains(&p, &a));
	mm_addr_parse("192.169.0.1", &a);
	MM_ASSERT(!mm_prefix_contains(&p, &a));
	MM_ASSERT_EQ(mm_prefix_parse("10.0.0.0/9", &p), 0);
	mm_addr_parse("10.127.255.255", &a);
	MM_ASSERT(mm_prefix_contains(&p, &a));
	mm_addr_parse("10.128.0.0", &a);
	MM_ASSERT(!mm_prefix_contains(&p, &a));
	/* An IPv4 /0 holds every IPv4 address but no IPv6 one. */
	MM_ASSERT_EQ(mm_prefix_parse("0.0.0.0/0", &p), 0);
	MM_ASSERT(mm_prefix_contains(&p, &a));
	mm_addr_parse("2001:db8::1", &a);
	MM_ASSERT(!mm_prefix_contains(&p, &a));
	MM_ASSERT_EQ(mm_prefix_parse("::/0", &p), 0);
	MM_ASSERT(mm_prefix_contains(&p, &a));
	MM_ASSERT_EQ(mm_prefix_parse("2001:db8::/33", &p), 0);
	MM_ASSERT(mm_prefix_contains(&p, &a));
	mm_addr_parse("2001:db8:8000::1", &a);
	MM_ASSERT(!mm_prefix_contains(&p, &a));
	MM_ASSERT_EQ(mm_prefix_parse("2001:db8::1", &p), 0);
	mm_addr_parse("2001:db8::1", &a);
	MM_ASSERT(mm_prefix_contains(&p, &a));
	mm_addr_parse("2001:db8::2", &a);
	MM_ASSERT(!mm_prefix_contains(&p, &a));
}

MM_TEST(prefix_set)
{
	struct mm_prefix_set set;
	char err[256], buf[64];
	struct mm_addr a;

	mm_prefix_set_init(&set);
	MM_ASSERT_EQ(
		mm_prefix_set_parse(&set, "10.0.0.0/8, 192.168.0.0/16 ,fd00::/8", err, sizeof(err)),
		0);
	MM_ASSERT_EQ(set.ps_n, 3);
	MM_ASSERT_STREQ(mm_prefix_format(&set.ps_v[2], buf, sizeof(buf)), "fd00::/8");
	mm_addr_parse("192.168.3.4", &a);
	MM_ASSERT(mm_prefix_set_contains(&set, &a));
	mm_addr_parse("fd12::1", &a);
	MM_ASSERT(mm_prefix_set_contains(&set, &a));
	mm_addr_parse("172.16.0.1", &a);
	MM_ASSERT(!mm_prefix_set_contains(&set, &a));

	/* A bad item leaves the set as it was. */
	MM_ASSERT_EQ(mm_prefix_set_parse(&set, "172.16.0.0/12, 10.0.0.300/8", err, sizeof(err)),
		-EINVAL);
	MM_ASSERT_STREQ(err, "bad prefix '10.0.0.300/8': expected an address or address/length");
	MM_ASSERT_EQ(set.ps_n, 3);
	MM_ASSERT_EQ(
		mm_prefix_set_parse(&set, "172.16.0.0/12,,10.0.0.0/8", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "prefix list '172.16.0.0/12,,10.0.0.0/8': item 2 is empty");
	MM_ASSERT_EQ(mm_prefix_set_parse(&set, "172.16.0.0/12,", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "prefix list '172.16.0.0/12,': item 2 is empty");
	MM_ASSERT_EQ(mm_prefix_set_parse(&set, "10.0.0.0/33", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "bad prefix '10.0.0.0/33': length out of range 0..32");
	MM_ASSERT_EQ(mm_prefix_set_parse(&set, "fd00::/x", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "bad prefix 'fd00::/x': expected a decimal length after '/'");
	MM_ASSERT_EQ(set.ps_n, 3);
	MM_ASSERT_EQ(mm_prefix_set_parse(&set, "  ", err, sizeof(err)), 0);
	MM_ASSERT_EQ(set.ps_n, 3);

	/* Grows past its first allocation. */
	for (int i = 0; i < 40; i++)
		MM_ASSERT_EQ(mm_prefix_set_parse(&set, "198.51.100.0/24", err, sizeof(err)), 0);
	MM_ASSERT_EQ(set.ps_n, 43);
	mm_prefix_set_fini(&set);
	MM_ASSERT_EQ(set.ps_n, 0);
	MM_ASSERT(set.ps_v == NULL);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(addr_v4),
	MM_TEST_ENTRY(addr_v6),
	MM_TEST_ENTRY(addr_bad),
	MM_TEST_ENTRY(prefix_parse_format),
	MM_TEST_ENTRY(prefix_contains),
	MM_TEST_ENTRY(prefix_set),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
