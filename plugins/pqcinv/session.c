/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS and QUIC handshakes to pqc_session objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "session.h"
#include "tls.h"
#include "x509info.h"

void
pqc_json_append(json_t *o, const char *key, const char *s)
{
	json_t *a = json_object_get(o, key);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(o, key, a);
	}
	json_array_append_new(a, json_string(s));
}

void
pqc_json_classify(json_t *o, enum pqc_class cls, bool client_pq, bool pre_standard)
{
	json_object_set_new(o, "classification", json_string(pqc_class_name(cls)));
	json_object_set_new(o, "client_pq_capable", json_boolean(client_pq));
	/* A client that could have had post-quantum protection and did not get it. */
	json_object_set_new(o, "downgrade", json_boolean(client_pq && cls == PQC_CLASS_VULNERABLE));
	json_object_set_new(o, "pre_standard", json_boolean(pre_standard));
}

json_t *
pqc_session_json(const struct pqc_rec *rec, const struct pqc_table *t, struct pqc_session_stats *st)
{
	static const char *const names[] = { "none", "tls", "quic", "ssh" };
	json_t *o = json_object();

	json_object_set_new(o, "protocol", json_string(names[rec->r_proto & 3]));
	if (rec->r_proto == PQC_PROTO_QUIC)
		json_object_set_new(o, "quic_version",
			json_string(rec->r_quic_version == 0x6b3343cfu ? "v2" : "v1"));
	if (rec->r_proto == PQC_PROTO_SSH)
		pqc_session_ssh(o, rec, t, st);
	else
		pqc_session_tls(o, rec, t, st);
	if (rec->r_flags & PQC_REC_TRUNCATED)
		pqc_json_append(o, "flags", "truncated");
	if (rec->r_flags & PQC_REC_GAP)
		pqc_json_append(o, "flags", "gap");
	if (rec->r_flags & PQC_REC_RETRY)
		pqc_json_append(o, "flags", "quic_retry");
	if (!(rec->r_flags & PQC_REC_SERVER_DONE))
		pqc_json_append(o, "flags", "server_incomplete");
	return (o);
}

static json_t *
u16_array(const struct tls_list *l)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < l->l_n; i++)
		if (!tls_is_grease(l->l_v[i]))
			json_array_append_new(a, json_integer(l->l_v[i]));
	return (a);
}

static json_t *
alpn_string(const uint8_t *p, size_t n)
{
	char buf[2 * TLS_ALPN_LEN + 1];

	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e) {
			/* Not text: its hex form, as Suricata logs such values. */
			for (size_t k = 0; k < n; k++)
				snprintf(buf + 2 * k, 3, "%02x", p[k]);
			return (json_string(buf));
		}
	return (json_stringn((const char *)p, n));
}

/* A group, key share or signature scheme, named and classified from the table. */
static json_t *
alg_json(const struct pqc_table *t, enum pqc_kind kind, uint16_t code, int len, bool client,
	enum pqc_class *cls, bool *pre)
{
	const struct pqc_alg *a = pqc_table_code(t, kind, code);
	json_t *o = json_object();
	bool mismatch = false;
	enum pqc_class c;
	char hex[8];

	snprintf(hex, sizeof(hex), "0x%04x", code);
	c = pqc_alg_class(a, client, len > 0 ? (size_t)len : 0, &mismatch);
	json_object_set_new(o, "code", json_integer(code));
	json_object_set_new(o, "hex", json_string(hex));
	json_object_set_new(o, "name", json_string(a != NULL ? a->a_name : hex));
	json_object_set_new(o, "class", json_string(pqc_class_name(c)));
	if (len >= 0)
		json_object_set_new(o, "length", json_integer(len));
	if (a != NULL && a->a_class >= PQC_CLASS_HYBRID && !mismatch)
		json_object_set_new(o, "level", json_integer(a->a_level));
	if (a != NULL && a->a_pre_standard)
		json_object_set_new(o, "pre_standard", json_true());
	if (mismatch)
		json_object_set_new(o, "share_length_mismatch", json_true());
	if (cls != NULL)
		*cls = c;
	if (pre != NULL)
		*pre = a != NULL && a->a_pre_standard && !mismatch;
	return (o);
}

static bool
client_pq(const struct tls_client_hello *ch, const struct pqc_table *t)
{
	bool mismatch;

	for (unsigned i = 0; i < ch->ch_nshares; i++)
		if (pqc_alg_class(pqc_table_code(t, PQC_TLS_GROUP, ch->ch_shares[i].s_group), true,
			    ch->ch_shares[i].s_len, &mismatch) >= PQC_CLASS_HYBRID)
			return (true);
	for (unsigned i = 0; i < ch->ch_groups.l_n; i++) {
		const struct pqc_alg *a = pqc_table_code(t, PQC_TLS_GROUP, ch->ch_groups.l_v[i]);

		if (a != NULL && a->a_class >= PQC_CLASS_HYBRID)
			return (true);
	}
	return (false);
}

static json_t *
client_json(const struct tls_client_hello *ch, char proto, const struct pqc_table *t)
{
	char str[FP_STR_LEN], md5[FP_MD5_HEX], ja4[FP_JA4_LEN], vb[16];
	json_t *o = json_object(), *a;

	json_object_set_new(o, "legacy_version",
		json_string(tls_version_name(ch->ch_legacy_version, vb, sizeof(vb))));
	a = json_array();
	for (unsigned i = 0; i < ch->ch_versions.l_n; i++)
		if (!tls_is_grease(ch->ch_versions.l_v[i]))
			json_array_append_new(a, json_string(tls_version_name(
							 ch->ch_versions.l_v[i], vb, sizeof(vb))));
	json_object_set_new(o, "supported_versions", a);
	json_object_set_new(o, "ciphers", u16_array(&ch->ch_ciphers));
	json_object_set_new(o, "extensions", u16_array(&ch->ch_exts));
	a = json_array();
	for (unsigned i = 0; i < ch->ch_groups.l_n; i++)
		if (!tls_is_grease(ch->ch_groups.l_v[i]))
			json_array_append_new(a, alg_json(t, PQC_TLS_GROUP, ch->ch_groups.l_v[i],
							 -1, true, NULL, NULL));
	json_object_set_new(o, "groups", a);
	a = json_array();
	for (unsigned i = 0; i < ch->ch_nshares; i++)
		if (!tls_is_grease(ch->ch_shares[i].s_group))
			json_array_append_new(
				a, alg_json(t, PQC_TLS_GROUP, ch->ch_shares[i].s_group,
					   ch->ch_shares[i].s_len, true, NULL, NULL));
	json_object_set_new(o, "key_shares", a);
	a = json_array();
	for (unsigned i = 0; i < ch->ch_sigalgs.l_n; i++)
		if (!tls_is_grease(ch->ch_sigalgs.l_v[i]))
			json_array_append_new(a, alg_json(t, PQC_TLS_SIG, ch->ch_sigalgs.l_v[i], -1,
							 true, NULL, NULL));
	json_object_set_new(o, "signature_algorithms", a);
	a = json_array();
	for (unsigned i = 0; i < ch->ch_nalpn; i++)
		json_array_append_new(a, alpn_string(ch->ch_alpn[i], ch->ch_alpn_len[i]));
	json_object_set_new(o, "alpn", a);
	if (ch->ch_sni[0] != '\0')
		json_object_set_new(o, "sni", json_string(ch->ch_sni));
	if (fp_ja3(ch, str, sizeof(str), md5) == 0) {
		json_object_set_new(o, "ja3", json_string(md5));
		json_object_set_new(o, "ja3_string", json_string(str));
	}
	if (fp_ja4(ch, proto, ja4) == 0)
		json_object_set_new(o, "ja4", json_string(ja4));
	return (o);
}

static void
certs_json(json_t *so, const struct tls_server_hello *sh, const uint8_t *hs, size_t n,
	const struct pqc_table *t, struct pqc_session_stats *st)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < sh->sh_ncerts; i++) {
		const struct tls_cert_ref *c = &sh->sh_certs[i];
		json_t *ci = c->c_off + (size_t)c->c_len <= n
				     ? x509_info(hs + c->c_off, c->c_len, t)
				     : NULL;

		if (ci == NULL) {
			st->ss_bad_certs++;
			ci = json_object();
			json_object_set_new(
				ci, "error", json_string("not a readable X.509 certificate"));
		}
		json_array_append_new(a, ci);
	}
	json_object_set_new(so, "certificates", a);
}

/* The exchange of a TLS <= 1.2 session: ECDHE curve, DHE, or RSA key transport. */
static json_t *
kex12_json(const struct tls_server_hello *sh, const struct pqc_table *t, enum pqc_class *cls,
	bool *pre)
{
	json_t *k;

	if (sh->sh_ske_group != 0) {
		k = alg_json(t, PQC_TLS_GROUP, sh->sh_ske_group, -1, false, cls, pre);
		if (*cls == PQC_CLASS_UNKNOWN)
			*cls = PQC_CLASS_VULNERABLE;
		return (k);
	}
	k = json_object();
	*cls = PQC_CLASS_VULNERABLE;
	*pre = false;
	if (sh->sh_ske_dh_bits != 0) {
		json_object_set_new(k, "name", json_string("DHE"));
		json_object_set_new(k, "bits", json_integer(sh->sh_ske_dh_bits));
	} else {
		json_object_set_new(k, "name", json_string(sh->sh_done ? "RSA" : "classical"));
	}
	json_object_set_new(k, "class", json_string("vulnerable"));
	return (k);
}

static void
server_json(json_t *o, const struct tls_server_hello *sh, const uint8_t *hs, size_t n,
	const struct pqc_table *t, struct pqc_session_stats *st, enum pqc_class *cls, bool *pre)
{
	char str[FP_STR_LEN], md5[FP_MD5_HEX], vb[16], hex[8];
	uint16_t version = sh->sh_version != 0 ? sh->sh_version : sh->sh_legacy_version;
	json_t *so = json_object(), *neg = json_object();

	json_object_set_new(so, "legacy_version",
		json_string(tls_version_name(sh->sh_legacy_version, vb, sizeof(vb))));
	json_object_set_new(so, "extensions", u16_array(&sh->sh_exts));
	if (sh->sh_alpn_len > 0)
		json_object_set_new(so, "alpn", alpn_string(sh->sh_alpn, sh->sh_alpn_len));
	if (sh->sh_hrr) {
		json_object_set_new(so, "hello_retry_request", json_true());
		json_object_set_new(so, "hello_retry_group",
			alg_json(t, PQC_TLS_GROUP, sh->sh_hrr_group, -1, false, NULL, NULL));
	}
	if (sh->sh_share_group != 0)
		json_object_set_new(so, "key_share",
			alg_json(t, PQC_TLS_GROUP, sh->sh_share_group, sh->sh_share_len, false,
				NULL, NULL));
	if (sh->sh_ske_sigalg != 0)
		json_object_set_new(so, "ske_signature",
			alg_json(t, PQC_TLS_SIG, sh->sh_ske_sigalg, -1, false, NULL, NULL));
	if (fp_ja3s(sh, str, sizeof(str), md5) == 0) {
		json_object_set_new(so, "ja3s", json_string(md5));
		json_object_set_new(so, "ja3s_string", json_string(str));
	}
	if (sh->sh_ncerts > 0)
		certs_json(so, sh, hs, n, t, st);
	json_object_set_new(o, "server", so);

	json_object_set_new(neg, "version", json_string(tls_version_name(version, vb, sizeof(vb))));
	snprintf(hex, sizeof(hex), "0x%04x", sh->sh_cipher);
	json_object_set_new(neg, "cipher", json_integer(sh->sh_cipher));
	json_object_set_new(neg, "cipher_hex", json_string(hex));
	if (pqc_table_code(t, PQC_TLS_CIPHER, sh->sh_cipher) != NULL)
		json_object_set_new(neg, "cipher_name",
			json_string(pqc_table_code(t, PQC_TLS_CIPHER, sh->sh_cipher)->a_name));
	if (version >= 0x0304) {
		if (sh->sh_share_group != 0) {
			json_object_set_new(neg, "kex",
				alg_json(t, PQC_TLS_GROUP, sh->sh_share_group, sh->sh_share_len,
					false, cls, pre));
		} else {
			/* psk_ke resumption: no fresh exchange to classify. */
			json_object_set_new(neg, "kex", json_string("psk"));
			*cls = PQC_CLASS_UNKNOWN;
		}
	} else {
		json_object_set_new(neg, "kex", kex12_json(sh, t, cls, pre));
	}
	json_object_set_new(o, "negotiated", neg);
}

void
pqc_session_tls(json_t *o, const struct pqc_rec *rec, const struct pqc_table *t,
	struct pqc_session_stats *st)
{
	bool quic = rec->r_proto == PQC_PROTO_QUIC, stopped, pre = false, pq = false;
	const uint8_t *c = rec->r_data, *s = rec->r_data + rec->r_cap;
	size_t nc = rec->r_len[0], ns = rec->r_len[1];
	uint8_t *cb = NULL, *sb = NULL;
	struct tls_client_hello *ch = malloc(sizeof(*ch));
	struct tls_server_hello *sh = malloc(sizeof(*sh));
	enum pqc_class cls = PQC_CLASS_UNKNOWN;
	long k;

	if (ch == NULL || sh == NULL)
		goto out;
	if (!quic) {
		/* The handshake messages out of their records. */
		cb = malloc(nc + 1);
		sb = malloc(ns + 1);
		if (cb == NULL || sb == NULL)
			goto out;
		k = tls_unrecord(c, nc, cb, nc, &stopped);
		nc = k > 0 ? (size_t)k : 0;
		c = cb;
		k = tls_unrecord(s, ns, sb, ns, &stopped);
		ns = k > 0 ? (size_t)k : 0;
		s = sb;
	}
	if (tls_parse_client_hello(c, nc, ch) == 0) {
		json_object_set_new(o, "client", client_json(ch, quic ? 'q' : 't', t));
		if (ch->ch_sni[0] != '\0')
			json_object_set_new(o, "sni", json_string(ch->ch_sni));
		pq = client_pq(ch, t);
	} else {
		st->ss_parse_errors++;
		pqc_json_append(o, "errors", "client hello incomplete or malformed");
	}
	if (ns > 0 && tls_parse_server(s, ns, sh) == 0)
		server_json(o, sh, s, ns, t, st, &cls, &pre);
	else if (ns > 0)
		pqc_json_append(o, "errors", "server hello incomplete or malformed");
	pqc_json_classify(o, cls, pq, pre);
out:
	free(cb);
	free(sb);
	free(ch);
	free(sh);
}
