/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between hsvc.c (generations, scanning) and hsvc_cache.c (the
 * on-disk cache of compiled databases).  Not for other modules.
 */
#ifndef DP_HSVC_INT_H
#define DP_HSVC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <hs.h>

#define HSVC_KEY_LEN 32 /* BLAKE2b-256 */
#define HSVC_KEY_HEX (2 * HSVC_KEY_LEN + 1)

/* What a cache lookup found. */
enum hsvc_cache_res {
	HSVC_CACHE_HIT = 0,
	HSVC_CACHE_ABSENT, /* no file: compile */
	HSVC_CACHE_BAD,    /* a file that failed its checks (warned): compile and replace */
};

/*
 * The cache key of one database: the Hyperscan version, the platform, the
 * mode flags and every (id, flags, expression), in order.
 */
void hsvc_cache_key(const hs_platform_info_t *plat, unsigned mode, const char *const *expr,
	const unsigned *flags, const unsigned *ids, size_t n, uint8_t key[HSVC_KEY_LEN]);

/* Creates dir if missing; returns 0, or a negative errno (warned: build without a cache). */
int hsvc_cache_prepare(const char *dir);

enum hsvc_cache_res hsvc_cache_load(
	const char *dir, const uint8_t key[HSVC_KEY_LEN], hs_database_t **db);

/* Writes db under its key, atomically; returns 0 or a negative errno (warned). */
int hsvc_cache_store(const char *dir, const uint8_t key[HSVC_KEY_LEN], const hs_database_t *db);

/* The keys in use, for hsvc_cache_prune. */
int hsvc_cache_prune_keys(const char *dir, const uint8_t (*keys)[HSVC_KEY_LEN], size_t nkeys);

#endif /* DP_HSVC_INT_H */
