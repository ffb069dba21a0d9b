/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-store's settings, read from the "store:" section of a YAML file
 * (with command-line options applied to the tree first, as overrides).
 * Other top-level sections belong to other programs sharing the file and are
 * left alone; an unknown key under "store:" is an error.
 */
#ifndef STORE_SETTINGS_H
#define STORE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mamori/config.h>

#define STORE_DEFAULT_DB          "/var/lib/mamori/store.db"
#define STORE_DEFAULT_DAYS        30
#define STORE_DEFAULT_MAX_SIZE_MB 10240
#define STORE_DEFAULT_JS_STREAM   "MAMORI"
#define STORE_DEFAULT_JS_DURABLE  "mamori-store"
/*
 * The writer thread's nice value.  Ingest is as fast as that one thread:
 * ahead of the store's other threads and the producers on a busy machine, it
 * took 10-28% more events a second (docs/mamori-store.md, PERFORMANCE).
 */
#define STORE_DEFAULT_WRITER_NICE (-10)

struct store_settings {
	char *s_db;
	char *s_rundir;
	char **s_ingest; /* NULL-terminated, at least one */
	size_t s_ningest;
	char *s_query;
	char *s_live;
	uint64_t s_retention_days; /* 0: no age limit */
	uint64_t s_max_size_mb;    /* 0: no size limit */
	bool s_sync_full;          /* store.synchronous: full (else normal) */
	int s_writer_nice;         /* store.writer_nice */
	char *s_tls_cert;
	char *s_tls_key;
	char *s_tls_ca;
	bool s_tls_require_client;
	char *s_group;       /* ipc access for this group, or NULL */
	bool s_postgresql;   /* store.backend: postgresql (else sqlite) */
	char *s_pg_conninfo; /* store.postgresql.conninfo (libpq keywords or a URI) */
	char **s_js_servers; /* store.jetstream.servers; NULL-terminated */
	size_t s_js_nservers;
	char *s_js_stream;        /* store.jetstream.stream */
	char *s_js_durable;       /* store.jetstream.durable */
	char *s_js_creds;         /* store.jetstream.creds */
	char *s_js_tls_ca;        /* store.jetstream.tls.ca */
	char *s_js_tls_cert;      /* store.jetstream.tls.cert */
	char *s_js_tls_key;       /* store.jetstream.tls.key */
	uint64_t s_js_replicas;   /* store.jetstream.replicas, for a stream the store creates */
	uint64_t s_js_max_age_h;  /* store.jetstream.max_age_hours */
	uint64_t s_js_max_mb;     /* store.jetstream.max_mb */
	uint64_t s_js_dup_s;      /* store.jetstream.duplicate_window_s */
	uint64_t s_js_ack_wait_s; /* store.jetstream.ack_wait_s */
	uint64_t s_js_batch;      /* store.jetstream.batch */
	bool s_has_gid;
	gid_t s_gid; /* s_group's id */
};

/*
 * Reads the settings and then checks that no key is unknown.  Returns 0 or
 * -EINVAL with file, line, key and what was expected in err.
 */
int store_settings_load(
	struct store_settings *s, const struct mm_cfg *cfg, char *err, size_t errlen);
void store_settings_free(struct store_settings *s);

#endif /* STORE_SETTINGS_H */
