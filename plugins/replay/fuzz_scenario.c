/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: exercise scenarios (YAML) through the loader, and every
 * one that loads scored against its own truth items turned into events.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rpl_scenario.h"
#include "rpl_score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rpl_scenario sn;
	struct rpl_score_conf sc = { NULL, 1775001600000000000ULL, NULL, NULL };
	char err[512];
	json_t *events, *rep;

	if (rpl_scenario_parse(&sn, (const char *)data, size, "fuzz.yaml", "/nonexistent", err,
		    sizeof(err)) != 0)
		return (0);
	events = json_array();
	for (unsigned i = 0; i < sn.sn_nitems; i++) {
		const struct rpl_item *it = &sn.sn_items[i];
		json_t *ev = json_pack("{s:s, s:s}", "event_type", it->it_event_type, "timestamp",
			"2026-04-01T00:00:05.000000+0000");

		for (unsigned k = 0; k < it->it_nmatch; k++)
			json_object_set_new(
				ev, it->it_match[k].kv_key, json_string(it->it_match[k].kv_value));
		json_array_append_new(events, ev);
	}
	rep = rpl_score(&sn, events, &sc, err, sizeof(err));
	json_decref(rep);
	json_decref(events);
	rpl_scenario_fini(&sn);
	return (0);
}
