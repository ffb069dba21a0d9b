/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The address table of schema version 5, events_addr: what finds the events
 * of an address or a prefix.  An index on each address column takes two
 * entries per event, each put into the middle of a b-tree as it comes: two
 * fifths of the writer's time.  Instead the writer keeps the addresses of
 * the newest ids in memory (struct store_addr_buf) and, once a block of
 * consecutive ids is complete, writes them sorted, many to a row:
 *
 *   events_addr (id INTEGER PRIMARY KEY, blk, first_addr, last_addr, entries)
 *
 * blk is an events.id >> STORE_ADDR_BLOCK_SHIFT.  entries holds up to
 * STORE_ADDR_CHUNK entries in (address, id) order, STORE_ADDR_ENTRY bytes
 * each: the 16 bytes of the address as events.src_addr and dest_addr hold it
 * (IPv4-mapped IPv6, network order), then the id's offset in its block, two
 * bytes big-endian.  first_addr and last_addr are the row's first and last
 * addresses: an index on (blk, last_addr, first_addr) finds the rows of each
 * block that may hold a range, and mm_addr_ids() picks the ids out of them.
 * events_addr_state.indexed_below is the first id whose block is not written
 * yet; a query reads the rows from there on from events (store/query.c).
 */
#ifndef STORE_ADDR_H
#define STORE_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_ADDR_BLOCK_SHIFT 13 /* blocks of 8192 ids */
#define STORE_ADDR_BLOCK_IDS   (INT64_C(1) << STORE_ADDR_BLOCK_SHIFT)
#define STORE_ADDR_CHUNK       128 /* entries per row */
#define STORE_ADDR_ENTRY       18  /* bytes per entry */

/* The entries of the ids not written to events_addr yet. */
struct store_addr_buf;

struct store_addr_buf *store_addr_buf_new(void);
void store_addr_buf_free(struct store_addr_buf *b);

/* Adds id's address (16 bytes).  -ENOMEM. */
int store_addr_buf_add(struct store_addr_buf *b, int64_t id, const uint8_t addr[16]);

/* Entries held; dropping back to an earlier count undoes the adds since. */
size_t store_addr_buf_len(const struct store_addr_buf *b);
void store_addr_buf_truncate(struct store_addr_buf *b, size_t len);

/*
 * Writes the entries of the ids below end, block by block, through ins: an
 * INSERT into events_addr with the parameters (blk, first_addr, last_addr,
 * entries).  The buffer keeps them (a rollback needs nothing undone) until
 * store_addr_buf_consume(end) after the commit.  Returns the number of rows
 * written, -ENOMEM, or -EIO (the statement's error is the connection's).
 */
int64_t store_addr_buf_write(struct store_addr_buf *b, sqlite3_stmt *ins, int64_t end);
void store_addr_buf_consume(struct store_addr_buf *b, int64_t end);

/*
 * Calls fn(arg, id) for each entry of a row of block blk whose address is
 * in [lo, hi] (16 bytes each), in address order.  Returns 0, or -EBADMSG
 * when entries is not a whole number of sorted entries of that block.
 */
int store_addr_match(int64_t blk, const uint8_t *entries, size_t len, const uint8_t lo[16],
	const uint8_t hi[16], void (*fn)(void *arg, int64_t id), void *arg);

/*
 * Registers the SQL function mm_addr_ids(blk, entries, lo, hi) on conn: the
 * ids store_addr_match() finds, as a JSON array for json_each().
 */
int store_addr_register(sqlite3 *conn);

#endif /* STORE_ADDR_H */
