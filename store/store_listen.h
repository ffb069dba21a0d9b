/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening the store's sockets on their URLs: ipc (with file permissions and
 * the runtime directory), tcp and tls+tcp (certificate, key, CA and an
 * optional demand for a client certificate).  Every socket gets
 * NNG_OPT_RECVMAXSZ = MM_BUS_MAX_MSG: nng's default is unlimited.
 */
#ifndef STORE_LISTEN_H
#define STORE_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <nng/nng.h>

struct store_listen_conf {
	const char *lc_tls_cert; /* PEM files; needed by tls+tcp:// URLs */
	const char *lc_tls_key;
	const char *lc_tls_ca; /* verifies client certificates when given */
	bool lc_tls_require_client;
	bool lc_has_group; /* ipc: directory 0750 and sockets 0660 with group lc_gid */
	gid_t lc_gid;
};

/*
 * Creates dir (one level) if missing: 0700, or 0750 with the group.  An
 * existing directory is left as it is, with a warning if others can enter it.
 */
int store_rundir_make(
	const char *dir, const struct store_listen_conf *conf, char *err, size_t errlen);

/*
 * Opens a socket with open_fn (nng_rep0_open, nng_pub0_open) and listens on
 * each of urls[0..n-1].  Returns 0, or a negative errno with the URL and the
 * reason in err (the socket is then closed).
 */
int store_listen_open(nng_socket *s, int (*open_fn)(nng_socket *), const char *const *urls,
	size_t n, const struct store_listen_conf *conf, char *err, size_t errlen);

#endif /* STORE_LISTEN_H */
