/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Threat-intelligence feeds: see feeds.h.
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "allow.h"
#include "feeds.h"

void
c2_feeds_init(struct c2_feeds *f)
{
	memset(f, 0, sizeof(*f));
}

void
c2_feeds_fini(struct c2_feeds *f)
{
	for (size_t i = 0; i < f->fd_nnames; i++)
		free(f->fd_names[i]);
	free(f->fd_names);
	free(f->fd_v);
	memset(f, 0, sizeof(*f));
}

static int
add_entry(struct c2_feeds *f, const uint8_t addr[16], int64_t when)
{
	if (f->fd_n == f->fd_cap) {
		size_t cap = f->fd_cap ? 2 * f->fd_cap : 64;
		struct c2_feed_entry *v = realloc(f->fd_v, cap * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		f->fd_v = v;
		f->fd_cap = cap;
	}
	memcpy(f->fd_v[f->fd_n].fe_addr, addr, 16);
	f->fd_v[f->fd_n].fe_published = when;
	f->fd_v[f->fd_n].fe_feed = (uint32_t)(f->fd_nnames - 1);
	f->fd_n++;
	return (0);
}

/* ISO 8601 ("2024-05-01T10:00:00Z", "2024-05-01 10:00:00", "2024-05-01") or Unix seconds. */
static int
parse_time(const char *s, int64_t *out)
{
	static const char *const fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d" };
	const char *p;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) >= 9 &&
		strlen(s) <= 11) {
		*out = strtoll(s, NULL, 10);
		return (0);
	}
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		if ((p = strptime(s, fmts[i], &tm)) == NULL)
			continue;
		if (*p == '.')
			p += 1 + strspn(p + 1, "0123456789");
		if (*p != '\0' && strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0 &&
			strcmp(p, " UTC") != 0)
			continue;
		*out = (int64_t)timegm(&tm);
		return (0);
	}
	return (-EINVAL);
}

/* Strips blanks, and with quotes one pair of quotes, in place. */
static char *
trim(char *s, bool quotes)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (quotes && e - s >= 2 && (*s == '"' || *s == '\'') && e[-1] == *s) {
		e[-1] = '\0';
		s++;
	}
	return (s);
}

/* A plain list or CSV: one entry a line. */
static long
parse_lines(struct c2_feeds *f, const char *name, char *text, int64_t def_time, char *err,
	size_t errlen)
{
	unsigned lineno = 0;
	long added = 0;

	for (char *line = text, *next; line != NULL; line = next) {
		char *fields[32], *p, *fsave = NULL;
		uint8_t addr[16];
		int64_t when = def_time;
		int nf = 0, got = 0, timed = 0;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		p = trim(line, false);
		if (*p == '\0' || *p == '#')
			continue;
		for (char *fld = strtok_r(p, ",;\t", &fsave); fld != NULL && nf < 32;
			fld = strtok_r(NULL, ",;\t", &fsave))
			fields[nf++] = trim(fld, true);
		if (nf == 0)
			continue; /* separators only */
		for (int i = 0; i < nf; i++) {
			char *slash;

			if (!got) {
				if ((slash = strchr(fields[i], '/')) != NULL)
					*slash = '\0';
				if (c2_addr_parse(fields[i], addr) == 0) {
					got = 1;
					continue;
				}
				if (slash != NULL)
					*slash = '/';
			}
			if (!timed && parse_time(fields[i], &when) == 0)
				timed = 1;
		}
		if (!got) {
			/* A header line is not an error; anything after one is. */
			if (lineno > 1 && f->fd_bad++ == 0)
				snprintf(err, errlen,
					"feed %s, line %u: no IPv4 or IPv6 address in '%.60s'",
					name, lineno, fields[0]);
			continue;
		}
		if (add_entry(f, addr, when) < 0)
			return (-ENOMEM);
		added++;
	}
	return (added);
}

/* Every "ipv4-addr:value = '...'" or ipv6 comparison of a STIX pattern. */
static int
pattern_addrs(struct c2_feeds *f, const char *pattern, int64_t when, long *added)
{
	const char *p = pattern;

	while ((p = strstr(p, "-addr:value")) != NULL) {
		const char *q, *e;
		char buf[64];
		uint8_t addr[16];
		size_t n;

		p += strlen("-addr:value");
		q = p + strspn(p, " ");
		if (*q != '=')
			continue;
		q++;
		q += strspn(q, " ");
		if (*q != '\'' || (e = strchr(q + 1, '\'')) == NULL)
			continue;
		n = (size_t)(e - q - 1);
		if (n == 0 || n >= sizeof(buf))
			continue;
		memcpy(buf, q + 1, n);
		buf[n] = '\0';
		if (strchr(buf, '/') != NULL)
			*strchr(buf, '/') = '\0';
		if (c2_addr_parse(buf, addr) != 0) {
			f->fd_bad++;
			continue;
		}
		if (add_entry(f, addr, when) < 0)
			return (-ENOMEM);
		(*added)++;
		p = e;
	}
	return (0);
}

static long
parse_stix(struct c2_feeds *f, const char *name, const char *buf, size_t len, int64_t def_time,
	char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *objs, *o;
	long added = 0;
	size_t i;
	int rv = 0;

	if ((root = json_loadb(buf, len, 0, &je)) == NULL) {
		snprintf(err, errlen, "feed %s, line %d: not JSON: %s", name, je.line, je.text);
		return (-EINVAL);
	}
	objs = json_object_get(root, "objects");
	if (!json_is_string(json_object_get(root, "type")) ||
		strcmp(json_string_value(json_object_get(root, "type")), "bundle") != 0 ||
		!json_is_array(objs)) {
		snprintf(err, errlen,
			"feed %s: a STIX 2.1 bundle was expected ({\"type\": \"bundle\", "
			"\"objects\": [...]})",
			name);
		json_decref(root);
		return (-EINVAL);
	}
	json_array_foreach(objs, i, o)
	{
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *pat = json_string_value(json_object_get(o, "pattern"));
		const char *vf = json_string_value(json_object_get(o, "valid_from"));
		int64_t when = def_time;

		if (type == NULL || strcmp(type, "indicator") != 0)
			continue;
		if (vf == NULL)
			vf = json_string_value(json_object_get(o, "created"));
		if (pat == NULL || (vf != NULL && parse_time(vf, &when) != 0)) {
			if (f->fd_bad++ == 0)
				snprintf(err, errlen,
					"feed %s, object %zu: an indicator needs a pattern and an "
					"ISO 8601 valid_from",
					name, i);
			continue;
		}
		if ((rv = pattern_addrs(f, pat, when, &added)) < 0)
			break;
	}
	json_decref(root);
	return (rv < 0 ? rv : added);
}

long
c2_feeds_parse(struct c2_feeds *f, const char *name, const char *buf, size_t len, int64_t def_time,
	char *err, size_t errlen)
{
	char **names, *text;
	size_t i = 0;
	long rv;

	if ((names = realloc(f->fd_names, (f->fd_nnames + 1) * sizeof(*names))) == NULL)
		return (-ENOMEM);
	f->fd_names = names;
	if ((names[f->fd_nnames] = strdup(name)) == NULL)
		return (-ENOMEM);
	f->fd_nnames++;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i < len && buf[i] == '{')
		return (parse_stix(f, name, buf, len, def_time, err, errlen));
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen,
			"feed %s: binary content; a list, CSV or STIX bundle expected", name);
		return (-EINVAL);
	}
	if ((text = malloc(len + 1)) == NULL)
		return (-ENOMEM);
	memcpy(text, buf, len);
	text[len] = '\0';
	rv = parse_lines(f, name, text, def_time, err, errlen);
	free(text);
	return (rv);
}

long
c2_feeds_load(struct c2_feeds *f, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	long rv;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL || fstat(fileno(fp), &st) != 0) {
		rv = -errno;
		snprintf(err, errlen, "feed %s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return (rv);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(fp);
		return (-ENOMEM);
	}
	len = fread(buf, 1, (size_t)st.st_size, fp);
	fclose(fp);
	rv = c2_feeds_parse(f, path, buf, len, (int64_t)st.st_mtime, err, errlen);
	free(buf);
	return (rv);
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct c2_feed_entry *x = a, *y = b;
	int c = memcmp(x->fe_addr, y->fe_addr, 16);

	if (c != 0)
		return (c);
	return ((x->fe_published > y->fe_published) - (x->fe_published < y->fe_published));
}

void
c2_feeds_finish(struct c2_feeds *f)
{
	if (f->fd_n > 1)
		qsort(f->fd_v, f->fd_n, sizeof(*f->fd_v), cmp_entry);
}

const struct c2_feed_entry *
c2_feeds_first(const struct c2_feeds *f, const uint8_t addr[16])
{
	size_t lo = 0, hi = f->fd_n;

	/* The first entry of the address: the earliest, as sorted. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(f->fd_v[mid].fe_addr, addr, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->fd_n && memcmp(f->fd_v[lo].fe_addr, addr, 16) == 0)
		return (&f->fd_v[lo]);
	return (NULL);
}

struct c2_detection *
c2_detections_add(
	struct c2_detections *d, const struct c2_feeds *f, const uint8_t addr[16], int64_t when)
{
	const struct c2_feed_entry *e;
	struct c2_detection *x;

	for (size_t i = 0; i < d->dt_n; i++)
		if (memcmp(d->dt_v[i].d_addr, addr, 16) == 0)
			return (&d->dt_v[i]);
	if (d->dt_n == d->dt_cap) {
		size_t cap = d->dt_cap ? 2 * d->dt_cap : 32;
		struct c2_detection *v = realloc(d->dt_v, cap * sizeof(*v));

		if (v == NULL)
			return (NULL);
		d->dt_v = v;
		d->dt_cap = cap;
	}
	x = &d->dt_v[d->dt_n++];
	memset(x, 0, sizeof(*x));
	memcpy(x->d_addr, addr, 16);
	x->d_time = when;
	if ((e = c2_feeds_first(f, addr)) != NULL) {
		x->d_listed = e->fe_published;
		x->d_feed = e->fe_feed;
	}
	return (x);
}

size_t
c2_detections_before_feeds(const struct c2_detections *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->dt_n; i++)
		n += d->dt_v[i].d_listed == 0 || d->dt_v[i].d_listed > d->dt_v[i].d_time;
	return (n);
}

void
c2_detections_fini(struct c2_detections *d)
{
	free(d->dt_v);
	memset(d, 0, sizeof(*d));
}
