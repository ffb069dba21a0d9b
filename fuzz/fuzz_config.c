/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the configuration loader: parses the input as a
 * configuration file, reads it the ways consumers do, checks for unused keys
 * and frees it.  When the input holds a comment "#set key=value", the rest of
 * that line is also applied as an override, before the reads.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_like_a_consumer(struct mm_cfg *cfg)
{
	static const char *const paths[] = { "eal.lcores", "ports.0.dev", "ports.1", "flow",
		"flow.timeouts.udp", "a", "a.b", "a.0", "0" };
	char err[MM_CFG_ERRLEN], **v;
	const struct mm_cfg_node *n;
	const char *s;
	uint64_t u;
	size_t cnt;
	bool b;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		mm_cfg_get_str(cfg, NULL, paths[i], "x", &s, err, sizeof(err));
		mm_cfg_get_u64(cfg, NULL, paths[i], 0, 1, 65535, &u, err, sizeof(err));
		mm_cfg_get_bool(cfg, NULL, paths[i], false, &b, err, sizeof(err));
		mm_cfg_get_duration_ms(cfg, NULL, paths[i], 0, 1, 86400000, &u, err, sizeof(err));
		if (mm_cfg_get_strv(cfg, NULL, paths[i], &v, &cnt, err, sizeof(err)) != -EINVAL)
			mm_cfg_strv_free(v);
	}
	/* Walk the first level the way a plugin walks its own section. */
	n = mm_cfg_root(cfg);
	for (size_t i = 0; i < mm_cfg_node_count(n) && i < 4; i++) {
		const struct mm_cfg_node *c = mm_cfg_node_child(n, i);

		mm_cfg_get_str(cfg, c, "name", NULL, &s, err, sizeof(err));
		if (mm_cfg_node_type(c) != MM_CFG_SCALAR && i == 1)
			mm_cfg_mark_used(c);
	}
	mm_cfg_check_unused(cfg, err, sizeof(err));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MM_CFG_ERRLEN], *set = NULL;
	const uint8_t *mark;
	struct mm_cfg *cfg;

	cfg = mm_cfg_load_string((const char *)data, size, "fuzz.yaml", err, sizeof(err));
	if (cfg == NULL)
		return (0);
	if ((mark = memmem(data, size, "#set ", 5)) != NULL) {
		const char *start = (const char *)mark + 5;
		size_t len = size - (size_t)(mark + 5 - data);
		const char *nl = memchr(start, '\n', len);

		if (nl != NULL)
			len = (size_t)(nl - start);
		if ((set = strndup(start, len)) != NULL)
			mm_cfg_set(cfg, set, err, sizeof(err));
		free(set);
	}
	read_like_a_consumer(cfg);
	mm_cfg_free(cfg);
	return (0);
}
