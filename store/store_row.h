/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One event as the store keeps it: the raw EVE JSON as received plus the
 * columns read out of it for indexing and filtering.  Parsing happens on
 * nng's threads, off the single SQLite writer, so rows are self-contained:
 * their strings live in an arena owned by the batch, the raw JSON points into
 * the received message.
 */
#ifndef STORE_ROW_H
#define STORE_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which optional columns a row has (the others are stored as NULL). */
enum {
	STORE_ROW_SRC = 1 << 0, /* r_src_ip and r_src_addr */
	STORE_ROW_DEST = 1 << 1,
	STORE_ROW_SPORT = 1 << 2,
	STORE_ROW_DPORT = 1 << 3,
	STORE_ROW_FLOW_ID = 1 << 4,
	STORE_ROW_FLOW = 1 << 5, /* an EVE "flow" sub-object: the flow table row */
};

/* The columns of the per-type table "flow" (EVE's "flow" sub-object). */
struct store_flow {
	int64_t fl_pkts_toserver; /* -1 when absent */
	int64_t fl_pkts_toclient;
	int64_t fl_bytes_toserver;
	int64_t fl_bytes_toclient;
	int64_t fl_start; /* ns; -1 when absent or unreadable */
	int64_t fl_end;
	int64_t fl_age;        /* seconds */
	const char *fl_reason; /* NULL when absent */
	const char *fl_state;
};

struct store_row {
	int64_t r_seq;
	int64_t r_ts; /* the event's "timestamp", Unix ns */
	const char *r_event_type;
	const char *r_src_ip; /* as the event wrote it */
	const char *r_dest_ip;
	uint8_t r_src_addr[16]; /* IPv4-mapped IPv6, network order: range scans by prefix */
	uint8_t r_dest_addr[16];
	int64_t r_src_port;
	int64_t r_dest_port;
	int64_t r_flow_id;
	const char *r_proto; /* NULL when absent */
	const char *r_plugin;
	const char *r_exercise;
	const char *r_raw; /* the EVE object as received, not NUL-terminated */
	uint32_t r_raw_len;
	uint32_t r_has;  /* STORE_ROW_* */
	bool r_inserted; /* set by the writer: new, not a duplicate */
	struct store_flow r_flow;
};

/*
 * Strings read out of events are copied here.  A JSON string never decodes to
 * more bytes than its quoted form takes, so an arena the size of the message
 * always suffices.
 */
struct store_arena {
	char *ar_buf;
	size_t ar_len;
	size_t ar_cap;
};

/* Empties the arena and makes room for cap bytes; 0 or -ENOMEM. */
int store_arena_reset(struct store_arena *ar, size_t cap);
void store_arena_fini(struct store_arena *ar);

/*
 * Reads one EVE object into a row.  The object must have a string
 * "event_type" (1..64 bytes of [A-Za-z0-9_.-]) and a readable "timestamp";
 * addresses, when present, must parse.  Returns 0, or -EBADMSG with the reason
 * in why; the event is then refused, never stored in part.
 */
int store_row_parse(struct store_row *row, const char *json, uint32_t len, struct store_arena *ar,
	char *why, size_t whylen);

/* Longest event type accepted: it is a pub/sub topic and a column value. */
#define STORE_TYPE_MAX 64

/* True for a well-formed event type name. */
bool store_type_valid(const char *type, size_t len);

#endif /* STORE_ROW_H */
