/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iot_device events: EVE rendering and the registry.  See format.h.
 *
 *	"iot_device": {"device": "10.0.241.80", "category": "infected",
 *	  "confirmed": true, "reason": "mirai_syn",
 *	  "first_seen": "...", "last_seen": "...", "isp": "isp-a",
 *	  "customer": "cust-0001", "evidence": {...}}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "format.h"
#include "iotsense.h"

#define NS_PER_S   1000000000ULL
#define NS_PER_DAY (86400ULL * NS_PER_S)

static const char *const reason_names[IOT_WHY_N] = {
	[IOT_WHY_MIRAI_SYN] = "mirai_syn",
	[IOT_WHY_TRW] = "threshold_random_walk",
	[IOT_WHY_ADDR_SCAN] = "address_scan",
	[IOT_WHY_PORT_SCAN] = "port_scan",
	[IOT_WHY_DARKNET] = "darknet",
	[IOT_WHY_BRUTE_FORCE] = "brute_force",
	[IOT_WHY_DEFAULT_LOGIN] = "default_credential_login",
	[IOT_WHY_BANNER] = "vulnerable_banner",
	[IOT_WHY_MIRAI_CNC] = "mirai_cnc_handshake",
};

/* EVE's time format: "2026-04-01T00:00:00.123456+0000". */
static json_t *
eve_time(uint64_t ns)
{
	time_t t = (time_t)(ns / NS_PER_S);
	char buf[64], out[80];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%06u+0000", buf, (unsigned)(ns % NS_PER_S / 1000));
	return (json_string(out));
}

static json_t *
top_ports(const struct iot_evd *e)
{
	json_t *a = json_array();
	bool used[IOT_TOP_PORTS] = { false };

	/* By count, largest first. */
	for (unsigned k = 0; k < IOT_TOP_PORTS; k++) {
		int best = -1;

		for (unsigned i = 0; i < IOT_TOP_PORTS; i++)
			if (!used[i] && e->ie_port_n[i] > 0 &&
				(best < 0 || e->ie_port_n[i] > e->ie_port_n[best]))
				best = (int)i;
		if (best < 0)
			break;
		used[best] = true;
		json_array_append_new(a, json_pack("{s:i, s:I}", "port", e->ie_ports[best], "count",
						 (json_int_t)e->ie_port_n[best]));
	}
	return (a);
}

static void
set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

static void
set_str(json_t *o, const char *key, const char *s)
{
	/* Bytes from the wire: printable ASCII only reaches the JSON. */
	char buf[IOT_STR + 1];
	size_t k = 0;

	for (; s[k] != '\0' && k < IOT_STR; k++)
		buf[k] = (s[k] >= 0x20 && s[k] <= 0x7e) ? s[k] : '?';
	buf[k] = '\0';
	json_object_set_new(o, key, json_string(buf));
}

static json_t *
evidence(struct iot_global *g, const struct iot_evd *e)
{
	const struct iot_conf *c = &g->g_conf;
	json_t *o = json_object();
	char peer[64] = "";

	if (e->ie_peer_set)
		iot_addr_format(&e->ie_peer, peer, sizeof(peer));
	switch (e->ie_reason) {
	case IOT_WHY_MIRAI_SYN:
		set_int(o, "mirai_syns", e->ie_n[IOT_N_MIRAI]);
		set_int(o, "syns", e->ie_n[IOT_N_SYNS]);
		set_int(o, "to_port_23", e->ie_n[IOT_N_MIRAI_23]);
		set_int(o, "to_port_2323", e->ie_n[IOT_N_MIRAI_2323]);
		set_int(o, "to_exploit_ports", e->ie_n[IOT_N_EXPLOIT]);
		set_int(o, "source_port", e->ie_sport);
		set_int(o, "from_source_port", e->ie_n[IOT_N_SPORT_SAME]);
		json_object_set_new(o, "ports", top_ports(e));
		break;
	case IOT_WHY_TRW:
	case IOT_WHY_ADDR_SCAN:
	case IOT_WHY_PORT_SCAN:
	case IOT_WHY_DARKNET:
		json_object_set_new(
			o, "log_likelihood_ratio", json_real((double)e->ie_trw_milli / 1000.0));
		json_object_set_new(o, "threshold", json_real(c->c_trw_eta1));
		set_int(o, "failed_connections", e->ie_n[IOT_N_FAILED]);
		set_int(o, "successful_connections", e->ie_n[IOT_N_OK]);
		set_int(o, "failed_hosts_in_window", e->ie_n[IOT_N_DSTS]);
		set_int(o, "failed_ports_on_one_host", e->ie_n[IOT_N_PORTS]);
		set_int(o, "darknet_connections", e->ie_n[IOT_N_DARK]);
		set_int(o, "syns", e->ie_n[IOT_N_SYNS]);
		set_int(o, "mirai_syns", e->ie_n[IOT_N_MIRAI]);
		set_int(o, "to_exploit_ports", e->ie_n[IOT_N_EXPLOIT]);
		set_int(o, "window_s", c->c_window_ns / NS_PER_S);
		set_int(o, "sampling", e->ie_n[IOT_N_SAMPLING] ? e->ie_n[IOT_N_SAMPLING] : 1);
		json_object_set_new(o, "ports", top_ports(e));
		if (peer[0] != '\0')
			json_object_set_new(o, "last_target", json_string(peer));
		break;
	case IOT_WHY_BRUTE_FORCE:
		set_int(o, "attempts", e->ie_n[IOT_N_ATTEMPTS]);
		set_int(o, "window_s", c->c_bf_window_ns / NS_PER_S);
		set_int(o, "port", e->ie_port);
		if (e->ie_service[0] != '\0')
			set_str(o, "service", e->ie_service);
		json_object_set_new(o, e->ie_category == IOT_CAT_INFECTED ? "target" : "attacker",
			json_string(peer));
		break;
	case IOT_WHY_MIRAI_CNC:
		json_object_set_new(o, "cnc", json_string(peer));
		set_int(o, "port", e->ie_port);
		set_str(o, "bot_id", e->ie_product);
		break;
	case IOT_WHY_DEFAULT_LOGIN:
		set_str(o, "service", e->ie_service);
		set_int(o, "port", e->ie_port);
		set_str(o, "username", e->ie_user);
		set_str(o, "password", e->ie_pass);
		json_object_set_new(o, "client", json_string(peer));
		break;
	case IOT_WHY_BANNER: {
		json_t *cves = json_array();

		set_str(o, "product", e->ie_product);
		if (e->ie_version[0] != '\0')
			set_str(o, "version", e->ie_version);
		else
			json_object_set_new(o, "version", json_null());
		if (e->ie_service[0] != '\0')
			set_str(o, "service", e->ie_service);
		set_int(o, "port", e->ie_port);
		for (unsigned i = 0; i < IOT_EV_CVES && e->ie_cve[i][0] != '\0'; i++) {
			char id[IOT_FW_CVE_MAX];

			snprintf(id, sizeof(id), "%.*s", IOT_FW_CVE_MAX - 1, e->ie_cve[i]);
			json_array_append_new(cves,
				json_pack("{s:s, s:f}", "id", id, "cvss", e->ie_cvss10[i] / 10.0));
		}
		json_object_set_new(o, "cves", cves);
		json_object_set_new(o, "max_cvss", json_real(e->ie_cvss10[0] / 10.0));
		break;
	}
	default:
		break;
	}
	return (o);
}

/* The day's unique-device counts as an iot_summary event, when a new day starts. */
static void
day_summary(struct iot_global *g, int64_t day)
{
	json_t *counts = iot_reg_day_json(&g->g_reg, day), *ev;

	if (counts == NULL)
		return;
	ev = json_pack("{s:o, s:s, s:o}", "timestamp", eve_time((uint64_t)(day + 1) * NS_PER_DAY),
		"event_type", "iot_summary", "iot_summary", counts);
	if (ev != NULL && g->g_host->h_emit_json(g->g_ctx, ev) < 0)
		g->g_host->h_log(
			g->g_ctx, 4, "iot_summary of day %lld not emitted", (long long)day);
}

int
iot_format(void *global, const struct mm_event *ev, void *obj)
{
	struct iot_global *g = global;
	const struct iot_data *d = atomic_load(&g->g_data);
	const char *isp = NULL, *customer = NULL;
	char addr[64];
	struct iot_evd e;
	int64_t day;
	json_t *o;

	if (ev->ev_type != 0 || ev->ev_len != sizeof(e))
		return (-EINVAL);
	memcpy(&e, ev->ev_data, sizeof(e));
	if (e.ie_category >= IOT_CAT_N || e.ie_reason >= IOT_WHY_N)
		return (-EINVAL);
	if (d != NULL)
		iot_subs_lookup(d->d_subs, &ev->ev_src, (int64_t)(e.ie_last_ns / NS_PER_S), &isp,
			&customer);
	iot_addr_format(&ev->ev_src, addr, sizeof(addr));
	o = json_pack("{s:s, s:s, s:b, s:s, s:o, s:o}", "device", addr, "category",
		iot_category_names[e.ie_category], "confirmed", e.ie_confirmed != 0, "reason",
		reason_names[e.ie_reason], "first_seen", eve_time(e.ie_first_ns), "last_seen",
		eve_time(e.ie_last_ns));
	if (o == NULL)
		return (-ENOMEM);
	json_object_set_new(o, "isp", isp != NULL ? json_string(isp) : json_null());
	json_object_set_new(o, "customer", customer != NULL ? json_string(customer) : json_null());
	json_object_set_new(o, "evidence", evidence(g, &e));
	iot_restore(g);
	day = (int64_t)(e.ie_last_ns / NS_PER_DAY);
	if (g->g_day != 0 && day > g->g_day) {
		day_summary(g, g->g_day);
		iot_write_now(g, e.ie_last_ns);
	}
	if (day > g->g_day)
		g->g_day = day;
	if (e.ie_last_ns > g->g_last_ns)
		g->g_last_ns = e.ie_last_ns;
	if (iot_reg_add(&g->g_reg, &ev->ev_src, e.ie_category, e.ie_confirmed != 0, e.ie_first_ns,
		    e.ie_last_ns, isp, customer, o) == NULL)
		g->g_host->h_log(g->g_ctx, 3, "device %s not recorded: out of memory", addr);
	return (json_object_set_new(obj, "iot_device", o));
}
