/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) messages: the header, the walk
 * over sets, template and options template records (definition, refresh,
 * withdrawal) and the per-stream template store.
 *
 * The two formats differ in set ids (v9: 0 templates, 1 options; IPFIX: 2
 * and 3), in the options template header (v9 counts scope and option bytes,
 * IPFIX counts fields), and in field specifiers (IPFIX has the enterprise
 * bit and variable-length fields); everything else is shared.
 *
 * A set whose length does not fit ends the walk (nothing after it can be
 * found); a template that is refused is stepped over when its length is
 * known, and the rest of its set is still read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netflow_int.h"

enum nf_tkind {
	NF_T_V9,
	NF_T_V9_OPTIONS,
	NF_T_IPFIX,
	NF_T_IPFIX_OPTIONS,
};

/* Index of id in the sorted array, or where it would go; *found says which. */
static uint32_t
nf_tmpl_search(const struct nf_stream *st, uint16_t id, bool *found)
{
	uint32_t lo = 0, hi = st->st_ntmpl;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (st->st_tmpl[mid]->t_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < st->st_ntmpl && st->st_tmpl[lo]->t_id == id;
	return (lo);
}

static void
nf_tmpl_remove_at(struct nf_stream *st, uint32_t i)
{
	free(st->st_tmpl[i]);
	memmove(&st->st_tmpl[i], &st->st_tmpl[i + 1],
		(st->st_ntmpl - i - 1) * sizeof(st->st_tmpl[0]));
	st->st_ntmpl--;
}

static bool
nf_tmpl_expired(const struct mm_nf *nf, const struct nf_template *t, uint64_t now_ns)
{
	return (nf->nf_lim.nl_template_ns != 0 && now_ns >= t->t_seen_ns &&
		now_ns - t->t_seen_ns >= nf->nf_lim.nl_template_ns);
}

struct nf_template *
nf_tmpl_find(struct mm_nf *nf, struct nf_stream *st, uint16_t id, uint64_t now_ns)
{
	bool found;
	uint32_t i = nf_tmpl_search(st, id, &found);

	if (!found)
		return (NULL);
	if (nf_tmpl_expired(nf, st->st_tmpl[i], now_ns)) {
		nf_tmpl_remove_at(st, i);
		return (NULL);
	}
	return (st->st_tmpl[i]);
}

/* Adds or replaces (a refresh, perhaps with a new layout); takes t, or frees it on failure. */
static int
nf_tmpl_put(struct mm_nf *nf, struct nf_stream *st, struct nf_template *t)
{
	struct nf_template **v;
	bool found;
	uint32_t i = nf_tmpl_search(st, t->t_id, &found), cap;

	if (found) {
		free(st->st_tmpl[i]);
		st->st_tmpl[i] = t;
		return (0);
	}
	if (st->st_ntmpl >= nf->nf_lim.nl_templates) {
		free(t);
		return (-ENOSPC);
	}
	if (st->st_ntmpl == st->st_tcap) {
		cap = st->st_tcap == 0 ? 8 : st->st_tcap * 2;
		if (cap > nf->nf_lim.nl_templates)
			cap = nf->nf_lim.nl_templates;
		if ((v = realloc(st->st_tmpl, cap * sizeof(*v))) == NULL) {
			free(t);
			return (-ENOMEM);
		}
		st->st_tmpl = v;
		st->st_tcap = cap;
	}
	memmove(&st->st_tmpl[i + 1], &st->st_tmpl[i], (st->st_ntmpl - i) * sizeof(*st->st_tmpl));
	st->st_tmpl[i] = t;
	st->st_ntmpl++;
	return (0);
}

/* IPFIX withdrawal of one template, or of all (options) templates. */
static void
nf_tmpl_withdraw(struct nf_stream *st, uint16_t id, bool all, bool options)
{
	bool found;
	uint32_t i;

	if (!all) {
		i = nf_tmpl_search(st, id, &found);
		if (found)
			nf_tmpl_remove_at(st, i);
		return;
	}
	for (i = st->st_ntmpl; i-- > 0;)
		if (st->st_tmpl[i]->t_options == options)
			nf_tmpl_remove_at(st, i);
}

void
nf_tmpl_expire(struct mm_nf *nf, struct nf_stream *st, uint64_t now_ns)
{
	for (uint32_t i = st->st_ntmpl; i-- > 0;)
		if (nf_tmpl_expired(nf, st->st_tmpl[i], now_ns))
			nf_tmpl_remove_at(st, i);
}

void
nf_tmpl_free_all(struct nf_stream *st)
{
	for (uint32_t i = 0; i < st->st_ntmpl; i++)
		free(st->st_tmpl[i]);
	free(st->st_tmpl);
	st->st_tmpl = NULL;
	st->st_ntmpl = st->st_tcap = 0;
}

/* Length of nfields field specifiers at p, or 0 when they run past rem. */
static size_t
nf_fields_len(const uint8_t *p, size_t rem, uint32_t nfields, bool ipfix)
{
	size_t off = 0;

	for (uint32_t i = 0; i < nfields; i++) {
		if (rem - off < 4)
			return (0);
		/* The enterprise bit: a 4-byte enterprise number follows. */
		if (ipfix && (p[off] & 0x80) != 0) {
			if (rem - off < 8)
				return (0);
			off += 4;
		}
		off += 4;
	}
	return (off);
}

/*
 * One template record's field specifiers at p: compiled and stored, or
 * refused and counted.  Returns their length (the caller steps over them
 * either way), or 0 when they run past the set: the set ends there.
 */
static size_t
nf_tmpl_record(struct nf_ctx *c, const uint8_t *p, size_t rem, uint16_t tid, uint32_t nfields,
	uint32_t nscope, enum nf_tkind tk, bool refuse)
{
	struct nf_stream *st = c->c_st;
	bool ipfix = tk == NF_T_IPFIX || tk == NF_T_IPFIX_OPTIONS;
	bool options = tk == NF_T_V9_OPTIONS || tk == NF_T_IPFIX_OPTIONS;
	struct nf_template *t;
	size_t n;

	if ((n = nf_fields_len(p, rem, nfields, ipfix)) == 0) {
		st->st_stats.es_malformed++;
		return (0);
	}
	if (refuse || tid < 256 || nfields == 0 || nfields > c->c_nf->nf_lim.nl_template_fields ||
		(t = nf_tmpl_compile(p, tid, nfields, nscope, ipfix, options)) == NULL) {
		st->st_stats.es_malformed++;
		return (n);
	}
	t->t_seen_ns = c->c_now_ns;
	if (nf_tmpl_put(c->c_nf, st, t) != 0) {
		st->st_stats.es_malformed++;
		return (n);
	}
	nf_pending_release(c, tid);
	return (n);
}

/* A template or options template set; p is its body. */
static void
nf_tmpl_set(struct nf_ctx *c, const uint8_t *p, size_t len, enum nf_tkind tk)
{
	struct nf_stream *st = c->c_st;
	uint16_t tid, count;
	uint32_t nfields, nscope;
	size_t hdr, n;
	bool refuse;

	/* Records need 4 bytes at least: less is padding. */
	while (len >= 4) {
		tid = nf_get16(p);
		count = nf_get16(p + 2);
		if (tid == 0 && count == 0) {
			/* No template has id 0: padding, if the rest is zeros too. */
			if (!nf_zeros(p, len))
				st->st_stats.es_malformed++;
			return;
		}
		refuse = false;
		hdr = 4;
		nscope = 0;
		switch (tk) {
		case NF_T_V9:
			nfields = count;
			break;
		case NF_T_V9_OPTIONS:
			/* Scope and option lengths in bytes, 4 per field specifier. */
			if (len < 6 || count % 4 != 0 || nf_get16(p + 4) % 4 != 0) {
				st->st_stats.es_malformed++;
				return;
			}
			nscope = count / 4;
			nfields = nscope + nf_get16(p + 4) / 4;
			hdr = 6;
			break;
		case NF_T_IPFIX:
		case NF_T_IPFIX_OPTIONS:
		default:
			if (count == 0) {
				/* Withdrawal: of one template, or with the set's id, of all. */
				nf_tmpl_withdraw(st, tid, tid == (tk == NF_T_IPFIX ? 2 : 3),
					tk == NF_T_IPFIX_OPTIONS);
				p += 4;
				len -= 4;
				continue;
			}
			nfields = count;
			if (tk == NF_T_IPFIX_OPTIONS) {
				if (len < 6) {
					st->st_stats.es_malformed++;
					return;
				}
				nscope = nf_get16(p + 4);
				refuse = nscope == 0 || nscope > nfields;
				hdr = 6;
			}
			break;
		}
		if ((n = nf_tmpl_record(c, p + hdr, len - hdr, tid, nfields, nscope, tk, refuse)) ==
				0 &&
			nfields > 0)
			return;
		p += hdr + n;
		len -= hdr + n;
	}
}

static void
nf_data_set(struct nf_ctx *c, uint16_t tid, const uint8_t *p, size_t len)
{
	const struct nf_template *t;

	if (len == 0)
		return;
	if ((t = nf_tmpl_find(c->c_nf, c->c_st, tid, c->c_now_ns)) != NULL)
		nf_decode_data_set(c, t, p, len, c->c_export_ns, c->c_uptime_ms);
	else
		nf_pending_hold(c, tid, p, len);
}

/* The sets of a message after its header. */
static void
nf_walk_sets(struct nf_ctx *c, const uint8_t *p, size_t len, bool ipfix)
{
	uint16_t sid, slen;

	while (len > 0) {
		if (len < NF_SET_HDR) {
			if (!nf_zeros(p, len))
				c->c_st->st_stats.es_malformed++;
			return;
		}
		sid = nf_get16(p);
		slen = nf_get16(p + 2);
		if (slen < NF_SET_HDR || slen > len) {
			/* Trailing zeros are padding some v9 exporters add after the last set. */
			if (!nf_zeros(p, len))
				c->c_st->st_stats.es_malformed++;
			return;
		}
		if (sid >= 256)
			nf_data_set(c, sid, p + NF_SET_HDR, slen - NF_SET_HDR);
		else if (sid == (ipfix ? 2 : 0))
			nf_tmpl_set(
				c, p + NF_SET_HDR, slen - NF_SET_HDR, ipfix ? NF_T_IPFIX : NF_T_V9);
		else if (sid == (ipfix ? 3 : 1))
			nf_tmpl_set(c, p + NF_SET_HDR, slen - NF_SET_HDR,
				ipfix ? NF_T_IPFIX_OPTIONS : NF_T_V9_OPTIONS);
		/* Other ids below 256 are reserved: stepped over. */
		p += slen;
		len -= slen;
	}
}

int
nf_decode_v9(struct nf_ctx *c, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	char *why, size_t whylen)
{
	struct nf_stream *st;
	int err = 0;

	if (len < NF_V9_HDR) {
		c->c_nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EBADMSG,
			"NetFlow v9 datagram of %zu bytes: the header alone is %d", len,
			NF_V9_HDR));
	}
	st = nf_stream_get(
		c->c_nf, exporter, 9, nf_get32(data + 16), c->c_now_ns, why, whylen, &err);
	if (st == NULL)
		return (err);
	st->st_stats.es_datagrams++;
	c->c_st = st;
	c->c_source = MM_FLOW_SRC_NETFLOW_V9;
	c->c_uptime_ms = nf_get32(data + 4);
	c->c_export_ns = (uint64_t)nf_get32(data + 8) * NF_SEC_NS;
	nf_walk_sets(c, data + NF_V9_HDR, len - NF_V9_HDR, false);
	/* v9 numbers datagrams, not records. */
	nf_seq_account(st, nf_get32(data + 12), 1, true, NF_SEQ_WINDOW_DATAGRAMS, false);
	return (0);
}

int
nf_decode_ipfix(struct nf_ctx *c, const struct mm_addr *exporter, const uint8_t *data, size_t len,
	char *why, size_t whylen)
{
	struct nf_stream *st;
	uint16_t mlen;
	uint32_t domain;
	int err = 0;

	if (len < NF_IPFIX_HDR) {
		c->c_nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EBADMSG,
			"IPFIX datagram of %zu bytes: the header alone is %d", len, NF_IPFIX_HDR));
	}
	mlen = nf_get16(data + 2);
	domain = nf_get32(data + 12);
	if (mlen < NF_IPFIX_HDR || mlen > len) {
		if ((st = nf_stream_find(c->c_nf, exporter, 10, domain)) != NULL)
			st->st_stats.es_malformed++;
		else
			c->c_nf->nf_stats.ns_malformed++;
		return (nf_refuse(why, whylen, -EBADMSG,
			"IPFIX message length %u in a datagram of %zu bytes (domain %u)", mlen, len,
			domain));
	}
	if ((st = nf_stream_get(c->c_nf, exporter, 10, domain, c->c_now_ns, why, whylen, &err)) ==
		NULL)
		return (err);
	st->st_stats.es_datagrams++;
	c->c_st = st;
	c->c_source = MM_FLOW_SRC_IPFIX;
	c->c_export_ns = (uint64_t)nf_get32(data + 4) * NF_SEC_NS;
	nf_walk_sets(c, data + NF_IPFIX_HDR, mlen - NF_IPFIX_HDR, true);
	nf_seq_account(
		st, nf_get32(data + 8), c->c_data_recs, !c->c_held, NF_SEQ_WINDOW_RECORDS, true);
	return (0);
}
