/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mergeable per-window summaries, for detection across sites (fleet mode).
 *
 * A C&C server's clients may be spread over many peering points, each of
 * which sees too few of them to flag it.  Detectors at each site therefore
 * also emit, once per window, a summary event of what they saw per external
 * destination, in a form that merges exactly: the central analysis
 * (mamori-central) unions them over sites and windows and scores the whole.
 * Everything here is header-only, so plugins use it without linking a core
 * symbol.
 *
 * The event (EVE JSON, event_type "c2_summary"; docs/mamori-central.md):
 *
 *	{"timestamp": "...", "event_type": "c2_summary", "plugin": "c2detect",
 *	 "summary": {"version": 1, "window_start": "RFC 3339", "window_s": 300,
 *	  "destinations": [
 *	   {"dest_ip": "203.0.113.7", "dest_port": 443, "proto": "TCP",
 *	    "flows": 12, "clients": 2,
 *	    "hll": "<hex: 4 digits per non-zero register, see below>",
 *	    "pairs": [{"client": "<16 hex digits, mm_summary_client_hash>",
 *	               "n": 5, "mean_s": 60.2, "m2": 31.5,
 *	               "first": "RFC 3339", "last": "RFC 3339"}]}]}}
 *
 * hll  the distinct clients of the destination in the window: a HyperLogLog
 *      of MM_HLL_P bits of precision (MM_HLL_M registers) over
 *      mm_summary_client_hash() of each client address.  Only non-zero
 *      registers are written, each as 4 hex digits: the register index in
 *      the high 10 bits and its value (1..55) in the low 6.  Merging is the
 *      register-wise maximum, so a client seen at two sites counts once.
 * pairs per (client, destination) pair, the statistics of the intervals
 *      between its connections in the window: their number n, their mean
 *      and the sum of squared deviations m2 (Welford), which merge exactly
 *      across windows (Chan et al.); first and last connection times.  A
 *      detector writes at most MM_SUMMARY_PAIRS pairs per destination, those
 *      with the most intervals.
 *
 * The client hash is the same at every site (a fixed function of the
 * address, no per-site key), so that sketches merge; it hides addresses from
 * casual reading but is not anonymisation: IPv4's space is small enough to
 * invert it by search.
 */
#ifndef MAMORI_SUMMARY_H
#define MAMORI_SUMMARY_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MM_SUMMARY_TYPE    "c2_summary"
#define MM_SUMMARY_VERSION 1
#define MM_SUMMARY_PAIRS   64
#define MM_HLL_P           10
#define MM_HLL_M           (1U << MM_HLL_P)
#define MM_HLL_MAX_RANK    (64 - MM_HLL_P + 1)

struct mm_hll {
	uint8_t h_reg[MM_HLL_M];
};

/* splitmix64's finaliser: every input bit reaches every output bit. */
static inline uint64_t
mm_summary_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (x);
}

/* The hash of a client address (16 bytes, IPv4 as ::ffff:a.b.c.d), the same at every site. */
static inline uint64_t
mm_summary_client_hash(const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return (mm_summary_mix64(mm_summary_mix64(a ^ 0x6d616d6f72690001ULL) ^ b));
}

static inline void
mm_hll_init(struct mm_hll *h)
{
	memset(h->h_reg, 0, sizeof(h->h_reg));
}

static inline void
mm_hll_add(struct mm_hll *h, uint64_t hash)
{
	uint32_t idx = (uint32_t)(hash >> (64 - MM_HLL_P));
	uint64_t rest = hash << MM_HLL_P;
	uint8_t rank = rest == 0 ? MM_HLL_MAX_RANK : (uint8_t)(__builtin_clzll(rest) + 1);

	if (rank > MM_HLL_MAX_RANK)
		rank = MM_HLL_MAX_RANK;
	if (rank > h->h_reg[idx])
		h->h_reg[idx] = rank;
}

static inline void
mm_hll_merge(struct mm_hll *into, const struct mm_hll *from)
{
	for (uint32_t i = 0; i < MM_HLL_M; i++)
		if (from->h_reg[i] > into->h_reg[i])
			into->h_reg[i] = from->h_reg[i];
}

/* The estimate of distinct hashes added, with the small-range (linear counting) correction. */
static inline double
mm_hll_estimate(const struct mm_hll *h)
{
	const double m = MM_HLL_M, alpha = 0.7213 / (1 + 1.079 / m);
	double sum = 0, e;
	uint32_t zeros = 0;

	for (uint32_t i = 0; i < MM_HLL_M; i++) {
		sum += ldexp(1.0, -(int)h->h_reg[i]);
		zeros += h->h_reg[i] == 0;
	}
	e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros);
	return (e);
}

/*
 * Writes the non-zero registers as hex (4 digits each) into out, of outlen
 * bytes (at most MM_HLL_M * 4 + 1 needed); returns the length, or 0 when out
 * is too small.
 */
static inline size_t
mm_hll_encode(const struct mm_hll *h, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (uint32_t i = 0; i < MM_HLL_M; i++) {
		uint16_t v;

		if (h->h_reg[i] == 0)
			continue;
		if (n + 5 > outlen)
			return (0);
		v = (uint16_t)(i << 6 | h->h_reg[i]);
		out[n++] = hex[v >> 12];
		out[n++] = hex[(v >> 8) & 15];
		out[n++] = hex[(v >> 4) & 15];
		out[n++] = hex[v & 15];
	}
	if (n + 1 > outlen)
		return (0);
	out[n] = '\0';
	return (n);
}

/*
 * Reads registers written by mm_hll_encode and merges them into h.  Returns
 * false (h untouched) for anything else: a length not a multiple of 4, a
 * non-hex digit, a value of 0 or over MM_HLL_MAX_RANK.
 */
static inline bool
mm_hll_decode_merge(struct mm_hll *h, const char *s, size_t len)
{
	struct mm_hll t;

	if (len % 4 != 0)
		return (false);
	mm_hll_init(&t);
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			char c = s[i + k];
			uint32_t d = c >= '0' && c <= '9'   ? (uint32_t)(c - '0')
				     : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
							    : 16;

			if (d == 16)
				return (false);
			v = v << 4 | d;
		}
		if ((v & 63) == 0 || (v & 63) > MM_HLL_MAX_RANK)
			return (false);
		if ((v & 63) > t.h_reg[v >> 6])
			t.h_reg[v >> 6] = (uint8_t)(v & 63);
	}
	mm_hll_merge(h, &t);
	return (true);
}

/* Interval statistics of a pair (Welford), and their exact merge (Chan et al.). */
struct mm_pair_stats {
	uint64_t ps_n; /* intervals */
	double ps_mean;
	double ps_m2;
};

static inline void
mm_pair_add(struct mm_pair_stats *p, double interval)
{
	double d = interval - p->ps_mean;

	p->ps_n++;
	p->ps_mean += d / (double)p->ps_n;
	p->ps_m2 += d * (interval - p->ps_mean);
}

static inline void
mm_pair_merge(struct mm_pair_stats *into, const struct mm_pair_stats *from)
{
	uint64_t n = into->ps_n + from->ps_n;
	double d;

	if (from->ps_n == 0)
		return;
	if (into->ps_n == 0) {
		*into = *from;
		return;
	}
	d = from->ps_mean - into->ps_mean;
	into->ps_m2 += from->ps_m2 + d * d * (double)into->ps_n * (double)from->ps_n / (double)n;
	into->ps_mean += d * (double)from->ps_n / (double)n;
	into->ps_n = n;
}

/* The coefficient of variation of the intervals: small for a beacon. */
static inline double
mm_pair_cv(const struct mm_pair_stats *p)
{
	if (p->ps_n < 2 || p->ps_mean <= 0)
		return (INFINITY);
	return (sqrt(p->ps_m2 / (double)(p->ps_n - 1)) / p->ps_mean);
}

#endif /* MAMORI_SUMMARY_H */
