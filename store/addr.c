/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The writer's buffer of address entries, the rows it writes to
 * events_addr, and the reading of those rows for queries.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_addr.h"

/*
 * An entry is its sort key: the id's block (8 bytes), the address (16), the
 * id's offset in the block (2), each big-endian, so that byte order is the
 * order of events_addr; its last 18 bytes are the entry as a row holds it.
 */
#define KEY_BLK   0
#define KEY_ADDR  8
#define KEY_OFF   24
#define KEY_BYTES 26

struct addr_entry {
	uint8_t e_key[KEY_BYTES];
};

struct store_addr_buf {
	struct addr_entry *b_e;
	size_t b_n, b_cap;
	/* store_addr_buf_write()'s: the entries to write, and room to sort them */
	struct addr_entry *b_sorted, *b_tmp;
	size_t b_sorted_cap, b_tmp_cap;
	uint64_t *b_k, *b_ktmp; /* the IPv4 entries as 64-bit keys (sort_entries) */
	size_t b_k_cap, b_ktmp_cap;
	size_t b_count[KEY_BYTES][256];
};

/* What an IPv4-mapped address starts with (::ffff:0:0/96). */
static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static uint64_t
entry_blk(const struct addr_entry *e)
{
	uint64_t blk = 0;

	for (int i = 0; i < 8; i++)
		blk = blk << 8 | e->e_key[KEY_BLK + i];
	return (blk);
}

/* Writes an entry's block, big-endian. */
static void
put_blk(struct addr_entry *e, uint64_t blk)
{
	for (int i = 7; i >= 0; i--, blk >>= 8)
		e->e_key[KEY_BLK + i] = (uint8_t)blk;
}

static int64_t
entry_id(const struct addr_entry *e)
{
	return ((int64_t)(entry_blk(e) << STORE_ADDR_BLOCK_SHIFT) |
		((int64_t)e->e_key[KEY_OFF] << 8 | e->e_key[KEY_OFF + 1]));
}

struct store_addr_buf *
store_addr_buf_new(void)
{
	return (calloc(1, sizeof(struct store_addr_buf)));
}

void
store_addr_buf_free(struct store_addr_buf *b)
{
	if (b == NULL)
		return;
	free(b->b_e);
	free(b->b_sorted);
	free(b->b_tmp);
	free(b->b_k);
	free(b->b_ktmp);
	free(b);
}

/*
 * The array a of *cap elements of size bytes, moved if need be to make room
 * for need; NULL (a unchanged) when out of memory.
 */
static void *
grow(void *a, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap > 0 ? *cap : 4096;

	/* Allocated at the first call, even for none. */
	if (need <= *cap && a != NULL)
		return (a);
	while (n < need)
		n *= 2;
	if ((a = realloc(a, n * size)) != NULL)
		*cap = n;
	return (a);
}

int
store_addr_buf_add(struct store_addr_buf *b, int64_t id, const uint8_t addr[16])
{
	uint32_t off = (uint32_t)id & (STORE_ADDR_BLOCK_IDS - 1);
	struct addr_entry *e;

	if (b->b_n == b->b_cap) {
		struct addr_entry *a = grow(b->b_e, &b->b_cap, b->b_n + 1, sizeof(*a));

		if (a == NULL)
			return (-ENOMEM);
		b->b_e = a;
	}
	e = &b->b_e[b->b_n++];
	put_blk(e, (uint64_t)id >> STORE_ADDR_BLOCK_SHIFT);
	memcpy(e->e_key + KEY_ADDR, addr, 16);
	e->e_key[KEY_OFF] = (uint8_t)(off >> 8);
	e->e_key[KEY_OFF + 1] = (uint8_t)off;
	return (0);
}

size_t
store_addr_buf_len(const struct store_addr_buf *b)
{
	return (b->b_n);
}

void
store_addr_buf_truncate(struct store_addr_buf *b, size_t len)
{
	if (len < b->b_n)
		b->b_n = len;
}

/*
 * Turns the counts of a byte's 256 values (n in all) into the positions
 * where each value's entries go; false, and nothing to do, when every entry
 * has the value one has.
 */
static bool
to_offsets(size_t *c, size_t n, unsigned one)
{
	size_t at = 0;

	if (c[one] == n)
		return (false);
	for (int v = 0; v < 256; v++) {
		size_t k = c[v];

		c[v] = at;
		at += k;
	}
	return (true);
}

/*
 * Sorts a[0..n-1] by key: a least-significant-digit radix sort, a byte a
 * pass, skipping the bytes all entries share.  glibc's qsort() with a
 * comparison function took 8% of the writer's time.
 */
static void
sort_full(struct store_addr_buf *b, struct addr_entry *a, size_t n)
{
	struct addr_entry *src = a, *dst = b->b_tmp, *t;

	memset(b->b_count, 0, sizeof(b->b_count));
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < KEY_BYTES; p++)
			b->b_count[p][a[i].e_key[p]]++;
	for (int p = KEY_BYTES - 1; p >= 0; p--) {
		size_t *c = b->b_count[p];

		if (n == 0 || !to_offsets(c, n, src[0].e_key[p]))
			continue;
		for (size_t i = 0; i < n; i++)
			dst[c[src[i].e_key[p]]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* The same for 64-bit keys: 8 passes at most, of 8 bytes instead of 26. */
static void
sort_keys(struct store_addr_buf *b, uint64_t *a, size_t n)
{
	uint64_t *src = a, *dst = b->b_ktmp, *t;

	memset(b->b_count, 0, 8 * sizeof(b->b_count[0]));
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 8; p++)
			b->b_count[p][a[i] >> (8 * p) & 0xff]++;
	for (int p = 0; p < 8; p++) {
		size_t *c = b->b_count[p];

		if (n == 0 || !to_offsets(c, n, src[0] >> (8 * p) & 0xff))
			continue;
		for (size_t i = 0; i < n; i++)
			dst[c[src[i] >> (8 * p) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* An IPv4 entry from its key: the block after blk0 (16 bits), the address, the offset. */
static void
key_entry(struct addr_entry *e, uint64_t k, uint64_t blk0)
{
	put_blk(e, blk0 + (k >> 48));
	memcpy(e->e_key + KEY_ADDR, v4_mapped, sizeof(v4_mapped));
	for (int i = 0; i < 6; i++)
		e->e_key[KEY_ADDR + 12 + i] = (uint8_t)(k >> (40 - 8 * i));
}

/*
 * Sorts a[0..n-1] by key.  Most addresses are IPv4 (mapped): the 12 bytes
 * they share would cost sort_full() nothing, but the other addresses'
 * bytes there would cost every entry a pass each.  So the IPv4 entries are
 * sorted apart as 64-bit keys (the block from the first, the address, the
 * offset), the others by sort_full(), and the two runs merged.  Blocks 2^16
 * apart or more (a catch-up at most writes a few) go to sort_full() whole.
 */
static void
sort_entries(struct store_addr_buf *b, struct addr_entry *a, size_t n)
{
	uint64_t blk0 = UINT64_MAX, blk1 = 0, *k = b->b_k;
	struct addr_entry *out = b->b_tmp, e;
	size_t nk = 0, no = 0, i = 0, j = 0;

	for (size_t x = 0; x < n; x++) {
		uint64_t blk = entry_blk(&a[x]);

		blk0 = blk < blk0 ? blk : blk0;
		blk1 = blk > blk1 ? blk : blk1;
	}
	if (n == 0 || blk1 - blk0 > UINT16_MAX) {
		sort_full(b, a, n);
		return;
	}
	/* The IPv4 entries to k, the others to the front of a. */
	for (size_t x = 0; x < n; x++) {
		const uint8_t *key = a[x].e_key;

		if (memcmp(key + KEY_ADDR, v4_mapped, sizeof(v4_mapped)) != 0) {
			a[no++] = a[x];
			continue;
		}
		k[nk++] = (entry_blk(&a[x]) - blk0) << 48 | (uint64_t)key[KEY_ADDR + 12] << 40 |
			  (uint64_t)key[KEY_ADDR + 13] << 32 | (uint64_t)key[KEY_ADDR + 14] << 24 |
			  (uint64_t)key[KEY_ADDR + 15] << 16 | (uint64_t)key[KEY_OFF] << 8 |
			  key[KEY_OFF + 1];
	}
	sort_full(b, a, no);
	sort_keys(b, k, nk);
	for (size_t x = 0; x < n; x++) {
		if (j < nk)
			key_entry(&e, k[j], blk0);
		if (j < nk && (i == no || memcmp(e.e_key, a[i].e_key, KEY_BYTES) < 0)) {
			out[x] = e;
			j++;
		} else {
			out[x] = a[i++];
		}
	}
	memcpy(a, out, n * sizeof(*a));
}

/* One row: entries e[0..n-1] of one block, sorted. */
static int
write_row(sqlite3_stmt *ins, const struct addr_entry *e, size_t n, uint8_t *buf)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * STORE_ADDR_ENTRY, e[i].e_key + KEY_ADDR, STORE_ADDR_ENTRY);
	sqlite3_bind_int64(ins, 1, (int64_t)entry_blk(&e[0]));
	sqlite3_bind_blob(ins, 2, e[0].e_key + KEY_ADDR, 16, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 3, e[n - 1].e_key + KEY_ADDR, 16, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 4, buf, (int)(n * STORE_ADDR_ENTRY), SQLITE_STATIC);
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	return (rc == SQLITE_DONE ? 0 : -EIO);
}

int64_t
store_addr_buf_write(struct store_addr_buf *b, sqlite3_stmt *ins, int64_t end)
{
	uint8_t buf[STORE_ADDR_CHUNK * STORE_ADDR_ENTRY];
	struct addr_entry *s;
	uint64_t *k;
	size_t n = 0;
	int64_t rows = 0;

	if ((s = grow(b->b_sorted, &b->b_sorted_cap, b->b_n, sizeof(*s))) == NULL)
		return (-ENOMEM);
	b->b_sorted = s;
	if ((s = grow(b->b_tmp, &b->b_tmp_cap, b->b_n, sizeof(*s))) == NULL)
		return (-ENOMEM);
	b->b_tmp = s;
	if ((k = grow(b->b_k, &b->b_k_cap, b->b_n, sizeof(*k))) == NULL)
		return (-ENOMEM);
	b->b_k = k;
	if ((k = grow(b->b_ktmp, &b->b_ktmp_cap, b->b_n, sizeof(*k))) == NULL)
		return (-ENOMEM);
	b->b_ktmp = k;
	s = b->b_sorted;
	for (size_t i = 0; i < b->b_n; i++)
		if (entry_id(&b->b_e[i]) < end)
			s[n++] = b->b_e[i];
	sort_entries(b, s, n);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && j - i < STORE_ADDR_CHUNK &&
			memcmp(s[j].e_key + KEY_BLK, s[i].e_key + KEY_BLK, 8) == 0)
			j++;
		if (write_row(ins, &s[i], j - i, buf) < 0)
			return (-EIO);
		rows++;
		i = j;
	}
	return (rows);
}

void
store_addr_buf_consume(struct store_addr_buf *b, int64_t end)
{
	size_t n = 0;

	for (size_t i = 0; i < b->b_n; i++)
		if (entry_id(&b->b_e[i]) >= end)
			b->b_e[n++] = b->b_e[i];
	b->b_n = n;
}

int
store_addr_match(int64_t blk, const uint8_t *entries, size_t len, const uint8_t lo[16],
	const uint8_t hi[16], void (*fn)(void *arg, int64_t id), void *arg)
{
	size_t n = len / STORE_ADDR_ENTRY, a = 0, z;

	if (len % STORE_ADDR_ENTRY != 0 || blk < 0 || blk > INT64_MAX >> STORE_ADDR_BLOCK_SHIFT)
		return (-EBADMSG);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = entries + i * STORE_ADDR_ENTRY;

		if (((uint32_t)p[16] << 8 | p[17]) >= STORE_ADDR_BLOCK_IDS ||
			(i > 0 && memcmp(p - STORE_ADDR_ENTRY, p, 16) > 0))
			return (-EBADMSG);
	}
	/* The first entry not below lo. */
	for (z = n; a < z;) {
		size_t m = a + (z - a) / 2;

		if (memcmp(entries + m * STORE_ADDR_ENTRY, lo, 16) < 0)
			a = m + 1;
		else
			z = m;
	}
	for (size_t i = a; i < n; i++) {
		const uint8_t *p = entries + i * STORE_ADDR_ENTRY;

		if (memcmp(p, hi, 16) > 0)
			break;
		fn(arg, (blk << STORE_ADDR_BLOCK_SHIFT) + ((int64_t)p[16] << 8 | p[17]));
	}
	return (0);
}

static void
add_id(void *arg, int64_t id)
{
	sqlite3_str *s = arg;

	sqlite3_str_appendf(s, sqlite3_str_length(s) > 1 ? ",%lld" : "%lld", (long long)id);
}

/* mm_addr_ids(blk, entries, lo, hi): a JSON array of ids. */
static void
sql_addr_ids(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const uint8_t *lo = sqlite3_value_blob(argv[2]), *hi = sqlite3_value_blob(argv[3]);
	int64_t blk = sqlite3_value_int64(argv[0]);
	sqlite3_str *s;
	int len;

	(void)argc;
	if (sqlite3_value_bytes(argv[2]) != 16 || sqlite3_value_bytes(argv[3]) != 16) {
		sqlite3_result_error(ctx, "mm_addr_ids: lo and hi must be 16-byte addresses", -1);
		return;
	}
	if ((s = sqlite3_str_new(sqlite3_context_db_handle(ctx))) == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_str_appendchar(s, 1, '[');
	if (store_addr_match(blk, sqlite3_value_blob(argv[1]), (size_t)sqlite3_value_bytes(argv[1]),
		    lo, hi, add_id, s) < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg),
			"events_addr: the entries of a row of block %lld are malformed: rebuild "
			"the table (docs/mamori-store.md, STORAGE)",
			(long long)blk);
		sqlite3_free(sqlite3_str_finish(s));
		sqlite3_result_error(ctx, msg, -1);
		return;
	}
	sqlite3_str_appendchar(s, 1, ']');
	len = sqlite3_str_length(s);
	if (sqlite3_str_errcode(s) != SQLITE_OK) {
		sqlite3_free(sqlite3_str_finish(s));
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, sqlite3_str_finish(s), len, sqlite3_free);
}

int
store_addr_register(sqlite3 *conn)
{
	return (sqlite3_create_function(conn, "mm_addr_ids", 4,
			SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_addr_ids,
			NULL, NULL) == SQLITE_OK
			? 0
			: -EIO);
}
