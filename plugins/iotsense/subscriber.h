/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subscriber mapping: which ISP an address belongs to (a prefix file, longest
 * prefix match with rte_lpm / rte_lpm6) and which customer held it at a given
 * time (assignment records, as a RADIUS accounting export gives them).
 *
 * Prefix file, CSV, one prefix a line ('#' comments, an optional header):
 *	prefix,isp
 *	10.0.0.0/16,isp-a
 *	2001:db8:1::/48,isp-a
 *
 * Assignment file, CSV (an optional header "address,customer,start,stop"):
 *	10.0.241.80,cust-0001,2026-04-01T00:00:00Z,2026-04-02T00:00:00Z
 *	10.0.88.109,cust-0002,1775001600,
 * start and stop are RFC 3339 UTC times or Unix seconds; an empty stop means
 * the address is still assigned.  The interval is [start, stop).
 *
 * Malformed lines are skipped and counted; the first one is described.
 */
#ifndef IOTSENSE_SUBSCRIBER_H
#define IOTSENSE_SUBSCRIBER_H

#include <stddef.h>
#include <stdint.h>

#include <mamori/netaddr.h>

#define IOT_SUB_NAME_MAX 64

struct iot_sub_prefix {
	struct mm_prefix sp_prefix;
	uint32_t sp_isp; /* index into s_isps */
};

struct iot_sub_assign {
	struct mm_addr sa_addr;
	int64_t sa_start; /* Unix seconds */
	int64_t sa_stop;  /* INT64_MAX while open */
	char sa_customer[IOT_SUB_NAME_MAX];
};

struct iot_subs {
	char (*s_isps)[IOT_SUB_NAME_MAX];
	size_t s_nisps;
	struct iot_sub_prefix *s_prefixes;
	size_t s_nprefixes;
	struct iot_sub_assign *s_assigns; /* sorted by address, then start */
	size_t s_nassigns;
	struct rte_lpm *s_lpm4;
	struct rte_lpm6 *s_lpm6;
};

struct iot_subs *iot_subs_new(void);
/* Frees the tables and the LPMs (control thread). */
void iot_subs_free(struct iot_subs *s);
/* Frees the parsed tables of a mapping that has no LPMs built. */
void iot_subs_free_tables(struct iot_subs *s);
int iot_subs_parse_prefixes(
	struct iot_subs *s, const char *text, size_t len, size_t *bad, char *err, size_t errlen);
int iot_subs_parse_assignments(
	struct iot_subs *s, const char *text, size_t len, size_t *bad, char *err, size_t errlen);
/* Parses "a.b.c.d/n", "x::/n" or a bare address into the mapped form. */
int iot_prefix_parse(const char *s, struct mm_prefix *p);
/* "2026-04-01T00:00:00Z" (or with fraction or +00:00) or Unix seconds; -1 when malformed. */
int iot_parse_time(const char *s, int64_t *out);

/* Builds the LPM tables (needs DPDK's EAL); name makes them unique in the process. */
int iot_subs_build(struct iot_subs *s, const char *name, char *err, size_t errlen);
/* The ISP of an address (NULL when none) and its customer at time t (NULL when none). */
void iot_subs_lookup(const struct iot_subs *s, const struct mm_addr *a, int64_t t, const char **isp,
	const char **customer);
/* The customer alone, by the assignment records. */
const char *iot_subs_customer(const struct iot_subs *s, const struct mm_addr *a, int64_t t);

#endif /* IOTSENSE_SUBSCRIBER_H */
