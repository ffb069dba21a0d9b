/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One handshake, analysed: the record's bytes parsed (TLS, QUIC or SSH),
 * fingerprinted and classified against the table, as the "pqc_session"
 * object of an EVE event.
 */
#ifndef PQC_SESSION_H
#define PQC_SESSION_H

#include <jansson.h>

#include "classify.h"
#include "record.h"

/* Counts of what the analysis met, for the plugin's counters. */
struct pqc_session_stats {
	unsigned ss_parse_errors; /* a direction was not what it claimed */
	unsigned ss_bad_certs;    /* certificates OpenSSL could not read */
};

/*
 * The pqc_session object of a record (a new reference), never NULL for a
 * record of a known protocol: what could not be parsed is named in its
 * "errors" list.
 */
json_t *pqc_session_json(
	const struct pqc_rec *rec, const struct pqc_table *t, struct pqc_session_stats *st);

/* Internal: the halves of pqc_session_json, one per family. */
void pqc_session_tls(json_t *o, const struct pqc_rec *rec, const struct pqc_table *t,
	struct pqc_session_stats *st);
void pqc_session_ssh(json_t *o, const struct pqc_rec *rec, const struct pqc_table *t,
	struct pqc_session_stats *st);
/* Appends a string to the array member key of o (created when missing). */
void pqc_json_append(json_t *o, const char *key, const char *s);
/* Sets the classification members of o from a class and the client's capability. */
void pqc_json_classify(json_t *o, enum pqc_class cls, bool client_pq, bool pre_standard);

#endif /* PQC_SESSION_H */
