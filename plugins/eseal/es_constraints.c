/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of acceptable algorithms. */
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>

#include "es_constraints.h"

/* Dates as seconds since the epoch (UTC midnight). */
#define ES_2005_01_01 1104537600LL
#define ES_2012_08_01 1343779200LL
#define ES_2029_01_01 1861920000LL
#define ES_FOREVER    INT64_MAX

static const struct {
	int dr_nid;
	int64_t dr_until; /* acceptable for uses before this time */
} es_digests[] = {
	{ NID_md5, ES_2005_01_01 },
	{ NID_sha1, ES_2012_08_01 },
	{ NID_sha224, ES_2029_01_01 },
	{ NID_sha256, ES_FOREVER },
	{ NID_sha384, ES_FOREVER },
	{ NID_sha512, ES_FOREVER },
	{ NID_sha512_256, ES_FOREVER },
	{ NID_sha3_256, ES_FOREVER },
	{ NID_sha3_384, ES_FOREVER },
	{ NID_sha3_512, ES_FOREVER },
};

static void
es_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

enum es_crypto_ok
es_constraints_digest(int md_nid, int64_t at, char *why, size_t len)
{
	char d[16];

	for (size_t i = 0; i < sizeof(es_digests) / sizeof(es_digests[0]); i++) {
		if (es_digests[i].dr_nid != md_nid)
			continue;
		if (at < es_digests[i].dr_until)
			return (ES_CRYPTO_OK);
		es_date(es_digests[i].dr_until, d, sizeof(d));
		snprintf(why, len, "%s is not acceptable after %s", OBJ_nid2sn(md_nid), d);
		return (ES_CRYPTO_EXPIRED);
	}
	snprintf(why, len, "digest algorithm %s is not an accepted algorithm",
		md_nid == NID_undef ? "(unknown)" : OBJ_nid2sn(md_nid));
	return (ES_CRYPTO_REFUSED);
}

enum es_crypto_ok
es_constraints_key(const struct es_policy *p, EVP_PKEY *pk, int64_t at, char *why, size_t len)
{
	int bits = EVP_PKEY_get_bits(pk);
	char d[16];

	if (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS")) {
		if (bits < (int)p->p_rsa_min_bits) {
			snprintf(why, len, "RSA key of %d bits, below the %u required", bits,
				p->p_rsa_min_bits);
			return (ES_CRYPTO_REFUSED);
		}
		if (bits < 3000 && at >= ES_2029_01_01) {
			es_date(ES_2029_01_01, d, sizeof(d));
			snprintf(why, len, "RSA keys below 3000 bits are not acceptable after %s",
				d);
			return (ES_CRYPTO_EXPIRED);
		}
		return (ES_CRYPTO_OK);
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (bits < (int)p->p_ec_min_bits) {
			snprintf(why, len, "EC key of %d bits, below the %u required", bits,
				p->p_ec_min_bits);
			return (ES_CRYPTO_REFUSED);
		}
		return (ES_CRYPTO_OK);
	}
	if (EVP_PKEY_is_a(pk, "ED25519") || EVP_PKEY_is_a(pk, "ED448"))
		return (ES_CRYPTO_OK);
	snprintf(why, len, "%s keys are not accepted", EVP_PKEY_get0_type_name(pk));
	return (ES_CRYPTO_REFUSED);
}
