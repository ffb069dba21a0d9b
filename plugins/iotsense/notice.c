/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-iotsense: NOTICE-style notification lists from what the iotsense
 * plugin found.  For one day, every confirmed device mapped to an ISP and not
 * notified within the renotify period goes into that ISP's list, as CSV and
 * JSON, each signed with the appliance key (FILE.sig, recorded in the audit
 * log); the ledger of notified devices makes the lists de-duplicated across
 * days.  docs/iotsense.md describes the formats.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <mamori/audit.h>
#include <mamori/keys.h>

#define PROG       "mamori-iotsense"
#define LEDGER     "notified.json"
#define NOTICE_FMT "mamori-iotsense-notice/1"
#define EXIT_USAGE 2
#define EXIT_FAIL  3

static const char usage[] =
	"Usage: " PROG " notify [options]\n"
	"Write the NOTICE-style notification lists of one day, per ISP, from the devices\n"
	"the iotsense plugin found (STATE/iotsense/devices.json), and sign each list with\n"
	"the appliance key.  A device goes into a list when its finding is confirmed, it is\n"
	"mapped to an ISP, it was seen on that day, and it was not notified in the last\n"
	"--renotify days (the ledger STATE/iotsense/" LEDGER " remembers).\n"
	"\n"
	"Options:\n"
	"  -s, --state-dir DIR   mamorid's state directory and the key's (default\n"
	"                        $MAMORI_STATE_DIR, else /var/lib/mamori)\n"
	"  -d, --date DATE       the day, YYYY-MM-DD (default: the last day a device was seen)\n"
	"  -o, --out DIR         where the lists go (default STATE/iotsense/notices)\n"
	"  -r, --renotify DAYS   notify a device again after DAYS (default 30)\n"
	"  -n, --dry-run         print what would be listed; write, sign and record nothing\n"
	"  -h, --help            this help\n"
	"\n"
	"Files: notice-ISP-DATE.csv (header: date,isp,customer,address,category,reason,\n"
	"first_seen,last_seen,detail) and notice-ISP-DATE.json (format " NOTICE_FMT "),\n"
	"each with its detached signature FILE.sig (check: mamorictl verify FILE).\n"
	"\n"
	"Exit status: 0 done (also when there is nobody to notify), 2 bad usage,\n"
	"3 a file could not be read, written or signed.\n";

struct opts {
	const char *o_state;
	const char *o_date;
	const char *o_out;
	long o_renotify;
	int o_dry;
};

/* A path from a format; -ENAMETOOLONG (said on stderr) when it does not fit. */
static int __attribute__((format(printf, 3, 4))) pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, PROG ": path too long: %.64s...\n", buf);
		return (-ENAMETOOLONG);
	}
	return (0);
}

static int64_t
day_of(const char *date)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (date == NULL || strlen(date) < 10 || strptime(date, "%Y-%m-%d", &tm) == NULL)
		return (-1);
	return ((int64_t)timegm(&tm) / 86400);
}

static json_t *
load_json(const char *path, bool missing_ok, int *rv)
{
	json_error_t e;
	json_t *v;

	*rv = 0;
	if (missing_ok && access(path, F_OK) != 0)
		return (json_object());
	if ((v = json_load_file(path, JSON_REJECT_DUPLICATES, &e)) == NULL) {
		fprintf(stderr, PROG ": %s: line %d: %s\n", path, e.line, e.text);
		*rv = -EINVAL;
	}
	return (v);
}

/* Writes v as JSON through path.tmp and a rename. */
static int
save_json(const char *path, json_t *v)
{
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(v, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0 ||
		rename(tmp, path) != 0) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return (-EIO);
	}
	return (0);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

/* One short line of evidence for the CSV: what a customer's ISP can tell them. */
static void
detail(const json_t *d, char *buf, size_t len)
{
	const json_t *e = json_object_get(d, "evidence");
	const char *cat = str(d, "category");

	if (strcmp(cat, "weak_credentials") == 0)
		snprintf(buf, len, "%s login with a default password (user %s)", str(e, "service"),
			str(e, "username"));
	else if (strcmp(cat, "vulnerable_firmware") == 0)
		snprintf(buf, len, "%s %s: %s", str(e, "product"),
			json_is_string(json_object_get(e, "version")) ? str(e, "version") : "",
			str(json_array_get(json_object_get(e, "cves"), 0), "id"));
	else
		snprintf(buf, len, "scanning or attacking other hosts (%s)", str(d, "reason"));
	for (char *p = buf; *p != '\0'; p++)
		if (*p == ',' || *p == '"' || *p == '\n')
			*p = ' ';
}

static int
sign(struct mm_audit *a, const char *path)
{
	char err[MM_AUDIT_ERRLEN];

	if (a == NULL)
		return (0);
	if (mm_audit_sign_export(a, path, PROG, NULL, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return (-EIO);
	}
	return (0);
}

/* Writes and signs one ISP's list. */
static int
write_isp(const struct opts *o, struct mm_audit *a, const char *isp, const char *date, json_t *devs)
{
	char csv[PATH_MAX], js[PATH_MAX], line[512], now[MM_AUDIT_TIME_LEN];
	json_t *d, *doc;
	size_t i;
	FILE *f;
	int rv;

	if (pathf(csv, sizeof(csv), "%s/notice-%s-%s.csv", o->o_out, isp, date) < 0 ||
		pathf(js, sizeof(js), "%s/notice-%s-%s.json", o->o_out, isp, date) < 0)
		return (-ENAMETOOLONG);
	if ((f = fopen(csv, "w")) == NULL) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", csv, strerror(errno));
		return (-EIO);
	}
	fputs("date,isp,customer,address,category,reason,first_seen,last_seen,detail\n", f);
	json_array_foreach(devs, i, d)
	{
		detail(d, line, sizeof(line));
		fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", date, isp, str(d, "customer"),
			str(d, "device"), str(d, "category"), str(d, "reason"),
			str(d, "first_seen"), str(d, "last_seen"), line);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", csv, strerror(errno));
		return (-EIO);
	}
	doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:O}", "format", NOTICE_FMT, "isp", isp, "date",
		date, "generated_at", mm_audit_time(now, sizeof(now)), "devices",
		(json_int_t)json_array_size(devs), "list", devs);
	rv = save_json(js, doc);
	json_decref(doc);
	if (rv == 0 && (rv = sign(a, csv)) == 0)
		rv = sign(a, js);
	if (rv == 0)
		printf("%s: %zu devices -> %s, %s\n", isp, json_array_size(devs), csv, js);
	return (rv);
}

/* The day's lists: devices by ISP, without those notified lately. */
static int
notify(const struct opts *o, const char *dir, struct mm_audit *a)
{
	char path[PATH_MAX], ledger_path[PATH_MAX], date[16];
	json_t *devs, *ledger, *byisp = json_object(), *d, *list;
	int64_t day = -1;
	const char *isp;
	size_t i, unmapped = 0;
	int rv;

	if (pathf(path, sizeof(path), "%s/devices.json", dir) < 0 ||
		pathf(ledger_path, sizeof(ledger_path), "%s/" LEDGER, dir) < 0) {
		json_decref(byisp);
		return (-ENAMETOOLONG);
	}
	if ((devs = load_json(path, false, &rv)) == NULL) {
		json_decref(byisp);
		return (rv);
	}
	if ((ledger = load_json(ledger_path, true, &rv)) == NULL) {
		json_decref(devs);
		json_decref(byisp);
		return (rv);
	}
	if (o->o_date != NULL) {
		day = day_of(o->o_date);
	} else {
		json_array_foreach(devs, i, d)
		{
			int64_t x = day_of(str(d, "last_seen"));

			if (x > day)
				day = x;
		}
	}
	if (day < 0) {
		printf("no device in %s: nobody to notify\n", path);
		json_decref(devs);
		json_decref(ledger);
		json_decref(byisp);
		return (0);
	}
	{
		time_t t = (time_t)(day * 86400);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	}
	json_array_foreach(devs, i, d)
	{
		char key[512];
		int64_t first = day_of(str(d, "first_seen")), last = day_of(str(d, "last_seen"));
		json_int_t when;

		if (!json_is_true(json_object_get(d, "confirmed")) || first > day || last < day)
			continue;
		if ((isp = json_string_value(json_object_get(d, "isp"))) == NULL) {
			unmapped++;
			continue;
		}
		snprintf(key, sizeof(key), "%s|%s|%s|%s", isp, str(d, "customer"), str(d, "device"),
			str(d, "category"));
		when = json_integer_value(json_object_get(ledger, key));
		if (json_object_get(ledger, key) != NULL && when <= day &&
			day < when + o->o_renotify)
			continue;
		if ((list = json_object_get(byisp, isp)) == NULL)
			json_object_set_new(byisp, isp, list = json_array());
		json_array_append(list, d);
		json_object_set_new(ledger, key, json_integer(day));
	}
	rv = 0;
	if (unmapped > 0)
		fprintf(stderr,
			PROG ": %zu devices seen on %s have no ISP: add their prefixes to "
			     "plugins.iotsense.subscribers.prefixes\n",
			unmapped, date);
	if (json_object_size(byisp) == 0)
		printf("%s: nobody new to notify\n", date);
	json_object_foreach(byisp, isp, list)
	{
		if (o->o_dry) {
			printf("%s: %zu devices (dry run)\n", isp, json_array_size(list));
			continue;
		}
		if ((rv = write_isp(o, a, isp, date, list)) < 0)
			break;
	}
	if (rv == 0 && !o->o_dry && json_object_size(byisp) > 0)
		rv = save_json(ledger_path, ledger);
	json_decref(devs);
	json_decref(ledger);
	json_decref(byisp);
	return (rv);
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "date", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "renotify", required_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .o_renotify = 30 };
	char dir[PATH_MAX], out[PATH_MAX], logp[PATH_MAX], err[MM_AUDIT_ERRLEN];
	struct mm_audit *a = NULL;
	struct mm_key *key = NULL;
	char *end;
	int c, rv;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return (0);
	}
	if (argc < 2 || strcmp(argv[1], "notify") != 0) {
		fprintf(stderr, PROG ": expected the command 'notify'\n%s", usage);
		return (EXIT_USAGE);
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "s:d:o:r:nh", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.o_state = optarg;
			break;
		case 'd':
			o.o_date = optarg;
			if (day_of(optarg) < 0) {
				fprintf(stderr, PROG ": --date %s: expected YYYY-MM-DD\n", optarg);
				return (EXIT_USAGE);
			}
			break;
		case 'o':
			o.o_out = optarg;
			break;
		case 'r':
			o.o_renotify = strtol(optarg, &end, 10);
			if (*end != '\0' || o.o_renotify < 1 || o.o_renotify > 3650) {
				fprintf(stderr, PROG ": --renotify %s: expected 1 to 3650 days\n",
					optarg);
				return (EXIT_USAGE);
			}
			break;
		case 'n':
			o.o_dry = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return (0);
		default:
			fputs(usage, stderr);
			return (EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n%s", argv[optind], usage);
		return (EXIT_USAGE);
	}
	o.o_state = mm_key_state_dir(o.o_state);
	if (pathf(dir, sizeof(dir), "%s/iotsense", o.o_state) < 0 ||
		(o.o_out == NULL && pathf(out, sizeof(out), "%s/notices", dir) < 0))
		return (EXIT_USAGE);
	if (o.o_out == NULL)
		o.o_out = out;
	if (!o.o_dry) {
		if (mkdir(o.o_out, 0750) != 0 && errno != EEXIST) {
			fprintf(stderr, PROG ": cannot create %s: %s\n", o.o_out, strerror(errno));
			return (EXIT_FAIL);
		}
		snprintf(err, sizeof(err), "state directory path too long: %s", o.o_state);
		if (mm_audit_path(o.o_state, logp, sizeof(logp)) != 0 ||
			mm_key_open(o.o_state, NULL, &key, err, sizeof(err)) != 0 ||
			mm_audit_open(logp, key, &a, err, sizeof(err)) != 0) {
			fprintf(stderr, PROG ": %s\n", err);
			mm_key_free(key);
			return (EXIT_FAIL);
		}
	}
	rv = notify(&o, dir, a);
	mm_audit_close(a);
	mm_key_free(key);
	return (rv == 0 ? 0 : EXIT_FAIL);
}
