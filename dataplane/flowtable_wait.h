/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's wait heaps, private to flowtable.c: min-heaps of flows
 * keyed by time that take any flow out in O(log n) amortised time, so a flow
 * leaves its heap the moment a packet arrives and nothing stale stays behind.
 *
 * They are pairing heaps (Fredman, Sedgewick, Sleator and Tarjan, 1986).  All
 * the heaps of a table share one array of nodes, node i for the table's entry
 * i, as a flow waits in one heap at most.  A node links to its first child,
 * to its next sibling, and back to its previous sibling (or to its parent,
 * when it is the first child).  A heap is the number of its root; FTW_NIL is
 * the empty heap.
 */
#ifndef DP_FLOWTABLE_WAIT_H
#define DP_FLOWTABLE_WAIT_H

#include <errno.h>
#include <stdint.h>

#include <rte_common.h>

#include "bigmem.h"

#define FTW_NIL UINT32_MAX

struct ftw_node {
	uint64_t n_key;   /* the order */
	uint32_t n_child; /* first child */
	uint32_t n_next;  /* next sibling */
	uint32_t n_prev;  /* previous sibling, or the parent of a first child */
	uint32_t n_pad;
};

struct ftw {
	struct ftw_node *w_nodes;
};

/* Nodes for n entries; 0 or -ENOMEM. */
static inline int
ftw_init(struct ftw *w, const char *name, uint32_t n, int socket)
{
	w->w_nodes = dp_bigmem_zalloc(name, sizeof(struct ftw_node) * n, socket);
	return (w->w_nodes != NULL ? 0 : -ENOMEM);
}

static inline void
ftw_fini(struct ftw *w)
{
	dp_bigmem_free(w->w_nodes);
	w->w_nodes = NULL;
}

static inline uint64_t
ftw_key(const struct ftw *w, uint32_t node)
{
	return (w->w_nodes[node].n_key);
}

/* Links two heaps into one; returns its root.  On equal keys a stays the root. */
static inline uint32_t
ftw_meld(struct ftw *w, uint32_t a, uint32_t b)
{
	struct ftw_node *p = w->w_nodes;
	uint32_t t;

	if (a == FTW_NIL)
		return (b);
	if (b == FTW_NIL)
		return (a);
	if (p[b].n_key < p[a].n_key) {
		t = a;
		a = b;
		b = t;
	}
	p[b].n_prev = a;
	p[b].n_next = p[a].n_child;
	if (p[a].n_child != FTW_NIL)
		p[p[a].n_child].n_prev = b;
	p[a].n_child = b;
	return (a);
}

/*
 * Melds a list of sibling heaps into one: in pairs from the left, then the
 * pairs from the right, the two passes that bound the amortised cost.
 */
static inline uint32_t
ftw_merge_pairs(struct ftw *w, uint32_t first)
{
	struct ftw_node *p = w->w_nodes;
	uint32_t pairs = FTW_NIL, root = FTW_NIL;

	while (first != FTW_NIL) {
		uint32_t a = first, b = p[a].n_next;

		first = b != FTW_NIL ? p[b].n_next : FTW_NIL;
		p[a].n_prev = p[a].n_next = FTW_NIL;
		if (b != FTW_NIL) {
			p[b].n_prev = p[b].n_next = FTW_NIL;
			a = ftw_meld(w, a, b);
		}
		p[a].n_next = pairs; /* a stack: the second pass takes the last pair first */
		pairs = a;
	}
	while (pairs != FTW_NIL) {
		uint32_t a = pairs;

		pairs = p[a].n_next;
		p[a].n_next = FTW_NIL;
		root = ftw_meld(w, root, a);
	}
	return (root);
}

/* Adds node, not in any heap, to the heap at *root with the given key. */
static inline void
ftw_insert(struct ftw *w, uint32_t *root, uint32_t node, uint64_t key)
{
	struct ftw_node *n = &w->w_nodes[node];

	n->n_key = key;
	n->n_child = n->n_next = n->n_prev = FTW_NIL;
	*root = ftw_meld(w, *root, node);
}

/* Takes node out of the heap at *root. */
static inline void
ftw_remove(struct ftw *w, uint32_t *root, uint32_t node)
{
	struct ftw_node *p = w->w_nodes, *n = &p[node];

	if (node == *root) {
		*root = ftw_merge_pairs(w, n->n_child);
		return;
	}
	if (p[n->n_prev].n_child == node)
		p[n->n_prev].n_child = n->n_next;
	else
		p[n->n_prev].n_next = n->n_next;
	if (n->n_next != FTW_NIL)
		p[n->n_next].n_prev = n->n_prev;
	*root = ftw_meld(w, *root, ftw_merge_pairs(w, n->n_child));
}

#endif /* DP_FLOWTABLE_WAIT_H */
