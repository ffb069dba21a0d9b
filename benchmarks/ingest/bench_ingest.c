/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NetFlow/IPFIX ingest benchmark (see README.md; run by 'run'):
 *
 *	bench_ingest synth --out FILE [--datagrams N] [--records R]
 *		writes a synthetic IPFIX stream (R records a datagram)
 *	bench_ingest decode [--seconds S] FILE...
 *		decodes the streams in memory, over and over, on one core:
 *		records per second, wall and CPU
 *	bench_ingest send --port P [--pps N] FILE
 *		sends a stream to 127.0.0.1:P, N datagrams a second
 *	bench_ingest recv --port P --datagrams N
 *		receives a stream on 127.0.0.1:P and decodes it, as nfcapd
 *		would: records per CPU-second of this process
 *
 * Decoded records go to a callback that reads them (the cheapest consumer a
 * collector can have), so what is measured is mm_nf_decode(): parsing,
 * templates, normalisation into struct mm_flow_rec and the checks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_stream.h"
#include "mamori/netflow.h"

#define SEC 1000000000ULL
/* The synthetic stream's first export time: 2024-02-13 14:34:38 UTC. */
#define SYNTH_SECS 1707834878u

struct sink {
	uint64_t s_records;
	uint64_t s_bytes; /* read from every record so that nothing is optimised away */
};

static void
sink(void *arg, const struct mm_flow_rec *r)
{
	struct sink *s = arg;

	s->s_records++;
	s->s_bytes += r->fr_bytes_ts + r->fr_bytes_tc + r->fr_sport;
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ((uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec);
}

static uint64_t
rusage_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * SEC +
		((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000);
}

static int
usage(void)
{
	fprintf(stderr, "usage: bench_ingest synth --out FILE [--datagrams N] [--records R]\n"
			"       bench_ingest decode [--seconds S] FILE...\n"
			"       bench_ingest send --port P [--pps N] FILE\n"
			"       bench_ingest recv --port P --datagrams N\n");
	return (2);
}

static int
cmd_synth(int argc, char **argv)
{
	struct bench_stream s = { 0 };
	const char *out = NULL;
	unsigned long n = 100000, per = 30;
	int rv;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--out") == 0)
			out = argv[i + 1];
		else if (strcmp(argv[i], "--datagrams") == 0)
			n = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--records") == 0)
			per = strtoul(argv[i + 1], NULL, 10);
		else
			return (usage());
	}
	if (out == NULL || n == 0 || per == 0 || per > 1000)
		return (usage());
	if ((rv = bench_stream_synth(&s, n, (unsigned)per, SYNTH_SECS)) != 0 ||
		(rv = bench_stream_save(&s, out)) != 0) {
		fprintf(stderr, "bench_ingest: %s: %s\n", out, strerror(-rv));
		bench_stream_free(&s);
		return (1);
	}
	printf("ingest synth: %zu IPFIX datagrams, %" PRIu64 " records, %zu bytes in %s\n", s.bs_n,
		s.bs_records, s.bs_size, out);
	bench_stream_free(&s);
	return (0);
}

/* One pass over the stream; returns the records delivered. */
static uint64_t
decode_pass(
	struct mm_nf *nf, const struct bench_stream *s, const struct mm_addr *ex, struct sink *k)
{
	uint64_t records = 0;
	int rv;

	for (size_t i = 0; i < s->bs_n; i++) {
		/* The clock is each datagram's own: records are checked against it anyway. */
		rv = mm_nf_decode(nf, ex, s->bs_data + s->bs_off[i], s->bs_len[i],
			(uint64_t)SYNTH_SECS * SEC, sink, k, NULL, 0);
		if (rv > 0)
			records += (uint64_t)rv;
	}
	return (records);
}

static int
cmd_decode(int argc, char **argv)
{
	struct bench_stream s = { 0 };
	struct mm_nf_exporter_stats es;
	struct mm_addr ex;
	struct sink k = { 0 };
	struct mm_nf *nf;
	double seconds = 3;
	uint64_t records = 0, passes = 0, per_pass, t0, c0, wall, cpu;
	int i, rv;

	for (i = 0; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc || strcmp(argv[i], "--seconds") != 0)
			return (usage());
		seconds = strtod(argv[i + 1], NULL);
	}
	if (i == argc)
		return (usage());
	for (; i < argc; i++) {
		if ((rv = bench_stream_load(&s, argv[i])) != 0) {
			fprintf(stderr, "bench_ingest: %s: %s\n", argv[i], strerror(-rv));
			return (1);
		}
	}
	if ((nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP)) == NULL)
		return (1);
	mm_addr_parse("127.0.0.1", &ex);
	/* One unmeasured pass: templates learnt, caches warm. */
	per_pass = decode_pass(nf, &s, &ex, &k);
	t0 = clock_ns(CLOCK_MONOTONIC);
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	do {
		records += decode_pass(nf, &s, &ex, &k);
		passes++;
	} while (clock_ns(CLOCK_MONOTONIC) - t0 < (uint64_t)(seconds * SEC));
	wall = clock_ns(CLOCK_MONOTONIC) - t0;
	cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	mm_nf_exporters(nf, &es, 1);
	printf("ingest decode: %zu datagrams (%zu bytes), %" PRIu64 " records a pass, %" PRIu64
	       " passes in %.2f s\n",
		s.bs_n, s.bs_size, per_pass, passes, (double)wall / SEC);
	printf("ingest decode: %.0f records/s on one core (%.0f per CPU-second), %.0f datagrams/s,"
	       " %.1f ns a record\n",
		(double)records * SEC / (double)wall, (double)records * SEC / (double)cpu,
		(double)(passes * s.bs_n) * SEC / (double)wall, (double)cpu / (double)records);
	printf("ingest decode: malformed %" PRIu64 ", out of range %" PRIu64
	       ", unknown template %" PRIu64 " (checksum %" PRIu64 ")\n",
		es.es_malformed, es.es_out_of_range, es.es_unknown_template, k.s_bytes % 1000);
	mm_nf_free(nf);
	bench_stream_free(&s);
	return (per_pass == 0 ? 1 : 0);
}

static int
loopback_socket(unsigned port, struct sockaddr_in *sin)
{
	int fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		perror("socket");
	return (fd);
}

static int
cmd_send(int argc, char **argv)
{
	struct bench_stream s = { 0 };
	struct sockaddr_in sin;
	unsigned long port = 0, pps = 20000;
	uint64_t t0, gap;
	int fd, rv;

	for (int i = 0; i + 1 < argc - 1; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--pps") == 0)
			pps = strtoul(argv[i + 1], NULL, 10);
		else
			return (usage());
	}
	if (argc < 3 || port == 0 || port > 65535 || pps == 0)
		return (usage());
	if ((rv = bench_stream_load(&s, argv[argc - 1])) != 0) {
		fprintf(stderr, "bench_ingest: %s: %s\n", argv[argc - 1], strerror(-rv));
		return (1);
	}
	if ((fd = loopback_socket((unsigned)port, &sin)) < 0)
		return (1);
	gap = SEC / pps;
	t0 = clock_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; i < s.bs_n; i++) {
		uint64_t due = t0 + i * gap, now;

		/* Sleep to the schedule in slices of 16 datagrams; a syscall each is too coarse. */
		if (i % 16 == 0 && (now = clock_ns(CLOCK_MONOTONIC)) < due) {
			struct timespec ts = { .tv_sec = (time_t)((due - now) / SEC),
				.tv_nsec = (long)((due - now) % SEC) };
			nanosleep(&ts, NULL);
		}
		if (sendto(fd, s.bs_data + s.bs_off[i], s.bs_len[i], 0, (struct sockaddr *)&sin,
			    sizeof(sin)) < 0)
			perror("sendto");
	}
	printf("ingest send: %zu datagrams to 127.0.0.1:%lu in %.2f s\n", s.bs_n, port,
		(double)(clock_ns(CLOCK_MONOTONIC) - t0) / SEC);
	close(fd);
	bench_stream_free(&s);
	return (0);
}

static int
cmd_recv(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct mm_addr ex;
	struct sink k = { 0 };
	struct pollfd pfd;
	struct mm_nf *nf;
	unsigned long port = 0, want = 0;
	uint64_t got = 0, records = 0, c0 = 0, cpu;
	int fd, size = 4 << 20;
	uint8_t *buf;
	ssize_t n;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--datagrams") == 0)
			want = strtoul(argv[i + 1], NULL, 10);
		else
			return (usage());
	}
	if (port == 0 || port > 65535 || want == 0)
		return (usage());
	if ((fd = loopback_socket((unsigned)port, &sin)) < 0)
		return (1);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("bind");
		return (1);
	}
	if ((nf = mm_nf_new(NULL, MM_NF_BIFLOW_KEEP)) == NULL || (buf = malloc(65536)) == NULL)
		return (1);
	mm_addr_parse("127.0.0.1", &ex);
	printf("ingest recv: listening on 127.0.0.1:%lu\n", port);
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* Until all came, or nothing for a second after the first. */
	while (got < want && poll(&pfd, 1, got == 0 ? 60000 : 1000) > 0) {
		if ((n = recv(fd, buf, 65536, 0)) < 0)
			break;
		if (got++ == 0)
			c0 = rusage_ns();
		records += (uint64_t)mm_nf_decode(
			nf, &ex, buf, (size_t)n, clock_ns(CLOCK_REALTIME), sink, &k, NULL, 0);
	}
	cpu = rusage_ns() - c0;
	printf("ingest recv: %" PRIu64 " of %lu datagrams, %" PRIu64 " records, %.3f CPU-seconds:"
	       " %.0f records per CPU-second (receive and decode)\n",
		got, want, records, (double)cpu / SEC,
		cpu > 0 ? (double)records * SEC / (double)cpu : 0.0);
	free(buf);
	mm_nf_free(nf);
	close(fd);
	return (got == want ? 0 : 1);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return (usage());
	if (strcmp(argv[1], "synth") == 0)
		return (cmd_synth(argc - 2, argv + 2));
	if (strcmp(argv[1], "decode") == 0)
		return (cmd_decode(argc - 2, argv + 2));
	if (strcmp(argv[1], "send") == 0)
		return (cmd_send(argc - 2, argv + 2));
	if (strcmp(argv[1], "recv") == 0)
		return (cmd_recv(argc - 2, argv + 2));
	return (usage());
}
