/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "rpl_src.h"

void
rpl_src_init(struct rpl_src *s)
{
	memset(s, 0, sizeof(*s));
}

void
rpl_src_fini(struct rpl_src *s)
{
	free(s->s_frames);
	free(s->s_data);
	memset(s, 0, sizeof(*s));
}

int
rpl_src_add(struct rpl_src *s, uint64_t ts_ns, const uint8_t *frame, uint32_t len, uint32_t wire)
{
	struct rpl_frame *f;

	if (len == 0)
		return (-EINVAL);
	if (s->s_n == s->s_cap) {
		size_t n = s->s_cap == 0 ? 1024 : s->s_cap * 2;
		struct rpl_frame *v = realloc(s->s_frames, n * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		s->s_frames = v;
		s->s_cap = n;
	}
	if (s->s_dlen + len > s->s_dcap) {
		size_t n = s->s_dcap == 0 ? 1 << 20 : s->s_dcap;
		uint8_t *d;

		while (n < s->s_dlen + len)
			n *= 2;
		if ((d = realloc(s->s_data, n)) == NULL)
			return (-ENOMEM);
		s->s_data = d;
		s->s_dcap = n;
	}
	if (s->s_n > 0 && ts_ns < s->s_frames[s->s_n - 1].f_ts_ns)
		s->s_unordered++;
	f = &s->s_frames[s->s_n++];
	f->f_ts_ns = ts_ns;
	f->f_off = s->s_dlen;
	f->f_len = len;
	f->f_wire = wire < len ? len : wire;
	memcpy(s->s_data + s->s_dlen, frame, len);
	s->s_dlen += len;
	if (len > s->s_maxlen)
		s->s_maxlen = len;
	if (wire > len)
		s->s_truncated++;
	return (0);
}

int
rpl_src_load_pcap(struct rpl_src *s, const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int rv, n;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (p == NULL) {
		snprintf(err, errlen, "%s: cannot read as pcap or pcapng: %s", path, perr);
		return (-EINVAL);
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errlen,
			"%s: link type %s, only Ethernet captures can be replayed "
			"(convert with 'editcap -T ether' or tcprewrite --dlt=enet)",
			path, pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return (-EINVAL);
	}
	rv = 0;
	while ((n = pcap_next_ex(p, &h, &d)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;

		if (h->caplen == 0)
			continue;
		if ((rv = rpl_src_add(s, ts, d, h->caplen, h->len)) < 0) {
			snprintf(err, errlen, "%s: out of memory after %zu frames", path, s->s_n);
			break;
		}
	}
	if (rv == 0 && n == -1) {
		snprintf(err, errlen, "%s: frame %zu: %s", path, s->s_n + 1, pcap_geterr(p));
		rv = -EINVAL;
	}
	pcap_close(p);
	return (rv);
}

int
rpl_src_write_pcap(const struct rpl_src *s, const char *path, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;

	if (p == NULL) {
		snprintf(err, errlen, "%s: libpcap cannot open a writer", path);
		return (-ENOMEM);
	}
	if ((d = pcap_dump_open(p, path)) == NULL) {
		snprintf(err, errlen, "%s: cannot write: %s", path, pcap_geterr(p));
		pcap_close(p);
		return (-EIO);
	}
	for (size_t i = 0; i < s->s_n; i++) {
		const struct rpl_frame *f = &s->s_frames[i];
		struct pcap_pkthdr h;

		h.ts.tv_sec = (time_t)(f->f_ts_ns / 1000000000ULL);
		h.ts.tv_usec = (suseconds_t)(f->f_ts_ns % 1000000000ULL);
		h.caplen = f->f_len;
		h.len = f->f_wire;
		pcap_dump((u_char *)d, &h, rpl_src_bytes(s, f));
	}
	if (pcap_dump_flush(d) != 0) {
		snprintf(err, errlen, "%s: write failed", path);
		pcap_dump_close(d);
		pcap_close(p);
		return (-EIO);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return (0);
}

uint64_t
rpl_src_span_ns(const struct rpl_src *s)
{
	if (s->s_n < 2)
		return (0);
	return (s->s_frames[s->s_n - 1].f_ts_ns > s->s_frames[0].f_ts_ns
			? s->s_frames[s->s_n - 1].f_ts_ns - s->s_frames[0].f_ts_ns
			: 0);
}
