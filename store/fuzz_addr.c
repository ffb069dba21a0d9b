/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a row of events_addr as a query reads it.  The input is
 * the block (8 bytes), the range's two ends (16 bytes each), then the
 * entries: what a damaged or hostile database file could hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
seen(void *arg, int64_t id)
{
	(*(int64_t *)arg) ^= id;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t lo[16], hi[16];
	int64_t blk, acc = 0;

	if (size < 40)
		return (0);
	memcpy(&blk, data, 8);
	memcpy(lo, data + 8, 16);
	memcpy(hi, data + 24, 16);
	store_addr_match(blk, data + 40, size - 40, lo, hi, seen, &acc);
	return (0);
}
