/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake fingerprints as their authors define them: JA3 and JA3S
 * (Salesforce, BSD-3), JA4 (FoxIO, BSD-3; JA4S and the rest of JA4+ are
 * under another licence and not provided) and HASSH / HASSHServer.
 */
#ifndef PQC_FINGERPRINT_H
#define PQC_FINGERPRINT_H

#include <stddef.h>

#include "tls.h"

#define FP_MD5_HEX 33 /* 32 hex digits and a NUL */
#define FP_JA4_LEN 40 /* "t13d1516h2_8daaf6152771_e5627efa2ab1" and a NUL */
#define FP_STR_LEN 4096

/* The JA3 string (decimal, GREASE removed) and its MD5.  0, or -ENOSPC. */
int fp_ja3(const struct tls_client_hello *ch, char *str, size_t len, char md5[FP_MD5_HEX]);
/* The JA3S string and its MD5. */
int fp_ja3s(const struct tls_server_hello *sh, char *str, size_t len, char md5[FP_MD5_HEX]);
/* JA4 for a ClientHello over TCP (proto 't') or QUIC ('q'). */
int fp_ja4(const struct tls_client_hello *ch, char proto, char out[FP_JA4_LEN]);
/* HASSH of "kex;enc;mac;comp" (the caller joins the four name-lists). */
int fp_md5_hex(const void *data, size_t len, char md5[FP_MD5_HEX]);

#endif /* PQC_FINGERPRINT_H */
