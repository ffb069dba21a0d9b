/* SPDX-License-Identifier: BSD-3-Clause */
#include "synth_rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	*x += 0x9e3779b97f4a7c15ULL;
	z = *x;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
synth_rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream)
{
	/* Mixing the stream id through splitmix64 first keeps nearby seeds and streams apart. */
	uint64_t x = seed;
	uint64_t s = splitmix64(&x) ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->r_s[i] = splitmix64(&s);
	if ((r->r_s[0] | r->r_s[1] | r->r_s[2] | r->r_s[3]) == 0)
		r->r_s[0] = 1;
}

uint64_t
synth_rng_next(struct synth_rng *r)
{
	uint64_t *s = r->r_s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t
synth_rng_u32(struct synth_rng *r)
{
	return (uint32_t)(synth_rng_next(r) >> 32);
}

uint64_t
synth_rng_below(struct synth_rng *r, uint64_t n)
{
	uint64_t x, lim;

	if (n == 0)
		return 0;
	/* Rejection keeps the draw unbiased; lim is the largest multiple of n that fits. */
	lim = UINT64_MAX - (UINT64_MAX % n);
	do
		x = synth_rng_next(r);
	while (x >= lim);
	return x % n;
}

uint64_t
synth_rng_range(struct synth_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	if (lo == 0 && hi == UINT64_MAX)
		return synth_rng_next(r);
	return lo + synth_rng_below(r, hi - lo + 1);
}

bool
synth_rng_chance(struct synth_rng *r, unsigned permille)
{
	return synth_rng_below(r, 1000) < permille;
}

void
synth_rng_fill(struct synth_rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t x = synth_rng_next(r);
		size_t n = len < 8 ? len : 8;

		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)(x >> (8 * i));
		p += n;
		len -= n;
	}
}

void
synth_rng_alnum(struct synth_rng *r, char *buf, size_t len)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (size_t i = 0; i < len; i++)
		buf[i] = set[synth_rng_below(r, sizeof(set) - 1)];
}
