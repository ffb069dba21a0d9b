/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorid's control socket: an nng rep socket served from the control
 * thread without blocking.  Requests and answers are JSON:
 *	{"op": "status"}                       -> {"ok": true, ...}
 *	{"op": "stats"}
 *	{"op": "plugins"}
 *	{"op": "plugin.enable", "name": "c2detect"}   (and "plugin.disable")
 *	{"op": "reload"}
 *	{"op": "stop"}
 * Failures answer {"ok": false, "error": "..."}.  Messages above
 * MM_BUS_MAX_MSG are refused by nng itself (NNG_OPT_RECVMAXSZ); malformed
 * requests are answered, counted and logged, never acted on.  An ipc
 * socket is created mode 0600 in a runtime directory of mode 0700.
 */
#ifndef DP_CONTROL_H
#define DP_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct dp_control;

/*
 * What the daemon does for each request; each returns a result or NULL with
 * err set.  actor names who asked ("uid:1000" over ipc, "tcp" otherwise), for
 * the audit log.
 */
struct dp_control_ops {
	json_t *(*co_status)(void *arg);
	json_t *(*co_stats)(void *arg);
	json_t *(*co_plugins)(void *arg);
	int (*co_plugin_enable)(
		void *arg, const char *actor, const char *name, bool on, char *err, size_t errlen);
	json_t *(*co_reload)(void *arg, const char *actor, char *err, size_t errlen);
	void (*co_stop)(void *arg, const char *actor);
};

struct dp_control_stats {
	uint64_t cs_requests;
	uint64_t cs_malformed; /* not JSON, no "op", unknown op, bad arguments */
	uint64_t cs_failed;    /* well-formed, but the daemon could not do it */
};

/* Listens on url (ipc://, tcp://); 0 or a negative errno with err set. */
int dp_control_open(struct dp_control **cp, const char *url, const struct dp_control_ops *ops,
	void *arg, char *err, size_t errlen);
/* Serves every pending request without blocking; returns how many. */
unsigned dp_control_poll(struct dp_control *c);
void dp_control_stats(const struct dp_control *c, struct dp_control_stats *st);
void dp_control_close(struct dp_control *c);

/* Handles one request (exposed for tests and fuzzing): returns the answer. */
json_t *dp_control_handle(struct dp_control *c, const char *actor, const char *req, size_t len);

#endif /* DP_CONTROL_H */
