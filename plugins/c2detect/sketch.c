/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-window summaries for the fleet: see sketch.h and docs/c2detect.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "allow.h"
#include "sketch.h"

_Static_assert(sizeof(struct sk_pair) == 56, "documented pair size");

static uint32_t
pow2_above(uint64_t n)
{
	uint32_t c = 1;

	while (c < n)
		c <<= 1;
	return (c);
}

int
sk_init(struct c2_sketch *s, uint32_t window, uint32_t max_dest)
{
	memset(s, 0, sizeof(*s));
	s->sk_window = window;
	if (window == 0)
		return (0);
	if (max_dest == 0 || max_dest > (1U << 24))
		return (-EINVAL);
	s->sk_max_dest = max_dest;
	s->sk_max_pairs = max_dest * SK_PAIRS_PER_DEST;
	s->sk_dmask = pow2_above(2ULL * max_dest) - 1;
	s->sk_pmask = pow2_above(2ULL * s->sk_max_pairs) - 1;
	/* calloc: pages are touched only as destinations arrive. */
	if ((s->sk_d = calloc(max_dest, sizeof(*s->sk_d))) == NULL ||
		(s->sk_dindex = calloc((size_t)s->sk_dmask + 1, sizeof(uint32_t))) == NULL ||
		(s->sk_p = calloc(s->sk_max_pairs, sizeof(*s->sk_p))) == NULL ||
		(s->sk_pindex = calloc((size_t)s->sk_pmask + 1, sizeof(uint32_t))) == NULL) {
		sk_fini(s);
		return (-ENOMEM);
	}
	return (0);
}

void
sk_fini(struct c2_sketch *s)
{
	free(s->sk_d);
	free(s->sk_dindex);
	free(s->sk_p);
	free(s->sk_pindex);
	memset(s, 0, sizeof(*s));
}

bool
sk_ends_window(const struct c2_sketch *s, uint32_t t)
{
	return (s->sk_window != 0 && s->sk_start != 0 && t >= s->sk_start + s->sk_window);
}

void
sk_clock(struct c2_sketch *s, uint32_t t)
{
	if (s->sk_window == 0 || t == 0)
		return;
	if (s->sk_start == 0) {
		s->sk_start = t - t % s->sk_window;
		s->sk_dirty = true;
	}
	if (t > s->sk_latest)
		s->sk_latest = t;
}

static uint64_t
bytes_hash(const uint8_t *b, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (h);
}

static struct sk_dest *
dest_get(struct c2_sketch *s, const uint8_t dst[16], uint16_t port, uint8_t proto, uint32_t *idx)
{
	uint64_t h = bytes_hash(dst, 16, 0xcbf29ce484222325ULL);
	uint32_t i;
	struct sk_dest *d;

	h = (h ^ port) * 0x100000001b3ULL;
	h = (h ^ proto) * 0x100000001b3ULL;
	for (i = (uint32_t)(h ^ h >> 32) & s->sk_dmask; s->sk_dindex[i] != 0;
		i = (i + 1) & s->sk_dmask) {
		d = &s->sk_d[s->sk_dindex[i] - 1];
		if (d->d_port == port && d->d_proto == proto && memcmp(d->d_dst, dst, 16) == 0) {
			*idx = s->sk_dindex[i] - 1;
			return (d);
		}
	}
	if (s->sk_nd >= s->sk_max_dest)
		return (NULL);
	*idx = s->sk_nd;
	d = &s->sk_d[s->sk_nd++];
	s->sk_dindex[i] = s->sk_nd;
	memset(d, 0, sizeof(*d));
	memcpy(d->d_dst, dst, 16);
	d->d_port = port;
	d->d_proto = proto;
	return (d);
}

/* The pair's entry, created when new; NULL when the pair table is full. */
static struct sk_pair *
pair_get(struct c2_sketch *s, const uint8_t src[16], uint32_t dest, bool *created)
{
	uint64_t h = bytes_hash(src, 16, 0x84222325cbf29ce4ULL);
	uint32_t i;
	struct sk_pair *p;

	h = bytes_hash((const uint8_t *)&dest, sizeof(dest), h);
	*created = false;
	for (i = (uint32_t)(h ^ h >> 32) & s->sk_pmask; s->sk_pindex[i] != 0;
		i = (i + 1) & s->sk_pmask) {
		p = &s->sk_p[s->sk_pindex[i] - 1];
		if (p->sp_dest == dest && memcmp(p->sp_src, src, 16) == 0)
			return (p);
	}
	if (s->sk_np >= s->sk_max_pairs)
		return (NULL);
	p = &s->sk_p[s->sk_np++];
	s->sk_pindex[i] = s->sk_np;
	memset(p, 0, sizeof(*p));
	memcpy(p->sp_src, src, 16);
	p->sp_dest = dest;
	*created = true;
	return (p);
}

void
sk_add(struct c2_sketch *s, const uint8_t src[16], const uint8_t dst[16], uint16_t port,
	uint8_t proto, uint32_t first)
{
	struct sk_dest *d;
	struct sk_pair *p;
	uint32_t idx;
	bool created;

	if (s->sk_window == 0 || s->sk_start == 0)
		return;
	if ((d = dest_get(s, dst, port, proto, &idx)) == NULL) {
		s->sk_cut_records++;
		s->sk_cut_total++;
		return;
	}
	s->sk_dirty = true;
	d->d_flows++;
	mm_hll_add(&d->d_hll, mm_summary_client_hash(src));
	if ((p = pair_get(s, src, idx, &created)) == NULL) {
		d->d_untracked = 1;
		s->sk_cut_pairs++;
		return;
	}
	if (created) {
		d->d_clients++;
		p->sp_first = first;
		p->sp_last = first;
		return;
	}
	/* Records come as flows end, not as they begin: an earlier start adds no interval. */
	if (first > p->sp_last) {
		mm_pair_add(&p->sp_st, (double)(first - p->sp_last));
		p->sp_last = first;
	} else if (first < p->sp_first) {
		p->sp_first = first;
	}
}

static json_t *
rfc3339(uint32_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (json_string(buf));
}

static json_t *
eve_time(uint32_t t)
{
	char buf[48];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000000+0000", &tm);
	return (json_string(buf));
}

static const char *
proto_name(uint8_t proto)
{
	return (proto == 6 ? "TCP" : proto == 17 ? "UDP" : proto == 1 ? "ICMP" : "other");
}

/* Pairs with intervals, by destination and then the most intervals first. */
struct sk_order {
	uint32_t o_dest;
	uint32_t o_pair;
	uint64_t o_n;
};

static int
order_cmp(const void *a, const void *b)
{
	const struct sk_order *x = a, *y = b;

	if (x->o_dest != y->o_dest)
		return (x->o_dest < y->o_dest ? -1 : 1);
	if (x->o_n != y->o_n)
		return (x->o_n > y->o_n ? -1 : 1);
	return ((x->o_pair > y->o_pair) - (x->o_pair < y->o_pair));
}

static json_t *
pair_json(const struct sk_pair *p)
{
	char client[17];

	snprintf(client, sizeof(client), "%016llx",
		(unsigned long long)mm_summary_client_hash(p->sp_src));
	return (json_pack("{s:s,s:I,s:f,s:f,s:o,s:o}", "client", client, "n",
		(json_int_t)p->sp_st.ps_n, "mean_s", p->sp_st.ps_mean, "m2",
		p->sp_st.ps_m2 > 0 ? p->sp_st.ps_m2 : 0.0, "first", rfc3339(p->sp_first), "last",
		rfc3339(p->sp_last)));
}

static json_t *
dest_json(const struct c2_sketch *s, const struct sk_dest *d, const struct sk_order *ord,
	size_t nord, char *hex, size_t hexlen)
{
	char ip[64];
	json_t *o, *pairs = json_array();
	uint32_t clients = d->d_clients;

	if (d->d_untracked) {
		long est = lround(mm_hll_estimate(&d->d_hll));

		if (est > (long)clients)
			clients = (uint32_t)est;
	}
	if (mm_hll_encode(&d->d_hll, hex, hexlen) == 0)
		hex[0] = '\0';
	for (size_t i = 0; i < nord && i < MM_SUMMARY_PAIRS; i++)
		json_array_append_new(pairs, pair_json(&s->sk_p[ord[i].o_pair]));
	o = json_pack("{s:s,s:i,s:s,s:I,s:I,s:s,s:o}", "dest_ip",
		c2_addr_format(d->d_dst, ip, sizeof(ip)) ? ip : "?", "dest_port", (int)d->d_port,
		"proto", proto_name(d->d_proto), "flows", (json_int_t)d->d_flows, "clients",
		(json_int_t)clients, "hll", hex, "pairs", pairs);
	return (o);
}

static void
reset(struct c2_sketch *s)
{
	memset(s->sk_dindex, 0, ((size_t)s->sk_dmask + 1) * sizeof(uint32_t));
	memset(s->sk_pindex, 0, ((size_t)s->sk_pmask + 1) * sizeof(uint32_t));
	s->sk_nd = 0;
	s->sk_np = 0;
	s->sk_start = 0;
	s->sk_latest = 0;
	s->sk_dirty = false;
	s->sk_cut_records = 0;
	s->sk_cut_pairs = 0;
}

void *
sk_take(struct c2_sketch *s, bool close)
{
	struct sk_order *ord = NULL;
	json_t *ev = NULL, *dests;
	char hex[MM_HLL_M * 4 + 1];
	size_t nord = 0, i = 0;
	uint32_t end;

	if (s->sk_window == 0 || s->sk_start == 0)
		return (NULL);
	if (!s->sk_dirty)
		goto out;
	if ((ord = calloc((size_t)s->sk_np + 1, sizeof(*ord))) == NULL)
		goto out;
	for (uint32_t k = 0; k < s->sk_np; k++)
		if (s->sk_p[k].sp_st.ps_n > 0) {
			ord[nord].o_dest = s->sk_p[k].sp_dest;
			ord[nord].o_pair = k;
			ord[nord++].o_n = s->sk_p[k].sp_st.ps_n;
		}
	qsort(ord, nord, sizeof(*ord), order_cmp);
	dests = json_array();
	for (uint32_t k = 0; k < s->sk_nd; k++) {
		size_t j = i;

		while (i < nord && ord[i].o_dest < k)
			i++;
		for (j = i; j < nord && ord[j].o_dest == k; j++)
			;
		json_array_append_new(
			dests, dest_json(s, &s->sk_d[k], ord + i, j - i, hex, sizeof(hex)));
		i = j;
	}
	end = s->sk_latest > s->sk_start + s->sk_window ? s->sk_start + s->sk_window : s->sk_latest;
	ev = json_pack("{s:o,s:s,s:{s:i,s:o,s:I,s:o}}", "timestamp",
		eve_time(end > s->sk_start ? end : s->sk_start), "event_type", MM_SUMMARY_TYPE,
		"summary", "version", MM_SUMMARY_VERSION, "window_start", rfc3339(s->sk_start),
		"window_s", (json_int_t)s->sk_window, "destinations", dests);
	s->sk_windows++;
	s->sk_dirty = false;
out:
	free(ord);
	if (close)
		reset(s);
	return (ev);
}
