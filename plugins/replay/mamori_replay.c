/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-replay: plays an exercise scenario, or one capture, out of a DPDK
 * port or a packet socket with absolute TSC pacing (or at top speed), from
 * one lcore or several, and reports the achieved rate and timing error.  It
 * can also render a scenario's timeline into one capture file.  This file is
 * the command line; mamori_replay_tx.c the run.  See docs/exercises.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>

#include "mamori_replay.h"
#include "rpl_engine.h"
#include "rpl_lane.h"
#include "rpl_scenario.h"

#ifndef MAMORI_VERSION
#define MAMORI_VERSION "0.1.0"
#endif

volatile bool mr_stop;

static const char usage_text[] =
	"Usage: mamori-replay [OPTIONS] --scenario FILE --port DEVICE\n"
	"       mamori-replay [OPTIONS] --pcap FILE --port DEVICE\n"
	"       mamori-replay --scenario FILE --render OUT.pcap\n"
	"\n"
	"Plays an exercise scenario (docs/exercises.md), or one capture, out of a DPDK\n"
	"port or a packet socket.  Frame i leaves at t0 + (ts_i - ts_0) / speed on the\n"
	"TSC clock (an absolute schedule: no drift across frames or loops), or at top\n"
	"speed.  The achieved rate and the timing error (p50, p99, max lateness) are\n"
	"printed.\n"
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
	"                          net_pcap0,tx_pcap=out.pcap or net_af_packet0,iface=veth0;\n"
	"                          or sock:IFACE, a Linux packet socket per lcore that\n"
	"                          hands the kernel batches of copies (sendmmsg): on a\n"
	"                          veth, less kernel work per frame than net_af_packet's\n"
	"                          ring, whose pages the veth copies again\n"
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
	"  -L, --lcore N           the CPU to run on (default 0); the first one with\n"
	"                          --tx-lcores\n"
	"      --tx-lcores N       send from N lcores (CPUs --lcore to --lcore + N - 1),\n"
	"                          each with a port queue (or socket) of its own and the\n"
	"                          flows that hash to it: every flow keeps its order,\n"
	"                          flows may interleave otherwise (default 1;\n"
	"                          net_af_packet gets qpairs=N unless given)\n"
	"  -q, --quiet             no summary on stdout\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  mamori-replay -r capture.pcap -o net_af_packet0,iface=veth0 -x 2\n"
	"  mamori-replay -r capture.pcap -o net_pcap0,tx_pcap=copy.pcap --topspeed\n"
	"  mamori-replay -r capture.pcap -o sock:veth0 --topspeed --tx-lcores 2\n"
	"  mamori-replay -s configs/exercises/botnet.yaml -o 0000:03:00.0 -j run.json\n"
	"\n"
	"SIGINT or SIGTERM stop the run; the figures so far are reported.\n"
	"Exit status: 0 done, 1 a runtime error, 2 a usage or scenario error.\n";

static void
on_signal(int sig)
{
	(void)sig;
	mr_stop = true;
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
parse_opts(int argc, char **argv, struct mr_opts *o)
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
		{ "tx-lcores", required_argument, NULL, 8 },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->o_speed = 1;
	o->o_loops = 1;
	o->o_lead_ns = 100000000ULL;
	o->o_burst = 32;
	o->o_tx_lcores = 1;
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
		case 8:
			if (parse_u64("--tx-lcores", optarg, 1, RPL_LANE_MAX, &o->o_tx_lcores) != 0)
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
	if (o->o_lcore + o->o_tx_lcores > RTE_MAX_LCORE)
		return (usage_error("--lcore %" PRIu64 " --tx-lcores %" PRIu64
				    ": lcores past the last one (%d)",
			o->o_lcore, o->o_tx_lcores, RTE_MAX_LCORE - 1));
	return (0);
}

/* A one-source scenario around --pcap. */
static int
pcap_scenario(const struct mr_opts *o, struct rpl_scenario *sn, char *err, size_t errlen)
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

int
main(int argc, char **argv)
{
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	struct rpl_engine en;
	struct mr_opts o;
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
		rv = mr_transmit(&o, &en);
	}
	rpl_engine_fini(&en);
	rpl_scenario_fini(sn);
	free(sn);
	return (rv);
}
