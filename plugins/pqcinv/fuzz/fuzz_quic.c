/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a UDP datagram as a QUIC client's first flight: long
 * headers, Initial keys from its DCID, decryption and CRYPTO frames.  The
 * frame walker also gets the raw bytes, since authentication rejects almost
 * every mutated packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quic.h"
#include "reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct quic_crypto *qc;
static uint8_t stream[16384];
static struct reasm ra;

static void
crypto(void *arg, uint64_t off, const uint8_t *p, size_t len)
{
	(void)arg;
	reasm_add(&ra, stream, sizeof(stream), off, p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pkt;
	size_t pos = 0;

	if (qc == NULL && (qc = quic_crypto_new()) == NULL)
		return (0);
	if ((pkt = malloc(size + 1)) == NULL)
		return (0);
	memcpy(pkt, data, size);
	memset(&ra, 0, sizeof(ra));
	quic_frames(data, size, crypto, NULL);
	while (pos < size) {
		struct quic_hdr h;
		struct quic_keys k;
		uint8_t *frames;
		size_t nframes;

		if (quic_parse_long(pkt + pos, size - pos, &h) < 0 || h.h_end == 0)
			break;
		if (h.h_type == QUIC_INITIAL &&
			quic_initial_keys(qc, h.h_version, h.h_dcid, h.h_dcid_len, false, &k) ==
				0 &&
			quic_decrypt(qc, &k, &h, pkt + pos, &frames, &nframes) == 0)
			quic_frames(frames, nframes, crypto, NULL);
		pos += h.h_end;
	}
	free(pkt);
	return (0);
}
