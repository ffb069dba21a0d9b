/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a JetStream message as the central store reads it.  The
 * input is "subject\nmessage id\npayload": the key (site, producer, seq) and
 * the event, as from any site.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_jsin.h"
#include "store_row.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *id, *payload, site[65], why[256];
	struct store_arena ar = { 0 };
	struct store_row row;
	uint64_t producer, seq;

	if (buf == NULL)
		return (0);
	memcpy(buf, data, size);
	buf[size] = '\0';
	if ((id = strchr(buf, '\n')) == NULL || (payload = strchr(id + 1, '\n')) == NULL) {
		free(buf);
		return (0);
	}
	*id++ = '\0';
	*payload++ = '\0';
	if (store_jsin_key(buf, id, site, sizeof(site), &producer, &seq, why, sizeof(why)) == 0 &&
		store_arena_reset(&ar, size) == 0)
		store_row_parse(&row, payload, (uint32_t)(size - (size_t)(payload - buf)), &ar, why,
			sizeof(why));
	store_arena_fini(&ar);
	free(buf);
	return (0);
}
