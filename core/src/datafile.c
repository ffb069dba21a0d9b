/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mamori/datafile.h"

#ifndef MAMORI_DATA_DIR
#define MAMORI_DATA_DIR "/usr/share/mamori"
#endif

static int
readable(char *out, size_t len, const char *dir, const char *rel, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s%s", dir, rel, name) >= len)
		return (-ENAMETOOLONG);
	return (access(out, R_OK) == 0 ? 0 : -ENOENT);
}

int
mm_data_file(const char *name, char *out, size_t len)
{
	static const char *const rel[] = { "../share/mamori/", "../../share/mamori/" };
	const char *env = getenv("MAMORI_DATA_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env != NULL && *env != '\0' && readable(out, len, env, "", name) == 0)
		return (0);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		const char *dir;

		exe[n] = '\0';
		dir = dirname(exe);
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
			if (readable(out, len, dir, rel[i], name) == 0)
				return (0);
	}
	return (readable(out, len, MAMORI_DATA_DIR, "", name));
}
