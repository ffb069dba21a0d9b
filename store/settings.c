/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mamori/bus.h>

#include "store_settings.h"

/* The getters store the default when a key is absent: that is not an error here. */
static int
absent_ok(int rv)
{
	return (rv == -ENOENT ? 0 : rv);
}

/* Reads an optional string; an empty one counts as absent. */
static int
get_opt_str(const struct mm_cfg *cfg, const char *key, char **out, char *err, size_t errlen)
{
	const char *v;
	int rv;

	*out = NULL;
	if ((rv = mm_cfg_get_str(cfg, NULL, key, NULL, &v, err, errlen)) < 0)
		return (absent_ok(rv));
	if (v != NULL && *v != '\0' && (*out = strdup(v)) == NULL)
		return (-ENOMEM);
	return (0);
}

static int
get_str(const struct mm_cfg *cfg, const char *key, const char *def, char **out, char *err,
	size_t errlen)
{
	int rv;

	if ((rv = get_opt_str(cfg, key, out, err, errlen)) < 0)
		return (rv);
	if (*out == NULL && (*out = strdup(def)) == NULL)
		return (-ENOMEM);
	return (0);
}

/* "ipc://<rundir>/<name>" */
static char *
default_url(const char *rundir, const char *name)
{
	char *url;

	return (asprintf(&url, "ipc://%s/%s", rundir, name) < 0 ? NULL : url);
}

static int
load_urls(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	char *def;
	int rv;

	if ((rv = absent_ok(mm_cfg_get_strv(
		     cfg, NULL, "store.ingest", &s->s_ingest, &s->s_ningest, err, errlen))) < 0)
		return (rv);
	if (s->s_ningest == 0) {
		mm_cfg_strv_free(s->s_ingest);
		if ((s->s_ingest = calloc(2, sizeof(char *))) == NULL ||
			(s->s_ingest[0] = default_url(s->s_rundir, MM_BUS_STORE_INGEST)) == NULL)
			return (-ENOMEM);
		s->s_ningest = 1;
	}
	if ((def = default_url(s->s_rundir, MM_BUS_STORE_QUERY)) == NULL)
		return (-ENOMEM);
	rv = get_str(cfg, "store.query", def, &s->s_query, err, errlen);
	free(def);
	if (rv < 0)
		return (rv);
	if ((def = default_url(s->s_rundir, MM_BUS_STORE_LIVE)) == NULL)
		return (-ENOMEM);
	rv = get_str(cfg, "store.live", def, &s->s_live, err, errlen);
	free(def);
	return (rv);
}

static int
load_tls(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	int rv;

	if ((rv = get_opt_str(cfg, "store.tls.cert", &s->s_tls_cert, err, errlen)) < 0 ||
		(rv = get_opt_str(cfg, "store.tls.key", &s->s_tls_key, err, errlen)) < 0 ||
		(rv = get_opt_str(cfg, "store.tls.ca", &s->s_tls_ca, err, errlen)) < 0)
		return (rv);
	if ((rv = absent_ok(mm_cfg_get_bool(cfg, NULL, "store.tls.require_client", false,
		     &s->s_tls_require_client, err, errlen))) < 0)
		return (rv);
	if ((s->s_tls_cert == NULL) != (s->s_tls_key == NULL)) {
		snprintf(err, errlen, "%s: store.tls: expected both a cert and a key, or neither",
			mm_cfg_name(cfg));
		return (-EINVAL);
	}
	if (s->s_tls_require_client && s->s_tls_ca == NULL) {
		snprintf(err, errlen,
			"%s: store.tls.require_client: expected store.tls.ca to check client "
			"certificates against",
			mm_cfg_name(cfg));
		return (-EINVAL);
	}
	return (0);
}

static bool
has_prefix(const char *s, const char *prefix)
{
	return (strncmp(s, prefix, strlen(prefix)) == 0);
}

/* Checks a URL's scheme, and that a tls+tcp URL has its certificate and key. */
static int
check_url(const struct store_settings *s, const struct mm_cfg *cfg, const char *key,
	const char *url, char *err, size_t errlen)
{
	if (!has_prefix(url, "ipc://") && !has_prefix(url, "tcp://") &&
		!has_prefix(url, "tls+tcp://")) {
		snprintf(err, errlen, "%s: %s: '%s': expected an ipc://, tcp:// or tls+tcp:// URL",
			mm_cfg_name(cfg), key, url);
		return (-EINVAL);
	}
	if (has_prefix(url, "tls+tcp://") && s->s_tls_cert == NULL) {
		snprintf(err, errlen,
			"%s: %s: '%s' needs store.tls.cert and store.tls.key (--tls-cert, "
			"--tls-key)",
			mm_cfg_name(cfg), key, url);
		return (-EINVAL);
	}
	return (0);
}

static int
check_urls(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	int rv;

	for (size_t i = 0; i < s->s_ningest; i++)
		if ((rv = check_url(s, cfg, "store.ingest", s->s_ingest[i], err, errlen)) < 0)
			return (rv);
	if ((rv = check_url(s, cfg, "store.query", s->s_query, err, errlen)) < 0 ||
		(rv = check_url(s, cfg, "store.live", s->s_live, err, errlen)) < 0)
		return (rv);
	return (0);
}

static int
load_group(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	struct group *g;
	int rv;

	if ((rv = get_opt_str(cfg, "store.group", &s->s_group, err, errlen)) < 0 ||
		s->s_group == NULL)
		return (rv);
	if ((g = getgrnam(s->s_group)) == NULL) {
		snprintf(err, errlen, "%s: store.group: no group named '%s'", mm_cfg_name(cfg),
			s->s_group);
		return (-EINVAL);
	}
	s->s_has_gid = true;
	s->s_gid = g->gr_gid;
	return (0);
}

static int
load_sync(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	const char *v;
	int rv;

	if ((rv = mm_cfg_get_str(cfg, NULL, "store.synchronous", "normal", &v, err, errlen)) < 0 &&
		rv != -ENOENT)
		return (rv);
	if (strcmp(v, "normal") != 0 && strcmp(v, "full") != 0) {
		snprintf(err, errlen, "%s: store.synchronous: expected normal or full, got '%s'",
			mm_cfg_name(cfg), v);
		return (-EINVAL);
	}
	s->s_sync_full = strcmp(v, "full") == 0;
	return (0);
}

/* store.writer_nice: a nice value, -20 to 19. */
static int
load_nice(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	const char *v;
	char *end;
	long n;
	int rv;

	s->s_writer_nice = STORE_DEFAULT_WRITER_NICE;
	if ((rv = mm_cfg_get_str(cfg, NULL, "store.writer_nice", NULL, &v, err, errlen)) == -ENOENT)
		return (0);
	if (rv < 0)
		return (rv);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < -20 || n > 19) {
		snprintf(err, errlen,
			"%s: store.writer_nice: expected a nice value from -20 to 19, got '%s'",
			mm_cfg_name(cfg), v);
		return (-EINVAL);
	}
	s->s_writer_nice = (int)n;
	return (0);
}

/* store.backend and, for postgresql, the database and the JetStream consumer. */
static int
load_backend(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	const char *v = "sqlite";
	int rv;

	if ((rv = mm_cfg_get_str(cfg, NULL, "store.backend", "sqlite", &v, err, errlen)) < 0 &&
		rv != -ENOENT)
		return (rv);
	if (strcmp(v, "sqlite") != 0 && strcmp(v, "postgresql") != 0) {
		snprintf(err, errlen, "%s: store.backend: expected sqlite or postgresql, got '%s'",
			mm_cfg_name(cfg), v);
		return (-EINVAL);
	}
	s->s_postgresql = strcmp(v, "postgresql") == 0;
	if ((rv = get_str(cfg, "store.postgresql.conninfo", "dbname=mamori", &s->s_pg_conninfo, err,
		     errlen)) < 0 ||
		(rv = absent_ok(mm_cfg_get_strv(cfg, NULL, "store.jetstream.servers",
			 &s->s_js_servers, &s->s_js_nservers, err, errlen))) < 0 ||
		(rv = get_str(cfg, "store.jetstream.stream", STORE_DEFAULT_JS_STREAM,
			 &s->s_js_stream, err, errlen)) < 0 ||
		(rv = get_str(cfg, "store.jetstream.durable", STORE_DEFAULT_JS_DURABLE,
			 &s->s_js_durable, err, errlen)) < 0 ||
		(rv = get_opt_str(cfg, "store.jetstream.creds", &s->s_js_creds, err, errlen)) < 0 ||
		(rv = get_opt_str(cfg, "store.jetstream.tls.ca", &s->s_js_tls_ca, err, errlen)) <
			0 ||
		(rv = get_opt_str(
			 cfg, "store.jetstream.tls.cert", &s->s_js_tls_cert, err, errlen)) < 0 ||
		(rv = get_opt_str(cfg, "store.jetstream.tls.key", &s->s_js_tls_key, err, errlen)) <
			0)
		return (rv);
	if ((rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.jetstream.replicas", 3, 1, 5,
		     &s->s_js_replicas, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.jetstream.max_age_hours", 168, 0,
			 100000, &s->s_js_max_age_h, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.jetstream.max_mb", 10240, 0,
			 1U << 30, &s->s_js_max_mb, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.jetstream.duplicate_window_s", 600,
			 1, 86400 * 7, &s->s_js_dup_s, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.jetstream.ack_wait_s", 30, 1, 3600,
			 &s->s_js_ack_wait_s, err, errlen))) < 0 ||
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.jetstream.batch", 512, 1, 10000,
			 &s->s_js_batch, err, errlen))) < 0)
		return (rv);
	if (s->s_postgresql && s->s_js_nservers == 0) {
		snprintf(err, errlen,
			"%s: store.backend postgresql: expected store.jetstream.servers, the NATS "
			"servers to consume events from (nats://HOST:PORT, ...)",
			mm_cfg_name(cfg));
		return (-EINVAL);
	}
	if ((s->s_js_tls_cert == NULL) != (s->s_js_tls_key == NULL)) {
		snprintf(err, errlen,
			"%s: store.jetstream.tls: expected both a cert and a key, or neither",
			mm_cfg_name(cfg));
		return (-EINVAL);
	}
	return (0);
}

/* Sections other than "store" belong to the programs sharing the file. */
static void
mark_others(const struct mm_cfg *cfg)
{
	const struct mm_cfg_node *root = mm_cfg_root(cfg);

	for (size_t i = 0; i < mm_cfg_node_count(root); i++) {
		const struct mm_cfg_node *n = mm_cfg_node_child(root, i);

		if (strcmp(mm_cfg_node_key(n), "store") != 0)
			mm_cfg_mark_used(n);
	}
}

int
store_settings_load(struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen)
{
	int rv;

	memset(s, 0, sizeof(*s));
	if ((rv = get_str(cfg, "store.db", STORE_DEFAULT_DB, &s->s_db, err, errlen)) < 0 ||
		(rv = get_str(cfg, "store.rundir", MM_BUS_RUNDIR, &s->s_rundir, err, errlen)) < 0 ||
		(rv = load_urls(s, cfg, err, errlen)) < 0 ||
		(rv = load_tls(s, cfg, err, errlen)) < 0 ||
		(rv = check_urls(s, cfg, err, errlen)) < 0 ||
		(rv = load_group(s, cfg, err, errlen)) < 0)
		goto fail;
	if ((rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.retention.max_size_mb",
		     STORE_DEFAULT_MAX_SIZE_MB, 0, 1U << 30, &s->s_max_size_mb, err, errlen))) < 0)
		goto fail;
	/*
	 * The central store keeps everything unless told: a fleet's database is
	 * sized for it, and central stores older than the setting kept all.
	 */
	if ((rv = load_sync(s, cfg, err, errlen)) < 0 ||
		(rv = load_nice(s, cfg, err, errlen)) < 0 ||
		(rv = load_backend(s, cfg, err, errlen)) < 0 ||
		(rv = absent_ok(mm_cfg_get_u64(cfg, NULL, "store.retention.days",
			 s->s_postgresql ? 0 : STORE_DEFAULT_DAYS, 0, 100000, &s->s_retention_days,
			 err, errlen))) < 0)
		goto fail;
	mark_others(cfg);
	if (mm_cfg_check_unused(cfg, err, errlen) > 0) {
		rv = -EINVAL;
		goto fail;
	}
	return (0);
fail:
	if (rv == -ENOMEM)
		snprintf(err, errlen, "out of memory reading the settings");
	store_settings_free(s);
	return (rv);
}

void
store_settings_free(struct store_settings *s)
{
	free(s->s_db);
	free(s->s_rundir);
	mm_cfg_strv_free(s->s_ingest);
	free(s->s_query);
	free(s->s_live);
	free(s->s_tls_cert);
	free(s->s_tls_key);
	free(s->s_tls_ca);
	free(s->s_group);
	free(s->s_pg_conninfo);
	mm_cfg_strv_free(s->s_js_servers);
	free(s->s_js_stream);
	free(s->s_js_durable);
	free(s->s_js_creds);
	free(s->s_js_tls_ca);
	free(s->s_js_tls_cert);
	free(s->s_js_tls_key);
	memset(s, 0, sizeof(*s));
}
