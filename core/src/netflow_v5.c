/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records.  The
 * stream is (address, engine type and id): engines of one exporter number
 * their records separately.  The header's sampling field carries the mode in
 * its top two bits and the interval (1 in N) in the other fourteen.
 */
#include <errno.h>

#include "netflow_int.h"

int
nf_decode_v5(struct nf_ctx *c, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	char *why, size_t whylen)
{
	struct nf_stream *st;
	uint32_t nsecs, source_id, sampling;
	uint16_t count;
	int err = 0;

	if (len < NF_V5_HDR) {
		c->c_nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EBADMSG,
			"NetFlow v5 datagram of %zu bytes: the header alone is %d", len,
			NF_V5_HDR));
	}
	count = nf_get16(data + 2);
	source_id = (uint32_t)data[20] << 8 | data[21];
	if (count > NF_V5_MAXREC || (size_t)NF_V5_HDR + (size_t)count * NF_V5_REC > len) {
		if ((st = nf_stream_find(c->c_nf, exporter, 5, source_id)) != NULL)
			st->st_stats.es_malformed++;
		else
			c->c_nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EBADMSG,
			"NetFlow v5 datagram of %zu bytes claims %u records (at most %d, %d bytes "
			"each)",
			len, count, NF_V5_MAXREC, NF_V5_REC));
	}
	if ((st = nf_stream_get(c->c_nf, exporter, 5, source_id, c->c_now_ns, why, whylen, &err)) ==
		NULL)
		return (err);
	st->st_stats.es_datagrams++;
	c->c_st = st;
	c->c_source = MM_FLOW_SRC_NETFLOW_V5;
	c->c_uptime_ms = nf_get32(data + 4);
	nsecs = nf_get32(data + 12);
	c->c_export_ns = (uint64_t)nf_get32(data + 8) * NF_SEC_NS + (nsecs < NF_SEC_NS ? nsecs : 0);
	sampling = nf_get16(data + 22) & 0x3fff;
	st->st_sampling = sampling > 1 ? sampling : 1;
	st->st_stats.es_sampling = st->st_sampling;
	nf_decode_data_set(c, c->c_nf->nf_v5, data + NF_V5_HDR, (size_t)count * NF_V5_REC,
		c->c_export_ns, c->c_uptime_ms);
	nf_seq_account(st, nf_get32(data + 16), count, true, NF_SEQ_WINDOW_RECORDS, false);
	return (0);
}
