/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_tail.h"

int
ui_tail_init(struct ui_tail *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	if ((t->t_v = calloc(cap, sizeof(*t->t_v))) == NULL)
		return (-ENOMEM);
	t->t_cap = cap;
	return (0);
}

void
ui_tail_fini(struct ui_tail *t)
{
	for (size_t i = 0; i < t->t_n; i++)
		ui_ev_free(ui_tail_at(t, i));
	free(t->t_v);
	memset(t, 0, sizeof(*t));
}

struct ui_ev *
ui_tail_at(const struct ui_tail *t, size_t i)
{
	return (i < t->t_n ? t->t_v[(t->t_head + i) % t->t_cap] : NULL);
}

void
ui_tail_push_new(struct ui_tail *t, struct ui_ev *e)
{
	if (t->t_n == t->t_cap) {
		ui_ev_free(t->t_v[t->t_head]);
		t->t_head = (t->t_head + 1) % t->t_cap;
		t->t_n--;
		t->t_evicted++;
	}
	t->t_v[(t->t_head + t->t_n) % t->t_cap] = e;
	t->t_n++;
	t->t_gen++;
}

bool
ui_tail_push_old(struct ui_tail *t, struct ui_ev *e)
{
	if (t->t_n == t->t_cap) {
		ui_ev_free(e);
		return (false);
	}
	t->t_head = (t->t_head + t->t_cap - 1) % t->t_cap;
	t->t_v[t->t_head] = e;
	t->t_n++;
	t->t_gen++;
	return (true);
}

bool
ui_tail_has(const struct ui_tail *t, uint64_t hash)
{
	for (size_t i = 0; i < t->t_n; i++)
		if (ui_tail_at(t, i)->e_hash == hash)
			return (true);
	return (false);
}

size_t
ui_tail_merge(struct ui_tail *t, const json_t *events, bool at_old_end)
{
	size_t n = json_array_size(events), added = 0;

	for (size_t k = 0; k < n; k++) {
		/* Newest first: the old end takes them in order, the new end reversed. */
		json_t *o = json_array_get(events, at_old_end ? k : n - 1 - k);
		struct ui_ev *e = ui_ev_new(o, NULL, 0);

		if (e == NULL)
			continue;
		if (ui_tail_has(t, e->e_hash)) {
			ui_ev_free(e);
			continue;
		}
		if (at_old_end) {
			if (!ui_tail_push_old(t, e))
				break;
		} else {
			ui_tail_push_new(t, e);
		}
		added++;
	}
	return (added);
}

void
ui_filter_clear(struct ui_filter *f)
{
	for (unsigned i = 0; i < f->f_ntypes; i++)
		free(f->f_types[i]);
	for (unsigned i = 0; i < f->f_nwords; i++)
		free(f->f_words[i]);
	memset(f, 0, sizeof(*f));
}

int
ui_filter_parse(struct ui_filter *f, const char *text, char *err, size_t errlen)
{
	struct ui_filter n;
	char *copy, *save = NULL, *tok;

	memset(&n, 0, sizeof(n));
	if (strlen(text) >= sizeof(n.f_text)) {
		snprintf(err, errlen, "filter too long (at most %zu bytes)", sizeof(n.f_text) - 1);
		return (-EINVAL);
	}
	snprintf(n.f_text, sizeof(n.f_text), "%s", text);
	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-ENOMEM);
	}
	for (tok = strtok_r(copy, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		if (strncmp(tok, "type:", 5) == 0 && tok[5] != '\0') {
			if (n.f_ntypes == UI_FILTER_TERMS)
				goto too_many;
			n.f_types[n.f_ntypes++] = strdup(tok + 5);
		} else if ((strncmp(tok, "ip:", 3) == 0 && tok[3] != '\0') ||
			   (strncmp(tok, "addr:", 5) == 0 && tok[5] != '\0')) {
			const char *a = tok + (tok[0] == 'i' ? 3 : 5);

			if (n.f_nips == UI_FILTER_TERMS)
				goto too_many;
			if (mm_prefix_parse(a, &n.f_ips[n.f_nips]) != 0) {
				snprintf(err, errlen,
					"'%s': expected an address or prefix (10.0.0.0/8, "
					"2001:db8::1)",
					tok);
				goto fail;
			}
			snprintf(n.f_ip_text[n.f_nips], sizeof(n.f_ip_text[0]), "%s", a);
			n.f_nips++;
		} else {
			if (n.f_nwords == UI_FILTER_TERMS)
				goto too_many;
			n.f_words[n.f_nwords++] = strdup(tok);
		}
	}
	for (unsigned i = 0; i < n.f_ntypes; i++)
		if (n.f_types[i] == NULL)
			goto nomem;
	for (unsigned i = 0; i < n.f_nwords; i++)
		if (n.f_words[i] == NULL)
			goto nomem;
	free(copy);
	ui_filter_clear(f);
	*f = n;
	return (0);
too_many:
	snprintf(err, errlen, "at most %d terms of a kind", UI_FILTER_TERMS);
	goto fail;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(copy);
	ui_filter_clear(&n);
	return (-EINVAL);
}

bool
ui_type_match(const char *pattern, const char *type)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*')
		return (strncmp(pattern, type, n - 1) == 0);
	return (strcmp(pattern, type) == 0);
}

static bool
ip_match(const struct mm_prefix *p, json_t *ip)
{
	struct mm_addr a;

	return (json_is_string(ip) && mm_addr_parse(json_string_value(ip), &a) == 0 &&
		mm_prefix_contains(p, &a));
}

bool
ui_filter_match(const struct ui_filter *f, const struct ui_ev *e)
{
	bool any;

	if (f->f_ntypes > 0) {
		any = false;
		for (unsigned i = 0; i < f->f_ntypes && !any; i++)
			any = ui_type_match(f->f_types[i], e->e_type);
		if (!any)
			return (false);
	}
	if (f->f_nips > 0) {
		json_t *src = json_object_get(e->e_obj, "src_ip");
		json_t *dst = json_object_get(e->e_obj, "dest_ip");

		any = false;
		for (unsigned i = 0; i < f->f_nips && !any; i++)
			any = ip_match(&f->f_ips[i], src) || ip_match(&f->f_ips[i], dst);
		if (!any)
			return (false);
	}
	for (unsigned i = 0; i < f->f_nwords; i++)
		if (strcasestr(e->e_raw, f->f_words[i]) == NULL)
			return (false);
	return (true);
}

json_t *
ui_filter_query(const struct ui_filter *f)
{
	json_t *q = json_object();

	/* Only what the store can do exactly: one type, one prefix, one word. */
	if (f->f_ntypes == 1 && strchr(f->f_types[0], '*') == NULL)
		json_object_set_new(q, "type", json_string(f->f_types[0]));
	if (f->f_nips == 1)
		json_object_set_new(q, "ip", json_string(f->f_ip_text[0]));
	if (f->f_nwords >= 1)
		json_object_set_new(q, "text", json_string(f->f_words[0]));
	if (json_object_size(q) == 0) {
		json_decref(q);
		return (NULL);
	}
	return (q);
}
