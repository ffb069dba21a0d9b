/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipc sockets are files: their directory decides who may reach them, so it
 * is created private (0700, or 0750 for an operators' group) and the sockets
 * get 0600 (0660).  nng removes a stale socket file left by a killed process
 * when it listens again.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include <mamori/bus.h>
#include <mamori/log.h>

#include "store_listen.h"

#define IPC_PREFIX "ipc://"
#define TLS_PREFIX "tls+tcp://"

static int
errno_of_nng(int rv)
{
	switch (rv) {
	case NNG_ENOMEM:
		return (-ENOMEM);
	case NNG_EADDRINUSE:
		return (-EADDRINUSE);
	case NNG_EADDRINVAL:
	case NNG_EINVAL:
		return (-EINVAL);
	case NNG_EPERM:
		return (-EPERM);
	case NNG_ENOTSUP:
		return (-ENOTSUP);
	default:
		return (-EIO);
	}
}

int
store_rundir_make(const char *dir, const struct store_listen_conf *conf, char *err, size_t errlen)
{
	mode_t mode = conf->lc_has_group ? 0750 : 0700;
	struct stat sb;
	int rv;

	if (mkdir(dir, mode) == 0) {
		/* mkdir applies the umask; the mode is the point here. */
		if (chmod(dir, mode) != 0 ||
			(conf->lc_has_group && chown(dir, (uid_t)-1, conf->lc_gid) != 0)) {
			rv = -errno;
			snprintf(err, errlen, "%s: cannot set mode %03o%s: %s", dir, (unsigned)mode,
				conf->lc_has_group ? " and group" : "", strerror(-rv));
			return (rv);
		}
		return (0);
	}
	if (errno != EEXIST) {
		rv = -errno;
		snprintf(err, errlen, "%s: cannot create the runtime directory: %s", dir,
			strerror(-rv));
		return (rv);
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: expected a directory for the store's sockets", dir);
		return (-ENOTDIR);
	}
	if (sb.st_mode & 0007)
		mm_warn("%s: others may reach the store's sockets (mode %03o); expected 0700 or "
			"0750",
			dir, (unsigned)(sb.st_mode & 0777));
	return (0);
}

/* Reads a PEM file whole and NUL-terminated, as nng's TLS setters want it. */
static int
read_pem(const char *path, const char *what, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	int rv = 0;

	*out = NULL;
	if (f == NULL) {
		rv = -errno;
		snprintf(err, errlen, "%s: cannot read the TLS %s: %s", path, what, strerror(-rv));
		return (rv);
	}
	/* PEM is text: reading up to a NUL reads the whole file. */
	if (getdelim(out, &cap, '\0', f) <= 0) {
		rv = ferror(f) ? -EIO : -EINVAL;
		snprintf(err, errlen, "%s: cannot read the TLS %s: %s", path, what,
			rv == -EIO ? strerror(errno) : "empty file");
		free(*out);
		*out = NULL;
	}
	fclose(f);
	return (rv);
}

static int
tls_config(nng_tls_config **cfgp, const struct store_listen_conf *conf, const char *url, char *err,
	size_t errlen)
{
	char *cert = NULL, *key = NULL, *ca = NULL;
	nng_tls_config *cfg = NULL;
	const char *step;
	int rv;

	if (conf->lc_tls_cert == NULL || conf->lc_tls_key == NULL) {
		snprintf(err, errlen,
			"%s: a tls+tcp listener needs a certificate and a key (store.tls.cert and "
			"store.tls.key, or --tls-cert and --tls-key)",
			url);
		return (-EINVAL);
	}
	if (conf->lc_tls_require_client && conf->lc_tls_ca == NULL) {
		snprintf(err, errlen,
			"%s: requiring client certificates needs a CA to check them against "
			"(store.tls.ca or --tls-ca)",
			url);
		return (-EINVAL);
	}
	if ((rv = read_pem(conf->lc_tls_cert, "certificate", &cert, err, errlen)) < 0 ||
		(rv = read_pem(conf->lc_tls_key, "key", &key, err, errlen)) < 0 ||
		(conf->lc_tls_ca != NULL &&
			(rv = read_pem(conf->lc_tls_ca, "CA", &ca, err, errlen)) < 0))
		goto out;
	step = "allocate a TLS configuration";
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0)
		goto fail;
	step = "load the certificate and key";
	if ((rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0)
		goto fail;
	if (ca != NULL) {
		step = "load the CA";
		if ((rv = nng_tls_config_ca_chain(cfg, ca, NULL)) != 0)
			goto fail;
	}
	step = "set the client authentication mode";
	if ((rv = nng_tls_config_auth_mode(cfg, conf->lc_tls_require_client
							? NNG_TLS_AUTH_MODE_REQUIRED
						: ca != NULL ? NNG_TLS_AUTH_MODE_OPTIONAL
							     : NNG_TLS_AUTH_MODE_NONE)) != 0)
		goto fail;
	*cfgp = cfg;
	rv = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s: cannot %s (%s, %s): %s", url, step, conf->lc_tls_cert,
		conf->lc_tls_key, nng_strerror(rv));
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	rv = errno_of_nng(rv);
out:
	free(cert);
	free(key);
	free(ca);
	return (rv);
}

/* Makes sure an ipc socket's directory exists (the runtime directory, usually). */
static int
ipc_prepare(const char *url, const struct store_listen_conf *conf, char *err, size_t errlen)
{
	char *path = strdup(url + strlen(IPC_PREFIX)), *dir;
	int rv;

	if (path == NULL)
		return (-ENOMEM);
	dir = dirname(path);
	rv = strcmp(dir, ".") == 0 ? 0 : store_rundir_make(dir, conf, err, errlen);
	free(path);
	return (rv);
}

static int
listen_one(nng_socket s, const char *url, const struct store_listen_conf *conf, char *err,
	size_t errlen)
{
	bool ipc = strncmp(url, IPC_PREFIX, strlen(IPC_PREFIX)) == 0;
	nng_tls_config *tls = NULL;
	nng_listener l;
	const char *step;
	int rv;

	if (ipc && (rv = ipc_prepare(url, conf, err, errlen)) < 0)
		return (rv);
	step = "create a listener";
	if ((rv = nng_listener_create(&l, s, url)) != 0)
		goto fail;
	step = "set the receive limit";
	if ((rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG)) != 0)
		goto fail_close;
	if (ipc) {
		step = "set the socket file's permissions";
		if ((rv = nng_listener_set_int(
			     l, NNG_OPT_IPC_PERMISSIONS, conf->lc_has_group ? 0660 : 0600)) != 0)
			goto fail_close;
	}
	if (strncmp(url, TLS_PREFIX, strlen(TLS_PREFIX)) == 0) {
		if ((rv = tls_config(&tls, conf, url, err, errlen)) < 0) {
			nng_listener_close(l);
			return (rv);
		}
		step = "set the TLS configuration";
		/* The listener holds its own reference. */
		rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls);
		nng_tls_config_free(tls);
		if (rv != 0)
			goto fail_close;
	}
	step = "listen";
	if ((rv = nng_listener_start(l, 0)) != 0)
		goto fail_close;
	if (ipc && conf->lc_has_group &&
		chown(url + strlen(IPC_PREFIX), (uid_t)-1, conf->lc_gid) != 0) {
		rv = -errno;
		snprintf(err, errlen, "%s: cannot give the socket file to group %u: %s", url,
			(unsigned)conf->lc_gid, strerror(-rv));
		return (rv);
	}
	return (0);
fail_close:
	nng_listener_close(l);
fail:
	snprintf(err, errlen, "%s: cannot %s: %s", url, step, nng_strerror(rv));
	return (errno_of_nng(rv));
}

int
store_listen_open(nng_socket *s, int (*open_fn)(nng_socket *), const char *const *urls, size_t n,
	const struct store_listen_conf *conf, char *err, size_t errlen)
{
	int rv;

	if ((rv = open_fn(s)) != 0) {
		snprintf(err, errlen, "cannot open an nng socket: %s", nng_strerror(rv));
		return (errno_of_nng(rv));
	}
	if ((rv = nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG)) != 0) {
		snprintf(err, errlen, "cannot set the receive limit: %s", nng_strerror(rv));
		nng_close(*s);
		return (errno_of_nng(rv));
	}
	for (size_t i = 0; i < n; i++) {
		if ((rv = listen_one(*s, urls[i], conf, err, errlen)) < 0) {
			nng_close(*s);
			return (rv);
		}
	}
	return (0);
}
