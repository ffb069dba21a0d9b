/* SPDX-License-Identifier: BSD-3-Clause */
/* SSH version exchange and KEXINIT (RFC 4253 4.2, 6, 7.1). */
#include <errno.h>
#include <string.h>

#include "rd.h"
#include "ssh.h"

#define SSH_MSG_KEXINIT  20
#define SSH_BANNER_MAX   255
#define SSH_PACKET_MAX   35000
#define SSH_PRELINES_MAX 8192 /* bytes of other lines a server may send first */

bool
ssh_looks_like(const uint8_t *p, size_t n)
{
	return (n >= 4 && memcmp(p, "SSH-", 4) == 0);
}

/* Finds the "SSH-" line; *end is the offset after its LF. */
static int
find_banner(const uint8_t *p, size_t n, struct ssh_str *banner, size_t *end)
{
	size_t pos = 0;

	while (pos < n && pos < SSH_PRELINES_MAX) {
		const uint8_t *lf = memchr(p + pos, '\n', n - pos);
		size_t len;

		if (lf == NULL)
			return (n - pos > SSH_BANNER_MAX ? -EINVAL : -EAGAIN);
		len = (size_t)(lf - (p + pos));
		if (len >= 4 && memcmp(p + pos, "SSH-", 4) == 0) {
			if (len > SSH_BANNER_MAX)
				return (-EINVAL);
			banner->s_p = (const char *)p + pos;
			banner->s_len = len > 0 && p[pos + len - 1] == '\r' ? len - 1 : len;
			*end = pos + len + 1;
			return (0);
		}
		pos += len + 1;
	}
	return (pos >= SSH_PRELINES_MAX ? -EINVAL : -EAGAIN);
}

int
ssh_parse(const uint8_t *p, size_t n, struct ssh_side *sd)
{
	struct rd r, pkt;
	size_t off;
	uint32_t plen;
	uint8_t padlen;
	int rv;

	memset(sd, 0, sizeof(*sd));
	if ((rv = find_banner(p, n, &sd->sd_banner, &off)) < 0)
		return (rv);
	if (sd->sd_banner.s_len < 8 || (memcmp(sd->sd_banner.s_p, "SSH-2.0-", 8) != 0 &&
					       memcmp(sd->sd_banner.s_p, "SSH-1.99-", 9) != 0))
		return (-EINVAL);
	rd_init(&r, p + off, n - off);
	plen = rd_u32(&r);
	padlen = rd_u8(&r);
	if (r.r_short)
		return (-EAGAIN);
	if (plen > SSH_PACKET_MAX || plen < (uint32_t)padlen + 2)
		return (-EINVAL);
	if (!rd_sub(&r, plen - 1 - padlen, &pkt))
		return (-EAGAIN);
	if (rd_u8(&pkt) != SSH_MSG_KEXINIT)
		return (-EINVAL);
	rd_bytes(&pkt, 16); /* cookie */
	for (int i = 0; i < SSH_NLISTS; i++) {
		uint32_t l = rd_u32(&pkt);
		const uint8_t *s = rd_bytes(&pkt, l);

		if (s == NULL)
			return (-EINVAL);
		sd->sd_lists[i].s_p = (const char *)s;
		sd->sd_lists[i].s_len = l;
	}
	sd->sd_kexinit = true;
	return (0);
}

enum tls_status
ssh_status(const uint8_t *p, size_t n)
{
	struct ssh_side sd;
	int rv = ssh_parse(p, n, &sd);

	return (rv == 0 ? TLS_DONE : rv == -EAGAIN ? TLS_MORE : TLS_BAD);
}

bool
ssh_is_pseudo(const char *name, size_t len)
{
	return ((len >= 9 && memcmp(name, "ext-info-", 9) == 0) ||
		(len >= 11 && memcmp(name, "kex-strict-", 11) == 0));
}

/* The next comma-separated name of a list; false at the end. */
static bool
next_name(const struct ssh_str *list, size_t *pos, struct ssh_str *name)
{
	const char *p, *comma;

	if (*pos >= list->s_len)
		return (false);
	p = list->s_p + *pos;
	comma = memchr(p, ',', list->s_len - *pos);
	name->s_p = p;
	name->s_len = comma != NULL ? (size_t)(comma - p) : list->s_len - *pos;
	*pos += name->s_len + 1;
	return (true);
}

bool
ssh_list_has(const struct ssh_str *list, const char *name, size_t len)
{
	struct ssh_str it;
	size_t pos = 0;

	while (next_name(list, &pos, &it))
		if (it.s_len == len && memcmp(it.s_p, name, len) == 0)
			return (true);
	return (false);
}

bool
ssh_negotiate(const struct ssh_str *client, const struct ssh_str *server, struct ssh_str *out)
{
	struct ssh_str it;
	size_t pos = 0;

	while (next_name(client, &pos, &it)) {
		if (it.s_len == 0 || ssh_is_pseudo(it.s_p, it.s_len))
			continue;
		if (ssh_list_has(server, it.s_p, it.s_len)) {
			*out = it;
			return (true);
		}
	}
	return (false);
}
