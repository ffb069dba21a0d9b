/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit log and the appliance key: each kind of tampering is caught with
 * the right kind and line, keys are created with the right permissions, file
 * signatures round-trip and catch changes, and verification follows rotations.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "mamori/audit.h"
#include "mamori/keys.h"
#include "mm_test.h"

#define NAPPEND  100
#define NTHREADS 4
#define NPROCS   2
#define NEACH    50

static char err[MM_AUDIT_ERRLEN];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return (remove(path));
}

static void
rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/mm_audit.XXXXXX";
	char *d = mkdtemp(tmpl);

	return (d != NULL ? strdup(d) : NULL);
}

static char *
join(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return (NULL);
	return (p);
}

/* A file's lines (newlines kept); *n gets the count. */
static char **
read_lines(const char *path, size_t *n)
{
	char **lines = NULL, *line = NULL;
	size_t cap = 0, count = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return (NULL);
	while (getline(&line, &cap, f) > 0) {
		lines = realloc(lines, (count + 1) * sizeof(*lines));
		lines[count++] = strdup(line);
	}
	free(line);
	fclose(f);
	*n = count;
	return (lines);
}

static void
write_lines(const char *path, char **lines, size_t n)
{
	FILE *f = fopen(path, "w");

	for (size_t i = 0; i < n; i++)
		if (lines[i] != NULL)
			fputs(lines[i], f);
	fclose(f);
}

static void
free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Replaces the first occurrence of from in *line by to. */
static bool
line_replace(char **line, const char *from, const char *to)
{
	char *at = strstr(*line, from), *out;

	if (at == NULL)
		return (false);
	if (asprintf(&out, "%.*s%s%s", (int)(at - *line), *line, to, at + strlen(from)) < 0)
		return (false);
	free(*line);
	*line = out;
	return (true);
}

/* The fixture: a state dir with a key and a log of NAPPEND appends after key.init. */
struct fixture {
	char *f_dir;
	char *f_log;
	struct mm_key *f_key;
};

static int
fixture_make(struct fixture *fx, unsigned nappend)
{
	struct mm_audit *a = NULL;
	json_t *d;
	int rv;

	memset(fx, 0, sizeof(*fx));
	if ((fx->f_dir = tmpdir()) == NULL || (fx->f_log = join(fx->f_dir, "audit.log")) == NULL)
		return (-ENOMEM);
	if ((rv = mm_key_create(fx->f_dir, &fx->f_key, err, sizeof(err))) != 0 ||
		(rv = mm_audit_open(fx->f_log, fx->f_key, &a, err, sizeof(err))) != 0) {
		printf("     fixture: %s\n", err);
		return (rv);
	}
	for (unsigned i = 1; i <= nappend && rv == 0; i++) {
		d = json_pack("{s:i, s:s, s:[s,i,b,n]}", "n", (int)i, "what", "reload \"x\"\tça",
			"list", "a", (int)i * 2, i % 2, NULL);
		rv = mm_audit_append(a, "test", "control.reload", d, NULL, err, sizeof(err));
		json_decref(d);
	}
	mm_audit_close(a);
	return (rv);
}

static void
fixture_free(struct fixture *fx)
{
	if (fx->f_dir != NULL)
		rm_rf(fx->f_dir);
	mm_key_free(fx->f_key);
	free(fx->f_log);
	free(fx->f_dir);
}

static int
verify(const char *log, const struct mm_key *trusted, struct mm_audit_report *rep)
{
	int rv = mm_audit_verify(log, trusted, rep);

	if (rep->ar_fault != MM_AUDIT_OK)
		printf("     line %llu: %s: %s\n", (unsigned long long)rep->ar_line,
			mm_audit_fault_name(rep->ar_fault), rep->ar_msg);
	return (rv);
}

MM_TEST(canonical_bytes)
{
	json_t *v = json_loads(
		"{\"b\":[1,\"x\\u0001\\n\\\"/"
		"\\\\\",true,null,-7],\"a\":{\"z\":\"\xc3\xa9\\u007f\",\"y\":false,\"\":{}}}",
		0, NULL);
	char *out = NULL;
	size_t len = 0;

	MM_ASSERT(v != NULL);
	MM_ASSERT_EQ(mm_audit_canonical(v, &out, &len, err, sizeof(err)), 0);
	/* What Python's json.dumps(sort_keys=True, separators=(",",":"), ensure_ascii=False) gives.
	 */
	MM_ASSERT_STREQ(out, "{\"a\":{\"\":{},\"y\":false,\"z\":\"\xc3\xa9\x7f\"},\"b\":[1,"
			     "\"x\\u0001\\n\\\"/\\\\\",true,null,-7]}");
	MM_ASSERT_EQ(len, strlen(out));
	free(out);
	json_array_append_new(json_object_get(v, "b"), json_real(0.5));
	MM_ASSERT_EQ(mm_audit_canonical(v, &out, &len, err, sizeof(err)), -EINVAL);
	MM_ASSERT(strstr(err, "b[5]") != NULL);
	json_decref(v);
}

MM_TEST(append_and_verify)
{
	struct mm_audit_report rep;
	struct fixture fx;
	struct stat st;

	MM_ASSERT_EQ(fixture_make(&fx, NAPPEND), 0);
	MM_ASSERT_EQ(verify(fx.f_log, fx.f_key, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	MM_ASSERT_EQ(rep.ar_entries, NAPPEND + 1); /* key.init first */
	MM_ASSERT_EQ(rep.ar_verified, NAPPEND + 1);
	MM_ASSERT_EQ(rep.ar_last_seq, NAPPEND + 1);
	MM_ASSERT_EQ(rep.ar_keys, 1);
	MM_ASSERT(rep.ar_trusted);
	MM_ASSERT_STREQ(rep.ar_key_fpr, mm_key_fingerprint(fx.f_key));
	MM_ASSERT_EQ(stat(fx.f_log, &st), 0);
	MM_ASSERT_EQ(st.st_mode & 0077 & ~0040, 0); /* group may read, others nothing */
	/* No trusted key: the chain is still checked. */
	MM_ASSERT_EQ(verify(fx.f_log, NULL, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	MM_ASSERT(!rep.ar_trusted);
	fixture_free(&fx);
}

/* The tamper tests share one fixture and change a copy of its log (tlines, written to tlog). */
static struct fixture tfx;
static char *tlog;
static char **tlines;
static size_t tn;

static bool
tamper_begin(void)
{
	if (tfx.f_dir == NULL && fixture_make(&tfx, NAPPEND) != 0)
		return (false);
	free(tlog);
	tlog = join(tfx.f_dir, "tampered.log");
	tlines = read_lines(tfx.f_log, &tn);
	return (tlines != NULL && tn == NAPPEND + 1);
}

/* Writes the tampered lines, verifies, and checks the fault, its line and the count. */
static bool
tamper_end(enum mm_audit_fault want, uint64_t line, size_t entries)
{
	struct mm_audit_report rep;
	bool ok;

	write_lines(tlog, tlines, tn);
	free_lines(tlines, tn);
	tlines = NULL;
	ok = verify(tlog, tfx.f_key, &rep) == 0 && rep.ar_fault == want && rep.ar_line == line &&
	     rep.ar_entries == entries && rep.ar_verified == line - 1;
	if (!ok)
		printf("     want %s at line %llu of %zu; got %s at line %llu of %llu\n",
			mm_audit_fault_name(want), (unsigned long long)line, entries,
			mm_audit_fault_name(rep.ar_fault), (unsigned long long)rep.ar_line,
			(unsigned long long)rep.ar_entries);
	return (ok);
}

MM_TEST(tamper_edit_detail)
{
	MM_ASSERT(tamper_begin());
	MM_ASSERT(line_replace(&tlines[50], "\"n\":50", "\"n\":51"));
	MM_ASSERT(tamper_end(MM_AUDIT_EDITED, 51, NAPPEND + 1));
}

MM_TEST(tamper_edit_actor)
{
	MM_ASSERT(tamper_begin());
	MM_ASSERT(line_replace(&tlines[7], "\"actor\":\"test\"", "\"actor\":\"tess\""));
	MM_ASSERT(tamper_end(MM_AUDIT_EDITED, 8, NAPPEND + 1));
}

MM_TEST(tamper_delete_line)
{
	MM_ASSERT(tamper_begin());
	free(tlines[39]);
	tlines[39] = NULL;
	MM_ASSERT(tamper_end(MM_AUDIT_REMOVED, 40, NAPPEND));
}

MM_TEST(tamper_delete_first)
{
	MM_ASSERT(tamper_begin());
	free(tlines[0]);
	tlines[0] = NULL;
	MM_ASSERT(tamper_end(MM_AUDIT_REMOVED, 1, NAPPEND));
}

MM_TEST(tamper_swap_lines)
{
	char *t;

	MM_ASSERT(tamper_begin());
	t = tlines[29];
	tlines[29] = tlines[30];
	tlines[30] = t;
	MM_ASSERT(tamper_end(MM_AUDIT_REORDERED, 30, NAPPEND + 1));
}

MM_TEST(tamper_move_line_far)
{
	char *t;

	MM_ASSERT(tamper_begin());
	/* Line 20 moved to the end: at line 20 seq 21 shows, and 20 turns up last. */
	t = tlines[19];
	memmove(&tlines[19], &tlines[20], (tn - 20) * sizeof(*tlines));
	tlines[tn - 1] = t;
	MM_ASSERT(tamper_end(MM_AUDIT_REORDERED, 20, NAPPEND + 1));
}

MM_TEST(tamper_duplicate_line)
{
	MM_ASSERT(tamper_begin());
	tlines = realloc(tlines, (tn + 1) * sizeof(*tlines));
	memmove(&tlines[11], &tlines[10], (tn - 10) * sizeof(*tlines));
	tlines[11] = strdup(tlines[10]);
	tn++;
	MM_ASSERT(tamper_end(MM_AUDIT_REORDERED, 12, NAPPEND + 2));
}

MM_TEST(tamper_signature_byte)
{
	char *sig;

	MM_ASSERT(tamper_begin());
	MM_ASSERT((sig = strstr(tlines[59], "\"sig\":\"")) != NULL);
	sig += 7 + 10;
	*sig = *sig == '0' ? '1' : '0';
	MM_ASSERT(tamper_end(MM_AUDIT_FORGED, 60, NAPPEND + 1));
}

/* A line that chains correctly (seq, prev, hash) but is signed by a key not in the chain. */
static char *
forged_line(const struct mm_key *key, uint64_t seq, const char *prev)
{
	unsigned char h[MM_KEY_HASH_LEN], sig[MM_KEY_SIG_LEN];
	char hex[MM_AUDIT_HASHHEX], sig_hex[MM_KEY_SIGHEX_LEN];
	char *canon, *text, *line = NULL;
	size_t len;
	json_t *e;

	e = json_pack("{s:I, s:s, s:s, s:s, s:{s:s}, s:s}", "seq", (json_int_t)seq, "ts",
		"2026-04-01T00:00:00.000000Z", "actor", "intruder", "action", "control.reload",
		"detail", "why", "cover tracks", "prev", prev);
	if (e == NULL || mm_audit_canonical(e, &canon, &len, err, sizeof(err)) != 0)
		return (NULL);
	crypto_generichash(h, sizeof(h), (const unsigned char *)canon, len, NULL, 0);
	free(canon);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	mm_key_sign(key, h, sizeof(h), sig);
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	json_object_set_new(e, "hash", json_string(hex));
	json_object_set_new(e, "sig", json_string(sig_hex));
	text = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	if (text != NULL && asprintf(&line, "%s\n", text) < 0)
		line = NULL;
	free(text);
	return (line);
}

MM_TEST(tamper_append_other_key)
{
	struct mm_audit_report rep;
	struct mm_key *other;
	char *odir = tmpdir(), *line;

	MM_ASSERT(tamper_begin());
	MM_ASSERT_EQ(mm_audit_verify(tfx.f_log, NULL, &rep), 0);
	MM_ASSERT_EQ(mm_key_create(odir, &other, err, sizeof(err)), 0);
	line = forged_line(other, NAPPEND + 2, rep.ar_last_hash);
	MM_ASSERT(line != NULL);
	tlines = realloc(tlines, (tn + 1) * sizeof(*tlines));
	tlines[tn++] = line;
	MM_ASSERT(tamper_end(MM_AUDIT_FORGED, NAPPEND + 2, NAPPEND + 2));
	mm_key_free(other);
	rm_rf(odir);
	free(odir);
}

MM_TEST(tamper_rehash_without_key)
{
	struct mm_key *other;
	char *odir = tmpdir(), *line;
	json_t *e;

	/* Line 70 replaced by one with the right seq, prev and hash: only the signature fails. */
	MM_ASSERT(tamper_begin());
	e = json_loads(tlines[68], 0, NULL);
	MM_ASSERT(e != NULL);
	MM_ASSERT_EQ(mm_key_create(odir, &other, err, sizeof(err)), 0);
	line = forged_line(other, 70, json_string_value(json_object_get(e, "hash")));
	json_decref(e);
	MM_ASSERT(line != NULL);
	free(tlines[69]);
	tlines[69] = line;
	MM_ASSERT(tamper_end(MM_AUDIT_FORGED, 70, NAPPEND + 1));
	mm_key_free(other);
	rm_rf(odir);
	free(odir);
}

MM_TEST(tamper_torn_last_line)
{
	size_t len;

	MM_ASSERT(tamper_begin());
	len = strlen(tlines[tn - 1]);
	tlines[tn - 1][len / 2] = '\0';
	MM_ASSERT(tamper_end(MM_AUDIT_TORN, NAPPEND + 1, NAPPEND + 1));
}

MM_TEST(tamper_garbage_line)
{
	MM_ASSERT(tamper_begin());
	free(tlines[4]);
	tlines[4] = strdup("{\"seq\":5,\"oops\n");
	MM_ASSERT(tamper_end(MM_AUDIT_MALFORMED, 5, NAPPEND + 1));
}

MM_TEST(tamper_untrusted_key)
{
	struct mm_audit_report rep;
	struct mm_key *other;
	char *odir = tmpdir();

	MM_ASSERT(tamper_begin());
	free_lines(tlines, tn);
	tlines = NULL;
	MM_ASSERT_EQ(mm_key_create(odir, &other, err, sizeof(err)), 0);
	MM_ASSERT_EQ(verify(tfx.f_log, other, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_UNTRUSTED);
	MM_ASSERT_EQ(rep.ar_line, 1);
	MM_ASSERT(strstr(rep.ar_msg, mm_key_fingerprint(other)) != NULL);
	mm_key_free(other);
	rm_rf(odir);
	free(odir);
}

MM_TEST(cut_tail_is_only_seen_by_anchor)
{
	struct mm_audit_report rep;

	/* Removing the last entries leaves a valid log: the last seq and hash are the anchor. */
	MM_ASSERT(tamper_begin());
	free(tlines[tn - 1]);
	tlines[tn - 1] = NULL;
	write_lines(tlog, tlines, tn);
	free_lines(tlines, tn);
	MM_ASSERT_EQ(mm_audit_verify(tlog, tfx.f_key, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	MM_ASSERT_EQ(rep.ar_last_seq, NAPPEND);
}

MM_TEST(append_refuses_bad_tail)
{
	struct mm_audit *a;
	struct mm_key *other;
	char *odir = tmpdir();
	size_t len;

	/* A torn tail: appending would glue a new line onto half of an old one. */
	MM_ASSERT(tamper_begin());
	len = strlen(tlines[tn - 1]);
	tlines[tn - 1][len - 5] = '\0';
	write_lines(tlog, tlines, tn);
	free_lines(tlines, tn);
	MM_ASSERT_EQ(mm_audit_open(tlog, tfx.f_key, &a, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_audit_append(a, "test", "x", NULL, NULL, err, sizeof(err)), -EBADMSG);
	MM_ASSERT(strstr(err, "partial line") != NULL);
	mm_audit_close(a);
	/* Another key: its entries would not verify after the last one. */
	MM_ASSERT_EQ(mm_key_create(odir, &other, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_audit_open(tfx.f_log, other, &a, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_audit_append(a, "test", "x", NULL, NULL, err, sizeof(err)), -EKEYREJECTED);
	MM_ASSERT_EQ(mm_audit_append(a, "test", "key.init", NULL, NULL, err, sizeof(err)), -EINVAL);
	mm_audit_close(a);
	mm_key_free(other);
	rm_rf(odir);
	free(odir);
}

MM_TEST(key_files)
{
	char *dir = tmpdir(), *state = join(dir, "state"), *kpath, *ppath;
	struct mm_key *k1, *k2, *pub;
	struct stat st;
	bool created;
	FILE *f;

	kpath = join(state, "appliance.key");
	ppath = join(state, "appliance.pub");
	/* First use creates the directory and the pair. */
	MM_ASSERT_EQ(mm_key_open(state, &created, &k1, err, sizeof(err)), 0);
	MM_ASSERT(created);
	MM_ASSERT_EQ(stat(kpath, &st), 0);
	MM_ASSERT_EQ(st.st_mode & 07777, 0600);
	MM_ASSERT_EQ(stat(ppath, &st), 0);
	MM_ASSERT_EQ(st.st_mode & 07777, 0644);
	MM_ASSERT_EQ(stat(state, &st), 0);
	MM_ASSERT_EQ(st.st_mode & 0007, 0);
	MM_ASSERT_EQ(strlen(mm_key_fingerprint(k1)), 32);
	MM_ASSERT_EQ(strlen(mm_key_public_hex(k1)), 64);
	/* Second use loads; create refuses to overwrite. */
	MM_ASSERT_EQ(mm_key_open(state, &created, &k2, err, sizeof(err)), 0);
	MM_ASSERT(!created);
	MM_ASSERT_STREQ(mm_key_fingerprint(k2), mm_key_fingerprint(k1));
	mm_key_free(k2);
	MM_ASSERT_EQ(mm_key_create(state, &k2, err, sizeof(err)), -EEXIST);
	MM_ASSERT_EQ(mm_key_load_public(ppath, &pub, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(mm_key_fingerprint(pub), mm_key_fingerprint(k1));
	MM_ASSERT(!mm_key_has_secret(pub));
	mm_key_free(pub);
	/* A secret others may read is refused, naming the file and the mode. */
	MM_ASSERT_EQ(chmod(kpath, 0644), 0);
	MM_ASSERT_EQ(mm_key_load(state, &k2, err, sizeof(err)), -EPERM);
	MM_ASSERT(strstr(err, "0644") != NULL && strstr(err, kpath) != NULL);
	MM_ASSERT_EQ(chmod(kpath, 0600), 0);
	/* A public file that is not the secret's half. */
	f = fopen(ppath, "w");
	fprintf(f, "%064d\n", 0);
	fclose(f);
	MM_ASSERT_EQ(mm_key_load(state, &k2, err, sizeof(err)), -EKEYREJECTED);
	/* A missing one is rewritten on open. */
	MM_ASSERT_EQ(unlink(ppath), 0);
	MM_ASSERT_EQ(mm_key_open(state, &created, &k2, err, sizeof(err)), 0);
	mm_key_free(k2);
	MM_ASSERT_EQ(stat(ppath, &st), 0);
	MM_ASSERT_EQ(st.st_mode & 07777, 0644);
	/* A secret whose public half is not its seed's. */
	{
		char hex[160] = "";

		f = fopen(kpath, "r+");
		MM_ASSERT(f != NULL && fgets(hex, sizeof(hex), f) != NULL);
		hex[127] = hex[127] == '0' ? '1' : '0';
		rewind(f);
		fputs(hex, f);
		fclose(f);
		MM_ASSERT_EQ(mm_key_load(state, &k2, err, sizeof(err)), -EINVAL);
		MM_ASSERT(strstr(err, "does not belong to the seed") != NULL);
	}
	/* A damaged secret. */
	f = fopen(kpath, "w");
	fprintf(f, "zz\n");
	fclose(f);
	MM_ASSERT_EQ(mm_key_load(state, &k2, err, sizeof(err)), -EINVAL);
	MM_ASSERT(strstr(err, "hex digits") != NULL);
	mm_key_free(k1);
	rm_rf(dir);
	free(dir);
	free(state);
	free(kpath);
	free(ppath);
}

MM_TEST(sign_verify_file)
{
	char *dir = tmpdir(), *file = join(dir, "notify.csv"), *sig = join(dir, "notify.csv.sig");
	char *odir = join(dir, "other");
	struct mm_key *key, *other, *pub;
	struct mm_key_signed ks;
	struct mm_key_check chk;
	char **lines;
	size_t n;
	FILE *f;

	MM_ASSERT_EQ(mm_key_create(dir, &key, err, sizeof(err)), 0);
	f = fopen(file, "w");
	fprintf(f, "subscriber,reason\n10.0.0.7,mirai\n");
	fclose(f);
	MM_ASSERT_EQ(mm_key_sign_file(key, file, &ks, err, sizeof(err)), 0);
	MM_ASSERT_EQ(ks.ks_size, 33);
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, key, &chk), 0);
	MM_ASSERT_EQ(chk.kc_verdict, MM_KEY_VALID);
	MM_ASSERT(chk.kc_trusted);
	MM_ASSERT_STREQ(chk.kc_hash, ks.ks_hash);
	/* Only a public key at hand: the same check. */
	MM_ASSERT_EQ(mm_key_from_public(mm_key_public(key), &pub), 0);
	MM_ASSERT_EQ(mm_key_verify_file(file, sig, pub, &chk), 0);
	mm_key_free(pub);
	/* No trusted key: valid, with a warning that the origin is not established. */
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, NULL, &chk), 0);
	MM_ASSERT(!chk.kc_trusted);
	MM_ASSERT(strstr(chk.kc_msg, "origin not established") != NULL);
	/* Another trusted key. */
	MM_ASSERT_EQ(mm_key_create(odir, &other, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, other, &chk), -EBADMSG);
	MM_ASSERT_EQ(chk.kc_verdict, MM_KEY_UNTRUSTED);
	mm_key_free(other);
	/* The file changed. */
	f = fopen(file, "a");
	fprintf(f, "10.0.0.8,none\n");
	fclose(f);
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, key, &chk), -EBADMSG);
	MM_ASSERT_EQ(chk.kc_verdict, MM_KEY_CONTENT_CHANGED);
	MM_ASSERT(strstr(chk.kc_msg, "does not match") != NULL);
	/* The .sig's signed fields changed (re-sign first so the content matches). */
	MM_ASSERT_EQ(mm_key_sign_file(key, file, NULL, err, sizeof(err)), 0);
	lines = read_lines(sig, &n);
	MM_ASSERT(lines != NULL && n == 1);
	MM_ASSERT(line_replace(&lines[0], "\"file\":\"notify.csv\"", "\"file\":\"other.csv\""));
	write_lines(sig, lines, n);
	free_lines(lines, n);
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, key, &chk), -EBADMSG);
	MM_ASSERT_EQ(chk.kc_verdict, MM_KEY_BAD_SIGNATURE);
	/* Not a signature at all; and none there. */
	f = fopen(sig, "w");
	fprintf(f, "[1,2]\n");
	fclose(f);
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, key, &chk), -EBADMSG);
	MM_ASSERT_EQ(chk.kc_verdict, MM_KEY_MALFORMED);
	MM_ASSERT_EQ(unlink(sig), 0);
	MM_ASSERT_EQ(mm_key_verify_file(file, NULL, key, &chk), -ENOENT);
	mm_key_free(key);
	rm_rf(dir);
	free(dir);
	free(odir);
	free(file);
	free(sig);
}

MM_TEST(sign_export_audited)
{
	struct mm_audit_report rep;
	struct mm_key_signed ks;
	struct mm_audit *a;
	struct fixture fx;
	char *file, **lines;
	uint64_t seq = 0;
	size_t n;
	FILE *f;

	MM_ASSERT_EQ(fixture_make(&fx, 2), 0);
	file = join(fx.f_dir, "cbom.json");
	f = fopen(file, "w");
	fprintf(f, "{}\n");
	fclose(f);
	MM_ASSERT_EQ(mm_audit_open(fx.f_log, fx.f_key, &a, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_audit_sign_export(a, file, "test", &ks, &seq, err, sizeof(err)), 0);
	mm_audit_close(a);
	MM_ASSERT_EQ(seq, 4);
	lines = read_lines(fx.f_log, &n);
	MM_ASSERT(n == 4 && strstr(lines[3], "\"action\":\"export.sign\"") != NULL);
	MM_ASSERT(strstr(lines[3], ks.ks_hash) != NULL);
	free_lines(lines, n);
	MM_ASSERT_EQ(mm_audit_verify(fx.f_log, fx.f_key, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	free(file);
	fixture_free(&fx);
}

MM_TEST(rotation)
{
	char *arch_key, *arch_pub, *pubpath, *tdir, **lines;
	struct mm_key *newkey, *third, *oldpub;
	struct mm_key_rotation rot;
	struct mm_audit_report rep;
	struct mm_audit *a;
	struct fixture fx;
	struct stat st;
	size_t n;

	MM_ASSERT_EQ(fixture_make(&fx, 10), 0);
	MM_ASSERT_EQ(mm_key_from_public(mm_key_public(fx.f_key), &oldpub), 0);
	MM_ASSERT_EQ(mm_key_rotate(fx.f_dir, NULL, "test", &rot, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(rot.kr_old_fpr, mm_key_fingerprint(fx.f_key));
	MM_ASSERT_EQ(rot.kr_seq, 12);
	MM_ASSERT(asprintf(&arch_key, "%s/appliance.key.%s", fx.f_dir, rot.kr_suffix) > 0);
	MM_ASSERT(asprintf(&arch_pub, "%s/appliance.pub.%s", fx.f_dir, rot.kr_suffix) > 0);
	MM_ASSERT_EQ(stat(arch_key, &st), 0);
	MM_ASSERT_EQ(st.st_mode & 07777, 0600);
	MM_ASSERT_EQ(stat(arch_pub, &st), 0);
	MM_ASSERT_EQ(mm_key_load(fx.f_dir, &newkey, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(mm_key_fingerprint(newkey), rot.kr_new_fpr);
	MM_ASSERT(strcmp(rot.kr_new_fpr, rot.kr_old_fpr) != 0);
	/* The old key may no longer append; the new one may. */
	MM_ASSERT_EQ(mm_audit_open(fx.f_log, fx.f_key, &a, err, sizeof(err)), 0);
	MM_ASSERT_EQ(mm_audit_append(a, "test", "x", NULL, NULL, err, sizeof(err)), -EKEYREJECTED);
	mm_audit_close(a);
	MM_ASSERT_EQ(mm_audit_open(fx.f_log, newkey, &a, err, sizeof(err)), 0);
	for (int i = 0; i < 5; i++)
		MM_ASSERT_EQ(
			mm_audit_append(a, "test", "control.stats", NULL, NULL, err, sizeof(err)),
			0);
	mm_audit_close(a);
	/* Either end of the chain vouches for the whole log. */
	MM_ASSERT_EQ(verify(fx.f_log, oldpub, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	MM_ASSERT_EQ(rep.ar_entries, 18);
	MM_ASSERT_EQ(rep.ar_keys, 2);
	MM_ASSERT_STREQ(rep.ar_key_fpr, rot.kr_new_fpr);
	MM_ASSERT_EQ(verify(fx.f_log, newkey, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	pubpath = join(fx.f_dir, "appliance.pub");
	MM_ASSERT_EQ(mm_key_load_public(pubpath, &third, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(mm_key_fingerprint(third), rot.kr_new_fpr);
	mm_key_free(third);
	tdir = join(fx.f_dir, "third");
	MM_ASSERT_EQ(mm_key_create(tdir, &third, err, sizeof(err)), 0);
	free(tdir);
	MM_ASSERT_EQ(verify(fx.f_log, third, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_UNTRUSTED);
	/* Files signed before the rotation still verify with the archived public key. */
	mm_key_free(third);
	MM_ASSERT_EQ(mm_key_load_public(arch_pub, &third, err, sizeof(err)), 0);
	MM_ASSERT_STREQ(mm_key_fingerprint(third), rot.kr_old_fpr);
	mm_key_free(third);
	/* Dropping the new key's key.init breaks the chain at that line. */
	lines = read_lines(fx.f_log, &n);
	free(lines[12]);
	lines[12] = NULL;
	write_lines(fx.f_log, lines, n);
	free_lines(lines, n);
	MM_ASSERT_EQ(verify(fx.f_log, oldpub, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_REMOVED);
	MM_ASSERT_EQ(rep.ar_line, 13);
	mm_key_free(newkey);
	mm_key_free(oldpub);
	free(arch_key);
	free(arch_pub);
	free(pubpath);
	fixture_free(&fx);
}

MM_TEST(rotation_new_key_must_follow)
{
	struct mm_audit_report rep;
	struct mm_key_rotation rot;
	struct fixture fx;
	char **lines;
	size_t n;

	/* The last line (the new key's key.init) removed: the rotation is left dangling. */
	MM_ASSERT_EQ(fixture_make(&fx, 3), 0);
	MM_ASSERT_EQ(mm_key_rotate(fx.f_dir, NULL, "test", &rot, err, sizeof(err)), 0);
	lines = read_lines(fx.f_log, &n);
	MM_ASSERT_EQ(n, 6);
	free(lines[5]);
	lines[5] = NULL;
	write_lines(fx.f_log, lines, n);
	free_lines(lines, n);
	MM_ASSERT_EQ(verify(fx.f_log, fx.f_key, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_KEYCHAIN);
	MM_ASSERT_EQ(rep.ar_line, 5);
	fixture_free(&fx);
}

struct worker {
	struct mm_audit *w_audit;
	int w_failed;
};

static void *
append_worker(void *arg)
{
	struct worker *w = arg;
	char werr[MM_AUDIT_ERRLEN];

	for (int i = 0; i < NEACH; i++)
		if (mm_audit_append(w->w_audit, "thread", "control.stats", NULL, NULL, werr,
			    sizeof(werr)) != 0)
			w->w_failed++;
	return (NULL);
}

MM_TEST(concurrent_appenders)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	struct mm_audit_report rep;
	struct mm_audit *a;
	struct fixture fx;
	pid_t pid[NPROCS];
	int status;

	MM_ASSERT_EQ(fixture_make(&fx, 0), 0);
	/* Processes, each with its own handle (flock), and threads sharing one (mutex). */
	for (int p = 0; p < NPROCS; p++) {
		if ((pid[p] = fork()) == 0) {
			struct mm_audit *ca;
			int bad = 0;

			if (mm_audit_open(fx.f_log, fx.f_key, &ca, err, sizeof(err)) != 0)
				_exit(2);
			for (int i = 0; i < NEACH; i++)
				bad |= mm_audit_append(ca, "proc", "control.stats", NULL, NULL, err,
					       sizeof(err)) != 0;
			mm_audit_close(ca);
			_exit(bad);
		}
		MM_ASSERT(pid[p] > 0);
	}
	MM_ASSERT_EQ(mm_audit_open(fx.f_log, fx.f_key, &a, err, sizeof(err)), 0);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .w_audit = a };
		MM_ASSERT_EQ(pthread_create(&t[i], NULL, append_worker, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		MM_ASSERT_EQ(w[i].w_failed, 0);
	}
	mm_audit_close(a);
	for (int p = 0; p < NPROCS; p++) {
		MM_ASSERT_EQ(waitpid(pid[p], &status, 0), pid[p]);
		MM_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	MM_ASSERT_EQ(verify(fx.f_log, fx.f_key, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	MM_ASSERT_EQ(rep.ar_entries, 1 + (NTHREADS + NPROCS) * NEACH);
	fixture_free(&fx);
}

MM_TEST(empty_and_missing_log)
{
	struct mm_audit_report rep;
	char *dir = tmpdir(), *log = join(dir, "audit.log");
	FILE *f = fopen(log, "w");

	fclose(f);
	MM_ASSERT_EQ(mm_audit_verify(log, NULL, &rep), 0);
	MM_ASSERT_EQ(rep.ar_fault, MM_AUDIT_OK);
	MM_ASSERT_EQ(rep.ar_entries, 0);
	unlink(log);
	MM_ASSERT_EQ(mm_audit_verify(log, NULL, &rep), -ENOENT);
	MM_ASSERT(strstr(rep.ar_msg, log) != NULL);
	rm_rf(dir);
	free(dir);
	free(log);
}

static void
cleanup(void)
{
	fixture_free(&tfx);
	free(tlog);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(canonical_bytes),
	MM_TEST_ENTRY(append_and_verify),
	MM_TEST_ENTRY(tamper_edit_detail),
	MM_TEST_ENTRY(tamper_edit_actor),
	MM_TEST_ENTRY(tamper_delete_line),
	MM_TEST_ENTRY(tamper_delete_first),
	MM_TEST_ENTRY(tamper_swap_lines),
	MM_TEST_ENTRY(tamper_move_line_far),
	MM_TEST_ENTRY(tamper_duplicate_line),
	MM_TEST_ENTRY(tamper_signature_byte),
	MM_TEST_ENTRY(tamper_append_other_key),
	MM_TEST_ENTRY(tamper_rehash_without_key),
	MM_TEST_ENTRY(tamper_torn_last_line),
	MM_TEST_ENTRY(tamper_garbage_line),
	MM_TEST_ENTRY(tamper_untrusted_key),
	MM_TEST_ENTRY(cut_tail_is_only_seen_by_anchor),
	MM_TEST_ENTRY(append_refuses_bad_tail),
	MM_TEST_ENTRY(key_files),
	MM_TEST_ENTRY(sign_verify_file),
	MM_TEST_ENTRY(sign_export_audited),
	MM_TEST_ENTRY(rotation),
	MM_TEST_ENTRY(rotation_new_key_must_follow),
	MM_TEST_ENTRY(concurrent_appenders),
	MM_TEST_ENTRY(empty_and_missing_log),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	int rv = mm_test_main(tests, argc, argv);

	cleanup();
	return (rv);
}
