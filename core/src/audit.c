/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log's writer (see mamori/audit.h): appends under a mutex and
 * flock, chained onto the last entry, in one write(2) per action.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit_int.h"
#include "mamori/audit.h"
#include "mamori/keys.h"

#define TAIL_CHUNK 4096

struct mm_audit {
	char *a_path;
	const struct mm_key *a_key; /* borrowed; swapped by mm_audit_rotate */
	pthread_mutex_t a_lock;     /* threads on this handle; flock covers the rest */
};

/* One entry to write: the writer fills seq, ts and prev when it holds the lock. */
struct audit_spec {
	const char *as_actor;
	const char *as_action;
	json_t *as_detail; /* owned */
	const struct mm_key *as_key;
};

int
mm_audit_path(const char *state_dir, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", mm_key_state_dir(state_dir), MM_AUDIT_FILE) >= len)
		return (-ENAMETOOLONG);
	return (0);
}

char *
mm_audit_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ldZ", ts.tv_nsec / 1000);
	return (buf);
}

int
mm_audit_open(
	const char *path, const struct mm_key *key, struct mm_audit **ap, char *err, size_t errlen)
{
	struct mm_audit *a;
	int fd, rv;

	if (!mm_key_has_secret(key)) {
		audit_err(err, errlen, "%s: cannot append with a public key (fingerprint %s)", path,
			mm_key_fingerprint(key));
		return (-EPERM);
	}
	if (sodium_init() < 0) {
		audit_err(err, errlen, "libsodium failed to initialise");
		return (-EIO);
	}
	/* Fail now, naming the file, rather than on the first action worth recording. */
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		rv = -errno;
		audit_err(err, errlen, "%s: cannot open for appending: %s", path, strerror(errno));
		return (rv);
	}
	close(fd);
	if ((a = calloc(1, sizeof(*a))) == NULL || (a->a_path = strdup(path)) == NULL) {
		free(a);
		audit_err(err, errlen, "%s: out of memory", path);
		return (-ENOMEM);
	}
	if ((rv = pthread_mutex_init(&a->a_lock, NULL)) != 0) {
		free(a->a_path);
		free(a);
		audit_err(err, errlen, "%s: cannot make a mutex: %s", path, strerror(rv));
		return (-rv);
	}
	a->a_key = key;
	*ap = a;
	return (0);
}

void
mm_audit_close(struct mm_audit *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->a_lock);
	free(a->a_path);
	free(a);
}

/* Reads the last line of a log that ends in '\n' (size > 0) into *linep (malloc'd). */
static int
audit_last_line(int fd, off_t size, char **linep, size_t *lenp)
{
	size_t want = TAIL_CHUNK;
	char *buf = NULL, *nl;

	for (;;) {
		off_t start = size > (off_t)want ? size - (off_t)want : 0;
		size_t n = (size_t)(size - start);
		char *nbuf = realloc(buf, n);

		if (nbuf == NULL) {
			free(buf);
			return (-ENOMEM);
		}
		buf = nbuf;
		if (pread(fd, buf, n, start) != (ssize_t)n) {
			free(buf);
			return (-EIO);
		}
		nl = n > 1 ? memrchr(buf, '\n', n - 1) : NULL;
		if (nl != NULL || start == 0) {
			size_t off = nl != NULL ? (size_t)(nl - buf) + 1 : 0;

			memmove(buf, buf + off, n - 1 - off);
			*linep = buf;
			*lenp = n - 1 - off;
			return (0);
		}
		if (want > MM_AUDIT_LINE_MAX) {
			free(buf);
			return (-EFBIG);
		}
		want *= 4;
	}
}

/*
 * Reads the log's last entry under the lock: its seq and hash to chain onto,
 * after checking that it is intact and signed by the handle's key.
 */
static int
audit_tail(struct mm_audit *a, int fd, off_t size, uint64_t *seqp, char prev[MM_AUDIT_HASHHEX],
	char *err, size_t errlen)
{
	unsigned char pk[MM_KEY_PUBLIC_LEN];
	char why[MM_AUDIT_ERRLEN], last;
	struct audit_ent ent;
	json_t *obj;
	char *line;
	size_t len;
	int rv;

	if (size == 0) {
		*seqp = 0;
		memcpy(prev, AUDIT_ZERO_HASH, MM_AUDIT_HASHHEX);
		return (0);
	}
	if (pread(fd, &last, 1, size - 1) != 1 || last != '\n') {
		audit_err(err, errlen,
			"%s ends with a partial line (a write cut short at byte %lld); no entry "
			"can chain onto it: run 'mamorictl audit verify'",
			a->a_path, (long long)size);
		return (-EBADMSG);
	}
	if ((rv = audit_last_line(fd, size, &line, &len)) != 0) {
		audit_err(err, errlen, "%s: cannot read the last entry: %s", a->a_path,
			strerror(-rv));
		return (rv);
	}
	rv = audit_parse(line, len, &obj, &ent, why, sizeof(why)) == MM_AUDIT_OK ? 0 : -EBADMSG;
	free(line);
	if (rv != 0) {
		audit_err(err, errlen,
			"%s: the last entry is damaged (%s): run 'mamorictl audit verify'",
			a->a_path, why);
		goto out;
	}
	memcpy(pk, mm_key_public(a->a_key), sizeof(pk));
	if (strcmp(ent.ae_action, MM_AUDIT_ACT_ROT) == 0) {
		audit_err(err, errlen,
			"%s: the last entry (seq %" PRIu64
			") is a key.rotate without the new key's key.init",
			a->a_path, ent.ae_seq);
		rv = -EBADMSG;
		goto out;
	}
	/* Chaining onto an entry another key signed would fork the chain of trust. */
	if ((strcmp(ent.ae_action, MM_AUDIT_ACT_INIT) == 0 &&
		    (audit_init_key(ent.ae_detail, pk) != 0 ||
			    sodium_memcmp(pk, mm_key_public(a->a_key), sizeof(pk)) != 0)) ||
		crypto_sign_verify_detached(ent.ae_sig, ent.ae_hash_bin, MM_KEY_HASH_LEN, pk) !=
			0) {
		audit_err(err, errlen,
			"%s: the last entry (seq %" PRIu64
			") does not verify with this key (fingerprint %s): the log was rotated to "
			"another key or its tail was altered",
			a->a_path, ent.ae_seq, mm_key_fingerprint(a->a_key));
		rv = -EKEYREJECTED;
		goto out;
	}
	*seqp = ent.ae_seq;
	memcpy(prev, ent.ae_hash, MM_AUDIT_HASHHEX);
out:
	json_decref(obj);
	return (rv);
}

/* Builds, hashes and signs one entry and writes its line to f; prev becomes its hash. */
static int
audit_build(FILE *f, const struct audit_spec *s, uint64_t seq, const char *ts,
	char prev[MM_AUDIT_HASHHEX], char *err, size_t errlen)
{
	unsigned char bin[MM_KEY_HASH_LEN], sig[MM_KEY_SIG_LEN];
	char hex[MM_AUDIT_HASHHEX], sig_hex[MM_KEY_SIGHEX_LEN];
	char *text = NULL;
	json_t *e;
	int rv;

	e = json_pack("{s:I, s:s, s:s, s:s, s:O, s:s}", "seq", (json_int_t)seq, "ts", ts, "actor",
		s->as_actor, "action", s->as_action, "detail", s->as_detail, "prev", prev);
	if (e == NULL) {
		audit_err(
			err, errlen, "entry %s: actor and action must be UTF-8 text", s->as_action);
		return (-EINVAL);
	}
	if ((rv = audit_hash(e, hex, bin, err, errlen)) != 0)
		goto out;
	if ((rv = mm_key_sign(s->as_key, bin, sizeof(bin), sig)) != 0) {
		audit_err(err, errlen, "entry %s: the key %s cannot sign", s->as_action,
			mm_key_fingerprint(s->as_key));
		goto out;
	}
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	if (json_object_set_new(e, "hash", json_string(hex)) != 0 ||
		json_object_set_new(e, "sig", json_string(sig_hex)) != 0 ||
		(text = json_dumps(e, JSON_COMPACT)) == NULL) {
		rv = -ENOMEM;
		goto out;
	}
	if (strlen(text) + 1 > MM_AUDIT_LINE_MAX) {
		audit_err(err, errlen, "entry %s: %zu bytes; an entry line holds at most %u",
			s->as_action, strlen(text) + 1, MM_AUDIT_LINE_MAX);
		rv = -E2BIG;
		goto out;
	}
	fputs(text, f);
	fputc('\n', f);
	memcpy(prev, hex, MM_AUDIT_HASHHEX);
out:
	free(text);
	json_decref(e);
	return (rv);
}

static json_t *
audit_init_detail(const struct mm_key *key)
{
	return (json_pack("{s:s, s:s}", "public_key", mm_key_public_hex(key), "fingerprint",
		mm_key_fingerprint(key)));
}

/* fsync of the directory, so that a log created just now survives a crash. */
static void
audit_sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/* Writes all n lines with one write(2): readers see all of them or (after a crash) a torn tail. */
static int
audit_write(struct mm_audit *a, int fd, off_t size, const char *buf, size_t len, char *err,
	size_t errlen)
{
	ssize_t n;
	int rv;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		rv = n < 0 ? -errno : -ENOSPC;
		/* We hold the lock: cut our partial line so the next writer chains cleanly. */
		if (n > 0 && ftruncate(fd, size) != 0)
			audit_err(err, errlen,
				"%s: short write (%zd of %zu bytes) and the torn line could not be "
				"removed: %s",
				a->a_path, n, len, strerror(errno));
		else
			audit_err(err, errlen, "%s: cannot append: %s", a->a_path, strerror(-rv));
		return (rv);
	}
	if (fsync(fd) != 0) {
		rv = -errno;
		audit_err(err, errlen, "%s: fsync: %s", a->a_path, strerror(errno));
		return (rv);
	}
	if (size == 0)
		audit_sync_dir(a->a_path);
	return (0);
}

/* Appends the specs as consecutive entries, after a key.init for an empty log. */
static int
audit_commit(struct mm_audit *a, struct audit_spec *specs, size_t n, uint64_t *seqp, char *err,
	size_t errlen)
{
	char prev[MM_AUDIT_HASHHEX], ts[MM_AUDIT_TIME_LEN];
	struct audit_spec init = { .as_action = MM_AUDIT_ACT_INIT };
	char *buf = NULL;
	size_t len = 0;
	uint64_t seq;
	struct stat st;
	FILE *f = NULL;
	int fd, rv;

	pthread_mutex_lock(&a->a_lock);
	if ((fd = open(a->a_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		rv = -errno;
		audit_err(err, errlen, "%s: cannot open for appending: %s", a->a_path,
			strerror(errno));
		goto out_unlock;
	}
	while ((rv = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rv != 0 || fstat(fd, &st) != 0) {
		rv = -errno;
		audit_err(err, errlen, "%s: cannot lock: %s", a->a_path, strerror(errno));
		goto out_close;
	}
	if ((rv = audit_tail(a, fd, st.st_size, &seq, prev, err, errlen)) != 0)
		goto out_close;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		rv = -ENOMEM;
		goto out_close;
	}
	mm_audit_time(ts, sizeof(ts));
	if (seq == 0) {
		init.as_actor = specs[0].as_actor;
		init.as_key = a->a_key;
		if ((init.as_detail = audit_init_detail(a->a_key)) == NULL) {
			rv = -ENOMEM;
			goto out_close;
		}
		rv = audit_build(f, &init, ++seq, ts, prev, err, errlen);
		json_decref(init.as_detail);
		if (rv != 0)
			goto out_close;
	}
	*seqp = seq + 1;
	for (size_t i = 0; i < n; i++)
		if ((rv = audit_build(f, &specs[i], ++seq, ts, prev, err, errlen)) != 0)
			goto out_close;
	if (fclose(f) != 0) {
		f = NULL;
		rv = -ENOMEM;
		goto out_close;
	}
	f = NULL;
	rv = audit_write(a, fd, st.st_size, buf, len, err, errlen);
out_close:
	if (f != NULL)
		fclose(f);
	free(buf);
	close(fd); /* releases the flock */
out_unlock:
	pthread_mutex_unlock(&a->a_lock);
	return (rv);
}

static json_t *
audit_detail_copy(const json_t *detail)
{
	return (detail != NULL ? json_deep_copy(detail) : json_object());
}

int
mm_audit_append(struct mm_audit *a, const char *actor, const char *action, const json_t *detail,
	uint64_t *seqp, char *err, size_t errlen)
{
	struct audit_spec s = { .as_actor = actor, .as_action = action };
	uint64_t seq = 0;
	int rv;

	if (detail != NULL && !json_is_object(detail)) {
		audit_err(err, errlen, "entry %s: detail must be a JSON object", action);
		return (-EINVAL);
	}
	/* These two shape the key chain: only mm_audit_rotate writes them. */
	if (strcmp(action, MM_AUDIT_ACT_INIT) == 0 || strcmp(action, MM_AUDIT_ACT_ROT) == 0) {
		audit_err(err, errlen, "entry %s: reserved for key rotation", action);
		return (-EINVAL);
	}
	if ((s.as_detail = audit_detail_copy(detail)) == NULL)
		return (-ENOMEM);
	pthread_mutex_lock(&a->a_lock);
	s.as_key = a->a_key;
	pthread_mutex_unlock(&a->a_lock);
	rv = audit_commit(a, &s, 1, &seq, err, errlen);
	json_decref(s.as_detail);
	if (rv == 0 && seqp != NULL)
		*seqp = seq;
	return (rv);
}

int
mm_audit_rotate(struct mm_audit *a, const struct mm_key *newkey, const char *actor,
	const json_t *detail, uint64_t *seqp, char *err, size_t errlen)
{
	struct audit_spec s[2] = {
		{ .as_actor = actor, .as_action = MM_AUDIT_ACT_ROT },
		{ .as_actor = actor, .as_action = MM_AUDIT_ACT_INIT, .as_key = newkey },
	};
	const struct mm_key *old;
	uint64_t seq = 0;
	int rv = -ENOMEM;

	if (!mm_key_has_secret(newkey)) {
		audit_err(err, errlen, "%s: the new key %s has no secret half to sign with",
			a->a_path, mm_key_fingerprint(newkey));
		return (-EPERM);
	}
	pthread_mutex_lock(&a->a_lock);
	old = a->a_key;
	pthread_mutex_unlock(&a->a_lock);
	s[0].as_key = old;
	if ((s[0].as_detail = audit_detail_copy(detail)) == NULL ||
		json_object_set_new(
			s[0].as_detail, "old_key", json_string(mm_key_public_hex(old))) ||
		json_object_set_new(
			s[0].as_detail, "old_fingerprint", json_string(mm_key_fingerprint(old))) ||
		json_object_set_new(
			s[0].as_detail, "new_key", json_string(mm_key_public_hex(newkey))) ||
		json_object_set_new(s[0].as_detail, "new_fingerprint",
			json_string(mm_key_fingerprint(newkey))) ||
		(s[1].as_detail = audit_init_detail(newkey)) == NULL)
		goto out;
	if ((rv = audit_commit(a, s, 2, &seq, err, errlen)) != 0)
		goto out;
	pthread_mutex_lock(&a->a_lock);
	a->a_key = newkey;
	pthread_mutex_unlock(&a->a_lock);
	if (seqp != NULL)
		*seqp = seq;
out:
	json_decref(s[0].as_detail);
	json_decref(s[1].as_detail);
	return (rv);
}

int
mm_audit_sign_export(struct mm_audit *a, const char *path, const char *actor,
	struct mm_key_signed *out, uint64_t *seqp, char *err, size_t errlen)
{
	struct mm_key_signed ks;
	const struct mm_key *key;
	char *abs, *sig = NULL;
	json_t *detail = NULL;
	int rv;

	pthread_mutex_lock(&a->a_lock);
	key = a->a_key;
	pthread_mutex_unlock(&a->a_lock);
	if ((rv = mm_key_sign_file(key, path, &ks, err, errlen)) != 0)
		return (rv);
	/* The full path says which export this was; the file exists, it was just read. */
	if ((abs = realpath(path, NULL)) == NULL)
		abs = strdup(path);
	if (abs != NULL && asprintf(&sig, "%s%s", abs, MM_KEY_SIG_SUFFIX) < 0)
		sig = NULL; /* asprintf leaves it undefined on failure */
	if (sig == NULL || (detail = json_pack("{s:s, s:s, s:I, s:s, s:s}", "file", abs, "sig_file",
				    sig, "size", (json_int_t)ks.ks_size, "blake2b", ks.ks_hash,
				    "signed_at", ks.ks_signed_at)) == NULL) {
		audit_err(err, errlen, "%s: out of memory", path);
		rv = -ENOMEM;
		goto out;
	}
	if ((rv = mm_audit_append(a, actor, MM_AUDIT_ACT_SIGN, detail, seqp, err, errlen)) != 0)
		goto out;
	if (out != NULL)
		*out = ks;
out:
	json_decref(detail);
	free(sig);
	free(abs);
	return (rv);
}

int
mm_audit_read(const char *path, mm_audit_entry_fn fn, void *arg, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	json_t *e;
	FILE *f;
	int rv = 0;

	if ((f = fopen(path, "re")) == NULL) {
		rv = -errno;
		audit_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return (rv);
	}
	while (rv == 0 && (n = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)n;

		lineno++;
		if (line[len - 1] == '\n')
			len--;
		e = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		rv = fn(arg, lineno, json_is_object(e) ? e : NULL, line, len);
		json_decref(e);
	}
	if (rv == 0 && ferror(f)) {
		rv = -EIO;
		audit_err(err, errlen, "%s: read error after line %" PRIu64, path, lineno);
	}
	free(line);
	fclose(f);
	return (rv);
}
