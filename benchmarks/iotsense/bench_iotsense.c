/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_iotsense: the cost per packet of the iotsense plugin, on and off, in
 * one run.  A capture is read once into mbufs and looped in memory through a
 * real worker (dp_worker_process: decode, flow table, plugin hooks and the
 * plugins' Hyperscan patterns), first with no plugin, then with iotsense
 * loaded through the real plugin host (its configuration, its patterns
 * compiled as mamorid compiles them, its events drained and formatted as the
 * control thread does), alternating twice.  CPU time of this thread / packets.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <jansson.h>

#include <mamori/config.h>

#include "flowtable.h"
#include "hsvc.h"
#include "plugins.h"
#include "worker.h"

#define PROG      "bench_iotsense"
#define BURST     32
#define EXPIRE    64
#define CAPACITY  262144
#define GAP_NS    (3600ULL * 1000000000ULL)
#define DATA_ROOM 2048

static struct dp_workers ws;
static uint64_t clock_ns;

struct capture {
	struct rte_mempool *c_pool;
	struct rte_mbuf **c_m;
	uint64_t *c_ts;
	uint32_t c_n;
	uint32_t c_big; /* frames over DATA_ROOM, left out */
	uint64_t c_span_ns;
};

struct result {
	uint64_t r_pkts;
	uint64_t r_cpu_ns;
	uint64_t r_events;
};

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static inline uint64_t *
ts_of(struct rte_mbuf *m)
{
	return (RTE_MBUF_DYNFIELD(m, ws.ws_ts_offset, uint64_t *));
}

/* Reads the capture into mbufs; times run forward, gaps over an hour become an hour. */
static int
capture_load(struct capture *c, const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t prev = 0, t = 0;
	uint32_t cap = 1 << 16;
	pcap_t *pc;
	int rv;

	memset(c, 0, sizeof(*c));
	if ((pc = pcap_open_offline_with_tstamp_precision(
		     path, PCAP_TSTAMP_PRECISION_NANO, ebuf)) == NULL) {
		fprintf(stderr, PROG ": capture '%s': %s\n", path, ebuf);
		return (-EINVAL);
	}
	c->c_m = malloc(cap * sizeof(*c->c_m));
	c->c_ts = malloc(cap * sizeof(*c->c_ts));
	/* One mbuf a frame: count them first. */
	while ((rv = pcap_next_ex(pc, &h, &data)) == 1)
		c->c_n++;
	pcap_close(pc);
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (pc == NULL || c->c_n == 0) {
		fprintf(stderr, PROG ": capture '%s': %s\n", path, pc == NULL ? ebuf : "no frames");
		return (-EINVAL);
	}
	c->c_pool = rte_pktmbuf_pool_create(
		"bench_iot", c->c_n + 64, 0, 0, RTE_PKTMBUF_HEADROOM + DATA_ROOM, SOCKET_ID_ANY);
	c->c_n = 0;
	if (c->c_m == NULL || c->c_ts == NULL || c->c_pool == NULL) {
		fprintf(stderr, PROG ": no memory for the capture: %s\n", rte_strerror(rte_errno));
		pcap_close(pc);
		return (-ENOMEM);
	}
	while ((rv = pcap_next_ex(pc, &h, &data)) == 1) {
		uint64_t raw = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		struct rte_mbuf *m;

		if (h->caplen > DATA_ROOM) {
			c->c_big++;
			continue;
		}
		if (c->c_n == cap) {
			cap *= 2;
			c->c_m = realloc(c->c_m, cap * sizeof(*c->c_m));
			c->c_ts = realloc(c->c_ts, cap * sizeof(*c->c_ts));
			if (c->c_m == NULL || c->c_ts == NULL)
				return (-ENOMEM);
		}
		if ((m = rte_pktmbuf_alloc(c->c_pool)) == NULL) {
			fprintf(stderr, PROG ": more than %u frames: use a shorter capture\n",
				c->c_n);
			break;
		}
		memcpy(rte_pktmbuf_append(m, (uint16_t)h->caplen), data, h->caplen);
		m->ol_flags |= ws.ws_ts_flag;
		if (c->c_n == 0)
			t = raw;
		else if (raw < prev || raw - prev > GAP_NS)
			t += GAP_NS;
		else
			t += raw - prev;
		prev = raw;
		c->c_ts[c->c_n] = t;
		c->c_m[c->c_n++] = m;
	}
	pcap_close(pc);
	if (c->c_n == 0) {
		fprintf(stderr, PROG ": capture '%s' holds no frames\n", path);
		return (-EINVAL);
	}
	c->c_span_ns = t - c->c_ts[0] + GAP_NS;
	return (0);
}

static void
capture_free(struct capture *c)
{
	for (uint32_t i = 0; i < c->c_n; i++)
		rte_pktmbuf_free(c->c_m[i]);
	free(c->c_m);
	free(c->c_ts);
	rte_mempool_free(c->c_pool);
}

static uint64_t
now_ns(void *arg)
{
	(void)arg;
	return (clock_ns);
}

static bool
is_home(void *arg, const struct mm_addr *a)
{
	(void)arg;
	(void)a;
	return (false);
}

/* What the control thread does with the events: format each as EVE. */
static uint64_t
drain(struct plg_set *set)
{
	struct mm_event ev[32];
	uint64_t n = 0;
	unsigned k;

	for (unsigned s = 0; s < set->ps_nslots; s++)
		while ((k = rte_ring_sc_dequeue_burst_elem(
				set->ps_events[s], ev, sizeof(ev[0]), RTE_DIM(ev), NULL)) > 0) {
			for (unsigned i = 0; i < k; i++)
				json_decref(plg_event_json(set, &ev[i]));
			n += k;
		}
	json_array_clear(set->ps_ctl_events);
	return (n);
}

static struct dp_worker *
worker_make(unsigned index, struct plg_set *set)
{
	static const uint64_t s = 1000000000ULL;
	struct dp_settings st;

	memset(&st, 0, sizeof(st));
	st.s_burst = BURST;
	st.s_dispatch_ring = 1024;
	st.s_event_ring = 65536;
	st.s_flow.fc_capacity = CAPACITY;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_TCP_NEW] = 30 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_TCP_ESTABLISHED] = 600 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_TCP_CLOSED] = 10 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_UDP] = 120 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_ICMP] = 60 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_OTHER] = 60 * s;
	st.s_flow.fc_active_ns = 1800 * s;
	return (dp_worker_create(&ws, index, rte_lcore_id(), &st, false, set));
}

/* Passes over the capture for the given time; *pass continues the clock across runs. */
static void
run(struct dp_worker *w, struct plg_set *set, struct capture *c, double seconds, uint64_t *pass,
	struct result *r)
{
	uint64_t limit = (uint64_t)(seconds * (double)rte_get_tsc_hz()), t0 = rte_rdtsc();
	uint64_t c0 = cpu_ns();

	do {
		uint64_t off = (*pass)++ * c->c_span_ns;

		for (uint32_t i = 0; i < c->c_n; i += BURST) {
			uint16_t n = (uint16_t)RTE_MIN(BURST, c->c_n - i);

			for (uint16_t k = 0; k < n; k++) {
				rte_pktmbuf_refcnt_update(c->c_m[i + k], 1);
				*ts_of(c->c_m[i + k]) = c->c_ts[i + k] + off;
			}
			clock_ns = c->c_ts[i] + off;
			dp_worker_process(w, &c->c_m[i], n);
			flow_table_expire(w->w_ft, flow_table_now(w->w_ft), EXPIRE);
			if ((i / BURST & 15) == 0)
				r->r_events += drain(set);
		}
		r->r_pkts += c->c_n;
	} while (rte_rdtsc() - t0 < limit);
	r->r_events += drain(set);
	r->r_cpu_ns += cpu_ns() - c0;
}

static int
plugin_setup(struct plg_set *set, struct mm_cfg **cfgp, struct dp_gen *gen, const char *plugin,
	const char *data, const char *state)
{
	char err[MM_CFG_ERRLEN], a[PATH_MAX + 64], cache[PATH_MAX];
	struct plg_env env;
	struct mm_cfg *cfg = mm_cfg_new("bench_iotsense");
	int rv;

	if (cfg == NULL)
		return (-ENOMEM);
	*cfgp = cfg;
	snprintf(a, sizeof(a), "plugins.load=[%s]", plugin);
	if ((rv = mm_cfg_set(cfg, a, err, sizeof(err))) < 0)
		goto fail;
	snprintf(a, sizeof(a), "plugins.iotsense.credentials=%s/credentials.txt", data);
	if ((rv = mm_cfg_set(cfg, a, err, sizeof(err))) < 0)
		goto fail;
	snprintf(a, sizeof(a), "plugins.iotsense.firmware.signatures=%s/firmware.json", data);
	if ((rv = mm_cfg_set(cfg, a, err, sizeof(err))) < 0)
		goto fail;
	memset(&env, 0, sizeof(env));
	env.e_cfg = cfg;
	env.e_state_dir = state;
	env.e_exe_dir = ".";
	env.e_nworkers = 1;
	env.e_worker_lcore[0] = rte_lcore_id();
	env.e_worker_socket[0] = (int)rte_socket_id();
	env.e_now_ns = now_ns;
	env.e_is_home = is_home;
	if ((rv = plg_load(set, &env, false, err, sizeof(err))) < 0 ||
		(rv = plg_workers_init(set, 65536, err, sizeof(err))) < 0)
		goto fail;
	snprintf(cache, sizeof(cache), "%s/hscache", state);
	if ((rv = plg_patterns_build(set, cache, &gen->g_patterns, err, sizeof(err))) < 0)
		goto fail;
	return (0);
fail:
	fprintf(stderr, PROG ": %s\n", err);
	return (rv);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

static const char usage[] =
	"Usage: " PROG " --pcap FILE [--seconds S] [--plugin SO] [--data DIR]\n"
	"The cost per packet of the iotsense plugin: FILE looped in memory through one\n"
	"worker with no plugin and with iotsense, alternately, S seconds each (default 3).\n"
	"  --plugin SO   mamori_iotsense.so (default: plugins/ of the build tree)\n"
	"  --data DIR    credentials.txt and firmware.json (default: configs/iotsense)\n";

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "plugin", required_argument, NULL, 'P' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pcap = NULL, *plugin = NULL, *data = IOTSENSE_SRCDATADIR;
	char *eal[] = { argv[0], "--no-huge", "--no-shconf", "-m", "2048", "--no-pci",
		"--no-telemetry", "-l", "0", "--log-level=error", NULL };
	char state[] = "/tmp/bench_iotsense.XXXXXX";
	struct plg_set none, iot;
	struct dp_gen gen;
	struct dp_worker *w0 = NULL, *w1 = NULL;
	struct result off = { 0 }, on = { 0 };
	struct mm_cfg *cfg = NULL;
	struct capture c;
	double seconds = 3;
	uint64_t p0 = 0, p1 = 0;
	int o, rv = 1;

	while ((o = getopt_long(argc, argv, "p:s:P:d:h", lo, NULL)) != -1) {
		switch (o) {
		case 'p':
			pcap = optarg;
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'P':
			plugin = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return (0);
		default:
			fputs(usage, stderr);
			return (2);
		}
	}
	if (pcap == NULL || seconds <= 0) {
		fputs(usage, stderr);
		return (2);
	}
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0 ||
		rte_mbuf_dyn_rx_timestamp_register(&ws.ws_ts_offset, &ws.ws_ts_flag) != 0) {
		fprintf(stderr, PROG ": DPDK initialisation failed: %s\n", rte_strerror(rte_errno));
		return (1);
	}
	ws.ws_tsc_hz = rte_get_tsc_hz();
	ws.ws_base_tsc = rte_rdtsc();
	memset(&none, 0, sizeof(none));
	memset(&iot, 0, sizeof(iot));
	memset(&gen, 0, sizeof(gen));
	if (mkdtemp(state) == NULL || capture_load(&c, pcap) < 0)
		goto out;
	if (plugin_setup(&iot, &cfg, &gen, plugin != NULL ? plugin : IOTSENSE_PLUGIN, data, state) <
		0)
		goto out_cap;
	/* The plugin's worker is its slot 0; the bare one has an index of its own. */
	if ((w0 = worker_make(1, &none)) == NULL || (w1 = worker_make(0, &iot)) == NULL) {
		fprintf(stderr, PROG ": cannot create a worker: %s\n", rte_strerror(rte_errno));
		goto out_cap;
	}
	w1->w_gen = &gen;
	printf("iotsense: %s, %" PRIu32 " frames looped in memory (%" PRIu32
	       " over %d bytes left out), %.1f s a run\n",
		pcap, c.c_n, c.c_big, DATA_ROOM, seconds);
	/* Warm both (tables, caches, the plugin's state), then measure alternately. */
	{
		struct result warm = { 0 };

		run(w0, &none, &c, 0.2, &p0, &warm);
		run(w1, &iot, &c, 0.2, &p1, &warm);
	}
	for (int i = 0; i < 2; i++) {
		run(w0, &none, &c, seconds / 2, &p0, &off);
		run(w1, &iot, &c, seconds / 2, &p1, &on);
	}
	printf("iotsense off: %" PRIu64 " packets, %.1f ns/packet (%.2f Mpps)\n", off.r_pkts,
		(double)off.r_cpu_ns / (double)off.r_pkts,
		(double)off.r_pkts * 1e3 / (double)off.r_cpu_ns);
	printf("iotsense on:  %" PRIu64 " packets, %.1f ns/packet (%.2f Mpps), %" PRIu64
	       " events\n",
		on.r_pkts, (double)on.r_cpu_ns / (double)on.r_pkts,
		(double)on.r_pkts * 1e3 / (double)on.r_cpu_ns, on.r_events);
	printf("iotsense cost: %.1f ns/packet\n",
		(double)on.r_cpu_ns / (double)on.r_pkts -
			(double)off.r_cpu_ns / (double)off.r_pkts);
	printf("RESULT on=%.2f off=%.2f\n", (double)on.r_cpu_ns / (double)on.r_pkts,
		(double)off.r_cpu_ns / (double)off.r_pkts);
	rv = 0;
out_cap:
	if (w1 != NULL)
		dp_worker_free(w1);
	if (w0 != NULL)
		dp_worker_free(w0);
	hsvc_gen_free(gen.g_patterns);
	plg_unload(&iot);
	mm_cfg_free(cfg);
	capture_free(&c);
out:
	/* The plugin's state directory of this run (its pattern cache). */
	nftw(state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	rte_eal_cleanup();
	return (rv);
}
