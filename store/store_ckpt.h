/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WAL checkpoints off the writer's thread.  SQLite's automatic checkpoint
 * runs inside the COMMIT that crosses the threshold: it copies the WAL into
 * the database and fsyncs both, which stalled ingest for tens of
 * milliseconds a few times a second.  Here the writer's connection only
 * signals (sqlite3_wal_hook) and a thread with its own connection runs
 * PASSIVE checkpoints, which never block the writer.  Those cannot start the
 * WAL over while the writer keeps adding to it: once it has grown to twice
 * STORE_CKPT_PAGES, a RESTART checkpoint copies the rest between two of the
 * writer's transactions, and the writer waits for it.
 */
#ifndef STORE_CKPT_H
#define STORE_CKPT_H

#include <stddef.h>

#include "store_db.h"

/* WAL pages (8 KB in a new database, 4 KB before) after which a checkpoint is started. */
#define STORE_CKPT_PAGES 4096

struct store_ckpt;

/* Takes over checkpoints of writer's database; NULL with the reason in err. */
struct store_ckpt *store_ckpt_start(struct store_db *writer, char *err, size_t errlen);
/*
 * The writer thread calls these around each of its transactions (ck NULL:
 * no checkpointer, nothing to do).  begin waits while a RESTART checkpoint
 * runs; a RESTART waits for the transaction in hand to end.
 */
void store_ckpt_writer_begin(struct store_ckpt *ck);
void store_ckpt_writer_end(struct store_ckpt *ck);
/*
 * Stops the thread; the writer's connection checkpoints again by itself.
 * Call it once the writer's thread is done with the connection.
 */
void store_ckpt_stop(struct store_ckpt *ck);

#endif /* STORE_CKPT_H */
