/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the threat-intelligence feed parser (lists, CSV, STIX).
 */
#include <stddef.h>
#include <stdint.h>

#include "feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2_feeds f;
	char err[256];
	uint8_t probe[16] = { 0 };

	c2_feeds_init(&f);
	(void)c2_feeds_parse(&f, "fuzz", (const char *)data, size, 1700000000, err, sizeof(err));
	c2_feeds_finish(&f);
	if (f.fd_n > 0)
		(void)c2_feeds_first(&f, f.fd_v[f.fd_n - 1].fe_addr);
	(void)c2_feeds_first(&f, probe);
	c2_feeds_fini(&f);
	return (0);
}
