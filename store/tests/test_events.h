/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events for the store's unit tests: EVE JSON built with jansson and parsed
 * into rows as ingest parses them.
 */
#ifndef STORE_TEST_EVENTS_H
#define STORE_TEST_EVENTS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "store_row.h"

#define NS     1000000000LL
#define T0     (1700000000LL * NS) /* 2023-11-14T22:13:20Z */
#define MAXEV  512
#define EVSIZE 4096

/* A batch of events built as text, parsed into rows as ingest does. */
struct batch {
	char b_json[MAXEV][EVSIZE];
	struct store_row b_rows[MAXEV];
	struct store_arena b_arena;
	uint32_t b_n;
};

static inline struct batch *
batch_new(void)
{
	return (calloc(1, sizeof(struct batch)));
}

static inline void
batch_free(struct batch *b)
{
	store_arena_fini(&b->b_arena);
	free(b);
}

/* Adds an event: a flow when type is "flow", with a "pad" member of pad bytes. */
static inline void
batch_add(struct batch *b, int64_t ts, const char *type, const char *src, const char *dst,
	const char *plugin, size_t pad)
{
	char *j = b->b_json[b->b_n++];
	char padding[EVSIZE / 2];
	json_t *ev;
	char *s;

	memset(padding, 'x', pad);
	padding[pad] = '\0';
	ev = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:I}", "timestamp", "", "event_type",
		type, "src_ip", src, "src_port", 40000 + (int)b->b_n, "dest_ip", dst, "dest_port",
		443, "proto", "TCP", "flow_id", (json_int_t)(ts / 1000));
	{
		char t[40];
		time_t sec = (time_t)(ts / NS);
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(t + 19, sizeof(t) - 19, ".%06lld+0000", (long long)(ts % NS / 1000));
		json_object_set_new(ev, "timestamp", json_string(t));
	}
	if (plugin != NULL)
		json_object_set_new(ev, "plugin", json_string(plugin));
	if (pad > 0)
		json_object_set_new(ev, "pad", json_string(padding));
	if (strcmp(type, "flow") == 0)
		json_object_set_new(ev, "flow",
			json_pack("{s:i, s:i, s:i, s:i, s:s, s:s, s:i, s:s, s:s}", "pkts_toserver",
				3, "pkts_toclient", 2, "bytes_toserver", 300, "bytes_toclient", 200,
				"start", "2023-11-14T22:13:19.500000+0000", "end",
				"2023-11-14T22:13:20.000000+0000", "age", 1, "state", "closed",
				"reason", "timeout"));
	s = json_dumps(ev, JSON_COMPACT);
	snprintf(j, EVSIZE, "%s", s);
	free(s);
	json_decref(ev);
}

/* Parses every event into rows with seq first, first + 1, ...; 0 when all parse. */
static inline int
batch_parse(struct batch *b, int64_t first)
{
	size_t total = 0;
	char why[160];

	for (uint32_t i = 0; i < b->b_n; i++)
		total += strlen(b->b_json[i]);
	if (store_arena_reset(&b->b_arena, total) != 0)
		return (-ENOMEM);
	for (uint32_t i = 0; i < b->b_n; i++) {
		if (store_row_parse(&b->b_rows[i], b->b_json[i], (uint32_t)strlen(b->b_json[i]),
			    &b->b_arena, why, sizeof(why)) != 0) {
			fprintf(stderr, "  event %u: %s\n", i, why);
			return (-EBADMSG);
		}
		b->b_rows[i].r_seq = first + i;
	}
	return (0);
}

#endif /* STORE_TEST_EVENTS_H */
