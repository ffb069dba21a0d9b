/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema versions:
 *
 *  1  events: one row per event, unique on (producer, seq) as the bus numbers
 *     them, so INSERT OR IGNORE skips a resent event row by row.  A rowid
 *     table with (producer, seq) as a UNIQUE key rather than a WITHOUT ROWID
 *     primary key: rows carry the raw JSON (hundreds of bytes), and SQLite's
 *     advice for rows that large is a rowid table (appends are cheaper, large
 *     rows do not spill into overflow pages).  The explicit INTEGER PRIMARY
 *     KEY keeps ids stable across VACUUM, so per-type tables can refer to
 *     them.  Addresses are kept twice: as the event wrote them and as 16
 *     bytes of IPv4-mapped IPv6, whose byte order is prefix order, so a
 *     prefix is an index range.  The ts indexes end in (producer, seq): the
 *     paging order.
 *  2  flow: the columns of EVE's "flow" sub-object for event_type "flow",
 *     keyed by the event's id, filled from events already stored, and a
 *     trigger that removes the flow row when retention removes the event.
 *  3  the address indexes lead with the block of ids an event belongs to,
 *     (id >> 13, addr): consecutive events then land in one narrow stretch
 *     of each index instead of all over it.  With
 *     (addr) alone, every event dirtied a page of its own in each of the two
 *     indexes, which each commit wrote to the WAL whole: three quarters of
 *     the writer's time at a million rows, and growing with the table.  A
 *     prefix query probes each block (store/query.c).
 *  4  the writer's cost per event, which the indexes set: the flow columns
 *     move into events (flow_*, with has_flow for "the event had a flow
 *     object") and "flow" becomes a view of them, one b-tree insert less per
 *     flow event and no trigger; events_type_ts leaves out flow events, the
 *     bulk of the table, whose type queries take events_ts, now ending in
 *     event_type so that it answers them alone; the id blocks of the address
 *     indexes shrink to 1024 ids (id >> 10), about what one commit adds, so a
 *     commit rewrites a few pages of each rather than most of an 8192-id
 *     block.  Each index entry cost the writer about a
 *     microsecond; the three changes took it from 7 to 4 microseconds per
 *     event (docs/mamori-store.md, PERFORMANCE).  A type query other than
 *     flow says "event_type <> 'flow'" for SQLite to take the partial index.
 *  5  the address indexes give way to events_addr (store_addr.h), which the
 *     writer fills a block of 8192 ids at a time, sorted, many entries to a
 *     row: an index entry put into the middle of a b-tree cost the writer
 *     about a microsecond, two per event.  The migration leaves the table
 *     empty with indexed_below 0: the writer fills it when it opens the
 *     database (store/db.c), as it does with any block it has not written.
 *
 * A step never changes once released: changes are new steps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <mamori/log.h>

#include "store_addr.h"
#include "store_schema.h"
#include "store_time.h"

struct store_migration {
	int m_version;
	const char *m_what;
	const char *m_sql;
};

static const struct store_migration migrations[] = {
	{ 1, "events table",
		"PRAGMA application_id = 1296913236;\n" /* STORE_APPLICATION_ID */
		"CREATE TABLE events (\n"
		"	id INTEGER PRIMARY KEY,\n"
		"	producer INTEGER NOT NULL,\n"
		"	seq INTEGER NOT NULL,\n"
		"	ts INTEGER NOT NULL,\n"
		"	event_type TEXT NOT NULL,\n"
		"	src_ip TEXT,\n"
		"	dest_ip TEXT,\n"
		"	src_addr BLOB,\n"
		"	dest_addr BLOB,\n"
		"	src_port INTEGER,\n"
		"	dest_port INTEGER,\n"
		"	proto TEXT,\n"
		"	flow_id INTEGER,\n"
		"	plugin TEXT,\n"
		"	exercise TEXT,\n"
		"	raw TEXT NOT NULL,\n"
		"	UNIQUE (producer, seq)\n"
		");\n"
		"CREATE INDEX events_ts ON events (ts, producer, seq);\n"
		"CREATE INDEX events_type_ts ON events (event_type, ts, producer, seq);\n"
		"CREATE INDEX events_src ON events (src_addr);\n"
		"CREATE INDEX events_dest ON events (dest_addr);\n" },
	{ 2, "flow table",
		"CREATE TABLE flow (\n"
		"	id INTEGER PRIMARY KEY, -- events.id\n"
		"	pkts_toserver INTEGER,\n"
		"	pkts_toclient INTEGER,\n"
		"	bytes_toserver INTEGER,\n"
		"	bytes_toclient INTEGER,\n"
		"	start_ts INTEGER,\n"
		"	end_ts INTEGER,\n"
		"	reason TEXT,\n"
		"	state TEXT,\n"
		"	age INTEGER\n"
		");\n"
		"CREATE TRIGGER events_delete_flow AFTER DELETE ON events\n"
		"	WHEN old.event_type = 'flow' BEGIN\n"
		"	DELETE FROM flow WHERE id = old.id;\n"
		"END;\n"
		"INSERT INTO flow SELECT id,\n"
		"	json_extract(raw, '$.flow.pkts_toserver'),\n"
		"	json_extract(raw, '$.flow.pkts_toclient'),\n"
		"	json_extract(raw, '$.flow.bytes_toserver'),\n"
		"	json_extract(raw, '$.flow.bytes_toclient'),\n"
		"	mm_time_ns(json_extract(raw, '$.flow.start')),\n"
		"	mm_time_ns(json_extract(raw, '$.flow.end')),\n"
		"	json_extract(raw, '$.flow.reason'),\n"
		"	json_extract(raw, '$.flow.state'),\n"
		"	json_extract(raw, '$.flow.age')\n"
		"	FROM events WHERE event_type = 'flow'\n"
		"	AND json_type(raw, '$.flow') = 'object';\n" },
	{ 3, "address indexes by id block",
		"DROP INDEX events_src;\n"
		"DROP INDEX events_dest;\n"
		"CREATE INDEX events_src ON events (id >> 13, src_addr);\n"
		"CREATE INDEX events_dest ON events (id >> 13, dest_addr);\n" },
	{ 4, "flow columns in events, leaner indexes",
		"ALTER TABLE events ADD COLUMN has_flow INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_pkts_toserver INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_pkts_toclient INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_bytes_toserver INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_bytes_toclient INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_start_ts INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_end_ts INTEGER;\n"
		"ALTER TABLE events ADD COLUMN flow_reason TEXT;\n"
		"ALTER TABLE events ADD COLUMN flow_state TEXT;\n"
		"ALTER TABLE events ADD COLUMN flow_age INTEGER;\n"
		"UPDATE events SET has_flow = 1, flow_pkts_toserver = f.pkts_toserver,\n"
		"	flow_pkts_toclient = f.pkts_toclient,\n"
		"	flow_bytes_toserver = f.bytes_toserver,\n"
		"	flow_bytes_toclient = f.bytes_toclient, flow_start_ts = f.start_ts,\n"
		"	flow_end_ts = f.end_ts, flow_reason = f.reason, flow_state = f.state,\n"
		"	flow_age = f.age\n"
		"	FROM flow AS f WHERE f.id = events.id;\n"
		"DROP TRIGGER events_delete_flow;\n"
		"DROP TABLE flow;\n"
		"CREATE VIEW flow AS SELECT id, flow_pkts_toserver AS pkts_toserver,\n"
		"	flow_pkts_toclient AS pkts_toclient,\n"
		"	flow_bytes_toserver AS bytes_toserver,\n"
		"	flow_bytes_toclient AS bytes_toclient, flow_start_ts AS start_ts,\n"
		"	flow_end_ts AS end_ts, flow_reason AS reason, flow_state AS state,\n"
		"	flow_age AS age\n"
		"	FROM events WHERE has_flow = 1;\n"
		"DROP INDEX events_ts;\n"
		"CREATE INDEX events_ts ON events (ts, producer, seq, event_type);\n"
		"DROP INDEX events_type_ts;\n"
		"CREATE INDEX events_type_ts ON events (event_type, ts, producer, seq)\n"
		"	WHERE event_type <> 'flow';\n"
		"DROP INDEX events_src;\n"
		"DROP INDEX events_dest;\n"
		"CREATE INDEX events_src ON events (id >> 10, src_addr);\n"
		"CREATE INDEX events_dest ON events (id >> 10, dest_addr);\n" },
	{ 5, "address table",
		"CREATE TABLE events_addr (\n"
		"	id INTEGER PRIMARY KEY,\n"
		"	blk INTEGER NOT NULL,      -- events.id >> 13\n"
		"	first_addr BLOB NOT NULL,\n"
		"	last_addr BLOB NOT NULL,\n"
		"	entries BLOB NOT NULL      -- (address, offset in blk), sorted\n"
		");\n"
		"CREATE INDEX events_addr_blk ON events_addr (blk, last_addr, first_addr);\n"
		"CREATE TABLE events_addr_state (indexed_below INTEGER NOT NULL);\n"
		"INSERT INTO events_addr_state VALUES (0);\n"
		"DROP INDEX events_src;\n"
		"DROP INDEX events_dest;\n" },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(STORE_APPLICATION_ID == 1296913236, "the id in migration 1 is STORE_APPLICATION_ID");
_Static_assert(STORE_ADDR_BLOCK_SHIFT == 13, "the block of migration 5 is STORE_ADDR_BLOCK_SHIFT");

int
store_schema_latest(void)
{
	return (migrations[N_MIGRATIONS - 1].m_version);
}

/* Runs a one-integer pragma; negative errno on failure. */
static int
pragma_int(sqlite3 *conn, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
		return (-EIO);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 0 : -EIO);
}

int
store_schema_version(sqlite3 *conn)
{
	int64_t v;
	int rv;

	if ((rv = pragma_int(conn, "PRAGMA user_version", &v)) < 0)
		return (rv);
	return ((int)v);
}

/* mm_time_ns(text): EVE or RFC 3339 time to Unix ns, NULL when unreadable. */
static void
sql_time_ns(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t ns;

	if (s == NULL || store_time_parse(s, (size_t)sqlite3_value_bytes(argv[0]), &ns) != 0) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, ns);
}

/* Checks that the file is a store (or empty) and not newer than this code. */
static int
check_identity(sqlite3 *conn, int version, char *err, size_t errlen)
{
	int64_t appid, ntables;

	if (pragma_int(conn, "PRAGMA application_id", &appid) < 0 ||
		pragma_int(conn, "SELECT count(*) FROM sqlite_schema", &ntables) < 0) {
		snprintf(err, errlen, "cannot read the database header: %s", sqlite3_errmsg(conn));
		return (-EIO);
	}
	if (appid != STORE_APPLICATION_ID && (appid != 0 || ntables != 0)) {
		snprintf(err, errlen,
			"not a mamori-store database (application_id %lld, %lld schema objects): "
			"expected application_id %d or an empty file",
			(long long)appid, (long long)ntables, STORE_APPLICATION_ID);
		return (-ENOTSUP);
	}
	if (version > store_schema_latest()) {
		snprintf(err, errlen,
			"schema version %d is newer than this mamori-store knows (%d): run a newer "
			"mamori-store, or restore a backup made for this one",
			version, store_schema_latest());
		return (-ENOTSUP);
	}
	return (0);
}

/* One step; upgrading says so in the log (a step on a file being created does not). */
static int
migrate_step(
	sqlite3 *conn, const struct store_migration *m, bool upgrading, char *err, size_t errlen)
{
	char *msg = NULL, setv[48];
	struct timespec t0, t1;
	int version;

	if (sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	/* Another process may have migrated while we waited for the lock. */
	if ((version = store_schema_version(conn)) < 0)
		goto fail;
	if (version >= m->m_version) {
		sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
		return (0);
	}
	snprintf(setv, sizeof(setv), "PRAGMA user_version = %d", m->m_version);
	if (upgrading) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		mm_notice("schema: upgrading from version %d to %d (%s): rows are rewritten and "
			  "indexes rebuilt, which takes a while on a large database",
			version, m->m_version, m->m_what);
	}
	if (sqlite3_exec(conn, m->m_sql, NULL, NULL, &msg) != SQLITE_OK ||
		sqlite3_exec(conn, setv, NULL, NULL, &msg) != SQLITE_OK ||
		sqlite3_exec(conn, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	if (upgrading) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		mm_notice("schema: version %d in %.1f s", m->m_version,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	return (0);
fail:
	snprintf(err, errlen, "migration to schema version %d (%s) failed: %s", m->m_version,
		m->m_what, msg != NULL ? msg : sqlite3_errmsg(conn));
	sqlite3_free(msg);
	if (!sqlite3_get_autocommit(conn))
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
	return (-EIO);
}

int
store_schema_migrate(sqlite3 *conn, int target, char *err, size_t errlen)
{
	int version, rv;

	if ((version = store_schema_version(conn)) < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(conn));
		return (-EIO);
	}
	if ((rv = check_identity(conn, version, err, errlen)) < 0)
		return (rv);
	if (sqlite3_create_function(conn, "mm_time_ns", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
		    sql_time_ns, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot register mm_time_ns(): %s", sqlite3_errmsg(conn));
		return (-EIO);
	}
	for (size_t i = 0; i < N_MIGRATIONS; i++) {
		const struct store_migration *m = &migrations[i];

		if (m->m_version <= version || m->m_version > target)
			continue;
		if ((rv = migrate_step(conn, m, version > 0, err, errlen)) < 0)
			return (rv);
	}
	return (0);
}
