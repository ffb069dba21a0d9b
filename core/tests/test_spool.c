/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spool on its own: records kept across a reopen, damage in the middle
 * skipped and rewritten away, space at the front reclaimed when full.  The
 * torn tail and the drain through the exporter are in test_exporter.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mamori/bus.h"
#include "mamori/log.h"
#include "mamori/spool.h"
#include "mm_test.h"

static char tmpdir[64];

static off_t
file_size(const char *path)
{
	struct stat sb;

	return (stat(path, &sb) == 0 ? sb.st_size : -1);
}

/* An encoded batch of n small events from seq first, in buf. */
static size_t
spool_batch(uint8_t *buf, size_t len, uint64_t first, uint32_t n)
{
	struct mm_bus_event ev[64];
	long r;

	for (uint32_t i = 0; i < n; i++) {
		ev[i].be_json = "{\"event_type\":\"spool-test\",\"pad\":\"0123456789\"}";
		ev[i].be_len = (uint32_t)strlen(ev[i].be_json);
	}
	r = mm_bus_batch_encode(buf, len, 0x5e, first, ev, n);
	return (r < 0 ? 0 : (size_t)r);
}

static struct mm_spool *
spool_open(const char *name, uint64_t cap)
{
	char path[300], err[256];
	struct mm_spool *sp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (mm_spool_open(path, cap, 0x5e, &sp, err, sizeof(err)) != 0) {
		fprintf(stderr, "  mm_spool_open: %s\n", err);
		return (NULL);
	}
	return (sp);
}

/* The first waiting batch's first sequence number, or 0 when none. */
static uint64_t
spool_first(struct mm_spool *sp)
{
	const struct mm_bus_batch *b;
	const void *msg;
	size_t len;

	return (mm_spool_peek(sp, &b, &msg, &len) == 0 ? b->bb_first_seq : 0);
}

MM_TEST(spool_head_survives_reopen)
{
	struct mm_spool_info si;
	struct mm_spool *sp;
	uint8_t buf[4096];

	MM_ASSERT((sp = spool_open("head.spool", 1 << 20)) != NULL);
	for (uint64_t i = 0; i < 3; i++)
		MM_ASSERT_EQ(
			mm_spool_append(sp, buf, spool_batch(buf, sizeof(buf), 1 + 10 * i, 10)), 0);
	MM_ASSERT_EQ(spool_first(sp), 1);
	MM_ASSERT_EQ(mm_spool_pop(sp), 0);
	MM_ASSERT_EQ(mm_spool_pop(sp), -EINVAL); /* nothing peeked */
	mm_spool_close(sp);

	/* Acknowledged records stay behind the head after a restart: no resend. */
	MM_ASSERT((sp = spool_open("head.spool", 1 << 20)) != NULL);
	mm_spool_info(sp, &si);
	MM_ASSERT_EQ(si.si_records, 2);
	MM_ASSERT_EQ(si.si_events, 20);
	MM_ASSERT_EQ(spool_first(sp), 11);
	MM_ASSERT_EQ(mm_spool_pop(sp), 0);
	MM_ASSERT_EQ(spool_first(sp), 21);
	MM_ASSERT_EQ(mm_spool_pop(sp), 0);
	MM_ASSERT_EQ(spool_first(sp), 0);
	mm_spool_info(sp, &si);
	MM_ASSERT_EQ(si.si_file_bytes, MM_SPOOL_HDR);
	/* Only whole batches go in. */
	memset(buf, 0, 64);
	MM_ASSERT_EQ(mm_spool_append(sp, buf, 64), -EINVAL);
	mm_spool_close(sp);
}

MM_TEST(spool_damage_in_the_middle)
{
	char path[300];
	struct mm_spool_info si;
	struct mm_spool *sp;
	uint8_t buf[4096];
	size_t len = spool_batch(buf, sizeof(buf), 1, 10);
	FILE *f;

	MM_ASSERT((sp = spool_open("mid.spool", 1 << 20)) != NULL);
	for (uint64_t i = 0; i < 3; i++)
		MM_ASSERT_EQ(
			mm_spool_append(sp, buf, spool_batch(buf, sizeof(buf), 1 + 10 * i, 10)), 0);
	mm_spool_close(sp);
	/* Flip one byte inside the second record's events. */
	snprintf(path, sizeof(path), "%s/mid.spool", tmpdir);
	MM_ASSERT((f = fopen(path, "r+b")) != NULL);
	fseek(f, (long)(MM_SPOOL_HDR + (MM_SPOOL_REC_HDR + len) + MM_SPOOL_REC_HDR + 100),
		SEEK_SET);
	fputc('#', f);
	fclose(f);

	MM_ASSERT((sp = spool_open("mid.spool", 1 << 20)) != NULL);
	mm_spool_info(sp, &si);
	MM_ASSERT_EQ(si.si_damaged_records, 1);
	MM_ASSERT_EQ(si.si_damaged_bytes, MM_SPOOL_REC_HDR + len);
	MM_ASSERT_EQ(si.si_records, 2);
	/* The file was rewritten without the damage. */
	MM_ASSERT_EQ(si.si_file_bytes, MM_SPOOL_HDR + 2 * (MM_SPOOL_REC_HDR + len));
	MM_ASSERT_EQ(file_size(path), (off_t)si.si_file_bytes);
	MM_ASSERT_EQ(spool_first(sp), 1);
	MM_ASSERT_EQ(mm_spool_pop(sp), 0);
	MM_ASSERT_EQ(spool_first(sp), 21);
	mm_spool_close(sp);
}

MM_TEST(spool_reclaims_front_when_full)
{
	struct mm_spool_info si;
	struct mm_spool *sp;
	uint8_t buf[4096];
	uint64_t seq = 1, expect = 1;
	size_t len;
	int rv;

	MM_ASSERT((sp = spool_open("cap.spool", MM_SPOOL_MIN_BYTES)) != NULL);
	while ((rv = mm_spool_append(sp, buf, (len = spool_batch(buf, sizeof(buf), seq, 4)))) == 0)
		seq += 4;
	MM_ASSERT_EQ(rv, -ENOSPC);
	mm_spool_info(sp, &si);
	MM_ASSERT(si.si_file_bytes <= MM_SPOOL_MIN_BYTES);
	/* Acknowledge an eighth of the cap's worth, with a record still in flight. */
	while ((MM_SPOOL_REC_HDR + len) * (expect / 4) < MM_SPOOL_MIN_BYTES / 8 + len) {
		MM_ASSERT_EQ(spool_first(sp), expect);
		MM_ASSERT_EQ(mm_spool_pop(sp), 0);
		expect += 4;
	}
	MM_ASSERT_EQ(spool_first(sp), expect);
	MM_ASSERT_EQ(mm_spool_append(sp, buf, spool_batch(buf, sizeof(buf), seq, 4)), 0);
	seq += 4;
	mm_spool_info(sp, &si);
	MM_ASSERT(si.si_file_bytes <= MM_SPOOL_MIN_BYTES);
	/* The peeked record moved with the rewrite: popping it still removes the right one. */
	MM_ASSERT_EQ(mm_spool_pop(sp), 0);
	expect += 4;
	while (expect < seq) {
		MM_ASSERT_EQ(spool_first(sp), expect);
		MM_ASSERT_EQ(mm_spool_pop(sp), 0);
		expect += 4;
	}
	MM_ASSERT_EQ(spool_first(sp), 0);
	mm_spool_close(sp);
}

MM_TEST(spool_refuses_other_files)
{
	static const char later[] = "MMSP\2\0\0\0 and then enough bytes for a header";
	char path[300], err[256];
	struct mm_spool *sp;
	FILE *f;

	/* A file of another kind, or of a later version, is never overwritten. */
	snprintf(path, sizeof(path), "%s/other.spool", tmpdir);
	MM_ASSERT((f = fopen(path, "w")) != NULL);
	MM_ASSERT_EQ(fwrite(later, 1, sizeof(later), f), sizeof(later));
	fclose(f);
	MM_ASSERT_EQ(mm_spool_open(path, 1 << 20, 1, &sp, err, sizeof(err)), -EINVAL);
	MM_ASSERT(strstr(err, "version 2 flags 0x0000, expected version 1") != NULL);
	MM_ASSERT_EQ(mm_spool_open(path, 100, 1, &sp, err, sizeof(err)), -EINVAL);
	MM_ASSERT(strstr(err, "expected at least 4096") != NULL);
	/* A header cut short by a crash while the file was started is started again. */
	MM_ASSERT((f = fopen(path, "w")) != NULL);
	fputs("MMSP\1", f);
	fclose(f);
	MM_ASSERT_EQ(mm_spool_open(path, 1 << 20, 1, &sp, err, sizeof(err)), 0);
	mm_spool_close(sp);
	MM_ASSERT_EQ(file_size(path), MM_SPOOL_HDR);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(spool_head_survives_reopen),
	MM_TEST_ENTRY(spool_damage_in_the_middle),
	MM_TEST_ENTRY(spool_reclaims_front_when_full),
	MM_TEST_ENTRY(spool_refuses_other_files),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char cmd[128];
	int rv;

	mm_log_init("test_spool", MM_LOG_ERR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mm-spool-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	rv = mm_test_main(tests, argc, argv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return (rv);
}
