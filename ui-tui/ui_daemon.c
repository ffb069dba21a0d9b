/* SPDX-License-Identifier: BSD-3-Clause */
/* mamorid's figures and control actions, over its control socket. */
#include <stdio.h>
#include <string.h>

#include "ui_model.h"

static uint64_t
jint(const json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));

	return (v > 0 ? (uint64_t)v : 0);
}

int
ui_daemon_open(struct ui_model *m, const char *url, char *err, size_t errlen)
{
	return (ui_link_open(&m->m_d.d_link, "mamorid", url, m->m_wake[1], err, errlen));
}

void
ui_daemon_close(struct ui_model *m)
{
	struct ui_daemon *d = &m->m_d;

	ui_link_close(&d->d_link);
	json_decref(d->d_status);
	json_decref(d->d_stats);
	d->d_status = d->d_stats = NULL;
}

static void
status_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;
	json_t *body = json_object_get(ans, "status");

	m->m_changed = true;
	if (!json_is_object(body))
		return;
	json_decref(m->m_d.d_status);
	m->m_d.d_status = json_incref(body);
}

static double
rate(uint64_t now, uint64_t before, double dt)
{
	return (now >= before && dt > 0 ? (double)(now - before) / dt : 0);
}

/* Rates from this poll and the previous one; a restarted mamorid starts over. */
static void
take_stats(struct ui_daemon *d, json_t *st, uint64_t now_ms)
{
	json_t *ports = json_object_get(st, "ports"), *tot = json_object_get(st, "totals");
	json_t *flows = json_object_get(tot, "flows"), *p;
	double elapsed = json_number_value(json_object_get(st, "elapsed_s")), dt;
	uint64_t pkts = jint(tot, "packets"), bytes = jint(tot, "bytes"), drops = 0;
	uint64_t created = jint(flows, "created");
	unsigned np = (unsigned)json_array_size(ports);
	size_t i;

	if (np > UI_MAX_PORTS)
		np = UI_MAX_PORTS;
	dt = elapsed - d->d_elapsed;
	if (d->d_stats == NULL || dt <= 0 || np != d->d_nports || pkts < d->d_pkts) {
		d->d_rated = false;
		memset(d->d_ports, 0, sizeof(d->d_ports));
	} else {
		d->d_rated = true;
	}
	json_array_foreach(ports, i, p)
	{
		struct ui_port *pt = &d->d_ports[i];
		uint64_t pp = jint(p, "rx_packets"), pb = jint(p, "rx_bytes");

		if (i >= UI_MAX_PORTS)
			break;
		snprintf(pt->p_name, sizeof(pt->p_name), "%s",
			json_string_value(json_object_get(p, "name")) != NULL
				? json_string_value(json_object_get(p, "name"))
				: "?");
		if (d->d_rated) {
			pt->p_pps = rate(pp, pt->p_pkts, dt);
			pt->p_bps = 8 * rate(pb, pt->p_bytes, dt);
			ui_hist_push(&pt->p_hpps, pt->p_pps);
		}
		pt->p_pkts = pp;
		pt->p_bytes = pb;
		pt->p_imissed = jint(p, "imissed");
		pt->p_nombuf = jint(p, "rx_nombuf");
		pt->p_ierrors = jint(p, "ierrors");
		drops += pt->p_imissed + pt->p_nombuf;
	}
	d->d_nports = np;
	if (d->d_rated) {
		d->d_pps = rate(pkts, d->d_pkts, dt);
		d->d_bps = 8 * rate(bytes, d->d_bytes, dt);
		d->d_new_flows = rate(created, d->d_created, dt);
		d->d_drops_rising = drops > d->d_drops;
		ui_hist_push(&d->d_hpps, d->d_pps);
		ui_hist_push(&d->d_hbps, d->d_bps);
		ui_hist_push(&d->d_hnew, d->d_new_flows);
		/* A gauge, but pushed with the rates: the sparklines' columns line up. */
		ui_hist_push(&d->d_hactive, (double)jint(flows, "active"));
	}
	d->d_pkts = pkts;
	d->d_bytes = bytes;
	d->d_created = created;
	d->d_drops = drops;
	d->d_elapsed = elapsed;
	d->d_stats_ms = now_ms;
	json_decref(d->d_stats);
	d->d_stats = json_incref(st);
}

static void
stats_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;
	json_t *body = json_object_get(ans, "stats");

	m->m_changed = true;
	if (json_is_object(body))
		take_stats(&m->m_d, body, ui_now_ms());
}

void
ui_daemon_tick(struct ui_model *m, uint64_t now_ms)
{
	struct ui_link *l = &m->m_d.d_link;

	ui_link_ask(l, UI_CHAN_POLL, "status", json_pack("{s:s}", "op", "status"),
		UI_POLL_TIMEOUT_MS, status_cb, m);
	ui_link_ask(l, UI_CHAN_POLL, "stats", json_pack("{s:s}", "op", "stats"), UI_POLL_TIMEOUT_MS,
		stats_cb, m);
}

json_t *
ui_daemon_plugins(const struct ui_model *m)
{
	json_t *p = json_object_get(m->m_d.d_stats, "plugins");

	return (json_is_array(p) ? p : NULL);
}

/* The outcome of a control action, in words. */
static void
action_cb(void *arg, json_t *ans, const char *err)
{
	struct ui_model *m = arg;
	struct ui_daemon *d = &m->m_d;
	const char *head = d->d_action_what;

	d->d_action_busy = false;
	d->d_action_seq++;
	m->m_changed = true;
	if (ans == NULL) {
		snprintf(d->d_action, sizeof(d->d_action), "%s: mamorid did not answer: %s", head,
			err);
		d->d_action_ok = false;
	} else if (!json_is_true(json_object_get(ans, "ok"))) {
		const char *e = json_string_value(json_object_get(ans, "error"));

		snprintf(d->d_action, sizeof(d->d_action), "%s: refused: %s", head,
			e != NULL ? e : "(no reason given)");
		d->d_action_ok = false;
	} else if (strcmp(head, "reload") == 0) {
		json_t *r = json_object_get(ans, "reload");
		size_t nr = json_array_size(json_object_get(r, "restart_needed"));

		snprintf(d->d_action, sizeof(d->d_action), "reload: done, generation %lld%s",
			(long long)json_integer_value(json_object_get(r, "generation")),
			nr > 0 ? "; some changed settings need a restart" : "");
		d->d_action_ok = true;
	} else if (strcmp(head, "stop") == 0) {
		snprintf(d->d_action, sizeof(d->d_action),
			"stop: mamorid is flushing its flows and stopping");
		d->d_action_ok = true;
	} else {
		snprintf(d->d_action, sizeof(d->d_action), "%s: done", head);
		d->d_action_ok = true;
	}
	/* Show the effect at once. */
	ui_daemon_tick(m, ui_now_ms());
}

static void
act(struct ui_model *m, json_t *req, const char *what, int timeout_ms)
{
	struct ui_daemon *d = &m->m_d;

	snprintf(d->d_action_what, sizeof(d->d_action_what), "%s", what);
	snprintf(d->d_action, sizeof(d->d_action), "%s: asking mamorid...", what);
	d->d_action_ok = true;
	d->d_action_busy = true;
	d->d_action_seq++;
	if (ui_link_ask(&d->d_link, UI_CHAN_ACT, what, req, timeout_ms, action_cb, m) != 0) {
		snprintf(d->d_action, sizeof(d->d_action), "%s: already asked, waiting", what);
		d->d_action_busy = false;
	}
	m->m_changed = true;
}

void
ui_daemon_reload(struct ui_model *m)
{
	act(m, json_pack("{s:s}", "op", "reload"), "reload", UI_RELOAD_TIMEOUT_MS);
}

void
ui_daemon_plugin(struct ui_model *m, const char *name, bool enable)
{
	char what[96];

	snprintf(what, sizeof(what), "%s %s", enable ? "enable" : "disable", name);
	act(m,
		json_pack("{s:s, s:s}", "op", enable ? "plugin.enable" : "plugin.disable", "name",
			name),
		what, UI_POLL_TIMEOUT_MS * 2);
}

void
ui_daemon_stop(struct ui_model *m)
{
	act(m, json_pack("{s:s}", "op", "stop"), "stop", UI_POLL_TIMEOUT_MS * 2);
}
