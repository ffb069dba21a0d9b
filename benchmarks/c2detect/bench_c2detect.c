/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_c2detect: flow records analysed per second on one core by c2detect's
 * engine (the pair table, beacon scoring and fan-in), with a given number of
 * tracked pairs, and the memory each pair costs.
 *
 * The records are synthetic: SOURCES subscribers each talk to a few outside
 * servers, one record every few minutes per pair (some periodic, some not),
 * so that the table holds PAIRS entries (port pairs and host pairs) when
 * full.  The measured time covers adding every record (both pairs it
 * updates) and one complete scoring of every pair and of every server's
 * fan-in at the end: a scoring round per RECORDS records, where mamorid
 * scores every eval_interval (5 minutes).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fanin.h"
#include "pairs.h"

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static uint64_t
rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: bench_c2detect [--pairs N] [--records N] [--seed N]\n"
		   "Flow records analysed per CPU-second by c2detect's engine with N tracked\n"
		   "pairs (default 1000000; half port pairs, half host pairs) over --records\n"
		   "records (default 10000000), including one full scoring round.\n"
		   "Prints RATE <records/s> and BYTES_PER_PAIR <bytes>.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = { { "pairs", required_argument, NULL, 'p' },
		{ "records", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	uint64_t pairs = 1000000, records = 10000000, seed = 1, scored = 0, servers;
	struct fi_params fp = { 600, 2048, 16, 3, 50, 0.7 };
	double t0, t_add, t_score, work[2 * PT_SAMPLES];
	struct pt_table t;
	struct fi_server *fv = NULL;
	struct rusage ru;
	struct pt_pair *p;
	uint32_t cursor = 0, base = 1775001600;
	long nf;
	int c;

	while ((c = getopt_long(argc, argv, "p:r:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pairs = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			records = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (pairs < 16 || pairs > 50000000 || records == 0) {
		fprintf(stderr, "bench_c2detect: --pairs 16..50000000 and --records > 0\n");
		return (2);
	}
	if (pt_init(&t, (uint32_t)pairs, 86400) != 0) {
		fprintf(stderr, "bench_c2detect: cannot allocate %" PRIu64 " pairs\n", pairs);
		return (1);
	}
	/* pairs / 2 (source, server) combinations, each one port pair and one host pair. */
	{
		uint64_t combos = pairs / 2, s = seed;
		uint32_t span = 6 * 3600;

		t0 = cpu_now();
		for (uint64_t i = 0; i < records; i += PT_BURST / 2) {
			struct pt_key k[PT_BURST];
			struct pt_conn cn[PT_BURST];
			unsigned m = 0;

			for (uint64_t j = i; j < records && m < PT_BURST; j++) {
				uint64_t r = rng(&s), combo = r % combos;
				uint32_t when;

				memset(&k[m], 0, sizeof(k[m]));
				k[m].k_src[10] = k[m].k_src[11] = k[m].k_dst[10] = k[m].k_dst[11] =
					0xff;
				k[m].k_src[12] = 10;
				memcpy(k[m].k_src + 13, &combo, 3);
				k[m].k_dst[12] = 198;
				k[m].k_dst[13] = (uint8_t)(combo >> 24);
				k[m].k_dst[14] = (uint8_t)(combo * 7);
				k[m].k_dst[15] = (uint8_t)(combo >> 8);
				k[m].k_proto = 6;
				k[m].k_port = (uint16_t)(combo % 3 == 0 ? 23 : 443);
				/* Time moves on with the stream; a third of the pairs beacon. */
				when = base + (uint32_t)((double)j / (double)records * span);
				if (combo % 3 == 0)
					when -= when % 60;
				memset(&cn[m], 0, sizeof(cn[m]));
				cn[m].c_first = when;
				cn[m].c_last = when + (uint32_t)(r >> 60);
				cn[m].c_bytes = 60 + ((r >> 20) & 1023);
				cn[m].c_bytes_back = 40 + ((r >> 30) & 4095);
				cn[m].c_sport = (uint16_t)(1024 + (r >> 40) % 60000);
				cn[m].c_dport = k[m].k_port;
				/* Its host pair, as the plugin adds it. */
				k[m + 1] = k[m];
				k[m + 1].k_port = 0;
				k[m + 1].k_proto = 0;
				k[m + 1].k_host = 1;
				cn[m + 1] = cn[m];
				m += 2;
			}
			pt_add_burst(&t, k, cn, m, NULL);
		}
		t_add = cpu_now() - t0;
	}
	t0 = cpu_now();
	while ((p = pt_next(&t, &cursor)) != NULL) {
		struct bc_score sc;
		double conns;

		if (p->p_conns < BC_MIN_TIMESTAMPS)
			continue;
		pt_score(&t, p, work, &sc, &conns);
		p->p_tsscore = (float)sc.ts;
		scored++;
	}
	nf = fi_compute(&t, &fp, NULL, &fv);
	servers = nf > 0 ? (uint64_t)nf : 0;
	free(fv);
	t_score = cpu_now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("pairs tracked: %" PRIu32 " of %" PRIu64 " (%" PRIu64 " created, %" PRIu64
	       " evicted)\n",
		t.t_used, pairs, t.t_st.ps_created, t.t_st.ps_evicted);
	printf("records: %" PRIu64 " in %.3f CPU-s (%.0f per CPU-second)\n", records, t_add,
		(double)records / t_add);
	printf("scoring round: %" PRIu64 " pairs scored, %" PRIu64
	       " fan-in servers reported, %.3f CPU-s (%.2f us per pair)\n",
		scored, servers, t_score, t_score * 1e6 / (double)(scored ? scored : 1));
	printf("memory: table %zu bytes, %.0f bytes per pair (struct %zu); max RSS %ld KiB\n",
		pt_memory(&t), (double)pt_memory(&t) / (double)pairs, sizeof(struct pt_pair),
		ru.ru_maxrss);
	printf("RATE %.0f\n", (double)records / (t_add + t_score));
	printf("BYTES_PER_PAIR %.0f\n", (double)pt_memory(&t) / (double)pairs);
	pt_fini(&t);
	return (0);
}
