/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replays a fuzzing corpus through the decoder without libFuzzer, so every
 * build (the ASan one above all) runs the seeds and any crash once found.
 * Each file is copied into a buffer of exactly its size, so an overread is
 * an ASan error and not a silent read of the next file's bytes.
 *
 * Usage: decode_corpus DIR
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"

/* Whether ptr .. ptr + n lies inside buf .. buf + len (a NULL ptr does). */
static int
span_ok(const uint8_t *buf, size_t len, const uint8_t *ptr, size_t n)
{
	uintptr_t b = (uintptr_t)buf, e = b + len, x = (uintptr_t)ptr;

	return ptr == NULL || (x >= b && x <= e && n <= e - x);
}

/* Decodes one file; returns 0, or -1 with the reason printed. */
static int
decode_file(const char *path)
{
	struct dp_pkt p;
	struct stat st;
	uint8_t *buf;
	size_t len, alen;
	FILE *f;
	int layer;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "decode_corpus: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > UINT32_MAX) {
		fprintf(stderr, "decode_corpus: cannot size %s (want a file below 4 GiB)\n", path);
		fclose(f);
		return -1;
	}
	len = (size_t)st.st_size;
	buf = malloc(len);
	if ((buf == NULL && len != 0) || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "decode_corpus: cannot read %zu bytes of %s\n", len, path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);

	layer = dp_decode(buf, (uint32_t)len, &p);
	alen = p.p_family == 6 ? 16 : 4;
	if (layer != p.p_layer || p.p_anomaly >= DP_AN__COUNT ||
		!span_ok(buf, len, p.p_l3, p.p_l3_len) || !span_ok(buf, len, p.p_l4, 0) ||
		!span_ok(buf, len, p.p_payload, p.p_payload_len) ||
		!span_ok(buf, len, p.p_src, alen) || !span_ok(buf, len, p.p_dst, alen)) {
		fprintf(stderr, "decode_corpus: %s: result points outside the %zu-byte frame\n",
			path, len);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	DIR *dir;
	int passed = 0, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: decode_corpus DIR\n");
		return 1;
	}
	if ((dir = opendir(argv[1])) == NULL) {
		fprintf(stderr, "decode_corpus: cannot read directory %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	while ((de = readdir(dir)) != NULL) {
		char path[4096];
		struct stat st;

		/* Dot files are not inputs (., .., .gitkeep). */
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name) >=
			(int)sizeof(path)) {
			fprintf(stderr, "decode_corpus: path too long: %s/%s\n", argv[1],
				de->d_name);
			failed++;
			continue;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (decode_file(path) == 0)
			passed++;
		else
			failed++;
	}
	closedir(dir);
	printf("decode_corpus: %d inputs decoded\n", passed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
