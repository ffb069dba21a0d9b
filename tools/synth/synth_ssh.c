/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "synth_buf.h"
#include "synth_ssh.h"

#define MSG_KEXINIT        20
#define MSG_NEWKEYS        21
#define MSG_KEX_ECDH_INIT  30
#define MSG_KEX_ECDH_REPLY 31

#define BLOCK 8 /* cleartext packets pad to 8 bytes */

static const char hostkeys_openssh[] =
	"ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
	"sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,"
	"ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,"
	"sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
static const char ciphers_openssh[] = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
				      "aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
static const char macs_openssh[] =
	"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";

const struct synth_ssh_impl synth_ssh_openssh10_client = {
	"SSH-2.0-OpenSSH_10.0",
	"mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
	"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
	"ecdh-sha2-nistp521,ext-info-c,kex-strict-c-v00@openssh.com",
	hostkeys_openssh,
	ciphers_openssh,
	macs_openssh,
	"none,zlib@openssh.com",
};

const struct synth_ssh_impl synth_ssh_openssh96_client = {
	"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5",
	"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
	"ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,"
	"kex-strict-c-v00@openssh.com",
	hostkeys_openssh,
	ciphers_openssh,
	macs_openssh,
	"none,zlib@openssh.com",
};

/* RHEL 9's crypto policy removes sntrup761 from OpenSSH 8.7's defaults. */
const struct synth_ssh_impl synth_ssh_openssh87_rhel_server = {
	"SSH-2.0-OpenSSH_8.7",
	"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
	"ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,"
	"diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,kex-strict-s-v00@openssh.com",
	"rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
	"aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr,aes128-gcm@openssh.com,"
	"aes128-ctr",
	"hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-128-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha1,umac-128@openssh.com,hmac-sha2-512",
	"none,zlib@openssh.com",
};

const struct synth_ssh_impl synth_ssh_openssh92_server = {
	"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
	"sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
	"ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com",
	"rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
	ciphers_openssh,
	macs_openssh,
	"none,zlib@openssh.com",
};

const struct synth_ssh_impl synth_ssh_openssh10_server = {
	"SSH-2.0-OpenSSH_10.0",
	"mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
	"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
	"ecdh-sha2-nistp521,ext-info-s,kex-strict-s-v00@openssh.com",
	"rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
	ciphers_openssh,
	macs_openssh,
	"none,zlib@openssh.com",
};

/* Is name (n bytes) one of the comma-separated names in list? */
static bool
listed(const char *list, const char *name, size_t n)
{
	const char *p = list;

	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t len = e == NULL ? strlen(p) : (size_t)(e - p);

		if (len == n && memcmp(p, name, n) == 0)
			return true;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return false;
}

bool
synth_ssh_negotiate(const char *client, const char *server, char *out, size_t len)
{
	const char *p = client;

	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t n = e == NULL ? strlen(p) : (size_t)(e - p);

		if (listed(server, p, n) && n < len) {
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return false;
}

size_t
synth_ssh_share_len(const char *kex, bool server)
{
	if (strncmp(kex, "mlkem768x25519", 14) == 0)
		return server ? 1120 : 1216;
	if (strncmp(kex, "sntrup761x25519", 15) == 0)
		return server ? 1071 : 1190;
	if (strcmp(kex, "ecdh-sha2-nistp256") == 0)
		return 65;
	if (strcmp(kex, "ecdh-sha2-nistp384") == 0)
		return 97;
	if (strcmp(kex, "ecdh-sha2-nistp521") == 0)
		return 133;
	return 32;
}

size_t
synth_ssh_banner(char *buf, size_t cap, const struct synth_ssh_impl *impl)
{
	int n = snprintf(buf, cap, "%s\r\n", impl->si_banner);

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* Wraps a payload as a cleartext binary packet: length, padding length, payload, padding. */
static void
packet(struct synth_buf *b, struct synth_rng *r, const uint8_t *payload, size_t len)
{
	size_t pad = BLOCK - (5 + len) % BLOCK;

	if (pad < 4)
		pad += BLOCK;
	synth_buf_u32(b, (uint32_t)(1 + len + pad));
	synth_buf_u8(b, (uint8_t)pad);
	synth_buf_mem(b, payload, len);
	synth_buf_random(b, r, pad);
}

static void
name_list(struct synth_buf *b, const char *s)
{
	synth_buf_u32(b, (uint32_t)strlen(s));
	synth_buf_str(b, s);
}

static void
string(struct synth_buf *b, struct synth_rng *r, size_t n)
{
	synth_buf_u32(b, (uint32_t)n);
	synth_buf_random(b, r, n);
}

size_t
synth_ssh_kexinit(uint8_t *buf, size_t cap, struct synth_rng *r, const struct synth_ssh_impl *impl)
{
	uint8_t pl[4096];
	struct synth_buf p, b;

	synth_buf_init(&p, pl, sizeof(pl));
	synth_buf_u8(&p, MSG_KEXINIT);
	synth_buf_random(&p, r, 16); /* cookie */
	name_list(&p, impl->si_kex);
	name_list(&p, impl->si_hostkey);
	name_list(&p, impl->si_cipher);
	name_list(&p, impl->si_cipher);
	name_list(&p, impl->si_mac);
	name_list(&p, impl->si_mac);
	name_list(&p, impl->si_comp);
	name_list(&p, impl->si_comp);
	name_list(&p, "");
	name_list(&p, "");
	synth_buf_u8(&p, 0); /* first_kex_packet_follows */
	synth_buf_u32(&p, 0);
	if (p.sb_over)
		return 0;
	synth_buf_init(&b, buf, cap);
	packet(&b, r, pl, p.sb_len);
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_ssh_kex_init(uint8_t *buf, size_t cap, struct synth_rng *r, size_t qlen)
{
	uint8_t pl[2048];
	struct synth_buf p, b;

	synth_buf_init(&p, pl, sizeof(pl));
	synth_buf_u8(&p, MSG_KEX_ECDH_INIT);
	string(&p, r, qlen);
	if (p.sb_over)
		return 0;
	synth_buf_init(&b, buf, cap);
	packet(&b, r, pl, p.sb_len);
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_ssh_kex_reply(uint8_t *buf, size_t cap, struct synth_rng *r, size_t qlen)
{
	static const uint8_t newkeys = MSG_NEWKEYS;
	uint8_t pl[2048];
	struct synth_buf p, b;
	size_t l;

	synth_buf_init(&p, pl, sizeof(pl));
	synth_buf_u8(&p, MSG_KEX_ECDH_REPLY);
	l = synth_buf_len_begin(&p, 4); /* K_S: the host key blob */
	name_list(&p, "ssh-ed25519");
	string(&p, r, 32);
	synth_buf_len_end(&p, l, 4);
	string(&p, r, qlen);
	l = synth_buf_len_begin(&p, 4); /* the exchange hash signature */
	name_list(&p, "ssh-ed25519");
	string(&p, r, 64);
	synth_buf_len_end(&p, l, 4);
	if (p.sb_over)
		return 0;
	synth_buf_init(&b, buf, cap);
	packet(&b, r, pl, p.sb_len);
	packet(&b, r, &newkeys, 1);
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_ssh_newkeys(uint8_t *buf, size_t cap, struct synth_rng *r)
{
	static const uint8_t newkeys = MSG_NEWKEYS;
	struct synth_buf b;

	synth_buf_init(&b, buf, cap);
	packet(&b, r, &newkeys, 1);
	return b.sb_over ? 0 : b.sb_len;
}

size_t
synth_ssh_encrypted(uint8_t *buf, size_t cap, struct synth_rng *r, size_t len)
{
	/* chacha20-poly1305: encrypted 4-byte length, then the padded body, then a 16-byte tag. */
	size_t pad = BLOCK - (1 + len) % BLOCK;
	struct synth_buf b;

	if (pad < 4)
		pad += BLOCK;
	synth_buf_init(&b, buf, cap);
	synth_buf_random(&b, r, 4 + 1 + len + pad + 16);
	return b.sb_over ? 0 : b.sb_len;
}
