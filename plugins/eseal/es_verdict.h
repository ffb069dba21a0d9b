/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verdicts in ETSI EN 319 102-1 terms and the report of one verification.
 *
 * The (indication, sub-indication) pairs are data (es_verdict.c): validators
 * differ on where some sub-indications belong (EXPIRED is one), so a change of
 * mind is a change of one table row.
 */
#ifndef ESEAL_ES_VERDICT_H
#define ESEAL_ES_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum es_indication {
	ES_TOTAL_PASSED = 0,
	ES_TOTAL_FAILED,
	ES_INDETERMINATE,
};

enum es_sub {
	ES_SUB_NONE = 0,
	ES_FORMAT_FAILURE,
	ES_HASH_FAILURE,
	ES_SIG_CRYPTO_FAILURE,
	ES_REVOKED,
	ES_EXPIRED,
	ES_NOT_YET_VALID,
	ES_SIG_CONSTRAINTS_FAILURE,
	ES_CHAIN_CONSTRAINTS_FAILURE,
	ES_CERTIFICATE_CHAIN_GENERAL_FAILURE,
	ES_CRYPTO_CONSTRAINTS_FAILURE,
	ES_POLICY_PROCESSING_ERROR,
	ES_TIMESTAMP_ORDER_FAILURE,
	ES_NO_SIGNING_CERTIFICATE_FOUND,
	ES_NO_CERTIFICATE_CHAIN_FOUND,
	ES_REVOKED_NO_POE,
	ES_REVOKED_CA_NO_POE,
	ES_OUT_OF_BOUNDS_NOT_REVOKED,
	ES_OUT_OF_BOUNDS_NO_POE,
	ES_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
	ES_NO_POE,
	ES_TRY_LATER,
	ES_SIGNED_DATA_NOT_FOUND,
	ES_SUB_COUNT,
};

/* The state of one check in a report. */
enum es_check {
	ES_CHECK_SKIPPED = 0, /* not reached, or not applicable */
	ES_CHECK_PASSED,
	ES_CHECK_FAILED,
	ES_CHECK_ABSENT,  /* the material for it is not in the seal */
	ES_CHECK_UNKNOWN, /* could not be decided (no revocation data, ...) */
};

enum es_check_id {
	ES_CHK_FORMAT = 0,   /* CMS SignedData parsed, signer found */
	ES_CHK_SIGNED_ATTRS, /* content-type and message-digest present */
	ES_CHK_SIGNATURE,    /* signature value over the signed attributes */
	ES_CHK_DIGEST,       /* message-digest against the content */
	ES_CHK_SIGNING_CERT, /* ESS signing-certificate(-v2) binds the certificate */
	ES_CHK_CHAIN,        /* chain to a trust anchor at the time used */
	ES_CHK_REVOCATION,   /* CRL / OCSP status of the chain */
	ES_CHK_TIMESTAMP,    /* signature timestamp: imprint and TSA signature */
	ES_CHK_CONSTRAINTS,  /* cryptographic constraints */
	ES_CHK_COUNT,
};

#define ES_TIME_NONE INT64_MIN

struct es_result {
	enum es_indication r_ind;
	enum es_sub r_sub;
	char r_reason[512];     /* plain language, for people */
	int r_level;            /* assurance level 1 or 2; 0 unless TOTAL-PASSED */
	char r_level_rule[160]; /* which map entry gave the level */
	char r_baseline[8];     /* "B-B", "B-T", "B-LT", "B-LTA" or "" */
	bool r_detached;        /* the content was outside the seal */
	enum es_check r_checks[ES_CHK_COUNT];
	char r_check_note[ES_CHK_COUNT][160];
	/* The sealing organisation, from the seal certificate's subject. */
	char r_org[256];         /* O */
	char r_org_id[128];      /* organizationIdentifier (2.5.4.97) */
	char r_common_name[256]; /* CN */
	char r_country[8];       /* C */
	char r_subject[512];
	char r_issuer[512];
	char r_serial[96];
	char r_cert_sha256[65];
	char r_anchor[512]; /* subject of the trust anchor reached */
	int64_t r_cert_not_before;
	int64_t r_cert_not_after;
	char r_digest_alg[32];
	char r_sig_alg[48];
	int r_key_bits;
	/* Times, seconds since the epoch, ES_TIME_NONE when absent. */
	int64_t r_validation_time; /* "now" or the requested time */
	int64_t r_signing_time;    /* the signing-time attribute: a claim only */
	int64_t r_poe_time;        /* proof of existence from a verified timestamp */
	int64_t r_revocation_time; /* when the certificate was revoked */
	int r_timestamps;          /* signature timestamps found */
	int r_archive_timestamps;  /* archive timestamps found */
	int r_archive_valid;       /* of which the TSA's signature verifies */
	int r_signers;             /* SignerInfos in the seal */
	int r_signer;              /* the one reported: the first that does not pass, else 0 */
};

void es_result_init(struct es_result *r, int64_t validation_time);
/* Sets the verdict once: the first failure found stands. */
void es_result_fail(struct es_result *r, enum es_sub sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void es_result_check(struct es_result *r, enum es_check_id id, enum es_check state, const char *fmt,
	...) __attribute__((format(printf, 4, 5)));
bool es_result_failed(const struct es_result *r);

enum es_indication es_sub_indication(enum es_sub sub);
const char *es_indication_name(enum es_indication ind);
const char *es_sub_name(enum es_sub sub);
const char *es_check_name(enum es_check state);
const char *es_check_id_name(enum es_check_id id);

/* The report as a JSON object (the eseal_verdict event body). */
json_t *es_result_json(const struct es_result *r);
/* ISO 8601 UTC ("2026-11-26T12:00:00Z"), or "" for ES_TIME_NONE. */
void es_time_str(int64_t t, char *buf, size_t len);

#endif /* ESEAL_ES_VERDICT_H */
