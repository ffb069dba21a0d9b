/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The central store's PostgreSQL database (store_pg.h).
 *
 * Columns keep the SQLite store's types: producer is the bus's u64 kept bit
 * for bit in a BIGINT, timestamps are Unix ns, addresses 16-byte BYTEA
 * (IPv4 as ::ffff:a.b.c.d), so a prefix is a byte range in both stores and
 * the query API translates the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/log.h>

#include "store_pg.h"

struct store_pg {
	char *pg_conninfo;
	PGconn *pg_conn;
	char *pg_buf; /* the COPY text of a batch */
	size_t pg_len;
	size_t pg_cap;
	bool pg_oom;
};

/* Version 1.  Each statement runs once, in one transaction, when the schema is new. */
static const char *const schema_v1[] = {
	"CREATE TABLE mamori_schema (version INTEGER NOT NULL)",
	"CREATE TABLE events (\n"
	"    id BIGSERIAL PRIMARY KEY,\n"
	"    producer BIGINT NOT NULL,\n"
	"    seq BIGINT NOT NULL,\n"
	"    site TEXT NOT NULL DEFAULT '',\n"
	"    ts BIGINT NOT NULL,\n"
	"    event_type TEXT NOT NULL,\n"
	"    src_ip TEXT, dest_ip TEXT,\n"
	"    src_addr BYTEA, dest_addr BYTEA,\n"
	"    src_port INTEGER, dest_port INTEGER, proto TEXT, flow_id BIGINT,\n"
	"    plugin TEXT, exercise TEXT,\n"
	"    raw TEXT NOT NULL,\n"
	"    UNIQUE (producer, seq))",
	"CREATE INDEX events_ts ON events (ts, producer, seq)",
	"CREATE INDEX events_type_ts ON events (event_type, ts, producer, seq)",
	"CREATE INDEX events_site_ts ON events (site, ts, producer, seq)",
	"CREATE INDEX events_src ON events (src_addr)",
	"CREATE INDEX events_dest ON events (dest_addr)",
	"CREATE TABLE flow (\n"
	"    id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,\n"
	"    pkts_toserver BIGINT, pkts_toclient BIGINT,\n"
	"    bytes_toserver BIGINT, bytes_toclient BIGINT,\n"
	"    start_ts BIGINT, end_ts BIGINT,\n"
	"    reason TEXT, state TEXT, age BIGINT)",
	"INSERT INTO mamori_schema VALUES (1)",
};

/*
 * Version 2: a flow row goes with its event by a statement trigger instead
 * of a foreign key.  The key's check, one lookup per flow row, was a quarter
 * of a batch's cost in PostgreSQL, for ids the same statement had just
 * inserted; deleting events (retention from cron) still deletes their flow.
 */
static const char *const schema_v2[] = {
	"ALTER TABLE flow DROP CONSTRAINT IF EXISTS flow_id_fkey",
	"CREATE OR REPLACE FUNCTION mamori_events_delete_flow() RETURNS trigger\n"
	"LANGUAGE plpgsql AS $$\n"
	"BEGIN\n"
	"    DELETE FROM flow WHERE id IN (SELECT id FROM gone);\n"
	"    RETURN NULL;\n"
	"END $$",
	"CREATE TRIGGER events_delete_flow AFTER DELETE ON events\n"
	"    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT\n"
	"    EXECUTE FUNCTION mamori_events_delete_flow()",
	"UPDATE mamori_schema SET version = 2",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A batch's rows arrive here, one transaction at a time. */
static const char incoming_sql[] =
	"CREATE TEMPORARY TABLE IF NOT EXISTS incoming (\n"
	"    ord INTEGER, producer BIGINT, seq BIGINT, site TEXT, ts BIGINT,\n"
	"    event_type TEXT, src_ip TEXT, dest_ip TEXT, src_addr BYTEA, dest_addr BYTEA,\n"
	"    src_port INTEGER, dest_port INTEGER, proto TEXT, flow_id BIGINT,\n"
	"    plugin TEXT, exercise TEXT, raw TEXT, has_flow BOOLEAN,\n"
	"    pkts_toserver BIGINT, pkts_toclient BIGINT, bytes_toserver BIGINT,\n"
	"    bytes_toclient BIGINT, start_ts BIGINT, end_ts BIGINT, reason TEXT,\n"
	"    state TEXT, age BIGINT) ON COMMIT DELETE ROWS";

/*
 * A batch in one simple query, which PostgreSQL runs as one implicit
 * transaction: COPY into the temporary table, then the move, answered with
 * the ord of every row that was new.  One round trip for the batch; it is
 * committed when the last result has been read, and not at all on an error.
 */
static const char batch_sql[] =
	"COPY incoming FROM STDIN;\n"
	"WITH ins AS (\n"
	"    INSERT INTO events (producer, seq, site, ts, event_type, src_ip, dest_ip,\n"
	"        src_addr, dest_addr, src_port, dest_port, proto, flow_id, plugin,\n"
	"        exercise, raw)\n"
	"    SELECT producer, seq, site, ts, event_type, src_ip, dest_ip, src_addr,\n"
	"        dest_addr, src_port, dest_port, proto, flow_id, plugin, exercise, raw\n"
	"    FROM incoming ORDER BY ord\n"
	"    ON CONFLICT (producer, seq) DO NOTHING\n"
	"    RETURNING id, producer, seq),\n"
	"new AS (SELECT ins.id, i.* FROM ins JOIN incoming i USING (producer, seq)),\n"
	"fl AS (\n"
	"    INSERT INTO flow SELECT id, pkts_toserver, pkts_toclient, bytes_toserver,\n"
	"        bytes_toclient, start_ts, end_ts, reason, state, age\n"
	"    FROM new WHERE has_flow)\n"
	"SELECT ord FROM new";

static int
pg_exec(PGconn *c, const char *sql, ExecStatusType want, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, sql);
	int rv = 0;

	if (PQresultStatus(r) != want) {
		snprintf(err, errlen, "PostgreSQL: %s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		rv = -EIO;
	}
	PQclear(r);
	return (rv);
}

static int
pg_run(PGconn *c, const char *const *sql, size_t n, char *err, size_t errlen)
{
	int rv;

	for (size_t i = 0; i < n; i++)
		if ((rv = pg_exec(c, sql[i], PGRES_COMMAND_OK, err, errlen)) < 0)
			return (rv);
	return (0);
}

/* Creates the schema in a new database, or brings an older one up to date. */
static int
pg_migrate(PGconn *c, char *err, size_t errlen)
{
	PGresult *r;
	int version = 0, rv;

	/* One store at a time migrates; a second waits here, then finds the work done. */
	if ((rv = pg_exec(c, "BEGIN", PGRES_COMMAND_OK, err, errlen)) < 0 ||
		(rv = pg_exec(c, "SELECT pg_advisory_xact_lock(7450)", PGRES_TUPLES_OK, err,
			 errlen)) < 0)
		return (rv);
	r = PQexec(c, "SELECT version FROM mamori_schema");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (version == 0) {
		/* The failed SELECT aborted the transaction: start again. */
		pg_exec(c, "ROLLBACK", PGRES_COMMAND_OK, err, errlen);
		if ((rv = pg_exec(c, "BEGIN", PGRES_COMMAND_OK, err, errlen)) < 0 ||
			(rv = pg_exec(c, "SELECT pg_advisory_xact_lock(7450)", PGRES_TUPLES_OK, err,
				 errlen)) < 0)
			return (rv);
		r = PQexec(c, "SELECT to_regclass('mamori_schema') IS NOT NULL");
		if (PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0)
			version = -1;
		PQclear(r);
		if (version == -1) {
			pg_exec(c, "ROLLBACK", PGRES_COMMAND_OK, err, errlen);
			return (pg_migrate(c, err, errlen));
		}
	}
	if (version > STORE_PG_SCHEMA_VERSION) {
		pg_exec(c, "ROLLBACK", PGRES_COMMAND_OK, err, errlen);
		snprintf(err, errlen,
			"PostgreSQL %s: schema version %d is newer than this mamori-store knows "
			"(%d)",
			PQdb(c), version, STORE_PG_SCHEMA_VERSION);
		return (-EINVAL);
	}
	if ((version < 1 && (rv = pg_run(c, schema_v1, NELEM(schema_v1), err, errlen)) < 0) ||
		(version < 2 && (rv = pg_run(c, schema_v2, NELEM(schema_v2), err, errlen)) < 0)) {
		pg_exec(c, "ROLLBACK", PGRES_COMMAND_OK, err + strlen(err), 0);
		return (rv);
	}
	if (version == 0)
		mm_notice("PostgreSQL %s: created the schema (version %d)", PQdb(c),
			STORE_PG_SCHEMA_VERSION);
	else if (version < STORE_PG_SCHEMA_VERSION)
		mm_notice("PostgreSQL %s: schema version %d brought up to %d", PQdb(c), version,
			STORE_PG_SCHEMA_VERSION);
	return (pg_exec(c, "COMMIT", PGRES_COMMAND_OK, err, errlen));
}

static int
pg_connect(struct store_pg *pg, char *err, size_t errlen)
{
	int rv;

	if (pg->pg_conn != NULL)
		PQfinish(pg->pg_conn);
	pg->pg_conn = PQconnectdb(pg->pg_conninfo);
	if (PQstatus(pg->pg_conn) != CONNECTION_OK) {
		snprintf(err, errlen, "PostgreSQL '%s': %s", pg->pg_conninfo,
			PQerrorMessage(pg->pg_conn));
		err[strcspn(err, "\n")] = '\0';
		return (-EIO);
	}
	if ((rv = pg_exec(pg->pg_conn, "SET synchronous_commit = on", PGRES_COMMAND_OK, err,
		     errlen)) < 0 ||
		(rv = pg_migrate(pg->pg_conn, err, errlen)) < 0 ||
		(rv = pg_exec(pg->pg_conn, incoming_sql, PGRES_COMMAND_OK, err, errlen)) < 0)
		return (rv);
	return (0);
}

struct store_pg *
store_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct store_pg *pg;

	if ((pg = calloc(1, sizeof(*pg))) == NULL || (pg->pg_conninfo = strdup(conninfo)) == NULL) {
		free(pg);
		snprintf(err, errlen, "PostgreSQL: out of memory");
		return (NULL);
	}
	if (pg_connect(pg, err, errlen) < 0) {
		store_pg_close(pg);
		return (NULL);
	}
	return (pg);
}

void
store_pg_close(struct store_pg *pg)
{
	if (pg == NULL)
		return;
	if (pg->pg_conn != NULL)
		PQfinish(pg->pg_conn);
	free(pg->pg_buf);
	free(pg->pg_conninfo);
	free(pg);
}

PGconn *
store_pg_conn(struct store_pg *pg)
{
	return (pg->pg_conn);
}

static void
put(struct store_pg *pg, const char *s, size_t n)
{
	if (pg->pg_len + n > pg->pg_cap) {
		size_t cap =
			pg->pg_cap * 2 > pg->pg_len + n ? pg->pg_cap * 2 : pg->pg_len + n + 4096;
		char *b = realloc(pg->pg_buf, cap);

		if (b == NULL) {
			pg->pg_oom = true;
			return;
		}
		pg->pg_buf = b;
		pg->pg_cap = cap;
	}
	memcpy(pg->pg_buf + pg->pg_len, s, n);
	pg->pg_len += n;
}

/* A field of COPY's text format: NULL is \N, and \, tab, newline, CR are escaped. */
static void
put_text(struct store_pg *pg, const char *s, size_t n, bool last)
{
	size_t from = 0;

	if (s == NULL) {
		put(pg, "\\N", 2);
	} else {
		for (size_t i = 0; i < n; i++) {
			const char *esc = s[i] == '\\'   ? "\\\\"
					  : s[i] == '\t' ? "\\t"
					  : s[i] == '\n' ? "\\n"
					  : s[i] == '\r' ? "\\r"
							 : NULL;

			if (esc == NULL)
				continue;
			put(pg, s + from, i - from);
			put(pg, esc, 2);
			from = i + 1;
		}
		put(pg, s + from, n - from);
	}
	put(pg, last ? "\n" : "\t", 1);
}

static void
put_str(struct store_pg *pg, const char *s)
{
	put_text(pg, s, s != NULL ? strlen(s) : 0, false);
}

static void
put_int(struct store_pg *pg, bool has, int64_t v)
{
	char b[24];
	int n;

	if (!has) {
		put(pg, "\\N\t", 3);
		return;
	}
	n = snprintf(b, sizeof(b), "%" PRId64 "\t", v);
	put(pg, b, (size_t)n);
}

/* BYTEA in hex: \x.. (the backslash itself escaped for COPY). */
static void
put_addr(struct store_pg *pg, bool has, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	char b[3 + 32 + 1];

	if (!has) {
		put(pg, "\\N\t", 3);
		return;
	}
	b[0] = '\\';
	b[1] = '\\';
	b[2] = 'x';
	for (int i = 0; i < 16; i++) {
		b[3 + 2 * i] = hex[a[i] >> 4];
		b[4 + 2 * i] = hex[a[i] & 15];
	}
	b[35] = '\t';
	put(pg, b, sizeof(b));
}

static void
put_row(struct store_pg *pg, size_t ord, const struct store_row *r, uint64_t producer,
	const char *site)
{
	const struct store_flow *f = &r->r_flow;
	bool fl = (r->r_has & STORE_ROW_FLOW) != 0;

	put_int(pg, true, (int64_t)ord);
	put_int(pg, true, (int64_t)producer);
	put_int(pg, true, r->r_seq);
	put_str(pg, site != NULL ? site : "");
	put_int(pg, true, r->r_ts);
	put_str(pg, r->r_event_type);
	put_str(pg, (r->r_has & STORE_ROW_SRC) ? r->r_src_ip : NULL);
	put_str(pg, (r->r_has & STORE_ROW_DEST) ? r->r_dest_ip : NULL);
	put_addr(pg, r->r_has & STORE_ROW_SRC, r->r_src_addr);
	put_addr(pg, r->r_has & STORE_ROW_DEST, r->r_dest_addr);
	put_int(pg, r->r_has & STORE_ROW_SPORT, r->r_src_port);
	put_int(pg, r->r_has & STORE_ROW_DPORT, r->r_dest_port);
	put_str(pg, r->r_proto);
	put_int(pg, r->r_has & STORE_ROW_FLOW_ID, r->r_flow_id);
	put_str(pg, r->r_plugin);
	put_str(pg, r->r_exercise);
	put_text(pg, r->r_raw, r->r_raw_len, false);
	put(pg, fl ? "t\t" : "f\t", 2);
	put_int(pg, fl && f->fl_pkts_toserver >= 0, f->fl_pkts_toserver);
	put_int(pg, fl && f->fl_pkts_toclient >= 0, f->fl_pkts_toclient);
	put_int(pg, fl && f->fl_bytes_toserver >= 0, f->fl_bytes_toserver);
	put_int(pg, fl && f->fl_bytes_toclient >= 0, f->fl_bytes_toclient);
	put_int(pg, fl && f->fl_start >= 0, f->fl_start);
	put_int(pg, fl && f->fl_end >= 0, f->fl_end);
	put_str(pg, fl ? f->fl_reason : NULL);
	put_str(pg, fl ? f->fl_state : NULL);
	if (fl && f->fl_age >= 0) {
		char b[24];
		int n = snprintf(b, sizeof(b), "%" PRId64, f->fl_age);

		put_text(pg, b, (size_t)n, true);
	} else {
		put_text(pg, NULL, 0, true);
	}
}

struct pg_batch {
	struct store_row *b_rows;
	const uint64_t *b_producers;
	const char *const *b_sites;
	size_t b_n;
};

static int
pg_insert_once(
	struct store_pg *pg, const struct pg_batch *b, uint32_t *inserted, char *err, size_t errlen)
{
	PGconn *c = pg->pg_conn;
	bool copied = false;
	PGresult *r;
	int rv = 0;

	pg->pg_len = 0;
	pg->pg_oom = false;
	for (size_t i = 0; i < b->b_n; i++) {
		b->b_rows[i].r_inserted = false;
		put_row(pg, i, &b->b_rows[i], b->b_producers[i], b->b_sites[i]);
	}
	if (pg->pg_oom) {
		snprintf(err, errlen, "PostgreSQL: out of memory for a batch of %zu rows", b->b_n);
		return (-ENOMEM);
	}
	if (PQsendQuery(c, batch_sql) != 1) {
		snprintf(err, errlen, "PostgreSQL: %s", PQerrorMessage(c));
		return (-EIO);
	}
	while ((r = PQgetResult(c)) != NULL) {
		switch (PQresultStatus(r)) {
		case PGRES_COPY_IN:
			/* Asked again (the data was not taken): the connection is broken. */
			if (copied || PQputCopyData(c, pg->pg_buf, (int)pg->pg_len) != 1 ||
				PQputCopyEnd(c, NULL) != 1) {
				if (rv == 0)
					snprintf(err, errlen, "PostgreSQL COPY: %s",
						PQerrorMessage(c));
				rv = -EIO;
				if (copied || PQputCopyEnd(c, "batch abandoned") != 1) {
					PQclear(r);
					goto out;
				}
			}
			copied = true;
			break;
		case PGRES_COMMAND_OK: /* the COPY */
			break;
		case PGRES_TUPLES_OK:
			*inserted = (uint32_t)PQntuples(r);
			for (int i = 0; i < PQntuples(r); i++) {
				long ord = strtol(PQgetvalue(r, i, 0), NULL, 10);

				if (ord >= 0 && (size_t)ord < b->b_n)
					b->b_rows[ord].r_inserted = true;
			}
			break;
		default:
			if (rv == 0)
				snprintf(err, errlen, "PostgreSQL insert: %s",
					PQresultErrorMessage(r));
			rv = -EIO;
			break;
		}
		PQclear(r);
	}
out:
	if (rv < 0) {
		*inserted = 0;
		for (size_t i = 0; i < b->b_n; i++)
			b->b_rows[i].r_inserted = false;
	}
	return (rv);
}

int64_t
store_pg_retain(struct store_pg *pg, int64_t before, uint32_t max_rows, char *err, size_t errlen)
{
	char b[24], m[16];
	const char *params[2] = { b, m };
	PGresult *r;
	int64_t n = -EIO;
	int rv;

	if (PQstatus(pg->pg_conn) != CONNECTION_OK && (rv = pg_connect(pg, err, errlen)) < 0)
		return (rv);
	snprintf(b, sizeof(b), "%lld", (long long)before);
	snprintf(m, sizeof(m), "%u", max_rows);
	/* The oldest first, through events_ts; the statement trigger takes their flow rows. */
	r = PQexecParams(pg->pg_conn,
		"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < $1::bigint "
		"ORDER BY ts LIMIT $2::integer)",
		2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		n = strtoll(PQcmdTuples(r), NULL, 10);
	else {
		snprintf(err, errlen, "PostgreSQL: retention: %s", PQerrorMessage(pg->pg_conn));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(r);
	return (n);
}

int
store_pg_insert(struct store_pg *pg, struct store_row *rows, const uint64_t *producers,
	const char *const *sites, size_t n, uint32_t *inserted, char *err, size_t errlen)
{
	struct pg_batch b = { rows, producers, sites, n };
	int rv;

	*inserted = 0;
	if (PQstatus(pg->pg_conn) != CONNECTION_OK && (rv = pg_connect(pg, err, errlen)) < 0)
		return (rv);
	rv = pg_insert_once(pg, &b, inserted, err, errlen);
	/*
	 * A connection lost since the last batch, or left in the middle of an
	 * exchange: once more on a new one.
	 */
	if (rv < 0 &&
		(PQstatus(pg->pg_conn) != CONNECTION_OK ||
			PQtransactionStatus(pg->pg_conn) != PQTRANS_IDLE) &&
		pg_connect(pg, err, errlen) == 0)
		rv = pg_insert_once(pg, &b, inserted, err, errlen);
	if (rv < 0)
		err[strcspn(err, "\n")] = '\0';
	return (rv < 0 ? -EIO : 0);
}
