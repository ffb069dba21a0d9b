/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses and prefixes on the IPv4-mapped IPv6 form: an IPv4 prefix a.b.c.d/n
 * is the IPv6 prefix ::ffff:a.b.c.d/(96 + n), so one bit comparison serves both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/netaddr.h"

#define V4_MAPPED_BITS 96
/* Longest text a prefix can take: an IPv6 address, a slash and three digits. */
#define PREFIX_TEXT_MAX (INET6_ADDRSTRLEN + 4)

static const uint8_t v4_mapped_head[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void
mm_addr_from_v4(struct mm_addr *a, const uint8_t v4[4])
{
	memcpy(a->a_bytes, v4_mapped_head, sizeof(v4_mapped_head));
	memcpy(a->a_bytes + 12, v4, 4);
}

void
mm_addr_from_v6(struct mm_addr *a, const uint8_t v6[16])
{
	memcpy(a->a_bytes, v6, 16);
}

bool
mm_addr_is_v4(const struct mm_addr *a)
{
	return (memcmp(a->a_bytes, v4_mapped_head, sizeof(v4_mapped_head)) == 0);
}

int
mm_addr_parse(const char *s, struct mm_addr *a)
{
	uint8_t v4[4];

	if (s == NULL)
		return (-EINVAL);
	if (inet_pton(AF_INET, s, v4) == 1) {
		mm_addr_from_v4(a, v4);
		return (0);
	}
	if (inet_pton(AF_INET6, s, a->a_bytes) == 1)
		return (0);
	return (-EINVAL);
}

const char *
mm_addr_format(const struct mm_addr *a, char *buf, size_t len)
{
	const char *s;

	if (len == 0)
		return (buf);
	if (mm_addr_is_v4(a))
		s = inet_ntop(AF_INET, a->a_bytes + 12, buf, (socklen_t)len);
	else
		s = inet_ntop(AF_INET6, a->a_bytes, buf, (socklen_t)len);
	if (s == NULL)
		buf[0] = '\0';
	return (buf);
}

static void
prefix_mask(struct mm_addr *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		if (len >= 8 * (i + 1))
			continue;
		if (len <= 8 * i)
			a->a_bytes[i] = 0;
		else
			a->a_bytes[i] &= (uint8_t)(0xff << (8 - (len - 8 * i)));
	}
}

/* Parses one prefix; on failure *why says what was wrong with it. */
static int
prefix_parse(const char *s, struct mm_prefix *p, const char **why)
{
	char text[PREFIX_TEXT_MAX + 1];
	const char *slash, *d;
	unsigned len = 0, max;
	size_t n;

	*why = "expected an address or address/length";
	if (s == NULL)
		return (-EINVAL);
	n = strlen(s);
	if (n == 0 || n > PREFIX_TEXT_MAX)
		return (-EINVAL);
	memcpy(text, s, n + 1);
	slash = strchr(s, '/');
	if (slash != NULL)
		text[slash - s] = '\0';
	if (mm_addr_parse(text, &p->p_addr) != 0)
		return (-EINVAL);
	/* A dotted quad counts in IPv4 bits; "::ffff:a.b.c.d" is IPv6 text. */
	max = strchr(text, ':') == NULL ? 32 : 128;
	if (slash == NULL) {
		len = max;
	} else {
		d = slash + 1;
		if (*d == '\0' || strlen(d) > 3) {
			*why = max == 32 ? "expected a length from 0 to 32 after '/'"
					 : "expected a length from 0 to 128 after '/'";
			return (-EINVAL);
		}
		for (; *d != '\0'; d++) {
			if (*d < '0' || *d > '9') {
				*why = "expected a decimal length after '/'";
				return (-EINVAL);
			}
			len = len * 10 + (unsigned)(*d - '0');
		}
		if (len > max) {
			*why = max == 32 ? "length out of range 0..32"
					 : "length out of range 0..128";
			return (-EINVAL);
		}
	}
	if (max == 32)
		len += V4_MAPPED_BITS;
	p->p_len = (uint8_t)len;
	prefix_mask(&p->p_addr, len);
	return (0);
}

int
mm_prefix_parse(const char *s, struct mm_prefix *p)
{
	const char *why;

	return (prefix_parse(s, p, &why));
}

bool
mm_prefix_contains(const struct mm_prefix *p, const struct mm_addr *a)
{
	unsigned full = p->p_len / 8, rest = p->p_len % 8;

	if (memcmp(p->p_addr.a_bytes, a->a_bytes, full) != 0)
		return (false);
	if (rest == 0)
		return (true);
	return (((p->p_addr.a_bytes[full] ^ a->a_bytes[full]) & (uint8_t)(0xff << (8 - rest))) ==
		0);
}

const char *
mm_prefix_format(const struct mm_prefix *p, char *buf, size_t len)
{
	char addr[MM_ADDR_STRLEN];
	unsigned plen = p->p_len;

	if (len == 0)
		return (buf);
	if (mm_addr_is_v4(&p->p_addr) && plen >= V4_MAPPED_BITS) {
		inet_ntop(AF_INET, p->p_addr.a_bytes + 12, addr, sizeof(addr));
		plen -= V4_MAPPED_BITS;
	} else {
		inet_ntop(AF_INET6, p->p_addr.a_bytes, addr, sizeof(addr));
	}
	snprintf(buf, len, "%s/%u", addr, plen);
	return (buf);
}

void
mm_prefix_set_init(struct mm_prefix_set *set)
{
	set->ps_v = NULL;
	set->ps_n = 0;
	set->ps_cap = 0;
}

void
mm_prefix_set_fini(struct mm_prefix_set *set)
{
	free(set->ps_v);
	mm_prefix_set_init(set);
}

int
mm_prefix_set_add(struct mm_prefix_set *set, const struct mm_prefix *p)
{
	if (set->ps_n == set->ps_cap) {
		size_t cap = set->ps_cap == 0 ? 8 : set->ps_cap * 2;
		struct mm_prefix *v = realloc(set->ps_v, cap * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		set->ps_v = v;
		set->ps_cap = cap;
	}
	set->ps_v[set->ps_n++] = *p;
	return (0);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
is_blank(char c)
{
	return (c == ' ' || c == '\t');
}

/*
 * An empty or all-blank list is an empty set; an empty item between commas is
 * an error, since it is almost always a typo.  On error the set is left as it was.
 */
int
mm_prefix_set_parse(struct mm_prefix_set *set, const char *list, char *err, size_t errlen)
{
	size_t before = set->ps_n, item = 0;
	const char *s = list, *end, *why;
	char text[PREFIX_TEXT_MAX + 1];
	struct mm_prefix p;
	int rv;

	if (list == NULL) {
		set_err(err, errlen, "no prefix list");
		return (-EINVAL);
	}
	while (is_blank(*s))
		s++;
	if (*s == '\0')
		return (0);
	for (s = list;; s = end + 1) {
		size_t n;

		item++;
		end = strchr(s, ',');
		if (end == NULL)
			end = s + strlen(s);
		while (s < end && is_blank(*s))
			s++;
		n = (size_t)(end - s);
		while (n > 0 && is_blank(s[n - 1]))
			n--;
		if (n == 0) {
			set_err(err, errlen, "prefix list '%s': item %zu is empty", list, item);
			rv = -EINVAL;
			goto fail;
		}
		if (n > PREFIX_TEXT_MAX) {
			set_err(err, errlen, "bad prefix '%.*s...': too long", PREFIX_TEXT_MAX, s);
			rv = -EINVAL;
			goto fail;
		}
		memcpy(text, s, n);
		text[n] = '\0';
		if (prefix_parse(text, &p, &why) != 0) {
			set_err(err, errlen, "bad prefix '%s': %s", text, why);
			rv = -EINVAL;
			goto fail;
		}
		if ((rv = mm_prefix_set_add(set, &p)) != 0) {
			set_err(err, errlen, "prefix list: out of memory");
			goto fail;
		}
		if (*end == '\0')
			break;
	}
	return (0);
fail:
	set->ps_n = before;
	return (rv);
}

bool
mm_prefix_set_contains(const struct mm_prefix_set *set, const struct mm_addr *a)
{
	for (size_t i = 0; i < set->ps_n; i++)
		if (mm_prefix_contains(&set->ps_v[i], a))
			return (true);
	return (false);
}
