/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JetStream sink's names: subjects are mamori.<site>.<event_type>, so a
 * site and an event type must each be one subject token; the cluster URL
 * names the servers and, as parameters, the site and the credentials.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter_sink.h"
#include "sink_jetstream_int.h"

static bool
token_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-');
}

static uint32_t
skip_space(const char *s, uint32_t i, uint32_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return (i);
}

/*
 * The event's type as a subject token: the top-level "event_type" string if
 * its characters are safe, else "invalid".  A scan of the exporter's own
 * JSON, not a parse: parsing every event was most of this thread's time.
 */
void
js_type_token(const char *json, uint32_t len, char *out, size_t outlen)
{
	static const char key[] = "\"event_type\"";
	int depth = 0;

	for (uint32_t i = 0; i < len; i++) {
		uint32_t start = i, v, e;

		if (json[i] == '{' || json[i] == '[') {
			depth++;
			continue;
		}
		if (json[i] == '}' || json[i] == ']') {
			depth--;
			continue;
		}
		if (json[i] != '"')
			continue;
		for (i++; i < len && json[i] != '"'; i++)
			if (json[i] == '\\')
				i++;
		if (i >= len)
			break;
		if (depth != 1 || i + 1 - start != sizeof(key) - 1 ||
			memcmp(json + start, key, sizeof(key) - 1) != 0)
			continue;
		v = skip_space(json, i + 1, len);
		if (v >= len || json[v] != ':')
			continue; /* a value "event_type", not the key */
		v = skip_space(json, v + 1, len);
		if (v >= len || json[v] != '"')
			break;
		for (e = ++v; e < len && token_char(json[e]); e++)
			;
		if (e < len && json[e] == '"' && e > v && e - v < outlen) {
			memcpy(out, json + v, e - v);
			out[e - v] = '\0';
			return;
		}
		break;
	}
	snprintf(out, outlen, "invalid");
}

/* A site name is one subject token: letters, digits, '-' and '_'. */
bool
js_site_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > JS_SITE_MAX)
		return (false);
	for (size_t i = 0; i < n; i++)
		if (!token_char(s[i]))
			return (false);
	return (true);
}

/* The host name up to its first dot, with characters a subject cannot take made '-'. */
void
js_site_default(char *out, size_t outlen)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "appliance");
	host[strcspn(host, ".")] = '\0';
	for (char *p = host; *p != '\0'; p++)
		if (!token_char(*p))
			*p = '-';
	snprintf(out, outlen, "%.*s", JS_SITE_MAX, host);
}

/* "nats://a:4222,tls://b:4222?site=x&creds=/f" into servers and parameters. */
static int
js_url_split(const char *url, const char *shown, struct js_url *u, char *err, size_t errlen)
{
	char *q, *tok, *save = NULL;

	memset(u, 0, sizeof(*u));
	if ((u->ju_buf = strdup(url)) == NULL) {
		snprintf(err, errlen, "jetstream: out of memory");
		return (-ENOMEM);
	}
	if ((q = strchr(u->ju_buf, '?')) != NULL)
		*q++ = '\0';
	for (tok = strtok_r(u->ju_buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "nats://", 7) != 0 && strncmp(tok, "tls://", 6) != 0) {
			snprintf(err, errlen,
				"jetstream %s: a server is not nats://HOST:PORT or "
				"tls://HOST:PORT",
				shown);
			return (-EINVAL);
		}
		if (u->ju_nservers == JS_SERVERS_MAX) {
			snprintf(err, errlen, "jetstream %s: more than %d servers", shown,
				JS_SERVERS_MAX);
			return (-EINVAL);
		}
		u->ju_servers[u->ju_nservers++] = tok;
	}
	if (u->ju_nservers == 0) {
		snprintf(err, errlen, "jetstream %s: no server; expected nats://HOST:PORT[,...]",
			url);
		return (-EINVAL);
	}
	for (tok = q != NULL ? strtok_r(q, "&", &save) : NULL; tok != NULL;
		tok = strtok_r(NULL, "&", &save)) {
		if (strncmp(tok, "site=", 5) == 0) {
			u->ju_site = tok + 5;
		} else if (strncmp(tok, "creds=", 6) == 0) {
			u->ju_creds = tok + 6;
		} else {
			snprintf(err, errlen,
				"jetstream %s: unknown parameter '%s'; expected site=NAME or "
				"creds=FILE",
				shown, tok);
			return (-EINVAL);
		}
	}
	return (0);
}

int
js_url_parse(const char *url, struct js_url *u, char *err, size_t errlen)
{
	char *shown = ex_url_redact(url);
	int rv = js_url_split(url, shown != NULL ? shown : "(URL)", u, err, errlen);

	free(shown);
	return (rv);
}

int
ex_jetstream_url_check(const char *url, char *err, size_t errlen)
{
	struct js_url u;
	int rv = js_url_parse(url, &u, err, errlen);

	if (rv == 0 && u.ju_site != NULL && !js_site_valid(u.ju_site)) {
		snprintf(err, errlen,
			"jetstream %s: site '%s': expected 1 to %d letters, digits, "
			"'-' or '_'",
			url, u.ju_site, JS_SITE_MAX);
		rv = -EINVAL;
	}
	free(u.ju_buf);
	return (rv);
}
