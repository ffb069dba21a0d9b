/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feeds captured datagrams through the NetFlow/IPFIX decoder and prints what
 * came out as one JSON object, for test_netflow_peers.py to compare with
 * nfcapd/nfdump on the same datagrams.
 *
 *	test_netflow_feed [--split] [--lenient] FILE...
 *
 * Each FILE holds datagrams as [length, 2 bytes big-endian][datagram]...;
 * the Nth file comes from exporter 127.0.0.N (one exporter process each).  --split splits biflows;
 *--lenient lifts the range checks on times (for replays of old files whose header clocks say
 * otherwise).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamori/netflow.h"

struct totals {
	uint64_t t_records;
	uint64_t t_pkts_ts, t_pkts_tc, t_bytes_ts, t_bytes_tc;
	uint64_t t_v6;
	uint64_t t_first_ns, t_last_ns;
	uint64_t t_first4_ns, t_last4_ns; /* IPv4 flows only (v5 has no others) */
	uint64_t t_sampled;               /* records with fr_sampling > 1 */
};

static void
count(void *arg, const struct mm_flow_rec *r)
{
	struct totals *t = arg;

	t->t_records++;
	t->t_pkts_ts += r->fr_pkts_ts;
	t->t_pkts_tc += r->fr_pkts_tc;
	t->t_bytes_ts += r->fr_bytes_ts;
	t->t_bytes_tc += r->fr_bytes_tc;
	t->t_v6 += !mm_addr_is_v4(&r->fr_src);
	t->t_sampled += r->fr_sampling > 1;
	if (t->t_first_ns == 0 || r->fr_first_ns < t->t_first_ns)
		t->t_first_ns = r->fr_first_ns;
	if (r->fr_last_ns > t->t_last_ns)
		t->t_last_ns = r->fr_last_ns;
	if (!mm_addr_is_v4(&r->fr_src))
		return;
	if (t->t_first4_ns == 0 || r->fr_first_ns < t->t_first4_ns)
		t->t_first4_ns = r->fr_first_ns;
	if (r->fr_last_ns > t->t_last4_ns)
		t->t_last4_ns = r->fr_last_ns;
}

static int
feed(struct mm_nf *nf, const char *path, unsigned n_file, struct totals *t, uint64_t *now,
	int *refused)
{
	struct mm_addr ex;
	char addr[32];
	uint8_t hdr[2], *dg;
	char why[256];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	if ((dg = malloc(65536)) == NULL) {
		fclose(f);
		return (-1);
	}
	snprintf(addr, sizeof(addr), "127.0.%u.%u", (n_file >> 8) & 0xff, n_file & 0xff);
	mm_addr_parse(addr, &ex);
	while (fread(hdr, 1, 2, f) == 2) {
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (fread(dg, 1, n, f) != n) {
			fprintf(stderr, "%s: datagram cut short\n", path);
			break;
		}
		*now += 1000;
		if (mm_nf_decode(nf, &ex, dg, n, *now, count, t, why, sizeof(why)) < 0) {
			fprintf(stderr, "%s: refused: %s\n", path, why);
			(*refused)++;
		}
	}
	free(dg);
	fclose(f);
	return (0);
}

int
main(int argc, char **argv)
{
	struct mm_nf_limits lim = { 0 };
	enum mm_nf_biflow bi = MM_NF_BIFLOW_KEEP;
	struct mm_nf_exporter_stats *es;
	struct totals t = { 0 };
	struct mm_nf_stats st;
	struct timespec ts;
	struct mm_nf *nf;
	uint64_t now, gaps = 0, malformed = 0, unknown = 0, oor = 0;
	uint32_t sampling = 1;
	size_t ns;
	int i, first, refused = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--split") == 0) {
			bi = MM_NF_BIFLOW_SPLIT;
		} else if (strcmp(argv[i], "--lenient") == 0) {
			lim.nl_max_future_ns = UINT64_MAX;
			lim.nl_max_age_ns = UINT64_MAX;
		} else {
			fprintf(stderr, "usage: %s [--split] [--lenient] FILE...\n", argv[0]);
			return (2);
		}
	}
	if ((nf = mm_nf_new(&lim, bi)) == NULL)
		return (1);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (first = i; i < argc; i++)
		if (feed(nf, argv[i], (unsigned)(i - first + 1), &t, &now, &refused) != 0)
			return (1);
	/* Whatever is still held for a template will not be decoded. */
	mm_nf_expire(nf, now + 3600ULL * 1000000000ULL);
	mm_nf_stats(nf, &st);
	ns = mm_nf_exporters(nf, NULL, 0);
	if ((es = calloc(ns + 1, sizeof(*es))) == NULL)
		return (1);
	mm_nf_exporters(nf, es, ns);
	for (size_t j = 0; j < ns; j++) {
		gaps += es[j].es_seq_gaps;
		malformed += es[j].es_malformed;
		unknown += es[j].es_unknown_template;
		oor += es[j].es_out_of_range;
		if (es[j].es_sampling > sampling)
			sampling = es[j].es_sampling;
	}
	printf("{\"datagrams\": %" PRIu64 ", \"refused\": %d, \"records\": %" PRIu64
	       ", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"packets_ts\": %" PRIu64
	       ", \"packets_tc\": %" PRIu64 ", \"bytes_ts\": %" PRIu64 ", \"bytes_tc\": %" PRIu64
	       ", \"ipv6\": %" PRIu64 ", \"first_ms\": %" PRIu64 ", \"last_ms\": %" PRIu64
	       ", \"first4_ms\": %" PRIu64 ", \"last4_ms\": %" PRIu64 ", \"sampled\": %" PRIu64
	       ", \"sampling\": %u, \"streams\": %zu"
	       ", \"seq_gaps\": %" PRIu64 ", \"malformed\": %" PRIu64
	       ", \"unknown_template\": %" PRIu64 ", \"out_of_range\": %" PRIu64 "}\n",
		st.ns_datagrams, refused, t.t_records, t.t_pkts_ts + t.t_pkts_tc,
		t.t_bytes_ts + t.t_bytes_tc, t.t_pkts_ts, t.t_pkts_tc, t.t_bytes_ts, t.t_bytes_tc,
		t.t_v6, t.t_first_ns / 1000000, t.t_last_ns / 1000000, t.t_first4_ns / 1000000,
		t.t_last4_ns / 1000000, t.t_sampled, sampling, ns, gaps, malformed, unknown, oor);
	free(es);
	mm_nf_free(nf);
	return (0);
}
