/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The on-disk cache of compiled Hyperscan databases (see hsvc.h, Cache).
 *
 * A file is <dir>/<key in hex>.hsdb:
 *
 *	magic "MMHSDB\0\1" (8) | key (32) | payload length (8, host order) |
 *	BLAKE2b-256 of the payload (32) | payload (hs_serialize_database)
 *
 * The key is checked against the name and the digest against the payload
 * before Hyperscan sees a byte of it: hs_deserialize_database() checks its
 * own header, but a cache file is input from disk and may be damaged anywhere.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <mamori/log.h>

#include "hsvc_int.h"

#define HSVC_CACHE_MAGIC  "MMHSDB\0\1"
#define HSVC_CACHE_SUFFIX ".hsdb"
/* Larger than any database Hyperscan will build for a plugin set: a sanity bound. */
#define HSVC_CACHE_MAX_PAYLOAD (1ULL << 30)

struct hsvc_cache_hdr {
	char ch_magic[8];
	uint8_t ch_key[HSVC_KEY_LEN];
	uint64_t ch_len;                 /* payload bytes */
	uint8_t ch_digest[HSVC_KEY_LEN]; /* BLAKE2b-256 of the payload */
};

_Static_assert(sizeof(struct hsvc_cache_hdr) == 80, "cache header has no padding");

static void
hsvc_key_hex(const uint8_t key[HSVC_KEY_LEN], char hex[HSVC_KEY_HEX])
{
	sodium_bin2hex(hex, HSVC_KEY_HEX, key, HSVC_KEY_LEN);
}

static void
hsvc_hash_u32(crypto_generichash_state *st, uint32_t v)
{
	crypto_generichash_update(st, (const unsigned char *)&v, sizeof(v));
}

static void
hsvc_hash_u64(crypto_generichash_state *st, uint64_t v)
{
	crypto_generichash_update(st, (const unsigned char *)&v, sizeof(v));
}

void
hsvc_cache_key(const hs_platform_info_t *plat, unsigned mode, const char *const *expr,
	const unsigned *flags, const unsigned *ids, size_t n, uint8_t key[HSVC_KEY_LEN])
{
	static const char domain[] = "mamori hsvc database 1";
	crypto_generichash_state st;
	const char *ver = hs_version();

	crypto_generichash_init(&st, NULL, 0, HSVC_KEY_LEN);
	/* Lengths before strings, and fields one by one: no padding, no ambiguity. */
	crypto_generichash_update(&st, (const unsigned char *)domain, sizeof(domain));
	hsvc_hash_u64(&st, strlen(ver));
	crypto_generichash_update(&st, (const unsigned char *)ver, strlen(ver));
	hsvc_hash_u32(&st, plat->tune);
	hsvc_hash_u64(&st, plat->cpu_features);
	hsvc_hash_u64(&st, plat->reserved1);
	hsvc_hash_u64(&st, plat->reserved2);
	hsvc_hash_u32(&st, mode);
	hsvc_hash_u64(&st, n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(expr[i]);

		hsvc_hash_u32(&st, ids[i]);
		hsvc_hash_u32(&st, flags[i]);
		hsvc_hash_u64(&st, len);
		crypto_generichash_update(&st, (const unsigned char *)expr[i], len);
	}
	crypto_generichash_final(&st, key, HSVC_KEY_LEN);
}

/* "<dir>/<hex>.hsdb"; the length was checked by hsvc_cache_prepare. */
static void
hsvc_cache_path(char *path, size_t size, const char *dir, const uint8_t key[HSVC_KEY_LEN])
{
	char hex[HSVC_KEY_HEX];

	hsvc_key_hex(key, hex);
	snprintf(path, size, "%s/%s" HSVC_CACHE_SUFFIX, dir, hex);
}

int
hsvc_cache_prepare(const char *dir)
{
	struct stat sb;

	/* The temporary name is the longest: "/." + hex + suffix + ".XXXXXX". */
	if (strlen(dir) + 2 + HSVC_KEY_HEX + sizeof(HSVC_CACHE_SUFFIX) + 7 > PATH_MAX) {
		mm_warn("hsvc: cache directory %s: path too long; building without a cache", dir);
		return (-ENAMETOOLONG);
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		int rv = -errno;

		mm_warn("hsvc: cannot create cache directory %s: %s; building without a cache", dir,
			strerror(-rv));
		return (rv);
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		mm_warn("hsvc: cache directory %s is not a directory; building without a cache",
			dir);
		return (-ENOTDIR);
	}
	return (0);
}

static int
hsvc_read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return (-errno);
		if (r == 0)
			return (-ENODATA);
		p += r;
		len -= (size_t)r;
	}
	return (0);
}

static int
hsvc_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return (-errno);
		p += r;
		len -= (size_t)r;
	}
	return (0);
}

enum hsvc_cache_res
hsvc_cache_load(const char *dir, const uint8_t key[HSVC_KEY_LEN], hs_database_t **db)
{
	char path[PATH_MAX], why[160];
	uint8_t digest[HSVC_KEY_LEN];
	struct hsvc_cache_hdr h;
	char *buf = NULL;
	struct stat sb;
	hs_error_t rc;
	int fd, rv;

	*db = NULL;
	hsvc_cache_path(path, sizeof(path), dir, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return (HSVC_CACHE_ABSENT);
		snprintf(why, sizeof(why), "cannot open it: %s", strerror(errno));
		goto bad;
	}
	if (fstat(fd, &sb) != 0) {
		snprintf(why, sizeof(why), "cannot stat it: %s", strerror(errno));
		goto bad;
	}
	if ((uint64_t)sb.st_size < sizeof(h)) {
		snprintf(why, sizeof(why), "%lld bytes, shorter than its %zu-byte header",
			(long long)sb.st_size, sizeof(h));
		goto bad;
	}
	if ((rv = hsvc_read_full(fd, &h, sizeof(h))) != 0) {
		snprintf(why, sizeof(why), "cannot read its header: %s", strerror(-rv));
		goto bad;
	}
	if (memcmp(h.ch_magic, HSVC_CACHE_MAGIC, sizeof(h.ch_magic)) != 0) {
		snprintf(why, sizeof(why), "bad magic: not a Mamori Hyperscan cache file");
		goto bad;
	}
	if (memcmp(h.ch_key, key, HSVC_KEY_LEN) != 0) {
		snprintf(why, sizeof(why), "the key inside does not match the file name");
		goto bad;
	}
	if (h.ch_len > HSVC_CACHE_MAX_PAYLOAD || h.ch_len != (uint64_t)sb.st_size - sizeof(h)) {
		snprintf(why, sizeof(why), "header says %llu payload bytes, the file has %llu",
			(unsigned long long)h.ch_len,
			(unsigned long long)((uint64_t)sb.st_size - sizeof(h)));
		goto bad;
	}
	if ((buf = malloc(h.ch_len > 0 ? h.ch_len : 1)) == NULL) {
		snprintf(
			why, sizeof(why), "no memory for %llu bytes", (unsigned long long)h.ch_len);
		goto bad;
	}
	if ((rv = hsvc_read_full(fd, buf, h.ch_len)) != 0) {
		snprintf(why, sizeof(why), "cannot read its payload: %s", strerror(-rv));
		goto bad;
	}
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)buf, h.ch_len, NULL, 0);
	if (memcmp(digest, h.ch_digest, sizeof(digest)) != 0) {
		snprintf(why, sizeof(why), "payload digest mismatch");
		goto bad;
	}
	if ((rc = hs_deserialize_database(buf, h.ch_len, db)) != HS_SUCCESS) {
		*db = NULL;
		snprintf(why, sizeof(why), "Hyperscan refused the database (error %d)", rc);
		goto bad;
	}
	free(buf);
	close(fd);
	return (HSVC_CACHE_HIT);
bad:
	mm_warn("hsvc: cache file %s is unusable (%s): recompiling and replacing it", path, why);
	free(buf);
	if (fd >= 0)
		close(fd);
	return (HSVC_CACHE_BAD);
}

int
hsvc_cache_store(const char *dir, const uint8_t key[HSVC_KEY_LEN], const hs_database_t *db)
{
	char path[PATH_MAX], tmp[PATH_MAX], hex[HSVC_KEY_HEX];
	struct hsvc_cache_hdr h;
	char *bytes = NULL;
	size_t len = 0;
	hs_error_t rc;
	int fd, rv;

	hsvc_cache_path(path, sizeof(path), dir, key);
	if ((rc = hs_serialize_database(db, &bytes, &len)) != HS_SUCCESS) {
		mm_warn("hsvc: cannot serialise the database for %s (Hyperscan error %d)", path,
			rc);
		return (-EIO);
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.ch_magic, HSVC_CACHE_MAGIC, sizeof(h.ch_magic));
	memcpy(h.ch_key, key, HSVC_KEY_LEN);
	h.ch_len = len;
	crypto_generichash(
		h.ch_digest, sizeof(h.ch_digest), (const unsigned char *)bytes, len, NULL, 0);

	hsvc_key_hex(key, hex);
	snprintf(tmp, sizeof(tmp), "%s/.%s" HSVC_CACHE_SUFFIX ".XXXXXX", dir, hex);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rv = -errno;
		mm_warn("hsvc: cannot create %s: %s; database not cached", tmp, strerror(-rv));
		free(bytes);
		return (rv);
	}
	if ((rv = hsvc_write_full(fd, &h, sizeof(h))) != 0 ||
		(rv = hsvc_write_full(fd, bytes, len)) != 0) {
		mm_warn("hsvc: cannot write %s: %s; database not cached", tmp, strerror(-rv));
		goto fail;
	}
	if (fsync(fd) != 0) {
		rv = -errno;
		mm_warn("hsvc: cannot sync %s: %s; database not cached", tmp, strerror(-rv));
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		rv = -errno;
		mm_warn("hsvc: cannot rename %s to %s: %s; database not cached", tmp, path,
			strerror(-rv));
		goto fail;
	}
	free(bytes);
	return (0);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(bytes);
	return (rv);
}

/* Whether name is "<64 hex digits>.hsdb"; its key goes to key. */
static int
hsvc_cache_name_key(const char *name, uint8_t key[HSVC_KEY_LEN])
{
	size_t bin_len = 0;

	if (strlen(name) != 2 * HSVC_KEY_LEN + strlen(HSVC_CACHE_SUFFIX) ||
		strcmp(name + 2 * HSVC_KEY_LEN, HSVC_CACHE_SUFFIX) != 0)
		return (0);
	if (sodium_hex2bin(key, HSVC_KEY_LEN, name, 2 * HSVC_KEY_LEN, NULL, &bin_len, NULL) != 0 ||
		bin_len != HSVC_KEY_LEN)
		return (0);
	return (1);
}

int
hsvc_cache_prune_keys(const char *dir, const uint8_t (*keys)[HSVC_KEY_LEN], size_t nkeys)
{
	uint8_t key[HSVC_KEY_LEN];
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		int rv = -errno;

		mm_warn("hsvc: cannot open cache directory %s: %s", dir, strerror(-rv));
		return (rv);
	}
	while ((de = readdir(d)) != NULL) {
		size_t i;

		if (!hsvc_cache_name_key(de->d_name, key))
			continue;
		for (i = 0; i < nkeys; i++)
			if (memcmp(keys[i], key, HSVC_KEY_LEN) == 0)
				break;
		if (i < nkeys)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
		else
			mm_warn("hsvc: cannot remove stale cache file %s/%s: %s", dir, de->d_name,
				strerror(errno));
	}
	closedir(d);
	return (removed);
}
