/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * c2detect's configuration (plugins.c2detect.*): see docs/c2detect.md and
 * configs/c2detect/c2detect.yaml.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mamori/log.h>

#include "c2detect.h"

#define OK(rv) ((rv) == 0 || (rv) == -ENOENT)

static int
level_value(struct c2_global *g, const char *key, const char *s, double low, double med,
	double high, double *out)
{
	if (strcmp(s, "low") == 0)
		*out = low;
	else if (strcmp(s, "medium") == 0)
		*out = med;
	else if (strcmp(s, "high") == 0)
		*out = high;
	else {
		g->g_host->h_log(g->g_ctx, MM_LOG_ERR,
			"plugins.c2detect.%s: '%s' is not a level; use low, medium or high", key,
			s);
		return (-EINVAL);
	}
	return (0);
}

int
c2_config_read(struct c2_global *g)
{
	const struct mm_host *h = g->g_host;
	struct mm_plugin_ctx *c = g->g_ctx;
	uint64_t ms, v, pct, lng;
	const char *s, *fs;
	char **ports = NULL;
	size_t n = 0;
	int rv;

	if (!OK(rv = h->h_cfg_duration_ms(c, "window", 86400000, 60000, 7 * 86400000ULL, &ms)))
		return (rv);
	g->g_window = (uint32_t)(ms / 1000);
	if (!OK(rv = h->h_cfg_u64(c, "max_pairs", 1000000, 16, 100000000, &v)))
		return (rv);
	g->g_max_pairs = (uint32_t)v;
	if (!OK(rv = h->h_cfg_duration_ms(c, "eval_interval", 300000, 1000, 86400000, &ms)))
		return (rv);
	g->g_eval_interval = (uint32_t)(ms / 1000);
	if (!OK(rv = h->h_cfg_str(c, "direction", "outbound", &s)))
		return (rv);
	if (strcmp(s, "outbound") == 0)
		g->g_dir = C2_DIR_OUTBOUND;
	else if (strcmp(s, "inbound") == 0)
		g->g_dir = C2_DIR_INBOUND;
	else if (strcmp(s, "both") == 0)
		g->g_dir = C2_DIR_OUTBOUND | C2_DIR_INBOUND;
	else {
		h->h_log(c, MM_LOG_ERR,
			"plugins.c2detect.direction: '%s'; use outbound (subscribers to the "
			"outside), inbound or both",
			s);
		return (-EINVAL);
	}
	if (!OK(rv = h->h_cfg_bool(c, "host_pairs", true, &g->g_host_pairs)) ||
		!OK(rv = h->h_cfg_bool(c, "payload", true, &g->g_payload)))
		return (rv);
	if (!OK(rv = h->h_cfg_str(c, "report_level", "medium", &s)) ||
		(rv = level_value(g, "report_level", s, 0.2, 0.4, 0.6, &g->g_report_min)) < 0)
		return (rv);
	if (!OK(rv = h->h_cfg_str(c, "fanin.report_level", "medium", &fs)) ||
		(rv = level_value(g, "fanin.report_level", fs, 0.35, 0.55, 0.75, &g->g_fanin_min)) <
			0)
		return (rv);
	if (!OK(rv = h->h_cfg_u64(c, "max_failed_percent", 50, 0, 100, &pct)))
		return (rv);
	g->g_max_failed = (double)pct / 100.0;
	if (!OK(rv = h->h_cfg_u64(c, "scan_ports", 8, 1, 64, &v)))
		return (rv);
	g->g_max_ports = (uint32_t)v;
	if (!OK(rv = h->h_cfg_duration_ms(c, "fanin.long_session", 600000, 1000, 86400000, &lng)))
		return (rv);
	g->g_fp.fp_long_session = (uint32_t)(lng / 1000);
	if (!OK(rv = h->h_cfg_u64(
			c, "fanin.low_bytes", 2048, 1, UINT32_MAX, &g->g_fp.fp_low_bytes)))
		return (rv);
	if (!OK(rv = h->h_cfg_u64(c, "fanin.low_rate", 16, 1, UINT32_MAX, &v)))
		return (rv);
	g->g_fp.fp_low_rate = (double)v;
	if (!OK(rv = h->h_cfg_u64(c, "fanin.min_clients", 3, 1, 1000000, &v)))
		return (rv);
	g->g_fp.fp_min_clients = (uint32_t)v;
	if (!OK(rv = h->h_cfg_u64(c, "fanin.clients_high", 50, 2, 10000000, &v)))
		return (rv);
	g->g_fp.fp_clients_high = (uint32_t)v;
	if (!OK(rv = h->h_cfg_u64(c, "fanin.periodic_percent", 70, 0, 100, &pct)))
		return (rv);
	g->g_fp.fp_periodic_ts = (double)pct / 100.0;
	rv = h->h_cfg_strv(c, "ignore_ports", &ports, &n);
	if (rv < 0 && ports != NULL) {
		h->h_cfg_strv_free(ports);
		ports = NULL;
	}
	if (!OK(rv))
		return (rv);
	if (rv == -ENOENT || ports == NULL) {
		static const uint16_t def[] = { 53, 123 };

		if ((g->g_ignore_ports = calloc(2, sizeof(uint16_t))) == NULL)
			return (-ENOMEM);
		memcpy(g->g_ignore_ports, def, sizeof(def));
		g->g_nignore_ports = 2;
	} else {
		if ((g->g_ignore_ports = calloc(n + 1, sizeof(uint16_t))) == NULL) {
			h->h_cfg_strv_free(ports);
			return (-ENOMEM);
		}
		for (size_t i = 0; i < n; i++) {
			char *end;
			unsigned long p = strtoul(ports[i], &end, 10);

			if (*ports[i] == '\0' || *end != '\0' || p > 65535) {
				h->h_log(c, MM_LOG_ERR,
					"plugins.c2detect.ignore_ports: '%s' is not a port "
					"(0-65535)",
					ports[i]);
				h->h_cfg_strv_free(ports);
				return (-EINVAL);
			}
			g->g_ignore_ports[g->g_nignore_ports++] = (uint16_t)p;
		}
		h->h_cfg_strv_free(ports);
	}
	/* Fleet summaries: 0 turns them off; central takes windows of 1 s to a day. */
	if (!OK(rv = h->h_cfg_duration_ms(c, "summary_window", 300000, 0, 86400000, &ms)))
		return (rv);
	if (ms != 0 && ms < 1000) {
		h->h_log(c, MM_LOG_ERR,
			"plugins.c2detect.summary_window: %" PRIu64
			" ms; give 0 (off) or 1s to 24h",
			ms);
		return (-EINVAL);
	}
	g->g_sum_window = (uint32_t)(ms / 1000);
	if (!OK(rv = h->h_cfg_u64(c, "summary_max_destinations", 4096, 1, 1000000, &v)))
		return (rv);
	g->g_sum_max_dest = (uint32_t)v;
	/* Empty: the plugin's state directory, resolved when first written. */
	if (!OK(rv = h->h_cfg_str(c, "export_dir", "", &s)))
		return (rv);
	if (*s != '\0' && (g->g_export_dir = strdup(s)) == NULL)
		return (-ENOMEM);
	return (c2_config_lists(g));
}

/* A list of prefixes from the configuration into a set. */
static int
cfg_prefixes(struct c2_global *g, const char *key, struct c2_set *set)
{
	char **v = NULL;
	size_t n = 0;
	int rv;

	/* The host hands a vector (empty when the key is absent) to free in any case. */
	rv = g->g_host->h_cfg_strv(g->g_ctx, key, &v, &n);
	if (rv < 0 || v == NULL) {
		if (v != NULL)
			g->g_host->h_cfg_strv_free(v);
		return (rv == -ENOENT ? 0 : rv);
	}
	for (size_t i = 0; i < n && rv == 0; i++) {
		if ((rv = c2_set_add(set, v[i])) == -EINVAL)
			g->g_host->h_log(g->g_ctx, MM_LOG_ERR,
				"plugins.c2detect.%s: '%s' is not an address or prefix "
				"(a.b.c.d[/n], x::y[/n])",
				key, v[i]);
	}
	g->g_host->h_cfg_strv_free(v);
	return (rv);
}

static int
cfg_file(struct c2_global *g, const char *key, struct c2_set *set, bool missing_ok)
{
	const char *path;
	char err[512] = "";
	int rv;

	if (!OK(rv = g->g_host->h_cfg_str(g->g_ctx, key, "", &path)))
		return (rv);
	if (*path == '\0')
		return (0);
	rv = c2_set_load(set, path, err, sizeof(err));
	if (rv == -ENOENT && missing_ok)
		return (0);
	if (rv != 0) {
		g->g_host->h_log(g->g_ctx, MM_LOG_ERR, "plugins.c2detect.%s: %s", key, err);
		return (rv < 0 ? rv : -EINVAL);
	}
	return (0);
}

/*
 * Operator marks (mamorictl c2 mark): address,mark,time,actor,note lines; the
 * last line of an address counts.  A false positive joins the allow-list, a
 * confirmed server the confirmed set.
 */
static void
load_marks(struct c2_global *g)
{
	const char *dir = g->g_host->h_state_dir(g->g_ctx);
	char path[4096], line[1024];
	unsigned lineno = 0;
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/marks.csv", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *save = NULL, *addr = strtok_r(line, ",\n", &save);
		char *mark = strtok_r(NULL, ",\n", &save);
		uint8_t a[16];
		bool fp;

		lineno++;
		if (addr == NULL || mark == NULL || c2_addr_parse(addr, a) != 0 ||
			(strcmp(mark, "false_positive") != 0 && strcmp(mark, "confirmed") != 0)) {
			g->g_host->h_log(g->g_ctx, MM_LOG_WARN,
				"%s:%u: expected ADDRESS,confirmed|false_positive,...; line "
				"skipped",
				path, lineno);
			continue;
		}
		fp = strcmp(mark, "false_positive") == 0;
		c2_set_remove(fp ? &g->g_confirmed : &g->g_allow, a);
		if (c2_set_add(fp ? &g->g_allow : &g->g_confirmed, addr) != 0)
			break;
	}
	fclose(f);
}

/*
 * The known-infected devices: infected_file, else iotsense's quarantine list
 * beside our state directory when iotsense runs.  Re-read when it changes.
 */
void
c2_infected_refresh(struct c2_global *g)
{
	char buf[4096], err[512] = "";
	const char *path = g->g_infected_path, *dir;
	struct stat st;
	int rv;

	if (path == NULL) {
		if ((dir = c2_state_dir(g)) == NULL)
			return;
		snprintf(buf, sizeof(buf), "%s/../iotsense/quarantine.txt", dir);
		path = buf;
	}
	if (stat(path, &st) != 0) {
		if (g->g_infected_mtime != 0)
			c2_set_fini(&g->g_infected);
		g->g_infected_mtime = 0;
		return;
	}
	if (st.st_mtime == g->g_infected_mtime)
		return;
	g->g_infected_mtime = st.st_mtime;
	c2_set_fini(&g->g_infected);
	if ((rv = c2_set_load(&g->g_infected, path, err, sizeof(err))) != 0)
		c2_out_log(g, MM_LOG_WARN, "known-infected devices: %s", err);
}

int
c2_config_lists(struct c2_global *g)
{
	char **feeds = NULL, err[512];
	const char *path;
	size_t n = 0;
	int rv;

	c2_set_fini(&g->g_allow);
	c2_set_fini(&g->g_confirmed);
	c2_set_fini(&g->g_infected);
	c2_feeds_fini(&g->g_feeds);
	if ((rv = cfg_prefixes(g, "allow", &g->g_allow)) < 0 ||
		(rv = cfg_file(g, "allow_file", &g->g_allow, false)) < 0)
		return (rv);
	/* Read at the next round (and again whenever the file changes). */
	if (!OK(rv = g->g_host->h_cfg_str(g->g_ctx, "infected_file", "", &path)))
		return (rv);
	free(g->g_infected_path);
	g->g_infected_path = NULL;
	g->g_infected_mtime = 0;
	if (*path != '\0' && (g->g_infected_path = strdup(path)) == NULL)
		return (-ENOMEM);
	load_marks(g);
	rv = g->g_host->h_cfg_strv(g->g_ctx, "feeds", &feeds, &n);
	if (rv < 0 && feeds != NULL) {
		g->g_host->h_cfg_strv_free(feeds);
		feeds = NULL;
	}
	if (!OK(rv))
		return (rv);
	for (size_t i = 0; feeds != NULL && i < n; i++) {
		long added;

		err[0] = '\0';
		added = c2_feeds_load(&g->g_feeds, feeds[i], err, sizeof(err));
		if (added < 0) {
			g->g_host->h_log(g->g_ctx, MM_LOG_ERR, "plugins.c2detect.feeds: %s", err);
			g->g_host->h_cfg_strv_free(feeds);
			return ((int)added);
		}
		if (err[0] != '\0')
			g->g_host->h_log(g->g_ctx, MM_LOG_WARN, "%s (entries skipped)", err);
		g->g_host->h_log(g->g_ctx, MM_LOG_INFO, "feed %s: %ld addresses", feeds[i], added);
	}
	if (feeds != NULL)
		g->g_host->h_cfg_strv_free(feeds);
	c2_feeds_finish(&g->g_feeds);
	return (0);
}

void
c2_config_fini(struct c2_global *g)
{
	c2_set_fini(&g->g_allow);
	c2_set_fini(&g->g_confirmed);
	c2_set_fini(&g->g_infected);
	c2_feeds_fini(&g->g_feeds);
	c2_detections_fini(&g->g_det);
	free(g->g_ignore_ports);
	free(g->g_export_dir);
	free(g->g_infected_path);
	g->g_infected_path = NULL;
	g->g_ignore_ports = NULL;
	g->g_export_dir = NULL;
}
