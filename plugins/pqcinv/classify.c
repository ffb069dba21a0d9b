/* SPDX-License-Identifier: BSD-3-Clause */
/* The classification table, read with libyaml's document API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "classify.h"

static const char *const kind_keys[PQC_NKINDS] = {
	[PQC_TLS_GROUP] = "tls_groups",
	[PQC_TLS_SIG] = "tls_signature_schemes",
	[PQC_SSH_KEX] = "ssh_kex",
	[PQC_SSH_HOSTKEY] = "ssh_host_keys",
	[PQC_X509] = "x509_algorithms",
	[PQC_TLS_CIPHER] = "tls_cipher_suites",
};

static const char *const class_names[] = {
	[PQC_CLASS_UNKNOWN] = "unknown",
	[PQC_CLASS_VULNERABLE] = "vulnerable",
	[PQC_CLASS_HYBRID] = "hybrid",
	[PQC_CLASS_PQ] = "pq",
};

const char *
pqc_class_name(enum pqc_class c)
{
	return ((unsigned)c < sizeof(class_names) / sizeof(class_names[0]) ? class_names[c]
									   : "unknown");
}

void
pqc_table_free(struct pqc_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->t_n; i++) {
		free(t->t_v[i].a_name);
		free(t->t_v[i].a_primitive);
	}
	free(t->t_v);
	free(t);
}

static const char *
scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	return (n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
							 : NULL);
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return (-EINVAL);
	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || *out > max)
		return (-EINVAL);
	return (0);
}

/* One "{ code: ..., name: ..., ... }" entry. */
static int
parse_entry(yaml_document_t *doc, yaml_node_t *map, enum pqc_kind kind, struct pqc_alg *a,
	const char *path, char *err, size_t errlen)
{
	unsigned long v;
	bool has_class = false;

	memset(a, 0, sizeof(*a));
	a->a_kind = (uint8_t)kind;
	if (map->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s:%zu: %s: expected a mapping {name: ..., class: ...}",
			path, map->start_mark.line + 1, kind_keys[kind]);
		return (-EINVAL);
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
		p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(doc, kn), *s = scalar(doc, vn);
		int rv = 0;

		if (k == NULL || s == NULL) {
			rv = -EINVAL;
		} else if (strcmp(k, "name") == 0) {
			free(a->a_name);
			a->a_name = strdup(s);
		} else if (strcmp(k, "primitive") == 0) {
			free(a->a_primitive);
			a->a_primitive = strdup(s);
		} else if (strcmp(k, "code") == 0) {
			if ((rv = parse_uint(s, 0xffff, &v)) == 0)
				a->a_code = (uint16_t)v;
		} else if (strcmp(k, "client_share") == 0) {
			if ((rv = parse_uint(s, 0xffff, &v)) == 0)
				a->a_client_share = (uint16_t)v;
		} else if (strcmp(k, "server_share") == 0) {
			if ((rv = parse_uint(s, 0xffff, &v)) == 0)
				a->a_server_share = (uint16_t)v;
		} else if (strcmp(k, "classical_level") == 0) {
			if ((rv = parse_uint(s, 0xffff, &v)) == 0)
				a->a_classical = (uint16_t)v;
		} else if (strcmp(k, "level") == 0) {
			if ((rv = parse_uint(s, 6, &v)) == 0)
				a->a_level = (uint8_t)v;
		} else if (strcmp(k, "pre_standard") == 0) {
			if (strcmp(s, "true") == 0)
				a->a_pre_standard = true;
			else if (strcmp(s, "false") != 0)
				rv = -EINVAL;
		} else if (strcmp(k, "class") == 0) {
			has_class = true;
			if (strcmp(s, "pq") == 0)
				a->a_class = PQC_CLASS_PQ;
			else if (strcmp(s, "hybrid") == 0)
				a->a_class = PQC_CLASS_HYBRID;
			else if (strcmp(s, "vulnerable") == 0)
				a->a_class = PQC_CLASS_VULNERABLE;
			else
				rv = -EINVAL;
		} else {
			snprintf(err, errlen,
				"%s:%zu: unknown key '%s' (expected code, name, class, level, "
				"primitive, pre_standard, client_share, server_share, "
				"classical_level)",
				path, kn->start_mark.line + 1, k);
			return (-EINVAL);
		}
		if (rv < 0) {
			snprintf(err, errlen, "%s:%zu: bad value for '%s'", path,
				(vn != NULL ? vn->start_mark.line : map->start_mark.line) + 1,
				k != NULL ? k : "?");
			return (-EINVAL);
		}
	}
	if (a->a_name == NULL || (!has_class && kind != PQC_TLS_CIPHER) ||
		((kind <= PQC_TLS_SIG || kind == PQC_TLS_CIPHER) && a->a_code == 0)) {
		snprintf(err, errlen, "%s:%zu: an entry of %s needs name, class%s", path,
			map->start_mark.line + 1, kind_keys[kind],
			kind <= PQC_TLS_SIG ? " and code" : "");
		return (-EINVAL);
	}
	if (a->a_primitive == NULL && (a->a_primitive = strdup("unknown")) == NULL)
		return (-ENOMEM);
	return (0);
}

static int
load_doc(yaml_document_t *doc, struct pqc_table *t, const char *path, char *err, size_t errlen)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	size_t cap = 0;

	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen,
			"%s: expected a mapping of tls_groups, tls_signature_schemes, "
			"ssh_kex, ssh_host_keys, x509_algorithms, tls_cipher_suites",
			path);
		return (-EINVAL);
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
		p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(doc, p->value);
		const char *k = scalar(doc, kn);
		int kind = -1, rv;

		for (int i = 0; i < PQC_NKINDS; i++)
			if (k != NULL && strcmp(k, kind_keys[i]) == 0)
				kind = i;
		if (kind < 0 || vn->type != YAML_SEQUENCE_NODE) {
			snprintf(err, errlen,
				"%s:%zu: expected tls_groups, tls_signature_schemes, ssh_kex, "
				"ssh_host_keys, x509_algorithms or tls_cipher_suites with a list "
				"of entries",
				path, kn->start_mark.line + 1);
			return (-EINVAL);
		}
		for (yaml_node_item_t *it = vn->data.sequence.items.start;
			it < vn->data.sequence.items.top; it++) {
			if (t->t_n == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				struct pqc_alg *nv = realloc(t->t_v, ncap * sizeof(*nv));

				if (nv == NULL)
					return (-ENOMEM);
				t->t_v = nv;
				cap = ncap;
			}
			rv = parse_entry(doc, yaml_document_get_node(doc, *it), kind,
				&t->t_v[t->t_n], path, err, errlen);
			if (rv < 0) {
				free(t->t_v[t->t_n].a_name);
				free(t->t_v[t->t_n].a_primitive);
				return (rv);
			}
			t->t_n++;
		}
	}
	return (0);
}

int
pqc_table_load(const char *path, struct pqc_table **out, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct pqc_table *t;
	FILE *f;
	int rv;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		rv = -errno;
		snprintf(err, errlen, "%s: cannot read the classification table: %s", path,
			strerror(errno));
		return (rv);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL || !yaml_parser_initialize(&parser)) {
		free(t);
		fclose(f);
		return (-ENOMEM);
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
			parser.problem != NULL ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		fclose(f);
		pqc_table_free(t);
		return (-EINVAL);
	}
	rv = load_doc(&doc, t, path, err, errlen);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (rv < 0) {
		pqc_table_free(t);
		return (rv);
	}
	*out = t;
	return (0);
}

const struct pqc_alg *
pqc_table_code(const struct pqc_table *t, enum pqc_kind kind, uint16_t code)
{
	for (size_t i = 0; t != NULL && i < t->t_n; i++)
		if (t->t_v[i].a_kind == kind && t->t_v[i].a_code == code)
			return (&t->t_v[i]);
	return (NULL);
}

const struct pqc_alg *
pqc_table_name(const struct pqc_table *t, enum pqc_kind kind, const char *name, size_t len)
{
	for (size_t i = 0; t != NULL && i < t->t_n; i++)
		if (t->t_v[i].a_kind == kind && strlen(t->t_v[i].a_name) == len &&
			memcmp(t->t_v[i].a_name, name, len) == 0)
			return (&t->t_v[i]);
	return (NULL);
}

enum pqc_class
pqc_alg_class(const struct pqc_alg *a, bool client, size_t len, bool *mismatch)
{
	uint16_t want;

	*mismatch = false;
	if (a == NULL)
		return (PQC_CLASS_UNKNOWN);
	want = client ? a->a_client_share : a->a_server_share;
	if (want != 0 && len != 0 && len != want) {
		*mismatch = true;
		return (PQC_CLASS_UNKNOWN);
	}
	return ((enum pqc_class)a->a_class);
}
