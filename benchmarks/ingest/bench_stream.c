/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ingest benchmark's datagram streams (bench_stream.h).  The synthetic
 * one is IPFIX with the fields a router's flow cache exports: addresses,
 * ports, protocol, TCP flags, ToS, interfaces, 64-bit counters, start and
 * end in milliseconds, end reason and VLAN: 58 bytes a record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stream.h"

#define REC_LEN        58
#define TEMPLATE_ID    256
#define TEMPLATE_EVERY 100

static const uint16_t fields[][2] = {
	{ 8, 4 },
	{ 12, 4 },
	{ 7, 2 },
	{ 11, 2 },
	{ 4, 1 },
	{ 6, 1 },
	{ 5, 1 },
	{ 10, 4 },
	{ 14, 4 },
	{ 2, 8 },
	{ 1, 8 },
	{ 152, 8 },
	{ 153, 8 },
	{ 136, 1 },
	{ 58, 2 },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static uint8_t *
put(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return (p);
}

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/* Makes room for one more datagram of up to len bytes; returns where it goes. */
static uint8_t *
stream_room(struct bench_stream *s, size_t len)
{
	if (s->bs_n == s->bs_cap) {
		size_t cap = s->bs_cap == 0 ? 1024 : s->bs_cap * 2;
		size_t *off = realloc(s->bs_off, cap * sizeof(*off));
		size_t *ln;

		if (off == NULL)
			return (NULL);
		s->bs_off = off;
		if ((ln = realloc(s->bs_len, cap * sizeof(*ln))) == NULL)
			return (NULL);
		s->bs_len = ln;
		s->bs_cap = cap;
	}
	if (s->bs_size + len > s->bs_data_cap) {
		size_t cap = s->bs_data_cap == 0 ? (1 << 20) : s->bs_data_cap * 2;
		uint8_t *d;

		while (cap < s->bs_size + len)
			cap *= 2;
		if ((d = realloc(s->bs_data, cap)) == NULL)
			return (NULL);
		s->bs_data = d;
		s->bs_data_cap = cap;
	}
	return (s->bs_data + s->bs_size);
}

static void
stream_commit(struct bench_stream *s, size_t len)
{
	s->bs_off[s->bs_n] = s->bs_size;
	s->bs_len[s->bs_n] = len;
	s->bs_n++;
	s->bs_size += len;
}

int
bench_stream_synth(struct bench_stream *s, size_t n, unsigned per, uint32_t secs)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint32_t seq = 0;

	for (size_t d = 0; d < n; d++) {
		uint32_t export = secs + (uint32_t)(d / 1000); /* 1000 datagrams a second */
		uint64_t export_ms = (uint64_t) export * 1000;
		uint8_t *start, *p;

		if ((start = stream_room(s, 16 + 8 + NFIELDS * 4 + 4 + per * REC_LEN)) == NULL)
			return (-ENOMEM);
		p = put(start, 10, 2);
		p = put(p, 0, 2); /* length, below */
		p = put(p, export, 4);
		p = put(p, seq, 4);
		p = put(p, 1, 4);
		if (d % TEMPLATE_EVERY == 0) {
			p = put(p, 2, 2);
			p = put(p, 4 + 4 + NFIELDS * 4, 2);
			p = put(p, TEMPLATE_ID, 2);
			p = put(p, NFIELDS, 2);
			for (size_t i = 0; i < NFIELDS; i++) {
				p = put(p, fields[i][0], 2);
				p = put(p, fields[i][1], 2);
			}
		}
		p = put(p, TEMPLATE_ID, 2);
		p = put(p, 4 + per * REC_LEN, 2);
		for (unsigned r = 0; r < per; r++) {
			uint64_t v = xorshift(&x), w = xorshift(&x);
			uint64_t pkts = 1 + (v % 1000), first = export_ms - (w % 60000);
			uint8_t proto = (v >> 20) % 10 < 7 ? 6 : (v >> 20) % 10 < 9 ? 17 : 1;

			p = put(p, 0x0a000000 | (v >> 32 & 0xffffff), 4);
			p = put(p, 0xc6336400 | (w >> 40 & 0xff), 4);
			p = put(p, proto == 1 ? 0 : 1024 + (w >> 16) % 60000, 2);
			p = put(p, proto == 1 ? 0x0800 : (w >> 8) % 2 ? 443 : 53, 2);
			p = put(p, proto, 1);
			p = put(p, proto == 6 ? 0x1b : 0, 1);
			p = put(p, 0, 1);
			p = put(p, 1 + (v >> 8) % 8, 4);
			p = put(p, 1 + (v >> 12) % 8, 4);
			p = put(p, pkts, 8);
			p = put(p, pkts * (40 + (w >> 24) % 1400), 8);
			p = put(p, first, 8);
			p = put(p, first + (v >> 40) % (export_ms - first + 1), 8);
			p = put(p, 1 + (w >> 32) % 3, 1);
			p = put(p, 100 + (v >> 28) % 4, 2);
		}
		put(start + 2, (uint64_t)(p - start), 2);
		stream_commit(s, (size_t)(p - start));
		seq += per;
		s->bs_records += per;
	}
	return (0);
}

int
bench_stream_load(struct bench_stream *s, const char *path)
{
	uint8_t hdr[2], *p;
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return (-errno);
	while (fread(hdr, 1, 2, f) == 2) {
		len = (size_t)hdr[0] << 8 | hdr[1];
		if ((p = stream_room(s, len)) == NULL) {
			fclose(f);
			return (-ENOMEM);
		}
		if (fread(p, 1, len, f) != len) {
			fclose(f);
			return (-EIO);
		}
		stream_commit(s, len);
	}
	fclose(f);
	return (0);
}

int
bench_stream_save(const struct bench_stream *s, const char *path)
{
	FILE *f;
	int rv = 0;

	if ((f = fopen(path, "wb")) == NULL)
		return (-errno);
	for (size_t i = 0; i < s->bs_n && rv == 0; i++) {
		uint8_t hdr[2] = { (uint8_t)(s->bs_len[i] >> 8), (uint8_t)s->bs_len[i] };

		if (fwrite(hdr, 1, 2, f) != 2 ||
			fwrite(s->bs_data + s->bs_off[i], 1, s->bs_len[i], f) != s->bs_len[i])
			rv = -EIO;
	}
	if (fclose(f) != 0 && rv == 0)
		rv = -EIO;
	return (rv);
}

void
bench_stream_free(struct bench_stream *s)
{
	free(s->bs_data);
	free(s->bs_off);
	free(s->bs_len);
	memset(s, 0, sizeof(*s));
}
