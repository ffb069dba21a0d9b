/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Mirai botnet as an ISP sees it (from the leaked source's behaviour):
 *  - several infected CPEs each resolve the C&C through 8.8.8.8 and hold
 *    one long, nearly silent TCP session to it on port 23: the hello
 *    00 00 00 01, an id length byte and the id, then a 2-byte 00 00
 *    keepalive about every 60 s that the C&C echoes; one bot loses its
 *    session to a reset and reconnects within 1..10 s;
 *  - one of them scans: raw SYNs with no options, TTL 64, a random IP id
 *    and window, one source port for the whole run, sequence number =
 *    the target's address, port 23 nine times in ten and 2323 the tenth,
 *    to random public addresses outside Mirai's exclusion list, in
 *    one-second bursts at Mirai's 160 SYN/s every five minutes (bursts
 *    keep the capture small); a few targets reset, a few answer SYN-ACK
 *    (the bot's kernel resets those), and one of them falls to a telnet
 *    login whose result goes to the report server on TCP 48101.
 */
#ifndef SYNTH_MIRAI_H
#define SYNTH_MIRAI_H

#include <stdbool.h>
#include <stdint.h>

#include "synth_net.h"

#define SYNTH_MIRAI_REPORT_PORT 48101

struct synth_mirai_params {
	uint32_t mp_bots;       /* infected CPEs holding a C&C session */
	uint32_t mp_keepalive;  /* seconds between keepalives */
	uint32_t mp_scan_rate;  /* SYNs per second inside a burst */
	uint32_t mp_scan_every; /* seconds between bursts */
};

/* Is a (host-order) IPv4 address one Mirai's scanner never picks? */
bool synth_mirai_excluded(uint32_t ip);

/* How a scanned address answers. */
enum synth_probe_answer {
	SYNTH_PROBE_SILENT, /* nothing there, or filtered */
	SYNTH_PROBE_CLOSED, /* a host without the service: RST-ACK */
	SYNTH_PROBE_OPEN,   /* SYN-ACK, which the scanner's kernel resets */
};

/*
 * One Mirai scan SYN from scanner:sport to target:dport at when, and the
 * target's answer; an answer's ack is the target's address plus one, which
 * is how Mirai recognises its own probes.  *done gets the time of the last
 * packet.
 */
int synth_mirai_probe(struct synth_ctx *x, struct synth_rng *r, struct synth_host *scanner,
	struct synth_host *target, uint16_t sport, uint16_t dport, uint64_t when,
	enum synth_probe_answer answer, uint64_t *done);

int synth_mirai_run(struct synth_ctx *x, const struct synth_mirai_params *p);

#endif /* SYNTH_MIRAI_H */
