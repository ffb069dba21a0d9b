/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "synth_json.h"
#include "synth_ssh.h"
#include "synth_sshgen.h"
#include "synth_tcp.h"

#define SEC 1000000ULL

struct pairing {
	const struct synth_ssh_impl *pa_client;
	const struct synth_ssh_impl *pa_server;
	unsigned pa_sessions;
};

static int
send_packet(struct synth_tcp *t, int side, struct synth_rng *r, size_t len, uint64_t think)
{
	uint8_t buf[2048];
	size_t n = synth_ssh_encrypted(buf, sizeof(buf), r, len);

	if (n == 0)
		return -EMSGSIZE;
	synth_tcp_wait(t, think);
	return synth_tcp_send(t, side, buf, n);
}

static int
session(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli, struct synth_host *srv,
	const struct pairing *pa, const char *kex, uint64_t when)
{
	uint8_t buf[8192];
	struct synth_tcp t;
	size_t n;
	int rv, keys;

	synth_tcp_init(&t, x->x_cap, r, cli, srv, 22, when);
	if ((rv = synth_tcp_connect(&t)) != 0)
		return rv;
	/* The server speaks first; the client's banner crosses it. */
	n = synth_ssh_banner((char *)buf, sizeof(buf), pa->pa_server);
	if ((rv = synth_tcp_send(&t, SYNTH_SRV, buf, n)) != 0)
		return rv;
	n = synth_ssh_banner((char *)buf, sizeof(buf), pa->pa_client);
	if ((rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
		return rv;
	if ((n = synth_ssh_kexinit(buf, sizeof(buf), r, pa->pa_server)) == 0 ||
		(rv = synth_tcp_send(&t, SYNTH_SRV, buf, n)) != 0)
		return n == 0 ? -EMSGSIZE : rv;
	if ((n = synth_ssh_kexinit(buf, sizeof(buf), r, pa->pa_client)) == 0 ||
		(rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
		return n == 0 ? -EMSGSIZE : rv;
	if ((n = synth_ssh_kex_init(buf, sizeof(buf), r, synth_ssh_share_len(kex, false))) == 0 ||
		(rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
		return n == 0 ? -EMSGSIZE : rv;
	synth_tcp_wait(&t, synth_rng_range(r, 1000, 4000)); /* the server's key agreement */
	if ((n = synth_ssh_kex_reply(buf, sizeof(buf), r, synth_ssh_share_len(kex, true))) == 0 ||
		(rv = synth_tcp_send(&t, SYNTH_SRV, buf, n)) != 0)
		return n == 0 ? -EMSGSIZE : rv;
	/* NEWKEYS and the encrypted service request leave together. */
	n = synth_ssh_newkeys(buf, sizeof(buf), r);
	n += synth_ssh_encrypted(buf + n, sizeof(buf) - n, r, 22);
	if ((rv = synth_tcp_send(&t, SYNTH_CLI, buf, n)) != 0)
		return rv;
	/* ext-info and service accept; public-key query, PK_OK; signed request, success. */
	if ((rv = send_packet(&t, SYNTH_SRV, r, 280, 300)) != 0 ||
		(rv = send_packet(&t, SYNTH_CLI, r, 420, 500)) != 0 ||
		(rv = send_packet(&t, SYNTH_SRV, r, 330, 300)) != 0 ||
		(rv = send_packet(&t, SYNTH_CLI, r, 620, 2000)) != 0 ||
		(rv = send_packet(&t, SYNTH_SRV, r, 10, 5000)) != 0 ||
		(rv = send_packet(&t, SYNTH_CLI, r, 60, 300)) != 0 ||
		(rv = send_packet(&t, SYNTH_SRV, r, 120, 300)) != 0)
		return rv;
	/* Typing: each key goes out and is echoed; now and then a command prints more. */
	keys = (int)synth_rng_range(r, 30, 120);
	for (int i = 0; i < keys; i++) {
		if ((rv = send_packet(&t, SYNTH_CLI, r, 28, synth_rng_range(r, 80000, 900000))) !=
				0 ||
			(rv = send_packet(&t, SYNTH_SRV, r, 28, 200)) != 0)
			return rv;
		if (synth_rng_chance(r, 100) && (rv = send_packet(&t, SYNTH_SRV, r,
							 synth_rng_range(r, 200, 1400), 2000)) != 0)
			return rv;
		if ((rv = synth_tcp_ack(&t, SYNTH_CLI)) != 0)
			return rv;
	}
	if ((rv = send_packet(&t, SYNTH_CLI, r, 28, 500000)) != 0 ||
		(rv = send_packet(&t, SYNTH_SRV, r, 120, 1000)) != 0)
		return rv;
	return synth_tcp_close(&t, SYNTH_CLI);
}

/* first, then the names of list other than first: a name-list without duplicates. */
static void
prefer(char *out, size_t len, const char *first, const char *list)
{
	size_t o = (size_t)snprintf(out, len, "%s", first), fl = strlen(first);

	for (const char *p = list; *p != '\0' && o < len;) {
		size_t n = strcspn(p, ",");

		if (n != fl || strncmp(p, first, n) != 0)
			o += (size_t)snprintf(out + o, len - o, ",%.*s", (int)n, p);
		p += n + (p[n] == ',');
	}
}

int
synth_sshgen_run(struct synth_ctx *x)
{
	static const struct pairing pairs[] = {
		{ &synth_ssh_openssh10_client, &synth_ssh_openssh87_rhel_server, 3 },
		{ &synth_ssh_openssh10_client, &synth_ssh_openssh10_server, 2 },
		{ &synth_ssh_openssh96_client, &synth_ssh_openssh92_server, 2 },
	};
	struct synth_net *n = x->x_net;
	struct synth_json *j = x->x_truth;
	struct synth_host cli, srv;
	struct synth_rng r;
	uint8_t addr[16];
	char kex[128];
	int rv, si;

	synth_rng_seed(&r, x->x_seed, SYNTH_STREAM_SSH);
	synth_json_arr_begin(j, "ssh");
	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		const struct pairing *pa = &pairs[p];
		struct synth_ssh_impl ci, sv;
		struct pairing chosen;
		char ckex[1024], skex[1024];

		/* A chosen key exchange goes first in both lists, so both ends agree on it. */
		if (x->x_ssh_kex != NULL) {
			ci = *pa->pa_client;
			sv = *pa->pa_server;
			prefer(ckex, sizeof(ckex), x->x_ssh_kex, ci.si_kex);
			prefer(skex, sizeof(skex), x->x_ssh_kex, sv.si_kex);
			ci.si_kex = ckex;
			sv.si_kex = skex;
			chosen = *pa;
			chosen.pa_client = &ci;
			chosen.pa_server = &sv;
			pa = &chosen;
		}
		if (!synth_ssh_negotiate(
			    pa->pa_client->si_kex, pa->pa_server->si_kex, kex, sizeof(kex)))
			return -EPROTO;
		if ((si = synth_net_claim(n, &r)) < 0)
			return si;
		/* An administrator's Linux machine behind the subscriber's CPE. */
		synth_host_init(&cli, &r, SYNTH_OS_LINUX, 4, n->n_sub[si].h_addr, SYNTH_INSIDE);
		memcpy(cli.h_mac, n->n_sub[si].h_mac, 6);
		if ((rv = synth_net_ext_addr(n, &r, addr)) != 0)
			return rv;
		synth_host_init(&srv, &r, SYNTH_OS_LINUX, 4, addr, SYNTH_OUTSIDE);
		for (unsigned s = 0; s < pa->pa_sessions; s++) {
			uint64_t span = x->x_dur > 300 * SEC ? x->x_dur - 300 * SEC : 1;

			if ((rv = session(x, &r, &cli, &srv, pa, kex,
				     x->x_start + synth_rng_below(&r, span))) != 0)
				return rv;
		}
		synth_json_obj_begin(j, NULL);
		synth_json_addr(j, "client", 4, cli.h_addr);
		synth_json_addr(j, "server", 4, srv.h_addr);
		synth_json_u64(j, "port", 22);
		synth_json_str(j, "client_banner", pa->pa_client->si_banner);
		synth_json_str(j, "server_banner", pa->pa_server->si_banner);
		synth_json_str(j, "client_kex", pa->pa_client->si_kex);
		synth_json_str(j, "server_kex", pa->pa_server->si_kex);
		synth_json_str(j, "selected_kex", kex);
		synth_json_bool(j, "selected_pq",
			strncmp(kex, "mlkem", 5) == 0 || strncmp(kex, "sntrup", 6) == 0);
		synth_json_u64(j, "sessions", pa->pa_sessions);
		synth_json_obj_end(j);
	}
	synth_json_arr_end(j);
	return 0;
}
