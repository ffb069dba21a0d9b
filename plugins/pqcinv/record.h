/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A handshake as a worker hands it to the control thread: the 5-tuple and
 * the reassembled opening bytes of both directions.  Workers only reassemble
 * and frame; parsing, fingerprints, classification, certificates and the
 * inventory happen on the control thread, where allocation is allowed.
 */
#ifndef PQC_RECORD_H
#define PQC_RECORD_H

#include <stdint.h>

#include <mamori/netaddr.h>

enum pqc_kind_proto {
	PQC_PROTO_NONE = 0,
	PQC_PROTO_TLS,  /* TLS records over TCP */
	PQC_PROTO_QUIC, /* CRYPTO streams of QUIC Initial packets */
	PQC_PROTO_SSH,
};

/* r_flags */
#define PQC_REC_CLIENT_DONE 0x01 /* the client's opening is complete */
#define PQC_REC_SERVER_DONE 0x02
#define PQC_REC_TRUNCATED   0x04 /* a direction filled its buffer */
#define PQC_REC_GAP         0x08 /* bytes were lost (holes, capture loss) */
#define PQC_REC_RETRY       0x10 /* QUIC Retry seen */
#define PQC_REC_FLOW_END    0x20 /* emitted because the flow ended */

struct pqc_rec {
	uint64_t r_seq;
	uint64_t r_flow_id;
	uint64_t r_ts_ns; /* packet time of the last handshake byte seen */
	struct mm_addr r_client;
	struct mm_addr r_server;
	uint16_t r_cport;
	uint16_t r_sport;
	uint8_t r_ipproto;
	uint8_t r_proto; /* enum pqc_kind_proto */
	uint8_t r_flags;
	uint32_t r_quic_version;
	uint32_t r_len[2]; /* bytes of r_data[0] (client) and r_data[cap] (server) */
	uint32_t r_cap;    /* bytes reserved per direction */
	uint8_t r_data[] __attribute__((aligned(8)));
};

/* The payload of a pqc_session event: where its record waits. */
struct pqc_ref {
	uint32_t rf_lcore; /* the plugin's lcore index */
	uint32_t rf_pad;
	uint64_t rf_seq;
};

#endif /* PQC_RECORD_H */
