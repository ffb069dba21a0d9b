/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For the fleet tests: NATS decentralised credentials made from scratch, as
 * the NATS tool 'nsc' would make them (Debian has no nsc), so that a
 * nats-server in operator mode can be run against real .creds files.
 *
 *	fleet_creds DIR
 *
 * writes into DIR:
 *	operator.jwt       the operator, self-signed
 *	resolver.conf      nats-server configuration: operator, system account,
 *	                   a MEMORY resolver preloaded with the accounts below
 *	site.creds         a user of account MAMORI (JetStream enabled)
 *	store.creds        another user of account MAMORI
 *	other.creds        a user of account OTHER, which the server is not told of
 *	wrong-seed.creds   site.creds' JWT with another user's seed
 *
 * An nkey is an Ed25519 key pair; its public key is written as base32 of a
 * prefix byte (O operator, A account, U user), the 32 key bytes and a CRC16
 * (XMODEM, little-endian); its seed as base32 of two prefix bytes ('S' and
 * the key's type), the 32 seed bytes and the CRC16.  A JWT is
 * base64url(header).base64url(claims).base64url(Ed25519 signature of the
 * first two parts by the issuer's key), with the header
 * {"typ":"JWT","alg":"ed25519-nkey"}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#define NK_PREFIX_SEED     (18 << 3)
#define NK_PREFIX_OPERATOR (14 << 3)
#define NK_PREFIX_ACCOUNT  (0 << 3)
#define NK_PREFIX_USER     (20 << 3)
#define NK_TEXT_MAX        64

struct nkey {
	unsigned char nk_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char nk_sk[crypto_sign_SECRETKEYBYTES];
	char nk_public[NK_TEXT_MAX]; /* O..., A..., U... */
	char nk_seed[NK_TEXT_MAX];   /* SO..., SA..., SU... */
};

static uint16_t
crc16(const unsigned char *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021)
					     : (uint16_t)(crc << 1);
	}
	return (crc);
}

/* RFC 4648 base32, no padding. */
static void
base32(const unsigned char *p, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned bits = 0, acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			*out++ = abc[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		*out++ = abc[(acc << (5 - bits)) & 31];
	*out = '\0';
}

/* The key's bytes after its prefix bytes, with the CRC16 of it all, in base32. */
static void
nk_encode(const unsigned char *prefix, size_t np, const unsigned char *key, char *out)
{
	unsigned char raw[2 + 32 + 2];
	uint16_t crc;

	memcpy(raw, prefix, np);
	memcpy(raw + np, key, 32);
	crc = crc16(raw, np + 32);
	raw[np + 32] = (unsigned char)(crc & 0xff);
	raw[np + 33] = (unsigned char)(crc >> 8);
	base32(raw, np + 34, out);
}

static void
nk_make(struct nkey *k, unsigned char type)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	unsigned char sp[2] = { (unsigned char)(NK_PREFIX_SEED | (type >> 5)),
		(unsigned char)((type & 31) << 3) };

	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(k->nk_pk, k->nk_sk, seed);
	nk_encode(&type, 1, k->nk_pk, k->nk_public);
	nk_encode(sp, 2, seed, k->nk_seed);
	sodium_memzero(seed, sizeof(seed));
}

static char *
b64url(const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = malloc(len);

	if (s != NULL)
		sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return (s);
}

/* Signs claims (taken) as issuer: "header.claims.signature", or NULL. */
static char *
jwt_sign(json_t *claims, const struct nkey *issuer, const char *subject, const char *name)
{
	static const char hdr[] = "{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}";
	unsigned char sig[crypto_sign_BYTES], hash[crypto_hash_sha256_BYTES];
	char jti[64], *body, *h64, *c64, *s64, *out = NULL;
	size_t n;

	json_object_set_new(claims, "iat", json_integer((json_int_t)time(NULL)));
	json_object_set_new(claims, "iss", json_string(issuer->nk_public));
	json_object_set_new(claims, "sub", json_string(subject));
	json_object_set_new(claims, "name", json_string(name));
	/* The claims' id is a hash of the claims without it, as nsc makes it. */
	body = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
	crypto_hash_sha256(hash, (const unsigned char *)body, strlen(body));
	free(body);
	base32(hash, sizeof(hash), jti);
	json_object_set_new(claims, "jti", json_string(jti));
	body = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(claims);
	h64 = b64url((const unsigned char *)hdr, strlen(hdr));
	c64 = body != NULL ? b64url((const unsigned char *)body, strlen(body)) : NULL;
	if (h64 != NULL && c64 != NULL) {
		n = strlen(h64) + 1 + strlen(c64) + 1 + 128;
		if ((out = malloc(n)) != NULL) {
			snprintf(out, n, "%s.%s", h64, c64);
			crypto_sign_detached(
				sig, NULL, (const unsigned char *)out, strlen(out), issuer->nk_sk);
			if ((s64 = b64url(sig, sizeof(sig))) != NULL) {
				strcat(out, ".");
				strcat(out, s64);
				free(s64);
			} else {
				free(out);
				out = NULL;
			}
		}
	}
	free(body);
	free(h64);
	free(c64);
	return (out);
}

static char *
operator_jwt(const struct nkey *op, const struct nkey *sys)
{
	json_t *c = json_pack("{s:{s:s, s:s, s:i}}", "nats", "system_account", sys->nk_public,
		"type", "operator", "version", 2);

	return (jwt_sign(c, op, op->nk_public, "mamori-test"));
}

/* An account of the operator; with JetStream unlimited when js. */
static char *
account_jwt(const struct nkey *op, const struct nkey *acc, const char *name, int js)
{
	json_t *lim = json_pack("{s:i, s:i, s:i, s:i, s:i, s:b, s:i, s:i}", "subs", -1, "data", -1,
		"payload", -1, "imports", -1, "exports", -1, "wildcards", 1, "conn", -1, "leaf",
		-1);
	json_t *c;

	if (js) {
		json_object_set_new(lim, "mem_storage", json_integer(-1));
		json_object_set_new(lim, "disk_storage", json_integer(-1));
		json_object_set_new(lim, "streams", json_integer(-1));
		json_object_set_new(lim, "consumer", json_integer(-1));
	}
	c = json_pack("{s:{s:o, s:{s:{}, s:{}}, s:s, s:i}}", "nats", "limits", lim,
		"default_permissions", "pub", "sub", "type", "account", "version", 2);
	return (jwt_sign(c, op, acc->nk_public, name));
}

static char *
user_jwt(const struct nkey *acc, const struct nkey *user, const char *name)
{
	json_t *c = json_pack("{s:{s:{}, s:{}, s:i, s:i, s:i, s:s, s:i}}", "nats", "pub", "sub",
		"subs", -1, "data", -1, "payload", -1, "type", "user", "version", 2);

	return (jwt_sign(c, acc, user->nk_public, name));
}

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "fleet_creds: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* The layout of nsc's .creds files, which the NATS clients read. */
static int
write_creds(const char *dir, const char *name, const char *jwt, const char *seed)
{
	char text[8192];

	snprintf(text, sizeof(text),
		"-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
		"************************* IMPORTANT *************************\n"
		"NKEY Seed printed below can be used to sign and prove identity.\n"
		"NKEYs are sensitive and should be treated as secrets.\n\n"
		"-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
		"*************************************************************\n",
		jwt, seed);
	return (write_file(dir, name, text));
}

int
main(int argc, char **argv)
{
	struct nkey op, sys, acc, other, site, store, stranger, wrong;
	char *op_jwt, *sys_jwt, *acc_jwt, *site_jwt, *store_jwt, *stranger_jwt;
	char conf[16384];
	int rv;

	if (argc != 2) {
		fprintf(stderr, "usage: fleet_creds DIR\n");
		return (2);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "fleet_creds: libsodium cannot start\n");
		return (1);
	}
	nk_make(&op, NK_PREFIX_OPERATOR);
	nk_make(&sys, NK_PREFIX_ACCOUNT);
	nk_make(&acc, NK_PREFIX_ACCOUNT);
	nk_make(&other, NK_PREFIX_ACCOUNT);
	nk_make(&site, NK_PREFIX_USER);
	nk_make(&store, NK_PREFIX_USER);
	nk_make(&stranger, NK_PREFIX_USER);
	nk_make(&wrong, NK_PREFIX_USER);
	op_jwt = operator_jwt(&op, &sys);
	sys_jwt = account_jwt(&op, &sys, "SYS", 0);
	acc_jwt = account_jwt(&op, &acc, "MAMORI", 1);
	site_jwt = user_jwt(&acc, &site, "pop-a");
	store_jwt = user_jwt(&acc, &store, "central-store");
	stranger_jwt = user_jwt(&other, &stranger, "stranger");
	if (op_jwt == NULL || sys_jwt == NULL || acc_jwt == NULL || site_jwt == NULL ||
		store_jwt == NULL || stranger_jwt == NULL) {
		fprintf(stderr, "fleet_creds: out of memory\n");
		return (1);
	}
	snprintf(conf, sizeof(conf),
		"operator: \"%s/operator.jwt\"\n"
		"system_account: %s\n"
		"resolver: MEMORY\n"
		"resolver_preload: {\n  %s: \"%s\"\n  %s: \"%s\"\n}\n",
		argv[1], sys.nk_public, sys.nk_public, sys_jwt, acc.nk_public, acc_jwt);
	rv = write_file(argv[1], "operator.jwt", op_jwt) != 0 ||
	     write_file(argv[1], "resolver.conf", conf) != 0 ||
	     write_creds(argv[1], "site.creds", site_jwt, site.nk_seed) != 0 ||
	     write_creds(argv[1], "store.creds", store_jwt, store.nk_seed) != 0 ||
	     write_creds(argv[1], "other.creds", stranger_jwt, stranger.nk_seed) != 0 ||
	     write_creds(argv[1], "wrong-seed.creds", site_jwt, wrong.nk_seed) != 0;
	printf("operator %s\naccount %s\nuser %s\n", op.nk_public, acc.nk_public, site.nk_public);
	free(op_jwt);
	free(sys_jwt);
	free(acc_jwt);
	free(site_jwt);
	free(store_jwt);
	free(stranger_jwt);
	sodium_memzero(&site, sizeof(site));
	return (rv);
}
