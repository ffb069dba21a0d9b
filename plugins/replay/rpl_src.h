/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A replay source: the frames of one capture file or of one synthesised
 * scenario, held in memory with their capture times, ready to be rewritten
 * and scheduled.  Only Ethernet captures are accepted: they are what ports
 * transmit.
 */
#ifndef RPL_SRC_H
#define RPL_SRC_H

#include <stddef.h>
#include <stdint.h>

struct rpl_frame {
	uint64_t f_ts_ns; /* capture time, ns since the epoch */
	size_t f_off;     /* bytes in s_data */
	uint32_t f_len;   /* bytes held (the captured part) */
	uint32_t f_wire;  /* length on the wire when captured */
};

struct rpl_src {
	struct rpl_frame *s_frames;
	size_t s_n;
	size_t s_cap;
	uint8_t *s_data; /* every frame, back to back */
	size_t s_dlen;
	size_t s_dcap;
	uint32_t s_maxlen;    /* longest frame held */
	uint64_t s_truncated; /* frames captured shorter than they were on the wire */
	uint64_t s_unordered; /* frames older than the one before (sent in file order) */
};

void rpl_src_init(struct rpl_src *s);
void rpl_src_fini(struct rpl_src *s);
/* Appends one frame; returns 0 or -ENOMEM / -EINVAL (empty frame). */
int rpl_src_add(
	struct rpl_src *s, uint64_t ts_ns, const uint8_t *frame, uint32_t len, uint32_t wire);
/*
 * Loads a pcap or pcapng file (libpcap) with nanosecond times.  Returns 0, or
 * a negative errno with err naming the file and what is wrong with it.
 */
int rpl_src_load_pcap(struct rpl_src *s, const char *path, char *err, size_t errlen);
/* Writes the frames (in order, with their times) as a nanosecond pcap. */
int rpl_src_write_pcap(const struct rpl_src *s, const char *path, char *err, size_t errlen);
/* Time between the first and the last frame, ns (0 with fewer than two). */
uint64_t rpl_src_span_ns(const struct rpl_src *s);

static inline uint8_t *
rpl_src_bytes(const struct rpl_src *s, const struct rpl_frame *f)
{
	return (s->s_data + f->f_off);
}

#endif /* RPL_SRC_H */
