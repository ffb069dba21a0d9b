/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "synth_iot.h"
#include "synth_json.h"
#include "synth_mirai.h"
#include "synth_tcp.h"

#define SEC 1000000ULL

/* BusyBox telnetd's opening: DO ECHO, DO NAWS, WILL ECHO, WILL SGA. */
static const uint8_t telnetd_opts[] = { 0xff, 0xfd, 0x01, 0xff, 0xfd, 0x1f, 0xff, 0xfb, 0x01, 0xff,
	0xfb, 0x03 };
/* Mirai's answers: WONT ECHO, WILL NAWS with an 80x24 window, DO ECHO, DO SGA. */
static const uint8_t mirai_opts[] = { 0xff, 0xfc, 0x01, 0xff, 0xfb, 0x1f, 0xff, 0xfa, 0x1f, 0x00,
	0x50, 0x00, 0x18, 0xff, 0xf0, 0xff, 0xfd, 0x01, 0xff, 0xfd, 0x03 };

static const char busybox[] = "/bin/busybox MIRAI\r\n";
static const char busybox_reply[] = "/bin/busybox MIRAI\r\nMIRAI: applet not found\r\n# ";
static const char login_prompt[] = "\r\n(none) login: ";
static const char shell_banner[] = "\r\n\r\nBusyBox v1.19.4 (2016-03-15 10:14:09 CST) built-in "
				   "shell (ash)\r\nEnter 'help' for a list of built-in "
				   "commands.\r\n\r\n# ";

/* side says something, the other side answers after think µs. */
static int
say(struct synth_tcp *t, int side, const void *data, size_t len, uint64_t think)
{
	synth_tcp_wait(t, think);
	return synth_tcp_send(t, side, data, len);
}

int
synth_iot_telnet_login(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli,
	struct synth_host *dev, uint64_t when, const char *user, const char *pass, bool accept,
	uint64_t *done)
{
	/* Mirai's way into a shell on boxes with a vendor CLI; BusyBox knows none of them. */
	static const char *const probe[][2] = {
		{ "enable\r\n", "enable\r\n-sh: enable: not found\r\n# " },
		{ "system\r\n", "system\r\n-sh: system: not found\r\n# " },
		{ "shell\r\n", "shell\r\n-sh: shell: not found\r\n# " },
		{ "sh\r\n", "sh\r\n\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\n# " },
	};
	char line[64];
	struct synth_tcp t;
	int rv;

	synth_tcp_init(&t, x->x_cap, r, cli, dev, 23, when);
	if ((rv = synth_tcp_connect(&t)) != 0 ||
		(rv = say(&t, SYNTH_SRV, telnetd_opts, sizeof(telnetd_opts), 2000)) != 0 ||
		(rv = say(&t, SYNTH_CLI, mirai_opts, sizeof(mirai_opts), 500)) != 0 ||
		(rv = say(&t, SYNTH_SRV, login_prompt, strlen(login_prompt), 3000)) != 0)
		return rv;
	snprintf(line, sizeof(line), "%s\r\n", user);
	if ((rv = say(&t, SYNTH_CLI, line, strlen(line), 800)) != 0)
		return rv;
	/* telnetd echoes the user name (it said WILL ECHO), then asks for the password. */
	snprintf(line, sizeof(line), "%s\r\nPassword: ", user);
	if ((rv = say(&t, SYNTH_SRV, line, strlen(line), 2000)) != 0)
		return rv;
	snprintf(line, sizeof(line), "%s\r\n", pass);
	if ((rv = say(&t, SYNTH_CLI, line, strlen(line), 800)) != 0)
		return rv;
	if (!accept) {
		/* login(1) sleeps before saying no. */
		snprintf(line, sizeof(line), "\r\nLogin incorrect%s", login_prompt);
		if ((rv = say(&t, SYNTH_SRV, line, strlen(line), 2 * SEC)) != 0 ||
			(rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
			return rv;
	} else {
		if ((rv = say(&t, SYNTH_SRV, shell_banner, strlen(shell_banner), 150000)) != 0)
			return rv;
		for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
			if ((rv = say(&t, SYNTH_CLI, probe[i][0], strlen(probe[i][0]), 500)) != 0 ||
				(rv = say(&t, SYNTH_SRV, probe[i][1], strlen(probe[i][1]), 3000)) !=
					0)
				return rv;
		/* Mirai's check that it really reached a BusyBox shell. */
		if ((rv = say(&t, SYNTH_CLI, busybox, strlen(busybox), 500)) != 0 ||
			(rv = say(&t, SYNTH_SRV, busybox_reply, strlen(busybox_reply), 5000)) !=
				0 ||
			(rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
			return rv;
	}
	synth_tcp_wait(&t, 300000);
	rv = synth_tcp_close(&t, SYNTH_CLI);
	*done = t.t_now;
	return rv;
}

/* One TCP exchange: the client's request (may be NULL) and the server's answer. */
static int
grab(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli, struct synth_host *dev,
	uint16_t port, uint64_t when, const char *req, const char *resp, bool server_first)
{
	struct synth_tcp t;
	int rv;

	synth_tcp_init(&t, x->x_cap, r, cli, dev, port, when);
	if ((rv = synth_tcp_connect(&t)) != 0)
		return rv;
	if (server_first && (rv = say(&t, SYNTH_SRV, resp, strlen(resp), 5000)) != 0)
		return rv;
	if (req != NULL && (rv = say(&t, SYNTH_CLI, req, strlen(req), 1000)) != 0)
		return rv;
	if (!server_first && (rv = say(&t, SYNTH_SRV, resp, strlen(resp), 8000)) != 0)
		return rv;
	if (server_first && req != NULL) {
		/* FTP: QUIT and the goodbye. */
		if ((rv = say(&t, SYNTH_SRV, "221 Goodbye.\r\n", 14, 1000)) != 0)
			return rv;
		synth_tcp_wait(&t, 500);
		return synth_tcp_close(&t, SYNTH_SRV);
	}
	if ((rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
		return rv;
	return synth_tcp_close(&t, SYNTH_CLI);
}

static int
camera(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cam, struct synth_host *crawler,
	uint64_t t)
{
	static const char http_req[] = "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 "
				       "(compatible; survey-scanner/1.0)\r\nAccept: */*\r\n\r\n";
	static const char body[] = "<html><head></head><body>\r\n\t\tThis document can only be "
				   "accessed by authorized users.\r\n\t</body></html>";
	char host[64], req[256], resp[1024], nonce[33];
	struct synth_tcp t8080;
	int rv;

	snprintf(host, sizeof(host), "%u.%u.%u.%u", cam->h_addr[0], cam->h_addr[1], cam->h_addr[2],
		cam->h_addr[3]);
	snprintf(req, sizeof(req), http_req, host);
	synth_rng_alnum(r, nonce, 32);
	nonce[32] = '\0';
	snprintf(resp, sizeof(resp),
		"HTTP/1.1 401 Unauthorized\r\nServer: GoAhead-Webs\r\nDate: Wed Apr  1 00:00:00 "
		"2026\r\nWWW-Authenticate: Digest realm=\"GoAhead\", domain=\":81\", qop=\"auth\", "
		"nonce=\"%s\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=\"MD5\", "
		"stale=\"FALSE\"\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nContent-Type: "
		"text/html\r\nContent-Length: %zu\r\n\r\n%s",
		nonce, strlen(body), body);
	if ((rv = grab(x, r, crawler, cam, 80, t, req, resp, false)) != 0)
		return rv;
	snprintf(req, sizeof(req),
		"OPTIONS rtsp://%s:554 RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: "
		"survey-scanner/1.0\r\n\r\n",
		host);
	if ((rv = grab(x, r, crawler, cam, 554, t + 7 * SEC, req,
		     "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Hipcam RealServer/V1.0\r\nPublic: "
		     "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, SET_PARAMETER, "
		     "GET_PARAMETER\r\n\r\n",
		     false)) != 0)
		return rv;
	if ((rv = grab(x, r, crawler, cam, 21, t + 15 * SEC, "QUIT\r\n", "220 (vsFTPd 2.3.4)\r\n",
		     true)) != 0)
		return rv;
	/* Nothing listens on 8080: the survey also sees a refusal. */
	synth_tcp_init(&t8080, x->x_cap, r, crawler, cam, 8080, t + 21 * SEC);
	return synth_tcp_refused(&t8080);
}

int
synth_iot_run(struct synth_ctx *x)
{
	struct synth_net *n = x->x_net;
	struct synth_host dvr, cam, attacker, crawler;
	struct synth_json *j = x->x_truth;
	struct synth_rng r;
	uint8_t addr[16];
	uint64_t t, done;
	int rv, si;

	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_IOT);
	if ((si = synth_net_claim(n, &r)) < 0)
		return si;
	synth_host_init(&dvr, &r, SYNTH_OS_IOT, 4, n->n_sub[si].h_addr, SYNTH_INSIDE);
	memcpy(dvr.h_mac, n->n_sub[si].h_mac, 6);
	if ((si = synth_net_claim(n, &r)) < 0)
		return si;
	synth_host_init(&cam, &r, SYNTH_OS_IOT, 4, n->n_sub[si].h_addr, SYNTH_INSIDE);
	memcpy(cam.h_mac, n->n_sub[si].h_mac, 6);
	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return rv;
	synth_host_init(&attacker, &r, SYNTH_OS_IOT, 4, addr, SYNTH_OUTSIDE);
	if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
		return rv;
	synth_host_init(&crawler, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);

	/* The attacker finds the DVR with a raw Mirai SYN, then logs in through its own stack. */
	t = x->x_start + x->x_dur / 5 + synth_rng_below(&r, x->x_dur / 5);
	if ((rv = synth_mirai_probe(x, &r, &attacker, &dvr,
		     (uint16_t)synth_rng_range(&r, 1024, 65535), 23, t, SYNTH_PROBE_OPEN, &done)) !=
		0)
		return rv;
	if ((rv = synth_iot_telnet_login(
		     x, &r, &attacker, &dvr, done + 2 * SEC, "admin", "admin", false, &done)) != 0)
		return rv;
	if ((rv = synth_iot_telnet_login(
		     x, &r, &attacker, &dvr, done + SEC, "root", "xc3511", true, &done)) != 0)
		return rv;
	if ((rv = camera(x, &r, &cam, &crawler,
		     x->x_start + x->x_dur / 2 + synth_rng_below(&r, x->x_dur / 4))) != 0)
		return rv;

	synth_json_obj_begin(j, "weak_credential");
	synth_json_addr(j, "device", 4, dvr.h_addr);
	synth_json_u64(j, "port", 23);
	synth_json_addr(j, "attacker", 4, attacker.h_addr);
	synth_json_str(j, "username", "root");
	synth_json_str(j, "password", "xc3511");
	synth_json_str(j, "failed_first", "admin/admin");
	synth_json_bool(j, "mirai_syn_first", true);
	synth_json_obj_end(j);
	synth_json_obj_begin(j, "firmware");
	synth_json_addr(j, "device", 4, cam.h_addr);
	synth_json_addr(j, "scanner", 4, crawler.h_addr);
	synth_json_arr_begin(j, "banners");
	synth_json_obj_begin(j, NULL);
	synth_json_u64(j, "port", 80);
	synth_json_str(j, "protocol", "http");
	synth_json_str(j, "banner", "GoAhead-Webs");
	synth_json_obj_end(j);
	synth_json_obj_begin(j, NULL);
	synth_json_u64(j, "port", 554);
	synth_json_str(j, "protocol", "rtsp");
	synth_json_str(j, "banner", "Hipcam RealServer/V1.0");
	synth_json_obj_end(j);
	synth_json_obj_begin(j, NULL);
	synth_json_u64(j, "port", 21);
	synth_json_str(j, "protocol", "ftp");
	synth_json_str(j, "banner", "vsFTPd 2.3.4");
	synth_json_obj_end(j);
	synth_json_arr_end(j);
	synth_json_u64(j, "refused_port", 8080);
	synth_json_obj_end(j);
	return 0;
}
