/* SPDX-License-Identifier: BSD-3-Clause */
/* Chain building with OpenSSL's X509_STORE_CTX, validity recorded apart. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "es_chain.h"

static int
es_chain_cb(int ok, X509_STORE_CTX *ctx)
{
	struct es_chain *ch = X509_STORE_CTX_get_app_data(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);

	if (ok)
		return (1);
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		if (ch->ch_expired_depth < 0)
			ch->ch_expired_depth = depth;
		return (1);
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (ch->ch_future_depth < 0)
			ch->ch_future_depth = depth;
		return (1);
	default:
		if (ch->ch_error == 0) {
			ch->ch_error = err;
			ch->ch_error_depth = depth;
		}
		return (0);
	}
}

int
es_chain_build(const struct es_trust *t, X509 *leaf, STACK_OF(X509) * untrusted, int64_t at,
	int purpose, struct es_chain *ch)
{
	X509_STORE_CTX *ctx;
	X509_VERIFY_PARAM *vp;
	int rv;

	memset(ch, 0, sizeof(*ch));
	ch->ch_expired_depth = -1;
	ch->ch_future_depth = -1;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return (-1);
	if (!X509_STORE_CTX_init(ctx, t->t_store, leaf, untrusted)) {
		X509_STORE_CTX_free(ctx);
		return (-1);
	}
	X509_STORE_CTX_set_app_data(ctx, ch);
	X509_STORE_CTX_set_verify_cb(ctx, es_chain_cb);
	vp = X509_STORE_CTX_get0_param(ctx);
	/*
	 * Trusted lists name issuing CAs as well as roots: any certificate of
	 * the store is an anchor, whether or not it is self-signed.
	 */
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(vp, (time_t)at);
	X509_STORE_CTX_set_purpose(ctx, purpose);
	rv = X509_verify_cert(ctx);
	if (rv <= 0 && ch->ch_error == 0) {
		ch->ch_error = X509_STORE_CTX_get_error(ctx);
		ch->ch_error_depth = X509_STORE_CTX_get_error_depth(ctx);
		if (ch->ch_error == X509_V_OK)
			ch->ch_error = X509_V_ERR_UNSPECIFIED;
	}
	if (rv > 0 || ch->ch_error != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) {
		STACK_OF(X509) *c = X509_STORE_CTX_get1_chain(ctx);

		/* A chain counts only when it ends at an anchor. */
		if (c != NULL && sk_X509_num(c) > 0 &&
			X509_STORE_CTX_get_num_untrusted(ctx) < sk_X509_num(c))
			ch->ch_certs = c;
		else
			sk_X509_pop_free(c, X509_free);
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return (ch->ch_certs != NULL ? 0 : -1);
}

void
es_chain_free(struct es_chain *ch)
{
	sk_X509_pop_free(ch->ch_certs, X509_free);
	ch->ch_certs = NULL;
}
