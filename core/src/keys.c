/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's Ed25519 key pair and detached file signatures (see
 * mamori/keys.h for the files and formats).
 *
 * The secret key lives in sodium_malloc'd memory (guard pages, locked out of
 * swap, wiped on free); every file is written through a temporary file that
 * is fsync'd and then renamed or linked into place, so a crash leaves the old
 * file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keys_int.h"
#include "mamori/audit.h"
#include "mamori/dirs.h"
#include "mamori/keys.h"

void
key_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* sodium_init is idempotent and thread-safe; every entry point that draws keys calls it. */
int
key_sodium(char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		key_err(err, errlen, "libsodium failed to initialise (no entropy source?)");
		return (-EIO);
	}
	return (0);
}

static int
key_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix)
{
	if ((size_t)snprintf(buf, len, "%s/%s%s", dir, name, suffix) >= len)
		return (-ENAMETOOLONG);
	return (0);
}

/* Exactly 2 * binlen hex digits, nothing else. */
int
key_unhex(const char *hex, size_t hexlen, unsigned char *bin, size_t binlen)
{
	size_t got = 0;
	const char *end = NULL;

	if (hexlen != 2 * binlen ||
		sodium_hex2bin(bin, binlen, hex, hexlen, NULL, &got, &end) != 0 || got != binlen ||
		end != hex + hexlen)
		return (-EINVAL);
	return (0);
}

const char *
mm_key_state_dir(const char *dir)
{
	const char *env;

	if (dir != NULL && dir[0] != '\0')
		return (dir);
	env = getenv(MM_KEY_DIR_ENV);
	if (env != NULL && env[0] != '\0')
		return (env);
	return (MM_KEY_DEFAULT_DIR);
}

/* mkdir -p; the state directory holds a secret key, so others get no access. */
static int
key_mkdirs(const char *dir, char *err, size_t errlen)
{
	char failed[PATH_MAX];
	int rv = mm_mkdirs(dir, 0750, failed, sizeof(failed));

	if (rv == -ENAMETOOLONG)
		key_err(err, errlen, "state directory '%s': path empty or too long", dir);
	else if (rv < 0)
		key_err(err, errlen, "state directory %s: cannot create %s: %s", dir, failed,
			strerror(-rv));
	return (rv);
}

static int
key_fsync_dir(const char *dir)
{
	int fd, rv = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return (-errno);
	if (fsync(fd) != 0)
		rv = -errno;
	close(fd);
	return (rv);
}

/*
 * Writes data to path with mode through path.XXXXXX: linked into place when
 * exclusive (-EEXIST if path exists: two first uses racing keep one key),
 * renamed over it otherwise.
 */
int
key_write_file(const char *path, const void *data, size_t len, mode_t mode, bool exclusive,
	char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, rv = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		key_err(err, errlen, "%s: path too long", path);
		return (-ENAMETOOLONG);
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		return (rv);
	}
	/* fchmod, not the creation mode: the umask must not narrow a public file. */
	if (fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		rv = errno != 0 ? -errno : -EIO;
		key_err(err, errlen, "%s: cannot write: %s", tmp, strerror(-rv));
		close(fd);
		unlink(tmp);
		return (rv);
	}
	close(fd);
	if (exclusive) {
		if (link(tmp, path) != 0)
			rv = -errno;
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		rv = -errno;
		unlink(tmp);
	}
	if (rv != 0 && rv != -EEXIST)
		key_err(err, errlen, "%s: cannot put in place: %s", path, strerror(-rv));
	else if (rv == -EEXIST)
		key_err(err, errlen, "%s exists; a key is never overwritten", path);
	return (rv);
}

/* Reads a small file whole into buf (NUL-terminated); fstat result in *st when not NULL. */
int
key_read_small(const char *path, char *buf, size_t cap, size_t *lenp, struct stat *st, char *err,
	size_t errlen)
{
	int fd, rv = 0;
	ssize_t n;
	size_t len = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return (rv);
	}
	if (st != NULL && fstat(fd, st) != 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		if ((len += (size_t)n) == cap - 1)
			break;
	if (n < 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (len == cap - 1) {
		rv = -EFBIG;
		key_err(err, errlen, "%s: larger than the %zu bytes expected", path, cap - 1);
		goto out;
	}
	buf[len] = '\0';
	*lenp = len;
out:
	close(fd);
	return (rv);
}

void
mm_key_fingerprint_of(const unsigned char pk[MM_KEY_PUBLIC_LEN], char *fpr)
{
	unsigned char h[KEY_FPR_BYTES];

	crypto_generichash(h, sizeof(h), pk, MM_KEY_PUBLIC_LEN, NULL, 0);
	sodium_bin2hex(fpr, MM_KEY_FPR_LEN, h, sizeof(h));
}

static struct mm_key *
key_alloc(const unsigned char pk[MM_KEY_PUBLIC_LEN], bool secret)
{
	struct mm_key *key = calloc(1, sizeof(*key));

	if (key == NULL)
		return (NULL);
	if (secret && (key->k_sk = sodium_malloc(KEY_SECRET_LEN)) == NULL) {
		free(key);
		return (NULL);
	}
	if (pk != NULL) {
		memcpy(key->k_pk, pk, MM_KEY_PUBLIC_LEN);
		sodium_bin2hex(key->k_pk_hex, sizeof(key->k_pk_hex), pk, MM_KEY_PUBLIC_LEN);
		mm_key_fingerprint_of(pk, key->k_fpr);
	}
	return (key);
}

void
mm_key_free(struct mm_key *key)
{
	if (key == NULL)
		return;
	if (key->k_sk != NULL)
		sodium_free(key->k_sk);
	free(key);
}

int
mm_key_from_public(const unsigned char pk[MM_KEY_PUBLIC_LEN], struct mm_key **keyp)
{
	if ((*keyp = key_alloc(pk, false)) == NULL)
		return (-ENOMEM);
	return (0);
}

bool
mm_key_has_secret(const struct mm_key *key)
{
	return (key->k_sk != NULL);
}

const unsigned char *
mm_key_public(const struct mm_key *key)
{
	return (key->k_pk);
}

const char *
mm_key_public_hex(const struct mm_key *key)
{
	return (key->k_pk_hex);
}

const char *
mm_key_fingerprint(const struct mm_key *key)
{
	return (key->k_fpr);
}

int
mm_key_sign(
	const struct mm_key *key, const void *msg, size_t len, unsigned char sig[MM_KEY_SIG_LEN])
{
	if (key->k_sk == NULL)
		return (-EPERM);
	crypto_sign_detached(sig, NULL, msg, len, key->k_sk);
	return (0);
}

static int
key_generate(struct mm_key **keyp, char *err, size_t errlen)
{
	unsigned char pk[MM_KEY_PUBLIC_LEN];
	struct mm_key *key;
	int rv;

	if ((rv = key_sodium(err, errlen)) != 0)
		return (rv);
	if ((key = key_alloc(NULL, true)) == NULL) {
		key_err(err, errlen, "out of memory for a key");
		return (-ENOMEM);
	}
	crypto_sign_keypair(pk, key->k_sk);
	memcpy(key->k_pk, pk, sizeof(pk));
	sodium_bin2hex(key->k_pk_hex, sizeof(key->k_pk_hex), pk, sizeof(pk));
	mm_key_fingerprint_of(pk, key->k_fpr);
	*keyp = key;
	return (0);
}

/* Writes the pair as dir/appliance.{key,pub}<suffix>. */
static int
key_store(const struct mm_key *key, const char *dir, const char *suffix, char *err, size_t errlen)
{
	char path[PATH_MAX], pub[MM_KEY_PUBHEX_LEN + 1];
	char *hex;
	int rv;

	if ((rv = key_path(path, sizeof(path), dir, MM_KEY_SECRET_FILE, suffix)) != 0) {
		key_err(err, errlen, "state directory %s: path too long", dir);
		return (rv);
	}
	if ((hex = sodium_malloc(KEY_SECRET_HEX + 2)) == NULL) {
		key_err(err, errlen, "out of memory for a key");
		return (-ENOMEM);
	}
	sodium_bin2hex(hex, KEY_SECRET_HEX + 1, key->k_sk, KEY_SECRET_LEN);
	hex[KEY_SECRET_HEX] = '\n';
	rv = key_write_file(path, hex, KEY_SECRET_HEX + 1, 0600, true, err, errlen);
	sodium_free(hex);
	if (rv != 0)
		return (rv);
	snprintf(pub, sizeof(pub), "%s\n", key->k_pk_hex);
	if ((rv = key_path(path, sizeof(path), dir, MM_KEY_PUBLIC_FILE, suffix)) != 0 ||
		(rv = key_write_file(path, pub, strlen(pub), 0644, false, err, errlen)) != 0)
		return (rv);
	return (key_fsync_dir(dir));
}

int
mm_key_create(const char *dir, struct mm_key **keyp, char *err, size_t errlen)
{
	struct mm_key *key;
	int rv;

	dir = mm_key_state_dir(dir);
	if ((rv = key_mkdirs(dir, err, errlen)) != 0)
		return (rv);
	if ((rv = key_generate(&key, err, errlen)) != 0)
		return (rv);
	if ((rv = key_store(key, dir, "", err, errlen)) != 0) {
		mm_key_free(key);
		return (rv);
	}
	*keyp = key;
	return (0);
}

/* Reads a 64-hex-digit public key file. */
static int
key_read_public(const char *path, unsigned char pk[MM_KEY_PUBLIC_LEN], char *err, size_t errlen)
{
	char buf[KEY_TEXT_MAX];
	size_t len;
	int rv;

	if ((rv = key_read_small(path, buf, sizeof(buf), &len, NULL, err, errlen)) != 0)
		return (rv);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (key_unhex(buf, len, pk, MM_KEY_PUBLIC_LEN) != 0) {
		key_err(err, errlen, "%s: expected a public key of %d hex digits and a newline",
			path, 2 * MM_KEY_PUBLIC_LEN);
		return (-EINVAL);
	}
	return (0);
}

int
mm_key_load_public(const char *path, struct mm_key **keyp, char *err, size_t errlen)
{
	unsigned char pk[MM_KEY_PUBLIC_LEN];
	int rv;

	if ((rv = key_read_public(path, pk, err, errlen)) != 0)
		return (rv);
	if ((rv = mm_key_from_public(pk, keyp)) != 0)
		key_err(err, errlen, "out of memory for a key");
	return (rv);
}

/*
 * A libsodium secret key is seed || public key: a damaged file could hold a
 * public half that is not the seed's and sign with a key it does not name.
 */
static bool
key_halves_match(const unsigned char *sk)
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[MM_KEY_PUBLIC_LEN], sk2[KEY_SECRET_LEN];
	bool ok;

	crypto_sign_ed25519_sk_to_seed(seed, sk);
	crypto_sign_seed_keypair(pk, sk2, seed);
	ok = sodium_memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof(pk)) == 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk2, sizeof(sk2));
	return (ok);
}

/* Loads dir/appliance.key<suffix>; the public key comes from the secret key itself. */
static int
key_load_secret(const char *dir, const char *suffix, struct mm_key **keyp, char *err, size_t errlen)
{
	char path[PATH_MAX];
	char *buf;
	struct stat st;
	struct mm_key *key;
	size_t len = 0;
	int rv;

	if ((rv = key_sodium(err, errlen)) != 0)
		return (rv);
	if ((rv = key_path(path, sizeof(path), dir, MM_KEY_SECRET_FILE, suffix)) != 0) {
		key_err(err, errlen, "state directory %s: path too long", dir);
		return (rv);
	}
	if ((buf = sodium_malloc(KEY_TEXT_MAX)) == NULL || (key = key_alloc(NULL, true)) == NULL) {
		sodium_free(buf);
		key_err(err, errlen, "out of memory for a key");
		return (-ENOMEM);
	}
	if ((rv = key_read_small(path, buf, KEY_TEXT_MAX, &len, &st, err, errlen)) != 0)
		goto fail;
	/* As ssh does: a secret others could have read is no longer a secret. */
	if ((st.st_mode & 077) != 0) {
		key_err(err, errlen, "%s: mode %04o lets others read the secret key; expected 0600",
			path, (unsigned)(st.st_mode & 07777));
		rv = -EPERM;
		goto fail;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (key_unhex(buf, len, key->k_sk, KEY_SECRET_LEN) != 0) {
		key_err(err, errlen, "%s: expected a secret key of %d hex digits and a newline",
			path, KEY_SECRET_HEX);
		rv = -EINVAL;
		goto fail;
	}
	if (!key_halves_match(key->k_sk)) {
		key_err(err, errlen,
			"%s: the public half does not belong to the seed; the file is damaged",
			path);
		rv = -EINVAL;
		goto fail;
	}
	crypto_sign_ed25519_sk_to_pk(key->k_pk, key->k_sk);
	sodium_bin2hex(key->k_pk_hex, sizeof(key->k_pk_hex), key->k_pk, MM_KEY_PUBLIC_LEN);
	mm_key_fingerprint_of(key->k_pk, key->k_fpr);
	sodium_free(buf);
	*keyp = key;
	return (0);
fail:
	sodium_free(buf);
	mm_key_free(key);
	return (rv);
}

int
mm_key_load(const char *dir, struct mm_key **keyp, char *err, size_t errlen)
{
	char path[PATH_MAX], fpr[MM_KEY_FPR_LEN];
	unsigned char pk[MM_KEY_PUBLIC_LEN];
	struct mm_key *key;
	int rv;

	dir = mm_key_state_dir(dir);
	if ((rv = key_load_secret(dir, "", &key, err, errlen)) != 0)
		return (rv);
	if ((rv = key_path(path, sizeof(path), dir, MM_KEY_PUBLIC_FILE, "")) != 0) {
		mm_key_free(key);
		return (rv);
	}
	rv = key_read_public(path, pk, err, errlen);
	if (rv == 0 && sodium_memcmp(pk, key->k_pk, sizeof(pk)) != 0) {
		mm_key_fingerprint_of(pk, fpr);
		key_err(err, errlen,
			"%s (fingerprint %s) is not the public half of %s/%s (fingerprint %s)",
			path, fpr, dir, MM_KEY_SECRET_FILE, key->k_fpr);
		mm_key_free(key);
		return (-EKEYREJECTED);
	}
	/* A missing public file is not an error: the secret key holds the public half. */
	if (rv != 0 && rv != -ENOENT) {
		mm_key_free(key);
		return (rv);
	}
	*keyp = key;
	return (0);
}

int
mm_key_open(const char *dir, bool *created, struct mm_key **keyp, char *err, size_t errlen)
{
	char path[PATH_MAX], pub[MM_KEY_PUBHEX_LEN + 1];
	struct mm_key *key;
	int rv;

	dir = mm_key_state_dir(dir);
	if (created != NULL)
		*created = false;
	rv = mm_key_create(dir, keyp, err, errlen);
	if (rv == 0) {
		if (created != NULL)
			*created = true;
		return (0);
	}
	if (rv != -EEXIST)
		return (rv);
	if ((rv = mm_key_load(dir, &key, err, errlen)) != 0)
		return (rv);
	if ((rv = key_path(path, sizeof(path), dir, MM_KEY_PUBLIC_FILE, "")) == 0 &&
		access(path, F_OK) != 0 && errno == ENOENT) {
		snprintf(pub, sizeof(pub), "%s\n", key->k_pk_hex);
		rv = key_write_file(path, pub, strlen(pub), 0644, false, err, errlen);
	}
	if (rv != 0) {
		mm_key_free(key);
		return (rv);
	}
	*keyp = key;
	return (0);
}

/* An archive suffix no existing file uses: the time, then -2, -3, ... within one second. */
static int
key_archive_suffix(const char *dir, char *suffix, size_t len, char *err, size_t errlen)
{
	char stamp[MM_KEY_TIME_LEN], kpath[PATH_MAX], ppath[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 1; i <= KEY_ARCHIVE_TRIES; i++) {
		int n = i == 1 ? snprintf(suffix, len, ".%s", stamp)
			       : snprintf(suffix, len, ".%s-%d", stamp, i);

		if (n < 0 || (size_t)n >= len ||
			key_path(kpath, sizeof(kpath), dir, MM_KEY_SECRET_FILE, suffix) != 0 ||
			key_path(ppath, sizeof(ppath), dir, MM_KEY_PUBLIC_FILE, suffix) != 0)
			break;
		if (access(kpath, F_OK) != 0 && access(ppath, F_OK) != 0)
			return (0);
	}
	key_err(err, errlen, "state directory %s: no free archive name for the old key", dir);
	return (-EEXIST);
}

/* Links dir/name to dir/name<suffix>, then renames dir/name.new over dir/name. */
static int
key_swap(const char *dir, const char *name, const char *suffix, char *err, size_t errlen)
{
	char cur[PATH_MAX], arch[PATH_MAX], next[PATH_MAX];
	int rv;

	if (key_path(cur, sizeof(cur), dir, name, "") != 0 ||
		key_path(arch, sizeof(arch), dir, name, suffix) != 0 ||
		key_path(next, sizeof(next), dir, name, KEY_NEW_SUFFIX) != 0) {
		key_err(err, errlen, "state directory %s: path too long", dir);
		return (-ENAMETOOLONG);
	}
	if (link(cur, arch) != 0 && errno != ENOENT) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot archive as %s: %s", cur, arch, strerror(-rv));
		return (rv);
	}
	if (rename(next, cur) != 0) {
		rv = -errno;
		key_err(err, errlen, "%s: cannot install %s: %s", cur, next, strerror(-rv));
		return (rv);
	}
	return (0);
}

int
mm_key_rotate(const char *dir, const char *audit_path, const char *actor,
	struct mm_key_rotation *rot, char *err, size_t errlen)
{
	char logpath[PATH_MAX], suffix[MM_KEY_TIME_LEN], path[PATH_MAX];
	struct mm_key *old = NULL, *nkey = NULL;
	struct mm_audit *a = NULL;
	json_t *detail = NULL;
	uint64_t seq = 0;
	int rv;

	dir = mm_key_state_dir(dir);
	if (audit_path == NULL) {
		if ((rv = mm_audit_path(dir, logpath, sizeof(logpath))) != 0) {
			key_err(err, errlen, "state directory %s: path too long", dir);
			return (rv);
		}
		audit_path = logpath;
	}
	if ((rv = mm_key_load(dir, &old, err, errlen)) != 0)
		return (rv);
	if ((rv = key_generate(&nkey, err, errlen)) != 0)
		goto out;
	if ((rv = key_archive_suffix(dir, suffix, sizeof(suffix), err, errlen)) != 0)
		goto out;
	/* Exclusive: a .new left by an interrupted rotation must be looked at, not replaced. */
	if ((rv = key_store(nkey, dir, KEY_NEW_SUFFIX, err, errlen)) != 0) {
		if (rv != -EEXIST)
			goto out_new;
		key_err(err, errlen,
			"%s/%s%s exists: an earlier rotation was interrupted; install it (if the "
			"audit log's last key.init names it) or remove it",
			dir, MM_KEY_SECRET_FILE, KEY_NEW_SUFFIX);
		goto out;
	}
	detail = json_pack("{s:s}", "archived_as", suffix + 1);
	if (detail == NULL) {
		key_err(err, errlen, "out of memory");
		rv = -ENOMEM;
		goto out_new;
	}
	if ((rv = mm_audit_open(audit_path, old, &a, err, errlen)) != 0 ||
		(rv = mm_audit_rotate(a, nkey, actor, detail, &seq, err, errlen)) != 0)
		goto out_new;
	if ((rv = key_swap(dir, MM_KEY_SECRET_FILE, suffix, err, errlen)) != 0 ||
		(rv = key_swap(dir, MM_KEY_PUBLIC_FILE, suffix, err, errlen)) != 0)
		goto out;
	key_fsync_dir(dir);
	if (rot != NULL) {
		memcpy(rot->kr_old_fpr, old->k_fpr, sizeof(rot->kr_old_fpr));
		memcpy(rot->kr_new_fpr, nkey->k_fpr, sizeof(rot->kr_new_fpr));
		snprintf(rot->kr_suffix, sizeof(rot->kr_suffix), "%s", suffix + 1);
		rot->kr_seq = seq;
	}
	goto out;
out_new:
	/* The log never named the new key: drop it. */
	if (key_path(path, sizeof(path), dir, MM_KEY_SECRET_FILE, KEY_NEW_SUFFIX) == 0)
		unlink(path);
	if (key_path(path, sizeof(path), dir, MM_KEY_PUBLIC_FILE, KEY_NEW_SUFFIX) == 0)
		unlink(path);
out:
	mm_audit_close(a);
	json_decref(detail);
	mm_key_free(nkey);
	mm_key_free(old);
	return (rv);
}
