/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware signature file.  See firmware.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#include <jansson.h>

#include "firmware.h"
#include "textfile.h"

static bool
version_char(int c)
{
	return (isalnum(c) || c == '.' || c == '_' || c == '-');
}

size_t
iot_fw_version(const uint8_t *s, size_t n, char *out, size_t outlen)
{
	size_t i = 0, k = 0;

	if (outlen == 0)
		return (0);
	if (n > 1 && (s[0] == 'v' || s[0] == 'V') && isdigit(s[1]))
		i = 1;
	if (i >= n || !isdigit(s[i])) {
		out[0] = '\0';
		return (0);
	}
	while (i < n && k + 1 < outlen && version_char(s[i]))
		out[k++] = (char)s[i++];
	/* A version does not end with punctuation ("1.2." at a sentence's end). */
	while (k > 0 && !isalnum((unsigned char)out[k - 1]))
		k--;
	out[k] = '\0';
	return (k);
}

int
iot_fw_vcmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		while (*a != '\0' && !isalnum((unsigned char)*a))
			a++;
		while (*b != '\0' && !isalnum((unsigned char)*b))
			b++;
		/* 1.0 < 1.0.1, but 1.0 > 1.0rc1: a letter suffix is a pre-release. */
		if (*a == '\0' && *b == '\0')
			return (0);
		if (*a == '\0')
			return (isalpha((unsigned char)*b) ? 1 : -1);
		if (*b == '\0')
			return (isalpha((unsigned char)*a) ? -1 : 1);
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long long x = 0, y = 0;

			for (; isdigit((unsigned char)*a); a++)
				x = x < 1000000000000ULL ? x * 10 + (unsigned)(*a - '0') : x;
			for (; isdigit((unsigned char)*b); b++)
				y = y < 1000000000000ULL ? y * 10 + (unsigned)(*b - '0') : y;
			if (x != y)
				return (x < y ? -1 : 1);
		} else if (isdigit((unsigned char)*a) != isdigit((unsigned char)*b)) {
			/* 1.0 > 1.0rc1: a number outranks a letter suffix */
			return (isdigit((unsigned char)*a) ? 1 : -1);
		} else {
			for (; isalpha((unsigned char)*a) && isalpha((unsigned char)*b); a++, b++)
				if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
					return (tolower((unsigned char)*a) <
								tolower((unsigned char)*b)
							? -1
							: 1);
			if (isalpha((unsigned char)*a) != isalpha((unsigned char)*b))
				return (isalpha((unsigned char)*a) ? 1 : -1);
		}
	}
	return (0);
}

int
iot_fw_in_range(const char *range, const char *version)
{
	const char *p = range;
	bool any = false, seen = false;

	while (*p != '\0') {
		char v[IOT_FW_RANGE];
		size_t k = 0;
		int op = 0, c; /* 1 '=', 2 '<', 3 '<=', 4 '>', 5 '>=' */

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		seen = true;
		if (*p == '*') {
			any = true;
			p++;
			continue;
		}
		if (p[0] == '<' && p[1] == '=')
			op = 3, p += 2;
		else if (p[0] == '>' && p[1] == '=')
			op = 5, p += 2;
		else if (*p == '<')
			op = 2, p++;
		else if (*p == '>')
			op = 4, p++;
		else if (*p == '=')
			op = 1, p++;
		else
			return (-1);
		while (*p != '\0' && *p != ' ' && k + 1 < sizeof(v))
			v[k++] = *p++;
		v[k] = '\0';
		if (k == 0 || !isdigit((unsigned char)v[0]))
			return (-1);
		if (version[0] == '\0')
			return (0); /* a bounded range says nothing of an unknown version */
		c = iot_fw_vcmp(version, v);
		if ((op == 1 && c != 0) || (op == 2 && c >= 0) || (op == 3 && c > 0) ||
			(op == 4 && c <= 0) || (op == 5 && c < 0))
			return (0);
	}
	if (!seen)
		return (-1);
	return (any || version[0] != '\0');
}

void
iot_fw_free(struct iot_fw *fw)
{
	if (fw == NULL)
		return;
	for (size_t i = 0; i < fw->f_n; i++) {
		free(fw->f_sigs[i].s_banner);
		free(fw->f_sigs[i].s_vulns);
	}
	free(fw->f_sigs);
	free(fw);
}

static int
copy_str(const json_t *o, const char *key, char *out, size_t len, bool required)
{
	const json_t *v = json_object_get(o, key);
	const char *s;

	if (v == NULL && !required) {
		out[0] = '\0';
		return (0);
	}
	if (!json_is_string(v) || (s = json_string_value(v))[0] == '\0' || strlen(s) >= len)
		return (-1);
	memcpy(out, s, strlen(s) + 1);
	return (0);
}

/* One signature; a message in why when it is malformed. */
static int
parse_sig(const json_t *o, struct iot_fw_sig *s, char *why, size_t wlen)
{
	const json_t *banner = json_object_get(o, "banner"), *vulns = json_object_get(o, "vulns");
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	size_t i;
	json_t *v;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o) ||
		copy_str(o, "product", s->s_product, sizeof(s->s_product), true) < 0) {
		snprintf(why, wlen, "\"product\" must be a string of 1 to %d bytes",
			IOT_FW_TEXT_MAX - 1);
		return (-1);
	}
	if (copy_str(o, "service", s->s_service, sizeof(s->s_service), false) < 0) {
		snprintf(why, wlen, "%s: \"service\" must be a short string", s->s_product);
		return (-1);
	}
	if (!json_is_string(banner) || json_string_length(banner) == 0 ||
		json_string_length(banner) > 1024) {
		snprintf(why, wlen, "%s: \"banner\" must be an expression of 1 to 1024 bytes",
			s->s_product);
		return (-1);
	}
	if (strlen(json_string_value(banner)) != json_string_length(banner) ||
		hs_expression_info(json_string_value(banner), 0, &info, &cerr) != HS_SUCCESS) {
		snprintf(why, wlen, "%s: banner expression refused by Hyperscan: %s", s->s_product,
			cerr != NULL ? cerr->message : "it contains a NUL byte");
		if (cerr != NULL)
			hs_free_compile_error(cerr);
		return (-1);
	}
	free(info);
	if (!json_is_array(vulns)) {
		snprintf(why, wlen, "%s: \"vulns\" must be an array", s->s_product);
		return (-1);
	}
	if ((s->s_banner = strdup(json_string_value(banner))) == NULL)
		return (-ENOMEM);
	if (json_array_size(vulns) > 0 &&
		(s->s_vulns = calloc(json_array_size(vulns), sizeof(*s->s_vulns))) == NULL)
		return (-ENOMEM);
	json_array_foreach(vulns, i, v)
	{
		struct iot_fw_vuln *fv = &s->s_vulns[s->s_nvulns];
		const json_t *cvss = json_object_get(v, "cvss");
		double score;

		if (!json_is_object(v) ||
			copy_str(v, "cve", fv->v_cve, sizeof(fv->v_cve), true) < 0 ||
			copy_str(v, "versions", fv->v_versions, sizeof(fv->v_versions), true) < 0 ||
			iot_fw_in_range(fv->v_versions, "") < 0 || !json_is_number(cvss) ||
			(score = json_number_value(cvss)) < 0 || score > 10.0) {
			snprintf(why, wlen,
				"%s: vulns[%zu] needs \"cve\", \"cvss\" (0 to 10) and \"versions\" "
				"(\"*\" or constraints like \">=1.0 <2.3\")",
				s->s_product, i);
			return (-1);
		}
		fv->v_cvss10 = (uint16_t)(score * 10.0 + 0.5);
		s->s_nvulns++;
	}
	return (0);
}

int
iot_fw_parse(
	const char *text, size_t len, struct iot_fw **out, size_t *bad, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *sigs, *o;
	struct iot_fw *fw;
	size_t i;
	int rv;

	*bad = 0;
	err[0] = '\0';
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(err, errlen, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return (-EINVAL);
	}
	sigs = json_object_get(root, "signatures");
	if (!json_is_string(json_object_get(root, "format")) ||
		strcmp(json_string_value(json_object_get(root, "format")), IOT_FW_FORMAT) != 0 ||
		!json_is_array(sigs)) {
		snprintf(err, errlen,
			"not a signature file: expected {\"format\": \"%s\", \"signatures\": "
			"[...]}",
			IOT_FW_FORMAT);
		json_decref(root);
		return (-EINVAL);
	}
	if ((fw = calloc(1, sizeof(*fw))) == NULL ||
		(json_array_size(sigs) > 0 && (fw->f_sigs = calloc(json_array_size(sigs),
						       sizeof(*fw->f_sigs))) == NULL)) {
		free(fw);
		json_decref(root);
		return (-ENOMEM);
	}
	copy_str(root, "updated", fw->f_updated, sizeof(fw->f_updated), false);
	json_array_foreach(sigs, i, o)
	{
		struct iot_fw_sig *s = &fw->f_sigs[fw->f_n];
		char why[256];

		rv = parse_sig(o, s, why, sizeof(why));
		if (rv == -ENOMEM) {
			free(s->s_banner);
			free(s->s_vulns);
			iot_fw_free(fw);
			json_decref(root);
			return (rv);
		}
		if (rv < 0) {
			free(s->s_banner);
			free(s->s_vulns);
			if ((*bad)++ == 0)
				snprintf(err, errlen, "signatures[%zu]: %s", i, why);
			continue;
		}
		fw->f_n++;
	}
	json_decref(root);
	*out = fw;
	return (0);
}

int
iot_fw_load(const char *path, struct iot_fw **out, size_t *bad, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rv;

	*bad = 0;
	if ((rv = iot_text_read(path, &text, &len, err, errlen)) < 0)
		return (rv);
	rv = iot_fw_parse(text, len, out, bad, err, errlen);
	free(text);
	if (rv == -EINVAL) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", path, why);
	}
	return (rv);
}
