/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subscriber mapping: the two files' parsers and the assignment lookup.  The
 * prefix lookup is in sublpm.c (it needs DPDK).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "subscriber.h"
#include "textfile.h"

struct iot_subs *
iot_subs_new(void)
{
	return (calloc(1, sizeof(struct iot_subs)));
}

void
iot_subs_free_tables(struct iot_subs *s)
{
	if (s == NULL)
		return;
	free(s->s_isps);
	free(s->s_prefixes);
	free(s->s_assigns);
	free(s);
}

int
iot_prefix_parse(const char *s, struct mm_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint8_t b[16];
	unsigned long len;
	unsigned max;
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return (-EINVAL);
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, b) == 1) {
		p->p_addr.a_bytes[10] = p->p_addr.a_bytes[11] = 0xff;
		memcpy(p->p_addr.a_bytes + 12, b, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, buf, b) == 1) {
		memcpy(p->p_addr.a_bytes, b, 16);
		max = 128;
	} else {
		return (-EINVAL);
	}
	len = max;
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1]))
			return (-EINVAL);
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || len > max)
			return (-EINVAL);
	}
	p->p_len = (uint8_t)(len + 128 - max);
	for (unsigned i = p->p_len; i < 128; i++)
		p->p_addr.a_bytes[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	return (0);
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

int
iot_parse_time(const char *s, int64_t *out)
{
	unsigned y, mo, d, h, mi, sec;
	int n = 0;
	char *end;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s)) {
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return (-1);
		*out = v;
		return (0);
	}
	if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
		n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return (-1);
	s += n;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
		return (-1);
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return (0);
}

/* Splits a CSV line (no quoting: the fields never hold commas) into at most max fields. */
static size_t
csv_split(const char *line, size_t len, char fields[][IOT_SUB_NAME_MAX], size_t max, bool *toolong)
{
	size_t nf = 0, k = 0;

	*toolong = false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || line[i] == ',') {
			if (nf < max) {
				while (k > 0 && fields[nf][k - 1] == ' ')
					k--;
				fields[nf][k] = '\0';
			}
			nf++;
			k = 0;
			continue;
		}
		if (nf >= max || (k == 0 && line[i] == ' '))
			continue;
		if (k + 1 >= IOT_SUB_NAME_MAX) {
			*toolong = true;
			continue;
		}
		fields[nf][k++] = line[i];
	}
	return (nf);
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"')
			return (false);
	return (true);
}

static long
isp_index(struct iot_subs *s, const char *name)
{
	char(*v)[IOT_SUB_NAME_MAX];

	for (size_t i = 0; i < s->s_nisps; i++)
		if (strcmp(s->s_isps[i], name) == 0)
			return ((long)i);
	if ((v = realloc(s->s_isps, (s->s_nisps + 1) * sizeof(*v))) == NULL)
		return (-ENOMEM);
	s->s_isps = v;
	snprintf(v[s->s_nisps], IOT_SUB_NAME_MAX, "%s", name);
	return ((long)s->s_nisps++);
}

static void
bad_line(size_t *bad, char *err, size_t errlen, size_t no, const char *what)
{
	if ((*bad)++ == 0)
		snprintf(err, errlen, "line %zu: %s", no, what);
}

int
iot_subs_parse_prefixes(
	struct iot_subs *s, const char *text, size_t len, size_t *bad, char *err, size_t errlen)
{
	struct iot_textline tl;
	size_t cap = s->s_nprefixes;

	*bad = 0;
	err[0] = '\0';
	iot_text_init(&tl, text, len);
	while (iot_text_next(&tl)) {
		char f[3][IOT_SUB_NAME_MAX];
		struct iot_sub_prefix sp;
		bool toolong;
		size_t nf;
		long isp;

		if (tl.t_len == 0 || tl.t_line[0] == '#')
			continue;
		nf = csv_split(tl.t_line, tl.t_len, f, 3, &toolong);
		if (nf == 2 && strcmp(f[0], "prefix") == 0) /* the header */
			continue;
		if (nf != 2 || toolong || iot_prefix_parse(f[0], &sp.sp_prefix) < 0 ||
			f[1][0] == '\0' || !printable(f[1])) {
			bad_line(bad, err, errlen, tl.t_no,
				"expected 'prefix,isp' (a.b.c.d/n or x::/n, and a name of at most "
				"63 printable bytes)");
			continue;
		}
		if ((isp = isp_index(s, f[1])) < 0)
			return ((int)isp);
		sp.sp_isp = (uint32_t)isp;
		if (s->s_nprefixes == cap) {
			struct iot_sub_prefix *v;

			cap = cap ? cap * 2 : 64;
			if ((v = realloc(s->s_prefixes, cap * sizeof(*v))) == NULL)
				return (-ENOMEM);
			s->s_prefixes = v;
		}
		s->s_prefixes[s->s_nprefixes++] = sp;
	}
	return (0);
}

static int
assign_cmp(const void *x, const void *y)
{
	const struct iot_sub_assign *a = x, *b = y;
	int c = memcmp(a->sa_addr.a_bytes, b->sa_addr.a_bytes, sizeof(a->sa_addr.a_bytes));

	if (c != 0)
		return (c);
	return (a->sa_start < b->sa_start ? -1 : a->sa_start > b->sa_start);
}

int
iot_subs_parse_assignments(
	struct iot_subs *s, const char *text, size_t len, size_t *bad, char *err, size_t errlen)
{
	struct iot_textline tl;
	size_t cap = s->s_nassigns;

	*bad = 0;
	err[0] = '\0';
	iot_text_init(&tl, text, len);
	while (iot_text_next(&tl)) {
		char f[5][IOT_SUB_NAME_MAX];
		struct iot_sub_assign sa;
		struct mm_prefix p;
		bool toolong;
		size_t nf;

		if (tl.t_len == 0 || tl.t_line[0] == '#')
			continue;
		nf = csv_split(tl.t_line, tl.t_len, f, 5, &toolong);
		if (nf == 4 && strcmp(f[0], "address") == 0) /* the header */
			continue;
		if (nf != 4 || toolong || strchr(f[0], '/') != NULL ||
			iot_prefix_parse(f[0], &p) < 0 || f[1][0] == '\0' || !printable(f[1]) ||
			iot_parse_time(f[2], &sa.sa_start) < 0 ||
			(f[3][0] != '\0' && iot_parse_time(f[3], &sa.sa_stop) < 0) ||
			(f[3][0] != '\0' && sa.sa_stop <= sa.sa_start)) {
			bad_line(bad, err, errlen, tl.t_no,
				"expected 'address,customer,start,stop' with RFC 3339 UTC times or "
				"Unix seconds, stop after start or empty");
			continue;
		}
		if (f[3][0] == '\0')
			sa.sa_stop = INT64_MAX;
		sa.sa_addr = p.p_addr;
		memcpy(sa.sa_customer, f[1], sizeof(sa.sa_customer));
		if (s->s_nassigns == cap) {
			struct iot_sub_assign *v;

			cap = cap ? cap * 2 : 64;
			if ((v = realloc(s->s_assigns, cap * sizeof(*v))) == NULL)
				return (-ENOMEM);
			s->s_assigns = v;
		}
		s->s_assigns[s->s_nassigns++] = sa;
	}
	if (s->s_nassigns > 1)
		qsort(s->s_assigns, s->s_nassigns, sizeof(*s->s_assigns), assign_cmp);
	return (0);
}

const char *
iot_subs_customer(const struct iot_subs *s, const struct mm_addr *a, int64_t t)
{
	size_t lo = 0, hi = s->s_nassigns;
	const char *found = NULL;

	/* The first record of the address, then the one whose interval holds t. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(s->s_assigns[mid].sa_addr.a_bytes, a->a_bytes, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo;
		i < s->s_nassigns && memcmp(s->s_assigns[i].sa_addr.a_bytes, a->a_bytes, 16) == 0 &&
		s->s_assigns[i].sa_start <= t;
		i++)
		if (t < s->s_assigns[i].sa_stop)
			found = s->s_assigns[i].sa_customer;
	return (found);
}
