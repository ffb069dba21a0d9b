/* SPDX-License-Identifier: BSD-3-Clause */
/* A well-formed descriptor without the required pd_init entry point. */
#include <mamori/plugin.h>

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("no_init"),
	.pd_version = "0",
};
