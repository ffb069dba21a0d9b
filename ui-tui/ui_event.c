/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_event.h"

uint64_t
ui_hash(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

struct ui_ev *
ui_ev_new(json_t *obj, const char *raw, size_t len)
{
	struct ui_ev *e;
	json_error_t jerr;
	char *canon;
	const char *ts;

	if (obj == NULL) {
		if ((obj = json_loadb(raw, len, 0, &jerr)) == NULL)
			return (NULL);
	} else {
		json_incref(obj);
	}
	if (!json_is_object(obj) || (e = calloc(1, sizeof(*e))) == NULL) {
		json_decref(obj);
		return (NULL);
	}
	e->e_obj = obj;
	e->e_raw = raw != NULL ? strndup(raw, len) : json_dumps(obj, JSON_COMPACT);
	canon = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	if (e->e_raw == NULL || canon == NULL) {
		free(canon);
		ui_ev_free(e);
		return (NULL);
	}
	e->e_hash = ui_hash(canon, strlen(canon));
	free(canon);
	e->e_type = json_string_value(json_object_get(obj, "event_type"));
	if (e->e_type == NULL)
		e->e_type = "?";
	ts = json_string_value(json_object_get(obj, "timestamp"));
	e->e_ts_ns = ts != NULL ? ui_time_parse(ts) : -1;
	if (e->e_ts_ns < 0)
		e->e_ts_ns = 0;
	return (e);
}

void
ui_ev_free(struct ui_ev *e)
{
	if (e == NULL)
		return;
	json_decref(e->e_obj);
	free(e->e_raw);
	free(e);
}

json_t *
ui_ev_get(const struct ui_ev *e, const char *path)
{
	json_t *v = e->e_obj;
	char part[64];

	while (v != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(part))
			return (NULL);
		memcpy(part, path, n);
		part[n] = '\0';
		v = json_object_get(v, part);
		path += n;
		if (*path == '.')
			path++;
	}
	return (v);
}

/* A scalar as text; "" for objects, arrays and null. */
static const char *
scalar_text(const json_t *v, char *buf, size_t len)
{
	buf[0] = '\0';
	if (json_is_string(v))
		return (json_string_value(v));
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.4g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
	return (buf);
}

const char *
ui_ev_text(const struct ui_ev *e, const char *path, char *buf, size_t len)
{
	json_t *v = ui_ev_get(e, path);

	if (json_is_array(v) || json_is_object(v)) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, len, "%s", s != NULL ? s : "");
		free(s);
		return (buf);
	}
	return (scalar_text(v, buf, len));
}

const char *
ui_ev_endpoint(const struct ui_ev *e, bool dest, char *buf, size_t len)
{
	const char *ip = json_string_value(json_object_get(e->e_obj, dest ? "dest_ip" : "src_ip"));
	json_t *port = json_object_get(e->e_obj, dest ? "dest_port" : "src_port");

	if (ip == NULL)
		snprintf(buf, len, "-");
	else if (!json_is_integer(port))
		snprintf(buf, len, "%s", ip);
	else if (strchr(ip, ':') != NULL)
		snprintf(buf, len, "[%s]:%" JSON_INTEGER_FORMAT, ip, json_integer_value(port));
	else
		snprintf(buf, len, "%s:%" JSON_INTEGER_FORMAT, ip, json_integer_value(port));
	return (buf);
}

/* Appends to buf at *off, never past len. */
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n < len - *off ? (size_t)n : len - *off - 1;
}

/* "27p 6.54kB fin": both directions together; the details have each. */
static void
flow_summary(json_t *f, char *buf, size_t len, size_t *off)
{
	char a[16], b[16];
	const char *reason = json_string_value(json_object_get(f, "reason"));
	json_int_t pkts = json_integer_value(json_object_get(f, "pkts_toserver")) +
			  json_integer_value(json_object_get(f, "pkts_toclient"));
	json_int_t bytes = json_integer_value(json_object_get(f, "bytes_toserver")) +
			   json_integer_value(json_object_get(f, "bytes_toclient"));

	append(buf, len, off, "%sp %sB", ui_fmt_si((double)pkts, a, sizeof(a)),
		ui_fmt_si((double)bytes, b, sizeof(b)));
	if (reason != NULL)
		append(buf, len, off, " %s", reason);
}

const char *
ui_ev_summary(const struct ui_ev *e, char *buf, size_t len)
{
	const char *proto = json_string_value(json_object_get(e->e_obj, "proto"));
	json_t *sub = json_object_get(e->e_obj, e->e_type), *v;
	size_t off = 0;
	const char *k;
	char tmp[64];

	buf[0] = '\0';
	if (proto != NULL)
		append(buf, len, &off, "%s ", proto);
	if (strcmp(e->e_type, "flow") == 0 && json_is_object(sub)) {
		flow_summary(sub, buf, len, &off);
		return (buf);
	}
	if (!json_is_object(sub)) {
		/* No sub-object: the members beyond EVE's header. */
		sub = e->e_obj;
	}
	json_object_foreach(sub, k, v)
	{
		if (sub == e->e_obj &&
			(strcmp(k, "timestamp") == 0 || strcmp(k, "event_type") == 0 ||
				strcmp(k, "src_ip") == 0 || strcmp(k, "dest_ip") == 0 ||
				strcmp(k, "src_port") == 0 || strcmp(k, "dest_port") == 0 ||
				strcmp(k, "proto") == 0 || strcmp(k, "flow_id") == 0 ||
				strcmp(k, "plugin") == 0))
			continue;
		if (json_is_object(v) || json_is_array(v))
			append(buf, len, &off, "%s=%s ", k, json_is_object(v) ? "{..}" : "[..]");
		else
			append(buf, len, &off, "%s=%s ", k, scalar_text(v, tmp, sizeof(tmp)));
	}
	while (off > 0 && buf[off - 1] == ' ')
		buf[--off] = '\0';
	return (buf);
}

char *
ui_ev_pretty(const struct ui_ev *e)
{
	return (json_dumps(e->e_obj, JSON_INDENT(2)));
}

/* Reads n digits; -1 when one is missing. */
static int
digits(const char **sp, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*sp)++) {
		if (!isdigit((unsigned char)**sp))
			return (-1);
		v = v * 10 + (**sp - '0');
	}
	return (v);
}

int64_t
ui_time_parse(const char *s)
{
	struct tm tm;
	int64_t frac = 0, scale = 1000000000, off = 0;
	int y, mo, d, h, mi, se;

	memset(&tm, 0, sizeof(tm));
	if ((y = digits(&s, 4)) < 0 || *s++ != '-' || (mo = digits(&s, 2)) < 0 || *s++ != '-' ||
		(d = digits(&s, 2)) < 0 || (*s != 'T' && *s != 't' && *s != ' '))
		return (-1);
	s++;
	if ((h = digits(&s, 2)) < 0 || *s++ != ':' || (mi = digits(&s, 2)) < 0 || *s++ != ':' ||
		(se = digits(&s, 2)) < 0)
		return (-1);
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1, oh, om;

		if ((oh = digits(&s, 2)) < 0)
			return (-1);
		if (*s == ':')
			s++;
		if ((om = digits(&s, 2)) < 0)
			return (-1);
		off = sign * (oh * 3600 + om * 60);
	} else {
		return (-1);
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return (-1);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (((int64_t)timegm(&tm) - off) * 1000000000 + frac);
}

const char *
ui_time_short(int64_t ns, int64_t now_s, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns <= 0 || localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return (buf);
	}
	if (t <= now_s + 60 && t > now_s - 86400)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%m-%d %H:%M", &tm);
	return (buf);
}

const char *
ui_fmt_si(double v, char *buf, size_t len)
{
	static const char sfx[] = " kMGTPE";
	const char *neg = v < 0 ? "-" : "";
	unsigned i = 0;

	v = fabs(v);
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return (buf);
	}
	if (v < 999.5) {
		snprintf(buf, len, "%s%.0f", neg, v);
		return (buf);
	}
	while (v >= 999.5 && i < sizeof(sfx) - 2) {
		v /= 1000;
		i++;
	}
	if (v < 9.995)
		snprintf(buf, len, "%s%.2f%c", neg, v, sfx[i]);
	else if (v < 99.95)
		snprintf(buf, len, "%s%.1f%c", neg, v, sfx[i]);
	else
		snprintf(buf, len, "%s%.0f%c", neg, v, sfx[i]);
	return (buf);
}

const char *
ui_fmt_count(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return (buf);
}

const char *
ui_fmt_duration(double s, char *buf, size_t len)
{
	uint64_t t = s > 0 ? (uint64_t)s : 0;

	if (t < 60)
		snprintf(buf, len, "%" PRIu64 " s", t);
	else if (t < 3600)
		snprintf(buf, len, "%" PRIu64 " m %02" PRIu64 " s", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%" PRIu64 " h %02" PRIu64 " m", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 " d %02" PRIu64 " h", t / 86400, t % 86400 / 3600);
	return (buf);
}
