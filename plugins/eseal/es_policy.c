/* SPDX-License-Identifier: BSD-3-Clause */
/* The verification policy, from YAML (libyaml's document API). */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yaml.h>

#include "es_policy.h"
#include "es_tl.h"

struct es_yaml {
	yaml_document_t y_doc;
	const char *y_path;
	char y_dir[PATH_MAX];
	char *y_err;
	size_t y_errlen;
};

int
es_policy_init(struct es_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->p_revocation = ES_REV_CHECK;
	p->p_max_seal = ES_DEFAULT_MAX_SEAL;
	p->p_max_content = ES_DEFAULT_MAX_CONTENT;
	p->p_timeout_ms = ES_DEFAULT_TIMEOUT_MS;
	p->p_rsa_min_bits = 2048;
	p->p_ec_min_bits = 256;
	return (es_trust_init(&p->p_trust));
}

void
es_policy_free(struct es_policy *p)
{
	es_trust_free(&p->p_trust);
	free(p->p_rules);
	memset(p, 0, sizeof(*p));
}

int
es_parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &e, 10);
		if (errno != 0 || e == s + 1 || *e != '\0')
			return (-EINVAL);
		*out = v;
		return (0);
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
			return (-EINVAL);
	}
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return (-EINVAL);
	*out = (int64_t)timegm(&tm);
	return (0);
}

static int es_yerr(struct es_yaml *y, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
es_yerr(struct es_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(y->y_err, y->y_errlen, "%s:%zu: %s", y->y_path,
		n != NULL ? n->start_mark.line + 1 : 0, msg);
	return (-EINVAL);
}

static const char *
es_yscalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return (NULL);
	return ((const char *)n->data.scalar.value);
}

/* A path relative to the policy file's directory. */
static void
es_ypath(struct es_yaml *y, const char *v, char *buf, size_t len)
{
	int n;

	if (v[0] == '/')
		n = snprintf(buf, len, "%s", v);
	else
		n = snprintf(buf, len, "%s/%s", y->y_dir, v);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
}

static int
es_yu64(struct es_yaml *y, yaml_node_t *n, const char *key, uint64_t min, uint64_t max,
	uint64_t *out)
{
	const char *s = es_yscalar(n);
	unsigned long long v;
	char *e;

	if (s == NULL)
		return (es_yerr(y, n, "%s: expected a number", key));
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno != 0 || e == s || *e != '\0' || v < min || v > max)
		return (es_yerr(y, n, "%s: expected a number in range", key));
	*out = v;
	return (0);
}

static int
es_ybool(struct es_yaml *y, yaml_node_t *n, const char *key, bool *out)
{
	const char *s = es_yscalar(n);

	if (s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)) {
		*out = true;
		return (0);
	}
	if (s != NULL && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)) {
		*out = false;
		return (0);
	}
	return (es_yerr(y, n, "%s: expected true or false", key));
}

/* A path or a list of paths. */
static int
es_ytrust_paths(struct es_yaml *y, struct es_policy *p, yaml_node_t *n, bool anchor)
{
	char path[PATH_MAX];
	yaml_node_item_t *it;
	const char *s;

	if (n->type == YAML_SCALAR_NODE) {
		es_ypath(y, es_yscalar(n), path, sizeof(path));
		return (es_trust_add_path(&p->p_trust, path, anchor, y->y_err, y->y_errlen) < 0
				? -EINVAL
				: 0);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return (es_yerr(y, n, "%s: expected a path or a list of paths",
			anchor ? "anchors" : "intermediates"));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if ((s = es_yscalar(yaml_document_get_node(&y->y_doc, *it))) == NULL)
			return (es_yerr(y, n, "%s: expected paths", "trust"));
		es_ypath(y, s, path, sizeof(path));
		if (es_trust_add_path(&p->p_trust, path, anchor, y->y_err, y->y_errlen) < 0)
			return (-EINVAL);
	}
	return (0);
}

static int
es_ytl(struct es_yaml *y, struct es_policy *p, yaml_node_t *n)
{
	char file[PATH_MAX], signer[PATH_MAX];
	yaml_node_item_t *it;
	yaml_node_pair_t *pr;
	yaml_node_t *e, *k, *v;
	const char *ks;

	if (n->type != YAML_SEQUENCE_NODE)
		return (es_yerr(y, n, "%s: expected a list of {file, signer}", "trusted_lists"));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(&y->y_doc, *it);
		if (e == NULL || e->type != YAML_MAPPING_NODE)
			return (es_yerr(
				y, e, "%s: expected {file: X, signer: Y}", "trusted_lists"));
		file[0] = signer[0] = '\0';
		for (pr = e->data.mapping.pairs.start; pr < e->data.mapping.pairs.top; pr++) {
			k = yaml_document_get_node(&y->y_doc, pr->key);
			v = yaml_document_get_node(&y->y_doc, pr->value);
			if ((ks = es_yscalar(k)) == NULL || es_yscalar(v) == NULL)
				return (es_yerr(y, k, "%s: expected scalar keys", "trusted_lists"));
			if (strcmp(ks, "file") == 0)
				es_ypath(y, es_yscalar(v), file, sizeof(file));
			else if (strcmp(ks, "signer") == 0)
				es_ypath(y, es_yscalar(v), signer, sizeof(signer));
			else
				return (es_yerr(
					y, k, "trusted_lists: unknown key %s (file, signer)", ks));
		}
		if (file[0] == '\0' || signer[0] == '\0')
			return (es_yerr(y, e,
				"%s: each list needs file and signer (the PEM "
				"certificate the list is signed with)",
				"trusted_lists"));
		if (es_tl_load(&p->p_trust, file, signer, y->y_err, y->y_errlen) < 0)
			return (-EINVAL);
		p->p_tl_count++;
	}
	return (0);
}

static int
es_ytrust(struct es_yaml *y, struct es_policy *p, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k, *v;
	const char *ks;
	int rv;

	if (n->type != YAML_MAPPING_NODE)
		return (es_yerr(y, n, "%s: expected a mapping", "trust"));
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(&y->y_doc, pr->key);
		v = yaml_document_get_node(&y->y_doc, pr->value);
		if ((ks = es_yscalar(k)) == NULL)
			return (es_yerr(y, k, "%s: expected scalar keys", "trust"));
		if (strcmp(ks, "anchors") == 0)
			rv = es_ytrust_paths(y, p, v, true);
		else if (strcmp(ks, "intermediates") == 0 || strcmp(ks, "crls") == 0)
			rv = es_ytrust_paths(y, p, v, false);
		else if (strcmp(ks, "trusted_lists") == 0)
			rv = es_ytl(y, p, v);
		else
			return (es_yerr(y, k,
				"trust: unknown key %s (anchors, intermediates, crls, "
				"trusted_lists)",
				ks));
		if (rv < 0)
			return (rv);
	}
	return (0);
}

static int
es_yrule_field(struct es_yaml *y, struct es_level_rule *r, yaml_node_t *k, yaml_node_t *v)
{
	const char *ks = es_yscalar(k), *vs = es_yscalar(v);
	uint64_t lv;
	char *dst;
	size_t len;

	if (ks == NULL || vs == NULL)
		return (es_yerr(y, k, "%s: expected key: value", "levels"));
	if (strcmp(ks, "level") == 0) {
		if (es_yu64(y, v, "levels.level", 1, 2, &lv) < 0)
			return (-EINVAL);
		r->lr_level = (int)lv;
		return (0);
	}
	if (strcmp(ks, "ca_sha256") == 0) {
		dst = r->lr_ca_sha256;
		len = sizeof(r->lr_ca_sha256);
	} else if (strcmp(ks, "ca_subject") == 0) {
		dst = r->lr_ca_subject;
		len = sizeof(r->lr_ca_subject);
	} else if (strcmp(ks, "policy_oid") == 0) {
		dst = r->lr_policy_oid;
		len = sizeof(r->lr_policy_oid);
	} else if (strcmp(ks, "qc_type") == 0) {
		dst = r->lr_qc_type;
		len = sizeof(r->lr_qc_type);
		if (strcmp(vs, "eseal") == 0)
			vs = "0.4.0.1862.1.6.2";
		else if (strcmp(vs, "esign") == 0)
			vs = "0.4.0.1862.1.6.1";
		else if (strcmp(vs, "web") == 0)
			vs = "0.4.0.1862.1.6.3";
	} else if (strcmp(ks, "tl_qualifier") == 0) {
		dst = r->lr_tl_qualifier;
		len = sizeof(r->lr_tl_qualifier);
	} else if (strcmp(ks, "tl_service") == 0) {
		dst = r->lr_tl_service;
		len = sizeof(r->lr_tl_service);
	} else {
		return (es_yerr(y, k,
			"levels: unknown key %s (ca_sha256, ca_subject, policy_oid, qc_type, "
			"tl_qualifier, tl_service, level)",
			ks));
	}
	if (strlen(vs) >= len)
		return (es_yerr(y, v, "levels.%s: value too long", ks));
	snprintf(dst, len, "%s", vs);
	if (dst == r->lr_ca_sha256) {
		for (char *c = dst; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strlen(dst) != 64 || strspn(dst, "0123456789abcdef") != 64)
			return (es_yerr(y, v, "levels.%s: expected 64 hex digits", ks));
	}
	return (0);
}

static int
es_ylevels(struct es_yaml *y, struct es_policy *p, yaml_node_t *n)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *pr;
	struct es_level_rule *r;
	yaml_node_t *e;
	size_t cnt;

	if (n->type != YAML_SEQUENCE_NODE)
		return (es_yerr(y, n, "%s: expected a list of rules", "levels"));
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	free(p->p_rules);
	p->p_nrules = 0;
	if ((p->p_rules = calloc(cnt + 1, sizeof(*p->p_rules))) == NULL)
		return (-ENOMEM);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = yaml_document_get_node(&y->y_doc, *it);
		if (e == NULL || e->type != YAML_MAPPING_NODE)
			return (es_yerr(y, e, "%s: each rule is a mapping", "levels"));
		r = &p->p_rules[p->p_nrules];
		r->lr_line = (int)e->start_mark.line + 1;
		for (pr = e->data.mapping.pairs.start; pr < e->data.mapping.pairs.top; pr++)
			if (es_yrule_field(y, r, yaml_document_get_node(&y->y_doc, pr->key),
				    yaml_document_get_node(&y->y_doc, pr->value)) < 0)
				return (-EINVAL);
		if (r->lr_level == 0)
			return (es_yerr(y, e, "%s: each rule needs level: 1 or 2", "levels"));
		p->p_nrules++;
	}
	return (0);
}

static int
es_yrequire(struct es_yaml *y, struct es_policy *p, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k, *v;
	const char *ks, *vs;
	uint64_t u;

	if (n->type != YAML_MAPPING_NODE)
		return (es_yerr(y, n, "%s: expected a mapping", "require"));
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(&y->y_doc, pr->key);
		v = yaml_document_get_node(&y->y_doc, pr->value);
		ks = es_yscalar(k);
		vs = es_yscalar(v);
		if (ks != NULL && strcmp(ks, "level") == 0) {
			if (es_yu64(y, v, "require.level", 0, 2, &u) < 0)
				return (-EINVAL);
			p->p_require_level = (int)u;
		} else if (ks != NULL && strcmp(ks, "timestamp") == 0) {
			if (es_ybool(y, v, "require.timestamp", &p->p_require_timestamp) < 0)
				return (-EINVAL);
		} else if (ks != NULL && strcmp(ks, "revocation") == 0) {
			if (vs != NULL && strcmp(vs, "ignore") == 0)
				p->p_revocation = ES_REV_IGNORE;
			else if (vs != NULL && strcmp(vs, "check") == 0)
				p->p_revocation = ES_REV_CHECK;
			else if (vs != NULL && strcmp(vs, "require") == 0)
				p->p_revocation = ES_REV_REQUIRE;
			else
				return (es_yerr(y, v, "%s: expected ignore, check or require",
					"require.revocation"));
		} else {
			return (es_yerr(y, k,
				"require: unknown key %s (level, timestamp, revocation)",
				ks != NULL ? ks : "?"));
		}
	}
	return (0);
}

static int
es_ylimits(struct es_yaml *y, struct es_policy *p, yaml_node_t *n, bool crypto)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k, *v;
	const char *ks;
	uint64_t u;

	if (n->type != YAML_MAPPING_NODE)
		return (es_yerr(y, n, "%s: expected a mapping", crypto ? "crypto" : "limits"));
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(&y->y_doc, pr->key);
		v = yaml_document_get_node(&y->y_doc, pr->value);
		ks = es_yscalar(k);
		if (ks == NULL)
			return (es_yerr(y, k, "%s: expected scalar keys", "limits"));
		if (crypto && strcmp(ks, "rsa_min_bits") == 0) {
			if (es_yu64(y, v, "crypto.rsa_min_bits", 1024, 16384, &u) < 0)
				return (-EINVAL);
			p->p_rsa_min_bits = (unsigned)u;
		} else if (crypto && strcmp(ks, "ec_min_bits") == 0) {
			if (es_yu64(y, v, "crypto.ec_min_bits", 160, 571, &u) < 0)
				return (-EINVAL);
			p->p_ec_min_bits = (unsigned)u;
		} else if (!crypto && strcmp(ks, "seal_bytes") == 0) {
			if (es_yu64(y, v, "limits.seal_bytes", 1024, 1u << 30, &u) < 0)
				return (-EINVAL);
			p->p_max_seal = (size_t)u;
		} else if (!crypto && strcmp(ks, "content_bytes") == 0) {
			if (es_yu64(y, v, "limits.content_bytes", 1024, 1ull << 32, &u) < 0)
				return (-EINVAL);
			p->p_max_content = (size_t)u;
		} else if (!crypto && strcmp(ks, "request_ms") == 0) {
			if (es_yu64(y, v, "limits.request_ms", 100, 600000, &u) < 0)
				return (-EINVAL);
			p->p_timeout_ms = (unsigned)u;
		} else {
			return (es_yerr(y, k,
				crypto ? "crypto: unknown key %s (rsa_min_bits, ec_min_bits)"
				       : "limits: unknown key %s (seal_bytes, content_bytes, "
					 "request_ms)",
				ks));
		}
	}
	return (0);
}

static int
es_yroot(struct es_yaml *y, struct es_policy *p)
{
	yaml_node_t *root = yaml_document_get_root_node(&y->y_doc), *k, *v;
	yaml_node_pair_t *pr;
	const char *ks;
	int rv;

	if (root == NULL)
		return (0);
	if (root->type != YAML_MAPPING_NODE)
		return (es_yerr(y, root, "%s: expected a mapping at the top", "policy"));
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(&y->y_doc, pr->key);
		v = yaml_document_get_node(&y->y_doc, pr->value);
		if ((ks = es_yscalar(k)) == NULL || v == NULL)
			return (es_yerr(y, k, "%s: expected scalar keys", "policy"));
		if (strcmp(ks, "trust") == 0)
			rv = es_ytrust(y, p, v);
		else if (strcmp(ks, "levels") == 0)
			rv = es_ylevels(y, p, v);
		else if (strcmp(ks, "require") == 0)
			rv = es_yrequire(y, p, v);
		else if (strcmp(ks, "limits") == 0)
			rv = es_ylimits(y, p, v, false);
		else if (strcmp(ks, "crypto") == 0)
			rv = es_ylimits(y, p, v, true);
		else
			return (es_yerr(y, k,
				"unknown key %s (trust, levels, require, limits, crypto)", ks));
		if (rv < 0)
			return (rv);
	}
	return (0);
}

int
es_policy_load(struct es_policy *p, const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	struct es_yaml y;
	char tmp[PATH_MAX];
	FILE *f;
	int rv;

	memset(&y, 0, sizeof(y));
	y.y_path = path;
	y.y_err = err;
	y.y_errlen = errlen;
	snprintf(p->p_path, sizeof(p->p_path), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(y.y_dir, sizeof(y.y_dir), "%s", dirname(tmp));
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot open the policy: %s", path, strerror(errno));
		return (-errno);
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y.y_doc)) {
		snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
			parser.problem != NULL ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		fclose(f);
		return (-EINVAL);
	}
	rv = es_yroot(&y, p);
	yaml_document_delete(&y.y_doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return (rv);
}
