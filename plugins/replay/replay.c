/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay: training mode.  The plugin plays an exercise scenario into
 * mamorid's own processing: it preloads the scenario's frames, and a pacing
 * thread of its own copies each one, on its TSC schedule, into the ring of a
 * net_ring port that mamorid polls like any other port — so exercise
 * traffic goes through the very same workers, flow table, patterns and
 * plugins as live traffic.  With exercise.run_id set, mamorid tags every
 * event of the run with it, and the store keeps them apart.
 *
 * It reports the run as "exercise_run" events: "started" (with t0, the
 * schedule's zero on the wall clock, which scoring measures detection times
 * from), "running" progress, and "finished" with the achieved timing.
 *
 * Configuration (plugins.replay), see docs/exercises.md:
 *	scenario: FILE          # the exercise scenario (required)
 *	port: net_ring0         # the net_ring vdev among mamorid's ports
 *	start_delay: 2s         # from the first tick to t0
 *	topspeed: false         # ignore the scenario's timing
 *	progress_interval: 5s   # "running" events while it plays
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <mamori/log.h>
#include <mamori/plugin.h>

#include "rpl_engine.h"
#include "rpl_pace.h"
#include "rpl_report.h"
#include "rpl_scenario.h"

#define COPY_MBUFS 4095

struct replay {
	const struct mm_host *r_host;
	struct mm_plugin_ctx *r_ctx;
	struct rpl_scenario *r_sn;
	struct rpl_engine r_en;
	struct rpl_pool r_pool;
	struct rte_mempool *r_copy; /* what the workers receive and free */
	struct rte_ring *r_ring;
	const char *r_port;
	bool r_topspeed;
	uint64_t r_start_delay_ns;
	uint64_t r_progress_ns;
	pthread_t r_thread;
	bool r_started;
	bool r_joined;
	bool r_announced;
	bool r_over;
	volatile bool r_stop;
	volatile bool r_done;
	volatile uint64_t r_sent;
	volatile uint64_t r_t0;
	uint64_t r_last_progress;
	struct rpl_pace_result r_res;
};

static const char *const replay_types[] = { "exercise_run", NULL };

static uint16_t
ring_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct replay *r = arg;
	struct rte_mbuf *c[64];
	unsigned k, sent;

	for (k = 0; k < n && k < RTE_DIM(c); k++)
		if ((c[k] = rte_pktmbuf_copy(pkts[k], r->r_copy, 0, UINT32_MAX)) == NULL)
			break;
	sent = rte_ring_enqueue_burst(r->r_ring, (void **)c, k, NULL);
	for (unsigned j = sent; j < k; j++)
		rte_pktmbuf_free(c[j]);
	for (unsigned j = 0; j < sent; j++)
		rte_pktmbuf_free(pkts[j]);
	return ((uint16_t)sent);
}

static void *
pacer(void *arg)
{
	struct replay *r = arg;
	struct rpl_pace_conf pc = { .pc_topspeed = r->r_topspeed,
		.pc_burst = 32,
		.pc_lead_ns = r->r_start_delay_ns,
		.pc_stop = &r->r_stop,
		.pc_sent = &r->r_sent,
		.pc_t0 = &r->r_t0 };

	if (rpl_pace_run(&r->r_en.en_sched, &r->r_pool, ring_tx, r, &pc, &r->r_res) != 0)
		r->r_res.pr_stopped = true;
	__atomic_store_n(&r->r_done, true, __ATOMIC_RELEASE);
	return (NULL);
}

static json_t *
sources_json(const struct replay *r)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < r->r_sn->sn_nsrc; i++) {
		const struct rpl_source_spec *ss = &r->r_sn->sn_src[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:f}", "name", ss->ss_name, "kind",
			ss->ss_kind == RPL_SRC_PCAP ? "pcap" : "synth", "frames",
			(json_int_t)r->r_en.en_src[i].s_n, "loops", (json_int_t)ss->ss_play.p_loops,
			"start_s", (double)ss->ss_play.p_start_ns / 1e9);

		if (ss->ss_play.p_pps > 0)
			json_object_set_new(o, "pps", json_integer((json_int_t)ss->ss_play.p_pps));
		else
			json_object_set_new(o, "speed", json_real(ss->ss_play.p_speed));
		json_array_append_new(a, o);
	}
	return (a);
}

static void
emit_run(struct replay *r, const char *state, uint64_t now_ns)
{
	char ts[RPL_EVE_TIME_LEN], t0[RPL_EVE_TIME_LEN];
	uint64_t t0_ns = __atomic_load_n(&r->r_t0, __ATOMIC_ACQUIRE);
	json_t *run, *ev;

	rpl_eve_time(now_ns, ts, sizeof(ts));
	rpl_eve_time(t0_ns, t0, sizeof(t0));
	run = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:f}", "scenario", r->r_sn->sn_name,
		"state", state, "t0", t0, "frames_total", (json_int_t)r->r_en.en_sched.sc_n,
		"frames_sent", (json_int_t)__atomic_load_n(&r->r_sent, __ATOMIC_RELAXED),
		"truth_items", (json_int_t)r->r_sn->sn_nitems, "pass_mark", r->r_sn->sn_pass_mark,
		"schedule_s", (double)r->r_en.en_sched.sc_end_ns / 1e9);
	if (run == NULL)
		return;
	if (strcmp(state, "started") == 0)
		json_object_set_new(run, "sources", sources_json(r));
	if (r->r_over)
		json_object_set_new(
			run, "report", rpl_report_json(&r->r_en, &r->r_res, r->r_topspeed));
	ev = json_pack("{s:s, s:s, s:o}", "timestamp", ts, "event_type", "exercise_run",
		"exercise_run", run);
	if (ev != NULL && r->r_host->h_emit_json(r->r_ctx, ev) < 0)
		r->r_host->h_log(r->r_ctx, MM_LOG_WARN, "exercise_run event not delivered");
}

static void
replay_tick(void *global, uint64_t now_ns)
{
	struct replay *r = global;

	if (!r->r_started) {
		if (pthread_create(&r->r_thread, NULL, pacer, r) != 0) {
			r->r_host->h_log(r->r_ctx, MM_LOG_ERR, "cannot start the pacing thread");
			r->r_over = true;
			return;
		}
		r->r_started = true;
		return;
	}
	if (r->r_over)
		return;
	if (!r->r_announced && __atomic_load_n(&r->r_t0, __ATOMIC_ACQUIRE) != 0) {
		r->r_announced = true;
		r->r_last_progress = now_ns;
		emit_run(r, "started", now_ns);
		r->r_host->h_log(r->r_ctx, MM_LOG_NOTICE,
			"exercise '%s': %zu frames over %.1f s into %s", r->r_sn->sn_name,
			r->r_en.en_sched.sc_n, (double)r->r_en.en_sched.sc_end_ns / 1e9, r->r_port);
	}
	if (__atomic_load_n(&r->r_done, __ATOMIC_ACQUIRE)) {
		pthread_join(r->r_thread, NULL);
		r->r_joined = true;
		r->r_over = true;
		emit_run(r, r->r_res.pr_stopped ? "stopped" : "finished", now_ns);
		r->r_host->h_log(r->r_ctx, MM_LOG_NOTICE,
			"exercise '%s' played: %lu frames, timing error p99 %.1f us",
			r->r_sn->sn_name, (unsigned long)r->r_res.pr_sent,
			(double)r->r_res.pr_err_p99 / 1e3);
		return;
	}
	if (r->r_announced && r->r_progress_ns > 0 &&
		now_ns - r->r_last_progress >= r->r_progress_ns) {
		r->r_last_progress = now_ns;
		emit_run(r, "running", now_ns);
	}
}

static int
replay_setup(struct replay *r, const char *scenario)
{
	char err[1024], ring[RTE_RING_NAMESIZE], name[RTE_MEMPOOL_NAMESIZE];
	uint32_t room;
	int rv;

	if ((r->r_sn = calloc(1, sizeof(*r->r_sn))) == NULL)
		return (-ENOMEM);
	if ((rv = rpl_scenario_load(r->r_sn, scenario, err, sizeof(err))) != 0 ||
		(rv = rpl_engine_load(&r->r_en, r->r_sn, err, sizeof(err))) != 0) {
		r->r_host->h_log(r->r_ctx, MM_LOG_ERR, "%s", err);
		return (rv);
	}
	/* net_ring names the ring of its first queue pair so. */
	snprintf(ring, sizeof(ring), "ETH_RXTX0_%s", r->r_port);
	if ((r->r_ring = rte_ring_lookup(ring)) == NULL) {
		r->r_host->h_log(r->r_ctx, MM_LOG_ERR,
			"port '%s': no such net_ring device; add '- dev: %s' to mamorid's ports "
			"(see docs/exercises.md)",
			r->r_port, r->r_port);
		return (-ENODEV);
	}
	snprintf(name, sizeof(name), "replay_%d", (int)getpid());
	if ((rv = rpl_pool_load(
		     &r->r_pool, &r->r_en, name, (int)rte_socket_id(), err, sizeof(err))) != 0) {
		r->r_host->h_log(r->r_ctx, MM_LOG_ERR, "%s", err);
		return (rv);
	}
	room = r->r_en.en_maxlen < 2048 ? 2048 : r->r_en.en_maxlen;
	snprintf(name, sizeof(name), "replay_cp_%d", (int)getpid());
	r->r_copy = rte_pktmbuf_pool_create(name, COPY_MBUFS, 128, 0,
		(uint16_t)(room + RTE_PKTMBUF_HEADROOM), (int)rte_socket_id());
	if (r->r_copy == NULL) {
		r->r_host->h_log(r->r_ctx, MM_LOG_ERR,
			"cannot make a pool of %d mbufs: %s (raise eal.memory_mb)", COPY_MBUFS,
			rte_strerror(rte_errno));
		return (-ENOMEM);
	}
	return (0);
}

static void
replay_fini(void *global)
{
	struct replay *r = global;

	if (r->r_started && !r->r_joined) {
		r->r_stop = true;
		pthread_join(r->r_thread, NULL);
	}
	if (r->r_pool.pl_mp != NULL)
		rpl_pool_fini(&r->r_pool);
	rte_mempool_free(r->r_copy);
	r->r_copy = NULL;
	rpl_engine_fini(&r->r_en);
	if (r->r_sn != NULL) {
		rpl_scenario_fini(r->r_sn);
		free(r->r_sn);
		r->r_sn = NULL;
	}
}

static int
replay_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct replay *r = global;
	const char *scenario;
	int rv;

	r->r_host = host;
	r->r_ctx = ctx;
	if ((rv = host->h_cfg_str(ctx, "scenario", NULL, &scenario)) < 0 || scenario == NULL) {
		if (rv == -ENOENT || scenario == NULL)
			host->h_log(ctx, MM_LOG_ERR,
				"plugins.replay.scenario: give the exercise scenario file");
		return (rv < 0 ? rv : -EINVAL);
	}
	if ((rv = host->h_cfg_str(ctx, "port", "net_ring0", &r->r_port)) < 0 && rv != -ENOENT)
		return (rv);
	if ((rv = host->h_cfg_bool(ctx, "topspeed", false, &r->r_topspeed)) < 0 && rv != -ENOENT)
		return (rv);
	if ((rv = host->h_cfg_duration_ms(
		     ctx, "start_delay", 2000, 0, 3600 * 1000, &r->r_start_delay_ns)) < 0 &&
		rv != -ENOENT)
		return (rv);
	r->r_start_delay_ns *= 1000000;
	if ((rv = host->h_cfg_duration_ms(
		     ctx, "progress_interval", 5000, 0, 3600 * 1000, &r->r_progress_ns)) < 0 &&
		rv != -ENOENT)
		return (rv);
	r->r_progress_ns *= 1000000;
	/* A plugin whose init fails is not finalised by the host: undo here. */
	if ((rv = replay_setup(r, scenario)) != 0)
		replay_fini(r);
	return (rv);
}

/* Every event of this plugin is emitted whole from the control thread. */
static int
replay_format(void *global, const struct mm_event *ev, void *obj)
{
	(void)global;
	(void)ev;
	(void)obj;
	return (-EINVAL);
}

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("replay"),
	.pd_version = "1.0",
	.pd_description = "exercise scenarios played into the appliance (training mode)",
	.pd_event_types = replay_types,
	.pd_global_size = sizeof(struct replay),
	.pd_init = replay_init,
	.pd_fini = replay_fini,
	.pd_tick = replay_tick,
	.pd_format = replay_format,
};
