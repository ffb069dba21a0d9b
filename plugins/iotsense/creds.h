/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default-credential list: published factory user/password pairs of IoT
 * devices (Mirai's built-in list and vendors' manuals), one pair a line:
 *
 *	# comment
 *	user<TAB>password
 *
 * An empty password is a user and a tab.  Fields are at most 31 bytes of
 * printable ASCII.  A malformed line is skipped and counted; the first one is
 * described (line number and what was expected) so the operator can fix it.
 */
#ifndef IOTSENSE_CREDS_H
#define IOTSENSE_CREDS_H

#include <stddef.h>

#define IOT_CRED_MAX 32 /* field size, NUL included */

struct iot_creds;

/* Parses text; -ENOMEM only.  *bad gets the lines skipped, err the first one's fault. */
int iot_creds_parse(const char *text, size_t len, struct iot_creds **out, size_t *bad, char *err,
	size_t errlen);
/* Reads and parses path; -errno when it cannot be read (err names it). */
int iot_creds_load(const char *path, struct iot_creds **out, size_t *bad, char *err, size_t errlen);
void iot_creds_free(struct iot_creds *c);
size_t iot_creds_count(const struct iot_creds *c);
/* Index of the pair in the list, or -1.  Lock-free, read-only: any thread. */
long iot_creds_find(const struct iot_creds *c, const char *user, const char *pass);

#endif /* IOTSENSE_CREDS_H */
