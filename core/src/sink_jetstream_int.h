/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JetStream sink's names: the subject tokens it makes of sites and
 * event types, and the cluster URL it reads (sink_jetstream_names.c).
 */
#ifndef MM_SINK_JETSTREAM_INT_H
#define MM_SINK_JETSTREAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JS_SITE_MAX    64
#define JS_SERVERS_MAX 32
#define JS_TYPE_MAX    65

/* A cluster URL taken apart; the strings point into ju_buf (free() it). */
struct js_url {
	char *ju_buf;
	const char *ju_servers[JS_SERVERS_MAX];
	int ju_nservers;
	const char *ju_site;
	const char *ju_creds;
};

/* "nats://a:4222,tls://b:4222?site=x&creds=/f" into u; 0 or -errno with err set. */
int js_url_parse(const char *url, struct js_url *u, char *err, size_t errlen);
/* The event's type as a subject token in out, or "invalid". */
void js_type_token(const char *json, uint32_t len, char *out, size_t outlen);
/* A site name is one subject token: 1 to JS_SITE_MAX letters, digits, '-' and '_'. */
bool js_site_valid(const char *s);
/* The host name up to its first dot, made a subject token. */
void js_site_default(char *out, size_t outlen);

#endif /* MM_SINK_JETSTREAM_INT_H */
