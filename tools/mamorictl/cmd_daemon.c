/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl status | stats | plugins | reload | stop: requests to a running
 * mamorid over its control socket (nng req/rep, JSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mamori/bus.h"

#define CTL_DEFAULT_CONTROL "ipc://" MM_BUS_RUNDIR "/" MM_BUS_CONTROL

static const char daemon_help[] =
	"Usage: mamorictl status  [--control URL] [--json]\n"
	"       mamorictl stats   [--control URL] [--json]\n"
	"       mamorictl plugins [list | enable NAME | disable NAME] [--control URL] [--json]\n"
	"       mamorictl reload  [--control URL] [--json]\n"
	"       mamorictl stop    [--control URL] [--json]\n"
	"Requests to a running mamorid over its control socket.\n"
	"\n"
	"Commands:\n"
	"  status   version, mode, uptime, generation, ports, workers, packets, flows\n"
	"  stats    every counter: ports and queues, lcores, flows by end reason,\n"
	"           decode anomalies, plugins (always JSON)\n"
	"  plugins  the loaded plugins with their counters; enable or disable one\n"
	"           (its hooks stop or resume at the next burst)\n"
	"  reload   read the configuration again (the file and the daemon's command-line\n"
	"           overrides), let plugins re-read theirs, recompile patterns, and swap\n"
	"           them in without stopping traffic; says which changed settings need\n"
	"           a restart\n"
	"  stop     flush every flow and stop, as SIGTERM does\n"
	"\n"
	"Options:\n"
	"      --control URL    mamorid's control socket (default $MAMORI_CONTROL, else\n"
	"                       " CTL_DEFAULT_CONTROL ")\n"
	"      --json           the daemon's answer as one JSON object\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 done, 1 the daemon refused (the message says why), 2 bad usage,\n"
	"3 the daemon could not be reached.\n";

static void
print_status(const json_t *st)
{
	printf("mamorid %s, %s, up %.0f s, generation %lld\n",
		json_string_value(json_object_get(st, "version")),
		json_string_value(json_object_get(st, "mode")),
		json_real_value(json_object_get(st, "uptime_s")),
		json_integer_value(json_object_get(st, "generation")));
	printf("%lld port(s), %lld worker(s), %lld plugin(s)\n",
		json_integer_value(json_object_get(st, "ports")),
		json_integer_value(json_object_get(st, "workers")),
		json_integer_value(json_object_get(st, "plugins")));
	printf("%lld packets, %lld flows created, %lld active\n",
		json_integer_value(json_object_get(st, "packets")),
		json_integer_value(json_object_get(st, "flows_created")),
		json_integer_value(json_object_get(st, "flows_active")));
}

static void
print_plugins(const json_t *list)
{
	size_t i;
	json_t *p;

	json_array_foreach(list, i, p)
	{
		const char *k;
		json_t *v;

		printf("%-12s %-8s %s", json_string_value(json_object_get(p, "name")),
			json_is_true(json_object_get(p, "enabled")) ? "enabled" : "disabled",
			json_string_value(json_object_get(p, "version")));
		json_object_foreach(json_object_get(p, "counters"), k, v)
			printf("  %s=%lld", k, json_integer_value(v));
		printf("  event_drops=%lld\n",
			json_integer_value(json_object_get(p, "event_drops")));
	}
}

static int
daemon_run(struct ctl *ctl, int argc, char **argv)
{
	const char *url = getenv("MAMORI_CONTROL"), *what = argv[0], *name = NULL;
	const struct ctl_opt opts[] = {
		{ "control", &url, NULL },
		{ NULL, NULL, NULL },
	};
	json_t *req, *ans, *body;
	int argi, rv, timeout = 5000;

	if (url == NULL || *url == '\0')
		url = CTL_DEFAULT_CONTROL;
	if ((rv = ctl_parse(ctl, &ctl_cmd_status, what, argc, argv, opts, &argi)) != CTL_CONTINUE)
		return (rv);
	if (strcmp(what, "plugins") == 0 && argi < argc) {
		const char *sub = argv[argi++];

		if (strcmp(sub, "enable") == 0 || strcmp(sub, "disable") == 0) {
			if (argi >= argc) {
				ctl_usage_error(&ctl_cmd_status, "plugins %s: which plugin?", sub);
				return (CTL_EXIT_USAGE);
			}
			name = argv[argi++];
			what = strcmp(sub, "enable") == 0 ? "plugin.enable" : "plugin.disable";
		} else if (strcmp(sub, "list") != 0) {
			ctl_usage_error(&ctl_cmd_status,
				"plugins: unknown '%s' (list, enable, disable)", sub);
			return (CTL_EXIT_USAGE);
		}
	}
	if (argi < argc) {
		ctl_usage_error(&ctl_cmd_status, "%s: unexpected '%s'", argv[0], argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	/* A reload recompiles patterns: give it time. */
	if (strcmp(what, "reload") == 0)
		timeout = 120000;
	req = json_pack("{s:s}", "op", what);
	if (name != NULL)
		json_object_set_new(req, "name", json_string(name));
	ans = ctl_request(url, req, timeout);
	json_decref(req);
	if (ans == NULL)
		return (CTL_EXIT_ERROR);
	if (!json_is_true(json_object_get(ans, "ok"))) {
		ctl_error("%s: %s", argv[0], json_string_value(json_object_get(ans, "error")));
		json_decref(ans);
		return (CTL_EXIT_FAIL);
	}
	body = json_object_get(ans, name != NULL ? "" : what);
	if (ctl->c_json || strcmp(what, "stats") == 0)
		ctl_json_print(body != NULL ? body : ans);
	else if (strcmp(what, "status") == 0)
		print_status(body);
	else if (strcmp(what, "plugins") == 0)
		print_plugins(body);
	else if (strcmp(what, "reload") == 0)
		printf("reloaded: generation %lld%s\n",
			json_integer_value(json_object_get(body, "generation")),
			json_array_size(json_object_get(body, "restart_needed")) > 0
				? "; some changed settings take effect at the next restart"
				: "");
	else
		printf("%s: done\n", name != NULL ? name : what);
	json_decref(ans);
	return (CTL_EXIT_OK);
}

#define DAEMON_CMD(var, name, summary)                                                             \
	const struct ctl_cmd var = {                                                               \
		.cc_name = name,                                                                   \
		.cc_summary = summary,                                                             \
		.cc_help = daemon_help,                                                            \
		.cc_run = daemon_run,                                                              \
	}

DAEMON_CMD(ctl_cmd_status, "status", "a running mamorid: version, mode, traffic, flows");
DAEMON_CMD(ctl_cmd_stats, "stats", "a running mamorid's counters, as JSON");
DAEMON_CMD(ctl_cmd_plugins, "plugins", "list the plugins of a running mamorid, enable, disable");
DAEMON_CMD(ctl_cmd_reload, "reload", "reload configuration and patterns without losing traffic");
DAEMON_CMD(ctl_cmd_stop, "stop", "flush every flow and stop mamorid");
