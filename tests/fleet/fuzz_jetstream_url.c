/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the exporter's JetStream URL (servers, site=, creds=). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exporter_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), err[512];

	if (url == NULL)
		return (0);
	memcpy(url, data, size);
	url[size] = '\0';
	ex_jetstream_url_check(url, err, sizeof(err));
	free(url);
	return (0);
}
