/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic pseudo-random numbers for the synthesiser: xoshiro256**
 * seeded through splitmix64.  Every generator draws from its own stream
 * (seed, stream id), so adding or resizing one generator leaves the bytes
 * of the others unchanged.  No floating point is used for anything that
 * reaches the capture, so the output is the same on every platform.
 */
#ifndef SYNTH_RNG_H
#define SYNTH_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct synth_rng {
	uint64_t r_s[4]; /* xoshiro256** state; never all zero */
};

void synth_rng_seed(struct synth_rng *r, uint64_t seed, uint64_t stream);
uint64_t synth_rng_next(struct synth_rng *r);
uint32_t synth_rng_u32(struct synth_rng *r);
/* Uniform in [0, n); n == 0 gives 0. */
uint64_t synth_rng_below(struct synth_rng *r, uint64_t n);
/* Uniform in [lo, hi], both included; lo <= hi. */
uint64_t synth_rng_range(struct synth_rng *r, uint64_t lo, uint64_t hi);
/* True with probability permille / 1000. */
bool synth_rng_chance(struct synth_rng *r, unsigned permille);
void synth_rng_fill(struct synth_rng *r, void *buf, size_t len);
/* Fills with lowercase letters and digits (identifiers, cookies). */
void synth_rng_alnum(struct synth_rng *r, char *buf, size_t len);

#endif /* SYNTH_RNG_H */
