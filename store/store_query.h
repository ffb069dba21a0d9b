/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query API: JSON requests with an "op" member, answered with
 * {"ok": true, ...} or {"ok": false, "error": "..."}.  See
 * docs/mamori-store.md for the operations and their members.  Queries run on
 * their own read-only connection, beside the writer (WAL).
 */
#ifndef STORE_QUERY_H
#define STORE_QUERY_H

#include <stddef.h>

#include <jansson.h>

#include "store_db.h"

#define STORE_QUERY_LIMIT_DEFAULT 100
#define STORE_QUERY_LIMIT_MAX     10000
/* A query running longer is stopped and answered with an error. */
#define STORE_QUERY_TIME_MS 10000

struct store_query_conf {
	const char *qc_db_path;
	const struct store_retention *qc_retention;
	/* Adds the ingest counters to a stats answer (an object); may be NULL. */
	void (*qc_stats)(void *arg, json_t *ingest);
	void *qc_stats_arg;
	const char *qc_pg_conninfo; /* set: the central store's PostgreSQL, not qc_db_path */
};

struct store_query;

struct store_query *store_query_open(const struct store_query_conf *conf, char *err, size_t errlen);
void store_query_close(struct store_query *q);

/*
 * Answers one request (any bytes: it is checked).  Returns the answer as a
 * NUL-terminated JSON text the caller frees, or NULL when out of memory.
 */
char *store_query_answer(struct store_query *q, const void *req, size_t len);

/* Stops a running query, and any later one, from another thread (shutdown). */
void store_query_interrupt(struct store_query *q);

#endif /* STORE_QUERY_H */
