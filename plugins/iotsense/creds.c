/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default-credential list: parsed once per (re)load on the control
 * thread into an open-addressing table that lcores only read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "textfile.h"

struct iot_cred {
	char cr_user[IOT_CRED_MAX];
	char cr_pass[IOT_CRED_MAX];
};

struct iot_creds {
	struct iot_cred *c_v;
	size_t c_n;
	size_t c_cap;
	long *c_slots; /* index into c_v, -1 when free */
	size_t c_nslots;
};

static uint64_t
cred_hash(const char *user, const char *pass)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *s = user; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL; /* a byte no field holds */
	for (const char *s = pass; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return (h);
}

long
iot_creds_find(const struct iot_creds *c, const char *user, const char *pass)
{
	if (c == NULL || c->c_nslots == 0)
		return (-1);
	for (size_t i = cred_hash(user, pass) & (c->c_nslots - 1);;
		i = (i + 1) & (c->c_nslots - 1)) {
		long k = c->c_slots[i];

		if (k < 0)
			return (-1);
		if (strcmp(c->c_v[k].cr_user, user) == 0 && strcmp(c->c_v[k].cr_pass, pass) == 0)
			return (k);
	}
}

size_t
iot_creds_count(const struct iot_creds *c)
{
	return (c == NULL ? 0 : c->c_n);
}

void
iot_creds_free(struct iot_creds *c)
{
	if (c == NULL)
		return;
	free(c->c_v);
	free(c->c_slots);
	free(c);
}

/* Copies a field of printable ASCII; -1 when too long or not printable. */
static int
field(const char *s, size_t n, char *out)
{
	if (n >= IOT_CRED_MAX)
		return (-1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return (-1);
	memcpy(out, s, n);
	out[n] = '\0';
	return (0);
}

static int
add(struct iot_creds *c, const struct iot_cred *cr)
{
	if (iot_creds_find(c, cr->cr_user, cr->cr_pass) >= 0)
		return (0);
	if (c->c_n == c->c_cap) {
		size_t cap = c->c_cap ? c->c_cap * 2 : 64;
		struct iot_cred *v = realloc(c->c_v, cap * sizeof(*v));

		if (v == NULL)
			return (-ENOMEM);
		c->c_v = v;
		c->c_cap = cap;
	}
	if ((c->c_n + 1) * 2 > c->c_nslots) {
		size_t ns = c->c_nslots ? c->c_nslots * 2 : 128;
		long *slots = malloc(ns * sizeof(*slots));

		if (slots == NULL)
			return (-ENOMEM);
		for (size_t i = 0; i < ns; i++)
			slots[i] = -1;
		free(c->c_slots);
		c->c_slots = slots;
		c->c_nslots = ns;
		for (size_t k = 0; k < c->c_n; k++) {
			size_t i = cred_hash(c->c_v[k].cr_user, c->c_v[k].cr_pass) & (ns - 1);

			while (slots[i] >= 0)
				i = (i + 1) & (ns - 1);
			slots[i] = (long)k;
		}
	}
	c->c_v[c->c_n] = *cr;
	{
		size_t i = cred_hash(cr->cr_user, cr->cr_pass) & (c->c_nslots - 1);

		while (c->c_slots[i] >= 0)
			i = (i + 1) & (c->c_nslots - 1);
		c->c_slots[i] = (long)c->c_n;
	}
	c->c_n++;
	return (0);
}

int
iot_creds_parse(
	const char *text, size_t len, struct iot_creds **out, size_t *bad, char *err, size_t errlen)
{
	struct iot_creds *c = calloc(1, sizeof(*c));
	struct iot_textline tl;
	int rv;

	*bad = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (c == NULL)
		return (-ENOMEM);
	iot_text_init(&tl, text, len);
	while (iot_text_next(&tl)) {
		const char *tab;
		struct iot_cred cr;

		if (tl.t_len == 0 || tl.t_line[0] == '#')
			continue;
		tab = memchr(tl.t_line, '\t', tl.t_len);
		if (tab == NULL || tab == tl.t_line ||
			field(tl.t_line, (size_t)(tab - tl.t_line), cr.cr_user) < 0 ||
			field(tab + 1, tl.t_len - (size_t)(tab + 1 - tl.t_line), cr.cr_pass) < 0) {
			if ((*bad)++ == 0 && err != NULL)
				snprintf(err, errlen,
					"line %zu: expected 'user<TAB>password', each at most %d "
					"printable ASCII bytes",
					tl.t_no, IOT_CRED_MAX - 1);
			continue;
		}
		if ((rv = add(c, &cr)) < 0) {
			iot_creds_free(c);
			return (rv);
		}
	}
	*out = c;
	return (0);
}

int
iot_creds_load(const char *path, struct iot_creds **out, size_t *bad, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rv;

	if ((rv = iot_text_read(path, &text, &len, err, errlen)) < 0)
		return (rv);
	rv = iot_creds_parse(text, len, out, bad, err, errlen);
	free(text);
	return (rv);
}
