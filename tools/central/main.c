/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-central: cross-site C&C analysis.  Reads the per-window summaries
 * (summary.h) that detectors publish at every site, from NATS JetStream (a
 * durable consumer of mamori.*.c2_summary, explicit acknowledgements) or
 * from EVE files, merges them over the fleet and reports the destinations
 * whose clients, spread over sites, beacon to them (central.h).  Candidates
 * are written as EVE lines and may be published back to JetStream as
 * mamori.<site>.c2_fleet_candidate, where the central store keeps them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>

#include <mamori/exporter.h>
#include <mamori/log.h>

#include "central.h"
#include "store_jspull.h"
#include "store_time.h"

#define PROG "mamori-central"
#ifndef MAMORI_VERSION
#define MAMORI_VERSION "0.1.0"
#endif
#define FETCH_BATCH 256
#define FETCH_MS    200

static const char usage_text[] =
	"Usage: mamori-central (--nats URL[,URL...] | --input FILE...) [OPTIONS]\n"
	"\n"
	"Cross-site C&C analysis: merges the per-window summaries (event type\n"
	"c2_summary) that detectors publish at every appliance site, over the whole\n"
	"fleet, and reports destinations whose clients - spread over sites, perhaps\n"
	"too few at each to be flagged there - beacon to them, as EVE events of type\n"
	"c2_fleet_candidate.  See mamori-central(8) (docs/mamori-central.md).\n"
	"\n"
	"Input:\n"
	"      --nats URLS          consume from NATS JetStream: nats:// or tls:// URLs,\n"
	"                           comma-separated (a durable consumer with explicit\n"
	"                           acknowledgements: a restart loses nothing)\n"
	"      --stream NAME        the stream (default MAMORI; created with --replicas\n"
	"                           when missing)\n"
	"      --replicas N         replicas of a stream created here (default 3)\n"
	"      --durable NAME       the consumer (default mamori-central)\n"
	"      --creds FILE         NATS credentials file\n"
	"      --tls-ca FILE        CA certificates the NATS servers must chain to\n"
	"  -i, --input FILE        read EVE lines from FILE ('-': standard input); a\n"
	"                           line's site is its \"site\" member, else --site\n"
	"      --site NAME          site of input lines without one (default local)\n"
	"\n"
	"Output:\n"
	"  -e, --eve FILE          append candidates as EVE lines (default: standard\n"
	"                           output)\n"
	"      --publish SITE       also publish candidates to the --nats cluster as\n"
	"                           mamori.SITE.c2_fleet_candidate (spooled in\n"
	"                           --state-dir when the cluster is away)\n"
	"      --state-dir DIR      where the publishing spool lives (default\n"
	"                           /var/lib/mamori)\n"
	"\n"
	"Analysis:\n"
	"      --interval SECONDS   score every SECONDS (default 60)\n"
	"      --once               read what is there (until the input ends, or the\n"
	"                           stream has been idle for --idle-ms), score, exit\n"
	"      --idle-ms MS         idle time that ends --once on a stream (default 2000)\n"
	"      --horizon SECONDS    merge the windows of the last SECONDS (default 3600)\n"
	"      --min-clients N      distinct clients over the fleet (default 5)\n"
	"      --min-beacons N      clients that beacon (default 3)\n"
	"      --min-intervals N    intervals a beaconing client shows (default 3)\n"
	"      --max-cv X           coefficient of variation of its intervals (0.25)\n"
	"      --min-share X        beaconing clients / clients (default 0.5)\n"
	"  -l, --log-level LEVEL   err, warn, notice (default), info or debug\n"
	"  -h, --help              this help\n"
	"  -V, --version           the version\n"
	"\n"
	"Examples:\n"
	"  mamori-central --nats nats://n1:4222,nats://n2:4222,nats://n3:4222 \\\n"
	"      --publish central --state-dir /var/lib/mamori\n"
	"  mamori-central --once --input summaries.json --eve candidates.json\n"
	"\n"
	"Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.\n";

enum {
	OPT_NATS = 256,
	OPT_STREAM,
	OPT_REPLICAS,
	OPT_DURABLE,
	OPT_CREDS,
	OPT_TLS_CA,
	OPT_SITE,
	OPT_PUBLISH,
	OPT_STATE,
	OPT_INTERVAL,
	OPT_ONCE,
	OPT_IDLE,
	OPT_HORIZON,
	OPT_MIN_CLIENTS,
	OPT_MIN_BEACONS,
	OPT_MIN_INTERVALS,
	OPT_MAX_CV,
	OPT_MIN_SHARE,
};

struct opts {
	const char *o_nats;
	const char *o_stream;
	const char *o_durable;
	const char *o_creds;
	const char *o_tls_ca;
	const char *o_site;
	const char *o_publish;
	const char *o_state;
	const char *o_eve;
	const char **o_inputs;
	int o_ninputs;
	long o_replicas;
	long o_interval_s;
	long o_idle_ms;
	bool o_once;
	struct central_conf o_conf;
};

static atomic_bool stop;

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
num(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(*out >= lo && *out <= hi)) {
		fprintf(stderr, "%s: %s: expected a number from %g to %g, got '%s'\n", PROG, opt,
			lo, hi, v);
		return (-1);
	}
	return (0);
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nats", required_argument, NULL, OPT_NATS },
		{ "stream", required_argument, NULL, OPT_STREAM },
		{ "replicas", required_argument, NULL, OPT_REPLICAS },
		{ "durable", required_argument, NULL, OPT_DURABLE },
		{ "creds", required_argument, NULL, OPT_CREDS },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "input", required_argument, NULL, 'i' },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "eve", required_argument, NULL, 'e' },
		{ "publish", required_argument, NULL, OPT_PUBLISH },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "idle-ms", required_argument, NULL, OPT_IDLE },
		{ "horizon", required_argument, NULL, OPT_HORIZON },
		{ "min-clients", required_argument, NULL, OPT_MIN_CLIENTS },
		{ "min-beacons", required_argument, NULL, OPT_MIN_BEACONS },
		{ "min-intervals", required_argument, NULL, OPT_MIN_INTERVALS },
		{ "max-cv", required_argument, NULL, OPT_MAX_CV },
		{ "min-share", required_argument, NULL, OPT_MIN_SHARE },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c, lvl;

	o->o_stream = "MAMORI";
	o->o_durable = "mamori-central";
	o->o_site = "local";
	o->o_state = "/var/lib/mamori";
	o->o_replicas = 3;
	o->o_interval_s = 60;
	o->o_idle_ms = 2000;
	o->o_conf.cc_horizon_ns = 3600LL * 1000000000LL;
	o->o_conf.cc_min_clients = 5;
	o->o_conf.cc_min_beacons = 3;
	o->o_conf.cc_min_intervals = 3;
	o->o_conf.cc_max_cv = 0.25;
	o->o_conf.cc_min_share = 0.5;
	if ((o->o_inputs = calloc((size_t)argc + 1, sizeof(*o->o_inputs))) == NULL)
		return (2);
	while ((c = getopt_long(argc, argv, "i:e:l:hV", lo, NULL)) != -1) {
		int rv = 0;

		switch (c) {
		case OPT_NATS:
			o->o_nats = optarg;
			break;
		case OPT_STREAM:
			o->o_stream = optarg;
			break;
		case OPT_REPLICAS:
			rv = num("--replicas", optarg, 1, 5, &v);
			o->o_replicas = (long)v;
			break;
		case OPT_DURABLE:
			o->o_durable = optarg;
			break;
		case OPT_CREDS:
			o->o_creds = optarg;
			break;
		case OPT_TLS_CA:
			o->o_tls_ca = optarg;
			break;
		case 'i':
			o->o_inputs[o->o_ninputs++] = optarg;
			break;
		case OPT_SITE:
			o->o_site = optarg;
			break;
		case 'e':
			o->o_eve = optarg;
			break;
		case OPT_PUBLISH:
			o->o_publish = optarg;
			break;
		case OPT_STATE:
			o->o_state = optarg;
			break;
		case OPT_INTERVAL:
			rv = num("--interval", optarg, 1, 86400, &v);
			o->o_interval_s = (long)v;
			break;
		case OPT_ONCE:
			o->o_once = true;
			break;
		case OPT_IDLE:
			rv = num("--idle-ms", optarg, 100, 600000, &v);
			o->o_idle_ms = (long)v;
			break;
		case OPT_HORIZON:
			rv = num("--horizon", optarg, 60, 30 * 86400, &v);
			o->o_conf.cc_horizon_ns = (int64_t)v * 1000000000LL;
			break;
		case OPT_MIN_CLIENTS:
			rv = num("--min-clients", optarg, 2, 1e6, &v);
			o->o_conf.cc_min_clients = (unsigned)v;
			break;
		case OPT_MIN_BEACONS:
			rv = num("--min-beacons", optarg, 1, 1e6, &v);
			o->o_conf.cc_min_beacons = (unsigned)v;
			break;
		case OPT_MIN_INTERVALS:
			rv = num("--min-intervals", optarg, 2, 1e6, &v);
			o->o_conf.cc_min_intervals = (unsigned)v;
			break;
		case OPT_MAX_CV:
			rv = num("--max-cv", optarg, 0, 10, &o->o_conf.cc_max_cv);
			break;
		case OPT_MIN_SHARE:
			rv = num("--min-share", optarg, 0, 1, &o->o_conf.cc_min_share);
			break;
		case 'l':
			if ((lvl = mm_log_level_parse(optarg)) < 0) {
				fprintf(stderr,
					"%s: --log-level: expected err, warn, notice, info or "
					"debug\n",
					PROG);
				return (2);
			}
			mm_log_set_level((enum mm_log_level)lvl);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return (1);
		case 'V':
			printf("%s %s (libnats %s)\n", PROG, MAMORI_VERSION, nats_GetVersion());
			return (1);
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
			return (2);
		}
		if (rv != 0)
			return (2);
	}
	if (optind < argc || (o->o_nats == NULL) == (o->o_ninputs == 0)) {
		fprintf(stderr,
			"%s: expected --nats URLS or --input FILE (one of them)\n"
			"Try '%s --help' for more information.\n",
			PROG, PROG);
		return (2);
	}
	if (o->o_publish != NULL && o->o_nats == NULL) {
		fprintf(stderr, "%s: --publish needs --nats\n", PROG);
		return (2);
	}
	return (0);
}

struct out {
	FILE *ou_eve;
	struct mm_exporter *ou_exp;
	uint64_t ou_written;
};

static void
emit(struct out *ou, json_t *candidates)
{
	size_t i;
	json_t *ev;

	json_array_foreach(candidates, i, ev)
	{
		char *line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (line != NULL) {
			fprintf(ou->ou_eve, "%s\n", line);
			free(line);
			ou->ou_written++;
		}
		if (ou->ou_exp != NULL)
			mm_exporter_submit(ou->ou_exp, json_incref(ev));
		mm_notice("candidate %s:%lld/%s: %lld clients over %lld sites, %lld beaconing",
			json_string_value(json_object_get(ev, "dest_ip")),
			(long long)json_integer_value(json_object_get(ev, "dest_port")),
			json_string_value(json_object_get(ev, "proto")),
			(long long)json_integer_value(
				json_object_get(json_object_get(ev, "fleet"), "clients")),
			(long long)json_integer_value(
				json_object_get(json_object_get(ev, "fleet"), "sites_seen")),
			(long long)json_integer_value(
				json_object_get(json_object_get(ev, "fleet"), "beacon_clients")));
	}
	fflush(ou->ou_eve);
	json_decref(candidates);
}

static int
read_files(const struct opts *o, struct central *c)
{
	char *line = NULL, why[256];
	size_t cap = 0;
	ssize_t n;

	for (int i = 0; i < o->o_ninputs; i++) {
		FILE *f = strcmp(o->o_inputs[i], "-") == 0 ? stdin : fopen(o->o_inputs[i], "r");
		unsigned long lineno = 0;

		if (f == NULL) {
			mm_err("%s: %s", o->o_inputs[i], strerror(errno));
			free(line);
			return (-1);
		}
		while ((n = getline(&line, &cap, f)) > 0) {
			json_t *ev = json_loadb(line, (size_t)n, 0, NULL);
			const char *site = json_string_value(json_object_get(ev, "site"));

			lineno++;
			if (central_add(c, site != NULL ? site : o->o_site, line, (size_t)n, why,
				    sizeof(why)) < 0)
				mm_warn("%s:%lu: refused: %s", o->o_inputs[i], lineno, why);
			json_decref(ev);
		}
		if (f != stdin)
			fclose(f);
	}
	free(line);
	return (0);
}

/* Sets up the stream and the consumer if need be and subscribes pl; 0 or -1. */
static int
subscribe(const struct opts *o, jsCtx *js, natsConnection *nc, struct store_jspull *pl)
{
	const char *subjects[] = { "mamori.>" };
	char filter[64];
	jsStreamInfo *si = NULL;
	jsConsumerInfo *ci = NULL;
	jsStreamConfig sc;
	jsConsumerConfig cc;
	jsErrCode jerr = 0;
	natsStatus s;

	s = js_GetStreamInfo(&si, js, o->o_stream, NULL, &jerr);
	if (s == NATS_NOT_FOUND) {
		jsStreamConfig_Init(&sc);
		sc.Name = o->o_stream;
		sc.Subjects = subjects;
		sc.SubjectsLen = 1;
		sc.Storage = js_FileStorage;
		sc.Replicas = o->o_replicas;
		s = js_AddStream(&si, js, &sc, NULL, &jerr);
	}
	jsStreamInfo_Destroy(si);
	if (s != NATS_OK)
		return (-1);
	snprintf(filter, sizeof(filter), "mamori.*.%s", MM_SUMMARY_TYPE);
	s = js_GetConsumerInfo(&ci, js, o->o_stream, o->o_durable, NULL, &jerr);
	if (s == NATS_NOT_FOUND) {
		jsConsumerConfig_Init(&cc);
		cc.Durable = o->o_durable;
		cc.AckPolicy = js_AckExplicit;
		cc.DeliverPolicy = js_DeliverAll;
		cc.FilterSubject = filter;
		cc.AckWait = 30LL * 1000000000LL;
		s = js_AddConsumer(&ci, js, o->o_stream, &cc, NULL, &jerr);
	}
	jsConsumerInfo_Destroy(ci);
	if (s != NATS_OK)
		return (-1);
	/* Pulled by hand (store_jspull.h says why). */
	if (store_jspull_open(pl, nc, "central", o->o_stream, o->o_durable) != NATS_OK)
		return (-1);
	mm_notice("consuming %s from stream %s as %s", filter, o->o_stream, o->o_durable);
	return (0);
}

static const char *
subject_site(const char *subject, char *buf, size_t len)
{
	const char *a = strchr(subject, '.'), *b = a != NULL ? strchr(a + 1, '.') : NULL;

	if (b == NULL || (size_t)(b - a - 1) >= len || b == a + 1)
		return (NULL);
	memcpy(buf, a + 1, (size_t)(b - a - 1));
	buf[b - a - 1] = '\0';
	return (buf);
}

static int
consume(const struct opts *o, struct central *c, struct out *ou)
{
	natsConnection *nc = NULL;
	natsOptions *no = NULL;
	struct store_jspull pl = { 0 };
	natsMsg *msgs[FETCH_BATCH];
	int nmsgs;
	jsCtx *js = NULL;
	const char *servers[32];
	char *list = strdup(o->o_nats), *tok, *save = NULL, why[256];
	uint64_t last_msg = mono_ms(), next_score = mono_ms() + (uint64_t)o->o_interval_s * 1000;
	int ns = 0, rv = -1;

	for (tok = list != NULL ? strtok_r(list, ",", &save) : NULL; tok != NULL && ns < 32;
		tok = strtok_r(NULL, ",", &save))
		servers[ns++] = tok;
	if (ns == 0 || natsOptions_Create(&no) != NATS_OK ||
		natsOptions_SetServers(no, servers, ns) != NATS_OK ||
		natsOptions_SetName(no, PROG) != NATS_OK ||
		natsOptions_SetMaxReconnect(no, -1) != NATS_OK ||
		(o->o_creds != NULL &&
			natsOptions_SetUserCredentialsFromFiles(no, o->o_creds, NULL) != NATS_OK) ||
		(o->o_tls_ca != NULL && (natsOptions_SetSecure(no, true) != NATS_OK ||
						natsOptions_LoadCATrustedCertificates(
							no, o->o_tls_ca) != NATS_OK))) {
		mm_err("--nats %s: %s", o->o_nats, nats_GetLastError(NULL));
		goto out;
	}
	if (natsConnection_Connect(&nc, no) != NATS_OK ||
		natsConnection_JetStream(&js, nc, NULL) != NATS_OK) {
		mm_err("--nats %s: %s; is the cluster up?", o->o_nats, nats_GetLastError(NULL));
		goto out;
	}
	while (!atomic_load(&stop) && subscribe(o, js, nc, &pl) != 0)
		nats_Sleep(500);
	while (!atomic_load(&stop) && pl.jp_sub != NULL) {
		store_jspull_fetch(&pl, msgs, FETCH_BATCH, FETCH_MS, &nmsgs);
		for (int i = 0; i < nmsgs; i++) {
			natsMsg *m = msgs[i];
			char sb[CENTRAL_SITE_MAX + 1];
			const char *site = subject_site(natsMsg_GetSubject(m), sb, sizeof(sb));

			if (central_add(c, site, natsMsg_GetData(m),
				    (size_t)natsMsg_GetDataLength(m), why, sizeof(why)) < 0)
				mm_warn("%s: refused: %s", natsMsg_GetSubject(m), why);
			/* Merged (or refused for good): either way it is done with. */
			store_jspull_reply(nc, m, "+ACK");
			natsMsg_Destroy(m);
			last_msg = mono_ms();
		}
		if (ou->ou_exp != NULL)
			mm_exporter_poll(ou->ou_exp, mono_ms());
		if (o->o_once && mono_ms() - last_msg >= (uint64_t)o->o_idle_ms)
			break;
		if (!o->o_once && mono_ms() >= next_score) {
			emit(ou, central_score(c, store_time_now()));
			next_score = mono_ms() + (uint64_t)o->o_interval_s * 1000;
		}
	}
	if (pl.jp_sub != NULL)
		natsConnection_FlushTimeout(nc, 2000);
	rv = 0;
out:
	store_jspull_close(&pl);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(no);
	free(list);
	return (rv);
}

int
main(int argc, char **argv)
{
	struct central_stats cs;
	struct sigaction sa;
	struct central *c;
	struct out ou = { 0 };
	struct opts o;
	int rv;

	memset(&o, 0, sizeof(o));
	mm_log_init(PROG, MM_LOG_NOTICE);
	if ((rv = parse_opts(&o, argc, argv)) != 0) {
		free(o.o_inputs);
		return (rv == 1 ? 0 : rv);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ou.ou_eve = o.o_eve != NULL ? fopen(o.o_eve, "ae") : stdout;
	if (ou.ou_eve == NULL) {
		mm_err("--eve %s: %s", o.o_eve, strerror(errno));
		free(o.o_inputs);
		return (1);
	}
	if (o.o_publish != NULL) {
		struct mm_exporter_conf ec;
		char url[1024], spool[1024], err[512];

		memset(&ec, 0, sizeof(ec));
		snprintf(url, sizeof(url), "%s?site=%s", o.o_nats, o.o_publish);
		snprintf(spool, sizeof(spool), "%s/central.spool", o.o_state);
		ec.ec_url = url;
		ec.ec_spool_path = spool;
		ec.ec_nats_creds = o.o_creds;
		ec.ec_tls_ca_file = o.o_tls_ca;
		if ((ou.ou_exp = mm_exporter_new(&ec, err, sizeof(err))) == NULL) {
			mm_err("--publish: %s", err);
			free(o.o_inputs);
			return (2);
		}
	}
	c = central_new(&o.o_conf);
	rv = c == NULL ? -1 : o.o_nats != NULL ? consume(&o, c, &ou) : read_files(&o, c);
	if (rv == 0)
		emit(&ou, central_score(c, store_time_now()));
	if (c != NULL) {
		central_stats(c, &cs);
		mm_notice("%llu summaries merged, %llu refused, %llu other events skipped; %llu "
			  "destinations; %llu candidates",
			(unsigned long long)cs.cs_summaries, (unsigned long long)cs.cs_refused,
			(unsigned long long)cs.cs_ignored, (unsigned long long)cs.cs_destinations,
			(unsigned long long)cs.cs_candidates);
	}
	if (ou.ou_exp != NULL) {
		long left = mm_exporter_flush(ou.ou_exp, 10000);

		if (left > 0)
			mm_warn("--publish: %ld candidates wait in the spool", left);
		mm_exporter_free(ou.ou_exp);
	}
	if (ou.ou_eve != stdout)
		fclose(ou.ou_eve);
	central_free(c);
	free(o.o_inputs);
	return (rv == 0 ? 0 : 1);
}
