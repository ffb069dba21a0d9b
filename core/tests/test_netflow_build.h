/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builders for hand-made NetFlow v5, v9 and IPFIX datagrams, and a record
 * sink, shared by the decoder's unit tests.  Every field is written byte by
 * byte in network order after the RFCs' layouts.
 */
#ifndef TEST_NETFLOW_BUILD_H
#define TEST_NETFLOW_BUILD_H

#include <stdint.h>
#include <string.h>

#include "mamori/netflow.h"

#define T_SEC    1000000000ULL
#define T_VARLEN 65535 /* IPFIX: the length is in each record */
/* 2024-02-13 14:34:38 UTC: the export time of most test datagrams. */
#define T_EXPORT    1707834878u
#define T_EXPORT_NS ((uint64_t)T_EXPORT * T_SEC)

struct tbuf {
	uint8_t b[65536];
	size_t n;
};

static inline void
t_put8(struct tbuf *b, uint8_t v)
{
	b->b[b->n++] = v;
}

static inline void
t_put16(struct tbuf *b, uint16_t v)
{
	t_put8(b, (uint8_t)(v >> 8));
	t_put8(b, (uint8_t)v);
}

static inline void
t_put32(struct tbuf *b, uint32_t v)
{
	t_put16(b, (uint16_t)(v >> 16));
	t_put16(b, (uint16_t)v);
}

static inline void
t_put64(struct tbuf *b, uint64_t v)
{
	t_put32(b, (uint32_t)(v >> 32));
	t_put32(b, (uint32_t)v);
}

static inline void
t_putn(struct tbuf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static inline void
t_set16(struct tbuf *b, size_t off, uint16_t v)
{
	b->b[off] = (uint8_t)(v >> 8);
	b->b[off + 1] = (uint8_t)v;
}

/* Starts a set (or flowset); returns where its header is, for t_set_end(). */
static inline size_t
t_set_begin(struct tbuf *b, uint16_t id)
{
	size_t off = b->n;

	t_put16(b, id);
	t_put16(b, 0);
	return (off);
}

static inline void
t_set_end(struct tbuf *b, size_t off)
{
	t_set16(b, off + 2, (uint16_t)(b->n - off));
}

static inline void
t_v9_header(struct tbuf *b, uint32_t uptime_ms, uint32_t secs, uint32_t seq, uint32_t source_id)
{
	b->n = 0;
	t_put16(b, 9);
	t_put16(b, 0); /* count: the decoder does not rely on it */
	t_put32(b, uptime_ms);
	t_put32(b, secs);
	t_put32(b, seq);
	t_put32(b, source_id);
}

static inline void
t_ipfix_header(struct tbuf *b, uint32_t secs, uint32_t seq, uint32_t domain)
{
	b->n = 0;
	t_put16(b, 10);
	t_put16(b, 0);
	t_put32(b, secs);
	t_put32(b, seq);
	t_put32(b, domain);
}

/* Writes the message length into the IPFIX header. */
static inline void
t_ipfix_end(struct tbuf *b)
{
	t_set16(b, 2, (uint16_t)b->n);
}

static inline void
t_v5_header(struct tbuf *b, uint16_t count, uint32_t uptime_ms, uint32_t secs, uint32_t nsecs,
	uint32_t seq, uint16_t sampling)
{
	b->n = 0;
	t_put16(b, 5);
	t_put16(b, count);
	t_put32(b, uptime_ms);
	t_put32(b, secs);
	t_put32(b, nsecs);
	t_put32(b, seq);
	t_put8(b, 1); /* engine type */
	t_put8(b, 2); /* engine id */
	t_put16(b, sampling);
}

static inline void
t_v5_record(struct tbuf *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	uint8_t proto, uint8_t flags, uint32_t pkts, uint32_t bytes, uint32_t first, uint32_t last)
{
	t_put32(b, src);
	t_put32(b, dst);
	t_put32(b, 0); /* next hop */
	t_put16(b, 1); /* input */
	t_put16(b, 2); /* output */
	t_put32(b, pkts);
	t_put32(b, bytes);
	t_put32(b, first);
	t_put32(b, last);
	t_put16(b, sport);
	t_put16(b, dport);
	t_put8(b, 0);
	t_put8(b, flags);
	t_put8(b, proto);
	t_put8(b, 0);           /* tos */
	t_put32(b, 0);          /* AS numbers */
	t_put32(b, 0x18180000); /* masks, padding */
}

/* A field specifier; pen != 0 sets the IPFIX enterprise bit. */
static inline void
t_field(struct tbuf *b, uint16_t id, uint16_t len, uint32_t pen)
{
	t_put16(b, pen != 0 ? (uint16_t)(id | 0x8000) : id);
	t_put16(b, len);
	if (pen != 0)
		t_put32(b, pen);
}

/* One field of a template: the element id, its length, its enterprise number. */
struct tfield {
	uint16_t id;
	uint16_t len;
	uint32_t pen;
};

/* A template set (set_id 0 for v9, 2 for IPFIX) holding one template. */
static inline void
t_template(struct tbuf *b, uint16_t set_id, uint16_t tid, const struct tfield *f, size_t n)
{
	size_t set = t_set_begin(b, set_id);

	t_put16(b, tid);
	t_put16(b, (uint16_t)n);
	for (size_t i = 0; i < n; i++)
		t_field(b, f[i].id, f[i].len, f[i].pen);
	t_set_end(b, set);
}

/* T_TEMPLATE(b, 2, 300, { 8, 4, 0 }, { 12, 4, 0 }): the fields as a list. */
#define T_TEMPLATE(b, set_id, tid, ...)                                                            \
	t_template((b), (set_id), (tid), (const struct tfield[]){ __VA_ARGS__ },                   \
		sizeof((const struct tfield[]){ __VA_ARGS__ }) / sizeof(struct tfield))

#define T_MAX_RECS 256

struct tsink {
	struct mm_flow_rec r[T_MAX_RECS];
	int n;
};

static inline void
t_sink(void *arg, const struct mm_flow_rec *rec)
{
	struct tsink *s = arg;

	if (s->n < T_MAX_RECS)
		s->r[s->n] = *rec;
	s->n++;
}

/* Why the last datagram was refused, as the decoder said. */
static char t_why[256];

/* Decodes b from exporter ex at now_ns into s; the decoder's return value. */
static inline int
t_decode(struct mm_nf *nf, const struct mm_addr *ex, const struct tbuf *b, uint64_t now_ns,
	struct tsink *s)
{
	return (mm_nf_decode(nf, ex, b->b, b->n, now_ns, t_sink, s, t_why, sizeof(t_why)));
}

/* 192.0.2.x and 198.51.100.x (documentation ranges) as host-order numbers. */
#define T_A(x) (0xc0000200u | (x))
#define T_B(x) (0xc6336400u | (x))

static inline int
t_addr_is_v4(const struct mm_addr *a, uint32_t v4)
{
	static const uint8_t head[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t w[4] = { (uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16), (uint8_t)(v4 >> 8),
		(uint8_t)v4 };

	return (memcmp(a->a_bytes, head, 12) == 0 && memcmp(a->a_bytes + 12, w, 4) == 0);
}

static inline struct mm_addr
t_exporter(const char *text)
{
	struct mm_addr a;

	memset(&a, 0, sizeof(a));
	mm_addr_parse(text, &a);
	return (a);
}

/* The statistics of the stream (version, source id) of exporter, or zeros. */
static inline struct mm_nf_exporter_stats
t_stream(const struct mm_nf *nf, const struct mm_addr *exporter, uint16_t version,
	uint32_t source_id)
{
	struct mm_nf_exporter_stats v[64], none;
	size_t n = mm_nf_exporters(nf, v, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (v[i].es_version == version && v[i].es_source_id == source_id &&
			memcmp(&v[i].es_addr, exporter, sizeof(*exporter)) == 0)
			return (v[i]);
	memset(&none, 0, sizeof(none));
	return (none);
}

#endif /* TEST_NETFLOW_BUILD_H */
