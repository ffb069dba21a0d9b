/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device registry.  See registry.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry.h"

#define NS_PER_S   1000000000ULL
#define NS_PER_DAY (86400ULL * NS_PER_S)

const char *const iot_category_names[3] = { "infected", "weak_credentials", "vulnerable_firmware" };

const char *
iot_addr_format(const struct mm_addr *a, char *buf, size_t len)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a->a_bytes, mapped, sizeof(mapped)) == 0)
		return (inet_ntop(AF_INET, a->a_bytes + 12, buf, (socklen_t)len));
	return (inet_ntop(AF_INET6, a->a_bytes, buf, (socklen_t)len));
}

void
iot_day_name(int64_t day, char *buf, size_t len)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

void
iot_month_name(int64_t month, char *buf, size_t len)
{
	snprintf(buf, len, "%04lld-%02lld", (long long)(1970 + month / 12),
		(long long)(month % 12 + 1));
}

static int64_t
month_of(uint64_t ns)
{
	time_t t = (time_t)(ns / NS_PER_S);
	struct tm tm;

	gmtime_r(&t, &tm);
	return ((int64_t)(tm.tm_year - 70) * 12 + tm.tm_mon);
}

void
iot_reg_init(struct iot_registry *r)
{
	memset(r, 0, sizeof(*r));
}

void
iot_reg_fini(struct iot_registry *r)
{
	for (size_t i = 0; i < r->r_n; i++)
		json_decref(r->r_devs[i].d_evidence);
	free(r->r_devs);
	free(r->r_slots);
	free(r->r_days);
	free(r->r_months);
	memset(r, 0, sizeof(*r));
}

static uint64_t
dev_hash(const struct mm_addr *a, unsigned cat)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ cat;

	for (size_t i = 0; i < sizeof(a->a_bytes); i++)
		h = (h ^ a->a_bytes[i]) * 0x100000001b3ULL;
	return (h);
}

static int
rehash(struct iot_registry *r)
{
	size_t ns = r->r_nslots ? r->r_nslots * 2 : 256;
	long *slots = malloc(ns * sizeof(*slots));

	if (slots == NULL)
		return (-ENOMEM);
	for (size_t i = 0; i < ns; i++)
		slots[i] = -1;
	for (size_t k = 0; k < r->r_n; k++) {
		size_t i = dev_hash(&r->r_devs[k].d_addr, r->r_devs[k].d_cat) & (ns - 1);

		while (slots[i] >= 0)
			i = (i + 1) & (ns - 1);
		slots[i] = (long)k;
	}
	free(r->r_slots);
	r->r_slots = slots;
	r->r_nslots = ns;
	return (0);
}

static struct iot_dev *
find_or_add(struct iot_registry *r, const struct mm_addr *a, unsigned cat)
{
	size_t i;

	if ((r->r_n + 1) * 2 > r->r_nslots && rehash(r) < 0)
		return (NULL);
	for (i = dev_hash(a, cat) & (r->r_nslots - 1); r->r_slots[i] >= 0;
		i = (i + 1) & (r->r_nslots - 1)) {
		struct iot_dev *d = &r->r_devs[r->r_slots[i]];

		if (d->d_cat == cat && memcmp(d->d_addr.a_bytes, a->a_bytes, 16) == 0)
			return (d);
	}
	if (r->r_n == r->r_cap) {
		size_t cap = r->r_cap ? r->r_cap * 2 : 64;
		struct iot_dev *v = realloc(r->r_devs, cap * sizeof(*v));

		if (v == NULL)
			return (NULL);
		r->r_devs = v;
		r->r_cap = cap;
	}
	memset(&r->r_devs[r->r_n], 0, sizeof(r->r_devs[0]));
	r->r_devs[r->r_n].d_addr = *a;
	r->r_devs[r->r_n].d_cat = (uint8_t)cat;
	r->r_devs[r->r_n].d_day = r->r_devs[r->r_n].d_month = -1;
	r->r_slots[i] = (long)r->r_n;
	return (&r->r_devs[r->r_n++]);
}

static struct iot_period *
period(struct iot_period **v, size_t *n, int64_t key)
{
	struct iot_period *nv;

	for (size_t i = *n; i > 0; i--)
		if ((*v)[i - 1].p_key == key)
			return (&(*v)[i - 1]);
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return (NULL);
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[0]));
	nv[*n].p_key = key;
	return (&nv[(*n)++]);
}

struct iot_dev *
iot_reg_add(struct iot_registry *r, const struct mm_addr *a, unsigned cat, bool confirmed,
	uint64_t first_ns, uint64_t last_ns, const char *isp, const char *customer, json_t *obj)
{
	struct iot_dev *d;
	int64_t day = (int64_t)(last_ns / NS_PER_DAY), month = month_of(last_ns);

	if (cat >= 3 || (d = find_or_add(r, a, cat)) == NULL)
		return (NULL);
	if (d->d_first_ns == 0 || first_ns < d->d_first_ns)
		d->d_first_ns = first_ns;
	if (last_ns > d->d_last_ns)
		d->d_last_ns = last_ns;
	if (isp != NULL)
		snprintf(d->d_isp, sizeof(d->d_isp), "%s", isp);
	if (customer != NULL)
		snprintf(d->d_customer, sizeof(d->d_customer), "%s", customer);
	/* A confirmed finding is never downgraded by a later attempt. */
	if (confirmed || !d->d_confirmed) {
		json_decref(d->d_evidence);
		d->d_evidence = json_incref(obj);
	}
	if (confirmed && !d->d_confirmed)
		d->d_confirmed = true;
	if (d->d_confirmed && d->d_day != day) {
		struct iot_period *p = period(&r->r_days, &r->r_ndays, day);

		if (p != NULL) {
			p->p_n[cat]++;
			d->d_day = day;
		}
	}
	if (d->d_confirmed && d->d_month != month) {
		struct iot_period *p = period(&r->r_months, &r->r_nmonths, month);

		if (p != NULL) {
			p->p_n[cat]++;
			d->d_month = month;
		}
	}
	r->r_dirty = true;
	return (d);
}

static json_t *
period_json(const struct iot_period *p, bool monthly)
{
	char name[32];
	json_t *o;

	if (monthly)
		iot_month_name(p->p_key, name, sizeof(name));
	else
		iot_day_name(p->p_key, name, sizeof(name));
	o = json_pack("{s:s}", monthly ? "month" : "date", name);
	for (unsigned c = 0; c < 3; c++)
		json_object_set_new(o, iot_category_names[c], json_integer(p->p_n[c]));
	return (o);
}

json_t *
iot_reg_day_json(const struct iot_registry *r, int64_t day)
{
	for (size_t i = 0; i < r->r_ndays; i++)
		if (r->r_days[i].p_key == day)
			return (period_json(&r->r_days[i], false));
	return (NULL);
}

static void
iso_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / NS_PER_S);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *
iot_dev_json(const struct iot_dev *d)
{
	char addr[64], first[32], last[32];
	json_t *o;

	iot_addr_format(&d->d_addr, addr, sizeof(addr));
	iso_time(d->d_first_ns, first, sizeof(first));
	iso_time(d->d_last_ns, last, sizeof(last));
	o = json_pack("{s:s, s:s, s:b, s:s, s:s}", "device", addr, "category",
		iot_category_names[d->d_cat], "confirmed", d->d_confirmed, "first_seen", first,
		"last_seen", last);
	json_object_set_new(o, "isp", d->d_isp[0] ? json_string(d->d_isp) : json_null());
	json_object_set_new(
		o, "customer", d->d_customer[0] ? json_string(d->d_customer) : json_null());
	if (d->d_evidence != NULL) {
		json_object_set(o, "reason", json_object_get(d->d_evidence, "reason"));
		json_object_set(o, "evidence", json_object_get(d->d_evidence, "evidence"));
	}
	return (o);
}

/* Writes text through path.tmp and a rename. */
static int
write_file(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	FILE *f;
	int rv = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		rv = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return (rv);
	}
	if (fputs(text, f) == EOF || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rv = -EIO;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
	}
	if (fclose(f) != 0 && rv == 0) {
		rv = -EIO;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
	}
	if (rv == 0 && rename(tmp, path) != 0) {
		rv = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
	}
	if (rv < 0)
		unlink(tmp);
	return (rv);
}

static int
write_json(const char *dir, const char *name, json_t *v, char *err, size_t errlen)
{
	char *text = json_dumps(v, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	int rv;

	json_decref(v);
	if (text == NULL)
		return (-ENOMEM);
	rv = write_file(dir, name, text, err, errlen);
	free(text);
	return (rv);
}

int
iot_reg_write(struct iot_registry *r, const char *dir, uint64_t now_ns, uint64_t quarantine_ns,
	char *err, size_t errlen)
{
	json_t *devs = json_array(), *counts, *daily = json_array(), *monthly = json_array();
	size_t qlen = 0, qcap = 256;
	char *q = malloc(qcap);
	int rv;

	if (devs == NULL || daily == NULL || monthly == NULL || q == NULL) {
		json_decref(devs);
		json_decref(daily);
		json_decref(monthly);
		free(q);
		return (-ENOMEM);
	}
	qlen = (size_t)snprintf(q, qcap,
		"# infected devices seen in the last %llu s, for a walled garden\n",
		(unsigned long long)(quarantine_ns / NS_PER_S));
	for (size_t i = 0; i < r->r_n; i++) {
		const struct iot_dev *d = &r->r_devs[i];
		char addr[64];

		json_array_append_new(devs, iot_dev_json(d));
		if (d->d_cat != 0 || !d->d_confirmed || d->d_last_ns + quarantine_ns < now_ns)
			continue;
		iot_addr_format(&d->d_addr, addr, sizeof(addr));
		if (qlen + strlen(addr) + 2 > qcap) {
			char *nq = realloc(q, qcap * 2 + strlen(addr));

			if (nq == NULL) {
				free(q);
				json_decref(devs);
				json_decref(daily);
				json_decref(monthly);
				return (-ENOMEM);
			}
			q = nq;
			qcap = qcap * 2 + strlen(addr);
		}
		qlen += (size_t)snprintf(q + qlen, qcap - qlen, "%s\n", addr);
	}
	for (size_t i = 0; i < r->r_ndays; i++)
		json_array_append_new(daily, period_json(&r->r_days[i], false));
	for (size_t i = 0; i < r->r_nmonths; i++)
		json_array_append_new(monthly, period_json(&r->r_months[i], true));
	counts = json_pack("{s:o, s:o}", "daily", daily, "monthly", monthly);
	if ((rv = write_json(dir, "devices.json", devs, err, errlen)) < 0)
		json_decref(counts);
	else if ((rv = write_json(dir, "counts.json", counts, err, errlen)) == 0)
		rv = write_file(dir, "quarantine.txt", q, err, errlen);
	free(q);
	if (rv == 0)
		r->r_dirty = false;
	return (rv);
}

/* "2026-04-01T00:12:56Z" to ns; 0 when malformed. */
static uint64_t
parse_iso(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
		strcmp(end, "Z") != 0)
		return (0);
	return ((uint64_t)timegm(&tm) * NS_PER_S);
}

static int
load_devices(struct iot_registry *r, json_t *devs, size_t *bad)
{
	json_t *o;
	size_t i;

	json_array_foreach(devs, i, o)
	{
		const char *cat = json_string_value(json_object_get(o, "category"));
		const char *addr = json_string_value(json_object_get(o, "device"));
		uint64_t first = parse_iso(json_string_value(json_object_get(o, "first_seen")));
		uint64_t last = parse_iso(json_string_value(json_object_get(o, "last_seen")));
		struct mm_addr a;
		struct iot_dev *d;
		unsigned c;
		uint8_t b[16];

		for (c = 0; c < 3 && (cat == NULL || strcmp(cat, iot_category_names[c]) != 0); c++)
			;
		memset(&a, 0, sizeof(a));
		if (addr != NULL && inet_pton(AF_INET, addr, b) == 1) {
			a.a_bytes[10] = a.a_bytes[11] = 0xff;
			memcpy(a.a_bytes + 12, b, 4);
		} else if (addr == NULL || inet_pton(AF_INET6, addr, a.a_bytes) != 1) {
			c = 3;
		}
		if (c == 3 || first == 0 || last < first || (d = find_or_add(r, &a, c)) == NULL) {
			(*bad)++;
			continue;
		}
		d->d_first_ns = first;
		d->d_last_ns = last;
		d->d_confirmed = json_is_true(json_object_get(o, "confirmed"));
		d->d_day = (int64_t)(last / NS_PER_DAY);
		d->d_month = month_of(last);
		snprintf(d->d_isp, sizeof(d->d_isp), "%s",
			json_is_string(json_object_get(o, "isp"))
				? json_string_value(json_object_get(o, "isp"))
				: "");
		snprintf(d->d_customer, sizeof(d->d_customer), "%s",
			json_is_string(json_object_get(o, "customer"))
				? json_string_value(json_object_get(o, "customer"))
				: "");
		json_decref(d->d_evidence);
		d->d_evidence = json_pack("{s:O?, s:O?}", "reason", json_object_get(o, "reason"),
			"evidence", json_object_get(o, "evidence"));
	}
	return (0);
}

static void
load_periods(struct iot_period **v, size_t *n, json_t *a, bool monthly, size_t *bad)
{
	json_t *o;
	size_t i;

	json_array_foreach(a, i, o)
	{
		const char *name =
			json_string_value(json_object_get(o, monthly ? "month" : "date"));
		char buf[32];
		uint64_t t;
		struct iot_period *p;

		if (name == NULL || strlen(name) != (monthly ? 7 : 10)) {
			(*bad)++;
			continue;
		}
		snprintf(buf, sizeof(buf), monthly ? "%s-01T00:00:00Z" : "%sT00:00:00Z", name);
		if ((t = parse_iso(buf)) == 0 ||
			(p = period(v, n, monthly ? month_of(t) : (int64_t)(t / NS_PER_DAY))) ==
				NULL) {
			(*bad)++;
			continue;
		}
		for (unsigned c = 0; c < 3; c++) {
			json_int_t x =
				json_integer_value(json_object_get(o, iot_category_names[c]));

			p->p_n[c] = x > 0 && x < UINT32_MAX ? (uint32_t)x : 0;
		}
	}
}

int
iot_reg_load(struct iot_registry *r, const char *dir, size_t *bad, char *err, size_t errlen)
{
	char path[4096];
	json_error_t je;
	json_t *v;

	*bad = 0;
	snprintf(path, sizeof(path), "%s/devices.json", dir);
	if (access(path, F_OK) == 0) {
		if ((v = json_load_file(path, 0, &je)) == NULL || !json_is_array(v)) {
			snprintf(err, errlen,
				"%s: line %d: %s (expected the array this plugin writes)", path,
				je.line, v == NULL ? je.text : "not an array");
			json_decref(v);
			return (-EINVAL);
		}
		load_devices(r, v, bad);
		json_decref(v);
	}
	snprintf(path, sizeof(path), "%s/counts.json", dir);
	if (access(path, F_OK) == 0) {
		if ((v = json_load_file(path, 0, &je)) == NULL) {
			snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
			return (-EINVAL);
		}
		load_periods(&r->r_days, &r->r_ndays, json_object_get(v, "daily"), false, bad);
		load_periods(&r->r_months, &r->r_nmonths, json_object_get(v, "monthly"), true, bad);
		json_decref(v);
	}
	return (0);
}
