/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded reassembly of the opening bytes of one direction: a TCP byte
 * stream by sequence number, or a QUIC CRYPTO stream by offset.  Segments
 * may come out of order and overlap; bytes past the buffer's end and holes
 * beyond REASM_RANGES are dropped (and reported).
 */
#ifndef PQC_REASM_H
#define PQC_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REASM_RANGES 8

struct reasm {
	uint32_t ra_base;             /* TCP sequence number of byte 0 */
	uint32_t ra_nr;               /* ranges in use */
	uint32_t ra_lo[REASM_RANGES]; /* filled ranges [lo, hi), sorted, disjoint */
	uint32_t ra_hi[REASM_RANGES];
	bool ra_based; /* ra_base is set */
};

/* What reasm_add did. */
enum reasm_result {
	REASM_OK = 0,
	REASM_CLIPPED, /* part or all of the data lay past the bound */
	REASM_HOLES,   /* too many holes: the data was dropped */
};

/* Contiguous bytes from offset 0. */
static inline uint32_t
reasm_contig(const struct reasm *ra)
{
	return (ra->ra_nr > 0 && ra->ra_lo[0] == 0 ? ra->ra_hi[0] : 0);
}

/* Puts len bytes at offset off of the stream into buf (cap bytes). */
enum reasm_result reasm_add(struct reasm *ra, uint8_t *buf, uint32_t cap, uint64_t off,
	const uint8_t *data, size_t len);

/*
 * The same for a TCP segment of sequence number seq: the first segment
 * seen sets byte 0 unless reasm_set_base was called (from the SYN).
 */
enum reasm_result reasm_add_tcp(struct reasm *ra, uint8_t *buf, uint32_t cap, uint32_t seq,
	const uint8_t *data, size_t len);

static inline void
reasm_set_base(struct reasm *ra, uint32_t base)
{
	ra->ra_base = base;
	ra->ra_based = true;
}

#endif /* PQC_REASM_H */
