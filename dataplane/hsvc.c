/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Hyperscan pattern service: generations, per-lcore scratch, block and
 * stream scanning with dispatch by (plugin, pattern id).  The design is in
 * hsvc.h; the cache of compiled databases is in hsvc_cache.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs.h>
#include <sodium.h>

#include "hsvc.h"
#include "hsvc_int.h"

#define HSVC_NMODES     2 /* enum mm_pattern_mode */
#define HSVC_NPROTOS    2 /* TCP, UDP */
#define HSVC_MAX_DB     (HSVC_NMODES * HSVC_NPROTOS)
#define HSVC_CACHE_LINE 64

#define hsvc_unlikely(x) __builtin_expect(!!(x), 0)

/* What the match callback needs of a pattern: 12 bytes, looked up by global id. */
struct hsvc_entry {
	uint32_t e_plugin;
	uint32_t e_id;   /* the plugin's pattern id */
	uint16_t e_port; /* server port, 0: any */
	uint8_t e_dir;   /* enum mm_pattern_dir */
};

struct hsvc_db {
	hs_database_t *db_hs;
	const struct hsvc_gen *db_gen;
	const struct hsvc_entry *db_ent; /* the generation's table, indexed by global id */
	unsigned db_index;               /* in g_db[], and in each lcore's recycling lists */
	uint32_t db_npat;
	uint8_t db_mode;       /* enum mm_pattern_mode */
	size_t db_bytes;       /* hs_database_size */
	size_t db_stream_size; /* hs_stream_size; 0 for block databases */
	uint8_t db_key[HSVC_KEY_LEN];
};

/* One worker lcore's slot: only that lcore writes it on the fast path. */
struct hsvc_lcore {
	hs_scratch_t *lc_scratch;
	_Atomic uint64_t lc_scan_errors;
	_Atomic int64_t lc_streams_open;
	hs_stream_t **lc_recycle[HSVC_MAX_DB]; /* closed streams, per stream database */
	uint32_t lc_nrecycle[HSVC_MAX_DB];
} __attribute__((aligned(HSVC_CACHE_LINE)));

struct hsvc_gen {
	struct hsvc_db *g_slot[HSVC_NMODES][HSVC_NPROTOS]; /* NULL: no patterns there */
	struct hsvc_db g_db[HSVC_MAX_DB];
	unsigned g_ndb;
	struct hsvc_entry *g_ent;
	unsigned g_nlcores;
	struct hsvc_lcore *g_lcores;
	struct hsvc_stats g_stats; /* the build-time part */
};

/* The callback's context, on the scanning lcore's stack. */
struct hsvc_mctx {
	const struct hsvc_entry *m_ent;
	hsvc_match_fn m_cb;
	void *m_ctx;
	uint32_t m_count;
	uint16_t m_port;
	uint8_t m_dir;
};

/* Everything one database build needs, to keep argument lists short. */
struct hsvc_build {
	const struct hsvc_pattern *b_pat;
	size_t b_n;
	const char *b_cache_dir; /* NULL: no cache */
	hs_platform_info_t b_plat;
	char *b_err;
	size_t b_errlen;
	/* Scratch arrays for one database, sized n. */
	const char **b_expr;
	unsigned *b_flags;
	unsigned *b_ids;
};

static const uint8_t hsvc_protos[HSVC_NPROTOS] = { IPPROTO_TCP, IPPROTO_UDP };
static const char *const hsvc_mode_names[HSVC_NMODES] = { "block", "stream" };

static uint64_t
hsvc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static void hsvc_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
hsvc_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
hsvc_proto_name(uint8_t proto)
{
	return (proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "any");
}

static inline int
hsvc_proto_slot(uint8_t proto)
{
	return (proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1 : -1);
}

/* Counts on the owning lcore without a locked instruction; readers sum with relaxed loads. */
static inline void
hsvc_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(
		c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

static inline void
hsvc_count_streams(_Atomic int64_t *c, int64_t d)
{
	atomic_store_explicit(
		c, atomic_load_explicit(c, memory_order_relaxed) + d, memory_order_relaxed);
}

static int
hsvc_check_pattern(const struct hsvc_pattern *p, char *err, size_t errlen)
{
	const struct mm_pattern *pt = &p->hp_pat;
	const char *name = p->hp_plugin_name != NULL ? p->hp_plugin_name : "?";

	if (pt->pt_expr == NULL) {
		hsvc_errf(err, errlen, "plugin %s pattern %u: no expression", name, pt->pt_id);
		return (-EINVAL);
	}
	if (pt->pt_mode != MM_PATTERN_BLOCK && pt->pt_mode != MM_PATTERN_STREAM) {
		hsvc_errf(err, errlen,
			"plugin %s pattern %u \"%s\": mode %u, expected block (%d) "
			"or stream (%d)",
			name, pt->pt_id, pt->pt_expr, pt->pt_mode, MM_PATTERN_BLOCK,
			MM_PATTERN_STREAM);
		return (-EINVAL);
	}
	if (pt->pt_proto != 0 && pt->pt_proto != IPPROTO_TCP && pt->pt_proto != IPPROTO_UDP) {
		hsvc_errf(err, errlen,
			"plugin %s pattern %u \"%s\": protocol %u, expected tcp "
			"(%d), udp (%d) or 0 for both",
			name, pt->pt_id, pt->pt_expr, pt->pt_proto, IPPROTO_TCP, IPPROTO_UDP);
		return (-EINVAL);
	}
	if (pt->pt_dir > MM_DIR_TO_CLIENT) {
		hsvc_errf(err, errlen,
			"plugin %s pattern %u \"%s\": direction %u, expected any "
			"(0), to server (1) or to client (2)",
			name, pt->pt_id, pt->pt_expr, pt->pt_dir);
		return (-EINVAL);
	}
	return (0);
}

/* Hyperscan's compile error, named by plugin, pattern id and expression. */
static void
hsvc_compile_errf(const struct hsvc_build *b, const hs_compile_error_t *ce, unsigned mode,
	uint8_t proto, uint32_t npat)
{
	if (ce->expression >= 0 && (uint32_t)ce->expression < npat) {
		const struct hsvc_pattern *p = &b->b_pat[b->b_ids[ce->expression]];

		hsvc_errf(b->b_err, b->b_errlen, "plugin %s pattern %u \"%s\": %s",
			p->hp_plugin_name != NULL ? p->hp_plugin_name : "?", p->hp_pat.pt_id,
			p->hp_pat.pt_expr, ce->message);
	} else {
		hsvc_errf(b->b_err, b->b_errlen, "%s database for %s (%u patterns): %s",
			hsvc_mode_names[mode], hsvc_proto_name(proto), npat, ce->message);
	}
}

/*
 * Compiles (or loads from the cache) the database of (mode, proto), or
 * shares the TCP one for UDP when no pattern of the mode names a protocol.
 */
static int
hsvc_db_make(struct hsvc_gen *g, struct hsvc_build *b, unsigned mode, unsigned ps)
{
	uint8_t proto = hsvc_protos[ps];
	unsigned hs_mode = mode == MM_PATTERN_BLOCK ? HS_MODE_BLOCK : HS_MODE_STREAM;
	bool som = false, proto_specific = false;
	enum hsvc_cache_res cres = HSVC_CACHE_ABSENT;
	hs_compile_error_t *ce = NULL;
	struct hsvc_db *db;
	uint32_t k = 0;
	hs_error_t rc;

	for (size_t i = 0; i < b->b_n; i++) {
		const struct mm_pattern *pt = &b->b_pat[i].hp_pat;

		if (pt->pt_mode != mode)
			continue;
		if (pt->pt_proto != 0)
			proto_specific = true;
		if (pt->pt_proto != 0 && pt->pt_proto != proto)
			continue;
		b->b_expr[k] = pt->pt_expr;
		b->b_flags[k] = pt->pt_flags;
		b->b_ids[k] = (unsigned)i;
		if (pt->pt_flags & HS_FLAG_SOM_LEFTMOST)
			som = true;
		k++;
	}
	if (k == 0)
		return (0);
	if (ps > 0 && !proto_specific) {
		g->g_slot[mode][ps] = g->g_slot[mode][0];
		return (0);
	}
	/* Start of match in streams only within the bounded opening bytes: 2^16 is plenty. */
	if (mode == MM_PATTERN_STREAM && som)
		hs_mode |= HS_MODE_SOM_HORIZON_SMALL;

	db = &g->g_db[g->g_ndb];
	db->db_gen = g;
	db->db_ent = g->g_ent;
	db->db_index = g->g_ndb;
	db->db_npat = k;
	db->db_mode = (uint8_t)mode;
	hsvc_cache_key(&b->b_plat, hs_mode, b->b_expr, b->b_flags, b->b_ids, k, db->db_key);
	if (b->b_cache_dir != NULL)
		cres = hsvc_cache_load(b->b_cache_dir, db->db_key, &db->db_hs);
	if (cres == HSVC_CACHE_HIT) {
		g->g_stats.st_cache_hits++;
	} else {
		uint64_t t0 = hsvc_now_ns();

		if (cres == HSVC_CACHE_BAD)
			g->g_stats.st_cache_bad++;
		g->g_stats.st_cache_misses++;
		rc = hs_compile_ext_multi(b->b_expr, b->b_flags, b->b_ids, NULL, k, hs_mode,
			&b->b_plat, &db->db_hs, &ce);
		g->g_stats.st_compile_ns += hsvc_now_ns() - t0;
		if (rc != HS_SUCCESS) {
			db->db_hs = NULL;
			if (ce != NULL) {
				hsvc_compile_errf(b, ce, mode, proto, k);
				hs_free_compile_error(ce);
			} else {
				hsvc_errf(b->b_err, b->b_errlen,
					"%s database for %s: Hyperscan "
					"error %d",
					hsvc_mode_names[mode], hsvc_proto_name(proto), rc);
			}
			return (rc == HS_NOMEM ? -ENOMEM : -EINVAL);
		}
		if (b->b_cache_dir != NULL)
			(void)hsvc_cache_store(b->b_cache_dir, db->db_key, db->db_hs);
	}
	g->g_ndb++;
	g->g_slot[mode][ps] = db;
	if (hs_database_size(db->db_hs, &db->db_bytes) != HS_SUCCESS)
		db->db_bytes = 0;
	if (mode == MM_PATTERN_STREAM &&
		hs_stream_size(db->db_hs, &db->db_stream_size) != HS_SUCCESS)
		db->db_stream_size = 0;
	g->g_stats.st_db_bytes += db->db_bytes;
	if (db->db_stream_size > g->g_stats.st_stream_size)
		g->g_stats.st_stream_size = db->db_stream_size;
	return (0);
}

/* One scratch for every database, then a clone per lcore, and the recycling lists. */
static int
hsvc_lcores_init(struct hsvc_gen *g, char *err, size_t errlen)
{
	hs_scratch_t *proto = NULL;
	size_t sz = 0;
	hs_error_t rc;

	g->g_lcores = aligned_alloc(HSVC_CACHE_LINE, sizeof(*g->g_lcores) * g->g_nlcores);
	if (g->g_lcores == NULL) {
		hsvc_errf(err, errlen, "no memory for %u lcore slots", g->g_nlcores);
		return (-ENOMEM);
	}
	memset(g->g_lcores, 0, sizeof(*g->g_lcores) * g->g_nlcores);
	if (g->g_ndb == 0)
		return (0);
	for (unsigned i = 0; i < g->g_ndb; i++) {
		if ((rc = hs_alloc_scratch(g->g_db[i].db_hs, &proto)) != HS_SUCCESS) {
			hsvc_errf(err, errlen, "hs_alloc_scratch for database %u of %u: error %d",
				i, g->g_ndb, rc);
			hs_free_scratch(proto);
			return (rc == HS_NOMEM ? -ENOMEM : -EINVAL);
		}
	}
	if (hs_scratch_size(proto, &sz) == HS_SUCCESS)
		g->g_stats.st_scratch_bytes = sz;
	g->g_lcores[0].lc_scratch = proto;
	for (unsigned l = 1; l < g->g_nlcores; l++) {
		if (hs_clone_scratch(proto, &g->g_lcores[l].lc_scratch) != HS_SUCCESS) {
			g->g_lcores[l].lc_scratch = NULL;
			hsvc_errf(err, errlen, "no memory to clone scratch for lcore %u", l);
			return (-ENOMEM);
		}
	}
	for (unsigned l = 0; l < g->g_nlcores; l++) {
		for (unsigned i = 0; i < g->g_ndb; i++) {
			if (g->g_db[i].db_mode != MM_PATTERN_STREAM)
				continue;
			g->g_lcores[l].lc_recycle[i] =
				calloc(HSVC_STREAM_RECYCLE, sizeof(hs_stream_t *));
			if (g->g_lcores[l].lc_recycle[i] == NULL) {
				hsvc_errf(err, errlen, "no memory for lcore %u's stream lists", l);
				return (-ENOMEM);
			}
		}
	}
	return (0);
}

int
hsvc_gen_build(const struct hsvc_pattern *v, size_t n, const char *cache_dir, unsigned nlcores,
	struct hsvc_gen **out, char *err, size_t errlen)
{
	uint64_t t0 = hsvc_now_ns();
	struct hsvc_build b;
	struct hsvc_gen *g;
	int rv;

	if (out == NULL || (n > 0 && v == NULL)) {
		hsvc_errf(err, errlen, "hsvc_gen_build: no pattern array or no result pointer");
		return (-EINVAL);
	}
	*out = NULL;
	if (nlcores == 0 || nlcores > HSVC_LCORES_MAX) {
		hsvc_errf(err, errlen, "%u lcores: expected 1 to %u", nlcores, HSVC_LCORES_MAX);
		return (-EINVAL);
	}
	if (n > UINT32_MAX) {
		hsvc_errf(err, errlen, "%zu patterns: at most %u", n, UINT32_MAX);
		return (-E2BIG);
	}
	for (size_t i = 0; i < n; i++)
		if ((rv = hsvc_check_pattern(&v[i], err, errlen)) != 0)
			return (rv);
	if (hs_valid_platform() != HS_SUCCESS) {
		hsvc_errf(err, errlen, "Hyperscan %s cannot run on this CPU (it needs SSSE3)",
			hs_version());
		return (-ENOTSUP);
	}
	if (sodium_init() < 0) {
		hsvc_errf(err, errlen, "libsodium failed to initialise (cache keys)");
		return (-EIO);
	}

	memset(&b, 0, sizeof(b));
	b.b_pat = v;
	b.b_n = n;
	b.b_err = err;
	b.b_errlen = errlen;
	if (cache_dir != NULL && hsvc_cache_prepare(cache_dir) == 0)
		b.b_cache_dir = cache_dir;
	if (hs_populate_platform(&b.b_plat) != HS_SUCCESS) {
		hsvc_errf(err, errlen, "hs_populate_platform failed");
		return (-ENOTSUP);
	}
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		hsvc_errf(err, errlen, "no memory for a generation");
		return (-ENOMEM);
	}
	g->g_nlcores = nlcores;
	g->g_stats.st_patterns = (uint32_t)n;
	g->g_stats.st_lcores = nlcores;
	g->g_ent = calloc(n > 0 ? n : 1, sizeof(*g->g_ent));
	b.b_expr = calloc(n > 0 ? n : 1, sizeof(*b.b_expr));
	b.b_flags = calloc(n > 0 ? n : 1, sizeof(*b.b_flags));
	b.b_ids = calloc(n > 0 ? n : 1, sizeof(*b.b_ids));
	if (g->g_ent == NULL || b.b_expr == NULL || b.b_flags == NULL || b.b_ids == NULL) {
		hsvc_errf(err, errlen, "no memory for %zu patterns", n);
		rv = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		g->g_ent[i].e_plugin = v[i].hp_plugin;
		g->g_ent[i].e_id = v[i].hp_pat.pt_id;
		g->g_ent[i].e_port = v[i].hp_pat.pt_port;
		g->g_ent[i].e_dir = v[i].hp_pat.pt_dir;
	}
	for (unsigned mode = 0; mode < HSVC_NMODES; mode++)
		for (unsigned ps = 0; ps < HSVC_NPROTOS; ps++)
			if ((rv = hsvc_db_make(g, &b, mode, ps)) != 0)
				goto fail;
	if ((rv = hsvc_lcores_init(g, err, errlen)) != 0)
		goto fail;
	g->g_stats.st_databases = g->g_ndb;
	g->g_stats.st_build_ns = hsvc_now_ns() - t0;
	free(b.b_expr);
	free(b.b_flags);
	free(b.b_ids);
	*out = g;
	return (0);
fail:
	free(b.b_expr);
	free(b.b_flags);
	free(b.b_ids);
	hsvc_gen_free(g);
	return (rv);
}

void
hsvc_gen_free(struct hsvc_gen *g)
{
	if (g == NULL)
		return;
	for (unsigned l = 0; g->g_lcores != NULL && l < g->g_nlcores; l++) {
		struct hsvc_lcore *lc = &g->g_lcores[l];

		for (unsigned i = 0; i < HSVC_MAX_DB; i++) {
			for (uint32_t j = 0; j < lc->lc_nrecycle[i]; j++)
				hs_close_stream(lc->lc_recycle[i][j], NULL, NULL, NULL);
			free(lc->lc_recycle[i]);
		}
		hs_free_scratch(lc->lc_scratch);
	}
	free(g->g_lcores);
	for (unsigned i = 0; i < g->g_ndb; i++)
		hs_free_database(g->g_db[i].db_hs);
	free(g->g_ent);
	free(g);
}

void
hsvc_gen_stats(const struct hsvc_gen *g, struct hsvc_stats *st)
{
	*st = g->g_stats;
	for (unsigned l = 0; l < g->g_nlcores; l++) {
		st->st_scan_errors +=
			atomic_load_explicit(&g->g_lcores[l].lc_scan_errors, memory_order_relaxed);
		st->st_streams_open +=
			atomic_load_explicit(&g->g_lcores[l].lc_streams_open, memory_order_relaxed);
	}
}

size_t
hsvc_gen_stream_size(const struct hsvc_gen *g, uint8_t proto)
{
	int ps = hsvc_proto_slot(proto);

	if (ps < 0 || g->g_slot[MM_PATTERN_STREAM][ps] == NULL)
		return (0);
	return (g->g_slot[MM_PATTERN_STREAM][ps]->db_stream_size);
}

int64_t
hsvc_gen_streams_open(const struct hsvc_gen *g)
{
	int64_t n = 0;

	for (unsigned l = 0; l < g->g_nlcores; l++)
		n += atomic_load_explicit(&g->g_lcores[l].lc_streams_open, memory_order_relaxed);
	return (n);
}

int
hsvc_cache_prune(const struct hsvc_gen *g, const char *cache_dir)
{
	uint8_t keys[HSVC_MAX_DB][HSVC_KEY_LEN];

	if (g == NULL || cache_dir == NULL)
		return (-EINVAL);
	for (unsigned i = 0; i < g->g_ndb; i++)
		memcpy(keys[i], g->g_db[i].db_key, HSVC_KEY_LEN);
	return (hsvc_cache_prune_keys(cache_dir, (const uint8_t(*)[HSVC_KEY_LEN])keys, g->g_ndb));
}

/* Hyperscan's callback: map the global id, filter on scope, hand on. */
static int
hsvc_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	void *arg)
{
	struct hsvc_mctx *m = arg;
	const struct hsvc_entry *e = &m->m_ent[id];

	if ((e->e_port != 0 && e->e_port != m->m_port) ||
		(e->e_dir != MM_DIR_ANY && e->e_dir != m->m_dir))
		return (0);
	m->m_count++;
	if (m->m_cb != NULL && m->m_cb(m->m_ctx, e->e_plugin, e->e_id, from, to) != 0)
		return (1);
	return (0);
}

static inline int
hsvc_scan_result(struct hsvc_lcore *lc, hs_error_t rc, const struct hsvc_mctx *m)
{
	if (hsvc_unlikely(rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)) {
		hsvc_count(&lc->lc_scan_errors);
		return (rc);
	}
	return ((int)m->m_count);
}

int
hsvc_scan_block(const struct hsvc_gen *g, unsigned lcore, uint8_t proto, bool to_server,
	uint16_t server_port, const void *data, uint32_t len, hsvc_match_fn cb, void *ctx)
{
	int ps = hsvc_proto_slot(proto);
	const struct hsvc_db *db;
	struct hsvc_lcore *lc;
	struct hsvc_mctx m;

	if (ps < 0 || (db = g->g_slot[MM_PATTERN_BLOCK][ps]) == NULL)
		return (0);
	if (hsvc_unlikely(lcore >= g->g_nlcores))
		return (HS_INVALID);
	lc = &g->g_lcores[lcore];
	m.m_ent = db->db_ent;
	m.m_cb = cb;
	m.m_ctx = ctx;
	m.m_count = 0;
	m.m_port = server_port;
	m.m_dir = to_server ? MM_DIR_TO_SERVER : MM_DIR_TO_CLIENT;
	return (hsvc_scan_result(
		lc, hs_scan(db->db_hs, data, len, 0, lc->lc_scratch, hsvc_on_match, &m), &m));
}

int
hsvc_stream_open(const struct hsvc_gen *g, unsigned lcore, uint8_t proto, bool to_server,
	uint16_t server_port, struct hsvc_stream *s)
{
	int ps = hsvc_proto_slot(proto);
	const struct hsvc_db *db;
	struct hsvc_lcore *lc;
	hs_error_t rc;

	memset(s, 0, sizeof(*s));
	if (ps < 0 || (db = g->g_slot[MM_PATTERN_STREAM][ps]) == NULL)
		return (0);
	if (hsvc_unlikely(lcore >= g->g_nlcores))
		return (HS_INVALID);
	lc = &g->g_lcores[lcore];
	if (lc->lc_nrecycle[db->db_index] > 0) {
		s->st_hs = lc->lc_recycle[db->db_index][--lc->lc_nrecycle[db->db_index]];
	} else if ((rc = hs_open_stream(db->db_hs, 0, &s->st_hs)) != HS_SUCCESS) {
		s->st_hs = NULL;
		hsvc_count(&lc->lc_scan_errors);
		return (rc);
	}
	s->st_db = db;
	s->st_port = server_port;
	s->st_dir = to_server ? MM_DIR_TO_SERVER : MM_DIR_TO_CLIENT;
	hsvc_count_streams(&lc->lc_streams_open, 1);
	return (0);
}

const struct hsvc_gen *
hsvc_stream_gen(const struct hsvc_stream *s)
{
	return (s->st_hs != NULL ? s->st_db->db_gen : NULL);
}

int
hsvc_stream_scan(struct hsvc_stream *s, unsigned lcore, const void *data, uint32_t len,
	hsvc_match_fn cb, void *ctx)
{
	const struct hsvc_gen *g;
	struct hsvc_lcore *lc;
	struct hsvc_mctx m;

	if (s->st_hs == NULL)
		return (0);
	g = s->st_db->db_gen;
	if (hsvc_unlikely(lcore >= g->g_nlcores))
		return (HS_INVALID);
	lc = &g->g_lcores[lcore];
	m.m_ent = s->st_db->db_ent;
	m.m_cb = cb;
	m.m_ctx = ctx;
	m.m_count = 0;
	m.m_port = s->st_port;
	m.m_dir = s->st_dir;
	return (hsvc_scan_result(
		lc, hs_scan_stream(s->st_hs, data, len, 0, lc->lc_scratch, hsvc_on_match, &m), &m));
}

int
hsvc_stream_close(struct hsvc_stream *s, unsigned lcore, hsvc_match_fn cb, void *ctx)
{
	const struct hsvc_db *db = s->st_db;
	const struct hsvc_gen *g;
	struct hsvc_lcore *lc;
	struct hsvc_mctx m;
	hs_error_t rc;

	if (s->st_hs == NULL)
		return (0);
	g = db->db_gen;
	if (hsvc_unlikely(lcore >= g->g_nlcores))
		return (HS_INVALID);
	lc = &g->g_lcores[lcore];
	m.m_ent = db->db_ent;
	m.m_cb = cb;
	m.m_ctx = ctx;
	m.m_count = 0;
	m.m_port = s->st_port;
	m.m_dir = s->st_dir;
	if (lc->lc_nrecycle[db->db_index] < HSVC_STREAM_RECYCLE) {
		/* Reports end-of-data matches as hs_close_stream would, and keeps the memory. */
		rc = hs_reset_stream(s->st_hs, 0, lc->lc_scratch, hsvc_on_match, &m);
		if (rc == HS_SUCCESS || rc == HS_SCAN_TERMINATED)
			lc->lc_recycle[db->db_index][lc->lc_nrecycle[db->db_index]++] = s->st_hs;
		else
			hs_close_stream(s->st_hs, NULL, NULL, NULL);
	} else {
		rc = hs_close_stream(s->st_hs, lc->lc_scratch, hsvc_on_match, &m);
	}
	hsvc_count_streams(&lc->lc_streams_open, -1);
	memset(s, 0, sizeof(*s));
	return (hsvc_scan_result(lc, rc, &m));
}
