/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_events ingest: flow events built over synthetic flow records, as
 * text (mm_eve_flow_text, with "plugin"; mm_exporter_submit_text) or, with
 * --build json, as jansson objects (mm_eve_flow plus "plugin";
 * mm_exporter_submit), and submitted as fast as the exporter takes them,
 * through the real exporter, to a running mamori-store.
 * The rate is end to end: from the first submit to the acknowledgement of
 * the last event (mm_exporter_flush returning with nothing left).  CPU time
 * is taken from the kernel (schedstat) for the store's threads and for this
 * process, and on the driver's thread around building and around the
 * exporter's calls.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mamori/eve.h>
#include <mamori/exporter.h>
#include <mamori/log.h>

#include "bench_events.h"
#include "bench_gen.h"

/* Events built and submitted between two polls of the exporter. */
#define CHUNK 16
/* Sleep while the exporter's memory is full: the store is behind. */
#define WAIT_US 100

uint64_t
bench_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * BENCH_NS + (uint64_t)ts.tv_nsec);
}

uint64_t
bench_thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * BENCH_NS + (uint64_t)ts.tv_nsec);
}

const char *
bench_commas(uint64_t v, char *buf, size_t len)
{
	char digits[32];
	size_t n, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return (buf);
}

/* One line of /proc/pid/task/tid/{comm,schedstat}; -errno when the thread is gone. */
static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int rv = 0;

	if (f == NULL)
		return (-errno);
	if (fgets(buf, (int)len, f) == NULL)
		rv = -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return (rv);
}

int
bench_cpu_read(pid_t pid, struct bench_cpu *c)
{
	char dir[64], path[400], comm[64], line[128];
	struct dirent *de;
	DIR *d;

	memset(c, 0, sizeof(*c));
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return (-errno);
	while ((de = readdir(d)) != NULL) {
		unsigned long long ns;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		if (read_line(path, comm, sizeof(comm)) < 0)
			continue;
		/* The first field: time on a CPU in ns (sum_exec_runtime). */
		snprintf(path, sizeof(path), "%s/%s/schedstat", dir, de->d_name);
		if (read_line(path, line, sizeof(line)) < 0 || sscanf(line, "%llu", &ns) != 1)
			continue;
		c->bc_total += ns;
		if (strcmp(comm, "store-writer") == 0)
			c->bc_writer += ns;
		else if (strcmp(comm, "store-ckpt") == 0)
			c->bc_ckpt += ns;
	}
	closedir(d);
	return (0);
}

struct ingest_opts {
	const char *io_url;
	uint64_t io_count;
	uint32_t io_batch;
	uint32_t io_queue;
	uint64_t io_producer;
	uint32_t io_inflight;
	bool io_json; /* build jansson objects rather than text */
	pid_t io_store_pid;
};

static void
ingest_usage(void)
{
	fprintf(stderr,
		"usage: bench_events ingest --url URL --store-pid PID [--count N] "
		"[--batch B] [--queue Q] [--inflight F] [--producer P] [--build text|json]\n");
}

static int
ingest_opts(int argc, char **argv, struct ingest_opts *o)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "queue", required_argument, NULL, 'q' },
		{ "producer", required_argument, NULL, 'p' },
		{ "store-pid", required_argument, NULL, 's' },
		{ "inflight", required_argument, NULL, 'f' },
		{ "build", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->io_count = 2000000;
	o->io_batch = MM_EXPORTER_BATCH_EVENTS;
	o->io_queue = MM_EXPORTER_QUEUE_BATCHES;
	o->io_producer = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			o->io_url = optarg;
			break;
		case 'n':
			o->io_count = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			o->io_batch = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			o->io_queue = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->io_producer = strtoull(optarg, NULL, 10);
			break;
		case 's':
			o->io_store_pid = (pid_t)strtol(optarg, NULL, 10);
			break;
		case 'f':
			o->io_inflight = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'B':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				ingest_usage();
				return (-EINVAL);
			}
			o->io_json = strcmp(optarg, "json") == 0;
			break;
		default:
			ingest_usage();
			return (-EINVAL);
		}
	}
	if (o->io_url == NULL || o->io_store_pid <= 0 || o->io_count == 0 || o->io_batch == 0 ||
		o->io_batch > 65536 || o->io_queue == 0 || o->io_producer == 0) {
		ingest_usage();
		return (-EINVAL);
	}
	return (0);
}

/* Waits for the exporter's connection to the store; 0 or -ETIMEDOUT. */
static int
wait_connected(struct mm_exporter *ex, uint64_t timeout_ns)
{
	uint64_t until = bench_mono_ns() + timeout_ns;
	struct mm_exporter_stats st;

	for (;;) {
		mm_exporter_poll(ex, bench_mono_ns() / 1000000);
		mm_exporter_stats(ex, &st);
		if (st.es_connected)
			return (0);
		if (bench_mono_ns() > until)
			return (-ETIMEDOUT);
		usleep(10000);
	}
}

struct ingest_run {
	uint64_t ir_build_ns;  /* driver thread: gen_flow + gen_event */
	uint64_t ir_export_ns; /* driver thread: submit + poll + flush */
	uint64_t ir_wait_ns;   /* wall time asleep, waiting for the store */
	uint64_t ir_bytes;     /* JSON bytes (measured on a sample) */
	uint64_t ir_sampled;
};

/* Builds n events as jansson objects; 0 or -ENOMEM. */
static int
build_json(struct gen *g, json_t **evs, uint32_t n)
{
	struct mm_flow_rec r;

	for (uint32_t i = 0; i < n; i++) {
		gen_flow(g, &r);
		if ((evs[i] = gen_event(&r)) == NULL) {
			fprintf(stderr, "events: out of memory\n");
			while (i-- > 0)
				json_decref(evs[i]);
			return (-ENOMEM);
		}
	}
	return (0);
}

static int
submit_json(struct mm_exporter *ex, json_t **evs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (mm_exporter_submit(ex, evs[i]) != 0) {
			/* submit took evs[i] either way. */
			fprintf(stderr, "events: an event was refused by the exporter\n");
			while (++i < n)
				json_decref(evs[i]);
			return (-EINVAL);
		}
	return (0);
}

/* Builds n events as text; 0 or a negative errno. */
static int
build_text(struct gen *g, char (*texts)[MM_EVE_FLOW_TEXT_MAX], int *lens, uint32_t n)
{
	struct mm_flow_rec r;

	for (uint32_t i = 0; i < n; i++) {
		gen_flow(g, &r);
		if ((lens[i] = gen_event_text(&r, texts[i], sizeof(texts[i]))) < 0) {
			fprintf(stderr, "events: cannot build an event: %s\n", strerror(-lens[i]));
			return (lens[i]);
		}
	}
	return (0);
}

static int
submit_text(
	struct mm_exporter *ex, char (*texts)[MM_EVE_FLOW_TEXT_MAX], const int *lens, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (mm_exporter_submit_text(ex, texts[i], (size_t)lens[i]) != 0) {
			fprintf(stderr, "events: an event was refused by the exporter\n");
			return (-EINVAL);
		}
	return (0);
}

/* The measured loop: build CHUNK events, submit them, poll; wait while the queue is full. */
static int
ingest_loop(
	struct mm_exporter *ex, struct gen *g, const struct ingest_opts *o, struct ingest_run *ir)
{
	uint64_t limit = (uint64_t)o->io_queue * o->io_batch, submitted = 0;
	static char texts[CHUNK][MM_EVE_FLOW_TEXT_MAX];
	struct mm_exporter_stats st;
	json_t *evs[CHUNK];
	int lens[CHUNK];

	while (submitted < o->io_count) {
		uint32_t n = o->io_count - submitted < CHUNK ? (uint32_t)(o->io_count - submitted)
							     : CHUNK;
		uint64_t c0 = bench_thread_ns(), c1, c2;

		mm_exporter_poll(ex, bench_mono_ns() / 1000000);
		mm_exporter_stats(ex, &st);
		if (st.es_pending + n > limit) {
			uint64_t w = bench_mono_ns();

			ir->ir_export_ns += bench_thread_ns() - c0;
			usleep(WAIT_US);
			ir->ir_wait_ns += bench_mono_ns() - w;
			continue;
		}
		c1 = bench_thread_ns();
		if ((o->io_json ? build_json(g, evs, n) : build_text(g, texts, lens, n)) < 0)
			return (-ENOMEM);
		/* The size of the text the exporter sends, on one event in 256. */
		if (submitted % (CHUNK * 16) == 0) {
			char buf[4096];

			ir->ir_bytes += o->io_json ? json_dumpb(evs[0], buf, sizeof(buf),
							     JSON_COMPACT | JSON_PRESERVE_ORDER)
						   : (uint64_t)lens[0];
			ir->ir_sampled++;
		}
		c2 = bench_thread_ns();
		if ((o->io_json ? submit_json(ex, evs, n) : submit_text(ex, texts, lens, n)) < 0)
			return (-EINVAL);
		submitted += n;
		ir->ir_export_ns += (c1 - c0) + (bench_thread_ns() - c2);
		ir->ir_build_ns += c2 - c1;
	}
	return (0);
}

int
bench_ingest(int argc, char **argv)
{
	struct bench_cpu s0, s1, d0, d1;
	struct mm_exporter_conf ec;
	struct mm_exporter_stats st;
	struct ingest_run ir;
	struct ingest_opts o;
	struct mm_exporter *ex;
	struct gen *g;
	char err[BENCH_ERRLEN], a[32], b[32];
	uint64_t t0, t1, c0;
	double secs, n;
	long left;

	if (ingest_opts(argc, argv, &o) < 0)
		return (2);
	if ((g = malloc(sizeof(*g))) == NULL)
		return (1);
	gen_init(g, BENCH_SEED, o.io_producer, BENCH_T0, BENCH_STEP);
	memset(&ec, 0, sizeof(ec));
	ec.ec_producer = o.io_producer;
	ec.ec_first_seq = 1;
	ec.ec_url = o.io_url;
	ec.ec_batch_events = o.io_batch;
	/* Batches are sealed full; the timer only seals the last one. */
	ec.ec_batch_delay_ms = 1000;
	ec.ec_queue_batches = o.io_queue;
	ec.ec_inflight_batches = o.io_inflight;
	ec.ec_ack_timeout_ms = 60000;
	if ((ex = mm_exporter_new(&ec, err, sizeof(err))) == NULL) {
		fprintf(stderr, "events: %s\n", err);
		free(g);
		return (1);
	}
	if (wait_connected(ex, 10 * BENCH_NS) < 0) {
		fprintf(stderr, "events: no connection to the store at %s within 10 s\n", o.io_url);
		mm_exporter_free(ex);
		free(g);
		return (1);
	}
	memset(&ir, 0, sizeof(ir));
	if (bench_cpu_read(o.io_store_pid, &s0) < 0 || bench_cpu_read(getpid(), &d0) < 0) {
		fprintf(stderr, "events: cannot read /proc/%d/task: is the store running?\n",
			(int)o.io_store_pid);
		mm_exporter_free(ex);
		free(g);
		return (1);
	}
	t0 = bench_mono_ns();
	if (ingest_loop(ex, g, &o, &ir) < 0) {
		mm_exporter_free(ex);
		free(g);
		return (1);
	}
	c0 = bench_thread_ns();
	left = mm_exporter_flush(ex, 120000);
	ir.ir_export_ns += bench_thread_ns() - c0;
	t1 = bench_mono_ns();
	bench_cpu_read(o.io_store_pid, &s1);
	bench_cpu_read(getpid(), &d1);
	mm_exporter_stats(ex, &st);
	mm_exporter_free(ex);
	free(g);
	if (left != 0 || st.es_acked != o.io_count || st.es_dropped != 0) {
		fprintf(stderr,
			"events: %ld events not delivered, %" PRIu64 " acknowledged of %" PRIu64
			", %" PRIu64 " dropped: %s\n",
			left, st.es_acked, o.io_count, st.es_dropped, st.es_last_error);
		return (1);
	}
	secs = (double)(t1 - t0) / 1e9;
	n = (double)o.io_count;
	printf("events ingest: %s flow events of %" PRIu64
	       " bytes on average, batches of %u, up to %u queued, %u in flight, producer %" PRIu64
	       "\n",
		bench_commas(o.io_count, a, sizeof(a)), ir.ir_bytes / ir.ir_sampled, o.io_batch,
		o.io_queue, o.io_inflight != 0 ? o.io_inflight : MM_EXPORTER_INFLIGHT,
		o.io_producer);
	printf("events ingest: %.2f s from the first submit to the last acknowledgement: %s "
	       "events/s (%" PRIu64 " resent)\n",
		secs, bench_commas((uint64_t)(n / secs), b, sizeof(b)), st.es_resent);
	printf("events ingest: store CPU per event: %.2f us (writer thread %.2f, checkpoints "
	       "%.2f, receiving and parsing on nng's threads %.2f)\n",
		(double)(s1.bc_total - s0.bc_total) / n / 1e3,
		(double)(s1.bc_writer - s0.bc_writer) / n / 1e3,
		(double)(s1.bc_ckpt - s0.bc_ckpt) / n / 1e3,
		(double)((s1.bc_total - s1.bc_writer - s1.bc_ckpt) -
			 (s0.bc_total - s0.bc_writer - s0.bc_ckpt)) /
			n / 1e3);
	printf("events ingest: driver CPU per event: building the events %.2f us (%s), "
	       "exporter %.2f us on the calling thread (submit, poll) + %.2f us on nng's threads\n",
		(double)ir.ir_build_ns / n / 1e3, o.io_json ? "mm_eve_flow" : "mm_eve_flow_text",
		(double)ir.ir_export_ns / n / 1e3,
		((double)(d1.bc_total - d0.bc_total) - (double)(ir.ir_build_ns + ir.ir_export_ns)) /
			n / 1e3);
	printf("events ingest: the driver waited for the store %.0f%% of the time\n",
		100.0 * (double)ir.ir_wait_ns / (double)(t1 - t0));
	printf("events ingest result: rate=%.0f store_us=%.2f writer_us=%.2f\n", n / secs,
		(double)(s1.bc_total - s0.bc_total) / n / 1e3,
		(double)(s1.bc_writer - s0.bc_writer) / n / 1e3);
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_events ingest|fill|query [options] (see README.md)\n");
}

int
main(int argc, char **argv)
{
	/* The exporter's notices (connected, producer id) are not figures. */
	mm_log_init("bench_events", MM_LOG_WARN);
	if (argc < 2) {
		usage();
		return (2);
	}
	if (strcmp(argv[1], "ingest") == 0)
		return (bench_ingest(argc - 1, argv + 1));
	if (strcmp(argv[1], "fill") == 0)
		return (bench_fill(argc - 1, argv + 1));
	if (strcmp(argv[1], "query") == 0)
		return (bench_query(argc - 1, argv + 1));
	usage();
	return (2);
}
