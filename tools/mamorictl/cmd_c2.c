/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl c2 mark | marks | sign: the operator's side of the c2detect
 * plugin.  Marks (confirmed, false_positive) go to STATE_DIR/c2detect/
 * marks.csv, which the plugin reads at start and on reload: a false positive
 * joins its allow-list, a confirmed server is flagged in its C&C list.  sign
 * signs that list (c2-servers.csv and c2-servers.stix.json) with the
 * appliance key and records it in the audit log.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "mamori/audit.h"
#include "mamori/keys.h"
#include "mamori/netaddr.h"

static const char c2_help[] =
	"Usage: mamorictl c2 mark ADDRESS confirmed|false_positive [--note TEXT]\n"
	"       mamorictl c2 marks [--json]\n"
	"       mamorictl c2 sign [--dir DIR] [--log FILE]\n"
	"The operator's side of the c2detect plugin (C&C server detection).\n"
	"\n"
	"  mark   record a verdict on a C&C candidate's address: a false_positive\n"
	"         joins c2detect's allow-list, a confirmed one is flagged in its C&C\n"
	"         list; takes effect at the next 'mamorictl reload' (or start)\n"
	"  marks  the verdicts recorded so far (the last one per address counts)\n"
	"  sign   sign the exported C&C list (c2-servers.csv, c2-servers.stix.json)\n"
	"         with the appliance key: FILE.sig each, recorded in the audit log\n"
	"\n"
	"Options:\n"
	"      --note TEXT      a free-text reason kept with the mark\n"
	"      --dir DIR        where the C&C list is (default STATE_DIR/c2detect, or\n"
	"                       the plugin's export_dir)\n"
	"      --log FILE       the audit log for sign (default STATE_DIR/audit.log)\n"
	"      --state-dir DIR  the state directory (default $MAMORI_STATE_DIR, else\n"
	"                       /var/lib/mamori)\n"
	"      --json           marks as JSON lines\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 done, 2 bad usage, 3 the marks or list could not be written,\n"
	"read or signed.\n";

static int
mark_run(const struct ctl *ctl, const char *addr, const char *mark, const char *note)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], when[32];
	struct mm_addr a;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (mm_addr_parse(addr, &a) != 0) {
		ctl_usage_error(&ctl_cmd_c2, "c2 mark: '%s' is not an IPv4 or IPv6 address", addr);
		return (CTL_EXIT_USAGE);
	}
	if (strcmp(mark, "confirmed") != 0 && strcmp(mark, "false_positive") != 0) {
		ctl_usage_error(
			&ctl_cmd_c2, "c2 mark: '%s': say confirmed or false_positive", mark);
		return (CTL_EXIT_USAGE);
	}
	if (note != NULL && strpbrk(note, ",\n") != NULL) {
		ctl_usage_error(&ctl_cmd_c2, "c2 mark: --note may not hold commas or newlines");
		return (CTL_EXIT_USAGE);
	}
	snprintf(dir, sizeof(dir), "%s/c2detect", ctl->c_state_dir);
	snprintf(path, sizeof(path), "%s/marks.csv", dir);
	if ((mkdir(dir, 0750) != 0 && errno != EEXIST) || (f = fopen(path, "a")) == NULL) {
		ctl_error("c2 mark: cannot write %s: %s", path, strerror(errno));
		return (CTL_EXIT_ERROR);
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s,%s,%s,%s,%s\n", addr, mark, when, ctl_actor(), note != NULL ? note : "");
	if (fclose(f) != 0) {
		ctl_error("c2 mark: writing %s failed", path);
		return (CTL_EXIT_ERROR);
	}
	fprintf(stderr, "%s marked %s; 'mamorictl reload' applies it\n", addr, mark);
	return (CTL_EXIT_OK);
}

static int
marks_run(const struct ctl *ctl)
{
	char path[PATH_MAX], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/c2detect/marks.csv", ctl->c_state_dir);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (CTL_EXIT_OK);
		ctl_error("c2 marks: cannot read %s: %s", path, strerror(errno));
		return (CTL_EXIT_ERROR);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v[5] = { NULL }, *save = NULL, *p;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		for (p = strtok_r(line, ",", &save); p != NULL && n < 5;
			p = strtok_r(NULL, ",", &save))
			v[n++] = p;
		if (n < 4)
			continue;
		if (ctl->c_json)
			ctl_json_print(json_pack("{s:s,s:s,s:s,s:s,s:s}", "address", v[0], "mark",
				v[1], "time", v[2], "actor", v[3], "note",
				v[4] != NULL ? v[4] : ""));
		else
			printf("%-40s %-15s %s %s %s\n", v[0], v[1], v[2], v[3],
				v[4] != NULL ? v[4] : "");
	}
	fclose(f);
	return (CTL_EXIT_OK);
}

static int
sign_run(const struct ctl *ctl, const char *dir, const char *log)
{
	static const char *const names[] = { "c2-servers.csv", "c2-servers.stix.json" };
	char d[PATH_MAX], file[2][PATH_MAX + 32];
	char *files[2] = { file[0], file[1] };

	if (dir == NULL) {
		snprintf(d, sizeof(d), "%s/c2detect", ctl->c_state_dir);
		dir = d;
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(file[i], sizeof(file[i]), "%s/%s", dir, names[i]);
		if (access(file[i], R_OK) != 0) {
			ctl_error("c2 sign: %s: %s (has c2detect reported a server yet?)", file[i],
				strerror(errno));
			return (CTL_EXIT_ERROR);
		}
	}
	return (ctl_sign_files(ctl, "c2 sign", log, files, 2));
}

static int
c2_run(struct ctl *ctl, int argc, char **argv)
{
	const char *note = NULL, *dir = NULL, *log = NULL, *sub;
	const struct ctl_opt opts[] = {
		{ "note", &note, NULL },
		{ "dir", &dir, NULL },
		{ "log", &log, NULL },
		{ NULL, NULL, NULL },
	};
	int argi, rv, nops;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
			fputs(c2_help, stdout);
			return (CTL_EXIT_OK);
		}
		ctl_usage_error(&ctl_cmd_c2, "c2: say mark, marks or sign");
		return (CTL_EXIT_USAGE);
	}
	sub = argv[1];
	if ((rv = ctl_parse(ctl, &ctl_cmd_c2, sub, argc - 1, argv + 1, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	nops = argc - 1 - argi;
	if (strcmp(sub, "mark") == 0) {
		if (nops != 2) {
			ctl_usage_error(&ctl_cmd_c2, "c2 mark: give ADDRESS and a verdict");
			return (CTL_EXIT_USAGE);
		}
		return (mark_run(ctl, argv[1 + argi], argv[2 + argi], note));
	}
	if (nops != 0) {
		ctl_usage_error(&ctl_cmd_c2, "c2 %s: unexpected '%s'", sub, argv[1 + argi]);
		return (CTL_EXIT_USAGE);
	}
	if (strcmp(sub, "marks") == 0)
		return (marks_run(ctl));
	if (strcmp(sub, "sign") == 0)
		return (sign_run(ctl, dir, log));
	ctl_usage_error(&ctl_cmd_c2, "c2: unknown command '%s' (mark, marks, sign)", sub);
	return (CTL_EXIT_USAGE);
}

const struct ctl_cmd ctl_cmd_c2 = {
	.cc_name = "c2",
	.cc_summary = "mark C&C candidates, list the marks, sign the C&C list",
	.cc_help = c2_help,
	.cc_run = c2_run,
};
