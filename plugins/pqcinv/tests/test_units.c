/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of pqcinv's pure parts against published vectors: RFC 9001
 * appendix A (QUIC v1 Initial keys), RFC 9369 appendix A (v2), the JA3S
 * example of the JA3 authors, SSH negotiation, out-of-order reassembly and
 * the table's key-share length check.
 */
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "fingerprint.h"
#include "quic.h"
#include "reasm.h"
#include "ssh.h"

static int failed, passed;

static void
check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	if (ok)
		passed++;
	else
		failed++;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void
test_quic_keys(void)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	struct quic_crypto *qc = quic_crypto_new();
	struct quic_keys k;
	char h[64];

	check(qc != NULL, "OpenSSL contexts for QUIC");
	if (qc == NULL)
		return;
	check(quic_initial_keys(qc, QUIC_V1, dcid, sizeof(dcid), false, &k) == 0,
		"v1 client keys derived");
	hex(k.k_key, 16, h);
	check(strcmp(h, "1f369613dd76d5467730efcbe3b1a22d") == 0, "RFC 9001 A.1 client key");
	hex(k.k_iv, 12, h);
	check(strcmp(h, "fa044b2f42a3fd3b46fb255c") == 0, "RFC 9001 A.1 client iv");
	hex(k.k_hp, 16, h);
	check(strcmp(h, "9f50449e04a0e810283a1e9933adedd2") == 0, "RFC 9001 A.1 client hp");
	quic_initial_keys(qc, QUIC_V1, dcid, sizeof(dcid), true, &k);
	hex(k.k_key, 16, h);
	check(strcmp(h, "cf3a5331653c364c88f0f379b6067e37") == 0, "RFC 9001 A.1 server key");
	quic_initial_keys(qc, QUIC_V2, dcid, sizeof(dcid), false, &k);
	hex(k.k_key, 16, h);
	check(strcmp(h, "8b1a0bc121284290a29e0971b5cd045d") == 0, "RFC 9369 A.1 client key");
	hex(k.k_hp, 16, h);
	check(strcmp(h, "45b95e15235d6f45a6b19cbcb0294ba9") == 0, "RFC 9369 A.1 client hp");
	quic_crypto_free(qc);
}

static void
test_ja3s(void)
{
	struct tls_server_hello sh;
	char str[256], md5[FP_MD5_HEX];
	static const uint16_t ext[] = { 65281, 0, 11, 16, 23 };

	memset(&sh, 0, sizeof(sh));
	sh.sh_legacy_version = 771;
	sh.sh_cipher = 49199;
	for (size_t i = 0; i < 5; i++)
		sh.sh_exts.l_v[sh.sh_exts.l_n++] = ext[i];
	check(fp_ja3s(&sh, str, sizeof(str), md5) == 0 &&
			strcmp(str, "771,49199,65281-0-11-16-23") == 0 &&
			strcmp(md5, "5d79edf64e03689ff559a54e9d9487bc") == 0,
		"JA3S of the authors' example");
}

static void
put(struct tls_list *l, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		l->l_v[l->l_n++] = v[i];
}

/* A Chrome ClientHello as a public fingerprinting service decoded it, with its JA3 and JA4. */
static void
test_ja4(void)
{
	static const uint16_t ciphers[] = { 0x0a0a, 4865, 4866, 4867, 49195, 49199, 49196, 49200,
		52393, 52392, 49171, 49172, 156, 157, 47, 53 };
	static const uint16_t exts[] = { 0x1a1a, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281,
		35, 18, 5, 13, 27, 0x2a2a };
	static const uint16_t groups[] = { 0x3a3a, 4588, 29, 23, 24 };
	static const uint16_t sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
		0x0601 };
	struct tls_client_hello ch;
	char str[1024], md5[FP_MD5_HEX], ja4[FP_JA4_LEN];

	memset(&ch, 0, sizeof(ch));
	ch.ch_legacy_version = 771;
	put(&ch.ch_ciphers, ciphers, sizeof(ciphers) / 2);
	put(&ch.ch_exts, exts, sizeof(exts) / 2);
	put(&ch.ch_groups, groups, sizeof(groups) / 2);
	put(&ch.ch_sigalgs, sigs, sizeof(sigs) / 2);
	ch.ch_versions.l_v[ch.ch_versions.l_n++] = 0x0304;
	ch.ch_point_formats.l_v[ch.ch_point_formats.l_n++] = 0;
	memcpy(ch.ch_alpn[0], "h2", 2);
	ch.ch_alpn_len[0] = 2;
	ch.ch_nalpn = 1;
	check(fp_ja3(&ch, str, sizeof(str), md5) == 0 &&
			strcmp(md5, "98487aa16281980e7d1120d399efb6a4") == 0,
		"JA3 of a Chrome ClientHello, GREASE removed");
	check(fp_ja4(&ch, 't', ja4) == 0 &&
			strcmp(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd") == 0,
		"JA4 of a Chrome ClientHello");
}

static void
test_ssh(void)
{
	const char *c = "mlkem768x25519-sha256,ext-info-c,curve25519-sha256";
	const char *s = "ext-info-c,curve25519-sha256,ecdh-sha2-nistp256";
	struct ssh_str cl = { c, strlen(c) }, sl = { s, strlen(s) }, out;

	check(ssh_negotiate(&cl, &sl, &out) && out.s_len == 17 &&
			memcmp(out.s_p, "curve25519-sha256", 17) == 0,
		"SSH negotiation skips ext-info-*");
}

static void
test_reasm(void)
{
	struct reasm ra;
	uint8_t buf[16];

	memset(&ra, 0, sizeof(ra));
	reasm_set_base(&ra, 1000);
	reasm_add_tcp(&ra, buf, sizeof(buf), 1004, (const uint8_t *)"efgh", 4);
	check(reasm_contig(&ra) == 0, "a later segment alone is not contiguous");
	reasm_add_tcp(&ra, buf, sizeof(buf), 998, (const uint8_t *)"xxabcd", 6);
	check(reasm_contig(&ra) == 8 && memcmp(buf, "abcdefgh", 8) == 0,
		"an earlier overlapping segment fills the hole");
	check(reasm_add_tcp(&ra, buf, sizeof(buf), 1012, (const uint8_t *)"0123456789", 10) ==
			REASM_CLIPPED,
		"bytes past the bound are clipped");
}

static void
test_table(const char *path)
{
	struct pqc_table *t;
	char err[256];
	bool mm;

	check(pqc_table_load(path, &t, err, sizeof(err)) == 0, "classification table loads");
	if (t == NULL)
		return;
	check(pqc_alg_class(pqc_table_code(t, PQC_TLS_GROUP, 0x11ec), false, 1120, &mm) ==
				PQC_CLASS_HYBRID &&
			!mm,
		"0x11EC with a 1120-byte share is hybrid");
	check(pqc_alg_class(pqc_table_code(t, PQC_TLS_GROUP, 0x0200), true, 976, &mm) ==
				PQC_CLASS_UNKNOWN &&
			mm,
		"0x0200 with a foreign share length is not ML-KEM-512");
	check(pqc_table_name(t, PQC_SSH_KEX, "sntrup761x25519-sha512@openssh.com",
		      strlen("sntrup761x25519-sha512@openssh.com")) != NULL,
		"SSH names looked up");
	pqc_table_free(t);
	check(pqc_table_load("/nonexistent/table.yaml", &t, err, sizeof(err)) < 0 &&
			strstr(err, "/nonexistent/table.yaml") != NULL,
		"a missing table is named in the error");
}

int
main(int argc, char **argv)
{
	test_quic_keys();
	test_ja3s();
	test_ja4();
	test_ssh();
	test_reasm();
	if (argc > 1)
		test_table(argv[1]);
	printf("%d passed, %d failed\n", passed, failed);
	return (failed != 0);
}
