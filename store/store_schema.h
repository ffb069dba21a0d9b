/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's schema and its migrations.  The schema version is SQLite's
 * PRAGMA user_version; the list of steps lives in schema.c, each step runs in
 * its own transaction, and a database newer than this code is refused.
 */
#ifndef STORE_SCHEMA_H
#define STORE_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* PRAGMA application_id of a store database: "MMST". */
#define STORE_APPLICATION_ID 0x4d4d5354

/*
 * The one event type the type index leaves out (migration 4): a query for
 * any other type adds "event_type <> 'flow'" so that SQLite may use it.
 */
#define STORE_TYPE_UNINDEXED "flow"

/* The newest schema version this code knows. */
int store_schema_latest(void);

/*
 * Brings the database up to version target (store_schema_latest() for
 * normal use; tests build older versions).  Returns 0, -ENOTSUP for a newer
 * or foreign database, or -EIO with the SQLite message; err says which.
 */
int store_schema_migrate(sqlite3 *conn, int target, char *err, size_t errlen);

/* Reads PRAGMA user_version; negative errno on failure. */
int store_schema_version(sqlite3 *conn);

#endif /* STORE_SCHEMA_H */
