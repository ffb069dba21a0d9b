/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "rpl_pace.h"

#define BURST_MAX 64
/* Sleep instead of spinning while the next frame is further away than this. */
#define SLEEP_AHEAD_NS 2000000ULL

int
rpl_pool_load(struct rpl_pool *pl, const struct rpl_engine *en, const char *name, int socket,
	char *err, size_t errlen)
{
	uint32_t room = en->en_maxlen < 2048 ? 2048 : en->en_maxlen;

	memset(pl, 0, sizeof(*pl));
	if (room + RTE_PKTMBUF_HEADROOM > UINT16_MAX) {
		snprintf(err, errlen, "a frame of %u bytes is longer than one mbuf can hold",
			en->en_maxlen);
		return (-E2BIG);
	}
	pl->pl_mp = rte_pktmbuf_pool_create(name, (unsigned)en->en_nframes, 0, 0,
		(uint16_t)(room + RTE_PKTMBUF_HEADROOM), socket);
	if (pl->pl_mp == NULL) {
		snprintf(err, errlen,
			"cannot make a pool of %zu mbufs of %u bytes: %s (give the EAL more "
			"memory with -m)",
			en->en_nframes, room, rte_strerror(rte_errno));
		return (-ENOMEM);
	}
	if ((pl->pl_pkts = calloc(en->en_nframes, sizeof(*pl->pl_pkts))) == NULL) {
		rpl_pool_fini(pl);
		snprintf(err, errlen, "out of memory");
		return (-ENOMEM);
	}
	for (size_t i = 0; i < en->en_nframes; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pl->pl_mp);
		const uint8_t *f;
		uint32_t len;
		char *d;

		f = rpl_engine_frame(en, (uint32_t)i, &len);
		if (m == NULL || (d = rte_pktmbuf_append(m, (uint16_t)len)) == NULL) {
			rte_pktmbuf_free(m);
			rpl_pool_fini(pl);
			snprintf(err, errlen, "mbuf pool exhausted at frame %zu", i);
			return (-ENOMEM);
		}
		memcpy(d, f, len);
		pl->pl_pkts[i] = m;
		pl->pl_n++;
	}
	return (0);
}

void
rpl_pool_fini(struct rpl_pool *pl)
{
	for (size_t i = 0; i < pl->pl_n; i++)
		rte_pktmbuf_free(pl->pl_pkts[i]);
	free(pl->pl_pkts);
	/* Frames still held by a port come back to the pool when it frees them. */
	rte_mempool_free(pl->pl_mp);
	memset(pl, 0, sizeof(*pl));
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Waits until the TSC reaches due: sleeps while far, spins the last stretch. */
static void
wait_until(uint64_t due, uint64_t hz, volatile bool *stop)
{
	uint64_t now;

	while ((now = rte_rdtsc()) < due) {
		uint64_t left_ns = (uint64_t)((unsigned __int128)(due - now) * 1000000000u / hz);

		if (stop != NULL && *stop)
			return;
		if (left_ns > SLEEP_AHEAD_NS) {
			struct timespec ts = { 0, (long)(left_ns - SLEEP_AHEAD_NS / 2) };

			if (left_ns - SLEEP_AHEAD_NS / 2 >= 1000000000ULL)
				ts = (struct timespec){ 0, 500000000L };
			nanosleep(&ts, NULL);
		} else {
			rte_pause();
		}
	}
}

static void
err_stats(uint64_t *errs, size_t n, struct rpl_pace_result *res)
{
	double sum = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		sum += (double)errs[i];
	qsort(errs, n, sizeof(*errs), u64_cmp);
	res->pr_err_p50 = errs[(n - 1) / 2];
	res->pr_err_p99 = errs[(size_t)((double)(n - 1) * 0.99)];
	res->pr_err_max = errs[n - 1];
	res->pr_err_mean = sum / (double)n;
}

int
rpl_pace_run(const struct rpl_sched *sc, const struct rpl_pool *pl, rpl_tx_fn tx, void *arg,
	const struct rpl_pace_conf *conf, struct rpl_pace_result *res)
{
	uint64_t hz = rte_get_tsc_hz(), t0, *errs = NULL;
	uint16_t burst = conf->pc_burst == 0 || conf->pc_burst > BURST_MAX ? 32 : conf->pc_burst;
	struct rte_mbuf *b[BURST_MAX];
	uint64_t due[BURST_MAX];
	size_t i = 0, nerr = 0;

	memset(res, 0, sizeof(*res));
	if (!conf->pc_topspeed && sc->sc_n > 0 && (errs = malloc(sc->sc_n * sizeof(*errs))) == NULL)
		return (-ENOMEM);
	if (conf->pc_t0_tsc != 0) {
		t0 = conf->pc_t0_tsc;
		res->pr_t0_ns = conf->pc_t0_wall_ns;
	} else {
		uint64_t now_tsc = rte_rdtsc(), now_wall = wall_ns();

		t0 = now_tsc + (uint64_t)((unsigned __int128)conf->pc_lead_ns * hz / 1000000000u);
		res->pr_t0_ns = now_wall + conf->pc_lead_ns;
	}
	if (conf->pc_t0 != NULL)
		__atomic_store_n(conf->pc_t0, res->pr_t0_ns, __ATOMIC_RELEASE);
	wait_until(t0, hz, conf->pc_stop);
	while (i < sc->sc_n) {
		uint16_t n = 0, done = 0;
		uint64_t now, after;

		if (conf->pc_stop != NULL && *conf->pc_stop) {
			res->pr_stopped = true;
			break;
		}
		if (!conf->pc_topspeed) {
			uint64_t d = t0 + (uint64_t)((unsigned __int128)sc->sc_ent[i].e_t_ns * hz /
						     1000000000u);

			wait_until(d, hz, conf->pc_stop);
		}
		now = rte_rdtsc();
		/* Everything due by now leaves in this hand-off. */
		while (i + n < sc->sc_n && n < burst) {
			const struct rpl_ent *e = &sc->sc_ent[i + n];

			if (!conf->pc_topspeed) {
				due[n] = t0 + (uint64_t)((unsigned __int128)e->e_t_ns * hz /
							 1000000000u);
				if (due[n] > now)
					break;
			}
			b[n] = pl->pl_pkts[e->e_pkt];
			rte_mbuf_refcnt_update(b[n], 1);
			res->pr_bytes += b[n]->pkt_len;
			n++;
		}
		while (done < n) {
			uint64_t call = rte_rdtsc();
			uint16_t k = tx(arg, b + done, (uint16_t)(n - done));

			/* A frame leaves when the call that the port accepted it in began. */
			for (uint16_t j = done; errs != NULL && j < done + k; j++)
				errs[nerr++] =
					call > due[j]
						? (uint64_t)((unsigned __int128)(call - due[j]) *
							     1000000000u / hz)
						: 0;
			if (k == 0) {
				res->pr_retries++;
				if (conf->pc_stop != NULL && *conf->pc_stop) {
					for (uint16_t j = done; j < n; j++)
						rte_mbuf_refcnt_update(b[j], -1);
					res->pr_stopped = true;
					goto out;
				}
				/* A port that stays full (workers behind) gets the CPU back. */
				if (res->pr_retries % 64 == 0)
					nanosleep(&(struct timespec){ 0, 20000 }, NULL);
				else
					rte_pause();
			}
			done = (uint16_t)(done + k);
		}
		after = rte_rdtsc();
		i += n;
		res->pr_sent += n;
		if (conf->pc_sent != NULL)
			__atomic_store_n(conf->pc_sent, res->pr_sent, __ATOMIC_RELAXED);
		res->pr_elapsed_ns =
			after > t0 ? (uint64_t)((unsigned __int128)(after - t0) * 1000000000u / hz)
				   : 0;
	}
out:
	err_stats(errs, nerr, res);
	if (conf->pc_keep_errs) {
		res->pr_errs = errs;
		res->pr_nerrs = nerr;
	} else {
		free(errs);
	}
	return (0);
}

int
rpl_pace_merge(struct rpl_pace_result *sum, const struct rpl_pace_result *lanes, unsigned n)
{
	size_t nerr = 0;

	memset(sum, 0, sizeof(*sum));
	for (unsigned k = 0; k < n; k++)
		nerr += lanes[k].pr_nerrs;
	if (nerr > 0 && (sum->pr_errs = malloc(nerr * sizeof(*sum->pr_errs))) == NULL)
		return (-ENOMEM);
	for (unsigned k = 0; k < n; k++) {
		const struct rpl_pace_result *r = &lanes[k];

		sum->pr_sent += r->pr_sent;
		sum->pr_bytes += r->pr_bytes;
		sum->pr_retries += r->pr_retries;
		sum->pr_stopped = sum->pr_stopped || r->pr_stopped;
		if (k == 0 || r->pr_t0_ns < sum->pr_t0_ns)
			sum->pr_t0_ns = r->pr_t0_ns;
		if (r->pr_elapsed_ns > sum->pr_elapsed_ns)
			sum->pr_elapsed_ns = r->pr_elapsed_ns;
		if (r->pr_nerrs > 0)
			memcpy(sum->pr_errs + sum->pr_nerrs, r->pr_errs,
				r->pr_nerrs * sizeof(*r->pr_errs));
		sum->pr_nerrs += r->pr_nerrs;
	}
	err_stats(sum->pr_errs, sum->pr_nerrs, sum);
	return (0);
}

void
rpl_pace_result_fini(struct rpl_pace_result *res)
{
	free(res->pr_errs);
	res->pr_errs = NULL;
	res->pr_nerrs = 0;
}
