/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the plugin's data files: whole-file reads with a size bound, and a
 * line iterator that accepts LF and CRLF and never needs the text NUL-ended.
 */
#ifndef IOTSENSE_TEXTFILE_H
#define IOTSENSE_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>

#define IOT_TEXT_MAX (64U << 20) /* largest data file read */

struct iot_textline {
	const char *t_text;
	size_t t_size;      /* bytes of text */
	size_t t_off;       /* where the next line starts */
	const char *t_line; /* the current line, without its end */
	size_t t_len;       /* its length */
	size_t t_no;        /* its number, 1-based */
};

void iot_text_init(struct iot_textline *tl, const char *text, size_t len);
/* Moves to the next line; false at the end. */
bool iot_text_next(struct iot_textline *tl);
/* Reads path (NUL-terminated copy in *text, *len bytes); -errno, err names the file. */
int iot_text_read(const char *path, char **text, size_t *len, char *err, size_t errlen);

#endif /* IOTSENSE_TEXTFILE_H */
