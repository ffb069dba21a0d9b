/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter's spool file (see spool.h for the layout and the rules).
 *
 * Every record is read back through one function that checks its header, its
 * length against the file, its BLAKE2b and that it decodes as a batch, so a
 * record is either wholly intact or treated as damage: there is no half-way
 * state for the drain to send.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "le.h"
#include "mamori/log.h"
#include "mamori/spool.h"

#define SPOOL_HASH_LEN 16
#define SPOOL_WHY_LEN  160

struct mm_spool {
	char *sp_path;
	int sp_fd;
	uint64_t sp_max;          /* cap on the file size */
	uint64_t sp_producer;     /* the producer in the header */
	uint64_t sp_run_producer; /* this run's: goes into a header written afresh */
	uint64_t sp_created;      /* header's creation time, Unix ms */
	uint64_t sp_head;         /* first waiting record */
	uint64_t sp_tail;         /* end of the last record: the file size */
	uint64_t sp_records;      /* waiting records and their events */
	uint64_t sp_events;
	uint64_t sp_damaged_records;
	uint64_t sp_damaged_bytes;
	bool sp_dirty;  /* appended since the last sync */
	bool sp_peeked; /* sp_peek_* describe the head record */
	uint64_t sp_peek_end;
	uint32_t sp_peek_count;
	uint8_t sp_rec_hdr[MM_SPOOL_REC_HDR]; /* header of the record last read */
	uint8_t *sp_buf;                      /* payload of the record last read */
	size_t sp_bufcap;
	struct mm_bus_batch sp_batch; /* decoded from sp_buf */
	struct mm_bus_event *sp_evs;  /* MM_BUS_MAX_EVENTS entries for the decoder */
};

static uint64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* pread until len bytes or the end of the file; returns bytes read or -errno. */
static ssize_t
read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-errno);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return ((ssize_t)done);
}

static int
write_full(int fd, struct iovec *iov, int iovcnt, uint64_t off)
{
	while (iovcnt > 0) {
		ssize_t n = pwritev(fd, iov, iovcnt, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-errno);
		off += (uint64_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return (0);
}

static int
write_header(int fd, uint64_t producer, uint64_t head, uint64_t created)
{
	uint8_t h[MM_SPOOL_HDR];
	struct iovec iov = { h, sizeof(h) };

	put_le32(h, MM_SPOOL_MAGIC);
	put_le16(h + 4, MM_SPOOL_VERSION);
	put_le16(h + 6, 0);
	put_le64(h + 8, producer);
	put_le64(h + 16, head);
	put_le64(h + 24, created);
	return (write_full(fd, &iov, 1, 0));
}

/* The hash covers the length too, so a flipped length cannot pass for a shorter record. */
static void
record_hash(const void *batch, uint32_t len, uint8_t out[SPOOL_HASH_LEN])
{
	crypto_generichash_state st;
	uint8_t lenle[4];

	put_le32(lenle, len);
	crypto_generichash_init(&st, NULL, 0, SPOOL_HASH_LEN);
	crypto_generichash_update(&st, lenle, sizeof(lenle));
	crypto_generichash_update(&st, batch, len);
	crypto_generichash_final(&st, out, SPOOL_HASH_LEN);
}

/*
 * Reads the record at off into sp_buf and checks it.  Returns 0 with *end
 * set past it, -EBADMSG with the reason in why when it is not an intact
 * record, or another negative errno when the file cannot be read.
 */
static int
spool_read(struct mm_spool *sp, uint64_t off, uint64_t *end, char *why, size_t whylen)
{
	uint8_t hash[SPOOL_HASH_LEN];
	uint64_t left = sp->sp_tail - off;
	uint32_t len;
	ssize_t n;

	if (left < MM_SPOOL_REC_HDR) {
		snprintf(why, whylen, "record header cut short (%" PRIu64 " of %d bytes)", left,
			MM_SPOOL_REC_HDR);
		return (-EBADMSG);
	}
	if ((n = read_full(sp->sp_fd, sp->sp_rec_hdr, MM_SPOOL_REC_HDR, off)) < 0)
		return ((int)n);
	if ((size_t)n < MM_SPOOL_REC_HDR) {
		snprintf(why, whylen, "file shrank under the spool");
		return (-EBADMSG);
	}
	if (get_le32(sp->sp_rec_hdr) != MM_SPOOL_REC_MAGIC) {
		snprintf(why, whylen, "record magic 0x%08" PRIx32 ", expected 0x%08x (MMSR)",
			get_le32(sp->sp_rec_hdr), MM_SPOOL_REC_MAGIC);
		return (-EBADMSG);
	}
	len = get_le32(sp->sp_rec_hdr + 4);
	left -= MM_SPOOL_REC_HDR;
	if (len < MM_BUS_BATCH_HDR || len > MM_BUS_MAX_MSG) {
		snprintf(why, whylen, "record length %" PRIu32 ", expected %d to %u", len,
			MM_BUS_BATCH_HDR, MM_BUS_MAX_MSG);
		return (-EBADMSG);
	}
	if (len > left) {
		snprintf(why, whylen, "record of %" PRIu32 " bytes torn after %" PRIu64, len, left);
		return (-EBADMSG);
	}
	if (len > sp->sp_bufcap) {
		uint8_t *nb = realloc(sp->sp_buf, len);

		if (nb == NULL)
			return (-ENOMEM);
		sp->sp_buf = nb;
		sp->sp_bufcap = len;
	}
	if ((n = read_full(sp->sp_fd, sp->sp_buf, len, off + MM_SPOOL_REC_HDR)) < 0)
		return ((int)n);
	if ((size_t)n < len) {
		snprintf(why, whylen, "file shrank under the spool");
		return (-EBADMSG);
	}
	record_hash(sp->sp_buf, len, hash);
	if (memcmp(hash, sp->sp_rec_hdr + 8, SPOOL_HASH_LEN) != 0) {
		snprintf(
			why, whylen, "record of %" PRIu32 " bytes does not match its BLAKE2b", len);
		return (-EBADMSG);
	}
	if (mm_bus_batch_decode(sp->sp_buf, len, &sp->sp_batch, sp->sp_evs, MM_BUS_MAX_EVENTS, why,
		    whylen) != 0)
		return (-EBADMSG);
	*end = off + MM_SPOOL_REC_HDR + len;
	return (0);
}

/*
 * Finds the first intact record starting after off by looking for the
 * record magic, for resuming after damage.  Sets *next to it, or to the end
 * of the file when there is none.
 */
static int
spool_resync(struct mm_spool *sp, uint64_t off, uint64_t *next)
{
	static const uint8_t magic[4] = { 'M', 'M', 'S', 'R' };
	char why[SPOOL_WHY_LEN];
	uint8_t chunk[4096];
	uint64_t pos = off + 1, end;
	int rv;

	while (pos + MM_SPOOL_REC_HDR <= sp->sp_tail) {
		ssize_t n = read_full(sp->sp_fd, chunk, sizeof(chunk), pos);
		const uint8_t *hit;

		if (n < 0)
			return ((int)n);
		if (n < (ssize_t)sizeof(magic))
			break;
		if ((hit = memmem(chunk, (size_t)n, magic, sizeof(magic))) == NULL) {
			/* The magic may straddle two chunks: look again at the last three bytes. */
			pos += (uint64_t)n - (sizeof(magic) - 1);
			continue;
		}
		pos += (uint64_t)(hit - chunk);
		if ((rv = spool_read(sp, pos, &end, why, sizeof(why))) == 0) {
			*next = pos;
			return (0);
		}
		if (rv != -EBADMSG)
			return (rv);
		pos++;
	}
	*next = sp->sp_tail;
	return (0);
}

static void
spool_report_damage(struct mm_spool *sp, uint64_t from, uint64_t to, const char *why)
{
	sp->sp_damaged_records++;
	sp->sp_damaged_bytes += to - from;
	mm_warn("spool %s: %" PRIu64 " bytes at offset %" PRIu64 " damaged (%s): %s", sp->sp_path,
		to - from, from, why,
		to == sp->sp_tail ? "a torn append, cut off" : "skipped up to the next record");
}

/* Cuts the file back to its header once everything in it is acknowledged. */
static int
spool_reset(struct mm_spool *sp)
{
	int rv;

	if (ftruncate(sp->sp_fd, MM_SPOOL_HDR) != 0)
		return (-errno);
	sp->sp_producer = sp->sp_run_producer;
	sp->sp_created = unix_ms();
	if ((rv = write_header(sp->sp_fd, sp->sp_producer, MM_SPOOL_HDR, sp->sp_created)) != 0)
		return (rv);
	sp->sp_head = sp->sp_tail = MM_SPOOL_HDR;
	sp->sp_records = sp->sp_events = 0;
	return (0);
}

static int
spool_set_head(struct mm_spool *sp, uint64_t head)
{
	uint8_t b[8];
	struct iovec iov = { b, sizeof(b) };

	sp->sp_head = head;
	if (head >= sp->sp_tail)
		return (spool_reset(sp));
	put_le64(b, head);
	return (write_full(sp->sp_fd, &iov, 1, 16));
}

/*
 * Rewrites the waiting records into a new file, renamed over the old one
 * (locked before the rename, so the lock never lapses), dropping the
 * acknowledged front and any damage.  A crash before the rename leaves the
 * old file whole; the directory is not synced, because losing the rename only
 * brings back the old file and with it some batches to send twice.
 */
static int
spool_compact(struct mm_spool *sp)
{
	char why[SPOOL_WHY_LEN], *tmp = NULL;
	uint64_t off = sp->sp_head, pos = MM_SPOOL_HDR, end;
	int fd, rv;

	if (asprintf(&tmp, "%s.new", sp->sp_path) < 0)
		return (-ENOMEM);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rv = -errno;
		goto err_free;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rv = -errno;
		goto err_close;
	}
	if ((rv = write_header(fd, sp->sp_producer, MM_SPOOL_HDR, sp->sp_created)) != 0)
		goto err_close;
	while (off < sp->sp_tail) {
		struct iovec iov[2];

		if ((rv = spool_read(sp, off, &end, why, sizeof(why))) == -EBADMSG) {
			if ((rv = spool_resync(sp, off, &off)) != 0)
				goto err_close;
			continue;
		}
		if (rv != 0)
			goto err_close;
		iov[0] = (struct iovec){ sp->sp_rec_hdr, MM_SPOOL_REC_HDR };
		iov[1] = (struct iovec){ sp->sp_buf, end - off - MM_SPOOL_REC_HDR };
		if ((rv = write_full(fd, iov, 2, pos)) != 0)
			goto err_close;
		pos += end - off;
		off = end;
	}
	if (fdatasync(fd) != 0 || rename(tmp, sp->sp_path) != 0) {
		rv = -errno;
		goto err_close;
	}
	close(sp->sp_fd);
	sp->sp_fd = fd;
	/* A peeked record is the first one copied: it moved to just after the header. */
	if (sp->sp_peeked)
		sp->sp_peek_end = sp->sp_peek_end - sp->sp_head + MM_SPOOL_HDR;
	sp->sp_head = MM_SPOOL_HDR;
	sp->sp_tail = pos;
	sp->sp_dirty = false;
	free(tmp);
	return (0);

err_close:
	close(fd);
	unlink(tmp);
err_free:
	free(tmp);
	return (rv);
}

/*
 * Checks every waiting record.  A damaged stretch at the end (a torn append)
 * is cut off; one in the middle makes the file be rewritten without it, so
 * that the drain never meets it again.
 */
static int
spool_scan(struct mm_spool *sp)
{
	char why[SPOOL_WHY_LEN];
	uint64_t off = sp->sp_head, end, next;
	bool rewrite = false;
	int rv;

	while (off < sp->sp_tail) {
		if ((rv = spool_read(sp, off, &end, why, sizeof(why))) == 0) {
			sp->sp_records++;
			sp->sp_events += sp->sp_batch.bb_count;
			off = end;
			continue;
		}
		if (rv != -EBADMSG)
			return (rv);
		if ((rv = spool_resync(sp, off, &next)) != 0)
			return (rv);
		spool_report_damage(sp, off, next, why);
		if (next == sp->sp_tail) {
			if (ftruncate(sp->sp_fd, (off_t)off) != 0)
				return (-errno);
			sp->sp_tail = off;
			break;
		}
		rewrite = true;
		off = next;
	}
	/* Nothing waits: start afresh, with this run's producer in the header. */
	if (sp->sp_records == 0 &&
		(sp->sp_tail > MM_SPOOL_HDR || sp->sp_producer != sp->sp_run_producer))
		return (spool_reset(sp));
	return (rewrite ? spool_compact(sp) : 0);
}

/* Reads the header of an existing file, or writes a new one. */
static int
spool_header(struct mm_spool *sp, uint64_t size, char *err, size_t errlen)
{
	static const uint8_t magic[4] = { 'M', 'M', 'S', 'P' };
	uint8_t h[MM_SPOOL_HDR];
	ssize_t n;
	int rv;

	if ((n = read_full(sp->sp_fd, h, sizeof(h), 0)) < 0) {
		snprintf(err, errlen, "spool %s: %s", sp->sp_path, strerror((int)-n));
		return ((int)n);
	}
	if ((size_t)n < sizeof(h)) {
		/* A crash while the file was being started; anything else is not ours. */
		if (memcmp(h, magic, (size_t)n < sizeof(magic) ? (size_t)n : sizeof(magic)) != 0) {
			snprintf(err, errlen, "spool %s: %zd bytes that are not a Mamori spool",
				sp->sp_path, n);
			return (-EINVAL);
		}
		if (n > 0)
			mm_warn("spool %s: header cut short (%zd of %d bytes): starting afresh",
				sp->sp_path, n, MM_SPOOL_HDR);
		if ((rv = spool_reset(sp)) != 0)
			snprintf(err, errlen, "spool %s: %s", sp->sp_path, strerror(-rv));
		return (rv);
	}
	if (get_le32(h) != MM_SPOOL_MAGIC) {
		snprintf(err, errlen,
			"spool %s: magic 0x%08" PRIx32
			", expected 0x%08x (MMSP): not a Mamori spool",
			sp->sp_path, get_le32(h), MM_SPOOL_MAGIC);
		return (-EINVAL);
	}
	if (get_le16(h + 4) != MM_SPOOL_VERSION || get_le16(h + 6) != 0) {
		snprintf(err, errlen,
			"spool %s: version %u flags 0x%04x, expected version %d flags 0",
			sp->sp_path, get_le16(h + 4), get_le16(h + 6), MM_SPOOL_VERSION);
		return (-EINVAL);
	}
	sp->sp_producer = get_le64(h + 8);
	sp->sp_head = get_le64(h + 16);
	sp->sp_created = get_le64(h + 24);
	sp->sp_tail = size;
	if (sp->sp_head < MM_SPOOL_HDR || sp->sp_head > size) {
		mm_warn("spool %s: head offset %" PRIu64 " outside the file (%" PRIu64
			" bytes): draining from the start",
			sp->sp_path, sp->sp_head, size);
		sp->sp_head = MM_SPOOL_HDR;
	}
	return (0);
}

int
mm_spool_open(const char *path, uint64_t max_bytes, uint64_t producer, struct mm_spool **out,
	char *err, size_t errlen)
{
	struct mm_spool *sp;
	struct stat st;
	int rv;

	*out = NULL;
	if (max_bytes < MM_SPOOL_MIN_BYTES) {
		snprintf(err, errlen, "spool %s: cap of %" PRIu64 " bytes, expected at least %d",
			path, max_bytes, MM_SPOOL_MIN_BYTES);
		return (-EINVAL);
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "spool %s: libsodium failed to initialise", path);
		return (-EIO);
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		goto err_nomem;
	sp->sp_fd = -1;
	sp->sp_max = max_bytes;
	sp->sp_run_producer = producer;
	if ((sp->sp_path = strdup(path)) == NULL ||
		(sp->sp_evs = calloc(MM_BUS_MAX_EVENTS, sizeof(*sp->sp_evs))) == NULL)
		goto err_nomem;
	if ((sp->sp_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rv = -errno;
		snprintf(err, errlen, "spool %s: %s", path, strerror(errno));
		goto err;
	}
	if (flock(sp->sp_fd, LOCK_EX | LOCK_NB) != 0) {
		rv = -errno;
		snprintf(err, errlen, "spool %s: %s", path,
			errno == EWOULDBLOCK ? "in use by another process" : strerror(errno));
		goto err;
	}
	if (fstat(sp->sp_fd, &st) != 0) {
		rv = -errno;
		snprintf(err, errlen, "spool %s: %s", path, strerror(errno));
		goto err;
	}
	if ((rv = spool_header(sp, (uint64_t)st.st_size, err, errlen)) != 0)
		goto err;
	if ((rv = spool_scan(sp)) != 0) {
		snprintf(err, errlen, "spool %s: %s", path, strerror(-rv));
		goto err;
	}
	if (sp->sp_tail > sp->sp_max)
		mm_warn("spool %s: %" PRIu64 " bytes, over the cap of %" PRIu64
			": nothing more is spooled until it drains",
			path, sp->sp_tail, sp->sp_max);
	*out = sp;
	return (0);

err_nomem:
	rv = -ENOMEM;
	snprintf(err, errlen, "spool %s: out of memory", path);
err:
	mm_spool_close(sp);
	return (rv);
}

void
mm_spool_close(struct mm_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->sp_fd >= 0) {
		mm_spool_sync(sp);
		close(sp->sp_fd);
	}
	free(sp->sp_buf);
	free(sp->sp_evs);
	free(sp->sp_path);
	free(sp);
}

int
mm_spool_append(struct mm_spool *sp, const void *batch, size_t len)
{
	uint8_t hdr[MM_SPOOL_REC_HDR];
	struct iovec iov[2];
	uint64_t need = MM_SPOOL_REC_HDR + (uint64_t)len;
	uint64_t front = sp->sp_head - MM_SPOOL_HDR;
	uint32_t count;
	int rv;

	if (mm_bus_batch_decode(
		    batch, len, &sp->sp_batch, sp->sp_evs, MM_BUS_MAX_EVENTS, NULL, 0) != 0)
		return (-EINVAL);
	count = sp->sp_batch.bb_count;
	if (sp->sp_tail + need > sp->sp_max && front >= sp->sp_max / 8 &&
		sp->sp_tail - front + need <= sp->sp_max) {
		if ((rv = spool_compact(sp)) != 0)
			return (rv);
	}
	if (sp->sp_tail + need > sp->sp_max)
		return (-ENOSPC);
	put_le32(hdr, MM_SPOOL_REC_MAGIC);
	put_le32(hdr + 4, (uint32_t)len);
	record_hash(batch, (uint32_t)len, hdr + 8);
	iov[0] = (struct iovec){ hdr, sizeof(hdr) };
	iov[1] = (struct iovec){ (void *)(uintptr_t)batch, len };
	if ((rv = write_full(sp->sp_fd, iov, 2, sp->sp_tail)) != 0) {
		/* Leave no partial record behind for the next open to report as damage. */
		if (ftruncate(sp->sp_fd, (off_t)sp->sp_tail) != 0)
			mm_warn("spool %s: cannot cut back a failed append: %s", sp->sp_path,
				strerror(errno));
		return (rv);
	}
	sp->sp_tail += need;
	sp->sp_records++;
	sp->sp_events += count;
	sp->sp_dirty = true;
	return (0);
}

int
mm_spool_peek(struct mm_spool *sp, const struct mm_bus_batch **b, const void **msg, size_t *len)
{
	char why[SPOOL_WHY_LEN];
	uint64_t end, next;
	int rv;

	sp->sp_peeked = false;
	while (sp->sp_head < sp->sp_tail) {
		if ((rv = spool_read(sp, sp->sp_head, &end, why, sizeof(why))) == 0) {
			sp->sp_peeked = true;
			sp->sp_peek_end = end;
			sp->sp_peek_count = sp->sp_batch.bb_count;
			*b = &sp->sp_batch;
			*msg = sp->sp_buf;
			*len = end - sp->sp_head - MM_SPOOL_REC_HDR;
			return (0);
		}
		if (rv != -EBADMSG)
			return (rv);
		/* Damaged since it was checked at open: the disk, not a crash. */
		if ((rv = spool_resync(sp, sp->sp_head, &next)) != 0)
			return (rv);
		spool_report_damage(sp, sp->sp_head, next, why);
		if ((rv = spool_set_head(sp, next)) != 0)
			return (rv);
	}
	return (-ENOENT);
}

int
mm_spool_pop(struct mm_spool *sp)
{
	if (!sp->sp_peeked)
		return (-EINVAL);
	sp->sp_peeked = false;
	sp->sp_records--;
	sp->sp_events -= sp->sp_peek_count;
	return (spool_set_head(sp, sp->sp_peek_end));
}

int
mm_spool_sync(struct mm_spool *sp)
{
	if (!sp->sp_dirty)
		return (0);
	if (fdatasync(sp->sp_fd) != 0)
		return (-errno);
	sp->sp_dirty = false;
	return (0);
}

void
mm_spool_info(const struct mm_spool *sp, struct mm_spool_info *si)
{
	si->si_producer = sp->sp_producer;
	si->si_records = sp->sp_records;
	si->si_events = sp->sp_events;
	si->si_bytes = sp->sp_tail - sp->sp_head;
	si->si_file_bytes = sp->sp_tail;
	si->si_damaged_records = sp->sp_damaged_records;
	si->si_damaged_bytes = sp->sp_damaged_bytes;
}

const char *
mm_spool_path(const struct mm_spool *sp)
{
	return (sp->sp_path);
}
