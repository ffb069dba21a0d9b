/* SPDX-License-Identifier: BSD-3-Clause */
/* SSH openings to pqc_session objects: banners, KEXINIT lists, HASSH, negotiation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "session.h"
#include "ssh.h"

static json_t *
str_json(const struct ssh_str *s)
{
	json_t *j = json_stringn(s->s_p, s->s_len);

	/* A banner is ASCII by the RFC; anything else is logged escaped by jansson or dropped. */
	return (j != NULL ? j : json_string("(not UTF-8)"));
}

static json_t *
names_json(const struct ssh_str *list)
{
	json_t *a = json_array();
	size_t pos = 0;

	while (pos < list->s_len) {
		const char *p = list->s_p + pos;
		const char *comma = memchr(p, ',', list->s_len - pos);
		size_t l = comma != NULL ? (size_t)(comma - p) : list->s_len - pos;
		json_t *j = json_stringn(p, l);

		if (j != NULL)
			json_array_append_new(a, j);
		pos += l + 1;
	}
	return (a);
}

/* HASSH (client) or HASSHServer: MD5 of "kex;enc;mac;comp" of the side's own direction. */
static void
hassh(json_t *o, const struct ssh_side *sd, bool server, const char *key)
{
	const struct ssh_str *l[4] = { &sd->sd_lists[SSH_KEX],
		&sd->sd_lists[server ? SSH_ENC_SC : SSH_ENC_CS],
		&sd->sd_lists[server ? SSH_MAC_SC : SSH_MAC_CS],
		&sd->sd_lists[server ? SSH_COMP_SC : SSH_COMP_CS] };
	size_t n = 0, w = 0;
	char md5[FP_MD5_HEX], k[32], *s;

	for (int i = 0; i < 4; i++)
		n += l[i]->s_len + 1;
	if ((s = malloc(n)) == NULL)
		return;
	for (int i = 0; i < 4; i++) {
		memcpy(s + w, l[i]->s_p, l[i]->s_len);
		w += l[i]->s_len;
		s[w++] = i < 3 ? ';' : '\0';
	}
	if (fp_md5_hex(s, w - 1, md5) == 0) {
		json_object_set_new(o, key, json_string(md5));
		snprintf(k, sizeof(k), "%s_string", key);
		json_object_set_new(o, k, json_stringn(s, w - 1));
	}
	free(s);
}

static json_t *
side_json(const struct ssh_side *sd, bool server)
{
	json_t *o = json_object();

	json_object_set_new(o, "banner", str_json(&sd->sd_banner));
	if (!sd->sd_kexinit)
		return (o);
	json_object_set_new(o, "kex", names_json(&sd->sd_lists[SSH_KEX]));
	json_object_set_new(o, "host_key", names_json(&sd->sd_lists[SSH_HOSTKEY]));
	json_object_set_new(
		o, "encryption", names_json(&sd->sd_lists[server ? SSH_ENC_SC : SSH_ENC_CS]));
	json_object_set_new(o, "mac", names_json(&sd->sd_lists[server ? SSH_MAC_SC : SSH_MAC_CS]));
	json_object_set_new(
		o, "compression", names_json(&sd->sd_lists[server ? SSH_COMP_SC : SSH_COMP_CS]));
	hassh(o, sd, server, server ? "hassh_server" : "hassh");
	return (o);
}

static json_t *
classified(const struct pqc_table *t, enum pqc_kind kind, const struct ssh_str *name,
	enum pqc_class *cls, bool *pre)
{
	const struct pqc_alg *a = pqc_table_name(t, kind, name->s_p, name->s_len);
	json_t *o = json_object();

	json_object_set_new(o, "name", str_json(name));
	json_object_set_new(o, "class",
		json_string(pqc_class_name(a != NULL ? a->a_class : PQC_CLASS_UNKNOWN)));
	if (a != NULL && a->a_class >= PQC_CLASS_HYBRID)
		json_object_set_new(o, "level", json_integer(a->a_level));
	if (a != NULL && a->a_pre_standard)
		json_object_set_new(o, "pre_standard", json_true());
	if (cls != NULL)
		*cls = a != NULL ? (enum pqc_class)a->a_class : PQC_CLASS_UNKNOWN;
	if (pre != NULL)
		*pre = a != NULL && a->a_pre_standard;
	return (o);
}

static bool
client_pq(const struct ssh_side *c, const struct pqc_table *t)
{
	const struct ssh_str *l = &c->sd_lists[SSH_KEX];
	size_t pos = 0;

	while (pos < l->s_len) {
		const char *p = l->s_p + pos;
		const char *comma = memchr(p, ',', l->s_len - pos);
		size_t n = comma != NULL ? (size_t)(comma - p) : l->s_len - pos;
		const struct pqc_alg *a = pqc_table_name(t, PQC_SSH_KEX, p, n);

		if (a != NULL && a->a_class >= PQC_CLASS_HYBRID)
			return (true);
		pos += n + 1;
	}
	return (false);
}

static void
negotiated(json_t *o, const struct ssh_side *c, const struct ssh_side *s, const struct pqc_table *t,
	enum pqc_class *cls, bool *pre)
{
	static const struct {
		const char *key;
		int list;
	} other[] = {
		{ "cipher_cs", SSH_ENC_CS },
		{ "cipher_sc", SSH_ENC_SC },
		{ "mac_cs", SSH_MAC_CS },
		{ "mac_sc", SSH_MAC_SC },
		{ "compression_cs", SSH_COMP_CS },
		{ "compression_sc", SSH_COMP_SC },
	};
	json_t *neg = json_object();
	struct ssh_str name;

	if (ssh_negotiate(&c->sd_lists[SSH_KEX], &s->sd_lists[SSH_KEX], &name))
		json_object_set_new(neg, "kex", classified(t, PQC_SSH_KEX, &name, cls, pre));
	else
		pqc_json_append(o, "errors", "no key exchange algorithm in common");
	if (ssh_negotiate(&c->sd_lists[SSH_HOSTKEY], &s->sd_lists[SSH_HOSTKEY], &name))
		json_object_set_new(
			neg, "host_key", classified(t, PQC_SSH_HOSTKEY, &name, NULL, NULL));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (ssh_negotiate(&c->sd_lists[other[i].list], &s->sd_lists[other[i].list], &name))
			json_object_set_new(neg, other[i].key, str_json(&name));
	json_object_set_new(o, "negotiated", neg);
}

void
pqc_session_ssh(json_t *o, const struct pqc_rec *rec, const struct pqc_table *t,
	struct pqc_session_stats *st)
{
	struct ssh_side c, s;
	enum pqc_class cls = PQC_CLASS_UNKNOWN;
	bool cok, sok, pre = false, pq = false;
	int rc, rs;

	rc = ssh_parse(rec->r_data, rec->r_len[0], &c);
	rs = ssh_parse(rec->r_data + rec->r_cap, rec->r_len[1], &s);
	cok = rc == 0 || (rc == -EAGAIN && c.sd_banner.s_len > 0);
	sok = rs == 0 || (rs == -EAGAIN && s.sd_banner.s_len > 0);
	if (cok) {
		json_object_set_new(o, "client", side_json(&c, false));
		pq = c.sd_kexinit && client_pq(&c, t);
	}
	if (sok)
		json_object_set_new(o, "server", side_json(&s, true));
	if (rc != 0) {
		st->ss_parse_errors += rc != -EAGAIN;
		pqc_json_append(o, "errors", "client KEXINIT incomplete or malformed");
	}
	if (rs != 0)
		pqc_json_append(o, "errors", "server KEXINIT incomplete or malformed");
	if (rc == 0 && rs == 0)
		negotiated(o, &c, &s, t, &cls, &pre);
	pqc_json_classify(o, cls, pq, pre);
}
