/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamorictl exercise: scoring training runs (the replay plugin's) and
 * trainees' reports against a scenario's ground truth, and listing the runs
 * kept in the store.  See docs/exercises.md.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "mamori/bus.h"
#include "mamori/exporter.h"
#include "rpl_report.h"
#include "rpl_scenario.h"
#include "rpl_score.h"

#define CTL_DEFAULT_QUERY "ipc://" MM_BUS_RUNDIR "/" MM_BUS_STORE_QUERY
#ifndef MAMORI_PLUGIN_DIR
#define MAMORI_PLUGIN_DIR "/usr/local/lib/mamori/plugins"
#endif

static const char exercise_help[] =
	"Usage: mamorictl exercise score --scenario FILE (--eve FILE | --store URL)\n"
	"                                [--run ID] [--t0 TIME] [--plugin-dir DIR]\n"
	"                                [--report OUT.json] [--submit URL] [--json]\n"
	"       mamorictl exercise report --scenario FILE --run ID (--eve FILE | --store URL)\n"
	"                                [--t0 TIME] [--trainee NAME] [--plugin-dir DIR]\n"
	"                                [--report OUT.json] [--submit URL] [--json] FINDINGS\n"
	"       mamorictl exercise runs [--store URL] [--json]\n"
	"Scores exercise runs against their scenario's ground truth (docs/exercises.md).\n"
	"\n"
	"Commands:\n"
	"  score    score what the appliance detected during a run: the run's events, from\n"
	"           mamorid's EVE file or the store, matched to the scenario's truth items;\n"
	"           per item detected / missed / not scorable (its plugin is not installed)\n"
	"           and time to detect, false positives, precision, recall, points, pass\n"
	"  report   score a trainee's report the same way: FINDINGS is a JSON array of\n"
	"           EVE-style objects (event_type, timestamp, src_ip, dest_ip, ...), an\n"
	"           object with such a \"findings\" array, or JSON lines; t0 comes from the\n"
	"           run's events (or --t0)\n"
	"  runs     the runs kept in the store: their exercise_run and exercise_score events\n"
	"\n"
	"Options:\n"
	"      --scenario FILE  the scenario the run played\n"
	"      --eve FILE       mamorid's EVE output of the run (output.eve)\n"
	"      --store URL      a mamori-store query socket (default $MAMORI_STORE, else\n"
	"                       " CTL_DEFAULT_QUERY ")\n"
	"      --run ID         the run id (exercise.run_id of mamorid): only its events\n"
	"      --t0 TIME        the schedule's zero (RFC 3339 or Unix ns), when the run's\n"
	"                       exercise_run 'started' event is not among the events\n"
	"      --plugin-dir DIR where installed plugins are (default $MAMORI_PLUGIN_DIR,\n"
	"                       else " MAMORI_PLUGIN_DIR ")\n"
	"      --report FILE    also write the score report as JSON\n"
	"      --submit URL     keep the score in the store: send it as an exercise_score\n"
	"                       event to the store's ingest socket\n"
	"      --trainee NAME   report: who wrote the findings\n"
	"      --json           the score report as one JSON line instead of the summary\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit status: 0 the run passed (runs: listed), 1 it scored below the pass mark,\n"
	"2 bad usage or a bad scenario, 3 events or the store could not be read.\n";

struct ex_opts {
	const char *x_scenario;
	const char *x_eve;
	const char *x_store;
	const char *x_run;
	const char *x_t0;
	const char *x_plugin_dir;
	const char *x_report;
	const char *x_submit;
	const char *x_trainee;
};

static bool
plugin_installed(void *arg, const char *plugin)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/mamori_%s.so", (const char *)arg, plugin);
	return (access(path, R_OK) == 0);
}

/* JSON lines, a JSON array, or an object with a "findings" array. */
static json_t *
read_events(const char *path, const char *what)
{
	json_error_t jerr;
	json_t *all, *arr;
	FILE *f = fopen(path, "r");
	size_t line = 0;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL) {
		ctl_error("%s %s: %s", what, path, strerror(errno));
		return (NULL);
	}
	if ((all = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr)) != NULL &&
		(json_is_array(all) || json_is_array(json_object_get(all, "findings")))) {
		arr = json_is_array(all) ? json_incref(all)
					 : json_incref(json_object_get(all, "findings"));
		json_decref(all);
		fclose(f);
		return (arr);
	}
	json_decref(all);
	rewind(f);
	arr = json_array();
	while ((n = getline(&buf, &cap, f)) > 0) {
		json_t *o;

		line++;
		if (strspn(buf, " \t\r\n") == (size_t)n)
			continue;
		if ((o = json_loads(buf, 0, &jerr)) == NULL || !json_is_object(o)) {
			ctl_error("%s %s:%zu: not a JSON object: %s", what, path, line, jerr.text);
			json_decref(o);
			json_decref(arr);
			arr = NULL;
			break;
		}
		json_array_append_new(arr, o);
	}
	free(buf);
	fclose(f);
	return (arr);
}

/* Every event matching filter (whose reference it takes), oldest first, page by page. */
static json_t *
store_query_all(const char *url, json_t *filter)
{
	json_t *out = json_array(), *cursor = NULL;

	do {
		json_t *req = json_deep_copy(filter), *ans;

		json_object_set_new(req, "op", json_string("query"));
		json_object_set_new(req, "limit", json_integer(10000));
		json_object_set_new(req, "order", json_string("asc"));
		if (cursor != NULL)
			json_object_set(req, "after", cursor);
		ans = ctl_request(url, req, 30000);
		json_decref(req);
		if (ans == NULL || !json_is_true(json_object_get(ans, "ok"))) {
			if (ans != NULL)
				ctl_error("store: %s",
					json_string_value(json_object_get(ans, "error")));
			json_decref(ans);
			json_decref(out);
			json_decref(cursor);
			json_decref(filter);
			return (NULL);
		}
		json_array_extend(out, json_object_get(ans, "events"));
		json_decref(cursor);
		cursor = json_incref(json_object_get(ans, "next"));
		json_decref(ans);
	} while (cursor != NULL && !json_is_null(cursor));
	json_decref(cursor);
	json_decref(filter);
	return (out);
}

static json_t *
store_events(const char *url, const char *run)
{
	return (store_query_all(url, json_pack("{s:s}", "exercise", run)));
}

static const char *
query_url(const char *given)
{
	const char *env = getenv("MAMORI_STORE");

	if (given != NULL)
		return (given);
	return (env != NULL && *env != '\0' ? env : CTL_DEFAULT_QUERY);
}

/* Sends the report to the store as an exercise_score event. */
static int
submit(const char *url, const char *run, json_t *report)
{
	struct mm_exporter_conf ec = { 0 };
	struct mm_exporter_stats st;
	struct mm_exporter *exp;
	char err[MM_EXPORTER_ERRLEN], ts[RPL_EVE_TIME_LEN];
	struct timespec now;
	long left;

	ec.ec_url = url;
	if ((exp = mm_exporter_new(&ec, err, sizeof(err))) == NULL) {
		ctl_error("--submit %s: %s", url, err);
		return (CTL_EXIT_ERROR);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	rpl_eve_time((uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec, ts, sizeof(ts));
	mm_exporter_submit(exp, json_pack("{s:s, s:s, s:s?, s:s, s:O}", "timestamp", ts,
					"event_type", "exercise_score", "exercise", run, "plugin",
					"replay", "exercise_score", report));
	left = mm_exporter_flush(exp, 10000);
	mm_exporter_stats(exp, &st);
	mm_exporter_free(exp);
	if (left != 0 || st.es_acked != 1) {
		ctl_error("--submit %s: the store did not take the score (%s)", url,
			st.es_last_error[0] != '\0' ? st.es_last_error : "no answer");
		return (CTL_EXIT_ERROR);
	}
	return (CTL_EXIT_OK);
}

static int
write_report(const char *path, const json_t *rep)
{
	if (json_dump_file(rep, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		ctl_error("--report %s: cannot write: %s", path, strerror(errno));
		return (CTL_EXIT_ERROR);
	}
	return (CTL_EXIT_OK);
}

static int
score_common(struct ctl *ctl, const char *what, const struct ex_opts *x, const char *findings)
{
	struct rpl_scenario *sn = calloc(1, sizeof(*sn));
	struct rpl_score_conf sc = { x->x_run, 0, plugin_installed, NULL };
	const char *pdir = x->x_plugin_dir, *env = getenv("MAMORI_PLUGIN_DIR");
	json_t *events = NULL, *scored, *rep = NULL;
	int status = CTL_EXIT_OK;
	char err[1024];

	if (sn == NULL)
		return (CTL_EXIT_ERROR);
	if (pdir == NULL)
		pdir = env != NULL && *env != '\0' ? env : MAMORI_PLUGIN_DIR;
	sc.sc_arg = (void *)(uintptr_t)pdir;
	if (rpl_scenario_load(sn, x->x_scenario, err, sizeof(err)) != 0) {
		ctl_error("%s: %s", what, err);
		free(sn);
		return (CTL_EXIT_USAGE);
	}
	if (x->x_t0 != NULL) {
		json_t *v = json_string(x->x_t0);
		char *end;

		sc.sc_t0_ns = rpl_parse_time_ns(v);
		json_decref(v);
		if (sc.sc_t0_ns == 0 && (sc.sc_t0_ns = strtoull(x->x_t0, &end, 10)) != 0 &&
			*end != '\0')
			sc.sc_t0_ns = 0;
		if (sc.sc_t0_ns == 0) {
			ctl_error(
				"%s: --t0: expected RFC 3339 or Unix ns, got '%s'", what, x->x_t0);
			status = CTL_EXIT_USAGE;
			goto out;
		}
	}
	if (x->x_eve != NULL)
		events = read_events(x->x_eve, "--eve");
	else
		events = store_events(query_url(x->x_store), x->x_run);
	if (events == NULL) {
		status = CTL_EXIT_ERROR;
		goto out;
	}
	scored = events;
	if (findings != NULL) {
		/* The run's events give t0; the findings are what is scored. */
		if (sc.sc_t0_ns == 0 && (sc.sc_t0_ns = rpl_run_t0(events, x->x_run)) == 0) {
			ctl_error("%s: no exercise_run 'started' event of run '%s': give the run's "
				  "start with --t0",
				what, x->x_run);
			status = CTL_EXIT_ERROR;
			goto out;
		}
		if ((scored = read_events(findings, "findings")) == NULL) {
			status = CTL_EXIT_ERROR;
			goto out;
		}
		json_decref(events);
		events = scored;
		/* A trainee's findings are theirs: every item counts, whatever is installed. */
		sc.sc_run = NULL;
		sc.sc_installed = NULL;
	}
	if ((rep = rpl_score(sn, scored, &sc, err, sizeof(err))) == NULL) {
		ctl_error("%s: %s", what, err);
		status = CTL_EXIT_ERROR;
		goto out;
	}
	json_object_set_new(rep, "run", x->x_run != NULL ? json_string(x->x_run) : json_null());
	json_object_set_new(rep, "source", json_string(findings != NULL ? "trainee" : "appliance"));
	if (x->x_trainee != NULL)
		json_object_set_new(rep, "trainee", json_string(x->x_trainee));
	if (ctl->c_json)
		ctl_json_print(json_incref(rep));
	else
		rpl_score_print(stdout, rep);
	if (x->x_report != NULL)
		status = write_report(x->x_report, rep);
	if (status == CTL_EXIT_OK && x->x_submit != NULL)
		status = submit(x->x_submit, x->x_run, rep);
	if (status == CTL_EXIT_OK && !json_is_true(json_object_get(rep, "passed")))
		status = CTL_EXIT_FAIL;
out:
	json_decref(rep);
	json_decref(events);
	rpl_scenario_fini(sn);
	free(sn);
	return (status);
}

static void
run_line(const json_t *ev)
{
	const char *run = json_string_value(json_object_get(ev, "exercise"));
	const json_t *r = json_object_get(ev, "exercise_run");
	const json_t *s = json_object_get(ev, "exercise_score");
	const char *ts = json_string_value(json_object_get(ev, "timestamp"));

	if (r != NULL)
		printf("%-32s %-20s %-10s scenario %s, %lld of %lld frames\n",
			ts != NULL ? ts : "-", run != NULL ? run : "-",
			json_string_value(json_object_get(r, "state")),
			json_string_value(json_object_get(r, "scenario")),
			json_integer_value(json_object_get(r, "frames_sent")),
			json_integer_value(json_object_get(r, "frames_total")));
	else if (s != NULL)
		printf("%-32s %-20s %-10s %s: %.1f%% (%s), %lld of %lld items\n",
			ts != NULL ? ts : "-", run != NULL ? run : "-", "score",
			json_string_value(json_object_get(s, "source")),
			json_real_value(json_object_get(s, "score_percent")),
			json_is_true(json_object_get(s, "passed")) ? "passed" : "failed",
			json_integer_value(json_object_get(s, "detected")),
			json_integer_value(json_object_get(s, "scorable")));
}

/* The runs' events, then the scores kept, each oldest first. */
static int
runs_list(struct ctl *ctl, const char *url)
{
	static const char *const types[] = { "exercise_run", "exercise_score" };

	if (!ctl->c_json)
		printf("%-32s %-20s %-10s %s\n", "TIME", "RUN", "WHAT", "DETAIL");
	for (size_t t = 0; t < 2; t++) {
		json_t *evs = store_query_all(query_url(url), json_pack("{s:s}", "type", types[t]));
		json_t *ev;
		size_t i;

		if (evs == NULL)
			return (CTL_EXIT_ERROR);
		json_array_foreach(evs, i, ev)
		{
			if (ctl->c_json)
				ctl_json_print(json_incref(ev));
			else
				run_line(ev);
		}
		json_decref(evs);
	}
	return (CTL_EXIT_OK);
}

static int
exercise_run(struct ctl *ctl, int argc, char **argv)
{
	struct ex_opts x = { 0 };
	const struct ctl_opt opts[] = {
		{ "scenario", &x.x_scenario, NULL },
		{ "eve", &x.x_eve, NULL },
		{ "store", &x.x_store, NULL },
		{ "run", &x.x_run, NULL },
		{ "t0", &x.x_t0, NULL },
		{ "plugin-dir", &x.x_plugin_dir, NULL },
		{ "report", &x.x_report, NULL },
		{ "submit", &x.x_submit, NULL },
		{ "trainee", &x.x_trainee, NULL },
		{ NULL, NULL, NULL },
	};
	const char *sub;
	char what[64];
	int argi, rv;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
			fputs(exercise_help, stdout);
			return (CTL_EXIT_OK);
		}
		ctl_usage_error(&ctl_cmd_exercise, "exercise: give score, report or runs");
		return (CTL_EXIT_USAGE);
	}
	sub = argv[1];
	snprintf(what, sizeof(what), "exercise %s", sub);
	if ((rv = ctl_parse(ctl, &ctl_cmd_exercise, what, argc - 1, argv + 1, opts, &argi)) !=
		CTL_CONTINUE)
		return (rv);
	argi++;
	if (strcmp(sub, "runs") == 0) {
		if (argi < argc) {
			ctl_usage_error(&ctl_cmd_exercise, "%s: unexpected '%s'", what, argv[argi]);
			return (CTL_EXIT_USAGE);
		}
		return (runs_list(ctl, x.x_store));
	}
	if (strcmp(sub, "score") != 0 && strcmp(sub, "report") != 0) {
		ctl_usage_error(&ctl_cmd_exercise, "exercise: unknown command '%s'", sub);
		return (CTL_EXIT_USAGE);
	}
	if (x.x_scenario == NULL) {
		ctl_usage_error(&ctl_cmd_exercise, "%s: --scenario FILE is required", what);
		return (CTL_EXIT_USAGE);
	}
	if (x.x_eve != NULL && x.x_store != NULL) {
		ctl_usage_error(&ctl_cmd_exercise, "%s: give --eve or --store, not both", what);
		return (CTL_EXIT_USAGE);
	}
	if (x.x_eve == NULL && x.x_run == NULL) {
		ctl_usage_error(&ctl_cmd_exercise, "%s: reading the store needs --run ID", what);
		return (CTL_EXIT_USAGE);
	}
	if (strcmp(sub, "report") == 0) {
		if (argi + 1 != argc) {
			ctl_usage_error(&ctl_cmd_exercise, "%s: give one FINDINGS file", what);
			return (CTL_EXIT_USAGE);
		}
		return (score_common(ctl, what, &x, argv[argi]));
	}
	if (argi < argc) {
		ctl_usage_error(&ctl_cmd_exercise, "%s: unexpected '%s'", what, argv[argi]);
		return (CTL_EXIT_USAGE);
	}
	return (score_common(ctl, what, &x, NULL));
}

const struct ctl_cmd ctl_cmd_exercise = {
	.cc_name = "exercise",
	.cc_summary = "score exercise runs and trainees' reports against the ground truth",
	.cc_help = exercise_help,
	.cc_run = exercise_run,
};
