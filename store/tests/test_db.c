/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's database layer on real SQLite files: migrations, inserts and
 * duplicates, the per-type table, queries (filters, prefixes across id
 * blocks, paging), retention by age and by size, and the checkpointer's
 * restarts of the WAL under a writer that does not pause.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mm_test.h"
#include "store_addr.h"
#include "store_ckpt.h"
#include "store_db.h"
#include "store_query.h"
#include "store_schema.h"
#include "store_time.h"
#include "test_events.h"

static char tmpdir[64];
static int dbno;

/* A fresh database path in the test's directory. */
static const char *
db_path(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/t%d.db", tmpdir, ++dbno);
	return (path);
}

static int64_t
sql_int(struct store_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(store_db_conn(db), sql, -1, &st, NULL) != SQLITE_OK)
		return (-2);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

static struct store_query *open_query(const char *path);
static int64_t page_all(struct store_query *q, const char *filters, int limit, bool desc);
static int retain_all(
	struct store_db *db, const struct store_retention *rt, int64_t now, uint64_t *deleted);
static int64_t ask_count(struct store_query *q, const char *req);
static json_t *ask(struct store_query *q, const char *req);

static struct store_db *
open_db(const char *path)
{
	char err[512];
	struct store_db *db = store_db_open(path, 0, err, sizeof(err));

	if (db == NULL)
		fprintf(stderr, "  %s\n", err);
	return (db);
}

/* Inserts n events of the given type starting at seq first, 1 s apart from ts. */
static int
insert_n(struct store_db *db, uint64_t producer, int64_t first, uint32_t n, int64_t ts,
	const char *type, size_t pad, uint32_t *inserted)
{
	struct batch *b = batch_new();
	char err[512];
	int rv;

	for (uint32_t i = 0; i < n; i++)
		batch_add(b, ts + (int64_t)i * NS, type, i % 2 ? "10.1.2.3" : "192.0.2.7",
			i % 3 ? "198.51.100.1" : "2001:db8::1", i % 4 ? "c2detect" : NULL, pad);
	if ((rv = batch_parse(b, first)) == 0) {
		struct store_batch sb = { producer, b->b_rows, b->b_n, 0 };

		if ((rv = store_db_insert(db, &sb, 1, err, sizeof(err))) != 0)
			fprintf(stderr, "  %s\n", err);
		*inserted = sb.sb_inserted;
	}
	batch_free(b);
	return (rv);
}

MM_TEST(migrate_empty)
{
	struct store_db *db = open_db(db_path());

	MM_ASSERT(db != NULL);
	MM_ASSERT_EQ(store_schema_version(store_db_conn(db)), store_schema_latest());
	MM_ASSERT_EQ(sql_int(db, "PRAGMA application_id"), STORE_APPLICATION_ID);
	/* 2: INCREMENTAL, which has to be set before the first table, as the page size. */
	MM_ASSERT_EQ(sql_int(db, "PRAGMA auto_vacuum"), 2);
	MM_ASSERT_EQ(sql_int(db, "PRAGMA page_size"), 8192);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = "
				 "'wal'"),
		1);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('events', "
				 "'flow', 'events_ts', 'events_type_ts', 'events_addr', "
				 "'events_addr_blk', 'events_addr_state')"),
		7);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'events_src' "
				 "OR name LIKE 'events_dest'"),
		0);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 0);
	store_db_close(db);
}

/*
 * Makes path a database of an older schema version holding the rows sql
 * inserts, as an older mamori-store left it; 0 or -1 with the reason printed.
 */
static int
old_db(const char *path, int version, const char *sql)
{
	char err[256], *msg = NULL;
	sqlite3 *conn;
	int rv = -1;

	if (sqlite3_open(path, &conn) != SQLITE_OK)
		fprintf(stderr, "  %s: cannot open\n", path);
	else if (store_schema_migrate(conn, version, err, sizeof(err)) != 0)
		fprintf(stderr, "  %s\n", err);
	else if (store_schema_version(conn) != version)
		fprintf(stderr, "  version %d, expected %d\n", store_schema_version(conn), version);
	else if (sqlite3_exec(conn, sql, NULL, NULL, &msg) != SQLITE_OK)
		fprintf(stderr, "  %s\n", msg);
	else
		rv = 0;
	sqlite3_free(msg);
	sqlite3_close(conn);
	return (rv);
}

MM_TEST(migrate_from_v1)
{
	const char *path = db_path();
	struct store_db *db;

	/* Version 1 had no flow table; its flow events must get flow rows. */
	MM_ASSERT_EQ(old_db(path, 1,
			     "INSERT INTO events (producer, seq, ts, event_type, raw) VALUES "
			     "(1, 1, 5, 'flow', '{\"flow\": {\"pkts_toserver\": 7, \"start\": "
			     "\"2023-11-14T22:13:20.000001+0000\", \"reason\": \"timeout\"}}'), "
			     "(1, 2, 6, 'alert', '{\"flow\": {\"pkts_toserver\": 9}}'), "
			     "(1, 3, 7, 'flow', '{\"flow\": 3}')"),
		0);

	MM_ASSERT((db = open_db(path)) != NULL);
	MM_ASSERT_EQ(store_schema_version(store_db_conn(db)), store_schema_latest());
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"), 1);
	MM_ASSERT_EQ(sql_int(db, "SELECT pkts_toserver FROM flow JOIN events USING (id) WHERE "
				 "seq = 1"),
		7);
	MM_ASSERT_EQ(sql_int(db, "SELECT start_ts FROM flow JOIN events USING (id) WHERE seq = 1"),
		T0 + 1000);
	MM_ASSERT_EQ(sql_int(db, "SELECT reason = 'timeout' FROM flow JOIN events USING (id) "
				 "WHERE seq = 1"),
		1);
	store_db_close(db);
}

MM_TEST(migrate_from_v2)
{
	const char *path = db_path();
	struct store_db *db;
	struct store_query *q;

	MM_ASSERT_EQ(old_db(path, 2,
			     "INSERT INTO events (producer, seq, ts, event_type, src_ip, src_addr, "
			     "raw) VALUES "
			     "(1, 1, 5, 'alert', '10.1.2.3', x'00000000000000000000ffff0a010203', "
			     "'{}'), "
			     "(1, 2, 6, 'alert', '10.9.9.9', x'00000000000000000000ffff0a090909', "
			     "'{}')"),
		0);

	/* Versions 3 and 4 rebuilt the address indexes, version 5 drops them. */
	MM_ASSERT((db = open_db(path)) != NULL);
	MM_ASSERT_EQ(store_schema_version(store_db_conn(db)), store_schema_latest());
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('events_src', "
				 "'events_dest')"),
		0);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.1.2.0/24\"}"), 1);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.0.0.0/8\"}"), 2);
	store_query_close(q);
	store_db_close(db);
}

MM_TEST(migrate_from_v3)
{
	const char *path = db_path();
	struct store_db *db;
	struct store_query *q;

	MM_ASSERT_EQ(
		old_db(path, 3,
			"INSERT INTO events (id, producer, seq, ts, event_type, src_addr, raw) "
			"VALUES "
			"(1, 1, 1, 5, 'flow', x'00000000000000000000ffff0a010203', '{}'), "
			"(2, 1, 2, 6, 'alert', NULL, '{}'), "
			"(9000, 1, 3, 7, 'flow', x'00000000000000000000ffff0a090909', '{}'); "
			"INSERT INTO flow (id, pkts_toserver, bytes_toclient, start_ts, reason, "
			"state, age) VALUES (1, 7, 900, 3, 'timeout', 'closed', 2), "
			"(9000, 8, NULL, 4, NULL, 'new', 0)"),
		0);

	/* Version 4: the flow columns move into events, the table becomes a view. */
	MM_ASSERT((db = open_db(path)) != NULL);
	MM_ASSERT_EQ(store_schema_version(store_db_conn(db)), store_schema_latest());
	/* An existing file keeps the page size it was made with. */
	MM_ASSERT_EQ(sql_int(db, "PRAGMA page_size"), 4096);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND "
				 "name = 'flow'"),
		1);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"), 2);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow WHERE id = 1 AND pkts_toserver = 7 AND "
				 "bytes_toclient = 900 AND start_ts = 3 AND reason = 'timeout' AND "
				 "state = 'closed' AND age = 2 AND pkts_toclient IS NULL"),
		1);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow WHERE id = 9000 AND pkts_toserver = 8 "
				 "AND bytes_toclient IS NULL AND reason IS NULL AND state = 'new'"),
		1);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE has_flow IS NULL"), 1);
	/* Retention takes the flow columns with their event. */
	MM_ASSERT_EQ(sql_int(db, "DELETE FROM events WHERE id = 1 RETURNING 1"), 1);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"), 1);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"flow\"}"), 1);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"alert\"}"), 1);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.9.9.9\"}"), 1);
	store_query_close(q);
	store_db_close(db);
}

/*
 * Version 5: the address indexes go, and the writer writes the address table
 * of the complete blocks at its first start.
 */
MM_TEST(migrate_from_v4)
{
	uint8_t src[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [13] = 5 };
	const char *path = db_path();
	struct store_query *q;
	struct store_db *db;
	sqlite3_stmt *st;
	sqlite3 *conn;
	char err[256];

	/* 20,000 rows of version 4, one source address for each: 10.5.x.y. */
	MM_ASSERT_EQ(sqlite3_open(path, &conn), SQLITE_OK);
	MM_ASSERT_EQ(store_schema_migrate(conn, 4, err, sizeof(err)), 0);
	MM_ASSERT_EQ(sqlite3_prepare_v2(conn,
			     "INSERT INTO events (producer, seq, ts, event_type, src_ip, src_addr, "
			     "raw) VALUES (1, ?1, ?1, 'alert', ?2, ?3, '{}')",
			     -1, &st, NULL),
		SQLITE_OK);
	sqlite3_exec(conn, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < 20000; i++) {
		char ip[32];

		src[14] = (uint8_t)(i >> 8);
		src[15] = (uint8_t)i;
		snprintf(ip, sizeof(ip), "10.5.%d.%d", src[14], src[15]);
		sqlite3_bind_int(st, 1, i + 1);
		sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, src, 16, SQLITE_TRANSIENT);
		MM_ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	sqlite3_close(conn);

	MM_ASSERT((db = open_db(path)) != NULL);
	MM_ASSERT_EQ(store_schema_version(store_db_conn(db)), store_schema_latest());
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('events_src', "
				 "'events_dest')"),
		0);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 16384);
	MM_ASSERT_EQ(sql_int(db, "SELECT sum(length(entries)) FROM events_addr"),
		16383 * STORE_ADDR_ENTRY);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.5.0.0/16\"}"), 20000);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.5.12.0/24\"}"), 256);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.5.78.31\"}"), 1);
	store_query_close(q);
	store_db_close(db);
}

/*
 * The type index leaves flow events out: a type query names the other
 * types in a way SQLite sees through, and the types and stats answers
 * still count every type.
 */
MM_TEST(partial_type_index)
{
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	sqlite3_stmt *st;
	uint32_t inserted;
	bool by_type = false, by_ts = false;
	json_t *j, *types;

	MM_ASSERT(db != NULL);
	MM_ASSERT_EQ(insert_n(db, 1, 1, 30, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(insert_n(db, 1, 31, 5, T0 + 40 * NS, "alert", 0, &inserted), 0);
	MM_ASSERT_EQ(insert_n(db, 1, 36, 7, T0 + 50 * NS, "tls", 0, &inserted), 0);
	MM_ASSERT_EQ(sqlite3_prepare_v2(store_db_conn(db),
			     "EXPLAIN QUERY PLAN SELECT count(*) FROM events WHERE event_type = ?1 "
			     "AND event_type <> '" STORE_TYPE_UNINDEXED "' AND ts >= ?2",
			     -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		by_type |=
			strstr((const char *)sqlite3_column_text(st, 3), "events_type_ts") != NULL;
	sqlite3_finalize(st);
	MM_ASSERT(by_type);
	MM_ASSERT_EQ(sqlite3_prepare_v2(store_db_conn(db),
			     "EXPLAIN QUERY PLAN SELECT count(*) FROM events WHERE event_type = "
			     "'flow' AND ts >= ?1",
			     -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		by_ts |= strstr((const char *)sqlite3_column_text(st, 3),
				 "COVERING INDEX events_ts") != NULL;
	sqlite3_finalize(st);
	MM_ASSERT(by_ts);

	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"flow\"}"), 30);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"tls\"}"), 7);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"alert\", \"since\": "
				  "1700000042000000000}"),
		3);
	j = ask(q, "{\"op\": \"types\"}");
	types = json_object_get(j, "types");
	MM_ASSERT_EQ(json_array_size(types), 3);
	MM_ASSERT_STREQ(json_string_value(json_array_get(types, 0)), "alert");
	MM_ASSERT_STREQ(json_string_value(json_array_get(types, 1)), "flow");
	MM_ASSERT_STREQ(json_string_value(json_array_get(types, 2)), "tls");
	json_decref(j);
	j = ask(q, "{\"op\": \"stats\"}");
	types = json_object_get(j, "types");
	MM_ASSERT_EQ(json_object_size(types), 3);
	MM_ASSERT_EQ(json_integer_value(json_object_get(types, "flow")), 30);
	MM_ASSERT_EQ(json_integer_value(json_object_get(types, "alert")), 5);
	MM_ASSERT_EQ(json_integer_value(json_object_get(types, "tls")), 7);
	MM_ASSERT_EQ(json_integer_value(json_object_get(j, "rows")), 42);
	/* In the order of the types, as the other answers list them. */
	MM_ASSERT_STREQ(json_object_iter_key(json_object_iter(types)), "alert");
	MM_ASSERT_STREQ(json_object_iter_key(json_object_iter_next(types, json_object_iter(types))),
		"flow");
	json_decref(j);
	store_query_close(q);

	/* Without flow events, neither answer names the type. */
	MM_ASSERT_EQ(sql_int(db, "DELETE FROM events WHERE event_type = 'flow' RETURNING 0"), 0);
	MM_ASSERT((q = open_query(path)) != NULL);
	j = ask(q, "{\"op\": \"types\"}");
	MM_ASSERT_EQ(json_array_size(json_object_get(j, "types")), 2);
	json_decref(j);
	j = ask(q, "{\"op\": \"stats\"}");
	MM_ASSERT(json_object_get(json_object_get(j, "types"), "flow") == NULL);
	MM_ASSERT_EQ(json_integer_value(json_object_get(j, "rows")), 12);
	json_decref(j);
	store_query_close(q);
	store_db_close(db);
}

MM_TEST(refuse_newer_and_foreign)
{
	char path[128], other[128], err[512] = "";
	sqlite3 *conn;

	/* db_path() reuses its buffer. */
	snprintf(path, sizeof(path), "%s", db_path());
	snprintf(other, sizeof(other), "%s", db_path());
	MM_ASSERT_EQ(sqlite3_open(path, &conn), SQLITE_OK);
	MM_ASSERT_EQ(store_schema_migrate(conn, store_schema_latest(), err, sizeof(err)), 0);
	sqlite3_exec(conn, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(conn);
	MM_ASSERT(store_db_open(path, 0, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "schema version 99 is newer") != NULL);

	MM_ASSERT_EQ(sqlite3_open(other, &conn), SQLITE_OK);
	sqlite3_exec(conn, "CREATE TABLE t (x)", NULL, NULL, NULL);
	sqlite3_close(conn);
	err[0] = '\0';
	MM_ASSERT(store_db_open(other, 0, err, sizeof(err)) == NULL);
	if (strstr(err, "not a mamori-store database") == NULL)
		MM_FAIL_("unexpected reason: %s", err);
}

MM_TEST(insert_and_duplicates)
{
	struct store_db *db = open_db(db_path());
	struct batch *b = batch_new();
	uint32_t inserted;
	char err[256];

	MM_ASSERT(db != NULL && b != NULL);
	MM_ASSERT_EQ(insert_n(db, 7, 100, 10, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(inserted, 10);
	/* A resend overlapping the first batch: only the new half is stored. */
	for (int i = 0; i < 10; i++)
		batch_add(b, T0 + i * NS, "flow", "10.0.0.1", "10.0.0.2", NULL, 0);
	MM_ASSERT_EQ(batch_parse(b, 105), 0);
	{
		struct store_batch sb = { 7, b->b_rows, b->b_n, 0 };

		MM_ASSERT_EQ(store_db_insert(db, &sb, 1, err, sizeof(err)), 0);
		MM_ASSERT_EQ(sb.sb_inserted, 5);
	}
	MM_ASSERT(!b->b_rows[4].r_inserted && b->b_rows[5].r_inserted);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE producer = 7"), 15);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow JOIN events USING (id) WHERE "
				 "producer = 7"),
		15);
	/* The first copy stays: a resend never rewrites an event. */
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE seq = 105 AND "
				 "src_ip = '10.0.0.1'"),
		0);
	/* Two batches in one transaction (group commit), the second overlapping the first. */
	{
		struct batch *b2 = batch_new();
		struct store_batch sb[2];

		MM_ASSERT(b2 != NULL);
		for (int i = 0; i < 10; i++) {
			batch_add(b2, T0 + i * NS, "alert", "10.0.0.1", "10.0.0.2", NULL, 0);
			batch_add(b2, T0 + i * NS, "alert", "10.0.0.1", "10.0.0.2", NULL, 0);
		}
		if (batch_parse(b2, 0) != 0) {
			batch_free(b2);
			MM_FAIL_("batch_parse");
		}
		for (int i = 0; i < 20; i++)
			b2->b_rows[i].r_seq = i < 10 ? 1 + i : 5 + (i - 10);
		sb[0] = (struct store_batch){ 9, b2->b_rows, 10, 0 };
		sb[1] = (struct store_batch){ 9, b2->b_rows + 10, 10, 0 };
		MM_ASSERT_EQ(store_db_insert(db, sb, 2, err, sizeof(err)), 0);
		MM_ASSERT_EQ(sb[0].sb_inserted, 10);
		MM_ASSERT_EQ(sb[1].sb_inserted, 4);
		batch_free(b2);
		MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE producer = 9"), 14);
	}
	/* Another producer's seq 100 is another event. */
	MM_ASSERT_EQ(insert_n(db, 8, 100, 1, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(inserted, 1);
	/* Producer ids past 2^63 are kept bit for bit. */
	MM_ASSERT_EQ(insert_n(db, UINT64_MAX, 1, 1, T0, "alert", 0, &inserted), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE producer = -1"), 1);
	batch_free(b);
	store_db_close(db);
}

/* Inserts events of seq first .. first + n - 1, a flow unless seq % 3 == 0 (an alert). */
static int
insert_mixed(struct store_db *db, struct batch *b, int64_t first, uint32_t n, uint32_t *inserted)
{
	struct store_batch sb;
	char err[512];
	int rv;

	b->b_n = 0;
	for (uint32_t i = 0; i < n; i++)
		batch_add(b, T0 + (first + i) * NS, (first + i) % 3 == 0 ? "alert" : "flow",
			"10.1.2.3", "192.0.2.7", NULL, 0);
	if ((rv = batch_parse(b, first)) != 0)
		return (rv);
	sb = (struct store_batch){ 5, b->b_rows, b->b_n, 0 };
	if ((rv = store_db_insert(db, &sb, 1, err, sizeof(err))) != 0)
		fprintf(stderr, "  %s\n", err);
	*inserted = sb.sb_inserted;
	return (rv);
}

/*
 * Batches long enough for the statements of several rows, with and without
 * duplicates: every flow row belongs to its own event, and each row says
 * whether it was new.
 */
MM_TEST(insert_chunks)
{
	static const char flows_match[] =
		"SELECT (SELECT count(*) FROM flow) = (SELECT count(*) FROM events WHERE "
		"event_type = 'flow') AND NOT EXISTS (SELECT 1 FROM flow WHERE id NOT IN "
		"(SELECT id FROM events WHERE event_type = 'flow'))";
	struct store_db *db = open_db(db_path());
	struct batch *b = batch_new();
	uint32_t inserted;

	MM_ASSERT(db != NULL && b != NULL);
	/* Two statements of 64 rows, two of 8, 6 rows one by one; 50 alerts among them. */
	MM_ASSERT_EQ(insert_mixed(db, b, 1, 150, &inserted), 0);
	MM_ASSERT_EQ(inserted, 150);
	for (uint32_t i = 0; i < 150; i++)
		MM_ASSERT(b->b_rows[i].r_inserted);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"), 100);
	MM_ASSERT_EQ(sql_int(db, flows_match), 1);
	/*
	 * A resend overlapping the end, seq 100 to 249: of the first 64 rows 51
	 * are stored and 13 new, the rest (64, 8, 8 and 6 one by one) new.
	 */
	MM_ASSERT_EQ(insert_mixed(db, b, 100, 150, &inserted), 0);
	MM_ASSERT_EQ(inserted, 99);
	for (uint32_t i = 0; i < 150; i++)
		MM_ASSERT_EQ(b->b_rows[i].r_inserted, b->b_rows[i].r_seq > 150);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events"), 249);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(DISTINCT seq) FROM events"), 249);
	MM_ASSERT_EQ(sql_int(db, "SELECT min(seq) = 1 AND max(seq) = 249 FROM events"), 1);
	MM_ASSERT_EQ(sql_int(db, flows_match), 1);
	/* Ids follow the order of the rows: seq 151 onwards in order. */
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE seq > 150 AND id <> seq"), 0);
	/* The same batch again: nothing new, nothing changed. */
	MM_ASSERT_EQ(insert_mixed(db, b, 100, 150, &inserted), 0);
	MM_ASSERT_EQ(inserted, 0);
	for (uint32_t i = 0; i < 150; i++)
		MM_ASSERT(!b->b_rows[i].r_inserted);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events"), 249);
	MM_ASSERT_EQ(sql_int(db, flows_match), 1);
	batch_free(b);
	store_db_close(db);
}

MM_TEST(per_type_rows)
{
	struct store_db *db = open_db(db_path());
	uint32_t inserted;

	MM_ASSERT(db != NULL);
	MM_ASSERT_EQ(insert_n(db, 1, 1, 4, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(insert_n(db, 1, 5, 3, T0, "c2_candidate", 0, &inserted), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events"), 7);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"), 4);
	MM_ASSERT_EQ(sql_int(db, "SELECT sum(bytes_toserver + bytes_toclient) FROM flow"), 2000);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow WHERE state = 'closed' AND reason = "
				 "'timeout' AND age = 1 AND end_ts - start_ts = 500000000"),
		4);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE src_addr = "
				 "x'00000000000000000000ffff0a010203' AND src_port IS NOT NULL"),
		3);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events WHERE plugin IS NULL"), 2);
	store_db_close(db);
}

/* Asks q and returns the parsed answer (NULL if it is not JSON). */
static json_t *
ask(struct store_query *q, const char *req)
{
	char *a = store_query_answer(q, req, strlen(req));
	json_t *j = a != NULL ? json_loads(a, 0, NULL) : NULL;

	free(a);
	return (j);
}

static int64_t
ask_count(struct store_query *q, const char *req)
{
	json_t *j = ask(q, req);
	int64_t n = -1;

	if (j != NULL && json_is_true(json_object_get(j, "ok")))
		n = json_integer_value(json_object_get(j, "count"));
	else if (j != NULL)
		fprintf(stderr, "  %s: %s\n", req, json_string_value(json_object_get(j, "error")));
	json_decref(j);
	return (n);
}

static struct store_query *
open_query(const char *path)
{
	static const struct store_retention rt = { 0, 0, 0 };
	struct store_query_conf qc = { path, &rt, NULL, NULL, NULL };
	char err[256];
	struct store_query *q = store_query_open(&qc, err, sizeof(err));

	if (q == NULL)
		fprintf(stderr, "  %s\n", err);
	return (q);
}

MM_TEST(query_filters)
{
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	uint32_t inserted;
	json_t *j;

	MM_ASSERT(db != NULL);
	/* 40 flows at T0 + 0..39 s, 20 alerts at T0 + 100..119 s. */
	MM_ASSERT_EQ(insert_n(db, 1, 1, 40, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(insert_n(db, 1, 41, 20, T0 + 100 * NS, "alert", 0, &inserted), 0);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\"}"), 60);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"flow\"}"), 40);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"since\": 1700000010000000000, \"until\": "
				  "\"2023-11-14T22:13:40Z\"}"),
		10);
	MM_ASSERT_EQ(
		ask_count(q, "{\"op\": \"count\", \"since\": \"2023-11-15T07:14:00+09:00\"}"), 20);
	/* Odd events come from 10.1.2.3; every third (from the first) goes to 2001:db8::1. */
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.0.0.0/8\"}"), 30);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.1.2.3\"}"), 30);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.1.2.4/32\"}"), 0);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"192.0.2.0/24\"}"), 30);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"198.51.100.0/24\"}"), 39);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"2001:db8::/32\"}"), 21);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"0.0.0.0/0\"}"), 60);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"::/0\"}"), 60);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"type\": \"alert\", \"ip\": "
				  "\"10.0.0.0/8\", \"plugin\": \"c2detect\"}"),
		10);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"text\": \"\\\"src_port\\\":40007\"}"), 2);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"producer\": 2}"), 0);

	j = ask(q, "{\"op\": \"types\"}");
	MM_ASSERT(j != NULL);
	MM_ASSERT_EQ(json_array_size(json_object_get(j, "types")), 2);
	MM_ASSERT_STREQ(json_string_value(json_array_get(json_object_get(j, "types"), 0)), "alert");
	json_decref(j);

	j = ask(q, "{\"op\": \"stats\"}");
	MM_ASSERT(j != NULL && json_is_true(json_object_get(j, "ok")));
	MM_ASSERT_EQ(json_integer_value(json_object_get(json_object_get(j, "types"), "flow")), 40);
	MM_ASSERT_EQ(json_integer_value(json_object_get(j, "rows")), 60);
	MM_ASSERT(json_integer_value(json_object_get(json_object_get(j, "db"), "file_bytes")) > 0);
	json_decref(j);
	store_query_close(q);
	store_db_close(db);
}

/* The address indexes lead with blocks of 8192 ids: prefixes across blocks, and after retention. */
MM_TEST(query_id_blocks)
{
	static const struct {
		const char *ip;
		const char *where;
	} cases[] = {
		{ "10.0.0.0/8", "src_ip = '10.1.2.3'" },
		{ "192.0.2.7", "src_ip = '192.0.2.7'" },
		{ "198.51.100.0/24", "dest_ip = '198.51.100.1'" },
		{ "2001:db8::/32", "dest_ip = '2001:db8::1'" },
		{ "::/0", "1" },
	};
	struct store_retention rt = { 1000 * NS, 0, 5000 };
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	uint32_t inserted;
	uint64_t deleted;

	MM_ASSERT(db != NULL);
	/* 20,000 events 1 s apart: ids 1..20000, blocks 0, 1 and 2. */
	for (int c = 0; c < 40; c++)
		MM_ASSERT_EQ(
			insert_n(db, 1, 1 + c * 500, 500, T0 + c * 500 * NS, "alert", 0, &inserted),
			0);
	MM_ASSERT_EQ(sql_int(db, "SELECT max(id) >> 13 FROM events"), 2);
	MM_ASSERT((q = open_query(path)) != NULL);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			char req[160], sql[160];

			snprintf(req, sizeof(req), "{\"op\": \"count\", \"ip\": \"%s\"}",
				cases[i].ip);
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE %s",
				cases[i].where);
			MM_ASSERT(sql_int(db, sql) > 0);
			MM_ASSERT_EQ(ask_count(q, req), sql_int(db, sql));
			/* Both ends of a time range: the ts index answers; one end: the blocks. */
			for (int ends = 1; ends <= 2; ends++) {
				long long since = T0 + 15000 * NS, until = T0 + 19000 * NS;
				char upto[48] = "";

				if (ends == 2)
					snprintf(upto, sizeof(upto), ", \"until\": %lld", until);
				else
					until = INT64_MAX;
				snprintf(req, sizeof(req),
					"{\"op\": \"count\", \"ip\": \"%s\", \"since\": %lld%s}",
					cases[i].ip, since, upto);
				snprintf(sql, sizeof(sql),
					"SELECT count(*) FROM events WHERE (%s) AND ts >= %lld AND "
					"ts < %lld",
					cases[i].where, since, until);
				MM_ASSERT(sql_int(db, sql) > 0);
				MM_ASSERT_EQ(ask_count(q, req), sql_int(db, sql));
			}
		}
		/* Then retention takes the first 9,000 ids: block 0 goes, block 1 is cut. */
		if (pass == 0) {
			MM_ASSERT_EQ(retain_all(db, &rt, T0 + 10000 * NS, &deleted), 0);
			MM_ASSERT_EQ(deleted, 9000);
			MM_ASSERT_EQ(sql_int(db, "SELECT min(id) >> 13 FROM events"), 1);
		}
	}
	store_query_close(q);
	store_db_close(db);
}

/*
 * n alerts from seq first on, 1 s apart from ts, from 10.k.(i / 256).(i % 256)
 * to 198.51.100.1, in batches of 500.
 */
static int
insert_from(struct store_db *db, int64_t first, uint32_t n, int64_t ts, int k)
{
	for (uint32_t done = 0; done < n;) {
		struct batch *b = batch_new();
		char err[512], src[32];
		int rv;

		while (b->b_n < 500 && done < n) {
			snprintf(src, sizeof(src), "10.%d.%u.%u", k, done / 256 % 256, done % 256);
			batch_add(
				b, ts + (int64_t)done * NS, "alert", src, "198.51.100.1", NULL, 0);
			done++;
		}
		if ((rv = batch_parse(b, first + done - b->b_n)) == 0) {
			struct store_batch sb = { 1, b->b_rows, b->b_n, 0 };

			if ((rv = store_db_insert(db, &sb, 1, err, sizeof(err))) < 0)
				fprintf(stderr, "  %s\n", err);
		}
		batch_free(b);
		if (rv < 0)
			return (rv);
	}
	return (0);
}

/* The store's count for ip equals the count of the rows where holds. */
static bool
same_count(struct store_db *db, struct store_query *q, const char *ip, const char *where)
{
	char req[96], sql[160];
	int64_t theirs, ours;

	snprintf(req, sizeof(req), "{\"op\": \"count\", \"ip\": \"%s\"}", ip);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE %s", where);
	ours = ask_count(q, req);
	theirs = sql_int(db, sql);
	if (ours != theirs)
		fprintf(stderr, "  %s: %lld, expected %lld\n", ip, (long long)ours,
			(long long)theirs);
	return (ours == theirs);
}

/* Entries events_addr holds for block blk. */
static int64_t
entries_of(struct store_db *db, int blk)
{
	char sql[96];

	snprintf(sql, sizeof(sql),
		"SELECT ifnull(sum(length(entries)), 0) / %d FROM events_addr WHERE blk = %d",
		STORE_ADDR_ENTRY, blk);
	return (sql_int(db, sql));
}

/*
 * The writer adds a block's addresses once the block is complete, also when
 * part of it came before a restart; the newest ids are read from events.
 */
MM_TEST(addr_table_blocks)
{
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;

	MM_ASSERT(db != NULL);
	/* ids 1..20000: blocks 0 and 1 complete, block 2 not. */
	MM_ASSERT_EQ(insert_from(db, 1, 20000, T0, 1), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 16384);
	/* Two addresses an event; id 0 is never given. */
	MM_ASSERT_EQ(entries_of(db, 0), 2 * 8191);
	MM_ASSERT_EQ(entries_of(db, 1), 2 * 8192);
	MM_ASSERT_EQ(entries_of(db, 2), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events_addr WHERE blk = 1"),
		2 * 8192 / STORE_ADDR_CHUNK);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT(same_count(db, q, "10.1.0.0/16", "src_ip LIKE '10.1.%'"));
	MM_ASSERT(same_count(db, q, "198.51.100.1", "dest_ip = '198.51.100.1'"));
	/* One event in block 0, in block 1 and in block 2, each found. */
	MM_ASSERT(same_count(db, q, "10.1.4.0/24", "src_ip LIKE '10.1.4.%'"));
	MM_ASSERT(same_count(db, q, "10.1.50.7", "src_ip = '10.1.50.7'"));
	MM_ASSERT(same_count(db, q, "10.1.77.255", "src_ip = '10.1.77.255'"));
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.1.77.255\"}"), 1);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.9.0.0/16\"}"), 0);
	store_query_close(q);

	/* A restart: block 2's first 3,617 ids were in memory only. */
	store_db_close(db);
	MM_ASSERT((db = open_db(path)) != NULL);
	MM_ASSERT_EQ(insert_from(db, 20001, 10000, T0 + 20000 * NS, 2), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 24576);
	MM_ASSERT_EQ(entries_of(db, 2), 2 * 8192);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT(same_count(db, q, "10.1.0.0/16", "src_ip LIKE '10.1.%'"));
	MM_ASSERT(same_count(db, q, "10.2.0.0/16", "src_ip LIKE '10.2.%'"));
	MM_ASSERT(same_count(db, q, "10.0.0.0/8", "1"));
	MM_ASSERT(same_count(db, q, "::/0", "1"));
	store_query_close(q);
	store_db_close(db);
}

/*
 * Retention that deletes the newest ids: SQLite gives them again, the
 * address table forgets their blocks and writes them anew.
 */
MM_TEST(addr_table_newest_deleted)
{
	struct store_retention rt = { 1000 * NS, 0, 4000 };
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	uint64_t deleted;

	MM_ASSERT(db != NULL);
	/* ids 1..10000 new, 10001..20000 old (a spool drained late, say). */
	MM_ASSERT_EQ(insert_from(db, 1, 10000, T0 + 100000 * NS, 1), 0);
	MM_ASSERT_EQ(insert_from(db, 10001, 10000, T0, 2), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 16384);
	MM_ASSERT_EQ(retain_all(db, &rt, T0 + 50000 * NS, &deleted), 0);
	MM_ASSERT_EQ(deleted, 10000);
	MM_ASSERT_EQ(sql_int(db, "SELECT max(id) FROM events"), 10000);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 8192);
	MM_ASSERT_EQ(entries_of(db, 1), 0);
	/* ids 10001..20000 again, other addresses. */
	MM_ASSERT_EQ(insert_from(db, 20001, 10000, T0 + 200000 * NS, 3), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT min(id) FROM events WHERE src_ip LIKE '10.3.%'"), 10001);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 16384);
	MM_ASSERT_EQ(entries_of(db, 1), 2 * 8192);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.2.0.0/16\"}"), 0);
	MM_ASSERT(same_count(db, q, "10.1.0.0/16", "src_ip LIKE '10.1.%'"));
	MM_ASSERT(same_count(db, q, "10.3.0.0/16", "src_ip LIKE '10.3.%'"));
	MM_ASSERT(same_count(db, q, "10.3.20.5", "src_ip = '10.3.20.5'"));
	store_query_close(q);

	/* Everything goes: the table empties, and fills again from id 1. */
	MM_ASSERT_EQ(retain_all(db, &rt, T0 + 900000 * NS, &deleted), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events_addr"), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 0);
	MM_ASSERT_EQ(insert_from(db, 40001, 9000, T0 + 900000 * NS, 4), 0);
	MM_ASSERT_EQ(sql_int(db, "SELECT min(id) FROM events"), 1);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT(same_count(db, q, "10.4.0.0/16", "src_ip LIKE '10.4.%'"));
	MM_ASSERT(same_count(db, q, "10.4.34.0/24", "src_ip LIKE '10.4.34.%'"));
	store_query_close(q);
	store_db_close(db);
}

/*
 * A page by address comes from the first rows in its order when it is there
 * (a frequent address), else from the blocks; either way the same pages.
 */
MM_TEST(query_address_pages)
{
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	json_t *j, *ev;

	MM_ASSERT(db != NULL);
	/* 20,000 events of 10.1.x.y, then the newest 10,000 of 10.2.x.y. */
	MM_ASSERT_EQ(insert_from(db, 1, 20000, T0, 1), 0);
	MM_ASSERT_EQ(insert_from(db, 20001, 10000, T0 + 20000 * NS, 2), 0);
	MM_ASSERT((q = open_query(path)) != NULL);
	/* Newest first: 10.2 is first in the order, 10.1 right behind it. */
	j = ask(q, "{\"op\": \"query\", \"ip\": \"10.1.0.0/16\", \"order\": \"desc\", "
		   "\"limit\": 3}");
	ev = json_array_get(json_object_get(j, "events"), 0);
	MM_ASSERT_STREQ(json_string_value(json_object_get(ev, "src_ip")), "10.1.78.31");
	MM_ASSERT(json_is_string(json_object_get(j, "next")));
	json_decref(j);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.1.0.0/16\"", 1000, true), 20000);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.2.0.0/24\"", 50, true), 256);
	/* Not among the first 20,000 rows of the order: the blocks find them. */
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.1.0.7\"", 10, true), 1);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.2.0.0/24\"", 50, false), 256);
	MM_ASSERT_EQ(
		page_all(q, ", \"ip\": \"10.2.0.0/24\", \"since\": 1700010000000000000", 7, false),
		256);
	MM_ASSERT_EQ(
		page_all(q, ", \"ip\": \"10.1.0.7\", \"since\": 1700000000000000000", 10, true), 1);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.9.0.0/16\"", 10, true), 0);
	/* The other filters hold on both ways. */
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.1.0.7\", \"text\": \"10.1.0.7\"", 10, true), 1);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.1.0.7\", \"text\": \"zz\"", 10, true), 0);
	MM_ASSERT_EQ(
		page_all(q, ", \"ip\": \"10.2.0.0/24\", \"text\": \"10.2.0.1\"", 10, true), 111);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.2.0.0/24\", \"producer\": 2", 10, true), 0);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.2.0.0/24\", \"producer\": 1", 100, true), 256);
	MM_ASSERT_EQ(page_all(q, ", \"ip\": \"10.1.0.7\", \"producer\": 1", 100, true), 1);
	/* Counts in a window (read whole) and without (by blocks). */
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.2.0.0/24\", \"since\": "
				  "1700020000000000000, \"until\": 1700020200000000000}"),
		200);
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.0.0.0/8\", \"since\": "
				  "1700005000000000000, \"text\": \"10.1.3\"}"),
		sql_int(db, "SELECT count(*) FROM events WHERE ts >= 1700005000000000000 AND "
			    "instr(raw, '10.1.3') > 0"));
	MM_ASSERT_EQ(ask_count(q, "{\"op\": \"count\", \"ip\": \"10.0.0.0/8\", \"text\": "
				  "\"10.1.3\"}"),
		sql_int(db, "SELECT count(*) FROM events WHERE instr(raw, '10.1.3') > 0"));
	store_query_close(q);
	store_db_close(db);
}

/* A row of events_addr that is not entries of its block: the query says so. */
MM_TEST(addr_table_malformed)
{
	static const uint8_t lo[16] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t hi[16] = { [0 ... 15] = 0xff };
	uint8_t e[3 * STORE_ADDR_ENTRY] = { 0 };
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	const char *why;
	json_t *a;

	MM_ASSERT(db != NULL);
	MM_ASSERT_EQ(insert_from(db, 1, 9000, T0, 1), 0);
	sql_int(db, "UPDATE events_addr SET entries = x'0102' WHERE id = 3");
	MM_ASSERT((q = open_query(path)) != NULL);
	a = ask(q, "{\"op\": \"count\", \"ip\": \"10.0.0.0/8\"}");
	MM_ASSERT(a != NULL && json_is_false(json_object_get(a, "ok")));
	why = json_string_value(json_object_get(a, "error"));
	MM_ASSERT(why != NULL && strstr(why, "events_addr") != NULL);
	json_decref(a);
	store_query_close(q);
	/* A damaged bound, then none: the writer writes the table anew at its start. */
	sql_int(db, "UPDATE events_addr_state SET indexed_below = 5");
	for (int pass = 0; pass < 2; pass++) {
		store_db_close(db);
		MM_ASSERT((db = open_db(path)) != NULL);
		MM_ASSERT_EQ(sql_int(db, "SELECT indexed_below FROM events_addr_state"), 8192);
		MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events_addr_state"), 1);
		MM_ASSERT_EQ(entries_of(db, 0), 2 * 8191);
		MM_ASSERT((q = open_query(path)) != NULL);
		MM_ASSERT(same_count(db, q, "10.0.0.0/8", "1"));
		store_query_close(q);
		sql_int(db, "DELETE FROM events_addr_state");
	}
	store_db_close(db);

	/* The decoder: whole entries, in order, offsets inside the block. */
	MM_ASSERT_EQ(store_addr_match(0, e, sizeof(e), lo, hi, NULL, NULL), 0);
	MM_ASSERT_EQ(store_addr_match(0, e, sizeof(e) - 1, lo, hi, NULL, NULL), -EBADMSG);
	e[0] = 1;
	MM_ASSERT_EQ(store_addr_match(0, e, sizeof(e), lo, hi, NULL, NULL), -EBADMSG);
	e[0] = 0;
	e[STORE_ADDR_ENTRY + 16] = 0x20;
	MM_ASSERT_EQ(store_addr_match(0, e, sizeof(e), lo, hi, NULL, NULL), -EBADMSG);
	MM_ASSERT_EQ(store_addr_match(-1, e, 0, lo, hi, NULL, NULL), -EBADMSG);
}

/*
 * The buffer writes each block's entries in (address, id) order, all of
 * them: IPv4 addresses among IPv6 ones below and above ::ffff:0:0/96 (::1,
 * ::ffff:0:0 itself, 2001:db8::), over several blocks, in an order of ids
 * the writer never gives (it only adds), read back in the rows' order.
 */
MM_TEST(addr_sort)
{
	static const char create[] =
		"CREATE TABLE events_addr (id INTEGER PRIMARY KEY, blk, first_addr, last_addr, "
		"entries)";
	enum { N = 30000, BLOCKS = 4 };
	struct store_addr_buf *ab = store_addr_buf_new();
	uint8_t(*addrs)[16] = calloc(N, 16), prev[18];
	int64_t *ids = calloc(N, sizeof(*ids)), seen = 0, blk_prev = -1;
	sqlite3_stmt *ins, *sel;
	uint32_t x = 12345;
	sqlite3 *conn;

	MM_ASSERT(ab != NULL && addrs != NULL && ids != NULL);
	MM_ASSERT_EQ(sqlite3_open(":memory:", &conn), SQLITE_OK);
	MM_ASSERT_EQ(store_addr_register(conn), 0);
	MM_ASSERT_EQ(sqlite3_exec(conn, create, NULL, NULL, NULL), SQLITE_OK);
	MM_ASSERT_EQ(sqlite3_prepare_v2(conn,
			     "INSERT INTO events_addr (blk, first_addr, last_addr, entries) "
			     "VALUES (?1, ?2, ?3, ?4)",
			     -1, &ins, NULL),
		SQLITE_OK);
	for (int i = 0; i < N; i++) {
		uint8_t *a = addrs[i];

		x = x * 1103515245 + 12345;
		ids[i] = (int64_t)(x >> 8) % (BLOCKS * STORE_ADDR_BLOCK_IDS) +
			 5 * STORE_ADDR_BLOCK_IDS;
		switch (x >> 28) {
		case 0: /* ::1 */
			a[15] = 1;
			break;
		case 1: /* ::ffff:0:0, the lowest IPv4-mapped address */
			a[10] = a[11] = 0xff;
			break;
		case 2:
		case 3: /* 2001:db8::/32 */
			a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
			a[7] = (uint8_t)x, a[15] = (uint8_t)(x >> 8);
			break;
		default: /* IPv4, few distinct */
			a[10] = a[11] = 0xff;
			a[12] = 10, a[13] = (uint8_t)(x >> 9 & 3), a[15] = (uint8_t)(x >> 11 & 7);
			break;
		}
		MM_ASSERT_EQ(store_addr_buf_add(ab, ids[i], a), 0);
	}
	MM_ASSERT(store_addr_buf_write(ab, ins, INT64_MAX) > 0);
	MM_ASSERT_EQ(sqlite3_prepare_v2(conn, "SELECT blk, entries FROM events_addr ORDER BY id",
			     -1, &sel, NULL),
		SQLITE_OK);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int64_t blk = sqlite3_column_int64(sel, 0);
		const uint8_t *e = sqlite3_column_blob(sel, 1);
		int len = sqlite3_column_bytes(sel, 1);

		MM_ASSERT(blk >= blk_prev && len % STORE_ADDR_ENTRY == 0);
		for (int i = 0; i < len; i += STORE_ADDR_ENTRY, seen++) {
			/* Strictly increasing within a block: (address, offset) pairs are distinct
			 * here. */
			if (blk == blk_prev || i > 0)
				MM_ASSERT(memcmp(prev, e + i, STORE_ADDR_ENTRY) <= 0);
			memcpy(prev, e + i, STORE_ADDR_ENTRY);
			blk_prev = blk;
		}
	}
	sqlite3_finalize(sel);
	MM_ASSERT_EQ(seen, N);
	/* Each id's address, found in its block's rows. */
	for (int i = 0; i < N; i += 7) {
		char sql[256];
		int64_t n = 0;

		snprintf(sql, sizeof(sql),
			"SELECT count(*) FROM events_addr, json_each(mm_addr_ids(blk, entries, ?1, "
			"?1)) WHERE blk = %lld AND value = %lld",
			(long long)(ids[i] >> STORE_ADDR_BLOCK_SHIFT), (long long)ids[i]);
		MM_ASSERT_EQ(sqlite3_prepare_v2(conn, sql, -1, &sel, NULL), SQLITE_OK);
		sqlite3_bind_blob(sel, 1, addrs[i], 16, SQLITE_STATIC);
		if (sqlite3_step(sel) == SQLITE_ROW)
			n = sqlite3_column_int64(sel, 0);
		sqlite3_finalize(sel);
		MM_ASSERT(n >= 1);
	}
	sqlite3_finalize(ins);
	sqlite3_close(conn);
	store_addr_buf_free(ab);
	free(addrs);
	free(ids);
}

MM_TEST(query_malformed)
{
	static const char *const bad[] = {
		"",
		"nope",
		"[]",
		"{}",
		"{\"op\": \"drop\"}",
		"{\"op\": \"query\", \"limit\": 0}",
		"{\"op\": \"query\", \"limit\": 10001}",
		"{\"op\": \"query\", \"limit\": \"5\"}",
		"{\"op\": \"query\", \"ip\": \"10.0.0.0/33\"}",
		"{\"op\": \"query\", \"since\": \"last week\"}",
		"{\"op\": \"query\", \"since\": -5}",
		"{\"op\": \"query\", \"after\": \"1:2\"}",
		"{\"op\": \"query\", \"order\": \"up\"}",
		"{\"op\": \"query\", \"tpye\": \"flow\"}",
		"{\"op\": \"count\", \"limit\": 5}",
		"{\"op\": \"query\", \"op\": \"count\"}",
		"{\"op\": \"query\", \"text\": \"\"}",
		/* Sites are the central store's (PostgreSQL); an appliance's store has none. */
		"{\"op\": \"query\", \"site\": \"pop-a\"}",
		"{\"op\": \"count\", \"site\": \"pop-a\"}",
		"{\"op\": \"query\", \"site\": \"\"}",
		"{\"op\": \"stats\", \"site\": \"pop-a\"}",
	};
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;

	MM_ASSERT(db != NULL && (q = open_query(path)) != NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = ask(q, bad[i]);

		if (j == NULL || !json_is_false(json_object_get(j, "ok")) ||
			!json_is_string(json_object_get(j, "error"))) {
			json_decref(j);
			store_query_close(q);
			store_db_close(db);
			MM_FAIL_("not refused with an error: %s", bad[i]);
		}
		json_decref(j);
	}
	store_query_close(q);
	store_db_close(db);
}

/* Pages through a query and checks order and completeness; returns rows seen. */
static int64_t
page_all(struct store_query *q, const char *filters, int limit, bool desc)
{
	char req[512], *after = NULL;
	int64_t seen = 0, last = desc ? INT64_MAX : -1;

	for (;;) {
		json_t *j, *events, *ev;
		size_t i;

		snprintf(req, sizeof(req), "{\"op\": \"query\"%s, \"limit\": %d%s%s%s%s}", filters,
			limit, desc ? ", \"order\": \"desc\"" : "", after ? ", \"after\": \"" : "",
			after ? after : "", after ? "\"" : "");
		free(after);
		after = NULL;
		j = ask(q, req);
		if (j == NULL || !json_is_true(json_object_get(j, "ok"))) {
			json_decref(j);
			return (-1);
		}
		events = json_object_get(j, "events");
		json_array_foreach(events, i, ev)
		{
			int64_t port = json_integer_value(json_object_get(ev, "src_port"));
			int64_t ts, key;

			store_time_parse(json_string_value(json_object_get(ev, "timestamp")),
				strlen(json_string_value(json_object_get(ev, "timestamp"))), &ts);
			/* Same-second events are ordered by seq, which follows the port here. */
			key = ts / NS * 100000 + port;
			if (desc ? key >= last : key <= last) {
				json_decref(j);
				return (-2);
			}
			last = key;
			seen++;
		}
		if (json_is_string(json_object_get(j, "next")))
			after = strdup(json_string_value(json_object_get(j, "next")));
		else if (!json_is_null(json_object_get(j, "next")))
			seen = -3;
		json_decref(j);
		if (after == NULL)
			return (seen);
	}
}

MM_TEST(query_paging)
{
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct store_query *q;
	uint32_t inserted;
	json_t *j;

	MM_ASSERT(db != NULL);
	/* Two producers with events at the same seconds: the cursor has to break ties. */
	MM_ASSERT_EQ(insert_n(db, 1, 1, 50, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(insert_n(db, 2, 1, 50, T0, "flow", 0, &inserted), 0);
	MM_ASSERT((q = open_query(path)) != NULL);
	MM_ASSERT_EQ(page_all(q, ", \"producer\": 1", 7, false), 50);
	MM_ASSERT_EQ(page_all(q, ", \"producer\": 2", 50, false), 50);
	MM_ASSERT_EQ(page_all(q, ", \"producer\": 2", 51, false), 50);
	MM_ASSERT_EQ(page_all(q, ", \"producer\": 1, \"ip\": \"10.0.0.0/8\"", 4, true), 25);
	MM_ASSERT_EQ(page_all(q, ", \"type\": \"flow\", \"producer\": 2", 1, true), 50);

	/* A full last page says so with "next": null. */
	j = ask(q, "{\"op\": \"query\", \"producer\": 1, \"limit\": 50}");
	MM_ASSERT(j != NULL && json_is_null(json_object_get(j, "next")));
	MM_ASSERT_EQ(json_array_size(json_object_get(j, "events")), 50);
	json_decref(j);
	/* Every event of both producers exactly once across pages of 9. */
	{
		char req[256], *after = NULL;
		int64_t seen = 0;

		do {
			snprintf(req, sizeof(req), "{\"op\": \"query\", \"limit\": 9%s%s%s}",
				after ? ", \"after\": \"" : "", after ? after : "",
				after ? "\"" : "");
			free(after);
			after = NULL;
			j = ask(q, req);
			MM_ASSERT(j != NULL);
			seen += (int64_t)json_array_size(json_object_get(j, "events"));
			if (json_is_string(json_object_get(j, "next")))
				after = strdup(json_string_value(json_object_get(j, "next")));
			json_decref(j);
		} while (after != NULL);
		MM_ASSERT_EQ(seen, 100);
	}
	store_query_close(q);
	store_db_close(db);
}

static int
retain_all(struct store_db *db, const struct store_retention *rt, int64_t now, uint64_t *deleted)
{
	char err[256];
	uint64_t d;
	int rv, steps = 0;

	*deleted = 0;
	while ((rv = store_db_retain(db, rt, now, &d, err, sizeof(err))) == 1 && steps++ < 10000)
		*deleted += d;
	if (rv < 0)
		fprintf(stderr, "  %s\n", err);
	*deleted += rv == 0 ? d : 0;
	return (rv);
}

MM_TEST(retention_age)
{
	struct store_retention rt = { 10 * NS, 0, 7 };
	struct store_db *db = open_db(db_path());
	uint64_t deleted;
	uint32_t inserted;

	MM_ASSERT(db != NULL);
	/* 30 old flows at T0 .. T0 + 29 s and 5 new ones at T0 + 100 s. */
	MM_ASSERT_EQ(insert_n(db, 1, 1, 30, T0, "flow", 0, &inserted), 0);
	MM_ASSERT_EQ(insert_n(db, 1, 31, 5, T0 + 100 * NS, "alert", 0, &inserted), 0);
	/* Now is T0 + 35 s: events before T0 + 25 s go, 7 rows a step. */
	MM_ASSERT_EQ(retain_all(db, &rt, T0 + 35 * NS, &deleted), 0);
	MM_ASSERT_EQ(deleted, 25);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events"), 10);
	MM_ASSERT_EQ(sql_int(db, "SELECT min(ts) FROM events"), T0 + 25 * NS);
	/* The flow view's rows went with their events. */
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"), 5);
	MM_ASSERT_EQ(retain_all(db, &rt, T0 + 35 * NS, &deleted), 0);
	MM_ASSERT_EQ(deleted, 0);
	store_db_close(db);
}

MM_TEST(retention_size)
{
	struct store_retention rt = { 0, 2 << 20, 200 };
	const char *path = db_path();
	struct store_db *db = open_db(path);
	uint64_t deleted, used, file, before;
	uint32_t inserted;
	int64_t newest;

	MM_ASSERT(db != NULL);
	/* About 8 MB of events, 1.5 KB each. */
	for (int i = 0; i < 10; i++)
		MM_ASSERT_EQ(insert_n(db, 1, 1 + i * 500, 500, T0 + i * 500 * NS, "flow", 1500,
				     &inserted),
			0);
	MM_ASSERT_EQ(store_db_size(db, &used, &before), 0);
	MM_ASSERT(before > (6 << 20));
	newest = sql_int(db, "SELECT max(ts) FROM events");
	MM_ASSERT_EQ(retain_all(db, &rt, T0, &deleted), 0);
	MM_ASSERT(deleted > 0);
	MM_ASSERT_EQ(store_db_size(db, &used, &file), 0);
	/* Under the limit, by the low mark, and the file gave the space back. */
	MM_ASSERT(used <= rt.rt_max_bytes);
	MM_ASSERT(file <= rt.rt_max_bytes + (1 << 20));
	MM_ASSERT_EQ(sql_int(db, "PRAGMA freelist_count"), 0);
	/* The oldest went first. */
	MM_ASSERT_EQ(sql_int(db, "SELECT max(ts) FROM events"), newest);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events") + (int64_t)deleted, 5000);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM flow"),
		sql_int(db, "SELECT count(*) FROM events"));
	store_db_close(db);
}

/*
 * How many times the WAL started over: the checkpoint sequence number in its
 * header, which SQLite counts up at each start.
 */
static int64_t
wal_starts(const char *path)
{
	char wal[160];
	uint8_t h[16];
	ssize_t n;
	int fd;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if ((fd = open(wal, O_RDONLY)) < 0)
		return (-1);
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h))
		return (-1);
	return ((int64_t)h[12] << 24 | (int64_t)h[13] << 16 | (int64_t)h[14] << 8 | h[15]);
}

/* Times the writer's connection met a lock held by another: SQLite's busy handler. */
static int busy_calls;

static int
count_busy(void *arg, int n)
{
	(void)arg;
	busy_calls++;
	usleep(1000);
	return (n < 5000);
}

/*
 * n events of 2.3 KB from seq first, MAXEV a transaction, bracketed as the
 * writer thread does and back to back as under full load: the batch's
 * events are built once, only their sequence numbers change.
 */
static int
insert_bracketed(
	struct store_db *db, struct store_ckpt *ck, struct batch *b, int64_t first, uint32_t n)
{
	char err[512];

	for (uint32_t done = 0; done < n; done += MAXEV) {
		struct store_batch sb = { 1, b->b_rows, n - done < MAXEV ? n - done : MAXEV, 0 };
		int rv;

		for (uint32_t i = 0; i < sb.sb_n; i++)
			b->b_rows[i].r_seq = first + done + i;
		store_ckpt_writer_begin(ck);
		rv = store_db_insert(db, &sb, 1, err, sizeof(err));
		store_ckpt_writer_end(ck);
		if (rv != 0)
			fprintf(stderr, "  %s\n", err);
		if (rv != 0 || sb.sb_inserted != sb.sb_n)
			return (rv != 0 ? rv : -EEXIST);
	}
	return (0);
}

/*
 * A writer that never pauses still lets the WAL start over: past twice
 * STORE_CKPT_PAGES (64 MB), the checkpointer takes its turn between two
 * transactions.  A reader holding an old snapshot keeps it from doing so
 * without stopping the writer, and once the reader is done the WAL starts
 * over again.  Nothing is lost on the way, and the writer never waits in
 * SQLite's busy handler, whose sleeps would outlast the checkpoint.
 */
MM_TEST(ckpt_restart)
{
	const char *path = db_path();
	struct store_db *db = open_db(path);
	struct batch *b = batch_new();
	struct store_ckpt *ck;
	sqlite3_stmt *st;
	int64_t starts, total;
	char err[512];
	sqlite3 *rd;

	MM_ASSERT(db != NULL && b != NULL);
	for (uint32_t i = 0; i < MAXEV; i++)
		batch_add(b, T0 + i * NS, "flow", "10.1.2.3", "192.0.2.7", NULL, 2000);
	MM_ASSERT_EQ(batch_parse(b, 1), 0);
	ck = store_ckpt_start(db, err, sizeof(err));
	MM_ASSERT(ck != NULL);
	sqlite3_busy_handler(store_db_conn(db), count_busy, NULL);
	/*
	 * Past 64 MB of WAL (about 27,000 of these events) the WAL starts over
	 * once the checkpointer has caught up: the writer goes on until it has,
	 * 280 MB at most.
	 */
	for (total = 0; wal_starts(path) < 1 && total < 120000; total += 4000)
		MM_ASSERT_EQ(insert_bracketed(db, ck, b, total + 1, 4000), 0);
	MM_ASSERT(wal_starts(path) >= 1);
	/* A reader's snapshot stays as it was while the writer goes on. */
	MM_ASSERT_EQ(sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	MM_ASSERT_EQ(sqlite3_exec(rd, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	MM_ASSERT_EQ(
		sqlite3_prepare_v2(rd, "SELECT count(*) FROM events", -1, &st, NULL), SQLITE_OK);
	MM_ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
	MM_ASSERT_EQ(sqlite3_column_int64(st, 0), total);
	sqlite3_reset(st);
	MM_ASSERT_EQ(insert_bracketed(db, ck, b, total + 1, 4000), 0);
	MM_ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
	MM_ASSERT_EQ(sqlite3_column_int64(st, 0), total);
	sqlite3_finalize(st);
	MM_ASSERT_EQ(sqlite3_exec(rd, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(rd);
	total += 4000;
	/*
	 * A restart that found the reader there is tried again after a while
	 * (CKPT_RETRY_MS): again the writer goes on until the WAL has started
	 * over.
	 */
	starts = wal_starts(path);
	for (int64_t more = 0; wal_starts(path) == starts && more < 120000; more += 4000) {
		MM_ASSERT_EQ(insert_bracketed(db, ck, b, total + 1, 4000), 0);
		total += 4000;
	}
	MM_ASSERT(wal_starts(path) > starts);
	store_ckpt_stop(ck);
	MM_ASSERT_EQ(busy_calls, 0);
	batch_free(b);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(*) FROM events"), total);
	MM_ASSERT_EQ(sql_int(db, "SELECT count(DISTINCT seq) FROM events"), total);
	MM_ASSERT_EQ(
		sql_int(db, "SELECT count(*) FROM pragma_quick_check WHERE quick_check <> 'ok'"),
		0);
	store_db_close(db);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(migrate_empty),
	MM_TEST_ENTRY(migrate_from_v1),
	MM_TEST_ENTRY(migrate_from_v2),
	MM_TEST_ENTRY(migrate_from_v3),
	MM_TEST_ENTRY(migrate_from_v4),
	MM_TEST_ENTRY(partial_type_index),
	MM_TEST_ENTRY(refuse_newer_and_foreign),
	MM_TEST_ENTRY(insert_and_duplicates),
	MM_TEST_ENTRY(insert_chunks),
	MM_TEST_ENTRY(per_type_rows),
	MM_TEST_ENTRY(query_filters),
	MM_TEST_ENTRY(query_id_blocks),
	MM_TEST_ENTRY(addr_table_blocks),
	MM_TEST_ENTRY(addr_table_newest_deleted),
	MM_TEST_ENTRY(query_address_pages),
	MM_TEST_ENTRY(addr_table_malformed),
	MM_TEST_ENTRY(addr_sort),
	MM_TEST_ENTRY(query_malformed),
	MM_TEST_ENTRY(query_paging),
	MM_TEST_ENTRY(retention_age),
	MM_TEST_ENTRY(retention_size),
	MM_TEST_ENTRY(ckpt_restart),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char cmd[96];
	int rv;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store_db.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	rv = mm_test_main(tests, argc, argv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (rv == 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return (rv);
}
