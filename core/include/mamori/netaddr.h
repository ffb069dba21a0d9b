/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP addresses and prefixes, IPv4 and IPv6 in one form.  IPv4 addresses are
 * kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that one comparison and one
 * prefix match serve both families.
 */
#ifndef MAMORI_NETADDR_H
#define MAMORI_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_addr {
	uint8_t a_bytes[16]; /* network order; IPv4 as ::ffff:a.b.c.d */
};

struct mm_prefix {
	struct mm_addr p_addr; /* masked to p_len */
	uint8_t p_len;         /* 0..128, counted on the mapped form for IPv4 */
};

/* Fills an address from 4 (IPv4) or 16 (IPv6) network-order bytes. */
void mm_addr_from_v4(struct mm_addr *a, const uint8_t v4[4]);
void mm_addr_from_v6(struct mm_addr *a, const uint8_t v6[16]);
bool mm_addr_is_v4(const struct mm_addr *a);
/* Parses a textual IPv4 or IPv6 address; returns 0 or -EINVAL. */
int mm_addr_parse(const char *s, struct mm_addr *a);
/* Formats an address (dotted quad for IPv4); buf needs INET6_ADDRSTRLEN (46). */
const char *mm_addr_format(const struct mm_addr *a, char *buf, size_t len);
#define MM_ADDR_STRLEN 46

/* Parses "a.b.c.d/n", "x::/n" or a bare address (a host prefix). */
int mm_prefix_parse(const char *s, struct mm_prefix *p);
bool mm_prefix_contains(const struct mm_prefix *p, const struct mm_addr *a);
const char *mm_prefix_format(const struct mm_prefix *p, char *buf, size_t len);

/* A small set of prefixes (home networks, allow-lists): linear, for control paths. */
struct mm_prefix_set {
	struct mm_prefix *ps_v;
	size_t ps_n;
	size_t ps_cap;
};

void mm_prefix_set_init(struct mm_prefix_set *set);
void mm_prefix_set_fini(struct mm_prefix_set *set);
int mm_prefix_set_add(struct mm_prefix_set *set, const struct mm_prefix *p);
/* Parses a comma-separated list; on error names the bad item in err. */
int mm_prefix_set_parse(struct mm_prefix_set *set, const char *list, char *err, size_t errlen);
bool mm_prefix_set_contains(const struct mm_prefix_set *set, const struct mm_addr *a);

#endif /* MAMORI_NETADDR_H */
