/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/bus.h"
#include "mm_test.h"

static struct mm_bus_event evs[MM_BUS_MAX_EVENTS];

static const char *const sample[] = {
	"{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\"}",
	"{\"event_type\":\"alert\"}",
	"{}",
};

/* Encodes the sample events into buf; returns the length. */
static size_t
sample_batch(uint8_t *buf, size_t len, uint64_t producer, uint64_t first_seq)
{
	struct mm_bus_event ev[3];
	long n;

	for (int i = 0; i < 3; i++) {
		ev[i].be_json = sample[i];
		ev[i].be_len = (uint32_t)strlen(sample[i]);
	}
	n = mm_bus_batch_encode(buf, len, producer, first_seq, ev, 3);
	return (n < 0 ? 0 : (size_t)n);
}

static void
le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int
decode(const uint8_t *buf, size_t len, struct mm_bus_batch *b, char *why)
{
	return (mm_bus_batch_decode(buf, len, b, evs, MM_BUS_MAX_EVENTS, why, 160));
}

MM_TEST(batch_round_trip)
{
	uint8_t buf[256];
	struct mm_bus_event ev[3];
	struct mm_bus_batch b;
	char why[160] = "";
	size_t len;

	for (int i = 0; i < 3; i++) {
		ev[i].be_json = sample[i];
		ev[i].be_len = (uint32_t)strlen(sample[i]);
	}
	len = sample_batch(buf, sizeof(buf), 0x0123456789abcdefULL, 42);
	MM_ASSERT_EQ(len, mm_bus_batch_size(ev, 3));
	MM_ASSERT_EQ(len, 32 + 3 * 4 + strlen(sample[0]) + strlen(sample[1]) + 2);
	MM_ASSERT_EQ(decode(buf, len, &b, why), 0);
	MM_ASSERT_EQ(b.bb_producer, 0x0123456789abcdefULL);
	MM_ASSERT_EQ(b.bb_first_seq, 42);
	MM_ASSERT_EQ(b.bb_count, 3);
	for (int i = 0; i < 3; i++) {
		MM_ASSERT_EQ(b.bb_events[i].be_len, strlen(sample[i]));
		MM_ASSERT(memcmp(b.bb_events[i].be_json, sample[i], strlen(sample[i])) == 0);
		/* Decoded in place: the events point into the message. */
		MM_ASSERT((const uint8_t *)b.bb_events[i].be_json > buf &&
			  (const uint8_t *)b.bb_events[i].be_json < buf + len);
	}
}

/* The wire bytes themselves, so that a change of layout cannot pass unnoticed. */
MM_TEST(batch_wire_layout)
{
	static const uint8_t want[] = {
		'M', 'M', 'E', 'V', 1, 0, 0, 0,                 /* magic, version, flags */
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* producer */
		0x02, 0x01, 0, 0, 0, 0, 0, 0,                   /* first_seq 0x102 */
		1, 0, 0, 0, 0, 0, 0, 0,                         /* count, reserved */
		2, 0, 0, 0, '{', '}',                           /* one event */
	};
	struct mm_bus_event ev = { "{}", 2 };
	uint8_t buf[64];

	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 0x0123456789abcdefULL, 0x102, &ev, 1),
		sizeof(want));
	MM_ASSERT(memcmp(buf, want, sizeof(want)) == 0);
}

MM_TEST(batch_largest_event)
{
	static uint8_t buf[MM_BUS_BATCH_HDR + 4 + MM_BUS_MAX_EVENT + 1];
	static char json[MM_BUS_MAX_EVENT + 1];
	struct mm_bus_event ev = { json, MM_BUS_MAX_EVENT };
	struct mm_bus_batch b;
	char why[160];
	long n;

	memset(json, 'x', sizeof(json));
	n = mm_bus_batch_encode(buf, sizeof(buf), 1, 1, &ev, 1);
	MM_ASSERT_EQ(n, MM_BUS_BATCH_HDR + 4 + MM_BUS_MAX_EVENT);
	MM_ASSERT_EQ(decode(buf, (size_t)n, &b, why), 0);
	MM_ASSERT_EQ(b.bb_events[0].be_len, MM_BUS_MAX_EVENT);
	ev.be_len = MM_BUS_MAX_EVENT + 1;
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 1, 1, &ev, 1), -EINVAL);
}

MM_TEST(batch_encode_refuses)
{
	struct mm_bus_event ev = { "{}", 2 }, empty = { "", 0 };
	uint8_t buf[64];

	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 1, 1, &ev, 0), -EINVAL);
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 1, 1, &empty, 1), -EINVAL);
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, 37, 1, 1, &ev, 1), -EINVAL);
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, 38, 1, 1, &ev, 1), 38);
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 1, UINT64_MAX, &ev, 1), 38);
	MM_ASSERT_EQ(mm_bus_batch_encode(NULL, 0, 1, 1, &ev, 1), -EINVAL);
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 1, 1, NULL, 1), -EINVAL);
	MM_ASSERT_EQ(
		mm_bus_batch_encode(buf, sizeof(buf), 1, 1, &ev, MM_BUS_MAX_EVENTS + 1), -EINVAL);
}

MM_TEST(batch_short_header)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];

	sample_batch(buf, sizeof(buf), 1, 1);
	MM_ASSERT_EQ(decode(buf, 0, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 0 bytes, shorter than the 32-byte header");
	MM_ASSERT_EQ(decode(buf, 31, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 31 bytes, shorter than the 32-byte header");
	MM_ASSERT_EQ(mm_bus_batch_decode(NULL, 0, &b, evs, 1, why, sizeof(why)), -EBADMSG);
}

MM_TEST(batch_bad_header_fields)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];
	size_t len = sample_batch(buf, sizeof(buf), 1, 1);

	buf[0] = 'X';
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: magic 0x56454d58, expected 0x56454d4d (MMEV)");
	buf[0] = 'M';
	buf[4] = 2;
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: version 2, expected 1");
	buf[4] = 1;
	buf[6] = 0x80;
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: flags 0x0080, expected 0");
	buf[6] = 0;
	buf[31] = 1;
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: reserved field 0x01000000, expected 0");
	buf[31] = 0;
	MM_ASSERT_EQ(decode(buf, len, &b, why), 0);
}

MM_TEST(batch_counts)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];
	size_t len = sample_batch(buf, sizeof(buf), 1, 1);

	le32(buf + 24, 0);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: no events");
	le32(buf + 24, MM_BUS_MAX_EVENTS + 1);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 65537 events, over the limit of 65536");
	/* The caller's array bounds the count as well. */
	le32(buf + 24, 3);
	MM_ASSERT_EQ(mm_bus_batch_decode(buf, len, &b, evs, 2, why, sizeof(why)), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 3 events, over the limit of 2");
	le32(buf + 24, 50);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 50 events cannot fit in 77 bytes after the header");
	le32(buf + 24, 4);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: event 3 length field runs past the message (0 bytes left)");
	le32(buf + 24, 2);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 6 trailing bytes after event 1");
}

MM_TEST(batch_event_lengths)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];
	size_t len = sample_batch(buf, sizeof(buf), 1, 1);
	size_t ev1 = 32 + 4 + strlen(sample[0]);

	le32(buf + ev1, 1000);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: event 1 length 1000 runs past the message (28 bytes left)");
	le32(buf + ev1, 900000);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: event 1 length 900000 over the limit of 262144");
	le32(buf + ev1, 0);
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: event 1 is empty");
	le32(buf + ev1, (uint32_t)strlen(sample[1]));
	MM_ASSERT_EQ(decode(buf, len, &b, why), 0);
}

MM_TEST(batch_trailing_bytes)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];
	size_t len = sample_batch(buf, sizeof(buf), 1, 1);

	buf[len] = 0;
	MM_ASSERT_EQ(decode(buf, len + 1, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 1 trailing bytes after event 2");
}

/* Every prefix of a valid batch is refused, and never read past. */
MM_TEST(batch_every_truncation)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];
	size_t len = sample_batch(buf, sizeof(buf), 1, 1);

	for (size_t i = 0; i < len; i++) {
		uint8_t *copy = malloc(i + 1);

		MM_ASSERT(copy != NULL);
		memcpy(copy, buf, i);
		if (decode(copy, i, &b, why) != -EBADMSG) {
			free(copy);
			MM_FAIL_("a batch cut to %zu of %zu bytes decoded", i, len);
		}
		free(copy);
	}
}

MM_TEST(batch_sequence_wrap)
{
	uint8_t buf[256];
	struct mm_bus_batch b;
	char why[160];
	size_t len = sample_batch(buf, sizeof(buf), 1, UINT64_MAX - 2);

	MM_ASSERT_EQ(decode(buf, len, &b, why), 0);
	MM_ASSERT_EQ(b.bb_first_seq, UINT64_MAX - 2);
	for (int i = 16; i < 24; i++)
		buf[i] = 0xff;
	MM_ASSERT_EQ(decode(buf, len, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(
		why, "batch: first sequence 18446744073709551615 + 3 events runs past 2^64");
	MM_ASSERT_EQ(mm_bus_batch_encode(buf, sizeof(buf), 1, UINT64_MAX, NULL, 0), -EINVAL);
}

MM_TEST(batch_over_message_limit)
{
	static uint8_t buf[1];
	struct mm_bus_batch b;
	char why[160];

	/* The length alone is refused before the bytes are looked at. */
	MM_ASSERT_EQ(decode(buf, MM_BUS_MAX_MSG + 1, &b, why), -EBADMSG);
	MM_ASSERT_STREQ(why, "batch: 8388609 bytes, over the limit of 8388608");
}

MM_TEST(batch_no_reason_buffer)
{
	uint8_t buf[8] = { 0 };
	struct mm_bus_batch b;

	MM_ASSERT_EQ(mm_bus_batch_decode(buf, sizeof(buf), &b, evs, 1, NULL, 0), -EBADMSG);
}

MM_TEST(ack_round_trip)
{
	struct mm_bus_ack a = { 0 }, d;
	uint8_t buf[256];
	char why[160];
	size_t n;

	a.ba_producer = 0xfeedfacecafebeefULL;
	a.ba_acked_seq = 1234;
	snprintf(a.ba_reason, sizeof(a.ba_reason), "ignored with status 0");
	n = mm_bus_ack_encode(buf, sizeof(buf), &a);
	MM_ASSERT_EQ(n, MM_BUS_ACK_HDR);
	MM_ASSERT(memcmp(buf, "MMAK\1\0\0\0", 8) == 0);
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n, &d, why, sizeof(why)), 0);
	MM_ASSERT_EQ(d.ba_producer, a.ba_producer);
	MM_ASSERT_EQ(d.ba_acked_seq, 1234);
	MM_ASSERT_EQ(d.ba_status, 0);
	MM_ASSERT_STREQ(d.ba_reason, "");

	a.ba_status = EBUSY;
	snprintf(a.ba_reason, sizeof(a.ba_reason), "database is locked");
	n = mm_bus_ack_encode(buf, sizeof(buf), &a);
	MM_ASSERT_EQ(n, MM_BUS_ACK_HDR + strlen("database is locked"));
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n, &d, why, sizeof(why)), 0);
	MM_ASSERT_EQ(d.ba_status, EBUSY);
	MM_ASSERT_STREQ(d.ba_reason, "database is locked");
	/* Too small a buffer writes nothing. */
	MM_ASSERT_EQ(mm_bus_ack_encode(buf, n - 1, &a), 0);
}

MM_TEST(ack_malformed)
{
	struct mm_bus_ack a = { 0 }, d;
	uint8_t buf[256];
	char why[160];
	size_t n;

	a.ba_producer = 7;
	a.ba_acked_seq = 9;
	a.ba_status = EIO;
	snprintf(a.ba_reason, sizeof(a.ba_reason), "disk");
	n = mm_bus_ack_encode(buf, sizeof(buf), &a);
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, MM_BUS_ACK_HDR - 1, &d, why, sizeof(why)), -EBADMSG);
	MM_ASSERT_STREQ(why, "ack: 27 bytes, shorter than the 28-byte header");
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n - 1, &d, why, sizeof(why)), -EBADMSG);
	MM_ASSERT_STREQ(why, "ack: reason length 4 does not match the 3 bytes after the header");
	buf[n] = 'x';
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n + 1, &d, why, sizeof(why)), -EBADMSG);
	buf[3] = 'V';
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n, &d, why, sizeof(why)), -EBADMSG);
	MM_ASSERT_STREQ(why, "ack: magic 0x56414d4d, expected 0x4b414d4d (MMAK)");
	buf[3] = 'K';
	buf[4] = 9;
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n, &d, why, sizeof(why)), -EBADMSG);
	MM_ASSERT_STREQ(why, "ack: version 9, expected 1");
	buf[4] = 1;
	buf[6] = 0;
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, n, &d, why, sizeof(why)), -EBADMSG);
	MM_ASSERT_STREQ(why, "ack: status 0 with a 4-byte reason");
}

MM_TEST(ack_reason_made_safe)
{
	uint8_t buf[MM_BUS_ACK_HDR + 300];
	struct mm_bus_ack a = { 0 }, d;
	char why[160];

	a.ba_status = EIO;
	MM_ASSERT_EQ(mm_bus_ack_encode(buf, sizeof(buf), &a), MM_BUS_ACK_HDR);
	/* A long reason from a peer is cut to fit; control characters become '?'. */
	memset(buf + MM_BUS_ACK_HDR, 'r', 300);
	buf[MM_BUS_ACK_HDR] = '\033';
	buf[MM_BUS_ACK_HDR + 1] = '\n';
	le32(buf + 24, 300);
	MM_ASSERT_EQ(mm_bus_ack_decode(buf, sizeof(buf), &d, why, sizeof(why)), 0);
	MM_ASSERT_EQ(strlen(d.ba_reason), sizeof(d.ba_reason) - 1);
	MM_ASSERT(strncmp(d.ba_reason, "??rrr", 5) == 0);
}

static int
read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return (-1);
	}
	*len = (size_t)n;
	if ((*buf = malloc(*len + 1)) == NULL || fread(*buf, 1, *len, f) != *len) {
		free(*buf);
		fclose(f);
		return (-1);
	}
	fclose(f);
	return (0);
}

/*
 * The fuzzer's seeds, named for what they are: ok_batch_*, ok_ack_* decode
 * (and only as that), bad_* decode as neither.
 */
MM_TEST(seed_corpus)
{
	DIR *d = opendir(MM_BUS_CORPUS);
	struct dirent *de;
	int seen = 0;

	MM_ASSERT(d != NULL);
	while ((de = readdir(d)) != NULL) {
		char path[512], why[160];
		struct mm_bus_batch b;
		struct mm_bus_ack a;
		uint8_t *buf;
		size_t len;
		int rb, ra;

		if (strncmp(de->d_name, "ok_", 3) != 0 && strncmp(de->d_name, "bad_", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", MM_BUS_CORPUS, de->d_name);
		if (read_file(path, &buf, &len) != 0) {
			closedir(d);
			MM_FAIL_("cannot read %s", path);
		}
		rb = decode(buf, len, &b, why);
		ra = mm_bus_ack_decode(buf, len, &a, why, sizeof(why));
		free(buf);
		seen++;
		if (strncmp(de->d_name, "ok_batch", 8) == 0     ? rb != 0 || ra == 0
			: strncmp(de->d_name, "ok_ack", 6) == 0 ? ra != 0 || rb == 0
								: ra == 0 || rb == 0) {
			closedir(d);
			MM_FAIL_("%s: batch decode %d, ack decode %d", de->d_name, rb, ra);
		}
	}
	closedir(d);
	MM_ASSERT(seen >= 10);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(batch_round_trip),
	MM_TEST_ENTRY(batch_wire_layout),
	MM_TEST_ENTRY(batch_largest_event),
	MM_TEST_ENTRY(batch_encode_refuses),
	MM_TEST_ENTRY(batch_short_header),
	MM_TEST_ENTRY(batch_bad_header_fields),
	MM_TEST_ENTRY(batch_counts),
	MM_TEST_ENTRY(batch_event_lengths),
	MM_TEST_ENTRY(batch_trailing_bytes),
	MM_TEST_ENTRY(batch_every_truncation),
	MM_TEST_ENTRY(batch_sequence_wrap),
	MM_TEST_ENTRY(batch_over_message_limit),
	MM_TEST_ENTRY(batch_no_reason_buffer),
	MM_TEST_ENTRY(ack_round_trip),
	MM_TEST_ENTRY(ack_malformed),
	MM_TEST_ENTRY(ack_reason_made_safe),
	MM_TEST_ENTRY(seed_corpus),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
