/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cleartext login exchanges.  See login.h.
 *
 * Telnet: a login prompt from the server, the client's line (the user), a
 * password prompt, the client's line (the password), then the verdict: a
 * failure message or a new login prompt fails, a shell prompt or banner
 * succeeds.  FTP: USER, PASS, then 230 or 530.  HTTP and RTSP: an
 * Authorization: Basic header, then the status (2xx/3xx success, 401/403
 * failure).  A success with a pair from the default-credential list marks the
 * server weak; every failure counts towards a brute-force storm.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <hs/hs_common.h>
#include <hs/hs_compile.h>

#include "login.h"
#include "scan.h"

enum {
	PT_TN_LOGIN = 1, /* + 0 for port 23, + 1 for 2323 in each pair */
	PT_TN_PASS = 3,
	PT_TN_FAIL = 5,
	PT_TN_SHELL = 7,
	PT_TN_LINE = 9,
	PT_TN_REPLY = 11,
	PT_FTP_CMD = 13,
	PT_FTP_REPLY = 14,
	PT_HTTP_BASIC = 15,
	PT_HTTP_STATUS = 16,
	PT_RTSP_STATUS = 17,
	PT_SSH = 18,
	PT_MIRAI_HELLO = 19,
	PT_MIRAI_ID = 20,
};

struct login_pt {
	uint32_t lp_id;
	const char *lp_expr;
	uint32_t lp_flags;
	uint8_t lp_dir;
	uint16_t lp_port; /* 0: any; 23: also declared for 2323 with id + 1 */
};

static const struct login_pt login_pts[] = {
	{ PT_TN_LOGIN, "(?:login|user ?name)[ \\t]*:[ \\t]*$",
		HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT, 23 },
	{ PT_TN_PASS, "password[ \\t]*:[ \\t]*$", HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH,
		MM_DIR_TO_CLIENT, 23 },
	{ PT_TN_FAIL,
		"login incorrect|login failed|authentication fail|access denied|"
		"incorrect password|bad password|invalid (?:login|password|user)",
		HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT, 23 },
	{ PT_TN_SHELL, "busybox|built-in shell|last login", HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH,
		MM_DIR_TO_CLIENT, 23 },
	/*
	 * Anchored patterns need no start of match (it is 0), and keep Hyperscan
	 * from scanning whole payloads for them: a shell prompt at the end of any
	 * server segment is checked in code rather than with "[#$>%]\s*$".
	 */
	{ PT_TN_LINE, "^[\\x20-\\x7e]{0,31}(?:[\\r\\n]|\\z)", HS_FLAG_SINGLEMATCH, MM_DIR_TO_SERVER,
		23 },
	{ PT_TN_REPLY, "^.", HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT, 23 },
	{ PT_FTP_CMD, "^(?:USER|PASS) [^\\r\\n]{0,31}\\r?\\n", HS_FLAG_SINGLEMATCH,
		MM_DIR_TO_SERVER, 21 },
	{ PT_FTP_REPLY, "^[1-5][0-9][0-9][ -]", HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT, 21 },
	{ PT_HTTP_BASIC, "\\nauthorization:[ \\t]*basic[ \\t]+",
		HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, MM_DIR_TO_SERVER, 0 },
	{ PT_HTTP_STATUS, "^HTTP/1\\.[01] [1-5][0-9][0-9]", HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT,
		0 },
	{ PT_RTSP_STATUS, "^RTSP/1\\.0 [1-5][0-9][0-9]", HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT, 0 },
	{ PT_SSH, "^SSH-[12]\\.[0-9]+-", HS_FLAG_SINGLEMATCH, MM_DIR_TO_CLIENT, 0 },
	/* Mirai's bot to its C&C: 00 00 00 01, then the id's length and the id. */
	{ PT_MIRAI_HELLO, "^\\x00\\x00\\x00\\x01$", HS_FLAG_SINGLEMATCH, MM_DIR_TO_SERVER, 0 },
	{ PT_MIRAI_ID, "^[\\x01-\\x3f][\\x21-\\x7e]{1,63}$", HS_FLAG_SINGLEMATCH, MM_DIR_TO_SERVER,
		0 },
};

int
iot_login_patterns(struct iot_global *g)
{
	struct mm_pattern pt[2 * sizeof(login_pts) / sizeof(login_pts[0])];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(login_pts) / sizeof(login_pts[0]); i++) {
		const struct login_pt *lp = &login_pts[i];

		pt[n] = (struct mm_pattern){
			.pt_id = lp->lp_id,
			.pt_expr = lp->lp_expr,
			.pt_flags = lp->lp_flags,
			.pt_proto = 6,
			.pt_mode = MM_PATTERN_BLOCK,
			.pt_dir = lp->lp_dir,
			.pt_port = lp->lp_port,
		};
		n++;
		if (lp->lp_port == 23) {
			pt[n] = pt[n - 1];
			pt[n].pt_id = lp->lp_id + 1;
			pt[n].pt_port = 2323;
			n++;
		}
	}
	return (g->g_host->h_patterns_add(g->g_ctx, pt, n));
}

void
iot_login_service_name(unsigned svc, char *buf, size_t len)
{
	static const char *const names[IOT_SVC_N] = { "", "telnet", "ftp", "http", "rtsp", "ssh" };

	snprintf(buf, len, "%s", svc < IOT_SVC_N ? names[svc] : "");
}

/* The verdict of a login: a success with a default pair marks the server weak. */
static void
verdict(struct iot_global *g, struct iot_lcore *l, const struct mm_pkt *pkt, struct iot_flow *f,
	bool ok)
{
	const struct mm_flow_rec *r = pkt->pk_flow;
	struct iot_data *d = atomic_load_explicit(&g->g_data, memory_order_acquire);
	struct iot_evd evd;
	struct iot_host *h;

	f->f_state = IOT_LS_NONE;
	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_logins, 1);
	if (!ok) {
		if (f->f_fails < UINT8_MAX)
			f->f_fails++;
		return;
	}
	if (f->f_oks < UINT8_MAX)
		f->f_oks++;
	if (d == NULL || iot_creds_find(d->d_creds, f->f_user, f->f_pass) < 0)
		return;
	g->g_host->h_counter_add(g->g_ctx, l->l_lcore, g->g_k.k_default_ok, 1);
	h = iot_host_get(l, &r->fr_dst, pkt->pk_ts_ns);
	memset(&evd, 0, sizeof(evd));
	evd.ie_category = IOT_CAT_WEAK_CREDENTIALS;
	evd.ie_reason = IOT_WHY_DEFAULT_LOGIN;
	evd.ie_confirmed = 1;
	evd.ie_proto = 6;
	memcpy(evd.ie_user, f->f_user, sizeof(evd.ie_user));
	memcpy(evd.ie_pass, f->f_pass, sizeof(evd.ie_pass));
	iot_login_service_name(f->f_service, evd.ie_service, sizeof(evd.ie_service));
	iot_report(g, l, h, &evd, &r->fr_src, r->fr_dport, pkt->pk_ts_ns);
}

/* A bot announced itself to a Mirai C&C server: the initiator is infected. */
static void
mirai_cnc(struct iot_global *g, struct iot_lcore *l, const struct mm_pkt *pkt, struct iot_flow *f)
{
	const struct mm_flow_rec *r = pkt->pk_flow;
	size_t n = pkt->pk_payload[0];
	struct iot_evd evd;

	f->f_cnc = 2;
	memset(&evd, 0, sizeof(evd));
	evd.ie_category = IOT_CAT_INFECTED;
	evd.ie_reason = IOT_WHY_MIRAI_CNC;
	evd.ie_confirmed = 1;
	evd.ie_proto = 6;
	if (n >= sizeof(evd.ie_product))
		n = sizeof(evd.ie_product) - 1;
	memcpy(evd.ie_product, pkt->pk_payload + 1, n);
	iot_report(g, l, iot_host_get(l, &r->fr_src, pkt->pk_ts_ns), &evd, &r->fr_dst, r->fr_dport,
		pkt->pk_ts_ns);
}

/* A piece of the client's line; a whole line answers the pending prompt. */
static void
client_line(struct iot_flow *f, const uint8_t *s, size_t n)
{
	char part[IOT_STR];
	int done, k;

	if (f->f_state != IOT_LS_WANT_USER && f->f_state != IOT_LS_WANT_PASS)
		return;
	if ((k = iot_login_line(s, n, part, sizeof(part), &done)) < 0 ||
		f->f_line_len + (size_t)k >= sizeof(f->f_line)) {
		f->f_line_len = 0;
		return;
	}
	memcpy(f->f_line + f->f_line_len, part, (size_t)k);
	f->f_line_len = (uint8_t)(f->f_line_len + k);
	f->f_line[f->f_line_len] = '\0';
	if (!done)
		return;
	if (f->f_state == IOT_LS_WANT_USER) {
		memcpy(f->f_user, f->f_line, (size_t)f->f_line_len + 1);
		f->f_user_len = f->f_line_len;
		f->f_state = IOT_LS_HAVE_USER;
	} else {
		memcpy(f->f_pass, f->f_line, (size_t)f->f_line_len + 1);
		f->f_pass_len = f->f_line_len;
		f->f_state = IOT_LS_RESULT;
	}
	f->f_line_len = 0;
}

/* A segment that ends with a shell prompt: '#', '$', '>' or '%', then blanks. */
static bool
shell_prompt(const uint8_t *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return (n > 0 &&
		(s[n - 1] == '#' || s[n - 1] == '$' || s[n - 1] == '>' || s[n - 1] == '%'));
}

static void
telnet(struct iot_global *g, struct iot_lcore *l, unsigned pt, const struct mm_pkt *pkt,
	struct iot_flow *f, const uint8_t *s, size_t n)
{
	f->f_service = IOT_SVC_TELNET;
	switch (pt) {
	case PT_TN_LOGIN:
		if (f->f_state == IOT_LS_RESULT)
			verdict(g, l, pkt, f, false);
		f->f_state = IOT_LS_WANT_USER;
		f->f_line_len = 0;
		break;
	case PT_TN_PASS:
		if (f->f_state != IOT_LS_HAVE_USER)
			f->f_user[0] = '\0';
		f->f_state = IOT_LS_WANT_PASS;
		f->f_line_len = 0;
		break;
	case PT_TN_FAIL:
		if (f->f_state == IOT_LS_RESULT)
			verdict(g, l, pkt, f, false);
		break;
	case PT_TN_SHELL:
		if (f->f_state == IOT_LS_RESULT)
			verdict(g, l, pkt, f, true);
		break;
	case PT_TN_LINE:
		client_line(f, s, n);
		break;
	case PT_TN_REPLY:
		if (f->f_state == IOT_LS_RESULT &&
			shell_prompt(pkt->pk_payload, pkt->pk_payload_len))
			verdict(g, l, pkt, f, true);
		break;
	default:
		break;
	}
}

void
iot_login_match(struct iot_global *g, struct iot_lcore *l, uint32_t id, const struct mm_pkt *pkt,
	uint64_t from, uint64_t to)
{
	struct iot_flow *f = pkt->pk_flow_state;
	const uint8_t *s;
	size_t n;
	char cmd, arg[IOT_STR];
	int code;

	(void)from; /* anchored patterns start at 0; the others are read from their end */
	if (f == NULL || pkt->pk_flow == NULL || to > pkt->pk_payload_len)
		return;
	s = pkt->pk_payload;
	n = (size_t)to;
	if (id < PT_FTP_CMD) {
		telnet(g, l, (id - 1) / 2 * 2 + 1, pkt, f, s, n);
		return;
	}
	switch (id) {
	case PT_FTP_CMD:
		f->f_service = IOT_SVC_FTP;
		if (iot_login_ftp(s, n, &cmd, arg, sizeof(arg)) < 0)
			break;
		if (cmd == 'U') {
			memcpy(f->f_user, arg, sizeof(arg));
			f->f_state = IOT_LS_HAVE_USER;
		} else {
			if (f->f_state != IOT_LS_HAVE_USER)
				f->f_user[0] = '\0';
			memcpy(f->f_pass, arg, sizeof(arg));
			f->f_state = IOT_LS_RESULT;
		}
		break;
	case PT_FTP_REPLY:
		f->f_service = IOT_SVC_FTP;
		code = iot_login_status(pkt->pk_payload, pkt->pk_payload_len);
		if (f->f_state == IOT_LS_RESULT && (code == 230 || code == 530))
			verdict(g, l, pkt, f, code == 230);
		break;
	case PT_HTTP_BASIC:
		if (iot_login_basic(s + to, pkt->pk_payload_len - to, f->f_user, sizeof(f->f_user),
			    f->f_pass, sizeof(f->f_pass)) == 0)
			f->f_state = IOT_LS_RESULT;
		break;
	case PT_HTTP_STATUS:
	case PT_RTSP_STATUS:
		code = iot_login_status(pkt->pk_payload, pkt->pk_payload_len);
		if (code == 401 || f->f_state == IOT_LS_RESULT)
			f->f_service = id == PT_HTTP_STATUS ? IOT_SVC_HTTP : IOT_SVC_RTSP;
		if (f->f_state == IOT_LS_RESULT && code >= 200 && code != 100)
			verdict(g, l, pkt, f, code < 400);
		break;
	case PT_SSH:
		f->f_service = IOT_SVC_SSH;
		break;
	case PT_MIRAI_HELLO:
		if (pkt->pk_payload_len == 4)
			f->f_cnc = 1;
		break;
	case PT_MIRAI_ID:
		if (f->f_cnc == 1 && pkt->pk_payload_len == 1 + (size_t)pkt->pk_payload[0])
			mirai_cnc(g, l, pkt, f);
		break;
	default:
		break;
	}
}
