/* SPDX-License-Identifier: BSD-3-Clause */
/* mamorictl events | store: reading mamori-store over its query socket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mamori/bus.h"

#define CTL_DEFAULT_QUERY "ipc://" MM_BUS_RUNDIR "/" MM_BUS_STORE_QUERY

static const char store_help[] =
	"Usage: mamorictl events [--type T] [--since TIME] [--until TIME] [--ip CIDR]\n"
	"                        [--text S] [--plugin NAME] [--site NAME] [--limit N]\n"
	"                        [--all] [--count]\n"
	"                        [--store URL] [--json]\n"
	"       mamorictl store [--store URL] [--json]\n"
	"Reads a mamori-store.\n"
	"\n"
	"Commands:\n"
	"  events   committed events, newest first, as EVE JSON lines (jq works on them);\n"
	"           with --count only their number\n"
	"  store    the store's figures: rows by event type, database size, retention,\n"
	"           ingest counters (batches, events, duplicates ignored, refusals)\n"
	"\n"
	"Options:\n"
	"      --type T         an event type (flow, c2_candidate, iot_device, ...)\n"
	"      --since TIME     from TIME: RFC 3339 (2026-04-01T00:00:00Z) or Unix ns\n"
	"      --until TIME     before TIME\n"
	"      --ip CIDR        source or destination in the prefix (or one address)\n"
	"      --text S         the raw event contains S\n"
	"      --plugin NAME    emitted by a plugin\n"
	"      --site NAME      from one appliance site (a central store, fleet mode)\n"
	"      --limit N        at most N events (default 100); --all pages through all\n"
	"      --count          print how many events match\n"
	"      --store URL      the store's query socket (default $MAMORI_STORE, else\n"
	"                       " CTL_DEFAULT_QUERY ")\n"
	"      --json           the store's answer as one JSON object\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 done, 1 the store refused the query (the message says why),\n"
	"2 bad usage, 3 the store could not be reached.\n";

static const char *
store_url(const char *given)
{
	const char *env = getenv("MAMORI_STORE");

	if (given != NULL)
		return (given);
	return (env != NULL && *env != '\0' ? env : CTL_DEFAULT_QUERY);
}

/* Sends a query; the answer when "ok", else NULL with the reason printed. */
static json_t *
store_ask(const char *url, json_t *req, int *status)
{
	json_t *ans = ctl_request(url, req, 30000);

	json_decref(req);
	if (ans == NULL) {
		*status = CTL_EXIT_ERROR;
		return (NULL);
	}
	if (!json_is_true(json_object_get(ans, "ok"))) {
		ctl_error("store: %s", json_string_value(json_object_get(ans, "error")));
		json_decref(ans);
		*status = CTL_EXIT_FAIL;
		return (NULL);
	}
	return (ans);
}

static int
events_run(struct ctl *ctl, int argc, char **argv)
{
	const char *url = NULL, *type = NULL, *since = NULL, *until = NULL, *ip = NULL;
	const char *text = NULL, *plugin = NULL, *limit = NULL, *site = NULL;
	bool count = false, all = false;
	const struct ctl_opt opts[] = {
		{ "store", &url, NULL },
		{ "type", &type, NULL },
		{ "since", &since, NULL },
		{ "until", &until, NULL },
		{ "ip", &ip, NULL },
		{ "text", &text, NULL },
		{ "plugin", &plugin, NULL },
		{ "site", &site, NULL },
		{ "limit", &limit, NULL },
		{ "count", NULL, &count },
		{ "all", NULL, &all },
		{ NULL, NULL, NULL },
	};
	json_t *filter, *cursor = NULL;
	long n = 100;
	int argi, rv, status = CTL_EXIT_OK;

	if ((rv = ctl_parse(ctl, &ctl_cmd_events, "events", argc, argv, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	if (argi < argc) {
		ctl_usage_error(&ctl_cmd_events, "events: unexpected '%s'", argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	if (limit != NULL && ((n = strtol(limit, NULL, 10)) <= 0 || n > 10000)) {
		ctl_usage_error(
			&ctl_cmd_events, "events: --limit takes 1 to 10000, got '%s'", limit);
		return (CTL_EXIT_USAGE);
	}
	filter = json_object();
	if (type != NULL)
		json_object_set_new(filter, "type", json_string(type));
	if (since != NULL)
		json_object_set_new(filter, "since", json_string(since));
	if (until != NULL)
		json_object_set_new(filter, "until", json_string(until));
	if (ip != NULL)
		json_object_set_new(filter, "ip", json_string(ip));
	if (text != NULL)
		json_object_set_new(filter, "text", json_string(text));
	if (plugin != NULL)
		json_object_set_new(filter, "plugin", json_string(plugin));
	if (site != NULL)
		json_object_set_new(filter, "site", json_string(site));
	url = store_url(url);
	if (count) {
		json_t *req = json_deep_copy(filter), *ans;

		json_object_set_new(req, "op", json_string("count"));
		if ((ans = store_ask(url, req, &status)) != NULL) {
			if (ctl->c_json)
				ctl_json_print(ans);
			else
				printf("%lld\n", json_integer_value(json_object_get(ans, "count")));
			json_decref(ans);
		}
		json_decref(filter);
		return (status);
	}
	/* One page, or every page with --all, newest first. */
	do {
		json_t *req = json_deep_copy(filter), *ans, *ev;
		size_t i;

		json_object_set_new(req, "op", json_string("query"));
		json_object_set_new(req, "order", json_string("desc"));
		json_object_set_new(req, "limit", json_integer(n));
		if (cursor != NULL)
			json_object_set(req, "after", cursor);
		if ((ans = store_ask(url, req, &status)) == NULL)
			break;
		json_array_foreach(json_object_get(ans, "events"), i, ev) ctl_json_print(ev);
		json_decref(cursor);
		cursor = json_incref(json_object_get(ans, "next"));
		json_decref(ans);
	} while (all && cursor != NULL && !json_is_null(cursor));
	json_decref(cursor);
	json_decref(filter);
	return (status);
}

static int
store_run(struct ctl *ctl, int argc, char **argv)
{
	const char *url = NULL, *k;
	const struct ctl_opt opts[] = {
		{ "store", &url, NULL },
		{ NULL, NULL, NULL },
	};
	json_t *ans, *v;
	int argi, rv, status = CTL_EXIT_OK;

	if ((rv = ctl_parse(ctl, &ctl_cmd_store, "store", argc, argv, opts, &argi)) != CTL_CONTINUE)
		return (rv);
	if (argi < argc && strcmp(argv[argi], "stats") != 0) {
		ctl_usage_error(&ctl_cmd_store, "store: unexpected '%s'", argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	if ((ans = store_ask(store_url(url), json_pack("{s:s}", "op", "stats"), &status)) == NULL)
		return (status);
	if (ctl->c_json) {
		ctl_json_print(ans);
	} else {
		json_t *db = json_object_get(ans, "db"), *in = json_object_get(ans, "ingest");

		printf("%s: %lld events, %.1f MB (schema %lld)\n",
			json_string_value(json_object_get(db, "path")),
			json_integer_value(json_object_get(ans, "rows")),
			(double)json_integer_value(json_object_get(db, "file_bytes")) / 1e6,
			json_integer_value(json_object_get(db, "schema_version")));
		json_object_foreach(json_object_get(ans, "types"), k, v)
			printf("  %-20s %lld\n", k, json_integer_value(v));
		/* A central store (fleet mode) also counts by site. */
		json_object_foreach(json_object_get(ans, "sites"), k, v)
			printf("  site %-15s %lld\n", k, json_integer_value(v));
		printf("ingest: %lld batches, %lld events, %lld duplicates ignored, %lld refused\n",
			json_integer_value(json_object_get(in, "batches")),
			json_integer_value(json_object_get(in, "events")),
			json_integer_value(json_object_get(in, "duplicates")),
			json_integer_value(json_object_get(in, "rejected")));
	}
	json_decref(ans);
	return (status);
}

const struct ctl_cmd ctl_cmd_events = {
	.cc_name = "events",
	.cc_summary = "events from a mamori-store: by type, time, prefix, text",
	.cc_help = store_help,
	.cc_run = events_run,
};

const struct ctl_cmd ctl_cmd_store = {
	.cc_name = "store",
	.cc_summary = "a mamori-store's figures: rows by type, size, ingest",
	.cc_help = store_help,
	.cc_run = store_run,
};
