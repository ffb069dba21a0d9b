/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counts TCP and UDP conversations the way tshark 4.0 lists them with
 * "-z conv,tcp -z conv,udp", so the ground truth can state the number a
 * tester will see.  tshark's rules, as modelled here:
 *  - a conversation is an unordered pair of (address, port) endpoints;
 *    VLAN tags are not part of it;
 *  - TCP: a SYN without ACK whose sequence number differs from the first
 *    one seen in that direction starts a new conversation (port reuse);
 *  - only frames whose IP and transport headers decode are counted; a
 *    later IPv4 fragment carries no ports, and a first fragment is counted
 *    on the assumption that the datagram reassembles (the generators always
 *    emit every fragment);
 *  - a TCP header whose data offset is below 5 or runs past the segment
 *    is not counted (tshark gives up on it before the conversation tap).
 * Frames must be fed in file order.
 */
#ifndef SYNTH_CONV_H
#define SYNTH_CONV_H

#include <stddef.h>
#include <stdint.h>

struct synth_conv_entry;

struct synth_conv {
	struct synth_conv_entry *cv_tab; /* open addressing, cv_cap a power of two */
	size_t cv_cap;
	size_t cv_used;
	uint64_t cv_tcp; /* conversations counted so far */
	uint64_t cv_udp;
};

void synth_conv_init(struct synth_conv *cv);
void synth_conv_fini(struct synth_conv *cv);
/* Accounts one frame; returns 0 or -ENOMEM. */
int synth_conv_frame(struct synth_conv *cv, const uint8_t *frame, size_t len);

#endif /* SYNTH_CONV_H */
