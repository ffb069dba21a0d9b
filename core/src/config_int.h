/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the configuration tree (config.c: YAML, lookups, unused
 * keys) and its typed getters and overrides (config_get.c).  Not installed.
 */
#ifndef MAMORI_CONFIG_INT_H
#define MAMORI_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

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

void cfg_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *cfg_type_name(enum mm_cfg_type type);
struct mm_cfg_node *cfg_node_new(enum mm_cfg_type type, int line);
struct mm_cfg_node *cfg_node_new_scalar(const char *value, size_t len, bool plain, int line);
void cfg_node_free(struct mm_cfg_node *n);
int cfg_node_append(struct mm_cfg_node *parent, struct mm_cfg_node *child);
bool cfg_node_is_empty(const struct mm_cfg_node *n);
size_t cfg_node_index(const struct mm_cfg_node *n);
const char *cfg_node_path(const struct mm_cfg_node *n, char *buf, size_t len);
const char *cfg_node_where(
	const struct mm_cfg *cfg, const struct mm_cfg_node *n, char *buf, size_t len);
void cfg_mark_up(struct mm_cfg_node *n);
void cfg_mark_subtree(struct mm_cfg_node *n);
int cfg_parse(const char *text, size_t len, const char *name, bool set, struct mm_cfg_node **out,
	char *err, size_t errlen);
bool cfg_parse_index(const char *s, size_t len, size_t *idx);
struct mm_cfg_node *cfg_map_find(const struct mm_cfg_node *map, const char *key, size_t len);
int cfg_walk(const struct mm_cfg_node *n, const char *path, struct mm_cfg_node **out,
	const struct mm_cfg_node **stop);

#endif /* MAMORI_CONFIG_INT_H */
