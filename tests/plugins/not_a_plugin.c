/* SPDX-License-Identifier: BSD-3-Clause */
/* An ordinary shared object, named like a plugin. */
#include "marker.h"

TEST_PLUGIN_MARKER("not_a_plugin")

__attribute__((visibility("default"))) int not_a_plugin_answer(void);

int
not_a_plugin_answer(void)
{
	return (42);
}
