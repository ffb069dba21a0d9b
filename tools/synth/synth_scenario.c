/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "synth_anom.h"
#include "synth_beacon.h"
#include "synth_bg.h"
#include "synth_cap.h"
#include "synth_eseal.h"
#include "synth_iot.h"
#include "synth_json.h"
#include "synth_mirai.h"
#include "synth_net.h"
#include "synth_scenario.h"
#include "synth_ssh.h"
#include "synth_sshgen.h"
#include "synth_tls.h"

#define SEC 1000000ULL

#define ROLES_BEACON 1 /* subscribers each generator takes for itself */
#define ROLES_IOT    2
#define ROLES_SSH    3
#define ROLES_ESEAL  1

static const struct synth_scenario scenarios[] = {
	{ "demo", "everything below in one capture (what 'make demo' replays)",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_BEACON | SYNTH_GEN_MIRAI | SYNTH_GEN_IOT |
			SYNTH_GEN_SSH | SYNTH_GEN_ANOMALY },
	{ "background",
		"benign subscribers only: web, TLS, DNS, NTP, ping (false-positive "
		"baseline)",
		SYNTH_GEN_BACKGROUND },
	{ "beacon", "background plus one periodic C&C beacon",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_BEACON },
	{ "mirai", "background plus a Mirai botnet: C&C sessions, SYN scanning, report",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_MIRAI },
	{ "iot",
		"background plus a weak-credential telnet login and vulnerable-firmware "
		"banners",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_IOT },
	{ "pqc",
		"background (hybrid and classical TLS) plus SSH with PQ and classical key "
		"exchange",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_SSH },
	{ "anomalies", "background plus VLAN/QinQ lines, IPv4 fragments, ARP and malformed frames",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_ANOMALY },
	{ "eseal",
		"background plus e-sealed document uploads (CMS over HTTP POST), one "
		"tampered with after sealing",
		SYNTH_GEN_BACKGROUND | SYNTH_GEN_ESEAL },
};

void
synth_opts_default(struct synth_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->o_scenario = "demo";
	o->o_seed = 1;
	o->o_start = SYNTH_DEFAULT_START;
	o->o_duration = 3600;
	o->o_subscribers = 120;
	o->o_beacon_period = 60;
	o->o_beacon_jitter = 10;
	o->o_bots = 6;
}

uint16_t
synth_tls_group_parse(const char *s)
{
	static const struct {
		const char *n;
		uint16_t g;
	} names[] = { { "x25519", SYNTH_TLS_X25519 }, { "secp256r1", SYNTH_TLS_SECP256R1 },
		{ "x25519mlkem768", SYNTH_TLS_X25519MLKEM768 } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].n) == 0)
			return names[i].g;
	if (strcasecmp(s, "0x001d") == 0)
		return SYNTH_TLS_X25519;
	if (strcasecmp(s, "0x0017") == 0)
		return SYNTH_TLS_SECP256R1;
	if (strcasecmp(s, "0x11ec") == 0)
		return SYNTH_TLS_X25519MLKEM768;
	return 0;
}

bool
synth_ssh_kex_known(const char *kex)
{
	static const char *const known[] = { "mlkem768x25519-sha256", "sntrup761x25519-sha512",
		"sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
		"curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
		"ecdh-sha2-nistp521" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(kex, known[i]) == 0)
			return true;
	return false;
}

const struct synth_scenario *
synth_scenario_at(size_t i)
{
	return i < sizeof(scenarios) / sizeof(scenarios[0]) ? &scenarios[i] : NULL;
}

const struct synth_scenario *
synth_scenario_find(const char *name)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].sc_name, name) == 0)
			return &scenarios[i];
	return NULL;
}

static uint32_t
roles(const struct synth_scenario *sc, const struct synth_opts *o)
{
	uint32_t n = 0;

	if (sc->sc_gens & SYNTH_GEN_BEACON)
		n += ROLES_BEACON;
	if (sc->sc_gens & SYNTH_GEN_MIRAI)
		n += o->o_bots;
	if (sc->sc_gens & SYNTH_GEN_IOT)
		n += ROLES_IOT;
	if (sc->sc_gens & SYNTH_GEN_SSH)
		n += ROLES_SSH;
	if (sc->sc_gens & SYNTH_GEN_ESEAL)
		n += ROLES_ESEAL;
	return n;
}

int
synth_opts_check(const struct synth_opts *o, char *err, size_t errlen)
{
	const struct synth_scenario *sc = synth_scenario_find(o->o_scenario);
	uint32_t need;

	if (sc == NULL) {
		snprintf(err, errlen,
			"unknown scenario '%s'; 'mamori-synth --scenario list' "
			"shows the names",
			o->o_scenario);
		return -EINVAL;
	}
	if (o->o_duration < SYNTH_MIN_DURATION || o->o_duration > SYNTH_MAX_DURATION) {
		snprintf(err, errlen, "--duration %llu is out of range: give %u to %u seconds",
			(unsigned long long)o->o_duration, SYNTH_MIN_DURATION, SYNTH_MAX_DURATION);
		return -EINVAL;
	}
	/* pcap keeps 32-bit seconds; the whole capture must fit before 2106. */
	if (o->o_start + o->o_duration > UINT32_MAX) {
		snprintf(err, errlen,
			"--start %llu plus the duration passes 2106, which pcap's "
			"32-bit seconds cannot hold: give an earlier start",
			(unsigned long long)o->o_start);
		return -EINVAL;
	}
	if (o->o_beacon_period < 5 || o->o_beacon_period * 4ULL > o->o_duration) {
		snprintf(err, errlen,
			"--beacon-period %u: give 5 s or more, and at most a quarter "
			"of --duration (%llu s) so that 4 beacons fit",
			o->o_beacon_period, (unsigned long long)o->o_duration);
		return -EINVAL;
	}
	if (o->o_beacon_jitter > SYNTH_MAX_JITTER) {
		snprintf(err, errlen, "--beacon-jitter %u: give 0 to %u (percent of the period)",
			o->o_beacon_jitter, SYNTH_MAX_JITTER);
		return -EINVAL;
	}
	if (o->o_bots < 1 || o->o_bots > SYNTH_MAX_BOTS) {
		snprintf(err, errlen, "--bots %u: give 1 to %u", o->o_bots, SYNTH_MAX_BOTS);
		return -EINVAL;
	}
	if (o->o_ssh_kex != NULL && !synth_ssh_kex_known(o->o_ssh_kex)) {
		snprintf(err, errlen,
			"--ssh-kex %s: give mlkem768x25519-sha256, sntrup761x25519-sha512, "
			"curve25519-sha256 or ecdh-sha2-nistp256/384/521",
			o->o_ssh_kex);
		return -EINVAL;
	}
	need = roles(sc, o) + 1;
	if (o->o_subscribers < need || o->o_subscribers > SYNTH_MAX_SUBSCRIBERS) {
		snprintf(err, errlen,
			"--subscribers %u: scenario '%s' needs %u to %u (one per "
			"infected host, device and SSH client, plus one benign)",
			o->o_subscribers, sc->sc_name, need, SYNTH_MAX_SUBSCRIBERS);
		return -EINVAL;
	}
	return 0;
}

static void
truth_head(struct synth_json *j, const struct synth_opts *o)
{
	time_t t = (time_t)o->o_start;
	struct tm tm;
	char iso[32];

	gmtime_r(&t, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	synth_json_obj_begin(j, NULL);
	synth_json_str(j, "generator", "mamori-synth " SYNTH_VERSION);
	synth_json_str(j, "scenario", o->o_scenario);
	synth_json_u64(j, "seed", o->o_seed);
	synth_json_u64(j, "start", o->o_start);
	synth_json_str(j, "start_iso", iso);
	synth_json_u64(j, "duration_s", o->o_duration);
	synth_json_u64(j, "subscribers", o->o_subscribers);
	synth_json_str(j, "subscriber_prefix_v4", SYNTH_SUB_PREFIX4);
	synth_json_str(j, "subscriber_prefix_v6", SYNTH_SUB_PREFIX6);
}

static void
truth_frames(struct synth_json *j, const struct synth_cap *cap, const char *key, uint16_t mark)
{
	uint64_t frames[64];
	size_t n = synth_cap_marked(cap, mark, frames, 64);

	synth_json_arr_begin(j, key);
	for (size_t i = 0; i < n && i < 64; i++)
		synth_json_u64(j, NULL, frames[i]);
	synth_json_arr_end(j);
}

static void
truth_tail(struct synth_json *j, const struct synth_cap *cap)
{
	const struct synth_cap_stats *st = synth_cap_stats(cap);

	truth_frames(j, cap, "malformed_frames", SYNTH_MARK_MALFORMED);
	truth_frames(j, cap, "arp_frames", SYNTH_MARK_ARP);
	synth_json_obj_begin(j, "totals");
	synth_json_u64(j, "packets", st->cs_packets);
	synth_json_u64(j, "frame_bytes", st->cs_bytes);
	/* What "tshark -q -z conv,tcp -z conv,udp" lists, row for row. */
	synth_json_u64(j, "tcp_conversations", st->cs_tcp_conv);
	synth_json_u64(j, "udp_conversations", st->cs_udp_conv);
	synth_json_u64(j, "first_us", st->cs_first_us);
	synth_json_u64(j, "last_us", st->cs_last_us);
	synth_json_obj_end(j);
	synth_json_obj_end(j);
}

int
synth_scenario_run(const struct synth_opts *o, struct synth_cap *cap, struct synth_json *truth,
	char *err, size_t errlen)
{
	const struct synth_scenario *sc;
	struct synth_beacon_params bp;
	struct synth_mirai_params mp;
	struct synth_eseal_params ep = { 4, 1 };
	struct synth_net net;
	struct synth_ctx x;
	const char *gen = "world";
	int rv;

	if ((rv = synth_opts_check(o, err, errlen)) != 0)
		return rv;
	sc = synth_scenario_find(o->o_scenario);
	if ((rv = synth_net_init(&net, o->o_seed, o->o_subscribers)) != 0)
		goto fail;
	memset(&x, 0, sizeof(x));
	x.x_cap = cap;
	x.x_net = &net;
	x.x_truth = truth;
	x.x_seed = o->o_seed;
	x.x_start = o->o_start * SEC;
	x.x_dur = o->o_duration * SEC;
	x.x_tls_group = o->o_tls_group;
	x.x_ssh_kex = o->o_ssh_kex;
	bp.bp_period = o->o_beacon_period;
	bp.bp_jitter = o->o_beacon_jitter;
	bp.bp_port = 80;
	mp.mp_bots = o->o_bots;
	mp.mp_keepalive = 60;
	mp.mp_scan_rate = 160;
	mp.mp_scan_every = 300;

	truth_head(truth, o);
	synth_json_obj_begin(truth, "generators");
	/* A fixed order: claims on subscribers and outside addresses depend on it. */
	if ((sc->sc_gens & SYNTH_GEN_BACKGROUND) && (rv = synth_bg_run(&x)) != 0) {
		gen = "background";
		goto fail_net;
	}
	if ((sc->sc_gens & SYNTH_GEN_BEACON) && (rv = synth_beacon_run(&x, &bp)) != 0) {
		gen = "beacon";
		goto fail_net;
	}
	if ((sc->sc_gens & SYNTH_GEN_MIRAI) && (rv = synth_mirai_run(&x, &mp)) != 0) {
		gen = "mirai";
		goto fail_net;
	}
	if ((sc->sc_gens & SYNTH_GEN_IOT) && (rv = synth_iot_run(&x)) != 0) {
		gen = "iot";
		goto fail_net;
	}
	if ((sc->sc_gens & SYNTH_GEN_SSH) && (rv = synth_sshgen_run(&x)) != 0) {
		gen = "ssh";
		goto fail_net;
	}
	if ((sc->sc_gens & SYNTH_GEN_ANOMALY) && (rv = synth_anom_run(&x)) != 0) {
		gen = "anomalies";
		goto fail_net;
	}
	if ((sc->sc_gens & SYNTH_GEN_ESEAL) && (rv = synth_eseal_run(&x, &ep)) != 0) {
		gen = "e-sealed uploads";
		goto fail_net;
	}
	synth_json_obj_end(truth);
	gen = "capture";
	if ((rv = synth_cap_finish(cap)) != 0)
		goto fail_net;
	truth_tail(truth, cap);
	if (truth->j_err != 0) {
		rv = truth->j_err;
		gen = "ground truth";
		goto fail_net;
	}
	synth_net_fini(&net);
	return 0;

fail_net:
	synth_net_fini(&net);
fail:
	snprintf(err, errlen, "scenario '%s', %s: %s", o->o_scenario, gen, strerror(-rv));
	return rv;
}
