/* SPDX-License-Identifier: BSD-3-Clause */
/* A descriptor shorter than the host reads, as an older header would give. */
#include <stdint.h>

#include <mamori/plugin.h>

#include "marker.h"

TEST_PLUGIN_MARKER("short_desc")

struct short_desc {
	uint32_t sd_magic;
	uint32_t sd_abi;
	uint32_t sd_size;
	char sd_name[MM_PLUGIN_NAME_MAX];
	const char *sd_version;
};

__attribute__((section(MM_PLUGIN_SECTION), used, visibility("default")))
const struct short_desc mamori_plugin = {
	.sd_magic = MM_PLUGIN_MAGIC,
	.sd_abi = MM_PLUGIN_ABI,
	.sd_size = sizeof(struct short_desc),
	.sd_name = "short_desc",
	.sd_version = "0",
};
