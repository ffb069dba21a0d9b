/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timestamps in the store are Unix nanoseconds (INTEGER columns).  Events
 * carry EVE text ("2024-02-13T14:34:38.788187+0000") and queries may give
 * RFC 3339 ("2024-02-13T14:34:38Z", "...+09:00"); both are read here.
 */
#ifndef STORE_TIME_H
#define STORE_TIME_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HHMM|+HH:MM|-...)" (a space may
 * replace the T) into Unix ns.  Years 1970..2262 (what fits int64 ns).
 * Returns 0 or -EINVAL.
 */
int store_time_parse(const char *s, size_t len, int64_t *ns);

/* Wall-clock now in Unix ns. */
int64_t store_time_now(void);

#endif /* STORE_TIME_H */
