/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's pattern set (see bench_patterns.h).  Three "plugins" own
 * it: iotsense (credentials, banners, firmware, loaders, exploits), c2detect
 * (C2 chatter, DNS and SNI names) and pqcinv (handshake markers).  Literals
 * are written as Hyperscan expressions with every byte that is not a letter,
 * digit or space escaped as \xHH.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>
#include <sodium.h>

#include "bench_patterns.h"

enum { P_IOTSENSE, P_C2DETECT, P_PQCINV };
static const char *const plugin_names[] = { "iotsense", "c2detect", "pqcinv" };

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define TS  MM_DIR_TO_SERVER
#define TC  MM_DIR_TO_CLIENT
#define ANY MM_DIR_ANY
#define SM  HS_FLAG_SINGLEMATCH
#define RX  (HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH)

/* Mirai's table of default credentials, and a few from its successors. */
static const char *const creds[][2] = { { "root", "xc3511" }, { "root", "vizxv" },
	{ "root", "admin" }, { "admin", "admin" }, { "root", "888888" }, { "root", "xmhdipc" },
	{ "root", "default" }, { "root", "juantech" }, { "root", "123456" }, { "root", "54321" },
	{ "support", "support" }, { "root", "root" }, { "root", "12345" }, { "user", "user" },
	{ "root", "pass" }, { "admin", "admin1234" }, { "root", "1111" }, { "admin", "smcadmin" },
	{ "admin", "1111" }, { "root", "666666" }, { "root", "password" }, { "root", "1234" },
	{ "root", "klv123" }, { "Administrator", "admin" }, { "service", "service" },
	{ "supervisor", "supervisor" }, { "guest", "guest" }, { "guest", "12345" },
	{ "admin1", "password" }, { "administrator", "1234" }, { "666666", "666666" },
	{ "888888", "888888" }, { "ubnt", "ubnt" }, { "root", "klv1234" }, { "root", "Zte521" },
	{ "root", "hi3518" }, { "root", "jvbzd" }, { "root", "anko" }, { "root", "zlxx." },
	{ "root", "7ujMko0vizxv" }, { "root", "7ujMko0admin" }, { "root", "system" },
	{ "root", "ikwb" }, { "root", "dreambox" }, { "root", "user" }, { "root", "realtek" },
	{ "root", "00000000" }, { "admin", "1111111" }, { "admin", "1234" }, { "admin", "12345" },
	{ "admin", "54321" }, { "admin", "123456" }, { "admin", "7ujMko0admin" },
	{ "admin", "pass" }, { "admin", "meinsm" }, { "tech", "tech" }, { "root", "GM8182" },
	{ "root", "vhd1206" }, { "root", "Serv4EMC" }, { "default", "OxhlwSG8" },
	{ "default", "S2fGqNFs" }, { "root", "hunt5759" }, { "telnetadmin", "telnetadmin" } };

static const char *const banners[] = { "SSH-2.0-dropbear", "Server: Boa/", "Server: GoAhead-Webs",
	"Server: lighttpd", "Server: mini_httpd", "Server: uc-httpd", "Server: Hikvision-Webs",
	"Server: DNVRS-Webs", "Server: RomPager", "Server: micro_httpd", "Server: thttpd",
	"Server: Mbedthis-Appweb", "Server: Allegro-Software-RomPager", "Server: JAWS/1.0",
	"Server: Cross Web Server", "Server: DVRDVS-Webs", "Server: Webs", "Server: HTTPD_gw",
	"Server: Router Webserver", "Server: TP-LINK HTTPD", "Server: ZTE web server",
	"Server: Huawei Auth-Http Server", "Server: Linux/2.x UPnP", "Server: RealTek/Linux UPnP",
	"Server: MiniUPnPd", "Server: Net-SNMP", "BusyBox v1.", "(none) login:", "DD-WRT",
	"OpenWrt", "MikroTik", "RouterOS", "Welcome to ZXHN", "HG8245H", "TL-WR841N", "DIR-615",
	"DCS-930L", "NETGEAR ReadyNAS", "Linksys E1000", "AirOS", "HiSilicon", "XMeye", "Dahua",
	"Vivotek", "AXIS", "GPON Home Gateway", "Login incorrect", "Password: ", "Access denied" };

static const char *const firmware_rx[] = { "Server: Boa/0\\.9[0-4]",
	"SSH-2\\.0-dropbear_20(0[0-9]|1[0-5])\\.[0-9]+", "Server: lighttpd/1\\.4\\.[0-3][0-9]",
	"Server: mini_httpd/1\\.[0-9]+", "RomPager/4\\.[0-9]+", "Server: uc-httpd 1\\.0\\.0",
	"BusyBox v1\\.[0-2][0-9]\\.[0-9]", "Linux [23]\\.[0-9]+\\.[0-9]+",
	"SSH-2\\.0-OpenSSH_[4-6]\\.[0-9]p?[0-9]?", "Apache/2\\.2\\.[0-9]+",
	"nginx/1\\.([0-9]|1[0-3])\\.[0-9]+", "Microsoft-IIS/[5-7]\\.[0-9]", "ProFTPD 1\\.3\\.[0-5]",
	"vsFTPd 2\\.3\\.4", "Dropbear sshd v20(0|1)[0-9]", "GoAhead-Webs/2\\.[0-9]",
	"Server: (Virata-EmWeb|EmWeb)/R[0-6]", "MiniUPnPd/1\\.[0-8]",
	"Server: TwonkyMedia UPnP/1\\.[0-9]", "Allegro-Software-RomPager/4\\.0[0-7]" };

static const char *const bot_names[] = { "MIRAI", "ECCHI", "SATORI", "OWARI", "MASUTA", "SORA",
	"OKIRU", "JOSHO", "HAKAI", "KYTON", "YOSHI", "TSUNAMI", "HOHO", "DAIRY", "AKUMA", "OBJPRN",
	"EXTENDO", "APEP", "RAZOR", "SHINTO", "KURAI", "TOXIC", "HYBRID", "ZONE", "GHOUL", "HAJIME",
	"LOKI", "MOZI", "MUHSTIK", "FBOT", "GAFGYT", "QBOT", "BASHLITE", "KAITEN", "AMNESIA",
	"HIDEN", "TORII", "ECHOBOT", "DARKNEXUS", "MANTIS" };

static const char *const loader_cmds[] = { "enable\r\nsystem\r\nshell\r\nsh\r\n",
	"cat /proc/mounts", "cat /proc/cpuinfo", "echo -e '\\x", "tftp -g -l", "tftp -r",
	"wget http://", "curl -O http://", "chmod 777", "chmod +x", "rm -rf /tmp/*",
	"cd /tmp || cd /var/run", ">/dev/null 2>&1", "/bin/busybox wget", "/bin/busybox tftp",
	"/bin/busybox chmod", "/bin/busybox ps", "/bin/busybox kill", "/bin/busybox cat",
	"dvrHelper", ".nippon", "bins.sh", "t8UsA.sh", "mips.nn", "arm7.nn", "x86.nn", "mpsl.nn",
	"sora.arm", "Mozi.m", "Mozi.a" };

/* Exploit request lines, on the ports their targets listen on (0: any). */
static const struct {
	const char *ex_str;
	uint16_t ex_port;
} exploits[] = { { "POST /GponForm/diag_Form?images/", 8080 },
	{ "POST /GponForm/diag_Form?style/", 80 }, { "GET /shell?cd+/tmp", 80 },
	{ "POST /picsdesc.xml", 52869 }, { "POST /wanipcctrl", 52869 }, { "POST /HNAP1/", 80 },
	{ "GET /cgi-bin/ViewLog.asp", 80 }, { "POST /ctrlt/DeviceUpgrade_1", 37215 },
	{ "GET /setup.cgi?next_file=netgear.cfg", 80 }, { "POST /tmUnblock.cgi", 8080 },
	{ "GET /language/Swedish${IFS}", 80 }, { "<NewStatusURL>$(", 37215 },
	{ "POST /boaform/admin/formLogin", 80 }, { "GET /cgi-bin/luci/;stok=", 80 },
	{ "POST /cgi-bin/mainfunction.cgi", 80 }, { "/index/\\think\\app/invokefunction", 0 },
	{ "XWebPageName=diag", 80 }, { "POST /UD/act?1", 7547 }, { "<NewNTPServer1>`", 7547 },
	{ "GET /login.cgi?cli=aa%20aa%27", 80 }, { "POST /apply.cgi", 8080 },
	{ "GET /board.cgi?cmd=", 80 }, { "POST /soap.cgi?service=WANIPConn1", 49152 },
	{ "GET /cgi-bin/nobody/Search.cgi", 81 }, { "POST /cgi-bin/ViewLog.asp", 8080 },
	{ "GET /device.rsp?opt=sys&cmd=", 81 }, { "GET /currentsetting.htm", 80 },
	{ "POST /goform/set_LimitClient_cfg", 80 }, { "GET /rom-0", 80 },
	{ "GET /system.ini?loginuse", 81 }, { "shell:cd /data/local/tmp", 5555 },
	{ "CNXN\x00\x00\x00\x01", 5555 } };

static const char *const c2_chatter[] = { "!* SCANNER ON", "!* SCANNER OFF", "!* HTTPFLOOD",
	"!* UDP ", "!* TCP ", "!* STD ", "!* KILLATTK", "!* LOLNOGTFO", "!* GETLOCALIP",
	"PING\r\nPONG", "BUILD MIPS", "BUILD ARM", "[SCANNER]", "[TELNET]", "Report: " };

static const char *const c2_rx[] = { "NICK\\s+\\[[A-Z]+\\|[a-z0-9]+\\]",
	"JOIN\\s+#[a-z0-9]{3,12}\\s", "PRIVMSG\\s+#\\S+\\s+:!(udp|tcp|http|std|kill)",
	"/bin/busybox\\s+[A-Z]{4,10}\\b",
	"(wget|curl)\\s+-?[a-zA-Z]*\\s*http://[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
	"(cd|cd\\s+/tmp)\\s*;\\s*(wget|tftp|curl)",
	"User-Agent:\\s*(Wget|curl|python-requests|Go-http-client|libwww-perl)/",
	"User-Agent:\\s*Hello,?\\s*World", "User-Agent:\\s*Mozila/",
	"chmod\\s+[0-7]{3}\\s+\\S+;\\s*\\./", "sh\\s+-c\\s+['\"].{0,80}(wget|tftp)",
	"\\|\\s*(sh|bash)\\s*$", "echo\\s+-ne?\\s+['\"](\\\\x[0-9a-f]{2}){8}",
	"[A-Za-z0-9+/]{60,}={0,2}\\r\\n", "Authorization:\\s*Basic\\s+[A-Za-z0-9+/]{4,}={0,2}",
	"(?i)password\\s*[:=]\\s*\\S{1,32}",
	"(?i)user(name)?\\s*[:=]\\s*(root|admin|support|guest)" };

static const char *const udp_rx[] = { "M-SEARCH \\* HTTP/1\\.1", "ST:\\s*ssdp:all",
	"^\\x17\\x00\\x03\\x2a", "^stats\\r\\n", "<wsd:Probe",
	"^\\x00\\x01\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\x00\\x01",
	"^\\x44\\x01", "^\\x30.{1,3}\\x02\\x01\\x01\\x04\\x06public" };
static const uint16_t udp_ports[] = { 1900, 1900, 123, 11211, 3702, 53, 5683, 161 };

static const char *const tls_rx[] = { "^\\x16\\x03[\\x01-\\x03].{2}\\x01.{3}\\x03[\\x01-\\x03]",
	"^\\x16\\x03[\\x01-\\x03].{2}\\x02.{3}\\x03[\\x01-\\x03]", "\\x11\\xec\\x04\\xc0",
	"\\x02\\x3d\\x06\\x20", "\\x00\\x1d\\x00\\x20", "SSH-2\\.0-[\\x21-\\x7e]{1,200}\\r?\\n",
	"mlkem768x25519-sha256", "sntrup761x25519-sha512", "curve25519-sha256",
	"ecdh-sha2-nistp(256|384|521)", "diffie-hellman-group(1|14|16|18)-sha(1|256|512)" };

static const char *const syll[] = { "ka", "mo", "ri", "net", "zu", "bo", "tek", "lin", "sha", "dor",
	"qi", "vex", "pro", "nix", "tor", "sen", "gal", "umi", "rex", "ha" };
static const char *const tlds[] = { "xyz", "top", "club", "online", "ru", "cn", "net", "info", "su",
	"tk" };
static const char *const subs[] = { "cnc", "update", "api", "dl", "bot", "ns1", "" };

struct builder {
	struct bench_set *b_set;
	size_t b_cap;
	size_t b_scap;
	int b_err;
};

/* A literal as a Hyperscan expression: bytes other than [A-Za-z0-9 ] as \xHH. */
static char *
escape(const char *s, size_t len)
{
	char *out = malloc(len * 4 + 1), *p = out;

	if (out == NULL)
		return (NULL);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == ' ')
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = '\0';
	return (out);
}

static void
add_owned(struct builder *b, uint32_t plugin, char *expr, uint32_t flags, uint8_t proto,
	uint8_t dir, uint16_t port, int literal)
{
	struct bench_set *s = b->b_set;
	struct hsvc_pattern *p;

	if (expr == NULL || b->b_err != 0) {
		free(expr);
		b->b_err = -ENOMEM;
		return;
	}
	if (s->bs_n == b->b_cap) {
		size_t cap = b->b_cap ? 2 * b->b_cap : 256;
		void *np = realloc(s->bs_pat, cap * sizeof(*s->bs_pat));
		void *ns = realloc(s->bs_strings, cap * sizeof(*s->bs_strings));

		if (np != NULL)
			s->bs_pat = np;
		if (ns != NULL)
			s->bs_strings = ns;
		if (np == NULL || ns == NULL) {
			free(expr);
			b->b_err = -ENOMEM;
			return;
		}
		b->b_cap = cap;
	}
	s->bs_strings[s->bs_nstrings++] = expr;
	p = &s->bs_pat[s->bs_n];
	memset(p, 0, sizeof(*p));
	p->hp_pat.pt_id = (uint32_t)s->bs_n;
	p->hp_pat.pt_expr = expr;
	p->hp_pat.pt_flags = flags;
	p->hp_pat.pt_proto = proto;
	p->hp_pat.pt_mode = MM_PATTERN_BLOCK;
	p->hp_pat.pt_dir = dir;
	p->hp_pat.pt_port = port;
	p->hp_plugin = plugin;
	p->hp_plugin_name = plugin_names[plugin];
	s->bs_n++;
	if (literal)
		s->bs_literals++;
}

static void
lit(struct builder *b, uint32_t plugin, const char *s, size_t len, uint32_t flags, uint8_t proto,
	uint8_t dir, uint16_t port)
{
	add_owned(b, plugin, escape(s, len), flags, proto, dir, port, 1);
}

static void
rx(struct builder *b, uint32_t plugin, const char *expr, uint32_t flags, uint8_t proto, uint8_t dir,
	uint16_t port)
{
	add_owned(b, plugin, strdup(expr), flags, proto, dir, port, 0);
}

/* A deterministic xorshift: the same names on every run. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s);
}

/* The next C2 name: [sub.]syll syll [syll].tld */
static void
c2_name(uint32_t *rs, char *out, size_t size)
{
	const char *sub = subs[next_rand(rs) % (sizeof(subs) / sizeof(subs[0]))];
	const char *tld = tlds[next_rand(rs) % (sizeof(tlds) / sizeof(tlds[0]))];
	unsigned n = 2 + next_rand(rs) % 2;
	char label[64] = "";

	for (unsigned k = 0; k < n; k++)
		strcat(label, syll[next_rand(rs) % (sizeof(syll) / sizeof(syll[0]))]);
	snprintf(out, size, "%s%s%s.%s", sub, sub[0] != '\0' ? "." : "", label, tld);
}

/* "a.bc.d" in DNS wire form: \x01a\x02bc\x01d */
static size_t
dns_wire(const char *name, char *out)
{
	size_t o = 0;

	while (*name != '\0') {
		size_t len = strcspn(name, ".");

		out[o++] = (char)len;
		memcpy(out + o, name, len);
		o += len;
		name += len;
		if (*name == '.')
			name++;
	}
	return (o);
}

int
bench_set_make(struct bench_set *set)
{
	static const uint16_t telnet_ports[] = { 23, 2323 };
	struct builder b = { .b_set = set };
	uint32_t rs = 0x6d616d6fU; /* "mamo" */
	char buf[512], wire[512];
	size_t i;

	memset(set, 0, sizeof(*set));
	/* Telnet logins: each distinct password, sent to the server, on 23 and 2323. */
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (strcmp(creds[j][1], creds[i][1]) == 0)
				break;
		if (j < i)
			continue;
		snprintf(buf, sizeof(buf), "%s\r", creds[i][1]);
		for (j = 0; j < 2; j++)
			lit(&b, P_IOTSENSE, buf, strlen(buf), SM, TCP, TS, telnet_ports[j]);
	}
	/* HTTP basic authentication with the same pairs, any port. */
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		char plain[128], b64[256];
		size_t n;

		n = (size_t)snprintf(plain, sizeof(plain), "%s:%s", creds[i][0], creds[i][1]);
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)plain, n,
			sodium_base64_VARIANT_ORIGINAL);
		snprintf(buf, sizeof(buf), "Authorization: Basic %s", b64);
		lit(&b, P_IOTSENSE, buf, strlen(buf), SM, TCP, TS, 0);
	}
	for (i = 0; i < sizeof(banners) / sizeof(banners[0]); i++)
		lit(&b, P_IOTSENSE, banners[i], strlen(banners[i]), SM, TCP, TC, 0);
	for (i = 0; i < sizeof(firmware_rx) / sizeof(firmware_rx[0]); i++)
		rx(&b, P_IOTSENSE, firmware_rx[i], RX, TCP, TC, 0);
	for (i = 0; i < sizeof(bot_names) / sizeof(bot_names[0]); i++) {
		snprintf(buf, sizeof(buf), "/bin/busybox %s", bot_names[i]);
		lit(&b, P_IOTSENSE, buf, strlen(buf), SM, TCP, TS, 0);
	}
	for (i = 0; i < sizeof(loader_cmds) / sizeof(loader_cmds[0]); i++)
		lit(&b, P_IOTSENSE, loader_cmds[i], strlen(loader_cmds[i]), SM, TCP, TS, 0);
	for (i = 0; i < sizeof(exploits) / sizeof(exploits[0]); i++) {
		const char *s = exploits[i].ex_str;
		/* ADB's CNXN carries NULs: its length is fixed. */
		size_t len = strncmp(s, "CNXN", 4) == 0 ? 8 : strlen(s);

		lit(&b, P_IOTSENSE, s, len, SM, TCP, TS, exploits[i].ex_port);
	}
	for (i = 0; i < sizeof(c2_chatter) / sizeof(c2_chatter[0]); i++)
		lit(&b, P_C2DETECT, c2_chatter[i], strlen(c2_chatter[i]), SM, TCP, ANY, 0);
	for (i = 0; i < sizeof(c2_rx) / sizeof(c2_rx[0]); i++)
		rx(&b, P_C2DETECT, c2_rx[i], RX, 0, ANY, 0);
	for (i = 0; i < sizeof(udp_rx) / sizeof(udp_rx[0]); i++)
		rx(&b, P_IOTSENSE, udp_rx[i], RX, UDP, TS, udp_ports[i]);
	/* C2 names: in DNS queries (UDP 53) and in TLS SNI (TCP 443, 8443). */
	for (i = 0; i < 150; i++) {
		size_t n;

		c2_name(&rs, buf, sizeof(buf));
		n = dns_wire(buf, wire);
		lit(&b, P_C2DETECT, wire, n, SM | HS_FLAG_CASELESS, UDP, TS, 53);
		if (i % 2 == 0)
			lit(&b, P_C2DETECT, buf, strlen(buf), SM | HS_FLAG_CASELESS, TCP, TS,
				i % 4 == 0 ? 443 : 8443);
	}
	for (i = 0; i < sizeof(tls_rx) / sizeof(tls_rx[0]); i++)
		rx(&b, P_PQCINV, tls_rx[i], RX, TCP, ANY, 0);
	if (b.b_err != 0)
		bench_set_free(set);
	return (b.b_err);
}

void
bench_set_free(struct bench_set *set)
{
	for (size_t i = 0; i < set->bs_nstrings; i++)
		free(set->bs_strings[i]);
	free(set->bs_strings);
	free(set->bs_pat);
	memset(set, 0, sizeof(*set));
}
