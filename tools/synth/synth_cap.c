/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synth_cap.h"
#include "synth_conv.h"
#include "synth_pkt.h"

struct synth_ev {
	uint64_t ev_ts;  /* µs since the epoch */
	uint64_t ev_seq; /* insertion order: the tie-break that makes the sort stable */
	size_t ev_off;   /* frame bytes in c_data */
	uint32_t ev_len;
	uint16_t ev_mark;
};

struct synth_cap {
	struct synth_ev *c_ev;
	size_t c_nev;
	size_t c_evcap;
	uint8_t *c_data; /* every frame, back to back */
	size_t c_dlen;
	size_t c_dcap;
	int c_err; /* sticky: the first failure */
	int c_sorted;
	struct synth_cap_stats c_stats;
};

struct synth_cap *
synth_cap_new(void)
{
	return calloc(1, sizeof(struct synth_cap));
}

void
synth_cap_free(struct synth_cap *cap)
{
	if (cap == NULL)
		return;
	free(cap->c_ev);
	free(cap->c_data);
	free(cap);
}

int
synth_cap_add(
	struct synth_cap *cap, uint64_t ts_us, const uint8_t *frame, size_t len, uint16_t mark)
{
	struct synth_ev *ev;

	if (cap->c_err != 0)
		return cap->c_err;
	if (len == 0 || len > SYNTH_FRAME_MAX)
		return cap->c_err = -EINVAL;
	if (cap->c_nev == cap->c_evcap) {
		size_t n = cap->c_evcap == 0 ? 4096 : cap->c_evcap * 2;
		void *p = realloc(cap->c_ev, n * sizeof(*cap->c_ev));

		if (p == NULL)
			return cap->c_err = -ENOMEM;
		cap->c_ev = p;
		cap->c_evcap = n;
	}
	if (cap->c_dlen + len > cap->c_dcap) {
		size_t n = cap->c_dcap == 0 ? 1 << 20 : cap->c_dcap;
		void *p;

		while (n < cap->c_dlen + len)
			n *= 2;
		if ((p = realloc(cap->c_data, n)) == NULL)
			return cap->c_err = -ENOMEM;
		cap->c_data = p;
		cap->c_dcap = n;
	}
	memcpy(cap->c_data + cap->c_dlen, frame, len);
	ev = &cap->c_ev[cap->c_nev];
	ev->ev_ts = ts_us;
	ev->ev_seq = cap->c_nev;
	ev->ev_off = cap->c_dlen;
	ev->ev_len = (uint32_t)len;
	ev->ev_mark = mark;
	cap->c_nev++;
	cap->c_dlen += len;
	cap->c_sorted = 0;
	return 0;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct synth_ev *x = a, *y = b;

	if (x->ev_ts != y->ev_ts)
		return x->ev_ts < y->ev_ts ? -1 : 1;
	/* ev_seq is unique, so the order is total and qsort's own instability cannot show. */
	return x->ev_seq < y->ev_seq ? -1 : x->ev_seq > y->ev_seq;
}

int
synth_cap_finish(struct synth_cap *cap)
{
	struct synth_cap_stats *st = &cap->c_stats;
	struct synth_conv cv;
	int rv = 0;

	if (cap->c_err != 0)
		return cap->c_err;
	qsort(cap->c_ev, cap->c_nev, sizeof(*cap->c_ev), ev_cmp);
	cap->c_sorted = 1;
	memset(st, 0, sizeof(*st));
	synth_conv_init(&cv);
	for (size_t i = 0; i < cap->c_nev; i++) {
		const struct synth_ev *ev = &cap->c_ev[i];

		if ((rv = synth_conv_frame(&cv, cap->c_data + ev->ev_off, ev->ev_len)) != 0)
			break;
		st->cs_bytes += ev->ev_len;
	}
	st->cs_packets = cap->c_nev;
	st->cs_tcp_conv = cv.cv_tcp;
	st->cs_udp_conv = cv.cv_udp;
	if (cap->c_nev > 0) {
		st->cs_first_us = cap->c_ev[0].ev_ts;
		st->cs_last_us = cap->c_ev[cap->c_nev - 1].ev_ts;
	}
	synth_conv_fini(&cv);
	return cap->c_err = rv;
}

const struct synth_cap_stats *
synth_cap_stats(const struct synth_cap *cap)
{
	return &cap->c_stats;
}

size_t
synth_cap_marked(const struct synth_cap *cap, uint16_t mark, uint64_t *frames, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cap->c_nev; i++) {
		if (cap->c_ev[i].ev_mark != mark)
			continue;
		if (n < max)
			frames[n] = i + 1;
		n++;
	}
	return n;
}

size_t
synth_cap_count(const struct synth_cap *cap)
{
	return cap->c_nev;
}

void
synth_cap_frame(const struct synth_cap *cap, size_t i, uint64_t *ts_us, const uint8_t **frame,
	uint32_t *len)
{
	const struct synth_ev *ev = &cap->c_ev[i];

	*ts_us = ev->ev_ts;
	*frame = cap->c_data + ev->ev_off;
	*len = ev->ev_len;
}

int
synth_cap_write(struct synth_cap *cap, const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	pcap_t *pd;
	pcap_dumper_t *d;
	int bad = 0;

	if (!cap->c_sorted || cap->c_err != 0) {
		snprintf(err, errlen, "%s: capture not finished (internal error %d)", path,
			cap->c_err);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long (at most %zu bytes)", path,
			sizeof(tmp) - 5);
		return -1;
	}
	/* Microsecond timestamps: the classic pcap format every tool reads. */
	if ((pd = pcap_open_dead(DLT_EN10MB, 65535)) == NULL) {
		snprintf(err, errlen, "%s: pcap_open_dead failed (out of memory?)", path);
		return -1;
	}
	if ((d = pcap_dump_open(pd, tmp)) == NULL) {
		snprintf(err, errlen,
			"%s: cannot create (%s); check that the directory exists "
			"and is writable",
			tmp, pcap_geterr(pd));
		pcap_close(pd);
		return -1;
	}
	for (size_t i = 0; i < cap->c_nev; i++) {
		const struct synth_ev *ev = &cap->c_ev[i];
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(ev->ev_ts / 1000000);
		h.ts.tv_usec = (suseconds_t)(ev->ev_ts % 1000000);
		h.caplen = ev->ev_len;
		h.len = ev->ev_len;
		pcap_dump((u_char *)d, &h, cap->c_data + ev->ev_off);
	}
	if (pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d)))
		bad = 1;
	pcap_dump_close(d);
	pcap_close(pd);
	if (bad) {
		snprintf(err, errlen, "%s: write failed (disk full?)", tmp);
		remove(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}
