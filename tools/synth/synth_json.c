/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_json.h"

void
synth_json_init(struct synth_json *j)
{
	memset(j, 0, sizeof(*j));
	j->j_first[0] = true;
}

void
synth_json_fini(struct synth_json *j)
{
	free(j->j_buf);
	memset(j, 0, sizeof(*j));
}

static void
put(struct synth_json *j, const char *s, size_t n)
{
	if (j->j_err != 0)
		return;
	if (j->j_len + n + 1 > j->j_cap) {
		size_t cap = j->j_cap == 0 ? 4096 : j->j_cap;
		char *p;

		while (cap < j->j_len + n + 1)
			cap *= 2;
		if ((p = realloc(j->j_buf, cap)) == NULL) {
			j->j_err = -ENOMEM;
			return;
		}
		j->j_buf = p;
		j->j_cap = cap;
	}
	memcpy(j->j_buf + j->j_len, s, n);
	j->j_len += n;
	j->j_buf[j->j_len] = '\0';
}

static void
puts_(struct synth_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void
quoted(struct synth_json *j, const char *s)
{
	char esc[8];

	put(j, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			puts_(j, esc);
		} else {
			put(j, s, 1);
		}
	}
	put(j, "\"", 1);
}

/* Comma, newline and indentation before a member, then its key. */
static void
member(struct synth_json *j, const char *key)
{
	if (j->j_depth > 0) {
		if (!j->j_first[j->j_depth])
			put(j, ",", 1);
		put(j, "\n", 1);
		for (int i = 0; i < j->j_depth; i++)
			put(j, "  ", 2);
	}
	j->j_first[j->j_depth] = false;
	if (key != NULL) {
		quoted(j, key);
		put(j, ": ", 2);
	}
}

static void
open_(struct synth_json *j, const char *key, const char *brace)
{
	member(j, key);
	puts_(j, brace);
	if (j->j_depth + 1 >= SYNTH_JSON_DEPTH) {
		j->j_err = -E2BIG;
		return;
	}
	j->j_depth++;
	j->j_first[j->j_depth] = true;
}

static void
close_(struct synth_json *j, const char *brace)
{
	bool empty = j->j_first[j->j_depth];

	if (j->j_depth == 0) {
		j->j_err = -EINVAL;
		return;
	}
	j->j_depth--;
	if (!empty) {
		put(j, "\n", 1);
		for (int i = 0; i < j->j_depth; i++)
			put(j, "  ", 2);
	}
	puts_(j, brace);
	if (j->j_depth == 0)
		put(j, "\n", 1);
}

void
synth_json_obj_begin(struct synth_json *j, const char *key)
{
	open_(j, key, "{");
}

void
synth_json_obj_end(struct synth_json *j)
{
	close_(j, "}");
}

void
synth_json_arr_begin(struct synth_json *j, const char *key)
{
	open_(j, key, "[");
}

void
synth_json_arr_end(struct synth_json *j)
{
	close_(j, "]");
}

void
synth_json_str(struct synth_json *j, const char *key, const char *val)
{
	member(j, key);
	quoted(j, val);
}

void
synth_json_u64(struct synth_json *j, const char *key, uint64_t val)
{
	char buf[24];

	member(j, key);
	snprintf(buf, sizeof(buf), "%" PRIu64, val);
	puts_(j, buf);
}

void
synth_json_bool(struct synth_json *j, const char *key, bool val)
{
	member(j, key);
	puts_(j, val ? "true" : "false");
}

void
synth_json_addr(struct synth_json *j, const char *key, int family, const uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf)) == NULL)
		snprintf(buf, sizeof(buf), "?");
	synth_json_str(j, key, buf);
}
