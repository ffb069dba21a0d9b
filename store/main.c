/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-store: the embedded event store.  Event batches in over nng req/rep
 * (stored exactly once, acknowledged after COMMIT), a live view over pub, and
 * a JSON query API over rep, on one SQLite database in WAL mode.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>

#include <mamori/config.h>
#include <mamori/log.h>

#include "store_ckpt.h"
#include "store_db.h"
#include "store_ingest.h"
#include "store_jsin.h"
#include "store_listen.h"
#include "store_live.h"
#include "store_qserve.h"
#include "store_query.h"
#include "store_settings.h"

#define PROG "mamori-store"
#ifndef MAMORI_VERSION
#define MAMORI_VERSION "0.1.0"
#endif
#define NS_PER_DAY (86400LL * 1000000000LL)
/* Rows per retention transaction: a few milliseconds of the writer's time. */
#define RETENTION_BATCH 2000

enum {
	OPT_DB = 256,
	OPT_LISTEN,
	OPT_QUERY,
	OPT_PUB,
	OPT_RUNDIR,
	OPT_DAYS,
	OPT_MAX_SIZE,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_TLS_REQUIRE,
	OPT_GROUP,
	OPT_SYNC,
	OPT_NICE,
	OPT_CHECK,
};

static const char usage_text[] =
	"Usage: mamori-store [OPTIONS]\n"
	"\n"
	"Mamori's embedded event store: receives event batches from mamorid's exporter\n"
	"over nng (req/rep), stores each event exactly once in SQLite (WAL), republishes\n"
	"committed events on a live view (pub) and answers JSON queries (rep).\n"
	"\n"
	"Options (each also a key of the configuration's 'store:' section):\n"
	"  -c, --config FILE        YAML configuration; only its 'store:' section is read\n"
	"      --db PATH            SQLite database, created if missing\n"
	"                           (store.db; default " STORE_DEFAULT_DB ")\n"
	"      --listen URL         ingest URL: ipc://PATH, tcp://HOST:PORT or\n"
	"                           tls+tcp://HOST:PORT; repeat for several (replaces\n"
	"                           store.ingest; default ipc://RUNDIR/ingest.ipc)\n"
	"      --query URL          query API URL (store.query; default\n"
	"                           ipc://RUNDIR/query.ipc)\n"
	"      --pub URL            live view URL (store.live; default\n"
	"                           ipc://RUNDIR/live.ipc)\n"
	"      --rundir DIR         runtime directory of the default ipc sockets, made\n"
	"                           0700 (store.rundir; default /run/mamori)\n"
	"      --group NAME         let this group reach the ipc sockets: directories\n"
	"                           0750, sockets 0660 (store.group)\n"
	"      --retention-days N   delete events older than N days by their timestamp;\n"
	"                           0 keeps them (store.retention.days; default 30,\n"
	"                           for the central store 0)\n"
	"      --max-size-mb N      keep the database under N MB, deleting the oldest\n"
	"                           events; 0: no limit (store.retention.max_size_mb;\n"
	"                           default 10240; SQLite only)\n"
	"      --synchronous MODE   normal (default): a committed batch survives the\n"
	"                           process being killed; full: also a power loss, at\n"
	"                           an fsync per transaction (store.synchronous)\n"
	"      --writer-nice N      the SQLite writer thread's nice value, -20 to 19:\n"
	"                           ahead of the other threads it takes more events a\n"
	"                           second on a busy machine; lowering it needs root,\n"
	"                           CAP_SYS_NICE or LimitNICE= (store.writer_nice;\n"
	"                           default -10; the process's own when not allowed)\n"
	"      --tls-cert FILE      PEM certificate for tls+tcp listeners (store.tls.cert)\n"
	"      --tls-key FILE       PEM private key for it (store.tls.key)\n"
	"      --tls-ca FILE        PEM CA certificates that client certificates are\n"
	"                           checked against (store.tls.ca)\n"
	"      --tls-require-client refuse TLS clients without a certificate signed by\n"
	"                           the CA (store.tls.require_client)\n"
	"  -s, --set KEY=VALUE      set any configuration key, e.g. --set\n"
	"                           store.retention.days=7\n"
	"\n"
	"Central store (fleet mode; keys only, see docs/mamori-store.md):\n"
	"  store.backend: postgresql           store in PostgreSQL instead of SQLite, taking\n"
	"                                      events from NATS JetStream (default sqlite)\n"
	"  store.postgresql.conninfo: STR      libpq conninfo or postgresql:// URI\n"
	"  store.jetstream.servers: [URL,...]  nats://HOST:PORT or tls://HOST:PORT\n"
	"  store.jetstream.stream, .durable    stream (MAMORI) and durable consumer\n"
	"                                      (mamori-store)\n"
	"  store.jetstream.creds, .tls.ca, .tls.cert, .tls.key   credentials and TLS\n"
	"  store.jetstream.replicas, .max_age_hours, .max_mb, .duplicate_window_s\n"
	"                                      for a stream the store creates (3, 168,\n"
	"                                      10240, 600)\n"
	"  store.jetstream.ack_wait_s, .batch  redelivery wait (30), events per\n"
	"                                      transaction (512)\n"
	"      --check-config       read and check the configuration, then exit\n"
	"  -l, --log-level LEVEL    err, warn, notice (default), info or debug\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Command-line options override the configuration file.  SIGINT or SIGTERM:\n"
	"the transaction in progress is committed and acknowledged, then the store\n"
	"exits; batches not yet acknowledged are sent again by their producers.\n"
	"\n"
	"Examples:\n"
	"  mamori-store --db /var/lib/mamori/store.db\n"
	"  mamori-store -c /etc/mamori/mamori.yaml --listen ipc:///run/mamori/ingest.ipc \\\n"
	"      --listen tls+tcp://0.0.0.0:7450 --tls-cert store.crt --tls-key store.key \\\n"
	"      --tls-ca exporters-ca.crt --tls-require-client\n"
	"  mamori-store -s store.backend=postgresql \\\n"
	"      -s 'store.postgresql.conninfo=host=db1 dbname=mamori' \\\n"
	"      -s 'store.jetstream.servers=[nats://n1:4222, nats://n2:4222, nats://n3:4222]'\n"
	"\n"
	"Exit status: 0 on success, 1 on a runtime error, 2 on a usage or\n"
	"configuration error.\n";

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "pub", required_argument, NULL, OPT_PUB },
	{ "rundir", required_argument, NULL, OPT_RUNDIR },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "retention-days", required_argument, NULL, OPT_DAYS },
	{ "max-size-mb", required_argument, NULL, OPT_MAX_SIZE },
	{ "synchronous", required_argument, NULL, OPT_SYNC },
	{ "writer-nice", required_argument, NULL, OPT_NICE },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "tls-require-client", no_argument, NULL, OPT_TLS_REQUIRE },
	{ "set", required_argument, NULL, 's' },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "log-level", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Quotes a scalar for a YAML flow context. */
static char *
yaml_quote(const char *s)
{
	size_t n = strlen(s);
	char *q = malloc(2 * n + 3), *o = q;

	if (q == NULL)
		return (NULL);
	*o++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			*o++ = '\'';
		*o++ = *s;
	}
	*o++ = '\'';
	*o = '\0';
	return (q);
}

/* Applies key=value (value taken literally, as a string) to the tree. */
static int
set_key(struct mm_cfg *cfg, const char *key, const char *value)
{
	char err[MM_CFG_ERRLEN], *q, *a;
	int rv;

	if ((q = yaml_quote(value)) == NULL || asprintf(&a, "%s=%s", key, q) < 0) {
		free(q);
		return (-ENOMEM);
	}
	if ((rv = mm_cfg_set(cfg, a, err, sizeof(err))) < 0)
		mm_err("%s", err);
	free(q);
	free(a);
	return (rv);
}

/* --listen URL...: one list, replacing store.ingest. */
static int
set_listen(struct mm_cfg *cfg, char **urls, size_t n)
{
	char err[MM_CFG_ERRLEN], *list = strdup("store.ingest=["), *q, *next;
	int rv;

	for (size_t i = 0; i < n && list != NULL; i++) {
		if ((q = yaml_quote(urls[i])) == NULL) {
			free(list);
			return (-ENOMEM);
		}
		rv = asprintf(&next, "%s%s%s", list, i > 0 ? ", " : "", q);
		free(q);
		free(list);
		list = rv < 0 ? NULL : next;
	}
	if (list == NULL || asprintf(&next, "%s]", list) < 0) {
		free(list);
		return (-ENOMEM);
	}
	free(list);
	if ((rv = mm_cfg_set(cfg, next, err, sizeof(err))) < 0)
		mm_err("%s", err);
	free(next);
	return (rv);
}

struct opts {
	const char *o_config;
	char **o_sets; /* "key=value" (--set, literal) and pairs from named options */
	size_t o_nsets;
	char **o_listen;
	size_t o_nlisten;
	int o_log_level;
	bool o_check;
};

static int
push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(char *));

	if (p == NULL)
		return (-ENOMEM);
	*v = p;
	p[(*n)++] = (char *)s;
	return (0);
}

/* Named options become (key, value) pairs applied after the file. */
static int
push_pair(struct opts *o, const char *key, const char *value)
{
	return (push(&o->o_sets, &o->o_nsets, key) < 0 ? -ENOMEM
						       : push(&o->o_sets, &o->o_nsets, value));
}

/* Returns 0 to run, 1 to exit 0 (help, version), 2 on a usage error. */
static int
parse_args(struct opts *o, int argc, char **argv)
{
	static const struct {
		int opt;
		const char *key;
	} keys[] = {
		{ OPT_DB, "store.db" },
		{ OPT_QUERY, "store.query" },
		{ OPT_PUB, "store.live" },
		{ OPT_RUNDIR, "store.rundir" },
		{ OPT_GROUP, "store.group" },
		{ OPT_DAYS, "store.retention.days" },
		{ OPT_MAX_SIZE, "store.retention.max_size_mb" },
		{ OPT_SYNC, "store.synchronous" },
		{ OPT_NICE, "store.writer_nice" },
		{ OPT_TLS_CERT, "store.tls.cert" },
		{ OPT_TLS_KEY, "store.tls.key" },
		{ OPT_TLS_CA, "store.tls.ca" },
	};
	int c, rv = 0;

	memset(o, 0, sizeof(*o));
	o->o_log_level = MM_LOG_NOTICE;
	while ((c = getopt_long(argc, argv, "c:s:l:hV", long_opts, NULL)) != -1) {
		const char *key = NULL;

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (keys[i].opt == c)
				key = keys[i].key;
		if (key != NULL) {
			rv = push_pair(o, key, optarg);
		} else if (c == 'c') {
			o->o_config = optarg;
		} else if (c == 's') {
			/* --set takes YAML, like mamorid's: marked with a NULL key. */
			rv = push_pair(o, NULL, optarg);
		} else if (c == OPT_LISTEN) {
			rv = push(&o->o_listen, &o->o_nlisten, optarg);
		} else if (c == OPT_TLS_REQUIRE) {
			rv = push_pair(o, "store.tls.require_client", "true");
		} else if (c == OPT_CHECK) {
			o->o_check = true;
		} else if (c == 'l') {
			if ((o->o_log_level = mm_log_level_parse(optarg)) < 0) {
				fprintf(stderr,
					"%s: --log-level: expected err, warn, notice, info or "
					"debug, got '%s'\n",
					PROG, optarg);
				return (2);
			}
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return (1);
		} else if (c == 'V') {
			printf("%s %s (nng %s, SQLite %s)\n", PROG, MAMORI_VERSION, nng_version(),
				sqlite3_libversion());
			return (1);
		} else {
			fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
			return (2);
		}
		if (rv < 0) {
			fprintf(stderr, "%s: out of memory\n", PROG);
			return (2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\nTry '%s --help'.\n", PROG,
			argv[optind], PROG);
		return (2);
	}
	return (0);
}

static struct mm_cfg *
load_config(const struct opts *o)
{
	char err[MM_CFG_ERRLEN];
	struct mm_cfg *cfg;

	cfg = o->o_config != NULL ? mm_cfg_load_file(o->o_config, err, sizeof(err))
				  : mm_cfg_new("(command line)");
	if (cfg == NULL) {
		mm_err("%s", o->o_config != NULL ? err : "out of memory");
		return (NULL);
	}
	for (size_t i = 0; i < o->o_nsets; i += 2) {
		int rv = o->o_sets[i] != NULL ? set_key(cfg, o->o_sets[i], o->o_sets[i + 1])
					      : mm_cfg_set(cfg, o->o_sets[i + 1], err, sizeof(err));

		if (rv < 0) {
			if (o->o_sets[i] == NULL)
				mm_err("--set %s: %s", o->o_sets[i + 1], err);
			mm_cfg_free(cfg);
			return (NULL);
		}
	}
	if (o->o_nlisten > 0 && set_listen(cfg, o->o_listen, o->o_nlisten) < 0) {
		mm_cfg_free(cfg);
		return (NULL);
	}
	return (cfg);
}

static void
listen_conf(const struct store_settings *s, struct store_listen_conf *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->lc_tls_cert = s->s_tls_cert;
	lc->lc_tls_key = s->s_tls_key;
	lc->lc_tls_ca = s->s_tls_ca;
	lc->lc_tls_require_client = s->s_tls_require_client;
	lc->lc_has_group = s->s_has_gid;
	lc->lc_gid = s->s_gid;
}

struct store {
	struct store_db *st_db;
	struct store_ckpt *st_ckpt;
	struct store_live *st_live;
	struct store_ingest *st_ingest;
	struct store_qserve *st_qserve;
	struct store_jsin *st_jsin; /* the central store: JetStream into PostgreSQL */
	struct store_retention st_retention;
};

static void
store_stop(struct store *st, bool summary)
{
	json_t *c = summary && st->st_ingest != NULL ? json_object() : NULL;

	if (summary && st->st_jsin != NULL)
		c = json_object();
	/* Ingest first: its writer finishes the transaction in hand. */
	store_ingest_stop(st->st_ingest, c);
	store_jsin_stop(st->st_jsin, st->st_jsin != NULL ? c : NULL);
	if (c != NULL)
		mm_notice("stopped: %lld batches, %lld events stored, %lld duplicates ignored, "
			  "%lld batches refused, %lld failed",
			(long long)json_integer_value(json_object_get(c, "batches")),
			(long long)json_integer_value(json_object_get(c, "events")),
			(long long)json_integer_value(json_object_get(c, "duplicates")),
			(long long)json_integer_value(json_object_get(c, "rejected")),
			(long long)json_integer_value(json_object_get(c, "failed")));
	json_decref(c);
	store_qserve_stop(st->st_qserve);
	store_live_free(st->st_live);
	store_ckpt_stop(st->st_ckpt);
	store_db_close(st->st_db);
}

/* The central store: events from JetStream into PostgreSQL, and queries on it. */
static int
central_start(struct store *st, const struct store_settings *s, const struct store_listen_conf *lc)
{
	const char *live_url = s->s_live, *query_url = s->s_query;
	struct store_jsin_conf jc;
	struct store_query_conf qc;
	struct store_query *q;
	nng_socket sock;
	char err[512] = "";

	if (store_listen_open(&sock, nng_pub0_open, &live_url, 1, lc, err, sizeof(err)) < 0)
		goto fail_msg;
	if ((st->st_live = store_live_new(sock)) == NULL) {
		nng_close(sock);
		snprintf(err, sizeof(err), "out of memory");
		goto fail_msg;
	}
	memset(&jc, 0, sizeof(jc));
	if ((jc.jc_pg = store_pg_open(s->s_pg_conninfo, err, sizeof(err))) == NULL)
		goto fail_msg;
	jc.jc_live = st->st_live;
	jc.jc_servers = (const char *const *)s->s_js_servers;
	jc.jc_nservers = s->s_js_nservers;
	jc.jc_stream = s->s_js_stream;
	jc.jc_durable = s->s_js_durable;
	jc.jc_creds = s->s_js_creds;
	jc.jc_tls_ca = s->s_js_tls_ca;
	jc.jc_tls_cert = s->s_js_tls_cert;
	jc.jc_tls_key = s->s_js_tls_key;
	jc.jc_replicas = (unsigned)s->s_js_replicas;
	jc.jc_max_age_h = s->s_js_max_age_h;
	jc.jc_max_mb = s->s_js_max_mb;
	jc.jc_dup_window_s = s->s_js_dup_s;
	jc.jc_ack_wait_s = s->s_js_ack_wait_s;
	jc.jc_batch = (unsigned)s->s_js_batch;
	jc.jc_max_age_ns = st->st_retention.rt_max_age_ns;
	if ((st->st_jsin = store_jsin_start(&jc, err, sizeof(err))) == NULL)
		goto fail_msg;
	memset(&qc, 0, sizeof(qc));
	qc.qc_pg_conninfo = s->s_pg_conninfo;
	qc.qc_stats = store_jsin_stats;
	qc.qc_stats_arg = st->st_jsin;
	if ((q = store_query_open(&qc, err, sizeof(err))) == NULL)
		goto fail_msg;
	if (store_listen_open(&sock, nng_rep0_open, &query_url, 1, lc, err, sizeof(err)) < 0) {
		store_query_close(q);
		goto fail_msg;
	}
	if ((st->st_qserve = store_qserve_start(sock, q, err, sizeof(err))) == NULL)
		goto fail_msg;
	return (0);
fail_msg:
	if (err[0] != '\0')
		mm_err("%s", err);
	store_stop(st, false);
	return (-1);
}

static int
store_start(struct store *st, const struct store_settings *s)
{
	const char *live_url = s->s_live, *query_url = s->s_query;
	struct store_listen_conf lc;
	struct store_query_conf qc;
	struct store_ingest_conf ic;
	struct store_query *q;
	nng_socket sock;
	char err[512] = "";

	memset(st, 0, sizeof(*st));
	st->st_retention.rt_max_age_ns = (int64_t)s->s_retention_days * NS_PER_DAY;
	st->st_retention.rt_max_bytes = s->s_max_size_mb << 20;
	st->st_retention.rt_batch_rows = RETENTION_BATCH;
	listen_conf(s, &lc);
	if (store_rundir_make(s->s_rundir, &lc, err, sizeof(err)) < 0)
		goto fail_msg;
	if (s->s_postgresql)
		return (central_start(st, s, &lc));
	if ((st->st_db = store_db_open(
		     s->s_db, s->s_sync_full ? STORE_DB_SYNC_FULL : 0, err, sizeof(err))) == NULL ||
		(st->st_ckpt = store_ckpt_start(st->st_db, err, sizeof(err))) == NULL)
		goto fail_msg;
	if (store_listen_open(&sock, nng_pub0_open, &live_url, 1, &lc, err, sizeof(err)) < 0)
		goto fail_msg;
	if ((st->st_live = store_live_new(sock)) == NULL) {
		nng_close(sock);
		snprintf(err, sizeof(err), "out of memory");
		goto fail_msg;
	}
	if (store_listen_open(&sock, nng_rep0_open, (const char *const *)s->s_ingest, s->s_ningest,
		    &lc, err, sizeof(err)) < 0)
		goto fail_msg;
	ic.ic_db = st->st_db;
	ic.ic_ckpt = st->st_ckpt;
	ic.ic_sock = sock;
	ic.ic_live = st->st_live;
	ic.ic_retention = &st->st_retention;
	ic.ic_retention_ms = 0;
	ic.ic_writer_nice = s->s_writer_nice;
	if ((st->st_ingest = store_ingest_start(&ic, err, sizeof(err))) == NULL)
		goto fail_msg;
	memset(&qc, 0, sizeof(qc));
	qc.qc_db_path = s->s_db;
	qc.qc_retention = &st->st_retention;
	qc.qc_stats = store_ingest_stats;
	qc.qc_stats_arg = st->st_ingest;
	if ((q = store_query_open(&qc, err, sizeof(err))) == NULL)
		goto fail_msg;
	if (store_listen_open(&sock, nng_rep0_open, &query_url, 1, &lc, err, sizeof(err)) < 0) {
		store_query_close(q);
		goto fail_msg;
	}
	if ((st->st_qserve = store_qserve_start(sock, q, err, sizeof(err))) == NULL)
		goto fail_msg;
	return (0);
fail_msg:
	if (err[0] != '\0')
		mm_err("%s", err);
	store_stop(st, false);
	return (-1);
}

static void
log_started(const struct store_settings *s)
{
	char ingest[1024] = "";
	size_t n = 0;

	if (s->s_postgresql) {
		for (size_t i = 0; i < s->s_js_nservers && n < sizeof(ingest); i++)
			n += (size_t)snprintf(ingest + n, sizeof(ingest) - n, "%s%s",
				i > 0 ? "," : "", s->s_js_servers[i]);
		mm_notice("central store: PostgreSQL '%s' (retention %llu days); events from "
			  "JetStream %s (stream %s, consumer %s); queries on %s; live view on %s",
			s->s_pg_conninfo, (unsigned long long)s->s_retention_days, ingest,
			s->s_js_stream, s->s_js_durable, s->s_query, s->s_live);
		return;
	}

	for (size_t i = 0; i < s->s_ningest && n < sizeof(ingest); i++)
		n += (size_t)snprintf(
			ingest + n, sizeof(ingest) - n, "%s%s", i > 0 ? " " : "", s->s_ingest[i]);
	mm_notice("storing in %s (retention %llu days, %llu MB); ingest on %s; queries on %s; "
		  "live view on %s",
		s->s_db, (unsigned long long)s->s_retention_days,
		(unsigned long long)s->s_max_size_mb, ingest, s->s_query, s->s_live);
}

int
main(int argc, char **argv)
{
	struct store_settings s;
	char err[MM_CFG_ERRLEN];
	struct mm_cfg *cfg;
	struct store st;
	struct opts o;
	sigset_t sigs;
	int rv, sig;

	mm_log_init(PROG, MM_LOG_NOTICE);
	/* SQLite's allocation statistics take a global mutex on every malloc. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((rv = parse_args(&o, argc, argv)) != 0) {
		free(o.o_sets);
		free(o.o_listen);
		return (rv == 1 ? 0 : 2);
	}
	mm_log_set_level((enum mm_log_level)o.o_log_level);
	cfg = load_config(&o);
	free(o.o_sets);
	free(o.o_listen);
	if (cfg == NULL)
		return (2);
	rv = store_settings_load(&s, cfg, err, sizeof(err));
	mm_cfg_free(cfg);
	if (rv < 0) {
		mm_err("%s", err);
		return (2);
	}
	if (o.o_check) {
		printf("%s: configuration OK\n", PROG);
		store_settings_free(&s);
		return (0);
	}
	/*
	 * Signals are taken by sigwait() here: blocked before any thread
	 * (nng's included) starts, so that no other thread receives them.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (store_start(&st, &s) < 0) {
		store_settings_free(&s);
		return (1);
	}
	log_started(&s);
	while (sigwait(&sigs, &sig) != 0)
		;
	mm_notice("%s: finishing the current transaction", strsignal(sig));
	store_stop(&st, true);
	store_settings_free(&s);
	nng_fini();
	return (0);
}
