/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorid writes the events of plugins with pd_format_text (flowlog's flow
 * records) as text, the others as JSON objects.  The two must agree byte
 * for byte: for every record the text path takes, plg_event_text must
 * equal the compact dump of plg_event_json's object tagged by
 * plg_event_tag, which is what --eve, --flows-out and the store got before.
 * The records are random (addresses of both families, every protocol kind,
 * VLAN tags, counters past 63 bits, NetFlow sources, sampling), the
 * exercise tags need escaping or are not UTF-8, and besides flowlog the
 * host loads plugins whose names need escaping, are not UTF-8, or whose
 * descriptor predates the text hook.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include <mamori/config.h>
#include <mamori/eve.h>

#include "mm_test.h"
#include "plugins.h"

#define N_RECORDS 20000

enum {
	P_FLOWLOG,
	P_ESCAPED, /* a name that needs escaping */
	P_BAD_UTF8,
	P_OLD_ABI,
	P_N,
};

static struct plg_set set;
static struct mm_cfg *cfg;
static char state_dir[] = "/tmp/test_evtext.XXXXXX";

static uint64_t
env_now_ns(void *arg)
{
	(void)arg;
	return (0);
}

static bool
env_is_home(void *arg, const struct mm_addr *a)
{
	(void)arg;
	(void)a;
	return (false);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static void
rnd_addr(struct mm_addr *a, bool v4)
{
	for (unsigned i = 0; i < 16; i++)
		a->a_bytes[i] = (uint8_t)rnd();
	if (v4) {
		memset(a->a_bytes, 0, 10);
		a->a_bytes[10] = a->a_bytes[11] = 0xff;
	}
}

/* A record as a worker or the collector makes one, with the odd values a field can take. */
static void
rnd_record(struct mm_flow_rec *r)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 47, 50, 0, 255 };
	bool v4 = rnd() % 3 != 0;
	uint64_t big = rnd() % 4 == 0 ? UINT64_MAX - rnd() % 1000 : rnd() % 100000;

	memset(r, 0, sizeof(*r));
	r->fr_id = rnd() % 8 == 0 ? 0 : rnd();
	r->fr_first_ns =
		rnd() % 4 == 0 ? rnd() : 1700000000ULL * 1000000000ULL + rnd() % (1ULL << 50);
	r->fr_last_ns = rnd() % 8 == 0 ? r->fr_first_ns : r->fr_first_ns + rnd() % (1ULL << 45);
	r->fr_pkts_ts = rnd() % 1000;
	r->fr_pkts_tc = rnd() % 3 == 0 ? 0 : big;
	r->fr_bytes_ts = rnd() % 5 == 0 ? UINT64_MAX : rnd() % (1ULL << 40);
	r->fr_bytes_tc = big * 1500;
	rnd_addr(&r->fr_src, v4);
	rnd_addr(&r->fr_dst, v4);
	r->fr_proto = protos[rnd() % sizeof(protos)];
	r->fr_sport = (uint16_t)rnd();
	r->fr_dport = (uint16_t)rnd();
	r->fr_vlan_n = (uint8_t)(rnd() % 4 == 0 ? rnd() % 3 : 0);
	r->fr_vlan[0] = (uint16_t)(rnd() % 16 == 0 ? 0 : rnd() % 4096);
	r->fr_vlan[1] = (uint16_t)(rnd() % 4096);
	r->fr_tcp_flags_ts = (uint8_t)rnd();
	r->fr_tcp_flags_tc = (uint8_t)rnd();
	r->fr_icmp_type = (uint8_t)rnd();
	r->fr_icmp_code = (uint8_t)rnd();
	r->fr_end = (uint8_t)(1 + rnd() % 8); /* 8: no name */
	r->fr_sampling = 1;
	if (rnd() % 4 == 0) {
		r->fr_source = (uint8_t)(1 + rnd() % 4); /* 4: unknown */
		rnd_addr(&r->fr_exporter, rnd() % 2 == 0);
		r->fr_sampling = (uint32_t)(rnd() % 3 == 0 ? 1 + rnd() % 4096 : 1);
	}
}

static void
record_event(struct mm_event *ev, const struct mm_flow_rec *r, unsigned plugin)
{
	mm_event_from_flow(ev, r);
	ev->ev_len = sizeof(*r);
	memcpy(ev->ev_data, r, sizeof(*r));
	ev->ev_plugin = (uint8_t)plugin;
}

/* What mamorid wrote before text: the tagged object, dumped as mm_eve_write dumps it. */
static char *
object_text(const struct mm_event *ev)
{
	json_t *o = plg_event_json(&set, ev);
	char *s;

	if (o == NULL)
		return (NULL);
	plg_event_tag(&set, o);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return (s);
}

/*
 * Both paths for N_RECORDS records through plugin p, under one exercise
 * tag.  Returns how many went the text path, or -1 (reported) on a
 * difference.
 */
static long
compare(unsigned p, const char *tag)
{
	size_t len;
	char *buf;
	long texts = 0;

	if (plg_exercise_set(&set, tag) != 0)
		return (-1);
	len = plg_event_text_max(&set);
	buf = malloc(len);
	rng = 0x9e3779b97f4a7c15ULL + p;
	for (unsigned i = 0; i < N_RECORDS && buf != NULL; i++) {
		struct mm_flow_rec r;
		struct mm_event ev;
		const char *type = NULL;
		char *want;
		int n;

		rnd_record(&r);
		record_event(&ev, &r, p);
		want = object_text(&ev);
		n = plg_event_text(&set, &ev, buf, len, &type);
		if (n >= 0) {
			texts++;
			if (want == NULL || strcmp(buf, want) != 0 || (size_t)n != strlen(want) ||
				strcmp(type, "flow") != 0) {
				fprintf(stderr,
					"  plugin %u, tag %s, record %u:\n  text   %s\n  object "
					"%s\n",
					p, tag != NULL ? tag : "(none)", i, buf,
					want != NULL ? want : "(null)");
				free(want);
				free(buf);
				return (-1);
			}
		}
		free(want);
	}
	free(buf);
	return (texts);
}

static const char *const tags[] = {
	NULL,
	"cyder-2026-04",
	"",
	"q\"b\\s/\n\t\x01\x1f\x7f \xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80",
	"not utf-8 \xc3\x28",
};

MM_TEST(flowlog_text_is_the_object)
{
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		long texts = compare(P_FLOWLOG, tags[t]);

		MM_ASSERT(texts >= 0);
		/* Only records whose VLAN id 0 the event header cannot carry go the object path. */
		MM_ASSERT(texts > N_RECORDS * 9 / 10);
	}
}

MM_TEST(escaped_plugin_name)
{
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
		MM_ASSERT(compare(P_ESCAPED, tags[t]) > N_RECORDS * 9 / 10);
}

MM_TEST(name_not_utf8_goes_the_object_path)
{
	MM_ASSERT_EQ(compare(P_BAD_UTF8, "x"), 0);
}

MM_TEST(old_descriptor_loads_without_text)
{
	MM_ASSERT(set.ps_v[P_OLD_ABI]->p_format_text == NULL);
	MM_ASSERT_EQ(compare(P_OLD_ABI, NULL), 0);
	MM_ASSERT(set.ps_v[P_FLOWLOG]->p_format_text != NULL);
}

MM_TEST(small_buffer_declines)
{
	struct mm_flow_rec r;
	struct mm_event ev;
	const char *type;
	char buf[64];

	MM_ASSERT_EQ(plg_exercise_set(&set, "cyder"), 0);
	rnd_record(&r);
	r.fr_vlan_n = 0;
	record_event(&ev, &r, P_FLOWLOG);
	MM_ASSERT(plg_event_text(&set, &ev, buf, sizeof(buf), &type) < 0);
	MM_ASSERT(plg_event_text(&set, &ev, buf, 0, &type) < 0);
	ev.ev_plugin = P_N;
	MM_ASSERT_EQ(plg_event_text(&set, &ev, buf, sizeof(buf), &type), -EINVAL);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(flowlog_text_is_the_object),
	MM_TEST_ENTRY(escaped_plugin_name),
	MM_TEST_ENTRY(name_not_utf8_goes_the_object_path),
	MM_TEST_ENTRY(old_descriptor_loads_without_text),
	MM_TEST_ENTRY(small_buffer_declines),
	{ NULL, NULL },
};

static int
load(void)
{
	char err[MM_CFG_ERRLEN], a[PATH_MAX + 64];
	struct plg_env env;
	int rv;

	if ((cfg = mm_cfg_new("test_evtext")) == NULL || mkdtemp(state_dir) == NULL)
		return (-ENOMEM);
	snprintf(a, sizeof(a),
		"plugins.load=[%s/mamori_flowlog.so, %s/test_text_flow_1.so, "
		"%s/test_text_flow_2.so, %s/test_text_flow_3.so]",
		MAMORI_TEST_PLUGINS, MAMORI_TEST_TEST_PLUGINS, MAMORI_TEST_TEST_PLUGINS,
		MAMORI_TEST_TEST_PLUGINS);
	if ((rv = mm_cfg_set(cfg, a, err, sizeof(err))) < 0)
		goto fail;
	memset(&env, 0, sizeof(env));
	env.e_cfg = cfg;
	env.e_state_dir = state_dir;
	env.e_exe_dir = ".";
	env.e_now_ns = env_now_ns;
	env.e_is_home = env_is_home;
	if ((rv = plg_load(&set, &env, false, err, sizeof(err))) < 0)
		goto fail;
	if (set.ps_n != P_N) {
		snprintf(err, sizeof(err), "%u plugins loaded, expected %d", set.ps_n, P_N);
		return (-ENOENT);
	}
	return (0);
fail:
	fprintf(stderr, "test_evtext: %s\n", err);
	return (rv);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "--no-shconf", "-m", "64", "--no-pci", "--lcores",
		"0", "--no-telemetry", "--log-level=error", NULL };
	int rv;

	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "test_evtext: EAL initialisation failed\n");
		return (1);
	}
	if (load() < 0)
		return (1);
	rv = mm_test_main(tests, argc, argv);
	plg_unload(&set);
	mm_cfg_free(cfg);
	rmdir(state_dir);
	rte_eal_cleanup();
	return (rv);
}
