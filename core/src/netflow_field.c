/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Field mapping: which IPFIX information elements and NetFlow v9 field types
 * become which part of struct mm_flow_rec; templates compiled into the
 * operations that read their records (and v5's fixed layout as one more
 * template); and the data records of a set read with them.
 */
#include <stdlib.h>
#include <string.h>

#include "netflow_int.h"

static uint8_t
nf_field_kind_ietf(uint16_t id)
{
	switch (id) {
	case 1:
		return (NF_K_BYTES);
	case 2:
		return (NF_K_PKTS);
	case 4:
		return (NF_K_PROTO);
	case 6:
		return (NF_K_FLAGS);
	case 7:
		return (NF_K_SPORT);
	case 8:
		return (NF_K_SRC4);
	case 11:
		return (NF_K_DPORT);
	case 12:
		return (NF_K_DST4);
	case 21:
		return (NF_K_LAST_UP);
	case 22:
		return (NF_K_FIRST_UP);
	case 27:
		return (NF_K_SRC6);
	case 28:
		return (NF_K_DST6);
	case 32:
	case 139:
		return (NF_K_ICMP);
	case 34:
	case 50:
		return (NF_K_SAMPLING);
	case 58:
	case 243:
		return (NF_K_VLAN);
	case 59:
		return (NF_K_POST_VLAN);
	case 85:
		return (NF_K_BYTES_TOT);
	case 86:
		return (NF_K_PKTS_TOT);
	case 136:
		return (NF_K_END_REASON);
	case 150:
		return (NF_K_START_S);
	case 151:
		return (NF_K_END_S);
	case 152:
		return (NF_K_START_MS);
	case 153:
		return (NF_K_END_MS);
	case 154:
		return (NF_K_START_US);
	case 155:
		return (NF_K_END_US);
	case 156:
		return (NF_K_START_NS);
	case 157:
		return (NF_K_END_NS);
	case 158:
		return (NF_K_START_DELTA_US);
	case 159:
		return (NF_K_END_DELTA_US);
	case 160:
		return (NF_K_SYS_INIT_MS);
	case 161:
		return (NF_K_DUR_MS);
	case 162:
		return (NF_K_DUR_US);
	case 176:
	case 178:
		return (NF_K_ICMP_TYPE);
	case 177:
	case 179:
		return (NF_K_ICMP_CODE);
	case 231:
		return (NF_K_INIT_BYTES);
	case 232:
		return (NF_K_RESP_BYTES);
	case 245:
		return (NF_K_INNER_VLAN);
	case 298:
		return (NF_K_INIT_PKTS);
	case 299:
		return (NF_K_RESP_PKTS);
	case 305:
		return (NF_K_SAMP_PKT_INTERVAL);
	case 306:
		return (NF_K_SAMP_PKT_SPACE);
	default:
		return (NF_K_SKIP);
	}
}

/* RFC 5103: the reverse direction's counters and flags, same numbers under PEN 29305. */
static uint8_t
nf_field_kind_reverse(uint16_t id)
{
	switch (id) {
	case 1:
		return (NF_K_RBYTES);
	case 2:
		return (NF_K_RPKTS);
	case 6:
		return (NF_K_RFLAGS);
	case 85:
		return (NF_K_RBYTES_TOT);
	case 86:
		return (NF_K_RPKTS_TOT);
	default:
		return (NF_K_SKIP);
	}
}

/*
 * The kind of a field: id is the IPFIX information element or v9 field type
 * (without the enterprise bit), pen the enterprise number (0: IETF).  A field
 * whose length does not fit what it carries is skipped, not refused: the
 * template stays usable for the rest.
 */
static uint8_t
nf_field_kind(uint16_t id, uint32_t pen, uint32_t len, bool ipfix)
{
	uint8_t kind;

	if (ipfix && len == NF_VARLEN)
		return (NF_K_SKIP);
	if (pen == NF_PEN_BIFLOW)
		kind = nf_field_kind_reverse(id);
	else if (pen == 0)
		kind = nf_field_kind_ietf(id);
	else
		return (NF_K_SKIP);
	switch (kind) {
	case NF_K_SRC4:
	case NF_K_DST4:
		return (len == 4 ? kind : NF_K_SKIP);
	case NF_K_SRC6:
	case NF_K_DST6:
		return (len == 16 ? kind : NF_K_SKIP);
	case NF_K_START_US:
	case NF_K_END_US:
	case NF_K_START_NS:
	case NF_K_END_NS:
		return (len == 8 ? kind : NF_K_SKIP); /* NTP timestamps */
	default:
		return (len >= 1 && len <= 8 ? kind : NF_K_SKIP);
	}
}

/* How a field of this kind and length is read. */
static uint8_t
nf_field_read(uint8_t kind, uint32_t len)
{
	switch (kind) {
	case NF_K_SKIP:
		return (NF_R_SKIP);
	case NF_K_SRC4:
		return (NF_R_SRC4);
	case NF_K_DST4:
		return (NF_R_DST4);
	case NF_K_SRC6:
		return (NF_R_SRC6);
	case NF_K_DST6:
		return (NF_R_DST6);
	default:
		return (len == 1   ? NF_R_U8
			: len == 2 ? NF_R_U16
			: len == 4 ? NF_R_U32
			: len == 8 ? NF_R_U64
				   : NF_R_UINT);
	}
}

/* The first of kinds[] the template has, or 0. */
static uint8_t
nf_first_of(const struct nf_template *t, const uint8_t *kinds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (NF_HAS(t, kinds[i]))
			return (kinds[i]);
	return (NF_K_SKIP);
}

/* Decides, once per template, which fields give the counts and the times. */
static void
nf_tmpl_plan(struct nf_template *t)
{
	static const uint8_t cnt[4][3] = {
		{ NF_K_PKTS, NF_K_PKTS_TOT, NF_K_INIT_PKTS },
		{ NF_K_BYTES, NF_K_BYTES_TOT, NF_K_INIT_BYTES },
		{ NF_K_RPKTS, NF_K_RPKTS_TOT, NF_K_RESP_PKTS },
		{ NF_K_RBYTES, NF_K_RBYTES_TOT, NF_K_RESP_BYTES },
	};
	static const uint8_t first[] = { NF_K_START_NS, NF_K_START_US, NF_K_START_MS, NF_K_START_S,
		NF_K_FIRST_UP, NF_K_START_DELTA_US };
	static const uint8_t last[] = { NF_K_END_NS, NF_K_END_US, NF_K_END_MS, NF_K_END_S,
		NF_K_LAST_UP, NF_K_END_DELTA_US };
	static const uint8_t dur[] = { NF_K_DUR_MS, NF_K_DUR_US };

	for (int i = 0; i < 4; i++)
		t->t_cnt[i] = nf_first_of(t, cnt[i], 3);
	t->t_first = nf_first_of(t, first, sizeof(first));
	t->t_last = nf_first_of(t, last, sizeof(last));
	t->t_dur = nf_first_of(t, dur, sizeof(dur));
}

/*
 * Compiles the field specifiers at p (already checked to be there) into a
 * template: fields are mapped to kinds (the scope fields of options
 * templates are only stepped over).  NULL when refused: a zero-length field
 * would let a record take no bytes at all.
 */
struct nf_template *
nf_tmpl_compile(
	const uint8_t *p, uint16_t tid, uint32_t nfields, uint32_t nscope, bool ipfix, bool options)
{
	struct nf_template *t;
	uint32_t off = 0;
	uint16_t nops = 0;

	if ((t = calloc(1, sizeof(*t) + nfields * sizeof(t->t_ops[0]))) == NULL)
		return (NULL);
	for (uint32_t i = 0; i < nfields; i++) {
		uint16_t id = nf_get16(p), len = nf_get16(p + 2);
		uint32_t pen = 0;
		uint8_t kind;

		p += 4;
		if (ipfix && (id & 0x8000) != 0) {
			id &= 0x7fff;
			pen = nf_get32(p);
			p += 4;
		}
		if (len == 0) {
			free(t);
			return (NULL);
		}
		kind = i < nscope ? NF_K_SKIP : nf_field_kind(id, pen, len, ipfix);
		t->t_have |= 1ULL << kind;
		if (ipfix && len == NF_VARLEN) {
			t->t_varlen = true;
			t->t_minlen += 1;
		} else {
			t->t_minlen += len;
		}
		/* Adjacent skipped fields of fixed length are one step (shorter than NF_VARLEN). */
		if (kind == NF_K_SKIP && len != NF_VARLEN && nops > 0 &&
			t->t_ops[nops - 1].op_kind == NF_K_SKIP &&
			t->t_ops[nops - 1].op_len + len < NF_VARLEN) {
			t->t_ops[nops - 1].op_len += len;
			off += len;
			continue;
		}
		t->t_ops[nops].op_len = ipfix && len == NF_VARLEN ? NF_VARLEN : len;
		t->t_ops[nops].op_off = off;
		t->t_ops[nops].op_kind = kind;
		t->t_ops[nops].op_read = nf_field_read(kind, len);
		off += len;
		nops++;
	}
	t->t_have &= ~1ULL; /* NF_K_SKIP is nothing */
	if (!t->t_varlen) {
		/* Fixed offsets: only the fields that are read are kept. */
		uint16_t n = 0;

		for (uint16_t i = 0; i < nops; i++)
			if (t->t_ops[i].op_read != NF_R_SKIP)
				t->t_ops[n++] = t->t_ops[i];
		nops = n;
	}
	t->t_id = tid;
	t->t_nfields = (uint16_t)nfields;
	t->t_nops = nops;
	t->t_options = options;
	nf_tmpl_plan(t);
	return (t);
}

/* NetFlow v5's 48-byte record as a template of v9 field types. */
struct nf_template *
nf_tmpl_v5(void)
{
	static const uint16_t v5[][2] = {
		{ 8, 4 },
		{ 12, 4 },
		{ 15, 4 },
		{ 10, 2 },
		{ 14, 2 },
		{ 2, 4 },
		{ 1, 4 },
		{ 22, 4 },
		{ 21, 4 },
		{ 7, 2 },
		{ 11, 2 },
		{ 210, 1 },
		{ 6, 1 },
		{ 4, 1 },
		{ 5, 1 },
		{ 16, 2 },
		{ 17, 2 },
		{ 9, 1 },
		{ 13, 1 },
		{ 210, 2 },
	};
	uint8_t spec[sizeof(v5) / sizeof(v5[0]) * 4];

	for (size_t i = 0; i < sizeof(v5) / sizeof(v5[0]); i++) {
		spec[4 * i] = (uint8_t)(v5[i][0] >> 8);
		spec[4 * i + 1] = (uint8_t)v5[i][0];
		spec[4 * i + 2] = (uint8_t)(v5[i][1] >> 8);
		spec[4 * i + 3] = (uint8_t)v5[i][1];
	}
	return (nf_tmpl_compile(spec, 0, sizeof(v5) / sizeof(v5[0]), 0, false, false));
}

static uint64_t
nf_get_uint(const uint8_t *p, uint32_t len)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < len; i++)
		v = v << 8 | p[i];
	return (v);
}

static void
nf_set_v4(struct mm_addr *a, const uint8_t *p)
{
	memset(a->a_bytes, 0, 10);
	a->a_bytes[10] = 0xff;
	a->a_bytes[11] = 0xff;
	memcpy(a->a_bytes + 12, p, 4);
}

static inline __attribute__((always_inline)) void
nf_read(struct nf_rec *r, const struct nf_op *op, const uint8_t *p, uint32_t len)
{
	switch (op->op_read) {
	case NF_R_U8:
		r->r_val[op->op_kind] = p[0];
		break;
	case NF_R_U16:
		r->r_val[op->op_kind] = nf_get16(p);
		break;
	case NF_R_U32:
		r->r_val[op->op_kind] = nf_get32(p);
		break;
	case NF_R_U64:
		r->r_val[op->op_kind] = nf_get64(p);
		break;
	case NF_R_UINT:
		r->r_val[op->op_kind] = nf_get_uint(p, len);
		break;
	case NF_R_SRC4:
		nf_set_v4(&r->r_src, p);
		break;
	case NF_R_DST4:
		nf_set_v4(&r->r_dst, p);
		break;
	case NF_R_SRC6:
		memcpy(r->r_src.a_bytes, p, 16);
		break;
	case NF_R_DST6:
		memcpy(r->r_dst.a_bytes, p, 16);
		break;
	default:
		break;
	}
}

/* One record with variable-length fields; returns its length, or 0 when it does not fit. */
static size_t
nf_read_varlen(const struct nf_template *t, const uint8_t *p, size_t len, struct nf_rec *r)
{
	size_t off = 0;
	uint32_t flen;

	for (uint32_t i = 0; i < t->t_nops; i++) {
		const struct nf_op *op = &t->t_ops[i];

		flen = op->op_len;
		if (flen == NF_VARLEN) {
			/* RFC 7011 7: one length byte, or 255 and two more. */
			if (off >= len)
				return (0);
			flen = p[off++];
			if (flen == 255) {
				if (len - off < 2)
					return (0);
				flen = nf_get16(p + off);
				off += 2;
			}
		}
		if (len - off < flen)
			return (0);
		nf_read(r, op, p + off, flen);
		off += flen;
	}
	return (off);
}

void
nf_decode_data_set(struct nf_ctx *c, const struct nf_template *t, const uint8_t *p, size_t len,
	uint64_t export_ns, uint32_t uptime_ms)
{
	struct nf_rec r;
	size_t n;

	memset(&r, 0, sizeof(r));
	/* t_minlen is at least 1: every field takes a byte or more. */
	while (len >= t->t_minlen) {
		if (!t->t_varlen) {
			for (uint32_t i = 0; i < t->t_nops; i++)
				nf_read(&r, &t->t_ops[i], p + t->t_ops[i].op_off,
					t->t_ops[i].op_len);
			n = t->t_minlen;
		} else if ((n = nf_read_varlen(t, p, len, &r)) == 0) {
			/* Padding is zeros; anything else is a record cut short. */
			if (!nf_zeros(p, len))
				c->c_st->st_stats.es_malformed++;
			return;
		}
		p += n;
		len -= n;
		c->c_data_recs++;
		if (t->t_options)
			nf_rec_options(c, t, &r);
		else
			nf_rec_finish(c, t, &r, export_ns, uptime_ms);
	}
}
