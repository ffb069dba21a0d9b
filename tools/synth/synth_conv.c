/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "synth_conv.h"
#include "synth_pkt.h"

#define KEY_LEN (2 + 2 * 18) /* proto, family, then two (address, port) endpoints */

struct synth_conv_entry {
	uint8_t ce_key[KEY_LEN];
	uint8_t ce_used;
	uint8_t ce_base_set[2]; /* a first sequence number is known for direction 0 / 1 */
	uint32_t ce_base[2];
};

struct parsed {
	uint8_t pa_proto;
	uint8_t pa_family;
	const uint8_t *pa_src; /* 4 or 16 bytes */
	const uint8_t *pa_dst;
	const uint8_t *pa_l4;
	size_t pa_l4len;
};

void
synth_conv_init(struct synth_conv *cv)
{
	memset(cv, 0, sizeof(*cv));
}

void
synth_conv_fini(struct synth_conv *cv)
{
	free(cv->cv_tab);
	memset(cv, 0, sizeof(*cv));
}

/* Decodes down to the transport header as tshark would accept it; false otherwise. */
static bool
parse(const uint8_t *f, size_t len, struct parsed *pa)
{
	size_t off = 12, ihl, tot;
	uint16_t type;
	int tags = 0;

	if (len < 14)
		return false;
	type = synth_get16(f + off);
	while ((type == SYNTH_ETH_VLAN || type == SYNTH_ETH_QINQ) && tags < 2) {
		off += 4;
		if (off + 2 > len)
			return false;
		type = synth_get16(f + off);
		tags++;
	}
	off += 2;
	f += off;
	len -= off;
	if (type == SYNTH_ETH_IPV4) {
		if (len < 20 || (f[0] >> 4) != 4)
			return false;
		ihl = (size_t)(f[0] & 0x0f) * 4;
		tot = synth_get16(f + 2);
		if (ihl < 20 || tot < ihl || tot > len)
			return false;
		/* Only the fragment at offset 0 carries the ports. */
		if ((synth_get16(f + 6) & 0x1fff) != 0)
			return false;
		pa->pa_family = 4;
		pa->pa_proto = f[9];
		pa->pa_src = f + 12;
		pa->pa_dst = f + 16;
		pa->pa_l4 = f + ihl;
		pa->pa_l4len = tot - ihl;
	} else if (type == SYNTH_ETH_IPV6) {
		if (len < 40 || (f[0] >> 4) != 6 || (size_t)synth_get16(f + 4) + 40 > len)
			return false;
		pa->pa_family = 6;
		pa->pa_proto = f[6];
		pa->pa_src = f + 8;
		pa->pa_dst = f + 24;
		pa->pa_l4 = f + 40;
		pa->pa_l4len = synth_get16(f + 4);
	} else {
		return false;
	}
	if (pa->pa_proto == SYNTH_PROTO_TCP) {
		size_t doff;

		if (pa->pa_l4len < 20)
			return false;
		doff = (size_t)(pa->pa_l4[12] >> 4) * 4;
		return doff >= 20 && doff <= pa->pa_l4len;
	}
	if (pa->pa_proto == SYNTH_PROTO_UDP)
		return pa->pa_l4len >= 8;
	return false;
}

static uint64_t
hash_key(const uint8_t *k)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < KEY_LEN; i++)
		h = (h ^ k[i]) * 0x100000001b3ULL;
	return h;
}

static struct synth_conv_entry *
slot(struct synth_conv_entry *tab, size_t cap, const uint8_t *key)
{
	size_t i = (size_t)hash_key(key) & (cap - 1);

	while (tab[i].ce_used && memcmp(tab[i].ce_key, key, KEY_LEN) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int
grow(struct synth_conv *cv)
{
	size_t ncap = cv->cv_cap == 0 ? 1024 : cv->cv_cap * 2;
	struct synth_conv_entry *ntab = calloc(ncap, sizeof(*ntab));

	if (ntab == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < cv->cv_cap; i++)
		if (cv->cv_tab[i].ce_used)
			*slot(ntab, ncap, cv->cv_tab[i].ce_key) = cv->cv_tab[i];
	free(cv->cv_tab);
	cv->cv_tab = ntab;
	cv->cv_cap = ncap;
	return 0;
}

int
synth_conv_frame(struct synth_conv *cv, const uint8_t *frame, size_t len)
{
	uint8_t key[KEY_LEN], ep[2][18];
	struct synth_conv_entry *e;
	struct parsed pa;
	size_t alen;
	int dir, rv;

	if (!parse(frame, len, &pa))
		return 0;
	alen = pa.pa_family == 4 ? 4 : 16;
	memset(ep, 0, sizeof(ep));
	memcpy(ep[0], pa.pa_src, alen);
	memcpy(ep[0] + 16, pa.pa_l4, 2);
	memcpy(ep[1], pa.pa_dst, alen);
	memcpy(ep[1] + 16, pa.pa_l4 + 2, 2);
	/* Direction 0 goes from the lower endpoint to the higher one. */
	dir = memcmp(ep[0], ep[1], 18) <= 0 ? 0 : 1;
	key[0] = pa.pa_proto;
	key[1] = pa.pa_family;
	memcpy(key + 2, ep[dir], 18);
	memcpy(key + 20, ep[1 - dir], 18);

	if (cv->cv_used * 2 >= cv->cv_cap && (rv = grow(cv)) != 0)
		return rv;
	e = slot(cv->cv_tab, cv->cv_cap, key);
	if (!e->ce_used) {
		memset(e, 0, sizeof(*e));
		memcpy(e->ce_key, key, KEY_LEN);
		e->ce_used = 1;
		cv->cv_used++;
		if (pa.pa_proto == SYNTH_PROTO_UDP)
			cv->cv_udp++;
		else
			cv->cv_tcp++;
	}
	if (pa.pa_proto == SYNTH_PROTO_TCP) {
		uint32_t seq = synth_get32(pa.pa_l4 + 4);
		uint8_t flags = pa.pa_l4[13];

		if ((flags & (SYNTH_TH_SYN | SYNTH_TH_ACK)) == SYNTH_TH_SYN &&
			e->ce_base_set[dir] && e->ce_base[dir] != seq) {
			/* Port reuse: tshark opens a new stream and a new table row. */
			cv->cv_tcp++;
			e->ce_base_set[1 - dir] = 0;
			e->ce_base_set[dir] = 0;
		}
		if (!e->ce_base_set[dir]) {
			e->ce_base[dir] = seq;
			e->ce_base_set[dir] = 1;
		}
	}
	return 0;
}
