/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the key pair (keys.c) and file signatures (keys_file.c) share: the key
 * itself and the small file helpers that write through a temporary file.
 */
#ifndef MAMORI_KEYS_INT_H
#define MAMORI_KEYS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sodium.h>

#include "mamori/keys.h"

#define KEY_SECRET_LEN    64 /* crypto_sign_SECRETKEYBYTES: seed || public key */
#define KEY_SECRET_HEX    (2 * KEY_SECRET_LEN)
#define KEY_FPR_BYTES     16
#define KEY_TEXT_MAX      512
#define KEY_SIGFILE_MAX   (16U << 10)
#define KEY_HASH_CHUNK    (64U << 10)
#define KEY_NEW_SUFFIX    ".new"
#define KEY_ARCHIVE_TRIES 100

_Static_assert(KEY_SECRET_LEN == crypto_sign_SECRETKEYBYTES, "libsodium secret key size");
_Static_assert(MM_KEY_PUBLIC_LEN == crypto_sign_PUBLICKEYBYTES, "libsodium public key size");
_Static_assert(MM_KEY_SIG_LEN == crypto_sign_BYTES, "libsodium signature size");

struct mm_key {
	unsigned char k_pk[MM_KEY_PUBLIC_LEN];
	char k_pk_hex[MM_KEY_PUBHEX_LEN];
	char k_fpr[MM_KEY_FPR_LEN];
	unsigned char *k_sk; /* sodium_malloc'd; NULL for a public-only key */
};

void key_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* sodium_init, with a message when it fails. */
int key_sodium(char *err, size_t errlen);
/* Decodes exactly 2 * binlen hex digits, nothing else; -EINVAL otherwise. */
int key_unhex(const char *hex, size_t hexlen, unsigned char *bin, size_t binlen);
/*
 * Writes data to path with mode through path.XXXXXX, fsync'd: linked into
 * place when exclusive (-EEXIST if path exists), renamed over it otherwise.
 */
int key_write_file(const char *path, const void *data, size_t len, mode_t mode, bool exclusive,
	char *err, size_t errlen);
/* Reads a small file whole into buf (NUL-terminated); its fstat into *st when not NULL. */
int key_read_small(const char *path, char *buf, size_t cap, size_t *lenp, struct stat *st,
	char *err, size_t errlen);

#endif /* MAMORI_KEYS_INT_H */
