/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a TLS record stream as both directions of a handshake,
 * through the worker's framing and the control thread's full analysis.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 16384, half;
	struct pqc_rec *r = calloc(1, sizeof(*r) + 2 * cap);
	struct pqc_session_stats st = { 0, 0 };
	uint8_t scratch[16384];
	bool stopped;
	long k;

	/* Input: the client's byte count (2 bytes, big-endian), its bytes, the server's. */
	if (r == NULL || size < 2) {
		free(r);
		return (0);
	}
	half = (size_t)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	if (half > size)
		half = size;
	k = tls_unrecord(data, size, scratch, sizeof(scratch), &stopped);
	if (k >= 0) {
		tls_client_status(scratch, (size_t)k);
		tls_server_status(scratch, (size_t)k, stopped);
	}
	r->r_cap = (uint32_t)cap;
	for (int quic = 0; quic < 2; quic++) {
		r->r_proto = quic ? PQC_PROTO_QUIC : PQC_PROTO_TLS;
		r->r_len[0] = (uint32_t)(half < cap ? half : cap);
		r->r_len[1] = (uint32_t)(size - half < cap ? size - half : cap);
		memcpy(r->r_data, data, r->r_len[0]);
		memcpy(r->r_data + cap, data + half, r->r_len[1]);
		json_decref(pqc_session_json(r, NULL, &st));
	}
	free(r);
	return (0);
}
