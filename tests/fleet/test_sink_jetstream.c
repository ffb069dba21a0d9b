/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter's JetStream sink against a real nats-server started here
 * (JetStream on, loopback, a free port, its store in a temporary directory):
 * subjects by site and type, message ids, acknowledgements, the spool while
 * the server is down, the stream's de-duplication of a resend, and the
 * configuration errors.  Skips (77) without nats-server.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nats/nats.h>

#include <mamori/exporter.h>

#include "mm_test.h"

#define STREAM "MAMORI"
#define NATS   "/usr/sbin/nats-server"

static char tmpdir[] = "/tmp/mm-fleet-sink-XXXXXX";
static char url[160];      /* the exporter's, with its site */
static char base_url[128]; /* the server alone */
static int port;
static pid_t server = -1;
static char err_buf[512];

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	p = ntohs(a.sin_port);
	close(fd);
	return (p);
}

static void
server_start(void)
{
	char p[16], sd[300];

	snprintf(p, sizeof(p), "%d", port);
	snprintf(sd, sizeof(sd), "%s/js", tmpdir);
	if ((server = fork()) == 0) {
		execl(NATS, NATS, "-js", "-sd", sd, "-a", "127.0.0.1", "-p", p, "-l", "/dev/null",
			(char *)NULL);
		_exit(127);
	}
}

static void
server_kill(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	server = -1;
}

/* A connection and a JetStream context for checking, once the server answers. */
static bool
checker(natsConnection **nc, jsCtx **js)
{
	uint64_t end = now_ms() + 10000;

	while (natsConnection_ConnectTo(nc, base_url) != NATS_OK) {
		if (now_ms() > end)
			return (false);
		nats_Sleep(50);
	}
	return (natsConnection_JetStream(js, *nc, NULL) == NATS_OK);
}

static bool
stream_create(void)
{
	natsConnection *nc = NULL;
	jsStreamConfig sc;
	const char *subj[] = { "mamori.>" };
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsCtx *js = NULL;
	natsStatus s = NATS_ERR;
	uint64_t end = now_ms() + 10000;

	if (!checker(&nc, &js))
		goto out;
	jsStreamConfig_Init(&sc);
	sc.Name = STREAM;
	sc.Subjects = subj;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	/* JetStream may still be starting: retry until it answers. */
	while ((s = js_AddStream(&si, js, &sc, NULL, &jerr)) != NATS_OK && now_ms() < end)
		nats_Sleep(100);
	jsStreamInfo_Destroy(si);
out:
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return (s == NATS_OK);
}

/* A nested "event_type" comes first: the subject must take the top-level one. */
static json_t *
event(const char *type, int i)
{
	return (json_pack("{s:s, s:{s:s}, s:s, s:i}", "timestamp",
		"2024-02-13T14:34:38.788187+0000", "app", "event_type", "nested", "event_type",
		type, "n", i));
}

/* Two types, two subjects; a type that cannot be a subject token goes as "invalid". */
static const char *
type_of(int i)
{
	return (i % 7 == 0 ? "dns.query" : i % 3 == 0 ? "alert" : "flow");
}

static void
conf_init(struct mm_exporter_conf *c, const char *spool)
{
	static char path[300];

	memset(c, 0, sizeof(*c));
	c->ec_url = url;
	c->ec_producer = 0x1234abcd;
	c->ec_first_seq = 1;
	c->ec_batch_events = 64;
	c->ec_batch_delay_ms = 10;
	c->ec_send_timeout_ms = 500;
	c->ec_ack_timeout_ms = 1000;
	c->ec_retry_min_ms = 20;
	c->ec_retry_max_ms = 200;
	c->ec_reconnect_min_ms = 50;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, spool);
	c->ec_spool_path = path;
}

static bool
pump_until(struct mm_exporter *ex, uint64_t acked, uint32_t timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct mm_exporter_stats st;

	do {
		mm_exporter_poll(ex, now_ms());
		mm_exporter_stats(ex, &st);
		if (st.es_acked >= acked)
			return (true);
		nats_Sleep(1);
	} while (now_ms() < end);
	fprintf(stderr, "  acked %" PRIu64 " of %" PRIu64 ", last error: %s\n", st.es_acked, acked,
		st.es_last_error);
	return (false);
}

/* Reads the whole stream: counts, and checks subjects and ids against the events. */
static int
stream_read(int *count, int *bad)
{
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	jsCtx *js = NULL;
	char *seen;

	*count = 0;
	*bad = 0;
	if (!checker(&nc, &js))
		return (-1);
	seen = calloc(100000, 1);
	jsSubOptions_Init(&so);
	so.Stream = STREAM;
	so.Config.AckPolicy = js_AckNone;
	if (js_PullSubscribe(&sub, js, "mamori.>", NULL, NULL, &so, &jerr) != NATS_OK) {
		free(seen);
		return (-1);
	}
	for (;;) {
		natsMsgList list = { 0 };

		if (natsSubscription_Fetch(&list, sub, 256, 500, &jerr) != NATS_OK)
			break;
		for (int i = 0; i < list.Count; i++) {
			natsMsg *m = list.Msgs[i];
			const char *id = NULL;
			unsigned long long p = 0, seq = 0;
			char want[64];
			json_t *ev = json_loadb(
				natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), 0, NULL);
			int n = (int)json_integer_value(json_object_get(ev, "n"));

			natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
			const char *type = json_string_value(json_object_get(ev, "event_type"));

			snprintf(want, sizeof(want), "mamori.pop-a.%s",
				type != NULL && strchr(type, '.') == NULL ? type : "invalid");
			if (id == NULL || sscanf(id, "%llx-%llu", &p, &seq) != 2 ||
				p != 0x1234abcd || seq == 0 || seq >= 100000 || seen[seq] ||
				strcmp(natsMsg_GetSubject(m), want) != 0 || (uint64_t)n + 1 != seq)
				(*bad)++;
			else
				seen[seq] = 1;
			(*count)++;
			json_decref(ev);
		}
		natsMsgList_Destroy(&list);
	}
	free(seen);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return (0);
}

MM_TEST(publish_outage_dedup)
{
	struct mm_exporter_conf c;
	struct mm_exporter_stats st;
	struct mm_exporter *ex;
	char err[256];
	int count, bad;

	MM_ASSERT(stream_create());
	conf_init(&c, "a.spool");
	ex = mm_exporter_new(&c, err, sizeof(err));
	if (ex == NULL)
		MM_FAIL_("mm_exporter_new: %s", err);
	/* Seq n + 1 for event n. */
	for (int i = 0; i < 1000; i++)
		MM_ASSERT_EQ(mm_exporter_submit(ex, event(type_of(i), i)), 0);
	MM_ASSERT(pump_until(ex, 1000, 15000));

	/* The server goes away: the next events wait in the spool. */
	server_kill();
	for (int i = 1000; i < 2000; i++)
		mm_exporter_submit(ex, event("flow", i));
	for (uint64_t end = now_ms() + 1500; now_ms() < end;)
		mm_exporter_poll(ex, now_ms()), nats_Sleep(2);
	mm_exporter_stats(ex, &st);
	MM_ASSERT_EQ(st.es_acked, 1000);
	MM_ASSERT(st.es_spooled >= 1000);
	MM_ASSERT(!st.es_connected);

	/* Back: the spool drains, in order, and nothing is lost. */
	server_start();
	MM_ASSERT(pump_until(ex, 2000, 20000));
	mm_exporter_stats(ex, &st);
	MM_ASSERT_EQ(st.es_dropped, 0);
	MM_ASSERT(st.es_drained >= 1000);
	MM_ASSERT_EQ(mm_exporter_flush(ex, 2000), 0);
	mm_exporter_free(ex);

	/* The same producer and numbers again (a resend): the stream keeps one of each. */
	conf_init(&c, "b.spool");
	c.ec_first_seq = 501;
	MM_ASSERT((ex = mm_exporter_new(&c, err, sizeof(err))) != NULL);
	for (int i = 500; i < 700; i++)
		mm_exporter_submit(ex, event(type_of(i), i));
	MM_ASSERT(pump_until(ex, 200, 15000));
	mm_exporter_free(ex);

	MM_ASSERT_EQ(stream_read(&count, &bad), 0);
	MM_ASSERT_EQ(bad, 0);
	MM_ASSERT_EQ(count, 2000);
}

MM_TEST(config_errors)
{
	struct mm_exporter_conf c;
	char err[256], u[200];

	conf_init(&c, "e.spool");
	snprintf(u, sizeof(u), "%s?site=bad.site", base_url);
	c.ec_url = u;
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "site 'bad.site'") != NULL);
	snprintf(u, sizeof(u), "%s?colour=blue", base_url);
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "unknown parameter 'colour=blue'") != NULL);
	snprintf(u, sizeof(u), "%s,http://x", base_url);
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "is not nats://HOST:PORT") != NULL);
	snprintf(u, sizeof(u), "%s?creds=/nonexistent/site.creds", base_url);
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "/nonexistent/site.creds") != NULL);
	/* Passwords in URLs stay out of messages. */
	snprintf(u, sizeof(u), "nats://site:hunter2@127.0.0.1:1,ftp://x?site=a");
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "hunter2") == NULL && strstr(err, "site:***@") != NULL);
	c.ec_url = "tls://127.0.0.1:1";
	MM_ASSERT(mm_exporter_new(&c, err, sizeof(err)) == NULL);
	MM_ASSERT(strstr(err, "CA file") != NULL);
}

/*
 * TLS and credentials: a second server requires TLS (its certificate from a
 * CA made here with openssl) and a user and password; the exporter publishes
 * through tls:// with the CA, and is refused without the password.
 */
MM_TEST(tls_and_auth)
{
	char cmd[2048], conf[300], ca[300], tlsurl[200], bad[200], sd[300], p[16];
	struct mm_exporter_conf c;
	struct mm_exporter_stats st;
	struct mm_exporter *ex;
	int tport = free_port();
	pid_t pid;
	FILE *f;

	snprintf(ca, sizeof(ca), "%s/ca.pem", tmpdir);
	snprintf(cmd, sizeof(cmd),
		"cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca "
		"-keyout ca.key -out ca.pem 2>/dev/null && "
		"openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout srv.key "
		"-out srv.csr 2>/dev/null && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' "
		"> ext && openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		"-days 1 -extfile ext -out srv.pem 2>/dev/null",
		tmpdir);
	if (system(cmd) != 0) {
		fprintf(stderr, "  openssl cannot make test certificates: TLS not tested\n");
		return;
	}
	snprintf(conf, sizeof(conf), "%s/tls.conf", tmpdir);
	snprintf(sd, sizeof(sd), "%s/js-tls", tmpdir);
	MM_ASSERT((f = fopen(conf, "w")) != NULL);
	fprintf(f,
		"authorization { user: pop-a, password: s3cret }\n"
		"tls { cert_file: \"%s/srv.pem\", key_file: \"%s/srv.key\" }\n"
		"jetstream { store_dir: \"%s\" }\n",
		tmpdir, tmpdir, sd);
	fclose(f);
	snprintf(p, sizeof(p), "%d", tport);
	if ((pid = fork()) == 0) {
		execl(NATS, NATS, "-c", conf, "-a", "127.0.0.1", "-p", p, "-l", "/dev/null",
			(char *)NULL);
		_exit(127);
	}
	nats_Sleep(500);
	conf_init(&c, "tls.spool");
	snprintf(tlsurl, sizeof(tlsurl), "tls://pop-a:s3cret@127.0.0.1:%d?site=pop-a", tport);
	c.ec_url = tlsurl;
	c.ec_tls_ca_file = ca;
	c.ec_tls_server_name = "localhost";
	ex = mm_exporter_new(&c, err_buf, sizeof(err_buf));
	if (ex == NULL) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		MM_FAIL_("mm_exporter_new: %s", err_buf);
	}
	/* No stream on this server: the stream refuses, the batch waits in the spool. */
	mm_exporter_submit(ex, event("flow", 0));
	for (uint64_t end = now_ms() + 1500; now_ms() < end;)
		mm_exporter_poll(ex, now_ms()), nats_Sleep(2);
	mm_exporter_stats(ex, &st);
	MM_ASSERT(st.es_connected);
	MM_ASSERT_EQ(st.es_acked, 0);
	MM_ASSERT(strstr(st.es_last_error, "stream") != NULL);
	mm_exporter_free(ex);
	/* A wrong password never connects. */
	snprintf(bad, sizeof(bad), "tls://pop-a:wrong@127.0.0.1:%d?site=pop-a", tport);
	c.ec_url = bad;
	MM_ASSERT((ex = mm_exporter_new(&c, err_buf, sizeof(err_buf))) != NULL);
	for (uint64_t end = now_ms() + 800; now_ms() < end;)
		mm_exporter_poll(ex, now_ms()), nats_Sleep(5);
	mm_exporter_stats(ex, &st);
	MM_ASSERT(!st.es_connected);
	mm_exporter_free(ex);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static const struct mm_test tests[] = {
	MM_TEST_ENTRY(publish_outage_dedup),
	MM_TEST_ENTRY(config_errors),
	MM_TEST_ENTRY(tls_and_auth),
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	char cmd[400];
	int rv;

	if (access(NATS, X_OK) != 0) {
		fprintf(stderr, "%s not found: skipped (apt-get install nats-server)\n", NATS);
		return (77);
	}
	if (mkdtemp(tmpdir) == NULL)
		return (1);
	port = free_port();
	snprintf(base_url, sizeof(base_url), "nats://127.0.0.1:%d", port);
	snprintf(url, sizeof(url), "%s?site=pop-a", base_url);
	server_start();
	rv = mm_test_main(tests, argc, argv);
	server_kill();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	nats_CloseAndWait(1000);
	return (rv);
}
