/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "synth_buf.h"
#include "synth_dns.h"

#define CLASS_IN 1
#define TYPE_OPT 41

static void
qname(struct synth_buf *b, const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t n = dot == NULL ? strlen(name) : (size_t)(dot - name);

		if (n == 0 || n > 63) {
			b->sb_over = true;
			return;
		}
		synth_buf_u8(b, (uint8_t)n);
		synth_buf_mem(b, name, n);
		name += n + (dot != NULL);
	}
	synth_buf_u8(b, 0);
}

static void
opt_rr(struct synth_buf *b)
{
	synth_buf_u8(b, 0); /* root owner */
	synth_buf_u16(b, TYPE_OPT);
	synth_buf_u16(b, 4096); /* UDP payload size */
	synth_buf_u32(b, 0);    /* extended rcode, version 0, no DO bit */
	synth_buf_u16(b, 0);
}

static void
header(struct synth_buf *b, uint16_t id, uint16_t flags, uint16_t an, bool edns)
{
	synth_buf_u16(b, id);
	synth_buf_u16(b, flags);
	synth_buf_u16(b, 1);
	synth_buf_u16(b, an);
	synth_buf_u16(b, 0);
	synth_buf_u16(b, edns ? 1 : 0);
}

size_t
synth_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype, bool edns)
{
	struct synth_buf b;

	synth_buf_init(&b, buf, cap);
	header(&b, id, 0x0100, 0, edns); /* RD */
	qname(&b, name);
	synth_buf_u16(&b, qtype);
	synth_buf_u16(&b, CLASS_IN);
	if (edns)
		opt_rr(&b);
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_dns_response(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype,
	uint8_t rcode, const struct synth_dns_rr *rr, size_t nrr, bool edns)
{
	struct synth_buf b;

	synth_buf_init(&b, buf, cap);
	header(&b, id, (uint16_t)(0x8180 | (rcode & 0x0f)), (uint16_t)nrr, edns); /* QR RD RA */
	qname(&b, name);
	synth_buf_u16(&b, qtype);
	synth_buf_u16(&b, CLASS_IN);
	for (size_t i = 0; i < nrr; i++) {
		synth_buf_u16(&b, 0xc00c); /* the question's name, compressed */
		synth_buf_u16(&b, rr[i].rr_type);
		synth_buf_u16(&b, CLASS_IN);
		synth_buf_u32(&b, rr[i].rr_ttl);
		synth_buf_u16(&b, (uint16_t)rr[i].rr_len);
		synth_buf_mem(&b, rr[i].rr_data, rr[i].rr_len);
	}
	if (edns)
		opt_rr(&b);
	return b.sb_over ? 0 : b.sb_len;
}

int
synth_dns_lookup(struct synth_cap *cap, struct synth_rng *r, uint64_t when, struct synth_host *cli,
	struct synth_host *resolver, const char *name, uint16_t qtype, const uint8_t *addr,
	uint8_t rcode, uint64_t *done)
{
	uint16_t id = (uint16_t)synth_rng_u32(r);
	uint16_t sport = (uint16_t)synth_rng_range(r, 1024, 65535);
	bool edns = cli->h_os->os_edns;
	struct synth_dns_rr rr;
	uint8_t msg[512];
	size_t n;
	int rv;

	if ((n = synth_dns_query(msg, sizeof(msg), id, name, qtype, edns)) == 0)
		return -EINVAL;
	if ((rv = synth_emit_udp(cap, when, cli, resolver, sport, 53, msg, n)) != 0)
		return rv;
	rr.rr_type = qtype;
	rr.rr_ttl = (uint32_t)synth_rng_range(r, 30, 300);
	rr.rr_data = addr;
	rr.rr_len = qtype == SYNTH_DNS_AAAA ? 16 : 4;
	n = synth_dns_response(msg, sizeof(msg), id, name, qtype, rcode, &rr,
		addr != NULL && rcode == SYNTH_DNS_NOERROR ? 1 : 0, edns);
	if (n == 0)
		return -EINVAL;
	/*
	 * A cache hit answers in the resolver's round trip; a miss takes tens of
	 * ms more.  One draw per statement: C leaves the order of operands open,
	 * and the bytes must not depend on the compiler.
	 */
	when += resolver->h_rtt_us + synth_rng_below(r, 400);
	if (synth_rng_chance(r, 300))
		when += synth_rng_range(r, 10000, 60000);
	*done = when;
	return synth_emit_udp(cap, when, resolver, cli, 53, sport, msg, n);
}
