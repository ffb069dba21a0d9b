/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_bg.h"
#include "synth_cap.h"
#include "synth_dns.h"
#include "synth_json.h"
#include "synth_tcp.h"

#define SEC 1000000ULL

/* NTP counts seconds from 1900; Unix from 1970. */
#define NTP_UNIX_OFFSET 2208988800ULL

static const char *const words[] = { "the", "quick", "network", "of", "light", "and", "data",
	"river", "morning", "city", "report", "update", "weather", "market", "story", "video",
	"photo", "local", "world", "sport", "music", "travel", "science", "health" };

static const char *
user_agent(enum synth_tls_client c)
{
	switch (c) {
	case SYNTH_TLS_SAFARI:
		return "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
		       "(KHTML, like Gecko) Version/17.6 Safari/605.1.15";
	case SYNTH_TLS_FIREFOX_PQ:
		return "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
	case SYNTH_TLS_CURL:
		return "curl/7.88.1";
	default:
		return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
		       "Gecko) Chrome/131.0.0.0 Safari/537.36";
	}
}

/* A browser per line: what its operating system usually runs. */
static enum synth_tls_client
pick_browser(struct synth_rng *r, const struct synth_host *h)
{
	unsigned p = (unsigned)synth_rng_below(r, 100);

	if (strcmp(h->h_os->os_name, "windows") == 0)
		return p < 35   ? SYNTH_TLS_CHROME_PQ
		       : p < 85 ? SYNTH_TLS_CHROME
				: SYNTH_TLS_FIREFOX_PQ;
	if (strcmp(h->h_os->os_name, "macos") == 0)
		return p < 75 ? SYNTH_TLS_SAFARI : SYNTH_TLS_CHROME_PQ;
	return p < 50   ? SYNTH_TLS_CHROME
	       : p < 70 ? SYNTH_TLS_CHROME_PQ
	       : p < 85 ? SYNTH_TLS_FIREFOX_PQ
			: SYNTH_TLS_CURL;
}

/* Filler text of exactly len bytes. */
static void
filler(struct synth_rng *r, char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		const char *w = words[synth_rng_below(r, sizeof(words) / sizeof(words[0]))];
		size_t n = strlen(w);

		if (n + 1 > len - off) {
			memset(buf + off, ' ', len - off);
			break;
		}
		memcpy(buf + off, w, n);
		buf[off + n] = ' ';
		off += n + 1;
	}
}

#define MAX_OBJECT 30000 /* largest response body */

/* How big a response is: mostly small objects, now and then an image or a script bundle. */
static size_t
object_size(struct synth_rng *r)
{
	if (synth_rng_chance(r, 60))
		return (size_t)synth_rng_range(r, 8000, MAX_OBJECT);
	return (size_t)synth_rng_range(r, 200, 2500);
}

int
synth_bg_http(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli,
	struct synth_host *srv, const char *host, enum synth_tls_client c, uint64_t when,
	struct synth_bg_stats *st)
{
	static const char moved[] = "<html>\r\n"
				    "<head><title>301 Moved Permanently</title></head>\r\n"
				    "<body>\r\n"
				    "<center><h1>301 Moved Permanently</h1></center>\r\n"
				    "<hr><center>nginx</center>\r\n"
				    "</body>\r\n"
				    "</html>\r\n";
	char req[1024], path[96], resp[1024 + MAX_OBJECT];
	struct synth_tcp t;
	size_t reqlen, hlen, blen;
	int rv;

	/* Most plain-HTTP visits today end in the redirect to HTTPS. */
	if (synth_rng_chance(r, 600)) {
		snprintf(path, sizeof(path), "/");
		blen = sizeof(moved) - 1;
		hlen = (size_t)snprintf(resp, 1024,
			"HTTP/1.1 301 Moved Permanently\r\n"
			"Server: nginx\r\n"
			"Content-Type: text/html\r\n"
			"Content-Length: %zu\r\n"
			"Connection: keep-alive\r\n"
			"Location: https://%s/\r\n\r\n",
			blen, host);
		memcpy(resp + hlen, moved, blen);
	} else {
		const char *w = words[synth_rng_below(r, sizeof(words) / sizeof(words[0]))];

		snprintf(path, sizeof(path), "/%s/%u.html", w,
			(unsigned)synth_rng_range(r, 1000, 99999));
		blen = object_size(r);
		hlen = (size_t)snprintf(resp, 1024,
			"HTTP/1.1 200 OK\r\n"
			"Server: nginx\r\n"
			"Content-Type: text/html; charset=utf-8\r\n"
			"Content-Length: %zu\r\n"
			"Connection: keep-alive\r\n"
			"Cache-Control: max-age=600\r\n\r\n",
			blen);
		filler(r, resp + hlen, blen);
	}
	reqlen = (size_t)snprintf(req, sizeof(req),
		"GET %s HTTP/1.1\r\n"
		"Host: %s\r\n"
		"User-Agent: %s\r\n"
		"Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
		"Accept-Encoding: gzip, deflate\r\n"
		"Accept-Language: en-US,en;q=0.9,ja;q=0.8\r\n"
		"Connection: keep-alive\r\n\r\n",
		path, host, user_agent(c));
	synth_tcp_init(&t, x->x_cap, r, cli, srv, 80, when);
	if ((rv = synth_tcp_connect(&t)) != 0 ||
		(rv = synth_tcp_send(&t, SYNTH_CLI, req, reqlen)) != 0)
		return rv;
	synth_tcp_wait(&t, synth_rng_range(r, 500, 20000));
	/* Headers and body leave in one write, as a server's sendfile() sends them. */
	if ((rv = synth_tcp_send(&t, SYNTH_SRV, resp, hlen + blen)) != 0 ||
		(rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
		return rv;
	synth_tcp_wait(&t, synth_rng_range(r, 100000, 5 * SEC));
	st->bs_http++;
	return synth_tcp_close(&t, SYNTH_CLI);
}

int
synth_bg_tls(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli,
	struct synth_host *srv, const char *sni, enum synth_tls_client c, bool server_pq,
	uint64_t when, struct synth_bg_stats *st)
{
	uint8_t buf[8192 + MAX_OBJECT];
	struct synth_tls_hello ch;
	struct synth_tcp t;
	uint16_t group;
	size_t n;
	int rv, nreq = 1 + (int)synth_rng_chance(r, 300);

	synth_tcp_init(&t, x->x_cap, r, cli, srv, 443, when);
	if ((rv = synth_tcp_connect(&t)) != 0)
		return rv;
	if ((n = synth_tls_client_hello(buf, sizeof(buf), r, c, sni, &ch)) == 0)
		return -EMSGSIZE;
	if ((rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
		return rv;
	/* A chosen group wins wherever the client sent a share of it. */
	if (x->x_tls_group != 0 && synth_tls_offers_share(c, x->x_tls_group)) {
		group = x->x_tls_group;
		st->bs_tls_chosen_group++;
	} else {
		group = synth_tls_select(&ch, server_pq);
	}
	n = synth_tls_server_flight(
		buf, sizeof(buf), r, &ch, group, (size_t)synth_rng_range(r, 1800, 3800));
	if (n == 0)
		return -EMSGSIZE;
	synth_tcp_wait(&t, synth_rng_range(r, 200, 3000));
	if ((rv = synth_tcp_send(&t, SYNTH_SRV, buf, n)) != 0)
		return rv;
	for (int i = 0; i < nreq; i++) {
		/* The first request rides with the client's Finished. */
		n = i == 0 ? synth_tls_client_finished(buf, sizeof(buf), r) : 0;
		n += synth_tls_app_data(
			buf + n, sizeof(buf) - n, r, (size_t)synth_rng_range(r, 90, 600));
		if ((rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
			return rv;
		synth_tcp_wait(&t, synth_rng_range(r, 1000, 60000));
		n = 0;
		/* Two session tickets come before the first response. */
		for (int k = 0; i == 0 && k < 2; k++)
			n += synth_tls_app_data(buf + n, sizeof(buf) - n, r, 233);
		n += synth_tls_app_data(buf + n, sizeof(buf) - n, r, object_size(r));
		if ((rv = synth_tcp_send(&t, SYNTH_SRV, buf, n)) != 0 ||
			(rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
			return rv;
		synth_tcp_wait(&t, synth_rng_range(r, 50000, 3 * SEC));
	}
	st->bs_tls++;
	st->bs_tls_hybrid_offered += ch.th_hybrid;
	st->bs_tls_hybrid_selected += group == SYNTH_TLS_X25519MLKEM768;
	st->bs_tls_v6 += cli->h_family == 6;
	st->bs_tls_client[c < SYNTH_TLS__COUNT ? c : SYNTH_TLS_CHROME]++;
	/* Browsers leave idle connections to the server's keep-alive timeout; tools close. */
	if (c == SYNTH_TLS_CURL || synth_rng_chance(r, 500)) {
		n = synth_tls_app_data(buf, sizeof(buf), r, 2); /* close_notify */
		if ((rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
			return rv;
		return synth_tcp_close(&t, SYNTH_CLI);
	}
	synth_tcp_wait(&t, synth_rng_range(r, 5 * SEC, 60 * SEC));
	return synth_tcp_close(&t, SYNTH_SRV);
}

/* A time within the capture that leaves tail µs for the activity to finish. */
static uint64_t
slot(const struct synth_ctx *x, struct synth_rng *r, uint64_t tail)
{
	uint64_t span = x->x_dur > tail ? x->x_dur - tail : 1;

	return x->x_start + synth_rng_below(r, span);
}

static int
visit(struct synth_ctx *x, struct synth_rng *r, size_t si, enum synth_tls_client browser,
	struct synth_bg_stats *st)
{
	struct synth_net *n = x->x_net;
	/* Popular sites get most visits: the minimum of two draws skews to low indices. */
	size_t a = (size_t)synth_rng_below(r, n->n_nsite),
	       b = (size_t)synth_rng_below(r, n->n_nsite);
	struct synth_site *s = &n->n_site[a < b ? a : b];
	struct synth_host *cli = &n->n_sub[si], *srv = &s->s_v4;
	uint64_t t = slot(x, r, 150 * SEC), done = t;
	int rv, nconn = 1 + (int)synth_rng_chance(r, 300);
	bool v6 = n->n_sub6[si].h_family == 6 && s->s_v6.h_family == 6 && synth_rng_chance(r, 850);

	st->bs_visits++;
	/* A third of visits find the name in the stub's cache and ask nothing. */
	if (synth_rng_chance(r, 670)) {
		if ((rv = synth_dns_lookup(x->x_cap, r, t, cli, &n->n_resolver, s->s_name,
			     SYNTH_DNS_A, s->s_v4.h_addr, SYNTH_DNS_NOERROR, &done)) != 0)
			return rv;
		st->bs_dns++;
		if (n->n_sub6[si].h_family == 6) {
			uint64_t d6;

			if ((rv = synth_dns_lookup(x->x_cap, r, t + 150, cli, &n->n_resolver,
				     s->s_name, SYNTH_DNS_AAAA,
				     s->s_v6.h_family == 6 ? s->s_v6.h_addr : NULL,
				     SYNTH_DNS_NOERROR, &d6)) != 0)
				return rv;
			st->bs_dns++;
			if (d6 > done)
				done = d6;
		}
	}
	if (v6) {
		cli = &n->n_sub6[si];
		srv = &s->s_v6;
	}
	for (int i = 0; i < nconn; i++) {
		uint64_t at = done + 300 + (uint64_t)i * synth_rng_range(r, 200, 250000);

		if (synth_rng_chance(r, 120))
			rv = synth_bg_http(x, r, cli, srv, s->s_name, browser, at, st);
		else
			rv = synth_bg_tls(x, r, cli, srv, s->s_name, browser, s->s_pq, at, st);
		if (rv != 0)
			return rv;
	}
	return 0;
}

/* Lookups that lead to no connection: OS probes, and Chrome's random-name hijack test. */
static int
stray_lookup(struct synth_ctx *x, struct synth_rng *r, size_t si, struct synth_bg_stats *st)
{
	static const char *const names[] = { "connectivity-check.example.net", "push.example.com",
		"telemetry.example.org", "update.example.com", "time.example.net" };
	struct synth_net *n = x->x_net;
	const struct synth_site *site;
	char name[64], label[16];
	const char *known;
	uint64_t done, t;
	size_t len;

	st->bs_dns++;
	t = slot(x, r, 5 * SEC);
	if (synth_rng_chance(r, 250)) {
		len = (size_t)synth_rng_range(r, 7, 15);
		synth_rng_alnum(r, label, len);
		label[len] = '\0';
		snprintf(name, sizeof(name), "%s.example", label);
		return synth_dns_lookup(x->x_cap, r, t, &n->n_sub[si], &n->n_resolver, name,
			SYNTH_DNS_A, NULL, SYNTH_DNS_NXDOMAIN, &done);
	}
	/* One draw per statement, so the bytes do not depend on argument order. */
	known = names[synth_rng_below(r, sizeof(names) / sizeof(names[0]))];
	site = &n->n_site[synth_rng_below(r, n->n_nsite)];
	return synth_dns_lookup(x->x_cap, r, t, &n->n_sub[si], &n->n_resolver, known, SYNTH_DNS_A,
		site->s_v4.h_addr, SYNTH_DNS_NOERROR, &done);
}

static void
ntp_ts(uint8_t *p, uint64_t us)
{
	synth_put32(p, (uint32_t)(us / SEC + NTP_UNIX_OFFSET));
	synth_put32(p + 4, (uint32_t)(((us % SEC) << 32) / SEC));
}

/* One NTPv4 client/server exchange (RFC 5905) with timestamps that agree with the capture. */
static int
ntp(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli, uint16_t sport, uint64_t t)
{
	struct synth_host *srv = &x->x_net->n_ntp;
	uint8_t q[48], a[48];
	uint64_t rx, tx;
	int rv;

	memset(q, 0, sizeof(q));
	q[0] = 0x23; /* LI 0, version 4, mode 3 (client) */
	q[2] = 6;    /* poll 64 s */
	q[3] = 0xe9; /* precision 2^-23 */
	ntp_ts(q + 40, t);
	if ((rv = synth_emit_udp(x->x_cap, t, cli, srv, sport, 123, q, sizeof(q))) != 0)
		return rv;
	rx = t + srv->h_rtt_us / 2;
	tx = rx + synth_rng_range(r, 10, 60);
	memset(a, 0, sizeof(a));
	a[0] = 0x24; /* LI 0, version 4, mode 4 (server) */
	a[1] = 2;    /* stratum 2 */
	a[2] = 6;
	a[3] = 0xe7;
	synth_put32(a + 4, 0x00000180); /* root delay, 1/65536 s units */
	synth_put32(a + 8, 0x00000290); /* root dispersion */
	synth_addr4(q, 192, 0, 2, 1);   /* reference id: the upstream stratum 1 */
	memcpy(a + 12, q, 4);
	ntp_ts(a + 16, t - 37 * SEC);
	ntp_ts(a + 24, t);
	ntp_ts(a + 32, rx);
	ntp_ts(a + 40, tx);
	return synth_emit_udp(
		x->x_cap, t + srv->h_rtt_us + (tx - rx), srv, cli, 123, sport, a, sizeof(a));
}

static int
clock_sync(struct synth_ctx *x, struct synth_rng *r, size_t si, struct synth_bg_stats *st)
{
	struct synth_host *cli = &x->x_net->n_sub[si];
	uint64_t hours = x->x_dur / (3600 * SEC) + 1, nsync;
	bool windows = strcmp(cli->h_os->os_name, "windows") == 0;
	int rv;

	/* w32time polls rarely from port 123; chrony and timed poll often from random ports. */
	nsync = windows ? hours : hours * synth_rng_range(r, 1, 3);
	for (uint64_t i = 0; i < nsync; i++) {
		uint16_t sport = windows ? 123 : (uint16_t)synth_rng_range(r, 32768, 60999);

		if ((rv = ntp(x, r, cli, sport, slot(x, r, SEC))) != 0)
			return rv;
		st->bs_ntp++;
	}
	return 0;
}

static int
ping(struct synth_ctx *x, struct synth_rng *r, size_t si, struct synth_bg_stats *st)
{
	struct synth_net *n = x->x_net;
	struct synth_site *s = &n->n_site[synth_rng_below(r, n->n_nsite)];
	bool v6 = n->n_sub6[si].h_family == 6 && s->s_v6.h_family == 6;
	struct synth_host *cli = v6 ? &n->n_sub6[si] : &n->n_sub[si];
	struct synth_host *srv = v6 ? &s->s_v6 : &s->s_v4;
	uint16_t id = (uint16_t)synth_rng_u32(r);
	uint64_t t = slot(x, r, 10 * SEC);
	uint8_t data[56];
	int rv;

	/* Linux ping: 8 bytes of time, then the bytes 0x10, 0x11, ... */
	for (size_t i = 8; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	for (uint16_t seq = 1; seq <= 4; seq++, t += SEC + synth_rng_below(r, 2000)) {
		uint32_t rest = (uint32_t)id << 16 | seq;

		synth_put32(data, (uint32_t)(t / SEC));
		synth_put32(data + 4, (uint32_t)(t % SEC));
		if ((rv = synth_emit_icmp(x->x_cap, t, cli, srv, v6 ? 128 : 8, 0, rest, data,
			     sizeof(data))) != 0)
			return rv;
		if ((rv = synth_emit_icmp(x->x_cap, t + srv->h_rtt_us, srv, cli, v6 ? 129 : 0, 0,
			     rest, data, sizeof(data))) != 0)
			return rv;
	}
	st->bs_ping++;
	return 0;
}

static void
truth(struct synth_ctx *x, const struct synth_bg_stats *st)
{
	struct synth_json *j = x->x_truth;
	size_t n6 = 0, npq = 0;

	for (size_t i = 0; i < x->x_net->n_nsub; i++)
		n6 += x->x_net->n_sub6[i].h_family == 6;
	for (size_t i = 0; i < x->x_net->n_nsite; i++)
		npq += x->x_net->n_site[i].s_pq;
	synth_json_obj_begin(j, "background");
	synth_json_u64(j, "subscribers", x->x_net->n_nsub);
	synth_json_u64(j, "subscribers_ipv6", n6);
	synth_json_u64(j, "sites", x->x_net->n_nsite);
	synth_json_u64(j, "sites_pq", npq);
	synth_json_addr(j, "resolver", 4, x->x_net->n_resolver.h_addr);
	synth_json_addr(j, "ntp_server", 4, x->x_net->n_ntp.h_addr);
	synth_json_u64(j, "visits", st->bs_visits);
	synth_json_u64(j, "http_connections", st->bs_http);
	synth_json_u64(j, "tls_connections", st->bs_tls);
	synth_json_u64(j, "tls_ipv6_connections", st->bs_tls_v6);
	synth_json_u64(j, "tls_hybrid_offered", st->bs_tls_hybrid_offered);
	synth_json_u64(j, "tls_hybrid_selected", st->bs_tls_hybrid_selected);
	if (x->x_tls_group != 0) {
		synth_json_u64(j, "tls_chosen_group", x->x_tls_group);
		synth_json_u64(j, "tls_chosen_group_selected", st->bs_tls_chosen_group);
	}
	synth_json_obj_begin(j, "tls_clients");
	for (int c = 0; c < SYNTH_TLS__COUNT; c++)
		synth_json_u64(
			j, synth_tls_client_name((enum synth_tls_client)c), st->bs_tls_client[c]);
	synth_json_obj_end(j);
	synth_json_u64(j, "dns_lookups", st->bs_dns);
	synth_json_u64(j, "ntp_exchanges", st->bs_ntp);
	synth_json_u64(j, "ping_series", st->bs_ping);
	synth_json_obj_end(j);
}

int
synth_bg_run(struct synth_ctx *x)
{
	struct synth_net *n = x->x_net;
	struct synth_bg_stats st;
	struct synth_rng r;
	uint64_t hours_x10 = x->x_dur * 10 / (3600 * SEC);
	int rv;

	memset(&st, 0, sizeof(st));
	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_BACKGROUND);
	for (size_t si = 0; si < n->n_nsub; si++) {
		enum synth_tls_client browser = pick_browser(&r, &n->n_sub[si]);
		/* Some lines are busy, some nearly idle: zero to twice the mean. */
		uint64_t nvisit = (SYNTH_BG_VISITS_PER_HOUR * 2 * hours_x10 *
						  synth_rng_range(&r, 0, 100) / 100 +
					  5) /
				  10;
		uint64_t nstray = (hours_x10 * synth_rng_range(&r, 10, 60) / 10 + 5) / 10;

		for (uint64_t v = 0; v < nvisit; v++)
			if ((rv = visit(x, &r, si, browser, &st)) != 0)
				return rv;
		for (uint64_t v = 0; v < nstray; v++)
			if ((rv = stray_lookup(x, &r, si, &st)) != 0)
				return rv;
		if ((rv = clock_sync(x, &r, si, &st)) != 0)
			return rv;
		if (synth_rng_chance(&r, 30) && (rv = ping(x, &r, si, &st)) != 0)
			return rv;
	}
	truth(x, &st);
	return 0;
}
