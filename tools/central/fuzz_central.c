/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: summary events (summary.h) into mamori-central's merge, then a score. */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "central.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct central_conf conf = { 3600LL * 1000000000LL, 2, 1, 2, 0.5, 0.1 };
	struct central *c = central_new(&conf);
	char why[256];

	if (c == NULL)
		return (0);
	central_add(c, "fuzz", (const char *)data, size, why, sizeof(why));
	central_add(c, "fuzz2", (const char *)data, size, why, sizeof(why));
	json_decref(central_score(c, 0));
	central_free(c);
	return (0);
}
