/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded out-of-order reassembly into a fixed buffer. */
#include <string.h>

#include "reasm.h"

enum reasm_result
reasm_add(
	struct reasm *ra, uint8_t *buf, uint32_t cap, uint64_t off, const uint8_t *data, size_t len)
{
	enum reasm_result res = REASM_OK;
	uint32_t lo, hi, i, j;

	if (len == 0)
		return (REASM_OK);
	if (off >= cap)
		return (REASM_CLIPPED);
	lo = (uint32_t)off;
	if (len > cap - lo) {
		len = cap - lo;
		res = REASM_CLIPPED;
	}
	hi = lo + (uint32_t)len;
	/* Where the new range goes; which existing ones it touches. */
	for (i = 0; i < ra->ra_nr && ra->ra_hi[i] < lo; i++)
		;
	for (j = i; j < ra->ra_nr && ra->ra_lo[j] <= hi; j++)
		;
	if (i == j && ra->ra_nr == REASM_RANGES)
		return (REASM_HOLES);
	memcpy(buf + lo, data, len);
	if (i < j) {
		/* Merge ranges i..j-1 with [lo, hi) into slot i. */
		if (ra->ra_lo[i] < lo)
			lo = ra->ra_lo[i];
		if (ra->ra_hi[j - 1] > hi)
			hi = ra->ra_hi[j - 1];
		memmove(&ra->ra_lo[i + 1], &ra->ra_lo[j], (ra->ra_nr - j) * sizeof(uint32_t));
		memmove(&ra->ra_hi[i + 1], &ra->ra_hi[j], (ra->ra_nr - j) * sizeof(uint32_t));
		ra->ra_nr -= j - i - 1;
	} else {
		memmove(&ra->ra_lo[i + 1], &ra->ra_lo[i], (ra->ra_nr - i) * sizeof(uint32_t));
		memmove(&ra->ra_hi[i + 1], &ra->ra_hi[i], (ra->ra_nr - i) * sizeof(uint32_t));
		ra->ra_nr++;
	}
	ra->ra_lo[i] = lo;
	ra->ra_hi[i] = hi;
	return (res);
}

enum reasm_result
reasm_add_tcp(
	struct reasm *ra, uint8_t *buf, uint32_t cap, uint32_t seq, const uint8_t *data, size_t len)
{
	uint32_t off;

	if (!ra->ra_based)
		reasm_set_base(ra, seq);
	off = seq - ra->ra_base;
	if (off >= 0x80000000u) {
		/* Starts before byte 0: a retransmission overlapping the start. */
		uint32_t skip = ra->ra_base - seq;

		if (skip >= len)
			return (REASM_OK);
		data += skip;
		len -= skip;
		off = 0;
	}
	return (reasm_add(ra, buf, cap, off, data, len));
}
