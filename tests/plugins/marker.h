/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A constructor that leaves a marker file when the plugin's code runs at
 * all: refused plugins must never create it.
 */
#ifndef TEST_PLUGIN_MARKER_H
#define TEST_PLUGIN_MARKER_H

#include <stdio.h>
#include <stdlib.h>

#define TEST_PLUGIN_MARKER(tag)                                                                    \
	__attribute__((constructor)) static void marker_ctor(void)                                 \
	{                                                                                          \
		const char *dir = getenv("MAMORI_TEST_MARKER_DIR");                                \
		char path[512];                                                                    \
		FILE *f;                                                                           \
		if (dir == NULL)                                                                   \
			return;                                                                    \
		snprintf(path, sizeof(path), "%s/%s.ran", dir, tag);                               \
		if ((f = fopen(path, "w")) != NULL)                                                \
			fclose(f);                                                                 \
	}

#endif /* TEST_PLUGIN_MARKER_H */
