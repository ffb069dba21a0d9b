/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A decoded record made into struct mm_flow_rec: times made absolute
 * (absolute fields over uptime-relative ones, over the export time), delta
 * counts preferred over totals, sampling applied, biflows kept or split,
 * and the result checked (times and counts a flow cannot have are counted
 * out of range and dropped) before it is delivered.  Options records set
 * the stream's sampling rate and SysUpTime base instead.
 */
#include "netflow_int.h"

/* Signed: times are computed in int64_t, where a time before 1970 shows as such. */
#define NF_SEC_I64   ((int64_t)NF_SEC_NS)
#define NF_MS_I64    ((int64_t)1000000)
#define NF_NTP_EPOCH 2208988800ULL /* seconds from 1900 to 1970 */

/*
 * Times past 2116 are refused as they are read, so that sums and differences
 * of times and durations cannot overflow.
 */
#define NF_TIME_MAX_NS (1LL << 62)
/* An end this much before the start is clock granularity: the record is kept. */
#define NF_TIME_SLACK_NS NF_SEC_I64
/* Counts past these cannot come from one flow. */
#define NF_MAX_PKTS     (1ULL << 40)
#define NF_MAX_BYTES    (1ULL << 52)
#define NF_MAX_PKT_SIZE 65535

/*
 * The time a time field gives, in Unix ns: 1, or 0 when it gives none (an
 * IPFIX uptime without a base yet), or -1 when it cannot be a time.
 */
static int
nf_time_ns(const struct nf_ctx *c, const struct nf_template *t, const struct nf_rec *r,
	uint8_t kind, int64_t export_ns, uint32_t uptime_ms, int64_t *ns)
{
	uint64_t v = r->r_val[kind], base;

	switch (kind) {
	case NF_K_START_S:
	case NF_K_END_S:
		if (v >= NF_TIME_MAX_NS / NF_SEC_I64)
			return (-1);
		*ns = (int64_t)v * NF_SEC_I64;
		return (1);
	case NF_K_START_MS:
	case NF_K_END_MS:
		if (v >= NF_TIME_MAX_NS / NF_MS_I64)
			return (-1);
		*ns = (int64_t)v * NF_MS_I64;
		return (1);
	case NF_K_START_US:
	case NF_K_END_US:
	case NF_K_START_NS:
	case NF_K_END_NS:
		/* NTP: seconds since 1900, then a binary fraction; 32 bits end in 2036. */
		if ((v >> 32) < NF_NTP_EPOCH)
			return (-1);
		*ns = (int64_t)((v >> 32) - NF_NTP_EPOCH) * NF_SEC_I64 +
		      (int64_t)(((v & 0xffffffffULL) * (uint64_t)NF_SEC_NS) >> 32);
		return (1);
	case NF_K_START_DELTA_US:
	case NF_K_END_DELTA_US:
		if (v > UINT32_MAX)
			return (-1);
		*ns = export_ns - (int64_t)v * 1000;
		return (1);
	case NF_K_FIRST_UP:
	case NF_K_LAST_UP:
		if (c->c_source != MM_FLOW_SRC_IPFIX) {
			/* Signed: a time a little after the header's clock is late, not a wrap. */
			*ns = export_ns - (int64_t)(int32_t)(uptime_ms - (uint32_t)v) * NF_MS_I64;
			return (1);
		}
		/* IPFIX: milliseconds since systemInitTimeMilliseconds. */
		if (NF_HAS(t, NF_K_SYS_INIT_MS))
			base = r->r_val[NF_K_SYS_INIT_MS];
		else if (c->c_st->st_have_init)
			base = c->c_st->st_init_ms;
		else
			return (0); /* no base announced (yet): the export time stands in */
		if (v > UINT32_MAX || base >= NF_TIME_MAX_NS / NF_MS_I64 - UINT32_MAX)
			return (-1);
		*ns = (int64_t)(base + v) * NF_MS_I64;
		return (1);
	default:
		return (0);
	}
}

/* First and last packet; false when the record's times are unusable. */
static bool
nf_times(const struct nf_ctx *c, const struct nf_template *t, const struct nf_rec *r,
	int64_t export_ns, uint32_t uptime_ms, int64_t *first, int64_t *last)
{
	int64_t dur = -1;
	int hf, hl;

	if ((hf = nf_time_ns(c, t, r, t->t_first, export_ns, uptime_ms, first)) < 0 ||
		(hl = nf_time_ns(c, t, r, t->t_last, export_ns, uptime_ms, last)) < 0)
		return (false);
	if (t->t_dur == NF_K_DUR_MS && r->r_val[NF_K_DUR_MS] < (1ULL << 40))
		dur = (int64_t)r->r_val[NF_K_DUR_MS] * NF_MS_I64;
	else if (t->t_dur == NF_K_DUR_US && r->r_val[NF_K_DUR_US] < (1ULL << 50))
		dur = (int64_t)r->r_val[NF_K_DUR_US] * 1000;
	if (!hf && !hl) {
		*last = export_ns;
		hl = 1;
	}
	if (hf && !hl)
		*last = dur >= 0 ? *first + dur : *first;
	else if (!hf)
		*first = dur >= 0 ? *last - dur : *last;
	return (true);
}

static bool
nf_counts_ok(uint64_t pkts, uint64_t bytes)
{
	return (pkts <= NF_MAX_PKTS && bytes <= NF_MAX_BYTES &&
		(pkts == 0 || bytes <= pkts * NF_MAX_PKT_SIZE));
}

/* count * rate, false on overflow. */
static bool
nf_scale(uint64_t *count, uint32_t rate)
{
	if (rate > 1 && *count > UINT64_MAX / rate)
		return (false);
	*count *= rate;
	return (true);
}

/* 1 in N: samplingInterval directly; interval packets taken, then space skipped: their ratio. */
static uint32_t
nf_rate(uint64_t n)
{
	return (n == 0 ? 1 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
}

/* The rate a record (data or options) gives, or 0 when it gives none. */
static uint32_t
nf_rec_rate(const struct nf_rec *r)
{
	uint64_t interval = r->r_val[NF_K_SAMP_PKT_INTERVAL], space;

	if (r->r_val[NF_K_SAMPLING] > 0)
		return (nf_rate(r->r_val[NF_K_SAMPLING]));
	if (interval > 0) {
		space = r->r_val[NF_K_SAMP_PKT_SPACE];
		if (space > UINT32_MAX || interval > UINT32_MAX)
			return (UINT32_MAX);
		return (nf_rate((interval + space + interval / 2) / interval));
	}
	return (0);
}

static uint8_t
nf_end_reason(uint64_t v, uint8_t flags)
{
	switch (v) {
	case 1:
		return (MM_FLOW_END_IDLE);
	case 2:
		return (MM_FLOW_END_ACTIVE);
	case 3:
		return ((flags & MM_TCP_RST) ? MM_FLOW_END_RST : MM_FLOW_END_FIN);
	case 4:
		return (MM_FLOW_END_SHUTDOWN);
	case 5:
		return (MM_FLOW_END_EVICTED);
	default:
		return (MM_FLOW_END_EXPORTER);
	}
}

static void
nf_deliver(struct nf_ctx *c, struct mm_flow_rec *fr)
{
	struct mm_nf *nf = c->c_nf;

	fr->fr_id = nf->nf_id_base | (++nf->nf_id_seq & 0xffffffffffffULL);
	c->c_delivered++;
	c->c_st->st_stats.es_records++;
	nf->nf_stats.ns_records++;
	if (c->c_cb != NULL)
		c->c_cb(c->c_arg, fr);
}

static void
nf_vlans(const struct nf_rec *r, struct mm_flow_rec *fr)
{
	uint64_t outer = r->r_val[NF_K_VLAN] & 0xfff, inner = r->r_val[NF_K_INNER_VLAN] & 0xfff;

	if (outer == 0)
		outer = r->r_val[NF_K_POST_VLAN] & 0xfff;
	if (outer != 0)
		fr->fr_vlan[fr->fr_vlan_n++] = (uint16_t)outer;
	if (inner != 0)
		fr->fr_vlan[fr->fr_vlan_n++] = (uint16_t)inner;
}

/* ICMP has no ports: type and code come from their fields, or from the v5 convention. */
static void
nf_icmp(const struct nf_template *t, const struct nf_rec *r, struct mm_flow_rec *fr)
{
	uint64_t tc;

	if (fr->fr_proto != 1 && fr->fr_proto != 58)
		return;
	if (NF_HAS(t, NF_K_ICMP))
		tc = r->r_val[NF_K_ICMP];
	else if (NF_HAS(t, NF_K_ICMP_TYPE) || NF_HAS(t, NF_K_ICMP_CODE))
		tc = (r->r_val[NF_K_ICMP_TYPE] & 0xff) << 8 | (r->r_val[NF_K_ICMP_CODE] & 0xff);
	else
		tc = fr->fr_dport; /* type * 256 + code in the destination port */
	fr->fr_icmp_type = (uint8_t)(tc >> 8);
	fr->fr_icmp_code = (uint8_t)tc;
	fr->fr_sport = 0;
	fr->fr_dport = 0;
}

/* The record seen from the other end. */
static void
nf_turn(struct mm_flow_rec *fr)
{
	struct mm_addr a = fr->fr_src;
	uint64_t n;
	uint16_t port;
	uint8_t flags;

	fr->fr_src = fr->fr_dst;
	fr->fr_dst = a;
	port = fr->fr_sport;
	fr->fr_sport = fr->fr_dport;
	fr->fr_dport = port;
	n = fr->fr_pkts_ts;
	fr->fr_pkts_ts = fr->fr_pkts_tc;
	fr->fr_pkts_tc = n;
	n = fr->fr_bytes_ts;
	fr->fr_bytes_ts = fr->fr_bytes_tc;
	fr->fr_bytes_tc = n;
	flags = fr->fr_tcp_flags_ts;
	fr->fr_tcp_flags_ts = fr->fr_tcp_flags_tc;
	fr->fr_tcp_flags_tc = flags;
}

static const struct mm_flow_rec nf_zero_rec;

#define NF_ADDR_KINDS                                                                              \
	(1ULL << NF_K_SRC4 | 1ULL << NF_K_SRC6 | 1ULL << NF_K_DST4 | 1ULL << NF_K_DST6)

/*
 * Normalises one flow record, checks it, and delivers it (two when a biflow
 * is split).  Records without any address (templates of other things than
 * IP flows) are read for their sequence numbers but are no flows.
 */
void
nf_rec_finish(struct nf_ctx *c, const struct nf_template *t, const struct nf_rec *r,
	uint64_t export_ns, uint32_t uptime_ms)
{
	const struct mm_nf_limits *lim = &c->c_nf->nf_lim;
	uint64_t pkts[2], bytes[2];
	int64_t first = 0, last = 0, ref = (int64_t)export_ns;
	struct mm_flow_rec fr, rev;
	uint32_t rate;

	if ((t->t_have & NF_ADDR_KINDS) == 0)
		return;
	pkts[0] = r->r_val[t->t_cnt[0]];
	bytes[0] = r->r_val[t->t_cnt[1]];
	pkts[1] = r->r_val[t->t_cnt[2]];
	bytes[1] = r->r_val[t->t_cnt[3]];
	if ((rate = nf_rec_rate(r)) == 0)
		rate = c->c_st->st_sampling;
	if (!nf_times(c, t, r, ref, uptime_ms, &first, &last) || !nf_counts_ok(pkts[0], bytes[0]) ||
		!nf_counts_ok(pkts[1], bytes[1]))
		goto out_of_range;
	if (last < first) {
		if (first - last > NF_TIME_SLACK_NS)
			goto out_of_range;
		last = first;
	}
	if (first < 0 || (last > ref && (uint64_t)(last - ref) > lim->nl_max_future_ns) ||
		(last < ref && (uint64_t)(ref - last) > lim->nl_max_age_ns))
		goto out_of_range;
	for (int i = 0; i < 2; i++)
		if (!nf_scale(&pkts[i], rate) || !nf_scale(&bytes[i], rate))
			goto out_of_range;

	fr = nf_zero_rec; /* a copy, where memset() becomes a slow "rep stos" */
	fr.fr_first_ns = (uint64_t)first;
	fr.fr_last_ns = (uint64_t)last;
	fr.fr_pkts_ts = pkts[0];
	fr.fr_bytes_ts = bytes[0];
	fr.fr_pkts_tc = pkts[1];
	fr.fr_bytes_tc = bytes[1];
	fr.fr_src = r->r_src;
	fr.fr_dst = r->r_dst;
	fr.fr_exporter = c->c_st->st_stats.es_addr;
	fr.fr_sampling = rate;
	fr.fr_sport = (uint16_t)r->r_val[NF_K_SPORT];
	fr.fr_dport = (uint16_t)r->r_val[NF_K_DPORT];
	fr.fr_proto = (uint8_t)r->r_val[NF_K_PROTO];
	fr.fr_tcp_flags_ts = (uint8_t)r->r_val[NF_K_FLAGS];
	fr.fr_tcp_flags_tc = (uint8_t)r->r_val[NF_K_RFLAGS];
	fr.fr_source = c->c_source;
	nf_vlans(r, &fr);
	nf_icmp(t, r, &fr);
	fr.fr_end = NF_HAS(t, NF_K_END_REASON) ? nf_end_reason(r->r_val[NF_K_END_REASON],
							 fr.fr_tcp_flags_ts | fr.fr_tcp_flags_tc)
					       : MM_FLOW_END_EXPORTER;
	/* A biflow whose forward direction carried nothing was started from the other end. */
	if (pkts[0] == 0 && bytes[0] == 0 && (pkts[1] != 0 || bytes[1] != 0))
		nf_turn(&fr);
	if (c->c_nf->nf_biflow == MM_NF_BIFLOW_KEEP) {
		nf_deliver(c, &fr);
		return;
	}
	/* Split: the reverse record runs from the responder; each carries its own flags. */
	rev = fr;
	fr.fr_pkts_tc = fr.fr_bytes_tc = 0;
	fr.fr_tcp_flags_tc = 0;
	nf_deliver(c, &fr);
	if (rev.fr_pkts_tc == 0 && rev.fr_bytes_tc == 0)
		return;
	nf_turn(&rev);
	rev.fr_pkts_tc = rev.fr_bytes_tc = 0;
	rev.fr_tcp_flags_tc = 0;
	nf_deliver(c, &rev);
	return;

out_of_range:
	c->c_st->st_stats.es_out_of_range++;
}

/* An options record: what it says about sampling and the SysUpTime base applies to the stream. */
void
nf_rec_options(struct nf_ctx *c, const struct nf_template *t, const struct nf_rec *r)
{
	struct nf_stream *st = c->c_st;
	uint32_t rate;

	if ((rate = nf_rec_rate(r)) != 0) {
		st->st_sampling = rate;
		st->st_stats.es_sampling = rate;
	}
	if (NF_HAS(t, NF_K_SYS_INIT_MS)) {
		st->st_init_ms = r->r_val[NF_K_SYS_INIT_MS];
		st->st_have_init = true;
	}
}
