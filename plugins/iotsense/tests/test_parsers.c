/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iotsense's parsers on their own: versions and ranges, the signature file,
 * the credential list, subscriber files and times, the login parsers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../creds.h"
#include "../firmware.h"
#include "../login.h"
#include "../subscriber.h"

static int failed, passed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		}                                                                                  \
	} while (0)

static void
test_versions(void)
{
	char v[32];

	CHECK(iot_fw_vcmp("1.0", "1.0") == 0);
	CHECK(iot_fw_vcmp("1.10", "1.9") > 0);
	CHECK(iot_fw_vcmp("1.0", "1.0rc1") > 0);
	CHECK(iot_fw_vcmp("1.0rc1", "1.0") < 0);
	CHECK(iot_fw_vcmp("1.0.", "1.0") == 0);
	CHECK(iot_fw_vcmp("1.0", "1.0.1") < 0);
	CHECK(iot_fw_vcmp("0.94.14rc21", "0.94.14rc3") > 0);
	CHECK(iot_fw_vcmp("2016.74", "2012.55") > 0);
	CHECK(iot_fw_vcmp("3.6.5", "3.6") > 0);
	CHECK(iot_fw_in_range("=2.3.4", "2.3.4") == 1);
	CHECK(iot_fw_in_range("=2.3.4", "2.3.5") == 0);
	CHECK(iot_fw_in_range(">=1.0 <2.3", "2.2.9") == 1);
	CHECK(iot_fw_in_range(">=1.0 <2.3", "2.3") == 0);
	CHECK(iot_fw_in_range("<1.30", "1.30") == 0);
	CHECK(iot_fw_in_range("<=1.0.0", "1.0.0") == 1);
	CHECK(iot_fw_in_range("<3.6.5", "") == 0); /* unknown version: a bound says nothing */
	CHECK(iot_fw_in_range("*", "") == 1);
	CHECK(iot_fw_in_range("*", "9.9") == 1);
	CHECK(iot_fw_in_range("~1", "1") == -1);
	CHECK(iot_fw_in_range("", "1") == -1);
	CHECK(iot_fw_in_range("<", "1") == -1);
	CHECK(iot_fw_version((const uint8_t *)"2.3.4)\r\n", 9, v, sizeof(v)) == 5 &&
		strcmp(v, "2.3.4") == 0);
	CHECK(iot_fw_version((const uint8_t *)"V1.0 x", 6, v, sizeof(v)) == 3 &&
		strcmp(v, "1.0") == 0);
	CHECK(iot_fw_version((const uint8_t *)"1.2.", 4, v, sizeof(v)) == 3 &&
		strcmp(v, "1.2") == 0);
	CHECK(iot_fw_version((const uint8_t *)"\r\nDate", 6, v, sizeof(v)) == 0 && v[0] == '\0');
}

static void
test_signatures(void)
{
	static const char good[] = "{\"format\": \"mamori-iotsense-firmware/1\", \"signatures\": ["
				   "{\"product\": \"a\", \"banner\": \"x/\", \"vulns\": "
				   "[{\"cve\": \"CVE-1\", \"cvss\": 9.8, \"versions\": \"<2\"}]},"
				   "{\"product\": \"b\", \"banner\": \"(\", \"vulns\": []},"
				   "{\"product\": \"c\", \"banner\": \"y\", \"vulns\": "
				   "[{\"cve\": \"CVE-2\", \"cvss\": 11, \"versions\": \"*\"}]},"
				   "{\"banner\": \"z\", \"vulns\": []}]}";
	struct iot_fw *fw = NULL;
	char err[256];
	size_t bad;

	CHECK(iot_fw_parse(good, strlen(good), &fw, &bad, err, sizeof(err)) == 0);
	CHECK(fw != NULL && fw->f_n == 1 && bad == 3);
	CHECK(fw != NULL && fw->f_sigs[0].s_vulns[0].v_cvss10 == 98);
	CHECK(strstr(err, "signatures[1]") != NULL && strstr(err, "Hyperscan") != NULL);
	iot_fw_free(fw);
	CHECK(iot_fw_parse("{\"format\": 1}", 13, &fw, &bad, err, sizeof(err)) < 0 &&
		strstr(err, "not a signature file") != NULL);
	CHECK(iot_fw_parse("{", 1, &fw, &bad, err, sizeof(err)) < 0 &&
		strstr(err, "line 1") != NULL);
}

static void
test_creds(void)
{
	static const char text[] = "# c\nroot\txc3511\r\nadmin\t\nroot\txc3511\n\tnouser\n"
				   "nosep\nlongpassword\t0123456789012345678901234567890123\n";
	struct iot_creds *c = NULL;
	char err[256];
	size_t bad;

	CHECK(iot_creds_parse(text, strlen(text), &c, &bad, err, sizeof(err)) == 0);
	CHECK(iot_creds_count(c) == 2 && bad == 3);
	CHECK(strstr(err, "line 5") != NULL);
	CHECK(iot_creds_find(c, "root", "xc3511") >= 0);
	CHECK(iot_creds_find(c, "admin", "") >= 0);
	CHECK(iot_creds_find(c, "admin", "admin") < 0);
	CHECK(iot_creds_find(c, "root", "xc351") < 0);
	iot_creds_free(c);
}

static void
test_subscribers(void)
{
	static const char pre[] = "prefix,isp\n10.0.0.0/8,a\n10.1.0.0/16,b\n2001:db8::/32,c\n"
				  "10.0.0.0/33,x\n1.2.3.4,\n";
	static const char asg[] = "address,customer,start,stop\n"
				  "10.1.2.3,c1,2026-04-01T00:00:00Z,2026-04-01T12:00:00Z\n"
				  "10.1.2.3,c2,2026-04-01T12:00:00Z,\n"
				  "10.1.2.4,c3,100,50\n10.1.2.5,c4,2026-02-30T00:00:00,\n";
	struct iot_subs *s = iot_subs_new();
	struct mm_prefix p;
	char err[256];
	size_t bad;
	int64_t t;

	CHECK(iot_prefix_parse("10.1.2.3/16", &p) == 0 && p.p_len == 112 &&
		p.p_addr.a_bytes[14] == 0 && p.p_addr.a_bytes[13] == 1);
	CHECK(iot_prefix_parse("2001:db8::1/129", &p) < 0);
	CHECK(iot_prefix_parse("/8", &p) < 0);
	CHECK(iot_parse_time("2026-04-01T00:00:00Z", &t) == 0 && t == 1775001600);
	CHECK(iot_parse_time("2026-04-01T00:00:00.5+00:00", &t) == 0 && t == 1775001600);
	CHECK(iot_parse_time("1775001600", &t) == 0 && t == 1775001600);
	CHECK(iot_parse_time("2026-04-01 00:00:00", &t) < 0);
	CHECK(iot_subs_parse_prefixes(s, pre, strlen(pre), &bad, err, sizeof(err)) == 0);
	CHECK(s->s_nprefixes == 3 && s->s_nisps == 3 && bad == 2);
	CHECK(iot_subs_parse_assignments(s, asg, strlen(asg), &bad, err, sizeof(err)) == 0);
	CHECK(s->s_nassigns == 2 && bad == 2 && strstr(err, "line 4") != NULL);
	CHECK(iot_prefix_parse("10.1.2.3", &p) == 0);
	CHECK(iot_subs_customer(s, &p.p_addr, 1775001600 + 3600) != NULL &&
		strcmp(iot_subs_customer(s, &p.p_addr, 1775001600 + 3600), "c1") == 0);
	CHECK(iot_subs_customer(s, &p.p_addr, 1775001600 + 43200) != NULL &&
		strcmp(iot_subs_customer(s, &p.p_addr, 1775001600 + 43200), "c2") == 0);
	CHECK(iot_subs_customer(s, &p.p_addr, 1775001600 - 1) == NULL);
	iot_subs_free_tables(s);
}

static void
test_login(void)
{
	char a[32], b[32], cmd;
	int done;

	CHECK(iot_login_line((const uint8_t *)"root\r\n", 5, a, sizeof(a), &done) == 4 && done &&
		strcmp(a, "root") == 0);
	CHECK(iot_login_line((const uint8_t *)"r", 1, a, sizeof(a), &done) == 1 && !done);
	CHECK(iot_login_line((const uint8_t *)"\xff\xfb", 2, a, sizeof(a), &done) < 0);
	CHECK(iot_login_ftp((const uint8_t *)"PASS admin\r\n", 12, &cmd, a, sizeof(a)) == 5 &&
		cmd == 'P' && strcmp(a, "admin") == 0);
	CHECK(iot_login_ftp((const uint8_t *)"LIST\r\n", 6, &cmd, a, sizeof(a)) < 0);
	CHECK(iot_login_basic((const uint8_t *)"YWRtaW46YWRtaW4=\r\n", 18, a, sizeof(a), b,
		      sizeof(b)) == 0 &&
		strcmp(a, "admin") == 0 && strcmp(b, "admin") == 0);
	CHECK(iot_login_basic((const uint8_t *)"cm9vdDo\r\n", 9, a, sizeof(a), b, sizeof(b)) == 0 &&
		strcmp(a, "root") == 0 && b[0] == '\0');
	CHECK(iot_login_basic((const uint8_t *)"bm9jb2xvbg==", 12, a, sizeof(a), b, sizeof(b)) < 0);
	CHECK(iot_login_status((const uint8_t *)"HTTP/1.1 401 Unauthorized", 25) == 401);
	CHECK(iot_login_status((const uint8_t *)"RTSP/1.0 200 OK", 15) == 200);
	CHECK(iot_login_status((const uint8_t *)"230 Login", 9) == 230);
	CHECK(iot_login_status((const uint8_t *)"HTTP/1.1 4", 10) < 0);
}

int
main(void)
{
	test_versions();
	test_signatures();
	test_creds();
	test_subscribers();
	test_login();
	printf("%d passed, %d failed\n", passed, failed);
	return (failed == 0 ? 0 : 1);
}
