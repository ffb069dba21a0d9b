/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/ipc/ipc.h>

#include <mamori/bus.h>
#include <mamori/log.h>

#include "control.h"

struct dp_control {
	nng_socket c_sock;
	const struct dp_control_ops *c_ops;
	void *c_arg;
	struct dp_control_stats c_stats;
};

/* Creates the directory of an ipc:// socket, private to its owner. */
static int
ipc_dir(const char *url, char *err, size_t errlen)
{
	char *path, *slash;
	int rv = 0;

	if (strncmp(url, "ipc://", 6) != 0)
		return (0);
	if ((path = strdup(url + 6)) == NULL)
		return (-ENOMEM);
	if ((slash = strrchr(path, '/')) != NULL && slash != path) {
		*slash = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			rv = -errno;
			snprintf(err, errlen, "control socket directory %s: %s", path,
				strerror(errno));
		}
	}
	free(path);
	return (rv);
}

int
dp_control_open(struct dp_control **cp, const char *url, const struct dp_control_ops *ops,
	void *arg, char *err, size_t errlen)
{
	struct dp_control *c;
	nng_listener l;
	int rv;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-ENOMEM);
	c->c_ops = ops;
	c->c_arg = arg;
	if ((rv = ipc_dir(url, err, errlen)) < 0)
		goto fail;
	if ((rv = nng_rep0_open(&c->c_sock)) != 0) {
		snprintf(err, errlen, "control socket: %s", nng_strerror(rv));
		rv = -ENOMEM;
		goto fail;
	}
	nng_socket_set_size(c->c_sock, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG);
	if ((rv = nng_listener_create(&l, c->c_sock, url)) != 0 ||
		(strncmp(url, "ipc://", 6) == 0 &&
			(rv = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0) ||
		(rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG)) != 0 ||
		(rv = nng_listener_start(l, 0)) != 0) {
		snprintf(err, errlen, "control socket %s: %s (is another mamorid running?)", url,
			nng_strerror(rv));
		nng_close(c->c_sock);
		rv = -EADDRINUSE;
		goto fail;
	}
	*cp = c;
	return (0);

fail:
	free(c);
	return (rv);
}

static json_t *answer_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
answer_error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return (json_pack("{s:b, s:s}", "ok", 0, "error", buf));
}

static json_t *
answer_ok(json_t *body, const char *key)
{
	json_t *o = json_pack("{s:b}", "ok", 1);

	if (body != NULL)
		json_object_set_new(o, key, body);
	return (o);
}

json_t *
dp_control_handle(struct dp_control *c, const char *actor, const char *req, size_t len)
{
	const struct dp_control_ops *ops = c->c_ops;
	char err[512] = "";
	json_error_t jerr;
	const char *op, *name;
	json_t *j, *ans, *body;

	c->c_stats.cs_requests++;
	if ((j = json_loadb(req, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
		!json_is_object(j)) {
		c->c_stats.cs_malformed++;
		json_decref(j);
		return (answer_error("request is not a JSON object: %s", jerr.text));
	}
	if ((op = json_string_value(json_object_get(j, "op"))) == NULL) {
		c->c_stats.cs_malformed++;
		json_decref(j);
		return (answer_error("request has no \"op\""));
	}
	if (strcmp(op, "status") == 0) {
		ans = answer_ok(ops->co_status(c->c_arg), "status");
	} else if (strcmp(op, "stats") == 0) {
		ans = answer_ok(ops->co_stats(c->c_arg), "stats");
	} else if (strcmp(op, "plugins") == 0) {
		ans = answer_ok(ops->co_plugins(c->c_arg), "plugins");
	} else if (strcmp(op, "plugin.enable") == 0 || strcmp(op, "plugin.disable") == 0) {
		if ((name = json_string_value(json_object_get(j, "name"))) == NULL) {
			c->c_stats.cs_malformed++;
			ans = answer_error("%s needs a \"name\"", op);
		} else if (ops->co_plugin_enable(
				   c->c_arg, actor, name, op[7] == 'e', err, sizeof(err)) < 0) {
			c->c_stats.cs_failed++;
			ans = answer_error("%s", err);
		} else {
			ans = answer_ok(NULL, NULL);
		}
	} else if (strcmp(op, "reload") == 0) {
		if ((body = ops->co_reload(c->c_arg, actor, err, sizeof(err))) == NULL) {
			c->c_stats.cs_failed++;
			ans = answer_error("reload failed: %s", err);
		} else {
			ans = answer_ok(body, "reload");
		}
	} else if (strcmp(op, "stop") == 0) {
		ops->co_stop(c->c_arg, actor);
		ans = answer_ok(NULL, NULL);
	} else {
		c->c_stats.cs_malformed++;
		ans = answer_error("unknown op '%s' (status, stats, plugins, plugin.enable, "
				   "plugin.disable, reload, stop)",
			op);
	}
	json_decref(j);
	return (ans);
}

unsigned
dp_control_poll(struct dp_control *c)
{
	unsigned served = 0;
	nng_msg *msg;

	while (nng_recvmsg(c->c_sock, &msg, NNG_FLAG_NONBLOCK) == 0) {
		char actor[32] = "control";
		int uid;
		json_t *ans;

		/* Over ipc the kernel tells who is asking. */
		if (nng_pipe_get_int(nng_msg_get_pipe(msg), NNG_OPT_IPC_PEER_UID, &uid) == 0)
			snprintf(actor, sizeof(actor), "uid:%d", uid);
		ans = dp_control_handle(c, actor, nng_msg_body(msg), nng_msg_len(msg));
		char *text = json_dumps(ans, JSON_COMPACT);
		int rv;

		json_decref(ans);
		nng_msg_clear(msg);
		if (text == NULL || nng_msg_append(msg, text, strlen(text)) != 0 ||
			(rv = nng_sendmsg(c->c_sock, msg, NNG_FLAG_NONBLOCK)) != 0) {
			/* The requester went away or is not reading: nothing to tell it. */
			nng_msg_free(msg);
		}
		free(text);
		if (c->c_stats.cs_malformed > 0 && c->c_stats.cs_malformed % 1000 == 1)
			mm_warn("control: %llu malformed requests so far",
				(unsigned long long)c->c_stats.cs_malformed);
		served++;
	}
	return (served);
}

void
dp_control_stats(const struct dp_control *c, struct dp_control_stats *st)
{
	*st = c->c_stats;
}

void
dp_control_close(struct dp_control *c)
{
	if (c == NULL)
		return;
	nng_close(c->c_sock);
	free(c);
}
