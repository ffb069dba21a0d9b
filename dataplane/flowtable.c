/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table: rte_hash (with an extendable bucket table, so it
 * fills to 100%) maps a canonical key to a slot in an array of entries.
 * Entries are threaded on one doubly-linked LRU list per timeout class;
 * because every flow in a class has the same idle timeout, the head of each
 * list is always the next to expire.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "flowtable.h"

#define FT_NIL       UINT32_MAX
#define FT_BURST_MAX 64

/* Later fragments carry no ports: remember them from the first fragment. */
#define FRAG_SLOTS  4096
#define FRAG_TTL_NS (30ULL * 1000000000ULL)

/* TCP progress bits in fe_state. */
#define FE_FIN_INIT 0x01 /* FIN from the initiator */
#define FE_FIN_RESP 0x02 /* FIN from the responder */
#define FE_RST      0x04

struct flow_key {
	uint8_t k_lo[16]; /* the lower (address, port) endpoint; IPv4 mapped */
	uint8_t k_hi[16];
	uint16_t k_lo_port;
	uint16_t k_hi_port;
	uint16_t k_vlan; /* outer VLAN id: the same tuple in two VLANs is two flows */
	uint8_t k_proto;
	uint8_t k_pad;
};

struct flow_entry {
	struct flow_key fe_key;
	uint32_t fe_prev; /* LRU links within the class list */
	uint32_t fe_next;
	uint8_t fe_used;
	uint8_t fe_class;         /* enum flow_class */
	uint8_t fe_init_is_lo;    /* the initiator is the key's lo endpoint */
	uint8_t fe_state;         /* FE_* bits */
	uint64_t fe_active_start; /* start of the current active-timeout interval */
	struct mm_flow_rec fe_rec;
} __rte_cache_aligned;

struct flow_list {
	uint32_t fl_head; /* least recently seen */
	uint32_t fl_tail;
};

struct frag_slot {
	uint8_t fs_src[16];
	uint8_t fs_dst[16];
	uint64_t fs_ts;
	uint32_t fs_id;
	uint16_t fs_sport;
	uint16_t fs_dport;
	uint8_t fs_proto;
	uint8_t fs_used;
};

struct flow_table {
	struct rte_hash *ft_hash;
	uint8_t *ft_entries; /* ft_stride bytes each: the entry, then plugins' state */
	size_t ft_stride;
	struct frag_slot *ft_frags;
	struct flow_table_conf ft_conf;
	struct flow_list ft_lists[FLOW_CLASS__COUNT];
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
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = conf->fc_capacity,
		.key_len = sizeof(struct flow_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = conf->fc_socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	if (conf->fc_capacity < 8 || conf->fc_emit == NULL) {
		rte_errno = EINVAL;
		return (NULL);
	}
	ft = rte_zmalloc_socket(name, sizeof(*ft), RTE_CACHE_LINE_SIZE, conf->fc_socket);
	if (ft == NULL)
		goto fail_table;
	ft->ft_conf = *conf;
	snprintf(hname, sizeof(hname), "%s", name);
	ft->ft_hash = rte_hash_create(&hp);
	if (ft->ft_hash == NULL)
		goto fail_hash;
	ft->ft_stride = RTE_ALIGN_CEIL(
		sizeof(struct flow_entry) + conf->fc_state_size, RTE_CACHE_LINE_SIZE);
	ft->ft_entries = rte_zmalloc_socket(
		name, ft->ft_stride * conf->fc_capacity, RTE_CACHE_LINE_SIZE, conf->fc_socket);
	if (ft->ft_entries == NULL)
		goto fail_entries;
	ft->ft_frags = rte_zmalloc_socket(
		name, sizeof(struct frag_slot) * FRAG_SLOTS, RTE_CACHE_LINE_SIZE, conf->fc_socket);
	if (ft->ft_frags == NULL)
		goto fail_frags;
	for (int c = 0; c < FLOW_CLASS__COUNT; c++)
		ft->ft_lists[c].fl_head = ft->ft_lists[c].fl_tail = FT_NIL;
	return (ft);

fail_frags:
	rte_free(ft->ft_entries);
fail_entries:
	rte_hash_free(ft->ft_hash);
fail_hash:
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
	rte_free(ft->ft_frags);
	rte_free(ft->ft_entries);
	rte_hash_free(ft->ft_hash);
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

static inline void
list_append(struct flow_table *ft, uint32_t idx, uint8_t cls)
{
	struct flow_entry *e = entry(ft, idx);
	struct flow_list *l = &ft->ft_lists[cls];

	e->fe_class = cls;
	e->fe_next = FT_NIL;
	e->fe_prev = l->fl_tail;
	if (l->fl_tail != FT_NIL)
		entry(ft, l->fl_tail)->fe_next = idx;
	else
		l->fl_head = idx;
	l->fl_tail = idx;
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
	list_unlink(ft, idx);
	rte_hash_del_key(ft->ft_hash, &e->fe_key);
	e->fe_used = 0;
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

static inline void
addr_load(uint8_t out[16], const uint8_t *a, uint8_t family)
{
	if (family == 4) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, a, 4);
	} else {
		memcpy(out, a, 16);
	}
}

/* Returns the ports of a later fragment, learnt from its first fragment. */
static bool
frag_lookup(struct flow_table *ft, const struct dp_pkt *p, const uint8_t src[16],
	const uint8_t dst[16], uint16_t *sport, uint16_t *dport)
{
	uint32_t h = rte_hash_crc(src, 16, p->p_ip_id ^ ((uint32_t)p->p_proto << 16));
	struct frag_slot *s = &ft->ft_frags[rte_hash_crc(dst, 16, h) & (FRAG_SLOTS - 1)];

	if (p->p_frag_off == 0) {
		/* The first fragment: remember its ports for the ones that follow. */
		if (p->p_layer < DP_LAYER_L4)
			return (false);
		memcpy(s->fs_src, src, 16);
		memcpy(s->fs_dst, dst, 16);
		s->fs_id = p->p_ip_id;
		s->fs_proto = p->p_proto;
		s->fs_sport = p->p_sport;
		s->fs_dport = p->p_dport;
		s->fs_ts = ft->ft_now;
		s->fs_used = 1;
		*sport = p->p_sport;
		*dport = p->p_dport;
		return (true);
	}
	if (s->fs_used && s->fs_id == p->p_ip_id && s->fs_proto == p->p_proto &&
		ft->ft_now - s->fs_ts < FRAG_TTL_NS && memcmp(s->fs_src, src, 16) == 0 &&
		memcmp(s->fs_dst, dst, 16) == 0) {
		*sport = s->fs_sport;
		*dport = s->fs_dport;
		return (true);
	}
	ft->ft_stats.fs_frag_orphans++;
	return (false);
}

/* Builds the canonical key; returns true when the packet's source is the lo endpoint. */
static inline bool
key_build(struct flow_table *ft, struct flow_key *k, const struct dp_pkt *p)
{
	uint8_t src[16], dst[16];
	uint16_t sport = p->p_sport, dport = p->p_dport;
	int c;

	addr_load(src, p->p_src, p->p_family);
	addr_load(dst, p->p_dst, p->p_family);
	if (unlikely(p->p_fragment) && !frag_lookup(ft, p, src, dst, &sport, &dport))
		sport = dport = 0;
	c = memcmp(src, dst, 16);
	k->k_vlan = p->p_vlan_n > 0 ? p->p_vlan[0] : 0;
	k->k_proto = p->p_proto;
	k->k_pad = 0;
	if (c < 0 || (c == 0 && sport <= dport)) {
		memcpy(k->k_lo, src, 16);
		memcpy(k->k_hi, dst, 16);
		k->k_lo_port = sport;
		k->k_hi_port = dport;
		return (true);
	}
	memcpy(k->k_lo, dst, 16);
	memcpy(k->k_hi, src, 16);
	k->k_lo_port = dport;
	k->k_hi_port = sport;
	return (false);
}

static void
flow_init(struct flow_table *ft, uint32_t idx, const struct flow_key *k, const struct dp_pkt *p,
	bool src_is_lo, uint64_t ts, uint16_t port)
{
	struct flow_entry *e = entry(ft, idx);
	struct mm_flow_rec *r = &e->fe_rec;
	/* A flow first seen at its SYN-ACK was started by the packet's receiver. */
	bool from_resp = p->p_proto == IPPROTO_TCP &&
			 (p->p_tcp_flags & (MM_TCP_SYN | MM_TCP_ACK)) == (MM_TCP_SYN | MM_TCP_ACK);

	memset(e, 0, ft->ft_stride);
	e->fe_key = *k;
	e->fe_used = 1;
	e->fe_init_is_lo = (uint8_t)(src_is_lo != from_resp);
	e->fe_active_start = ts;
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
	list_append(ft, idx, initial_class(p->p_proto));
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
	e->fe_active_start = ts;
}

/* Evicts the least recently seen flow of all classes. */
static bool
evict_one(struct flow_table *ft)
{
	uint32_t victim = FT_NIL;
	uint64_t oldest = UINT64_MAX;

	for (int c = 0; c < FLOW_CLASS__COUNT; c++) {
		uint32_t h = ft->ft_lists[c].fl_head;

		if (h != FT_NIL && entry(ft, h)->fe_rec.fr_last_ns < oldest) {
			oldest = entry(ft, h)->fe_rec.fr_last_ns;
			victim = h;
		}
	}
	if (victim == FT_NIL)
		return (false);
	flow_end(ft, victim, MM_FLOW_END_EVICTED);
	return (true);
}

/* Finds or creates the entry for a key whose bulk lookup missed or went stale. */
static int32_t
flow_find_or_add(struct flow_table *ft, const struct flow_key *k, hash_sig_t sig, bool *is_new)
{
	int32_t pos = rte_hash_lookup_with_hash(ft->ft_hash, k, sig);

	*is_new = false;
	if (pos >= 0)
		return (pos);
	pos = rte_hash_add_key_with_hash(ft->ft_hash, k, sig);
	if (unlikely(pos == -ENOSPC)) {
		if (!evict_one(ft))
			return (-ENOSPC);
		pos = rte_hash_add_key_with_hash(ft->ft_hash, k, sig);
	}
	if (pos < 0) {
		ft->ft_stats.fs_add_failures++;
		return (pos);
	}
	*is_new = true;
	return (pos);
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

	if (ft->ft_conf.fc_active_ns != 0 && ts - e->fe_active_start >= ft->ft_conf.fc_active_ns &&
		ts > e->fe_active_start) {
		flow_emit(ft, e, MM_FLOW_END_ACTIVE);
		flow_restart(e, ts);
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

		if (to_server)
			r->fr_tcp_flags_ts |= fl;
		else
			r->fr_tcp_flags_tc |= fl;
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
	/* Move to the tail of its (possibly new) class: the most recently seen. */
	list_unlink(ft, idx);
	list_append(ft, idx, cls);
	return (to_server);
}

/* A SYN on a closed connection is a new connection on the same ports. */
static inline bool
is_port_reuse(const struct flow_entry *e, const struct dp_pkt *p)
{
	return (p->p_proto == IPPROTO_TCP && e->fe_class == FLOW_CLASS_TCP_CLOSED &&
		(p->p_tcp_flags & (MM_TCP_SYN | MM_TCP_ACK)) == MM_TCP_SYN);
}

uint16_t
flow_table_update_burst(struct flow_table *ft, struct flow_pkt *pkts, uint16_t n)
{
	struct flow_key keys[FT_BURST_MAX];
	const void *kp[FT_BURST_MAX];
	hash_sig_t sigs[FT_BURST_MAX];
	int32_t pos[FT_BURST_MAX];
	bool lo[FT_BURST_MAX];
	uint16_t done = 0;

	if (n > FT_BURST_MAX) {
		done = flow_table_update_burst(ft, pkts, FT_BURST_MAX);
		return (done + flow_table_update_burst(ft, pkts + FT_BURST_MAX, n - FT_BURST_MAX));
	}
	for (uint16_t i = 0; i < n; i++) {
		lo[i] = key_build(ft, &keys[i], pkts[i].fp_pkt);
		kp[i] = &keys[i];
		sigs[i] = rte_hash_crc(&keys[i], sizeof(keys[i]), 0);
	}
	rte_hash_lookup_with_hash_bulk(ft->ft_hash, kp, sigs, n, pos);
	for (uint16_t i = 0; i < n; i++)
		if (pos[i] >= 0)
			rte_prefetch0(entry(ft, (uint32_t)pos[i]));

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_pkt *p = pkts[i].fp_pkt;
		uint64_t ts = pkts[i].fp_ts_ns;
		int32_t idx = pos[i];
		bool is_new = false;

		if (ts > ft->ft_now)
			ft->ft_now = ts;
		/*
		 * Bulk results can go stale within a burst: an earlier packet may
		 * have created this key or evicted the entry it points at.
		 */
		if (idx < 0 || !entry(ft, idx)->fe_used ||
			memcmp(&entry(ft, idx)->fe_key, &keys[i], sizeof(keys[i])) != 0) {
			idx = flow_find_or_add(ft, &keys[i], sigs[i], &is_new);
			if (idx < 0) {
				pkts[i].fp_rec = NULL;
				pkts[i].fp_state = NULL;
				continue;
			}
		}
		if (is_new) {
			flow_init(ft, (uint32_t)idx, &keys[i], p, lo[i], ts, pkts[i].fp_port);
		} else if (unlikely(is_port_reuse(entry(ft, idx), p))) {
			struct flow_entry *e = entry(ft, idx);

			/* Same key, same slot: end the old connection, start the new one. */
			flow_emit(ft, e, timeout_reason(e));
			list_unlink(ft, (uint32_t)idx);
			ft->ft_stats.fs_active--;
			flow_init(ft, (uint32_t)idx, &keys[i], p, lo[i], ts, pkts[i].fp_port);
		}
		pkts[i].fp_to_server =
			flow_account(ft, (uint32_t)idx, p, lo[i], pkts[i].fp_wire_len, ts);
		pkts[i].fp_rec = &entry(ft, (uint32_t)idx)->fe_rec;
		pkts[i].fp_state = entry_state(entry(ft, (uint32_t)idx));
		done++;
	}
	return (done);
}

unsigned
flow_table_expire(struct flow_table *ft, uint64_t now_ns, unsigned budget)
{
	unsigned ended = 0;

	for (int c = 0; c < FLOW_CLASS__COUNT && ended < budget; c++) {
		uint64_t to = ft->ft_conf.fc_timeout_ns[c];

		while (ended < budget) {
			uint32_t h = ft->ft_lists[c].fl_head;
			struct flow_entry *e;

			if (h == FT_NIL)
				break;
			e = entry(ft, h);
			if (e->fe_rec.fr_last_ns + to > now_ns)
				break;
			flow_end(ft, h, timeout_reason(e));
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
		while (ft->ft_lists[c].fl_head != FT_NIL) {
			uint32_t h = ft->ft_lists[c].fl_head;
			struct flow_entry *e = entry(ft, h);
			enum mm_flow_end r = timeout_reason(e);

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
}

uint64_t
flow_table_now(const struct flow_table *ft)
{
	return (ft->ft_now);
}
