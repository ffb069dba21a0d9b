/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data files Mamori ships (tables, signature lists, default credential
 * lists): where they are.  The same lookup serves mamorid's plugins (through
 * h_data_file) and the tools.
 */
#ifndef MAMORI_DATAFILE_H
#define MAMORI_DATAFILE_H

#include <stddef.h>

/*
 * Finds NAME (a path relative to share/mamori, e.g. "iotsense/firmware.json")
 * in $MAMORI_DATA_DIR, then in the build tree the running program belongs to
 * (its directory's ../share/mamori or ../../share/mamori), then in the
 * installed share/mamori.  Writes the path to out (the installed one when
 * the file is nowhere) and returns 0 when it is readable, else -ENOENT.
 */
int mm_data_file(const char *name, char *out, size_t len);

#endif /* MAMORI_DATAFILE_H */
