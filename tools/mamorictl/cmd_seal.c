/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl seal verify: an operator's check of one e-seal (CAdES / CMS,
 * detached or enveloping) with the same library and policy as the eseal
 * plugin's HTTP endpoint and gateway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "es_cert.h"
#include "es_policy.h"
#include "es_revoc.h"
#include "es_verify.h"

#define SEAL_DEFAULT_POLICY "/etc/mamori/eseal/policy.yaml"

static const char seal_help[] =
	"Usage: mamorictl seal verify FILE [--content FILE] [--at TIME] [--policy FILE]\n"
	"                             [--anchors PATH] [--crls PATH] [--json]\n"
	"       mamorictl seal trust [--policy FILE] [--anchors PATH] [--json]\n"
	"Verify an e-seal: a CAdES / CMS signature (DER or PEM), enveloping (FILE holds\n"
	"the document) or detached (--content gives the document).  The answer is an\n"
	"ETSI EN 319 102-1 verdict: TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE with\n"
	"its sub-indication, the assurance level (1 or 2) from the policy's level map,\n"
	"the sealing organisation, the times used and the reason in plain words.\n"
	"\n"
	"'seal trust' lists the trust anchors the policy gives (from PEM files and\n"
	"verified trusted lists, with their service type, status and qualifiers) and\n"
	"the level map: the first place to look when a seal finds no chain.\n"
	"\n"
	"Options:\n"
	"      --content FILE   the sealed document, for a detached seal\n"
	"      --at TIME        validate at TIME instead of now: 2020-03-01,\n"
	"                       2020-03-01T12:00:00Z or @EPOCH (UTC)\n"
	"      --policy FILE    the verification policy (trust anchors, trusted lists,\n"
	"                       level map, requirements); default $MAMORI_ESEAL_POLICY,\n"
	"                       else " SEAL_DEFAULT_POLICY " when it exists\n"
	"      --anchors PATH   also trust the certificates of PATH (a PEM/DER file or a\n"
	"                       directory of them)\n"
	"      --crls PATH      also use the CRLs of PATH (a file or a directory)\n"
	"      --json           the whole report as one JSON object on stdout\n"
	"  -h, --help           this help\n"
	"\n"
	"Without any anchor no chain can be trusted: the verdict is then\n"
	"INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND, with the signature and digest\n"
	"checks still reported.\n"
	"\n"
	"Exit status: verify: 0 TOTAL-PASSED and the policy's required level met, 1 any\n"
	"other verdict or a level below the required one; trust: 0; both: 2 bad usage,\n"
	"3 a file or the policy (a trusted list that does not verify) could not be read.\n";

static int
seal_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
	struct stat st;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		ctl_error("%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return (-1);
	}
	if ((size_t)st.st_size > max) {
		ctl_error("%s: %lld bytes, over the policy's limit of %zu (limits: in the "
			  "policy)",
			path, (long long)st.st_size, max);
		fclose(f);
		return (-1);
	}
	if ((*out = malloc((size_t)st.st_size + 1)) == NULL ||
		fread(*out, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		ctl_error("%s: read error", path);
		free(*out);
		*out = NULL;
		fclose(f);
		return (-1);
	}
	*len = (size_t)st.st_size;
	fclose(f);
	return (0);
}

static int
seal_policy(struct es_policy *p, const char *path, const char *anchors, const char *crls)
{
	char err[512];

	if (es_policy_init(p) != 0) {
		ctl_error("seal: out of memory");
		return (-1);
	}
	if (path == NULL)
		path = getenv("MAMORI_ESEAL_POLICY");
	if (path != NULL && path[0] == '\0')
		path = NULL;
	if (path == NULL && access(SEAL_DEFAULT_POLICY, R_OK) == 0)
		path = SEAL_DEFAULT_POLICY;
	if (path != NULL && es_policy_load(p, path, err, sizeof(err)) != 0) {
		ctl_error("%s", err);
		return (-1);
	}
	if (anchors != NULL &&
		es_trust_add_path(&p->p_trust, anchors, true, err, sizeof(err)) < 0) {
		ctl_error("--anchors: %s", err);
		return (-1);
	}
	if (crls != NULL && es_trust_add_path(&p->p_trust, crls, false, err, sizeof(err)) < 0) {
		ctl_error("--crls: %s", err);
		return (-1);
	}
	return (0);
}

static void
seal_print(const char *file, const struct es_result *r, const struct es_policy *p)
{
	char t[32];

	printf("%s: %s%s%s\n", file, es_indication_name(r->r_ind),
		r->r_sub != ES_SUB_NONE ? " / " : "", es_sub_name(r->r_sub));
	printf("  reason:        %s\n", r->r_reason[0] != '\0' ? r->r_reason : "the seal is valid");
	if (r->r_ind == ES_TOTAL_PASSED)
		printf("  level:         %d (%s)%s\n", r->r_level, r->r_level_rule,
			r->r_level < p->p_require_level ? ", below the level the policy requires"
							: "");
	if (r->r_subject[0] != '\0') {
		printf("  organisation:  %s%s%s%s%s\n",
			r->r_org[0] != '\0' ? r->r_org : r->r_common_name,
			r->r_org_id[0] != '\0' ? " (" : "", r->r_org_id,
			r->r_org_id[0] != '\0' ? ")" : "", r->r_country[0] != '\0' ? "" : "");
		printf("  certificate:   %s\n", r->r_subject);
		printf("  issuer:        %s\n", r->r_issuer);
	}
	if (r->r_anchor[0] != '\0')
		printf("  anchor:        %s\n", r->r_anchor);
	printf("  format:        %s%s%s\n", r->r_detached ? "detached" : "enveloping",
		r->r_baseline[0] != '\0' ? ", CAdES " : "", r->r_baseline);
	es_time_str(r->r_validation_time, t, sizeof(t));
	printf("  validated at:  %s\n", t);
	if (r->r_signing_time != ES_TIME_NONE) {
		es_time_str(r->r_signing_time, t, sizeof(t));
		printf("  signing time:  %s (claimed by the sealer)\n", t);
	}
	if (r->r_poe_time != ES_TIME_NONE) {
		es_time_str(r->r_poe_time, t, sizeof(t));
		printf("  proven time:   %s (signature timestamp)\n", t);
	}
	for (int i = 0; i < ES_CHK_COUNT; i++)
		printf("  %-22s %s%s%s\n", es_check_id_name(i), es_check_name(r->r_checks[i]),
			r->r_check_note[i][0] != '\0' ? ": " : "", r->r_check_note[i]);
}

static int
seal_verify(struct ctl *ctl, int argc, char **argv)
{
	const char *content = NULL, *at = NULL, *policy = NULL, *anchors = NULL, *crls = NULL;
	const struct ctl_opt opts[] = {
		{ "content", &content, NULL },
		{ "at", &at, NULL },
		{ "policy", &policy, NULL },
		{ "anchors", &anchors, NULL },
		{ "crls", &crls, NULL },
		{ NULL, NULL, NULL },
	};
	uint8_t *seal = NULL, *doc = NULL;
	size_t seal_len = 0, doc_len = 0;
	struct es_policy p;
	struct es_result r;
	int64_t when = ES_TIME_NONE;
	int argi, rv;
	json_t *o;

	if ((rv = ctl_parse(ctl, &ctl_cmd_seal, "seal verify", argc, argv, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi + 1 != argc) {
		ctl_usage_error(&ctl_cmd_seal, "seal verify: expected exactly one FILE");
		return (CTL_EXIT_USAGE);
	}
	if (at != NULL && es_parse_time(at, &when) != 0) {
		ctl_usage_error(&ctl_cmd_seal,
			"seal verify: --at '%s': expected 2020-03-01, 2020-03-01T12:00:00Z or "
			"@EPOCH",
			at);
		return (CTL_EXIT_USAGE);
	}
	rv = CTL_EXIT_ERROR;
	if (seal_policy(&p, policy, anchors, crls) != 0)
		goto out;
	if (seal_read(argv[argi], p.p_max_seal, &seal, &seal_len) != 0 ||
		(content != NULL && seal_read(content, p.p_max_content, &doc, &doc_len) != 0))
		goto out;
	if (es_verify(&p, seal, seal_len, doc, doc_len, when, &r) != 0) {
		ctl_error("seal verify: out of memory");
		goto out;
	}
	if (ctl->c_json) {
		o = es_result_json(&r);
		json_object_set_new(o, "file", json_string(argv[argi]));
		json_object_set_new(o, "required_level", json_integer(p.p_require_level));
		ctl_json_print(o);
	} else {
		seal_print(argv[argi], &r, &p);
	}
	rv = r.r_ind == ES_TOTAL_PASSED && r.r_level >= p.p_require_level ? CTL_EXIT_OK
									  : CTL_EXIT_FAIL;
out:
	free(seal);
	free(doc);
	es_policy_free(&p);
	return (rv);
}

static json_t *
seal_anchor_json(const struct es_trust *t, int i)
{
	X509 *x = sk_X509_value(t->t_anchors, i);
	const struct es_anchor_info *ai = &t->t_info[i];
	char name[512], fp[65], na[32];
	json_t *o = json_object();

	es_cert_name(X509_get_subject_name(x), name, sizeof(name));
	es_cert_sha256(x, fp);
	es_time_str(es_asn1_time(X509_get0_notAfter(x)), na, sizeof(na));
	json_object_set_new(o, "subject", json_string(name));
	json_object_set_new(o, "sha256", json_string(fp));
	json_object_set_new(o, "not_after", json_string(na));
	json_object_set_new(o, "source", json_string(ai->ai_source));
	if (ai->ai_tsp[0] != '\0')
		json_object_set_new(o, "tsp", json_string(ai->ai_tsp));
	if (ai->ai_service_type[0] != '\0')
		json_object_set_new(o, "service_type", json_string(ai->ai_service_type));
	if (ai->ai_status[0] != '\0')
		json_object_set_new(o, "status", json_string(ai->ai_status));
	if (ai->ai_qualifiers[0] != '\0')
		json_object_set_new(o, "qualifiers", json_string(ai->ai_qualifiers));
	if (ai->ai_nwindows > 0) {
		json_t *w = json_array(), *e;

		for (int k = 0; k < ai->ai_nwindows; k++) {
			e = json_object();
			if (ai->ai_windows[k].w_from != INT64_MIN) {
				es_time_str(ai->ai_windows[k].w_from, na, sizeof(na));
				json_object_set_new(e, "from", json_string(na));
			}
			if (ai->ai_windows[k].w_until != INT64_MAX) {
				es_time_str(ai->ai_windows[k].w_until, na, sizeof(na));
				json_object_set_new(e, "until", json_string(na));
			}
			json_array_append_new(w, e);
		}
		json_object_set_new(o, "trusted", w);
	}
	return (o);
}

static int
seal_trust(struct ctl *ctl, int argc, char **argv)
{
	const char *policy = NULL, *anchors = NULL;
	const struct ctl_opt opts[] = {
		{ "policy", &policy, NULL },
		{ "anchors", &anchors, NULL },
		{ NULL, NULL, NULL },
	};
	const struct es_trust *t;
	struct es_policy p;
	int argi, rv, n;
	json_t *o, *a;

	if ((rv = ctl_parse(ctl, &ctl_cmd_seal, "seal trust", argc, argv, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi != argc) {
		ctl_usage_error(&ctl_cmd_seal, "seal trust: unexpected '%s'", argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	if (seal_policy(&p, policy, anchors, NULL) != 0) {
		es_policy_free(&p);
		return (CTL_EXIT_ERROR);
	}
	t = &p.p_trust;
	n = sk_X509_num(t->t_anchors);
	if (ctl->c_json) {
		o = json_object();
		a = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(a, seal_anchor_json(t, i));
		json_object_set_new(o, "anchors", a);
		a = json_array();
		for (int i = 0; i < t->t_nlists; i++)
			json_array_append_new(a,
				json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "file",
					t->t_lists[i].li_file, "version", t->t_lists[i].li_version,
					"sequence", t->t_lists[i].li_sequence, "issued",
					t->t_lists[i].li_issued, "next_update",
					t->t_lists[i].li_next_update, "anchors",
					t->t_lists[i].li_anchors));
		json_object_set_new(o, "lists", a);
		json_object_set_new(
			o, "intermediates", json_integer(sk_X509_num(t->t_intermediates)));
		json_object_set_new(o, "crls", json_integer(sk_X509_CRL_num(t->t_crls)));
		json_object_set_new(o, "trusted_lists", json_integer(p.p_tl_count));
		json_object_set_new(o, "level_rules", json_integer((json_int_t)p.p_nrules));
		json_object_set_new(o, "required_level", json_integer(p.p_require_level));
		ctl_json_print(o);
	} else {
		printf("%d anchors, %d intermediates, %d CRLs, %u trusted lists, %zu level rules, "
		       "level %d required\n",
			n, sk_X509_num(t->t_intermediates), sk_X509_CRL_num(t->t_crls),
			p.p_tl_count, p.p_nrules, p.p_require_level);
		for (int i = 0; i < t->t_nlists; i++)
			printf("list %s: version %s, sequence %s, issued %s, next update %s, %d "
			       "anchors\n",
				t->t_lists[i].li_file, t->t_lists[i].li_version,
				t->t_lists[i].li_sequence, t->t_lists[i].li_issued,
				t->t_lists[i].li_next_update, t->t_lists[i].li_anchors);
		for (int i = 0; i < n; i++) {
			o = seal_anchor_json(t, i);
			printf("  %s\n    sha256 %s, until %s, %s%s%s%s%s\n",
				json_string_value(json_object_get(o, "subject")),
				json_string_value(json_object_get(o, "sha256")),
				json_string_value(json_object_get(o, "not_after")),
				json_string_value(json_object_get(o, "source")),
				t->t_info[i].ai_service_type[0] != '\0' ? ", " : "",
				t->t_info[i].ai_service_type,
				t->t_info[i].ai_status[0] != '\0' ? " " : "",
				t->t_info[i].ai_status);
			json_decref(o);
		}
	}
	es_policy_free(&p);
	return (CTL_EXIT_OK);
}

static int
seal_run(struct ctl *ctl, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub != NULL && strcmp(sub, "verify") == 0)
		return (seal_verify(ctl, argc - 1, argv + 1));
	if (sub != NULL && strcmp(sub, "trust") == 0)
		return (seal_trust(ctl, argc - 1, argv + 1));
	if (sub != NULL && (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)) {
		fputs(seal_help, stdout);
		return (CTL_EXIT_OK);
	}
	ctl_usage_error(&ctl_cmd_seal, "seal: expected 'verify' or 'trust'%s%s%s",
		sub != NULL ? ", found '" : "", sub != NULL ? sub : "", sub != NULL ? "'" : "");
	return (CTL_EXIT_USAGE);
}

const struct ctl_cmd ctl_cmd_seal = {
	.cc_name = "seal",
	.cc_summary = "verify e-seals (CAdES / CMS); list what the seal policy trusts",
	.cc_help = seal_help,
	.cc_run = seal_run,
};
