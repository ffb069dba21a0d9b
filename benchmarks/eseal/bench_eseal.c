/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_eseal: seal verifications per second in process, with the same
 * library and policy as the eseal plugin and mamorictl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "es_policy.h"
#include "es_verify.h"

struct bench_item {
	const char *bi_name;
	uint8_t *bi_seal;
	size_t bi_seal_len;
	uint8_t *bi_doc;
	size_t bi_doc_len;
};

static const char usage[] =
	"Usage: bench_eseal --policy FILE [--seconds N] [--at TIME] SEAL[:DOCUMENT]...\n"
	"Verifies the seals round-robin for N seconds (default 3) and prints each\n"
	"verdict once, then 'RATE <verifications per second>'.\n";

static uint8_t *
bench_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
		fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_eseal: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	const char *policy = NULL;
	struct bench_item items[64];
	struct es_policy p;
	struct es_result r;
	int64_t at = ES_TIME_NONE;
	double seconds = 3, t0, t;
	size_t n = 0, done = 0;
	char err[512], *colon;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
			policy = argv[++i];
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc) {
			if (es_parse_time(argv[++i], &at) != 0) {
				fprintf(stderr, "bench_eseal: --at %s: not a time\n", argv[i]);
				return (2);
			}
		} else if (argv[i][0] == '-' || n >= 64) {
			fputs(usage, argv[i][1] == 'h' ? stdout : stderr);
			return (argv[i][1] == 'h' ? 0 : 2);
		} else {
			items[n].bi_name = argv[i];
			items[n].bi_doc = NULL;
			items[n].bi_doc_len = 0;
			if ((colon = strchr(argv[i], ':')) != NULL) {
				*colon = '\0';
				items[n].bi_doc = bench_read(colon + 1, &items[n].bi_doc_len);
			}
			items[n].bi_seal = bench_read(argv[i], &items[n].bi_seal_len);
			n++;
		}
	}
	if (policy == NULL || n == 0 || seconds <= 0) {
		fputs(usage, stderr);
		return (2);
	}
	if (es_policy_init(&p) != 0 || es_policy_load(&p, policy, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_eseal: %s\n", err);
		return (1);
	}
	for (size_t k = 0; k < n; k++) {
		es_verify(&p, items[k].bi_seal, items[k].bi_seal_len, items[k].bi_doc,
			items[k].bi_doc_len, at, &r);
		printf("%s: %s%s%s (%s)\n", items[k].bi_name, es_indication_name(r.r_ind),
			r.r_sub != ES_SUB_NONE ? " / " : "", es_sub_name(r.r_sub), r.r_baseline);
	}
	t0 = bench_now();
	do {
		for (size_t k = 0; k < n; k++, done++)
			es_verify(&p, items[k].bi_seal, items[k].bi_seal_len, items[k].bi_doc,
				items[k].bi_doc_len, at, &r);
	} while ((t = bench_now()) - t0 < seconds);
	printf("%zu verifications in %.2f s\nRATE %.0f\n", done, t - t0, (double)done / (t - t0));
	for (size_t k = 0; k < n; k++) {
		free(items[k].bi_seal);
		free(items[k].bi_doc);
	}
	es_policy_free(&p);
	return (0);
}
