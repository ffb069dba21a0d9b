/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batch and acknowledgement codec of Mamori's nng bus (see bus.h).
 *
 * Every field is read and written byte by byte in little-endian order: no
 * struct is ever laid over a message, so alignment, padding and the host's
 * byte order cannot change what goes on the wire.  A decoder checks each
 * length against what is left of the message before it reads, and says in
 * its reason which field of which event was wrong and by how much.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "le.h"
#include "mamori/bus.h"

static int bus_refuse(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fills the reason (when the caller wants one) and returns -EBADMSG. */
static int
bus_refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return (-EBADMSG);
}

size_t
mm_bus_batch_size(const struct mm_bus_event *ev, uint32_t n)
{
	size_t size = MM_BUS_BATCH_HDR;

	for (uint32_t i = 0; i < n; i++)
		size += 4 + (size_t)ev[i].be_len;
	return (size);
}

long
mm_bus_batch_encode(void *buf, size_t len, uint64_t producer, uint64_t first_seq,
	const struct mm_bus_event *ev, uint32_t n)
{
	uint8_t *p = buf;
	size_t need;

	/* Refuse what no decoder would take back, so a bad batch never leaves. */
	if (buf == NULL || ev == NULL || n == 0 || n > MM_BUS_MAX_EVENTS)
		return (-EINVAL);
	if (first_seq > UINT64_MAX - (n - 1))
		return (-EINVAL);
	for (uint32_t i = 0; i < n; i++)
		if (ev[i].be_len == 0 || ev[i].be_len > MM_BUS_MAX_EVENT || ev[i].be_json == NULL)
			return (-EINVAL);
	need = mm_bus_batch_size(ev, n);
	if (need > len || need > MM_BUS_MAX_MSG)
		return (-EINVAL);

	put_le32(p, MM_BUS_BATCH_MAGIC);
	put_le16(p + 4, MM_BUS_VERSION);
	put_le16(p + 6, 0);
	put_le64(p + 8, producer);
	put_le64(p + 16, first_seq);
	put_le32(p + 24, n);
	put_le32(p + 28, 0);
	p += MM_BUS_BATCH_HDR;
	for (uint32_t i = 0; i < n; i++) {
		put_le32(p, ev[i].be_len);
		memcpy(p + 4, ev[i].be_json, ev[i].be_len);
		p += 4 + ev[i].be_len;
	}
	return ((long)need);
}

int
mm_bus_batch_decode(const void *msg, size_t len, struct mm_bus_batch *b,
	struct mm_bus_event *events, uint32_t max_events, char *why, size_t whylen)
{
	const uint8_t *p = msg;
	uint32_t magic, count, limit;
	uint16_t version, flags;
	size_t off, left;

	if (msg == NULL && len > 0)
		return (bus_refuse(why, whylen, "batch: no message"));
	if (len < MM_BUS_BATCH_HDR)
		return (bus_refuse(why, whylen, "batch: %zu bytes, shorter than the %d-byte header",
			len, MM_BUS_BATCH_HDR));
	if (len > MM_BUS_MAX_MSG)
		return (bus_refuse(why, whylen, "batch: %zu bytes, over the limit of %u", len,
			MM_BUS_MAX_MSG));
	if ((magic = get_le32(p)) != MM_BUS_BATCH_MAGIC)
		return (bus_refuse(why, whylen,
			"batch: magic 0x%08" PRIx32 ", expected 0x%08x (MMEV)", magic,
			MM_BUS_BATCH_MAGIC));
	if ((version = get_le16(p + 4)) != MM_BUS_VERSION)
		return (bus_refuse(
			why, whylen, "batch: version %u, expected %d", version, MM_BUS_VERSION));
	/* Version 1 defines no flags; a set one means a peer we do not understand. */
	if ((flags = get_le16(p + 6)) != 0)
		return (bus_refuse(why, whylen, "batch: flags 0x%04x, expected 0", flags));
	if (get_le32(p + 28) != 0)
		return (bus_refuse(why, whylen, "batch: reserved field 0x%08" PRIx32 ", expected 0",
			get_le32(p + 28)));

	b->bb_producer = get_le64(p + 8);
	b->bb_first_seq = get_le64(p + 16);
	count = get_le32(p + 24);
	limit = max_events < MM_BUS_MAX_EVENTS ? max_events : MM_BUS_MAX_EVENTS;
	if (count == 0)
		return (bus_refuse(why, whylen, "batch: no events"));
	if (count > limit)
		return (bus_refuse(why, whylen,
			"batch: %" PRIu32 " events, over the limit of %" PRIu32, count, limit));
	if (b->bb_first_seq > UINT64_MAX - (count - 1))
		return (bus_refuse(why, whylen,
			"batch: first sequence %" PRIu64 " + %" PRIu32 " events runs past 2^64",
			b->bb_first_seq, count));
	/* Each event needs its 4-byte length at least: a cheap bound before the walk. */
	if ((size_t)count * 4 > len - MM_BUS_BATCH_HDR)
		return (bus_refuse(why, whylen,
			"batch: %" PRIu32 " events cannot fit in %zu bytes after the header", count,
			len - MM_BUS_BATCH_HDR));

	off = MM_BUS_BATCH_HDR;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t elen;

		left = len - off;
		if (left < 4)
			return (bus_refuse(why, whylen,
				"batch: event %" PRIu32 " length field runs past the message "
				"(%zu bytes left)",
				i, left));
		elen = get_le32(p + off);
		left -= 4;
		if (elen == 0)
			return (bus_refuse(why, whylen, "batch: event %" PRIu32 " is empty", i));
		if (elen > MM_BUS_MAX_EVENT)
			return (bus_refuse(why, whylen,
				"batch: event %" PRIu32 " length %" PRIu32 " over the limit of %u",
				i, elen, MM_BUS_MAX_EVENT));
		if (elen > left)
			return (bus_refuse(why, whylen,
				"batch: event %" PRIu32 " length %" PRIu32 " runs past the message "
				"(%zu bytes left)",
				i, elen, left));
		events[i].be_json = (const char *)p + off + 4;
		events[i].be_len = elen;
		off += 4 + (size_t)elen;
	}
	if (off != len)
		return (bus_refuse(why, whylen, "batch: %zu trailing bytes after event %" PRIu32,
			len - off, count - 1));
	b->bb_count = count;
	b->bb_events = events;
	return (0);
}

size_t
mm_bus_ack_encode(void *buf, size_t len, const struct mm_bus_ack *ack)
{
	uint8_t *p = buf;
	size_t rlen = 0, need;

	/* A reason travels only with a refusal; a commit needs no explanation. */
	if (ack->ba_status != 0)
		rlen = strnlen(ack->ba_reason, sizeof(ack->ba_reason));
	need = MM_BUS_ACK_HDR + rlen;
	if (buf == NULL || need > len)
		return (0);
	put_le32(p, MM_BUS_ACK_MAGIC);
	put_le16(p + 4, MM_BUS_VERSION);
	put_le16(p + 6, ack->ba_status);
	put_le64(p + 8, ack->ba_producer);
	put_le64(p + 16, ack->ba_acked_seq);
	put_le32(p + 24, (uint32_t)rlen);
	memcpy(p + MM_BUS_ACK_HDR, ack->ba_reason, rlen);
	return (need);
}

int
mm_bus_ack_decode(const void *msg, size_t len, struct mm_bus_ack *ack, char *why, size_t whylen)
{
	const uint8_t *p = msg;
	uint32_t magic, rlen;
	uint16_t version;
	size_t n;

	if (msg == NULL && len > 0)
		return (bus_refuse(why, whylen, "ack: no message"));
	if (len < MM_BUS_ACK_HDR)
		return (bus_refuse(why, whylen, "ack: %zu bytes, shorter than the %d-byte header",
			len, MM_BUS_ACK_HDR));
	if ((magic = get_le32(p)) != MM_BUS_ACK_MAGIC)
		return (bus_refuse(why, whylen,
			"ack: magic 0x%08" PRIx32 ", expected 0x%08x (MMAK)", magic,
			MM_BUS_ACK_MAGIC));
	if ((version = get_le16(p + 4)) != MM_BUS_VERSION)
		return (bus_refuse(
			why, whylen, "ack: version %u, expected %d", version, MM_BUS_VERSION));
	ack->ba_status = get_le16(p + 6);
	ack->ba_producer = get_le64(p + 8);
	ack->ba_acked_seq = get_le64(p + 16);
	rlen = get_le32(p + 24);
	if (rlen != len - MM_BUS_ACK_HDR)
		return (bus_refuse(why, whylen,
			"ack: reason length %" PRIu32 " does not match the %zu bytes after the "
			"header",
			rlen, len - MM_BUS_ACK_HDR));
	if (ack->ba_status == 0 && rlen != 0)
		return (bus_refuse(
			why, whylen, "ack: status 0 with a %" PRIu32 "-byte reason", rlen));
	/*
	 * The reason ends up in logs and on terminals: keep what fits and make
	 * control characters harmless rather than trusting the peer with them.
	 */
	n = rlen < sizeof(ack->ba_reason) - 1 ? rlen : sizeof(ack->ba_reason) - 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[MM_BUS_ACK_HDR + i];

		ack->ba_reason[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	ack->ba_reason[n] = '\0';
	return (0);
}
