/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NetFlow/IPFIX decoder's entry points and the state it keeps per
 * exporter stream (see netflow.h): a hash of streams keyed by (address,
 * version, source id), sequence accounting, and the data sets held until
 * their template arrives.  The formats themselves are in netflow_v5.c and
 * netflow_msg.c, the field mapping in netflow_field.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netflow_int.h"

static const struct mm_nf_limits nf_default_limits = {
	.nl_exporters = 1024,
	.nl_templates = 256,
	.nl_template_fields = 128,
	.nl_pending_sets = 64,
	.nl_pending_ns = 10 * NF_SEC_NS,
	.nl_template_ns = 30 * 60 * NF_SEC_NS,
	.nl_max_future_ns = 3600 * NF_SEC_NS,
	.nl_max_age_ns = 7 * 86400 * NF_SEC_NS,
};

/*
 * Held data sets are bounded in number per stream (nl_pending_sets) and in
 * bytes: per stream by room for that many 2 KB sets (at least one datagram),
 * and in all by a total that no exporter can push past (the newest set is
 * then dropped, so one exporter never evicts another's).
 */
#define NF_PENDING_SET_BYTES 2048
#define NF_PENDING_MIN_BYTES 65536
#define NF_PENDING_ALL_BYTES (64u << 20)

int
nf_refuse(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return (err);
}

struct mm_nf *
mm_nf_new(const struct mm_nf_limits *limits, enum mm_nf_biflow biflow)
{
	const struct mm_nf_limits *d = &nf_default_limits;
	struct mm_nf *nf;
	uint32_t size;

	if ((nf = calloc(1, sizeof(*nf))) == NULL)
		return (NULL);
	nf->nf_lim = limits != NULL ? *limits : *d;
	/* Zero takes the default, except the template lifetime where it means "never". */
	if (nf->nf_lim.nl_exporters == 0)
		nf->nf_lim.nl_exporters = d->nl_exporters;
	if (nf->nf_lim.nl_templates == 0)
		nf->nf_lim.nl_templates = d->nl_templates;
	if (nf->nf_lim.nl_template_fields == 0)
		nf->nf_lim.nl_template_fields = d->nl_template_fields;
	if (nf->nf_lim.nl_pending_sets == 0)
		nf->nf_lim.nl_pending_sets = d->nl_pending_sets;
	if (nf->nf_lim.nl_pending_ns == 0)
		nf->nf_lim.nl_pending_ns = d->nl_pending_ns;
	if (nf->nf_lim.nl_max_future_ns == 0)
		nf->nf_lim.nl_max_future_ns = d->nl_max_future_ns;
	if (nf->nf_lim.nl_max_age_ns == 0)
		nf->nf_lim.nl_max_age_ns = d->nl_max_age_ns;
	/* Template ids are 256..65535; a field count is 16 bits. */
	if (nf->nf_lim.nl_templates > 65536 - 256)
		nf->nf_lim.nl_templates = 65536 - 256;
	if (nf->nf_lim.nl_template_fields > 65535)
		nf->nf_lim.nl_template_fields = 65535;
	if (nf->nf_lim.nl_exporters > (1u << 24))
		nf->nf_lim.nl_exporters = 1u << 24;
	nf->nf_biflow = biflow == MM_NF_BIFLOW_SPLIT ? MM_NF_BIFLOW_SPLIT : MM_NF_BIFLOW_KEEP;
	for (size = 16; size < 2 * nf->nf_lim.nl_exporters; size <<= 1)
		;
	if ((nf->nf_hash = calloc(size, sizeof(*nf->nf_hash))) == NULL) {
		free(nf);
		return (NULL);
	}
	if ((nf->nf_v5 = nf_tmpl_v5()) == NULL) {
		free(nf->nf_hash);
		free(nf);
		return (NULL);
	}
	nf->nf_hash_mask = size - 1;
	TAILQ_INIT(&nf->nf_streams);
	nf->nf_id_base = 1ULL << 63;
	return (nf);
}

void
mm_nf_set_id_base(struct mm_nf *nf, uint64_t base)
{
	nf->nf_id_base = base;
}

static void
nf_stream_free(struct mm_nf *nf, struct nf_stream *st)
{
	struct nf_pending *pd;

	while ((pd = TAILQ_FIRST(&st->st_pending)) != NULL) {
		TAILQ_REMOVE(&st->st_pending, pd, pd_link);
		nf->nf_pending_bytes -= pd->pd_len;
		free(pd);
	}
	nf_tmpl_free_all(st);
	free(st);
}

void
mm_nf_free(struct mm_nf *nf)
{
	struct nf_stream *st;

	if (nf == NULL)
		return;
	while ((st = TAILQ_FIRST(&nf->nf_streams)) != NULL) {
		TAILQ_REMOVE(&nf->nf_streams, st, st_all);
		nf_stream_free(nf, st);
	}
	free(nf->nf_v5);
	free(nf->nf_hash);
	free(nf);
}

static uint32_t
nf_stream_hash(const struct mm_addr *addr, uint16_t version, uint32_t source_id)
{
	uint64_t h = ((uint64_t)version << 32 | source_id) * 0x9e3779b97f4a7c15ULL;
	uint64_t w;

	for (int i = 0; i < 16; i += 8) {
		memcpy(&w, addr->a_bytes + i, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return ((uint32_t)h);
}

static bool
nf_stream_is(const struct nf_stream *st, const struct mm_addr *addr, uint16_t version,
	uint32_t source_id)
{
	return (st->st_stats.es_version == version && st->st_stats.es_source_id == source_id &&
		memcmp(&st->st_stats.es_addr, addr, sizeof(*addr)) == 0);
}

struct nf_stream *
nf_stream_find(struct mm_nf *nf, const struct mm_addr *addr, uint16_t version, uint32_t source_id)
{
	struct nf_stream *st =
		nf->nf_hash[nf_stream_hash(addr, version, source_id) & nf->nf_hash_mask];

	while (st != NULL && !nf_stream_is(st, addr, version, source_id))
		st = st->st_next;
	return (st);
}

/* The stream of a datagram whose header is sound; created if new and there is room. */
struct nf_stream *
nf_stream_get(struct mm_nf *nf, const struct mm_addr *addr, uint16_t version, uint32_t source_id,
	uint64_t now_ns, char *why, size_t whylen, int *err)
{
	struct nf_stream *st;
	uint32_t b;

	if ((st = nf_stream_find(nf, addr, version, source_id)) != NULL) {
		st->st_seen_ns = now_ns;
		return (st);
	}
	if (nf->nf_nstreams >= nf->nf_lim.nl_exporters) {
		nf->nf_stats.ns_exporters_full++;
		*err = nf_refuse(why, whylen, -ENOSPC,
			"new exporter stream (version %u, source id %u): %u streams already "
			"tracked",
			version, source_id, nf->nf_nstreams);
		return (NULL);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		*err = nf_refuse(why, whylen, -ENOMEM, "no memory for a new exporter stream");
		return (NULL);
	}
	st->st_stats.es_addr = *addr;
	st->st_stats.es_version = version;
	st->st_stats.es_source_id = source_id;
	st->st_stats.es_sampling = 1;
	st->st_sampling = 1;
	st->st_seen_ns = now_ns;
	TAILQ_INIT(&st->st_pending);
	b = nf_stream_hash(addr, version, source_id) & nf->nf_hash_mask;
	st->st_next = nf->nf_hash[b];
	nf->nf_hash[b] = st;
	TAILQ_INSERT_TAIL(&nf->nf_streams, st, st_all);
	nf->nf_nstreams++;
	return (st);
}

static void
nf_stream_remove(struct mm_nf *nf, struct nf_stream *st)
{
	const struct mm_nf_exporter_stats *s = &st->st_stats;
	struct nf_stream **pp =
		&nf->nf_hash[nf_stream_hash(&s->es_addr, s->es_version, s->es_source_id) &
			     nf->nf_hash_mask];

	while (*pp != st)
		pp = &(*pp)->st_next;
	*pp = st->st_next;
	TAILQ_REMOVE(&nf->nf_streams, st, st_all);
	nf->nf_nstreams--;
	nf_stream_free(nf, st);
}

/*
 * Checks a datagram's sequence number against the last one's and counts what
 * is missing.  count is what this datagram adds (records, or 1 for v9); it is
 * not known when a data set was held for its template, and then the next
 * datagram is not checked.  RFC 7011 numbers a message by the records sent
 * before it; some exporters (softflowd) count its own records too: with
 * may_include, a stream whose numbers fit that reading is checked that way.
 * A number behind the expected one, or far ahead, is a restart or a
 * reordering: no loss is counted and the count starts again from it.
 */
void
nf_seq_account(struct nf_stream *st, uint32_t seq, uint32_t count, bool count_known,
	uint32_t window, bool may_include)
{
	uint32_t std, incl, exp;

	if (st->st_seq_valid) {
		std = st->st_seq_last + st->st_seq_count;
		incl = st->st_seq_last + count;
		if (may_include && count_known && seq != std && seq == incl)
			st->st_seq_incl = true;
		else if (seq == std)
			st->st_seq_incl = false;
		exp = st->st_seq_incl && count_known ? incl : std;
		if (seq != exp && (uint32_t)(seq - exp) < window)
			st->st_stats.es_seq_gaps += (uint32_t)(seq - exp);
	}
	st->st_seq_last = seq;
	st->st_seq_count = count;
	st->st_seq_valid = count_known;
}

static void
nf_pending_drop(struct mm_nf *nf, struct nf_stream *st, struct nf_pending *pd)
{
	TAILQ_REMOVE(&st->st_pending, pd, pd_link);
	st->st_npending--;
	st->st_pending_bytes -= pd->pd_len;
	nf->nf_pending_bytes -= pd->pd_len;
	free(pd);
}

void
nf_pending_hold(struct nf_ctx *c, uint16_t tid, const uint8_t *data, size_t len)
{
	struct mm_nf *nf = c->c_nf;
	struct nf_stream *st = c->c_st;
	size_t cap = (size_t)nf->nf_lim.nl_pending_sets * NF_PENDING_SET_BYTES;
	struct nf_pending *pd;

	c->c_held = true;
	if (cap < NF_PENDING_MIN_BYTES)
		cap = NF_PENDING_MIN_BYTES;
	/* Room is made by dropping this stream's oldest sets: the newest are likelier to live. */
	while ((pd = TAILQ_FIRST(&st->st_pending)) != NULL &&
		(st->st_npending >= nf->nf_lim.nl_pending_sets ||
			st->st_pending_bytes + len > cap)) {
		st->st_stats.es_unknown_template++;
		nf_pending_drop(nf, st, pd);
	}
	if (len > cap || nf->nf_pending_bytes + len > NF_PENDING_ALL_BYTES ||
		(pd = malloc(sizeof(*pd) + len)) == NULL) {
		st->st_stats.es_unknown_template++;
		return;
	}
	pd->pd_arrival_ns = c->c_now_ns;
	pd->pd_export_ns = c->c_export_ns;
	pd->pd_uptime_ms = c->c_uptime_ms;
	pd->pd_tid = tid;
	pd->pd_len = (uint16_t)len;
	memcpy(pd->pd_data, data, len);
	TAILQ_INSERT_TAIL(&st->st_pending, pd, pd_link);
	st->st_npending++;
	st->st_pending_bytes += len;
	nf->nf_pending_bytes += len;
}

/* A template tid has just arrived: decodes the sets held for it, oldest first. */
void
nf_pending_release(struct nf_ctx *c, uint16_t tid)
{
	struct nf_stream *st = c->c_st;
	struct nf_pending *pd, *next;
	const struct nf_template *t;
	uint32_t recs = c->c_data_recs;

	if (st->st_npending == 0 || (t = nf_tmpl_find(c->c_nf, st, tid, c->c_now_ns)) == NULL)
		return;
	for (pd = TAILQ_FIRST(&st->st_pending); pd != NULL; pd = next) {
		next = TAILQ_NEXT(pd, pd_link);
		if (pd->pd_tid != tid)
			continue;
		nf_decode_data_set(
			c, t, pd->pd_data, pd->pd_len, pd->pd_export_ns, pd->pd_uptime_ms);
		nf_pending_drop(c->c_nf, st, pd);
	}
	/* Those records were numbered with the datagrams that brought them. */
	c->c_data_recs = recs;
}

void
nf_pending_expire(struct mm_nf *nf, struct nf_stream *st, uint64_t now_ns)
{
	struct nf_pending *pd;

	while ((pd = TAILQ_FIRST(&st->st_pending)) != NULL && now_ns >= pd->pd_arrival_ns &&
		now_ns - pd->pd_arrival_ns >= nf->nf_lim.nl_pending_ns) {
		st->st_stats.es_unknown_template++;
		nf_pending_drop(nf, st, pd);
	}
}

int
mm_nf_decode(struct mm_nf *nf, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	uint64_t now_ns, mm_nf_record_fn cb, void *arg, char *why, size_t whylen)
{
	struct nf_ctx c = { .c_nf = nf, .c_cb = cb, .c_arg = arg, .c_now_ns = now_ns };
	uint16_t version;
	int rv;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	nf->nf_stats.ns_datagrams++;
	if (exporter == NULL) {
		nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EINVAL, "datagram without an exporter address"));
	}
	if (data == NULL || len < 2) {
		nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EBADMSG,
			"datagram of %zu bytes: too short for a version number", len));
	}
	switch ((version = nf_get16(data))) {
	case 5:
		rv = nf_decode_v5(&c, exporter, data, len, why, whylen);
		break;
	case 9:
		rv = nf_decode_v9(&c, exporter, data, len, why, whylen);
		break;
	case 10:
		rv = nf_decode_ipfix(&c, exporter, data, len, why, whylen);
		break;
	default:
		nf->nf_stats.ns_bad_version++;
		return (nf_refuse(why, whylen, -EPROTONOSUPPORT,
			"version %u: expected 5 (NetFlow v5), 9 (NetFlow v9) or 10 (IPFIX)",
			version));
	}
	return (rv < 0 ? rv : (int)c.c_delivered);
}

void
mm_nf_expire(struct mm_nf *nf, uint64_t now_ns)
{
	struct nf_stream *st, *next;

	for (st = TAILQ_FIRST(&nf->nf_streams); st != NULL; st = next) {
		next = TAILQ_NEXT(st, st_all);
		nf_pending_expire(nf, st, now_ns);
		nf_tmpl_expire(nf, st, now_ns);
		/*
		 * A stream silent for a template lifetime has no templates left;
		 * forgetting it makes room for new exporters.
		 */
		if (nf->nf_lim.nl_template_ns != 0 && st->st_ntmpl == 0 && st->st_npending == 0 &&
			now_ns > st->st_seen_ns &&
			now_ns - st->st_seen_ns >= nf->nf_lim.nl_template_ns)
			nf_stream_remove(nf, st);
	}
}

void
mm_nf_stats(const struct mm_nf *nf, struct mm_nf_stats *st)
{
	*st = nf->nf_stats;
}

size_t
mm_nf_exporters(const struct mm_nf *nf, struct mm_nf_exporter_stats *v, size_t n)
{
	const struct nf_stream *st;
	size_t i = 0;

	TAILQ_FOREACH(st, &nf->nf_streams, st_all)
	{
		if (i < n) {
			v[i] = st->st_stats;
			v[i].es_templates = st->st_ntmpl;
		}
		i++;
	}
	return (i);
}
