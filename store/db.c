/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The writer's side of the database.  Every statement of the ingest path is
 * prepared once and reused: a transaction is BEGIN, n x (bind, step, reset),
 * COMMIT, and nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mamori/log.h>

#include "store_addr.h"
#include "store_db.h"
#include "store_schema.h"

/* Bytes given back to the file system per retention step. */
#define VACUUM_BYTES (4 << 20)
/*
 * The page size of a new database.  With 4 KB pages a commit handled (split,
 * wrote to the WAL with a checksum each, checkpointed) twice as many pages
 * for the same rows: 8 KB took the writer from about 4.9 to 3.8 us per event
 * (docs/mamori-store.md, PERFORMANCE); 16 and 32 KB gained nothing more and
 * read more bytes for each row a query fetches.  An existing file keeps its
 * size (changing it takes a VACUUM).
 */
#define PAGE_SIZE_NEW 8192
/* Size retention, once started, deletes until the database is this % of its limit. */
#define SIZE_LOW_PERCENT 90
/*
 * SQLite's page cache for the writer, in KB (a negative cache_size).  The
 * writer works at the ends of the b-trees: a few hundred pages.  A larger
 * cache costs time: every commit walks the whole of its hash table (it was 6%
 * of the writer's CPU at 64 MB).
 */
#define WRITER_CACHE_KB 16384
/* The WAL file is truncated to this after a checkpoint. */
#define WAL_LIMIT_BYTES (64 << 20)
/*
 * Rows per INSERT statement.  Each execution of a statement opens, and at
 * its end closes and frees, a cursor on the table and on each of its
 * indexes, and (SQLite as Debian builds it, without lookaside memory) goes
 * to malloc for each: a quarter of the writer's instructions went there
 * with one row per statement.  A statement of several rows pays it once:
 * of 64 rows, 2.5% fewer instructions a row than of 16.  A batch's rest
 * goes CHUNK_FEW rows at a time, then one by one.
 */
#define CHUNK_ROWS   64
#define CHUNK_FEW    8
#define EVENT_PARAMS 25

struct store_db {
	sqlite3 *db_conn;
	char *db_path;
	unsigned db_flags;
	int64_t db_page_size;
	bool db_trimming; /* size retention running until SIZE_LOW_PERCENT */
	sqlite3_stmt *db_begin;
	sqlite3_stmt *db_commit;
	sqlite3_stmt *db_rollback;
	sqlite3_stmt *db_ins_event;
	sqlite3_stmt *db_ins_events; /* CHUNK_ROWS rows */
	sqlite3_stmt *db_ins_few;    /* CHUNK_FEW rows */
	sqlite3_stmt *db_event_id;   /* the id of (producer, seq) */
	sqlite3_stmt *db_del_oldest; /* oldest rows before a time, up to a count */
	sqlite3_stmt *db_page_count;
	sqlite3_stmt *db_freelist;
	/* events_addr (store_addr.h): every id below db_indexed_below is in it */
	struct store_addr_buf *db_addr; /* the addresses of the ids from there on */
	int64_t db_indexed_below;
	int64_t db_max_id;   /* the largest id, as of the last commit */
	bool db_addr_reload; /* the buffer is to be read anew from events */
	sqlite3_stmt *db_sel_max_id;
	sqlite3_stmt *db_addr_ins;  /* a row of events_addr */
	sqlite3_stmt *db_addr_set;  /* events_addr_state.indexed_below = ?1 */
	sqlite3_stmt *db_addr_trim; /* rows of blocks below the oldest id's */
	sqlite3_stmt *db_addr_from; /* rows of block ?1 and later */
	sqlite3_stmt *db_addr_load; /* the addresses of ids [?1, ?2) */
};

static const char sql_ins_event[] =
	"INSERT OR IGNORE INTO events (producer, seq, ts, event_type, src_ip, dest_ip, src_addr, "
	"dest_addr, src_port, dest_port, proto, flow_id, plugin, exercise, raw, has_flow, "
	"flow_pkts_toserver, flow_pkts_toclient, flow_bytes_toserver, flow_bytes_toclient, "
	"flow_start_ts, flow_end_ts, flow_reason, flow_state, flow_age) VALUES ";
static const char sql_event_id[] = "SELECT id FROM events WHERE producer = ?1 AND seq = ?2";
static const char sql_del_oldest[] =
	"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ?1 ORDER BY ts LIMIT ?2)";
static const char sql_addr_ins[] =
	"INSERT INTO events_addr (blk, first_addr, last_addr, entries) VALUES (?1, ?2, ?3, ?4)";
/* With no event left, every row goes. */
static const char sql_addr_trim[] =
	"DELETE FROM events_addr WHERE blk < ifnull((SELECT min(id) FROM events) >> ?1, 1 << 62)";
static const char sql_addr_load[] =
	"SELECT id, src_addr, dest_addr FROM events WHERE id >= ?1 AND id < ?2";

static int
db_exec(struct store_db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db->db_conn, sql, NULL, NULL, &msg) == SQLITE_OK)
		return (0);
	snprintf(err, errlen, "%s: %s: %s", db->db_path, sql, msg != NULL ? msg : "failed");
	sqlite3_free(msg);
	return (-EIO);
}

static int
db_prepare(struct store_db *db, sqlite3_stmt **st, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_prepare_v3(db->db_conn, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) ==
		SQLITE_OK)
		return (0);
	snprintf(err, errlen, "%s: cannot prepare \"%.60s\": %s", db->db_path, sql,
		sqlite3_errmsg(db->db_conn));
	return (-EIO);
}

/* Steps a statement that returns no row. */
static int
step_once(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -EIO);
}

/* Steps a statement that returns one integer. */
static int
db_step_int(sqlite3_stmt *st, int64_t *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (rc == SQLITE_ROW ? 0 : -EIO);
}

/* Switches to WAL, which SQLite declines quietly where it cannot (some network file systems). */
static int
db_wal(struct store_db *db, char *err, size_t errlen)
{
	const unsigned char *mode;
	sqlite3_stmt *st;
	int rv = -ENOTSUP;

	if (sqlite3_prepare_v2(db->db_conn, "PRAGMA journal_mode = WAL", -1, &st, NULL) !=
		SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db->db_path, sqlite3_errmsg(db->db_conn));
		return (-EIO);
	}
	if (sqlite3_step(st) == SQLITE_ROW && (mode = sqlite3_column_text(st, 0)) != NULL &&
		strcmp((const char *)mode, "wal") == 0)
		rv = 0;
	else
		snprintf(err, errlen, "%s: cannot use journal_mode=WAL here: %s", db->db_path,
			sqlite3_errmsg(db->db_conn));
	sqlite3_finalize(st);
	return (rv);
}

/* Prepares an INSERT of rows rows of nparams parameters each, numbered from 1 in order. */
static int
db_prepare_insert(struct store_db *db, sqlite3_stmt **st, const char *head, int rows, int nparams,
	char *err, size_t errlen)
{
	size_t cap = strlen(head) + (size_t)rows * ((size_t)nparams * 2 + 3) + 1, o;
	char *sql = malloc(cap);
	int rv;

	if (sql == NULL) {
		snprintf(err, errlen, "%s: out of memory", db->db_path);
		return (-ENOMEM);
	}
	o = (size_t)snprintf(sql, cap, "%s", head);
	for (int r = 0; r < rows; r++) {
		sql[o++] = r > 0 ? ',' : '(';
		if (r > 0)
			sql[o++] = '(';
		for (int i = 0; i < nparams; i++) {
			sql[o++] = i > 0 ? ',' : '?';
			if (i > 0)
				sql[o++] = '?';
		}
		sql[o++] = ')';
	}
	sql[o] = '\0';
	rv = db_prepare(db, st, sql, err, errlen);
	free(sql);
	return (rv);
}

/*
 * The address table.  SQLite gives a new row the largest id plus one, so a
 * block of ids is complete once a larger id is given; the writer then
 * writes its addresses in the transaction that gave that id.  Retention
 * deletes rows; when it deletes the newest, their ids come again, and the
 * blocks from there on are written anew.
 */

/* The first id of the block that holds max(id) + 1: the blocks below it are complete. */
static int64_t
addr_complete_end(int64_t max_id)
{
	return ((max_id + 1) >> STORE_ADDR_BLOCK_SHIFT << STORE_ADDR_BLOCK_SHIFT);
}

static int
addr_add(struct store_db *db, int64_t id, const struct store_row *r)
{
	if ((r->r_has & STORE_ROW_SRC) && store_addr_buf_add(db->db_addr, id, r->r_src_addr) < 0)
		return (-ENOMEM);
	if ((r->r_has & STORE_ROW_DEST) && store_addr_buf_add(db->db_addr, id, r->r_dest_addr) < 0)
		return (-ENOMEM);
	return (0);
}

/* Adds the addresses of the stored ids [from, to) to the buffer. */
static int
addr_load(struct store_db *db, int64_t from, int64_t to)
{
	sqlite3_stmt *st = db->db_addr_load;
	int rc;

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		for (int c = 1; c <= 2; c++)
			if (sqlite3_column_bytes(st, c) == 16 &&
				store_addr_buf_add(db->db_addr, id, sqlite3_column_blob(st, c)) <
					0) {
				sqlite3_reset(st);
				return (-ENOMEM);
			}
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -EIO);
}

static int
addr_set_below(struct store_db *db, int64_t below)
{
	sqlite3_bind_int64(db->db_addr_set, 1, below);
	return (step_once(db->db_addr_set));
}

/*
 * In the transaction: writes the blocks completed up to max_id (the largest
 * id now) and sets *below to the new bound, which becomes db_indexed_below
 * at the commit.
 */
static int
addr_write(struct store_db *db, int64_t max_id, int64_t *below)
{
	int64_t end = addr_complete_end(max_id), rv;

	*below = db->db_indexed_below;
	if (end <= *below)
		return (0);
	if ((rv = store_addr_buf_write(db->db_addr, db->db_addr_ins, end)) < 0)
		return ((int)rv);
	if (addr_set_below(db, end) < 0)
		return (-EIO);
	*below = end;
	return (0);
}

/* After the commit of addr_write() or addr_after_delete(). */
static void
addr_committed(struct store_db *db, int64_t max_id, int64_t below)
{
	if (below > db->db_indexed_below)
		store_addr_buf_consume(db->db_addr, below);
	db->db_indexed_below = below;
	db->db_max_id = max_id;
}

/*
 * In the transaction, after rows were deleted: rows of events_addr of the
 * blocks wholly below the oldest id go, and when the newest ids went (they
 * will be given again), the blocks from the new largest id's on, which are
 * written anew once complete.  Entries of other deleted rows stay until
 * their block goes: a query checks each row's own address.
 */
static int
addr_after_delete(struct store_db *db, int64_t *max_id, int64_t *below)
{
	int64_t end;

	*below = db->db_indexed_below;
	if (step_once(db->db_addr_trim) < 0 || db_step_int(db->db_sel_max_id, max_id) < 0)
		return (-EIO);
	if ((end = addr_complete_end(*max_id)) >= *below)
		return (0);
	sqlite3_bind_int64(db->db_addr_from, 1, end >> STORE_ADDR_BLOCK_SHIFT);
	if (step_once(db->db_addr_from) < 0 || addr_set_below(db, end) < 0)
		return (-EIO);
	*below = end;
	return (0);
}

/* The buffer anew from the stored rows, after the newest ids went. */
static int
addr_reload(struct store_db *db)
{
	store_addr_buf_truncate(db->db_addr, 0);
	return (addr_load(db, db->db_indexed_below, INT64_MAX));
}

/*
 * Blocks per transaction when the writer catches up at start: the buffer
 * and its sorting room keep the memory of 8 blocks, about 10 MB.
 */
#define ADDR_CATCH_UP_BLOCKS 8

/*
 * events_addr_state as this writer leaves it: one row, a block's first id.
 * Anything else (a damaged file) starts the address table over, which the
 * catch-up then fills.
 */
static int
addr_state(struct store_db *db)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	int rc, rows = 0;

	if (sqlite3_prepare_v2(db->db_conn, "SELECT indexed_below FROM events_addr_state", -1, &st,
		    NULL) != SQLITE_OK)
		return (-EIO);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ++rows == 1)
		v = sqlite3_column_type(st, 0) == SQLITE_INTEGER ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (-EIO);
	if (rows == 1 && v >= 0 && v % STORE_ADDR_BLOCK_IDS == 0) {
		db->db_indexed_below = v;
		return (0);
	}
	mm_warn("%s: events_addr_state is damaged (%d rows, indexed_below %lld): the address "
		"table is written anew",
		db->db_path, rows, (long long)v);
	db->db_indexed_below = 0;
	return (sqlite3_exec(db->db_conn,
			"BEGIN IMMEDIATE; DELETE FROM events_addr; DELETE FROM events_addr_state; "
			"INSERT INTO events_addr_state VALUES (0); COMMIT",
			NULL, NULL, NULL) == SQLITE_OK
			? 0
			: -EIO);
}

/*
 * At start: writes every complete block not in events_addr yet (all of
 * them after the upgrade to schema version 5, none after a normal stop),
 * then holds the addresses of the incomplete block.  A database changed by
 * another program is taken as retention's.
 */
static int
addr_open(struct store_db *db, char *err, size_t errlen)
{
	int64_t max_id, end, below, first;
	struct timespec t0, t1;
	bool told = false;

	if ((db->db_addr = store_addr_buf_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", db->db_path);
		return (-ENOMEM);
	}
	if (addr_state(db) < 0 || step_once(db->db_begin) < 0 ||
		addr_after_delete(db, &max_id, &below) < 0 || step_once(db->db_commit) < 0)
		goto fail;
	addr_committed(db, max_id, below);
	first = db->db_indexed_below;
	end = addr_complete_end(max_id);
	while (db->db_indexed_below < end) {
		int64_t to = db->db_indexed_below + ADDR_CATCH_UP_BLOCKS * STORE_ADDR_BLOCK_IDS;

		if (!told && end - first > ADDR_CATCH_UP_BLOCKS * STORE_ADDR_BLOCK_IDS) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			mm_notice("%s: writing the address table for ids %lld to %lld, once",
				db->db_path, (long long)first, (long long)end - 1);
			told = true;
		}
		to = to < end ? to : end;
		store_addr_buf_truncate(db->db_addr, 0);
		if (step_once(db->db_begin) < 0 || addr_load(db, db->db_indexed_below, to) < 0 ||
			addr_write(db, to - 1, &below) < 0 || step_once(db->db_commit) < 0)
			goto fail;
		addr_committed(db, max_id, below);
	}
	if (told) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		mm_notice("%s: address table written in %.1f s", db->db_path,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (addr_reload(db) < 0)
		goto fail;
	return (0);
fail:
	snprintf(err, errlen, "%s: cannot bring the address table up to date: %s", db->db_path,
		sqlite3_errmsg(db->db_conn));
	if (!sqlite3_get_autocommit(db->db_conn))
		step_once(db->db_rollback);
	return (-EIO);
}

static int
db_setup_writer(struct store_db *db, char *err, size_t errlen)
{
	char pragma[64];
	int rv;

	/*
	 * The page size and auto_vacuum only take effect before the first table
	 * exists, and switching to WAL writes the header: so they come first.
	 * On an existing file they change nothing.
	 */
	snprintf(pragma, sizeof(pragma), "PRAGMA page_size = %d", PAGE_SIZE_NEW);
	if ((rv = db_exec(db, pragma, err, errlen)) < 0 ||
		(rv = db_exec(db, "PRAGMA auto_vacuum = INCREMENTAL", err, errlen)) < 0 ||
		(rv = db_wal(db, err, errlen)) < 0 ||
		(rv = db_exec(db,
			 (db->db_flags & STORE_DB_SYNC_FULL) ? "PRAGMA synchronous = FULL"
							     : "PRAGMA synchronous = NORMAL",
			 err, errlen)) < 0)
		return (rv);
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d", WRITER_CACHE_KB);
	if ((rv = db_exec(db, pragma, err, errlen)) < 0)
		return (rv);
	snprintf(pragma, sizeof(pragma), "PRAGMA journal_size_limit = %d", WAL_LIMIT_BYTES);
	if ((rv = db_exec(db, pragma, err, errlen)) < 0)
		return (rv);
	if ((rv = store_schema_migrate(db->db_conn, store_schema_latest(), err, errlen)) < 0) {
		char why[384];

		/* Name the file: the schema module does not know it. */
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", db->db_path, why);
		return (rv);
	}
	if ((rv = db_prepare(db, &db->db_begin, "BEGIN IMMEDIATE", err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_commit, "COMMIT", err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_rollback, "ROLLBACK", err, errlen)) < 0 ||
		(rv = db_prepare_insert(
			 db, &db->db_ins_event, sql_ins_event, 1, EVENT_PARAMS, err, errlen)) < 0 ||
		(rv = db_prepare_insert(db, &db->db_ins_events, sql_ins_event, CHUNK_ROWS,
			 EVENT_PARAMS, err, errlen)) < 0 ||
		(rv = db_prepare_insert(db, &db->db_ins_few, sql_ins_event, CHUNK_FEW, EVENT_PARAMS,
			 err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_event_id, sql_event_id, err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_del_oldest, sql_del_oldest, err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_sel_max_id, "SELECT ifnull(max(id), 0) FROM events",
			 err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_addr_ins, sql_addr_ins, err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_addr_set,
			 "UPDATE events_addr_state SET indexed_below = ?1", err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_addr_trim, sql_addr_trim, err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_addr_from, "DELETE FROM events_addr WHERE blk >= ?1",
			 err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_addr_load, sql_addr_load, err, errlen)) < 0)
		return (rv);
	/* A binding outlives sqlite3_reset(): the shift is bound once. */
	sqlite3_bind_int(db->db_addr_trim, 1, STORE_ADDR_BLOCK_SHIFT);
	return (addr_open(db, err, errlen));
}

static int
db_setup_reader(struct store_db *db, char *err, size_t errlen)
{
	int version, rv;

	if ((rv = db_exec(db, "PRAGMA query_only = 1", err, errlen)) < 0)
		return (rv);
	if ((version = store_schema_version(db->db_conn)) != store_schema_latest()) {
		snprintf(err, errlen,
			"%s: schema version %d, expected %d (open it for writing first)",
			db->db_path, version, store_schema_latest());
		return (-ENOTSUP);
	}
	return (0);
}

struct store_db *
store_db_open(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct store_db *db;
	int rc, rv;

	if ((db = calloc(1, sizeof(*db))) == NULL || (db->db_path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(db);
		return (NULL);
	}
	db->db_flags = flags;
	/* NOMUTEX: each connection is used by one thread at a time. */
	rc = sqlite3_open_v2(path, &db->db_conn,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the database: %s", path,
			db->db_conn != NULL ? sqlite3_errmsg(db->db_conn) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->db_conn, 1);
	sqlite3_busy_timeout(db->db_conn, STORE_DB_BUSY_MS);
	if (store_addr_register(db->db_conn) < 0) {
		snprintf(err, errlen, "%s: cannot register mm_addr_ids(): %s", path,
			sqlite3_errmsg(db->db_conn));
		goto fail;
	}
	rv = (flags & STORE_DB_READER) ? db_setup_reader(db, err, errlen)
				       : db_setup_writer(db, err, errlen);
	if (rv < 0)
		goto fail;
	if ((rv = db_prepare(db, &db->db_page_count, "PRAGMA page_count", err, errlen)) < 0 ||
		(rv = db_prepare(db, &db->db_freelist, "PRAGMA freelist_count", err, errlen)) < 0)
		goto fail;
	{
		sqlite3_stmt *st;

		if ((rv = db_prepare(db, &st, "PRAGMA page_size", err, errlen)) < 0)
			goto fail;
		rv = db_step_int(st, &db->db_page_size);
		sqlite3_finalize(st);
		if (rv < 0) {
			snprintf(err, errlen, "%s: cannot read the page size", path);
			goto fail;
		}
	}
	return (db);
fail:
	store_db_close(db);
	return (NULL);
}

void
store_db_close(struct store_db *db)
{
	if (db == NULL)
		return;
	sqlite3_finalize(db->db_begin);
	sqlite3_finalize(db->db_commit);
	sqlite3_finalize(db->db_rollback);
	sqlite3_finalize(db->db_ins_event);
	sqlite3_finalize(db->db_ins_events);
	sqlite3_finalize(db->db_ins_few);
	sqlite3_finalize(db->db_event_id);
	sqlite3_finalize(db->db_del_oldest);
	sqlite3_finalize(db->db_page_count);
	sqlite3_finalize(db->db_freelist);
	sqlite3_finalize(db->db_sel_max_id);
	sqlite3_finalize(db->db_addr_ins);
	sqlite3_finalize(db->db_addr_set);
	sqlite3_finalize(db->db_addr_trim);
	sqlite3_finalize(db->db_addr_from);
	sqlite3_finalize(db->db_addr_load);
	store_addr_buf_free(db->db_addr);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close(db->db_conn);
	free(db->db_path);
	free(db);
}

sqlite3 *
store_db_conn(struct store_db *db)
{
	return (db->db_conn);
}

const char *
store_db_path(const struct store_db *db)
{
	return (db->db_path);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_opt_int(sqlite3_stmt *st, int i, bool has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Binds the flow columns from parameter o + 1 on: NULL unless the event had a flow object. */
static void
bind_flow(sqlite3_stmt *st, int o, const struct store_row *r)
{
	const struct store_flow *f = &r->r_flow;
	bool has = (r->r_has & STORE_ROW_FLOW) != 0;

	bind_opt_int(st, o + 1, has, 1);
	bind_opt_int(st, o + 2, has && f->fl_pkts_toserver >= 0, f->fl_pkts_toserver);
	bind_opt_int(st, o + 3, has && f->fl_pkts_toclient >= 0, f->fl_pkts_toclient);
	bind_opt_int(st, o + 4, has && f->fl_bytes_toserver >= 0, f->fl_bytes_toserver);
	bind_opt_int(st, o + 5, has && f->fl_bytes_toclient >= 0, f->fl_bytes_toclient);
	bind_opt_int(st, o + 6, has && f->fl_start >= 0, f->fl_start);
	bind_opt_int(st, o + 7, has && f->fl_end >= 0, f->fl_end);
	bind_text(st, o + 8, has ? f->fl_reason : NULL);
	bind_text(st, o + 9, has ? f->fl_state : NULL);
	bind_opt_int(st, o + 10, has && f->fl_age >= 0, f->fl_age);
}

/* Binds an event row from parameter o + 1 on. */
static void
bind_event(sqlite3_stmt *st, int o, int64_t producer, const struct store_row *r)
{
	sqlite3_bind_int64(st, o + 1, producer);
	sqlite3_bind_int64(st, o + 2, r->r_seq);
	sqlite3_bind_int64(st, o + 3, r->r_ts);
	bind_text(st, o + 4, r->r_event_type);
	bind_text(st, o + 5, r->r_src_ip);
	bind_text(st, o + 6, r->r_dest_ip);
	if (r->r_has & STORE_ROW_SRC)
		sqlite3_bind_blob(st, o + 7, r->r_src_addr, 16, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, o + 7);
	if (r->r_has & STORE_ROW_DEST)
		sqlite3_bind_blob(st, o + 8, r->r_dest_addr, 16, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, o + 8);
	bind_opt_int(st, o + 9, r->r_has & STORE_ROW_SPORT, r->r_src_port);
	bind_opt_int(st, o + 10, r->r_has & STORE_ROW_DPORT, r->r_dest_port);
	bind_text(st, o + 11, r->r_proto);
	bind_opt_int(st, o + 12, r->r_has & STORE_ROW_FLOW_ID, r->r_flow_id);
	bind_text(st, o + 13, r->r_plugin);
	bind_text(st, o + 14, r->r_exercise);
	sqlite3_bind_text(st, o + 15, r->r_raw, (int)r->r_raw_len, SQLITE_STATIC);
	bind_flow(st, o + 15, r);
}

static int
insert_row(struct store_db *db, int64_t producer, struct store_row *r)
{
	bind_event(db->db_ins_event, 0, producer, r);
	if (step_once(db->db_ins_event) < 0)
		return (-EIO);
	/* A duplicate changes nothing. */
	r->r_inserted = sqlite3_changes(db->db_conn) == 1;
	return (r->r_inserted ? addr_add(db, sqlite3_last_insert_rowid(db->db_conn), r) : 0);
}

/*
 * m rows in one statement st (CHUNK_ROWS or CHUNK_FEW).  Each new row takes
 * the next rowid (one more than the largest), in the order of the VALUES:
 * the n rows inserted hold the n largest ids, ending at the last insert
 * rowid.  When some were duplicates (a resend overlapping what is stored),
 * each row's id says whether it is one of the new ones.
 */
static int
insert_chunk(struct store_db *db, sqlite3_stmt *st, int m, int64_t producer, struct store_row *rows)
{
	int64_t last, n, found = 0;

	for (int i = 0; i < m; i++)
		bind_event(st, i * EVENT_PARAMS, producer, &rows[i]);
	if (step_once(st) < 0)
		return (-EIO);
	n = sqlite3_changes(db->db_conn);
	last = sqlite3_last_insert_rowid(db->db_conn);
	for (int i = 0; i < m && n > 0; i++) {
		struct store_row *r = &rows[i];
		int64_t id = last - m + 1 + i;

		if (n < m) {
			sqlite3_bind_int64(db->db_event_id, 1, producer);
			sqlite3_bind_int64(db->db_event_id, 2, r->r_seq);
			if (db_step_int(db->db_event_id, &id) < 0)
				return (-EIO);
		}
		r->r_inserted = id > last - n;
		found += r->r_inserted;
		if (r->r_inserted && addr_add(db, id, r) < 0)
			return (-ENOMEM);
	}
	if (n == 0)
		for (int i = 0; i < m; i++)
			rows[i].r_inserted = false;
	/* Anything else would mean ids were not given as above: stop rather than guess. */
	return (found == n ? 0 : -EIO);
}

int
store_db_insert(
	struct store_db *db, struct store_batch *batches, size_t nb, char *err, size_t errlen)
{
	int64_t max_id, below;
	size_t held;
	int rv = 0;

	if (step_once(db->db_begin) < 0) {
		snprintf(err, errlen, "%s: BEGIN: %s", db->db_path, sqlite3_errmsg(db->db_conn));
		return (-EIO);
	}
	if (db->db_addr_reload) {
		if ((rv = addr_reload(db)) < 0) {
			snprintf(err, errlen, "%s: reading the newest addresses: %s", db->db_path,
				rv == -ENOMEM ? "out of memory" : sqlite3_errmsg(db->db_conn));
			step_once(db->db_rollback);
			return (-EIO);
		}
		db->db_addr_reload = false;
	}
	held = store_addr_buf_len(db->db_addr);
	for (size_t k = 0; k < nb; k++) {
		struct store_batch *b = &batches[k];
		/* SQLite integers are signed: producer ids past 2^63 are kept bit for bit. */
		int64_t producer = (int64_t)b->sb_producer;

		b->sb_inserted = 0;
		for (uint32_t i = 0; i < b->sb_n;) {
			uint32_t left = b->sb_n - i;
			uint32_t m = left >= CHUNK_ROWS  ? CHUNK_ROWS
				     : left >= CHUNK_FEW ? CHUNK_FEW
							 : 1;

			if (m == 1)
				rv = insert_row(db, producer, &b->sb_rows[i]);
			else
				rv = insert_chunk(db,
					m == CHUNK_ROWS ? db->db_ins_events : db->db_ins_few,
					(int)m, producer, &b->sb_rows[i]);
			if (rv < 0) {
				snprintf(err, errlen,
					"%s: insert of producer %llu seq %lld-%lld: %s",
					db->db_path, (unsigned long long)b->sb_producer,
					(long long)b->sb_rows[i].r_seq,
					(long long)b->sb_rows[i + m - 1].r_seq,
					rv == -ENOMEM ? "out of memory"
						      : sqlite3_errmsg(db->db_conn));
				goto rollback;
			}
			for (uint32_t j = i; j < i + m; j++)
				b->sb_inserted += b->sb_rows[j].r_inserted;
			i += m;
		}
	}
	if (db_step_int(db->db_sel_max_id, &max_id) < 0 ||
		(rv = addr_write(db, max_id, &below)) < 0) {
		snprintf(err, errlen, "%s: address table: %s", db->db_path,
			rv == -ENOMEM ? "out of memory" : sqlite3_errmsg(db->db_conn));
		goto rollback;
	}
	if (step_once(db->db_commit) < 0) {
		snprintf(err, errlen, "%s: COMMIT: %s", db->db_path, sqlite3_errmsg(db->db_conn));
		goto rollback;
	}
	addr_committed(db, max_id, below);
	return (0);
rollback:
	if (!sqlite3_get_autocommit(db->db_conn))
		step_once(db->db_rollback);
	store_addr_buf_truncate(db->db_addr, held);
	for (size_t k = 0; k < nb; k++) {
		batches[k].sb_inserted = 0;
		for (uint32_t i = 0; i < batches[k].sb_n; i++)
			batches[k].sb_rows[i].r_inserted = false;
	}
	return (-EIO);
}

int
store_db_size(struct store_db *db, uint64_t *used, uint64_t *file)
{
	int64_t pages, free_pages;

	if (db_step_int(db->db_page_count, &pages) < 0 ||
		db_step_int(db->db_freelist, &free_pages) < 0)
		return (-EIO);
	*file = (uint64_t)pages * (uint64_t)db->db_page_size;
	*used = (uint64_t)(pages - free_pages) * (uint64_t)db->db_page_size;
	return (0);
}

/*
 * Deletes up to batch rows older than before, and what the address table
 * had of them, in one transaction; returns the count or -EIO.
 */
static int64_t
delete_oldest(struct store_db *db, int64_t before, uint32_t batch)
{
	sqlite3_stmt *st = db->db_del_oldest;
	int64_t n, max_id, below;

	if (step_once(db->db_begin) < 0)
		return (-EIO);
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int64(st, 2, batch);
	if (step_once(st) < 0)
		goto rollback;
	if ((n = sqlite3_changes64(db->db_conn)) == 0) {
		step_once(db->db_rollback);
		return (0);
	}
	if (addr_after_delete(db, &max_id, &below) < 0 || step_once(db->db_commit) < 0)
		goto rollback;
	/* The newest ids went: they will be given again; the next insert reloads the buffer. */
	if (max_id < db->db_max_id)
		db->db_addr_reload = true;
	addr_committed(db, max_id, below);
	return (n);
rollback:
	if (!sqlite3_get_autocommit(db->db_conn))
		step_once(db->db_rollback);
	return (-EIO);
}

int
store_db_retain(struct store_db *db, const struct store_retention *rt, int64_t now,
	uint64_t *deleted, char *err, size_t errlen)
{
	uint32_t batch = rt->rt_batch_rows > 0 ? rt->rt_batch_rows : 1000;
	uint64_t used, file;
	int64_t n, free_pages;

	*deleted = 0;
	if (rt->rt_max_age_ns > 0 && now > rt->rt_max_age_ns) {
		if ((n = delete_oldest(db, now - rt->rt_max_age_ns, batch)) < 0)
			goto fail;
		*deleted = (uint64_t)n;
		if (n == batch)
			return (1);
	}
	if (rt->rt_max_bytes > 0) {
		if (store_db_size(db, &used, &file) < 0)
			goto fail;
		if (used > rt->rt_max_bytes)
			db->db_trimming = true;
		else if (used <= rt->rt_max_bytes / 100 * SIZE_LOW_PERCENT)
			db->db_trimming = false;
		if (db->db_trimming) {
			if ((n = delete_oldest(db, INT64_MAX, batch)) < 0)
				goto fail;
			*deleted += (uint64_t)n;
			/* Nothing left to delete: the limit is below what the schema takes. */
			if (n == 0)
				db->db_trimming = false;
			else
				return (1);
		}
	}
	if (db_step_int(db->db_freelist, &free_pages) < 0)
		goto fail;
	if (free_pages > 0) {
		int64_t step = VACUUM_BYTES / db->db_page_size;
		char sql[64];
		int rv;

		snprintf(sql, sizeof(sql), "PRAGMA incremental_vacuum(%lld)", (long long)step);
		if ((rv = db_exec(db, sql, err, errlen)) < 0)
			return (rv);
		return (free_pages > step);
	}
	return (0);
fail:
	snprintf(err, errlen, "%s: retention: %s", db->db_path, sqlite3_errmsg(db->db_conn));
	return (-EIO);
}
