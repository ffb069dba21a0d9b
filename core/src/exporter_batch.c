/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter's batches (see exporter.h for the delivery rules): events
 * into the open batch, sealed into the bus format, and kept in order.
 *
 * Batches live in three places, always in this order of age: the spool
 * file, the memory queue, the open batch.  A batch goes to the memory queue
 * only while the spool is empty, the store is answering and the queue has
 * room; otherwise the whole queue is appended to the spool first, then the
 * batch.  So the spool never holds a batch newer than one in memory, and
 * sending "the spool's first record, else the queue's head" is always
 * sending the oldest batch.
 *
 * Submitting costs little per event on the text path (a copy into the open
 * batch).  The object path pays for jansson: its dump checks and escapes
 * every string one code point at a time through function calls, hands the
 * text to its output callback in small pieces, formats every number (and,
 * for loop detection, every object's address) with snprintf; releasing the
 * object then frees each member.  For a 520-byte flow event that is about
 * 5.5 us to dump and 2 us to release, more than building the object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "mamori/eve.h"
#include "mamori/log.h"
#include "exporter_int.h"

/* The same serialisation as mm_eve_write, so the EVE file and the store agree byte for byte. */
#define EX_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* Appends a sealed batch to the spool; one it refuses is dropped and counted. */
static void
ex_spool_batch(struct mm_exporter *ex, struct ex_batch *eb)
{
	int rv;

	if ((rv = mm_spool_append(ex->ex_spool, eb->eb_msg, eb->eb_len)) == 0) {
		ex->ex_st.es_spooled += eb->eb_count;
		if (ex->ex_dropping > 0)
			mm_notice("spool %s: taking batches again after dropping %" PRIu64
				  " events",
				mm_spool_path(ex->ex_spool), ex->ex_dropping);
		ex->ex_dropping = 0;
	} else {
		ex->ex_st.es_dropped += eb->eb_count;
		if (ex->ex_dropping == 0 || rv != -ENOSPC)
			ex_error(ex,
				"spool %s: %s: dropping events from producer %016" PRIx64
				" seq %" PRIu64 "-%" PRIu64,
				mm_spool_path(ex->ex_spool), rv == -ENOSPC ? "full" : strerror(-rv),
				eb->eb_producer, eb->eb_first_seq,
				last_seq(eb->eb_first_seq, eb->eb_count));
		ex->ex_dropping += eb->eb_count;
	}
	free(eb);
}

/* The memory queue, in order, to the spool (exporter_int.h). */
uint64_t
ex_shelve(struct mm_exporter *ex)
{
	uint64_t before = ex->ex_st.es_dropped;
	struct ex_batch *eb;

	if (TAILQ_EMPTY(&ex->ex_queue))
		return (0);
	/* Exchanges in flight carry queued batches (the spool's record is never in flight then). */
	ex_abort(ex);
	while ((eb = TAILQ_FIRST(&ex->ex_queue)) != NULL) {
		TAILQ_REMOVE(&ex->ex_queue, eb, eb_link);
		ex->ex_queue_n--;
		ex->ex_queue_events -= eb->eb_count;
		if (ex->ex_spool != NULL) {
			if (eb->eb_sends > 0) {
				if (!ex->ex_shelved_sent ||
					ex->ex_shelved_producer != eb->eb_producer)
					ex->ex_shelved_lo = eb->eb_first_seq;
				ex->ex_shelved_sent = true;
				ex->ex_shelved_producer = eb->eb_producer;
				ex->ex_shelved_hi = eb->eb_first_seq;
			}
			ex_spool_batch(ex, eb);
		} else {
			ex->ex_st.es_dropped += eb->eb_count;
			free(eb);
		}
	}
	return (ex->ex_st.es_dropped - before);
}

bool
ex_spool_waiting(const struct mm_exporter *ex)
{
	struct mm_spool_info si;

	if (ex->ex_spool == NULL)
		return (false);
	mm_spool_info(ex->ex_spool, &si);
	return (si.si_records > 0);
}

/* Puts a sealed batch where the ordering rule (at the top of the file) says. */
static void
ex_place(struct mm_exporter *ex, struct ex_batch *eb)
{
	bool full = ex->ex_queue_n >= ex->ex_queue_max;

	if (ex->ex_spool != NULL && (full || !ex->ex_store_ok || ex_spool_waiting(ex))) {
		ex_shelve(ex);
		ex_spool_batch(ex, eb);
		return;
	}
	if (full) {
		if (ex->ex_dropping == 0)
			ex_error(ex,
				"exporter: %u batches wait for the store and there is no spool: "
				"dropping events from seq %" PRIu64,
				ex->ex_queue_n, eb->eb_first_seq);
		ex->ex_dropping += eb->eb_count;
		ex->ex_st.es_dropped += eb->eb_count;
		free(eb);
		return;
	}
	ex->ex_dropping = 0;
	TAILQ_INSERT_TAIL(&ex->ex_queue, eb, eb_link);
	ex->ex_queue_n++;
	ex->ex_queue_events += eb->eb_count;
}

void
ex_seal(struct mm_exporter *ex)
{
	struct ex_batch *eb;
	uint32_t n = ex->ex_open_n;
	size_t size;
	long len;

	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++) {
		ex->ex_evs[i].be_json = ex->ex_text + ex->ex_open[i].eo_off;
		ex->ex_evs[i].be_len = ex->ex_open[i].eo_len;
	}
	size = mm_bus_batch_size(ex->ex_evs, n);
	ex->ex_open_n = 0;
	ex->ex_text_len = 0;
	ex->ex_open_size = MM_BUS_BATCH_HDR;
	if ((eb = malloc(sizeof(*eb) + size)) == NULL ||
		(len = mm_bus_batch_encode(eb->eb_msg, size, ex->ex_producer, ex->ex_open_first_seq,
			 ex->ex_evs, n)) < 0) {
		free(eb);
		ex->ex_st.es_dropped += n;
		ex_error(ex, "exporter: cannot build a batch of %u events (%zu bytes): dropped", n,
			size);
		return;
	}
	eb->eb_producer = ex->ex_producer;
	eb->eb_first_seq = ex->ex_open_first_seq;
	eb->eb_count = n;
	eb->eb_sends = 0;
	eb->eb_in_flight = false;
	eb->eb_len = (size_t)len;
	ex_place(ex, eb);
}

/* Makes room for n more bytes of text in the open batch; 0 or -ENOMEM. */
static int
ex_text_room(struct mm_exporter *ex, size_t n)
{
	size_t at = ex->ex_text_len, cap;
	char *nt;

	if (ex->ex_text_cap - at >= n)
		return (0);
	cap = ex->ex_text_cap * 2 > at + n ? ex->ex_text_cap * 2 : at + n;
	if ((nt = realloc(ex->ex_text, cap)) == NULL)
		return (-ENOMEM);
	ex->ex_text = nt;
	ex->ex_text_cap = cap;
	return (0);
}

/* The event's type for messages: from the object, or unknown for text. */
static const char *
ex_event_type(const json_t *ev)
{
	const char *type = ev != NULL ? json_string_value(json_object_get(ev, "event_type")) : NULL;

	return (type != NULL ? type : "?");
}

/*
 * The event's text is at the end of ex_text (n bytes from ex_text_len):
 * writes it to the EVE file and adds it to the open batch.  ev, when the
 * event came as an object, names it in messages.
 */
static int
ex_add(struct mm_exporter *ex, size_t n, const json_t *ev)
{
	size_t at = ex->ex_text_len;
	char *text = ex->ex_text + at;

	if (ex->ex_eve != NULL) {
		if (fwrite(text, 1, n, ex->ex_eve) != n || fputc('\n', ex->ex_eve) == EOF) {
			if (ex->ex_st.es_eve_errors++ == 0)
				mm_warn("exporter: EVE output: %s", strerror(errno));
		} else {
			ex->ex_eve_dirty = true;
		}
	}
	if (n > MM_BUS_MAX_EVENT) {
		ex->ex_st.es_invalid++;
		mm_warn("exporter: event of type '%s' is %zu bytes, over the limit of %u: "
			"not exported",
			ex_event_type(ev), n, MM_BUS_MAX_EVENT);
		return (-EMSGSIZE);
	}
	if (ex->ex_open_size + 4 + n > MM_BUS_MAX_MSG) {
		ex_seal(ex);
		memmove(ex->ex_text, text, n);
		at = 0;
	}
	if (ex->ex_open_n == 0) {
		ex->ex_open_first_seq = ex->ex_next_seq;
		ex->ex_open_since = ex->ex_now;
	}
	ex->ex_open[ex->ex_open_n].eo_off = at;
	ex->ex_open[ex->ex_open_n].eo_len = (uint32_t)n;
	ex->ex_open_n++;
	ex->ex_open_size += 4 + n;
	ex->ex_text_len = at + n;
	ex->ex_next_seq++;
	if (ex->ex_open_n == ex->ex_batch_events)
		ex_seal(ex);
	return (0);
}

int
mm_exporter_submit(struct mm_exporter *ex, json_t *ev)
{
	size_t n, at = ex->ex_text_len, room = ex->ex_text_cap - at;
	int rv;

	ex->ex_st.es_submitted++;
	if (ev == NULL) {
		ex->ex_st.es_invalid++;
		return (-EINVAL);
	}
	if ((n = json_dumpb(ev, ex->ex_text + at, room, EX_JSON_FLAGS)) > room) {
		if (ex_text_room(ex, n) != 0) {
			json_decref(ev);
			ex->ex_st.es_invalid++;
			return (-ENOMEM);
		}
		n = json_dumpb(ev, ex->ex_text + at, ex->ex_text_cap - at, EX_JSON_FLAGS);
	}
	if (n == 0) {
		ex->ex_st.es_invalid++;
		mm_warn("exporter: event of type '%s' cannot be serialised: not exported",
			ex_event_type(ev));
		json_decref(ev);
		return (-EINVAL);
	}
	rv = ex_add(ex, n, ev);
	json_decref(ev);
	return (rv);
}

int
mm_exporter_submit_text(struct mm_exporter *ex, const char *json, size_t len)
{
	ex->ex_st.es_submitted++;
	/* One object on one line: the EVE file and the store both take it as such. */
	if (!mm_eve_text_is_line(json, len)) {
		ex->ex_st.es_invalid++;
		return (-EINVAL);
	}
	if (ex_text_room(ex, len) != 0) {
		ex->ex_st.es_invalid++;
		return (-ENOMEM);
	}
	memcpy(ex->ex_text + ex->ex_text_len, json, len);
	return (ex_add(ex, len, NULL));
}
