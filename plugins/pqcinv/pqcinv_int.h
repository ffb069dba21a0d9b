/* SPDX-License-Identifier: BSD-3-Clause */
/* The pqcinv plugin's state, shared by its control side and its worker side. */
#ifndef PQC_PQCINV_INT_H
#define PQC_PQCINV_INT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mamori/plugin.h>

#include "classify.h"
#include "quic.h"
#include "reasm.h"
#include "record.h"

#define PQC_MAX_LCORES 128

/* Per-flow state in the host's flow entry. */
struct pqc_flow {
	uint32_t pf_slot;   /* reassembly slot + 1; 0 = none */
	uint32_t pf_isn[2]; /* SYN sequence + 1, per direction */
	uint8_t pf_has_isn; /* bit per direction */
	uint8_t pf_state;   /* enum pqc_flow_state */
	uint8_t pf_proto;   /* enum pqc_kind_proto */
	uint8_t pf_dgrams;  /* QUIC datagrams looked at */
	uint8_t pf_rev;     /* the responder is the TLS client (the capture began mid-flow) */
};

enum pqc_flow_state {
	PQC_FLOW_WATCH = 0, /* waiting for the first payload */
	PQC_FLOW_TRACK,     /* a handshake is being reassembled */
	PQC_FLOW_DONE,      /* emitted, or not a handshake we read */
};

/* A reassembly slot: both directions of one handshake. */
struct pqc_slot {
	struct reasm sl_ra[2];
	uint8_t *sl_buf[2];
	uint8_t sl_status[2]; /* enum tls_status per direction */
	uint8_t sl_flags;     /* PQC_REC_* */
	uint32_t sl_next;     /* free list */
	/* QUIC */
	uint32_t sl_qversion;
	uint8_t sl_dcid[QUIC_CID_MAX]; /* the client's DCID the keys were made from */
	uint8_t sl_dcid_len;
	bool sl_keys;
	struct quic_keys sl_ck;
	struct quic_keys sl_sk;
};

/* Counters, in the order of pqc_counter_names. */
enum pqc_counter {
	PQC_C_TLS = 0,
	PQC_C_QUIC,
	PQC_C_SSH,
	PQC_C_NO_SLOT,
	PQC_C_RING_FULL,
	PQC_C_EMIT_FAIL,
	PQC_C_CLIPPED,
	PQC_C_HOLES,
	PQC_C_QUIC_BAD,
	PQC_C_BAD,
	PQC_C_PARSE_ERR,
	PQC_C_BAD_CERT,
	PQC_NCOUNTERS,
};

struct pqc_global;

struct pqc_lcore {
	struct pqc_global *lc_g;
	unsigned lc_index;
	unsigned lc_lcore;
	struct pqc_slot *lc_slots;
	uint8_t *lc_arena;
	uint32_t lc_free;    /* head of the free list, slot + 1 */
	uint8_t *lc_scratch; /* de-recorded handshake bytes */
	uint8_t *lc_pkt;     /* a datagram being decrypted */
	struct quic_crypto *lc_qc;
	/* Records to the control thread: a single-producer single-consumer ring. */
	uint8_t *lc_ring;
	size_t lc_rec_size;
	uint32_t lc_ring_n;
	uint64_t lc_head;         /* next sequence to write (worker) */
	_Atomic uint64_t lc_tail; /* first sequence not yet consumed (control) */
};

struct pqc_global {
	const struct mm_host *g_host;
	struct mm_plugin_ctx *g_ctx;
	const char *g_table_path;
	char g_table_default[PATH_MAX]; /* the shipped table (h_data_file) */
	struct pqc_table *g_table;
	uint64_t g_max_flows;
	uint64_t g_stream_bytes;
	uint64_t g_ring;
	uint64_t g_commit_ms;
	uint64_t g_last_commit_ns;
	bool g_inventory_on;
	struct pqc_inventory *g_inv;
	int g_counters[PQC_NCOUNTERS];
	struct pqc_lcore *g_lcores[PQC_MAX_LCORES];
	unsigned g_nlcores;
};

static inline struct pqc_rec *
pqc_ring_rec(const struct pqc_lcore *lc, uint64_t seq)
{
	return ((struct pqc_rec *)(lc->lc_ring + (seq % lc->lc_ring_n) * lc->lc_rec_size));
}

static inline void
pqc_count(struct pqc_global *g, unsigned lcore, enum pqc_counter c, uint64_t n)
{
	g->g_host->h_counter_add(g->g_ctx, lcore, g->g_counters[c], n);
}

/* worker.c */
void pqc_on_burst(
	void *global, void *lcore_state, unsigned lcore, const struct mm_pkt *pkts, uint16_t n);
void pqc_on_flow_end(void *global, void *lcore_state, unsigned lcore,
	const struct mm_flow_rec *flow, void *flow_state);
int pqc_lcore_init(void *global, void *lcore_state, unsigned lcore);
void pqc_lcore_fini(void *global, void *lcore_state, unsigned lcore);

#endif /* PQC_PQCINV_INT_H */
