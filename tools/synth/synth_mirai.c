/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "synth_cap.h"
#include "synth_dns.h"
#include "synth_iot.h"
#include "synth_json.h"
#include "synth_mirai.h"
#include "synth_tcp.h"

#define SEC      1000000ULL
#define MAX_BOTS 64

static const char cnc_name[] = "cnc.iot-update.example";
/* Mirai's hard-coded resolver. */
static const uint8_t mirai_dns[4] = { 8, 8, 8, 8 };
static const char report_name[] = "report.iot-update.example";
/* Architecture names the Mirai loader passes as the bot id. */
static const char *const bot_ids[] = { "telnet.arm7", "telnet.mips", "telnet.mpsl", "telnet.arm",
	"telnet.x86", "telnet.arm5", "telnet.ppc", "telnet.sh4" };

bool
synth_mirai_excluded(uint32_t ip)
{
	uint8_t a = (uint8_t)(ip >> 24);

	switch (a) {
	case 0:
	case 3:
	case 6:
	case 7:
	case 10:
	case 11:
	case 15:
	case 16:
	case 21:
	case 22:
	case 26:
	case 28:
	case 29:
	case 30:
	case 33:
	case 55:
	case 56:
	case 127:
	case 214:
	case 215:
		return true;
	default:
		break;
	}
	return a >= 224 || (ip & 0xffc00000u) == 0x64400000u || /* 100.64/10 */
	       (ip & 0xfff00000u) == 0xac100000u ||             /* 172.16/12 */
	       (ip & 0xffff0000u) == 0xc0a80000u ||             /* 192.168/16 */
	       (ip & 0xfffe0000u) == 0xc6120000u;               /* 198.18/15 */
}

/* Mirai's exclusions, plus the demo's own documentation ranges so no server is ever scanned. */
static uint32_t
scan_target(struct synth_rng *r)
{
	for (;;) {
		uint32_t ip = synth_rng_u32(r);

		if (synth_mirai_excluded(ip) || (ip & 0xffffff00u) == 0xc0000200u ||
			(ip & 0xffffff00u) == 0xc6336400u || (ip & 0xffffff00u) == 0xcb007100u ||
			ip == 0x08080808u)
			continue;
		return ip;
	}
}

static int
raw_tcp(struct synth_ctx *x, uint64_t when, struct synth_host *src, const struct synth_host *dst,
	const struct synth_tcph *th, uint16_t ipid, bool df)
{
	uint8_t frame[SYNTH_FRAME_MAX];
	struct synth_l2 l2;
	struct synth_ip ip;
	size_t n;

	synth_host_frame(src, dst, &l2, &ip);
	ip.ip_id = ipid;
	ip.ip_frag = df ? SYNTH_IP_DF : 0;
	if ((n = synth_pkt_tcp(frame, sizeof(frame), &l2, &ip, th, NULL, 0)) == 0)
		return -EINVAL;
	return synth_cap_add(x->x_cap, when, frame, n, 0);
}

int
synth_mirai_probe(struct synth_ctx *x, struct synth_rng *r, struct synth_host *scanner,
	struct synth_host *target, uint16_t sport, uint16_t dport, uint64_t when,
	enum synth_probe_answer answer, uint64_t *done)
{
	uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	struct synth_tcph th;
	uint32_t seq = synth_get32(target->h_addr);
	int rv;

	memset(&th, 0, sizeof(th));
	th.th_sport = sport;
	th.th_dport = dport;
	th.th_seq = seq;
	th.th_flags = SYNTH_TH_SYN;
	th.th_win = (uint16_t)synth_rng_u32(r);
	if ((rv = raw_tcp(x, when, scanner, target, &th, (uint16_t)synth_rng_u32(r), false)) != 0)
		return rv;
	*done = when;
	if (answer == SYNTH_PROBE_SILENT)
		return 0;
	when += target->h_rtt_us + synth_rng_below(r, 2000);
	*done = when;
	th.th_sport = dport;
	th.th_dport = sport;
	th.th_ack = seq + 1;
	if (answer == SYNTH_PROBE_CLOSED) {
		/* A reset answering a SYN has sequence 0 and acks the SYN (RFC 9293 3.10.7.1). */
		th.th_seq = 0;
		th.th_flags = SYNTH_TH_RST | SYNTH_TH_ACK;
		th.th_win = 0;
		return raw_tcp(x, when, target, scanner, &th, target->h_ipid++, true);
	}
	/* The SYN offered no options, so the answer carries only the MSS. */
	th.th_seq = synth_rng_u32(r);
	th.th_flags = SYNTH_TH_SYN | SYNTH_TH_ACK;
	th.th_win = target->h_os->os_syn_win;
	th.th_opt = mss;
	th.th_optlen = sizeof(mss);
	if ((rv = raw_tcp(x, when, target, scanner, &th, target->h_ipid++, true)) != 0)
		return rv;
	/* No socket owns the raw SYN's port, so the scanner's kernel answers with a reset. */
	when += scanner->h_rtt_us + synth_rng_below(r, 300);
	th.th_sport = sport;
	th.th_dport = dport;
	th.th_seq = seq + 1;
	th.th_ack = 0;
	th.th_flags = SYNTH_TH_RST;
	th.th_win = 0;
	th.th_opt = NULL;
	th.th_optlen = 0;
	*done = when;
	return raw_tcp(x, when, scanner, target, &th, 0, true);
}

struct bot {
	struct synth_host b_host;
	const char *b_id;
	uint64_t b_joined; /* first SYN to the C&C */
	uint32_t b_keepalives;
	uint32_t b_reconnects;
};

/* The bot's C&C session from when until the capture ends, or until reset_at if nonzero. */
static int
cnc_session(struct synth_ctx *x, struct synth_rng *r, struct bot *b, struct synth_host *cnc,
	struct synth_host *dns, const struct synth_mirai_params *p, uint64_t when,
	uint64_t reset_at, uint64_t *done)
{
	static const uint8_t hello[4] = { 0, 0, 0, 1 }, ping[2] = { 0, 0 };
	uint64_t end = x->x_start + x->x_dur - 5 * SEC;
	uint8_t idbuf[64];
	size_t idlen = strlen(b->b_id);
	struct synth_tcp t;
	int rv;

	if ((rv = synth_dns_lookup(x->x_cap, r, when, &b->b_host, dns, cnc_name, SYNTH_DNS_A,
		     cnc->h_addr, SYNTH_DNS_NOERROR, &when)) != 0)
		return rv;
	synth_tcp_init(&t, x->x_cap, r, &b->b_host, cnc, 23, when + 300);
	if ((rv = synth_tcp_connect(&t)) != 0 ||
		(rv = synth_tcp_send(&t, SYNTH_CLI, hello, sizeof(hello))) != 0 ||
		(rv = synth_tcp_ack(&t, SYNTH_SRV)) != 0)
		return rv;
	/* Nagle held the id back until the hello was acked; then length and id go together. */
	idbuf[0] = (uint8_t)idlen;
	memcpy(idbuf + 1, b->b_id, idlen);
	if ((rv = synth_tcp_send(&t, SYNTH_CLI, idbuf, idlen + 1)) != 0)
		return rv;
	synth_tcp_wait(&t, 40000); /* the C&C's delayed ACK */
	if ((rv = synth_tcp_ack(&t, SYNTH_SRV)) != 0)
		return rv;
	for (;;) {
		uint64_t idle = (uint64_t)p->mp_keepalive * SEC - SEC + synth_rng_below(r, 2 * SEC);

		if (reset_at != 0 && t.t_now + idle > reset_at) {
			/* The C&C went away: its host resets the session. */
			synth_tcp_wait(&t, reset_at > t.t_now ? reset_at - t.t_now : 0);
			rv = synth_tcp_reset(&t, SYNTH_SRV);
			*done = t.t_now;
			return rv;
		}
		if (t.t_now + idle + SEC > end)
			break;
		synth_tcp_wait(&t, idle);
		if ((rv = synth_tcp_send(&t, SYNTH_CLI, ping, sizeof(ping))) != 0 ||
			(rv = synth_tcp_send(&t, SYNTH_SRV, ping, sizeof(ping))) != 0)
			return rv;
		synth_tcp_wait(&t, 40000);
		if ((rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
			return rv;
		b->b_keepalives++;
	}
	*done = t.t_now;
	return 0;
}

/* The scan result to the report server: 00, address, port, user and password with lengths. */
static int
report(struct synth_ctx *x, struct synth_rng *r, struct synth_host *bot, struct synth_host *rep,
	struct synth_host *dns, const struct synth_host *victim, const char *user, const char *pass,
	uint64_t when)
{
	uint8_t msg[128];
	size_t n = 0, ul = strlen(user), pl = strlen(pass);
	struct synth_tcp t;
	int rv;

	if ((rv = synth_dns_lookup(x->x_cap, r, when, bot, dns, report_name, SYNTH_DNS_A,
		     rep->h_addr, SYNTH_DNS_NOERROR, &when)) != 0)
		return rv;
	memcpy(msg + n, victim->h_addr, 4);
	n += 4;
	synth_put16(msg + n, 23);
	n += 2;
	msg[n++] = (uint8_t)ul;
	memcpy(msg + n, user, ul);
	n += ul;
	msg[n++] = (uint8_t)pl;
	memcpy(msg + n, pass, pl);
	n += pl;
	synth_tcp_init(&t, x->x_cap, r, bot, rep, SYNTH_MIRAI_REPORT_PORT, when + 300);
	if ((rv = synth_tcp_connect(&t)) != 0 || (rv = synth_tcp_send(&t, SYNTH_CLI, "", 1)) != 0 ||
		(rv = synth_tcp_ack(&t, SYNTH_SRV)) != 0 ||
		(rv = synth_tcp_send(&t, SYNTH_CLI, msg, n)) != 0 ||
		(rv = synth_tcp_ack(&t, SYNTH_SRV)) != 0)
		return rv;
	return synth_tcp_close(&t, SYNTH_CLI);
}

struct scan_stats {
	uint64_t ss_syns;
	uint64_t ss_port23;
	uint64_t ss_port2323;
	uint64_t ss_closed;
	uint64_t ss_open;
};

/* Scanning starts once the bot has checked in with its C&C, at start. */
static int
scan(struct synth_ctx *x, struct synth_rng *r, struct synth_host *bot,
	const struct synth_mirai_params *p, uint16_t sport, struct synth_host *victim,
	uint64_t start, struct scan_stats *ss, uint64_t *victim_found)
{
	uint64_t end = x->x_start + x->x_dur - 10 * SEC, burst = start;
	uint64_t gap = SEC / (p->mp_scan_rate == 0 ? 1 : p->mp_scan_rate);
	int rv;

	*victim_found = 0;
	for (; burst < end; burst += (uint64_t)p->mp_scan_every * SEC) {
		uint64_t t = burst;

		for (uint32_t i = 0; i < p->mp_scan_rate && t < end; i++, t += gap) {
			enum synth_probe_answer ans = SYNTH_PROBE_SILENT;
			uint16_t dport = synth_rng_below(r, 10) == 0 ? 2323 : 23;
			struct synth_host target;
			uint8_t addr[16];
			uint64_t done;

			/* The first burst's 40th SYN hits the device that will fall. */
			if (*victim_found == 0 && i == 39) {
				target = *victim;
				dport = 23;
				ans = SYNTH_PROBE_OPEN;
				*victim_found = t;
			} else {
				uint32_t ip = scan_target(r);
				unsigned roll = (unsigned)synth_rng_below(r, 1000);

				synth_addr4(addr, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16),
					(uint8_t)(ip >> 8), (uint8_t)ip);
				synth_host_init(&target, r, SYNTH_OS_IOT, 4, addr, SYNTH_OUTSIDE);
				/* Most of the Internet stays silent on 23; a few reset, fewer
				 * answer. */
				ans = roll < 5    ? SYNTH_PROBE_OPEN
				      : roll < 25 ? SYNTH_PROBE_CLOSED
						  : SYNTH_PROBE_SILENT;
			}
			if ((rv = synth_mirai_probe(
				     x, r, bot, &target, sport, dport, t, ans, &done)) != 0)
				return rv;
			ss->ss_syns++;
			ss->ss_port23 += dport == 23;
			ss->ss_port2323 += dport == 2323;
			ss->ss_closed += ans == SYNTH_PROBE_CLOSED;
			ss->ss_open += ans == SYNTH_PROBE_OPEN;
			t += synth_rng_below(r, gap / 4);
		}
		burst += synth_rng_below(r, 30 * SEC);
	}
	return 0;
}

static void
truth(struct synth_ctx *x, const struct synth_mirai_params *p, const struct bot *bots,
	uint32_t nbots, const struct synth_host *cnc, const struct synth_host *rep,
	const struct synth_host *victim, uint64_t found, uint16_t sport,
	const struct scan_stats *ss)
{
	struct synth_json *j = x->x_truth;

	synth_json_obj_begin(j, "mirai");
	synth_json_addr(j, "cnc", 4, cnc->h_addr);
	synth_json_u64(j, "cnc_port", 23);
	synth_json_str(j, "cnc_name", cnc_name);
	synth_json_addr(j, "dns_server", 4, mirai_dns);
	synth_json_u64(j, "keepalive_s", p->mp_keepalive);
	synth_json_arr_begin(j, "bots");
	for (uint32_t i = 0; i < nbots; i++) {
		synth_json_obj_begin(j, NULL);
		synth_json_addr(j, "host", 4, bots[i].b_host.h_addr);
		synth_json_str(j, "id", bots[i].b_id);
		synth_json_u64(j, "joined_us", bots[i].b_joined);
		synth_json_u64(j, "keepalives", bots[i].b_keepalives);
		synth_json_u64(j, "reconnects", bots[i].b_reconnects);
		synth_json_obj_end(j);
	}
	synth_json_arr_end(j);
	synth_json_obj_begin(j, "scanner");
	synth_json_addr(j, "host", 4, bots[0].b_host.h_addr);
	synth_json_u64(j, "source_port", sport);
	synth_json_u64(j, "ttl", 64);
	synth_json_u64(j, "syns", ss->ss_syns);
	synth_json_u64(j, "syns_port_23", ss->ss_port23);
	synth_json_u64(j, "syns_port_2323", ss->ss_port2323);
	synth_json_u64(j, "targets_reset", ss->ss_closed);
	synth_json_u64(j, "targets_synack", ss->ss_open);
	synth_json_u64(j, "rate_per_s", p->mp_scan_rate);
	synth_json_u64(j, "burst_every_s", p->mp_scan_every);
	synth_json_obj_end(j);
	if (found == 0) {
		/* Too short a capture for the scan to reach its victim. */
		synth_json_obj_end(j);
		return;
	}
	synth_json_obj_begin(j, "brute_force");
	synth_json_addr(j, "victim", 4, victim->h_addr);
	synth_json_u64(j, "found_us", found);
	synth_json_u64(j, "port", 23);
	synth_json_str(j, "username", "root");
	synth_json_str(j, "password", "vizxv");
	synth_json_obj_end(j);
	synth_json_obj_begin(j, "report");
	synth_json_addr(j, "server", 4, rep->h_addr);
	synth_json_u64(j, "port", SYNTH_MIRAI_REPORT_PORT);
	synth_json_str(j, "name", report_name);
	synth_json_obj_end(j);
	synth_json_obj_end(j);
}

int
synth_mirai_run(struct synth_ctx *x, const struct synth_mirai_params *p)
{
	struct synth_net *n = x->x_net;
	struct bot bots[MAX_BOTS];
	struct synth_host cnc, rep, dns, victim;
	struct scan_stats ss;
	struct synth_rng r;
	uint32_t nbots = p->mp_bots < MAX_BOTS ? p->mp_bots : MAX_BOTS;
	uint64_t done, found, reset_at;
	uint8_t addr[16];
	uint16_t sport;
	int rv, si;

	if (nbots == 0)
		return -EINVAL;
	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_MIRAI);
	memset(&ss, 0, sizeof(ss));
	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return rv;
	synth_host_init(&cnc, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return rv;
	synth_host_init(&rep, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	synth_addr4(addr, mirai_dns[0], mirai_dns[1], mirai_dns[2], mirai_dns[3]);
	synth_host_init(&dns, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
	dns.h_rtt_us = 9000;
	for (uint32_t i = 0; i < nbots; i++) {
		struct bot *b = &bots[i];

		if ((si = synth_net_claim(n, &r)) < 0)
			return si;
		memset(b, 0, sizeof(*b));
		/* The bot is the CPE itself, so its packets leave with TTL 64 untouched. */
		synth_host_init(&b->b_host, &r, SYNTH_OS_IOT, 4, n->n_sub[si].h_addr, SYNTH_INSIDE);
		memcpy(b->b_host.h_mac, n->n_sub[si].h_mac, 6);
		b->b_host.h_ttl = 64;
		b->b_id = bot_ids[i % (sizeof(bot_ids) / sizeof(bot_ids[0]))];
	}
	for (uint32_t i = 0; i < nbots; i++) {
		struct bot *b = &bots[i];

		/* Bots join over the first fifth of the capture (reboots, fresh infections). */
		b->b_joined = x->x_start + synth_rng_below(&r, x->x_dur / 5);
		reset_at = i == 1 ? b->b_joined + (x->x_dur - (b->b_joined - x->x_start)) / 2 : 0;
		if ((rv = cnc_session(x, &r, b, &cnc, &dns, p, b->b_joined, reset_at, &done)) != 0)
			return rv;
		if (reset_at != 0) {
			/* Mirai waits rand(1..10) s, resolves the C&C again and reconnects. */
			b->b_reconnects++;
			if ((rv = cnc_session(x, &r, b, &cnc, &dns, p,
				     done + synth_rng_range(&r, 1, 10) * SEC, 0, &done)) != 0)
				return rv;
		}
	}

	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return rv;
	synth_host_init(&victim, &r, SYNTH_OS_IOT, 4, addr, SYNTH_OUTSIDE);
	sport = (uint16_t)synth_rng_range(&r, 1024, 65535);
	if ((rv = scan(x, &r, &bots[0].b_host, p, sport, &victim,
		     bots[0].b_joined + synth_rng_range(&r, 20, 60) * SEC, &ss, &found)) != 0)
		return rv;
	if (found != 0) {
		/* The scanner comes back through its own stack to brute-force, then reports. */
		if ((rv = synth_iot_telnet_login(x, &r, &bots[0].b_host, &victim, found + 2 * SEC,
			     "root", "vizxv", true, &done)) != 0)
			return rv;
		if ((rv = report(x, &r, &bots[0].b_host, &rep, &dns, &victim, "root", "vizxv",
			     done + SEC)) != 0)
			return rv;
	}
	truth(x, p, bots, nbots, &cnc, &rep, &victim, found, sport, &ss);
	return 0;
}
