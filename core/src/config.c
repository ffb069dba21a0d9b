/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration tree.  libyaml's event parser feeds a small builder that
 * keeps the line of every node, so that a value found wrong long after loading
 * can still be blamed on its line.  Aliases and anchors are refused rather than
 * resolved: they buy little in a configuration file and make every consumer's
 * "which line is this" answer ambiguous.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "config_int.h"

void
cfg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
cfg_type_name(enum mm_cfg_type type)
{
	switch (type) {
	case MM_CFG_SCALAR:
		return ("a string");
	case MM_CFG_MAP:
		return ("a map");
	case MM_CFG_SEQ:
		return ("a sequence");
	}
	return ("?");
}

/* ---- Nodes ---- */

struct mm_cfg_node *
cfg_node_new(enum mm_cfg_type type, int line)
{
	struct mm_cfg_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return (NULL);
	n->n_type = type;
	n->n_line = line;
	return (n);
}

struct mm_cfg_node *
cfg_node_new_scalar(const char *value, size_t len, bool plain, int line)
{
	struct mm_cfg_node *n = cfg_node_new(MM_CFG_SCALAR, line);

	if (n == NULL)
		return (NULL);
	if ((n->n_value = strndup(value, len)) == NULL) {
		free(n);
		return (NULL);
	}
	n->n_plain = plain;
	return (n);
}

void
cfg_node_free(struct mm_cfg_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n_count; i++)
		cfg_node_free(n->n_child[i]);
	free(n->n_child);
	free(n->n_key);
	free(n->n_value);
	free(n);
}

int
cfg_node_append(struct mm_cfg_node *parent, struct mm_cfg_node *child)
{
	if (parent->n_count == parent->n_cap) {
		size_t cap = parent->n_cap == 0 ? 4 : parent->n_cap * 2;
		struct mm_cfg_node **v = realloc(parent->n_child, cap * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		parent->n_child = v;
		parent->n_cap = cap;
	}
	parent->n_child[parent->n_count++] = child;
	child->n_parent = parent;
	return (0);
}

bool
cfg_node_is_empty(const struct mm_cfg_node *n)
{
	return (n->n_type == MM_CFG_SCALAR && n->n_value[0] == '\0');
}

size_t
cfg_node_index(const struct mm_cfg_node *n)
{
	size_t i = 0;

	while (i < n->n_parent->n_count && n->n_parent->n_child[i] != n)
		i++;
	return (i);
}

/* Writes the dotted path of n ("ports.0.dev") at buf + off; returns the new offset. */
static size_t
node_path_at(const struct mm_cfg_node *n, char *buf, size_t len, size_t off)
{
	int w;

	if (n->n_parent == NULL)
		return (off);
	off = node_path_at(n->n_parent, buf, len, off);
	if (off >= len)
		return (off);
	if (n->n_key != NULL)
		w = snprintf(buf + off, len - off, "%s%s", off > 0 ? "." : "", n->n_key);
	else
		w = snprintf(buf + off, len - off, "%s%zu", off > 0 ? "." : "", cfg_node_index(n));
	return (off + (w > 0 ? (size_t)w : 0));
}

const char *
cfg_node_path(const struct mm_cfg_node *n, char *buf, size_t len)
{
	buf[0] = '\0';
	node_path_at(n, buf, len, 0);
	if (buf[0] == '\0')
		snprintf(buf, len, "(top level)");
	return (buf);
}

/* "file:12: a.b" for a loaded node, "--set a.b" for one set on the command line. */
const char *
cfg_node_where(const struct mm_cfg *cfg, const struct mm_cfg_node *n, char *buf, size_t len)
{
	char path[256];

	cfg_node_path(n, path, sizeof(path));
	if (n->n_line == 0)
		snprintf(buf, len, "%s %s", CFG_SET_NAME, path);
	else
		snprintf(buf, len, "%s:%d: %s", cfg != NULL ? cfg->c_name : "config", n->n_line,
			path);
	return (buf);
}

void
cfg_mark_up(struct mm_cfg_node *n)
{
	for (; n != NULL && !n->n_used; n = n->n_parent)
		n->n_used = true;
}

void
cfg_mark_subtree(struct mm_cfg_node *n)
{
	n->n_used = true;
	for (size_t i = 0; i < n->n_count; i++)
		cfg_mark_subtree(n->n_child[i]);
}

/* ---- Building the tree from libyaml events ---- */

struct cfg_build {
	const char *b_name; /* file name, or "--set key" */
	bool b_set;         /* a --set value: lines are 0 */
	const char *b_text; /* the input, to turn offsets into lines */
	size_t b_len;
	struct mm_cfg_node *b_root;                /* first node of the document */
	struct mm_cfg_node *b_open[CFG_MAX_DEPTH]; /* open maps and sequences */
	int b_depth;
	char *b_key; /* key awaiting its value in the innermost map */
	int b_key_line;
	int b_docs;
	char *b_err;
	size_t b_errlen;
};

static const char *
build_where(const struct cfg_build *b, size_t line, char *buf, size_t len)
{
	if (b->b_set)
		snprintf(buf, len, "%s", b->b_name);
	else
		snprintf(buf, len, "%s:%zu", b->b_name, line);
	return (buf);
}

static int
build_fail(struct cfg_build *b, size_t line, const char *what)
{
	char where[MM_CFG_ERRLEN];

	cfg_err(b->b_err, b->b_errlen, "%s: %s", build_where(b, line, where, sizeof(where)), what);
	return (-EINVAL);
}

struct key_ref {
	const char *kr_key;
	size_t kr_idx;
};

static int
key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->kr_key, y->kr_key);

	if (c != 0)
		return (c);
	return (x->kr_idx < y->kr_idx ? -1 : x->kr_idx > y->kr_idx);
}

/*
 * Sorting rather than comparing every pair: a hostile file may hold a map with
 * hundreds of thousands of keys.  Reports the redefinition that comes first.
 */
static int
build_check_dups(struct cfg_build *b, const struct mm_cfg_node *map)
{
	size_t group = 0, first = 0, again = SIZE_MAX;
	char path[256], where[300];
	struct key_ref *v;
	int line;

	if (map->n_count < 2)
		return (0);
	if ((v = malloc(map->n_count * sizeof(*v))) == NULL)
		return (-ENOMEM);
	for (size_t i = 0; i < map->n_count; i++)
		v[i] = (struct key_ref){ map->n_child[i]->n_key, i };
	qsort(v, map->n_count, sizeof(*v), key_ref_cmp);
	for (size_t i = 1; i < map->n_count; i++) {
		if (strcmp(v[i].kr_key, v[group].kr_key) != 0) {
			group = i;
		} else if (i == group + 1 && v[i].kr_idx < again) {
			first = v[group].kr_idx;
			again = v[i].kr_idx;
		}
	}
	free(v);
	if (again == SIZE_MAX)
		return (0);
	cfg_node_path(map->n_child[again], path, sizeof(path));
	line = map->n_child[again]->n_line;
	build_where(b, (size_t)line, where, sizeof(where));
	if (b->b_set)
		cfg_err(b->b_err, b->b_errlen, "%s: duplicate key '%s'", where, path);
	else
		cfg_err(b->b_err, b->b_errlen, "%s: duplicate key '%s' (first defined at line %d)",
			where, path, map->n_child[first]->n_line);
	return (-EINVAL);
}

static const char *
event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ((const char *)ev->data.scalar.anchor);
	case YAML_SEQUENCE_START_EVENT:
		return ((const char *)ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return ((const char *)ev->data.mapping_start.anchor);
	default:
		return (NULL);
	}
}

/* A plain, untagged "", "~" or "null" is YAML's null: kept as an empty scalar. */
static bool
scalar_is_null(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !ev->data.scalar.plain_implicit)
		return (false);
	return (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

/* Places a new value node under the innermost open collection, or as the root. */
static int
build_attach(struct cfg_build *b, struct mm_cfg_node *n)
{
	struct mm_cfg_node *parent = b->b_depth > 0 ? b->b_open[b->b_depth - 1] : NULL;
	int rv;

	if (parent == NULL) {
		/* One document, checked at its start, has one root. */
		b->b_root = n;
		return (0);
	}
	if ((rv = cfg_node_append(parent, n)) != 0) {
		cfg_node_free(n);
		return (rv);
	}
	if (parent->n_type == MM_CFG_MAP) {
		n->n_key = b->b_key;
		n->n_line = b->b_key_line;
		b->b_key = NULL;
	}
	return (0);
}

static int
build_event(struct cfg_build *b, const yaml_event_t *ev)
{
	int line = b->b_set ? 0 : (int)ev->start_mark.line + 1;
	struct mm_cfg_node *top = b->b_depth > 0 ? b->b_open[b->b_depth - 1] : NULL, *n;
	char msg[200];
	int rv;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->b_docs > 1)
			return (build_fail(b, (size_t)line,
				"expected one YAML document, found a second ('---')"));
		return (0);
	case YAML_ALIAS_EVENT:
		snprintf(msg, sizeof(msg),
			"anchors and aliases are not supported (found '*%.64s'); write the value "
			"out",
			(const char *)ev->data.alias.anchor);
		return (build_fail(b, (size_t)line, msg));
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->b_depth--;
		if (top->n_type == MM_CFG_MAP)
			return (build_check_dups(b, top));
		return (0);
	default:
		return (0);
	}

	if (event_anchor(ev) != NULL) {
		snprintf(msg, sizeof(msg),
			"anchors and aliases are not supported (found '&%.64s'); write the value "
			"out",
			event_anchor(ev));
		return (build_fail(b, (size_t)line, msg));
	}
	if (ev->type == YAML_SCALAR_EVENT &&
		memchr(ev->data.scalar.value, '\0', ev->data.scalar.length) != NULL)
		return (build_fail(b, (size_t)line, "NUL character in a value"));

	if (top != NULL && top->n_type == MM_CFG_MAP && b->b_key == NULL) {
		/* The event is a key. */
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			return (build_fail(b, (size_t)line, "expected a key, got a sequence"));
		if (ev->type == YAML_MAPPING_START_EVENT)
			return (build_fail(b, (size_t)line, "expected a key, got a map"));
		if (scalar_is_null(ev))
			return (build_fail(b, (size_t)line, "expected a key, got an empty one"));
		if ((b->b_key = strdup((const char *)ev->data.scalar.value)) == NULL)
			return (-ENOMEM);
		b->b_key_line = line;
		return (0);
	}

	if (ev->type == YAML_SCALAR_EVENT) {
		bool null = scalar_is_null(ev);

		n = cfg_node_new_scalar(null ? "" : (const char *)ev->data.scalar.value,
			null ? 0 : ev->data.scalar.length,
			ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, line);
		if (n == NULL)
			return (-ENOMEM);
		return (build_attach(b, n));
	}
	if (b->b_depth == CFG_MAX_DEPTH) {
		snprintf(msg, sizeof(msg), "nesting deeper than %d levels", CFG_MAX_DEPTH);
		return (build_fail(b, (size_t)line, msg));
	}
	n = cfg_node_new(ev->type == YAML_MAPPING_START_EVENT ? MM_CFG_MAP : MM_CFG_SEQ, line);
	if (n == NULL)
		return (-ENOMEM);
	if ((rv = build_attach(b, n)) != 0)
		return (rv);
	b->b_open[b->b_depth++] = n;
	return (0);
}

static int
build_yaml_error(struct cfg_build *b, const yaml_parser_t *p)
{
	const char *problem = p->problem != NULL ? p->problem : "malformed YAML";
	char where[MM_CFG_ERRLEN];

	if (p->error == YAML_MEMORY_ERROR) {
		cfg_err(b->b_err, b->b_errlen, "%s: out of memory", b->b_name);
		return (-ENOMEM);
	}
	if (p->error == YAML_READER_ERROR) {
		size_t line = 1;

		for (size_t i = 0; i < p->problem_offset && i < b->b_len; i++)
			line += b->b_text[i] == '\n';
		cfg_err(b->b_err, b->b_errlen, "%s: %s (byte %zu)",
			build_where(b, line, where, sizeof(where)), problem, p->problem_offset);
		return (-EINVAL);
	}
	build_where(b, p->problem_mark.line + 1, where, sizeof(where));
	if (p->context == NULL)
		cfg_err(b->b_err, b->b_errlen, "%s: %s", where, problem);
	else if (b->b_set)
		cfg_err(b->b_err, b->b_errlen, "%s: %s (%s)", where, problem, p->context);
	else
		cfg_err(b->b_err, b->b_errlen, "%s: %s (%s at line %zu)", where, problem,
			p->context, p->context_mark.line + 1);
	return (-EINVAL);
}

/*
 * Parses one YAML document into a tree; *out is NULL for an empty stream.
 * set: the text is a --set value, whose nodes get line 0.
 */
int
cfg_parse(const char *text, size_t len, const char *name, bool set, struct mm_cfg_node **out,
	char *err, size_t errlen)
{
	struct cfg_build b = { .b_name = name,
		.b_set = set,
		.b_text = text,
		.b_len = len,
		.b_err = err,
		.b_errlen = errlen };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int rv = 0;

	*out = NULL;
	if (!yaml_parser_initialize(&parser)) {
		cfg_err(err, errlen, "%s: out of memory", name);
		return (-ENOMEM);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rv = build_yaml_error(&b, &parser);
			break;
		}
		rv = build_event(&b, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (rv == -ENOMEM)
			cfg_err(err, errlen, "%s: out of memory", name);
		if (rv != 0)
			break;
	}
	yaml_parser_delete(&parser);
	free(b.b_key);
	if (rv != 0) {
		cfg_node_free(b.b_root);
		return (rv);
	}
	*out = b.b_root;
	return (0);
}

/* ---- Loading ---- */

struct mm_cfg *
mm_cfg_new(const char *name)
{
	struct mm_cfg *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return (NULL);
	cfg->c_name = strdup(name != NULL ? name : "config");
	cfg->c_root = cfg_node_new(MM_CFG_MAP, 1);
	if (cfg->c_name == NULL || cfg->c_root == NULL) {
		mm_cfg_free(cfg);
		return (NULL);
	}
	cfg->c_root->n_used = true;
	return (cfg);
}

struct mm_cfg *
mm_cfg_load_string(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	struct mm_cfg_node *root;
	struct mm_cfg *cfg;

	if (name == NULL)
		name = "<string>";
	if (text == NULL)
		len = 0;
	if (len > CFG_MAX_SIZE) {
		cfg_err(err, errlen, "%s: %zu bytes, more than the %u MiB a configuration may have",
			name, len, CFG_MAX_SIZE >> 20);
		return (NULL);
	}
	if (cfg_parse(len > 0 ? text : "", len, name, false, &root, err, errlen) != 0)
		return (NULL);
	if (root != NULL && !cfg_node_is_empty(root) && root->n_type != MM_CFG_MAP) {
		cfg_err(err, errlen, "%s:%d: expected a map of settings at the top level, got %s",
			name, root->n_line, cfg_type_name(root->n_type));
		cfg_node_free(root);
		return (NULL);
	}
	if ((cfg = mm_cfg_new(name)) == NULL) {
		cfg_err(err, errlen, "%s: out of memory", name);
		cfg_node_free(root);
		return (NULL);
	}
	if (root != NULL && root->n_type == MM_CFG_MAP) {
		cfg_node_free(cfg->c_root);
		cfg->c_root = root;
		root->n_used = true;
	} else {
		cfg_node_free(root);
	}
	return (cfg);
}

struct mm_cfg *
mm_cfg_load_file(const char *path, char *err, size_t errlen)
{
	size_t len = 0, cap = 0, got;
	struct mm_cfg *cfg = NULL;
	char *buf = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		cfg_err(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	/* Reads one byte past the limit, to tell a file at the limit from a larger one. */
	do {
		if (len == cap) {
			char *nb;

			cap = cap == 0 ? 64 * 1024 : cap * 2;
			cap = cap < CFG_MAX_SIZE + 1 ? cap : CFG_MAX_SIZE + 1;
			if ((nb = realloc(buf, cap)) == NULL) {
				cfg_err(err, errlen, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len > CFG_MAX_SIZE) {
			cfg_err(err, errlen, "%s: larger than the %u MiB a configuration may have",
				path, CFG_MAX_SIZE >> 20);
			goto out;
		}
	} while (got > 0);
	if (ferror(f)) {
		cfg_err(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	cfg = mm_cfg_load_string(buf, len, path, err, errlen);
out:
	free(buf);
	fclose(f);
	return (cfg);
}

void
mm_cfg_free(struct mm_cfg *cfg)
{
	if (cfg == NULL)
		return;
	cfg_node_free(cfg->c_root);
	free(cfg->c_name);
	free(cfg);
}

const char *
mm_cfg_name(const struct mm_cfg *cfg)
{
	return (cfg->c_name);
}

/* ---- Lookups ---- */

/* Parses a sequence index; false unless the whole component is decimal. */
bool
cfg_parse_index(const char *s, size_t len, size_t *idx)
{
	size_t v = 0;

	if (len == 0 || len > 9)
		return (false);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (false);
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*idx = v;
	return (true);
}

struct mm_cfg_node *
cfg_map_find(const struct mm_cfg_node *map, const char *key, size_t len)
{
	for (size_t i = 0; i < map->n_count; i++) {
		const char *k = map->n_child[i]->n_key;

		if (strncmp(k, key, len) == 0 && k[len] == '\0')
			return (map->n_child[i]);
	}
	return (NULL);
}

/*
 * Follows a dotted path.  Returns 0, -ENOENT when a component is missing, or
 * -ENOTDIR when the path runs into a value that cannot hold the next component.
 * *stop is the deepest node reached: that value, or the missing key's parent.
 */
int
cfg_walk(const struct mm_cfg_node *n, const char *path, struct mm_cfg_node **out,
	const struct mm_cfg_node **stop)
{
	const char *s = path != NULL ? path : "";

	*out = NULL;
	*stop = n;
	while (*s != '\0') {
		size_t len = strcspn(s, "."), idx;

		if (n->n_type == MM_CFG_MAP) {
			if ((n = cfg_map_find(n, s, len)) == NULL)
				return (-ENOENT);
		} else if (n->n_type == MM_CFG_SEQ && cfg_parse_index(s, len, &idx)) {
			if (idx >= n->n_count)
				return (-ENOENT);
			n = n->n_child[idx];
		} else if (cfg_node_is_empty(n)) {
			return (-ENOENT);
		} else {
			*stop = n;
			return (-ENOTDIR);
		}
		*stop = n;
		s += len;
		if (*s == '.' && *++s == '\0')
			return (-ENOENT);
	}
	*out = (struct mm_cfg_node *)n;
	return (0);
}

const struct mm_cfg_node *
mm_cfg_node_lookup(const struct mm_cfg_node *node, const char *path)
{
	const struct mm_cfg_node *stop;
	struct mm_cfg_node *n;

	if (node == NULL || cfg_walk(node, path, &n, &stop) != 0)
		return (NULL);
	cfg_mark_up(n);
	return (n);
}

const struct mm_cfg_node *
mm_cfg_lookup(const struct mm_cfg *cfg, const char *path)
{
	return (mm_cfg_node_lookup(cfg->c_root, path));
}

const struct mm_cfg_node *
mm_cfg_root(const struct mm_cfg *cfg)
{
	return (cfg->c_root);
}

enum mm_cfg_type
mm_cfg_node_type(const struct mm_cfg_node *node)
{
	return (node->n_type);
}

const char *
mm_cfg_node_key(const struct mm_cfg_node *node)
{
	return (node->n_key);
}

const char *
mm_cfg_node_value(const struct mm_cfg_node *node)
{
	return (node->n_value);
}

int
mm_cfg_node_line(const struct mm_cfg_node *node)
{
	return (node->n_line);
}

/* An absent section (NULL) has no children, so loops over optional sections need no test. */
size_t
mm_cfg_node_count(const struct mm_cfg_node *node)
{
	return (node != NULL ? node->n_count : 0);
}

const struct mm_cfg_node *
mm_cfg_node_child(const struct mm_cfg_node *node, size_t i)
{
	return (node != NULL && i < node->n_count ? node->n_child[i] : NULL);
}

void
mm_cfg_mark_used(const struct mm_cfg_node *node)
{
	/* Nodes are never const objects; the API hands them out const to readers. */
	struct mm_cfg_node *n = (struct mm_cfg_node *)node;

	if (n == NULL)
		return;
	cfg_mark_subtree(n);
	cfg_mark_up(n->n_parent);
}

static int
unused_walk(
	const struct mm_cfg *cfg, const struct mm_cfg_node *n, int found, char *err, size_t errlen)
{
	for (size_t i = 0; i < n->n_count; i++) {
		const struct mm_cfg_node *c = n->n_child[i];

		if (n->n_type == MM_CFG_MAP && !c->n_used) {
			if (found++ == 0) {
				char path[256];

				cfg_node_path(c, path, sizeof(path));
				if (c->n_line == 0)
					cfg_err(err, errlen, "%s: unknown key '%s'", CFG_SET_NAME,
						path);
				else
					cfg_err(err, errlen, "%s:%d: unknown key '%s'", cfg->c_name,
						c->n_line, path);
			}
			continue;
		}
		if (c->n_type != MM_CFG_SCALAR)
			found = unused_walk(cfg, c, found, err, errlen);
	}
	return (found);
}

int
mm_cfg_check_unused(const struct mm_cfg *cfg, char *err, size_t errlen)
{
	return (unused_walk(cfg, cfg->c_root, 0, err, errlen));
}
