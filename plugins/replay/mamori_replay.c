/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-replay: plays an exercise scenario, or one capture, out of a DPDK
 * port with absolute TSC pacing (or at top speed), and reports the achieved
 * rate and timing error.  It can also render a scenario's timeline into one
 * capture file.  See docs/exercises.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "rpl_engine.h"
#include "rpl_pace.h"
#include "rpl_report.h"
#include "rpl_scenario.h"

#define PROG "mamori-replay"
#ifndef MAMORI_VERSION
#define MAMORI_VERSION "0.1.0"
#endif

static volatile bool stop_flag;

static const char usage_text[] =
	"Usage: mamori-replay [OPTIONS] --scenario FILE --port DEVICE\n"
	"       mamori-replay [OPTIONS] --pcap FILE --port DEVICE\n"
	"       mamori-replay --scenario FILE --render OUT.pcap\n"
	"\n"
	"Plays an exercise scenario (docs/exercises.md), or one capture, out of a DPDK\n"
	"port.  Frame i leaves at t0 + (ts_i - ts_0) / speed on the TSC clock (an\n"
	"absolute schedule: no drift across frames or loops), or at top speed.  The\n"
	"achieved rate and the timing error (p50, p99, max lateness) are printed.\n"
	"\n"
	"What to play:\n"
	"  -s, --scenario FILE     a scenario (sources, pacing, rewrite maps, ground truth)\n"
	"  -r, --pcap FILE         one capture (pcap or pcapng, Ethernet) instead\n"
	"  -x, --speed X           --pcap: speed multiplier (default 1; 0.5 is half speed)\n"
	"  -p, --pps N             --pcap: a fixed rate instead of the capture's timing\n"
	"  -l, --loop N            --pcap: play it N times (default 1)\n"
	"      --map-ip FROM=TO    --pcap: rewrite a CIDR (10.0.0.0/8=172.16.0.0/8)\n"
	"      --map-mac FROM=TO   --pcap: rewrite a MAC address\n"
	"      --map-port FROM=TO  --pcap: rewrite a TCP/UDP port\n"
	"  -t, --topspeed          ignore all timing: send as fast as the port takes it\n"
	"\n"
	"Where:\n"
	"  -o, --port DEVICE       a DPDK device: a PCI address, or a vdev such as\n"
	"                          net_pcap0,tx_pcap=out.pcap or net_af_packet0,iface=veth0\n"
	"  -w, --render FILE       write the timeline as one capture instead of sending\n"
	"      --epoch SECONDS     --render: Unix time of the schedule's zero (default: now)\n"
	"\n"
	"Other:\n"
	"  -j, --report-json FILE  write the run's figures as one JSON object ('-': stdout)\n"
	"      --lead DURATION     time between the start and t0 (default 100ms)\n"
	"      --burst N           frames per hand-off at most (default 32)\n"
	"      --realtime PRIO     pace under SCHED_FIFO at PRIO (1-99) with memory locked,\n"
	"                          so other load cannot delay frames (needs CAP_SYS_NICE)\n"
	"  -m, --memory MB         EAL memory without hugepages (default: what the frames need)\n"
	"  -L, --lcore N           the CPU to run on (default 0)\n"
	"  -q, --quiet             no summary on stdout\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  mamori-replay -r capture.pcap -o net_af_packet0,iface=veth0 -x 2\n"
	"  mamori-replay -r capture.pcap -o net_pcap0,tx_pcap=copy.pcap --topspeed\n"
	"  mamori-replay -s configs/exercises/botnet.yaml -o 0000:03:00.0 -j run.json\n"
	"\n"
	"SIGINT or SIGTERM stop the run; the figures so far are reported.\n"
	"Exit status: 0 done, 1 a runtime error, 2 a usage or scenario error.\n";

struct opts {
	const char *o_scenario;
	const char *o_pcap;
	const char *o_port;
	const char *o_render;
	const char *o_report;
	double o_speed;
	uint64_t o_pps;
	uint64_t o_loops;
	uint64_t o_lead_ns;
	uint64_t o_burst;
	uint64_t o_memory_mb;
	uint64_t o_lcore;
	uint64_t o_epoch_s;
	uint64_t o_rt_prio;
	bool o_epoch_set;
	bool o_topspeed;
	bool o_quiet;
	const char *o_maps[3][RPL_REWRITE_MAX]; /* ip, mac, port */
	unsigned o_nmaps[3];
};

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = true;
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", PROG);
	return (2);
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '-' || errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr,
			"%s: %s: expected a whole number from %" PRIu64 " to %" PRIu64
			", not '%s'\n",
			PROG, opt, min, max, s);
		return (-1);
	}
	*out = v;
	return (0);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "pcap", required_argument, NULL, 'r' },
		{ "speed", required_argument, NULL, 'x' },
		{ "pps", required_argument, NULL, 'p' },
		{ "loop", required_argument, NULL, 'l' },
		{ "topspeed", no_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'o' },
		{ "render", required_argument, NULL, 'w' },
		{ "report-json", required_argument, NULL, 'j' },
		{ "memory", required_argument, NULL, 'm' },
		{ "lcore", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "lead", required_argument, NULL, 1 },
		{ "burst", required_argument, NULL, 2 },
		{ "epoch", required_argument, NULL, 3 },
		{ "map-ip", required_argument, NULL, 4 },
		{ "map-mac", required_argument, NULL, 5 },
		{ "map-port", required_argument, NULL, 6 },
		{ "realtime", required_argument, NULL, 7 },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->o_speed = 1;
	o->o_loops = 1;
	o->o_lead_ns = 100000000ULL;
	o->o_burst = 32;
	while ((c = getopt_long(argc, argv, "s:r:x:p:l:to:w:j:m:L:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->o_scenario = optarg;
			break;
		case 'r':
			o->o_pcap = optarg;
			break;
		case 'x':
			errno = 0;
			o->o_speed = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(o->o_speed >= 0.001) ||
				o->o_speed > 1e6)
				return (usage_error("--speed: expected a number from 0.001 to 1e6, "
						    "not '%s'",
					optarg));
			break;
		case 'p':
			if (parse_u64("--pps", optarg, 1, 100000000, &o->o_pps) != 0)
				return (2);
			break;
		case 'l':
			if (parse_u64("--loop", optarg, 1, 1000000, &o->o_loops) != 0)
				return (2);
			break;
		case 't':
			o->o_topspeed = true;
			break;
		case 'o':
			o->o_port = optarg;
			break;
		case 'w':
			o->o_render = optarg;
			break;
		case 'j':
			o->o_report = optarg;
			break;
		case 'm':
			if (parse_u64("--memory", optarg, 64, 1 << 20, &o->o_memory_mb) != 0)
				return (2);
			break;
		case 'L':
			if (parse_u64("--lcore", optarg, 0, RTE_MAX_LCORE - 1, &o->o_lcore) != 0)
				return (2);
			break;
		case 'q':
			o->o_quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", PROG, MAMORI_VERSION);
			exit(0);
		case 1:
			if (rpl_parse_duration_ns(optarg, &o->o_lead_ns) != 0)
				return (usage_error(
					"--lead: expected a duration such as 100ms, not "
					"'%s'",
					optarg));
			break;
		case 2:
			if (parse_u64("--burst", optarg, 1, 64, &o->o_burst) != 0)
				return (2);
			break;
		case 3:
			if (parse_u64("--epoch", optarg, 0, UINT32_MAX, &o->o_epoch_s) != 0)
				return (2);
			o->o_epoch_set = true;
			break;
		case 7:
			if (parse_u64("--realtime", optarg, 1, 99, &o->o_rt_prio) != 0)
				return (2);
			break;
		case 4:
		case 5:
		case 6:
			if (o->o_nmaps[c - 4] == RPL_REWRITE_MAX)
				return (usage_error("too many maps of one kind (%s)", optarg));
			o->o_maps[c - 4][o->o_nmaps[c - 4]++] = optarg;
			break;
		default:
			fprintf(stderr, "Try '%s --help'.\n", PROG);
			return (2);
		}
	}
	if (optind < argc)
		return (usage_error("unexpected argument '%s'", argv[optind]));
	if ((o->o_scenario == NULL) == (o->o_pcap == NULL))
		return (usage_error("give one of --scenario FILE or --pcap FILE"));
	if ((o->o_port == NULL) == (o->o_render == NULL))
		return (usage_error("give one of --port DEVICE or --render FILE"));
	return (0);
}

/* A one-source scenario around --pcap. */
static int
pcap_scenario(const struct opts *o, struct rpl_scenario *sn, char *err, size_t errlen)
{
	static const char *const kinds[] = { "--map-ip", "--map-mac", "--map-port" };
	struct rpl_source_spec *ss = &sn->sn_src[0];
	int rv;

	memset(sn, 0, sizeof(*sn));
	sn->sn_nsrc = 1;
	if ((sn->sn_name = strdup("pcap")) == NULL || (ss->ss_name = strdup(o->o_pcap)) == NULL ||
		(ss->ss_path = strdup(o->o_pcap)) == NULL)
		return (-ENOMEM);
	ss->ss_kind = RPL_SRC_PCAP;
	rpl_play_defaults(&ss->ss_play);
	ss->ss_play.p_speed = o->o_speed;
	ss->ss_play.p_pps = o->o_pps;
	ss->ss_play.p_loops = (uint32_t)o->o_loops;
	for (int k = 0; k < 3; k++) {
		for (unsigned i = 0; i < o->o_nmaps[k]; i++) {
			char buf[256], *eq, sub[200];

			snprintf(buf, sizeof(buf), "%s", o->o_maps[k][i]);
			if ((eq = strchr(buf, '=')) == NULL) {
				snprintf(err, errlen, "%s %s: expected FROM=TO", kinds[k], buf);
				return (-EINVAL);
			}
			*eq++ = '\0';
			rv = k == 0   ? rpl_rewrite_add_ip(&ss->ss_rw, buf, eq, sub, sizeof(sub))
			     : k == 1 ? rpl_rewrite_add_mac(&ss->ss_rw, buf, eq, sub, sizeof(sub))
				      : rpl_rewrite_add_port(&ss->ss_rw, buf, eq, sub, sizeof(sub));
			if (rv != 0) {
				snprintf(err, errlen, "%s: %s", kinds[k], sub);
				return (rv);
			}
		}
	}
	return (0);
}

static uint16_t
port_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	return (rte_eth_tx_burst(*(uint16_t *)arg, 0, pkts, n));
}

static int
eal_start(const struct opts *o, const struct rpl_engine *en)
{
	char mem[32], lcore[32], prefix[64];
	uint64_t need = o->o_memory_mb;
	bool pci = strncmp(o->o_port, "net_", 4) != 0 && strncmp(o->o_port, "eth_", 4) != 0;
	char *argv[16];
	int argc = 0;

	if (need == 0) {
		uint64_t room = en->en_maxlen < 2048 ? 2048 : en->en_maxlen;

		need = 128 + en->en_nframes * (room + 512) / (1 << 20);
	}
	snprintf(mem, sizeof(mem), "%" PRIu64, need);
	snprintf(lcore, sizeof(lcore), "%" PRIu64, o->o_lcore);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mamori-replay-%d", (int)getpid());
	argv[argc++] = (char *)PROG;
	argv[argc++] = (char *)"-l";
	argv[argc++] = lcore;
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=lib.eal:error";
	if (pci) {
		argv[argc++] = (char *)"-a";
	} else {
		argv[argc++] = (char *)"--no-pci";
		argv[argc++] = (char *)"--vdev";
	}
	argv[argc++] = (char *)o->o_port;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: cannot start DPDK: %s\n", PROG, rte_strerror(rte_errno));
		return (-1);
	}
	return (0);
}

static int
port_start(const char *dev, uint16_t *id)
{
	struct rte_eth_conf conf;
	char name[RTE_ETH_NAME_MAX_LEN];
	int rv;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(dev, ","), dev);
	if (rte_eth_dev_get_port_by_name(name, id) != 0) {
		fprintf(stderr,
			"%s: port '%s': no such device (is the interface up, the PCI device "
			"bound to vfio-pci?)\n",
			PROG, dev);
		return (-1);
	}
	memset(&conf, 0, sizeof(conf));
	if ((rv = rte_eth_dev_configure(*id, 0, 1, &conf)) != 0 ||
		(rv = rte_eth_tx_queue_setup(
			 *id, 0, 1024, (unsigned)rte_eth_dev_socket_id(*id), NULL)) != 0 ||
		(rv = rte_eth_dev_start(*id)) != 0) {
		fprintf(stderr, "%s: port '%s': cannot start: %s\n", PROG, dev, rte_strerror(-rv));
		return (-1);
	}
	return (0);
}

static int
write_report(const char *path, json_t *j)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	int rv = 0;

	if (f == NULL || json_dumpf(j, f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF) {
		fprintf(stderr, "%s: --report-json: cannot write '%s': %s\n", PROG, path,
			strerror(errno));
		rv = -1;
	}
	if (f != NULL && f != stdout)
		fclose(f);
	return (rv);
}

static int
transmit(const struct opts *o, struct rpl_engine *en)
{
	struct rpl_pace_conf pc = { o->o_topspeed, (uint16_t)o->o_burst,
		o->o_topspeed ? 0 : o->o_lead_ns, &stop_flag, NULL, NULL };
	struct rpl_pace_result res;
	struct rte_eth_stats st;
	struct rpl_pool pool;
	char err[512];
	uint16_t port;
	int status = 0;

	if (eal_start(o, en) != 0)
		return (1);
	if (port_start(o->o_port, &port) != 0) {
		rte_eal_cleanup();
		return (1);
	}
	if (rpl_pool_load(&pool, en, "replay", (int)rte_socket_id(), err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		status = 1;
		goto out;
	}
	if (o->o_rt_prio > 0) {
		struct sched_param sp = { .sched_priority = (int)o->o_rt_prio };

		if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0 ||
			sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
			fprintf(stderr, "%s: --realtime: %s (run as root or with CAP_SYS_NICE)\n",
				PROG, strerror(errno));
			status = 1;
			goto out;
		}
	}
	if (rpl_pace_run(en, &pool, port_tx, &port, &pc, &res) != 0) {
		fprintf(stderr, "%s: out of memory for the timing figures\n", PROG);
		status = 1;
	} else {
		json_t *j = rpl_report_json(en, &res, o->o_topspeed);

		if (rte_eth_stats_get(port, &st) == 0 && j != NULL)
			json_object_set_new(j, "port",
				json_pack("{s:s, s:I, s:I, s:I}", "device", o->o_port, "opackets",
					(json_int_t)st.opackets, "obytes", (json_int_t)st.obytes,
					"oerrors", (json_int_t)st.oerrors));
		if (!o->o_quiet) {
			rpl_report_print(stdout, en, &res, o->o_topspeed);
			printf("port %s: %" PRIu64 " frames out, %" PRIu64 " errors\n", o->o_port,
				st.opackets, st.oerrors);
		}
		if (o->o_report != NULL && (j == NULL || write_report(o->o_report, j) != 0))
			status = 1;
		json_decref(j);
	}
out:
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	if (pool.pl_mp != NULL)
		rpl_pool_fini(&pool);
	rte_eal_cleanup();
	return (status);
}

int
main(int argc, char **argv)
{
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	struct rpl_engine en;
	struct opts o;
	char err[1024];
	int rv;

	if (sn == NULL) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return (1);
	}
	if ((rv = parse_opts(argc, argv, &o)) != 0) {
		free(sn);
		return (rv);
	}
	if (o.o_scenario != NULL)
		rv = rpl_scenario_load(sn, o.o_scenario, err, sizeof(err));
	else
		rv = pcap_scenario(&o, sn, err, sizeof(err));
	if (rv == 0)
		rv = rpl_engine_load(&en, sn, err, sizeof(err));
	if (rv != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		rpl_scenario_fini(sn);
		free(sn);
		return (2);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o.o_render != NULL) {
		uint64_t epoch = o.o_epoch_set ? o.o_epoch_s * 1000000000ULL
					       : (uint64_t)time(NULL) * 1000000000ULL;

		rv = rpl_engine_render(&en, o.o_render, epoch, err, sizeof(err));
		if (rv != 0)
			fprintf(stderr, "%s: %s\n", PROG, err);
		else if (!o.o_quiet)
			printf("rendered %zu frames over %.3f s to %s\n", en.en_sched.sc_n,
				(double)en.en_sched.sc_end_ns / 1e9, o.o_render);
		rv = rv != 0;
	} else {
		rv = transmit(&o, &en);
	}
	rpl_engine_fini(&en);
	rpl_scenario_fini(sn);
	free(sn);
	return (rv);
}
