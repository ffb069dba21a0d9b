/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each context is a small state machine driven by its aio callback:
 *
 *	RECV --batch--> (decode, parse rows) --ok--> WAIT (queued for the writer)
 *	  ^                    |                          | commit, publish
 *	  |                 refused                       v
 *	  +------------------ SEND <----------- ack after COMMIT returned
 *
 * The CPU-heavy part, JSON parsing, runs on nng's threads in parallel; the
 * writer only binds and steps prepared statements.  The queue between them
 * is bounded by the number of contexts.  Why a writer thread rather than
 * SQLite calls under a mutex in the callbacks: a commit can wait for disk or
 * for the busy timeout, and nng's callback threads must not block that long.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <mamori/bus.h>
#include <mamori/log.h>

#include "store_ingest.h"
#include "store_time.h"

/* Refusals and failures are logged at most once in this interval, with a count. */
#define LOG_INTERVAL_NS (10LL * 1000000000LL)
#define WHY_LEN         256

enum ctx_state {
	CTX_RECV,
	CTX_WAIT,
	CTX_SEND,
};

struct ingest_ctx {
	struct store_ingest *c_ing;
	nng_ctx c_ctx;
	nng_aio *c_aio;
	enum ctx_state c_state;
	nng_msg *c_msg; /* the batch being stored; the rows point into it */
	struct mm_bus_batch c_batch;
	struct mm_bus_event *c_events; /* MM_BUS_MAX_EVENTS entries */
	struct store_row *c_rows;
	uint32_t c_rows_cap;
	struct store_arena c_arena;
	struct ingest_ctx *c_next; /* writer queue */
};

/* A log line at most every LOG_INTERVAL_NS per kind, saying how many it stands for. */
struct ratelog {
	pthread_mutex_t rl_lock;
	int64_t rl_last;
	uint64_t rl_quiet; /* events not logged since the last line */
};

struct store_ingest {
	struct store_ingest_conf i_conf;
	struct store_retention i_retention;
	struct ingest_ctx i_ctx[STORE_INGEST_CONTEXTS];
	pthread_t i_writer;
	bool i_writer_started;

	pthread_mutex_t i_lock; /* protects the queue and i_stopping */
	pthread_cond_t i_cond;
	struct ingest_ctx *i_head;
	struct ingest_ctx *i_tail;
	bool i_stopping;

	struct ratelog i_log_refused;
	struct ratelog i_log_failed;

	atomic_uint_fast64_t i_batches;    /* committed */
	atomic_uint_fast64_t i_events;     /* new rows */
	atomic_uint_fast64_t i_duplicates; /* rows already stored (resends) */
	atomic_uint_fast64_t i_rejected;   /* malformed batches, refused */
	atomic_uint_fast64_t i_failed;     /* batches that could not be committed */
	atomic_uint_fast64_t i_published;  /* live view messages */
	atomic_uint_fast64_t i_retained;   /* rows deleted by retention */
};

static void
ratelog(struct ratelog *rl, enum mm_log_level level, const char *what, const char *why)
{
	int64_t now = store_time_now();
	uint64_t quiet;

	pthread_mutex_lock(&rl->rl_lock);
	if (rl->rl_last != 0 && now - rl->rl_last < LOG_INTERVAL_NS) {
		rl->rl_quiet++;
		pthread_mutex_unlock(&rl->rl_lock);
		return;
	}
	quiet = rl->rl_quiet;
	rl->rl_quiet = 0;
	rl->rl_last = now;
	pthread_mutex_unlock(&rl->rl_lock);
	if (quiet > 0)
		mm_log(level, "%s: %s (and %llu more in the last %llds)", what, why,
			(unsigned long long)quiet, LOG_INTERVAL_NS / 1000000000LL);
	else
		mm_log(level, "%s: %s", what, why);
}

/* Sends the ack for the context's batch (or refusal); the context then receives again. */
static void
ctx_reply(struct ingest_ctx *c, uint64_t producer, uint64_t acked, int status, const char *why)
{
	uint8_t buf[MM_BUS_ACK_HDR + sizeof(((struct mm_bus_ack *)0)->ba_reason)];
	struct mm_bus_ack ack;
	nng_msg *m;
	size_t n;

	memset(&ack, 0, sizeof(ack));
	ack.ba_producer = producer;
	ack.ba_acked_seq = acked;
	ack.ba_status = (uint16_t)status;
	if (status != 0)
		snprintf(ack.ba_reason, sizeof(ack.ba_reason), "%s", why);
	if (c->c_msg != NULL) {
		nng_msg_free(c->c_msg);
		c->c_msg = NULL;
	}
	n = mm_bus_ack_encode(buf, sizeof(buf), &ack);
	if (n == 0 || nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, buf, n) != 0) {
		/* No answer: the producer's request times out and is sent again. */
		c->c_state = CTX_RECV;
		nng_ctx_recv(c->c_ctx, c->c_aio);
		return;
	}
	c->c_state = CTX_SEND;
	nng_aio_set_msg(c->c_aio, m);
	nng_ctx_send(c->c_ctx, c->c_aio);
}

/* Who sent a message: "10.0.0.5:4455", "pid 1234" (ipc), or "?". */
static const char *
peer_name(nng_msg *m, char *buf, size_t len)
{
	nng_pipe p = nng_msg_get_pipe(m);
	char addr[INET6_ADDRSTRLEN];
	nng_sockaddr sa;
	uint64_t pid;

	snprintf(buf, len, "?");
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return (buf);
	if (sa.s_family == NNG_AF_INET &&
		inet_ntop(AF_INET, &sa.s_in.sa_addr, addr, sizeof(addr)) != NULL)
		snprintf(buf, len, "%s:%u", addr, ntohs(sa.s_in.sa_port));
	else if (sa.s_family == NNG_AF_INET6 &&
		 inet_ntop(AF_INET6, sa.s_in6.sa_addr, addr, sizeof(addr)) != NULL)
		snprintf(buf, len, "[%s]:%u", addr, ntohs(sa.s_in6.sa_port));
	else if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) == 0)
		snprintf(buf, len, "pid %llu", (unsigned long long)pid);
	return (buf);
}

static void
refuse(struct ingest_ctx *c, uint64_t producer, const char *why)
{
	struct store_ingest *ing = c->c_ing;
	char what[128], peer[64];

	atomic_fetch_add(&ing->i_rejected, 1);
	/* Operators chasing a broken producer need to know which one. */
	snprintf(what, sizeof(what), "ingest: refused a batch from %s (producer %llu)",
		peer_name(c->c_msg, peer, sizeof(peer)), (unsigned long long)producer);
	ratelog(&ing->i_log_refused, MM_LOG_WARN, what, why);
	ctx_reply(c, producer, 0, EBADMSG, why);
}

/*
 * Decodes and checks the batch in c_msg into rows; 0, or -EBADMSG with why.
 * *producer is the batch's producer once its header decoded, else 0.
 */
static int
ctx_parse(struct ingest_ctx *c, uint64_t *producer, char *why, size_t whylen)
{
	struct mm_bus_batch *b = &c->c_batch;
	size_t len = nng_msg_len(c->c_msg);
	char inner[192];

	*producer = 0;
	memset(b, 0, sizeof(*b));
	if (mm_bus_batch_decode(nng_msg_body(c->c_msg), len, b, c->c_events, MM_BUS_MAX_EVENTS, why,
		    whylen) != 0)
		return (-EBADMSG);
	/* The decoder refused empty batches and sequences past 2^64. */
	*producer = b->bb_producer;
	if (b->bb_count > c->c_rows_cap) {
		struct store_row *r = realloc(c->c_rows, b->bb_count * sizeof(*r));

		if (r == NULL) {
			snprintf(why, whylen, "out of memory for %u events", b->bb_count);
			return (-ENOMEM);
		}
		c->c_rows = r;
		c->c_rows_cap = b->bb_count;
	}
	if (store_arena_reset(&c->c_arena, len) != 0) {
		snprintf(why, whylen, "out of memory for a batch of %zu bytes", len);
		return (-ENOMEM);
	}
	for (uint32_t i = 0; i < b->bb_count; i++) {
		struct store_row *r = &c->c_rows[i];

		if (store_row_parse(r, c->c_events[i].be_json, c->c_events[i].be_len, &c->c_arena,
			    inner, sizeof(inner)) != 0) {
			snprintf(why, whylen, "event %u (seq %llu): %s", i,
				(unsigned long long)(b->bb_first_seq + i), inner);
			return (-EBADMSG);
		}
		r->r_seq = (int64_t)(b->bb_first_seq + i);
	}
	return (0);
}

static void
enqueue(struct store_ingest *ing, struct ingest_ctx *c)
{
	pthread_mutex_lock(&ing->i_lock);
	c->c_next = NULL;
	if (ing->i_tail != NULL)
		ing->i_tail->c_next = c;
	else
		ing->i_head = c;
	ing->i_tail = c;
	pthread_cond_signal(&ing->i_cond);
	pthread_mutex_unlock(&ing->i_lock);
}

static void
ctx_cb(void *arg)
{
	struct ingest_ctx *c = arg;
	char why[WHY_LEN];
	uint64_t producer;
	int rv = nng_aio_result(c->c_aio);

	if (c->c_state == CTX_SEND) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(c->c_aio));
			nng_aio_set_msg(c->c_aio, NULL);
		}
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		c->c_state = CTX_RECV;
		nng_ctx_recv(c->c_ctx, c->c_aio);
		return;
	}
	/* CTX_RECV */
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
		return;
	if (rv != 0) {
		nng_ctx_recv(c->c_ctx, c->c_aio);
		return;
	}
	c->c_msg = nng_aio_get_msg(c->c_aio);
	nng_aio_set_msg(c->c_aio, NULL);
	if ((rv = ctx_parse(c, &producer, why, sizeof(why))) == -EBADMSG) {
		refuse(c, producer, why);
		return;
	}
	if (rv < 0) {
		ratelog(&c->c_ing->i_log_failed, MM_LOG_ERR, "ingest", why);
		ctx_reply(c, producer, 0, -rv, why);
		return;
	}
	c->c_state = CTX_WAIT;
	enqueue(c->c_ing, c);
}

/*
 * The writer's work for the batches it took: one transaction for all of
 * them, then for each the live view and the acknowledgement.
 */
static void
store_batches(struct store_ingest *ing, struct ingest_ctx **cs, size_t n)
{
	struct store_batch sb[STORE_INGEST_CONTEXTS];
	char err[256];
	bool ok;

	for (size_t i = 0; i < n; i++) {
		sb[i].sb_producer = cs[i]->c_batch.bb_producer;
		sb[i].sb_rows = cs[i]->c_rows;
		sb[i].sb_n = cs[i]->c_batch.bb_count;
	}
	store_ckpt_writer_begin(ing->i_conf.ic_ckpt);
	ok = store_db_insert(ing->i_conf.ic_db, sb, n, err, sizeof(err)) == 0;
	store_ckpt_writer_end(ing->i_conf.ic_ckpt);
	if (!ok) {
		atomic_fetch_add(&ing->i_failed, n);
		ratelog(&ing->i_log_failed, MM_LOG_ERR, "ingest: batch not stored", err);
	}
	for (size_t i = 0; i < n; i++) {
		struct mm_bus_batch *b = &cs[i]->c_batch;

		if (!ok) {
			ctx_reply(cs[i], b->bb_producer, 0, EIO, err);
			continue;
		}
		atomic_fetch_add(&ing->i_batches, 1);
		atomic_fetch_add(&ing->i_events, sb[i].sb_inserted);
		atomic_fetch_add(&ing->i_duplicates, b->bb_count - sb[i].sb_inserted);
		atomic_fetch_add(&ing->i_published,
			store_live_publish(ing->i_conf.ic_live, cs[i]->c_rows, b->bb_count));
		ctx_reply(cs[i], b->bb_producer, b->bb_first_seq + b->bb_count - 1, 0, NULL);
	}
}

/* One retention step; returns true when more work remains. */
static bool
retain_step(struct store_ingest *ing)
{
	const struct store_retention *rt = &ing->i_retention;
	uint64_t deleted = 0;
	char err[256];
	int rv;

	if (rt->rt_max_age_ns == 0 && rt->rt_max_bytes == 0)
		return (false);
	store_ckpt_writer_begin(ing->i_conf.ic_ckpt);
	rv = store_db_retain(ing->i_conf.ic_db, rt, store_time_now(), &deleted, err, sizeof(err));
	store_ckpt_writer_end(ing->i_conf.ic_ckpt);
	atomic_fetch_add(&ing->i_retained, deleted);
	if (rv < 0) {
		ratelog(&ing->i_log_failed, MM_LOG_ERR, "retention", err);
		return (false);
	}
	return (rv > 0);
}

/*
 * Ingest is as fast as the writer thread: ahead of the other threads it
 * keeps the pipeline moving.  Lowering a nice value needs CAP_SYS_NICE or an
 * RLIMIT_NICE that allows it (systemd's LimitNICE=); without either the
 * writer runs as the process does, a little slower on a busy machine.
 */
static void
writer_priority(int nice)
{
	pid_t tid = gettid();
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, (id_t)tid);
	if (errno != 0 || now == nice)
		return;
	if (setpriority(PRIO_PROCESS, (id_t)tid, nice) == 0)
		mm_info("ingest: writer thread at nice %d", nice);
	else
		mm_notice("ingest: the writer thread stays at nice %d, not %d (store.writer_nice): "
			  "%s; allow it with LimitNICE=%d (systemd) or CAP_SYS_NICE",
			now, nice, strerror(errno), nice);
}

static void *
writer_main(void *arg)
{
	struct store_ingest *ing = arg;
	unsigned ms = ing->i_conf.ic_retention_ms > 0 ? ing->i_conf.ic_retention_ms
						      : STORE_RETENTION_INTERVAL_MS;
	int64_t interval = (int64_t)ms * 1000000, next_retain = store_time_now();
	bool retain_more = false;

	/* Named for top -H and perf. */
	pthread_setname_np(pthread_self(), "store-writer");
	writer_priority(ing->i_conf.ic_writer_nice);

	pthread_mutex_lock(&ing->i_lock);
	for (;;) {
		struct ingest_ctx *cs[STORE_INGEST_CONTEXTS];
		size_t n = 0;
		bool due;

		if (ing->i_stopping)
			break;
		due = retain_more || store_time_now() >= next_retain;
		/*
		 * The batches waiting go into one transaction (contexts bound how
		 * many), all but the last when there are several: the writer goes
		 * on with that one as soon as it has committed, while the batches
		 * the producers send on the acknowledgements are received and
		 * parsed.  Taking them all left it idle meanwhile, with no batch
		 * parsed yet: about 5% fewer events a second.
		 */
		for (; ing->i_head != NULL && n < STORE_INGEST_CONTEXTS; n++) {
			if (n > 0 && ing->i_head->c_next == NULL)
				break;
			cs[n] = ing->i_head;
			ing->i_head = cs[n]->c_next;
		}
		if (ing->i_head == NULL)
			ing->i_tail = NULL;
		if (n > 0) {
			pthread_mutex_unlock(&ing->i_lock);
			store_batches(ing, cs, n);
			pthread_mutex_lock(&ing->i_lock);
			/* Retention gets one small step between batches, so ingest never stalls. */
			if (!due)
				continue;
		} else if (!due) {
			struct timespec ts = {
				.tv_sec = (time_t)(next_retain / 1000000000),
				.tv_nsec = (long)(next_retain % 1000000000),
			};

			/* The condition variable waits on CLOCK_REALTIME, as store_time_now. */
			pthread_cond_timedwait(&ing->i_cond, &ing->i_lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&ing->i_lock);
		retain_more = retain_step(ing);
		if (!retain_more)
			next_retain = store_time_now() + interval;
		pthread_mutex_lock(&ing->i_lock);
	}
	pthread_mutex_unlock(&ing->i_lock);
	return (NULL);
}

static void
ingest_free(struct store_ingest *ing)
{
	for (unsigned i = 0; i < STORE_INGEST_CONTEXTS; i++) {
		struct ingest_ctx *c = &ing->i_ctx[i];

		if (c->c_aio != NULL) {
			nng_aio_stop(c->c_aio);
			nng_aio_free(c->c_aio);
		}
		/* A batch queued and never stored. */
		if (c->c_msg != NULL)
			nng_msg_free(c->c_msg);
		free(c->c_events);
		free(c->c_rows);
		store_arena_fini(&c->c_arena);
	}
	pthread_cond_destroy(&ing->i_cond);
	pthread_mutex_destroy(&ing->i_lock);
	pthread_mutex_destroy(&ing->i_log_refused.rl_lock);
	pthread_mutex_destroy(&ing->i_log_failed.rl_lock);
	free(ing);
}

struct store_ingest *
store_ingest_start(const struct store_ingest_conf *conf, char *err, size_t errlen)
{
	struct store_ingest *ing;
	int rv;

	if ((ing = calloc(1, sizeof(*ing))) == NULL) {
		snprintf(err, errlen, "ingest: out of memory");
		nng_close(conf->ic_sock);
		return (NULL);
	}
	ing->i_conf = *conf;
	ing->i_retention = *conf->ic_retention;
	pthread_mutex_init(&ing->i_lock, NULL);
	pthread_cond_init(&ing->i_cond, NULL);
	pthread_mutex_init(&ing->i_log_refused.rl_lock, NULL);
	pthread_mutex_init(&ing->i_log_failed.rl_lock, NULL);
	for (unsigned i = 0; i < STORE_INGEST_CONTEXTS; i++) {
		struct ingest_ctx *c = &ing->i_ctx[i];

		c->c_ing = ing;
		if ((c->c_events = calloc(MM_BUS_MAX_EVENTS, sizeof(*c->c_events))) == NULL) {
			snprintf(err, errlen, "ingest: out of memory");
			goto fail;
		}
		if ((rv = nng_aio_alloc(&c->c_aio, ctx_cb, c)) != 0 ||
			(rv = nng_ctx_open(&c->c_ctx, conf->ic_sock)) != 0) {
			snprintf(err, errlen, "ingest: cannot open context %u: %s", i,
				nng_strerror(rv));
			goto fail;
		}
	}
	if ((rv = pthread_create(&ing->i_writer, NULL, writer_main, ing)) != 0) {
		snprintf(err, errlen, "ingest: cannot start the writer thread: %s", strerror(rv));
		goto fail;
	}
	ing->i_writer_started = true;
	for (unsigned i = 0; i < STORE_INGEST_CONTEXTS; i++) {
		ing->i_ctx[i].c_state = CTX_RECV;
		nng_ctx_recv(ing->i_ctx[i].c_ctx, ing->i_ctx[i].c_aio);
	}
	return (ing);
fail:
	nng_close(conf->ic_sock);
	ingest_free(ing);
	return (NULL);
}

void
store_ingest_stop(struct store_ingest *ing, json_t *counters)
{
	if (ing == NULL)
		return;
	pthread_mutex_lock(&ing->i_lock);
	ing->i_stopping = true;
	pthread_cond_signal(&ing->i_cond);
	pthread_mutex_unlock(&ing->i_lock);
	if (ing->i_writer_started)
		pthread_join(ing->i_writer, NULL);
	/* Fails every pending receive and send with NNG_ECLOSED: no callback re-arms. */
	nng_close(ing->i_conf.ic_sock);
	if (counters != NULL)
		store_ingest_stats(ing, counters);
	ingest_free(ing);
}

void
store_ingest_stats(void *arg, json_t *obj)
{
	struct store_ingest *ing = arg;
	const struct {
		const char *name;
		atomic_uint_fast64_t *v;
	} counters[] = {
		{ "batches", &ing->i_batches },
		{ "events", &ing->i_events },
		{ "duplicates", &ing->i_duplicates },
		{ "rejected", &ing->i_rejected },
		{ "failed", &ing->i_failed },
		{ "published", &ing->i_published },
		{ "retention_deleted", &ing->i_retained },
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		json_object_set_new(obj, counters[i].name,
			json_integer((json_int_t)atomic_load(counters[i].v)));
}
