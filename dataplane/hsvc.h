/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsvc: the Hyperscan pattern service.  Plugins declare struct mm_pattern
 * through the host; the core compiles them all into a generation, and worker
 * lcores scan payloads against it and get (plugin, pattern id) back.
 *
 * Generations.  hsvc_gen_build() runs on the control thread, off the fast
 * path, over every pattern of every plugin.  The result is immutable except
 * for per-lcore counters and stream recycling lists, which only their lcore
 * writes.  The host publishes it with one pointer store, waits for RCU
 * quiescence and then frees the previous generation with hsvc_gen_free() --
 * once no stream of it is still open (hsvc_gen_streams_open(), see Streams).
 *
 * Layout: one database per (mode, protocol).  A pattern's scope is (mode,
 * proto, direction, server port).  Its mode and protocol choose the database
 * (block/TCP, block/UDP, stream/TCP, stream/UDP; a proto-0 pattern goes into
 * both, and when no pattern of a mode names a protocol the two share one
 * database); its direction and port are checked when a match is dispatched.
 * The alternative, one database per exact scope, means a TCP payload to port
 * 23 must be scanned against every database whose scope admits it -- (tcp or
 * any proto) x (to_server or any dir) x (23 or any port): up to eight
 * hs_scan() calls, each with its fixed cost (scratch check, prefilter setup),
 * for payloads of ~300 bytes.  benchmarks/hyperscan measured the layouts on
 * the shared captures with 606 IoT credential, banner, loader, exploit, C2,
 * DNS and SNI patterns over 19 ports: exact scopes (23 databases) scanned at
 * 0.57-0.62 of the merged layout's speed; one database per (proto, server
 * port) holding that port's patterns and all any-port ones (21 databases)
 * scanned once, as fast as the merged layout, but compiled in 2.2 s into
 * 3.1 MB instead of 0.22 s into 350 KiB, and grows with every port a plugin
 * names.  The merged layout costs one hs_scan() per payload plus, per raw
 * match, a 12-byte table lookup and two compares; it ran at 0.93-1.04 of
 * raw hs_scan() over one database of the whole set.
 *
 * Ids.  Every pattern is known by its index in the array given to
 * hsvc_gen_build() (its global id, the Hyperscan id in every database it is
 * in).  The match callback maps it to (plugin index, plugin's pattern id) and
 * filters on direction and port.  Compile errors are mapped the same way:
 * Hyperscan's expression index names the plugin, the pattern id and the
 * expression in the message.
 *
 * Cache.  Each compiled database is serialised to <cache_dir>/<key>.hsdb,
 * key = BLAKE2b-256 (libsodium) of the Hyperscan version, the platform
 * (hs_populate_platform: tuning and CPU features), the mode flags and every
 * (id, flags, expression) in order.  The file carries its key and a BLAKE2b
 * digest of the serialised bytes, checked before hs_deserialize_database(),
 * so a restart with the same patterns does not recompile and a damaged file
 * is detected, reported with a warning naming it, recompiled and replaced.
 * Files are written to a temporary name, fsync()ed and renamed, so a crash
 * never leaves a half-written file under a key name.  A cache that cannot be
 * read or written costs a compile and a warning, never the build.
 *
 * Scratch.  One hs_alloc_scratch() sized for all databases of the
 * generation, then hs_clone_scratch() per lcore (0..nlcores-1), each in its
 * own cache line-aligned slot.  Nothing is allocated on the scan path.
 *
 * Streams.  A struct hsvc_stream lives in the caller's memory (the flow
 * entry); hs_open_stream() allocates the Hyperscan stream state
 * (hsvc_gen_stream_size() bytes) with Hyperscan's stream allocator, malloc by
 * default.  To keep that off the steady state, a closed stream is reset with
 * hs_reset_stream() (which reports end-of-data matches exactly as
 * hs_close_stream() does) and kept on its lcore's recycling list for the next
 * hsvc_stream_open() on that lcore, up to HSVC_STREAM_RECYCLE per database
 * and lcore; the lists are freed with the generation.  hs_set_stream_allocator()
 * is not used: it is process-wide and its callback gets no lcore or pool
 * context, so a per-lcore pool behind it would need thread-local state in
 * every thread that ever calls Hyperscan.  A stream stays bound to the
 * generation it was opened in (its database and that generation's scratch):
 * the host frees an old generation only when hsvc_gen_streams_open() is 0;
 * streams cover the bounded opening bytes of a connection, so old ones drain
 * quickly after a reload.
 *
 * Threads.  hsvc_gen_build, hsvc_gen_free, hsvc_gen_stats and
 * hsvc_cache_prune run on the control thread.  The scan and stream functions
 * run on worker lcore `lcore`; two threads must never use the same lcore
 * index at once (its scratch would be in use: HS_SCRATCH_IN_USE).
 *
 * Errors: control functions return 0 or a negative errno and write a message
 * naming the thing into err; scan functions return a count of matches or a
 * negative hs_error_t, which is also counted in the lcore's scan errors.
 */
#ifndef DP_HSVC_H
#define DP_HSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mamori/plugin.h>

/* Closed streams kept for reuse, per stream database and lcore. */
#define HSVC_STREAM_RECYCLE 256
/* Bound on nlcores: a sanity check on the argument, not a design limit. */
#define HSVC_LCORES_MAX 1024

struct hs_stream;
struct hsvc_db;
struct hsvc_gen;

/* One pattern as the host collected it: the plugin's declaration and its owner. */
struct hsvc_pattern {
	struct mm_pattern hp_pat;
	uint32_t hp_plugin;         /* the owning plugin's index in the host's table */
	const char *hp_plugin_name; /* for error messages */
};

/*
 * Called once per match in scope, in Hyperscan's order: from is 0 unless the
 * pattern has HS_FLAG_SOM_LEFTMOST; to is the offset just past the match (in
 * stream mode, from the start of the stream).  A non-zero return stops the
 * scan (of a stream: for good; later scans of it report nothing).
 */
typedef int (*hsvc_match_fn)(
	void *ctx, uint32_t plugin, uint32_t pattern_id, uint64_t from, uint64_t to);

/* A stream in the caller's memory; opaque apart from its size. */
struct hsvc_stream {
	struct hs_stream *st_hs;     /* NULL: no stream patterns for this protocol */
	const struct hsvc_db *st_db; /* its database, and through it its generation */
	uint16_t st_port;            /* server port */
	uint8_t st_dir;              /* MM_DIR_TO_SERVER or MM_DIR_TO_CLIENT */
};

struct hsvc_stats {
	uint32_t st_patterns;     /* patterns given to hsvc_gen_build */
	uint32_t st_databases;    /* distinct databases */
	uint32_t st_cache_hits;   /* databases loaded from the cache */
	uint32_t st_cache_misses; /* databases compiled (no cache, no file, or a bad one) */
	uint32_t st_cache_bad;    /* cache files found damaged or unloadable, then replaced */
	uint32_t st_lcores;
	uint64_t st_build_ns;      /* hsvc_gen_build, all of it */
	uint64_t st_compile_ns;    /* in hs_compile_ext_multi */
	uint64_t st_db_bytes;      /* hs_database_size, summed */
	uint64_t st_scratch_bytes; /* hs_scratch_size of one lcore's scratch */
	uint64_t st_stream_size;   /* hs_stream_size: largest of the stream databases */
	uint64_t st_scan_errors;   /* Hyperscan errors on the scan path, all lcores */
	int64_t st_streams_open;   /* open streams, all lcores */
};

/*
 * Builds a generation from v[0..n-1] (copied: v may go after the call).
 * cache_dir (NULL: no cache) is created if missing.  Returns 0 and *out, or a
 * negative errno with a message in err: -EINVAL for a bad pattern or one
 * Hyperscan refuses (plugin, pattern id, expression and Hyperscan's reason),
 * -ENOMEM, -ENOTSUP when Hyperscan cannot run on this CPU.
 */
int hsvc_gen_build(const struct hsvc_pattern *v, size_t n, const char *cache_dir, unsigned nlcores,
	struct hsvc_gen **out, char *err, size_t errlen);

/* Frees the databases, scratches and recycled streams.  NULL is a no-op. */
void hsvc_gen_free(struct hsvc_gen *g);

void hsvc_gen_stats(const struct hsvc_gen *g, struct hsvc_stats *st);

/* Stream state bytes for proto (what the flow table budgets); 0: no stream patterns. */
size_t hsvc_gen_stream_size(const struct hsvc_gen *g, uint8_t proto);

/* Streams opened in g and not yet closed, on all lcores. */
int64_t hsvc_gen_streams_open(const struct hsvc_gen *g);

/*
 * Removes the *.hsdb files in cache_dir that g does not use (left by earlier
 * pattern sets).  Returns how many were removed, or a negative errno.
 */
int hsvc_cache_prune(const struct hsvc_gen *g, const char *cache_dir);

/*
 * Scans one payload with the block database of proto (IPPROTO_TCP or
 * IPPROTO_UDP; any other has no patterns) and calls cb for each match whose
 * scope admits the direction and server port.  cb may be NULL (count only).
 * Returns the number of matches reported, or a negative hs_error_t.
 */
int hsvc_scan_block(const struct hsvc_gen *g, unsigned lcore, uint8_t proto, bool to_server,
	uint16_t server_port, const void *data, uint32_t len, hsvc_match_fn cb, void *ctx);

/*
 * Opens a stream for one direction of a connection.  Returns 0 (with
 * s->st_hs NULL, an inert stream, when proto has no stream patterns) or a
 * negative hs_error_t.  Reuses a recycled stream of the lcore when it can.
 */
int hsvc_stream_open(const struct hsvc_gen *g, unsigned lcore, uint8_t proto, bool to_server,
	uint16_t server_port, struct hsvc_stream *s);

/* The generation a stream was opened in (NULL for an inert stream). */
const struct hsvc_gen *hsvc_stream_gen(const struct hsvc_stream *s);

/* Scans the next bytes of the stream; returns matches reported or a negative hs_error_t. */
int hsvc_stream_scan(struct hsvc_stream *s, unsigned lcore, const void *data, uint32_t len,
	hsvc_match_fn cb, void *ctx);

/*
 * Ends the stream, reporting matches that need the end of data ("$"), and
 * leaves it inert.  Returns matches reported or a negative hs_error_t.
 */
int hsvc_stream_close(struct hsvc_stream *s, unsigned lcore, hsvc_match_fn cb, void *ctx);

#endif /* DP_HSVC_H */
