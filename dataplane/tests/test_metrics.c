/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus renderer (metrics.h) on status and stats of known shape:
 * names, labels, values, one HELP and TYPE per family before its samples,
 * escaping, and JSON of the wrong shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "metrics.h"
#include "mm_test.h"

static const char status_json[] = "{\"version\": \"0.1.0\", \"uptime_s\": 12.5, \"mode\": "
				  "\"live\", \"generation\": 3, \"ports\": 1, \"workers\": 2, "
				  "\"collector\": true, \"plugins\": 1}";

static const char stats_json[] =
	"{\"elapsed_s\": 12.5,"
	" \"ports\": [{\"port\": 0, \"name\": \"0000:3b:00.0\", \"driver\": \"net_ice\","
	"   \"rx_packets\": 1000, \"rx_bytes\": 64000, \"imissed\": 7, \"ierrors\": 0,"
	"   \"rx_nombuf\": 0, \"queues\": [{\"queue\": 0, \"packets\": 600, \"bytes\": 1},"
	"   {\"queue\": 1, \"packets\": 400, \"bytes\": 2}]}],"
	" \"lcores\": [{\"lcore\": 1, \"packets\": 600, \"load_pct\": 50.0,"
	"   \"flows\": {\"active\": 9}}, {\"lcore\": 2, \"packets\": 400, \"load_pct\": 25.0,"
	"   \"flows\": {\"active\": 1}}],"
	" \"totals\": {\"packets\": 1000, \"flows\": {\"created\": 20, \"active\": 10,"
	"   \"ended\": {\"fin\": 4, \"idle\": 6}}, \"anomalies\": {\"ipv4_bad_len\": 2}},"
	" \"plugins\": [{\"name\": \"c2detect\", \"enabled\": true, \"event_drops\": 0,"
	"   \"counters\": {\"beacons\": 5}}],"
	" \"export\": {\"acked\": 42, \"pending\": 0, \"connected\": false}}";

/* Renders and returns the text (to free). */
static char *
render(const char *status, const char *stats)
{
	json_t *a = status != NULL ? json_loads(status, JSON_DECODE_ANY, NULL) : NULL;
	json_t *b = stats != NULL ? json_loads(stats, JSON_DECODE_ANY, NULL) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	if (dp_metrics_render(f, a, b) != 0)
		abort();
	fclose(f);
	json_decref(a);
	json_decref(b);
	return (text);
}

static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return (1);
	return (0);
}

MM_TEST(samples_and_labels)
{
	char *t = render(status_json, stats_json);

	MM_ASSERT(has_line(t, "mamori_info{version=\"0.1.0\",mode=\"live\"} 1"));
	MM_ASSERT(has_line(t, "mamori_uptime_seconds 12.5"));
	MM_ASSERT(has_line(t, "mamori_config_generation 3"));
	MM_ASSERT(has_line(t, "mamori_packets_total 1000"));
	MM_ASSERT(has_line(t, "mamori_flows_active 10"));
	MM_ASSERT(has_line(t, "mamori_flows_ended_total{reason=\"fin\"} 4"));
	MM_ASSERT(has_line(t, "mamori_flows_ended_total{reason=\"idle\"} 6"));
	MM_ASSERT(has_line(t, "mamori_decode_anomalies_total{kind=\"ipv4_bad_len\"} 2"));
	MM_ASSERT(has_line(t, "mamori_port_rx_missed_total{port=\"0\",name=\"0000:3b:00.0\","
			      "driver=\"net_ice\"} 7"));
	MM_ASSERT(has_line(t, "mamori_port_queue_rx_packets_total{port=\"0\","
			      "name=\"0000:3b:00.0\",queue=\"1\"} 400"));
	MM_ASSERT(has_line(t, "mamori_lcore_busy_ratio{lcore=\"1\"} 0.5"));
	MM_ASSERT(has_line(t, "mamori_lcore_flows_active{lcore=\"2\"} 1"));
	MM_ASSERT(has_line(t, "mamori_plugin_enabled{plugin=\"c2detect\"} 1"));
	MM_ASSERT(has_line(t, "mamori_plugin_counter_total{plugin=\"c2detect\","
			      "counter=\"beacons\"} 5"));
	MM_ASSERT(has_line(t, "mamori_export_acked_total 42"));
	MM_ASSERT(has_line(t, "mamori_export_connected 0"));
	MM_ASSERT(has_line(t, "# TYPE mamori_packets_total counter"));
	MM_ASSERT(has_line(t, "# TYPE mamori_flows_active gauge"));
	/* Absent members make no family: no collector here, no plugin format errors. */
	MM_ASSERT(strstr(t, "mamori_collector_") == NULL);
	MM_ASSERT(strstr(t, "mamori_plugin_format_errors_total") == NULL);
	free(t);
}

/* Each family: HELP, then TYPE, then only its own samples; never twice. */
MM_TEST(families_grouped)
{
	char *t = render(status_json, stats_json), *save = NULL, *line;
	char seen[4096] = " ", cur[128] = "";

	for (line = strtok_r(t, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[128], key[132];

		if (strncmp(line, "# HELP ", 7) == 0) {
			MM_ASSERT(sscanf(line + 7, "%127s", name) == 1);
			snprintf(key, sizeof(key), " %s ", name);
			MM_ASSERT(strstr(seen, key) == NULL);
			MM_ASSERT(strlen(seen) + strlen(key) < sizeof(seen));
			strcat(seen, key + 1);
			snprintf(cur, sizeof(cur), "%s", name);
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			MM_ASSERT(sscanf(line + 7, "%127s", name) == 1);
			MM_ASSERT_STREQ(name, cur);
		} else {
			size_t n = strcspn(line, "{ ");

			MM_ASSERT(n == strlen(cur) && strncmp(line, cur, n) == 0);
		}
	}
	free(t);
}

MM_TEST(label_escaping)
{
	char *t = render(
		NULL, "{\"plugins\": [{\"name\": \"a\\\"b\\\\c\\nd\", \"enabled\": false}]}");

	MM_ASSERT(has_line(t, "mamori_plugin_enabled{plugin=\"a\\\"b\\\\c\\nd\"} 0"));
	free(t);
}

/* A value too long for the label buffer is cut at a character, the quote kept. */
MM_TEST(long_label)
{
	char *doc = malloc(8192), *t, *p;
	size_t off;

	off = (size_t)snprintf(doc, 8192, "{\"plugins\": [{\"name\": \"");
	for (int i = 0; i < 2000; i++)
		off += (size_t)snprintf(doc + off, 8192 - off, "\xc3\xa9");
	snprintf(doc + off, 8192 - off, "\", \"enabled\": true}]}");
	t = render(NULL, doc);
	p = strstr(t, "mamori_plugin_enabled{plugin=\"");
	MM_ASSERT(p != NULL);
	p += strlen("mamori_plugin_enabled{plugin=\"");
	while ((unsigned char)p[0] == 0xc3 && (unsigned char)p[1] == 0xa9)
		p += 2;
	MM_ASSERT(strncmp(p, "\"} 1\n", 5) == 0);
	free(t);
	free(doc);
}

/* JSON of another shape renders what it can and nothing wrong. */
MM_TEST(wrong_shapes)
{
	static const char *const docs[] = { "[]", "\"x\"", "null", "{\"ports\": 3}",
		"{\"ports\": [1, \"a\", {\"port\": {}}]}", "{\"totals\": {\"packets\": \"many\"}}",
		"{\"lcores\": [{\"lcore\": 1, \"flows\": [1]}]}",
		"{\"totals\": {\"flows\": {\"ended\": [1, 2]}}}" };

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *t = render("[]", docs[i]);

		MM_ASSERT(strstr(t, "mamori_info") == NULL);
		MM_ASSERT(strstr(t, "many") == NULL);
		free(t);
	}
	{
		char *t = render(NULL, "{\"ports\": [{\"port\": {}, \"rx_packets\": 5}]}");

		/* A label of no scalar type is left out, the sample kept. */
		MM_ASSERT(has_line(t, "mamori_port_rx_packets_total 5"));
		free(t);
	}
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(samples_and_labels),
	MM_TEST_ENTRY(families_grouped),
	MM_TEST_ENTRY(label_escaping),
	MM_TEST_ENTRY(long_label),
	MM_TEST_ENTRY(wrong_shapes),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	return (mm_test_main(tests, argc, argv));
}
