/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fastpath: packets per second on one core for decode + flow tracking,
 * that is dp_worker_process() followed by flow_table_expire() -- the work a
 * worker lcore does for every burst -- on
 *
 *   (a) a capture read through net_pcap into mbufs once, then looped in
 *       memory (bench_capture.c), and
 *   (b) a synthetic stream of 64-byte UDP frames, each burst rewritten to
 *       pick flows at random among --flows of them (bench_synth.c).
 *
 * One worker object is driven directly on the main lcore: no rings between
 * cores and no remote launch, so the figures are what one worker core costs.
 * Getting the frames ready (reference counts, timestamps, in (b) allocation
 * and the rewriting of the packets) is inside the measured time.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "bench_fastpath.h"
#include "settings.h"

#define BENCH_RECORDS 16384 /* event ring (unused: no plugins are loaded) */

struct dp_workers bench_ws;

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--pcap FILE] [--seconds S] [--flows N] [--capacity N]\n"
		   "       [--memory MB] [--no-synthetic] [--refcnt]\n"
		   "  --pcap FILE     (a): loop this capture (pcap or pcapng) in memory\n"
		   "  --seconds S     measured time of each part (default 3)\n"
		   "  --flows N       (b): flows in the synthetic stream (default 1048576)\n"
		   "  --capacity N    (b): flow table capacity (default 2097152)\n"
		   "  --memory MB     DPDK memory without hugepages (default 3072)\n"
		   "  --no-synthetic  run (a) only\n"
		   "  --refcnt        (b): reuse fixed frames by reference count, as (a) must,\n"
		   "                  instead of taking them from the mempool as a PMD does\n");
}

static int
parse_u32(const char *opt, const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || end == s || x < lo || x > hi) {
		fprintf(stderr, PROG ": %s: '%s' is not a number in [%" PRIu32 ", %" PRIu32 "]\n",
			opt, s, lo, hi);
		return (-EINVAL);
	}
	*v = (uint32_t)x;
	return (0);
}

static int
parse_opts(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lopts[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'f' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "no-synthetic", no_argument, NULL, 'n' },
		{ "refcnt", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	char *end;
	int c;

	o->bo_pcap = NULL;
	o->bo_seconds = 3.0;
	o->bo_flows = 1U << 20;
	o->bo_capacity = 1U << 21;
	o->bo_memory_mb = 3072;
	o->bo_skip_synth = false;
	o->bo_refcnt = false;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->bo_pcap = optarg;
			break;
		case 's':
			o->bo_seconds = strtod(optarg, &end);
			if (*end != '\0' || !(o->bo_seconds > 0.0 && o->bo_seconds <= 3600.0)) {
				fprintf(stderr, PROG ": --seconds: '%s' is not in (0, 3600]\n",
					optarg);
				return (-EINVAL);
			}
			break;
		case 'f':
			if (parse_u32("--flows", optarg, 1, BENCH_FLOWS_MAX, &o->bo_flows) < 0)
				return (-EINVAL);
			break;
		case 'c':
			if (parse_u32("--capacity", optarg, 8, 1U << 28, &o->bo_capacity) < 0)
				return (-EINVAL);
			break;
		case 'm':
			if (parse_u32("--memory", optarg, 256, 1U << 20, &v) < 0)
				return (-EINVAL);
			o->bo_memory_mb = v;
			break;
		case 'n':
			o->bo_skip_synth = true;
			break;
		case 'r':
			o->bo_refcnt = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return (-EINVAL);
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return (-EINVAL);
	}
	return (0);
}

/* One worker, as mamorid makes them. */
static struct plg_set bench_plugins;

struct dp_worker *
bench_worker_make(uint32_t capacity)
{
	static const uint64_t s = 1000000000ULL;
	struct dp_settings st;
	struct dp_worker *w;

	memset(&st, 0, sizeof(st));
	st.s_burst = BENCH_BURST;
	st.s_dispatch_ring = 1024;
	st.s_event_ring = BENCH_RECORDS;
	st.s_flow.fc_capacity = capacity;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_TCP_NEW] = 30 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_TCP_ESTABLISHED] = 600 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_TCP_CLOSED] = 10 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_UDP] = 120 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_ICMP] = 60 * s;
	st.s_flow.fc_timeout_ns[FLOW_CLASS_OTHER] = 60 * s;
	st.s_flow.fc_active_ns = 1800 * s;
	/* The core fast path alone: no plugin hooks. */
	w = dp_worker_create(&bench_ws, 0, rte_lcore_id(), &st, false, &bench_plugins);
	if (w == NULL) {
		fprintf(stderr, PROG ": cannot create a worker with a %" PRIu32 "-flow table: %s\n",
			capacity, rte_strerror(rte_errno));
		return (NULL);
	}
	bench_ws.ws_v[0] = w;
	bench_ws.ws_n = 1;
	return (w);
}

void
bench_worker_drop(struct dp_worker *w)
{
	bench_ws.ws_v[0] = NULL;
	bench_ws.ws_n = 0;
	dp_worker_free(w);
}

/* Flow records the worker's table emitted since the last call. */
unsigned
bench_records_drain(struct dp_worker *w)
{
	static uint64_t seen;
	uint64_t n = w->w_stats.ls_records - seen;

	seen = w->w_stats.ls_records;
	return ((unsigned)n);
}

uint64_t
bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/*
 * The rate per core is over the thread's CPU time: when something else shares
 * the core, wall time would count its share against us.  Both are printed.
 */
void
bench_print_rate(const char *what, const struct run_result *r, const char *goal)
{
	double hz = (double)rte_get_tsc_hz();
	double wall = (double)r->rr_cycles / hz;
	double cpu = (double)r->rr_cpu_ns / 1e9;
	double mpps = (double)r->rr_pkts / cpu / 1e6;

	printf("%s: %.2f Mpps per core%s (%.1f ns/packet, %.0f cycles/packet at %.2f GHz; "
	       "%.2f Mpps over wall time, the thread had %.0f%% of the core)\n",
		what, mpps, goal, 1e3 / mpps, cpu * hz / (double)r->rr_pkts, hz / 1e9,
		(double)r->rr_pkts / wall / 1e6, 100.0 * cpu / wall);
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	char mem[16], *eal[16];
	int n = 0, rv = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return (2);
	snprintf(mem, sizeof(mem), "%u", o.bo_memory_mb);
	eal[n++] = argv[0];
	eal[n++] = "--no-huge";
	eal[n++] = "--no-shconf";
	eal[n++] = "-m";
	eal[n++] = mem;
	eal[n++] = "--no-pci";
	eal[n++] = "--no-telemetry";
	eal[n++] = "-l";
	eal[n++] = "0";
	eal[n++] = "--log-level=error";
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, PROG ": DPDK EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return (1);
	}
	if (rte_mbuf_dyn_rx_timestamp_register(&bench_ws.ws_ts_offset, &bench_ws.ws_ts_flag) != 0) {
		fprintf(stderr, PROG ": cannot register the mbuf timestamp field: %s\n",
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return (1);
	}
	bench_ws.ws_tsc_hz = rte_get_tsc_hz();
	bench_ws.ws_base_tsc = rte_rdtsc();
	if (o.bo_pcap != NULL && bench_capture_run(&o) < 0)
		rv = 1;
	if (rv == 0 && !o.bo_skip_synth && bench_synth_run(&o) < 0)
		rv = 1;
	rte_eal_cleanup();
	return (rv);
}
