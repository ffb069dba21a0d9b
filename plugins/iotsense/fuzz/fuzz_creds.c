/* SPDX-License-Identifier: BSD-3-Clause */
/* The default-credential list parser, and lookups of what it accepted. */
#include <stdint.h>
#include <stdlib.h>

#include "../creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iot_creds *c = NULL;
	char err[256];
	size_t bad;

	if (iot_creds_parse((const char *)data, size, &c, &bad, err, sizeof(err)) == 0) {
		iot_creds_find(c, "root", "xc3511");
		iot_creds_find(c, "admin", "");
		iot_creds_free(c);
	}
	return (0);
}
