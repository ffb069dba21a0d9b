/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fan-in: external endpoints (address, port, protocol) to which many internal
 * sources hold long-lived or periodic low-volume sessions, the shape of an
 * IoT botnet's C&C server seen from an ISP.  Computed from the pair table
 * (every lcore's records merged there) in the analysis thread.
 */
#ifndef C2_FANIN_H
#define C2_FANIN_H

#include <stddef.h>
#include <stdint.h>

#include "allow.h"
#include "pairs.h"

#define FI_SAMPLE 8

struct fi_params {
	uint32_t fp_long_session; /* s: a session this long is long-lived */
	uint64_t fp_low_bytes;    /* bytes per connection at most: a low-volume short one */
	double fp_low_rate;       /* bytes per second at most: a low-volume long session */
	uint32_t fp_min_clients;  /* qualified clients to report a server */
	uint32_t fp_clients_high; /* clients for a full client score */
	double fp_periodic_ts;    /* timestamp score that makes a client periodic */
};

struct fi_server {
	uint8_t s_dst[16];
	uint16_t s_port;
	uint8_t s_proto;
	uint8_t s_nsample;
	uint32_t s_clients;   /* internal sources with an answered connection */
	uint32_t s_qualified; /* of which long-lived or periodic, low volume */
	uint32_t s_long;
	uint32_t s_periodic;
	uint32_t s_infected; /* qualified clients among the known-infected devices */
	uint32_t s_first;
	uint32_t s_last;
	uint64_t s_records;
	uint64_t s_bytes;
	double s_regular_sum;
	double s_bytes_score_sum;
	double s_period_sum; /* over periodic clients */
	double s_jitter_sum;
	uint8_t s_sample[FI_SAMPLE][16];
	/* Components and the score, in [0, 1]; c_infected < 0 without a device list. */
	double c_clients;
	double c_infected;
	double c_regularity;
	double c_bytes;
	double c_rarity;
	double c_age;
	double score;
};

/*
 * Scores every server of the table's window; *out (freed by the caller) gets
 * the servers with fp_min_clients qualified clients or more.  Returns their
 * number or -ENOMEM.
 */
long fi_compute(struct pt_table *t, const struct fi_params *fp, const struct c2_set *infected,
	struct fi_server **out);
/* "high" (>= 0.75), "medium" (>= 0.55), "low" (>= 0.35) or "none". */
const char *fi_level(double score);

#endif /* C2_FANIN_H */
