/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benign background: the subscribers browse (DNS, then HTTP on 80 or TLS
 * 1.3 on 443, over IPv6 where both ends have it), look up names that lead
 * nowhere, set their clocks over NTP and now and then ping something.
 * Browsers are fixed per subscriber, so one line keeps one TLS fingerprint;
 * the ones that offer X25519MLKEM768 get it from the sites that support it.
 *
 * The HTTP and TLS exchanges are public so that other generators can make
 * ordinary traffic from their own hosts (tagged lines, for instance).
 */
#ifndef SYNTH_BG_H
#define SYNTH_BG_H

#include <stdint.h>

#include "synth_net.h"
#include "synth_tls.h"

struct synth_bg_stats {
	uint64_t bs_visits;
	uint64_t bs_http; /* connections to port 80 */
	uint64_t bs_tls;  /* connections to port 443 */
	uint64_t bs_tls_hybrid_offered;
	uint64_t bs_tls_hybrid_selected;
	uint64_t bs_tls_chosen_group; /* sessions where the chosen group was selected */
	uint64_t bs_tls_v6;
	uint64_t bs_tls_client[SYNTH_TLS__COUNT]; /* connections per client profile */
	uint64_t bs_dns;
	uint64_t bs_ntp;
	uint64_t bs_ping;
};

/* Browser visits per subscriber per hour, on average. */
#define SYNTH_BG_VISITS_PER_HOUR 2

int synth_bg_run(struct synth_ctx *x);

/* One HTTP/1.1 connection: a GET and its response, closed by the client. */
int synth_bg_http(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli,
	struct synth_host *srv, const char *host, enum synth_tls_client c, uint64_t when,
	struct synth_bg_stats *st);
/* One TLS 1.3 connection with one to three requests. */
int synth_bg_tls(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli,
	struct synth_host *srv, const char *sni, enum synth_tls_client c, bool server_pq,
	uint64_t when, struct synth_bg_stats *st);

#endif /* SYNTH_BG_H */
