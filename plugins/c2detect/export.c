/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C&C list and its CSV and STIX 2.1 exports: see export.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mamori/log.h>

#include "c2detect.h"

static bool
same(const uint8_t a[16], uint16_t ap, uint8_t aproto, const uint8_t b[16], uint16_t bp,
	uint8_t bproto)
{
	return (ap == bp && aproto == bproto && memcmp(a, b, 16) == 0);
}

static int
rank_of(const char *level)
{
	return (strcmp(level, "high") == 0 ? 3 : strcmp(level, "medium") == 0 ? 2 : 1);
}

void
c2_export_note(struct c2_global *g, const uint8_t addr[16], uint16_t port, uint8_t proto,
	const char *kind, double score, const char *level, double first, double last,
	uint32_t clients)
{
	struct c2_servers *sl = &g->g_srv;
	struct c2_server *s = NULL;

	for (size_t i = 0; i < sl->sl_n; i++)
		if (same(sl->sl_v[i].sv_addr, sl->sl_v[i].sv_port, sl->sl_v[i].sv_proto, addr, port,
			    proto) &&
			strcmp(sl->sl_v[i].sv_kind, kind) == 0)
			s = &sl->sl_v[i];
	if (s == NULL) {
		if (sl->sl_n == sl->sl_cap) {
			size_t cap = sl->sl_cap ? 2 * sl->sl_cap : 32;
			struct c2_server *v = realloc(sl->sl_v, cap * sizeof(*v));

			if (v == NULL)
				return;
			sl->sl_v = v;
			sl->sl_cap = cap;
		}
		s = &sl->sl_v[sl->sl_n++];
		memset(s, 0, sizeof(*s));
		memcpy(s->sv_addr, addr, 16);
		s->sv_port = port;
		s->sv_proto = proto;
		snprintf(s->sv_kind, sizeof(s->sv_kind), "%s", kind);
		s->sv_first = first;
	}
	if (score > s->sv_score)
		s->sv_score = score;
	if ((uint8_t)rank_of(level) > s->sv_rank)
		s->sv_rank = (uint8_t)rank_of(level);
	if (first < s->sv_first)
		s->sv_first = first;
	if (last > s->sv_last)
		s->sv_last = last;
	if (clients > s->sv_clients)
		s->sv_clients = clients;
	sl->sl_dirty = true;
}

bool
c2_fanin_reported(
	struct c2_global *g, const uint8_t addr[16], uint16_t port, uint8_t proto, int rank)
{
	const struct c2_servers *sl = &g->g_srv;

	for (size_t i = 0; i < sl->sl_n; i++)
		if (same(sl->sl_v[i].sv_addr, sl->sl_v[i].sv_port, sl->sl_v[i].sv_proto, addr, port,
			    proto) &&
			strcmp(sl->sl_v[i].sv_kind, "fanin") == 0)
			return (sl->sl_v[i].sv_rank >= rank);
	return (false);
}

static const char *const level_names[] = { "none", "low", "medium", "high" };

/* STIX wants millisecond precision on created and modified. */
static void
iso(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* A stable STIX identifier: a version-4-shaped UUID from the server's key. */
static void
stix_id(const char *type, const struct c2_server *s, char *buf, size_t len)
{
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	uint8_t u[16];

	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 16; i++)
			h[k] = (h[k] ^ s->sv_addr[i]) * 0x100000001b3ULL;
		h[k] = (h[k] ^ s->sv_port) * 0x100000001b3ULL;
		h[k] = (h[k] ^ s->sv_proto) * 0x100000001b3ULL;
		h[k] = (h[k] ^ (uint64_t)(unsigned char)s->sv_kind[0]) * 0x100000001b3ULL;
		for (const char *t = type; *t != '\0'; t++)
			h[k] = (h[k] ^ (uint64_t)(unsigned char)*t) * 0x100000001b3ULL;
		h[k] ^= h[k] >> 29;
	}
	memcpy(u, h, 16);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(buf, len,
		"%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type,
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		u[13], u[14], u[15]);
}

static int
write_csv(struct c2_global *g, const char *path)
{
	const struct c2_servers *sl = &g->g_srv;
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return (-errno);
	fprintf(f, "address,port,proto,kind,level,score,clients,first_seen,last_seen,"
		   "feed_listed,lead_time_s,mark\n");
	for (size_t i = 0; i < sl->sl_n; i++) {
		const struct c2_server *s = &sl->sl_v[i];
		bool confirmed = c2_set_contains(&g->g_confirmed, s->sv_addr);
		const struct c2_feed_entry *e = c2_feeds_first(&g->g_feeds, s->sv_addr);
		char a[64], t0[32], t1[32], fl[32] = "", lead[32] = "";

		c2_addr_format(s->sv_addr, a, sizeof(a));
		iso(s->sv_first, t0, sizeof(t0));
		iso(s->sv_last, t1, sizeof(t1));
		for (size_t k = 0; e != NULL && k < g->g_det.dt_n; k++)
			if (memcmp(g->g_det.dt_v[k].d_addr, s->sv_addr, 16) == 0) {
				iso((double)e->fe_published, fl, sizeof(fl));
				snprintf(lead, sizeof(lead), "%lld",
					(long long)(e->fe_published - g->g_det.dt_v[k].d_time));
			}
		if (c2_set_contains(&g->g_allow, s->sv_addr))
			continue; /* marked a false positive since */
		fprintf(f, "%s,%u,%s,%s,%s,%.3f,%u,%s,%s,%s,%s,%s\n", a, s->sv_port,
			s->sv_proto == 6    ? "TCP"
			: s->sv_proto == 17 ? "UDP"
					    : "other",
			s->sv_kind, level_names[s->sv_rank], s->sv_score, s->sv_clients, t0, t1, fl,
			lead, confirmed ? "confirmed" : "");
	}
	return (fclose(f) == 0 ? 0 : -errno);
}

static int
write_stix(struct c2_global *g, const char *path)
{
	const struct c2_servers *sl = &g->g_srv;
	json_t *bundle, *objs = json_array(), *ident;
	char now[32], idbuf[96], bid[96];
	struct c2_server me;
	int rv;

	memset(&me, 0, sizeof(me));
	snprintf(me.sv_kind, sizeof(me.sv_kind), "self");
	iso((double)time(NULL), now, sizeof(now));
	stix_id("identity", &me, idbuf, sizeof(idbuf));
	ident = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "identity", "spec_version",
		"2.1", "id", idbuf, "created", now, "modified", now, "name",
		"Mamori appliance (c2detect)", "identity_class", "system");
	json_array_append_new(objs, ident);
	for (size_t i = 0; i < sl->sl_n; i++) {
		const struct c2_server *s = &sl->sl_v[i];
		char a[64], pat[160], first[32], id[96], desc[256];
		bool v4 =
			c2_addr_format(s->sv_addr, a, sizeof(a)) != NULL && strchr(a, ':') == NULL;

		if (c2_set_contains(&g->g_allow, s->sv_addr))
			continue;

		snprintf(pat, sizeof(pat), "[%s:value = '%s']", v4 ? "ipv4-addr" : "ipv6-addr", a);
		iso(s->sv_first, first, sizeof(first));
		stix_id("indicator", s, id, sizeof(id));
		snprintf(desc, sizeof(desc),
			"C&C candidate found by %s scoring on %s port %u: level %s, score %.3f, "
			"%u client(s)",
			s->sv_kind,
			s->sv_proto == 6    ? "TCP"
			: s->sv_proto == 17 ? "UDP"
					    : "IP",
			s->sv_port, level_names[s->sv_rank], s->sv_score, s->sv_clients);
		json_array_append_new(
			objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[s],s:s,s:s,s:s,s:i,s:s}",
				      "type", "indicator", "spec_version", "2.1", "id", id,
				      "created", now, "modified", now, "name", a, "description",
				      desc, "indicator_types", "malicious-activity", "pattern", pat,
				      "pattern_type", "stix", "valid_from", first, "confidence",
				      (int)(s->sv_score * 100 + 0.5), "created_by_ref", idbuf));
	}
	me.sv_kind[0] = 'b';
	me.sv_port = (uint16_t)sl->sl_n;
	stix_id("bundle", &me, bid, sizeof(bid));
	bundle = json_pack("{s:s,s:s,s:o}", "type", "bundle", "id", bid, "objects", objs);
	rv = json_dump_file(bundle, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 ? 0 : -EIO;
	json_decref(bundle);
	return (rv);
}

void
c2_export_write(struct c2_global *g)
{
	char csv[4096], stix[4096], tmp[4200];
	const char *dir = g->g_export_dir;
	int rv;

	if (!g->g_srv.sl_dirty)
		return;
	if (dir == NULL && (dir = c2_state_dir(g)) == NULL)
		return; /* not made yet: the next round writes */
	snprintf(csv, sizeof(csv), "%s/c2-servers.csv", dir);
	snprintf(stix, sizeof(stix), "%s/c2-servers.stix.json", dir);
	/* Written aside and renamed: a reader never sees half a list. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", csv);
	if ((rv = write_csv(g, tmp)) < 0 || rename(tmp, csv) != 0) {
		c2_out_log(
			g, MM_LOG_ERR, "cannot write %s: %s", csv, strerror(rv < 0 ? -rv : errno));
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", stix);
	if ((rv = write_stix(g, tmp)) < 0 || rename(tmp, stix) != 0) {
		c2_out_log(
			g, MM_LOG_ERR, "cannot write %s: %s", stix, strerror(rv < 0 ? -rv : errno));
		return;
	}
	g->g_srv.sl_dirty = false;
}

void
c2_export_fini(struct c2_servers *sl)
{
	free(sl->sl_v);
	sl->sl_v = NULL;
	sl->sl_n = sl->sl_cap = 0;
}

void
c2_evidence_add(
	struct c2_servers *sl, const uint8_t addr[16], uint16_t port, uint8_t proto, uint8_t bits)
{
	struct c2_evidence *e;

	for (size_t i = 0; i < sl->sl_nev; i++)
		if (same(sl->sl_ev[i].ev_addr, sl->sl_ev[i].ev_port, sl->sl_ev[i].ev_proto, addr,
			    port, proto)) {
			sl->sl_ev[i].ev_bits |= bits;
			return;
		}
	/* Full: the oldest slot goes. */
	e = &sl->sl_ev[sl->sl_evnext];
	sl->sl_evnext = (sl->sl_evnext + 1) % C2_EVIDENCE_SLOTS;
	if (sl->sl_nev < C2_EVIDENCE_SLOTS)
		sl->sl_nev++;
	memcpy(e->ev_addr, addr, 16);
	e->ev_port = port;
	e->ev_proto = proto;
	e->ev_bits = bits;
}

uint8_t
c2_evidence_get(const struct c2_servers *sl, const uint8_t addr[16], uint16_t port, uint8_t proto)
{
	for (size_t i = 0; i < sl->sl_nev; i++)
		if (same(sl->sl_ev[i].ev_addr, sl->sl_ev[i].ev_port, sl->sl_ev[i].ev_proto, addr,
			    port, proto))
			return (sl->sl_ev[i].ev_bits);
	return (0);
}
