/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parsers the login patterns feed (login.h): what a client typed, FTP
 * commands, HTTP basic credentials and status codes.  Bytes from the wire,
 * bounded by the match; never more than the output holds.
 */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "login.h"

int
iot_login_line(const uint8_t *s, size_t n, char *out, size_t outlen, int *done)
{
	size_t k = 0;

	*done = 0;
	if (outlen == 0)
		return (-1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			*done = 1;
			break;
		}
		if (s[i] < 0x20 || s[i] > 0x7e || k + 1 >= outlen)
			return (-1);
		out[k++] = (char)s[i];
	}
	out[k] = '\0';
	return ((int)k);
}

int
iot_login_ftp(const uint8_t *s, size_t n, char *cmd, char *out, size_t outlen)
{
	size_t k = 0;

	if (n < 5 || (memcmp(s, "USER ", 5) != 0 && memcmp(s, "PASS ", 5) != 0) || outlen == 0)
		return (-1);
	*cmd = (char)s[0];
	for (size_t i = 5; i < n && s[i] != '\r' && s[i] != '\n'; i++) {
		if (k + 1 >= outlen || s[i] < 0x20 || s[i] > 0x7e)
			return (-1);
		out[k++] = (char)s[i];
	}
	out[k] = '\0';
	return ((int)k);
}

int
iot_login_basic(const uint8_t *s, size_t n, char *user, size_t ulen, char *pass, size_t plen)
{
	unsigned char bin[72];
	size_t k = 0, blen = 0;
	const unsigned char *colon;

	/* The token: base64 up to the line's end (at most 88 characters: 64 bytes). */
	while (k < n && k <= 88 && (isalnum(s[k]) || s[k] == '+' || s[k] == '/' || s[k] == '='))
		k++;
	if (k < 4 || k > 88 || ulen == 0 || plen == 0)
		return (-1);
	if (sodium_base642bin(bin, sizeof(bin) - 1, (const char *)s, k, NULL, &blen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 &&
		sodium_base642bin(bin, sizeof(bin) - 1, (const char *)s, k, NULL, &blen, NULL,
			sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return (-1);
	if ((colon = memchr(bin, ':', blen)) == NULL)
		return (-1);
	for (k = 0; k < blen; k++)
		if (bin[k] < 0x20 || bin[k] > 0x7e)
			return (-1);
	if ((size_t)(colon - bin) >= ulen || blen - (size_t)(colon - bin) - 1 >= plen)
		return (-1);
	memcpy(user, bin, (size_t)(colon - bin));
	user[colon - bin] = '\0';
	memcpy(pass, colon + 1, blen - (size_t)(colon - bin) - 1);
	pass[blen - (size_t)(colon - bin) - 1] = '\0';
	return (0);
}

int
iot_login_status(const uint8_t *s, size_t n)
{
	size_t i = 0;

	if (n >= 5 && (memcmp(s, "HTTP/", 5) == 0 || memcmp(s, "RTSP/", 5) == 0)) {
		while (i < n && s[i] != ' ')
			i++;
		i++;
	}
	if (i + 3 > n || !isdigit(s[i]) || !isdigit(s[i + 1]) || !isdigit(s[i + 2]))
		return (-1);
	return ((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
}
