/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iotsense: infected IoT devices, default credentials in use and vulnerable
 * firmware, found passively, mapped to the ISP's subscribers for NOTICE-style
 * warnings.  docs/iotsense.md is the manual.
 *
 * Lcores find (scan.c, login.c, banners here) and emit iot_device events; the
 * control thread renders them (format.c), maps each device to its ISP and
 * customer and keeps the registry (registry.c) that the notification lists,
 * the daily and monthly counts and the quarantine list come from.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hs/hs_compile.h>

#include "format.h"
#include "iotsense.h"
#include "login.h"
#include "scan.h"
#include "textfile.h"

#define MS_TO_NS 1000000ULL

/* iot_summary comes from the control thread (h_emit_json), never through pd_format. */
static const char *const iot_types[] = { "iot_device", "iot_summary", NULL };

/* Mirai variants' exploit ports (reference: Huawei HG532, Realtek SDK, ADB, TR-069, web). */
static const uint16_t default_exploit_ports[] = { 37215, 52869, 5555, 7547, 8080, 80, 81 };

enum { PATH_CREDS = 0, PATH_FW, PATH_PREFIXES, PATH_ASSIGN, PATH_N };

static int
cfg_err(int rv)
{
	return (rv < 0 && rv != -ENOENT ? rv : 0);
}

/* A probability from the configuration, strictly between 0 and 1. */
static int
cfg_prob(struct iot_global *g, const char *key, const char *def, double *out)
{
	const char *s;
	char *end;
	int rv;

	if ((rv = cfg_err(g->g_host->h_cfg_str(g->g_ctx, key, def, &s))) < 0)
		return (rv);
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || !(*out > 0.0 && *out < 1.0)) {
		g->g_host->h_log(g->g_ctx, 3,
			"plugins.iotsense.%s: '%s' is not a probability; expected a number "
			"between 0 and 1 exclusive, such as %s",
			key, s, def);
		return (-EINVAL);
	}
	return (0);
}

static int
cfg_ports(struct iot_global *g, struct iot_conf *c)
{
	char **v = NULL;
	size_t n = 0;
	int rv;

	rv = cfg_err(g->g_host->h_cfg_strv(g->g_ctx, "exploit_ports", &v, &n));
	if (rv == 0 && n > sizeof(c->c_exploit_ports) / sizeof(c->c_exploit_ports[0])) {
		g->g_host->h_log(g->g_ctx, 3,
			"plugins.iotsense.exploit_ports: %zu ports, at most %zu", n,
			sizeof(c->c_exploit_ports) / sizeof(c->c_exploit_ports[0]));
		rv = -EINVAL;
	}
	for (size_t i = 0; rv == 0 && i < n; i++) {
		char *end;
		unsigned long p = strtoul(v[i], &end, 10);

		if (end == v[i] || *end != '\0' || p == 0 || p > 65535) {
			g->g_host->h_log(g->g_ctx, 3,
				"plugins.iotsense.exploit_ports[%zu]: '%s' is not a port (1 to "
				"65535)",
				i, v[i]);
			rv = -EINVAL;
			break;
		}
		c->c_exploit_ports[c->c_n_exploit++] = (uint16_t)p;
	}
	if (v != NULL)
		g->g_host->h_cfg_strv_free(v);
	if (rv == 0 && n == 0) {
		c->c_n_exploit = sizeof(default_exploit_ports) / sizeof(default_exploit_ports[0]);
		memcpy(c->c_exploit_ports, default_exploit_ports, sizeof(default_exploit_ports));
	}
	return (rv);
}

static int
cfg_darknet(struct iot_global *g, struct iot_conf *c)
{
	char **v = NULL;
	size_t n = 0;
	int rv;

	rv = cfg_err(g->g_host->h_cfg_strv(g->g_ctx, "darknet.prefixes", &v, &n));
	if (rv == 0 && n > sizeof(c->c_dark) / sizeof(c->c_dark[0])) {
		g->g_host->h_log(g->g_ctx, 3, "plugins.iotsense.darknet.prefixes: %zu, at most %zu",
			n, sizeof(c->c_dark) / sizeof(c->c_dark[0]));
		rv = -EINVAL;
	}
	for (size_t i = 0; rv == 0 && i < n; i++) {
		if (iot_prefix_parse(v[i], &c->c_dark[c->c_n_dark]) < 0) {
			g->g_host->h_log(g->g_ctx, 3,
				"plugins.iotsense.darknet.prefixes[%zu]: '%s' is not a prefix "
				"(a.b.c.d/n or x::/n)",
				i, v[i]);
			rv = -EINVAL;
			break;
		}
		c->c_n_dark++;
	}
	if (v != NULL)
		g->g_host->h_cfg_strv_free(v);
	return (rv);
}

static int
iot_config(struct iot_global *g, struct iot_conf *c)
{
	const struct mm_host *h = g->g_host;
	struct mm_plugin_ctx *x = g->g_ctx;
	double th0, th1, pd, pf;
	uint64_t ms;
	const char *s;
	char *end;
	int rv;

	memset(c, 0, sizeof(*c));
	if ((rv = cfg_err(h->h_cfg_duration_ms(x, "window", 300000, 1000, 86400000, &ms))) < 0)
		return (rv);
	c->c_window_ns = ms * MS_TO_NS;
	if ((rv = cfg_err(h->h_cfg_u64(x, "mirai.min_syns", 3, 1, 1000000, &c->c_mirai_min))) < 0 ||
		(rv = cfg_err(h->h_cfg_u64(x, "fanout.hosts", 25, 2, 1000000, &c->c_fan_hosts))) <
			0 ||
		(rv = cfg_err(h->h_cfg_u64(x, "fanout.ports", 15, 2, 65535, &c->c_fan_ports))) <
			0 ||
		(rv = cfg_err(h->h_cfg_bool(x, "trw.enabled", true, &c->c_trw))) < 0 ||
		(rv = cfg_err(h->h_cfg_bool(x, "udp_outcomes", false, &c->c_udp))) < 0 ||
		(rv = cfg_err(h->h_cfg_bool(x, "home_only", false, &c->c_home_only))) < 0 ||
		(rv = cfg_err(h->h_cfg_u64(
			 x, "darknet.min_connections", 1, 1, 1000000, &c->c_dark_min))) < 0 ||
		(rv = cfg_err(h->h_cfg_u64(
			 x, "bruteforce.attempts", 10, 2, 1000000, &c->c_bf_attempts))) < 0)
		return (rv);
	if ((rv = cfg_err(
		     h->h_cfg_duration_ms(x, "bruteforce.window", 60000, 1000, 86400000, &ms))) < 0)
		return (rv);
	c->c_bf_window_ns = ms * MS_TO_NS;
	if ((rv = cfg_err(
		     h->h_cfg_duration_ms(x, "bruteforce.session", 30000, 100, 3600000, &ms))) < 0)
		return (rv);
	c->c_bf_session_ns = ms * MS_TO_NS;
	if ((rv = cfg_err(h->h_cfg_duration_ms(
		     x, "quarantine", 14 * 86400000ULL, 60000, 365 * 86400000ULL, &ms))) < 0)
		return (rv);
	c->c_quarantine_ns = ms * MS_TO_NS;
	if ((rv = cfg_prob(g, "trw.benign_success", "0.8", &th0)) < 0 ||
		(rv = cfg_prob(g, "trw.scanner_success", "0.2", &th1)) < 0 ||
		(rv = cfg_prob(g, "trw.detection", "0.99", &pd)) < 0 ||
		(rv = cfg_prob(g, "trw.false_alarm", "0.01", &pf)) < 0)
		return (rv);
	if (th1 >= th0 || pf >= pd) {
		h->h_log(x, 3,
			"plugins.iotsense.trw: expected scanner_success < benign_success and "
			"false_alarm < detection");
		return (-EINVAL);
	}
	c->c_trw_ok_step = log(th1 / th0);
	c->c_trw_fail_step = log((1 - th1) / (1 - th0));
	c->c_trw_eta1 = log(pd / pf);
	c->c_trw_eta0 = log((1 - pd) / (1 - pf));
	if ((rv = cfg_err(h->h_cfg_str(x, "firmware.min_cvss", "7.0", &s))) < 0)
		return (rv);
	c->c_min_cvss = strtod(s, &end);
	if (end == s || *end != '\0' || c->c_min_cvss < 0 || c->c_min_cvss > 10) {
		h->h_log(x, 3,
			"plugins.iotsense.firmware.min_cvss: '%s' is not a CVSS score (0-10)", s);
		return (-EINVAL);
	}
	if ((rv = cfg_ports(g, c)) < 0 || (rv = cfg_darknet(g, c)) < 0)
		return (rv);
	return (0);
}

/* A data file's path: configured, else the copy the plugin ships (h_data_file). */
static int
cfg_path(struct iot_global *g, unsigned which, const char *key, const char *file)
{
	const char *s;
	char buf[4096];
	int rv;

	if ((rv = cfg_err(g->g_host->h_cfg_str(g->g_ctx, key, "", &s))) < 0)
		return (rv);
	if (s[0] == '\0' && file != NULL) {
		char name[256];

		snprintf(name, sizeof(name), "iotsense/%s", file);
		g->g_host->h_data_file(g->g_ctx, name, buf, sizeof(buf));
		s = buf;
	}
	free(g->g_paths[which]);
	if ((g->g_paths[which] = strdup(s)) == NULL)
		return (-ENOMEM);
	return (0);
}

static int
cfg_paths(struct iot_global *g)
{
	int rv;

	if ((rv = cfg_path(g, PATH_CREDS, "credentials", "credentials.txt")) < 0 ||
		(rv = cfg_path(g, PATH_FW, "firmware.signatures", "firmware.json")) < 0 ||
		(rv = cfg_path(g, PATH_PREFIXES, "subscribers.prefixes", NULL)) < 0 ||
		(rv = cfg_path(g, PATH_ASSIGN, "subscribers.assignments", NULL)) < 0)
		return (rv);
	return (0);
}

static void
data_free(struct iot_data *d)
{
	if (d == NULL)
		return;
	iot_creds_free(d->d_creds);
	iot_fw_free(d->d_fw);
	iot_subs_free(d->d_subs);
	free(d);
}

static int
load_subs(struct iot_global *g, struct iot_subs *s, unsigned which, char *err, size_t errlen)
{
	const char *path = g->g_paths[which];
	char *text, why[512];
	size_t len, bad;
	int rv;

	if (path[0] == '\0')
		return (0);
	if ((rv = iot_text_read(path, &text, &len, err, errlen)) < 0)
		return (rv);
	rv = which == PATH_PREFIXES
		     ? iot_subs_parse_prefixes(s, text, len, &bad, why, sizeof(why))
		     : iot_subs_parse_assignments(s, text, len, &bad, why, sizeof(why));
	free(text);
	if (rv == 0 && bad > 0)
		g->g_host->h_log(
			g->g_ctx, 4, "%s: %zu malformed lines skipped; first: %s", path, bad, why);
	return (rv);
}

/* Reads the data files into a new generation. */
static int
data_load(struct iot_global *g, struct iot_data **out)
{
	static unsigned gen;
	struct iot_data *d = calloc(1, sizeof(*d));
	char err[512], name[32];
	size_t bad;
	int rv;

	if (d == NULL || (d->d_subs = iot_subs_new()) == NULL) {
		free(d);
		return (-ENOMEM);
	}
	if ((rv = iot_creds_load(g->g_paths[PATH_CREDS], &d->d_creds, &bad, err, sizeof(err))) < 0)
		goto fail;
	if (bad > 0)
		g->g_host->h_log(g->g_ctx, 4, "%s: %zu malformed lines skipped; first: %s",
			g->g_paths[PATH_CREDS], bad, err);
	if ((rv = iot_fw_load(g->g_paths[PATH_FW], &d->d_fw, &bad, err, sizeof(err))) < 0)
		goto fail;
	if (bad > 0)
		g->g_host->h_log(g->g_ctx, 4, "%s: %zu malformed signatures skipped; first: %s",
			g->g_paths[PATH_FW], bad, err);
	if ((rv = load_subs(g, d->d_subs, PATH_PREFIXES, err, sizeof(err))) < 0 ||
		(rv = load_subs(g, d->d_subs, PATH_ASSIGN, err, sizeof(err))) < 0)
		goto fail;
	snprintf(name, sizeof(name), "%u", gen++);
	if ((rv = iot_subs_build(d->d_subs, name, err, sizeof(err))) < 0)
		goto fail;
	g->g_host->h_log(g->g_ctx, 6,
		"%zu default credentials, %zu firmware signatures (updated %s), %zu prefixes of "
		"%zu ISPs, %zu address assignments",
		iot_creds_count(d->d_creds), d->d_fw->f_n,
		d->d_fw->f_updated[0] ? d->d_fw->f_updated : "?", d->d_subs->s_nprefixes,
		d->d_subs->s_nisps, d->d_subs->s_nassigns);
	*out = d;
	return (0);
fail:
	g->g_host->h_log(g->g_ctx, 3, "%s (fix the file, or set its plugins.iotsense key)", err);
	data_free(d);
	return (rv);
}

/* The login patterns and one banner pattern per signature and transport. */
static int
iot_patterns(struct iot_global *g, const struct iot_data *d)
{
	int rv;

	if ((rv = iot_login_patterns(g)) < 0)
		return (rv);
	for (size_t i = 0; i < d->d_fw->f_n; i++) {
		struct mm_pattern pt[2] = {
			{ .pt_id = IOT_PT_FIRMWARE + 2 * (uint32_t)i,
				.pt_expr = d->d_fw->f_sigs[i].s_banner,
				.pt_flags = HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS,
				.pt_proto = 6,
				.pt_mode = MM_PATTERN_BLOCK,
				.pt_dir = MM_DIR_TO_CLIENT },
			{ .pt_id = IOT_PT_FIRMWARE + 2 * (uint32_t)i + 1,
				.pt_expr = d->d_fw->f_sigs[i].s_banner,
				.pt_flags = HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS,
				.pt_proto = 17,
				.pt_mode = MM_PATTERN_BLOCK,
				.pt_dir = MM_DIR_ANY },
		};

		if ((rv = g->g_host->h_patterns_add(g->g_ctx, pt, 2)) < 0)
			return (rv);
	}
	return (0);
}

static int
iot_counters(struct iot_global *g)
{
	static const struct {
		size_t off;
		const char *name, *help;
	} k[] = {
		{ offsetof(struct iot_counters, k_pkts), "packets", "packets seen" },
		{ offsetof(struct iot_counters, k_mirai), "mirai_syns",
			"SYNs with Mirai's seq == destination mark" },
		{ offsetof(struct iot_counters, k_flows), "flows", "flow records weighed" },
		{ offsetof(struct iot_counters, k_failed), "failed_connections",
			"failed connection attempts" },
		{ offsetof(struct iot_counters, k_events), "findings",
			"iot_device events emitted" },
		{ offsetof(struct iot_counters, k_drops), "findings_dropped",
			"iot_device events lost to a full ring (made again later)" },
		{ offsetof(struct iot_counters, k_logins), "logins", "login verdicts seen" },
		{ offsetof(struct iot_counters, k_default_ok), "default_logins",
			"successful logins with a default credential" },
		{ offsetof(struct iot_counters, k_banners), "banners",
			"product banners matched (any risk)" },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		int id = g->g_host->h_counter_register(g->g_ctx, k[i].name, k[i].help);

		if (id < 0)
			return (id);
		*(int *)((char *)&g->g_k + k[i].off) = id;
	}
	return (0);
}

static int
iot_init(const struct mm_host *host, struct mm_plugin_ctx *ctx, void *global)
{
	struct iot_global *g = global;
	struct iot_data *d;
	int rv;

	/* The host services used here end with h_data_file (ABI 1.1). */
	if (host->h_size < offsetof(struct mm_host, h_data_file) + sizeof(host->h_data_file))
		return (-EPROTO);
	g->g_host = host;
	g->g_ctx = ctx;
	iot_reg_init(&g->g_reg);
	if ((rv = iot_config(g, &g->g_conf)) < 0 || (rv = cfg_paths(g)) < 0 ||
		(rv = iot_counters(g)) < 0 || (rv = data_load(g, &d)) < 0)
		goto fail;
	atomic_store_explicit(&g->g_data, d, memory_order_release);
	if ((rv = iot_patterns(g, d)) < 0)
		goto fail;
	return (0);
fail:
	data_free(atomic_exchange(&g->g_data, NULL));
	for (unsigned i = 0; i < PATH_N; i++) {
		free(g->g_paths[i]);
		g->g_paths[i] = NULL;
	}
	iot_reg_fini(&g->g_reg);
	return (rv);
}

static int
iot_reload(void *global)
{
	struct iot_global *g = global;
	struct iot_data *d, *old;
	struct iot_conf c;
	int rv;

	/*
	 * Lcores read the thresholds without a lock: they are taken at start.
	 * The data files (and their paths) are what a reload renews.
	 */
	if ((rv = iot_config(g, &c)) < 0 || (rv = cfg_paths(g)) < 0) {
		iot_patterns(g, atomic_load(&g->g_data));
		return (rv);
	}
	if (memcmp(&c, &g->g_conf, sizeof(c)) != 0)
		g->g_host->h_log(g->g_ctx, 5,
			"changed thresholds take effect when mamorid restarts; the data files are "
			"read again now");
	if ((rv = data_load(g, &d)) < 0) {
		/* Keep the generation in force, and its patterns. */
		iot_patterns(g, atomic_load(&g->g_data));
		return (rv);
	}
	if ((rv = iot_patterns(g, d)) < 0) {
		data_free(d);
		iot_patterns(g, atomic_load(&g->g_data));
		return (rv);
	}
	/*
	 * Lcores may still read the old generation during the burst they are in;
	 * it is freed at the next reload or at the end, long after that.
	 */
	old = atomic_exchange_explicit(&g->g_data, d, memory_order_acq_rel);
	data_free(g->g_retired);
	g->g_retired = old;
	return (0);
}

/*
 * The state directory is made on first use: mamorid creates its own after
 * loading plugins, so this runs at the first finding or write, not in pd_init.
 */
void
iot_restore(struct iot_global *g)
{
	char err[512];
	size_t bad;

	if (g->g_restored)
		return;
	g->g_restored = true;
	if ((g->g_state = g->g_host->h_state_dir(g->g_ctx)) == NULL)
		return;
	if (iot_reg_load(&g->g_reg, g->g_state, &bad, err, sizeof(err)) < 0)
		g->g_host->h_log(g->g_ctx, 4, "%s: starting a new registry", err);
	else if (bad > 0)
		g->g_host->h_log(g->g_ctx, 4, "%s: %zu entries of the last run could not be read",
			g->g_state, bad);
	else if (g->g_reg.r_n > 0)
		g->g_host->h_log(g->g_ctx, 6, "%zu devices of the last run read back from %s",
			g->g_reg.r_n, g->g_state);
}

void
iot_write_now(struct iot_global *g, uint64_t now_ns)
{
	char err[512];

	iot_restore(g);
	if (!g->g_reg.r_dirty || g->g_state == NULL)
		return;
	if (iot_reg_write(
		    &g->g_reg, g->g_state, now_ns, g->g_conf.c_quarantine_ns, err, sizeof(err)) < 0)
		g->g_host->h_log(g->g_ctx, 3, "%s", err);
}

static void
iot_tick(void *global, uint64_t now_ns)
{
	struct iot_global *g = global;

	if (now_ns >= g->g_written_ns + 60 * 1000000000ULL) {
		iot_write_now(g, now_ns);
		g->g_written_ns = now_ns;
	}
}

static void
iot_fini(void *global)
{
	struct iot_global *g = global;
	uint64_t now = g->g_host->h_now_ns(g->g_ctx);

	iot_write_now(g, now > g->g_last_ns ? now : g->g_last_ns);
	data_free(atomic_exchange(&g->g_data, NULL));
	data_free(g->g_retired);
	for (unsigned i = 0; i < PATH_N; i++)
		free(g->g_paths[i]);
	iot_reg_fini(&g->g_reg);
}

static int
iot_lcore_init(void *global, void *lcore_state, unsigned lcore)
{
	struct iot_lcore *l = lcore_state;

	(void)global;
	l->l_lcore = lcore;
	return (0);
}

static void
iot_burst(void *global, void *lcore_state, unsigned lcore, const struct mm_pkt *pkts, uint16_t n)
{
	(void)lcore;
	iot_scan_burst(global, lcore_state, pkts, n);
}

static void
iot_flow_end(void *global, void *lcore_state, unsigned lcore, const struct mm_flow_rec *r,
	void *flow_state)
{
	(void)lcore;
	iot_scan_flow(global, lcore_state, r, flow_state);
}

/* A product banner: a device with a high-risk CVE in the version it announces. */
static void
banner(struct iot_global *g, struct iot_lcore *l, uint32_t sig, const struct mm_pkt *pkt,
	uint64_t to)
{
	const struct iot_data *d = atomic_load_explicit(&g->g_data, memory_order_acquire);
	const struct mm_flow_rec *r = pkt->pk_flow;
	const struct iot_fw_sig *s;
	const struct mm_addr *dev, *peer;
	struct iot_evd evd;
	unsigned k = 0;

	if (d == NULL || r == NULL || sig >= d->d_fw->f_n || to > pkt->pk_payload_len)
		return;
	s = &d->d_fw->f_sigs[sig];
	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_banners, 1);
	memset(&evd, 0, sizeof(evd));
	iot_fw_version(pkt->pk_payload + to, pkt->pk_payload_len - to, evd.ie_version,
		sizeof(evd.ie_version));
	/* The worst high-risk vulnerabilities of that version, by CVSS. */
	for (size_t i = 0; i < s->s_nvulns; i++) {
		const struct iot_fw_vuln *v = &s->s_vulns[i];
		unsigned j;

		if (v->v_cvss10 < (unsigned)(g->g_conf.c_min_cvss * 10 + 0.5) ||
			iot_fw_in_range(v->v_versions, evd.ie_version) != 1)
			continue;
		for (j = k; j > 0 && evd.ie_cvss10[j - 1] < v->v_cvss10; j--)
			if (j < IOT_EV_CVES) {
				evd.ie_cvss10[j] = evd.ie_cvss10[j - 1];
				memcpy(evd.ie_cve[j], evd.ie_cve[j - 1], sizeof(evd.ie_cve[j]));
			}
		if (j < IOT_EV_CVES) {
			evd.ie_cvss10[j] = v->v_cvss10;
			memcpy(evd.ie_cve[j], v->v_cve, sizeof(evd.ie_cve[j]));
			if (k < IOT_EV_CVES)
				k++;
		}
	}
	if (k == 0)
		return;
	dev = pkt->pk_to_server ? &r->fr_src : &r->fr_dst;
	peer = pkt->pk_to_server ? &r->fr_dst : &r->fr_src;
	evd.ie_category = IOT_CAT_VULNERABLE_FIRMWARE;
	evd.ie_reason = IOT_WHY_BANNER;
	evd.ie_confirmed = 1;
	evd.ie_sig = sig;
	evd.ie_proto = pkt->pk_proto;
	memcpy(evd.ie_product, s->s_product, sizeof(evd.ie_product));
	memcpy(evd.ie_service, s->s_service, sizeof(evd.ie_service));
	iot_report(g, l, iot_host_get(l, dev, pkt->pk_ts_ns), &evd, peer, pkt->pk_sport,
		pkt->pk_ts_ns);
}

static void
iot_match(void *global, void *lcore_state, unsigned lcore, uint32_t id, const struct mm_pkt *pkt,
	uint64_t from, uint64_t to)
{
	(void)lcore;
	if (id >= IOT_PT_FIRMWARE)
		banner(global, lcore_state, (id - IOT_PT_FIRMWARE) / 2, pkt, to);
	else if (id >= IOT_PT_LOGIN_FIRST && id <= IOT_PT_LOGIN_LAST)
		iot_login_match(global, lcore_state, id, pkt, from, to);
}

MM_PLUGIN_DEFINE = {
	MM_PLUGIN_HEADER("iotsense"),
	.pd_version = "1.0",
	.pd_description = "infected IoT devices, default credentials and vulnerable firmware",
	.pd_event_types = iot_types,
	.pd_global_size = sizeof(struct iot_global),
	.pd_lcore_size = sizeof(struct iot_lcore),
	.pd_flow_size = sizeof(struct iot_flow),
	.pd_init = iot_init,
	.pd_fini = iot_fini,
	.pd_reload = iot_reload,
	.pd_tick = iot_tick,
	.pd_format = iot_format,
	.pd_lcore_init = iot_lcore_init,
	.pd_on_burst = iot_burst,
	.pd_on_flow_end = iot_flow_end,
	.pd_on_match = iot_match,
};
