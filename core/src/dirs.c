/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mamori/dirs.h"

int
mm_mkdirs(const char *path, mode_t mode, char *failed, size_t failedlen)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return (-ENAMETOOLONG);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST) {
			int rv = -errno;

			if (failed != NULL)
				snprintf(failed, failedlen, "%s", buf);
			return (rv);
		}
		*p = c;
		if (c == '\0')
			return (0);
	}
}
