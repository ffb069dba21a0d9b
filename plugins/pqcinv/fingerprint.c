/* SPDX-License-Identifier: BSD-3-Clause */
/* JA3, JA3S, JA4 and HASSH. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fingerprint.h"

struct sbuf {
	char *s_p;
	size_t s_len;
	size_t s_w;
	bool s_over;
};

/* Appends v in decimal, or in four hex digits. */
static void
sb_num(struct sbuf *b, bool hex, unsigned v)
{
	int k;

	if (b->s_over)
		return;
	k = hex ? snprintf(b->s_p + b->s_w, b->s_len - b->s_w, "%04x", v)
		: snprintf(b->s_p + b->s_w, b->s_len - b->s_w, "%u", v);
	if (k < 0 || (size_t)k >= b->s_len - b->s_w)
		b->s_over = true;
	else
		b->s_w += (size_t)k;
}

static void
sb_char(struct sbuf *b, char c)
{
	if (b->s_over || b->s_w + 1 >= b->s_len) {
		b->s_over = true;
		return;
	}
	b->s_p[b->s_w++] = c;
	b->s_p[b->s_w] = '\0';
}

/* Decimal values of a list without GREASE, joined by '-'. */
static void
sb_list(struct sbuf *b, const struct tls_list *l)
{
	bool first = true;

	for (unsigned i = 0; i < l->l_n; i++) {
		if (tls_is_grease(l->l_v[i]))
			continue;
		if (!first)
			sb_char(b, '-');
		sb_num(b, false, l->l_v[i]);
		first = false;
	}
}

static int
digest_hex(const EVP_MD *md, const void *data, size_t len, char *hex, size_t nhex)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;

	if (!EVP_Digest(data, len, d, &dl, md, NULL))
		return (-EIO);
	for (unsigned i = 0; i < dl && 2 * i + 2 < nhex + 1; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[nhex < 2 * dl ? nhex : 2 * dl] = '\0';
	return (0);
}

int
fp_md5_hex(const void *data, size_t len, char md5[FP_MD5_HEX])
{
	return (digest_hex(EVP_md5(), data, len, md5, FP_MD5_HEX - 1));
}

int
fp_ja3(const struct tls_client_hello *ch, char *str, size_t len, char md5[FP_MD5_HEX])
{
	struct sbuf b = { str, len, 0, false };

	str[0] = '\0';
	sb_num(&b, false, ch->ch_legacy_version);
	sb_char(&b, ',');
	sb_list(&b, &ch->ch_ciphers);
	sb_char(&b, ',');
	sb_list(&b, &ch->ch_exts);
	sb_char(&b, ',');
	sb_list(&b, &ch->ch_groups);
	sb_char(&b, ',');
	sb_list(&b, &ch->ch_point_formats);
	if (b.s_over)
		return (-ENOSPC);
	return (fp_md5_hex(str, b.s_w, md5));
}

int
fp_ja3s(const struct tls_server_hello *sh, char *str, size_t len, char md5[FP_MD5_HEX])
{
	struct sbuf b = { str, len, 0, false };

	str[0] = '\0';
	sb_num(&b, false, sh->sh_legacy_version);
	sb_char(&b, ',');
	sb_num(&b, false, sh->sh_cipher);
	sb_char(&b, ',');
	sb_list(&b, &sh->sh_exts);
	if (b.s_over)
		return (-ENOSPC);
	return (fp_md5_hex(str, b.s_w, md5));
}

static const char *
ja4_version(const struct tls_client_hello *ch)
{
	unsigned v = 0;

	for (unsigned i = 0; i < ch->ch_versions.l_n; i++)
		if (!tls_is_grease(ch->ch_versions.l_v[i]) && ch->ch_versions.l_v[i] > v)
			v = ch->ch_versions.l_v[i];
	if (v == 0)
		v = ch->ch_legacy_version;
	switch (v) {
	case 0x0304:
		return ("13");
	case 0x0303:
		return ("12");
	case 0x0302:
		return ("11");
	case 0x0301:
		return ("10");
	case 0x0300:
		return ("s3");
	case 0x0002:
		return ("s2");
	case 0xfeff:
		return ("d1");
	case 0xfefd:
		return ("d2");
	case 0xfefc:
		return ("d3");
	default:
		return ("00");
	}
}

static bool
is_alnum(uint8_t c)
{
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

static void
ja4_alpn(const struct tls_client_hello *ch, char out[3])
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *a = ch->ch_alpn[0];
	size_t n = ch->ch_alpn_len[0];

	if (ch->ch_nalpn == 0 || n == 0) {
		memcpy(out, "00", 3);
		return;
	}
	if (is_alnum(a[0]) && is_alnum(a[n - 1])) {
		out[0] = (char)a[0];
		out[1] = (char)a[n - 1];
	} else {
		/* First and last character of the value's hex form. */
		out[0] = hex[a[0] >> 4];
		out[1] = hex[a[n - 1] & 0x0f];
	}
	out[2] = '\0';
}

static int
cmp_u16(const void *a, const void *b)
{
	return ((int)*(const uint16_t *)a - (int)*(const uint16_t *)b);
}

/* Sorted (or wire-order) 4-hex-digit values, comma-joined, GREASE and skip[] removed. */
static size_t
hex_list(const struct tls_list *l, bool sort, const uint16_t *skip, size_t nskip, struct sbuf *b)
{
	uint16_t v[TLS_LIST_MAX];
	size_t n = 0;

	for (unsigned i = 0; i < l->l_n; i++) {
		bool drop = tls_is_grease(l->l_v[i]);

		for (size_t k = 0; k < nskip; k++)
			drop = drop || l->l_v[i] == skip[k];
		if (!drop)
			v[n++] = l->l_v[i];
	}
	if (sort)
		qsort(v, n, sizeof(v[0]), cmp_u16);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			sb_char(b, ',');
		sb_num(b, true, v[i]);
	}
	return (n);
}

static unsigned
count_non_grease(const struct tls_list *l)
{
	unsigned n = 0;

	for (unsigned i = 0; i < l->l_n; i++)
		n += !tls_is_grease(l->l_v[i]);
	return (n > 99 ? 99 : n);
}

static bool
has(const struct tls_list *l, uint16_t v)
{
	for (unsigned i = 0; i < l->l_n; i++)
		if (l->l_v[i] == v)
			return (true);
	return (false);
}

int
fp_ja4(const struct tls_client_hello *ch, char proto, char out[FP_JA4_LEN])
{
	static const uint16_t sni_alpn[] = { 0x0000, 0x0010 };
	char buf[FP_STR_LEN], b_hex[65], c_hex[65], alpn[3];
	struct sbuf b = { buf, sizeof(buf), 0, false };
	size_t n;

	buf[0] = '\0';
	ja4_alpn(ch, alpn);
	if (hex_list(&ch->ch_ciphers, true, NULL, 0, &b) == 0)
		memcpy(b_hex, "000000000000", 13);
	else if (b.s_over || digest_hex(EVP_sha256(), buf, b.s_w, b_hex, 12) < 0)
		return (-ENOSPC);
	b.s_w = 0;
	buf[0] = '\0';
	n = hex_list(&ch->ch_exts, true, sni_alpn, 2, &b);
	if (count_non_grease(&ch->ch_sigalgs) > 0) {
		sb_char(&b, '_');
		hex_list(&ch->ch_sigalgs, false, NULL, 0, &b);
	}
	if (n == 0 && count_non_grease(&ch->ch_exts) == 0)
		memcpy(c_hex, "000000000000", 13);
	else if (b.s_over || digest_hex(EVP_sha256(), buf, b.s_w, c_hex, 12) < 0)
		return (-ENOSPC);
	/* a 10-character head, two 12-character hashes: always fits FP_JA4_LEN */
	if (snprintf(out, FP_JA4_LEN, "%c%s%c%02u%02u%s_%s_%s", proto, ja4_version(ch),
		    has(&ch->ch_exts, 0x0000) ? 'd' : 'i', count_non_grease(&ch->ch_ciphers),
		    count_non_grease(&ch->ch_exts), alpn, b_hex, c_hex) >= FP_JA4_LEN)
		return (-ENOSPC);
	return (0);
}
