/* SPDX-License-Identifier: BSD-3-Clause */
/* Directories Mamori keeps its state in. */
#ifndef MAMORI_DIRS_H
#define MAMORI_DIRS_H

#include <sys/types.h>

/*
 * mkdir -p: creates path and its missing parents with mode.  Returns 0, or a
 * negative errno with the component that could not be created in failed
 * (when failed is not NULL; failedlen bytes).
 */
int mm_mkdirs(const char *path, mode_t mode, char *failed, size_t failedlen);

#endif /* MAMORI_DIRS_H */
