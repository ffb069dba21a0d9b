/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The central store's PostgreSQL database: the same tables and columns as
 * the SQLite store (store_schema.h), plus the site each event came from, and
 * the same rule: an event is stored once per (producer, seq).
 *
 * A batch is written in one transaction, sent as one query (one round
 * trip): its rows are copied (COPY, text format) into a temporary table,
 * then moved with INSERT ... ON CONFLICT (producer, seq) DO NOTHING, the
 * flow rows beside them; the query's end is the COMMIT.  The caller
 * acknowledges the batch's messages only after that has returned, so a
 * crash at any point leaves them unacknowledged and they come again, where
 * the conflict clause drops what was already committed.
 */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store_row.h"

#define STORE_PG_SCHEMA_VERSION 2

struct store_pg;

/*
 * Connects (conninfo: libpq keywords or a postgresql:// URI) and creates or
 * checks the schema.  NULL with the reason in err.
 */
struct store_pg *store_pg_open(const char *conninfo, char *err, size_t errlen);
void store_pg_close(struct store_pg *pg);
PGconn *store_pg_conn(struct store_pg *pg);

/*
 * Stores rows[0..n-1], from producers[i] at sites[i] ("" when unknown), in
 * one transaction; sets each row's r_inserted (false for a duplicate) and
 * *inserted.  A broken connection is re-established
 * first.  Returns 0 once COMMIT has returned, or -EIO with the reason in
 * err (nothing stored).
 */
int store_pg_insert(struct store_pg *pg, struct store_row *rows, const uint64_t *producers,
	const char *const *sites, size_t n, uint32_t *inserted, char *err, size_t errlen);

/*
 * Deletes up to max_rows of the oldest events whose ts is before before (Unix
 * ns), with their flow rows, in one statement.  Returns how many, or -EIO
 * with the reason in err.
 */
int64_t store_pg_retain(
	struct store_pg *pg, int64_t before, uint32_t max_rows, char *err, size_t errlen);

#endif /* STORE_PG_H */
