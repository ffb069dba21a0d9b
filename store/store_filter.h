/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A query request's filters, read once (query.c) and answered by either
 * database: SQLite (query.c) or PostgreSQL (pgquery.c).
 */
#ifndef STORE_FILTER_H
#define STORE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#define STORE_FILTER_ERRLEN 256

struct store_filter {
	const char *f_type;
	const char *f_text;
	const char *f_plugin;
	const char *f_exercise;
	const char *f_site;
	int64_t f_since;
	int64_t f_until;
	int64_t f_producer;
	int64_t f_after[3]; /* ts, producer, seq */
	int64_t f_limit;
	uint8_t f_lo[16]; /* the ip prefix as an address range */
	uint8_t f_hi[16];
	bool f_has_since;
	bool f_has_until;
	bool f_has_producer;
	bool f_has_after;
	bool f_has_ip;
	bool f_desc;
};

/*
 * The operations on PostgreSQL (pgquery.c), with the answers' members as the
 * SQLite ones give them; NULL with the reason in err (STORE_FILTER_ERRLEN).
 * timeout_ms bounds each statement.
 */
json_t *store_pgq_query(PGconn *c, const struct store_filter *f, char *err);
json_t *store_pgq_count(PGconn *c, const struct store_filter *f, char *err);
json_t *store_pgq_types(PGconn *c, char *err);
/* db and rows of a stats answer (ingest is the caller's). */
json_t *store_pgq_stats(PGconn *c, char *err);
/* Connects for queries: read-only transactions, a statement timeout. */
PGconn *store_pgq_connect(const char *conninfo, unsigned timeout_ms, char *err);

#endif /* STORE_FILTER_H */
