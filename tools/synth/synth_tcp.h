/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One TCP connection as a tap sees it: the handshake with each stack's SYN
 * options, data in MSS-sized segments with exact sequence and ack numbers
 * (the receiver acking every second segment, the sender waiting for acks
 * once its congestion window is full), timestamps when both sides agreed on
 * them, and a FIN/ACK close or a reset.
 *
 * Timing follows the tap's point of view: a packet answering the other side
 * passes the tap one round trip (tap to the answering host and back) after
 * the packet it answers; a packet following one from the same side comes a
 * few tens of µs later.  synth_tcp_wait() adds think time.
 */
#ifndef SYNTH_TCP_H
#define SYNTH_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "synth_net.h"

enum { SYNTH_CLI = 0, SYNTH_SRV = 1 };

struct synth_tcp {
	struct synth_cap *t_cap;
	struct synth_rng *t_rng;
	struct synth_host *t_h[2]; /* indexed by SYNTH_CLI / SYNTH_SRV */
	uint16_t t_port[2];
	uint32_t t_nxt[2];    /* next sequence number each side sends */
	uint16_t t_mss[2];    /* largest payload each side puts in a segment */
	uint16_t t_win[2];    /* window field each side sends once established */
	uint32_t t_rcvwin[2]; /* bytes each side accepts in flight */
	uint32_t t_flow[2];   /* IPv6 flow label of each direction */
	uint32_t t_tsecr[2];  /* TSval each side echoes (the last one it received) */
	uint8_t t_ts;         /* both sides use timestamps */
	int t_last;           /* side of the previous packet; -1 before the SYN */
	uint64_t t_now;       /* time of the previous packet, µs since the epoch */
	int t_err;            /* 0 or the first error from the capture */
};

/*
 * Prepares a connection from cli (a fresh ephemeral port) to srv:dport whose
 * SYN passes the tap at start.  Nothing is emitted yet.
 */
void synth_tcp_init(struct synth_tcp *t, struct synth_cap *cap, struct synth_rng *r,
	struct synth_host *cli, struct synth_host *srv, uint16_t dport, uint64_t start);
/* SYN, SYN-ACK, ACK. */
int synth_tcp_connect(struct synth_tcp *t);
/* SYN answered by RST-ACK: nothing listens on the port. */
int synth_tcp_refused(struct synth_tcp *t);
/* Data from side, in segments; the last one carries PSH. */
int synth_tcp_send(struct synth_tcp *t, int side, const void *data, size_t len);
/* A pure ACK from side for everything received so far. */
int synth_tcp_ack(struct synth_tcp *t, int side);
/* FIN-ACK from side, FIN-ACK back, the last ACK. */
int synth_tcp_close(struct synth_tcp *t, int side);
/* RST-ACK from side. */
int synth_tcp_reset(struct synth_tcp *t, int side);
/* Idle time before the next packet (think time, keepalive interval). */
void synth_tcp_wait(struct synth_tcp *t, uint64_t us);

#endif /* SYNTH_TCP_H */
