/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading plugin shared objects.
 *
 * mm_plugin_open() first reads the descriptor header from the file's
 * MM_PLUGIN_SECTION section and its dynamic symbol table, without mapping the
 * object, and refuses a file that is not a plugin, was built for another ABI
 * major or a newer minor, has a descriptor shorter than the host reads, or
 * lacks the descriptor symbol.  Only then is it dlopen()ed (RTLD_NOW |
 * RTLD_LOCAL) and its required entry points checked, still before any of
 * them is called.  Every refusal is one line naming the file and the reason.
 */
#ifndef MAMORI_PLUGIN_LOAD_H
#define MAMORI_PLUGIN_LOAD_H

#include <stddef.h>

#include "plugin.h"

struct mm_plugin_so {
	char *ps_path;
	void *ps_handle;                 /* from dlopen */
	const struct mm_plugin *ps_desc; /* the plugin's descriptor */
};

/* Opens a plugin; returns 0, or a negative errno with err set. */
int mm_plugin_open(const char *path, struct mm_plugin_so *so, char *err, size_t errlen);
void mm_plugin_close(struct mm_plugin_so *so);

/*
 * Reads and checks the descriptor header of a file without loading it; fills
 * name (MM_PLUGIN_NAME_MAX bytes).  Returns 0 or a negative errno with err set.
 */
int mm_plugin_peek(const char *path, char *name, char *err, size_t errlen);

#endif /* MAMORI_PLUGIN_LOAD_H */
