/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Large per-lcore tables (the flow table's entries, index and wait heaps).
 *
 * With hugepages they come from DPDK's heap on the lcore's socket.  Without
 * them (EAL's --no-huge, the fallback on hosts with none mounted) DPDK's heap
 * is made of 4 KB pages, and a table of hundreds of megabytes then misses the
 * TLB on nearly every random lookup: the page walk costs more than the lookup.
 * Such tables are mapped on their own instead, 2 MB aligned, and the kernel
 * is asked for transparent huge pages (MADV_HUGEPAGE), which it grants when
 * /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise".
 */
#ifndef DP_BIGMEM_H
#define DP_BIGMEM_H

#include <stddef.h>

/*
 * size zeroed bytes, aligned to a cache line (to 2 MB when mapped), every page
 * present; NULL and rte_errno = ENOMEM when there is no memory.
 */
void *dp_bigmem_zalloc(const char *name, size_t size, int socket);

/* Frees what dp_bigmem_zalloc() returned; NULL is ignored. */
void dp_bigmem_free(void *p);

#endif /* DP_BIGMEM_H */
