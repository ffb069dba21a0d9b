/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_pqcinv: handshakes analysed per second on one core, per protocol.
 * Each iteration does what pqcinv does for one handshake: the worker's part
 * (framing; for QUIC the Initial keys, header protection, AES-GCM and CRYPTO
 * reassembly) and the control thread's (parsing, JA3/JA4/HASSH,
 * classification, the pqc_session JSON).
 *
 *   bench_pqcinv [--seconds N] --table FILE --tls DIR --ssh DIR --quic DIR
 *
 * TLS and SSH inputs are files of: client byte count (2 bytes), client
 * bytes, server bytes; QUIC inputs are client Initial datagrams (the seed
 * corpora written by plugins/pqcinv/fuzz/make_seeds.py).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quic.h"
#include "reasm.h"
#include "session.h"
#include "ssh.h"
#include "tls.h"

#define MAX_INPUTS 64
#define CAP        16384

struct input {
	uint8_t *in_p;
	size_t in_n;
};

/* CPU time of this thread: the rate of a core of its own, on a shared machine too. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static size_t
load(const char *dir, struct input *v)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL) {
		fprintf(stderr, "bench_pqcinv: cannot read %s\n", dir);
		exit(1);
	}
	while ((e = readdir(d)) != NULL && n < MAX_INPUTS) {
		char path[4096];
		FILE *f;
		long len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		v[n].in_p = malloc((size_t)len + 1);
		v[n].in_n = fread(v[n].in_p, 1, (size_t)len, f);
		fclose(f);
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "bench_pqcinv: no inputs in %s\n", dir);
		exit(1);
	}
	return (n);
}

static struct pqc_rec *rec;
static uint8_t scratch[CAP];
static struct reasm ra;

static void
fill(const struct input *in, uint8_t proto)
{
	size_t half = (size_t)in->in_p[0] << 8 | in->in_p[1], n = in->in_n - 2;

	rec->r_proto = proto;
	rec->r_cap = CAP;
	rec->r_len[0] = (uint32_t)(half < CAP ? half : CAP);
	rec->r_len[1] = (uint32_t)(n - half < CAP ? n - half : CAP);
	memcpy(rec->r_data, in->in_p + 2, rec->r_len[0]);
	memcpy(rec->r_data + CAP, in->in_p + 2 + half, rec->r_len[1]);
}

static void
one_tls(const struct input *in, const struct pqc_table *t)
{
	struct pqc_session_stats st = { 0, 0 };
	bool stopped;
	long k;

	fill(in, PQC_PROTO_TLS);
	k = tls_unrecord(rec->r_data, rec->r_len[0], scratch, CAP, &stopped);
	tls_client_status(scratch, k > 0 ? (size_t)k : 0);
	k = tls_unrecord(rec->r_data + CAP, rec->r_len[1], scratch, CAP, &stopped);
	tls_server_status(scratch, k > 0 ? (size_t)k : 0, stopped);
	json_decref(pqc_session_json(rec, t, &st));
}

static void
one_ssh(const struct input *in, const struct pqc_table *t)
{
	struct pqc_session_stats st = { 0, 0 };

	fill(in, PQC_PROTO_SSH);
	ssh_status(rec->r_data, rec->r_len[0]);
	ssh_status(rec->r_data + CAP, rec->r_len[1]);
	json_decref(pqc_session_json(rec, t, &st));
}

static void
crypto(void *arg, uint64_t off, const uint8_t *p, size_t len)
{
	(void)arg;
	reasm_add(&ra, rec->r_data, CAP, off, p, len);
}

static int ok_quic;

static void
one_quic(const struct input *in, const struct pqc_table *t, struct quic_crypto *qc)
{
	struct pqc_session_stats st = { 0, 0 };
	struct quic_keys ck, sk;
	struct quic_hdr h;
	uint8_t *frames;
	size_t nframes;

	memcpy(scratch, in->in_p, in->in_n);
	memset(&ra, 0, sizeof(ra));
	if (quic_parse_long(scratch, in->in_n, &h) < 0 ||
		quic_initial_keys(qc, h.h_version, h.h_dcid, h.h_dcid_len, false, &ck) < 0 ||
		quic_initial_keys(qc, h.h_version, h.h_dcid, h.h_dcid_len, true, &sk) < 0 ||
		quic_decrypt(qc, &ck, &h, scratch, &frames, &nframes) < 0 ||
		quic_frames(frames, nframes, crypto, NULL) < 0)
		return;
	ok_quic++;
	rec->r_proto = PQC_PROTO_QUIC;
	rec->r_cap = CAP;
	rec->r_len[0] = reasm_contig(&ra);
	rec->r_len[1] = 0;
	tls_client_status(rec->r_data, rec->r_len[0]);
	json_decref(pqc_session_json(rec, t, &st));
}

int
main(int argc, char **argv)
{
	static struct input tls[MAX_INPUTS], ssh[MAX_INPUTS], quic[MAX_INPUTS];
	const char *dirs[3] = { NULL, NULL, NULL }, *table = NULL;
	const char *names[3] = { "tls", "quic", "ssh" };
	size_t n[3];
	double seconds = 2;
	struct pqc_table *t;
	struct quic_crypto *qc;
	char err[512];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--table") == 0)
			table = argv[i + 1];
		else if (strcmp(argv[i], "--tls") == 0)
			dirs[0] = argv[i + 1];
		else if (strcmp(argv[i], "--quic") == 0)
			dirs[1] = argv[i + 1];
		else if (strcmp(argv[i], "--ssh") == 0)
			dirs[2] = argv[i + 1];
	}
	if (table == NULL || dirs[0] == NULL || dirs[1] == NULL || dirs[2] == NULL) {
		fprintf(stderr, "Usage: bench_pqcinv [--seconds N] --table FILE --tls DIR "
				"--quic DIR --ssh DIR\n");
		return (2);
	}
	if (pqc_table_load(table, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_pqcinv: %s\n", err);
		return (1);
	}
	n[0] = load(dirs[0], tls);
	n[1] = load(dirs[1], quic);
	n[2] = load(dirs[2], ssh);
	rec = calloc(1, sizeof(*rec) + 2 * CAP);
	qc = quic_crypto_new();
	for (int k = 0; k < 3; k++) {
		double t0 = now(), t1;
		unsigned long count = 0;

		do {
			for (int r = 0; r < 64; r++, count++) {
				size_t i = count % n[k];

				if (k == 0)
					one_tls(&tls[i], t);
				else if (k == 1)
					one_quic(&quic[i], t, qc);
				else
					one_ssh(&ssh[i], t);
			}
			t1 = now();
		} while (t1 - t0 < seconds);
		printf("pqcinv parse %s: %.0f handshakes/s on one core (%lu in %.2f s of CPU, %zu "
		       "inputs)\n",
			names[k], (double)count / (t1 - t0), count, t1 - t0, n[k]);
	}
	if (ok_quic == 0)
		printf("pqcinv parse quic: WARNING no input decrypted\n");
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < n[k]; i++)
			free(k == 0 ? tls[i].in_p : k == 1 ? quic[i].in_p : ssh[i].in_p);
	quic_crypto_free(qc);
	pqc_table_free(t);
	free(rec);
	return (0);
}
