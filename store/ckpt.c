/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/log.h>

#include "store_ckpt.h"

/* SQLite's own default threshold, restored when the thread stops. */
#define AUTOCHECKPOINT_PAGES 1000
/*
 * How long a RESTART checkpoint waits for readers (a query can run for
 * seconds) while it holds writers back: ingest stalls at most this long, and
 * the checkpoint tries again later.
 */
#define CKPT_BUSY_MS 1000

struct store_ckpt {
	struct store_db *ck_writer;
	sqlite3 *ck_conn; /* the checkpointer's own connection */
	pthread_t ck_thread;
	pthread_mutex_t ck_lock;
	pthread_cond_t ck_cond;
	bool ck_wanted; /* the WAL passed STORE_CKPT_PAGES */
	bool ck_stopping;
};

/* Runs in the writer's thread after each commit: only a signal, no I/O. */
static int
on_wal(void *arg, sqlite3 *conn, const char *db, int pages)
{
	struct store_ckpt *ck = arg;

	if (pages >= STORE_CKPT_PAGES) {
		pthread_mutex_lock(&ck->ck_lock);
		ck->ck_wanted = true;
		pthread_cond_signal(&ck->ck_cond);
		pthread_mutex_unlock(&ck->ck_lock);
	}
	return (SQLITE_OK);
}

static void *
ckpt_main(void *arg)
{
	struct store_ckpt *ck = arg;

	/* Named for top -H and perf. */
	pthread_setname_np(pthread_self(), "store-ckpt");

	pthread_mutex_lock(&ck->ck_lock);
	for (;;) {
		int log, done, rc;

		while (!ck->ck_wanted && !ck->ck_stopping)
			pthread_cond_wait(&ck->ck_cond, &ck->ck_lock);
		if (ck->ck_stopping)
			break;
		ck->ck_wanted = false;
		pthread_mutex_unlock(&ck->ck_lock);
		rc = sqlite3_wal_checkpoint_v2(
			ck->ck_conn, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		/*
		 * The WAL starts over only when a write begins after everything in
		 * it was copied, which a busy writer never lets a passive checkpoint
		 * achieve.  Once it has grown, RESTART copies the rest while holding
		 * writers back (they wait in their busy handler: a short stall), and
		 * the next write starts the WAL from its beginning.
		 */
		if (rc == SQLITE_OK && log > 2 * STORE_CKPT_PAGES)
			rc = sqlite3_wal_checkpoint_v2(
				ck->ck_conn, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			mm_warn("%s: checkpoint: %s", store_db_path(ck->ck_writer),
				sqlite3_errmsg(ck->ck_conn));
		pthread_mutex_lock(&ck->ck_lock);
	}
	pthread_mutex_unlock(&ck->ck_lock);
	return (NULL);
}

struct store_ckpt *
store_ckpt_start(struct store_db *writer, char *err, size_t errlen)
{
	const char *path = store_db_path(writer);
	struct store_ckpt *ck;
	int rv;

	if ((ck = calloc(1, sizeof(*ck))) == NULL) {
		snprintf(err, errlen, "%s: checkpointer: out of memory", path);
		return (NULL);
	}
	ck->ck_writer = writer;
	if (sqlite3_open_v2(path, &ck->ck_conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
		    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: checkpointer: cannot open: %s", path,
			ck->ck_conn != NULL ? sqlite3_errmsg(ck->ck_conn) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(ck->ck_conn, CKPT_BUSY_MS);
	/* A connection knows it is in WAL mode once it has read the database. */
	if (sqlite3_exec(ck->ck_conn, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
		SQLITE_OK) {
		snprintf(err, errlen, "%s: checkpointer: cannot read: %s", path,
			sqlite3_errmsg(ck->ck_conn));
		goto fail;
	}
	pthread_mutex_init(&ck->ck_lock, NULL);
	pthread_cond_init(&ck->ck_cond, NULL);
	if ((rv = pthread_create(&ck->ck_thread, NULL, ckpt_main, ck)) != 0) {
		snprintf(err, errlen, "%s: checkpointer: cannot start a thread: %s", path,
			strerror(rv));
		pthread_cond_destroy(&ck->ck_cond);
		pthread_mutex_destroy(&ck->ck_lock);
		goto fail;
	}
	/* Replaces the automatic checkpoint, which is a WAL hook too. */
	sqlite3_wal_hook(store_db_conn(writer), on_wal, ck);
	return (ck);
fail:
	sqlite3_close(ck->ck_conn);
	free(ck);
	return (NULL);
}

void
store_ckpt_stop(struct store_ckpt *ck)
{
	if (ck == NULL)
		return;
	sqlite3_wal_autocheckpoint(store_db_conn(ck->ck_writer), AUTOCHECKPOINT_PAGES);
	pthread_mutex_lock(&ck->ck_lock);
	ck->ck_stopping = true;
	pthread_cond_signal(&ck->ck_cond);
	pthread_mutex_unlock(&ck->ck_lock);
	pthread_join(ck->ck_thread, NULL);
	pthread_cond_destroy(&ck->ck_cond);
	pthread_mutex_destroy(&ck->ck_lock);
	sqlite3_close(ck->ck_conn);
	free(ck);
}
