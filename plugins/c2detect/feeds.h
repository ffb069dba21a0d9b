/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Threat-intelligence feeds and the lead time of detections over them.
 *
 * A feed lists C&C addresses with the time each was published: a plain list
 * (one address a line; the feed's own time for all), CSV (the first column
 * that is an address, the first that is a time: ISO 8601 or Unix seconds;
 * quotes, a header and '#' comments allowed, as abuse.ch's feeds have) or a
 * STIX 2.1 bundle (indicators whose pattern compares ipv4-addr:value or
 * ipv6-addr:value, published at valid_from, else created).
 */
#ifndef C2_FEEDS_H
#define C2_FEEDS_H

#include <stddef.h>
#include <stdint.h>

struct c2_feed_entry {
	uint8_t fe_addr[16];
	int64_t fe_published; /* Unix s */
	uint32_t fe_feed;     /* index into fd_names */
};

struct c2_feeds {
	struct c2_feed_entry *fd_v;
	size_t fd_n;
	size_t fd_cap;
	char **fd_names;
	size_t fd_nnames;
	uint64_t fd_bad; /* lines or objects refused */
};

void c2_feeds_init(struct c2_feeds *f);
void c2_feeds_fini(struct c2_feeds *f);
/*
 * Parses one feed held in memory; the format is told from the content.
 * def_time is the publication time of entries that carry none.  Returns
 * the number of entries added, or -EINVAL / -ENOMEM with err naming the
 * feed, the line or object and what was expected (bad entries are counted in
 * fd_bad and skipped; the rest of the feed is kept).
 */
long c2_feeds_parse(struct c2_feeds *f, const char *name, const char *buf, size_t len,
	int64_t def_time, char *err, size_t errlen);
/* Reads a file and parses it (def_time: the file's modification time). */
long c2_feeds_load(struct c2_feeds *f, const char *path, char *err, size_t errlen);
/* Sorts the entries; call after loading, before lookups. */
void c2_feeds_finish(struct c2_feeds *f);
/* The earliest listing of an address, or NULL. */
const struct c2_feed_entry *c2_feeds_first(const struct c2_feeds *f, const uint8_t addr[16]);

/* Detections and their lead over the feeds. */
struct c2_detection {
	uint8_t d_addr[16];
	int64_t d_time;   /* first detection, Unix s */
	int64_t d_listed; /* first feed listing, or 0 */
	uint32_t d_feed;
};

struct c2_detections {
	struct c2_detection *dt_v;
	size_t dt_n;
	size_t dt_cap;
};

/* Records a detection once per address; returns it (NULL on ENOMEM). */
struct c2_detection *c2_detections_add(
	struct c2_detections *d, const struct c2_feeds *f, const uint8_t addr[16], int64_t when);
/* Of the detections, how many before any feed listed the address. */
size_t c2_detections_before_feeds(const struct c2_detections *d);
void c2_detections_fini(struct c2_detections *d);

#endif /* C2_FEEDS_H */
