/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_events: flow events from a driver through the exporter into
 * mamori-store (ingest), a direct fill of the database (fill), and query
 * latency on the filled database (query).  See README.md.
 */
#ifndef BENCH_EVENTS_H
#define BENCH_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

/* Event i of a run ends near T0 + i * STEP: about 1,000 flows a second of traffic. */
#define BENCH_T0     (1750000000ULL * 1000000000ULL) /* 2025-06-15T15:06:40Z */
#define BENCH_STEP   1000000ULL                      /* 1 ms */
#define BENCH_SEED   0x6d616d6f7269ULL               /* hosts and flows of every run */
#define BENCH_NS     1000000000ULL
#define BENCH_ERRLEN 512

/* CPU time of a process, split by thread name. */
struct bench_cpu {
	uint64_t bc_total;  /* ns, all threads */
	uint64_t bc_writer; /* "store-writer" */
	uint64_t bc_ckpt;   /* "store-ckpt" */
};

uint64_t bench_mono_ns(void);
uint64_t bench_thread_ns(void);
/* Reads /proc/pid/task/ ; 0 or -errno. */
int bench_cpu_read(pid_t pid, struct bench_cpu *c);
/* "1,234,567" */
const char *bench_commas(uint64_t v, char *buf, size_t len);

int bench_ingest(int argc, char **argv);
int bench_fill(int argc, char **argv);
int bench_query(int argc, char **argv);

#endif /* BENCH_EVENTS_H */
