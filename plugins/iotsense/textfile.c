/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "textfile.h"

void
iot_text_init(struct iot_textline *tl, const char *text, size_t len)
{
	memset(tl, 0, sizeof(*tl));
	tl->t_text = text;
	tl->t_size = len;
}

bool
iot_text_next(struct iot_textline *tl)
{
	const char *nl;
	size_t left;

	if (tl->t_off >= tl->t_size)
		return (false);
	tl->t_line = tl->t_text + tl->t_off;
	left = tl->t_size - tl->t_off;
	nl = memchr(tl->t_line, '\n', left);
	tl->t_len = nl != NULL ? (size_t)(nl - tl->t_line) : left;
	tl->t_off += tl->t_len + (nl != NULL);
	if (tl->t_len > 0 && tl->t_line[tl->t_len - 1] == '\r')
		tl->t_len--;
	tl->t_no++;
	return (true);
}

int
iot_text_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;
	char *buf;
	size_t n;
	int rv;

	if ((f = fopen(path, "rb")) == NULL) {
		rv = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return (rv);
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > IOT_TEXT_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
			IOT_TEXT_MAX);
		fclose(f);
		return (-EINVAL);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return (-ENOMEM);
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		rv = -EIO;
		snprintf(err, errlen, "cannot read %s: read error", path);
		fclose(f);
		free(buf);
		return (rv);
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return (0);
}
