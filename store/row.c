/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE JSON to a store row.  Events come from other processes, possibly other
 * machines: the whole text is checked (store_json_scan), every field the
 * store reads is checked for its type and range, and an event with a bad one
 * is refused with a reason naming the field, rather than stored with a guess.
 *
 * The scan reports members as it meets them; they are collected first and
 * read afterwards, because "event_type" may come after the members whose
 * meaning depends on it.  A repeated member counts with its last value, as
 * jansson reads it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/netaddr.h>

#include "store_json.h"
#include "store_row.h"
#include "store_time.h"

int
store_arena_reset(struct store_arena *ar, size_t cap)
{
	ar->ar_len = 0;
	if (cap > ar->ar_cap || ar->ar_buf == NULL) {
		char *p = realloc(ar->ar_buf, cap > 0 ? cap : 1);

		if (p == NULL)
			return (-ENOMEM);
		ar->ar_buf = p;
		ar->ar_cap = cap;
	}
	return (0);
}

void
store_arena_fini(struct store_arena *ar)
{
	free(ar->ar_buf);
	ar->ar_buf = NULL;
	ar->ar_len = ar->ar_cap = 0;
}

bool
store_type_valid(const char *type, size_t len)
{
	if (len == 0 || len > STORE_TYPE_MAX)
		return (false);
	for (size_t i = 0; i < len; i++) {
		char c = type[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '_' || c == '.' || c == '-'))
			return (false);
	}
	return (true);
}

/* Top-level members the store reads. */
enum top {
	TOP_EVENT_TYPE,
	TOP_TIMESTAMP,
	TOP_SRC_IP,
	TOP_DEST_IP,
	TOP_SRC_PORT,
	TOP_DEST_PORT,
	TOP_FLOW_ID,
	TOP_PROTO,
	TOP_PLUGIN,
	TOP_EXERCISE,
	TOP_N,
};

/* Members of the "flow" sub-object. */
enum fl {
	FL_PKTS_TS,
	FL_PKTS_TC,
	FL_BYTES_TS,
	FL_BYTES_TC,
	FL_AGE,
	FL_START,
	FL_END,
	FL_REASON,
	FL_STATE,
	FL_N,
};

/* Their names, for messages. */
static const char *const fl_names[FL_N] = { "pkts_toserver", "pkts_toclient", "bytes_toserver",
	"bytes_toclient", "age", "start", "end", "reason", "state" };

struct collect {
	struct store_json_tok co_top[TOP_N];
	struct store_json_tok co_flow[FL_N]; /* of the last "flow" member, if an object */
	struct store_json_tok co_next[FL_N]; /* of the object being read */
	uint32_t co_top_has;
	uint32_t co_flow_has;
	uint32_t co_next_has;
	bool co_flow_obj;
};

/* A name the store reads; s is n bytes, not NUL-terminated. */
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0)
/* "flow" at the top level: not a column, the sub-object read_flow() reads. */
#define TOP_FLOW TOP_N

/*
 * Which top-level name s is: keys are looked up about thirty times per
 * event, by length first, then one or two comparisons of constant size
 * (a loop over a table of names, a call to memcmp() each, took a fifth of
 * the parsing).
 */
static int
top_index(const char *s, size_t n)
{
	switch (n) {
	case 4:
		return (IS("flow") ? TOP_FLOW : -1);
	case 5:
		return (IS("proto") ? TOP_PROTO : -1);
	case 6:
		return (IS("src_ip") ? TOP_SRC_IP : IS("plugin") ? TOP_PLUGIN : -1);
	case 7:
		return (IS("dest_ip") ? TOP_DEST_IP : IS("flow_id") ? TOP_FLOW_ID : -1);
	case 8:
		return (IS("src_port") ? TOP_SRC_PORT : IS("exercise") ? TOP_EXERCISE : -1);
	case 9:
		return (IS("timestamp") ? TOP_TIMESTAMP : IS("dest_port") ? TOP_DEST_PORT : -1);
	case 10:
		return (IS("event_type") ? TOP_EVENT_TYPE : -1);
	default:
		return (-1);
	}
}

/* The same for the members of "flow" (fl_names). */
static int
fl_index(const char *s, size_t n)
{
	switch (n) {
	case 3:
		return (IS("age") ? FL_AGE : IS("end") ? FL_END : -1);
	case 5:
		return (IS("start") ? FL_START : IS("state") ? FL_STATE : -1);
	case 6:
		return (IS("reason") ? FL_REASON : -1);
	case 13:
		return (IS("pkts_toserver") ? FL_PKTS_TS : IS("pkts_toclient") ? FL_PKTS_TC : -1);
	case 14:
		return (IS("bytes_toserver")   ? FL_BYTES_TS
			: IS("bytes_toclient") ? FL_BYTES_TC
					       : -1);
	default:
		return (-1);
	}
}
#undef IS

/* The longest name the store reads ("bytes_toserver"), each byte a six-byte \u escape. */
#define ESCAPED_NAME_MAX (14 * 6)

/* Looks a key up with fn, decoding its escapes first, if any (never in practice). */
static int
key_index(const struct store_json_tok *key, int (*fn)(const char *, size_t))
{
	char buf[ESCAPED_NAME_MAX + 1];
	long n;

	if (key->jt_type != STORE_JSON_STRING)
		return (-1);
	if (!key->jt_escaped)
		return (fn(key->jt_text, key->jt_len));
	/* A longer key decodes to more bytes than any name has. */
	if ((n = store_json_unescape(key, buf, sizeof(buf))) < 0)
		return (-1);
	return (fn(buf, (size_t)n));
}

static int
on_member(void *arg, const struct store_json_tok *parent, const struct store_json_tok *key,
	const struct store_json_tok *val)
{
	struct collect *co = arg;
	int i;

	if (parent != NULL) {
		if (key_index(parent, top_index) == TOP_FLOW &&
			(i = key_index(key, fl_index)) >= 0) {
			co->co_next[i] = *val;
			co->co_next_has |= 1U << i;
		}
		return (0);
	}
	if ((i = key_index(key, top_index)) >= 0 && i < TOP_N) {
		co->co_top[i] = *val;
		co->co_top_has |= 1U << i;
	} else if (i == TOP_FLOW) {
		co->co_flow_obj = val->jt_type == STORE_JSON_OBJECT;
		memcpy(co->co_flow, co->co_next, sizeof(co->co_flow));
		co->co_flow_has = co->co_flow_obj ? co->co_next_has : 0;
	}
	/* Inner members seen so far belonged to this member's value. */
	co->co_next_has = 0;
	return (0);
}

/* The token for a member, or NULL when absent or null. */
static const struct store_json_tok *
member(const struct store_json_tok *toks, uint32_t has, int i)
{
	if (!(has & (1U << i)) || toks[i].jt_type == STORE_JSON_NULL)
		return (NULL);
	return (&toks[i]);
}

static const char *
arena_str(struct store_arena *ar, const struct store_json_tok *t)
{
	char *p = ar->ar_buf + ar->ar_len;
	long n = store_json_unescape(t, p, ar->ar_cap - ar->ar_len);

	if (n < 0)
		return (NULL);
	ar->ar_len += (size_t)n + 1;
	return (p);
}

/* An optional string; -EBADMSG when present and not a string. */
static int
get_str(const struct store_json_tok *t, const char *key, struct store_arena *ar, const char **out,
	char *why, size_t whylen)
{
	*out = NULL;
	if (t == NULL)
		return (0);
	if (t->jt_type != STORE_JSON_STRING) {
		snprintf(why, whylen, "\"%s\": expected a string", key);
		return (-EBADMSG);
	}
	/* The arena is as large as the message, which holds the escaped form. */
	if ((*out = arena_str(ar, t)) == NULL) {
		snprintf(why, whylen, "\"%s\": no room to copy the string", key);
		return (-EBADMSG);
	}
	return (0);
}

/* An optional integer in [min, max]; 1 when read, 0 when absent. */
static int
get_int(const struct store_json_tok *t, const char *key, int64_t min, int64_t max, int64_t *out,
	char *why, size_t whylen)
{
	if (t == NULL)
		return (0);
	if (t->jt_type != STORE_JSON_INTEGER || t->jt_int < min || t->jt_int > max) {
		snprintf(why, whylen, "\"%s\": expected an integer from %lld to %lld", key,
			(long long)min, (long long)max);
		return (-EBADMSG);
	}
	*out = t->jt_int;
	return (1);
}

/* An optional EVE time string; 1 when read, 0 when absent. */
static int
get_time(const struct store_json_tok *t, const char *key, int64_t *out, char *why, size_t whylen)
{
	char buf[64];
	long n;

	if (t == NULL)
		return (0);
	if (t->jt_type != STORE_JSON_STRING || (n = store_json_unescape(t, buf, sizeof(buf))) < 0 ||
		store_time_parse(buf, (size_t)n, out) != 0) {
		snprintf(why, whylen,
			"\"%s\": expected a time such as \"2024-02-13T14:34:38.788187+0000\"", key);
		return (-EBADMSG);
	}
	return (1);
}

static int
get_addr(const struct store_json_tok *t, const char *key, struct store_arena *ar, const char **text,
	uint8_t addr[16], char *why, size_t whylen)
{
	struct mm_addr a;
	int rv;

	if ((rv = get_str(t, key, ar, text, why, whylen)) != 0 || *text == NULL)
		return (rv);
	if (mm_addr_parse(*text, &a) != 0) {
		snprintf(why, whylen, "\"%s\": expected an IPv4 or IPv6 address", key);
		return (-EBADMSG);
	}
	memcpy(addr, a.a_bytes, 16);
	return (1);
}

static int
read_flow(struct store_row *row, const struct collect *co, struct store_arena *ar, char *why,
	size_t whylen)
{
	static const size_t counters[] = {
		[FL_PKTS_TS] = offsetof(struct store_flow, fl_pkts_toserver),
		[FL_PKTS_TC] = offsetof(struct store_flow, fl_pkts_toclient),
		[FL_BYTES_TS] = offsetof(struct store_flow, fl_bytes_toserver),
		[FL_BYTES_TC] = offsetof(struct store_flow, fl_bytes_toclient),
		[FL_AGE] = offsetof(struct store_flow, fl_age),
	};
	struct store_flow *f = &row->r_flow;
	int rv;

	for (int i = FL_PKTS_TS; i <= FL_AGE; i++) {
		int64_t *p = (int64_t *)((char *)f + counters[i]);

		*p = -1;
		if ((rv = get_int(member(co->co_flow, co->co_flow_has, i), fl_names[i], 0,
			     INT64_MAX, p, why, whylen)) < 0)
			return (rv);
	}
	f->fl_start = f->fl_end = -1;
	if ((rv = get_time(member(co->co_flow, co->co_flow_has, FL_START), "start", &f->fl_start,
		     why, whylen)) < 0 ||
		(rv = get_time(member(co->co_flow, co->co_flow_has, FL_END), "end", &f->fl_end, why,
			 whylen)) < 0 ||
		(rv = get_str(member(co->co_flow, co->co_flow_has, FL_REASON), "reason", ar,
			 &f->fl_reason, why, whylen)) < 0 ||
		(rv = get_str(member(co->co_flow, co->co_flow_has, FL_STATE), "state", ar,
			 &f->fl_state, why, whylen)) < 0)
		return (rv);
	row->r_has |= STORE_ROW_FLOW;
	return (0);
}

static int
read_top(struct store_row *row, const struct collect *co, struct store_arena *ar, char *why,
	size_t whylen)
{
#define TOP(i) member(co->co_top, co->co_top_has, (i))
	const struct store_json_tok *t = TOP(TOP_EVENT_TYPE);
	int rv;

	if (t == NULL || t->jt_type != STORE_JSON_STRING ||
		(row->r_event_type = arena_str(ar, t)) == NULL ||
		!store_type_valid(row->r_event_type, strlen(row->r_event_type))) {
		snprintf(why, whylen,
			"\"event_type\": expected a name of 1 to %d letters, digits, '_', '.' or "
			"'-'",
			STORE_TYPE_MAX);
		return (-EBADMSG);
	}
	if ((rv = get_time(TOP(TOP_TIMESTAMP), "timestamp", &row->r_ts, why, whylen)) <= 0) {
		if (rv == 0)
			snprintf(why, whylen, "\"timestamp\": missing");
		return (-EBADMSG);
	}
	if ((rv = get_addr(TOP(TOP_SRC_IP), "src_ip", ar, &row->r_src_ip, row->r_src_addr, why,
		     whylen)) < 0)
		return (rv);
	row->r_has |= rv > 0 ? STORE_ROW_SRC : 0;
	if ((rv = get_addr(TOP(TOP_DEST_IP), "dest_ip", ar, &row->r_dest_ip, row->r_dest_addr, why,
		     whylen)) < 0)
		return (rv);
	row->r_has |= rv > 0 ? STORE_ROW_DEST : 0;
	if ((rv = get_int(TOP(TOP_SRC_PORT), "src_port", 0, 65535, &row->r_src_port, why, whylen)) <
		0)
		return (rv);
	row->r_has |= rv > 0 ? STORE_ROW_SPORT : 0;
	if ((rv = get_int(TOP(TOP_DEST_PORT), "dest_port", 0, 65535, &row->r_dest_port, why,
		     whylen)) < 0)
		return (rv);
	row->r_has |= rv > 0 ? STORE_ROW_DPORT : 0;
	/* Suricata's flow ids are unsigned 64-bit; JSON readers keep 63 bits. */
	if ((rv = get_int(
		     TOP(TOP_FLOW_ID), "flow_id", 0, INT64_MAX, &row->r_flow_id, why, whylen)) < 0)
		return (rv);
	row->r_has |= rv > 0 ? STORE_ROW_FLOW_ID : 0;
	if ((rv = get_str(TOP(TOP_PROTO), "proto", ar, &row->r_proto, why, whylen)) < 0 ||
		(rv = get_str(TOP(TOP_PLUGIN), "plugin", ar, &row->r_plugin, why, whylen)) < 0 ||
		(rv = get_str(TOP(TOP_EXERCISE), "exercise", ar, &row->r_exercise, why, whylen)) <
			0)
		return (rv);
	return (0);
#undef TOP
}

int
store_row_parse(struct store_row *row, const char *json, uint32_t len, struct store_arena *ar,
	char *why, size_t whylen)
{
	struct collect co;
	int rv;

	memset(row, 0, sizeof(*row));
	row->r_raw = json;
	row->r_raw_len = len;
	co.co_top_has = co.co_flow_has = co.co_next_has = 0;
	co.co_flow_obj = false;
	if ((rv = store_json_scan(json, len, on_member, &co, why, whylen)) != 0)
		return (-EBADMSG);
	if ((rv = read_top(row, &co, ar, why, whylen)) < 0)
		return (rv);
	if (strcmp(row->r_event_type, "flow") == 0 && co.co_flow_obj &&
		(rv = read_flow(row, &co, ar, why, whylen)) < 0) {
		/* Name the sub-object the field was found in. */
		char inner[160];

		snprintf(inner, sizeof(inner), "%s", why);
		snprintf(why, whylen, "in \"flow\": %s", inner);
		return (rv);
	}
	return (0);
}
