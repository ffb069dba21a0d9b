/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: SSH openings (banner and KEXINIT), both directions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 16384, half;
	struct pqc_rec *r = calloc(1, sizeof(*r) + 2 * cap);
	struct pqc_session_stats st = { 0, 0 };

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
	ssh_status(data, size);
	r->r_cap = (uint32_t)cap;
	r->r_proto = PQC_PROTO_SSH;
	r->r_len[0] = (uint32_t)(half < cap ? half : cap);
	r->r_len[1] = (uint32_t)(size - half < cap ? size - half : cap);
	memcpy(r->r_data, data, r->r_len[0]);
	memcpy(r->r_data + cap, data + half, r->r_len[1]);
	json_decref(pqc_session_json(r, NULL, &st));
	free(r);
	return (0);
}
