/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subscriber mapping: the prefix tables in DPDK's LPM (rte_lpm for IPv4,
 * rte_lpm6 for IPv6), built on the control thread inside mamorid's EAL.
 * The next hop is the ISP's index.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_memory.h>

#include "subscriber.h"

void
iot_subs_free(struct iot_subs *s)
{
	if (s == NULL)
		return;
	rte_lpm_free(s->s_lpm4);
	rte_lpm6_free(s->s_lpm6);
	iot_subs_free_tables(s);
}

int
iot_subs_build(struct iot_subs *s, const char *name, char *err, size_t errlen)
{
	uint32_t n4 = 0, n6 = 0;
	char nm[RTE_LPM_NAMESIZE];

	for (size_t i = 0; i < s->s_nprefixes; i++) {
		if (s->s_prefixes[i].sp_prefix.p_len >= 96 &&
			s->s_prefixes[i].sp_prefix.p_addr.a_bytes[10] == 0xff &&
			s->s_prefixes[i].sp_prefix.p_addr.a_bytes[11] == 0xff)
			n4++;
		else
			n6++;
	}
	if (n4 > 0) {
		struct rte_lpm_config cfg = { .max_rules = n4, .number_tbl8s = n4 + 16 };

		snprintf(nm, sizeof(nm), "iot4_%s", name);
		if ((s->s_lpm4 = rte_lpm_create(nm, SOCKET_ID_ANY, &cfg)) == NULL) {
			snprintf(err, errlen, "rte_lpm_create(%u prefixes): %s", n4,
				rte_strerror(rte_errno));
			return (-ENOMEM);
		}
	}
	if (n6 > 0) {
		struct rte_lpm6_config cfg = { .max_rules = n6, .number_tbl8s = 16 * n6 + 64 };

		snprintf(nm, sizeof(nm), "iot6_%s", name);
		if ((s->s_lpm6 = rte_lpm6_create(nm, SOCKET_ID_ANY, &cfg)) == NULL) {
			snprintf(err, errlen, "rte_lpm6_create(%u prefixes): %s", n6,
				rte_strerror(rte_errno));
			return (-ENOMEM);
		}
	}
	for (size_t i = 0; i < s->s_nprefixes; i++) {
		const struct mm_prefix *p = &s->s_prefixes[i].sp_prefix;
		const uint8_t *b = p->p_addr.a_bytes;
		int rv;

		if (p->p_len >= 96 && b[10] == 0xff && b[11] == 0xff && s->s_lpm4 != NULL)
			rv = rte_lpm_add(s->s_lpm4,
				(uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
					(uint32_t)b[14] << 8 | b[15],
				(uint8_t)(p->p_len - 96), s->s_prefixes[i].sp_isp);
		else
			rv = rte_lpm6_add(s->s_lpm6, b, p->p_len == 0 ? 1 : p->p_len,
				s->s_prefixes[i].sp_isp);
		if (rv < 0) {
			snprintf(err, errlen, "adding prefix %zu to the LPM: %s", i + 1,
				rte_strerror(-rv));
			return (rv);
		}
	}
	return (0);
}

void
iot_subs_lookup(const struct iot_subs *s, const struct mm_addr *a, int64_t t, const char **isp,
	const char **customer)
{
	const uint8_t *b = a->a_bytes;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint32_t hop;
	int rv = -ENOENT;

	*isp = NULL;
	*customer = NULL;
	if (s == NULL)
		return;
	if (memcmp(b, mapped, sizeof(mapped)) == 0) {
		if (s->s_lpm4 != NULL)
			rv = rte_lpm_lookup(s->s_lpm4,
				(uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
					(uint32_t)b[14] << 8 | b[15],
				&hop);
	} else if (s->s_lpm6 != NULL) {
		rv = rte_lpm6_lookup(s->s_lpm6, b, &hop);
	}
	if (rv == 0 && hop < s->s_nisps)
		*isp = s->s_isps[hop];
	*customer = iot_subs_customer(s, a, t);
}
