/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address sets of c2detect: the allow-list (well-known update, time and CDN
 * services, operator-marked false positives) and the known-infected
 * devices.  Prefixes in text ("192.0.2.0/24", "2001:db8::/32", a bare
 * address); linear, for the analysis and control threads.
 */
#ifndef C2_ALLOW_H
#define C2_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct c2_prefix {
	uint8_t cp_addr[16]; /* IPv4 as ::ffff:a.b.c.d, masked */
	uint8_t cp_len;      /* 0..128 on that form */
};

struct c2_set {
	struct c2_prefix *cs_v;
	size_t cs_n;
	size_t cs_cap;
};

/* Parses an address into the mapped 16-byte form; 0 or -EINVAL. */
int c2_addr_parse(const char *s, uint8_t out[16]);
/* Formats a mapped address (dotted quad for IPv4). */
const char *c2_addr_format(const uint8_t a[16], char *buf, size_t len);

void c2_set_init(struct c2_set *s);
void c2_set_fini(struct c2_set *s);
/* Adds "addr" or "addr/len"; 0, -EINVAL (malformed) or -ENOMEM. */
int c2_set_add(struct c2_set *s, const char *text);
bool c2_set_contains(const struct c2_set *s, const uint8_t a[16]);
/* Removes the host entries (/128) of an address. */
void c2_set_remove(struct c2_set *s, const uint8_t a[16]);
/*
 * Adds every line of a file (blank lines and '#' comments skipped).  On a bad
 * line, names the file and line in err and goes on; returns the number of
 * bad lines, or -errno when the file cannot be read.
 */
int c2_set_load(struct c2_set *s, const char *path, char *err, size_t errlen);

#endif /* C2_ALLOW_H */
