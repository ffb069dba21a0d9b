/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests are checked member by member (an unknown member is an error, so a
 * typo does not silently widen a query), turned into one SQL statement with
 * every value bound, and answered with the stored EVE objects.
 *
 * Paging is by a cursor over (ts, producer, seq), the order of the ts index:
 * a page asks for limit + 1 rows, and when the extra row exists the last
 * returned row's key is the "next" cursor.  Cursors stay valid while rows are
 * added or deleted, unlike offsets.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mamori/netaddr.h>

#include "store_filter.h"
#include "store_query.h"
#include "store_schema.h"
#include "store_time.h"

#define ERRLEN STORE_FILTER_ERRLEN
/* SQLite VM instructions between checks of the query deadline. */
#define PROGRESS_OPS 10000

struct store_query {
	struct store_db *q_db; /* SQLite, or */
	PGconn *q_pg;          /* PostgreSQL (the central store) */
	char *q_pg_conninfo;
	struct store_query_conf q_conf;
	int64_t q_deadline; /* ns; a running statement past it is stopped */
	atomic_bool q_stop; /* shutting down: stop whatever runs */
};

enum op {
	OP_QUERY = 1 << 0,
	OP_COUNT = 1 << 1,
	OP_STATS = 1 << 2,
	OP_TYPES = 1 << 3,
};

static int
progress(void *arg)
{
	struct store_query *q = arg;

	return (atomic_load(&q->q_stop) || store_time_now() > q->q_deadline);
}

struct store_query *
store_query_open(const struct store_query_conf *conf, char *err, size_t errlen)
{
	struct store_query *q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "query: out of memory");
		return (NULL);
	}
	q->q_conf = *conf;
	if (conf->qc_pg_conninfo != NULL) {
		if ((q->q_pg_conninfo = strdup(conf->qc_pg_conninfo)) == NULL) {
			snprintf(err, errlen, "query: out of memory");
			free(q);
			return (NULL);
		}
		/* Connected at the first request, and again after a failure. */
		return (q);
	}
	if ((q->q_db = store_db_open(conf->qc_db_path, STORE_DB_READER, err, errlen)) == NULL) {
		free(q);
		return (NULL);
	}
	sqlite3_progress_handler(store_db_conn(q->q_db), PROGRESS_OPS, progress, q);
	return (q);
}

void
store_query_close(struct store_query *q)
{
	if (q == NULL)
		return;
	store_db_close(q->q_db);
	if (q->q_pg != NULL)
		PQfinish(q->q_pg);
	free(q->q_pg_conninfo);
	free(q);
}

void
store_query_interrupt(struct store_query *q)
{
	/* sqlite3_interrupt() alone would miss a statement about to start. */
	atomic_store(&q->q_stop, true);
	if (q->q_db != NULL)
		sqlite3_interrupt(store_db_conn(q->q_db));
}

static char *
answer_error(const char *msg)
{
	json_t *a = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	char *s;

	/* A reason quoting the request may have cut a UTF-8 sequence in two. */
	if (a == NULL)
		a = json_pack("{s:b, s:s}", "ok", 0, "error", "request refused");
	if (a == NULL)
		return (NULL);
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return (s);
}

/* {"ok": true} followed by the members of a (whose reference it takes). */
static char *
answer_ok(json_t *a)
{
	json_t *o = json_pack("{s:b}", "ok", 1);
	char *s = NULL;

	if (o != NULL && a != NULL && json_object_update(o, a) == 0)
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	json_decref(a);
	return (s);
}

/* since/until: Unix ns, or an RFC 3339 time. */
static int
parse_time(json_t *v, const char *key, int64_t *out, char *err)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
		return (0);
	}
	if (json_is_string(v) &&
		store_time_parse(json_string_value(v), json_string_length(v), out) == 0)
		return (0);
	snprintf(err, ERRLEN,
		"\"%s\": expected Unix nanoseconds or an RFC 3339 time such as "
		"\"2024-02-13T14:34:38Z\"",
		key);
	return (-EINVAL);
}

static int
parse_prefix(json_t *v, struct store_filter *f, char *err)
{
	struct mm_prefix p;

	if (!json_is_string(v) || mm_prefix_parse(json_string_value(v), &p) != 0) {
		snprintf(err, ERRLEN,
			"\"ip\": expected an address or prefix such as \"10.0.0.0/8\" or "
			"\"2001:db8::/32\"");
		return (-EINVAL);
	}
	memcpy(f->f_lo, p.p_addr.a_bytes, 16);
	memcpy(f->f_hi, p.p_addr.a_bytes, 16);
	for (unsigned bit = p.p_len; bit < 128; bit++)
		f->f_hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	f->f_has_ip = true;
	return (0);
}

static int
parse_cursor(json_t *v, struct store_filter *f, char *err)
{
	const char *s = json_string_value(v);
	long long a, b, c;
	int end = 0;

	if (s == NULL || sscanf(s, "%lld:%lld:%lld%n", &a, &b, &c, &end) != 3 ||
		(size_t)end != strlen(s)) {
		snprintf(err, ERRLEN, "\"after\": expected a cursor as returned in \"next\"");
		return (-EINVAL);
	}
	f->f_after[0] = a;
	f->f_after[1] = b;
	f->f_after[2] = c;
	f->f_has_after = true;
	return (0);
}

static int
parse_string(json_t *v, const char *key, const char **out, char *err)
{
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(err, ERRLEN, "\"%s\": expected a non-empty string", key);
		return (-EINVAL);
	}
	*out = json_string_value(v);
	return (0);
}

/* Reads the members of a request into f; every member must be known for op. */
static int
parse_request(json_t *req, enum op op, struct store_filter *f, char *err)
{
	const unsigned filters = OP_QUERY | OP_COUNT;
	const char *key;
	json_t *v;

	memset(f, 0, sizeof(*f));
	f->f_limit = STORE_QUERY_LIMIT_DEFAULT;
	json_object_foreach(req, key, v)
	{
		unsigned allowed = 0;
		int rv = 0;

		if (strcmp(key, "op") == 0)
			continue;
		if (strcmp(key, "type") == 0) {
			allowed = filters;
			rv = parse_string(v, key, &f->f_type, err);
		} else if (strcmp(key, "since") == 0) {
			allowed = filters;
			rv = parse_time(v, key, &f->f_since, err);
			f->f_has_since = true;
		} else if (strcmp(key, "until") == 0) {
			allowed = filters;
			rv = parse_time(v, key, &f->f_until, err);
			f->f_has_until = true;
		} else if (strcmp(key, "ip") == 0) {
			allowed = filters;
			rv = parse_prefix(v, f, err);
		} else if (strcmp(key, "text") == 0) {
			allowed = filters;
			rv = parse_string(v, key, &f->f_text, err);
		} else if (strcmp(key, "plugin") == 0) {
			allowed = filters;
			rv = parse_string(v, key, &f->f_plugin, err);
		} else if (strcmp(key, "exercise") == 0) {
			allowed = filters;
			rv = parse_string(v, key, &f->f_exercise, err);
		} else if (strcmp(key, "site") == 0) {
			allowed = filters;
			rv = parse_string(v, key, &f->f_site, err);
		} else if (strcmp(key, "producer") == 0) {
			allowed = filters;
			if (!json_is_integer(v)) {
				snprintf(err, ERRLEN, "\"producer\": expected an integer");
				rv = -EINVAL;
			}
			f->f_producer = json_integer_value(v);
			f->f_has_producer = true;
		} else if (strcmp(key, "limit") == 0) {
			allowed = OP_QUERY;
			f->f_limit = json_is_integer(v) ? json_integer_value(v) : 0;
			if (f->f_limit < 1 || f->f_limit > STORE_QUERY_LIMIT_MAX) {
				snprintf(err, ERRLEN, "\"limit\": expected an integer from 1 to %d",
					STORE_QUERY_LIMIT_MAX);
				rv = -EINVAL;
			}
		} else if (strcmp(key, "after") == 0) {
			allowed = OP_QUERY;
			if (!json_is_null(v))
				rv = parse_cursor(v, f, err);
		} else if (strcmp(key, "order") == 0) {
			const char *o = json_string_value(v);

			allowed = OP_QUERY;
			if (o == NULL || (strcmp(o, "asc") != 0 && strcmp(o, "desc") != 0)) {
				snprintf(err, ERRLEN, "\"order\": expected \"asc\" or \"desc\"");
				rv = -EINVAL;
			}
			f->f_desc = o != NULL && strcmp(o, "desc") == 0;
		}
		if (!(allowed & op)) {
			snprintf(err, ERRLEN, "unknown member \"%.64s\" for this op", key);
			return (-EINVAL);
		}
		if (rv < 0)
			return (rv);
	}
	return (0);
}

/*
 * How an address filter is answered.  Through events_addr (store_addr.h),
 * "by blocks": in each of its id blocks, from the lowest to the highest, the
 * rows whose range of addresses meets the filter's, and the ids
 * mm_addr_ids() picks out of them; with the rows of the ids past its bound
 * (the newest, under 8192), read from events.  NOT INDEXED keeps SQLite to
 * that plan: left to itself it reads the whole table in ts order for a page
 * of a rare address.  That order is the better plan when the address is
 * frequent (a busy host, or a /8: its page is among the first rows read,
 * where the blocks fetch and sort every match), and a narrow window is best
 * read whole (a busy host's /24 in the last minute: 15 ms, against 230 ms by
 * blocks at 10 million rows).  So both are tried first, with a budget of rows
 * read (page(), count_window()), and the blocks answer when it runs out.
 */

/* Appends "SELECT what FROM events", after the list of id blocks when they are probed. */
static void
sql_select(sqlite3_str *sql, bool blocks, const char *what)
{
	if (blocks)
		sqlite3_str_appendall(sql, "WITH RECURSIVE addr_block(b) AS ("
					   "SELECT min(blk) FROM events_addr UNION ALL "
					   "SELECT b + 1 FROM addr_block "
					   "WHERE b < (SELECT max(blk) FROM events_addr)) ");
	sqlite3_str_appendf(sql, "SELECT %s FROM events%s", what, blocks ? " NOT INDEXED" : "");
}

/*
 * Appends the WHERE clause for f with numbered parameters ?1, ?2, ...;
 * bind_filter() binds them in the same order.  blocks: the address is
 * looked up by blocks, else checked on each row read.
 */
static void
sql_where(sqlite3_str *sql, const struct store_filter *f, bool blocks)
{
	const char *and = " WHERE ";
	int i = 1;

#define COND(...)                                                                                  \
	do {                                                                                       \
		sqlite3_str_appendall(sql, and);                                                   \
		sqlite3_str_appendf(sql, __VA_ARGS__);                                             \
		and = " AND ";                                                                     \
	} while (0)
	if (f->f_type != NULL)
		COND("event_type = ?%d", i++);
	/* What lets SQLite take the partial type index (store_schema.h). */
	if (f->f_type != NULL && strcmp(f->f_type, STORE_TYPE_UNINDEXED) != 0)
		COND("event_type <> '" STORE_TYPE_UNINDEXED "'");
	if (f->f_has_since)
		COND("ts >= ?%d", i++);
	if (f->f_has_until)
		COND("ts < ?%d", i++);
	/*
	 * Through the blocks: rowid lookups and a rowid range, which SQLite
	 * answers one after the other.  Every row's own address is checked as
	 * well: an entry of events_addr outlives a row that retention deleted, and
	 * its id may be given again.
	 */
	if (blocks)
		COND("(id IN (SELECT j.value FROM addr_block AS k JOIN events_addr AS a "
		     "ON a.blk = k.b AND a.last_addr >= ?%d AND a.first_addr <= ?%d, "
		     "json_each(mm_addr_ids(a.blk, a.entries, ?%d, ?%d)) AS j) "
		     "OR id >= (SELECT indexed_below FROM events_addr_state))",
			i, i + 1, i, i + 1);
	if (f->f_has_ip) {
		COND("(src_addr BETWEEN ?%d AND ?%d OR dest_addr BETWEEN ?%d AND ?%d)", i, i + 1, i,
			i + 1);
		i += 2;
	}
	if (f->f_text != NULL)
		COND("instr(raw, ?%d) > 0", i++);
	if (f->f_plugin != NULL)
		COND("plugin = ?%d", i++);
	if (f->f_exercise != NULL)
		COND("exercise = ?%d", i++);
	if (f->f_has_producer)
		COND("producer = ?%d", i++);
	if (f->f_has_after) {
		COND("(ts, producer, seq) %s (?%d, ?%d, ?%d)", f->f_desc ? "<" : ">", i, i + 1,
			i + 2);
		i += 3;
	}
#undef COND
}

static void
bind_filter(sqlite3_stmt *st, const struct store_filter *f)
{
	int i = 1;

	if (f->f_type != NULL)
		sqlite3_bind_text(st, i++, f->f_type, -1, SQLITE_STATIC);
	if (f->f_has_since)
		sqlite3_bind_int64(st, i++, f->f_since);
	if (f->f_has_until)
		sqlite3_bind_int64(st, i++, f->f_until);
	if (f->f_has_ip) {
		sqlite3_bind_blob(st, i++, f->f_lo, 16, SQLITE_STATIC);
		sqlite3_bind_blob(st, i++, f->f_hi, 16, SQLITE_STATIC);
	}
	if (f->f_text != NULL)
		sqlite3_bind_text(st, i++, f->f_text, -1, SQLITE_STATIC);
	if (f->f_plugin != NULL)
		sqlite3_bind_text(st, i++, f->f_plugin, -1, SQLITE_STATIC);
	if (f->f_exercise != NULL)
		sqlite3_bind_text(st, i++, f->f_exercise, -1, SQLITE_STATIC);
	if (f->f_has_producer)
		sqlite3_bind_int64(st, i++, f->f_producer);
	if (f->f_has_after)
		for (int k = 0; k < 3; k++)
			sqlite3_bind_int64(st, i++, f->f_after[k]);
}

/* Prepares the statement sql holds (and frees sql). */
static sqlite3_stmt *
prepare(struct store_query *q, sqlite3_str *sql, char *err)
{
	sqlite3 *conn = store_db_conn(q->q_db);
	sqlite3_stmt *st = NULL;
	char *text = sqlite3_str_finish(sql);

	if (text == NULL) {
		snprintf(err, ERRLEN, "out of memory");
		return (NULL);
	}
	if (sqlite3_prepare_v2(conn, text, -1, &st, NULL) != SQLITE_OK)
		snprintf(err, ERRLEN, "cannot prepare the query: %s", sqlite3_errmsg(conn));
	sqlite3_free(text);
	return (st);
}

static void
step_error(struct store_query *q, int rc, char *err)
{
	if (rc == SQLITE_INTERRUPT)
		snprintf(err, ERRLEN,
			"the query ran past %d ms and was stopped: narrow it (type, since, until, "
			"ip)",
			STORE_QUERY_TIME_MS);
	else
		snprintf(err, ERRLEN, "query failed: %s", sqlite3_errmsg(store_db_conn(q->q_db)));
}

/*
 * Rows an address query reads in its page's order before it takes the
 * blocks: 20 to 40 ms here.  A page among them is found at once (a host of
 * 1% of the events fills a page of 100 in about 10,000 rows); an address that
 * is not costs these rows more than the blocks alone.
 */
#define SCAN_PAGE_ROWS 20000
/* Rows of a time window an address count reads whole rather than by blocks. */
#define SCAN_COUNT_ROWS 100000

/*
 * A scan reads rows by the filters an index serves (type, time, cursor) and
 * checks the others here, so that its budget counts the rows it reads; in
 * SQL, a rare text or plugin would have SQLite read the whole window for
 * the budget's worth of matches.  The columns it reads:
 */
#define SCAN_COLUMNS "raw, ts, producer, seq, src_addr, dest_addr, plugin, exercise"
enum { COL_RAW, COL_TS, COL_PRODUCER, COL_SEQ, COL_SRC, COL_DEST, COL_PLUGIN, COL_EXERCISE };

static struct store_filter
scan_filter(const struct store_filter *f)
{
	struct store_filter g = *f;

	g.f_has_ip = false;
	g.f_text = g.f_plugin = g.f_exercise = NULL;
	g.f_has_producer = false;
	return (g);
}

static bool
addr_in(sqlite3_stmt *st, int col, const struct store_filter *f)
{
	const void *a = sqlite3_column_blob(st, col);

	return (a != NULL && sqlite3_column_bytes(st, col) == 16 && memcmp(a, f->f_lo, 16) >= 0 &&
		memcmp(a, f->f_hi, 16) <= 0);
}

static bool
text_is(sqlite3_stmt *st, int col, const char *want)
{
	const char *v = (const char *)sqlite3_column_text(st, col);

	return (v != NULL && strcmp(v, want) == 0);
}

/* The filters scan_filter() left out, on a row of SCAN_COLUMNS. */
static bool
scan_match(sqlite3_stmt *st, const struct store_filter *f)
{
	if (!addr_in(st, COL_SRC, f) && !addr_in(st, COL_DEST, f))
		return (false);
	if (f->f_has_producer && sqlite3_column_int64(st, COL_PRODUCER) != f->f_producer)
		return (false);
	if (f->f_plugin != NULL && !text_is(st, COL_PLUGIN, f->f_plugin))
		return (false);
	if (f->f_exercise != NULL && !text_is(st, COL_EXERCISE, f->f_exercise))
		return (false);
	if (f->f_text != NULL) {
		const void *raw = sqlite3_column_text(st, COL_RAW);

		if (raw == NULL || memmem(raw, (size_t)sqlite3_column_bytes(st, COL_RAW), f->f_text,
					   strlen(f->f_text)) == NULL)
			return (false);
	}
	return (true);
}

/*
 * A page of events.  With scan, at most SCAN_PAGE_ROWS rows in the page's
 * order are read and checked by scan_match(): *complete says whether that
 * was enough to know the page (if not, the answer is NULL with no error).
 * Without, an address is looked up by blocks.
 */
static json_t *
page(struct store_query *q, const struct store_filter *f, bool scan, bool *complete, char *err)
{
	sqlite3_str *sql = sqlite3_str_new(store_db_conn(q->q_db));
	json_t *a = NULL, *events = NULL, *next = json_null();
	int64_t n = 0, read = 0, key[3] = { 0, 0, 0 };
	struct store_filter g = scan ? scan_filter(f) : *f;
	sqlite3_stmt *st;
	int rc;

	*complete = true;
	sql_select(sql, !scan && f->f_has_ip, SCAN_COLUMNS);
	sql_where(sql, &g, !scan && f->f_has_ip);
	sqlite3_str_appendf(sql,
		f->f_desc ? " ORDER BY ts DESC, producer DESC, seq DESC LIMIT %lld"
			  : " ORDER BY ts, producer, seq LIMIT %lld",
		scan ? SCAN_PAGE_ROWS : (long long)f->f_limit + 1);
	if ((st = prepare(q, sql, err)) == NULL)
		return (NULL);
	bind_filter(st, &g);
	if ((events = json_array()) == NULL)
		goto nomem;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *raw;
		json_t *ev;

		read++;
		if (scan && !scan_match(st, f))
			continue;
		if (n == f->f_limit) {
			char cursor[80];

			/* The extra row says there is more; the cursor is the last row returned. */
			snprintf(cursor, sizeof(cursor), "%" PRId64 ":%" PRId64 ":%" PRId64, key[0],
				key[1], key[2]);
			next = json_string(cursor);
			break;
		}
		/* Stored rows were checked on the way in; a damaged one is still not passed on. */
		raw = (const char *)sqlite3_column_text(st, COL_RAW);
		ev = raw != NULL
			     ? json_loadb(raw, (size_t)sqlite3_column_bytes(st, COL_RAW), 0, NULL)
			     : NULL;
		if (ev == NULL)
			ev = json_pack("{s:s}", "error", "unreadable stored event");
		if (json_array_append_new(events, ev) != 0)
			goto nomem;
		/* Remember the key: it becomes the cursor if a next row exists. */
		for (int k = 0; k < 3; k++)
			key[k] = sqlite3_column_int64(st, COL_TS + k);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		step_error(q, rc, err);
		goto fail;
	}
	sqlite3_finalize(st);
	/* Every row of the order read, or the page and the row after it found. */
	if (scan && rc == SQLITE_DONE && read == SCAN_PAGE_ROWS) {
		*complete = false;
		json_decref(events);
		return (NULL);
	}
	a = json_object();
	if (a == NULL || json_object_set_new(a, "events", events) != 0 ||
		json_object_set_new(a, "next", next) != 0) {
		json_decref(a);
		snprintf(err, ERRLEN, "out of memory");
		return (NULL);
	}
	return (a);
nomem:
	snprintf(err, ERRLEN, "out of memory");
fail:
	sqlite3_finalize(st);
	json_decref(events);
	json_decref(next);
	return (NULL);
}

static json_t *
do_query(struct store_query *q, const struct store_filter *f, char *err)
{
	bool complete;
	json_t *a;

	if (f->f_has_ip && ((a = page(q, f, true, &complete, err)) != NULL || complete))
		return (a);
	return (page(q, f, false, &complete, err));
}

/*
 * Counts an address's events in a time window by reading the window, when
 * it has at most SCAN_COUNT_ROWS rows: *complete says whether it had.
 */
static int64_t
count_window(struct store_query *q, const struct store_filter *f, bool *complete, char *err)
{
	sqlite3_str *sql = sqlite3_str_new(store_db_conn(q->q_db));
	struct store_filter g = scan_filter(f);
	int64_t read = 0, n = 0;
	sqlite3_stmt *st;
	int rc;

	sql_select(sql, false, SCAN_COLUMNS);
	sql_where(sql, &g, false);
	sqlite3_str_appendf(sql, " LIMIT %d", SCAN_COUNT_ROWS + 1);
	if ((st = prepare(q, sql, err)) == NULL)
		return (-1);
	bind_filter(st, &g);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ++read <= SCAN_COUNT_ROWS)
		n += scan_match(st, f);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		step_error(q, rc, err);
		n = -1;
	}
	sqlite3_finalize(st);
	*complete = read <= SCAN_COUNT_ROWS;
	return (n);
}

static json_t *
do_count(struct store_query *q, const struct store_filter *f, char *err)
{
	sqlite3_str *sql;
	sqlite3_stmt *st;
	bool complete = false;
	int64_t n = -1;
	int rc;

	if (f->f_has_ip && (f->f_has_since || f->f_has_until)) {
		n = count_window(q, f, &complete, err);
		if (n < 0)
			return (NULL);
	}
	if (!complete) {
		sql = sqlite3_str_new(store_db_conn(q->q_db));
		sql_select(sql, f->f_has_ip, "count(*)");
		sql_where(sql, f, f->f_has_ip);
		if ((st = prepare(q, sql, err)) == NULL)
			return (NULL);
		bind_filter(st, f);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		else
			step_error(q, rc, err);
		sqlite3_finalize(st);
		if (n < 0)
			return (NULL);
	}
	return (json_pack("{s:I}", "count", (json_int_t)n));
}

/* Runs a statement that returns one integer. */
static int
one_int(struct store_query *q, const char *sql, int64_t *out, char *err)
{
	sqlite3 *conn = store_db_conn(q->q_db);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, ERRLEN, "cannot prepare: %s", sqlite3_errmsg(conn));
		return (-EIO);
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		step_error(q, rc, err);
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 0 : -EIO);
}

/*
 * Appends each event type present, in order: an index seek per type, not a
 * scan, and one probe for the type the index leaves out.
 */
static int
each_type(struct store_query *q, json_t *out, char *err)
{
	sqlite3 *conn = store_db_conn(q->q_db);
	sqlite3_stmt *st;
	char last[STORE_TYPE_MAX + 1] = "";
	int64_t unindexed;
	int rc;

	/* Events of that type are the bulk of a table: a scan of events_ts meets one at once. */
	if (one_int(q,
		    "SELECT EXISTS (SELECT 1 FROM events WHERE event_type = "
		    "'" STORE_TYPE_UNINDEXED "')",
		    &unindexed, err) < 0)
		return (-EIO);
	if (sqlite3_prepare_v2(conn,
		    "SELECT min(event_type) FROM events WHERE event_type > ? AND "
		    "event_type <> '" STORE_TYPE_UNINDEXED "'",
		    -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, ERRLEN, "cannot prepare: %s", sqlite3_errmsg(conn));
		return (-EIO);
	}
	for (;;) {
		const char *t;

		sqlite3_bind_text(st, 1, last, -1, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			step_error(q, rc, err);
			sqlite3_finalize(st);
			return (-EIO);
		}
		t = (const char *)sqlite3_column_text(st, 0);
		if (unindexed && (t == NULL || strcmp(t, STORE_TYPE_UNINDEXED) > 0)) {
			if (json_array_append_new(out, json_string(STORE_TYPE_UNINDEXED)) != 0)
				goto nomem;
			unindexed = 0;
		}
		if (t == NULL)
			break;
		snprintf(last, sizeof(last), "%s", t);
		if (json_array_append_new(out, json_string(last)) != 0)
			goto nomem;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return (0);
nomem:
	snprintf(err, ERRLEN, "out of memory");
	sqlite3_finalize(st);
	return (-ENOMEM);
}

static json_t *
do_types(struct store_query *q, char *err)
{
	json_t *types = json_array(), *a;

	if (types == NULL || each_type(q, types, err) < 0) {
		json_decref(types);
		return (NULL);
	}
	/* The types with a table of their own (schema.c). */
	a = json_pack("{s:o, s:[s]}", "types", types, "tables", "flow");
	if (a == NULL)
		snprintf(err, ERRLEN, "out of memory");
	return (a);
}

/*
 * The rows of each type, in order: the type index counts all but the type it
 * leaves out, which events_ts counts on its own.
 */
static int
stats_rows(struct store_query *q, json_t *a, char *err)
{
	sqlite3 *conn = store_db_conn(q->q_db);
	json_t *per = json_object();
	sqlite3_stmt *st;
	int64_t unindexed, total;
	int rc;

	if (per == NULL || json_object_set_new(a, "types", per) != 0)
		return (-ENOMEM);
	if (one_int(q, "SELECT count(*) FROM events WHERE event_type = '" STORE_TYPE_UNINDEXED "'",
		    &unindexed, err) < 0)
		return (-EIO);
	if (sqlite3_prepare_v2(conn,
		    "SELECT event_type, count(*) FROM events WHERE event_type <> "
		    "'" STORE_TYPE_UNINDEXED "' GROUP BY event_type",
		    -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, ERRLEN, "cannot prepare: %s", sqlite3_errmsg(conn));
		return (-EIO);
	}
	total = unindexed;
	do {
		const char *t = NULL;

		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			t = (const char *)sqlite3_column_text(st, 0);
		if (unindexed > 0 && (t == NULL || strcmp(t, STORE_TYPE_UNINDEXED) > 0)) {
			json_object_set_new(per, STORE_TYPE_UNINDEXED, json_integer(unindexed));
			unindexed = 0;
		}
		if (t != NULL) {
			total += sqlite3_column_int64(st, 1);
			json_object_set_new(per, t, json_integer(sqlite3_column_int64(st, 1)));
		}
	} while (rc == SQLITE_ROW);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		step_error(q, rc, err);
		return (-EIO);
	}
	return (json_object_set_new(a, "rows", json_integer(total)) == 0 ? 0 : -ENOMEM);
}

static json_t *
do_stats(struct store_query *q, char *err)
{
	const struct store_retention *rt = q->q_conf.qc_retention;
	uint64_t used = 0, file = 0, wal = 0;
	json_t *a, *ingest;
	struct stat sb;
	char *walpath;

	if (store_db_size(q->q_db, &used, &file) < 0) {
		snprintf(err, ERRLEN, "cannot read the database size");
		return (NULL);
	}
	if (asprintf(&walpath, "%s-wal", store_db_path(q->q_db)) >= 0) {
		if (stat(walpath, &sb) == 0)
			wal = (uint64_t)sb.st_size;
		free(walpath);
	}
	a = json_pack("{s:{s:s, s:i, s:I, s:I, s:I}, s:{s:I, s:I}}", "db", "path",
		store_db_path(q->q_db), "schema_version", store_schema_latest(), "file_bytes",
		(json_int_t)file, "used_bytes", (json_int_t)used, "wal_bytes", (json_int_t)wal,
		"retention", "days",
		(json_int_t)(rt != NULL ? rt->rt_max_age_ns / 86400000000000LL : 0), "max_size_mb",
		(json_int_t)(rt != NULL ? rt->rt_max_bytes >> 20 : 0));
	if (a == NULL || (ingest = json_object()) == NULL ||
		json_object_set_new(a, "ingest", ingest) != 0) {
		json_decref(a);
		snprintf(err, ERRLEN, "out of memory");
		return (NULL);
	}
	if (q->q_conf.qc_stats != NULL)
		q->q_conf.qc_stats(q->q_conf.qc_stats_arg, ingest);
	if (stats_rows(q, a, err) < 0) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

static int
parse_op(json_t *req, enum op *op, char *err)
{
	static const struct {
		const char *name;
		enum op op;
	} ops[] = {
		{ "query", OP_QUERY },
		{ "count", OP_COUNT },
		{ "stats", OP_STATS },
		{ "types", OP_TYPES },
	};
	const char *name = json_string_value(json_object_get(req, "op"));

	for (size_t i = 0; name != NULL && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(name, ops[i].name) == 0) {
			*op = ops[i].op;
			return (0);
		}
	}
	snprintf(err, ERRLEN, "\"op\": expected \"query\", \"count\", \"stats\" or \"types\"");
	return (-EINVAL);
}

static json_t *pg_answer_once(
	struct store_query *q, enum op op, const struct store_filter *f, char *err);

/*
 * The central store's answer: the database connected (again) when needed.  A
 * connection lost since the last request (a PostgreSQL restart or failover)
 * shows only when used: then the request is tried once more on a new one.
 */
static json_t *
pg_answer(struct store_query *q, enum op op, const struct store_filter *f, char *err)
{
	json_t *a;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (q->q_pg != NULL && PQstatus(q->q_pg) != CONNECTION_OK) {
			PQfinish(q->q_pg);
			q->q_pg = NULL;
		}
		if (q->q_pg == NULL && (q->q_pg = store_pgq_connect(q->q_pg_conninfo,
						STORE_QUERY_TIME_MS, err)) == NULL)
			return (NULL);
		if ((a = pg_answer_once(q, op, f, err)) != NULL ||
			PQstatus(q->q_pg) == CONNECTION_OK)
			return (a);
	}
	return (NULL);
}

static json_t *
pg_answer_once(struct store_query *q, enum op op, const struct store_filter *f, char *err)
{
	json_t *a = NULL, *ingest;

	switch (op) {
	case OP_QUERY:
		return (store_pgq_query(q->q_pg, f, err));
	case OP_COUNT:
		return (store_pgq_count(q->q_pg, f, err));
	case OP_TYPES:
		return (store_pgq_types(q->q_pg, err));
	case OP_STATS:
		if ((a = store_pgq_stats(q->q_pg, err)) == NULL)
			return (NULL);
		if ((ingest = json_object()) == NULL ||
			json_object_set_new(a, "ingest", ingest) != 0) {
			json_decref(a);
			snprintf(err, ERRLEN, "out of memory");
			return (NULL);
		}
		if (q->q_conf.qc_stats != NULL)
			q->q_conf.qc_stats(q->q_conf.qc_stats_arg, ingest);
		return (a);
	}
	return (NULL);
}

char *
store_query_answer(struct store_query *q, const void *req, size_t len)
{
	char err[ERRLEN] = "";
	struct store_filter f;
	json_error_t jerr;
	json_t *r, *a = NULL;
	enum op op;

	r = json_loadb(req, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r == NULL) {
		snprintf(err, sizeof(err), "request is not JSON: %s at byte %d", jerr.text,
			jerr.position);
		return (answer_error(err));
	}
	if (!json_is_object(r)) {
		json_decref(r);
		return (answer_error("request: expected a JSON object with an \"op\" member"));
	}
	if (parse_op(r, &op, err) < 0 || parse_request(r, op, &f, err) < 0) {
		json_decref(r);
		return (answer_error(err));
	}
	q->q_deadline = store_time_now() + (int64_t)STORE_QUERY_TIME_MS * 1000000;
	if (q->q_pg_conninfo != NULL) {
		a = pg_answer(q, op, &f, err);
		json_decref(r);
		return (a != NULL ? answer_ok(a)
				  : answer_error(err[0] != '\0' ? err : "out of memory"));
	}
	if (f.f_site != NULL) {
		json_decref(r);
		return (answer_error("\"site\": this is an appliance's own store, which keeps no "
				     "sites; ask the central store (store.backend: postgresql)"));
	}
	switch (op) {
	case OP_QUERY:
		a = do_query(q, &f, err);
		break;
	case OP_COUNT:
		a = do_count(q, &f, err);
		break;
	case OP_STATS:
		a = do_stats(q, err);
		break;
	case OP_TYPES:
		a = do_types(q, err);
		break;
	}
	json_decref(r);
	return (a != NULL ? answer_ok(a) : answer_error(err[0] != '\0' ? err : "out of memory"));
}
