/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C&C list: every server c2detect reported, with its best score, kept on
 * the analysis thread and written after each scoring round to export_dir as
 * c2-servers.csv and c2-servers.stix.json (a STIX 2.1 bundle of
 * indicators), ready for `mamorictl c2 sign`.  Payload evidence is kept here by
 * server until its flow records arrive.
 */
#ifndef C2_EXPORT_H
#define C2_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define C2_EVIDENCE_SLOTS 1024

struct c2_server {
	uint8_t sv_addr[16];
	uint16_t sv_port;
	uint8_t sv_proto;
	uint8_t sv_rank; /* 1 low, 2 medium, 3 high */
	char sv_kind[8]; /* "beacon" or "fanin" */
	double sv_score;
	double sv_first;
	double sv_last;
	uint32_t sv_clients;
};

struct c2_evidence {
	uint8_t ev_addr[16];
	uint16_t ev_port;
	uint8_t ev_proto;
	uint8_t ev_bits;
};

struct c2_servers {
	struct c2_server *sl_v;
	size_t sl_n;
	size_t sl_cap;
	bool sl_dirty;
	struct c2_evidence sl_ev[C2_EVIDENCE_SLOTS];
	size_t sl_nev;
	size_t sl_evnext;
};

struct c2_global;

/* Records a reported server (the best score and rank are kept). */
void c2_export_note(struct c2_global *g, const uint8_t addr[16], uint16_t port, uint8_t proto,
	const char *kind, double score, const char *level, double first, double last,
	uint32_t clients);
/* Whether a fan-in server was reported at this rank or higher already. */
bool c2_fanin_reported(
	struct c2_global *g, const uint8_t addr[16], uint16_t port, uint8_t proto, int rank);
/* Writes the CSV and the STIX bundle when the list changed. */
void c2_export_write(struct c2_global *g);
void c2_export_fini(struct c2_servers *sl);

void c2_evidence_add(
	struct c2_servers *sl, const uint8_t addr[16], uint16_t port, uint8_t proto, uint8_t bits);
uint8_t c2_evidence_get(
	const struct c2_servers *sl, const uint8_t addr[16], uint16_t port, uint8_t proto);

#endif /* C2_EXPORT_H */
