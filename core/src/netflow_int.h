/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the NetFlow/IPFIX decoder (netflow.h), shared by its files:
 *
 *	netflow.c        the public entry points, exporter streams, sequence
 *	                 accounting, held data sets and expiry
 *	netflow_v5.c     NetFlow v5 datagrams
 *	netflow_msg.c    NetFlow v9 and IPFIX messages: headers, sets, templates
 *	netflow_field.c  field mapping, and data records read with a template
 *	netflow_rec.c    records normalised, checked and delivered
 */
#ifndef MAMORI_NETFLOW_INT_H
#define MAMORI_NETFLOW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "mamori/netflow.h"

#define NF_SEC_NS 1000000000ULL

#define NF_V5_HDR    24
#define NF_V5_REC    48
#define NF_V5_MAXREC 30 /* Cisco's limit on records per v5 datagram */
#define NF_V9_HDR    20
#define NF_IPFIX_HDR 16
#define NF_SET_HDR   4

/* Sequence numbers further ahead than this are a restart, not a loss. */
#define NF_SEQ_WINDOW_RECORDS   (1u << 20)
#define NF_SEQ_WINDOW_DATAGRAMS (1u << 14)

#define NF_VARLEN     65535 /* IPFIX field length announcing a variable-length field */
#define NF_PEN_BIFLOW 29305 /* RFC 5103: reverse information elements */

/* What a template's field is for; see nf_field_kind() for the mapping. */
enum nf_kind {
	NF_K_SKIP = 0,
	NF_K_SRC4,
	NF_K_DST4,
	NF_K_SRC6,
	NF_K_DST6,
	NF_K_SPORT,
	NF_K_DPORT,
	NF_K_PROTO,
	NF_K_FLAGS,
	NF_K_RFLAGS,
	NF_K_BYTES, /* the twelve counters, NF_K_BYTES to NF_K_RESP_PKTS, stay together */
	NF_K_PKTS,
	NF_K_RBYTES,
	NF_K_RPKTS,
	NF_K_BYTES_TOT,
	NF_K_PKTS_TOT,
	NF_K_RBYTES_TOT,
	NF_K_RPKTS_TOT,
	NF_K_INIT_BYTES, /* initiatorOctets, responderOctets, initiatorPackets, responderPackets */
	NF_K_RESP_BYTES,
	NF_K_INIT_PKTS,
	NF_K_RESP_PKTS,
	NF_K_FIRST_UP, /* flowStartSysUpTime / v9 FIRST_SWITCHED (ms) */
	NF_K_LAST_UP,
	NF_K_START_S,
	NF_K_END_S,
	NF_K_START_MS,
	NF_K_END_MS,
	NF_K_START_US, /* NTP format */
	NF_K_END_US,
	NF_K_START_NS, /* NTP format */
	NF_K_END_NS,
	NF_K_START_DELTA_US, /* microseconds before the export time */
	NF_K_END_DELTA_US,
	NF_K_DUR_MS,
	NF_K_DUR_US,
	NF_K_SYS_INIT_MS, /* systemInitTimeMilliseconds: the base of the SysUpTime fields */
	NF_K_END_REASON,
	NF_K_VLAN,
	NF_K_POST_VLAN,
	NF_K_INNER_VLAN,
	NF_K_ICMP, /* type * 256 + code */
	NF_K_ICMP_TYPE,
	NF_K_ICMP_CODE,
	NF_K_SAMPLING, /* samplingInterval, samplerRandomInterval: 1 in N */
	NF_K_SAMP_PKT_INTERVAL,
	NF_K_SAMP_PKT_SPACE,
	NF_K_COUNT
};

/* How a field's bytes are read. */
enum nf_read {
	NF_R_SKIP = 0,
	NF_R_U8,
	NF_R_U16,
	NF_R_U32,
	NF_R_U64,
	NF_R_UINT, /* 3, 5, 6 or 7 bytes (IPFIX reduced-size encoding) */
	NF_R_SRC4,
	NF_R_DST4,
	NF_R_SRC6,
	NF_R_DST6,
};

/* One field of a template, compiled: where it is, how to read it, what it is for. */
struct nf_op {
	uint32_t op_len; /* bytes; NF_VARLEN when each record says (IPFIX) */
	uint32_t op_off; /* offset in the record, in templates without variable-length fields */
	uint8_t op_kind; /* enum nf_kind */
	uint8_t op_read; /* enum nf_read */
};

/*
 * A compiled template.  Every record of a template has the same fields, so
 * which field gives the counts and the times (delta counts over totals,
 * absolute times over uptime-relative ones) is decided here, once.  Without
 * variable-length fields, t_ops holds only the fields that are read, at
 * their offsets; with them, every field in order (skipped runs merged).
 */
struct nf_template {
	uint16_t t_id;
	uint16_t t_nfields; /* as announced */
	uint16_t t_nops;
	bool t_options;     /* an options template: its records configure the stream */
	bool t_varlen;      /* has variable-length fields */
	uint32_t t_minlen;  /* shortest record (each variable-length field 1 byte) */
	uint64_t t_seen_ns; /* last definition or refresh */
	uint64_t t_have;    /* 1 << kind for each kind some field gives */
	uint8_t t_cnt[4]; /* kinds of packets and bytes forward, packets and bytes back (0: none) */
	uint8_t t_first;  /* kind that gives the first packet's time (0: none) */
	uint8_t t_last;
	uint8_t t_dur; /* duration, when only one end is given */
	struct nf_op t_ops[];
};

#define NF_HAS(t, k) (((t)->t_have >> (k)) & 1)

/* A data set that arrived before its template, with what is needed to decode it later. */
struct nf_pending {
	TAILQ_ENTRY(nf_pending) pd_link;
	uint64_t pd_arrival_ns;
	uint64_t pd_export_ns; /* the export time of its datagram */
	uint32_t pd_uptime_ms; /* and its sysUptime (v9) */
	uint16_t pd_tid;
	uint16_t pd_len;
	uint8_t pd_data[];
};

TAILQ_HEAD(nf_pending_list, nf_pending);

/* One exporter stream: (address, version, source id / observation domain). */
struct nf_stream {
	struct nf_stream *st_next;     /* hash chain */
	TAILQ_ENTRY(nf_stream) st_all; /* creation order, for mm_nf_exporters() */
	struct mm_nf_exporter_stats st_stats;
	uint64_t st_seen_ns; /* last datagram */
	/* Templates sorted by id, binary-searched; st_tcap grows up to nl_templates. */
	struct nf_template **st_tmpl;
	uint32_t st_ntmpl;
	uint32_t st_tcap;
	/* Sequence accounting: the last datagram's number and record count. */
	uint32_t st_seq_last;
	uint32_t st_seq_count;
	bool st_seq_valid;
	bool st_seq_incl; /* the exporter counts this datagram's records in its number too */
	/* Options data: sampling and the IPFIX SysUpTime base. */
	uint32_t st_sampling; /* 1 in N; also in st_stats.es_sampling */
	bool st_have_init;
	uint64_t st_init_ms;
	struct nf_pending_list st_pending;
	uint32_t st_npending;
	size_t st_pending_bytes;
};

TAILQ_HEAD(nf_stream_list, nf_stream);

struct mm_nf {
	struct mm_nf_limits nf_lim;
	enum mm_nf_biflow nf_biflow;
	struct nf_stream **nf_hash;
	uint32_t nf_hash_mask;
	uint32_t nf_nstreams;
	struct nf_stream_list nf_streams;
	struct mm_nf_stats nf_stats;
	size_t nf_pending_bytes;   /* held data sets, all streams together */
	struct nf_template *nf_v5; /* the fixed layout of v5 records, as a template */
	uint64_t nf_id_base;
	uint64_t nf_id_seq;
};

/*
 * One data record as read: a value per field kind.  It is cleared once per
 * set; the records of a set all have the same fields, so a kind the
 * template lacks stays zero, and r_val[NF_K_SKIP] is always zero.
 */
struct nf_rec {
	uint64_t r_val[NF_K_COUNT];
	struct mm_addr r_src;
	struct mm_addr r_dst;
};

_Static_assert(NF_K_COUNT <= 64, "field kinds must fit the t_have bit set");

/* What one datagram is decoded with. */
struct nf_ctx {
	struct mm_nf *c_nf;
	struct nf_stream *c_st;
	mm_nf_record_fn c_cb;
	void *c_arg;
	uint64_t c_now_ns;
	uint64_t c_export_ns; /* the header's clock: times and range checks are relative to it */
	uint32_t c_uptime_ms; /* v5/v9 sysUptime */
	uint8_t c_source;     /* enum mm_flow_source */
	uint32_t c_delivered; /* records passed to the callback */
	uint32_t c_data_recs; /* data records in this datagram (for sequence numbers) */
	bool c_held;          /* a set was held: the record count is not known */
};

/* netflow.c */
int nf_refuse(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct nf_stream *nf_stream_get(struct mm_nf *nf, const struct mm_addr *addr, uint16_t version,
	uint32_t source_id, uint64_t now_ns, char *why, size_t whylen, int *err);
struct nf_stream *nf_stream_find(
	struct mm_nf *nf, const struct mm_addr *addr, uint16_t version, uint32_t source_id);
void nf_seq_account(struct nf_stream *st, uint32_t seq, uint32_t count, bool count_known,
	uint32_t window, bool may_include);
void nf_pending_hold(struct nf_ctx *c, uint16_t tid, const uint8_t *data, size_t len);
void nf_pending_release(struct nf_ctx *c, uint16_t tid);
void nf_pending_expire(struct mm_nf *nf, struct nf_stream *st, uint64_t now_ns);

/* netflow_v5.c */
int nf_decode_v5(struct nf_ctx *c, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	char *why, size_t whylen);

/* netflow_msg.c */
int nf_decode_v9(struct nf_ctx *c, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	char *why, size_t whylen);
int nf_decode_ipfix(struct nf_ctx *c, const struct mm_addr *exporter, const uint8_t *data,
	size_t len, char *why, size_t whylen);
struct nf_template *nf_tmpl_find(
	struct mm_nf *nf, struct nf_stream *st, uint16_t id, uint64_t now_ns);
void nf_tmpl_expire(struct mm_nf *nf, struct nf_stream *st, uint64_t now_ns);
void nf_tmpl_free_all(struct nf_stream *st);

/* netflow_field.c */
struct nf_template *nf_tmpl_compile(const uint8_t *p, uint16_t tid, uint32_t nfields,
	uint32_t nscope, bool ipfix, bool options);
struct nf_template *nf_tmpl_v5(void);
void nf_decode_data_set(struct nf_ctx *c, const struct nf_template *t, const uint8_t *p, size_t len,
	uint64_t export_ns, uint32_t uptime_ms);

/* netflow_rec.c */
void nf_rec_finish(struct nf_ctx *c, const struct nf_template *t, const struct nf_rec *r,
	uint64_t export_ns, uint32_t uptime_ms);
void nf_rec_options(struct nf_ctx *c, const struct nf_template *t, const struct nf_rec *r);

static inline uint16_t
nf_get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
nf_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static inline uint64_t
nf_get64(const uint8_t *p)
{
	return ((uint64_t)nf_get32(p) << 32 | nf_get32(p + 4));
}

/* Padding: only zeros. */
static inline bool
nf_zeros(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return (false);
	return (true);
}

#endif /* MAMORI_NETFLOW_INT_H */
