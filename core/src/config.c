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

#include "mamori/config.h"

#define CFG_MAX_DEPTH 64
#define CFG_MAX_SIZE  (4u << 20)
#define CFG_SET_NAME  "--set"
/* Longest piece of a bad value quoted back in a message. */
#define CFG_QUOTE_MAX 64

struct mm_cfg_node {
	enum mm_cfg_type n_type;
	char *n_key;   /* key in the parent map; NULL in a sequence or at the root */
	char *n_value; /* scalar text, "" for a YAML null; NULL for a map or sequence */
	int n_line;    /* line of the key for map entries, else of the value; 0 if set */
	bool n_plain;  /* scalar written without quotes */
	bool n_used;   /* read by a lookup; then so are all its ancestors */
	struct mm_cfg_node *n_parent; /* NULL at the root */
	struct mm_cfg_node **n_child; /* map entries or sequence items in document order */
	size_t n_count;
	size_t n_cap;
};

struct mm_cfg {
	char *c_name;
	struct mm_cfg_node *c_root; /* always a map */
};

static void cfg_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
cfg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
type_name(enum mm_cfg_type type)
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

static struct mm_cfg_node *
node_new(enum mm_cfg_type type, int line)
{
	struct mm_cfg_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return (NULL);
	n->n_type = type;
	n->n_line = line;
	return (n);
}

static struct mm_cfg_node *
node_new_scalar(const char *value, size_t len, bool plain, int line)
{
	struct mm_cfg_node *n = node_new(MM_CFG_SCALAR, line);

	if (n == NULL)
		return (NULL);
	if ((n->n_value = strndup(value, len)) == NULL) {
		free(n);
		return (NULL);
	}
	n->n_plain = plain;
	return (n);
}

static void
node_free(struct mm_cfg_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n_count; i++)
		node_free(n->n_child[i]);
	free(n->n_child);
	free(n->n_key);
	free(n->n_value);
	free(n);
}

static int
node_append(struct mm_cfg_node *parent, struct mm_cfg_node *child)
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

static bool
node_is_empty(const struct mm_cfg_node *n)
{
	return (n->n_type == MM_CFG_SCALAR && n->n_value[0] == '\0');
}

static size_t
node_index(const struct mm_cfg_node *n)
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
		w = snprintf(buf + off, len - off, "%s%zu", off > 0 ? "." : "", node_index(n));
	return (off + (w > 0 ? (size_t)w : 0));
}

static const char *
node_path(const struct mm_cfg_node *n, char *buf, size_t len)
{
	buf[0] = '\0';
	node_path_at(n, buf, len, 0);
	if (buf[0] == '\0')
		snprintf(buf, len, "(top level)");
	return (buf);
}

/* "file:12: a.b" for a loaded node, "--set a.b" for one set on the command line. */
static const char *
node_where(const struct mm_cfg *cfg, const struct mm_cfg_node *n, char *buf, size_t len)
{
	char path[256];

	node_path(n, path, sizeof(path));
	if (n->n_line == 0)
		snprintf(buf, len, "%s %s", CFG_SET_NAME, path);
	else
		snprintf(buf, len, "%s:%d: %s", cfg != NULL ? cfg->c_name : "config", n->n_line,
			path);
	return (buf);
}

static void
mark_up(struct mm_cfg_node *n)
{
	for (; n != NULL && !n->n_used; n = n->n_parent)
		n->n_used = true;
}

static void
mark_subtree(struct mm_cfg_node *n)
{
	n->n_used = true;
	for (size_t i = 0; i < n->n_count; i++)
		mark_subtree(n->n_child[i]);
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
	node_path(map->n_child[again], path, sizeof(path));
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
	if ((rv = node_append(parent, n)) != 0) {
		node_free(n);
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

		n = node_new_scalar(null ? "" : (const char *)ev->data.scalar.value,
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
	n = node_new(ev->type == YAML_MAPPING_START_EVENT ? MM_CFG_MAP : MM_CFG_SEQ, line);
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
static int
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
		node_free(b.b_root);
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
	cfg->c_root = node_new(MM_CFG_MAP, 1);
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
	if (root != NULL && !node_is_empty(root) && root->n_type != MM_CFG_MAP) {
		cfg_err(err, errlen, "%s:%d: expected a map of settings at the top level, got %s",
			name, root->n_line, type_name(root->n_type));
		node_free(root);
		return (NULL);
	}
	if ((cfg = mm_cfg_new(name)) == NULL) {
		cfg_err(err, errlen, "%s: out of memory", name);
		node_free(root);
		return (NULL);
	}
	if (root != NULL && root->n_type == MM_CFG_MAP) {
		node_free(cfg->c_root);
		cfg->c_root = root;
		root->n_used = true;
	} else {
		node_free(root);
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
	node_free(cfg->c_root);
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
static bool
parse_index(const char *s, size_t len, size_t *idx)
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

static struct mm_cfg_node *
map_find(const struct mm_cfg_node *map, const char *key, size_t len)
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
 * -ENOTDIR when the path runs into a value that cannot hold the next component
 * (*stop is that value).
 */
static int
cfg_walk(const struct mm_cfg_node *n, const char *path, struct mm_cfg_node **out,
	const struct mm_cfg_node **stop)
{
	const char *s = path != NULL ? path : "";

	*out = NULL;
	while (*s != '\0') {
		size_t len = strcspn(s, "."), idx;

		if (n->n_type == MM_CFG_MAP) {
			if ((n = map_find(n, s, len)) == NULL)
				return (-ENOENT);
		} else if (n->n_type == MM_CFG_SEQ && parse_index(s, len, &idx)) {
			if (idx >= n->n_count)
				return (-ENOENT);
			n = n->n_child[idx];
		} else if (node_is_empty(n)) {
			return (-ENOENT);
		} else {
			*stop = n;
			return (-ENOTDIR);
		}
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
	mark_up(n);
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
	mark_subtree(n);
	mark_up(n->n_parent);
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

				node_path(c, path, sizeof(path));
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

/* ---- Typed getters ---- */

/*
 * Finds and marks the node a getter reads.  Returns 0, -ENOENT when it is
 * absent or null, or -EINVAL when the path runs into a value that is not a map.
 */
static int
get_node(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	struct mm_cfg_node **np, char *err, size_t errlen)
{
	const struct mm_cfg_node *stop;
	char where[MM_CFG_ERRLEN];
	int rv;

	if (base == NULL)
		base = cfg->c_root;
	rv = cfg_walk(base, path, np, &stop);
	if (rv == -ENOTDIR) {
		mark_up((struct mm_cfg_node *)stop);
		cfg_err(err, errlen, "%s: expected a map, got %s",
			node_where(cfg, stop, where, sizeof(where)), type_name(stop->n_type));
		return (-EINVAL);
	}
	if (rv != 0)
		return (-ENOENT);
	mark_up(*np);
	return (node_is_empty(*np) ? -ENOENT : 0);
}

static int
get_scalar(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	const char *expected, struct mm_cfg_node **np, char *err, size_t errlen)
{
	char where[MM_CFG_ERRLEN];
	int rv;

	if ((rv = get_node(cfg, base, path, np, err, errlen)) != 0)
		return (rv);
	if ((*np)->n_type != MM_CFG_SCALAR) {
		cfg_err(err, errlen, "%s: expected %s, got %s",
			node_where(cfg, *np, where, sizeof(where)), expected,
			type_name((*np)->n_type));
		return (-EINVAL);
	}
	return (0);
}

static int
bad_value(const struct mm_cfg *cfg, const struct mm_cfg_node *n, const char *expected, char *err,
	size_t errlen)
{
	char where[MM_CFG_ERRLEN];

	cfg_err(err, errlen, "%s: expected %s, got '%.*s%s'",
		node_where(cfg, n, where, sizeof(where)), expected, CFG_QUOTE_MAX, n->n_value,
		strlen(n->n_value) > CFG_QUOTE_MAX ? "..." : "");
	return (-EINVAL);
}

int
mm_cfg_get_str(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	const char *def, const char **out, char *err, size_t errlen)
{
	struct mm_cfg_node *n;
	int rv;

	*out = def;
	if ((rv = get_scalar(cfg, base, path, "a string", &n, err, errlen)) != 0)
		return (rv);
	*out = n->n_value;
	return (0);
}

/* Decimal or 0x hexadecimal; -ERANGE past 2^64 - 1. */
static int
parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return (-EINVAL);
	for (; *s != '\0'; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return (-EINVAL);
		if (v > (UINT64_MAX - d) / base)
			return (-ERANGE);
		v = v * base + d;
	}
	*out = v;
	return (0);
}

int
mm_cfg_get_u64(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	uint64_t def, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	struct mm_cfg_node *n;
	char expected[100];
	uint64_t v;
	int rv;

	*out = def;
	if ((rv = get_scalar(cfg, base, path, "an integer", &n, err, errlen)) != 0)
		return (rv);
	if (min == 0 && max == UINT64_MAX)
		snprintf(expected, sizeof(expected), "an integer");
	else if (max == UINT64_MAX)
		snprintf(expected, sizeof(expected), "an integer of at least %" PRIu64, min);
	else
		snprintf(expected, sizeof(expected), "an integer from %" PRIu64 " to %" PRIu64, min,
			max);
	if (parse_u64(n->n_value, &v) != 0 || v < min || v > max)
		return (bad_value(cfg, n, expected, err, errlen));
	*out = v;
	return (0);
}

int
mm_cfg_get_bool(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	bool def, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	struct mm_cfg_node *n;
	int rv;

	*out = def;
	if ((rv = get_scalar(cfg, base, path, "a boolean", &n, err, errlen)) != 0)
		return (rv);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(n->n_value, yes[i]) == 0) {
			*out = true;
			return (0);
		}
		if (strcasecmp(n->n_value, no[i]) == 0) {
			*out = false;
			return (0);
		}
	}
	return (bad_value(cfg, n, "true or false (or yes/no, on/off, 1/0)", err, errlen));
}

static const struct {
	const char *du_name;
	uint64_t du_ms;
} duration_units[] = {
	{ "d", 86400000 },
	{ "h", 3600000 },
	{ "m", 60000 },
	{ "s", 1000 },
	{ "ms", 1 },
};

static int
parse_duration_ms(const char *s, uint64_t *out)
{
	uint64_t v = 0, unit = 1000;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return (-ERANGE);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return (-EINVAL);
	if (*p != '\0') {
		size_t i = 0;

		while (i < sizeof(duration_units) / sizeof(duration_units[0]) &&
			strcmp(p, duration_units[i].du_name) != 0)
			i++;
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			return (-EINVAL);
		unit = duration_units[i].du_ms;
	}
	if (v > UINT64_MAX / unit)
		return (-ERANGE);
	*out = v * unit;
	return (0);
}

/* Writes a duration with the largest unit that divides it: "90s", "5m", "250ms". */
static const char *
format_duration(uint64_t ms, char *buf, size_t len)
{
	size_t i = 0;

	/* Zero divides by every unit; "0s" reads best. */
	while (ms == 0 ? duration_units[i].du_ms != 1000 : ms % duration_units[i].du_ms != 0)
		i++;
	snprintf(
		buf, len, "%" PRIu64 "%s", ms / duration_units[i].du_ms, duration_units[i].du_name);
	return (buf);
}

int
mm_cfg_get_duration_ms(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	uint64_t def_ms, uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms, char *err,
	size_t errlen)
{
	char expected[100], lo[32], hi[32];
	struct mm_cfg_node *n;
	uint64_t v;
	int rv;

	*out_ms = def_ms;
	if ((rv = get_scalar(cfg, base, path, "a duration", &n, err, errlen)) != 0)
		return (rv);
	rv = parse_duration_ms(n->n_value, &v);
	if (rv == -EINVAL)
		return (bad_value(cfg, n, "a duration like 30s or 5m", err, errlen));
	if (rv == 0 && v >= min_ms && v <= max_ms) {
		*out_ms = v;
		return (0);
	}
	format_duration(min_ms, lo, sizeof(lo));
	format_duration(max_ms, hi, sizeof(hi));
	if (max_ms == UINT64_MAX)
		snprintf(expected, sizeof(expected), "a duration of at least %s", lo);
	else
		snprintf(expected, sizeof(expected), "a duration from %s to %s", lo, hi);
	return (bad_value(cfg, n, expected, err, errlen));
}

void
mm_cfg_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* Returns s[0..*len) without the blanks around it. */
static const char *
trim_blanks(const char *s, size_t *len)
{
	while (*len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return (s);
}

/* Appends a copy of s[0..len) with blanks trimmed; -EINVAL when nothing is left. */
static int
strv_push(char **v, size_t *n, const char *s, size_t len)
{
	s = trim_blanks(s, &len);
	if (len == 0)
		return (-EINVAL);
	if ((v[*n] = strndup(s, len)) == NULL)
		return (-ENOMEM);
	(*n)++;
	return (0);
}

int
mm_cfg_get_strv(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	char ***out, size_t *n, char *err, size_t errlen)
{
	struct mm_cfg_node *node;
	char where[MM_CFG_ERRLEN], **v;
	size_t cap, got = 0;
	int rv;

	*out = NULL;
	*n = 0;
	rv = get_node(cfg, base, path, &node, err, errlen);
	if (rv == -EINVAL)
		return (rv);
	if (rv == 0 && node->n_type == MM_CFG_MAP) {
		cfg_err(err, errlen, "%s: expected a list of strings, got a map",
			node_where(cfg, node, where, sizeof(where)));
		return (-EINVAL);
	}
	/* Room for every item and the NULL: items, or commas + 1. */
	cap = 1;
	if (rv == 0 && node->n_type == MM_CFG_SEQ) {
		cap += node->n_count;
	} else if (rv == 0) {
		cap++;
		for (const char *s = node->n_value; *s != '\0'; s++)
			cap += *s == ',';
	}
	if ((v = calloc(cap, sizeof(*v))) == NULL) {
		cfg_err(err, errlen, "%s: out of memory", cfg->c_name);
		return (-ENOMEM);
	}
	if (rv == -ENOENT) {
		*out = v;
		return (rv);
	}
	if (node->n_type == MM_CFG_SEQ) {
		mark_subtree(node);
		for (size_t i = 0; i < node->n_count && rv == 0; i++) {
			struct mm_cfg_node *c = node->n_child[i];

			if (c->n_type != MM_CFG_SCALAR) {
				cfg_err(err, errlen, "%s: expected a string, got %s",
					node_where(cfg, c, where, sizeof(where)),
					type_name(c->n_type));
				rv = -EINVAL;
			} else if ((rv = strv_push(v, &got, c->n_value, strlen(c->n_value))) ==
				   -EINVAL) {
				cfg_err(err, errlen, "%s: expected a string, got an empty value",
					node_where(cfg, c, where, sizeof(where)));
			}
		}
	} else {
		for (const char *s = node->n_value; rv == 0; s += strcspn(s, ",") + 1) {
			rv = strv_push(v, &got, s, strcspn(s, ","));
			if (rv == -EINVAL)
				bad_value(cfg, node, "a comma-separated list without empty items",
					err, errlen);
			if (s[strcspn(s, ",")] == '\0')
				break;
		}
	}
	if (rv == -ENOMEM)
		cfg_err(err, errlen, "%s: out of memory", cfg->c_name);
	if (rv != 0) {
		mm_cfg_strv_free(v);
		return (rv);
	}
	*out = v;
	*n = got;
	return (0);
}

/* ---- Overrides ---- */

/* Turns a plain "a, b, c" into the sequence [a, b, c]. */
static int
set_split(struct mm_cfg_node *val, const char *where, char *err, size_t errlen)
{
	const char *s = val->n_value;
	struct mm_cfg_node *item;
	char *text = val->n_value;

	val->n_type = MM_CFG_SEQ;
	val->n_value = NULL;
	for (;; s += strcspn(s, ",") + 1) {
		size_t len = strcspn(s, ",");
		const char *b = trim_blanks(s, &len);

		if (len == 0) {
			cfg_err(err, errlen, "%s: empty item in '%s'", where, text);
			free(text);
			return (-EINVAL);
		}
		if ((item = node_new_scalar(b, len, true, 0)) == NULL ||
			node_append(val, item) != 0) {
			node_free(item);
			free(text);
			return (-ENOMEM);
		}
		if (s[strcspn(s, ",")] == '\0')
			break;
	}
	free(text);
	return (0);
}

/* Puts val at index idx of parent (a map entry when key is set): replaces or appends. */
static int
set_place(struct mm_cfg_node *parent, size_t idx, const char *key, struct mm_cfg_node *val)
{
	if (key != NULL && (val->n_key = strdup(key)) == NULL)
		return (-ENOMEM);
	if (idx < parent->n_count) {
		node_free(parent->n_child[idx]);
		parent->n_child[idx] = val;
		val->n_parent = parent;
		return (0);
	}
	return (node_append(parent, val));
}

int
mm_cfg_set(struct mm_cfg *cfg, const char *assignment, char *err, size_t errlen)
{
	struct mm_cfg_node *cur = cfg->c_root, *val = NULL, *next;
	char where[MM_CFG_ERRLEN], *key = NULL, *comp, *rest;
	const char *eq = strchr(assignment, '=');
	size_t depth = 0, len;
	int rv = -EINVAL;

	if (eq == NULL || eq == assignment) {
		cfg_err(err, errlen, "%s: expected key=value, got '%s'", CFG_SET_NAME, assignment);
		return (-EINVAL);
	}
	if ((key = strndup(assignment, (size_t)(eq - assignment))) == NULL)
		goto nomem;
	snprintf(where, sizeof(where), "%s %s", CFG_SET_NAME, key);
	for (const char *s = key;; s += len + 1) {
		len = strcspn(s, ".");
		if (len == 0 || ++depth > CFG_MAX_DEPTH) {
			cfg_err(err, errlen,
				"%s: expected a dotted key of at most %d non-empty parts", where,
				CFG_MAX_DEPTH);
			goto out;
		}
		if (s[len] == '\0')
			break;
	}
	if ((rv = cfg_parse(eq + 1, strlen(eq + 1), where, true, &val, err, errlen)) != 0)
		goto out;
	if (val == NULL && (val = node_new_scalar("", 0, true, 0)) == NULL)
		goto nomem;
	rv = -EINVAL;
	for (comp = key;; comp = rest) {
		size_t idx = 0;
		bool last;

		rest = comp + strcspn(comp, ".");
		last = *rest == '\0';
		*rest++ = '\0';
		if (cur->n_type == MM_CFG_SEQ) {
			if (!parse_index(comp, strlen(comp), &idx) || idx > cur->n_count) {
				cfg_err(err, errlen, "%s: '%s' is not an index from 0 to %zu",
					where, comp, cur->n_count);
				goto out;
			}
			next = idx < cur->n_count ? cur->n_child[idx] : NULL;
		} else {
			next = map_find(cur, comp, strlen(comp));
			idx = next != NULL ? node_index(next) : cur->n_count;
		}
		if (last) {
			if (next != NULL && next->n_type == MM_CFG_SEQ &&
				val->n_type == MM_CFG_SCALAR && val->n_plain &&
				strchr(val->n_value, ',') != NULL &&
				(rv = set_split(val, where, err, errlen)) != 0)
				goto out;
			if ((rv = set_place(
				     cur, idx, cur->n_type == MM_CFG_MAP ? comp : NULL, val)) != 0)
				goto nomem;
			val = NULL;
			break;
		}
		if (next != NULL && node_is_empty(next)) {
			/* "a:" in the file, then --set a.b=1: the null becomes a map. */
			free(next->n_value);
			next->n_value = NULL;
			next->n_type = MM_CFG_MAP;
		} else if (next != NULL && next->n_type == MM_CFG_SCALAR) {
			char path[256];

			cfg_err(err, errlen, "%s: '%s' holds a string, not a map", where,
				node_path(next, path, sizeof(path)));
			goto out;
		} else if (next == NULL) {
			if ((next = node_new(MM_CFG_MAP, 0)) == NULL ||
				set_place(cur, idx, cur->n_type == MM_CFG_MAP ? comp : NULL,
					next) != 0) {
				node_free(next);
				goto nomem;
			}
		}
		cur = next;
	}
	rv = 0;
	goto out;
nomem:
	cfg_err(err, errlen, "%s: out of memory", CFG_SET_NAME);
	rv = -ENOMEM;
out:
	node_free(val);
	free(key);
	return (rv);
}
