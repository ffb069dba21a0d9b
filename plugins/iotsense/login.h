/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cleartext login exchanges: telnet, FTP, HTTP/RTSP basic authentication, and
 * the services whose logins are opaque (SSH).  Hyperscan finds the prompts,
 * commands, replies and client lines in each packet (block scope, so every
 * piece must sit within one segment: bots and scanners send whole lines, and
 * typed characters are gathered line by line in the flow state); this module
 * drives a small per-flow state machine from those matches, in packet order.
 */
#ifndef IOTSENSE_LOGIN_H
#define IOTSENSE_LOGIN_H

#include <stddef.h>
#include <stdint.h>

#include <mamori/plugin.h>

enum iot_service {
	IOT_SVC_NONE = 0,
	IOT_SVC_TELNET,
	IOT_SVC_FTP,
	IOT_SVC_HTTP,
	IOT_SVC_RTSP,
	IOT_SVC_SSH,
	IOT_SVC_N,
};

enum iot_login_state {
	IOT_LS_NONE = 0,
	IOT_LS_WANT_USER, /* a login prompt was seen */
	IOT_LS_HAVE_USER, /* the client answered it */
	IOT_LS_WANT_PASS, /* a password prompt was seen */
	IOT_LS_RESULT,    /* credentials sent, waiting for the verdict */
};

/* Pattern ids of the login module (firmware signatures start at IOT_PT_FIRMWARE). */
#define IOT_PT_LOGIN_FIRST 1
#define IOT_PT_LOGIN_LAST  99

struct iot_global;
struct iot_lcore;
struct iot_flow;

/* Declares the login patterns to the host. */
int iot_login_patterns(struct iot_global *g);
/* A login pattern matched in pkt at [from, to). */
void iot_login_match(struct iot_global *g, struct iot_lcore *l, uint32_t id,
	const struct mm_pkt *pkt, uint64_t from, uint64_t to);
/* "telnet", "ftp", ... into buf ("" for none). */
void iot_login_service_name(unsigned svc, char *buf, size_t len);

/*
 * Parsers the matches feed, kept apart so they can be fuzzed: each takes the
 * matched bytes and returns the length written (NUL-terminated in out), or -1.
 */
/* A client line: printable bytes up to CR/LF; *done says a line ended. */
int iot_login_line(const uint8_t *s, size_t n, char *out, size_t outlen, int *done);
/* "USER name" / "PASS word" (FTP): 'U' or 'P' in *cmd, the argument in out. */
int iot_login_ftp(const uint8_t *s, size_t n, char *cmd, char *out, size_t outlen);
/* The token of "Authorization: Basic <token>" (s at the token): user and password. */
int iot_login_basic(const uint8_t *s, size_t n, char *user, size_t ulen, char *pass, size_t plen);
/* The status code of "HTTP/1.x NNN" or "RTSP/1.0 NNN" or an FTP "NNN " reply; -1 if none. */
int iot_login_status(const uint8_t *s, size_t n);

#endif /* IOTSENSE_LOGIN_H */
