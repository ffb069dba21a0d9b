/* SPDX-License-Identifier: BSD-3-Clause */
/* A plugin built for a future ABI major: refused from its file alone. */
#include <mamori/plugin.h>

#include "marker.h"

TEST_PLUGIN_MARKER("bad_abi")

static int
bad_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	(void)host;
	(void)ctx;
	(void)global;
	return (0);
}

MM_PLUGIN_DEFINE = {
	.pd_magic = MM_PLUGIN_MAGIC,
	.pd_abi = (MM_PLUGIN_ABI_MAJOR + 1) << 16,
	.pd_size = sizeof(struct mm_plugin),
	.pd_name = "bad_abi",
	.pd_init = bad_init,
};
