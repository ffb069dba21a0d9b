/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verification policy: what is trusted (es_trust), which assurance level
 * a trusted seal gets, what a gateway requires, and the limits on inputs.
 * Loaded from a YAML file (configs/eseal/policy.yaml documents every key).
 */
#ifndef ESEAL_ES_POLICY_H
#define ESEAL_ES_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_trust.h"

enum es_revmode {
	ES_REV_IGNORE = 0, /* do not look at revocation data */
	ES_REV_CHECK,      /* use what is there; none found is reported, not failed */
	ES_REV_REQUIRE,    /* no status for the seal certificate: INDETERMINATE/TRY_LATER */
};

/*
 * One entry of the level map: every condition given must hold.  The first
 * matching entry gives the level; a trusted seal no entry matches is level 1.
 */
struct es_level_rule {
	char lr_ca_sha256[65];    /* a CA of the chain (anchor included), lowercase hex */
	char lr_ca_subject[256];  /* a CA's subject, in OpenSSL's one-line RFC 2253 form */
	char lr_policy_oid[96];   /* in the seal certificate's certificatePolicies */
	char lr_qc_type[96];      /* a QcType of its QCStatements (OID) */
	char lr_tl_qualifier[64]; /* a qualifier of the anchor's trusted-list service */
	char lr_tl_service[64];   /* the anchor's trusted-list service type (QC, ...) */
	int lr_level;
	int lr_line; /* where it was defined */
};

struct es_policy {
	struct es_trust p_trust;
	struct es_level_rule *p_rules;
	size_t p_nrules;
	char p_path[256];         /* the policy file, for messages */
	int p_require_level;      /* gateway: refuse below this level (0: any valid seal) */
	bool p_require_timestamp; /* no verified signature timestamp: INDETERMINATE/NO_POE */
	enum es_revmode p_revocation;
	size_t p_max_seal;     /* bytes */
	size_t p_max_content;  /* bytes */
	unsigned p_timeout_ms; /* per request (HTTP endpoint and gateway) */
	unsigned p_rsa_min_bits;
	unsigned p_ec_min_bits;
	unsigned p_tl_count; /* trusted lists loaded */
};

#define ES_DEFAULT_MAX_SEAL    (4u << 20)
#define ES_DEFAULT_MAX_CONTENT (64u << 20)
#define ES_DEFAULT_TIMEOUT_MS  10000u

/* The defaults, no anchors. */
int es_policy_init(struct es_policy *p);
void es_policy_free(struct es_policy *p);
/* Loads a policy file into p (initialised by es_policy_init). */
int es_policy_load(struct es_policy *p, const char *path, char *err, size_t errlen);
/* Parses an "at" time: ISO 8601 UTC (2020-03-01T12:00:00Z, 2020-03-01) or @EPOCH. */
int es_parse_time(const char *s, int64_t *out);

#endif /* ESEAL_ES_POLICY_H */
