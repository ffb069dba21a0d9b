/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_hyperscan: the pattern service (hsvc_scan_block) against raw
 * hs_scan on the same payloads and the same pattern set, in the same run.
 *
 * Every TCP and UDP payload of the captures named on the command line is
 * decoded with the dataplane's own decoder (dp_decode) and copied into one
 * buffer.  Direction and server port come from the ports: the lower port is
 * the server's (a heuristic; the flow table knows better, but the cost of a
 * scan does not depend on it).  Then, interleaved over several rounds and
 * keeping each variant's best round:
 *
 *   (a) peer: one block database of the whole set, hs_scan per payload,
 *       a callback that counts;
 *   (b) ours: hsvc_gen_build over the set, hsvc_scan_block per payload with
 *       the payload's protocol, direction and port, a callback that counts;
 *   (c) one database per exact scope (proto, direction, port), every database
 *       whose scope admits the payload scanned: the layout hsvc does not use,
 *       measured so that the choice stays checkable;
 *   (d) one database per (proto, server port) holding that port's patterns and
 *       all any-port ones, one scan per payload, direction at dispatch: the
 *       other layout hsvc does not use (it scans once but compiles the
 *       any-port set once per port).
 *
 * The last line is the headline: BENCH hyperscan: ours=(b) peer(hs_scan)=(a).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hs.h>
#include <pcap.h>

#include "bench_patterns.h"
#include "decode.h"
#include "hsvc.h"

#define PROG "bench_hyperscan"
/*
 * Measured slices: many short ones, each variant in turn, each keeping its
 * best.  Times are the scanning thread's CPU time, so a slice in which the
 * thread was preempted (the box may be busy) does not count against it.
 */
#define SLICE_NS   50000000ULL
#define MIN_ROUNDS 10

struct payload {
	uint64_t pl_off;
	uint32_t pl_len;
	uint16_t pl_port; /* server port */
	uint8_t pl_proto;
	bool pl_to_server;
};

struct corpus {
	uint8_t *c_buf;
	uint64_t c_bytes;
	struct payload *c_pl;
	size_t c_n;
	size_t c_cap;
	unsigned c_files;
};

/* A database of one scope of (c) or one port group of (d). */
struct scoped_db {
	hs_database_t *sd_db;
	uint8_t sd_proto; /* 0: both */
	uint8_t sd_dir;   /* MM_DIR_ANY: both */
	uint16_t sd_port; /* 0: any */
	bool sd_exact;    /* (d): port 0 means "no port-specific database" */
};

struct layout {
	struct scoped_db *l_db;
	size_t l_n;
	hs_scratch_t *l_scratch;
	uint64_t l_compile_ns;
	uint64_t l_bytes;
};

/* (d)'s callback checks direction from the pattern table. */
struct dctx {
	const struct hsvc_pattern *d_pat;
	uint64_t d_matches;
	uint8_t d_dir;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static int
corpus_add(struct corpus *c, const struct dp_pkt *p)
{
	struct payload *pl;

	if (c->c_n == c->c_cap) {
		size_t cap = c->c_cap ? 2 * c->c_cap : 4096;
		struct payload *np = realloc(c->c_pl, cap * sizeof(*np));

		if (np == NULL)
			return (-ENOMEM);
		c->c_pl = np;
		c->c_cap = cap;
	}
	pl = &c->c_pl[c->c_n++];
	pl->pl_off = c->c_bytes;
	pl->pl_len = p->p_payload_len;
	pl->pl_proto = p->p_proto;
	pl->pl_to_server = p->p_dport <= p->p_sport;
	pl->pl_port = pl->pl_to_server ? p->p_dport : p->p_sport;
	c->c_bytes += p->p_payload_len;
	return (0);
}

/* Two passes over the files: count, then copy into one buffer. */
static int
corpus_load(struct corpus *c, char **files, int nfiles)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	uint64_t total = 0;

	for (int pass = 0; pass < 2; pass++) {
		c->c_n = 0;
		c->c_bytes = 0;
		c->c_files = 0;
		if (pass == 1 && (c->c_buf = malloc(total > 0 ? total : 1)) == NULL)
			return (-ENOMEM);
		for (int f = 0; f < nfiles; f++) {
			struct pcap_pkthdr *h;
			const u_char *data;
			pcap_t *pc;
			int rc;

			if ((pc = pcap_open_offline(files[f], errbuf)) == NULL) {
				fprintf(stderr, PROG ": %s: %s\n", files[f], errbuf);
				return (-EIO);
			}
			if (pcap_datalink(pc) != DLT_EN10MB) {
				if (pass == 0)
					printf(PROG ": %s: link type %s, not Ethernet: skipped\n",
						files[f],
						pcap_datalink_val_to_name(pcap_datalink(pc)));
				pcap_close(pc);
				continue;
			}
			c->c_files++;
			while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
				struct dp_pkt p;

				if (dp_decode_seg(data, h->caplen, h->len, &p) != DP_LAYER_L4 ||
					(p.p_proto != IPPROTO_TCP && p.p_proto != IPPROTO_UDP) ||
					p.p_payload_len == 0 || p.p_fragment)
					continue;
				if (pass == 1)
					memcpy(c->c_buf + c->c_bytes, p.p_payload, p.p_payload_len);
				if (corpus_add(c, &p) != 0) {
					pcap_close(pc);
					return (-ENOMEM);
				}
			}
			pcap_close(pc);
		}
		total = c->c_bytes;
	}
	return (0);
}

static int
count_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	void *ctx)
{
	(*(uint64_t *)ctx)++;
	return (0);
}

static int
count_hsvc(void *ctx, uint32_t plugin, uint32_t id, uint64_t from, uint64_t to)
{
	(*(uint64_t *)ctx)++;
	return (0);
}

static int
dir_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	void *ctx)
{
	struct dctx *d = ctx;
	uint8_t dir = d->d_pat[id].hp_pat.pt_dir;

	if (dir == MM_DIR_ANY || dir == d->d_dir)
		d->d_matches++;
	return (0);
}

/* Compiles the patterns of v selected by keep(); NULL when none are. */
static int
compile_sel(
	const struct hsvc_pattern *v, size_t n, const bool *keep, hs_database_t **db, uint64_t *ns)
{
	const char **expr = calloc(n, sizeof(*expr));
	unsigned *flags = calloc(n, sizeof(*flags)), *ids = calloc(n, sizeof(*ids));
	hs_compile_error_t *ce = NULL;
	unsigned k = 0;
	uint64_t t0;
	hs_error_t rc;
	int rv = 0;

	*db = NULL;
	if (expr == NULL || flags == NULL || ids == NULL) {
		rv = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		expr[k] = v[i].hp_pat.pt_expr;
		flags[k] = v[i].hp_pat.pt_flags;
		ids[k] = (unsigned)i;
		k++;
	}
	if (k == 0)
		goto out;
	t0 = now_ns();
	rc = hs_compile_ext_multi(expr, flags, ids, NULL, k, HS_MODE_BLOCK, NULL, db, &ce);
	*ns += now_ns() - t0;
	if (rc != HS_SUCCESS) {
		fprintf(stderr, PROG ": compile of %u patterns: %s (expression %d)\n", k,
			ce != NULL ? ce->message : "?", ce != NULL ? ce->expression : -1);
		hs_free_compile_error(ce);
		*db = NULL;
		rv = -EINVAL;
	}
out:
	free(expr);
	free(flags);
	free(ids);
	return (rv);
}

static int
layout_add(struct layout *l, const struct hsvc_pattern *v, size_t n, const bool *keep,
	struct scoped_db sd)
{
	struct scoped_db *nd;
	size_t sz = 0;
	int rv;

	if ((rv = compile_sel(v, n, keep, &sd.sd_db, &l->l_compile_ns)) != 0)
		return (rv);
	if (sd.sd_db == NULL)
		return (0);
	nd = realloc(l->l_db, (l->l_n + 1) * sizeof(*nd));
	if (nd == NULL) {
		hs_free_database(sd.sd_db);
		return (-ENOMEM);
	}
	l->l_db = nd;
	l->l_db[l->l_n++] = sd;
	if (hs_database_size(sd.sd_db, &sz) == HS_SUCCESS)
		l->l_bytes += sz;
	if (hs_alloc_scratch(sd.sd_db, &l->l_scratch) != HS_SUCCESS)
		return (-ENOMEM);
	return (0);
}

static bool
scope_seen(const struct layout *l, uint8_t proto, uint8_t dir, uint16_t port)
{
	for (size_t i = 0; i < l->l_n; i++)
		if (l->l_db[i].sd_proto == proto && l->l_db[i].sd_dir == dir &&
			l->l_db[i].sd_port == port)
			return (true);
	return (false);
}

/* (c): one database per distinct (proto, dir, port). */
static int
layout_exact(struct layout *l, const struct hsvc_pattern *v, size_t n)
{
	bool *keep = calloc(n, sizeof(*keep));
	int rv = 0;

	if (keep == NULL)
		return (-ENOMEM);
	for (size_t i = 0; i < n && rv == 0; i++) {
		const struct mm_pattern *a = &v[i].hp_pat;

		if (scope_seen(l, a->pt_proto, a->pt_dir, a->pt_port))
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct mm_pattern *b = &v[j].hp_pat;

			keep[j] = b->pt_proto == a->pt_proto && b->pt_dir == a->pt_dir &&
				  b->pt_port == a->pt_port;
		}
		rv = layout_add(l, v, n, keep,
			(struct scoped_db){ NULL, a->pt_proto, a->pt_dir, a->pt_port, true });
	}
	free(keep);
	return (rv);
}

/* (d): per protocol, one database per server port with patterns, and one for the rest. */
static int
layout_port(struct layout *l, const struct hsvc_pattern *v, size_t n)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	bool *keep = calloc(n, sizeof(*keep));
	int rv = 0;

	if (keep == NULL)
		return (-ENOMEM);
	for (size_t pi = 0; pi < 2 && rv == 0; pi++) {
		uint8_t proto = protos[pi];

		/* Port 0 first: the database for ports without patterns of their own. */
		for (size_t i = 0; i <= n && rv == 0; i++) {
			uint16_t port = i == 0 ? 0 : v[i - 1].hp_pat.pt_port;

			if (i > 0 && (port == 0 || (v[i - 1].hp_pat.pt_proto != 0 &&
							   v[i - 1].hp_pat.pt_proto != proto)))
				continue;
			if (scope_seen(l, proto, MM_DIR_ANY, port))
				continue;
			for (size_t j = 0; j < n; j++) {
				const struct mm_pattern *b = &v[j].hp_pat;

				keep[j] = (b->pt_proto == 0 || b->pt_proto == proto) &&
					  (b->pt_port == 0 || b->pt_port == port);
			}
			rv = layout_add(l, v, n, keep,
				(struct scoped_db){ NULL, proto, MM_DIR_ANY, port, false });
		}
	}
	free(keep);
	return (rv);
}

static void
layout_free(struct layout *l)
{
	for (size_t i = 0; i < l->l_n; i++)
		hs_free_database(l->l_db[i].sd_db);
	free(l->l_db);
	hs_free_scratch(l->l_scratch);
	memset(l, 0, sizeof(*l));
}

enum variant { V_RAW, V_HSVC, V_EXACT, V_PORT, V_COUNT };
static const char *const variant_names[V_COUNT] = {
	"(a) raw hs_scan, one database",
	"(b) hsvc_scan_block",
	"(c) exact scopes, every matching database",
	"(d) one database per (proto, port)",
};

struct bench {
	const struct corpus *b_c;
	const struct bench_set *b_set;
	hs_database_t *b_raw;
	hs_scratch_t *b_raw_scratch;
	const struct hsvc_gen *b_gen;
	const struct layout *b_exact;
	const struct layout *b_port;
};

/* One pass over every payload; returns the matches, or UINT64_MAX on a scan error. */
static uint64_t
pass(const struct bench *b, enum variant v)
{
	const struct corpus *c = b->b_c;
	uint64_t matches = 0;

	for (size_t i = 0; i < c->c_n; i++) {
		const struct payload *pl = &c->c_pl[i];
		const char *data = (const char *)c->c_buf + pl->pl_off;

		switch (v) {
		case V_RAW:
			if (hs_scan(b->b_raw, data, pl->pl_len, 0, b->b_raw_scratch, count_cb,
				    &matches) != HS_SUCCESS)
				return (UINT64_MAX);
			break;
		case V_HSVC:
			if (hsvc_scan_block(b->b_gen, 0, pl->pl_proto, pl->pl_to_server,
				    pl->pl_port, data, pl->pl_len, count_hsvc, &matches) < 0)
				return (UINT64_MAX);
			break;
		case V_EXACT: {
			uint8_t dir = pl->pl_to_server ? MM_DIR_TO_SERVER : MM_DIR_TO_CLIENT;

			for (size_t k = 0; k < b->b_exact->l_n; k++) {
				const struct scoped_db *sd = &b->b_exact->l_db[k];

				if ((sd->sd_proto != 0 && sd->sd_proto != pl->pl_proto) ||
					(sd->sd_dir != MM_DIR_ANY && sd->sd_dir != dir) ||
					(sd->sd_port != 0 && sd->sd_port != pl->pl_port))
					continue;
				if (hs_scan(sd->sd_db, data, pl->pl_len, 0, b->b_exact->l_scratch,
					    count_cb, &matches) != HS_SUCCESS)
					return (UINT64_MAX);
			}
			break;
		}
		case V_PORT: {
			const struct scoped_db *any = NULL, *hit = NULL;
			struct dctx d = { b->b_set->bs_pat, 0,
				pl->pl_to_server ? MM_DIR_TO_SERVER : MM_DIR_TO_CLIENT };

			for (size_t k = 0; k < b->b_port->l_n && hit == NULL; k++) {
				const struct scoped_db *sd = &b->b_port->l_db[k];

				if (sd->sd_proto != pl->pl_proto)
					continue;
				if (sd->sd_port == pl->pl_port)
					hit = sd;
				else if (sd->sd_port == 0)
					any = sd;
			}
			if (hit == NULL)
				hit = any;
			if (hit != NULL && hs_scan(hit->sd_db, data, pl->pl_len, 0,
						   b->b_port->l_scratch, dir_cb, &d) != HS_SUCCESS)
				return (UINT64_MAX);
			matches += d.d_matches;
			break;
		}
		default:
			break;
		}
	}
	return (matches);
}

static void
usage(void)
{
	fprintf(stderr, "usage: " PROG " [--seconds S] [--no-extra] capture...\n"
			"  --seconds S   measured time of each variant (default 2)\n"
			"  --no-extra    skip the informational layouts (c) and (d)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "seconds", required_argument, NULL, 's' },
		{ "no-extra", no_argument, NULL, 'x' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	double seconds = 2.0, best[V_COUNT] = { 0 }, best_pps[V_COUNT] = { 0 };
	uint64_t per_pass[V_COUNT] = { 0 };
	struct layout exact = { 0 }, port = { 0 };
	struct hsvc_gen *gen = NULL;
	struct bench_set set;
	struct hsvc_stats st;
	struct corpus c = { 0 };
	struct bench b = { 0 };
	unsigned nvariants = V_COUNT, rounds;
	uint64_t raw_ns = 0, t0;
	char err[512];
	bool *all;
	int opt;

	while ((opt = getopt_long(argc, argv, "s:xh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			seconds = strtod(optarg, NULL);
			if (seconds <= 0) {
				fprintf(stderr, PROG ": --seconds %s: expected a positive number\n",
					optarg);
				return (2);
			}
			break;
		case 'x':
			nvariants = V_HSVC + 1;
			break;
		default:
			usage();
			return (opt == 'h' ? 0 : 2);
		}
	}
	if (optind >= argc) {
		usage();
		return (2);
	}
	if (corpus_load(&c, argv + optind, argc - optind) != 0)
		return (1);
	if (c.c_n == 0) {
		fprintf(stderr, PROG ": no TCP or UDP payload in %d file(s)\n", argc - optind);
		return (1);
	}
	printf("hyperscan: %zu TCP/UDP payloads, %" PRIu64 " bytes (mean %.0f) from %u files\n",
		c.c_n, c.c_bytes, (double)c.c_bytes / (double)c.c_n, c.c_files);

	if (bench_set_make(&set) != 0) {
		fprintf(stderr, PROG ": no memory for the pattern set\n");
		return (1);
	}
	{
		static bool seen[65536];
		unsigned nports = 0, scoped = 0;

		for (size_t i = 0; i < set.bs_n; i++) {
			uint16_t sp = set.bs_pat[i].hp_pat.pt_port;

			if (sp != 0 || set.bs_pat[i].hp_pat.pt_dir != MM_DIR_ANY)
				scoped++;
			if (sp != 0 && !seen[sp]) {
				seen[sp] = true;
				nports++;
			}
		}
		printf("hyperscan: %zu patterns (%zu literals, %zu regular expressions), block "
		       "mode; %u with a port or a direction, over %u server ports\n",
			set.bs_n, set.bs_literals, set.bs_n - set.bs_literals, scoped, nports);
	}

	/* (a): the whole set in one database. */
	if ((all = malloc(set.bs_n * sizeof(*all))) == NULL)
		return (1);
	for (size_t i = 0; i < set.bs_n; i++)
		all[i] = true;
	if (compile_sel(set.bs_pat, set.bs_n, all, &b.b_raw, &raw_ns) != 0)
		return (1);
	free(all);
	if (hs_alloc_scratch(b.b_raw, &b.b_raw_scratch) != HS_SUCCESS) {
		fprintf(stderr, PROG ": hs_alloc_scratch failed\n");
		return (1);
	}
	printf("hyperscan: (a) one database: compiled in %.0f ms\n", (double)raw_ns / 1e6);

	/* (b): the service, no cache: the compile time is the service's own. */
	if (hsvc_gen_build(set.bs_pat, set.bs_n, NULL, 1, &gen, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": hsvc_gen_build: %s\n", err);
		return (1);
	}
	hsvc_gen_stats(gen, &st);
	printf("hyperscan: (b) hsvc: %u databases, %.1f KiB, scratch %.1f KiB, "
	       "built in %.0f ms (%.0f ms compiling)\n",
		st.st_databases, (double)st.st_db_bytes / 1024, (double)st.st_scratch_bytes / 1024,
		(double)st.st_build_ns / 1e6, (double)st.st_compile_ns / 1e6);
	{
		char tmpl[] = "/tmp/bench_hyperscan.XXXXXX";
		char *dir = mkdtemp(tmpl);
		struct hsvc_gen *cold = NULL, *warm = NULL;
		struct hsvc_stats sc, sw;

		if (dir != NULL &&
			hsvc_gen_build(set.bs_pat, set.bs_n, dir, 1, &cold, err, sizeof(err)) ==
				0 &&
			hsvc_gen_build(set.bs_pat, set.bs_n, dir, 1, &warm, err, sizeof(err)) ==
				0) {
			hsvc_gen_stats(cold, &sc);
			hsvc_gen_stats(warm, &sw);
			printf("hyperscan: (b) hsvc with a cache: cold build %.0f ms, warm build "
			       "%.1f ms (%u of %u databases from the cache)\n",
				(double)sc.st_build_ns / 1e6, (double)sw.st_build_ns / 1e6,
				sw.st_cache_hits, sw.st_databases);
		}
		hsvc_gen_free(cold);
		hsvc_gen_free(warm);
		/* An empty generation uses no file: pruning against it empties the directory. */
		if (dir != NULL) {
			struct hsvc_gen *none = NULL;

			if (hsvc_gen_build(NULL, 0, NULL, 1, &none, err, sizeof(err)) == 0)
				(void)hsvc_cache_prune(none, dir);
			hsvc_gen_free(none);
			if (rmdir(dir) != 0)
				fprintf(stderr, PROG ": cannot remove %s: %s\n", dir,
					strerror(errno));
		}
	}
	b.b_c = &c;
	b.b_set = &set;
	b.b_gen = gen;
	b.b_exact = &exact;
	b.b_port = &port;
	if (nvariants > V_EXACT) {
		if (layout_exact(&exact, set.bs_pat, set.bs_n) != 0 ||
			layout_port(&port, set.bs_pat, set.bs_n) != 0)
			return (1);
		printf("hyperscan: (c) exact scopes: %zu databases, %.1f KiB, compiled in %.0f "
		       "ms\n",
			exact.l_n, (double)exact.l_bytes / 1024, (double)exact.l_compile_ns / 1e6);
		printf("hyperscan: (d) per (proto, port): %zu databases, %.1f KiB, compiled in "
		       "%.0f ms\n",
			port.l_n, (double)port.l_bytes / 1024, (double)port.l_compile_ns / 1e6);
	}

	/* Warm up, and count matches per pass. */
	for (unsigned v = 0; v < nvariants; v++) {
		if ((per_pass[v] = pass(&b, (enum variant)v)) == UINT64_MAX) {
			fprintf(stderr, PROG ": %s: scan error\n", variant_names[v]);
			return (1);
		}
	}
	/* The service and the layouts it did not choose must report the same matches. */
	for (unsigned v = V_EXACT; v < nvariants; v++) {
		if (per_pass[v] != per_pass[V_HSVC]) {
			fprintf(stderr,
				PROG ": %s reports %" PRIu64 " matches per pass, hsvc %" PRIu64
				     "\n",
				variant_names[v], per_pass[v], per_pass[V_HSVC]);
			return (1);
		}
	}
	/* Rounds, the order rotated each round; each variant keeps its best slice. */
	rounds = (unsigned)(seconds * 1e9 / (double)SLICE_NS);
	if (rounds < MIN_ROUNDS)
		rounds = MIN_ROUNDS;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned k = 0; k < nvariants; k++) {
			enum variant v = (enum variant)((k + r) % nvariants);
			uint64_t el, passes = 0;
			double mbs, pps;

			t0 = cpu_ns();
			do {
				if (pass(&b, v) == UINT64_MAX)
					return (1);
				passes++;
				el = cpu_ns() - t0;
			} while (el < SLICE_NS);
			mbs = (double)(c.c_bytes * passes) / ((double)el / 1e9) / 1e6;
			pps = (double)(c.c_n * passes) / ((double)el / 1e9);
			if (mbs > best[v]) {
				best[v] = mbs;
				best_pps[v] = pps;
			}
		}
	}
	printf("hyperscan: best of %u slices of %.0f ms CPU time per variant\n", rounds,
		(double)SLICE_NS / 1e6);
	for (unsigned v = 0; v < nvariants; v++)
		printf("hyperscan: %-44s %9.1f MB/s %10.0f payloads/s %7" PRIu64
		       " matches per pass\n",
			variant_names[v], best[v], best_pps[v], per_pass[v]);
	hsvc_gen_stats(gen, &st);
	if (st.st_scan_errors != 0)
		printf("hyperscan: hsvc counted %" PRIu64 " scan errors\n", st.st_scan_errors);
	printf("BENCH hyperscan: ours=%.1f MB/s peer(hs_scan)=%.1f MB/s ratio=%.2f\n", best[V_HSVC],
		best[V_RAW], best[V_HSVC] / best[V_RAW]);

	layout_free(&exact);
	layout_free(&port);
	hsvc_gen_free(gen);
	hs_free_scratch(b.b_raw_scratch);
	hs_free_database(b.b_raw);
	bench_set_free(&set);
	free(c.c_buf);
	free(c.c_pl);
	return (0);
}
