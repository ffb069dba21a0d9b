/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS over UDP: message builders (RFC 1035, EDNS0 from RFC 6891) and one
 * query/answer exchange between a client and a resolver.
 */
#ifndef SYNTH_DNS_H
#define SYNTH_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth_net.h"

#define SYNTH_DNS_A    1
#define SYNTH_DNS_TXT  16
#define SYNTH_DNS_AAAA 28

#define SYNTH_DNS_NOERROR  0
#define SYNTH_DNS_NXDOMAIN 3

/* One answer record; its owner is the question's name. */
struct synth_dns_rr {
	uint16_t rr_type;
	uint32_t rr_ttl;
	const uint8_t *rr_data;
	size_t rr_len;
};

size_t synth_dns_query(
	uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype, bool edns);
size_t synth_dns_response(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype,
	uint8_t rcode, const struct synth_dns_rr *rr, size_t nrr, bool edns);

/*
 * A query from cli (a random source port, as stub resolvers use) to the
 * resolver at when, and the resolver's answer one round trip later.  addr
 * is the A/AAAA answer (4 or 16 bytes by qtype), or NULL for an empty
 * answer; rcode NXDOMAIN for names that do not exist.  *done gets the time
 * of the answer.
 */
int synth_dns_lookup(struct synth_cap *cap, struct synth_rng *r, uint64_t when,
	struct synth_host *cli, struct synth_host *resolver, const char *name, uint16_t qtype,
	const uint8_t *addr, uint8_t rcode, uint64_t *done);

#endif /* SYNTH_DNS_H */
