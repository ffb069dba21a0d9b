/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the NetFlow/IPFIX decoder.  Template state lives
 * across datagrams, so one input is a sequence of datagrams and the decoders
 * are kept across inputs:
 *
 *	[control byte][length, 2 bytes big-endian][datagram] ...
 *
 * Bit 0 of the control byte picks the exporter (192.0.2.1 or 2001:db8::1),
 * the other seven advance the clock by that many seconds and then run
 * mm_nf_expire().  A length past the end takes what is left.  Every
 * datagram goes to two decoders: default limits (but 64 exporters, so that
 * the state the fuzzer builds up stays small) keeping biflows, and tiny
 * limits splitting them, so that every limit is reached.  Each record
 * delivered must be coherent (abort otherwise), and the count a decode
 * returns must be the number of records it delivered.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/netflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEC 1000000000ULL

static struct mm_nf *nf_keep, *nf_split;
static struct mm_addr exporters[2];
static uint64_t now_ns = 1707834878ULL * SEC;

struct seen {
	const struct mm_addr *exporter;
	int split; /* biflows split: every record one way */
	int n;
};

static void
check(void *arg, const struct mm_flow_rec *r)
{
	struct seen *s = arg;

	if (r->fr_last_ns < r->fr_first_ns || r->fr_sampling == 0 || r->fr_vlan_n > 2 ||
		r->fr_source < MM_FLOW_SRC_NETFLOW_V5 || r->fr_source > MM_FLOW_SRC_IPFIX ||
		r->fr_end < MM_FLOW_END_FIN || r->fr_end > MM_FLOW_END_EXPORTER ||
		memcmp(&r->fr_exporter, s->exporter, sizeof(*s->exporter)) != 0 || r->fr_id == 0)
		abort();
	if (s->split && (r->fr_pkts_tc != 0 || r->fr_bytes_tc != 0 || r->fr_tcp_flags_tc != 0))
		abort();
	/* ICMP has no ports. */
	if ((r->fr_proto == 1 || r->fr_proto == 58) && (r->fr_sport != 0 || r->fr_dport != 0))
		abort();
	s->n++;
}

static void
setup(void)
{
	struct mm_nf_limits tiny = {
		.nl_exporters = 4,
		.nl_templates = 3,
		.nl_template_fields = 14, /* the biflow seed's 13 fit, softflowd's 16 do not */
		.nl_pending_sets = 2,
		.nl_pending_ns = 2 * SEC,
		.nl_template_ns = 5 * SEC,
		.nl_max_future_ns = 60 * SEC,
		.nl_max_age_ns = 3600 * SEC,
	};
	struct mm_nf_limits dflt = { .nl_exporters = 64 };
	static const uint8_t a[4] = { 192, 0, 2, 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	nf_keep = mm_nf_new(&dflt, MM_NF_BIFLOW_KEEP);
	nf_split = mm_nf_new(&tiny, MM_NF_BIFLOW_SPLIT);
	if (nf_keep == NULL || nf_split == NULL)
		abort();
	mm_addr_from_v4(&exporters[0], a);
	mm_addr_from_v6(&exporters[1], b);
}

static void
decode(struct mm_nf *nf, const struct mm_addr *ex, const uint8_t *p, size_t len, size_t whylen)
{
	struct seen s = { .exporter = ex, .split = nf == nf_split, .n = 0 };
	char why[128];
	int rv;

	rv = mm_nf_decode(nf, ex, p, len, now_ns, check, &s, why, whylen);
	if ((rv >= 0 && rv != s.n) || (rv < 0 && s.n != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_nf_exporter_stats es[8];

	if (nf_keep == NULL)
		setup();
	while (size >= 3) {
		size_t len = (size_t)data[1] << 8 | data[2];
		const struct mm_addr *ex = &exporters[data[0] & 1];
		uint64_t step = (uint64_t)(data[0] >> 1) * SEC;

		if (len > size - 3)
			len = size - 3;
		if (step != 0) {
			now_ns += step;
			mm_nf_expire(nf_keep, now_ns);
			mm_nf_expire(nf_split, now_ns);
		}
		decode(nf_keep, ex, data + 3, len, 128);
		/* A one-byte reason is cut, never overrun. */
		decode(nf_split, ex, data + 3, len, 1);
		data += 3 + len;
		size -= 3 + len;
	}
	if (mm_nf_exporters(nf_split, es, 8) > 4)
		abort();
	return (0);
}
