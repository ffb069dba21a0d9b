/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "bigmem.h"

#define BIGMEM_HUGE  (2u << 20)        /* the transparent huge page size on x86-64 and arm64 */
#define BIGMEM_MAGIC 0x4d4d42494730ULL /* "MMBIG0" */

/* Just before the table, in the same mapping: what munmap() needs. */
struct bigmem_head {
	uint64_t bh_magic;
	void *bh_map;
	size_t bh_len;
};

void *
dp_bigmem_zalloc(const char *name, size_t size, int socket)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), align, len;
	struct bigmem_head *h;
	uint8_t *map, *p;

	if (rte_eal_has_hugepages())
		return (rte_zmalloc_socket(name, size, RTE_CACHE_LINE_SIZE, socket));
	/* Small tables gain nothing from a huge page: a cache line alignment will do. */
	align = size >= BIGMEM_HUGE ? BIGMEM_HUGE : RTE_CACHE_LINE_SIZE;
	len = RTE_ALIGN_CEIL(sizeof(*h), RTE_CACHE_LINE_SIZE) + align + size;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		rte_errno = ENOMEM;
		return (NULL);
	}
	p = RTE_PTR_ALIGN_CEIL(map + sizeof(*h), align);
	/* Advice only: without transparent huge pages the table still works, on 4 KB pages. */
	if (align == BIGMEM_HUGE)
		(void)madvise(p, RTE_ALIGN_FLOOR(size, BIGMEM_HUGE), MADV_HUGEPAGE);
	/*
	 * Fault every page in now, on the control thread, rather than one at a
	 * time on the fast path (a huge page's fault zeroes 2 MB).
	 */
	for (size_t off = 0; off < size; off += page)
		p[off] = 0;
	h = (struct bigmem_head *)p - 1;
	h->bh_magic = BIGMEM_MAGIC;
	h->bh_map = map;
	h->bh_len = len;
	return (p);
}

void
dp_bigmem_free(void *p)
{
	struct bigmem_head *h;

	if (p == NULL)
		return;
	if (rte_eal_has_hugepages()) {
		rte_free(p);
		return;
	}
	h = (struct bigmem_head *)p - 1;
	RTE_VERIFY(h->bh_magic == BIGMEM_MAGIC);
	munmap(h->bh_map, h->bh_len);
}
