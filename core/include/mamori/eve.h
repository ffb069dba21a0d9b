/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE-style JSON (Suricata's eve.json conventions): one object a line with
 * "timestamp", "event_type", "src_ip", "src_port", "dest_ip", "dest_port",
 * "proto" and one sub-object named after the event type.
 */
#ifndef MAMORI_EVE_H
#define MAMORI_EVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "flow.h"

/* Formats Unix ns as Suricata does: "2024-02-13T14:34:38.788187+0000". */
char *mm_eve_time(uint64_t ns, char *buf, size_t len);
#define MM_EVE_TIME_LEN 40

/* Starts an event object with timestamp, event_type and the 5-tuple fields. */
json_t *mm_eve_new(uint64_t ts_ns, const char *event_type, const struct mm_flow_rec *tuple);
/* The EVE "flow" event for a flow record (with its "flow" and "tcp" sub-objects). */
json_t *mm_eve_flow(const struct mm_flow_rec *r);
/* Adds the "flow" and (for TCP) "tcp" sub-objects of a flow record to ev. */
int mm_eve_flow_members(json_t *ev, const struct mm_flow_rec *r);
/*
 * The event of mm_eve_flow as the text mm_eve_write writes for it (without
 * the newline), built without a JSON object, for paths that turn every
 * ended flow into an event; with a plugin name, the "plugin" member that
 * mamorid's plugin host adds comes last.  Returns the length (buf is NUL
 * terminated), -ENOSPC when buf is too small (MM_EVE_FLOW_TEXT_MAX and the
 * plugin name escaped always suffice), -EINVAL when plugin is not UTF-8.
 */
int mm_eve_flow_text(char *buf, size_t len, const struct mm_flow_rec *r, const char *plugin);
#define MM_EVE_FLOW_TEXT_MAX 1024
/* True when text[0..n-1] is one object on one line, as an EVE file holds it. */
static inline bool
mm_eve_text_is_line(const char *text, size_t n)
{
	return (text != NULL && n >= 2 && text[0] == '{' && text[n - 1] == '}' &&
		memchr(text, '\n', n) == NULL);
}

/* Writes one object as one line; returns 0 or a negative errno. */
int mm_eve_write(FILE *f, const json_t *ev);

#endif /* MAMORI_EVE_H */
