/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded byte writer for building protocol messages (TLS, SSH, DNS,
 * telnet): appends never run past the buffer, they set sb_over instead, so
 * a builder checks once at the end.  Length fields are written as
 * placeholders and filled when the part they cover is done.
 */
#ifndef SYNTH_BUF_H
#define SYNTH_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "synth_rng.h"

struct synth_buf {
	uint8_t *sb_p;
	size_t sb_len;
	size_t sb_cap;
	bool sb_over; /* something did not fit */
};

static inline void
synth_buf_init(struct synth_buf *b, uint8_t *p, size_t cap)
{
	b->sb_p = p;
	b->sb_len = 0;
	b->sb_cap = cap;
	b->sb_over = false;
}

/* Reserves n bytes and returns them, or NULL (and sb_over) when they do not fit. */
static inline uint8_t *
synth_buf_reserve(struct synth_buf *b, size_t n)
{
	uint8_t *p;

	if (b->sb_over || n > b->sb_cap - b->sb_len) {
		b->sb_over = true;
		return NULL;
	}
	p = b->sb_p + b->sb_len;
	b->sb_len += n;
	return p;
}

static inline void
synth_buf_u8(struct synth_buf *b, uint8_t v)
{
	uint8_t *p = synth_buf_reserve(b, 1);

	if (p != NULL)
		p[0] = v;
}

static inline void
synth_buf_u16(struct synth_buf *b, uint16_t v)
{
	uint8_t *p = synth_buf_reserve(b, 2);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void
synth_buf_u32(struct synth_buf *b, uint32_t v)
{
	uint8_t *p = synth_buf_reserve(b, 4);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void
synth_buf_mem(struct synth_buf *b, const void *data, size_t n)
{
	uint8_t *p = synth_buf_reserve(b, n);

	if (p != NULL && n > 0)
		memcpy(p, data, n);
}

static inline void
synth_buf_str(struct synth_buf *b, const char *s)
{
	synth_buf_mem(b, s, strlen(s));
}

static inline void
synth_buf_random(struct synth_buf *b, struct synth_rng *r, size_t n)
{
	uint8_t *p = synth_buf_reserve(b, n);

	if (p != NULL)
		synth_rng_fill(r, p, n);
}

/* Starts a length field of width bytes (1, 2, 3 or 4); returns where it sits. */
static inline size_t
synth_buf_len_begin(struct synth_buf *b, int width)
{
	size_t at = b->sb_len;

	(void)synth_buf_reserve(b, (size_t)width);
	return at;
}

/* Fills the length field at `at` with the bytes written since it. */
static inline void
synth_buf_len_end(struct synth_buf *b, size_t at, int width)
{
	size_t n;

	if (b->sb_over)
		return;
	n = b->sb_len - at - (size_t)width;
	if (width < 4 && n >= (size_t)1 << (8 * width)) {
		b->sb_over = true;
		return;
	}
	for (int i = width - 1; i >= 0; i--, n >>= 8)
		b->sb_p[at + (size_t)i] = (uint8_t)n;
}

#endif /* SYNTH_BUF_H */
