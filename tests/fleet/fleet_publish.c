/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For the fleet tests: publishes the EVE lines of a file as one appliance
 * site would, through the exporter's JetStream sink (subjects, message ids,
 * acknowledgements), and exits once every line is acknowledged.
 *
 *	fleet_publish NATS_URLS SITE FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>

#include <mamori/exporter.h>

int
main(int argc, char **argv)
{
	struct mm_exporter_conf c;
	struct mm_exporter_stats st;
	struct mm_exporter *ex;
	char url[1024], err[256], *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	FILE *f;
	long left;

	if (argc != 4) {
		fprintf(stderr, "usage: fleet_publish NATS_URLS SITE FILE\n");
		return (2);
	}
	if ((f = fopen(argv[3], "r")) == NULL) {
		perror(argv[3]);
		return (1);
	}
	snprintf(url, sizeof(url), "%s?site=%s", argv[1], argv[2]);
	memset(&c, 0, sizeof(c));
	c.ec_url = url;
	c.ec_batch_delay_ms = 10;
	if ((ex = mm_exporter_new(&c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fleet_publish: %s\n", err);
		fclose(f);
		return (1);
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *ev = json_loadb(line, (size_t)len, 0, NULL);

		if (ev == NULL) {
			fprintf(stderr, "fleet_publish: %s: not JSON: %s", argv[3], line);
			continue;
		}
		mm_exporter_submit(ex, ev);
		n++;
	}
	free(line);
	fclose(f);
	left = mm_exporter_flush(ex, 20000);
	mm_exporter_stats(ex, &st);
	mm_exporter_free(ex);
	nats_CloseAndWait(1000);
	printf("%zu events, %llu acknowledged, %ld left\n", n, (unsigned long long)st.es_acked,
		left);
	return (left == 0 && st.es_acked == n ? 0 : 1);
}
