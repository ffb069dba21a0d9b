/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address sets: see allow.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"

int
c2_addr_parse(const char *s, uint8_t out[16])
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return (0);
	}
	if (inet_pton(AF_INET6, s, out) == 1)
		return (0);
	return (-EINVAL);
}

const char *
c2_addr_format(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return (inet_ntop(AF_INET, a + 12, buf, (socklen_t)len));
	return (inet_ntop(AF_INET6, a, buf, (socklen_t)len));
}

void
c2_set_init(struct c2_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
c2_set_fini(struct c2_set *s)
{
	free(s->cs_v);
	memset(s, 0, sizeof(*s));
}

static void
mask(uint8_t a[16], unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		if (bits < 8)
			a[i] &= (uint8_t)(0xff00u >> bits);
	}
}

int
c2_set_add(struct c2_set *s, const char *text)
{
	char buf[64], *slash, *end;
	struct c2_prefix p;
	unsigned long len;
	bool v4;

	if (strlen(text) >= sizeof(buf))
		return (-EINVAL);
	strcpy(buf, text);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (c2_addr_parse(buf, p.cp_addr) != 0)
		return (-EINVAL);
	v4 = strchr(buf, ':') == NULL;
	len = v4 ? 32 : 128;
	if (slash != NULL) {
		errno = 0;
		len = strtoul(slash, &end, 10);
		if (errno != 0 || end == slash || *end != '\0' || len > (v4 ? 32u : 128u))
			return (-EINVAL);
	}
	p.cp_len = (uint8_t)(v4 ? len + 96 : len);
	mask(p.cp_addr, p.cp_len);
	if (s->cs_n == s->cs_cap) {
		size_t cap = s->cs_cap ? 2 * s->cs_cap : 16;
		struct c2_prefix *v = realloc(s->cs_v, cap * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		s->cs_v = v;
		s->cs_cap = cap;
	}
	s->cs_v[s->cs_n++] = p;
	return (0);
}

bool
c2_set_contains(const struct c2_set *s, const uint8_t a[16])
{
	for (size_t i = 0; i < s->cs_n; i++) {
		uint8_t m[16];

		memcpy(m, a, 16);
		mask(m, s->cs_v[i].cp_len);
		if (memcmp(m, s->cs_v[i].cp_addr, 16) == 0)
			return (true);
	}
	return (false);
}

void
c2_set_remove(struct c2_set *s, const uint8_t a[16])
{
	for (size_t i = 0; i < s->cs_n;) {
		if (s->cs_v[i].cp_len == 128 && memcmp(s->cs_v[i].cp_addr, a, 16) == 0)
			s->cs_v[i] = s->cs_v[--s->cs_n];
		else
			i++;
	}
}

int
c2_set_load(struct c2_set *s, const char *path, char *err, size_t errlen)
{
	char line[512];
	unsigned lineno = 0;
	int bad = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-errno);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *e;

		lineno++;
		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		while (isspace((unsigned char)*p))
			p++;
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*p == '\0')
			continue;
		if (c2_set_add(s, p) != 0) {
			if (bad++ == 0)
				snprintf(err, errlen,
					"%s:%u: '%s' is not an address or prefix (a.b.c.d[/n], "
					"x::y[/n])",
					path, lineno, p);
		}
	}
	fclose(f);
	return (bad);
}
