/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny JSON writer into memory, enough for the ground-truth file: objects,
 * arrays, strings, integers.  It tracks commas and indentation itself and
 * remembers the first allocation failure, so callers check once at the end.
 */
#ifndef SYNTH_JSON_H
#define SYNTH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNTH_JSON_DEPTH 16

struct synth_json {
	char *j_buf;
	size_t j_len;
	size_t j_cap;
	int j_depth;
	bool j_first[SYNTH_JSON_DEPTH]; /* nothing written yet at this level */
	int j_err;                      /* 0 or the first -errno */
};

void synth_json_init(struct synth_json *j);
void synth_json_fini(struct synth_json *j);
/* key may be NULL inside arrays and at the top level. */
void synth_json_obj_begin(struct synth_json *j, const char *key);
void synth_json_obj_end(struct synth_json *j);
void synth_json_arr_begin(struct synth_json *j, const char *key);
void synth_json_arr_end(struct synth_json *j);
void synth_json_str(struct synth_json *j, const char *key, const char *val);
void synth_json_u64(struct synth_json *j, const char *key, uint64_t val);
void synth_json_bool(struct synth_json *j, const char *key, bool val);
/* An IPv4 or IPv6 address (4 or 16 bytes) as a string. */
void synth_json_addr(struct synth_json *j, const char *key, int family, const uint8_t *addr);

#endif /* SYNTH_JSON_H */
