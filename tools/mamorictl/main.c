/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl: the scripted control client.  Global options, then a command
 * from the table in commands.c.  See docs/mamorictl.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mamori/keys.h"

enum {
	OPT_STATE_DIR = 256,
	OPT_JSON,
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--state-dir DIR] [--json] COMMAND [ARGS...]\n"
		"       %s help [COMMAND]\n"
		"Control and check a Mamori appliance from scripts.\n"
		"\n"
		"Commands:\n",
		CTL_PROG, CTL_PROG);
	for (size_t i = 0; ctl_cmds[i] != NULL; i++)
		fprintf(f, "  %-10s %s\n", ctl_cmds[i]->cc_name, ctl_cmds[i]->cc_summary);
	fprintf(f,
		"  %-10s the help of a command: %s help audit\n"
		"\n"
		"Options (also accepted after the command):\n"
		"      --state-dir DIR  where the appliance key and the audit log live\n"
		"                       (default $%s, else %s)\n"
		"      --json           machine output: one JSON object a line on stdout\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n"
		"\n"
		"Exit status: 0 done or valid, 1 invalid (tampered, forged, untrusted),\n"
		"2 bad usage, 3 could not be done (file unreadable, no key, I/O error).\n",
		"help", CTL_PROG, MM_KEY_DIR_ENV, MM_KEY_DEFAULT_DIR);
}

static int
help(int argc, char **argv)
{
	const struct ctl_cmd *cmd;

	if (argc < 2) {
		usage(stdout);
		return (CTL_EXIT_OK);
	}
	if ((cmd = ctl_cmd_find(argv[1])) == NULL) {
		ctl_usage_error(NULL, "help: no command '%s'", argv[1]);
		return (CTL_EXIT_USAGE);
	}
	fputs(cmd->cc_help, stdout);
	return (CTL_EXIT_OK);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .c_state_dir = NULL };
	const struct ctl_cmd *cmd;
	int c;

	opterr = 0;
	/* '+': stop at the command; its options are its own to parse. */
	while ((c = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return (CTL_EXIT_OK);
		case 'V':
			printf("%s (Mamori) %s\n", CTL_PROG, MAMORI_VERSION);
			return (CTL_EXIT_OK);
		case OPT_STATE_DIR:
			ctl.c_state_dir = optarg;
			break;
		case OPT_JSON:
			ctl.c_json = true;
			break;
		case ':':
			ctl_usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
			return (CTL_EXIT_USAGE);
		default:
			ctl_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
			return (CTL_EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return (CTL_EXIT_USAGE);
	}
	if (strcmp(argv[optind], "help") == 0)
		return (help(argc - optind, argv + optind));
	if ((cmd = ctl_cmd_find(argv[optind])) == NULL) {
		ctl_usage_error(NULL, "no command '%s'", argv[optind]);
		return (CTL_EXIT_USAGE);
	}
	return (cmd->cc_run(&ctl, argc - optind, argv + optind));
}
