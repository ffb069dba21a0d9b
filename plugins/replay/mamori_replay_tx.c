/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-replay's run: the EAL and the port (or a packet socket per lcore),
 * the schedule split into lanes over the transmit lcores, and the figures.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
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

#include "mamori_replay.h"
#include "rpl_lane.h"
#include "rpl_pace.h"
#include "rpl_report.h"
#include "rpl_sock.h"

/* One transmit lcore: its lane of the schedule and the port queue it owns. */
struct lane {
	const struct rpl_sched *ln_sc;
	const struct rpl_pool *ln_pool;
	struct rpl_pace_conf ln_pc;
	struct rpl_pace_result ln_res;
	uint64_t ln_rt_prio; /* SCHED_FIFO priority of this lcore's thread (0: none) */
	rpl_tx_fn ln_tx;     /* the port queue's burst, or the socket's */
	void *ln_tx_arg;
	struct rpl_sock ln_sock; /* with --port sock:IFACE */
	uint16_t ln_port;
	uint16_t ln_queue;
	unsigned ln_lcore;
	int ln_rv; /* rpl_pace_run's, or a negative errno from setting the priority */
};

static uint16_t
lane_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	const struct lane *ln = arg;

	return (rte_eth_tx_burst(ln->ln_port, ln->ln_queue, pkts, n));
}

static int
lane_run(void *arg)
{
	struct lane *ln = arg;

	/* The policy is per thread: each lcore sets its own. */
	if (ln->ln_rt_prio > 0) {
		struct sched_param sp = { .sched_priority = (int)ln->ln_rt_prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
			ln->ln_rv = -errno;
			return (0);
		}
	}
	ln->ln_rv = rpl_pace_run(
		ln->ln_sc, ln->ln_pool, ln->ln_tx, ln->ln_tx_arg, &ln->ln_pc, &ln->ln_res);
	return (0);
}

/*
 * The device string to probe: net_af_packet opens one socket per queue
 * pair, so it is given qpairs=N for N lcores unless the user chose.
 */
static int
port_devargs(const struct mr_opts *o, char *buf, size_t len)
{
	int n;

	if (o->o_tx_lcores > 1 && strncmp(o->o_port, "net_af_packet", 13) == 0 &&
		strstr(o->o_port, "qpairs=") == NULL)
		n = snprintf(buf, len, "%s,qpairs=%" PRIu64, o->o_port, o->o_tx_lcores);
	else
		n = snprintf(buf, len, "%s", o->o_port);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "%s: --port: '%s' is longer than %zu bytes\n", PROG, o->o_port,
			len - 32);
		return (-1);
	}
	return (0);
}

static int
eal_start(const struct mr_opts *o, const struct rpl_engine *en)
{
	char mem[32], lcore[48], prefix[64], dev[1024];
	cpu_set_t cpus;
	uint64_t need = o->o_memory_mb;
	bool sock = rpl_sock_is(o->o_port);
	bool pci =
		!sock && strncmp(o->o_port, "net_", 4) != 0 && strncmp(o->o_port, "eth_", 4) != 0;
	char *argv[16];
	int argc = 0;

	if (need == 0) {
		uint64_t room = en->en_maxlen < 2048 ? 2048 : en->en_maxlen;

		need = 128 + en->en_nframes * (room + 512) / (1 << 20);
	}
	if (port_devargs(o, dev, sizeof(dev)) != 0)
		return (-1);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
		for (uint64_t c = o->o_lcore; c < o->o_lcore + o->o_tx_lcores; c++) {
			if (c >= CPU_SETSIZE || !CPU_ISSET(c, &cpus)) {
				fprintf(stderr,
					"%s: --lcore %" PRIu64 " --tx-lcores %" PRIu64
					": CPU %" PRIu64 " is not one this process may run on (%d "
					"are)\n",
					PROG, o->o_lcore, o->o_tx_lcores, c, CPU_COUNT(&cpus));
				return (-1);
			}
		}
	}
	snprintf(mem, sizeof(mem), "%" PRIu64, need);
	if (o->o_tx_lcores > 1)
		snprintf(lcore, sizeof(lcore), "%" PRIu64 "-%" PRIu64, o->o_lcore,
			o->o_lcore + o->o_tx_lcores - 1);
	else
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
		argv[argc++] = dev;
	} else if (sock) {
		/* Not a DPDK device: the EAL only runs the lcores and holds the frames. */
		argv[argc++] = (char *)"--no-pci";
	} else {
		argv[argc++] = (char *)"--no-pci";
		argv[argc++] = (char *)"--vdev";
		argv[argc++] = dev;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: cannot start DPDK (lcores %s, port %s): %s\n", PROG, lcore,
			o->o_port, rte_strerror(rte_errno));
		return (-1);
	}
	return (0);
}

static int
port_start(const char *dev, uint16_t nq, uint16_t *id)
{
	struct rte_eth_dev_info info;
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
	if ((rv = rte_eth_dev_info_get(*id, &info)) != 0) {
		fprintf(stderr, "%s: port '%s': %s\n", PROG, dev, rte_strerror(-rv));
		return (-1);
	}
	if (info.max_tx_queues < nq) {
		fprintf(stderr,
			"%s: port '%s': %u transmit queues at most, --tx-lcores %u needs %u "
			"(net_af_packet: qpairs=%u)\n",
			PROG, dev, info.max_tx_queues, nq, nq, nq);
		return (-1);
	}
	memset(&conf, 0, sizeof(conf));
	if ((rv = rte_eth_dev_configure(*id, 0, nq, &conf)) != 0) {
		fprintf(stderr, "%s: port '%s': cannot start: %s\n", PROG, dev, rte_strerror(-rv));
		return (-1);
	}
	for (uint16_t q = 0; q < nq; q++) {
		if ((rv = rte_eth_tx_queue_setup(
			     *id, q, 1024, (unsigned)rte_eth_dev_socket_id(*id), NULL)) != 0) {
			fprintf(stderr, "%s: port '%s': transmit queue %u: %s\n", PROG, dev, q,
				rte_strerror(-rv));
			return (-1);
		}
	}
	if ((rv = rte_eth_dev_start(*id)) != 0) {
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

/* The run's figures: the whole, then each lcore's, and what the port counted. */
static int
report(const struct mr_opts *o, const struct rpl_engine *en, const struct rpl_pace_result *res,
	const struct lane *lanes, unsigned n, const struct rte_eth_stats *st)
{
	json_t *j = rpl_report_json(en, res, o->o_topspeed), *ja = json_array();
	int rv = 0;

	for (unsigned k = 0; k < n && ja != NULL; k++) {
		const struct rpl_pace_result *r = &lanes[k].ln_res;

		json_array_append_new(ja,
			json_pack("{s:i, s:i, s:I, s:I, s:f, s:f}", "lcore", (int)lanes[k].ln_lcore,
				"queue", (int)lanes[k].ln_queue, "frames",
				(json_int_t)lanes[k].ln_sc->sc_n, "sent", (json_int_t)r->pr_sent,
				"elapsed_s", (double)r->pr_elapsed_ns / 1e9, "pps",
				rpl_report_rate(r->pr_sent, r->pr_elapsed_ns)));
	}
	if (j != NULL) {
		json_object_set_new(j, "tx_lcores", json_integer((json_int_t)n));
		json_object_set_new(j, "lanes", ja);
		ja = NULL;
		json_object_set_new(j, "port",
			json_pack("{s:s, s:I, s:I, s:I}", "device", o->o_port, "opackets",
				(json_int_t)st->opackets, "obytes", (json_int_t)st->obytes,
				"oerrors", (json_int_t)st->oerrors));
	}
	json_decref(ja);
	if (!o->o_quiet) {
		rpl_report_print(stdout, en, res, o->o_topspeed);
		if (n > 1) {
			printf("%u tx lcores, each flow on one of them:\n", n);
			for (unsigned k = 0; k < n; k++)
				printf("  lcore %u, queue %u: %" PRIu64 " of %zu frames in %.3f s "
				       "(%.0f pps)\n",
					lanes[k].ln_lcore, lanes[k].ln_queue,
					lanes[k].ln_res.pr_sent, lanes[k].ln_sc->sc_n,
					(double)lanes[k].ln_res.pr_elapsed_ns / 1e9,
					rpl_report_rate(lanes[k].ln_res.pr_sent,
						lanes[k].ln_res.pr_elapsed_ns));
		}
		printf("port %s: %" PRIu64 " frames out, %" PRIu64 " errors\n", o->o_port,
			st->opackets, st->oerrors);
	}
	if (o->o_report != NULL && (j == NULL || write_report(o->o_report, j) != 0))
		rv = -1;
	json_decref(j);
	return (rv);
}

/* Runs every lane, lane 0 on the main lcore; 0, or -1 with the error printed. */
static int
run_lanes(struct lane *lanes, unsigned n)
{
	unsigned k = 1, lc;
	int rv = 0;

	RTE_LCORE_FOREACH_WORKER(lc)
	{
		if (k == n)
			break;
		lanes[k].ln_lcore = lc;
		if ((rv = rte_eal_remote_launch(lane_run, &lanes[k], lc)) != 0) {
			fprintf(stderr, "%s: lcore %u: cannot start: %s\n", PROG, lc,
				rte_strerror(-rv));
			mr_stop = true;
			break;
		}
		k++;
	}
	lanes[0].ln_lcore = rte_lcore_id();
	if (rv == 0)
		lane_run(&lanes[0]);
	rte_eal_mp_wait_lcore();
	for (unsigned i = 0; i < k && i < n; i++) {
		if (lanes[i].ln_rv == -ENOMEM) {
			fprintf(stderr, "%s: out of memory for the timing figures\n", PROG);
			rv = -1;
		} else if (lanes[i].ln_rv != 0) {
			fprintf(stderr,
				"%s: --realtime: lcore %u: %s (run as root or with "
				"CAP_SYS_NICE)\n",
				PROG, lanes[i].ln_lcore, strerror(-lanes[i].ln_rv));
			rv = -1;
		}
	}
	return (rv != 0 || k < n ? -1 : 0);
}

int
mr_transmit(const struct mr_opts *o, struct rpl_engine *en)
{
	unsigned n = (unsigned)o->o_tx_lcores;
	struct rpl_sched split[RPL_LANE_MAX];
	struct lane lanes[RPL_LANE_MAX];
	bool sock = rpl_sock_is(o->o_port);
	struct rpl_pace_result res;
	struct rte_eth_stats st;
	struct rpl_pool pool;
	char err[512];
	uint16_t port = 0;
	int status = 0;

	memset(split, 0, sizeof(split));
	memset(lanes, 0, sizeof(lanes));
	memset(&res, 0, sizeof(res));
	memset(&pool, 0, sizeof(pool));
	memset(&st, 0, sizeof(st));
	for (unsigned k = 0; k < n; k++)
		lanes[k].ln_sock.so_fd = -1;
	if (eal_start(o, en) != 0)
		return (1);
	if (rte_lcore_count() < n) {
		fprintf(stderr, "%s: --tx-lcores %u: only %u lcores started\n", PROG, n,
			rte_lcore_count());
		rte_eal_cleanup();
		return (1);
	}
	if (sock) {
		for (unsigned k = 0; k < n; k++) {
			if (rpl_sock_open(&lanes[k].ln_sock, o->o_port, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s: %s\n", PROG, err);
				status = 1;
				goto out;
			}
		}
	} else if (port_start(o->o_port, (uint16_t)n, &port) != 0) {
		rte_eal_cleanup();
		return (1);
	}
	if (rpl_pool_load(&pool, en, "replay", (int)rte_socket_id(), err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		status = 1;
		goto out;
	}
	if (n > 1 && rpl_lane_split(en, n, split) != 0) {
		fprintf(stderr, "%s: out of memory for %u lanes of %zu frames\n", PROG, n,
			en->en_sched.sc_n);
		status = 1;
		goto out;
	}
	if (o->o_rt_prio > 0) {
		/*
		 * The main lcore (lane 0) first, so that a refusal stops the run
		 * before any lane sends; the workers then set their own.
		 */
		struct sched_param sp = { .sched_priority = (int)o->o_rt_prio };

		if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0 ||
			sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
			fprintf(stderr, "%s: --realtime: %s (run as root or with CAP_SYS_NICE)\n",
				PROG, strerror(errno));
			status = 1;
			goto out;
		}
	}
	{
		/* One schedule zero for every lane; at top speed, just after the launch. */
		uint64_t lead = o->o_topspeed ? (n > 1 ? 1000000ULL : 0) : o->o_lead_ns;
		struct timespec ts;
		uint64_t now = rte_rdtsc();

		clock_gettime(CLOCK_REALTIME, &ts);
		for (unsigned k = 0; k < n; k++) {
			struct lane *ln = &lanes[k];

			ln->ln_sc = n > 1 ? &split[k] : &en->en_sched;
			ln->ln_pool = &pool;
			ln->ln_port = port;
			ln->ln_queue = (uint16_t)k;
			ln->ln_tx = sock ? rpl_sock_tx : lane_tx;
			ln->ln_tx_arg = sock ? (void *)&ln->ln_sock : (void *)ln;
			/* The main lcore's (lane 0's) is set above. */
			ln->ln_rt_prio = k > 0 ? o->o_rt_prio : 0;
			ln->ln_pc = (struct rpl_pace_conf){ .pc_topspeed = o->o_topspeed,
				.pc_burst = (uint16_t)o->o_burst,
				.pc_stop = &mr_stop,
				.pc_t0_tsc = now + (uint64_t)((unsigned __int128)lead *
							      rte_get_tsc_hz() / 1000000000u),
				.pc_t0_wall_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
						 (uint64_t)ts.tv_nsec + lead,
				.pc_keep_errs = n > 1 };
		}
	}
	if (run_lanes(lanes, n) != 0) {
		status = 1;
		goto out;
	}
	if (n == 1) {
		/* Its own figures are the run's (without pc_keep_errs they own no memory). */
		res = lanes[0].ln_res;
	} else {
		struct rpl_pace_result each[RPL_LANE_MAX];

		for (unsigned k = 0; k < n; k++)
			each[k] = lanes[k].ln_res;
		if (rpl_pace_merge(&res, each, n) != 0) {
			fprintf(stderr, "%s: out of memory for the timing figures\n", PROG);
			status = 1;
			goto out;
		}
	}
	if (sock) {
		for (unsigned k = 0; k < n; k++) {
			st.opackets += lanes[k].ln_sock.so_opackets;
			st.obytes += lanes[k].ln_sock.so_obytes;
			st.oerrors += lanes[k].ln_sock.so_oerrors;
		}
	} else {
		rte_eth_stats_get(port, &st);
	}
	if (report(o, en, &res, lanes, n, &st) != 0)
		status = 1;
out:
	if (sock) {
		for (unsigned k = 0; k < n; k++)
			rpl_sock_close(&lanes[k].ln_sock);
	} else {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rpl_pace_result_fini(&res);
	for (unsigned k = 0; k < n; k++) {
		rpl_pace_result_fini(&lanes[k].ln_res);
		rpl_sched_fini(&split[k]);
	}
	if (pool.pl_mp != NULL)
		rpl_pool_fini(&pool);
	rte_eal_cleanup();
	return (status);
}
