/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenarios: named sets of generators run over one shared world with one
 * seed.  synth_scenario_run() fills a capture and the ground-truth JSON;
 * the same options always give the same bytes.
 */
#ifndef SYNTH_SCENARIO_H
#define SYNTH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct synth_cap;
struct synth_json;

#define SYNTH_VERSION       "0.1.0"
#define SYNTH_DEFAULT_START 1775001600ULL /* 2026-04-01T00:00:00Z */

enum synth_gen {
	SYNTH_GEN_BACKGROUND = 1u << 0,
	SYNTH_GEN_BEACON = 1u << 1,
	SYNTH_GEN_MIRAI = 1u << 2,
	SYNTH_GEN_IOT = 1u << 3,
	SYNTH_GEN_SSH = 1u << 4,
	SYNTH_GEN_ANOMALY = 1u << 5,
	SYNTH_GEN_ESEAL = 1u << 6,
};

struct synth_scenario {
	const char *sc_name;
	const char *sc_desc;
	unsigned sc_gens; /* enum synth_gen bits */
};

struct synth_opts {
	const char *o_scenario;
	uint64_t o_seed;
	uint64_t o_start;    /* seconds since the epoch */
	uint64_t o_duration; /* seconds */
	uint32_t o_subscribers;
	uint32_t o_beacon_period; /* seconds */
	uint32_t o_beacon_jitter; /* percent of the period */
	uint32_t o_bots;          /* Mirai bots */
	uint16_t o_tls_group;     /* TLS 1.3 group servers select (0: their own choice) */
	const char *o_ssh_kex;    /* SSH key exchange both ends prefer (NULL: as implemented) */
};

/* Limits the options are checked against. */
#define SYNTH_MIN_DURATION    300
#define SYNTH_MAX_DURATION    86400
#define SYNTH_MAX_BOTS        64
#define SYNTH_MAX_JITTER      50
#define SYNTH_MAX_SUBSCRIBERS 20000

void synth_opts_default(struct synth_opts *o);
/* A TLS group by name (x25519, secp256r1, x25519mlkem768) or 0x hex; 0 if unknown. */
uint16_t synth_tls_group_parse(const char *s);
/* Whether mamori-synth can put this SSH key exchange on the wire. */
bool synth_ssh_kex_known(const char *kex);
/* The i-th scenario, or NULL past the last. */
const struct synth_scenario *synth_scenario_at(size_t i);
const struct synth_scenario *synth_scenario_find(const char *name);
/* Checks the options together; on error returns -EINVAL and says what to change in err. */
int synth_opts_check(const struct synth_opts *o, char *err, size_t errlen);
/*
 * Runs the scenario into cap (which it finishes: sorted and counted) and
 * writes the whole ground-truth document into truth.  Returns 0, or a
 * negative errno with a message in err.
 */
int synth_scenario_run(const struct synth_opts *o, struct synth_cap *cap, struct synth_json *truth,
	char *err, size_t errlen);

#endif /* SYNTH_SCENARIO_H */
