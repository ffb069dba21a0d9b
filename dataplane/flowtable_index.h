/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's index, private to flowtable.c: from a key's hash to the
 * number of the entry that holds the key, in one cache line for most lookups.
 *
 * A bucket is one cache line of eight slots, each a 16-bit signature (from
 * the hash; 0 marks a free slot) and an entry number.  A key lives in the
 * first bucket with a free slot from its home bucket (the hash's low bits)
 * on, by linear probing.  Each bucket counts the keys stored beyond it whose
 * probe passed it, so a lookup stops at the first bucket whose count is 0
 * and a removal needs no tombstones (the scheme of Folly's F14 tables).
 * There are at least twice as many slots as the table holds flows, so few
 * keys spill into the next bucket and an insert always finds a slot.  The
 * entries hold the keys: the caller compares them.
 */
#ifndef DP_FLOWTABLE_INDEX_H
#define DP_FLOWTABLE_INDEX_H

#include <errno.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_vect.h>

#include "bigmem.h"

#define FTI_SLOTS 8

struct fti_bucket {
	uint16_t b_sig[FTI_SLOTS]; /* 0: the slot is free */
	uint32_t b_idx[FTI_SLOTS]; /* entry numbers */
	uint32_t b_passed;         /* keys stored beyond this bucket whose probe passed it */
	uint32_t b_pad[3];
} __rte_cache_aligned;

struct fti {
	struct fti_bucket *i_buckets;
	uint32_t i_mask; /* buckets - 1 */
};

/* Buckets for at least twice as many slots as capacity keys; 0 or -ENOMEM. */
static inline int
fti_init(struct fti *ix, const char *name, uint32_t capacity, int socket)
{
	uint64_t n = rte_align64pow2(((uint64_t)capacity * 2 + FTI_SLOTS - 1) / FTI_SLOTS);

	ix->i_buckets = dp_bigmem_zalloc(name, sizeof(struct fti_bucket) * n, socket);
	if (ix->i_buckets == NULL)
		return (-ENOMEM);
	ix->i_mask = (uint32_t)(n - 1);
	return (0);
}

static inline void
fti_fini(struct fti *ix)
{
	dp_bigmem_free(ix->i_buckets);
	ix->i_buckets = NULL;
}

static inline uint16_t
fti_sig(uint32_t hash)
{
	uint16_t s = (uint16_t)(hash >> 16);

	return (s != 0 ? s : 1);
}

static inline struct fti_bucket *
fti_home(const struct fti *ix, uint32_t hash)
{
	return (&ix->i_buckets[hash & ix->i_mask]);
}

static inline struct fti_bucket *
fti_next(const struct fti *ix, const struct fti_bucket *b)
{
	return (&ix->i_buckets[(uint32_t)(b - ix->i_buckets + 1) & ix->i_mask]);
}

/* The slots of b holding signature sig (0: the free slots), as bit 2 * slot of the result. */
static inline uint32_t
fti_match(const struct fti_bucket *b, uint16_t sig)
{
#ifdef RTE_ARCH_X86
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->b_sig);

	return ((uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig))) &
		0x5555U);
#else
	uint32_t m = 0;

	for (unsigned s = 0; s < FTI_SLOTS; s++)
		m |= (uint32_t)(b->b_sig[s] == sig) << (2 * s);
	return (m);
#endif
}

/* The lowest slot of a fti_match() result, and the result without it. */
static inline unsigned
fti_slot(uint32_t m)
{
	return ((unsigned)__builtin_ctz(m) / 2);
}

static inline uint32_t
fti_rest(uint32_t m)
{
	return (m & (m - 1));
}

/* Stores entry idx under hash; the index must hold fewer keys than half its slots. */
static inline void
fti_insert(struct fti *ix, uint32_t hash, uint32_t idx)
{
	struct fti_bucket *b = fti_home(ix, hash);
	uint32_t m;

	while ((m = fti_match(b, 0)) == 0) {
		b->b_passed++;
		b = fti_next(ix, b);
	}
	b->b_sig[fti_slot(m)] = fti_sig(hash);
	b->b_idx[fti_slot(m)] = idx;
}

/* Removes entry idx, stored under hash. */
static inline void
fti_remove(struct fti *ix, uint32_t hash, uint32_t idx)
{
	uint16_t sig = fti_sig(hash);
	struct fti_bucket *b = fti_home(ix, hash);

	for (;;) {
		for (uint32_t m = fti_match(b, sig); m != 0; m = fti_rest(m)) {
			if (b->b_idx[fti_slot(m)] == idx) {
				b->b_sig[fti_slot(m)] = 0;
				return;
			}
		}
		b->b_passed--;
		b = fti_next(ix, b);
	}
}

#endif /* DP_FLOWTABLE_INDEX_H */
