/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl pqc cbom | csv | migration: exports of the pqcinv inventory
 * (STATE_DIR/pqcinv/inventory.db): a CycloneDX 1.6 CBOM signed with the
 * appliance key, the endpoints still quantum-vulnerable as CSV, and the
 * migration figures (share of sessions and endpoints in each class, per day).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "classify.h"
#include "ctl.h"
#include "mamori/audit.h"
#include "mamori/datafile.h"

static const char pqc_help[] =
	"Usage: mamorictl pqc cbom [--db FILE] [--table FILE] [--output FILE] [--sign] [--log "
	"FILE]\n"
	"       mamorictl pqc csv [--db FILE] [--output FILE]\n"
	"       mamorictl pqc migration [--db FILE] [--json]\n"
	"Exports of the inventory the pqcinv plugin keeps of the TLS, QUIC and SSH\n"
	"cryptography seen on the wire.\n"
	"\n"
	"  cbom       a CycloneDX 1.6 CBOM: one service per server endpoint, shared\n"
	"             algorithm, protocol and certificate components with their NIST\n"
	"             quantum security level; --sign signs it with the appliance key\n"
	"             (FILE.sig, recorded in the audit log, as 'mamorictl sign' does)\n"
	"  csv        the server endpoints whose last session was quantum-vulnerable\n"
	"  migration  per day, the share of sessions in each class (vulnerable, hybrid,\n"
	"             pq, unknown), and the share of endpoints in each class now\n"
	"\n"
	"Options:\n"
	"      --db FILE        the inventory (default STATE_DIR/pqcinv/inventory.db)\n"
	"      --table FILE     the classification table (default the installed\n"
	"                       pqc-algorithms.yaml)\n"
	"      --output FILE    write there instead of stdout (required with --sign)\n"
	"      --sign           sign the CBOM with the appliance key\n"
	"      --log FILE       the audit log for --sign (default STATE_DIR/audit.log)\n"
	"      --state-dir DIR  the state directory (default $MAMORI_STATE_DIR, else\n"
	"                       /var/lib/mamori)\n"
	"      --json           migration figures as JSON\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 done, 2 bad usage, 3 the inventory or table could not be read,\n"
	"or the output not written or signed.\n";

struct pqc_opts {
	const char *po_db;
	const char *po_table;
	const char *po_out;
	const char *po_log;
	bool po_sign;
};

static int
open_db(const struct ctl *ctl, const char *db, sqlite3 **out)
{
	char path[PATH_MAX];

	if (db == NULL) {
		snprintf(path, sizeof(path), "%s/pqcinv/inventory.db", ctl->c_state_dir);
		db = path;
	}
	if (sqlite3_open_v2(db, out, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		sqlite3_exec(*out, "SELECT 1 FROM endpoint LIMIT 1", NULL, NULL, NULL) !=
			SQLITE_OK) {
		ctl_error("pqc: inventory %s: %s (is the pqcinv plugin loaded, and --db or "
			  "--state-dir right?)",
			db, *out != NULL ? sqlite3_errmsg(*out) : "cannot open");
		sqlite3_close(*out);
		*out = NULL;
		return (CTL_EXIT_ERROR);
	}
	return (CTL_EXIT_OK);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return (s != NULL ? s : "");
}

static void
iso_time(sqlite3_int64 t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
prop(json_t *props, const char *name, const char *value)
{
	if (value != NULL && value[0] != '\0')
		json_array_append_new(props, json_pack("{s:s, s:s}", "name", name, "value", value));
}

static json_t *
functions(const char *primitive)
{
	if (strcmp(primitive, "kem") == 0)
		return (json_pack("[s, s]", "encapsulate", "decapsulate"));
	if (strcmp(primitive, "key-agree") == 0)
		return (json_pack("[s]", "keyderive"));
	if (strcmp(primitive, "signature") == 0)
		return (json_pack("[s, s]", "sign", "verify"));
	if (strcmp(primitive, "ae") == 0 || strcmp(primitive, "pke") == 0 ||
		strcmp(primitive, "block-cipher") == 0)
		return (json_pack("[s, s]", "encrypt", "decrypt"));
	return (json_pack("[s]", "unknown"));
}

static const char *const primitives[] = { "drbg", "mac", "block-cipher", "stream-cipher",
	"signature", "hash", "pke", "xof", "kdf", "key-agree", "kem", "ae", "combiner", "other",
	NULL };

/* An algorithm component (once per name); returns its bom-ref. */
static const char *
add_algorithm(json_t *comps, json_t *seen, const struct pqc_table *t, enum pqc_kind kind,
	const char *name)
{
	const struct pqc_alg *a = pqc_table_name(t, kind, name, strlen(name));
	const char *prim = "unknown";
	json_t *c, *ap, *props;
	char ref[300];

	snprintf(ref, sizeof(ref), "crypto/algorithm/%s", name);
	if (json_object_get(seen, ref) != NULL)
		return (json_string_value(json_object_get(seen, ref)));
	if (a != NULL)
		for (size_t i = 0; primitives[i] != NULL; i++)
			if (strcmp(a->a_primitive, primitives[i]) == 0)
				prim = primitives[i];
	ap = json_pack("{s:s, s:o}", "primitive", prim, "cryptoFunctions", functions(prim));
	if (a != NULL) {
		json_object_set_new(ap, "nistQuantumSecurityLevel", json_integer(a->a_level));
		if (a->a_classical != 0)
			json_object_set_new(
				ap, "classicalSecurityLevel", json_integer(a->a_classical));
	}
	props = json_array();
	prop(props, "mamori:pqc:classification",
		pqc_class_name(a != NULL ? a->a_class : PQC_CLASS_UNKNOWN));
	if (a != NULL && a->a_pre_standard)
		prop(props, "mamori:pqc:pre_standard", "true");
	c = json_pack("{s:s, s:s, s:s, s:{s:s, s:o}, s:o}", "type", "cryptographic-asset",
		"bom-ref", ref, "name", name, "cryptoProperties", "assetType", "algorithm",
		"algorithmProperties", ap, "properties", props);
	json_array_append_new(comps, c);
	json_object_set_new(seen, ref, json_string(ref));
	return (json_string_value(json_object_get(seen, ref)));
}

/* "0x1301" -> ["0x13", "0x01"] */
static json_t *
identifiers(const char *hex)
{
	unsigned v;
	char a[8], b[8];

	if (sscanf(hex, "0x%x", &v) != 1)
		return (json_array());
	snprintf(a, sizeof(a), "0x%02X", (v >> 8) & 0xff);
	snprintf(b, sizeof(b), "0x%02X", v & 0xff);
	return (json_pack("[s, s]", a, b));
}

/* A protocol component per (protocol, version), with every cipher suite seen under it. */
static const char *
add_protocol(json_t *comps, json_t *seen, const struct pqc_table *t, const char *proto,
	const char *version, const char *cipher)
{
	char ref[300], vers[32];
	json_t *c, *suites;
	const char *type = strcmp(proto, "ssh") == 0 ? "ssh" : "tls";
	const char *name = cipher;
	unsigned code;

	snprintf(ref, sizeof(ref), "crypto/protocol/%s/%s", proto,
		version[0] != '\0' ? version : "unknown");
	if ((c = json_object_get(seen, ref)) == NULL) {
		/* "TLSv1.3" -> "1.3"; SSH is 2.0. */
		snprintf(vers, sizeof(vers), "%s",
			strncmp(version, "TLSv", 4) == 0 ? version + 4
			: strcmp(type, "ssh") == 0       ? "2.0"
							 : version);
		c = json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:s, s:s, s:[]}}}", "type",
			"cryptographic-asset", "bom-ref", ref, "name", ref + 16, "cryptoProperties",
			"assetType", "protocol", "protocolProperties", "type", type, "version",
			vers, "cipherSuites");
		json_array_append_new(comps, c);
		json_object_set(seen, ref, c);
	}
	if (cipher[0] == '\0')
		return (json_string_value(json_object_get(c, "bom-ref")));
	suites = json_object_get(
		json_object_get(json_object_get(c, "cryptoProperties"), "protocolProperties"),
		"cipherSuites");
	if (sscanf(cipher, "0x%x", &code) == 1 &&
		pqc_table_code(t, PQC_TLS_CIPHER, (uint16_t)code) != NULL)
		name = pqc_table_code(t, PQC_TLS_CIPHER, (uint16_t)code)->a_name;
	for (size_t i = 0; i < json_array_size(suites); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(suites, i), "name")),
			    name) == 0)
			return (json_string_value(json_object_get(c, "bom-ref")));
	if (strcmp(type, "tls") == 0)
		json_array_append_new(suites,
			json_pack("{s:s, s:o}", "name", name, "identifiers", identifiers(cipher)));
	else
		json_array_append_new(suites, json_pack("{s:s}", "name", name));
	return (json_string_value(json_object_get(c, "bom-ref")));
}

/* Certificate components of an endpoint's chain; their refs go to deps. */
static void
add_certificates(
	json_t *comps, json_t *seen, const struct pqc_table *t, const char *certs, json_t *deps)
{
	json_t *arr = json_loads(certs, 0, NULL), *x;
	size_t i;

	json_array_foreach(arr, i, x)
	{
		const char *sha = json_string_value(json_object_get(x, "sha256"));
		const char *sig = json_string_value(json_object_get(x, "sig_alg_oid"));
		const char *key = json_string_value(json_object_get(x, "key_alg_oid"));
		json_t *cp;
		char ref[128];

		if (sha == NULL)
			continue;
		snprintf(ref, sizeof(ref), "crypto/certificate/%s", sha);
		json_array_append_new(deps, json_string(ref));
		if (json_object_get(seen, ref) != NULL)
			continue;
		cp = json_pack("{s:s, s:s, s:s}", "subjectName",
			json_string_value(json_object_get(x, "subject")), "issuerName",
			json_string_value(json_object_get(x, "issuer")), "certificateFormat",
			"X.509");
		if (json_is_string(json_object_get(x, "not_before")))
			json_object_set(cp, "notValidBefore", json_object_get(x, "not_before"));
		if (json_is_string(json_object_get(x, "not_after")))
			json_object_set(cp, "notValidAfter", json_object_get(x, "not_after"));
		if (sig != NULL)
			json_object_set_new(cp, "signatureAlgorithmRef",
				json_string(add_algorithm(comps, seen, t, PQC_X509, sig)));
		if (key != NULL)
			json_object_set_new(cp, "subjectPublicKeyRef",
				json_string(add_algorithm(comps, seen, t, PQC_X509, key)));
		json_array_append_new(
			comps, json_pack("{s:s, s:s, s:s, s:{s:s, s:o}}", "type",
				       "cryptographic-asset", "bom-ref", ref, "name",
				       json_string_value(json_object_get(x, "subject")),
				       "cryptoProperties", "assetType", "certificate",
				       "certificateProperties", cp));
		json_object_set_new(seen, ref, json_true());
	}
	json_decref(arr);
}

static json_t *
cbom_build(sqlite3 *db, const struct pqc_table *t)
{
	static const char q[] = "SELECT server, port, sni, protocol, first_seen, last_seen,"
				" sessions, classification, version, cipher, kex, ja3s, host_key,"
				" certificates, downgrades, ja4, offered FROM endpoint"
				" ORDER BY server, port, sni, protocol";
	static const char qc[] = "SELECT kex, version, cipher FROM endpoint_class WHERE"
				 " server = ?1 AND port = ?2 AND sni = ?3 AND protocol = ?4";
	json_t *bom, *comps = json_array(), *svcs = json_array(), *dep = json_array();
	json_t *seen = json_object();
	sqlite3_stmt *st = NULL, *sc = NULL;
	unsigned char u[16];
	char uuid[64], now[32];

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db, qc, -1, &sc, NULL) != SQLITE_OK)
		goto err;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *proto = col(st, 3);
		enum pqc_kind kk = strcmp(proto, "ssh") == 0 ? PQC_SSH_KEX : PQC_TLS_GROUP;
		json_t *props = json_array(), *deps = json_array(), *svc;
		char ref[600], name[400], ep[400], buf[32];
		bool v6 = strchr(col(st, 0), ':') != NULL;

		snprintf(ref, sizeof(ref), "service/%s/%s/%d/%s", proto, col(st, 0),
			sqlite3_column_int(st, 1), col(st, 2));
		snprintf(name, sizeof(name), "%s%s%s:%d", col(st, 2), col(st, 2)[0] ? " " : "",
			col(st, 0), sqlite3_column_int(st, 1));
		snprintf(ep, sizeof(ep), "%s://%s%s%s:%d", proto, v6 ? "[" : "", col(st, 0),
			v6 ? "]" : "", sqlite3_column_int(st, 1));
		prop(props, "mamori:pqc:classification", col(st, 7));
		prop(props, "mamori:pqc:negotiated_kex", col(st, 10));
		prop(props, "mamori:pqc:version", col(st, 8));
		prop(props, "mamori:pqc:cipher", col(st, 9));
		prop(props, "mamori:pqc:offered", col(st, 16));
		prop(props, "mamori:pqc:ja4", col(st, 15));
		prop(props, "mamori:pqc:ja3s", col(st, 11));
		prop(props, "mamori:pqc:host_key", col(st, 12));
		snprintf(buf, sizeof(buf), "%d", sqlite3_column_int(st, 6));
		prop(props, "mamori:pqc:sessions", buf);
		snprintf(buf, sizeof(buf), "%d", sqlite3_column_int(st, 14));
		prop(props, "mamori:pqc:downgrades", buf);
		iso_time(sqlite3_column_int64(st, 4), buf, sizeof(buf));
		prop(props, "mamori:pqc:first_seen", buf);
		iso_time(sqlite3_column_int64(st, 5), buf, sizeof(buf));
		prop(props, "mamori:pqc:last_seen", buf);
		sqlite3_bind_text(sc, 1, col(st, 0), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(sc, 2, sqlite3_column_int(st, 1));
		sqlite3_bind_text(sc, 3, col(st, 2), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(sc, 4, proto, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(sc) == SQLITE_ROW) {
			if (col(sc, 0)[0] != '\0')
				json_array_append_new(deps,
					json_string(add_algorithm(comps, seen, t, kk, col(sc, 0))));
			json_array_append_new(deps, json_string(add_protocol(comps, seen, t, proto,
							    col(sc, 1), col(sc, 2))));
		}
		sqlite3_reset(sc);
		if (col(st, 12)[0] != '\0')
			json_array_append_new(deps, json_string(add_algorithm(comps, seen, t,
							    PQC_SSH_HOSTKEY, col(st, 12))));
		if (col(st, 13)[0] != '\0')
			add_certificates(comps, seen, t, col(st, 13), deps);
		svc = json_pack("{s:s, s:s, s:[s], s:o}", "bom-ref", ref, "name", name, "endpoints",
			ep, "properties", props);
		json_array_append_new(svcs, svc);
		/* dependsOn items must be unique. */
		{
			json_t *uniq = json_array(), *v;
			size_t i, k;

			json_array_foreach(deps, i, v)
			{
				bool dup = false;

				for (k = 0; k < json_array_size(uniq); k++)
					dup = dup || json_equal(json_array_get(uniq, k), v);
				if (!dup)
					json_array_append(uniq, v);
			}
			json_array_append_new(
				dep, json_pack("{s:s, s:o}", "ref", ref, "dependsOn", uniq));
		}
		json_decref(deps);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(sc);
	json_decref(seen);
	if (RAND_bytes(u, sizeof(u)) != 1)
		goto err_free;
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(uuid, sizeof(uuid),
		"urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		u[13], u[14], u[15]);
	iso_time((sqlite3_int64)time(NULL), now, sizeof(now));
	bom = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s, s:s}]}}, s:o, s:o, s:o}",
		"bomFormat", "CycloneDX", "specVersion", "1.6", "serialNumber", uuid, "version", 1,
		"metadata", "timestamp", now, "tools", "components", "type", "application", "name",
		"mamori-pqcinv", "version", "1.0", "components", comps, "services", svcs,
		"dependencies", dep);
	return (bom);
err:
	sqlite3_finalize(st);
	sqlite3_finalize(sc);
	json_decref(seen);
err_free:
	json_decref(comps);
	json_decref(svcs);
	json_decref(dep);
	return (NULL);
}

static FILE *
open_out(const char *path)
{
	FILE *f = path != NULL ? fopen(path, "w") : stdout;

	if (f == NULL)
		ctl_error("pqc: cannot write '%s': %s", path, strerror(errno));
	return (f);
}

static int
close_out(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (f != stdout && fclose(f) != 0)
		bad = 1;
	if (bad) {
		ctl_error("pqc: writing '%s' failed", path != NULL ? path : "stdout");
		return (CTL_EXIT_ERROR);
	}
	return (CTL_EXIT_OK);
}

static int
sign(const struct ctl *ctl, const char *file, const char *log)
{
	char *files[1] = { (char *)(uintptr_t)file };

	return (ctl_sign_files(ctl, "pqc", log, files, 1));
}

static int
cbom_run(struct ctl *ctl, const struct pqc_opts *o, sqlite3 *db)
{
	char shipped[PATH_MAX];
	const char *tpath = o->po_table;
	struct pqc_table *t;
	char err[512];
	json_t *bom;
	FILE *f;
	int rv;

	if (tpath == NULL) {
		mm_data_file("pqc-algorithms.yaml", shipped, sizeof(shipped));
		tpath = shipped;
	}
	if (pqc_table_load(tpath, &t, err, sizeof(err)) < 0) {
		ctl_error("pqc: %s (give --table)", err);
		return (CTL_EXIT_ERROR);
	}
	bom = cbom_build(db, t);
	pqc_table_free(t);
	if (bom == NULL) {
		ctl_error("pqc: reading the inventory: %s", sqlite3_errmsg(db));
		return (CTL_EXIT_ERROR);
	}
	if ((f = open_out(o->po_out)) == NULL) {
		json_decref(bom);
		return (CTL_EXIT_ERROR);
	}
	json_dumpf(bom, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(bom);
	if ((rv = close_out(f, o->po_out)) != CTL_EXIT_OK)
		return (rv);
	return (o->po_sign ? sign(ctl, o->po_out, o->po_log) : CTL_EXIT_OK);
}

/* A CSV field, quoted when it holds a comma, quote or newline (RFC 4180). */
static void
csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', f);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static int
csv_run(const struct pqc_opts *o, sqlite3 *db)
{
	static const char q[] = "SELECT server, port, sni, protocol, version, cipher, kex,"
				" sessions, downgrades, first_seen, last_seen, ja3s FROM endpoint"
				" WHERE classification = 'vulnerable' ORDER BY server, port, sni";
	static const char *const head[] = { "server", "port", "sni", "protocol", "version",
		"cipher", "kex", "sessions", "downgrades", "first_seen", "last_seen", "ja3s" };
	sqlite3_stmt *st;
	FILE *f;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		ctl_error("pqc: reading the inventory: %s", sqlite3_errmsg(db));
		return (CTL_EXIT_ERROR);
	}
	if ((f = open_out(o->po_out)) == NULL) {
		sqlite3_finalize(st);
		return (CTL_EXIT_ERROR);
	}
	for (int i = 0; i < 12; i++)
		csv_field(f, head[i], i == 11);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < 12; i++) {
			char buf[32];

			if (i == 9 || i == 10) {
				iso_time(sqlite3_column_int64(st, i), buf, sizeof(buf));
				csv_field(f, buf, false);
			} else {
				csv_field(f, col(st, i), i == 11);
			}
		}
	}
	sqlite3_finalize(st);
	return (close_out(f, o->po_out));
}

static int
migration_run(const struct ctl *ctl, sqlite3 *db)
{
	static const char qd[] =
		"SELECT day, classification, sum(sessions),"
		" (SELECT sum(sessions) FROM daily d2 WHERE d2.day = daily.day)"
		" FROM daily GROUP BY day, classification ORDER BY day, classification";
	static const char qe[] = "SELECT classification, count(*), (SELECT count(*) FROM endpoint)"
				 " FROM endpoint GROUP BY classification ORDER BY classification";
	json_t *days = json_array(), *eps = json_array(), *o;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, qd, -1, &st, NULL) != SQLITE_OK) {
		ctl_error("pqc: reading the inventory: %s", sqlite3_errmsg(db));
		return (CTL_EXIT_ERROR);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		double n = (double)sqlite3_column_int64(st, 2),
		       all = (double)sqlite3_column_int64(st, 3);

		json_array_append_new(
			days, json_pack("{s:s, s:s, s:I, s:f}", "day", col(st, 0), "classification",
				      col(st, 1), "sessions", (json_int_t)n, "share",
				      all > 0 ? n / all : 0.0));
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, qe, -1, &st, NULL) != SQLITE_OK) {
		json_decref(days);
		json_decref(eps);
		return (CTL_EXIT_ERROR);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		double n = (double)sqlite3_column_int64(st, 1),
		       all = (double)sqlite3_column_int64(st, 2);

		json_array_append_new(
			eps, json_pack("{s:s, s:I, s:f}", "classification", col(st, 0), "endpoints",
				     (json_int_t)n, "share", all > 0 ? n / all : 0.0));
	}
	sqlite3_finalize(st);
	o = json_pack("{s:o, s:o}", "sessions_per_day", days, "endpoints", eps);
	if (ctl->c_json) {
		ctl_json_print(o);
		return (CTL_EXIT_OK);
	}
	printf("%-10s  %-12s  %10s  %7s\n", "day", "class", "sessions", "share");
	for (size_t i = 0; i < json_array_size(days); i++) {
		json_t *d = json_array_get(days, i);

		printf("%-10s  %-12s  %10lld  %6.1f%%\n",
			json_string_value(json_object_get(d, "day")),
			json_string_value(json_object_get(d, "classification")),
			(long long)json_integer_value(json_object_get(d, "sessions")),
			100 * json_real_value(json_object_get(d, "share")));
	}
	printf("\n%-12s  %10s  %7s\n", "endpoints", "count", "share");
	for (size_t i = 0; i < json_array_size(eps); i++) {
		json_t *e = json_array_get(eps, i);

		printf("%-12s  %10lld  %6.1f%%\n",
			json_string_value(json_object_get(e, "classification")),
			(long long)json_integer_value(json_object_get(e, "endpoints")),
			100 * json_real_value(json_object_get(e, "share")));
	}
	json_decref(o);
	return (CTL_EXIT_OK);
}

static int
pqc_run(struct ctl *ctl, int argc, char **argv)
{
	struct pqc_opts o = { NULL, NULL, NULL, NULL, false };
	const struct ctl_opt opts[] = {
		{ "db", &o.po_db, NULL },
		{ "table", &o.po_table, NULL },
		{ "output", &o.po_out, NULL },
		{ "log", &o.po_log, NULL },
		{ "sign", NULL, &o.po_sign },
		{ NULL, NULL, NULL },
	};
	const char *sub;
	sqlite3 *db = NULL;
	int argi, rv;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
			fputs(pqc_help, stdout);
			return (CTL_EXIT_OK);
		}
		ctl_usage_error(&ctl_cmd_pqc, "pqc: say cbom, csv or migration");
		return (CTL_EXIT_USAGE);
	}
	sub = argv[1];
	if (strcmp(sub, "cbom") != 0 && strcmp(sub, "csv") != 0 && strcmp(sub, "migration") != 0) {
		ctl_usage_error(
			&ctl_cmd_pqc, "pqc: unknown command '%s' (cbom, csv, migration)", sub);
		return (CTL_EXIT_USAGE);
	}
	if ((rv = ctl_parse(ctl, &ctl_cmd_pqc, sub, argc - 1, argv + 1, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi < argc - 1) {
		ctl_usage_error(&ctl_cmd_pqc, "pqc %s: unexpected '%s'", sub, argv[1 + argi]);
		return (CTL_EXIT_USAGE);
	}
	if (o.po_sign && (strcmp(sub, "cbom") != 0 || o.po_out == NULL)) {
		ctl_usage_error(
			&ctl_cmd_pqc, "pqc %s: --sign is for cbom, with --output FILE", sub);
		return (CTL_EXIT_USAGE);
	}
	if ((rv = open_db(ctl, o.po_db, &db)) != CTL_EXIT_OK)
		return (rv);
	if (strcmp(sub, "cbom") == 0)
		rv = cbom_run(ctl, &o, db);
	else if (strcmp(sub, "csv") == 0)
		rv = csv_run(&o, db);
	else
		rv = migration_run(ctl, db);
	sqlite3_close(db);
	return (rv);
}

const struct ctl_cmd ctl_cmd_pqc = {
	.cc_name = "pqc",
	.cc_summary = "export the post-quantum inventory: CycloneDX CBOM, vulnerable CSV, figures",
	.cc_help = pqc_help,
	.cc_run = pqc_run,
};
