/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inventory in SQLite.  A state-directory database rather than store
 * events alone: the store keeps every pqc_session event (the history), but
 * the exports need the aggregate per endpoint and client at once, on an
 * appliance that may run without a store (offline analysis of a capture);
 * one writer (the control thread), batched in transactions.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "inventory.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS endpoint("
	" server TEXT NOT NULL, port INTEGER NOT NULL, sni TEXT NOT NULL,"
	" protocol TEXT NOT NULL, first_seen INTEGER, last_seen INTEGER,"
	" sessions INTEGER NOT NULL DEFAULT 0, classification TEXT, version TEXT,"
	" cipher TEXT, kex TEXT, kex_class TEXT, kex_level INTEGER, ja3s TEXT,"
	" host_key TEXT, certificates TEXT, downgrades INTEGER NOT NULL DEFAULT 0,"
	" ja4 TEXT, offered TEXT,"
	" PRIMARY KEY (server, port, sni, protocol));"
	"CREATE TABLE IF NOT EXISTS endpoint_class("
	" server TEXT NOT NULL, port INTEGER NOT NULL, sni TEXT NOT NULL,"
	" protocol TEXT NOT NULL, classification TEXT NOT NULL, kex TEXT NOT NULL,"
	" version TEXT NOT NULL, cipher TEXT NOT NULL, sessions INTEGER NOT NULL,"
	" first_seen INTEGER, last_seen INTEGER,"
	" PRIMARY KEY (server, port, sni, protocol, classification, kex, version, cipher));"
	"CREATE TABLE IF NOT EXISTS client("
	" client TEXT NOT NULL, protocol TEXT NOT NULL, fingerprint TEXT NOT NULL,"
	" first_seen INTEGER, last_seen INTEGER, sessions INTEGER NOT NULL DEFAULT 0,"
	" pq_capable INTEGER NOT NULL DEFAULT 0, ja3 TEXT, offered TEXT, key_shares TEXT,"
	" PRIMARY KEY (client, protocol, fingerprint));"
	"CREATE TABLE IF NOT EXISTS daily("
	" day TEXT NOT NULL, protocol TEXT NOT NULL, classification TEXT NOT NULL,"
	" sessions INTEGER NOT NULL, PRIMARY KEY (day, protocol, classification));";

static const char up_endpoint[] =
	"INSERT INTO endpoint(server, port, sni, protocol, first_seen, last_seen, sessions,"
	" classification, version, cipher, kex, kex_class, kex_level, ja3s, host_key,"
	" certificates, downgrades, ja4, offered)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
	" ON CONFLICT DO UPDATE SET last_seen = max(last_seen, ?5),"
	" first_seen = min(first_seen, ?5), sessions = sessions + 1,"
	" classification = ?6, version = coalesce(?7, version), cipher = coalesce(?8, cipher),"
	" kex = coalesce(?9, kex), kex_class = coalesce(?10, kex_class),"
	" kex_level = coalesce(?11, kex_level), ja3s = coalesce(?12, ja3s),"
	" host_key = coalesce(?13, host_key), certificates = coalesce(?14, certificates),"
	" downgrades = downgrades + ?15, ja4 = coalesce(?16, ja4), offered = coalesce(?17, "
	"offered)";

static const char up_class[] =
	"INSERT INTO endpoint_class VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)"
	" ON CONFLICT DO UPDATE SET sessions = sessions + 1, last_seen = max(last_seen, ?9),"
	" first_seen = min(first_seen, ?9)";

static const char up_client[] =
	"INSERT INTO client VALUES(?1, ?2, ?3, ?4, ?4, 1, ?5, ?6, ?7, ?8)"
	" ON CONFLICT DO UPDATE SET sessions = sessions + 1, last_seen = max(last_seen, ?4),"
	" first_seen = min(first_seen, ?4), pq_capable = max(pq_capable, ?5),"
	" ja3 = coalesce(?6, ja3), offered = coalesce(?7, offered),"
	" key_shares = coalesce(?8, key_shares)";

static const char up_daily[] = "INSERT INTO daily VALUES(?1, ?2, ?3, 1)"
			       " ON CONFLICT DO UPDATE SET sessions = sessions + 1";

enum { ST_ENDPOINT, ST_CLASS, ST_CLIENT, ST_DAILY, ST_N };

struct pqc_inventory {
	sqlite3 *iv_db;
	sqlite3_stmt *iv_st[ST_N];
	bool iv_in_tx;
};

const char *
pqc_inventory_error(const struct pqc_inventory *inv)
{
	return (sqlite3_errmsg(inv->iv_db));
}

void
pqc_inventory_close(struct pqc_inventory *inv)
{
	if (inv == NULL)
		return;
	pqc_inventory_commit(inv);
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(inv->iv_st[i]);
	sqlite3_close(inv->iv_db);
	free(inv);
}

int
pqc_inventory_open(const char *dir, struct pqc_inventory **out, char *err, size_t errlen)
{
	const char *sql[ST_N] = { up_endpoint, up_class, up_client, up_daily };
	struct pqc_inventory *inv;
	char path[4096];

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, PQC_INVENTORY_FILE);
	if ((inv = calloc(1, sizeof(*inv))) == NULL)
		return (-ENOMEM);
	if (sqlite3_open_v2(path, &inv->iv_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
			SQLITE_OK ||
		sqlite3_busy_timeout(inv->iv_db, 2000) != SQLITE_OK ||
		sqlite3_exec(inv->iv_db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto err;
	for (int i = 0; i < ST_N; i++)
		if (sqlite3_prepare_v2(inv->iv_db, sql[i], -1, &inv->iv_st[i], NULL) != SQLITE_OK)
			goto err;
	*out = inv;
	return (0);
err:
	snprintf(err, errlen, "inventory %s: %s", path,
		inv->iv_db != NULL ? sqlite3_errmsg(inv->iv_db) : "cannot open");
	pqc_inventory_close(inv);
	return (-EIO);
}

int
pqc_inventory_commit(struct pqc_inventory *inv)
{
	if (!inv->iv_in_tx)
		return (0);
	inv->iv_in_tx = false;
	return (sqlite3_exec(inv->iv_db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO);
}

static const char *
str_at(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL && o != NULL) {
		size_t l = (size_t)(dot - path) < sizeof(key) - 1 ? (size_t)(dot - path)
								  : sizeof(key) - 1;

		memcpy(key, path, l);
		key[l] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return (o != NULL ? json_string_value(json_object_get(o, path)) : NULL);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* A member as compact JSON text (NULL when absent). */
static void
bind_json(sqlite3_stmt *st, int i, const json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	bind_text(st, i, s);
	free(s);
}

static int
step(struct pqc_inventory *inv, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)inv;
	return (rc == SQLITE_DONE ? 0 : -EIO);
}

/* What the client offered for the key exchange: group names (TLS) or kex names (SSH). */
static void
bind_offered(sqlite3_stmt *st, int i, const json_t *cl)
{
	const json_t *g = json_object_get(cl, "groups"), *v;
	json_t *names;
	size_t k;

	if (g == NULL) {
		bind_json(st, i, json_object_get(cl, "kex"));
		return;
	}
	names = json_array();
	json_array_foreach(g, k, v) json_array_append(names, json_object_get(v, "name"));
	bind_json(st, i, names);
	json_decref(names);
}

/* Server name or version: "" rather than NULL in keys. */
static const char *
or_empty(const char *s)
{
	return (s != NULL ? s : "");
}

int
pqc_inventory_add(struct pqc_inventory *inv, const json_t *eve, uint64_t ts_ns)
{
	const json_t *s = json_object_get(eve, "pqc_session"), *neg, *kex, *cl;
	const char *proto = str_at(s, "protocol"), *cls = str_at(s, "classification");
	const char *kexname, *fpr, *version, *cipher;
	sqlite3_stmt *st;
	char day[16], cipher_buf[16];
	time_t secs = (time_t)(ts_ns / 1000000000u);
	struct tm tm;
	int rv = 0;
	sqlite3_int64 ts = (sqlite3_int64)(ts_ns / 1000000000u);

	if (s == NULL || proto == NULL || cls == NULL)
		return (-EINVAL);
	if (!inv->iv_in_tx) {
		if (sqlite3_exec(inv->iv_db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return (-EIO);
		inv->iv_in_tx = true;
	}
	neg = json_object_get(s, "negotiated");
	kex = json_object_get(neg, "kex");
	kexname = json_is_string(kex) ? json_string_value(kex) : str_at(kex, "name");
	version = str_at(neg, "version");
	cipher = str_at(neg, "cipher_hex");
	if (cipher == NULL)
		cipher = str_at(neg, "cipher_cs");
	if (cipher == NULL && json_is_integer(json_object_get(neg, "cipher"))) {
		snprintf(cipher_buf, sizeof(cipher_buf), "0x%04llx",
			(unsigned long long)json_integer_value(json_object_get(neg, "cipher")));
		cipher = cipher_buf;
	}

	st = inv->iv_st[ST_ENDPOINT];
	bind_text(st, 1, str_at(eve, "dest_ip"));
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(eve, "dest_port")));
	bind_text(st, 3, or_empty(str_at(s, "sni")));
	bind_text(st, 4, proto);
	sqlite3_bind_int64(st, 5, ts);
	bind_text(st, 6, cls);
	bind_text(st, 7, version);
	bind_text(st, 8, cipher);
	bind_text(st, 9, kexname);
	bind_text(st, 10, str_at(kex, "class"));
	if (json_is_integer(json_object_get(kex, "level")))
		sqlite3_bind_int64(st, 11, json_integer_value(json_object_get(kex, "level")));
	bind_text(st, 12, str_at(s, "server.ja3s"));
	bind_text(st, 13, str_at(neg, "host_key.name"));
	bind_json(st, 14, json_object_get(json_object_get(s, "server"), "certificates"));
	sqlite3_bind_int(st, 15, json_is_true(json_object_get(s, "downgrade")));
	cl = json_object_get(s, "client");
	bind_text(st, 16, str_at(cl, "ja4"));
	bind_offered(st, 17, cl);
	rv |= step(inv, st);

	st = inv->iv_st[ST_CLASS];
	bind_text(st, 1, str_at(eve, "dest_ip"));
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(eve, "dest_port")));
	bind_text(st, 3, or_empty(str_at(s, "sni")));
	bind_text(st, 4, proto);
	bind_text(st, 5, cls);
	bind_text(st, 6, or_empty(kexname));
	bind_text(st, 7, or_empty(version));
	bind_text(st, 8, or_empty(cipher));
	sqlite3_bind_int64(st, 9, ts);
	rv |= step(inv, st);

	fpr = str_at(cl, "ja4");
	if (fpr == NULL)
		fpr = str_at(cl, "hassh");
	st = inv->iv_st[ST_CLIENT];
	bind_text(st, 1, str_at(eve, "src_ip"));
	bind_text(st, 2, proto);
	bind_text(st, 3, or_empty(fpr));
	sqlite3_bind_int64(st, 4, ts);
	sqlite3_bind_int(st, 5, json_is_true(json_object_get(s, "client_pq_capable")));
	bind_text(st, 6, str_at(cl, "ja3"));
	bind_offered(st, 7, cl);
	bind_json(st, 8, json_object_get(cl, "key_shares"));
	rv |= step(inv, st);

	gmtime_r(&secs, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	st = inv->iv_st[ST_DAILY];
	bind_text(st, 1, day);
	bind_text(st, 2, proto);
	bind_text(st, 3, cls);
	rv |= step(inv, st);
	return (rv != 0 ? -EIO : 0);
}
