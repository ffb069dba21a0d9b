/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorid: the Mamori appliance daemon.  The main lcore is the control
 * thread (records out, statistics, the end of an offline run); the other
 * lcores are workers.  The NetFlow/IPFIX collector, when configured, is a
 * thread of its own beside them (collector.h); with the collector alone
 * there may be no port and no worker at all.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include <mamori/audit.h>
#include <mamori/bus.h>
#include <mamori/config.h>
#include <mamori/eve.h>
#include <mamori/exporter.h>
#include <mamori/keys.h>
#include <mamori/log.h>

#include "collector.h"
#include "control.h"
#include "hsvc.h"
#include "metrics.h"
#include "port.h"
#include "settings.h"
#include "stats.h"
#include "worker.h"

#define PROG "mamorid"
#ifndef MAMORI_VERSION
#define MAMORI_VERSION "0.1.0"
#endif

static volatile sig_atomic_t got_signal;

struct opts {
	const char *o_config;
	const char *o_pcap;
	bool o_quiet;
	bool o_check;
	int o_log_level;
	/* Overrides, in command-line order: pairs of (key or NULL, value or key=value). */
	const char **o_sets;
	int o_nsets;
};

static const char usage_text[] =
	"Usage: mamorid [OPTIONS]\n"
	"\n"
	"Mamori's appliance daemon: receives packets on DPDK ports (a NIC, an\n"
	"interface through net_af_packet, or a capture file through net_pcap),\n"
	"decodes them, tracks flows on worker lcores and reports flow records.\n"
	"With collector.listen set it also collects NetFlow v5/v9 and IPFIX from\n"
	"routers, and may run with the collector alone (no ports, eal.lcores 0).\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE        YAML configuration (see configs/default.yaml)\n"
	"  -r, --pcap FILE          offline run: read FILE (pcap or pcapng) through the\n"
	"                           same fast path, flush all flows, print a summary and\n"
	"                           exit; replaces the configured ports\n"
	"  -s, --set KEY=VALUE      override a configuration key, e.g.\n"
	"                           --set flow.timeouts.udp=5m --set ports.0.rx_queues=4;\n"
	"                           VALUE is YAML, so lists work: --set home_net=[a, b]\n"
	"  -H, --home-net CIDRS     home networks (subscribers), comma-separated;\n"
	"                           same as --set home_net=CIDRS\n"
	"  -F, --flows-out FILE     write flow records as EVE JSON lines ('-': stdout);\n"
	"                           same as --set output.flows=FILE\n"
	"  -e, --eve FILE           write every event (flows included) as EVE JSON lines,\n"
	"                           as Suricata's eve.json; same as --set output.eve=FILE\n"
	"  -j, --summary-json FILE  write the final statistics as one JSON object\n"
	"  -i, --stats-interval DUR print statistics every DUR (10s, 1m; 0: only at exit)\n"
	"  -L, --lcores LIST        EAL lcores, the first being the control lcore\n"
	"                           (0-1, or 0@0,1@0 to share one CPU); same as\n"
	"                           --set eal.lcores=LIST\n"
	"  -q, --quiet              no progress line\n"
	"      --check-config       load and validate the configuration, then exit\n"
	"  -l, --log-level LEVEL    err, warn, notice (default), info or debug\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Without hugepages mounted, mamorid runs with --no-huge and says so once.\n"
	"SIGINT or SIGTERM stop a live run: flows are flushed and the summary printed.\n"
	"Logs go to stderr; under systemd to the journal with their levels;\n"
	"MAMORI_LOG_TARGET=syslog sends them to syslog (docs/operations.md).\n"
	"\n"
	"Examples:\n"
	"  mamorid --pcap capture.pcap --flows-out flows.json\n"
	"  mamorid -c /etc/mamori/mamorid.yaml --home-net 203.0.113.0/24,2001:db8::/32\n"
	"\n"
	"Exit status: 0 on success, 1 on a runtime error, 2 on a usage or\n"
	"configuration error.\n";

static void
on_signal(int sig)
{
	got_signal = sig;
}

static int
set_or_die(struct mm_cfg *cfg, const char *key, const char *value)
{
	char err[MM_CFG_ERRLEN], *a;
	int rv;

	if (asprintf(&a, "%s=%s", key, value) < 0)
		return (-ENOMEM);
	rv = mm_cfg_set(cfg, a, err, sizeof(err));
	if (rv < 0)
		mm_err("%s", err);
	free(a);
	return (rv);
}

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

static int
set_pcap_port(struct mm_cfg *cfg, const char *file)
{
	char *dev, *q, *val;
	int rv;

	if (strchr(file, ',') != NULL) {
		mm_err("capture '%s': DPDK device arguments cannot hold a comma; rename the file",
			file);
		return (-EINVAL);
	}
	if (asprintf(&dev, "net_pcap0,rx_pcap=%s", file) < 0)
		return (-ENOMEM);
	q = yaml_quote(dev);
	free(dev);
	if (q == NULL || asprintf(&val, "[{dev: %s}]", q) < 0) {
		free(q);
		return (-ENOMEM);
	}
	rv = set_or_die(cfg, "ports", val);
	free(q);
	free(val);
	return (rv);
}

/* The configuration the command line asks for: the file, then --pcap, then overrides. */
static struct mm_cfg *
build_config(const struct opts *o)
{
	char err[MM_CFG_ERRLEN];
	struct mm_cfg *cfg;
	int rv = 0;

	cfg = o->o_config != NULL ? mm_cfg_load_file(o->o_config, err, sizeof(err))
				  : mm_cfg_new("(defaults)");
	if (cfg == NULL) {
		mm_err("%s", err);
		return (NULL);
	}
	if (o->o_pcap != NULL && set_pcap_port(cfg, o->o_pcap) < 0)
		rv = -1;
	for (int i = 0; i < o->o_nsets && rv == 0; i++) {
		if (o->o_sets[2 * i] != NULL)
			rv = set_or_die(cfg, o->o_sets[2 * i], o->o_sets[2 * i + 1]);
		else if ((rv = mm_cfg_set(cfg, o->o_sets[2 * i + 1], err, sizeof(err))) < 0)
			mm_err("%s", err);
	}
	if (rv < 0) {
		mm_cfg_free(cfg);
		return (NULL);
	}
	return (cfg);
}

/* Reads the command line into cfg; returns 0, 1 to exit 0 (help), or -1 to exit 2. */
static int
parse_args(int argc, char **argv, struct opts *o, struct mm_cfg **cfgp)
{
	enum { OPT_CHECK = 256 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "home-net", required_argument, NULL, 'H' },
		{ "flows-out", required_argument, NULL, 'F' },
		{ "eve", required_argument, NULL, 'e' },
		{ "summary-json", required_argument, NULL, 'j' },
		{ "stats-interval", required_argument, NULL, 'i' },
		{ "lcores", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const keys[128] = {
		['H'] = "home_net",
		['F'] = "output.flows",
		['e'] = "output.eve",
		['j'] = "output.summary_json",
		['i'] = "output.stats_interval",
		['L'] = "eal.lcores",
	};
	/* Overrides apply after the file is loaded, in command-line order. */
	const char **sets = calloc((size_t)argc, sizeof(char *) * 2);
	int nsets = 0, c, rv = 0;

	if (sets == NULL)
		return (-1);
	memset(o, 0, sizeof(*o));
	o->o_sets = sets;
	o->o_log_level = MM_LOG_NOTICE;
	while ((c = getopt_long(argc, argv, "c:r:s:H:F:e:j:i:L:ql:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->o_config = optarg;
			break;
		case 'r':
			o->o_pcap = optarg;
			break;
		case 's':
			sets[2 * nsets] = NULL;
			sets[2 * nsets + 1] = optarg;
			nsets++;
			break;
		case 'H':
		case 'F':
		case 'e':
		case 'j':
		case 'i':
		case 'L':
			sets[2 * nsets] = keys[c];
			sets[2 * nsets + 1] = optarg;
			nsets++;
			break;
		case 'q':
			o->o_quiet = true;
			break;
		case OPT_CHECK:
			o->o_check = true;
			break;
		case 'l':
			if ((o->o_log_level = mm_log_level_parse(optarg)) < 0) {
				mm_err("--log-level: expected err, warn, notice, info or debug, "
				       "got '%s'",
					optarg);
				rv = -1;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			rv = 1;
			break;
		case 'V':
			printf("mamorid %s\n", MAMORI_VERSION);
			rv = 1;
			break;
		default:
			fprintf(stderr, "Try 'mamorid --help' for more information.\n");
			rv = -1;
			break;
		}
		if (rv != 0)
			goto out;
	}
	if (optind < argc) {
		mm_err("unexpected argument '%s' (options only; see --help)", argv[optind]);
		rv = -1;
		goto out;
	}
	if (o->o_config == NULL && o->o_pcap == NULL) {
		mm_err("nothing to do: give a configuration (-c FILE) or a capture (--pcap FILE)");
		rv = -1;
		goto out;
	}
	o->o_nsets = nsets;
	if ((*cfgp = build_config(o)) == NULL)
		rv = -1;
out:
	return (rv);
}

struct app;
static uint64_t env_now_ns(void *arg);
static bool env_is_home(void *arg, const struct mm_addr *addr);

struct app {
	const struct opts *a_opts;
	struct mm_cfg *a_cfg;
	struct dp_control *a_ctl;
	struct dp_metrics *a_metrics; /* the Prometheus endpoint, when metrics.url is set */
	uint64_t a_gen_seq;
	struct dp_gen *a_retired; /* replaced generations whose streams are still open */
	double a_t_start;
	volatile bool a_stop;     /* asked to stop over the control socket */
	struct mm_key *a_key;     /* the appliance's Ed25519 key */
	struct mm_audit *a_audit; /* its signed, hash-chained audit log */
	struct dp_settings a_s;
	struct plg_set a_plugins;
	FILE *a_eve;
	uint64_t a_events_written;
	struct mm_exporter *a_exp; /* to the store, when export.store is set */
	struct dp_port a_ports[DP_MAX_PORTS];
	unsigned a_nports;
	struct dp_workers a_ws;
	struct col *a_col; /* the NetFlow/IPFIX collector, when it runs */
	struct rte_mempool *a_pool;
	FILE *a_flows;
	char *a_text; /* an event written as text (plg_event_text) */
	size_t a_text_len;
	char *a_json; /* an event built as an object, serialised (grows) */
	size_t a_json_cap;
	bool a_offline;
	uint64_t a_frames[DP_MAX_PORTS]; /* frames in each port's capture file, if any */
	uint64_t a_expected;
	uint64_t a_flows_written;
};

static int
load_plugins(struct app *a)
{
	struct plg_env env;
	char err[MM_CFG_ERRLEN], exe[PATH_MAX];
	unsigned lcore;
	ssize_t n;
	int rv;

	memset(&env, 0, sizeof(env));
	env.e_cfg = a->a_cfg;
	env.e_state_dir = a->a_s.s_state_dir;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		n = 0;
	exe[n] = '\0';
	env.e_exe_dir = dirname(exe);
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (env.e_nworkers == PLG_MAX_WORKERS)
			break;
		env.e_worker_lcore[env.e_nworkers] = lcore;
		env.e_worker_socket[env.e_nworkers] = (int)rte_lcore_to_socket_id(lcore);
		env.e_nworkers++;
	}
	env.e_now_ns = env_now_ns;
	env.e_is_home = env_is_home;
	env.e_stream_depth = a->a_s.s_stream.sc_depth;
	env.e_arg = a;
	/* A refused plugin is reported; the appliance runs on with the others. */
	if ((rv = plg_load(&a->a_plugins, &env, true, err, sizeof(err))) < 0) {
		mm_err("%s", err);
		return (rv);
	}
	a->a_plugins.ps_backpressure = a->a_offline;
	if ((rv = plg_exercise_set(&a->a_plugins, a->a_s.s_exercise)) < 0)
		return (rv);
	a->a_text_len = plg_event_text_max(&a->a_plugins);
	if ((a->a_text = malloc(a->a_text_len)) == NULL)
		return (-ENOMEM);
	return (0);
}

static int
setup_workers(struct app *a)
{
	struct dp_workers *ws = &a->a_ws;
	unsigned lcore, next = 0;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (ws->ws_n == DP_MAX_WORKERS)
			break;
		ws->ws_v[ws->ws_n] =
			dp_worker_create(ws, ws->ws_n, lcore, &a->a_s, a->a_offline, &a->a_plugins);
		if (ws->ws_v[ws->ws_n] == NULL) {
			mm_err("lcore %u: cannot create the worker (flow table of %u flows, "
			       "rings): "
			       "%s; lower flow.capacity or raise eal.memory",
				lcore, a->a_s.s_flow.fc_capacity, rte_strerror(rte_errno));
			return (-ENOMEM);
		}
		ws->ws_n++;
	}
	/* The collector alone needs no worker: the control lcore is enough. */
	if (ws->ws_n == 0 && a->a_nports > 0) {
		mm_err("eal.lcores '%s' leaves no worker lcore: give at least two, the first for "
		       "control (for example 0-1, or 0@0,1@0 on one CPU)",
			a->a_s.s_lcores);
		return (-EINVAL);
	}
	/* Queues go round-robin to workers; without RSS one queue feeds them all. */
	for (unsigned i = 0; i < a->a_nports; i++) {
		const struct dp_port *p = &a->a_ports[i];

		for (uint16_t q = 0; q < p->p_nb_rxq; q++) {
			struct dp_worker *w = ws->ws_v[next++ % ws->ws_n];
			struct dp_rxq *rq;

			if (w->w_nrxq == DP_MAX_RXQ) {
				mm_err("too many RX queues for %u workers", ws->ws_n);
				return (-EINVAL);
			}
			rq = &w->w_rxq[w->w_nrxq++];
			rq->q_port = p->p_id;
			rq->q_queue = q;
			rq->q_pcap_ts = p->p_pcap_ts;
			rq->q_dispatch = ws->ws_n > 1 && !p->p_rss;
		}
	}
	for (unsigned i = 0; i < ws->ws_n; i++)
		if (ws->ws_v[i]->w_nrxq > 0)
			rte_atomic32_inc(&ws->ws_rx_active);
	ws->ws_tsc_hz = rte_get_tsc_hz();
	ws->ws_base_tsc = rte_rdtsc();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ws->ws_base_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	}
	return (0);
}

static int
setup_ports(struct app *a)
{
	char err[MM_CFG_ERRLEN];
	uint64_t need = 0;
	int rv;

	/* The collector alone: no port, no packet buffers. */
	if (a->a_s.s_nports == 0)
		return (0);
	for (unsigned i = 0; i < a->a_s.s_nports; i++)
		need += (uint64_t)a->a_s.s_ports[i].pc_rx_desc * a->a_s.s_ports[i].pc_rx_queues;
	if (need + 4 * a->a_s.s_burst >= a->a_s.s_mbufs) {
		mm_err("mempool.mbufs %u cannot fill %" PRIu64
		       " RX descriptors and keep bursts in flight; raise mempool.mbufs above "
		       "%" PRIu64,
			a->a_s.s_mbufs, need, need + 4 * a->a_s.s_burst);
		return (-EINVAL);
	}
	a->a_pool = rte_pktmbuf_pool_create("mamori_mbufs", a->a_s.s_mbufs, a->a_s.s_mbuf_cache, 0,
		(uint16_t)(a->a_s.s_data_room + RTE_PKTMBUF_HEADROOM), (int)rte_socket_id());
	if (a->a_pool == NULL) {
		mm_err("cannot create a pool of %u mbufs: %s; lower mempool.mbufs or raise "
		       "eal.memory",
			a->a_s.s_mbufs, rte_strerror(rte_errno));
		return (-ENOMEM);
	}
	for (unsigned i = 0; i < a->a_s.s_nports; i++) {
		struct dp_port *p = &a->a_ports[i];

		if ((rv = dp_port_setup(p, &a->a_s.s_ports[i], a->a_pool, err, sizeof(err))) < 0) {
			mm_err("%s", err);
			return (rv);
		}
		a->a_nports++;
		if (p->p_offline) {
			p->p_expected = a->a_frames[i];
			a->a_expected += p->p_expected;
		}
		mm_info("port %u: %s (%s), %u RX queue(s)%s", p->p_id, p->p_name, p->p_driver,
			p->p_nb_rxq, p->p_rss ? ", symmetric RSS" : "");
	}
	a->a_offline = a->a_nports > 0;
	for (unsigned i = 0; i < a->a_nports; i++)
		a->a_offline &= a->a_ports[i].p_offline;
	return (0);
}

/*
 * Opens and counts every capture before DPDK starts: a file that is not a
 * capture gets its real reason, and the count drives progress and the end.
 */
static int
count_captures(struct app *a)
{
	char err[MM_CFG_ERRLEN];

	for (unsigned i = 0; i < a->a_s.s_nports; i++) {
		char *file = dp_dev_pcap_file(a->a_s.s_ports[i].pc_dev);
		int rv;

		if (file == NULL)
			continue;
		rv = dp_pcap_count(file, &a->a_frames[i], err, sizeof(err));
		free(file);
		if (rv < 0) {
			mm_err("%s", err);
			return (rv);
		}
	}
	return (0);
}

/* A line as mm_eve_write ends one. */
static int
line_write(FILE *f, const char *text, size_t n)
{
	if (fwrite(text, 1, n, f) != n || fputc('\n', f) == EOF)
		return (-EIO);
	return (0);
}

/*
 * Writes one event, as compact EVE JSON text of the given type, where it
 * goes: --flows-out for flows, --eve for all, and the exporter.
 */
static void
event_out_text(struct app *a, const char *type, const char *text, size_t n)
{
	if (a->a_flows != NULL && strcmp(type, "flow") == 0) {
		if (line_write(a->a_flows, text, n) < 0)
			mm_warn("output.flows: write failed: %s", strerror(errno));
		else
			a->a_flows_written++;
	}
	if (a->a_eve != NULL) {
		if (line_write(a->a_eve, text, n) < 0)
			mm_warn("output.eve: write failed: %s", strerror(errno));
		else
			a->a_events_written++;
	}
	/* Refused events are counted by the exporter (invalid). */
	if (a->a_exp != NULL)
		mm_exporter_submit_text(a->a_exp, text, n);
}

/* The same for an event built as an object: serialised once, as mm_eve_write would. */
static void
event_out(struct app *a, json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "event_type"));
	char *p;
	size_t n;

	plg_event_tag(&a->a_plugins, ev);
	n = json_dumpb(ev, a->a_json, a->a_json_cap, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (n > a->a_json_cap && (p = realloc(a->a_json, n)) != NULL) {
		a->a_json = p;
		a->a_json_cap = n;
		n = json_dumpb(ev, a->a_json, a->a_json_cap, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	/* Nothing written, or no memory for what would be. */
	if (n == 0 || n > a->a_json_cap) {
		mm_warn("event of type '%s' cannot be serialised: not written", type ? type : "?");
		/* The exporter counts it as invalid. */
		if (a->a_exp != NULL)
			mm_exporter_submit_text(a->a_exp, NULL, 0);
		return;
	}
	event_out_text(a, type != NULL ? type : "", a->a_json, n);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
open_exporter(struct app *a)
{
	const struct dp_settings *s = &a->a_s;
	struct mm_exporter_conf ec;
	char err[512], *spool = NULL;

	if (s->s_export_url == NULL)
		return (0);
	memset(&ec, 0, sizeof(ec));
	ec.ec_url = s->s_export_url;
	ec.ec_tls_ca_file = s->s_export_tls_ca;
	ec.ec_tls_cert_key_file = s->s_export_tls_cert_key;
	ec.ec_tls_server_name = s->s_export_tls_server;
	ec.ec_batch_events = (uint32_t)s->s_export_batch;
	ec.ec_batch_delay_ms = (uint32_t)s->s_export_delay_ms;
	ec.ec_inflight_batches = (uint32_t)s->s_export_inflight;
	if (s->s_export_spool == NULL && asprintf(&spool, "%s/export.spool", s->s_state_dir) < 0)
		return (-ENOMEM);
	ec.ec_spool_path = s->s_export_spool != NULL ? s->s_export_spool : spool;
	ec.ec_spool_max_bytes = s->s_export_spool_mb << 20;
	a->a_exp = mm_exporter_new(&ec, err, sizeof(err));
	free(spool);
	if (a->a_exp == NULL) {
		mm_err("export: %s", err);
		return (-EINVAL);
	}
	mm_info("exporting events to %s", s->s_export_url);
	return (0);
}

static json_t *
exporter_json(const struct mm_exporter_stats *st)
{
	return (json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s}",
		"producer", (json_int_t)st->es_producer, "submitted", (json_int_t)st->es_submitted,
		"acked", (json_int_t)st->es_acked, "resent", (json_int_t)st->es_resent, "spooled",
		(json_int_t)st->es_spooled, "drained", (json_int_t)st->es_drained, "dropped",
		(json_int_t)st->es_dropped, "rejected", (json_int_t)st->es_rejected, "invalid",
		(json_int_t)st->es_invalid, "pending", (json_int_t)st->es_pending, "connected",
		st->es_connected, "last_error", st->es_last_error));
}

/* Moves events from the workers' rings and the control thread to the outputs. */
static unsigned
drain_events(struct app *a)
{
	struct plg_set *set = &a->a_plugins;
	struct mm_event evs[32];
	unsigned total = 0;
	size_t i;
	json_t *o;

	for (unsigned w = 0; w < set->ps_nslots; w++) {
		unsigned n;

		while ((n = rte_ring_sc_dequeue_burst_elem(
				set->ps_events[w], evs, sizeof(evs[0]), RTE_DIM(evs), NULL)) > 0) {
			total += n;
			for (unsigned k = 0; k < n; k++) {
				const char *type;
				int len;

				/* Text where the plugin writes it, else an object. */
				len = plg_event_text(set, &evs[k], a->a_text, a->a_text_len, &type);
				if (len >= 0) {
					event_out_text(a, type, a->a_text, (size_t)len);
					continue;
				}
				if ((o = plg_event_json(set, &evs[k])) == NULL)
					continue;
				event_out(a, o);
				json_decref(o);
			}
		}
	}
	json_array_foreach(set->ps_ctl_events, i, o)
	{
		event_out(a, o);
		total++;
	}
	json_array_clear(set->ps_ctl_events);
	return (total);
}

/* An offline run is over when every frame of every capture has come in. */
static bool
captures_read(const struct app *a, uint64_t *received)
{
	uint64_t got = 0;

	for (unsigned i = 0; i < a->a_nports; i++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(a->a_ports[i].p_id, &es) == 0)
			got += es.ipackets + es.ierrors + es.rx_nombuf;
	}
	*received = got;
	return (got >= a->a_expected);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The packet clock: the newest capture time offline, the wall clock live. */
static uint64_t
app_now_ns(const struct app *a)
{
	uint64_t now = 0;

	if (!a->a_offline)
		return (dp_clock_ns(&a->a_ws));
	for (unsigned i = 0; i < a->a_ws.ws_n; i++)
		now = RTE_MAX(now, flow_table_now(a->a_ws.ws_v[i]->w_ft));
	return (now);
}

static uint64_t
env_now_ns(void *arg)
{
	return (app_now_ns(arg));
}

/* Any thread: the current generation's home networks. */
static bool
env_is_home(void *arg, const struct mm_addr *addr)
{
	const struct app *a = arg;
	const struct dp_gen *g = __atomic_load_n(&a->a_ws.ws_gen, __ATOMIC_ACQUIRE);

	return (g != NULL && mm_prefix_set_contains(&g->g_home_net, addr));
}

static bool
workers_done(const struct app *a)
{
	for (unsigned i = 0; i < a->a_ws.ws_n; i++)
		if (!a->a_ws.ws_v[i]->w_done)
			return (false);
	return (true);
}

static void
gen_free(struct dp_gen *g)
{
	if (g == NULL)
		return;
	mm_prefix_set_fini(&g->g_home_net);
	hsvc_gen_free(g->g_patterns);
	free(g);
}

/*
 * A replaced generation goes once no stream opened in it is still open:
 * streams end at their depth, FIN or RST, their flow's end, or their next
 * segment (which sees the new generation), so the list drains by itself.
 */
static void
gen_retire(struct app *a, struct dp_gen *g)
{
	if (g != NULL && g->g_patterns != NULL && hsvc_gen_streams_open(g->g_patterns) > 0) {
		g->g_next = a->a_retired;
		a->a_retired = g;
	} else {
		gen_free(g);
	}
}

/* Frees the retired generations without open streams (all of them with all). */
static void
gen_reap(struct app *a, bool all)
{
	struct dp_gen **pp = &a->a_retired;

	while (*pp != NULL) {
		struct dp_gen *g = *pp;

		if (all || hsvc_gen_streams_open(g->g_patterns) == 0) {
			*pp = g->g_next;
			gen_free(g);
		} else {
			pp = &g->g_next;
		}
	}
}

/*
 * A new generation from settings (it takes their home networks) and the
 * patterns the plugins declared, compiled here, off the fast path.
 */
static struct dp_gen *
gen_new(struct app *a, struct dp_settings *s, char *err, size_t errlen)
{
	struct dp_gen *g = calloc(1, sizeof(*g));
	char *cache;
	int rv;

	if (g == NULL || asprintf(&cache, "%s/hscache", s->s_state_dir) < 0) {
		free(g);
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	/* Patterns scan the workers' packets: without workers, nothing to compile. */
	rv = a->a_ws.ws_n > 0
		     ? plg_patterns_build(&a->a_plugins, cache, &g->g_patterns, err, errlen)
		     : 0;
	free(cache);
	if (rv < 0) {
		free(g);
		return (NULL);
	}
	g->g_id = ++a->a_gen_seq;
	g->g_home_net = s->s_home_net;
	mm_prefix_set_init(&s->s_home_net);
	if (g->g_patterns != NULL) {
		struct hsvc_stats st;

		hsvc_gen_stats(g->g_patterns, &st);
		mm_info("generation %" PRIu64 ": %u patterns in %u databases (%u from the cache)",
			g->g_id, st.st_patterns, st.st_databases, st.st_cache_hits);
	}
	return (g);
}

static json_t *
ctl_status(void *arg)
{
	struct app *a = arg;
	struct dp_totals t;

	dp_stats_totals(&a->a_ws, &t);
	return (json_pack("{s:s, s:f, s:s, s:I, s:i, s:i, s:b, s:i, s:I, s:I, s:I}", "version",
		MAMORI_VERSION, "uptime_s", now_s() - a->a_t_start, "mode",
		a->a_offline ? "offline" : "live", "generation", (json_int_t)a->a_ws.ws_gen->g_id,
		"ports", a->a_nports, "workers", a->a_ws.ws_n, "collector", a->a_col != NULL,
		"plugins", a->a_plugins.ps_n, "packets", (json_int_t)t.t_pkts, "flows_active",
		(json_int_t)t.t_flows.fs_active, "flows_created",
		(json_int_t)t.t_flows.fs_created));
}

/* Every counter; the collector's beside the fast path's, when it runs. */
static json_t *
stats_json(struct app *a, double elapsed)
{
	json_t *j = dp_stats_json(a->a_ports, a->a_nports, &a->a_ws, &a->a_plugins, elapsed);

	if (a->a_col != NULL)
		json_object_set_new(j, "collector", col_stats_json(a->a_col));
	if (a->a_exp != NULL) {
		struct mm_exporter_stats st;

		mm_exporter_stats(a->a_exp, &st);
		json_object_set_new(j, "export", exporter_json(&st));
	}
	return (j);
}

static void
stats_print(struct app *a, FILE *f, double elapsed)
{
	dp_stats_print(f, a->a_ports, a->a_nports, &a->a_ws, &a->a_plugins, elapsed);
	if (a->a_col != NULL)
		col_stats_print(f, a->a_col, 16);
}

static json_t *
ctl_stats(void *arg)
{
	struct app *a = arg;

	return (stats_json(a, now_s() - a->a_t_start));
}

static json_t *
ctl_plugins(void *arg)
{
	struct app *a = arg;

	return (plg_stats_json(&a->a_plugins));
}

/* Appends a control action to the audit log; detail is consumed. */
static void
audit(struct app *a, const char *actor, const char *action, json_t *detail)
{
	char err[MM_AUDIT_ERRLEN];

	if (a->a_audit != NULL &&
		mm_audit_append(a->a_audit, actor, action, detail, NULL, err, sizeof(err)) != 0)
		mm_warn("audit log: %s", err);
	json_decref(detail);
}

static int
ctl_plugin_enable(void *arg, const char *actor, const char *name, bool on, char *err, size_t errlen)
{
	struct app *a = arg;
	struct plg_plugin *p = plg_find(&a->a_plugins, name);

	if (p == NULL) {
		snprintf(err, errlen, "no plugin '%s' is loaded", name);
		return (-ENOENT);
	}
	/* One aligned store: workers see it at their next burst. */
	p->p_enabled = on;
	mm_notice("plugin %s %s by %s", name, on ? "enabled" : "disabled", actor);
	audit(a, actor, on ? "control.plugin.enable" : "control.plugin.disable",
		json_pack("{s:s}", "plugin", name));
	return (0);
}

static bool
col_conf_equal(const struct dp_col_conf *o, const struct dp_col_conf *n)
{
	if (o->cc_nlisten != n->cc_nlisten || o->cc_allow_all != n->cc_allow_all ||
		o->cc_allow.ps_n != n->cc_allow.ps_n || o->cc_biflow != n->cc_biflow ||
		o->cc_rcvbuf != n->cc_rcvbuf ||
		memcmp(&o->cc_limits, &n->cc_limits, sizeof(o->cc_limits)) != 0)
		return (false);
	for (unsigned i = 0; i < o->cc_nlisten; i++)
		if (strcmp(o->cc_listen[i].cl_text, n->cc_listen[i].cl_text) != 0)
			return (false);
	for (size_t i = 0; i < o->cc_allow.ps_n; i++)
		if (memcmp(&o->cc_allow.ps_v[i], &n->cc_allow.ps_v[i],
			    sizeof(o->cc_allow.ps_v[i])) != 0)
			return (false);
	return (true);
}

/* Keys that only take effect when mamorid starts again. */
static void
restart_needed(const struct dp_settings *o, const struct dp_settings *n, json_t *list)
{
	if (strcmp(o->s_lcores, n->s_lcores) != 0)
		json_array_append_new(list, json_string("eal.lcores"));
	if (o->s_nports != n->s_nports)
		json_array_append_new(list, json_string("ports"));
	for (unsigned i = 0; i < o->s_nports && i < n->s_nports; i++)
		if (strcmp(o->s_ports[i].pc_dev, n->s_ports[i].pc_dev) != 0 ||
			o->s_ports[i].pc_rx_queues != n->s_ports[i].pc_rx_queues)
			json_array_append_new(list, json_string("ports"));
	if (o->s_mbufs != n->s_mbufs || o->s_data_room != n->s_data_room)
		json_array_append_new(list, json_string("mempool"));
	if (memcmp(&o->s_flow, &n->s_flow, sizeof(o->s_flow)) != 0)
		json_array_append_new(list, json_string("flow"));
	if (!col_conf_equal(&o->s_col, &n->s_col))
		json_array_append_new(list, json_string("collector"));
}

/*
 * Reload: the configuration is read again as at start (file, then the same
 * command-line overrides), the plugins re-read theirs, and the new
 * generation replaces the old once every worker is quiescent.
 */
static json_t *
ctl_reload(void *arg, const char *actor, char *err, size_t errlen)
{
	struct app *a = arg;
	struct mm_cfg *cfg, *old_cfg = a->a_cfg;
	struct dp_settings s;
	struct dp_gen *g, *old;
	json_t *restart;
	unsigned failed = 0;

	if ((cfg = build_config(a->a_opts)) == NULL) {
		snprintf(err, errlen, "the configuration cannot be read (see the log)");
		return (NULL);
	}
	if (dp_settings_load(&s, cfg, err, errlen) < 0) {
		dp_settings_fini(&s);
		mm_cfg_free(cfg);
		return (NULL);
	}
	restart = json_array();
	restart_needed(&a->a_s, &s, restart);
	a->a_cfg = cfg;
	a->a_plugins.ps_env.e_cfg = cfg;
	failed = plg_reload(&a->a_plugins);
	plg_mark_unloaded_sections(&a->a_plugins);
	if (mm_cfg_check_unused(cfg, err, errlen) > 0)
		mm_warn("reload: %s (ignored)", err);
	if ((g = gen_new(a, &s, err, errlen)) == NULL) {
		/* The running generation stays: nothing of the fast path changed. */
		json_decref(restart);
		dp_settings_fini(&s);
		mm_cfg_free(old_cfg);
		return (NULL);
	}
	old = dp_gen_publish(&a->a_ws, g);
	/* The collector reads home_net too (through the plugins): wait for it as well. */
	col_synchronize(a->a_col);
	gen_retire(a, old);
	mm_cfg_free(old_cfg);
	dp_settings_fini(&s);
	mm_notice("reload by %s: generation %" PRIu64 " in place%s", actor, g->g_id,
		json_array_size(restart) > 0 ? "; some settings need a restart" : "");
	audit(a, actor, "control.reload",
		json_pack("{s:I, s:O, s:i}", "generation", (json_int_t)g->g_id, "restart_needed",
			restart, "plugin_failures", failed));
	return (json_pack("{s:I, s:o, s:i}", "generation", (json_int_t)g->g_id, "restart_needed",
		restart, "plugin_failures", failed));
}

static void
ctl_stop(void *arg, const char *actor)
{
	struct app *a = arg;

	a->a_stop = true;
	audit(a, actor, "control.stop", NULL);
}

/*
 * The appliance key and the audit log, in the state directory.  Without
 * them (a state directory that cannot be written) mamorid still runs, and
 * says so.
 */
static void
open_audit(struct app *a)
{
	char err[MM_AUDIT_ERRLEN], path[PATH_MAX];
	bool created;

	if (mm_key_open(a->a_s.s_state_dir, &created, &a->a_key, err, sizeof(err)) != 0 ||
		mm_audit_path(a->a_s.s_state_dir, path, sizeof(path)) != 0 ||
		mm_audit_open(path, a->a_key, &a->a_audit, err, sizeof(err)) != 0) {
		mm_warn("no audit log: %s (set state_dir to a writable directory)", err);
		return;
	}
	if (created)
		mm_notice("created the appliance key %s in %s", mm_key_fingerprint(a->a_key),
			a->a_s.s_state_dir);
	audit(a, "mamorid", "mamorid.start",
		json_pack("{s:s, s:s, s:i}", "config",
			a->a_opts->o_config != NULL ? a->a_opts->o_config : "(defaults)", "mode",
			a->a_offline ? "offline" : "live", "pid", (int)getpid()));
}

static const struct dp_control_ops ctl_ops = {
	.co_status = ctl_status,
	.co_stats = ctl_stats,
	.co_plugins = ctl_plugins,
	.co_plugin_enable = ctl_plugin_enable,
	.co_reload = ctl_reload,
	.co_stop = ctl_stop,
};

/* The control socket: where configured, and by default for live runs. */
static int
open_control(struct app *a)
{
	const char *url = a->a_s.s_control_url;
	char err[512];
	int rv;

	if (url == NULL && a->a_offline)
		return (0);
	if (url == NULL)
		url = "ipc://" MM_BUS_RUNDIR "/" MM_BUS_CONTROL;
	if (strcmp(url, "off") == 0)
		return (0);
	if ((rv = dp_control_open(&a->a_ctl, url, &ctl_ops, a, err, sizeof(err))) < 0) {
		mm_err("%s", err);
		return (rv);
	}
	mm_info("control socket on %s", url);
	return (0);
}

/* The Prometheus endpoint: the same status and counters as the control socket's. */
static int
open_metrics(struct app *a)
{
	char err[512];
	int rv;

	if (a->a_s.s_metrics_url == NULL)
		return (0);
	if ((rv = dp_metrics_open(&a->a_metrics, a->a_s.s_metrics_url, err, sizeof(err))) < 0) {
		mm_err("%s", err);
		return (rv);
	}
	mm_notice("metrics on %s", dp_metrics_url(a->a_metrics));
	return (0);
}

static void
answer_metrics(struct app *a)
{
	json_t *status, *stats;

	if (a->a_metrics == NULL || !dp_metrics_pending(a->a_metrics))
		return;
	status = ctl_status(a);
	stats = ctl_stats(a);
	dp_metrics_answer(a->a_metrics, status, stats);
	json_decref(status);
	json_decref(stats);
}

static void
control_loop(struct app *a, const struct opts *o, double t_start)
{
	bool progress = !o->o_quiet && isatty(STDERR_FILENO);
	double t_last_progress = 0, t_last_stats = t_start, t_last_change = t_start;
	double t_last_tick = t_start;
	uint64_t received = 0, last_received = 0;
	struct dp_totals tot;

	/* Workers end only after a stop; without workers (the collector alone) the stop ends. */
	while (!(a->a_ws.ws_stop && workers_done(a))) {
		double t = now_s();

		if (a->a_exp != NULL)
			mm_exporter_poll(a->a_exp, mono_ms());
		if (drain_events(a) == 0 && (a->a_ctl == NULL || dp_control_poll(a->a_ctl) == 0))
			usleep(200);
		answer_metrics(a);
		if (!a->a_ws.ws_stop) {
			if (got_signal || a->a_stop) {
				if (got_signal)
					mm_notice("signal %d: stopping, flushing flows",
						(int)got_signal);
				else
					mm_notice("stop requested: stopping, flushing flows");
				a->a_ws.ws_stop = true;
			} else if (a->a_offline) {
				if (captures_read(a, &received)) {
					a->a_ws.ws_stop = true;
				} else if (received != last_received) {
					last_received = received;
					t_last_change = t;
				} else if (t - t_last_change > 5.0) {
					mm_warn("capture input stalled after %" PRIu64
						" of %" PRIu64 " packets; finishing",
						received, a->a_expected);
					a->a_ws.ws_stop = true;
				}
			}
		}
		if (t - t_last_tick >= 1.0) {
			plg_tick(&a->a_plugins, app_now_ns(a));
			gen_reap(a, false);
			t_last_tick = t;
		}
		if (progress && t - t_last_progress > 0.25) {
			dp_stats_totals(&a->a_ws, &tot);
			if (a->a_offline)
				fprintf(stderr,
					"\r" PROG ": %3.0f%%  %" PRIu64 "/%" PRIu64
					" packets, %" PRIu64 " flows ",
					a->a_expected
						? 100.0 * (double)received / (double)a->a_expected
						: 100.0,
					received, a->a_expected, tot.t_flows.fs_created);
			else
				fprintf(stderr,
					"\r" PROG ": %" PRIu64 " packets, %" PRIu64
					" flows active ",
					tot.t_pkts, tot.t_flows.fs_active);
			t_last_progress = t;
		}
		if (a->a_s.s_stats_interval_ms > 0 && !a->a_offline &&
			(t - t_last_stats) * 1000 >= (double)a->a_s.s_stats_interval_ms) {
			if (progress)
				fputc('\n', stderr);
			stats_print(a, stdout, t - t_start);
			fflush(stdout);
			t_last_stats = t;
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	/* Its last records are in its ring: drained below with the workers'. */
	col_stop(a->a_col);
	rte_eal_mp_wait_lcore();
	/* A last tick sees the records of the final flush: plugins report on them. */
	plg_tick(&a->a_plugins, app_now_ns(a));
	drain_events(a);
	if (a->a_exp != NULL) {
		long left = mm_exporter_flush(a->a_exp, (uint32_t)a->a_s.s_export_flush_ms);

		if (left > 0)
			mm_warn("export: %ld events not delivered yet; they wait in the spool",
				left);
	}
}

static int
open_output(const char *key, const char *path, FILE **f)
{
	if (path == NULL)
		return (0);
	if (strcmp(path, "-") == 0) {
		*f = stdout;
		return (0);
	}
	if ((*f = fopen(path, "w")) == NULL) {
		mm_err("%s: cannot write '%s': %s", key, path, strerror(errno));
		return (-errno);
	}
	/* Whole lines reach the file as they are written: a killed run keeps them. */
	setvbuf(*f, NULL, _IOLBF, 0);
	return (0);
}

static int
open_outputs(struct app *a)
{
	int rv;

	if ((rv = open_output("output.flows", a->a_s.s_flows_out, &a->a_flows)) < 0)
		return (rv);
	return (open_output("output.eve", a->a_s.s_eve_out, &a->a_eve));
}

static int
write_summary(struct app *a, double elapsed)
{
	json_t *j = stats_json(a, elapsed);
	FILE *f;
	int rv = 0;

	json_object_set_new(j, "flows_written", json_integer((json_int_t)a->a_flows_written));
	json_object_set_new(j, "events_written", json_integer((json_int_t)a->a_events_written));
	if ((f = fopen(a->a_s.s_summary_json, "w")) == NULL ||
		json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
		mm_err("output.summary_json: cannot write '%s': %s", a->a_s.s_summary_json,
			strerror(errno));
		rv = -EIO;
	}
	if (f != NULL)
		fclose(f);
	json_decref(j);
	return (rv);
}

static void
print_summary(struct app *a, const struct opts *o, double elapsed)
{
	FILE *out = a->a_flows == stdout || a->a_eve == stdout ? stderr : stdout;

	if (o->o_pcap != NULL)
		fprintf(out, PROG ": capture %s: ", o->o_pcap);
	else
		fprintf(out, PROG ": ");
	stats_print(a, out, elapsed);
	if (a->a_flows != NULL && a->a_flows != stdout)
		fprintf(out, "flow records written to %s: %" PRIu64 "\n", a->a_s.s_flows_out,
			a->a_flows_written);
	if (a->a_eve != NULL && a->a_eve != stdout)
		fprintf(out, "events written to %s: %" PRIu64 "\n", a->a_s.s_eve_out,
			a->a_events_written);
	if (a->a_exp != NULL) {
		struct mm_exporter_stats st;

		mm_exporter_stats(a->a_exp, &st);
		/* es_acked counts the events drained from the spool too. */
		fprintf(out,
			"export to %s: %" PRIu64 " events committed, %" PRIu64
			" waiting in the spool, %" PRIu64 " dropped, %" PRIu64 " refused%s%s\n",
			a->a_s.s_export_url, st.es_acked, st.es_pending, st.es_dropped,
			st.es_rejected + st.es_invalid,
			st.es_last_error[0] != '\0' ? "; last error: " : "", st.es_last_error);
	}
}

static void
app_fini(struct app *a)
{
	if (a->a_flows != NULL && a->a_flows != stdout)
		fclose(a->a_flows);
	if (a->a_eve != NULL && a->a_eve != stdout)
		fclose(a->a_eve);
	dp_control_close(a->a_ctl);
	dp_metrics_close(a->a_metrics);
	/* Before the plugins: its thread calls their hooks. */
	col_free(a->a_col);
	mm_exporter_free(a->a_exp);
	mm_audit_close(a->a_audit);
	mm_key_free(a->a_key);
	/* Plugins first: one may feed a port (replay's net_ring) from a thread of its own. */
	plg_unload(&a->a_plugins);
	free(a->a_text);
	free(a->a_json);
	for (unsigned i = 0; i < a->a_nports; i++)
		dp_port_close(&a->a_ports[i]);
	gen_reap(a, true);
	gen_free(a->a_ws.ws_gen);
	dp_gen_fini(&a->a_ws);
	for (unsigned i = 0; i < a->a_ws.ws_n; i++)
		dp_worker_free(a->a_ws.ws_v[i]);
	mm_cfg_free(a->a_cfg);
	rte_mempool_free(a->a_pool);
	dp_settings_fini(&a->a_s);
}

/* What the options hold outlives the run: freed last. */
static int
finish(int status, struct opts *o)
{
	free(o->o_sets);
	return (status);
}

/*
 * Binds the collector's sockets (an address in use fails the start); its
 * thread starts with the workers.  An offline run is about its captures: a
 * collector configured beside them is left out.
 */
static int
open_collector(struct app *a)
{
	char err[MM_CFG_ERRLEN];
	int rv;

	if (a->a_s.s_col.cc_nlisten == 0)
		return (0);
	if (a->a_offline) {
		mm_notice("collector: not started in an offline run (the capture is the input)");
		return (0);
	}
	if ((rv = col_open(&a->a_col, &a->a_s.s_col, err, sizeof(err))) < 0) {
		mm_err("%s", err);
		return (rv);
	}
	return (0);
}

/* Starts DPDK and runs the appliance until the capture ends or it is stopped. */
static int
run(struct app *a, const struct opts *o, const char *prog)
{
	char err[MM_CFG_ERRLEN], **eal_argv = NULL, **eal_copy = NULL;
	int eal_argc, status = 1;
	double t_start;

	if (dp_eal_args(&a->a_s, prog, &eal_argv, &eal_argc, err, sizeof(err)) < 0) {
		mm_err("%s", err);
		goto no_eal;
	}
	/* EAL may reorder and overwrite the vector it is given: hand it a copy. */
	if ((eal_copy = calloc((size_t)eal_argc + 1, sizeof(char *))) == NULL)
		goto no_eal;
	memcpy(eal_copy, eal_argv, sizeof(char *) * (size_t)eal_argc);
	if (rte_eal_init(eal_argc, eal_copy) < 0) {
		mm_err("DPDK EAL initialisation failed: %s (check eal.lcores and eal.args)",
			rte_strerror(rte_errno));
		goto no_eal;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_mbuf_dyn_rx_timestamp_register(&a->a_ws.ws_ts_offset, &a->a_ws.ws_ts_flag) != 0) {
		mm_err("cannot register the mbuf timestamp field: %s", rte_strerror(rte_errno));
		goto out;
	}
	if (setup_ports(a) < 0 || load_plugins(a) < 0 || setup_workers(a) < 0 ||
		open_outputs(a) < 0)
		goto out;
	if (plg_workers_init(&a->a_plugins, a->a_s.s_event_ring, err, sizeof(err)) < 0) {
		mm_err("%s", err);
		goto out;
	}
	if (open_collector(a) < 0)
		goto out;
	if (dp_gen_init(&a->a_ws) < 0 ||
		(a->a_ws.ws_gen = gen_new(a, &a->a_s, err, sizeof(err))) == NULL) {
		mm_err("%s", err);
		goto out;
	}
	open_audit(a);
	if (open_control(a) < 0 || open_metrics(a) < 0 || open_exporter(a) < 0)
		goto out;
	if (mm_cfg_check_unused(a->a_cfg, err, sizeof(err)) > 0) {
		mm_err("%s", err);
		status = 2;
		goto out;
	}
	if (a->a_ws.ws_gen->g_home_net.ps_n == 0)
		mm_info("no home_net configured: plugins cannot tell subscribers from the outside");
	if (a->a_ws.ws_n == 0 && a->a_plugins.ps_npatterns > 0)
		mm_info("no worker lcore: the plugins' patterns are not compiled (no packets to "
			"scan)");
	if (a->a_col != NULL &&
		col_start(a->a_col, &a->a_plugins, a->a_s.s_event_ring, err, sizeof(err)) < 0) {
		mm_err("%s", err);
		goto out;
	}
	t_start = a->a_t_start = now_s();
	for (unsigned i = 0; i < a->a_ws.ws_n; i++)
		rte_eal_remote_launch(dp_worker_main, a->a_ws.ws_v[i], a->a_ws.ws_v[i]->w_lcore);
	control_loop(a, o, t_start);
	print_summary(a, o, now_s() - t_start);
	status = 0;
	if (a->a_s.s_summary_json != NULL && write_summary(a, now_s() - t_start) < 0)
		status = 1;
out:
	app_fini(a);
	rte_eal_cleanup();
	free(eal_copy);
	dp_eal_args_free(eal_argv);
	return (status);

no_eal:
	free(eal_copy);
	dp_eal_args_free(eal_argv);
	dp_settings_fini(&a->a_s);
	mm_cfg_free(a->a_cfg);
	return (1);
}

/* --check-config: the settings and every key outside the plugins' sections. */
static int
check_config(struct app *a)
{
	char err[MM_CFG_ERRLEN];

	/* Plugin sections are checked by the plugins themselves, when loaded. */
	mm_cfg_mark_used(mm_cfg_lookup(a->a_cfg, "plugins"));
	if (mm_cfg_check_unused(a->a_cfg, err, sizeof(err)) > 0) {
		mm_err("%s", err);
		return (2);
	}
	printf(PROG
		": configuration is valid (%u port(s), collector on %u address(es), lcores %s)\n",
		a->a_s.s_nports, a->a_s.s_col.cc_nlisten, a->a_s.s_lcores);
	return (0);
}

int
main(int argc, char **argv)
{
	static struct app a;
	struct opts o;
	struct mm_cfg *cfg = NULL;
	char err[MM_CFG_ERRLEN];
	int rv, status = 2;

	mm_log_init(PROG, MM_LOG_NOTICE);
	a.a_opts = &o;
	if ((rv = parse_args(argc, argv, &o, &cfg)) != 0) {
		status = rv > 0 ? 0 : 2;
		goto done;
	}
	mm_log_set_level((enum mm_log_level)o.o_log_level);
	if (dp_settings_load(&a.a_s, cfg, err, sizeof(err)) < 0) {
		mm_err("%s", err);
		goto done;
	}
	a.a_cfg = cfg;
	cfg = NULL;
	if (o.o_check)
		status = check_config(&a);
	else if (count_captures(&a) == 0)
		return (finish(run(&a, &o, argv[0]), &o));
done:
	/* run() frees the settings and configuration itself; the paths here do not run. */
	dp_settings_fini(&a.a_s);
	mm_cfg_free(a.a_cfg);
	mm_cfg_free(cfg);
	return (finish(status, &o));
}
