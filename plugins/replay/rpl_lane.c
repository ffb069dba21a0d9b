/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_jhash.h>

#include "rpl_lane.h"

#define ETH_HLEN    14
#define ET_IPV4     0x0800
#define ET_IPV6     0x86dd
#define ET_VLAN     0x8100
#define ET_QINQ     0x88a8
#define ET_QINQ_OLD 0x9100
#define IPV6_HLEN   40
/* An endpoint: an IPv6 address (or an IPv4 one, zero-padded) and a port. */
#define EP_LEN 18

static uint16_t
be16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static bool
has_ports(uint8_t proto)
{
	return (proto == 6 || proto == 17 || proto == 132);
}

/*
 * Hashes the two endpoints in a fixed order, so the hash is the same both
 * ways.  The key is a whole number of words: rte_jhash reads words.
 */
static uint32_t
hash_pair(uint8_t a[EP_LEN], uint8_t b[EP_LEN], uint8_t proto)
{
	uint8_t key[RTE_ALIGN(2 * EP_LEN + 1, 4)] = { 0 };
	bool swap = memcmp(a, b, EP_LEN) > 0;

	memcpy(key, swap ? b : a, EP_LEN);
	memcpy(key + EP_LEN, swap ? a : b, EP_LEN);
	key[2 * EP_LEN] = proto;
	return (rte_jhash(key, sizeof(key), 0));
}

/*
 * Walks IPv6 extension headers to the transport protocol; *frag is set when
 * a fragment header is met (no ports to read then).
 */
static const uint8_t *
ipv6_l4(const uint8_t *ip, const uint8_t *end, uint8_t *proto, bool *frag)
{
	const uint8_t *p = ip + IPV6_HLEN;
	uint8_t nh = ip[6];

	for (int i = 0; i < 8; i++) {
		if (nh == 44) {
			*frag = true;
			break;
		}
		if (nh != 0 && nh != 43 && nh != 60)
			break;
		if (p + 2 > end)
			return (NULL);
		nh = p[0];
		p += ((size_t)p[1] + 1) * 8;
	}
	*proto = nh;
	return (p);
}

uint32_t
rpl_flow_hash(const uint8_t *f, uint32_t len)
{
	const uint8_t *end = f + len, *ip = f + ETH_HLEN, *l4 = NULL;
	uint8_t a[EP_LEN] = { 0 }, b[EP_LEN] = { 0 }, proto = 0;
	uint16_t et;
	bool frag = false;

	if (len < ETH_HLEN) {
		memcpy(a, f, len);
		return (hash_pair(a, b, 0));
	}
	et = be16(f + 12);
	for (int tags = 0; tags < 2 && (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD);
		tags++) {
		if (ip + 4 > end)
			break;
		et = be16(ip + 2);
		ip += 4;
	}
	if (et == ET_IPV4 && ip + 20 <= end && ip[0] >> 4 == 4) {
		proto = ip[9];
		memcpy(a, ip + 12, 4);
		memcpy(b, ip + 16, 4);
		/* More fragments, or an offset: ports are in the first fragment only. */
		frag = (be16(ip + 6) & 0x3fff) != 0;
		l4 = ip + (size_t)(ip[0] & 15) * 4;
	} else if (et == ET_IPV6 && ip + IPV6_HLEN <= end && ip[0] >> 4 == 6) {
		memcpy(a, ip + 8, 16);
		memcpy(b, ip + 24, 16);
		l4 = ipv6_l4(ip, end, &proto, &frag);
	} else {
		memcpy(a, f + 6, 6);
		memcpy(b, f, 6);
		return (hash_pair(a, b, 0));
	}
	if (!frag && l4 != NULL && has_ports(proto) && l4 + 4 <= end) {
		memcpy(a + 16, l4, 2);
		memcpy(b + 16, l4 + 2, 2);
	}
	return (hash_pair(a, b, proto));
}

/* A frame (or a flow) and its flow hash, to group the frames of a flow. */
struct keyed {
	uint32_t k_hash;
	uint32_t k_idx;
};

/* A flow: how many frames of the schedule it holds, and the lane it goes to. */
struct flow {
	uint64_t fl_frames;
	uint32_t fl_hash;
	uint8_t fl_lane;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->k_hash != y->k_hash)
		return (x->k_hash < y->k_hash ? -1 : 1);
	return (x->k_idx < y->k_idx ? -1 : x->k_idx > y->k_idx);
}

static int
flow_cmp(const void *a, const void *b)
{
	const struct flow *x = *(const struct flow *const *)a, *y = *(const struct flow *const *)b;

	if (x->fl_frames != y->fl_frames)
		return (x->fl_frames > y->fl_frames ? -1 : 1);
	return (x->fl_hash < y->fl_hash ? -1 : x->fl_hash > y->fl_hash);
}

/*
 * Gives each frame of en its lane: the frames of a flow are grouped by hash
 * and the flows dealt out biggest first, each to the lane with the fewest
 * scheduled frames so far, so the lanes end together unless one flow
 * outweighs the rest.
 */
static int
assign(const struct rpl_engine *en, unsigned n, uint8_t *lane_of)
{
	size_t nf = en->en_nframes, nflows = 0;
	struct keyed *kf = malloc((nf == 0 ? 1 : nf) * sizeof(*kf));
	uint64_t *weight = calloc(nf == 0 ? 1 : nf, sizeof(*weight));
	struct flow *flows = malloc((nf == 0 ? 1 : nf) * sizeof(*flows));
	struct flow **order = malloc((nf == 0 ? 1 : nf) * sizeof(*order));
	uint64_t load[RPL_LANE_MAX] = { 0 };
	int rv = -ENOMEM;

	if (kf == NULL || weight == NULL || flows == NULL || order == NULL)
		goto out;
	for (size_t i = 0; i < en->en_sched.sc_n; i++)
		weight[en->en_sched.sc_ent[i].e_pkt]++;
	for (size_t i = 0; i < nf; i++) {
		uint32_t len;
		const uint8_t *f = rpl_engine_frame(en, (uint32_t)i, &len);

		kf[i] = (struct keyed){ rpl_flow_hash(f, len), (uint32_t)i };
	}
	qsort(kf, nf, sizeof(*kf), keyed_cmp);
	for (size_t i = 0; i < nf; i++) {
		if (i == 0 || kf[i].k_hash != kf[i - 1].k_hash)
			flows[nflows++] = (struct flow){ 0, kf[i].k_hash, 0 };
		flows[nflows - 1].fl_frames += weight[kf[i].k_idx];
	}
	for (size_t g = 0; g < nflows; g++)
		order[g] = &flows[g];
	qsort(order, nflows, sizeof(*order), flow_cmp);
	for (size_t g = 0; g < nflows; g++) {
		unsigned best = 0;

		for (unsigned k = 1; k < n; k++)
			if (load[k] < load[best])
				best = k;
		order[g]->fl_lane = (uint8_t)best;
		load[best] += order[g]->fl_frames;
	}
	for (size_t i = 0, g = 0; i < nf; i++) {
		if (i > 0 && kf[i].k_hash != kf[i - 1].k_hash)
			g++;
		lane_of[kf[i].k_idx] = flows[g].fl_lane;
	}
	rv = 0;
out:
	free(kf);
	free(weight);
	free(flows);
	free(order);
	return (rv);
}

int
rpl_lane_split(const struct rpl_engine *en, unsigned n, struct rpl_sched *lanes)
{
	const struct rpl_sched *sc = &en->en_sched;
	size_t count[RPL_LANE_MAX] = { 0 };
	uint8_t *lane_of;

	if (n == 0 || n > RPL_LANE_MAX)
		return (-EINVAL);
	memset(lanes, 0, n * sizeof(*lanes));
	if ((lane_of = malloc(en->en_nframes == 0 ? 1 : en->en_nframes)) == NULL)
		return (-ENOMEM);
	if (assign(en, n, lane_of) != 0) {
		free(lane_of);
		return (-ENOMEM);
	}
	for (size_t i = 0; i < sc->sc_n; i++)
		count[lane_of[sc->sc_ent[i].e_pkt]]++;
	for (unsigned k = 0; k < n; k++) {
		if (count[k] > 0 &&
			(lanes[k].sc_ent = malloc(count[k] * sizeof(*lanes[k].sc_ent))) == NULL) {
			for (unsigned j = 0; j < k; j++)
				rpl_sched_fini(&lanes[j]);
			free(lane_of);
			return (-ENOMEM);
		}
	}
	for (size_t i = 0; i < sc->sc_n; i++) {
		struct rpl_sched *ln = &lanes[lane_of[sc->sc_ent[i].e_pkt]];

		ln->sc_ent[ln->sc_n++] = sc->sc_ent[i];
		ln->sc_end_ns = sc->sc_ent[i].e_t_ns;
	}
	free(lane_of);
	return (0);
}
