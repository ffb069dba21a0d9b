/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpl_sched.h"

void
rpl_play_defaults(struct rpl_play *p)
{
	memset(p, 0, sizeof(*p));
	p->p_speed = 1.0;
	p->p_loops = 1;
}

/* Offset of frame i inside one loop, before the start offset. */
static uint64_t
in_loop_ns(const struct rpl_src *src, const struct rpl_play *play, size_t i)
{
	uint64_t d;

	if (play->p_pps > 0)
		return ((uint64_t)((unsigned __int128)i * 1000000000u / play->p_pps));
	/* Frames out of time order leave in file order, at once. */
	d = src->s_frames[i].f_ts_ns > src->s_frames[0].f_ts_ns
		    ? src->s_frames[i].f_ts_ns - src->s_frames[0].f_ts_ns
		    : 0;
	return ((uint64_t)((double)d / play->p_speed));
}

static uint64_t
loop_span_ns(const struct rpl_src *src, const struct rpl_play *play)
{
	uint64_t last = src->s_n > 0 ? in_loop_ns(src, play, src->s_n - 1) : 0;

	if (play->p_loop_delay_ns > 0)
		return (last + play->p_loop_delay_ns);
	if (play->p_pps > 0)
		return (last + 1000000000u / play->p_pps);
	return (src->s_n > 1 ? last + last / (src->s_n - 1) : last);
}

uint64_t
rpl_sched_frame_ns(const struct rpl_src *src, const struct rpl_play *play, uint32_t loop, size_t i)
{
	return (play->p_start_ns + (uint64_t)loop * loop_span_ns(src, play) +
		in_loop_ns(src, play, i));
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct rpl_ent *x = a, *y = b;

	if (x->e_t_ns != y->e_t_ns)
		return (x->e_t_ns < y->e_t_ns ? -1 : 1);
	if (x->e_src != y->e_src)
		return (x->e_src < y->e_src ? -1 : 1);
	return (x->e_pkt < y->e_pkt ? -1 : x->e_pkt > y->e_pkt);
}

int
rpl_sched_build(struct rpl_sched *sc, const struct rpl_src *srcs, const struct rpl_play *plays,
	unsigned nsrc, char *err, size_t errlen)
{
	uint64_t total = 0, base = 0;
	size_t k = 0;
	bool sorted = true;

	memset(sc, 0, sizeof(*sc));
	for (unsigned s = 0; s < nsrc; s++) {
		total += (uint64_t)srcs[s].s_n * plays[s].p_loops;
		base += srcs[s].s_n;
	}
	if (total > UINT32_MAX || base > UINT32_MAX) {
		snprintf(err, errlen, "%llu frames to send: more than the %u one run can hold",
			(unsigned long long)total, UINT32_MAX);
		return (-E2BIG);
	}
	if (total == 0)
		return (0);
	if ((sc->sc_ent = malloc(total * sizeof(*sc->sc_ent))) == NULL) {
		snprintf(err, errlen, "out of memory for %llu scheduled frames",
			(unsigned long long)total);
		return (-ENOMEM);
	}
	base = 0;
	for (unsigned s = 0; s < nsrc; s++) {
		const struct rpl_src *src = &srcs[s];
		const struct rpl_play *pl = &plays[s];
		uint64_t span = loop_span_ns(src, pl), prev = 0;

		for (uint32_t l = 0; l < pl->p_loops; l++) {
			for (size_t i = 0; i < src->s_n; i++) {
				struct rpl_ent *e = &sc->sc_ent[k++];
				uint64_t t = pl->p_start_ns + (uint64_t)l * span +
					     in_loop_ns(src, pl, i);

				/* A frame older than the one before leaves right after it. */
				if (t < prev)
					t = prev;
				prev = t;
				e->e_t_ns = t;
				e->e_pkt = (uint32_t)(base + i);
				e->e_src = s;
				if (k > 1 && ent_cmp(&sc->sc_ent[k - 2], e) > 0)
					sorted = false;
			}
		}
		base += src->s_n;
	}
	if (!sorted)
		qsort(sc->sc_ent, k, sizeof(*sc->sc_ent), ent_cmp);
	sc->sc_n = k;
	sc->sc_end_ns = sc->sc_ent[k - 1].e_t_ns;
	return (0);
}

void
rpl_sched_fini(struct rpl_sched *sc)
{
	free(sc->sc_ent);
	memset(sc, 0, sizeof(*sc));
}
