/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration tree loaded from YAML (libyaml).
 *
 * Keys are addressed with dotted paths ("flow.timeouts.udp", "ports.0.dev").
 * Every lookup marks the node as used, so that after all consumers have read
 * their settings mm_cfg_check_unused() can reject typos with the file and line
 * of the unknown key, the way a user expects from a config file.
 *
 * Getters return 0 on success, -ENOENT when the key is absent (the default is
 * stored), and -EINVAL when the value is malformed; then the error buffer names
 * the file, the line, the key, what was expected and what was found.
 */
#ifndef MAMORI_CONFIG_H
#define MAMORI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mm_cfg_type {
	MM_CFG_SCALAR,
	MM_CFG_MAP,
	MM_CFG_SEQ,
};

struct mm_cfg_node;
struct mm_cfg;

#define MM_CFG_ERRLEN 512

/* Loads a YAML file.  Returns NULL and fills err on failure. */
struct mm_cfg *mm_cfg_load_file(const char *path, char *err, size_t errlen);
/* Loads YAML text; name is used in messages in place of a file name. */
struct mm_cfg *mm_cfg_load_string(
	const char *text, size_t len, const char *name, char *err, size_t errlen);
/* An empty configuration (an empty map). */
struct mm_cfg *mm_cfg_new(const char *name);
void mm_cfg_free(struct mm_cfg *cfg);
const char *mm_cfg_name(const struct mm_cfg *cfg);

/*
 * Applies "dotted.key=value".  The value is read as YAML, so scalars, flow
 * sequences ("[a, b]") and flow maps work; missing maps on the path are created.
 * When the existing node is a sequence and the value a plain scalar with
 * commas, the value is split on the commas.
 */
int mm_cfg_set(struct mm_cfg *cfg, const char *assignment, char *err, size_t errlen);

/* Looks a node up by dotted path from the root (or from a node); NULL if absent. */
const struct mm_cfg_node *mm_cfg_lookup(const struct mm_cfg *cfg, const char *path);
const struct mm_cfg_node *mm_cfg_node_lookup(const struct mm_cfg_node *node, const char *path);
const struct mm_cfg_node *mm_cfg_root(const struct mm_cfg *cfg);

enum mm_cfg_type mm_cfg_node_type(const struct mm_cfg_node *node);
const char *mm_cfg_node_key(const struct mm_cfg_node *node);
const char *mm_cfg_node_value(const struct mm_cfg_node *node);
int mm_cfg_node_line(const struct mm_cfg_node *node);
/* Children of a map or sequence, in document order. */
size_t mm_cfg_node_count(const struct mm_cfg_node *node);
const struct mm_cfg_node *mm_cfg_node_child(const struct mm_cfg_node *node, size_t i);

/* Typed getters relative to a node (NULL means the root). */
int mm_cfg_get_str(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	const char *def, const char **out, char *err, size_t errlen);
int mm_cfg_get_u64(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	uint64_t def, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen);
int mm_cfg_get_bool(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	bool def, bool *out, char *err, size_t errlen);
/*
 * Reads a duration: a plain number of seconds or a number with a unit
 * ("500ms", "30s", "5m", "2h", "1d"); the result is in milliseconds.
 */
int mm_cfg_get_duration_ms(const struct mm_cfg *cfg, const struct mm_cfg_node *base,
	const char *path, uint64_t def_ms, uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms,
	char *err, size_t errlen);
/*
 * Reads a list of strings: a sequence of scalars, or one scalar holding a
 * comma-separated list.  *out is a NULL-terminated array the caller frees with
 * mm_cfg_strv_free().
 */
int mm_cfg_get_strv(const struct mm_cfg *cfg, const struct mm_cfg_node *base, const char *path,
	char ***out, size_t *n, char *err, size_t errlen);
void mm_cfg_strv_free(char **v);

/* Marks a subtree as consumed (a plugin section read by someone else, say). */
void mm_cfg_mark_used(const struct mm_cfg_node *node);
/*
 * Fails with "file:line: unknown key 'a.b'" for the first scalar or map entry
 * no getter has read.  Returns the number of unknown keys.
 */
int mm_cfg_check_unused(const struct mm_cfg *cfg, char *err, size_t errlen);

#endif /* MAMORI_CONFIG_H */
