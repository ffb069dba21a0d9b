/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/config.h"
#include "mm_test.h"

static char err[MM_CFG_ERRLEN];

static struct mm_cfg *
load(const char *text)
{
	err[0] = '\0';
	return (mm_cfg_load_string(text, strlen(text), "x.yaml", err, sizeof(err)));
}

static const char sample[] = "# Mamori\n"                                   /* 1 */
			     "eal:\n"                                       /* 2 */
			     "  lcores: 1-3\n"                              /* 3 */
			     "ports:\n"                                     /* 4 */
			     "  - dev: eth0\n"                              /* 5 */
			     "    rxq: 2\n"                                 /* 6 */
			     "  - dev: eth1\n"                              /* 7 */
			     "flow:\n"                                      /* 8 */
			     "  timeouts:\n"                                /* 9 */
			     "    udp: 30s\n"                               /* 10 */
			     "    tcp: 5m\n"                                /* 11 */
			     "  table_size: 0x10000\n"                      /* 12 */
			     "  home_net: \"10.0.0.0/8, 192.168.0.0/16\"\n" /* 13 */
			     "log:\n"                                       /* 14 */
			     "  file: ~\n"                                  /* 15 */
			     "  level:\n";                                  /* 16 */

MM_TEST(load_nested)
{
	struct mm_cfg *cfg = load(sample);
	const struct mm_cfg_node *n;
	const char *s;

	MM_ASSERT(cfg != NULL);
	MM_ASSERT_STREQ(mm_cfg_name(cfg), "x.yaml");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "eal.lcores", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "1-3");
	n = mm_cfg_lookup(cfg, "flow.timeouts");
	MM_ASSERT(n != NULL);
	MM_ASSERT_EQ(mm_cfg_node_type(n), MM_CFG_MAP);
	MM_ASSERT_STREQ(mm_cfg_node_key(n), "timeouts");
	MM_ASSERT_EQ(mm_cfg_node_line(n), 9);
	MM_ASSERT_EQ(mm_cfg_node_count(n), 2);
	MM_ASSERT_STREQ(mm_cfg_node_key(mm_cfg_node_child(n, 1)), "tcp");
	MM_ASSERT_STREQ(mm_cfg_node_value(mm_cfg_node_child(n, 1)), "5m");
	MM_ASSERT_EQ(mm_cfg_node_line(mm_cfg_node_child(n, 1)), 11);
	MM_ASSERT(mm_cfg_node_child(n, 2) == NULL);
	MM_ASSERT_EQ(mm_cfg_node_count(mm_cfg_lookup(cfg, "plugins")), 0);
	MM_ASSERT(mm_cfg_node_child(mm_cfg_lookup(cfg, "plugins"), 0) == NULL);
	MM_ASSERT(mm_cfg_node_value(n) == NULL);
	MM_ASSERT(mm_cfg_node_lookup(n, "udp") == mm_cfg_node_child(n, 0));
	MM_ASSERT(mm_cfg_node_lookup(n, "") == n);
	MM_ASSERT(mm_cfg_lookup(cfg, "flow.timeouts.icmp") == NULL);
	MM_ASSERT(mm_cfg_lookup(cfg, "flow..timeouts") == NULL);
	MM_ASSERT(mm_cfg_lookup(cfg, "flow.timeouts.") == NULL);
	MM_ASSERT(mm_cfg_lookup(cfg, "eal.lcores.x") == NULL);
	MM_ASSERT_EQ(mm_cfg_node_type(mm_cfg_root(cfg)), MM_CFG_MAP);
	mm_cfg_free(cfg);
}

MM_TEST(sequence_index)
{
	struct mm_cfg *cfg = load(sample);
	const struct mm_cfg_node *port;
	const char *s;
	uint64_t v;

	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "ports.1.dev", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "eth1");
	MM_ASSERT(mm_cfg_lookup(cfg, "ports.2") == NULL);
	MM_ASSERT(mm_cfg_lookup(cfg, "ports.x") == NULL);
	port = mm_cfg_lookup(cfg, "ports.0");
	MM_ASSERT(port != NULL);
	MM_ASSERT(mm_cfg_node_key(port) == NULL);
	MM_ASSERT_EQ(mm_cfg_node_line(port), 5);
	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, port, "rxq", 1, 1, 64, &v, err, sizeof(err)), 0);
	MM_ASSERT_EQ(v, 2);
	/* A name where an index belongs. */
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "ports.dev", "d", &s, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:4: ports: expected a map, got a sequence");
	MM_ASSERT_STREQ(s, "d");
	mm_cfg_free(cfg);
}

MM_TEST(load_file)
{
	char path[] = "/tmp/mamori-test-config.XXXXXX", want[256];
	struct mm_cfg *cfg;
	uint64_t ms;
	int fd;

	fd = mkstemp(path);
	MM_ASSERT(fd >= 0);
	MM_ASSERT_EQ(write(fd, sample, strlen(sample)), (long long)strlen(sample));
	close(fd);
	cfg = mm_cfg_load_file(path, err, sizeof(err));
	unlink(path);
	MM_ASSERT(cfg != NULL);
	MM_ASSERT_STREQ(mm_cfg_name(cfg), path);
	MM_ASSERT_EQ(mm_cfg_get_duration_ms(cfg, NULL, "flow.timeouts.tcp", 0, 0, UINT64_MAX, &ms,
			     err, sizeof(err)),
		0);
	MM_ASSERT_EQ(ms, 300000);
	MM_ASSERT_EQ(mm_cfg_get_duration_ms(cfg, NULL, "flow.timeouts.udp", 0, 60000, UINT64_MAX,
			     &ms, err, sizeof(err)),
		-EINVAL);
	snprintf(want, sizeof(want),
		"%s:10: flow.timeouts.udp: expected a duration of at least 1m, got '30s'", path);
	MM_ASSERT_STREQ(err, want);
	mm_cfg_free(cfg);

	MM_ASSERT(mm_cfg_load_file(path, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	MM_ASSERT_STREQ(err, want);
}

MM_TEST(get_str)
{
	struct mm_cfg *cfg = load(sample);
	const char *s;

	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "nope", "dflt", &s, err, sizeof(err)), -ENOENT);
	MM_ASSERT_STREQ(s, "dflt");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "eal", "dflt", &s, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:2: eal: expected a string, got a map");
	MM_ASSERT_STREQ(s, "dflt");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "ports", NULL, &s, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:4: ports: expected a string, got a sequence");
	/* A scalar in the way of a deeper path. */
	MM_ASSERT_EQ(
		mm_cfg_get_str(cfg, NULL, "eal.lcores.x", NULL, &s, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:3: eal.lcores: expected a map, got a string");
	mm_cfg_free(cfg);

	cfg = load("eal:\n  lcores:\n    main: 1\n");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "eal.lcores", NULL, &s, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:2: eal.lcores: expected a string, got a map");
	mm_cfg_free(cfg);
}

MM_TEST(null_is_absent)
{
	struct mm_cfg *cfg = load(sample);
	const char *s;
	bool b;

	MM_ASSERT_EQ(
		mm_cfg_get_str(cfg, NULL, "log.file", "stderr", &s, err, sizeof(err)), -ENOENT);
	MM_ASSERT_STREQ(s, "stderr");
	MM_ASSERT_EQ(mm_cfg_get_bool(cfg, NULL, "log.level", true, &b, err, sizeof(err)), -ENOENT);
	MM_ASSERT_EQ(b, true);
	MM_ASSERT_STREQ(mm_cfg_node_value(mm_cfg_lookup(cfg, "log.file")), "");
	/* Below a null there is nothing either. */
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "log.file.x", "d", &s, err, sizeof(err)), -ENOENT);
	mm_cfg_free(cfg);

	cfg = load("a: null\nb: ''\nc: \"~\"\nd: !!str null\n");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "a", "d", &s, err, sizeof(err)), -ENOENT);
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "b", "d", &s, err, sizeof(err)), -ENOENT);
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "c", "d", &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "~");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "d", "d", &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "null");
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 0);
	mm_cfg_free(cfg);
}

MM_TEST(get_u64)
{
	struct mm_cfg *cfg = load("a: 42\nb: 0x10000\nc: 0XfF\nd: 18446744073709551615\n"
				  "e: 18446744073709551616\nf: -1\ng: 12k\nh: 0x\ni: 70000\n");
	uint64_t v;

	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, NULL, "a", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	MM_ASSERT_EQ(v, 42);
	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, NULL, "b", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	MM_ASSERT_EQ(v, 65536);
	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, NULL, "c", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	MM_ASSERT_EQ(v, 255);
	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, NULL, "d", 0, 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	MM_ASSERT(v == UINT64_MAX);
	MM_ASSERT_EQ(
		mm_cfg_get_u64(cfg, NULL, "e", 7, 0, UINT64_MAX, &v, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:5: e: expected an integer, got '18446744073709551616'");
	MM_ASSERT_EQ(v, 7);
	MM_ASSERT_EQ(
		mm_cfg_get_u64(cfg, NULL, "f", 0, 0, UINT64_MAX, &v, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:6: f: expected an integer, got '-1'");
	MM_ASSERT_EQ(
		mm_cfg_get_u64(cfg, NULL, "g", 0, 1, UINT64_MAX, &v, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:7: g: expected an integer of at least 1, got '12k'");
	MM_ASSERT_EQ(
		mm_cfg_get_u64(cfg, NULL, "h", 0, 0, UINT64_MAX, &v, err, sizeof(err)), -EINVAL);
	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, NULL, "i", 0, 1, 65535, &v, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:9: i: expected an integer from 1 to 65535, got '70000'");
	MM_ASSERT_EQ(mm_cfg_get_u64(cfg, NULL, "z", 9, 1, 65535, &v, err, sizeof(err)), -ENOENT);
	MM_ASSERT_EQ(v, 9);
	mm_cfg_free(cfg);
}

MM_TEST(get_bool)
{
	static const char *const yes[] = { "true", "True", "yes", "on", "ON", "1" };
	static const char *const no[] = { "false", "FALSE", "no", "off", "0" };
	char text[64];
	struct mm_cfg *cfg;
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "x: %s\n", yes[i]);
		cfg = load(text);
		MM_ASSERT_EQ(mm_cfg_get_bool(cfg, NULL, "x", false, &b, err, sizeof(err)), 0);
		MM_ASSERT(b);
		mm_cfg_free(cfg);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "x: %s\n", no[i]);
		cfg = load(text);
		MM_ASSERT_EQ(mm_cfg_get_bool(cfg, NULL, "x", true, &b, err, sizeof(err)), 0);
		MM_ASSERT(!b);
		mm_cfg_free(cfg);
	}
	cfg = load("a:\n  b: maybe\n");
	MM_ASSERT_EQ(mm_cfg_get_bool(cfg, NULL, "a.b", true, &b, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:2: a.b: expected true or false (or yes/no, on/off, 1/0), got "
			     "'maybe'");
	MM_ASSERT(b);
	mm_cfg_free(cfg);
}

MM_TEST(get_duration)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} ok[] = {
		{ "250ms", 250 },
		{ "30s", 30000 },
		{ "5m", 300000 },
		{ "2h", 7200000 },
		{ "1d", 86400000 },
		{ "45", 45000 },
		{ "0", 0 },
	};
	static const char *const bad[] = { "abc", "30 s", "1.5s", "5min", "s", "-1s", "30S" };
	char text[64], want[200];
	struct mm_cfg *cfg;
	uint64_t ms;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "t: %s\n", ok[i].text);
		cfg = load(text);
		MM_ASSERT_EQ(mm_cfg_get_duration_ms(
				     cfg, NULL, "t", 1, 0, UINT64_MAX, &ms, err, sizeof(err)),
			0);
		MM_ASSERT_EQ(ms, ok[i].ms);
		mm_cfg_free(cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "\nflow:\n  timeouts:\n    udp: %s\n", bad[i]);
		cfg = load(text);
		MM_ASSERT_EQ(mm_cfg_get_duration_ms(cfg, NULL, "flow.timeouts.udp", 1, 0,
				     UINT64_MAX, &ms, err, sizeof(err)),
			-EINVAL);
		snprintf(want, sizeof(want),
			"x.yaml:4: flow.timeouts.udp: expected a duration like 30s or 5m, got '%s'",
			bad[i]);
		MM_ASSERT_STREQ(err, want);
		MM_ASSERT_EQ(ms, 1);
		mm_cfg_free(cfg);
	}
	cfg = load("t: 2d\nu: 99999999999999999999d\n");
	MM_ASSERT_EQ(
		mm_cfg_get_duration_ms(cfg, NULL, "t", 0, 1000, 86400000, &ms, err, sizeof(err)),
		-EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:1: t: expected a duration from 1s to 1d, got '2d'");
	MM_ASSERT_EQ(mm_cfg_get_duration_ms(cfg, NULL, "u", 0, 250, 90000, &ms, err, sizeof(err)),
		-EINVAL);
	MM_ASSERT_STREQ(err,
		"x.yaml:2: u: expected a duration from 250ms to 90s, got '99999999999999999999d'");
	mm_cfg_free(cfg);
}

MM_TEST(get_strv)
{
	struct mm_cfg *cfg = load("a: [x, y, z]\nb: \" p , q,r\"\nc: one\nd: [x, {k: v}]\n"
				  "e: 'x,,y'\nf: {k: v}\ng: [x, '']\n");
	char **v;
	size_t n;

	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "a", &v, &n, err, sizeof(err)), 0);
	MM_ASSERT_EQ(n, 3);
	MM_ASSERT_STREQ(v[0], "x");
	MM_ASSERT_STREQ(v[2], "z");
	MM_ASSERT(v[3] == NULL);
	mm_cfg_strv_free(v);
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "b", &v, &n, err, sizeof(err)), 0);
	MM_ASSERT_EQ(n, 3);
	MM_ASSERT_STREQ(v[0], "p");
	MM_ASSERT_STREQ(v[1], "q");
	MM_ASSERT_STREQ(v[2], "r");
	MM_ASSERT(v[3] == NULL);
	mm_cfg_strv_free(v);
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "c", &v, &n, err, sizeof(err)), 0);
	MM_ASSERT_EQ(n, 1);
	MM_ASSERT_STREQ(v[0], "one");
	mm_cfg_strv_free(v);
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "nope", &v, &n, err, sizeof(err)), -ENOENT);
	MM_ASSERT(v != NULL && v[0] == NULL);
	MM_ASSERT_EQ(n, 0);
	mm_cfg_strv_free(v);
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "d", &v, &n, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:4: d.1: expected a string, got a map");
	MM_ASSERT(v == NULL);
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "e", &v, &n, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err,
		"x.yaml:5: e: expected a comma-separated list without empty items, got 'x,,y'");
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "f", &v, &n, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:6: f: expected a list of strings, got a map");
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "g", &v, &n, err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "x.yaml:7: g.1: expected a string, got an empty value");
	mm_cfg_free(cfg);
}

MM_TEST(set_overrides)
{
	struct mm_cfg *cfg = load(sample);
	const char *s;
	uint64_t ms;

	MM_ASSERT_EQ(mm_cfg_set(cfg, "flow.timeouts.udp=45s", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_duration_ms(cfg, NULL, "flow.timeouts.udp", 0, 0, UINT64_MAX, &ms,
			     err, sizeof(err)),
		0);
	MM_ASSERT_EQ(ms, 45000);
	MM_ASSERT_EQ(mm_cfg_node_line(mm_cfg_lookup(cfg, "flow.timeouts.udp")), 0);
	/* The override keeps its place among its siblings. */
	MM_ASSERT_STREQ(
		mm_cfg_node_key(mm_cfg_node_child(mm_cfg_lookup(cfg, "flow.timeouts"), 0)), "udp");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "flow.timeouts.icmp=abc", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_duration_ms(cfg, NULL, "flow.timeouts.icmp", 0, 0, UINT64_MAX, &ms,
			     err, sizeof(err)),
		-EINVAL);
	MM_ASSERT_STREQ(err, "--set flow.timeouts.icmp: expected a duration like 30s or 5m, got "
			     "'abc'");
	/* Missing maps are created; a null becomes a map. */
	MM_ASSERT_EQ(mm_cfg_set(cfg, "plugins.dns.enabled=yes", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "log.level.x=1", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_node_type(mm_cfg_lookup(cfg, "plugins.dns")), MM_CFG_MAP);
	MM_ASSERT_STREQ(mm_cfg_node_value(mm_cfg_lookup(cfg, "log.level.x")), "1");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "eal.lcores.main=1", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set eal.lcores.main: 'eal.lcores' holds a string, not a map");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "eal.lcores", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "1-3");
	/* An empty value unsets. */
	MM_ASSERT_EQ(mm_cfg_set(cfg, "eal.lcores=", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "eal.lcores", "d", &s, err, sizeof(err)), -ENOENT);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "novalue", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set: expected key=value, got 'novalue'");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "a..b=1", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set a..b: expected a dotted key of at most 64 non-empty parts");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "a=[x, y", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set a: did not find expected ',' or ']' (while parsing a flow "
			     "sequence)");
	mm_cfg_free(cfg);
}

MM_TEST(set_collections)
{
	struct mm_cfg *cfg = load(sample);
	const char *s;
	char **v;
	size_t n;

	MM_ASSERT_EQ(mm_cfg_set(cfg, "outputs=[eve, pcap]", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_strv(cfg, NULL, "outputs", &v, &n, err, sizeof(err)), 0);
	MM_ASSERT_EQ(n, 2);
	MM_ASSERT_STREQ(v[1], "pcap");
	mm_cfg_strv_free(v);
	/* A plain scalar with commas over a sequence becomes a sequence. */
	MM_ASSERT_EQ(mm_cfg_set(cfg, "outputs=a, b ,c", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_node_type(mm_cfg_lookup(cfg, "outputs")), MM_CFG_SEQ);
	MM_ASSERT_EQ(mm_cfg_node_count(mm_cfg_lookup(cfg, "outputs")), 3);
	MM_ASSERT_STREQ(mm_cfg_node_value(mm_cfg_lookup(cfg, "outputs.1")), "b");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "outputs=a,,c", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set outputs: empty item in 'a,,c'");
	/* Quoted: stays a scalar. */
	MM_ASSERT_EQ(mm_cfg_set(cfg, "outputs='a,b'", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_node_type(mm_cfg_lookup(cfg, "outputs")), MM_CFG_SCALAR);
	/* Not over a sequence: stays a scalar. */
	MM_ASSERT_EQ(mm_cfg_set(cfg, "flow.home_net=10.0.0.0/8,fd00::/8", err, sizeof(err)), 0);
	MM_ASSERT_STREQ(
		mm_cfg_node_value(mm_cfg_lookup(cfg, "flow.home_net")), "10.0.0.0/8,fd00::/8");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "flow.timeouts={udp: 1m, tcp: 1h}", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_node_count(mm_cfg_lookup(cfg, "flow.timeouts")), 2);
	MM_ASSERT_STREQ(mm_cfg_node_value(mm_cfg_lookup(cfg, "flow.timeouts.tcp")), "1h");
	MM_ASSERT_EQ(
		mm_cfg_set(cfg, "flow.timeouts={udp: 1m, udp: 1h}", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set flow.timeouts: duplicate key 'udp'");
	/* Sequence indexes: replace, append at the end, nothing past it. */
	MM_ASSERT_EQ(mm_cfg_set(cfg, "ports.1.dev=eth9", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "ports.2.dev=eth2", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "ports.1.dev", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "eth9");
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "ports.2.dev", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "eth2");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "ports.0={dev: eth5}", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "ports.0.dev", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "eth5");
	MM_ASSERT(mm_cfg_lookup(cfg, "ports.0.rxq") == NULL);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "ports.5.dev=x", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set ports.5.dev: '5' is not an index from 0 to 3");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "ports.dev=x", err, sizeof(err)), -EINVAL);
	MM_ASSERT_STREQ(err, "--set ports.dev: 'dev' is not an index from 0 to 3");
	mm_cfg_free(cfg);
}

MM_TEST(unused_keys)
{
	struct mm_cfg *cfg = load(sample);
	const char *s;
	uint64_t v;

	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 4);
	MM_ASSERT_STREQ(err, "x.yaml:2: unknown key 'eal'");
	mm_cfg_get_str(cfg, NULL, "eal.lcores", NULL, &s, err, sizeof(err));
	mm_cfg_get_str(cfg, NULL, "ports.0.dev", NULL, &s, err, sizeof(err));
	mm_cfg_get_str(cfg, NULL, "ports.1.dev", NULL, &s, err, sizeof(err));
	mm_cfg_mark_used(mm_cfg_lookup(cfg, "flow.timeouts"));
	mm_cfg_get_u64(cfg, NULL, "flow.table_size", 0, 0, UINT64_MAX, &v, err, sizeof(err));
	mm_cfg_get_str(cfg, NULL, "log.file", NULL, &s, err, sizeof(err));
	mm_cfg_get_str(cfg, NULL, "log.level", NULL, &s, err, sizeof(err));
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 2);
	MM_ASSERT_STREQ(err, "x.yaml:6: unknown key 'ports.0.rxq'");
	mm_cfg_get_str(cfg, NULL, "ports.0.rxq", NULL, &s, err, sizeof(err));
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 1);
	MM_ASSERT_STREQ(err, "x.yaml:13: unknown key 'flow.home_net'");
	mm_cfg_get_str(cfg, NULL, "flow.home_net", NULL, &s, err, sizeof(err));
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "flow.timeouts.icmp=1m", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "flow.tiemouts.udp=1m", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 2);
	MM_ASSERT_STREQ(err, "--set: unknown key 'flow.timeouts.icmp'");
	mm_cfg_free(cfg);

	cfg = load("a:\n  b:\n    c: 1\n    d: 2\n");
	mm_cfg_get_str(cfg, NULL, "a.b.d", NULL, &s, err, sizeof(err));
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 1);
	MM_ASSERT_STREQ(err, "x.yaml:3: unknown key 'a.b.c'");
	mm_cfg_free(cfg);
}

MM_TEST(duplicate_key)
{
	struct mm_cfg *cfg = load("flow:\n  udp: 1\n  tcp: 2\n  icmp: 3\n  tcp: 4\n  udp: 5\n");

	MM_ASSERT(cfg == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:5: duplicate key 'flow.tcp' (first defined at line 3)");
	cfg = load("a: 1\nb: 2\na: 3\n");
	MM_ASSERT(cfg == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:3: duplicate key 'a' (first defined at line 1)");
}

MM_TEST(depth_limit)
{
	char text[300];
	struct mm_cfg *cfg;

	memset(text, 0, sizeof(text));
	memset(text, '[', 64);
	memset(text + 64, ']', 64);
	cfg = load(text);
	MM_ASSERT(cfg == NULL); /* a sequence at the top: not a map */
	MM_ASSERT_STREQ(err, "x.yaml:1: expected a map of settings at the top level, got a "
			     "sequence");
	text[0] = '\n';
	memcpy(text + 1, "a: ", 3);
	memset(text + 4, '[', 64);
	memset(text + 68, ']', 64);
	text[132] = '\0';
	cfg = load(text);
	MM_ASSERT(cfg == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:2: nesting deeper than 64 levels");
	memset(text + 4, '[', 63);
	memset(text + 67, ']', 63);
	text[130] = '\0';
	cfg = load(text);
	MM_ASSERT(cfg != NULL);
	mm_cfg_free(cfg);
}

MM_TEST(malformed)
{
	char *big;

	MM_ASSERT(load("a: 1\nb:\n  c: 2\n d: 3\n") == NULL);
	MM_ASSERT_STREQ(err,
		"x.yaml:4: did not find expected key (while parsing a block mapping at "
		"line 1)");
	MM_ASSERT(load("a: [1, 2\nb: 3\n") == NULL);
	MM_ASSERT(strncmp(err, "x.yaml:2: ", 10) == 0);
	MM_ASSERT(load("a: \"open\n") == NULL);
	MM_ASSERT(strncmp(err, "x.yaml:2: ", 10) == 0);
	MM_ASSERT(load("a: 1\nb: \x01\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:2: control characters are not allowed (byte 8)");
	MM_ASSERT(load("a: &x 1\nb: *x\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:1: anchors and aliases are not supported (found '&x'); write "
			     "the value out");
	MM_ASSERT(load("a: *x\n") == NULL);
	MM_ASSERT(strstr(err, "(found '*x')") != NULL);
	MM_ASSERT(load("a: 1\n---\nb: 2\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:2: expected one YAML document, found a second ('---')");
	MM_ASSERT(load("- a\n- b\n") == NULL);
	MM_ASSERT(load("just text\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:1: expected a map of settings at the top level, got a string");
	MM_ASSERT(load("? [a, b]\n: c\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:1: expected a key, got a sequence");
	MM_ASSERT(load("~: c\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:1: expected a key, got an empty one");
	MM_ASSERT(load("a: \"x\\0y\"\n") == NULL);
	MM_ASSERT_STREQ(err, "x.yaml:1: NUL character in a value");

	big = malloc((4u << 20) + 2);
	MM_ASSERT(big != NULL);
	memset(big, '#', (4u << 20) + 1);
	big[(4u << 20) + 1] = '\0';
	MM_ASSERT(load(big) == NULL);
	MM_ASSERT_STREQ(err, "x.yaml: 4194305 bytes, more than the 4 MiB a configuration may have");
	free(big);
}

MM_TEST(empty_documents)
{
	static const char *const empty[] = { "", "\n", "# nothing\n", "---\n", "~\n",
		"---\n...\n" };
	struct mm_cfg *cfg;

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		cfg = load(empty[i]);
		MM_ASSERT(cfg != NULL);
		MM_ASSERT_EQ(mm_cfg_node_count(mm_cfg_root(cfg)), 0);
		MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 0);
		mm_cfg_free(cfg);
	}
	cfg = mm_cfg_load_string(NULL, 0, NULL, err, sizeof(err));
	MM_ASSERT(cfg != NULL);
	MM_ASSERT_STREQ(mm_cfg_name(cfg), "<string>");
	mm_cfg_free(cfg);
}

MM_TEST(new_and_set)
{
	struct mm_cfg *cfg = mm_cfg_new("defaults");
	const char *s;

	MM_ASSERT(cfg != NULL);
	MM_ASSERT_STREQ(mm_cfg_name(cfg), "defaults");
	MM_ASSERT_EQ(mm_cfg_set(cfg, "a.b.c=[1, 2]", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_set(cfg, "a.b.c.2=3", err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_cfg_get_str(cfg, NULL, "a.b.c.2", NULL, &s, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(s, "3");
	MM_ASSERT_EQ(
		mm_cfg_get_str(cfg, mm_cfg_lookup(cfg, "a.b"), "c.0", NULL, &s, err, sizeof(err)),
		0);
	MM_ASSERT_STREQ(s, "1");
	MM_ASSERT_EQ(mm_cfg_check_unused(cfg, err, sizeof(err)), 0);
	mm_cfg_free(cfg);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(load_nested),
	MM_TEST_ENTRY(sequence_index),
	MM_TEST_ENTRY(load_file),
	MM_TEST_ENTRY(get_str),
	MM_TEST_ENTRY(null_is_absent),
	MM_TEST_ENTRY(get_u64),
	MM_TEST_ENTRY(get_bool),
	MM_TEST_ENTRY(get_duration),
	MM_TEST_ENTRY(get_strv),
	MM_TEST_ENTRY(set_overrides),
	MM_TEST_ENTRY(set_collections),
	MM_TEST_ENTRY(unused_keys),
	MM_TEST_ENTRY(duplicate_key),
	MM_TEST_ENTRY(depth_limit),
	MM_TEST_ENTRY(malformed),
	MM_TEST_ENTRY(empty_documents),
	MM_TEST_ENTRY(new_and_set),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
