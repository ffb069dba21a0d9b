/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) decoding into the
 * flow records the packet path produces (struct mm_flow_rec), so flow-based
 * plugins cannot tell the two apart.
 *
 * State is kept per exporter: templates (v9 and IPFIX, data and options)
 * per (exporter address, source id / observation domain), the sampling rate
 * an options template announced, the last sequence number per stream, and a
 * bounded set of data sets that arrived before their template (decoded when
 * it arrives, dropped and counted when it does not come in time).  One
 * exporter's datagrams never touch another exporter's state: a spoofed or
 * malformed datagram can at worst damage the state of the address it claims.
 *
 * Every length is checked against the datagram; a malformed set is skipped
 * and counted, and the rest of the datagram is still decoded.  Limits bound
 * what one exporter can make the collector hold.
 *
 * Not thread-safe: one mm_nf per collector thread.
 */
#ifndef MAMORI_NETFLOW_H
#define MAMORI_NETFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "netaddr.h"

struct mm_nf;

/*
 * Zero fields take the defaults shown, except nl_template_ns (0: templates
 * never expire).  Times of records are checked against the clock in the
 * datagram's header (its export time), not against now_ns.
 */
struct mm_nf_limits {
	uint32_t nl_exporters;       /* exporters tracked at once (1024) */
	uint32_t nl_templates;       /* templates per exporter (256) */
	uint32_t nl_template_fields; /* fields per template (128) */
	uint32_t nl_pending_sets;    /* data sets held per exporter awaiting a template (64) */
	uint64_t nl_pending_ns;      /* how long they are held (10 s) */
	uint64_t nl_template_ns;     /* template lifetime without refresh (30 min; 0 never) */
	uint64_t nl_max_future_ns; /* records ending this far after the datagram: out of range (1 h)
				    */
	uint64_t
		nl_max_age_ns; /* records older than this before the datagram: out of range (7 d) */
};

/* What each exporter (address, source id) has sent and what went wrong. */
struct mm_nf_exporter_stats {
	struct mm_addr es_addr;
	uint32_t es_source_id; /* v9 source id / IPFIX domain; v5: engine type << 8 | engine id */
	uint16_t es_version;   /* 5, 9 or 10 */
	uint64_t es_datagrams;
	uint64_t es_records;  /* flow records delivered */
	uint64_t es_seq_gaps; /* records (v5, IPFIX) or datagrams (v9) missing per sequence numbers
			       */
	uint64_t es_unknown_template; /* data sets whose template never arrived in time */
	uint64_t es_malformed;        /* datagrams, sets or templates refused */
	uint64_t es_out_of_range;     /* records with impossible times or counts */
	uint64_t es_templates;        /* templates currently held */
	uint32_t es_sampling;         /* 1 in N, from v5 header or an options template; 1 if none */
};

struct mm_nf_stats {
	uint64_t ns_datagrams;
	uint64_t ns_records;
	uint64_t ns_malformed; /* datagrams too broken to attribute to a stream */
	uint64_t ns_bad_version;
	uint64_t ns_exporters_full; /* datagrams from new exporters refused: limit reached */
};

/* How biflow records (RFC 5103 reverse elements) come out. */
enum mm_nf_biflow {
	MM_NF_BIFLOW_KEEP = 0, /* one record with counts each way (as the packet path) */
	MM_NF_BIFLOW_SPLIT,    /* two unidirectional records */
};

typedef void (*mm_nf_record_fn)(void *arg, const struct mm_flow_rec *rec);

/* NULL limits take the defaults.  Returns NULL on allocation failure. */
struct mm_nf *mm_nf_new(const struct mm_nf_limits *limits, enum mm_nf_biflow biflow);
void mm_nf_free(struct mm_nf *nf);

/*
 * Records are numbered fr_id = base | n, n counting from 1 in 48 bits.  The
 * default base, 1 << 63, keeps them apart from the packet path's ids (lcore
 * << 48 | n); a second mm_nf in the same run needs a base of its own.
 */
void mm_nf_set_id_base(struct mm_nf *nf, uint64_t base);

/*
 * Decodes one datagram from exporter (its source address) received at
 * now_ns (Unix ns), calling cb for every record.  fr_source, fr_exporter and
 * fr_sampling are set; counts are scaled by the sampling rate; times are
 * absolute (v5/v9 sysUptime-relative times are converted with the header's
 * clock).  Returns the number of records, or a negative errno when the
 * datagram was refused whole (why in why, if not NULL).
 */
int mm_nf_decode(struct mm_nf *nf, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	uint64_t now_ns, mm_nf_record_fn cb, void *arg, char *why, size_t whylen);

/* Drops expired templates and pending sets (counting the latter); call about once a second. */
void mm_nf_expire(struct mm_nf *nf, uint64_t now_ns);

void mm_nf_stats(const struct mm_nf *nf, struct mm_nf_stats *st);
/* Per-exporter statistics: fills up to n entries, returns how many exist. */
size_t mm_nf_exporters(const struct mm_nf *nf, struct mm_nf_exporter_stats *v, size_t n);

#endif /* MAMORI_NETFLOW_H */
