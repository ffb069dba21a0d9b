/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's pattern set: IoT default credentials (telnet, HTTP basic
 * authentication), device banners and firmware versions, bot loader commands,
 * exploit URIs on their ports, C2 chatter, and C2 names in DNS queries and TLS
 * SNI, generated deterministically -- the same set on every run.
 */
#ifndef BENCH_PATTERNS_H
#define BENCH_PATTERNS_H

#include <stddef.h>

#include "hsvc.h"

struct bench_set {
	struct hsvc_pattern *bs_pat;
	size_t bs_n;
	size_t bs_literals; /* the rest are regular expressions */
	char **bs_strings;  /* every expression, owned by the set */
	size_t bs_nstrings;
};

/* Returns 0 or -ENOMEM. */
int bench_set_make(struct bench_set *set);
void bench_set_free(struct bench_set *set);

#endif /* BENCH_PATTERNS_H */
