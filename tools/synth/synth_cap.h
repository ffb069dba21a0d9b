/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture being built: generators add frames in any order, each with its
 * time; synth_cap_finish() sorts them by time (ties keep the order they were
 * added in, so one session's packets never swap) and counts what tshark
 * would count; synth_cap_write() writes the pcap through libpcap.
 */
#ifndef SYNTH_CAP_H
#define SYNTH_CAP_H

#include <stddef.h>
#include <stdint.h>

struct synth_cap;

struct synth_cap_stats {
	uint64_t cs_packets;
	uint64_t cs_bytes;    /* sum of frame lengths */
	uint64_t cs_tcp_conv; /* conversations as "tshark -z conv,tcp" lists them */
	uint64_t cs_udp_conv; /* as "tshark -z conv,udp" lists them */
	uint64_t cs_first_us; /* first and last timestamps, µs since the epoch */
	uint64_t cs_last_us;
};

struct synth_cap *synth_cap_new(void);
void synth_cap_free(struct synth_cap *cap);
/*
 * Adds one frame at ts_us (µs since the epoch).  mark is 0 or a caller's tag
 * to find the frame's number later (deliberately malformed frames).
 * Returns 0 or -ENOMEM; after a failure every later call fails too.
 */
int synth_cap_add(
	struct synth_cap *cap, uint64_t ts_us, const uint8_t *frame, size_t len, uint16_t mark);
/* Sorts the frames and fills the statistics; returns 0 or -ENOMEM. */
int synth_cap_finish(struct synth_cap *cap);
const struct synth_cap_stats *synth_cap_stats(const struct synth_cap *cap);
/*
 * After synth_cap_finish(): the 1-based frame numbers carrying mark, in file
 * order, up to max of them; returns how many there are in all.
 */
size_t synth_cap_marked(const struct synth_cap *cap, uint16_t mark, uint64_t *frames, size_t max);
/* After synth_cap_finish(): how many frames, and the i-th (0-based) in file order. */
size_t synth_cap_count(const struct synth_cap *cap);
void synth_cap_frame(const struct synth_cap *cap, size_t i, uint64_t *ts_us, const uint8_t **frame,
	uint32_t *len);
/*
 * Writes the sorted frames to path (through path.tmp, renamed at the end so
 * that a failed run leaves no half file).  Returns 0, or -1 with a message
 * naming the file in err.
 */
int synth_cap_write(struct synth_cap *cap, const char *path, char *err, size_t errlen);

#endif /* SYNTH_CAP_H */
