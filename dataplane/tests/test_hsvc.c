/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the Hyperscan pattern service: dispatch to (plugin, pattern id),
 * scope filtering, compile errors, the database cache (hits, damaged files,
 * pruning), streams across split buffers, and per-lcore scratch from two
 * threads at once.  Plain C, Hyperscan and libsodium: no EAL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs.h>

#include "hsvc.h"
#include "mm_test.h"

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

struct match {
	uint32_t m_plugin;
	uint32_t m_id;
	uint64_t m_from;
	uint64_t m_to;
};

struct mlist {
	struct match ml_m[64];
	unsigned ml_n;
	unsigned ml_stop_after; /* 0: never stop the scan */
};

static int
collect(void *ctx, uint32_t plugin, uint32_t id, uint64_t from, uint64_t to)
{
	struct mlist *ml = ctx;

	if (ml->ml_n < sizeof(ml->ml_m) / sizeof(ml->ml_m[0]))
		ml->ml_m[ml->ml_n++] = (struct match){ plugin, id, from, to };
	return (ml->ml_stop_after != 0 && ml->ml_n >= ml->ml_stop_after);
}

static bool
has(const struct mlist *ml, uint32_t plugin, uint32_t id, uint64_t to)
{
	for (unsigned i = 0; i < ml->ml_n; i++)
		if (ml->ml_m[i].m_plugin == plugin && ml->ml_m[i].m_id == id &&
			ml->ml_m[i].m_to == to)
			return (true);
	return (false);
}

static const char *const plugin_names[] = { "alpha", "beta" };

static struct hsvc_pattern
pat(uint32_t plugin, uint32_t id, const char *expr, uint32_t flags, uint8_t proto, uint8_t mode,
	uint8_t dir, uint16_t port)
{
	struct hsvc_pattern p = {
		.hp_pat = { .pt_id = id,
			.pt_expr = expr,
			.pt_flags = flags,
			.pt_proto = proto,
			.pt_mode = mode,
			.pt_dir = dir,
			.pt_port = port },
		.hp_plugin = plugin,
		.hp_plugin_name = plugin_names[plugin],
	};

	return (p);
}

/* Block scan of a string, matches into ml (cleared first). */
static int
scan(const struct hsvc_gen *g, uint8_t proto, bool to_server, uint16_t port, const char *s,
	struct mlist *ml)
{
	memset(ml, 0, sizeof(*ml));
	return (hsvc_scan_block(g, 0, proto, to_server, port, s, (uint32_t)strlen(s), collect, ml));
}

/* Offset just past the first occurrence of needle in hay. */
static uint64_t
end_of(const char *hay, const char *needle)
{
	return ((uint64_t)(strstr(hay, needle) - hay + strlen(needle)));
}

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/test_hsvc.XXXXXX";
	char *d = mkdtemp(tmpl);

	return (d != NULL ? strdup(d) : NULL);
}

/* The *.hsdb files in dir, their paths into out (up to max); returns how many. */
static unsigned
cache_files(const char *dir, char out[][512], unsigned max)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".hsdb") != 0)
			continue;
		if (n < max)
			snprintf(out[n], 512, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	return (n);
}

static void
rmtree(char *dir)
{
	struct dirent *de;
	DIR *d;

	if (dir == NULL)
		return;
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* Redirects stderr into a file while a build runs, to read its warnings. */
static int saved_stderr = -1;

static void
stderr_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void
stderr_back(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

static void
read_file(const char *path, char *buf, size_t size)
{
	ssize_t r;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return;
	r = read(fd, buf, size - 1);
	buf[r > 0 ? r : 0] = '\0';
	close(fd);
}

MM_TEST(dispatch_two_plugins)
{
	struct hsvc_pattern v[] = {
		pat(0, 1, "USER root", 0, 0, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
		pat(0, 2, "passw(or)?d\\s*[:=]", HS_FLAG_CASELESS, 0, MM_PATTERN_BLOCK, MM_DIR_ANY,
			0),
		pat(1, 1, "/bin/busybox [A-Z]+", HS_FLAG_SINGLEMATCH, 0, MM_PATTERN_BLOCK,
			MM_DIR_ANY, 0),
		pat(1, 7, "xc3511", 0, 0, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
	};
	const char *data = "USER root\r\nPassword: xc3511\r\n/bin/busybox MIRAI\r\n";
	struct hsvc_gen *g = NULL;
	struct hsvc_stats st;
	struct mlist ml;
	char err[256];

	MM_ASSERT_EQ(hsvc_gen_build(v, 4, NULL, 1, &g, err, sizeof(err)), 0);
	hsvc_gen_stats(g, &st);
	MM_ASSERT_EQ(st.st_patterns, 4);
	MM_ASSERT_EQ(st.st_databases, 1); /* proto 0 only: TCP and UDP share it */
	MM_ASSERT_EQ(st.st_cache_hits + st.st_cache_misses, 1);

	MM_ASSERT_EQ(scan(g, TCP, true, 23, data, &ml), 4);
	MM_ASSERT(has(&ml, 0, 1, end_of(data, "USER root")));
	MM_ASSERT(has(&ml, 0, 2, end_of(data, "Password:")));
	MM_ASSERT(has(&ml, 1, 7, end_of(data, "xc3511")));
	MM_ASSERT(has(&ml, 1, 1, end_of(data, "busybox M")));
	MM_ASSERT_EQ(scan(g, UDP, false, 9999, data, &ml), 4);
	MM_ASSERT_EQ(scan(g, IPPROTO_ICMP, true, 0, data, &ml), 0);

	/* A callback that stops the scan: one match reported, and no error. */
	memset(&ml, 0, sizeof(ml));
	ml.ml_stop_after = 1;
	MM_ASSERT_EQ(
		hsvc_scan_block(g, 0, TCP, true, 23, data, (uint32_t)strlen(data), collect, &ml),
		1);
	/* Counting only. */
	MM_ASSERT_EQ(
		hsvc_scan_block(g, 0, TCP, true, 23, data, (uint32_t)strlen(data), NULL, NULL), 4);
	hsvc_gen_stats(g, &st);
	MM_ASSERT_EQ(st.st_scan_errors, 0);
	hsvc_gen_free(g);
}

MM_TEST(scope_port_dir_proto)
{
	struct hsvc_pattern v[] = {
		pat(0, 10, "GET /", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_TO_SERVER, 80),
		pat(0, 11, "HTTP/1\\.[01] 200", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_TO_CLIENT, 0),
		pat(1, 12, "login:", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 23),
		pat(1, 13, "dnsq", 0, UDP, MM_PATTERN_BLOCK, MM_DIR_ANY, 53),
		pat(1, 14, "anyany", 0, 0, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
	};
	struct hsvc_gen *g = NULL;
	struct hsvc_stats st;
	struct mlist ml;
	char err[256];

	MM_ASSERT_EQ(hsvc_gen_build(v, 5, NULL, 1, &g, err, sizeof(err)), 0);
	hsvc_gen_stats(g, &st);
	MM_ASSERT_EQ(st.st_databases, 2); /* block/tcp and block/udp */

	MM_ASSERT_EQ(scan(g, TCP, true, 80, "GET / HTTP/1.1", &ml), 1);
	MM_ASSERT(has(&ml, 0, 10, 5));
	MM_ASSERT_EQ(scan(g, TCP, true, 23, "GET / HTTP/1.1", &ml), 0);  /* wrong port */
	MM_ASSERT_EQ(scan(g, TCP, false, 80, "GET / HTTP/1.1", &ml), 0); /* wrong direction */
	MM_ASSERT_EQ(scan(g, UDP, true, 80, "GET / HTTP/1.1", &ml), 0);  /* wrong protocol */

	MM_ASSERT_EQ(scan(g, TCP, false, 8080, "HTTP/1.1 200 OK", &ml), 1);
	MM_ASSERT(has(&ml, 0, 11, 12));
	MM_ASSERT_EQ(scan(g, TCP, true, 8080, "HTTP/1.1 200 OK", &ml), 0);

	MM_ASSERT_EQ(scan(g, TCP, false, 23, "login:", &ml), 1);
	MM_ASSERT(has(&ml, 1, 12, 6));
	MM_ASSERT_EQ(scan(g, TCP, true, 23, "login:", &ml), 1);
	MM_ASSERT_EQ(scan(g, TCP, false, 2323, "login:", &ml), 0);

	MM_ASSERT_EQ(scan(g, UDP, true, 53, "dnsq", &ml), 1);
	MM_ASSERT(has(&ml, 1, 13, 4));
	MM_ASSERT_EQ(scan(g, TCP, true, 53, "dnsq", &ml), 0);

	MM_ASSERT_EQ(scan(g, TCP, true, 1, "anyany", &ml), 1);
	MM_ASSERT_EQ(scan(g, UDP, false, 2, "anyany", &ml), 1);
	MM_ASSERT(has(&ml, 1, 14, 6));
	hsvc_gen_free(g);
}

MM_TEST(compile_error_names_pattern)
{
	struct hsvc_pattern v[] = {
		pat(0, 1, "fine", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
		pat(1, 99, "foo(bar", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
	};
	struct hsvc_pattern bad_proto = pat(1, 5, "x", 0, IPPROTO_ICMP, 0, 0, 0);
	struct hsvc_gen *g = (struct hsvc_gen *)&g;
	char err[256] = "";

	MM_ASSERT_EQ(hsvc_gen_build(v, 2, NULL, 1, &g, err, sizeof(err)), -EINVAL);
	MM_ASSERT(g == NULL);
	MM_ASSERT(strstr(err, "beta") != NULL);
	MM_ASSERT(strstr(err, "99") != NULL);
	MM_ASSERT(strstr(err, "\"foo(bar\"") != NULL);
	MM_ASSERT(strstr(err, "parenthes") != NULL); /* Hyperscan's own reason */

	MM_ASSERT_EQ(hsvc_gen_build(&bad_proto, 1, NULL, 1, &g, err, sizeof(err)), -EINVAL);
	MM_ASSERT(strstr(err, "beta pattern 5") != NULL);
	MM_ASSERT_EQ(hsvc_gen_build(v, 1, NULL, 0, &g, err, sizeof(err)), -EINVAL);
}

MM_TEST(empty_set_and_bad_lcore)
{
	struct hsvc_pattern v[] = {
		pat(0, 1, "abc", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
	};
	struct hsvc_gen *g = NULL;
	struct hsvc_stream s;
	struct hsvc_stats st;
	struct mlist ml;
	char err[256];

	MM_ASSERT_EQ(hsvc_gen_build(NULL, 0, NULL, 2, &g, err, sizeof(err)), 0);
	hsvc_gen_stats(g, &st);
	MM_ASSERT_EQ(st.st_databases, 0);
	MM_ASSERT_EQ(scan(g, TCP, true, 80, "abc", &ml), 0);
	MM_ASSERT_EQ(hsvc_stream_open(g, 1, TCP, true, 80, &s), 0);
	MM_ASSERT(s.st_hs == NULL);
	MM_ASSERT_EQ(hsvc_stream_scan(&s, 1, "abc", 3, NULL, NULL), 0);
	MM_ASSERT_EQ(hsvc_stream_close(&s, 1, NULL, NULL), 0);
	hsvc_gen_free(g);

	MM_ASSERT_EQ(hsvc_gen_build(v, 1, NULL, 2, &g, err, sizeof(err)), 0);
	MM_ASSERT(hsvc_scan_block(g, 2, TCP, true, 80, "abc", 3, NULL, NULL) < 0);
	MM_ASSERT_EQ(hsvc_scan_block(g, 1, TCP, true, 80, "abc", 3, NULL, NULL), 1);
	hsvc_gen_free(g);
}

static const struct hsvc_pattern cache_set[] = {
	{ { 1, "USER\\s+root", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_TO_SERVER, 23 }, 0, "alpha" },
	{ { 2, "HTTP/1\\.1 401", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_TO_CLIENT, 0 }, 0, "alpha" },
	{ { 3, "\\x03cnc\\x07example", HS_FLAG_CASELESS, UDP, MM_PATTERN_BLOCK, MM_DIR_ANY, 53 }, 1,
		"beta" },
	{ { 4, "SSH-2\\.0-[\\x21-\\x7e]+\\r\\n", 0, TCP, MM_PATTERN_STREAM, MM_DIR_ANY, 0 }, 1,
		"beta" },
};
#define CACHE_SET_N (sizeof(cache_set) / sizeof(cache_set[0]))

/* The matches of a few payloads, to compare two generations. */
static void
probe(const struct hsvc_gen *g, struct mlist out[3])
{
	scan(g, TCP, true, 23, "xx USER  root\r\n", &out[0]);
	scan(g, TCP, false, 80, "HTTP/1.1 401 Unauthorized", &out[1]);
	scan(g, UDP, true, 53,
		"..\x03"
		"CNC\x07"
		"example\x03"
		"com",
		&out[2]);
}

MM_TEST(cache_hit_same_matches)
{
	char *dir = tmpdir();
	char files[8][512];
	struct hsvc_gen *g1 = NULL, *g2 = NULL, *g3 = NULL;
	struct hsvc_pattern other = cache_set[0];
	struct hsvc_stats s1, s2;
	struct mlist m1[3], m2[3];
	char err[256];

	MM_ASSERT(dir != NULL);
	MM_ASSERT_EQ(hsvc_gen_build(cache_set, CACHE_SET_N, dir, 1, &g1, err, sizeof(err)), 0);
	hsvc_gen_stats(g1, &s1);
	MM_ASSERT_EQ(s1.st_databases, 3); /* block/tcp, block/udp, stream/tcp */
	MM_ASSERT_EQ(s1.st_cache_misses, 3);
	MM_ASSERT_EQ(s1.st_cache_hits, 0);
	MM_ASSERT(s1.st_compile_ns > 0);
	MM_ASSERT(s1.st_db_bytes > 0);
	MM_ASSERT(s1.st_stream_size > 0);
	MM_ASSERT_EQ(cache_files(dir, files, 8), 3);

	MM_ASSERT_EQ(hsvc_gen_build(cache_set, CACHE_SET_N, dir, 1, &g2, err, sizeof(err)), 0);
	hsvc_gen_stats(g2, &s2);
	MM_ASSERT_EQ(s2.st_cache_hits, 3);
	MM_ASSERT_EQ(s2.st_cache_misses, 0);
	MM_ASSERT_EQ(s2.st_compile_ns, 0);
	MM_ASSERT_EQ(s2.st_db_bytes, s1.st_db_bytes);
	MM_ASSERT_EQ(s2.st_stream_size, s1.st_stream_size);

	probe(g1, m1);
	probe(g2, m2);
	for (int i = 0; i < 3; i++) {
		MM_ASSERT_EQ(m1[i].ml_n, 1);
		MM_ASSERT_EQ(m2[i].ml_n, m1[i].ml_n);
		MM_ASSERT(memcmp(m1[i].ml_m, m2[i].ml_m, sizeof(struct match) * m1[i].ml_n) == 0);
	}

	/* Another pattern set in the same directory, then prune: only its files remain. */
	other.hp_pat.pt_expr = "PASS\\s+admin";
	MM_ASSERT_EQ(hsvc_gen_build(&other, 1, dir, 1, &g3, err, sizeof(err)), 0);
	MM_ASSERT_EQ(cache_files(dir, files, 8), 4);
	MM_ASSERT_EQ(hsvc_cache_prune(g3, dir), 3);
	MM_ASSERT_EQ(cache_files(dir, files, 8), 1);

	hsvc_gen_free(g1);
	hsvc_gen_free(g2);
	hsvc_gen_free(g3);
	rmtree(dir);
}

MM_TEST(cache_damaged_recompiled)
{
	char *dir = tmpdir();
	char files[8][512], log[4096], logpath[600];
	struct hsvc_gen *g1 = NULL, *g2 = NULL, *g3 = NULL;
	struct hsvc_stats st;
	struct mlist m1[3], m2[3];
	struct stat sb;
	char err[256];
	int fd;

	MM_ASSERT(dir != NULL);
	MM_ASSERT_EQ(hsvc_gen_build(cache_set, CACHE_SET_N, dir, 1, &g1, err, sizeof(err)), 0);
	MM_ASSERT_EQ(cache_files(dir, files, 8), 3);

	/* One file with a byte flipped in its payload, one cut inside its header. */
	MM_ASSERT_EQ(stat(files[0], &sb), 0);
	fd = open(files[0], O_RDWR);
	MM_ASSERT(fd >= 0);
	{
		off_t off = sb.st_size / 2 + 40;
		uint8_t c;

		MM_ASSERT_EQ(pread(fd, &c, 1, off), 1);
		c ^= 0x5a;
		MM_ASSERT_EQ(pwrite(fd, &c, 1, off), 1);
	}
	close(fd);
	MM_ASSERT_EQ(truncate(files[1], 50), 0);

	snprintf(logpath, sizeof(logpath), "%s/stderr.txt", dir);
	stderr_to(logpath);
	MM_ASSERT_EQ(hsvc_gen_build(cache_set, CACHE_SET_N, dir, 1, &g2, err, sizeof(err)), 0);
	stderr_back();
	read_file(logpath, log, sizeof(log));
	unlink(logpath);

	hsvc_gen_stats(g2, &st);
	MM_ASSERT_EQ(st.st_cache_bad, 2);
	MM_ASSERT_EQ(st.st_cache_misses, 2);
	MM_ASSERT_EQ(st.st_cache_hits, 1);
	MM_ASSERT(strstr(log, "warning") != NULL);
	MM_ASSERT(strstr(log, files[0]) != NULL);
	MM_ASSERT(strstr(log, files[1]) != NULL);
	MM_ASSERT(strstr(log, "digest mismatch") != NULL);
	MM_ASSERT(strstr(log, "shorter than its") != NULL);
	probe(g1, m1);
	probe(g2, m2);
	for (int i = 0; i < 3; i++) {
		MM_ASSERT_EQ(m2[i].ml_n, 1);
		MM_ASSERT(memcmp(m1[i].ml_m, m2[i].ml_m, sizeof(struct match)) == 0);
	}

	/* Replaced: the next build loads all three. */
	MM_ASSERT_EQ(hsvc_gen_build(cache_set, CACHE_SET_N, dir, 1, &g3, err, sizeof(err)), 0);
	hsvc_gen_stats(g3, &st);
	MM_ASSERT_EQ(st.st_cache_hits, 3);
	MM_ASSERT_EQ(st.st_cache_bad, 0);
	MM_ASSERT_EQ(cache_files(dir, files, 8), 3);

	hsvc_gen_free(g1);
	hsvc_gen_free(g2);
	hsvc_gen_free(g3);
	rmtree(dir);
}

MM_TEST(stream_split_buffers)
{
	struct hsvc_pattern v[] = {
		pat(0, 1, "USER\\s+root", 0, TCP, MM_PATTERN_STREAM, MM_DIR_TO_SERVER, 0),
		pat(1, 2, "PASS\\s+\\w+\\r\\n", HS_FLAG_SOM_LEFTMOST, TCP, MM_PATTERN_STREAM,
			MM_DIR_ANY, 0),
		pat(0, 3, "quit$", 0, TCP, MM_PATTERN_STREAM, MM_DIR_ANY, 0),
		pat(1, 4, "blockonly", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
	};
	static const char *const chunks[] = { "US", "ER   ro", "ot\r\nPA", "SS secr", "et\r\nqu",
		"it" };
	const char *all = "USER   root\r\nPASS secret\r\nquit";
	struct hsvc_gen *g = NULL;
	struct hsvc_stream s, u;
	struct hsvc_stats st;
	struct mlist ml;
	char err[256];
	int n = 0;

	MM_ASSERT_EQ(hsvc_gen_build(v, 4, NULL, 1, &g, err, sizeof(err)), 0);
	MM_ASSERT(hsvc_gen_stream_size(g, TCP) > 0);
	MM_ASSERT_EQ(hsvc_gen_stream_size(g, UDP), 0);

	memset(&ml, 0, sizeof(ml));
	MM_ASSERT_EQ(hsvc_stream_open(g, 0, TCP, true, 21, &s), 0);
	MM_ASSERT(s.st_hs != NULL);
	MM_ASSERT_EQ(hsvc_gen_streams_open(g), 1);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		int r = hsvc_stream_scan(
			&s, 0, chunks[i], (uint32_t)strlen(chunks[i]), collect, &ml);

		MM_ASSERT(r >= 0);
		n += r;
	}
	MM_ASSERT_EQ(n, 2);
	MM_ASSERT(has(&ml, 0, 1, end_of(all, "root")));
	MM_ASSERT(has(&ml, 1, 2, end_of(all, "secret\r\n")));
	for (unsigned i = 0; i < ml.ml_n; i++)
		if (ml.ml_m[i].m_id == 2)
			MM_ASSERT_EQ(ml.ml_m[i].m_from, strstr(all, "PASS") - all);
	/* "quit$" needs the end of data: reported by the close. */
	MM_ASSERT_EQ(hsvc_stream_close(&s, 0, collect, &ml), 1);
	MM_ASSERT(has(&ml, 0, 3, strlen(all)));
	MM_ASSERT(s.st_hs == NULL);
	MM_ASSERT_EQ(hsvc_gen_streams_open(g), 0);

	/* A recycled stream starts afresh, and a to-client one ignores to-server patterns. */
	MM_ASSERT_EQ(hsvc_stream_open(g, 0, TCP, false, 21, &u), 0);
	memset(&ml, 0, sizeof(ml));
	MM_ASSERT_EQ(hsvc_stream_scan(&u, 0, "ot\r\n", 4, collect, &ml), 0);
	MM_ASSERT_EQ(hsvc_stream_scan(&u, 0, "USER root", 9, collect, &ml), 0);
	MM_ASSERT_EQ(hsvc_stream_scan(&u, 0, "PASS x\r\n", 8, collect, &ml), 1);
	MM_ASSERT(has(&ml, 1, 2, 4 + 9 + 8));
	MM_ASSERT_EQ(hsvc_stream_close(&u, 0, NULL, NULL), 0);

	/* Block patterns are not in the stream database, and UDP has no stream patterns. */
	MM_ASSERT_EQ(hsvc_stream_open(g, 0, TCP, true, 21, &s), 0);
	MM_ASSERT_EQ(hsvc_stream_scan(&s, 0, "blockonly", 9, NULL, NULL), 0);
	MM_ASSERT_EQ(hsvc_stream_close(&s, 0, NULL, NULL), 0);
	MM_ASSERT_EQ(hsvc_stream_open(g, 0, UDP, true, 53, &u), 0);
	MM_ASSERT(u.st_hs == NULL);

	/* Streams left open are the host's; many opened and closed reuse memory. */
	for (int i = 0; i < 2 * HSVC_STREAM_RECYCLE; i++) {
		MM_ASSERT_EQ(hsvc_stream_open(g, 0, TCP, true, 21, &s), 0);
		MM_ASSERT_EQ(hsvc_stream_scan(&s, 0, all, (uint32_t)strlen(all), NULL, NULL), 2);
		MM_ASSERT_EQ(hsvc_stream_close(&s, 0, NULL, NULL), 1);
	}
	/* More open at once than the recycling list holds: the rest are really closed. */
	{
		static struct hsvc_stream many[HSVC_STREAM_RECYCLE + 3];
		const size_t nmany = sizeof(many) / sizeof(many[0]);

		for (size_t i = 0; i < nmany; i++) {
			MM_ASSERT_EQ(hsvc_stream_open(g, 0, TCP, false, 21, &many[i]), 0);
			MM_ASSERT_EQ(hsvc_stream_scan(&many[i], 0, "quit", 4, NULL, NULL), 0);
		}
		MM_ASSERT_EQ(hsvc_gen_streams_open(g), (int64_t)nmany);
		for (size_t i = 0; i < nmany; i++)
			MM_ASSERT_EQ(hsvc_stream_close(&many[i], 0, NULL, NULL), 1);
	}
	hsvc_gen_stats(g, &st);
	MM_ASSERT_EQ(st.st_streams_open, 0);
	MM_ASSERT_EQ(st.st_scan_errors, 0);
	hsvc_gen_free(g);
}

/* Two threads, two lcores, one generation: each checks its own results. */
struct worker_arg {
	const struct hsvc_gen *wa_gen;
	pthread_barrier_t *wa_start;
	unsigned wa_lcore;
	const char *wa_data;
	int wa_expect;
	unsigned wa_bad;
};

#define THREAD_ROUNDS 20000

static void *
worker(void *arg)
{
	struct worker_arg *wa = arg;
	uint32_t len = (uint32_t)strlen(wa->wa_data);

	pthread_barrier_wait(wa->wa_start);
	for (int i = 0; i < THREAD_ROUNDS; i++) {
		struct hsvc_stream s;
		struct mlist ml;
		int r;

		memset(&ml, 0, sizeof(ml));
		r = hsvc_scan_block(
			wa->wa_gen, wa->wa_lcore, TCP, true, 23, wa->wa_data, len, collect, &ml);
		if (r != wa->wa_expect || (unsigned)r != ml.ml_n)
			wa->wa_bad++;
		if (hsvc_stream_open(wa->wa_gen, wa->wa_lcore, TCP, true, 23, &s) != 0) {
			wa->wa_bad++;
			continue;
		}
		r = hsvc_stream_scan(&s, wa->wa_lcore, wa->wa_data, len / 2, NULL, NULL);
		r += hsvc_stream_scan(
			&s, wa->wa_lcore, wa->wa_data + len / 2, len - len / 2, NULL, NULL);
		r += hsvc_stream_close(&s, wa->wa_lcore, NULL, NULL);
		if (r != wa->wa_expect)
			wa->wa_bad++;
	}
	return (NULL);
}

MM_TEST(scratch_per_lcore_threads)
{
	struct hsvc_pattern v[] = {
		pat(0, 1, "root", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
		pat(0, 2, "a[0-9]+b", 0, TCP, MM_PATTERN_BLOCK, MM_DIR_ANY, 0),
		pat(1, 3, "root", 0, TCP, MM_PATTERN_STREAM, MM_DIR_ANY, 0),
		pat(1, 4, "a[0-9]+b", 0, TCP, MM_PATTERN_STREAM, MM_DIR_ANY, 0),
	};
	struct hsvc_gen *g = NULL;
	pthread_barrier_t start;
	struct worker_arg wa[2];
	pthread_t t[2];
	struct hsvc_stats st;
	char err[256];

	MM_ASSERT_EQ(hsvc_gen_build(v, 4, NULL, 2, &g, err, sizeof(err)), 0);
	pthread_barrier_init(&start, NULL, 2);
	wa[0] = (struct worker_arg){ g, &start, 0, "root root a12b root xxxxxxxxxxxxxxxxxx", 4, 0 };
	wa[1] = (struct worker_arg){ g, &start, 1, "a1b a22b a333b yyyyyyyyyyyyyyyy root", 4, 0 };
	for (int i = 0; i < 2; i++)
		MM_ASSERT_EQ(pthread_create(&t[i], NULL, worker, &wa[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	MM_ASSERT_EQ(wa[0].wa_bad, 0);
	MM_ASSERT_EQ(wa[1].wa_bad, 0);
	hsvc_gen_stats(g, &st);
	MM_ASSERT_EQ(st.st_scan_errors, 0);
	MM_ASSERT_EQ(st.st_streams_open, 0);
	MM_ASSERT_EQ(st.st_lcores, 2);
	hsvc_gen_free(g);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(dispatch_two_plugins),
	MM_TEST_ENTRY(scope_port_dir_proto),
	MM_TEST_ENTRY(compile_error_names_pattern),
	MM_TEST_ENTRY(empty_set_and_bad_lcore),
	MM_TEST_ENTRY(cache_hit_same_matches),
	MM_TEST_ENTRY(cache_damaged_recompiled),
	MM_TEST_ENTRY(stream_split_buffers),
	MM_TEST_ENTRY(scratch_per_lcore_threads),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
