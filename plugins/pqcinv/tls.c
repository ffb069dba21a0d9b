/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS handshake parsing (RFC 8446, RFC 5246 and their extensions). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rd.h"
#include "tls.h"

#define TLS_CT_CCS       20
#define TLS_CT_ALERT     21
#define TLS_CT_HANDSHAKE 22

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE  11
#define HS_SERVER_KEX   12
#define HS_SERVER_DONE  14

#define EXT_SNI       0x0000
#define EXT_GROUPS    0x000a
#define EXT_POINT_FMT 0x000b
#define EXT_SIGALGS   0x000d
#define EXT_ALPN      0x0010
#define EXT_VERSIONS  0x002b
#define EXT_KEY_SHARE 0x0033

/* SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d,
	0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07,
	0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };

static void
list_add(struct tls_list *l, uint16_t v)
{
	if (l->l_n < TLS_LIST_MAX)
		l->l_v[l->l_n++] = v;
	if (l->l_total < UINT16_MAX)
		l->l_total++;
}

/* A list of u16 values under a length prefix of lenbytes (1 or 2). */
static void
read_u16_list(struct rd *r, unsigned lenbytes, struct tls_list *l)
{
	struct rd sub;
	size_t n = lenbytes == 1 ? rd_u8(r) : rd_u16(r);

	if (!rd_sub(r, n, &sub))
		return;
	while (rd_left(&sub) >= 2)
		list_add(l, rd_u16(&sub));
	if (rd_left(&sub) != 0)
		r->r_short = true;
}

bool
tls_looks_like(const uint8_t *p, size_t n)
{
	/* A handshake record of SSL 3.0 .. TLS 1.2 framing, then a ClientHello. */
	if (n < 6)
		return (false);
	return (p[0] == TLS_CT_HANDSHAKE && p[1] == 3 && p[2] <= 4 && p[5] == HS_CLIENT_HELLO);
}

long
tls_unrecord(const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool *stopped)
{
	size_t pos = 0, w = 0;

	*stopped = false;
	while (pos + 5 <= n) {
		uint8_t type = in[pos];
		size_t len = (size_t)in[pos + 3] << 8 | in[pos + 4];
		size_t avail = n - pos - 5 < len ? n - pos - 5 : len;

		if (in[pos + 1] != 3 || len > 18432) {
			if (pos == 0)
				return (-1);
			*stopped = true;
			break;
		}
		if (type == TLS_CT_CCS) {
			pos += 5 + len;
			continue;
		}
		if (type != TLS_CT_HANDSHAKE) {
			if (pos == 0 && type != TLS_CT_ALERT)
				return (-1);
			*stopped = true;
			break;
		}
		if (avail > cap - w)
			avail = cap - w;
		memcpy(out + w, in + pos + 5, avail);
		w += avail;
		pos += 5 + len;
	}
	return ((long)w);
}

static void
parse_client_ext(uint16_t type, struct rd *e, struct tls_client_hello *ch)
{
	struct rd sub;

	switch (type) {
	case EXT_SNI: {
		if (!rd_sub(e, rd_u16(e), &sub))
			return;
		while (rd_left(&sub) >= 3) {
			uint8_t nt = rd_u8(&sub);
			uint16_t nl = rd_u16(&sub);
			const uint8_t *name = rd_bytes(&sub, nl);

			if (name == NULL)
				return;
			if (nt == 0 && ch->ch_sni[0] == '\0') {
				size_t k = nl < TLS_SNI_LEN - 1 ? nl : TLS_SNI_LEN - 1;

				memcpy(ch->ch_sni, name, k);
				ch->ch_sni[k] = '\0';
				/* A name is text: an embedded NUL ends it. */
			}
		}
		break;
	}
	case EXT_GROUPS:
		read_u16_list(e, 2, &ch->ch_groups);
		break;
	case EXT_POINT_FMT: {
		size_t n = rd_u8(e);
		const uint8_t *p = rd_bytes(e, n);

		for (size_t i = 0; p != NULL && i < n; i++)
			list_add(&ch->ch_point_formats, p[i]);
		break;
	}
	case EXT_SIGALGS:
		read_u16_list(e, 2, &ch->ch_sigalgs);
		break;
	case EXT_VERSIONS:
		read_u16_list(e, 1, &ch->ch_versions);
		break;
	case EXT_ALPN: {
		if (!rd_sub(e, rd_u16(e), &sub))
			return;
		while (rd_left(&sub) >= 1) {
			uint8_t l = rd_u8(&sub);
			const uint8_t *p = rd_bytes(&sub, l);

			if (p == NULL)
				return;
			if (ch->ch_nalpn < TLS_ALPN_MAX) {
				size_t k = l < TLS_ALPN_LEN ? l : TLS_ALPN_LEN;

				memcpy(ch->ch_alpn[ch->ch_nalpn], p, k);
				ch->ch_alpn_len[ch->ch_nalpn++] = (uint8_t)k;
			}
		}
		break;
	}
	case EXT_KEY_SHARE: {
		if (!rd_sub(e, rd_u16(e), &sub))
			return;
		while (rd_left(&sub) >= 4) {
			uint16_t g = rd_u16(&sub), l = rd_u16(&sub);

			if (rd_bytes(&sub, l) == NULL)
				return;
			if (ch->ch_nshares < TLS_SHARE_MAX) {
				ch->ch_shares[ch->ch_nshares].s_group = g;
				ch->ch_shares[ch->ch_nshares++].s_len = l;
			}
		}
		break;
	}
	default:
		break;
	}
}

int
tls_parse_client_hello(const uint8_t *hs, size_t n, struct tls_client_hello *ch)
{
	struct rd r, body, exts;
	uint32_t len;

	memset(ch, 0, sizeof(*ch));
	rd_init(&r, hs, n);
	if (n < 4)
		return (-EAGAIN);
	if (rd_u8(&r) != HS_CLIENT_HELLO)
		return (-EINVAL);
	len = rd_u24(&r);
	if (!rd_sub(&r, len, &body))
		return (-EAGAIN);
	ch->ch_legacy_version = rd_u16(&body);
	rd_bytes(&body, 32);           /* random */
	rd_bytes(&body, rd_u8(&body)); /* legacy_session_id */
	read_u16_list(&body, 2, &ch->ch_ciphers);
	rd_bytes(&body, rd_u8(&body)); /* compression methods */
	if (body.r_short)
		return (-EINVAL);
	if (rd_left(&body) == 0)
		return (0); /* no extensions (SSL 3.0 style) */
	if (!rd_sub(&body, rd_u16(&body), &exts))
		return (-EINVAL);
	while (rd_left(&exts) >= 4) {
		uint16_t type = rd_u16(&exts);
		struct rd e;

		if (!rd_sub(&exts, rd_u16(&exts), &e))
			return (-EINVAL);
		list_add(&ch->ch_exts, type);
		parse_client_ext(type, &e, ch);
	}
	return (rd_left(&exts) == 0 ? 0 : -EINVAL);
}

static int
parse_server_hello(struct rd *body, struct tls_server_hello *sh)
{
	struct rd exts;
	const uint8_t *random;
	bool hrr;
	struct tls_list *el;
	struct tls_list dummy;

	sh->sh_legacy_version = rd_u16(body);
	random = rd_bytes(body, 32);
	if (random == NULL)
		return (-EINVAL);
	hrr = memcmp(random, hrr_random, sizeof(hrr_random)) == 0;
	rd_bytes(body, rd_u8(body)); /* legacy_session_id_echo */
	sh->sh_cipher = rd_u16(body);
	rd_u8(body); /* compression */
	if (body->r_short)
		return (-EINVAL);
	/* The extensions of a HelloRetryRequest do not make the fingerprint. */
	memset(&dummy, 0, sizeof(dummy));
	el = hrr ? &dummy : &sh->sh_exts;
	if (!hrr)
		memset(&sh->sh_exts, 0, sizeof(sh->sh_exts));
	if (rd_left(body) >= 2 && rd_sub(body, rd_u16(body), &exts)) {
		while (rd_left(&exts) >= 4) {
			uint16_t type = rd_u16(&exts);
			struct rd e, sub;

			if (!rd_sub(&exts, rd_u16(&exts), &e))
				return (-EINVAL);
			list_add(el, type);
			if (type == EXT_VERSIONS && rd_left(&e) == 2 && !hrr)
				sh->sh_version = rd_u16(&e);
			else if (type == EXT_KEY_SHARE && hrr)
				sh->sh_hrr_group = rd_u16(&e);
			else if (type == EXT_KEY_SHARE) {
				sh->sh_share_group = rd_u16(&e);
				sh->sh_share_len = rd_u16(&e);
			} else if (type == EXT_ALPN && !hrr && rd_sub(&e, rd_u16(&e), &sub)) {
				uint8_t l = rd_u8(&sub);
				const uint8_t *p = rd_bytes(&sub, l);

				if (p != NULL) {
					sh->sh_alpn_len = l < TLS_ALPN_LEN ? l : TLS_ALPN_LEN;
					memcpy(sh->sh_alpn, p, sh->sh_alpn_len);
				}
			}
		}
	}
	if (hrr)
		sh->sh_hrr = true;
	else
		sh->sh_seen = true;
	return (0);
}

static void
parse_certificate(struct rd *body, const uint8_t *hs, struct tls_server_hello *sh)
{
	struct rd list;

	/* TLS <= 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
	if (!rd_sub(body, rd_u24(body), &list))
		return;
	while (rd_left(&list) >= 3 && sh->sh_ncerts < TLS_CERT_MAX) {
		uint32_t l = rd_u24(&list);
		const uint8_t *der = rd_bytes(&list, l);

		if (der == NULL)
			return;
		sh->sh_certs[sh->sh_ncerts].c_off = (uint32_t)(der - hs);
		sh->sh_certs[sh->sh_ncerts++].c_len = l;
	}
}

static void
parse_server_kex(struct rd *body, struct tls_server_hello *sh)
{
	uint8_t curve_type;

	sh->sh_ske = true;
	/* ECDHE: ECParameters then the point; DHE: p, g, Ys (RFC 4492, RFC 5246). */
	if (sh->sh_cipher >= 0xc000 || sh->sh_cipher == 0xcca8 || sh->sh_cipher == 0xcca9) {
		curve_type = rd_u8(body);
		if (curve_type != 3)
			return;
		sh->sh_ske_group = rd_u16(body);
		rd_bytes(body, rd_u8(body));
	} else {
		uint16_t plen = rd_u16(body);
		const uint8_t *p = rd_bytes(body, plen);
		size_t skip = 0;

		while (p != NULL && skip < plen && p[skip] == 0)
			skip++;
		if (p == NULL)
			return;
		sh->sh_ske_dh_bits = (uint16_t)((plen - skip) * 8);
		rd_bytes(body, rd_u16(body));
		rd_bytes(body, rd_u16(body));
	}
	if (sh->sh_legacy_version >= 0x0303 && rd_left(body) >= 4)
		sh->sh_ske_sigalg = rd_u16(body);
}

int
tls_parse_server(const uint8_t *hs, size_t n, struct tls_server_hello *sh)
{
	struct rd r;

	memset(sh, 0, sizeof(*sh));
	rd_init(&r, hs, n);
	while (rd_left(&r) >= 4) {
		uint8_t type = rd_u8(&r);
		uint32_t len = rd_u24(&r);
		struct rd body;

		if (!rd_sub(&r, len, &body))
			break;
		switch (type) {
		case HS_SERVER_HELLO:
			if (parse_server_hello(&body, sh) < 0)
				return (-EINVAL);
			break;
		case HS_CERTIFICATE:
			if (sh->sh_seen && sh->sh_version != 0x0304)
				parse_certificate(&body, hs, sh);
			break;
		case HS_SERVER_KEX:
			if (sh->sh_seen)
				parse_server_kex(&body, sh);
			break;
		case HS_SERVER_DONE:
			sh->sh_done = true;
			break;
		default:
			if (!sh->sh_seen && !sh->sh_hrr)
				return (-EINVAL);
			break;
		}
		if (sh->sh_done)
			break;
	}
	return (sh->sh_seen ? 0 : -EAGAIN);
}

enum tls_status
tls_client_status(const uint8_t *hs, size_t n)
{
	size_t len;

	if (n < 4)
		return (TLS_MORE);
	if (hs[0] != HS_CLIENT_HELLO)
		return (TLS_BAD);
	len = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
	return (n >= 4 + len ? TLS_DONE : TLS_MORE);
}

enum tls_status
tls_server_status(const uint8_t *hs, size_t n, bool stopped)
{
	struct tls_server_hello sh;
	int rv = tls_parse_server(hs, n, &sh);

	if (rv == -EINVAL)
		return (TLS_BAD);
	if (rv == 0 && (sh.sh_version == 0x0304 || sh.sh_done))
		return (TLS_DONE);
	return (stopped ? TLS_DONE : TLS_MORE);
}

const char *
tls_version_name(uint16_t v, char *buf, size_t len)
{
	switch (v) {
	case 0x0300:
		return ("SSLv3");
	case 0x0301:
		return ("TLSv1.0");
	case 0x0302:
		return ("TLSv1.1");
	case 0x0303:
		return ("TLSv1.2");
	case 0x0304:
		return ("TLSv1.3");
	default:
		snprintf(buf, len, "0x%04x", v);
		return (buf);
	}
}
