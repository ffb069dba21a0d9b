/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload under load on net_ring: a worker lcore runs the real worker loop on
 * a ring port while the main lcore injects packets of many flows and, all
 * the while, publishes new generations through RCU.  Every packet must be
 * processed, every flow accounted, and every old generation freed only once
 * no worker can see it.
 */
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "mm_test.h"
#include "worker.h"

#define NPKTS   200000
#define NFLOWS  5000
#define BURST   32
#define RELOADS 100 /* at least this many generations while packets flow */

static struct dp_workers ws;
static struct plg_set no_plugins;
static struct rte_mempool *pool;
static struct rte_ring *rx_ring, *tx_ring;
static uint16_t port;

/* A generation's payload a worker could still read: poisoned when freed. */
struct test_gen {
	struct dp_gen tg_gen;
	uint64_t tg_canary;
};

#define CANARY_LIVE 0x4c49564543414e41ULL
#define CANARY_DEAD 0xdeadbeefdeadbeefULL

static struct test_gen *
gen_make(uint64_t id)
{
	struct test_gen *g = calloc(1, sizeof(*g));

	g->tg_gen.g_id = id;
	g->tg_canary = CANARY_LIVE;
	return (g);
}

static void
frame(struct rte_mbuf *m, uint32_t flow)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	static const uint8_t hdr[] = {
		/* Ethernet */
		0,
		1,
		2,
		3,
		4,
		5,
		0,
		1,
		2,
		3,
		4,
		6,
		0x08,
		0x00,
		/* IPv4, 46 bytes, UDP */
		0x45,
		0,
		0,
		46,
		0,
		0,
		0,
		0,
		64,
		17,
		0,
		0,
		10,
		0,
		0,
		0,
		192,
		0,
		2,
		1,
		/* UDP, 26 bytes */
		0,
		0,
		0,
		53,
		0,
		26,
		0,
		0,
	};

	memset(p, 0, 60);
	memcpy(p, hdr, sizeof(hdr));
	/* The flow number picks the source address and port. */
	p[14 + 14] = (uint8_t)(flow >> 8);
	p[14 + 15] = (uint8_t)flow;
	p[34] = (uint8_t)((1024 + (flow % 1000)) >> 8);
	p[35] = (uint8_t)((1024 + (flow % 1000)) & 0xff);
	m->data_len = m->pkt_len = 60;
	m->port = port;
}

static int
setup(void)
{
	struct rte_eth_conf conf;
	struct dp_settings s;
	struct dp_worker *w;
	unsigned lcore;

	pool = rte_pktmbuf_pool_create("reload_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rx_ring = rte_ring_create("reload_rx", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx_ring = rte_ring_create("reload_tx", 512, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (pool == NULL || rx_ring == NULL || tx_ring == NULL)
		return (-1);
	if (rte_eth_from_rings("reload_port", &rx_ring, 1, &tx_ring, 1, 0) < 0 ||
		rte_eth_dev_get_port_by_name("net_ring_reload_port", &port) != 0)
		return (-1);
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
		rte_eth_rx_queue_setup(port, 0, 512, 0, NULL, pool) != 0 ||
		rte_eth_tx_queue_setup(port, 0, 512, 0, NULL) != 0 || rte_eth_dev_start(port) != 0)
		return (-1);
	if (rte_mbuf_dyn_rx_timestamp_register(&ws.ws_ts_offset, &ws.ws_ts_flag) != 0)
		return (-1);
	memset(&s, 0, sizeof(s));
	s.s_burst = BURST;
	s.s_dispatch_ring = 1024;
	s.s_flow.fc_capacity = 2 * NFLOWS;
	for (int c = 0; c < FLOW_CLASS__COUNT; c++)
		s.s_flow.fc_timeout_ns[c] = 3600ULL * 1000000000ULL;
	lcore = rte_get_next_lcore(-1, 1, 0);
	if ((w = dp_worker_create(&ws, 0, lcore, &s, false, &no_plugins)) == NULL)
		return (-1);
	w->w_rxq[0].q_port = port;
	w->w_rxq[0].q_queue = 0;
	w->w_nrxq = 1;
	ws.ws_v[0] = w;
	ws.ws_n = 1;
	ws.ws_tsc_hz = rte_get_tsc_hz();
	ws.ws_base_tsc = rte_rdtsc();
	ws.ws_base_ns = 1;
	rte_atomic32_set(&ws.ws_rx_active, 1);
	if (dp_gen_init(&ws) != 0)
		return (-1);
	ws.ws_gen = &gen_make(1)->tg_gen;
	return (0);
}

MM_TEST(reload_under_load_loses_nothing)
{
	struct dp_worker *w;
	struct flow_table_stats fs;
	struct rte_eth_stats es;
	uint64_t sent = 0, gens = 1, bad_canary = 0;

	MM_ASSERT_EQ(setup(), 0);
	w = ws.ws_v[0];
	rte_eal_remote_launch(dp_worker_main, w, w->w_lcore);
	while (sent < NPKTS) {
		struct rte_mbuf *m[BURST];
		unsigned n = RTE_MIN(BURST, NPKTS - sent), done = 0;

		if (rte_pktmbuf_alloc_bulk(pool, m, n) != 0)
			continue; /* the worker frees them as it goes */
		for (unsigned i = 0; i < n; i++)
			frame(m[i], (uint32_t)((sent + i) % NFLOWS));
		/* Never drop: wait for room as a NIC with flow control would. */
		while (done < n)
			done += rte_ring_enqueue_burst(rx_ring, (void **)&m[done], n - done, NULL);
		sent += n;
		if (sent % 1024 == 0 || gens < RELOADS) {
			struct test_gen *old =
				(struct test_gen *)dp_gen_publish(&ws, &gen_make(++gens)->tg_gen);

			/* Once publish returns, no worker may still be reading the old one. */
			if (old->tg_canary != CANARY_LIVE)
				bad_canary++;
			old->tg_canary = CANARY_DEAD;
			free(old);
		}
	}
	while (!rte_ring_empty(rx_ring))
		rte_pause();
	ws.ws_stop = true;
	rte_eal_wait_lcore(w->w_lcore);
	flow_table_stats(w->w_ft, &fs);
	rte_eth_stats_get(port, &es);
	printf("  %" PRIu64 " packets, %" PRIu64 " generations published while they flowed\n", sent,
		gens);
	MM_ASSERT(gens >= RELOADS);
	MM_ASSERT_EQ(bad_canary, 0);
	MM_ASSERT_EQ(w->w_stats.ls_rx_pkts, NPKTS);
	MM_ASSERT_EQ(w->w_stats.ls_pkts, NPKTS);
	MM_ASSERT_EQ(w->w_stats.ls_l4, NPKTS);
	MM_ASSERT_EQ(es.imissed + es.ierrors + es.rx_nombuf, 0);
	MM_ASSERT_EQ(fs.fs_created, NFLOWS);
	MM_ASSERT_EQ(fs.fs_ended[MM_FLOW_END_SHUTDOWN], NFLOWS);
	MM_ASSERT_EQ(fs.fs_ended[MM_FLOW_END_EVICTED], 0);
	MM_ASSERT_EQ(w->w_stats.ls_records, NFLOWS);
	free((struct test_gen *)ws.ws_gen);
	dp_worker_free(w);
	dp_gen_fini(&ws);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(reload_under_load_loses_nothing),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	/* Two lcores, on two CPUs when there are two, else sharing one. */
	char *eal[] = { argv[0], "--no-huge", "--no-shconf", "-m", "256", "--no-pci", "--lcores",
		"0@0,1@1", "--no-telemetry", "--log-level=error", NULL };
	int rv;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		eal[7] = "0@0,1@0";
	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "test_reload: EAL initialisation failed\n");
		return (1);
	}
	rv = mm_test_main(tests, argc, argv);
	rte_eal_cleanup();
	return (rv);
}
