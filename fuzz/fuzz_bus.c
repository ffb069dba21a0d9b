/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the bus codec: every input goes through both
 * decoders (with the full event array and with a small one), and whatever
 * decodes is encoded again and must come out byte for byte as it went in
 * (batches) or decode to the same fields (acknowledgements, whose reason is
 * cut and made printable on the way in).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/bus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mm_bus_event events[MM_BUS_MAX_EVENTS];

static void
batch_round_trip(const uint8_t *data, size_t size, const struct mm_bus_batch *b)
{
	size_t need = mm_bus_batch_size(b->bb_events, b->bb_count);
	uint8_t *buf;
	long n;

	if (need != size)
		abort();
	if ((buf = malloc(need)) == NULL)
		return;
	n = mm_bus_batch_encode(
		buf, need, b->bb_producer, b->bb_first_seq, b->bb_events, b->bb_count);
	if (n != (long)size || memcmp(buf, data, size) != 0)
		abort();
	free(buf);
}

static void
ack_round_trip(const struct mm_bus_ack *a)
{
	uint8_t buf[MM_BUS_ACK_HDR + sizeof(a->ba_reason)];
	struct mm_bus_ack d;
	char why[160];
	size_t n;

	if ((n = mm_bus_ack_encode(buf, sizeof(buf), a)) == 0)
		abort();
	if (mm_bus_ack_decode(buf, n, &d, why, sizeof(why)) != 0)
		abort();
	if (d.ba_producer != a->ba_producer || d.ba_acked_seq != a->ba_acked_seq ||
		d.ba_status != a->ba_status || strcmp(d.ba_reason, a->ba_reason) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_bus_batch b;
	struct mm_bus_ack a;
	char why[160];

	if (mm_bus_batch_decode(data, size, &b, events, MM_BUS_MAX_EVENTS, why, sizeof(why)) == 0)
		batch_round_trip(data, size, &b);
	/* A small array must bound the count, never be overrun. */
	mm_bus_batch_decode(data, size, &b, events, 3, why, sizeof(why));
	/* A one-byte reason buffer: the message is cut, never overrun. */
	mm_bus_batch_decode(data, size, &b, events, MM_BUS_MAX_EVENTS, why, 1);
	if (mm_bus_ack_decode(data, size, &a, why, sizeof(why)) == 0)
		ack_round_trip(&a);
	return (0);
}
