/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "synth_beacon.h"
#include "synth_dns.h"
#include "synth_json.h"
#include "synth_tcp.h"

#define SEC     1000000ULL
#define DNS_TTL 300 /* seconds the C&C's A record is cached */

static const char cnc_name[] = "api.sync-cdn.example";

int
synth_beacon_run(struct synth_ctx *x, const struct synth_beacon_params *p)
{
	struct synth_net *n = x->x_net;
	struct synth_host *bot, cnc;
	struct synth_rng r;
	uint64_t period = (uint64_t)p->bp_period * SEC;
	uint64_t jit = period * p->bp_jitter / 100;
	uint64_t end = x->x_start + x->x_dur - 30 * SEC, t, last_dns = 0, first = 0, last = 0;
	uint64_t nconn = 0, ntask = 0, reqlen = 0;
	char id[9], req[512], resp[512];
	uint8_t addr[16];
	int rv, si;

	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_BEACON);
	if ((si = synth_net_claim(n, &r)) < 0)
		return si;
	bot = &n->n_sub[si];
	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return rv;
	synth_host_init(&cnc, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	synth_rng_alnum(&r, id, 8);
	id[8] = '\0';
	/* The poll never changes size: the same id, the same headers, every time. */
	reqlen = (uint64_t)snprintf(req, sizeof(req),
		"GET /gate.php?id=%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/4.0 (compatible; "
		"MSIE 7.0; Windows NT 6.1)\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		id, cnc_name);

	for (t = x->x_start + synth_rng_below(&r, period); t < end;
		t += period - jit + synth_rng_below(&r, 2 * jit + 1)) {
		struct synth_tcp tc;
		uint64_t at = t;
		const char *body;
		size_t rn;
		bool task = synth_rng_chance(&r, 60);

		if (last_dns == 0 || t - last_dns >= DNS_TTL * SEC) {
			if ((rv = synth_dns_lookup(x->x_cap, &r, t, bot, &n->n_resolver, cnc_name,
				     SYNTH_DNS_A, cnc.h_addr, SYNTH_DNS_NOERROR, &at)) != 0)
				return rv;
			last_dns = t;
			at += 200;
		}
		body = task ? "dGFzaz1pbnZlbnRvcnk7aW50ZXJ2YWw9NjA7bm9uY2U9MQ==" : "noop";
		rn = (size_t)snprintf(resp, sizeof(resp),
			"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			strlen(body), body);
		synth_tcp_init(&tc, x->x_cap, &r, bot, &cnc, p->bp_port, at);
		if ((rv = synth_tcp_connect(&tc)) != 0 ||
			(rv = synth_tcp_send(&tc, SYNTH_CLI, req, (size_t)reqlen)) != 0)
			return rv;
		synth_tcp_wait(&tc, synth_rng_range(&r, 1000, 8000));
		if ((rv = synth_tcp_send(&tc, SYNTH_SRV, resp, rn)) != 0 ||
			(rv = synth_tcp_close(&tc, SYNTH_SRV)) != 0)
			return rv;
		if (nconn == 0)
			first = at;
		last = at;
		nconn++;
		ntask += task;
	}

	synth_json_obj_begin(x->x_truth, "beacon");
	synth_json_addr(x->x_truth, "host", 4, bot->h_addr);
	synth_json_addr(x->x_truth, "cnc", 4, cnc.h_addr);
	synth_json_u64(x->x_truth, "port", p->bp_port);
	synth_json_str(x->x_truth, "cnc_name", cnc_name);
	synth_json_u64(x->x_truth, "period_s", p->bp_period);
	synth_json_u64(x->x_truth, "jitter_percent", p->bp_jitter);
	synth_json_u64(x->x_truth, "connections", nconn);
	synth_json_u64(x->x_truth, "tasks", ntask);
	synth_json_u64(x->x_truth, "request_bytes", reqlen);
	synth_json_u64(x->x_truth, "first_us", first);
	synth_json_u64(x->x_truth, "last_us", last);
	synth_json_obj_end(x->x_truth);
	return 0;
}
