/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * E-sealed document uploads: subscribers submit documents to an outside
 * e-filing gateway as HTTP POSTs of CMS SignedData (CAdES-BES, the document
 * enveloped), sealed at generation time with OpenSSL under the fixed test
 * e-seal of synth_seal_key.h.  RSA PKCS#1 v1.5 signatures and a signing
 * time taken from the capture clock keep the bytes deterministic.  Some
 * uploads are tampered with after sealing (one byte of the document
 * changed), so a verifier must find a digest mismatch.
 */
#ifndef SYNTH_ESEAL_H
#define SYNTH_ESEAL_H

#include "synth_net.h"

#define SYNTH_ESEAL_PORT 80

struct synth_eseal_params {
	uint32_t ep_uploads;  /* documents submitted */
	uint32_t ep_tampered; /* of which altered after sealing */
};

int synth_eseal_run(struct synth_ctx *x, const struct synth_eseal_params *p);

#endif /* SYNTH_ESEAL_H */
