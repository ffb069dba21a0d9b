/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trust material: the anchors (from PEM files and trusted lists), extra CA
 * certificates to build chains with (never trusted themselves), configured
 * CRLs, and what a trusted list says about each anchor.
 */
#ifndef ESEAL_ES_TRUST_H
#define ESEAL_ES_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define ES_ANCHOR_WINDOWS 8

/* A time during which a trusted list shows the service in a positive status. */
struct es_window {
	int64_t w_from;  /* INT64_MIN: since always */
	int64_t w_until; /* INT64_MAX: still */
};

/* What a trusted list says about one anchor (empty for PEM anchors). */
struct es_anchor_info {
	char ai_source[256];       /* the file it came from */
	char ai_tsp[256];          /* trust service provider name */
	char ai_service_type[128]; /* last segment of ServiceTypeIdentifier: QC, QTST, ... */
	char ai_status[64];        /* last segment of ServiceStatus: granted, withdrawn, ... */
	char ai_qualifiers[256];   /* space-separated: ForeSeals QCForESeal QCWithSSCD ... */
	/* When the service was trusted (status and history); none: always. */
	struct es_window ai_windows[ES_ANCHOR_WINDOWS];
	int ai_nwindows;
};

/* A trusted list loaded (its signature verified). */
struct es_list_info {
	char li_file[256];
	char li_version[8];      /* TSLVersionIdentifier: 5 or 6 */
	char li_sequence[16];    /* TSLSequenceNumber */
	char li_issued[40];      /* ListIssueDateTime */
	char li_next_update[40]; /* NextUpdate (a list past it is stale) */
	int li_anchors;
};

#define ES_TRUST_LISTS_MAX 32

struct es_trust {
	X509_STORE *t_store;           /* the anchors, for chain building */
	STACK_OF(X509) * t_anchors;    /* the same anchors, in load order */
	struct es_anchor_info *t_info; /* one per anchor */
	size_t t_info_cap;
	STACK_OF(X509) * t_intermediates; /* untrusted CA certificates */
	STACK_OF(X509_CRL) * t_crls;      /* configured CRLs */
	struct es_list_info t_lists[ES_TRUST_LISTS_MAX];
	int t_nlists;
};

int es_trust_init(struct es_trust *t);
void es_trust_free(struct es_trust *t);
/*
 * Adds every certificate of a PEM or DER file, or of every *.pem, *.crt,
 * *.cer, *.der and *.crl file of a directory, as anchors (anchor true) or
 * intermediates; CRLs found on the way go to t_crls.  Returns the number of
 * certificates added or -1 with the reason in err.
 */
int es_trust_add_path(struct es_trust *t, const char *path, bool anchor, char *err, size_t errlen);
/* Adds one anchor with what a trusted list says about it (info may be NULL). */
int es_trust_add_anchor(struct es_trust *t, X509 *x, const struct es_anchor_info *info);
/* The list information of an anchor certificate, or NULL. */
const struct es_anchor_info *es_trust_anchor_info(const struct es_trust *t, X509 *x);
/* Whether an anchor with this information is trusted at time at. */
bool es_anchor_trusted_at(const struct es_anchor_info *ai, int64_t at);

#endif /* ESEAL_ES_TRUST_H */
