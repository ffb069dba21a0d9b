/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stream of NetFlow/IPFIX datagrams for the ingest benchmark: made up
 * (IPFIX, 30 records a datagram, as a busy router sends them) or read from
 * a capture file ([length, 2 bytes big-endian][datagram]...).
 */
#ifndef BENCH_STREAM_H
#define BENCH_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct bench_stream {
	uint8_t *bs_data;    /* the datagrams, back to back */
	size_t *bs_off;      /* where each starts */
	size_t *bs_len;      /* and how long it is */
	size_t bs_n;         /* datagrams */
	size_t bs_cap;       /* room in bs_off/bs_len */
	size_t bs_size;      /* bytes used in bs_data */
	size_t bs_data_cap;  /* room in bs_data */
	uint64_t bs_records; /* flow records they carry (synthetic streams) */
};

/*
 * n IPFIX datagrams of per records each (template in the first and every
 * 100th), starting at export time secs (Unix); deterministic.
 */
int bench_stream_synth(struct bench_stream *s, size_t n, unsigned per, uint32_t secs);
/* Appends the datagrams of a capture file. */
int bench_stream_load(struct bench_stream *s, const char *path);
int bench_stream_save(const struct bench_stream *s, const char *path);
void bench_stream_free(struct bench_stream *s);

#endif /* BENCH_STREAM_H */
