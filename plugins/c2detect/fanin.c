/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fan-in scoring: see fanin.h and docs/c2detect.md.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fanin.h"

#define DAY (86400.0)

struct srv_map {
	struct fi_server *m_v;
	uint32_t *m_slot; /* index + 1 */
	uint32_t m_mask;
	uint32_t m_n;
};

static uint64_t
srv_hash(const uint8_t dst[16], uint16_t port, uint8_t proto)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 16; i++)
		h = (h ^ dst[i]) * 0x100000001b3ULL;
	h = (h ^ port) * 0x100000001b3ULL;
	return ((h ^ proto) * 0x100000001b3ULL);
}

static struct fi_server *
srv_get(struct srv_map *m, const struct pt_key *k)
{
	uint32_t i = (uint32_t)srv_hash(k->k_dst, k->k_port, k->k_proto) & m->m_mask;
	struct fi_server *s;

	for (;; i = (i + 1) & m->m_mask) {
		if (m->m_slot[i] == 0)
			break;
		s = &m->m_v[m->m_slot[i] - 1];
		if (s->s_port == k->k_port && s->s_proto == k->k_proto &&
			memcmp(s->s_dst, k->k_dst, 16) == 0)
			return (s);
	}
	s = &m->m_v[m->m_n++];
	m->m_slot[i] = m->m_n;
	memcpy(s->s_dst, k->k_dst, 16);
	s->s_port = k->k_port;
	s->s_proto = k->k_proto;
	return (s);
}

static int
proto_class(uint8_t proto)
{
	return (proto == 6 ? 0 : proto == 17 ? 1 : 2);
}

const char *
fi_level(double score)
{
	if (score >= 0.75)
		return ("high");
	if (score >= 0.55)
		return ("medium");
	if (score >= 0.35)
		return ("low");
	return ("none");
}

static void
score_server(struct fi_server *s, const struct fi_params *fp, const uint32_t *on_port,
	uint32_t answered_total, double now, bool with_infected)
{
	double q = s->s_qualified, age;

	s->c_clients = fp->fp_clients_high > 1
			       ? fmin(1.0, log(q) / log((double)fp->fp_clients_high))
			       : 1.0;
	s->c_regularity = s->s_regular_sum / q;
	s->c_bytes = s->s_bytes_score_sum / q;
	s->c_rarity = answered_total > 0
			      ? fmax(0.0, 1.0 - (double)(on_port[0] - 1) / (double)answered_total)
			      : 0;
	age = now - s->s_first;
	s->c_age = age <= 7 * DAY ? 1.0 : age >= 30 * DAY ? 0.0 : (30 * DAY - age) / (23 * DAY);
	s->c_infected = with_infected ? (double)s->s_infected / q : -1;
	s->score = 0.30 * s->c_clients + 0.20 * s->c_regularity + 0.15 * s->c_bytes +
		   0.20 * s->c_rarity + 0.15 * s->c_age;
	/* Known-infected clients only add: the device list is never complete. */
	if (with_infected)
		s->score += 0.25 * s->c_infected * (1.0 - s->score);
	s->score = round(s->score * 1000.0) / 1000.0;
}

long
fi_compute(struct pt_table *t, const struct fi_params *fp, const struct c2_set *infected,
	struct fi_server **out)
{
	struct srv_map m = { 0 };
	uint32_t cap = 1, cursor = 0, answered_total = 0, *on_port = NULL;
	struct pt_pair *p;
	double ws, we;
	long n = 0;

	*out = NULL;
	pt_window(t, &ws, &we);
	while (cap < 2 * (t->t_used + 1))
		cap <<= 1;
	m.m_mask = cap - 1;
	if ((m.m_v = calloc(t->t_used + 1, sizeof(*m.m_v))) == NULL ||
		(m.m_slot = calloc(cap, sizeof(*m.m_slot))) == NULL ||
		(on_port = calloc(3 * 65536, sizeof(*on_port))) == NULL) {
		n = -ENOMEM;
		goto out;
	}
	while ((p = pt_next(t, &cursor)) != NULL) {
		struct fi_server *s;
		bool answered, low, lng, periodic;
		double rate, size;

		if (p->p_key.k_host || p->p_seen < ws)
			continue;
		answered = p->p_failed < p->p_conns;
		if (!answered)
			continue;
		s = srv_get(&m, &p->p_key);
		if (s->s_clients++ == 0) {
			on_port[proto_class(s->s_proto) * 65536 + s->s_port]++;
			answered_total++;
			s->s_first = p->p_first;
		}
		if (p->p_first < s->s_first)
			s->s_first = p->p_first;
		if (p->p_seen > s->s_last)
			s->s_last = p->p_seen;
		lng = p->p_long >= fp->fp_long_session;
		/* Long sessions by their rate, short connections by their size. */
		rate = (double)p->p_bytes / (double)(p->p_dursum > 0 ? p->p_dursum : 1);
		size = (double)p->p_bytes / (double)p->p_records;
		low = lng ? rate <= fp->fp_low_rate : size <= (double)fp->fp_low_bytes;
		periodic = p->p_conns >= BC_MIN_TIMESTAMPS && p->p_tsscore >= fp->fp_periodic_ts;
		if (!low || !(lng || periodic))
			continue;
		s->s_qualified++;
		s->s_long += lng;
		s->s_periodic += periodic;
		s->s_records += p->p_records;
		s->s_bytes += p->p_bytes;
		s->s_regular_sum += lng ? 1.0 : p->p_tsscore;
		/* 1 at a byte a second (or 256 bytes a connection) or less, 0 at 256 times that. */
		s->s_bytes_score_sum +=
			fmax(0.0, fmin(1.0, lng ? 1.0 - log2(fmax(rate, 1.0)) / 8.0
						: 1.0 - (log2(fmax(size, 256.0)) - 8.0) / 8.0));
		if (periodic) {
			s->s_period_sum += p->p_period;
			s->s_jitter_sum += p->p_jitter;
		}
		if (infected != NULL && c2_set_contains(infected, p->p_key.k_src))
			s->s_infected++;
		if (s->s_nsample < FI_SAMPLE)
			memcpy(s->s_sample[s->s_nsample++], p->p_key.k_src, 16);
	}
	for (uint32_t i = 0; i < m.m_n; i++) {
		struct fi_server *s = &m.m_v[i];

		if (s->s_qualified < fp->fp_min_clients || s->s_qualified == 0)
			continue;
		score_server(s, fp, &on_port[proto_class(s->s_proto) * 65536 + s->s_port],
			answered_total, we, infected != NULL && infected->cs_n > 0);
		m.m_v[n++] = *s;
	}
	*out = m.m_v;
	m.m_v = NULL;
out:
	free(m.m_v);
	free(m.m_slot);
	free(on_port);
	return (n);
}
