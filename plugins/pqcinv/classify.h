/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The classification table (pqc-algorithms.yaml): key exchanges and
 * signatures of TLS and SSH, each quantum-vulnerable, hybrid or pure
 * post-quantum, with the key-share sizes that tell a real codepoint from a
 * reused one.  Data, not code: a new algorithm is a new line in the file.
 */
#ifndef PQC_CLASSIFY_H
#define PQC_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pqc_class {
	PQC_CLASS_UNKNOWN = 0, /* not in the table, not negotiated, or not what it claims */
	PQC_CLASS_VULNERABLE,  /* RSA, (EC)DH, (EC)DSA, EdDSA */
	PQC_CLASS_HYBRID,      /* a classical and a post-quantum exchange together */
	PQC_CLASS_PQ,          /* post-quantum alone */
};

enum pqc_kind {
	PQC_TLS_GROUP = 0,
	PQC_TLS_SIG,
	PQC_SSH_KEX,
	PQC_SSH_HOSTKEY,
	PQC_X509,       /* certificate algorithms by dotted OID */
	PQC_TLS_CIPHER, /* cipher suite names (no class of their own) */
	PQC_NKINDS,
};

struct pqc_alg {
	char *a_name;
	char *a_primitive;       /* CycloneDX primitive: kem, key-agree, signature */
	uint16_t a_code;         /* TLS codepoint; 0 for SSH names */
	uint16_t a_client_share; /* expected share bytes, 0 = not checked */
	uint16_t a_server_share;
	uint16_t a_classical; /* classical security level in bits, 0 = unknown */
	uint8_t a_kind;       /* enum pqc_kind */
	uint8_t a_class;      /* enum pqc_class */
	uint8_t a_level;      /* NIST quantum security category 0..6 */
	bool a_pre_standard;
};

struct pqc_table {
	struct pqc_alg *t_v;
	size_t t_n;
};

/* Loads the table; on error names the file, line and what was expected in err. */
int pqc_table_load(const char *path, struct pqc_table **out, char *err, size_t errlen);
void pqc_table_free(struct pqc_table *t);

/* The entry for a TLS codepoint of a kind, or NULL. */
const struct pqc_alg *pqc_table_code(const struct pqc_table *t, enum pqc_kind kind, uint16_t code);
/* The entry for an SSH algorithm name (len bytes, not NUL-terminated), or NULL. */
const struct pqc_alg *pqc_table_name(
	const struct pqc_table *t, enum pqc_kind kind, const char *name, size_t len);

/* "unknown", "vulnerable", "hybrid", "pq". */
const char *pqc_class_name(enum pqc_class c);

/*
 * The class of an algorithm whose share was len bytes (client or server
 * side): the table's class, or UNKNOWN when the table gives a size and the
 * share has another (a codepoint reused by a different algorithm).
 */
enum pqc_class pqc_alg_class(const struct pqc_alg *a, bool client, size_t len, bool *mismatch);

#endif /* PQC_CLASSIFY_H */
