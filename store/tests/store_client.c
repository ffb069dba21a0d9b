/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bus client for mamori-store's integration test (Debian has no Python
 * binding of nng):
 *
 *   store_client send URL [options]   send numbered events in batches, print acks
 *   store_client raw URL KIND          send a malformed batch, print the ack
 *   store_client query URL JSON        send one query, print the answer
 *   store_client sub URL TOPIC N       print N live-view messages
 *
 * Events are EVE flow records whose "x_seq" member repeats the bus sequence
 * number, so a test can check exactly which events were stored.  Source
 * addresses are in 10.0.0.0/8 for even sequence numbers and in
 * 172.16.0.0/12 for odd ones; event i is at --ts + i * --step ns.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include <mamori/bus.h>
#include <mamori/eve.h>

#define EV_MAX 1024

struct send_opts {
	const char *so_url;
	uint64_t so_producer;
	uint64_t so_first;
	uint64_t so_count;
	uint32_t so_batch;
	unsigned so_inflight;
	uint64_t so_ts;
	uint64_t so_step;
	const char *so_type;
	const char *so_plugin;
	int so_timeout_ms;
	int so_resend_ms;
	bool so_quiet;
	const char *so_cert;
	const char *so_key;
	const char *so_ca;
	const char *so_server_name;
};

static struct send_opts so;
static nng_socket sock;
static atomic_uint_fast64_t next_batch;
static atomic_int failures;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
		"usage: store_client send URL [--producer P] [--first S] [--count N] [--batch B]\n"
		"           [--inflight K] [--ts NS] [--step NS] [--type T] [--plugin NAME]\n"
		"           [--timeout MS] [--resend MS] [--quiet]\n"
		"           [--tls-cert CERT_AND_KEY.pem] [--tls-ca F] [--server-name NAME]\n"
		"       store_client raw URL garbage|badjson|badversion\n"
		"       store_client query URL JSON\n"
		"       store_client sub URL TOPIC N [TIMEOUT_MS]\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
event_json(char *buf, size_t len, uint64_t seq)
{
	uint64_t i = seq - so.so_first, ts = so.so_ts + i * so.so_step;
	char t[MM_EVE_TIME_LEN], t0[MM_EVE_TIME_LEN], src[32], plugin[96] = "";

	mm_eve_time(ts, t, sizeof(t));
	mm_eve_time(ts - 1000000000ULL, t0, sizeof(t0));
	if (seq % 2 == 0)
		snprintf(src, sizeof(src), "10.%u.%u.%u", (unsigned)(seq >> 16 & 255),
			(unsigned)(seq >> 8 & 255), (unsigned)(seq & 255));
	else
		snprintf(src, sizeof(src), "172.16.%u.%u", (unsigned)(seq >> 8 & 255),
			(unsigned)(seq & 255));
	if (so.so_plugin != NULL)
		snprintf(plugin, sizeof(plugin), "\"plugin\":\"%s\",", so.so_plugin);
	return (snprintf(buf, len,
		"{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"event_type\":\"%s\","
		"\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"198.51.100.%u\",\"dest_port\":443,"
		"\"proto\":\"TCP\",%s\"x_seq\":%" PRIu64 ",\"flow\":{\"pkts_toserver\":%u,"
		"\"pkts_toclient\":%u,\"bytes_toserver\":%u,\"bytes_toclient\":%u,"
		"\"start\":\"%s\",\"end\":\"%s\",\"age\":1,\"state\":\"closed\","
		"\"reason\":\"timeout\",\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\","
		"\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\",\"syn\":true,\"fin\":true,"
		"\"psh\":true,\"ack\":true,\"state\":\"closed\"}}",
		t, seq + 1, so.so_type, src, (unsigned)(1024 + seq % 60000),
		(unsigned)(seq % 250 + 1), plugin, seq, (unsigned)(seq % 20 + 1),
		(unsigned)(seq % 15 + 1), (unsigned)(seq % 20 + 1) * 100,
		(unsigned)(seq % 15 + 1) * 1000, t0, t));
}

static int
tls_setup(nng_dialer d)
{
	nng_tls_config *cfg;
	int rv;

	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0)
		return (rv);
	if (so.so_cert != NULL && (rv = nng_tls_config_cert_key_file(cfg, so.so_cert, NULL)) != 0) {
		/* cert_key_file wants both in one file: so.so_cert holds cert + key. */
		nng_tls_config_free(cfg);
		return (rv);
	}
	if (so.so_ca != NULL) {
		if ((rv = nng_tls_config_ca_file(cfg, so.so_ca)) != 0 ||
			(rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
			nng_tls_config_free(cfg);
			return (rv);
		}
	} else {
		nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_NONE);
	}
	if (so.so_server_name != NULL)
		nng_tls_config_server_name(cfg, so.so_server_name);
	rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
	nng_tls_config_free(cfg);
	return (rv);
}

static int
dial(const char *url, bool tls)
{
	nng_dialer d;
	int rv;

	if ((rv = nng_dialer_create(&d, sock, url)) != 0)
		return (rv);
	nng_dialer_set_size(d, NNG_OPT_RECVMAXSZ, MM_BUS_MAX_MSG);
	nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, 50);
	nng_dialer_set_ms(d, NNG_OPT_RECONNMAXT, 500);
	if (tls && (rv = tls_setup(d)) != 0)
		return (rv);
	/* Synchronous: a refused TLS handshake shows here rather than as a timeout. */
	return (nng_dialer_start(d, 0));
}

/* Sends one message on ctx and waits for the answer; returns the nng error. */
static int
request(nng_ctx ctx, nng_aio *aio, const void *buf, size_t len, nng_msg **reply)
{
	nng_msg *m;
	int rv;

	if ((rv = nng_msg_alloc(&m, 0)) != 0 || (rv = nng_msg_append(m, buf, len)) != 0)
		return (rv);
	nng_aio_set_msg(aio, m);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		nng_msg_free(m);
		return (rv);
	}
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0)
		return (rv);
	*reply = nng_aio_get_msg(aio);
	return (0);
}

static void *
sender(void *arg)
{
	struct mm_bus_event *ev = calloc(EV_MAX, sizeof(*ev));
	char *text = malloc((size_t)EV_MAX * 1024), *buf = malloc(MM_BUS_MAX_MSG);
	nng_ctx ctx;
	nng_aio *aio;
	uint64_t nbatches = (so.so_count + so.so_batch - 1) / so.so_batch;

	if (ev == NULL || text == NULL || buf == NULL || nng_ctx_open(&ctx, sock) != 0 ||
		nng_aio_alloc(&aio, NULL, NULL) != 0) {
		fprintf(stderr, "store_client: out of memory\n");
		exit(2);
	}
	nng_ctx_set_ms(ctx, NNG_OPT_REQ_RESENDTIME, so.so_resend_ms);
	nng_aio_set_timeout(aio, so.so_timeout_ms);
	for (;;) {
		uint64_t k = atomic_fetch_add(&next_batch, 1), first, n;
		struct mm_bus_ack ack;
		char why[160];
		nng_msg *reply;
		long len;
		int rv;

		if (k >= nbatches)
			break;
		first = so.so_first + k * so.so_batch;
		n = so.so_count - k * so.so_batch < so.so_batch ? so.so_count - k * so.so_batch
								: so.so_batch;
		for (uint64_t i = 0; i < n; i++) {
			ev[i].be_json = text + i * 1024;
			ev[i].be_len = (uint32_t)event_json(text + i * 1024, 1024, first + i);
		}
		len = mm_bus_batch_encode(
			buf, MM_BUS_MAX_MSG, so.so_producer, first, ev, (uint32_t)n);
		if (len < 0) {
			fprintf(stderr, "store_client: cannot encode a batch of %" PRIu64 "\n", n);
			exit(2);
		}
		if ((rv = request(ctx, aio, buf, (size_t)len, &reply)) != 0) {
			pthread_mutex_lock(&out_lock);
			printf("error %" PRIu64 " %s\n", first, nng_strerror(rv));
			fflush(stdout);
			pthread_mutex_unlock(&out_lock);
			atomic_fetch_add(&failures, 1);
			break;
		}
		rv = mm_bus_ack_decode(
			nng_msg_body(reply), nng_msg_len(reply), &ack, why, sizeof(why));
		nng_msg_free(reply);
		pthread_mutex_lock(&out_lock);
		if (rv != 0) {
			printf("badack %" PRIu64 " %s\n", first, why);
			atomic_fetch_add(&failures, 1);
		} else {
			if (!so.so_quiet || ack.ba_status != 0)
				printf("ack %" PRIu64 " %" PRIu64 " %u %s\n", ack.ba_producer,
					ack.ba_acked_seq, ack.ba_status, ack.ba_reason);
			if (ack.ba_status != 0 || ack.ba_acked_seq != first + n - 1 ||
				ack.ba_producer != so.so_producer)
				atomic_fetch_add(&failures, 1);
		}
		fflush(stdout);
		pthread_mutex_unlock(&out_lock);
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	free(ev);
	free(text);
	free(buf);
	return (NULL);
}

static int
cmd_send(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "producer", required_argument, NULL, 'p' },
		{ "first", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "inflight", required_argument, NULL, 'k' },
		{ "ts", required_argument, NULL, 't' },
		{ "step", required_argument, NULL, 'S' },
		{ "type", required_argument, NULL, 'y' },
		{ "plugin", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "resend", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-ca", required_argument, NULL, 'A' },
		{ "server-name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	pthread_t th[64];
	double t0, dt;
	int c, rv;

	so.so_url = argv[2];
	so.so_producer = 1;
	so.so_first = 1;
	so.so_count = 1000;
	so.so_batch = 100;
	so.so_inflight = 1;
	{
		struct timespec now;

		/* Now, so that the store's retention by age leaves the events alone. */
		clock_gettime(CLOCK_REALTIME, &now);
		so.so_ts = (uint64_t)now.tv_sec * 1000000000ULL;
	}
	so.so_step = 1000000;
	so.so_type = "flow";
	so.so_timeout_ms = 10000;
	so.so_resend_ms = 5000;
	optind = 3;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			so.so_producer = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			so.so_first = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			so.so_count = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			so.so_batch = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			so.so_inflight = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 't':
			so.so_ts = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			so.so_step = strtoull(optarg, NULL, 0);
			break;
		case 'y':
			so.so_type = optarg;
			break;
		case 'P':
			so.so_plugin = optarg;
			break;
		case 'T':
			so.so_timeout_ms = atoi(optarg);
			break;
		case 'R':
			so.so_resend_ms = atoi(optarg);
			break;
		case 'q':
			so.so_quiet = true;
			break;
		case 'C':
			so.so_cert = optarg;
			break;
		case 'A':
			so.so_ca = optarg;
			break;
		case 'N':
			so.so_server_name = optarg;
			break;
		default:
			usage();
		}
	}
	if (so.so_batch == 0 || so.so_batch > EV_MAX || so.so_inflight == 0 || so.so_inflight > 64)
		usage();
	if ((rv = nng_req0_open(&sock)) != 0 ||
		(rv = dial(so.so_url, strncmp(so.so_url, "tls+tcp://", 10) == 0)) != 0) {
		printf("dial %s\n", nng_strerror(rv));
		return (3);
	}
	t0 = now_s();
	for (unsigned i = 0; i < so.so_inflight; i++)
		pthread_create(&th[i], NULL, sender, NULL);
	for (unsigned i = 0; i < so.so_inflight; i++)
		pthread_join(th[i], NULL);
	dt = now_s() - t0;
	printf("done %" PRIu64 " events in %.3f s: %.0f events/s, %d failures\n", so.so_count, dt,
		dt > 0 ? (double)so.so_count / dt : 0.0, atomic_load(&failures));
	nng_close(sock);
	return (atomic_load(&failures) == 0 ? 0 : 1);
}

static int
cmd_raw(const char *url, const char *kind)
{
	static const char event[] = "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"x\"}";
	static const char bad[] = "{\"timestamp\": oops}";
	struct mm_bus_event ev[2] = { { event, sizeof(event) - 1 }, { bad, sizeof(bad) - 1 } };
	uint8_t buf[512];
	struct mm_bus_ack ack;
	char why[160];
	nng_ctx ctx;
	nng_aio *aio;
	nng_msg *reply;
	size_t len;
	int rv;

	if (strcmp(kind, "garbage") == 0) {
		len = (size_t)snprintf(
			(char *)buf, sizeof(buf), "this is not a batch of events, only text");
	} else if (strcmp(kind, "badjson") == 0 || strcmp(kind, "badversion") == 0) {
		len = (size_t)mm_bus_batch_encode(buf, sizeof(buf), 99, 1, ev, 2);
		if (kind[3] == 'v')
			buf[4] = 7;
	} else {
		usage();
	}
	if ((rv = nng_req0_open(&sock)) != 0 || (rv = dial(url, false)) != 0 ||
		(rv = nng_ctx_open(&ctx, sock)) != 0 ||
		(rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		printf("dial %s\n", nng_strerror(rv));
		return (3);
	}
	nng_aio_set_timeout(aio, 5000);
	if ((rv = request(ctx, aio, buf, len, &reply)) != 0) {
		printf("error %s\n", nng_strerror(rv));
		return (3);
	}
	rv = mm_bus_ack_decode(nng_msg_body(reply), nng_msg_len(reply), &ack, why, sizeof(why));
	nng_msg_free(reply);
	nng_aio_free(aio);
	nng_close(sock);
	if (rv != 0) {
		printf("badack %s\n", why);
		return (1);
	}
	printf("ack %" PRIu64 " %" PRIu64 " %u %s\n", ack.ba_producer, ack.ba_acked_seq,
		ack.ba_status, ack.ba_reason);
	return (0);
}

static int
cmd_query(const char *url, const char *json)
{
	nng_msg *reply;
	nng_ctx ctx;
	nng_aio *aio;
	int rv;

	if ((rv = nng_req0_open(&sock)) != 0 || (rv = dial(url, false)) != 0 ||
		(rv = nng_ctx_open(&ctx, sock)) != 0 ||
		(rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		printf("dial %s\n", nng_strerror(rv));
		return (3);
	}
	nng_aio_set_timeout(aio, 20000);
	if ((rv = request(ctx, aio, json, strlen(json), &reply)) != 0) {
		printf("error %s\n", nng_strerror(rv));
		return (3);
	}
	fwrite(nng_msg_body(reply), 1, nng_msg_len(reply), stdout);
	putchar('\n');
	nng_msg_free(reply);
	nng_aio_free(aio);
	nng_close(sock);
	return (0);
}

static int
cmd_sub(const char *url, const char *topic, long n, int timeout_ms)
{
	int rv;

	if ((rv = nng_sub0_open(&sock)) != 0 ||
		(rv = nng_socket_set(sock, NNG_OPT_SUB_SUBSCRIBE, topic, strlen(topic))) != 0 ||
		(rv = nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms)) != 0 ||
		(rv = dial(url, false)) != 0) {
		printf("dial %s\n", nng_strerror(rv));
		return (3);
	}
	/* Tell the test we are connected: it starts sending after this line. */
	printf("subscribed\n");
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		nng_msg *m;

		if ((rv = nng_recvmsg(sock, &m, 0)) != 0) {
			printf("error %s\n", nng_strerror(rv));
			return (1);
		}
		fwrite(nng_msg_body(m), 1, nng_msg_len(m), stdout);
		putchar('\n');
		fflush(stdout);
		nng_msg_free(m);
	}
	nng_close(sock);
	return (0);
}

int
main(int argc, char **argv)
{
	int rv;

	if (argc < 3)
		usage();
	if (strcmp(argv[1], "send") == 0)
		rv = cmd_send(argc, argv);
	else if (strcmp(argv[1], "raw") == 0 && argc == 4)
		rv = cmd_raw(argv[2], argv[3]);
	else if (strcmp(argv[1], "query") == 0 && argc == 4)
		rv = cmd_query(argv[2], argv[3]);
	else if (strcmp(argv[1], "sub") == 0 && (argc == 5 || argc == 6))
		rv = cmd_sub(argv[2], argv[3], atol(argv[4]), argc == 6 ? atoi(argv[5]) : 5000);
	else
		usage();
	nng_fini();
	return (rv);
}
