/* SPDX-License-Identifier: BSD-3-Clause */
/* Trust material: anchors, intermediates and CRLs from files and directories. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "es_trust.h"

/* Trust files are small; a larger one is a mistake in the configuration. */
#define ES_TRUST_FILE_MAX (64u << 20)

int
es_trust_init(struct es_trust *t)
{
	memset(t, 0, sizeof(*t));
	t->t_store = X509_STORE_new();
	t->t_anchors = sk_X509_new_null();
	t->t_intermediates = sk_X509_new_null();
	t->t_crls = sk_X509_CRL_new_null();
	if (t->t_store == NULL || t->t_anchors == NULL || t->t_intermediates == NULL ||
		t->t_crls == NULL) {
		es_trust_free(t);
		return (-ENOMEM);
	}
	return (0);
}

void
es_trust_free(struct es_trust *t)
{
	X509_STORE_free(t->t_store);
	sk_X509_pop_free(t->t_anchors, X509_free);
	sk_X509_pop_free(t->t_intermediates, X509_free);
	sk_X509_CRL_pop_free(t->t_crls, X509_CRL_free);
	free(t->t_info);
	memset(t, 0, sizeof(*t));
}

static bool
es_trust_has(STACK_OF(X509) * sk, X509 *x)
{
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return (true);
	return (false);
}

int
es_trust_add_anchor(struct es_trust *t, X509 *x, const struct es_anchor_info *info)
{
	size_t n = (size_t)sk_X509_num(t->t_anchors);
	struct es_anchor_info *ni;

	if (es_trust_has(t->t_anchors, x))
		return (0);
	if (n >= t->t_info_cap) {
		size_t cap = t->t_info_cap == 0 ? 16 : t->t_info_cap * 2;

		ni = realloc(t->t_info, cap * sizeof(*ni));
		if (ni == NULL)
			return (-ENOMEM);
		t->t_info = ni;
		t->t_info_cap = cap;
	}
	if (!X509_STORE_add_cert(t->t_store, x))
		return (-ENOMEM);
	if (!X509_up_ref(x) || !sk_X509_push(t->t_anchors, x))
		return (-ENOMEM);
	if (info != NULL)
		t->t_info[n] = *info;
	else
		memset(&t->t_info[n], 0, sizeof(t->t_info[n]));
	return (1);
}

const struct es_anchor_info *
es_trust_anchor_info(const struct es_trust *t, X509 *x)
{
	for (int i = 0; i < sk_X509_num(t->t_anchors); i++)
		if (X509_cmp(sk_X509_value(t->t_anchors, i), x) == 0)
			return (&t->t_info[i]);
	return (NULL);
}

bool
es_anchor_trusted_at(const struct es_anchor_info *ai, int64_t at)
{
	if (ai == NULL || ai->ai_nwindows == 0)
		return (true);
	for (int i = 0; i < ai->ai_nwindows; i++)
		if (at >= ai->ai_windows[i].w_from && at < ai->ai_windows[i].w_until)
			return (true);
	return (false);
}

static int
es_trust_add_cert(struct es_trust *t, X509 *x, bool anchor, const char *path)
{
	struct es_anchor_info info;

	if (!anchor) {
		if (es_trust_has(t->t_intermediates, x))
			return (0);
		if (!X509_up_ref(x))
			return (-ENOMEM);
		if (!sk_X509_push(t->t_intermediates, x)) {
			X509_free(x);
			return (-ENOMEM);
		}
		return (1);
	}
	memset(&info, 0, sizeof(info));
	snprintf(info.ai_source, sizeof(info.ai_source), "%s", path);
	return (es_trust_add_anchor(t, x, &info));
}

/* One file: PEM (certificates and CRLs), else one DER certificate or CRL. */
static int
es_trust_add_file(struct es_trust *t, const char *path, bool anchor, char *err, size_t errlen)
{
	STACK_OF(X509_INFO) * infos;
	X509_INFO *xi;
	BIO *bio;
	X509 *x;
	X509_CRL *crl;
	struct stat st;
	int n = 0, rv;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if ((size_t)st.st_size > ES_TRUST_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than 64 MiB, not a trust file", path);
		return (-1);
	}
	if ((bio = BIO_new_file(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return (-1);
	}
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	if (infos != NULL && sk_X509_INFO_num(infos) > 0) {
		for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
			xi = sk_X509_INFO_value(infos, i);
			if (xi->x509 != NULL) {
				if ((rv = es_trust_add_cert(t, xi->x509, anchor, path)) < 0)
					break;
				n += rv > 0;
			}
			if (xi->crl != NULL && X509_CRL_up_ref(xi->crl) &&
				!sk_X509_CRL_push(t->t_crls, xi->crl))
				X509_CRL_free(xi->crl);
		}
		sk_X509_INFO_pop_free(infos, X509_INFO_free);
		BIO_free(bio);
		return (n);
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	(void)BIO_reset(bio);
	if ((x = d2i_X509_bio(bio, NULL)) != NULL) {
		rv = es_trust_add_cert(t, x, anchor, path);
		X509_free(x);
		BIO_free(bio);
		return (rv < 0 ? -1 : rv);
	}
	ERR_clear_error();
	(void)BIO_reset(bio);
	if ((crl = d2i_X509_CRL_bio(bio, NULL)) != NULL) {
		if (!sk_X509_CRL_push(t->t_crls, crl))
			X509_CRL_free(crl);
		BIO_free(bio);
		return (0);
	}
	ERR_clear_error();
	BIO_free(bio);
	snprintf(err, errlen, "%s: neither PEM nor a DER certificate or CRL", path);
	return (-1);
}

/* In a directory, only certificate and CRL files count (README and the like do not). */
static bool
es_trust_named(const char *name)
{
	static const char *const ext[] = { ".pem", ".crt", ".cer", ".der", ".crl", NULL };
	size_t n = strlen(name);

	for (int i = 0; ext[i] != NULL; i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strcasecmp(name + n - e, ext[i]) == 0)
			return (true);
	}
	return (false);
}

int
es_trust_add_path(struct es_trust *t, const char *path, bool anchor, char *err, size_t errlen)
{
	char file[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int n = 0, rv;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		return (es_trust_add_file(t, path, anchor, err, errlen));
	if ((d = opendir(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !es_trust_named(de->d_name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((rv = es_trust_add_file(t, file, anchor, err, errlen)) < 0) {
			closedir(d);
			return (-1);
		}
		n += rv;
	}
	closedir(d);
	return (n);
}
