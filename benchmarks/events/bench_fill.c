/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_events fill: grows a store database to a number of rows through the
 * store's own database layer (store_db_insert, the writer's code, with the
 * store's checkpointer), without the exporter, nng or the store process.
 * A second thread builds the events as the ingest driver does by default
 * (gen_event_text: the text the exporter sends) and parses them into rows as the
 * store's ingest does (store_row_parse), so that the writer, here the main
 * thread, never waits for text.  The store must not be running.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_events.h"
#include "bench_gen.h"
#include "store_ckpt.h"
#include "store_db.h"

#define SLOTS     3
#define EVENT_MAX 4096
/* The fill's producer: the ingest runs use 1. */
#define FILL_PRODUCER 2
#define PROGRESS_ROWS 1000000

struct slot {
	char *s_text;
	size_t s_cap;
	size_t *s_off;
	uint32_t *s_len;
	struct store_row *s_rows;
	struct store_arena s_arena;
	uint32_t s_n;
	bool s_full;
};

struct fill {
	struct slot f_slot[SLOTS];
	uint32_t f_batch;
	uint64_t f_batches; /* to build */
	uint64_t f_rows;    /* to insert */
	uint64_t f_first_seq;
	struct gen *f_gen;
	pthread_mutex_t f_lock;
	pthread_cond_t f_cond;
	bool f_failed;
	uint64_t f_build_ns; /* the builder thread's CPU */
};

/* Builds and parses one batch of n events into a slot; 0 or -errno. */
static int
build_slot(struct fill *f, struct slot *s, uint32_t n, int64_t first_seq)
{
	size_t at = 0;
	char why[256];

	for (uint32_t i = 0; i < n; i++) {
		struct mm_flow_rec r;
		int len;

		if (s->s_cap - at < EVENT_MAX) {
			char *t = realloc(s->s_text, s->s_cap * 2);

			if (t == NULL)
				return (-ENOMEM);
			s->s_text = t;
			s->s_cap *= 2;
		}
		gen_flow(f->f_gen, &r);
		if ((len = gen_event_text(&r, s->s_text + at, EVENT_MAX)) < 0)
			return (-EMSGSIZE);
		s->s_off[i] = at;
		s->s_len[i] = (uint32_t)len;
		at += (size_t)len;
	}
	if (store_arena_reset(&s->s_arena, at) != 0)
		return (-ENOMEM);
	for (uint32_t i = 0; i < n; i++) {
		if (store_row_parse(&s->s_rows[i], s->s_text + s->s_off[i], s->s_len[i],
			    &s->s_arena, why, sizeof(why)) != 0) {
			fprintf(stderr, "events: fill: event refused: %s\n", why);
			return (-EBADMSG);
		}
		s->s_rows[i].r_seq = first_seq + i;
	}
	s->s_n = n;
	return (0);
}

static void *
builder(void *arg)
{
	struct fill *f = arg;
	uint64_t c0 = bench_thread_ns();

	for (uint64_t k = 0; k < f->f_batches; k++) {
		struct slot *s = &f->f_slot[k % SLOTS];
		uint64_t done = k * f->f_batch;
		uint32_t n =
			f->f_rows - done < f->f_batch ? (uint32_t)(f->f_rows - done) : f->f_batch;

		pthread_mutex_lock(&f->f_lock);
		while (s->s_full && !f->f_failed)
			pthread_cond_wait(&f->f_cond, &f->f_lock);
		pthread_mutex_unlock(&f->f_lock);
		if (f->f_failed)
			break;
		if (build_slot(f, s, n, (int64_t)(f->f_first_seq + done)) < 0) {
			pthread_mutex_lock(&f->f_lock);
			f->f_failed = true;
			pthread_cond_broadcast(&f->f_cond);
			pthread_mutex_unlock(&f->f_lock);
			break;
		}
		pthread_mutex_lock(&f->f_lock);
		s->s_full = true;
		pthread_cond_broadcast(&f->f_cond);
		pthread_mutex_unlock(&f->f_lock);
	}
	f->f_build_ns = bench_thread_ns() - c0;
	return (NULL);
}

static int
slots_alloc(struct fill *f)
{
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &f->f_slot[i];

		s->s_cap = (size_t)f->f_batch * 1024;
		s->s_text = malloc(s->s_cap);
		s->s_off = calloc(f->f_batch, sizeof(*s->s_off));
		s->s_len = calloc(f->f_batch, sizeof(*s->s_len));
		s->s_rows = calloc(f->f_batch, sizeof(*s->s_rows));
		if (s->s_text == NULL || s->s_off == NULL || s->s_len == NULL || s->s_rows == NULL)
			return (-ENOMEM);
	}
	return (0);
}

static void
slots_free(struct fill *f)
{
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &f->f_slot[i];

		free(s->s_text);
		free(s->s_off);
		free(s->s_len);
		free(s->s_rows);
		store_arena_fini(&s->s_arena);
	}
}

/* One integer from SQL; -1 on failure. */
static int64_t
sql_int(struct store_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(store_db_conn(db), sql, -1, &st, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (n);
}

/* The writer's loop: insert each batch as it is built, report every PROGRESS_ROWS. */
static int
insert_all(struct fill *f, struct store_db *db, struct store_ckpt *ck, uint64_t have)
{
	uint64_t done = 0, mark = 0, t_mark = bench_mono_ns(), c_mark = bench_thread_ns();
	char err[BENCH_ERRLEN], a[32];
	int rv;

	for (uint64_t k = 0; k < f->f_batches; k++) {
		struct slot *s = &f->f_slot[k % SLOTS];
		struct store_batch sb;

		pthread_mutex_lock(&f->f_lock);
		while (!s->s_full && !f->f_failed)
			pthread_cond_wait(&f->f_cond, &f->f_lock);
		pthread_mutex_unlock(&f->f_lock);
		if (!s->s_full)
			return (-EIO);
		sb = (struct store_batch){ FILL_PRODUCER, s->s_rows, s->s_n, 0 };
		store_ckpt_writer_begin(ck);
		rv = store_db_insert(db, &sb, 1, err, sizeof(err));
		store_ckpt_writer_end(ck);
		if (rv != 0) {
			fprintf(stderr, "events: fill: %s\n", err);
			return (-EIO);
		}
		if (sb.sb_inserted != s->s_n) {
			fprintf(stderr,
				"events: fill: %u of %u rows were new: is this database "
				"filled already?\n",
				sb.sb_inserted, s->s_n);
			return (-EEXIST);
		}
		done += s->s_n;
		pthread_mutex_lock(&f->f_lock);
		s->s_full = false;
		pthread_cond_broadcast(&f->f_cond);
		pthread_mutex_unlock(&f->f_lock);
		if (done - mark >= PROGRESS_ROWS || done == f->f_rows) {
			uint64_t t = bench_mono_ns(), c = bench_thread_ns();

			printf("events fill: %s rows (%.0f rows/s, writer CPU %.2f us a row)\n",
				bench_commas(have + done, a, sizeof(a)),
				(double)(done - mark) * 1e9 / (double)(t - t_mark),
				(double)(c - c_mark) / (double)(done - mark) / 1e3);
			fflush(stdout);
			mark = done;
			t_mark = t;
			c_mark = c;
		}
	}
	return (0);
}

int
bench_fill(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "rows", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	uint64_t rows = 10000000, from = 0, t0, c0;
	struct fill f;
	struct store_db *db;
	struct store_ckpt *ck;
	struct stat sb;
	pthread_t th;
	char err[BENCH_ERRLEN], sql[96], a[32], b[32];
	int64_t have, last;
	int ch, rv;

	memset(&f, 0, sizeof(f));
	f.f_batch = 10000;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			path = optarg;
			break;
		case 'r':
			rows = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			from = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			f.f_batch = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			path = NULL;
			break;
		}
	}
	if (path == NULL || f.f_batch == 0 || f.f_batch > 65536) {
		fprintf(stderr, "usage: bench_events fill --db PATH [--rows N] [--from EVENT] "
				"[--batch B]\n");
		return (2);
	}
	if ((db = store_db_open(path, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "events: fill: %s\n", err);
		return (1);
	}
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(seq), 0) FROM events WHERE producer = %d",
		FILL_PRODUCER);
	if ((have = sql_int(db, "SELECT count(*) FROM events")) < 0 ||
		(last = sql_int(db, sql)) < 0) {
		fprintf(stderr, "events: fill: %s: cannot read the rows there\n", path);
		store_db_close(db);
		return (1);
	}
	if ((ck = store_ckpt_start(db, err, sizeof(err))) == NULL) {
		fprintf(stderr, "events: fill: %s\n", err);
		store_db_close(db);
		return (1);
	}
	if ((uint64_t)have >= rows) {
		printf("events fill: the database has %s rows already\n",
			bench_commas((uint64_t)have, a, sizeof(a)));
		store_ckpt_stop(ck);
		store_db_close(db);
		return (0);
	}
	f.f_rows = rows - (uint64_t)have;
	f.f_batches = (f.f_rows + f.f_batch - 1) / f.f_batch;
	f.f_first_seq = (uint64_t)last + 1;
	pthread_mutex_init(&f.f_lock, NULL);
	pthread_cond_init(&f.f_cond, NULL);
	rv = -ENOMEM;
	if ((f.f_gen = malloc(sizeof(*f.f_gen))) == NULL || slots_alloc(&f) < 0)
		goto out;
	/* The same hosts as the ingest runs, other flows, and times continuing theirs. */
	gen_init(f.f_gen, BENCH_SEED, FILL_PRODUCER, BENCH_T0, BENCH_STEP);
	gen_seek(f.f_gen, from);
	printf("events fill: %s rows to add to %s (%s there) with store_db_insert, batches of "
	       "%u\n",
		bench_commas(f.f_rows, a, sizeof(a)), path,
		bench_commas((uint64_t)have, b, sizeof(b)), f.f_batch);
	fflush(stdout);
	t0 = bench_mono_ns();
	c0 = bench_thread_ns();
	if ((rv = pthread_create(&th, NULL, builder, &f)) != 0) {
		rv = -rv;
		goto out;
	}
	rv = insert_all(&f, db, ck, (uint64_t)have);
	if (rv < 0) {
		pthread_mutex_lock(&f.f_lock);
		f.f_failed = true;
		pthread_cond_broadcast(&f.f_cond);
		pthread_mutex_unlock(&f.f_lock);
	}
	pthread_join(th, NULL);
	if (rv == 0) {
		double secs = (double)(bench_mono_ns() - t0) / 1e9;

		printf("events fill: %s rows in %.1f s: %.0f rows/s; CPU per row: writer %.2f "
		       "us, building and parsing %.2f us\n",
			bench_commas(f.f_rows, a, sizeof(a)), secs, (double)f.f_rows / secs,
			(double)(bench_thread_ns() - c0) / (double)f.f_rows / 1e3,
			(double)f.f_build_ns / (double)f.f_rows / 1e3);
	}
out:
	store_ckpt_stop(ck);
	store_db_close(db);
	if (rv == 0 && stat(path, &sb) == 0)
		printf("events fill: database file %.2f GB\n", (double)sb.st_size / 1e9);
	slots_free(&f);
	free(f.f_gen);
	pthread_cond_destroy(&f.f_cond);
	pthread_mutex_destroy(&f.f_lock);
	return (rv == 0 ? 0 : 1);
}
