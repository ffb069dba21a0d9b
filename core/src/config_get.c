/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Typed getters over the configuration tree, and --set overrides.  Every
 * getter marks what it reads, so unread keys can be reported as unknown.
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
		cfg_mark_up((struct mm_cfg_node *)stop);
		cfg_err(err, errlen, "%s: expected a map, got %s",
			cfg_node_where(cfg, stop, where, sizeof(where)),
			cfg_type_name(stop->n_type));
		return (-EINVAL);
	}
	if (rv != 0) {
		/*
		 * The section the key would be in was read: a misspelt key beside
		 * it is then reported by itself, not as its whole section.
		 */
		cfg_mark_up((struct mm_cfg_node *)stop);
		return (-ENOENT);
	}
	cfg_mark_up(*np);
	return (cfg_node_is_empty(*np) ? -ENOENT : 0);
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
			cfg_node_where(cfg, *np, where, sizeof(where)), expected,
			cfg_type_name((*np)->n_type));
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
		cfg_node_where(cfg, n, where, sizeof(where)), expected, CFG_QUOTE_MAX, n->n_value,
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
			cfg_node_where(cfg, node, where, sizeof(where)));
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
		cfg_mark_subtree(node);
		for (size_t i = 0; i < node->n_count && rv == 0; i++) {
			struct mm_cfg_node *c = node->n_child[i];

			if (c->n_type != MM_CFG_SCALAR) {
				cfg_err(err, errlen, "%s: expected a string, got %s",
					cfg_node_where(cfg, c, where, sizeof(where)),
					cfg_type_name(c->n_type));
				rv = -EINVAL;
			} else if ((rv = strv_push(v, &got, c->n_value, strlen(c->n_value))) ==
				   -EINVAL) {
				cfg_err(err, errlen, "%s: expected a string, got an empty value",
					cfg_node_where(cfg, c, where, sizeof(where)));
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
		if ((item = cfg_node_new_scalar(b, len, true, 0)) == NULL ||
			cfg_node_append(val, item) != 0) {
			cfg_node_free(item);
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
		cfg_node_free(parent->n_child[idx]);
		parent->n_child[idx] = val;
		val->n_parent = parent;
		return (0);
	}
	return (cfg_node_append(parent, val));
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
	if (val == NULL && (val = cfg_node_new_scalar("", 0, true, 0)) == NULL)
		goto nomem;
	rv = -EINVAL;
	for (comp = key;; comp = rest) {
		size_t idx = 0;
		bool last;

		rest = comp + strcspn(comp, ".");
		last = *rest == '\0';
		*rest++ = '\0';
		if (cur->n_type == MM_CFG_SEQ) {
			if (!cfg_parse_index(comp, strlen(comp), &idx) || idx > cur->n_count) {
				cfg_err(err, errlen, "%s: '%s' is not an index from 0 to %zu",
					where, comp, cur->n_count);
				goto out;
			}
			next = idx < cur->n_count ? cur->n_child[idx] : NULL;
		} else {
			next = cfg_map_find(cur, comp, strlen(comp));
			idx = next != NULL ? cfg_node_index(next) : cur->n_count;
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
		if (next != NULL && cfg_node_is_empty(next)) {
			/* "a:" in the file, then --set a.b=1: the null becomes a map. */
			free(next->n_value);
			next->n_value = NULL;
			next->n_type = MM_CFG_MAP;
		} else if (next != NULL && next->n_type == MM_CFG_SCALAR) {
			char path[256];

			cfg_err(err, errlen, "%s: '%s' holds a string, not a map", where,
				cfg_node_path(next, path, sizeof(path)));
			goto out;
		} else if (next == NULL) {
			if ((next = cfg_node_new(MM_CFG_MAP, 0)) == NULL ||
				set_place(cur, idx, cur->n_type == MM_CFG_MAP ? comp : NULL,
					next) != 0) {
				cfg_node_free(next);
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
	cfg_node_free(val);
	free(key);
	return (rv);
}
