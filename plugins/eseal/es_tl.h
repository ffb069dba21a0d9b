/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ETSI TS 119 612 trusted lists (v5, and v6 in force in the EU since
 * 2026-04-28): the list's enveloped XML signature is verified with xmlsec
 * against a pinned signer certificate, with the checks that defeat XML
 * signature wrapping, and then the certificates of its positive CA and TSA
 * services become trust anchors with what the list says about them.
 */
#ifndef ESEAL_ES_TL_H
#define ESEAL_ES_TL_H

#include <stddef.h>

#include "es_trust.h"

/* Largest list accepted (the EU's biggest national lists are a few MiB). */
#define ES_TL_MAX_BYTES (32u << 20)

/*
 * Verifies the list in file (signed by the certificate in the PEM file
 * signer) and adds its services' certificates to t.  Returns the number of
 * anchors added, or -1 with the reason in err.
 */
int es_tl_load(struct es_trust *t, const char *file, const char *signer, char *err, size_t errlen);
/* The same from memory (name for messages). */
int es_tl_load_mem(struct es_trust *t, const char *name, const uint8_t *xml, size_t len,
	const char *signer, char *err, size_t errlen);

#endif /* ESEAL_ES_TL_H */
