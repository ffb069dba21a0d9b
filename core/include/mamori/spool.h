/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter's spool: a bounded file of encoded event batches (bus.h) that
 * the store could not take yet, kept across restarts and drained in order.
 *
 * File layout (little-endian):
 *	header, 32 bytes:
 *	u32 magic "MMSP" | u16 version (1) | u16 flags (0)
 *	u64 producer: the run that started the file (records carry their own)
 *	u64 head: offset of the first record not yet acknowledged by the store
 *	u64 created: Unix time in ms when the file was started
 *	records, appended one after the other:
 *	u32 magic "MMSR" | u32 len | 16-byte BLAKE2b of (len, batch) | len bytes: one batch
 *
 * Records are only appended; acknowledged ones are skipped by moving head,
 * which is written in place without a sync: a head lost in a crash only
 * makes batches go to the store twice, and the store de-duplicates.  A
 * record torn by a crash (short, or not matching its hash) is found when the
 * file is opened: it and any damage after it are reported, counted and cut
 * off, and the intact records before it are kept.  Damage in the middle is
 * skipped up to the next intact record.
 *
 * The cap bounds the whole file.  Space at the front is reclaimed when the
 * spool runs empty (the file is cut back to its header, which then names the
 * current producer) or, when an append would not fit, by rewriting the
 * waiting records into a new file if that frees at least an eighth of the
 * cap; otherwise the append fails with -ENOSPC and the caller counts what it
 * drops.
 *
 * One process owns a spool at a time (flock).  Not thread-safe.
 */
#ifndef MAMORI_SPOOL_H
#define MAMORI_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"

#define MM_SPOOL_MAGIC     0x50534d4dU /* "MMSP" */
#define MM_SPOOL_REC_MAGIC 0x52534d4dU /* "MMSR" */
#define MM_SPOOL_VERSION   1
#define MM_SPOOL_HDR       32
#define MM_SPOOL_REC_HDR   24
/* The smallest cap accepted: room for the header and a few small batches. */
#define MM_SPOOL_MIN_BYTES 4096

struct mm_spool;

struct mm_spool_info {
	uint64_t si_producer;        /* the producer named in the header */
	uint64_t si_records;         /* records waiting */
	uint64_t si_events;          /* events in them */
	uint64_t si_bytes;           /* bytes of waiting records, with their headers */
	uint64_t si_file_bytes;      /* size of the file, header and skipped records included */
	uint64_t si_damaged_records; /* torn or corrupt stretches found and skipped */
	uint64_t si_damaged_bytes;   /* bytes in them */
};

/*
 * Opens (or creates, mode 0600) the spool at path with a cap of max_bytes,
 * locks it, and checks every waiting record.  producer is written into a new
 * header.  Returns 0, or a negative errno with err naming the file and what
 * was wrong (-EINVAL: not a spool; -EWOULDBLOCK: locked by another process).
 */
int mm_spool_open(const char *path, uint64_t max_bytes, uint64_t producer, struct mm_spool **out,
	char *err, size_t errlen);
/* Closes the file (after a data sync) and frees the spool. */
void mm_spool_close(struct mm_spool *sp);

/*
 * Appends one encoded batch, which must decode (-EINVAL otherwise).  Returns
 * 0, -ENOSPC when it does not fit under the cap, or another negative errno
 * when the write failed (the file is then left as it was).
 */
int mm_spool_append(struct mm_spool *sp, const void *batch, size_t len);

/*
 * The oldest waiting record: its decoded batch, and the encoded bytes to send.
 * Both stay valid until the next call on the spool.  Returns 0, -ENOENT when
 * the spool is empty, or a negative errno on a read error.  Damage found on
 * the way is skipped, logged and counted.
 */
int mm_spool_peek(
	struct mm_spool *sp, const struct mm_bus_batch **b, const void **msg, size_t *len);
/* Removes the record mm_spool_peek returned, once the store has it. */
int mm_spool_pop(struct mm_spool *sp);

/* Forces appended records to the disk (fdatasync) if any were written since the last sync. */
int mm_spool_sync(struct mm_spool *sp);

void mm_spool_info(const struct mm_spool *sp, struct mm_spool_info *si);
const char *mm_spool_path(const struct mm_spool *sp);

#endif /* MAMORI_SPOOL_H */
