/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query API on the central store's PostgreSQL database: the same
 * filters, order, cursors and answers as on SQLite (query.c), every value
 * passed as a parameter, and "site" besides.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_filter.h"
#include "store_pg.h"
#include "store_row.h"

#define ERRLEN     STORE_FILTER_ERRLEN
#define MAX_PARAMS 16

struct sql {
	char s_text[2048];
	size_t s_len;
	const char *s_and;
	int s_n; /* parameters so far */
	const char *s_vals[MAX_PARAMS];
	char s_bufs[MAX_PARAMS][40];
};

static void sql_add(struct sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sql_add(struct sql *q, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (q->s_len >= sizeof(q->s_text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(q->s_text + q->s_len, sizeof(q->s_text) - q->s_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		q->s_len += (size_t)n;
}

/* The next parameter's number, with its value (a string, or a number written here). */
static int
param_str(struct sql *q, const char *v)
{
	q->s_vals[q->s_n] = v;
	return (++q->s_n);
}

static int
param_int(struct sql *q, int64_t v)
{
	snprintf(q->s_bufs[q->s_n], sizeof(q->s_bufs[0]), "%" PRId64, v);
	return (param_str(q, q->s_bufs[q->s_n]));
}

static int
param_addr(struct sql *q, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	char *b = q->s_bufs[q->s_n];

	b[0] = '\\';
	b[1] = 'x';
	for (int i = 0; i < 16; i++) {
		b[2 + 2 * i] = hex[a[i] >> 4];
		b[3 + 2 * i] = hex[a[i] & 15];
	}
	b[34] = '\0';
	return (param_str(q, b));
}

static void
cond(struct sql *q)
{
	sql_add(q, "%s", q->s_and);
	q->s_and = " AND ";
}

static void
sql_where(struct sql *q, const struct store_filter *f)
{
	q->s_and = " WHERE ";
	if (f->f_type != NULL) {
		cond(q);
		sql_add(q, "event_type = $%d", param_str(q, f->f_type));
	}
	if (f->f_site != NULL) {
		cond(q);
		sql_add(q, "site = $%d", param_str(q, f->f_site));
	}
	if (f->f_has_since) {
		cond(q);
		sql_add(q, "ts >= $%d", param_int(q, f->f_since));
	}
	if (f->f_has_until) {
		cond(q);
		sql_add(q, "ts < $%d", param_int(q, f->f_until));
	}
	if (f->f_has_ip) {
		int lo = param_addr(q, f->f_lo), hi = param_addr(q, f->f_hi);

		cond(q);
		sql_add(q,
			"(src_addr BETWEEN $%d::bytea AND $%d::bytea OR "
			"dest_addr BETWEEN $%d::bytea AND $%d::bytea)",
			lo, hi, lo, hi);
	}
	if (f->f_text != NULL) {
		cond(q);
		sql_add(q, "strpos(raw, $%d) > 0", param_str(q, f->f_text));
	}
	if (f->f_plugin != NULL) {
		cond(q);
		sql_add(q, "plugin = $%d", param_str(q, f->f_plugin));
	}
	if (f->f_exercise != NULL) {
		cond(q);
		sql_add(q, "exercise = $%d", param_str(q, f->f_exercise));
	}
	if (f->f_has_producer) {
		cond(q);
		sql_add(q, "producer = $%d", param_int(q, f->f_producer));
	}
	if (f->f_has_after) {
		int a = param_int(q, f->f_after[0]), b = param_int(q, f->f_after[1]),
		    c = param_int(q, f->f_after[2]);

		cond(q);
		sql_add(q, "(ts, producer, seq) %s ($%d::bigint, $%d::bigint, $%d::bigint)",
			f->f_desc ? "<" : ">", a, b, c);
	}
}

static PGresult *
run(PGconn *c, struct sql *q, char *err)
{
	PGresult *r;

	if (q->s_len >= sizeof(q->s_text)) {
		snprintf(err, ERRLEN, "query too long");
		return (NULL);
	}
	r = PQexecParams(c, q->s_text, q->s_n, NULL, q->s_vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		if (state != NULL && strcmp(state, "57014") == 0)
			snprintf(err, ERRLEN,
				"the query ran too long and was stopped: narrow it (type, site, "
				"since, until, ip)");
		else
			snprintf(err, ERRLEN, "query failed: %s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		return (NULL);
	}
	return (r);
}

json_t *
store_pgq_query(PGconn *c, const struct store_filter *f, char *err)
{
	json_t *events = json_array(), *next = json_null(), *a;
	struct sql q = { .s_len = 0 };
	PGresult *r;
	int rows;

	sql_add(&q, "SELECT raw, ts, producer, seq FROM events");
	sql_where(&q, f);
	sql_add(&q,
		f->f_desc ? " ORDER BY ts DESC, producer DESC, seq DESC LIMIT %lld"
			  : " ORDER BY ts, producer, seq LIMIT %lld",
		(long long)f->f_limit + 1);
	if (events == NULL || (r = run(c, &q, err)) == NULL) {
		json_decref(events);
		return (NULL);
	}
	rows = PQntuples(r);
	for (int i = 0; i < rows && i < f->f_limit; i++) {
		json_t *ev = json_loadb(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), 0, NULL);

		if (ev == NULL)
			ev = json_pack("{s:s}", "error", "unreadable stored event");
		json_array_append_new(events, ev);
	}
	if (rows > f->f_limit) {
		char cursor[80];
		int last = (int)f->f_limit - 1;

		snprintf(cursor, sizeof(cursor), "%s:%s:%s", PQgetvalue(r, last, 1),
			PQgetvalue(r, last, 2), PQgetvalue(r, last, 3));
		next = json_string(cursor);
	}
	PQclear(r);
	if ((a = json_pack("{s:o, s:o}", "events", events, "next", next)) == NULL)
		snprintf(err, ERRLEN, "out of memory");
	return (a);
}

json_t *
store_pgq_count(PGconn *c, const struct store_filter *f, char *err)
{
	struct sql q = { .s_len = 0 };
	PGresult *r;
	json_t *a;

	sql_add(&q, "SELECT count(*) FROM events");
	sql_where(&q, f);
	if ((r = run(c, &q, err)) == NULL)
		return (NULL);
	a = json_pack("{s:I}", "count", (json_int_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10));
	PQclear(r);
	return (a);
}

static json_t *
column_list(PGconn *c, const char *sql, char *err)
{
	struct sql q = { .s_len = 0 };
	json_t *list = json_array();
	PGresult *r;

	sql_add(&q, "%s", sql);
	if (list == NULL || (r = run(c, &q, err)) == NULL) {
		json_decref(list);
		return (NULL);
	}
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(list, json_string(PQgetvalue(r, i, 0)));
	PQclear(r);
	return (list);
}

/* Each type (and site) present by a recursive walk of its index: a seek per value, not a scan. */
#define DISTINCT_SQL(col)                                                                          \
	"WITH RECURSIVE t(v) AS (SELECT min(" col ") FROM events UNION ALL "                       \
	"SELECT (SELECT min(" col ") FROM events WHERE " col " > t.v) FROM t "                     \
	"WHERE t.v IS NOT NULL) SELECT v FROM t WHERE v IS NOT NULL"

json_t *
store_pgq_types(PGconn *c, char *err)
{
	json_t *types, *sites;

	if ((types = column_list(c, DISTINCT_SQL("event_type"), err)) == NULL)
		return (NULL);
	if ((sites = column_list(c, DISTINCT_SQL("site"), err)) == NULL) {
		json_decref(types);
		return (NULL);
	}
	return (json_pack("{s:o, s:[s], s:o}", "types", types, "tables", "flow", "sites", sites));
}

json_t *
store_pgq_stats(PGconn *c, char *err)
{
	struct sql q = { .s_len = 0 };
	json_t *a, *per, *sites;
	json_int_t total = 0;
	char path[300];
	PGresult *r;

	sql_add(&q, "SELECT pg_database_size(current_database()), "
		    "(SELECT version FROM mamori_schema)");
	if ((r = run(c, &q, err)) == NULL)
		return (NULL);
	snprintf(path, sizeof(path), "postgresql://%s:%s/%s", PQhost(c), PQport(c), PQdb(c));
	a = json_pack("{s:{s:s, s:s, s:s, s:i, s:I}}", "db", "path", path, "backend", "postgresql",
		"database", PQdb(c), "schema_version", atoi(PQgetvalue(r, 0, 1)), "file_bytes",
		(json_int_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10));
	PQclear(r);
	q.s_len = 0;
	sql_add(&q, "SELECT event_type, count(*) FROM events GROUP BY event_type");
	if (a == NULL || (per = json_object()) == NULL || json_object_set_new(a, "types", per) ||
		(r = run(c, &q, err)) == NULL) {
		json_decref(a);
		return (NULL);
	}
	for (int i = 0; i < PQntuples(r); i++) {
		json_int_t n = strtoll(PQgetvalue(r, i, 1), NULL, 10);

		total += n;
		json_object_set_new(per, PQgetvalue(r, i, 0), json_integer(n));
	}
	PQclear(r);
	json_object_set_new(a, "rows", json_integer(total));
	q.s_len = 0;
	sql_add(&q, "SELECT site, count(*) FROM events GROUP BY site");
	if ((sites = json_object()) == NULL || json_object_set_new(a, "sites", sites) ||
		(r = run(c, &q, err)) == NULL) {
		json_decref(a);
		return (NULL);
	}
	for (int i = 0; i < PQntuples(r); i++)
		json_object_set_new(sites, PQgetvalue(r, i, 0),
			json_integer(strtoll(PQgetvalue(r, i, 1), NULL, 10)));
	PQclear(r);
	return (a);
}

PGconn *
store_pgq_connect(const char *conninfo, unsigned timeout_ms, char *err)
{
	PGconn *c = PQconnectdb(conninfo);
	char set[128];
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, ERRLEN, "PostgreSQL: %s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(c);
		return (NULL);
	}
	snprintf(set, sizeof(set),
		"SET default_transaction_read_only = on; SET statement_timeout = %u", timeout_ms);
	r = PQexec(c, set);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, ERRLEN, "PostgreSQL: %s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		PQfinish(c);
		return (NULL);
	}
	PQclear(r);
	return (c);
}
