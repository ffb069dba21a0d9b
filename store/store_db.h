/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's SQLite database: opening (WAL, migrations), inserting a batch
 * in one transaction, and retention.  One writer connection does all writes;
 * readers (queries) open their own connections, which WAL lets run beside
 * the writer without blocking it.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL.  A COMMIT that has
 * returned is in the WAL file, in the kernel's page cache: it survives the
 * process being killed (kill -9, a crash), which is what the bus's
 * acknowledgement promises.  A power loss or kernel crash may lose the last
 * transactions before the next checkpoint (never corrupt the file); the
 * producer's unacknowledged batches cover only what it still holds.
 * STORE_DB_SYNC_FULL fsyncs the WAL at every commit instead, for power loss
 * too, at the cost of a disk flush per transaction; see docs/mamori-store.md.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store_row.h"

struct store_db;

enum {
	STORE_DB_READER = 1 << 0,    /* query_only; no migrations, refuses an outdated schema */
	STORE_DB_SYNC_FULL = 1 << 1, /* synchronous=FULL: an fsync per commit (see above) */
};

#define STORE_DB_BUSY_MS 5000

/* Opens (creating and migrating as needed).  NULL with the reason in err. */
struct store_db *store_db_open(const char *path, unsigned flags, char *err, size_t errlen);
void store_db_close(struct store_db *db);
sqlite3 *store_db_conn(struct store_db *db);
const char *store_db_path(const struct store_db *db);

/* One batch of rows from one producer. */
struct store_batch {
	uint64_t sb_producer;
	struct store_row *sb_rows;
	uint32_t sb_n;
	uint32_t sb_inserted; /* set: rows that were new, not duplicates */
};

/*
 * Inserts batches[0..nb-1] in one transaction, with INSERT OR IGNORE on
 * (producer, seq): rows already stored are skipped and left as they were.
 * Several batches share a transaction when the writer has several waiting
 * (group commit: the index pages they touch are written once); each batch is
 * still stored whole or not at all.  Sets each row's r_inserted and each
 * batch's sb_inserted.  Returns 0 once COMMIT has returned, or -EIO (all
 * rolled back, reason in err).
 */
int store_db_insert(
	struct store_db *db, struct store_batch *batches, size_t nb, char *err, size_t errlen);

struct store_retention {
	int64_t rt_max_age_ns;  /* delete events older than this; 0: keep */
	uint64_t rt_max_bytes;  /* keep the database file under this; 0: no limit */
	uint32_t rt_batch_rows; /* rows deleted per transaction */
};

/*
 * One step of retention at wall-clock time now: deletes at most
 * rt_batch_rows rows (the oldest first) in one transaction, or gives free
 * pages back to the file system.  Returns 1 when more work remains (call
 * again soon), 0 when done, negative errno on failure.
 */
int store_db_retain(struct store_db *db, const struct store_retention *rt, int64_t now,
	uint64_t *deleted, char *err, size_t errlen);

/* Pages in use and in the file, in bytes. */
int store_db_size(struct store_db *db, uint64_t *used, uint64_t *file);

#endif /* STORE_DB_H */
