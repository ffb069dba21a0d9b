/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the packet decoder.  Besides the sanitizers' checks it
 * aborts when a result breaks the decoder's contract: every pointer it hands
 * back, with the length that goes with it, lies inside the frame, and the
 * layer, the pointers and the anomaly agree with one another.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
span_ok(const uint8_t *buf, size_t len, const uint8_t *ptr, size_t n)
{
	uintptr_t b = (uintptr_t)buf, e = b + len, x = (uintptr_t)ptr;

	return ptr == NULL || (x >= b && x <= e && n <= e - x);
}

static void
check(const uint8_t *buf, size_t len, const struct dp_pkt *p, int layer)
{
	size_t alen = p->p_family == 6 ? 16 : 4;

	if (layer != p->p_layer || layer < DP_LAYER_NONE || layer > DP_LAYER_L4)
		abort();
	if (p->p_anomaly >= DP_AN__COUNT || dp_anomaly_name(p->p_anomaly) == NULL)
		abort();
	if (!span_ok(buf, len, p->p_l3, p->p_l3_len) || !span_ok(buf, len, p->p_l4, 0) ||
		!span_ok(buf, len, p->p_payload, p->p_payload_len) ||
		!span_ok(buf, len, p->p_src, alen) || !span_ok(buf, len, p->p_dst, alen))
		abort();
	/* The layer says which pointers are set; L4 always comes with a payload (maybe empty). */
	if ((p->p_l3 != NULL) != (layer >= DP_LAYER_L3) ||
		(p->p_l4 != NULL) != (layer == DP_LAYER_L4))
		abort();
	if ((p->p_payload != NULL) != (p->p_l4 != NULL) || (p->p_src != NULL) != (p->p_l3 != NULL))
		abort();
	if (p->p_l3 != NULL && p->p_family != 4 && p->p_family != 6)
		abort();
	/* Transport header and payload sit inside the IP packet, in that order. */
	if (p->p_l4 != NULL && (p->p_l4 < p->p_l3 || p->p_payload < p->p_l4 ||
				       p->p_payload + p->p_payload_len > p->p_l3 + p->p_l3_len))
		abort();
	if (p->p_vlan_n > 2 || (layer == DP_LAYER_NONE && p->p_anomaly != DP_AN_ETH_TRUNCATED))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_pkt p;
	uint8_t *buf;
	int layer;

	if (size > UINT32_MAX)
		return 0;
	/* An exactly-sized copy: libFuzzer's own buffer may have slack ASan cannot see. */
	buf = malloc(size);
	if (buf == NULL && size != 0)
		abort();
	if (size != 0)
		memcpy(buf, data, size);
	layer = dp_decode(buf, (uint32_t)size, &p);
	check(buf, size, &p, layer);
	/*
	 * The same bytes as the first segment of a longer frame: reads must still
	 * stay within them, and the payload too; only the IP length may reach past.
	 */
	if (size > 0) {
		layer = dp_decode_seg(
			buf, (uint32_t)size, (uint32_t)size + 1 + buf[size - 1] * 16u, &p);
		if (p.p_l3 != NULL)
			p.p_l3_len = (uint16_t)RTE_MIN(
				(size_t)p.p_l3_len, size - (size_t)(p.p_l3 - buf));
		check(buf, size, &p, layer);
	}
	free(buf);
	return 0;
}
