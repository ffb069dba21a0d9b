/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "synth_cap.h"
#include "synth_tcp.h"

#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_MSS       2
#define OPT_WS        3
#define OPT_SACK_PERM 4
#define OPT_TS        8

#define INIT_CWND 10 /* segments in the first flight (RFC 6928) */

/* A host's time-stamp clock: 1 kHz from its own origin, as Linux and macOS do. */
static uint32_t
tsval(const struct synth_host *h, uint64_t when)
{
	return h->h_tsbase + (uint32_t)(when / 1000);
}

static uint16_t
family_mss(const struct synth_host *h)
{
	return h->h_family == 4 ? 1460 : 1440;
}

static size_t
put_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = OPT_TS;
	o[1] = 10;
	synth_put32(o + 2, val);
	synth_put32(o + 6, ecr);
	return 10;
}

/*
 * The options a stack puts on its SYN or SYN-ACK, in its own order.  ts is
 * whether to send timestamps (on a SYN-ACK: only when the SYN had them).
 */
static size_t
syn_opts(uint8_t *o, const struct synth_os *os, uint16_t mss, int ts, uint32_t val, uint32_t ecr)
{
	size_t n = 0;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	synth_put16(o + n, mss);
	n += 2;
	switch (os->os_style) {
	case SYNTH_OPTS_LINUX:
		if (ts) {
			o[n++] = OPT_SACK_PERM;
			o[n++] = 2;
			n += put_ts(o + n, val, ecr);
		} else {
			o[n++] = OPT_NOP;
			o[n++] = OPT_NOP;
			o[n++] = OPT_SACK_PERM;
			o[n++] = 2;
		}
		o[n++] = OPT_NOP;
		o[n++] = OPT_WS;
		o[n++] = 3;
		o[n++] = os->os_wscale;
		break;
	case SYNTH_OPTS_MACOS:
		o[n++] = OPT_NOP;
		o[n++] = OPT_WS;
		o[n++] = 3;
		o[n++] = os->os_wscale;
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		if (ts)
			n += put_ts(o + n, val, ecr);
		o[n++] = OPT_SACK_PERM;
		o[n++] = 2;
		if (ts) {
			o[n++] = OPT_EOL;
			o[n++] = OPT_EOL;
		}
		break;
	default:
		o[n++] = OPT_NOP;
		o[n++] = OPT_WS;
		o[n++] = 3;
		o[n++] = os->os_wscale;
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		o[n++] = OPT_SACK_PERM;
		o[n++] = 2;
		break;
	}
	return n;
}

/* Emits one segment from side at when with explicit seq and ack. */
static int
emit(struct synth_tcp *t, int side, uint64_t when, uint8_t flags, uint32_t seq, uint32_t ack,
	uint16_t win, const uint8_t *opt, size_t optlen, const void *data, size_t len)
{
	struct synth_host *src = t->t_h[side], *dst = t->t_h[1 - side];
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_tcph th;
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;
	int rv;

	if (t->t_err != 0)
		return t->t_err;
	synth_host_frame(src, dst, &l2, &ip);
	ip.ip_frag = SYNTH_IP_DF;
	ip.ip_flow = t->t_flow[side];
	memset(&th, 0, sizeof(th));
	th.th_sport = t->t_port[side];
	th.th_dport = t->t_port[1 - side];
	th.th_seq = seq;
	th.th_ack = (flags & SYNTH_TH_ACK) ? ack : 0;
	th.th_flags = flags;
	th.th_win = win;
	th.th_opt = opt;
	th.th_optlen = (uint8_t)optlen;
	n = synth_pkt_tcp(frame, sizeof(frame), &l2, &ip, &th, data, len);
	if (n == 0)
		return t->t_err = -EINVAL;
	if ((rv = synth_cap_add(t->t_cap, when, frame, n, 0)) != 0)
		return t->t_err = rv;
	return 0;
}

/* Options for an established segment: NOP, NOP, timestamps, when agreed. */
static size_t
est_opts(struct synth_tcp *t, int side, uint64_t when, uint32_t ecr, uint8_t *o)
{
	if (!t->t_ts)
		return 0;
	o[0] = OPT_NOP;
	o[1] = OPT_NOP;
	put_ts(o + 2, tsval(t->t_h[side], when), ecr);
	return 12;
}

/* When the next packet from side passes the tap. */
static uint64_t
next_time(struct synth_tcp *t, int side)
{
	uint32_t rtt = t->t_h[side]->h_rtt_us;

	if (t->t_last < 0)
		return t->t_now;
	if (t->t_last != side)
		return t->t_now + rtt + synth_rng_below(t->t_rng, rtt / 10 + 200);
	return t->t_now + synth_rng_range(t->t_rng, 15, 120);
}

/* Sends a segment from side now, acking all the peer sent. */
static int
segment(struct synth_tcp *t, int side, uint8_t flags, const void *data, size_t len)
{
	uint64_t when = next_time(t, side);
	uint8_t opt[12];
	size_t optlen = est_opts(t, side, when, t->t_tsecr[side], opt);
	int rv;

	rv = emit(t, side, when, flags, t->t_nxt[side], t->t_nxt[1 - side], t->t_win[side], opt,
		optlen, data, len);
	t->t_nxt[side] += (uint32_t)len + ((flags & (SYNTH_TH_SYN | SYNTH_TH_FIN)) ? 1 : 0);
	t->t_tsecr[1 - side] = tsval(t->t_h[side], when);
	t->t_now = when;
	t->t_last = side;
	return rv;
}

void
synth_tcp_init(struct synth_tcp *t, struct synth_cap *cap, struct synth_rng *r,
	struct synth_host *cli, struct synth_host *srv, uint16_t dport, uint64_t start)
{
	memset(t, 0, sizeof(*t));
	t->t_cap = cap;
	t->t_rng = r;
	t->t_h[SYNTH_CLI] = cli;
	t->t_h[SYNTH_SRV] = srv;
	t->t_port[SYNTH_CLI] = synth_host_port(cli, r);
	t->t_port[SYNTH_SRV] = dport;
	t->t_nxt[SYNTH_CLI] = synth_rng_u32(r);
	t->t_nxt[SYNTH_SRV] = synth_rng_u32(r);
	t->t_flow[SYNTH_CLI] = synth_rng_u32(r) & 0xfffff;
	t->t_flow[SYNTH_SRV] = synth_rng_u32(r) & 0xfffff;
	t->t_last = -1;
	t->t_now = start;
}

/* Window fields and segment sizes once both SYNs are known. */
static void
settle(struct synth_tcp *t)
{
	for (int s = 0; s < 2; s++) {
		const struct synth_os *os = t->t_h[s]->h_os;
		uint32_t w = os->os_rcvwin;
		uint16_t mss = family_mss(t->t_h[s]);

		/* Every profile offers window scaling, so the field is the window shifted. */
		t->t_rcvwin[s] = w;
		w >>= os->os_wscale;
		t->t_win[s] = (uint16_t)(w > 65535 ? 65535 : w);
		/* Both ends announce the same MSS here; timestamps eat 12 bytes of it. */
		t->t_mss[s] = (uint16_t)(mss - (t->t_ts ? 12 : 0));
	}
}

int
synth_tcp_connect(struct synth_tcp *t)
{
	const struct synth_os *cos = t->t_h[SYNTH_CLI]->h_os, *sos = t->t_h[SYNTH_SRV]->h_os;
	uint8_t opt[40];
	size_t optlen;
	uint64_t when;
	uint32_t cval;
	int rv;

	when = next_time(t, SYNTH_CLI);
	cval = tsval(t->t_h[SYNTH_CLI], when);
	optlen = syn_opts(opt, cos, family_mss(t->t_h[SYNTH_CLI]), cos->os_ts, cval, 0);
	if ((rv = emit(t, SYNTH_CLI, when, SYNTH_TH_SYN, t->t_nxt[SYNTH_CLI], 0, cos->os_syn_win,
		     opt, optlen, NULL, 0)) != 0)
		return rv;
	t->t_nxt[SYNTH_CLI]++;
	t->t_now = when;
	t->t_last = SYNTH_CLI;
	t->t_ts = cos->os_ts && sos->os_ts;

	when = next_time(t, SYNTH_SRV);
	optlen = syn_opts(opt, sos, family_mss(t->t_h[SYNTH_SRV]), t->t_ts,
		tsval(t->t_h[SYNTH_SRV], when), cval);
	if ((rv = emit(t, SYNTH_SRV, when, SYNTH_TH_SYN | SYNTH_TH_ACK, t->t_nxt[SYNTH_SRV],
		     t->t_nxt[SYNTH_CLI], sos->os_syn_win, opt, optlen, NULL, 0)) != 0)
		return rv;
	t->t_nxt[SYNTH_SRV]++;
	t->t_tsecr[SYNTH_CLI] = tsval(t->t_h[SYNTH_SRV], when);
	t->t_tsecr[SYNTH_SRV] = cval;
	t->t_now = when;
	t->t_last = SYNTH_SRV;
	settle(t);
	return segment(t, SYNTH_CLI, SYNTH_TH_ACK, NULL, 0);
}

int
synth_tcp_refused(struct synth_tcp *t)
{
	const struct synth_os *cos = t->t_h[SYNTH_CLI]->h_os;
	uint8_t opt[40];
	size_t optlen;
	uint64_t when;
	int rv;

	when = next_time(t, SYNTH_CLI);
	optlen = syn_opts(opt, cos, family_mss(t->t_h[SYNTH_CLI]), cos->os_ts,
		tsval(t->t_h[SYNTH_CLI], when), 0);
	if ((rv = emit(t, SYNTH_CLI, when, SYNTH_TH_SYN, t->t_nxt[SYNTH_CLI], 0, cos->os_syn_win,
		     opt, optlen, NULL, 0)) != 0)
		return rv;
	t->t_nxt[SYNTH_CLI]++;
	t->t_now = when;
	t->t_last = SYNTH_CLI;
	when = next_time(t, SYNTH_SRV);
	/* A reset answering a SYN has sequence 0 and acks the SYN (RFC 9293 3.10.7.1). */
	rv = emit(t, SYNTH_SRV, when, SYNTH_TH_RST | SYNTH_TH_ACK, 0, t->t_nxt[SYNTH_CLI], 0, NULL,
		0, NULL, 0);
	t->t_now = when;
	t->t_last = SYNTH_SRV;
	return rv;
}

int
synth_tcp_send(struct synth_tcp *t, int side, const void *data, size_t len)
{
	const uint8_t *p = data;
	int peer = 1 - side;
	uint32_t rtt_round = t->t_h[side]->h_rtt_us + t->t_h[peer]->h_rtt_us;
	uint32_t cwnd = INIT_CWND, limit, inround = 0, nseg = 0;
	uint64_t when = next_time(t, side), round_start = when;
	uint8_t opt[12];
	size_t off = 0, optlen;
	int rv;

	if (len == 0)
		return 0;
	while (off < len) {
		size_t n = len - off < t->t_mss[side] ? len - off : t->t_mss[side];
		uint8_t flags = SYNTH_TH_ACK | (off + n == len ? SYNTH_TH_PSH : 0);
		uint32_t sval;

		/* The receiver's window caps the flight as much as the congestion window does. */
		limit = t->t_rcvwin[peer] / t->t_mss[side];
		if (limit == 0)
			limit = 1;
		if (inround >= cwnd || inround >= limit) {
			round_start += rtt_round;
			if (when > round_start)
				round_start = when;
			when = round_start;
			cwnd *= 2;
			inround = 0;
		}
		optlen = est_opts(t, side, when, t->t_tsecr[side], opt);
		sval = tsval(t->t_h[side], when);
		if ((rv = emit(t, side, when, flags, t->t_nxt[side], t->t_nxt[peer], t->t_win[side],
			     opt, optlen, p + off, n)) != 0)
			return rv;
		t->t_nxt[side] += (uint32_t)n;
		t->t_tsecr[peer] = sval;
		off += n;
		inround++;
		nseg++;
		t->t_now = when;
		/* Every second full segment is acked at once; the last one is left to the caller.
		 */
		if (nseg % 2 == 0 && off < len) {
			uint64_t at = when + t->t_h[peer]->h_rtt_us;

			optlen = est_opts(t, peer, at, sval, opt);
			if ((rv = emit(t, peer, at, SYNTH_TH_ACK, t->t_nxt[peer], t->t_nxt[side],
				     t->t_win[peer], opt, optlen, NULL, 0)) != 0)
				return rv;
			t->t_tsecr[side] = tsval(t->t_h[peer], at);
		}
		when += synth_rng_range(t->t_rng, 15, 120);
	}
	t->t_last = side;
	return 0;
}

int
synth_tcp_ack(struct synth_tcp *t, int side)
{
	return segment(t, side, SYNTH_TH_ACK, NULL, 0);
}

int
synth_tcp_close(struct synth_tcp *t, int side)
{
	int rv;

	if ((rv = segment(t, side, SYNTH_TH_FIN | SYNTH_TH_ACK, NULL, 0)) != 0)
		return rv;
	if ((rv = segment(t, 1 - side, SYNTH_TH_FIN | SYNTH_TH_ACK, NULL, 0)) != 0)
		return rv;
	return segment(t, side, SYNTH_TH_ACK, NULL, 0);
}

int
synth_tcp_reset(struct synth_tcp *t, int side)
{
	uint64_t when = next_time(t, side);
	int rv;

	/* Resets carry no options, even when timestamps were agreed. */
	rv = emit(t, side, when, SYNTH_TH_RST | SYNTH_TH_ACK, t->t_nxt[side], t->t_nxt[1 - side], 0,
		NULL, 0, NULL, 0);
	t->t_now = when;
	t->t_last = side;
	return rv;
}

void
synth_tcp_wait(struct synth_tcp *t, uint64_t us)
{
	t->t_now += us;
}
