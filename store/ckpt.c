/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mamori/log.h>

#include "store_ckpt.h"

/* SQLite's own default threshold, restored when the thread stops. */
#define AUTOCHECKPOINT_PAGES 1000
/*
 * How long a RESTART checkpoint waits for readers (a query can run for
 * seconds) while it holds the writer back: ingest stalls at most this long.
 * When readers outlast it, the next try waits CKPT_RETRY_MS, so that a long
 * query costs ingest a tenth of its time at most.
 */
#define CKPT_BUSY_MS  100
#define CKPT_RETRY_MS 1000

struct store_ckpt {
	struct store_db *ck_writer;
	sqlite3 *ck_conn; /* the checkpointer's own connection */
	pthread_t ck_thread;
	pthread_mutex_t ck_lock;
	pthread_cond_t ck_cond; /* to the checkpointer: wanted, stopping, writer out */
	pthread_cond_t ck_turn; /* to the writer: the restart is done */
	bool ck_wanted;         /* the WAL passed STORE_CKPT_PAGES */
	bool ck_stopping;
	bool ck_writing;    /* the writer is in a transaction */
	bool ck_restarting; /* the checkpointer holds the writer back */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

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

/*
 * A RESTART checkpoint between two of the writer's transactions.  Left to
 * SQLite, it would wait for the write lock in its busy handler, which sleeps
 * 1, 2, 5 ... 100 ms and seldom wakes while the lock is free, since the writer
 * takes it again at once; and the writer, once held back, would wait in its
 * own busy handler, sleeping past the end of the checkpoint.  Here the
 * writer waits at store_ckpt_writer_begin() for as long as the checkpoint
 * takes, and the checkpoint finds the lock free.
 */
static int
restart(struct store_ckpt *ck)
{
	int log, done, rc;

	pthread_mutex_lock(&ck->ck_lock);
	ck->ck_restarting = true;
	while (ck->ck_writing)
		pthread_cond_wait(&ck->ck_cond, &ck->ck_lock);
	pthread_mutex_unlock(&ck->ck_lock);
	rc = sqlite3_wal_checkpoint_v2(ck->ck_conn, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
	pthread_mutex_lock(&ck->ck_lock);
	ck->ck_restarting = false;
	pthread_cond_broadcast(&ck->ck_turn);
	pthread_mutex_unlock(&ck->ck_lock);
	return (rc);
}

void
store_ckpt_writer_begin(struct store_ckpt *ck)
{
	if (ck == NULL)
		return;
	pthread_mutex_lock(&ck->ck_lock);
	while (ck->ck_restarting)
		pthread_cond_wait(&ck->ck_turn, &ck->ck_lock);
	ck->ck_writing = true;
	pthread_mutex_unlock(&ck->ck_lock);
}

void
store_ckpt_writer_end(struct store_ckpt *ck)
{
	if (ck == NULL)
		return;
	pthread_mutex_lock(&ck->ck_lock);
	ck->ck_writing = false;
	if (ck->ck_restarting)
		pthread_cond_signal(&ck->ck_cond);
	pthread_mutex_unlock(&ck->ck_lock);
}

static void *
ckpt_main(void *arg)
{
	struct store_ckpt *ck = arg;
	int64_t retry_at = 0;

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
		 * the writer back, and the writer's next transaction starts the WAL
		 * from its beginning.  Not while a reader kept this checkpoint from
		 * copying all it found: RESTART would wait for that reader.
		 */
		if (rc == SQLITE_OK && log > 2 * STORE_CKPT_PAGES && done == log &&
			mono_ms() >= retry_at) {
			rc = restart(ck);
			if (rc == SQLITE_BUSY)
				retry_at = mono_ms() + CKPT_RETRY_MS;
		}
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
	pthread_cond_init(&ck->ck_turn, NULL);
	if ((rv = pthread_create(&ck->ck_thread, NULL, ckpt_main, ck)) != 0) {
		snprintf(err, errlen, "%s: checkpointer: cannot start a thread: %s", path,
			strerror(rv));
		pthread_cond_destroy(&ck->ck_turn);
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
	pthread_cond_destroy(&ck->ck_turn);
	pthread_cond_destroy(&ck->ck_cond);
	pthread_mutex_destroy(&ck->ck_lock);
	sqlite3_close(ck->ck_conn);
	free(ck);
}
