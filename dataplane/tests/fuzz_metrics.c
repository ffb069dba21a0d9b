/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the Prometheus renderer: the input is a JSON
 * document {"status": ..., "stats": ...} (or anything else), rendered as
 * the endpoint renders the control socket's answers.  Every line written
 * must be a comment or a sample "name[{labels}] value".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_lines(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		/* Every line ends with a newline and starts with '#' or "mamori_". */
		if (nl == NULL || (*p != '#' && strncmp(p, "mamori_", 7) != 0))
			abort();
		/* A label value may hold no raw newline: the line would break. */
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (doc == NULL)
		return (0);
	if ((f = open_memstream(&text, &len)) != NULL) {
		dp_metrics_render(f, json_object_get(doc, "status"), json_object_get(doc, "stats"));
		dp_metrics_render(f, doc, doc);
		fclose(f);
		check_lines(text, len);
		free(text);
	}
	json_decref(doc);
	return (0);
}
