/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table.  An index of our own (flowtable_index.h) maps a
 * canonical key (flowtable_key.h) to an entry; the entry's record is the key,
 * so a lookup costs the index's cache line and two lines of the entry, which
 * are all a packet touches.  Entries are threaded on one list per timeout
 * class in the order they were placed there, and a packet does not move its
 * flow (only a change of class does); flows whose place in their list no
 * longer tells their age wait in one heap per class (flowtable_wait.h).
 * flow_table_expire() explains why expiry and eviction still take the least
 * recent flow first.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "bigmem.h"
#include "flowtable.h"
#include "flowtable_index.h"
#include "flowtable_key.h"
#include "flowtable_wait.h"

#define FT_NIL       UINT32_MAX
#define FT_BURST_MAX 64

/* Seen list heads that evict_one() sends to wait, at most, before it takes one as it is. */
#define FT_EVICT_SCAN 1024

/* TCP progress bits in fe_state. */
#define FE_FIN_INIT 0x01 /* FIN from the initiator */
#define FE_FIN_RESP 0x02 /* FIN from the responder */
#define FE_RST      0x04

/*
 * Three cache lines, of which a packet reads and writes the first two.  The
 * first holds the flags below and the record's times and counters (fr_id to
 * fr_bytes_tc); the second the record's addresses, ports, VLANs and protocol,
 * which are the key: a lookup compares them.  The third holds the rest of the
 * record, written when the union of TCP flags grows, and the list's fields.
 * The current active-timeout interval starts at fe_rec.fr_first_ns.
 */
struct flow_entry {
	uint8_t fe_used;
	uint8_t fe_class;      /* enum flow_class */
	uint8_t fe_init_is_lo; /* the initiator is the key's lo endpoint */
	uint8_t fe_state;      /* FE_* bits */
	uint8_t fe_seen;       /* a packet came since it was placed on its list */
	uint8_t fe_waiting;    /* off its list, in its class's wait heap */
	uint8_t fe_tcp_ts;     /* fe_rec.fr_tcp_flags_ts, in the first line */
	uint8_t fe_tcp_tc;     /* fe_rec.fr_tcp_flags_tc */
	struct mm_flow_rec fe_rec;
	uint32_t fe_prev; /* links within the class list; fe_next also in the free list */
	uint32_t fe_next;
	uint32_t fe_hash;              /* of the key: where the index holds it */
	uint64_t fe_placed;            /* packet time it was placed on its list */
	uint8_t fe_aux[FLOW_AUX_SIZE]; /* the worker's (flow_aux()) */
} __rte_cache_aligned;

#define FE_LINE(field) (offsetof(struct flow_entry, field) / RTE_CACHE_LINE_SIZE)
static_assert(FE_LINE(fe_tcp_tc) == 0 && FE_LINE(fe_rec.fr_bytes_tc) == 0,
	"flags and counters share the first line");
static_assert(FE_LINE(fe_rec.fr_src) == 1 && FE_LINE(fe_rec.fr_proto) == 1,
	"the key is in the second line");
static_assert(sizeof(struct flow_entry) == 3 * RTE_CACHE_LINE_SIZE, "an entry is 3 lines");

struct flow_list {
	uint32_t fl_head; /* placed the longest ago */
	uint32_t fl_tail;
};

struct flow_table {
	struct fti ft_index;
	uint8_t *ft_entries; /* ft_stride bytes each: the entry, then plugins' state */
	size_t ft_stride;
	uint32_t ft_free;  /* free entries, linked by fe_next */
	uint32_t ft_fresh; /* entries from here on were never used */
	struct flow_list ft_lists[FLOW_CLASS__COUNT];
	struct ftw ft_wait;                     /* the wait heaps' nodes */
	uint32_t ft_waiting[FLOW_CLASS__COUNT]; /* the wait heap of each class */
	struct ftk_frags ft_frags;
	struct flow_table_conf ft_conf;
	struct flow_table_stats ft_stats;
	uint64_t ft_now; /* latest packet time seen */
	uint64_t ft_seq; /* flow id counter */
};

static inline struct flow_entry *
entry(const struct flow_table *ft, uint32_t idx)
{
	return ((struct flow_entry *)(ft->ft_entries + (size_t)idx * ft->ft_stride));
}

static inline void *
entry_state(struct flow_entry *e)
{
	return (e + 1);
}

void *
flow_aux(void *state)
{
	return (((struct flow_entry *)state - 1)->fe_aux);
}

static const char *const flow_class_names[FLOW_CLASS__COUNT] = {
	[FLOW_CLASS_TCP_NEW] = "tcp_new",
	[FLOW_CLASS_TCP_ESTABLISHED] = "tcp_established",
	[FLOW_CLASS_TCP_CLOSED] = "tcp_closed",
	[FLOW_CLASS_UDP] = "udp",
	[FLOW_CLASS_ICMP] = "icmp",
	[FLOW_CLASS_OTHER] = "other",
};

const char *
flow_class_name(enum flow_class c)
{
	return (c < FLOW_CLASS__COUNT ? flow_class_names[c] : "unknown");
}

struct flow_table *
flow_table_create(const char *name, const struct flow_table_conf *conf)
{
	struct flow_table *ft;

	if (conf->fc_capacity < 8 || conf->fc_emit == NULL) {
		rte_errno = EINVAL;
		return (NULL);
	}
	ft = rte_zmalloc_socket(name, sizeof(*ft), RTE_CACHE_LINE_SIZE, conf->fc_socket);
	if (ft == NULL)
		goto fail_table;
	ft->ft_conf = *conf;
	if (fti_init(&ft->ft_index, name, conf->fc_capacity, conf->fc_socket) < 0)
		goto fail_index;
	ft->ft_stride = RTE_ALIGN_CEIL(
		sizeof(struct flow_entry) + conf->fc_state_size, RTE_CACHE_LINE_SIZE);
	ft->ft_entries = dp_bigmem_zalloc(name, ft->ft_stride * conf->fc_capacity, conf->fc_socket);
	if (ft->ft_entries == NULL)
		goto fail_entries;
	ft->ft_free = FT_NIL;
	if (ftw_init(&ft->ft_wait, name, conf->fc_capacity, conf->fc_socket) < 0)
		goto fail_wait;
	if (ftk_frags_init(&ft->ft_frags, name, conf->fc_socket) < 0)
		goto fail_frags;
	for (int c = 0; c < FLOW_CLASS__COUNT; c++) {
		ft->ft_lists[c].fl_head = ft->ft_lists[c].fl_tail = FT_NIL;
		ft->ft_waiting[c] = FTW_NIL;
	}
	return (ft);

fail_frags:
	ftw_fini(&ft->ft_wait);
fail_wait:
	dp_bigmem_free(ft->ft_entries);
fail_entries:
	fti_fini(&ft->ft_index);
fail_index:
	rte_free(ft);
fail_table:
	rte_errno = ENOMEM;
	return (NULL);
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	ftk_frags_fini(&ft->ft_frags);
	ftw_fini(&ft->ft_wait);
	dp_bigmem_free(ft->ft_entries);
	fti_fini(&ft->ft_index);
	rte_free(ft);
}

static inline void
list_unlink(struct flow_table *ft, uint32_t idx)
{
	struct flow_entry *e = entry(ft, idx);
	struct flow_list *l = &ft->ft_lists[e->fe_class];

	if (e->fe_prev != FT_NIL)
		entry(ft, e->fe_prev)->fe_next = e->fe_next;
	else
		l->fl_head = e->fe_next;
	if (e->fe_next != FT_NIL)
		entry(ft, e->fe_next)->fe_prev = e->fe_prev;
	else
		l->fl_tail = e->fe_prev;
}

/* Places a flow at the tail of a class list, at packet time ts. */
static inline void
list_append(struct flow_table *ft, uint32_t idx, uint8_t cls, uint64_t ts)
{
	struct flow_entry *e = entry(ft, idx);
	struct flow_list *l = &ft->ft_lists[cls];

	e->fe_class = cls;
	e->fe_placed = ts;
	e->fe_seen = e->fe_rec.fr_last_ns > ts; /* packet times went back */
	e->fe_next = FT_NIL;
	e->fe_prev = l->fl_tail;
	if (l->fl_tail != FT_NIL)
		entry(ft, l->fl_tail)->fe_next = idx;
	else
		l->fl_head = idx;
	l->fl_tail = idx;
}

/* Takes a flow off its list to wait in its class's heap, in the order of its last packet. */
static inline void
wait_add(struct flow_table *ft, uint32_t idx)
{
	struct flow_entry *e = entry(ft, idx);

	list_unlink(ft, idx);
	e->fe_waiting = 1;
	ftw_insert(&ft->ft_wait, &ft->ft_waiting[e->fe_class], idx, e->fe_rec.fr_last_ns);
}

/* Takes a flow off its list, or out of its wait heap. */
static inline void
flow_detach(struct flow_table *ft, uint32_t idx)
{
	struct flow_entry *e = entry(ft, idx);

	if (e->fe_waiting) {
		ftw_remove(&ft->ft_wait, &ft->ft_waiting[e->fe_class], idx);
		e->fe_waiting = 0;
	} else {
		list_unlink(ft, idx);
	}
}

static void
flow_emit(struct flow_table *ft, struct flow_entry *e, enum mm_flow_end reason)
{
	e->fe_rec.fr_end = (uint8_t)reason;
	ft->ft_stats.fs_ended[reason]++;
	ft->ft_conf.fc_emit(ft->ft_conf.fc_emit_arg, &e->fe_rec, entry_state(e));
}

/* Emits the flow and removes it from the table. */
static void
flow_end(struct flow_table *ft, uint32_t idx, enum mm_flow_end reason)
{
	struct flow_entry *e = entry(ft, idx);

	flow_emit(ft, e, reason);
	flow_detach(ft, idx);
	fti_remove(&ft->ft_index, e->fe_hash, idx);
	e->fe_used = 0;
	e->fe_next = ft->ft_free;
	ft->ft_free = idx;
	ft->ft_stats.fs_active--;
}

/* The reason a flow ends when it times out: how it closed, if it did. */
static inline enum mm_flow_end
timeout_reason(const struct flow_entry *e)
{
	if (e->fe_state & FE_RST)
		return (MM_FLOW_END_RST);
	if ((e->fe_state & (FE_FIN_INIT | FE_FIN_RESP)) != 0)
		return (MM_FLOW_END_FIN);
	return (MM_FLOW_END_IDLE);
}

static inline uint8_t
initial_class(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return (FLOW_CLASS_TCP_NEW);
	case IPPROTO_UDP:
		return (FLOW_CLASS_UDP);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return (FLOW_CLASS_ICMP);
	default:
		return (FLOW_CLASS_OTHER);
	}
}

/* Whether entry e holds key k: its record's endpoints, outer VLAN and protocol are k's. */
static inline bool
entry_has_key(const struct flow_entry *e, const struct flow_key *k)
{
	const struct mm_flow_rec *r = &e->fe_rec;
	bool init_lo = e->fe_init_is_lo;
	uint64_t w[4], x;

	memcpy(&w[0], (init_lo ? &r->fr_src : &r->fr_dst)->a_bytes, 16);
	memcpy(&w[2], (init_lo ? &r->fr_dst : &r->fr_src)->a_bytes, 16);
	x = (w[0] ^ k->k_w[0]) | (w[1] ^ k->k_w[1]) | (w[2] ^ k->k_w[2]) | (w[3] ^ k->k_w[3]);
	x |= k->k_w[4] ^ ftk_tail_word(init_lo ? r->fr_sport : r->fr_dport,
				 init_lo ? r->fr_dport : r->fr_sport,
				 r->fr_vlan_n > 0 ? r->fr_vlan[0] : 0, r->fr_proto);
	return (x == 0);
}

static void
flow_init(struct flow_table *ft, uint32_t idx, const struct flow_key *k, uint32_t hash,
	const struct dp_pkt *p, bool src_is_lo, uint64_t ts, uint16_t port)
{
	struct flow_entry *e = entry(ft, idx);
	struct mm_flow_rec *r = &e->fe_rec;
	/* A flow first seen at its SYN-ACK was started by the packet's receiver. */
	bool from_resp = p->p_proto == IPPROTO_TCP &&
			 (p->p_tcp_flags & (MM_TCP_SYN | MM_TCP_ACK)) == (MM_TCP_SYN | MM_TCP_ACK);

	memset(e, 0, ft->ft_stride);
	e->fe_hash = hash;
	e->fe_used = 1;
	e->fe_init_is_lo = (uint8_t)(src_is_lo != from_resp);
	r->fr_id = ((uint64_t)ft->ft_conf.fc_lcore << 48) | (++ft->ft_seq & 0xffffffffffffULL);
	r->fr_first_ns = ts;
	r->fr_last_ns = ts;
	memcpy(r->fr_src.a_bytes, e->fe_init_is_lo ? k->k_lo : k->k_hi, 16);
	memcpy(r->fr_dst.a_bytes, e->fe_init_is_lo ? k->k_hi : k->k_lo, 16);
	r->fr_sport = e->fe_init_is_lo ? k->k_lo_port : k->k_hi_port;
	r->fr_dport = e->fe_init_is_lo ? k->k_hi_port : k->k_lo_port;
	r->fr_proto = p->p_proto;
	r->fr_vlan_n = p->p_vlan_n;
	r->fr_vlan[0] = p->p_vlan[0];
	r->fr_vlan[1] = p->p_vlan[1];
	r->fr_port = port;
	r->fr_sampling = 1;
	r->fr_source = MM_FLOW_SRC_PACKETS;
	r->fr_icmp_type = p->p_icmp_type;
	r->fr_icmp_code = p->p_icmp_code;
	list_append(ft, idx, initial_class(p->p_proto), ts);
	ft->ft_stats.fs_created++;
	ft->ft_stats.fs_active++;
	if (ft->ft_conf.fc_new != NULL)
		ft->ft_conf.fc_new(ft->ft_conf.fc_emit_arg, r, entry_state(e));
}

/* Starts a new interval of an active flow: the counters restart, the id stays. */
static void
flow_restart(struct flow_entry *e, uint64_t ts)
{
	struct mm_flow_rec *r = &e->fe_rec;

	r->fr_first_ns = ts;
	r->fr_last_ns = ts;
	r->fr_pkts_ts = r->fr_pkts_tc = 0;
	r->fr_bytes_ts = r->fr_bytes_tc = 0;
	r->fr_tcp_flags_ts = r->fr_tcp_flags_tc = 0;
	e->fe_tcp_ts = e->fe_tcp_tc = 0;
}

/*
 * The least recent flow of class c and its last packet time: the head of its
 * list when not seen since it was placed there (see flow_table_expire()), or
 * the root of its wait heap, whichever is older.  A head seen since is taken
 * for the least recent of its list.
 */
static inline uint32_t
class_oldest(const struct flow_table *ft, int c, uint64_t *last)
{
	uint32_t h = ft->ft_lists[c].fl_head, w = ft->ft_waiting[c];

	if (w != FTW_NIL &&
		(h == FT_NIL || ftw_key(&ft->ft_wait, w) < entry(ft, h)->fe_rec.fr_last_ns))
		h = w;
	if (h != FT_NIL)
		*last = entry(ft, h)->fe_rec.fr_last_ns;
	return (h);
}

/*
 * Evicts the least recently seen flow of all classes.  List heads seen since
 * they were placed go to wait first, so that the least recent of each class
 * is its list head or its heap root; past FT_EVICT_SCAN of them in one
 * eviction, a seen head is taken for the least recent of its list.
 */
static bool
evict_one(struct flow_table *ft)
{
	uint32_t victim = FT_NIL;
	uint64_t oldest = UINT64_MAX;
	unsigned scan = 0;

	for (int c = 0; c < FLOW_CLASS__COUNT; c++) {
		uint32_t h;
		uint64_t last;

		while ((h = ft->ft_lists[c].fl_head) != FT_NIL && entry(ft, h)->fe_seen &&
			scan++ < FT_EVICT_SCAN)
			wait_add(ft, h);
		h = class_oldest(ft, c, &last);
		if (h != FT_NIL && last < oldest) {
			oldest = last;
			victim = h;
		}
	}
	if (victim == FT_NIL)
		return (false);
	flow_end(ft, victim, MM_FLOW_END_EVICTED);
	return (true);
}

/* The entry holding key k, or FT_NIL. */
static uint32_t
flow_lookup(const struct flow_table *ft, const struct flow_key *k, uint32_t hash)
{
	const struct fti_bucket *b = fti_home(&ft->ft_index, hash);
	uint16_t sig = fti_sig(hash);

	for (;;) {
		for (uint32_t m = fti_match(b, sig); m != 0; m = fti_rest(m)) {
			uint32_t idx = b->b_idx[fti_slot(m)];

			if (entry_has_key(entry(ft, idx), k))
				return (idx);
		}
		if (b->b_passed == 0)
			return (FT_NIL);
		b = fti_next(&ft->ft_index, b);
	}
}

/* Finds or creates the entry for a key the burst's first look did not find. */
static uint32_t
flow_find_or_add(struct flow_table *ft, const struct flow_key *k, uint32_t hash, bool *is_new)
{
	uint32_t idx = flow_lookup(ft, k, hash);

	*is_new = false;
	if (idx != FT_NIL)
		return (idx);
	/* Full: the least recent flow makes room, as the index always has a slot. */
	if (ft->ft_stats.fs_active >= ft->ft_conf.fc_capacity && !evict_one(ft))
		return (FT_NIL);
	if (ft->ft_free != FT_NIL) {
		idx = ft->ft_free;
		ft->ft_free = entry(ft, idx)->fe_next;
	} else {
		idx = ft->ft_fresh++;
	}
	fti_insert(&ft->ft_index, hash, idx);
	*is_new = true;
	return (idx);
}

/* Accounts one packet; returns true when it was sent by the initiator. */
static bool
flow_account(struct flow_table *ft, uint32_t idx, const struct dp_pkt *p, bool src_is_lo,
	uint32_t wire_len, uint64_t ts)
{
	struct flow_entry *e = entry(ft, idx);
	struct mm_flow_rec *r = &e->fe_rec;
	bool to_server = src_is_lo == (e->fe_init_is_lo != 0);
	uint8_t cls = e->fe_class;
	bool relink = e->fe_waiting;

	if (ft->ft_conf.fc_active_ns != 0 && ts - r->fr_first_ns >= ft->ft_conf.fc_active_ns &&
		ts > r->fr_first_ns) {
		flow_emit(ft, e, MM_FLOW_END_ACTIVE);
		flow_restart(e, ts);
		relink = true;
	}
	if (ts > r->fr_last_ns)
		r->fr_last_ns = ts;
	if (to_server) {
		r->fr_pkts_ts++;
		r->fr_bytes_ts += wire_len;
	} else {
		r->fr_pkts_tc++;
		r->fr_bytes_tc += wire_len;
	}
	if (p->p_proto == IPPROTO_TCP && p->p_layer == DP_LAYER_L4) {
		uint8_t fl = p->p_tcp_flags;

		/* The record's third line is written only when the union grows. */
		if (to_server && (e->fe_tcp_ts | fl) != e->fe_tcp_ts)
			r->fr_tcp_flags_ts = e->fe_tcp_ts |= fl;
		else if (!to_server && (e->fe_tcp_tc | fl) != e->fe_tcp_tc)
			r->fr_tcp_flags_tc = e->fe_tcp_tc |= fl;
		if (fl & MM_TCP_RST)
			e->fe_state |= FE_RST;
		if (fl & MM_TCP_FIN)
			e->fe_state |= to_server ? FE_FIN_INIT : FE_FIN_RESP;
		if ((e->fe_state & FE_RST) ||
			(e->fe_state & (FE_FIN_INIT | FE_FIN_RESP)) == (FE_FIN_INIT | FE_FIN_RESP))
			cls = FLOW_CLASS_TCP_CLOSED;
		else if (r->fr_pkts_tc > 0 && r->fr_pkts_ts > 0 && !(fl & MM_TCP_SYN))
			cls = FLOW_CLASS_TCP_ESTABLISHED;
	}
	/*
	 * To the tail of a list only when the class changes or the flow waited:
	 * a flow seen again stays where it is, which spares the two random
	 * cache misses of an unlink on every packet.
	 */
	if (relink || cls != e->fe_class) {
		flow_detach(ft, idx);
		list_append(ft, idx, cls, ts);
	} else {
		e->fe_seen = 1;
	}
	return (to_server);
}

/* A SYN on a closed connection is a new connection on the same ports. */
static inline bool
is_port_reuse(const struct flow_entry *e, const struct dp_pkt *p)
{
	return (p->p_proto == IPPROTO_TCP && e->fe_class == FLOW_CLASS_TCP_CLOSED &&
		(p->p_tcp_flags & (MM_TCP_SYN | MM_TCP_ACK)) == MM_TCP_SYN);
}

/*
 * Three passes over the burst, each loading what the next one reads: keys
 * and hashes (prefetching index buckets), then the buckets (prefetching the
 * two lines of the entry each signature points at), then the packets.
 */
uint16_t
flow_table_update_burst(struct flow_table *ft, struct flow_pkt *pkts, uint16_t n)
{
	struct flow_key keys[FT_BURST_MAX];
	uint32_t hash[FT_BURST_MAX];
	uint32_t cand[FT_BURST_MAX];
	bool lo[FT_BURST_MAX];
	uint16_t done = 0;

	if (n > FT_BURST_MAX) {
		done = flow_table_update_burst(ft, pkts, FT_BURST_MAX);
		return (done + flow_table_update_burst(ft, pkts + FT_BURST_MAX, n - FT_BURST_MAX));
	}
	for (uint16_t i = 0; i < n; i++) {
		lo[i] = ftk_build(&ft->ft_frags, ft->ft_now, &keys[i], pkts[i].fp_pkt);
		hash[i] = ftk_hash(&keys[i]);
		rte_prefetch0(fti_home(&ft->ft_index, hash[i]));
	}
	for (uint16_t i = 0; i < n; i++) {
		const struct fti_bucket *b = fti_home(&ft->ft_index, hash[i]);
		uint32_t m = fti_match(b, fti_sig(hash[i]));

		cand[i] = FT_NIL;
		if (m != 0) {
			cand[i] = b->b_idx[fti_slot(m)];
			rte_prefetch0(entry(ft, cand[i]));
		}
	}
	for (uint16_t i = 0; i < n; i++)
		if (cand[i] != FT_NIL)
			rte_prefetch0(&entry(ft, cand[i])->fe_rec.fr_proto);

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_pkt *p = pkts[i].fp_pkt;
		uint64_t ts = pkts[i].fp_ts_ns;
		uint32_t idx = cand[i];
		bool is_new = false;

		if (ts > ft->ft_now)
			ft->ft_now = ts;
		/*
		 * The first signature match may be another key's, or stale: an
		 * earlier packet of the burst may have ended that flow, or added
		 * this key.  A used entry with the same key is the flow.
		 */
		if (idx == FT_NIL || !entry(ft, idx)->fe_used ||
			!entry_has_key(entry(ft, idx), &keys[i])) {
			idx = flow_find_or_add(ft, &keys[i], hash[i], &is_new);
			if (idx == FT_NIL) {
				pkts[i].fp_rec = NULL;
				pkts[i].fp_state = NULL;
				continue;
			}
		}
		if (is_new) {
			flow_init(ft, idx, &keys[i], hash[i], p, lo[i], ts, pkts[i].fp_port);
		} else if (unlikely(is_port_reuse(entry(ft, idx), p))) {
			struct flow_entry *e = entry(ft, idx);

			/* Same key, same slot: end the old connection, start the new one. */
			flow_emit(ft, e, timeout_reason(e));
			flow_detach(ft, idx);
			ft->ft_stats.fs_active--;
			flow_init(ft, idx, &keys[i], hash[i], p, lo[i], ts, pkts[i].fp_port);
		}
		pkts[i].fp_to_server = flow_account(ft, idx, p, lo[i], pkts[i].fp_wire_len, ts);
		pkts[i].fp_rec = &entry(ft, idx)->fe_rec;
		pkts[i].fp_state = entry_state(entry(ft, idx));
		done++;
	}
	return (done);
}

/*
 * Lists are in the order flows were placed on them, at a packet of theirs,
 * so the placing time of the head is a lower bound of the last packet of
 * every flow in its list.  A head not seen since it was placed is the least
 * recent of its list.  A head seen since, placed long enough ago for flows of
 * its list to be due, goes to wait in its class's heap, ordered by last
 * packet; then the least recent flow of the class is the head or the heap's
 * root.  So each class ends its due flows least recent first, as an exact
 * LRU list would, as long as packet times go forward.  Sending flows to wait
 * has a budget of its own, sixteen times the other: past it, the rest is left
 * for the next call.
 */
unsigned
flow_table_expire(struct flow_table *ft, uint64_t now_ns, unsigned budget)
{
	unsigned ended = 0, moved = 0;

	for (int c = 0; c < FLOW_CLASS__COUNT && ended < budget; c++) {
		uint64_t to = ft->ft_conf.fc_timeout_ns[c];

		while (ended < budget) {
			uint32_t h = ft->ft_lists[c].fl_head;
			uint64_t last;

			if (h != FT_NIL && entry(ft, h)->fe_seen &&
				entry(ft, h)->fe_placed + to <= now_ns) {
				if (moved++ == 16 * budget)
					return (ended);
				wait_add(ft, h);
				continue;
			}
			h = class_oldest(ft, c, &last);
			if (h == FT_NIL || last + to > now_ns)
				break;
			flow_end(ft, h, timeout_reason(entry(ft, h)));
			ended++;
		}
	}
	return (ended);
}

unsigned
flow_table_flush(struct flow_table *ft, enum mm_flow_end reason)
{
	unsigned ended = 0;

	for (int c = 0; c < FLOW_CLASS__COUNT; c++) {
		uint32_t h;
		uint64_t last;

		while ((h = class_oldest(ft, c, &last)) != FT_NIL) {
			enum mm_flow_end r = timeout_reason(entry(ft, h));

			/* A connection that closed keeps its close as the reason. */
			flow_end(ft, h, r == MM_FLOW_END_IDLE ? reason : r);
			ended++;
		}
	}
	return (ended);
}

void
flow_table_stats(const struct flow_table *ft, struct flow_table_stats *st)
{
	*st = ft->ft_stats;
	st->fs_frag_orphans = ft->ft_frags.kf_orphans;
}

uint64_t
flow_table_now(const struct flow_table *ft)
{
	return (ft->ft_now);
}
