/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pair table: see pairs.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pairs.h"

_Static_assert(sizeof(struct pt_key) == 36, "pair keys are compared as bytes");
_Static_assert(sizeof(struct pt_pair) + 2 * sizeof(uint32_t) <= 1024, "a pair fits in 1 KiB");

static uint64_t
key_hash(const struct pt_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i + 4 <= sizeof(*k); i += 4) {
		uint32_t w;

		memcpy(&w, b + i, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (h);
}

int
pt_init(struct pt_table *t, uint32_t max, uint32_t window)
{
	uint32_t buckets = 1;

	memset(t, 0, sizeof(*t));
	if (max == 0 || max > (UINT32_MAX >> 2) || window == 0)
		return (-EINVAL);
	while (buckets < max)
		buckets <<= 1;
	/* calloc: pages are touched only as pairs arrive. */
	if ((t->t_v = calloc(max, sizeof(*t->t_v))) == NULL)
		return (-ENOMEM);
	if ((t->t_index = calloc(buckets, sizeof(*t->t_index))) == NULL) {
		free(t->t_v);
		t->t_v = NULL;
		return (-ENOMEM);
	}
	t->t_max = max;
	t->t_mask = buckets - 1;
	t->t_window = window;
	return (0);
}

void
pt_fini(struct pt_table *t)
{
	free(t->t_v);
	free(t->t_index);
	memset(t, 0, sizeof(*t));
}

size_t
pt_memory(const struct pt_table *t)
{
	return ((size_t)t->t_max * sizeof(*t->t_v) + ((size_t)t->t_mask + 1) * sizeof(uint32_t));
}

static struct pt_pair *
find_hashed(const struct pt_table *t, const struct pt_key *k, uint64_t h)
{
	uint32_t i = t->t_index[h & t->t_mask];

	while (i != 0) {
		struct pt_pair *p = &t->t_v[i - 1];

		if (memcmp(&p->p_key, k, sizeof(*k)) == 0)
			return (p);
		i = p->p_next;
	}
	return (NULL);
}

struct pt_pair *
pt_find(const struct pt_table *t, const struct pt_key *k)
{
	return (find_hashed(t, k, key_hash(k)));
}

static void
unlink_pair(struct pt_table *t, struct pt_pair *p)
{
	uint32_t *link = &t->t_index[key_hash(&p->p_key) & t->t_mask];
	uint32_t self = (uint32_t)(p - t->t_v) + 1;

	while (*link != 0 && *link != self)
		link = &t->t_v[*link - 1].p_next;
	if (*link == self)
		*link = p->p_next;
	memset(p, 0, sizeof(*p));
	p->p_next = t->t_free;
	t->t_free = self;
	t->t_used--;
}

/* The least valuable of a few entries from the clock hand. */
static struct pt_pair *
victim(struct pt_table *t)
{
	struct pt_pair *best = NULL;
	uint64_t best_v = UINT64_MAX;

	for (int n = 0; n < PT_EVICT_SAMPLE; n++) {
		struct pt_pair *p = &t->t_v[t->t_hand];
		uint64_t v;

		t->t_hand = t->t_hand + 1 == t->t_hwm ? 0 : t->t_hand + 1;
		if (!p->p_used)
			continue;
		v = ((uint64_t)(p->p_conns >= BC_MIN_TIMESTAMPS) << 32) | p->p_seen;
		if (v < best_v) {
			best_v = v;
			best = p;
		}
	}
	return (best);
}

static struct pt_pair *
new_pair(struct pt_table *t, const struct pt_key *k)
{
	struct pt_pair *p;
	uint32_t *bucket;
	uint32_t i;

	if (t->t_free != 0) {
		i = t->t_free;
		t->t_free = t->t_v[i - 1].p_next;
	} else if (t->t_hwm < t->t_max) {
		i = ++t->t_hwm;
	} else {
		if ((p = victim(t)) == NULL)
			return (NULL);
		t->t_st.ps_evicted++;
		if (p->p_conns >= BC_MIN_TIMESTAMPS)
			t->t_st.ps_evicted_scored++;
		unlink_pair(t, p);
		i = t->t_free;
		t->t_free = t->t_v[i - 1].p_next;
	}
	p = &t->t_v[i - 1];
	memset(p, 0, sizeof(*p));
	p->p_key = *k;
	p->p_used = 1;
	bucket = &t->t_index[key_hash(k) & t->t_mask];
	p->p_next = *bucket;
	*bucket = i;
	t->t_used++;
	t->t_st.ps_created++;
	return (p);
}

/* The earliest time the window can reach now. */
static uint32_t
window_start(const struct pt_table *t)
{
	uint32_t ws = t->t_now > t->t_window ? t->t_now - t->t_window : 0;

	return (ws > t->t_origin ? ws : t->t_origin);
}

static void
fine_add(struct pt_table *t, struct pt_pair *p, uint32_t ts)
{
	uint32_t ws = window_start(t);
	uint32_t idx;

	if (p->p_conns == 0) {
		/* Fine enough for the window the table scores over now. */
		uint32_t span = t->t_now > ws ? t->t_now - ws : 1;

		p->p_shift = 0;
		while (p->p_shift < PT_MAX_SHIFT && ((uint64_t)PT_FINE << p->p_shift) < span)
			p->p_shift++;
		p->p_anchor = ts & ~((1u << p->p_shift) - 1);
	}
	if (ts < p->p_anchor)
		ts = p->p_anchor;
	while ((uint64_t)ts >= (uint64_t)p->p_anchor + ((uint64_t)PT_FINE << p->p_shift)) {
		uint32_t w = 1u << p->p_shift, drop;

		if (ws >= p->p_anchor + w || p->p_shift >= PT_MAX_SHIFT) {
			/* Bins wholly before the window go first. */
			drop = ws >= p->p_anchor + w ? (ws - p->p_anchor) >> p->p_shift : 1;
			if (drop > PT_FINE)
				drop = PT_FINE;
			memmove(p->p_fine, p->p_fine + drop,
				(PT_FINE - drop) * sizeof(p->p_fine[0]));
			memset(p->p_fine + (PT_FINE - drop), 0, drop * sizeof(p->p_fine[0]));
			p->p_anchor += drop << p->p_shift;
		} else {
			/* Wide enough at once: 2^d times, aligned to the new width. */
			uint32_t d = 1, anchor, off;
			uint16_t merged[PT_FINE] = { 0 };

			while (p->p_shift + d < PT_MAX_SHIFT &&
				(uint64_t)ts - (p->p_anchor & ~((w << d) - 1)) >=
					((uint64_t)PT_FINE << (p->p_shift + d)))
				d++;
			anchor = p->p_anchor & ~((w << d) - 1);
			off = (p->p_anchor - anchor) >> p->p_shift;
			for (uint32_t j = 0; j < PT_FINE; j++) {
				uint32_t m = (j + off) >> d, v = merged[m] + p->p_fine[j];

				merged[m] = (uint16_t)(v > UINT16_MAX ? UINT16_MAX : v);
			}
			memcpy(p->p_fine, merged, sizeof(merged));
			p->p_anchor = anchor;
			p->p_shift = (uint8_t)(p->p_shift + d);
		}
	}
	idx = (ts - p->p_anchor) >> p->p_shift;
	if (p->p_fine[idx] < UINT16_MAX)
		p->p_fine[idx]++;
}

static struct pt_pair *
add_hashed(struct pt_table *t, const struct pt_key *k, const struct pt_conn *c, uint64_t h)
{
	struct pt_pair *p;

	t->t_st.ps_records++;
	if (t->t_origin == 0 || c->c_first < t->t_origin)
		t->t_origin = c->c_first;
	if (c->c_last > t->t_now)
		t->t_now = c->c_last;
	if ((p = find_hashed(t, k, h)) == NULL && (p = new_pair(t, k)) == NULL)
		return (NULL);
	p->p_records++;
	p->p_dursum += c->c_last > c->c_first ? c->c_last - c->c_first : 0;
	p->p_bytes += c->c_bytes;
	p->p_bytes_back += c->c_bytes_back;
	if (c->c_last > p->p_seen)
		p->p_seen = c->c_last;
	if (k->k_host)
		p->p_ports |= 1ULL << ((c->c_dport * 0x9e37u >> 7) & 63);
	if (p->p_conns > 0 && p->p_sess_open && p->p_sess_sport == c->c_sport &&
		p->p_sess_dport == c->c_dport) {
		/* The next report of an open session: one connection, longer. */
		uint8_t last = (uint8_t)((p->p_head + PT_SAMPLES - 1) % PT_SAMPLES);
		uint64_t b = (uint64_t)p->p_s[last].s_bytes + c->c_bytes;

		p->p_s[last].s_bytes = b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
		if (c->c_last - p->p_last > p->p_long && c->c_last > p->p_last)
			p->p_long = c->c_last - p->p_last;
		p->p_sess_open = c->c_goes_on;
		t->t_st.ps_stitched++;
		return (p);
	}
	fine_add(t, p, c->c_first);
	if (p->p_conns == 0 || c->c_first < p->p_first)
		p->p_first = c->c_first;
	if (c->c_first > p->p_last || p->p_conns == 0)
		p->p_last = c->c_first;
	p->p_conns++;
	p->p_failed += c->c_failed;
	p->p_s[p->p_head].s_ts = c->c_first;
	p->p_s[p->p_head].s_bytes = c->c_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)c->c_bytes;
	p->p_head = (uint8_t)((p->p_head + 1) % PT_SAMPLES);
	if (p->p_nsamples < PT_SAMPLES)
		p->p_nsamples++;
	if (c->c_last - c->c_first > p->p_long && c->c_last > c->c_first)
		p->p_long = c->c_last - c->c_first;
	p->p_sess_sport = c->c_sport;
	p->p_sess_dport = c->c_dport;
	p->p_sess_open = c->c_goes_on;
	p->p_dirty = 1;
	return (p);
}

struct pt_pair *
pt_add(struct pt_table *t, const struct pt_key *k, const struct pt_conn *c)
{
	return (add_hashed(t, k, c, key_hash(k)));
}

void
pt_add_burst(struct pt_table *t, const struct pt_key *k, const struct pt_conn *c, unsigned n,
	struct pt_pair **pairs)
{
	uint64_t h[PT_BURST];

	if (n > PT_BURST)
		n = PT_BURST;
	/*
	 * A pipeline over the records: the bucket of record i is fetched, the
	 * entry of record i - PT_AHEAD (whose bucket has arrived meanwhile), and
	 * record i - 2 * PT_AHEAD is added, its lines in cache by then.
	 */
	for (unsigned i = 0; i < n + 2 * PT_AHEAD; i++) {
		if (i < n) {
			h[i] = key_hash(&k[i]);
			__builtin_prefetch(&t->t_index[h[i] & t->t_mask]);
		}
		if (i >= PT_AHEAD && i - PT_AHEAD < n) {
			unsigned j = i - PT_AHEAD;
			uint32_t e = t->t_index[h[j] & t->t_mask];

			if (e != 0) {
				const struct pt_pair *q = &t->t_v[e - 1];

				__builtin_prefetch(q);
				__builtin_prefetch((const char *)q + 64);
			}
		}
		if (i >= 2 * PT_AHEAD) {
			unsigned j = i - 2 * PT_AHEAD;
			struct pt_pair *p;
			uint32_t e;

			/* The lines the record will write, now that the entry is here. */
			if (j + 1 < n && (e = t->t_index[h[j + 1] & t->t_mask]) != 0) {
				const struct pt_pair *q = &t->t_v[e - 1];
				uint32_t b =
					c[j + 1].c_first > q->p_anchor
						? (c[j + 1].c_first - q->p_anchor) >> q->p_shift
						: 0;

				__builtin_prefetch(&q->p_s[q->p_head % PT_SAMPLES]);
				__builtin_prefetch(&q->p_fine[b < PT_FINE ? b : PT_FINE - 1]);
			}
			p = add_hashed(t, &k[j], &c[j], h[j]);
			if (pairs != NULL)
				pairs[j] = p;
		}
	}
}

uint32_t
pt_expire(struct pt_table *t)
{
	uint32_t n = 0, ws = window_start(t);

	if (t->t_now <= t->t_window)
		return (0);
	for (uint32_t i = 0; i < t->t_hwm; i++) {
		struct pt_pair *p = &t->t_v[i];

		if (p->p_used && p->p_seen < t->t_now - t->t_window && p->p_seen < ws) {
			unlink_pair(t, p);
			n++;
		}
	}
	t->t_st.ps_expired += n;
	return (n);
}

void
pt_window(const struct pt_table *t, double *ws, double *we)
{
	*ws = window_start(t);
	*we = t->t_now;
}

/* Spreads the fine histogram over the window's bins; returns the count inside. */
static double
fine_bins(const struct pt_pair *p, double ws, double we, double *bins, double *first, double *last)
{
	double width = (we - ws) / BC_BINS, w = (double)(1u << p->p_shift), total = 0;

	memset(bins, 0, BC_BINS * sizeof(*bins));
	*first = -1;
	*last = -1;
	for (int i = 0; i < PT_FINE; i++) {
		double a, b, c = p->p_fine[i];

		if (c == 0)
			continue;
		a = (double)p->p_anchor + i * w;
		b = a + w;
		if (b <= ws || a > we)
			continue;
		if (a < ws)
			a = ws;
		if (b > we + 1)
			b = we + 1;
		if (*first < 0)
			*first = a;
		*last = b - 1 > a ? b - 1 : a;
		if (width <= 0) {
			bins[0] += c;
			total += c;
			continue;
		}
		/* Uniform over [a, b): the share of each window bin it overlaps. */
		for (int j = (int)((a - ws) / width); j < BC_BINS; j++) {
			double lo = ws + j * width, hi = j == BC_BINS - 1 ? INFINITY : lo + width;
			double ov = fmin(b, hi) - fmax(a, lo);

			if (j < 0)
				continue;
			if (ov > 0)
				bins[j] += c * ov / (b - a);
			if (hi >= b)
				break;
		}
		total += c;
	}
	return (total);
}

size_t
pt_score(const struct pt_table *t, const struct pt_pair *p, double *work, struct bc_score *out,
	double *conns)
{
	uint32_t ts[PT_SAMPLES], by[PT_SAMPLES];
	double ws, we, bins[BC_BINS], first = 0, last = 0;
	struct bc_input in;
	size_t n = 0;

	pt_window(t, &ws, &we);
	for (uint32_t i = 0; i < p->p_nsamples; i++) {
		if (p->p_s[i].s_ts < ws)
			continue;
		ts[n] = p->p_s[i].s_ts;
		by[n] = p->p_s[i].s_bytes;
		if (n == 0 || ts[n] < first)
			first = ts[n];
		if (n == 0 || ts[n] > last)
			last = ts[n];
		n++;
	}
	memset(&in, 0, sizeof(in));
	in.ts = ts;
	in.nts = n;
	in.bytes = by;
	in.nbytes = n;
	in.ws = ws;
	in.we = we;
	in.first = first;
	in.last = last;
	if (p->p_conns <= PT_SAMPLES) {
		/* Every connection is still a sample: the exact histogram. */
		*conns = (double)n;
	} else {
		double ffirst, flast;

		*conns = fine_bins(p, ws, we, bins, &ffirst, &flast);
		in.bins = bins;
		if (ffirst >= 0)
			in.first = ffirst;
		if (last > in.last)
			in.last = last;
	}
	return (bc_score(&in, work, out));
}

struct pt_pair *
pt_next(struct pt_table *t, uint32_t *cursor)
{
	while (*cursor < t->t_hwm) {
		struct pt_pair *p = &t->t_v[(*cursor)++];

		if (p->p_used)
			return (p);
	}
	return (NULL);
}
