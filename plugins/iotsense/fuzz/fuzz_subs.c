/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The subscriber prefix and assignment parsers (the same input as both), and
 * assignment lookups of every address they accepted.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../subscriber.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iot_subs *s = iot_subs_new();
	char err[256];
	size_t bad;

	if (s == NULL)
		return (0);
	if (iot_subs_parse_prefixes(s, (const char *)data, size, &bad, err, sizeof(err)) == 0 &&
		iot_subs_parse_assignments(s, (const char *)data, size, &bad, err, sizeof(err)) ==
			0)
		for (size_t i = 0; i < s->s_nassigns; i++) {
			iot_subs_customer(s, &s->s_assigns[i].sa_addr, s->s_assigns[i].sa_start);
			iot_subs_customer(s, &s->s_assigns[i].sa_addr, INT64_MAX);
		}
	iot_subs_free_tables(s);
	return (0);
}
