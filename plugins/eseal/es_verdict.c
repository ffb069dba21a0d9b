/* SPDX-License-Identifier: BSD-3-Clause */
/* Verdicts: the (indication, sub-indication) table and the JSON report. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "es_verdict.h"

static const struct {
	const char *sv_name;
	enum es_indication sv_ind;
} es_subs[ES_SUB_COUNT] = {
	[ES_SUB_NONE] = { "", ES_TOTAL_PASSED },
	[ES_FORMAT_FAILURE] = { "FORMAT_FAILURE", ES_TOTAL_FAILED },
	[ES_HASH_FAILURE] = { "HASH_FAILURE", ES_TOTAL_FAILED },
	[ES_SIG_CRYPTO_FAILURE] = { "SIG_CRYPTO_FAILURE", ES_TOTAL_FAILED },
	[ES_REVOKED] = { "REVOKED", ES_TOTAL_FAILED },
	[ES_EXPIRED] = { "EXPIRED", ES_TOTAL_FAILED },
	[ES_NOT_YET_VALID] = { "NOT_YET_VALID", ES_TOTAL_FAILED },
	[ES_SIG_CONSTRAINTS_FAILURE] = { "SIG_CONSTRAINTS_FAILURE", ES_INDETERMINATE },
	[ES_CHAIN_CONSTRAINTS_FAILURE] = { "CHAIN_CONSTRAINTS_FAILURE", ES_INDETERMINATE },
	[ES_CERTIFICATE_CHAIN_GENERAL_FAILURE] = { "CERTIFICATE_CHAIN_GENERAL_FAILURE",
		ES_INDETERMINATE },
	[ES_CRYPTO_CONSTRAINTS_FAILURE] = { "CRYPTO_CONSTRAINTS_FAILURE", ES_INDETERMINATE },
	[ES_POLICY_PROCESSING_ERROR] = { "POLICY_PROCESSING_ERROR", ES_INDETERMINATE },
	[ES_TIMESTAMP_ORDER_FAILURE] = { "TIMESTAMP_ORDER_FAILURE", ES_INDETERMINATE },
	[ES_NO_SIGNING_CERTIFICATE_FOUND] = { "NO_SIGNING_CERTIFICATE_FOUND", ES_INDETERMINATE },
	[ES_NO_CERTIFICATE_CHAIN_FOUND] = { "NO_CERTIFICATE_CHAIN_FOUND", ES_INDETERMINATE },
	[ES_REVOKED_NO_POE] = { "REVOKED_NO_POE", ES_INDETERMINATE },
	[ES_REVOKED_CA_NO_POE] = { "REVOKED_CA_NO_POE", ES_INDETERMINATE },
	[ES_OUT_OF_BOUNDS_NOT_REVOKED] = { "OUT_OF_BOUNDS_NOT_REVOKED", ES_INDETERMINATE },
	[ES_OUT_OF_BOUNDS_NO_POE] = { "OUT_OF_BOUNDS_NO_POE", ES_INDETERMINATE },
	[ES_CRYPTO_CONSTRAINTS_FAILURE_NO_POE] = { "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
		ES_INDETERMINATE },
	[ES_NO_POE] = { "NO_POE", ES_INDETERMINATE },
	[ES_TRY_LATER] = { "TRY_LATER", ES_INDETERMINATE },
	[ES_SIGNED_DATA_NOT_FOUND] = { "SIGNED_DATA_NOT_FOUND", ES_INDETERMINATE },
};

static const char *const es_check_ids[ES_CHK_COUNT] = {
	[ES_CHK_FORMAT] = "format",
	[ES_CHK_SIGNED_ATTRS] = "signed_attributes",
	[ES_CHK_SIGNATURE] = "signature",
	[ES_CHK_DIGEST] = "message_digest",
	[ES_CHK_SIGNING_CERT] = "signing_certificate",
	[ES_CHK_CHAIN] = "chain",
	[ES_CHK_REVOCATION] = "revocation",
	[ES_CHK_TIMESTAMP] = "signature_timestamp",
	[ES_CHK_CONSTRAINTS] = "crypto_constraints",
};

void
es_result_init(struct es_result *r, int64_t validation_time)
{
	memset(r, 0, sizeof(*r));
	r->r_ind = ES_TOTAL_PASSED;
	r->r_sub = ES_SUB_NONE;
	r->r_validation_time = validation_time;
	r->r_signing_time = ES_TIME_NONE;
	r->r_poe_time = ES_TIME_NONE;
	r->r_revocation_time = ES_TIME_NONE;
	r->r_cert_not_before = ES_TIME_NONE;
	r->r_cert_not_after = ES_TIME_NONE;
}

bool
es_result_failed(const struct es_result *r)
{
	return (r->r_sub != ES_SUB_NONE);
}

void
es_result_fail(struct es_result *r, enum es_sub sub, const char *fmt, ...)
{
	va_list ap;

	if (es_result_failed(r) || sub <= ES_SUB_NONE || sub >= ES_SUB_COUNT)
		return;
	r->r_sub = sub;
	r->r_ind = es_subs[sub].sv_ind;
	va_start(ap, fmt);
	vsnprintf(r->r_reason, sizeof(r->r_reason), fmt, ap);
	va_end(ap);
}

void
es_result_check(struct es_result *r, enum es_check_id id, enum es_check state, const char *fmt, ...)
{
	va_list ap;

	r->r_checks[id] = state;
	if (fmt == NULL) {
		r->r_check_note[id][0] = '\0';
		return;
	}
	va_start(ap, fmt);
	vsnprintf(r->r_check_note[id], sizeof(r->r_check_note[id]), fmt, ap);
	va_end(ap);
}

enum es_indication
es_sub_indication(enum es_sub sub)
{
	if (sub < 0 || sub >= ES_SUB_COUNT)
		return (ES_INDETERMINATE);
	return (es_subs[sub].sv_ind);
}

const char *
es_indication_name(enum es_indication ind)
{
	switch (ind) {
	case ES_TOTAL_PASSED:
		return ("TOTAL-PASSED");
	case ES_TOTAL_FAILED:
		return ("TOTAL-FAILED");
	default:
		return ("INDETERMINATE");
	}
}

const char *
es_sub_name(enum es_sub sub)
{
	if (sub < 0 || sub >= ES_SUB_COUNT)
		return ("CUSTOM");
	return (es_subs[sub].sv_name);
}

const char *
es_check_name(enum es_check state)
{
	switch (state) {
	case ES_CHECK_PASSED:
		return ("passed");
	case ES_CHECK_FAILED:
		return ("failed");
	case ES_CHECK_ABSENT:
		return ("absent");
	case ES_CHECK_UNKNOWN:
		return ("unknown");
	default:
		return ("not_checked");
	}
}

const char *
es_check_id_name(enum es_check_id id)
{
	return (es_check_ids[id]);
}

void
es_time_str(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == ES_TIME_NONE || gmtime_r(&tt, &tm) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
es_json_time(json_t *o, const char *key, int64_t t)
{
	char buf[32];

	if (t == ES_TIME_NONE)
		return;
	es_time_str(t, buf, sizeof(buf));
	json_object_set_new(o, key, json_string(buf));
}

static void
es_json_str(json_t *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		json_object_set_new(o, key, json_string(s));
}

json_t *
es_result_json(const struct es_result *r)
{
	json_t *o, *org, *times, *cert, *checks, *c;

	o = json_object();
	json_object_set_new(o, "indication", json_string(es_indication_name(r->r_ind)));
	if (r->r_sub != ES_SUB_NONE)
		json_object_set_new(o, "sub_indication", json_string(es_sub_name(r->r_sub)));
	json_object_set_new(o, "reason",
		json_string(r->r_reason[0] != '\0' ? r->r_reason : "the seal is valid"));
	json_object_set_new(o, "level", json_integer(r->r_level));
	es_json_str(o, "level_rule", r->r_level_rule);
	es_json_str(o, "baseline", r->r_baseline);
	json_object_set_new(o, "detached", json_boolean(r->r_detached));

	org = json_object();
	es_json_str(org, "name", r->r_org);
	es_json_str(org, "identifier", r->r_org_id);
	es_json_str(org, "common_name", r->r_common_name);
	es_json_str(org, "country", r->r_country);
	json_object_set_new(o, "organisation", org);

	times = json_object();
	es_json_time(times, "validation", r->r_validation_time);
	es_json_time(times, "signing_time_claimed", r->r_signing_time);
	es_json_time(times, "proof_of_existence", r->r_poe_time);
	es_json_time(times, "revocation", r->r_revocation_time);
	json_object_set_new(o, "times", times);

	cert = json_object();
	es_json_str(cert, "subject", r->r_subject);
	es_json_str(cert, "issuer", r->r_issuer);
	es_json_str(cert, "serial", r->r_serial);
	es_json_str(cert, "sha256", r->r_cert_sha256);
	es_json_time(cert, "not_before", r->r_cert_not_before);
	es_json_time(cert, "not_after", r->r_cert_not_after);
	es_json_str(cert, "anchor", r->r_anchor);
	es_json_str(cert, "digest_algorithm", r->r_digest_alg);
	es_json_str(cert, "signature_algorithm", r->r_sig_alg);
	if (r->r_key_bits > 0)
		json_object_set_new(cert, "key_bits", json_integer(r->r_key_bits));
	json_object_set_new(o, "certificate", cert);

	checks = json_object();
	for (int i = 0; i < ES_CHK_COUNT; i++) {
		c = json_object();
		json_object_set_new(c, "result", json_string(es_check_name(r->r_checks[i])));
		es_json_str(c, "detail", r->r_check_note[i]);
		json_object_set_new(checks, es_check_ids[i], c);
	}
	json_object_set_new(o, "checks", checks);
	json_object_set_new(o, "timestamps", json_integer(r->r_timestamps));
	json_object_set_new(o, "archive_timestamps", json_integer(r->r_archive_timestamps));
	json_object_set_new(o, "archive_timestamps_valid", json_integer(r->r_archive_valid));
	json_object_set_new(o, "signers", json_integer(r->r_signers));
	if (r->r_signers > 1)
		json_object_set_new(o, "signer", json_integer(r->r_signer));
	return (o);
}
