/* SPDX-License-Identifier: BSD-3-Clause */
/* A bounds-checked big-endian reader shared by the parsers. */
#ifndef PQC_RD_H
#define PQC_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *r_p;
	size_t r_n;
	size_t r_off;
	bool r_short; /* a read went past the end */
};

static inline void
rd_init(struct rd *r, const uint8_t *p, size_t n)
{
	r->r_p = p;
	r->r_n = n;
	r->r_off = 0;
	r->r_short = false;
}

static inline size_t
rd_left(const struct rd *r)
{
	return (r->r_n - r->r_off);
}

static inline bool
rd_need(struct rd *r, size_t n)
{
	if (r->r_short || rd_left(r) < n) {
		r->r_short = true;
		return (false);
	}
	return (true);
}

static inline uint8_t
rd_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return (0);
	return (r->r_p[r->r_off++]);
}

static inline uint16_t
rd_u16(struct rd *r)
{
	uint16_t v;

	if (!rd_need(r, 2))
		return (0);
	v = (uint16_t)(r->r_p[r->r_off] << 8 | r->r_p[r->r_off + 1]);
	r->r_off += 2;
	return (v);
}

static inline uint32_t
rd_u24(struct rd *r)
{
	uint32_t v;

	if (!rd_need(r, 3))
		return (0);
	v = (uint32_t)r->r_p[r->r_off] << 16 | (uint32_t)r->r_p[r->r_off + 1] << 8 |
	    r->r_p[r->r_off + 2];
	r->r_off += 3;
	return (v);
}

static inline uint32_t
rd_u32(struct rd *r)
{
	uint32_t v;

	if (!rd_need(r, 4))
		return (0);
	v = (uint32_t)r->r_p[r->r_off] << 24 | (uint32_t)r->r_p[r->r_off + 1] << 16 |
	    (uint32_t)r->r_p[r->r_off + 2] << 8 | r->r_p[r->r_off + 3];
	r->r_off += 4;
	return (v);
}

/* A pointer to the next n bytes (NULL and r_short when they are not there). */
static inline const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (!rd_need(r, n))
		return (NULL);
	p = r->r_p + r->r_off;
	r->r_off += n;
	return (p);
}

/* A sub-reader over the next n bytes. */
static inline bool
rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	const uint8_t *p = rd_bytes(r, n);

	rd_init(sub, p, p != NULL ? n : 0);
	return (p != NULL);
}

#endif /* PQC_RD_H */
