/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamori-synth: writes a deterministic synthetic capture (and optionally its
 * ground truth) for demos, tests and exercises.  See docs/mamori-synth.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_cap.h"
#include "synth_json.h"
#include "synth_scenario.h"

#define EXIT_USAGE 2

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: mamori-synth [options] -w FILE\n"
		"Write a deterministic synthetic pcap of ISP subscriber traffic: the same options\n"
		"always give the same bytes.\n"
		"\n"
		"Options:\n"
		"  -w, --write FILE          pcap file to write (required; written through\n"
		"                            FILE.tmp and renamed when complete)\n"
		"  -s, --scenario NAME       what to generate (default demo); 'list' prints the\n"
		"                            scenarios and exits\n"
		"  -S, --seed N              random seed, 0 to 2^64-1 (default 1)\n"
		"  -d, --duration SECONDS    capture length, %u to %u (default 3600)\n"
		"  -n, --subscribers N       subscriber lines in 10.0.0.0/16, some also in\n"
		"                            2001:db8:1::/48 (default 120, at most %u)\n"
		"      --start EPOCH         first second of the capture, Unix time (default\n"
		"                            %llu = 2026-04-01T00:00:00Z)\n"
		"      --beacon-period SECONDS  C&C beacon interval (default 60)\n"
		"      --beacon-jitter PERCENT  beacon jitter each way, 0 to %u (default 10)\n"
		"      --bots N              Mirai bots holding a C&C session, 1 to %u (default "
		"6)\n"
		"      --tls-group NAME      TLS 1.3 servers select this group whenever the\n"
		"                            client sent a key share of it: x25519, secp256r1\n"
		"                            or x25519mlkem768 (default: the server's own choice)\n"
		"      --ssh-kex NAME        SSH clients and servers both list this key exchange\n"
		"                            first: mlkem768x25519-sha256, "
		"sntrup761x25519-sha512,\n"
		"                            curve25519-sha256, ecdh-sha2-nistp256, ... (scenario\n"
		"                            pqc; default: as each implementation lists them)\n"
		"  -t, --truth FILE          also write the ground truth as JSON: what each\n"
		"                            generator made, the malformed frames' numbers, total\n"
		"                            packets and the TCP/UDP conversation counts tshark\n"
		"                            -z conv,tcp / conv,udp reports\n"
		"  -q, --quiet               no summary line\n"
		"  -h, --help                this help\n"
		"  -V, --version             print the version\n"
		"\n"
		"Exit status: 0 on success, 1 when generating or writing fails, 2 on bad usage.\n",
		SYNTH_MIN_DURATION, SYNTH_MAX_DURATION, SYNTH_MAX_SUBSCRIBERS,
		(unsigned long long)SYNTH_DEFAULT_START, SYNTH_MAX_JITTER, SYNTH_MAX_BOTS);
}

static void
list_scenarios(void)
{
	const struct synth_scenario *sc;

	for (size_t i = 0; (sc = synth_scenario_at(i)) != NULL; i++)
		printf("%-12s %s\n", sc->sc_name, sc->sc_desc);
}

/* Parses an unsigned decimal in [lo, hi]; on error says which option and what range. */
static int
parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '\0')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "mamori-synth: %s '%s': give a whole number from %llu to %llu\n", opt, s,
		(unsigned long long)lo, (unsigned long long)hi);
	return -EINVAL;
}

static int
write_truth(const char *path, const struct synth_json *j)
{
	char tmp[4096];
	FILE *f;
	int bad;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		fprintf(stderr, "mamori-synth: --truth %s: path too long\n", path);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		fprintf(stderr,
			"mamori-synth: --truth %s: cannot create: %s; check that the "
			"directory exists and is writable\n",
			tmp, strerror(errno));
		return -1;
	}
	bad = fwrite(j->j_buf, 1, j->j_len, f) != j->j_len;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		fprintf(stderr, "mamori-synth: --truth %s: write failed: %s\n", path,
			strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

enum {
	OPT_START = 256,
	OPT_BEACON_PERIOD,
	OPT_BEACON_JITTER,
	OPT_BOTS,
	OPT_TLS_GROUP,
	OPT_SSH_KEX,
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "scenario", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "subscribers", required_argument, NULL, 'n' },
		{ "start", required_argument, NULL, OPT_START },
		{ "beacon-period", required_argument, NULL, OPT_BEACON_PERIOD },
		{ "beacon-jitter", required_argument, NULL, OPT_BEACON_JITTER },
		{ "bots", required_argument, NULL, OPT_BOTS },
		{ "tls-group", required_argument, NULL, OPT_TLS_GROUP },
		{ "ssh-kex", required_argument, NULL, OPT_SSH_KEX },
		{ "truth", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *truth_path = NULL;
	const struct synth_cap_stats *st;
	struct synth_opts o;
	struct synth_json truth;
	struct synth_cap *cap;
	char err[512];
	uint64_t v;
	int c, quiet = 0, rc = 1;

	synth_opts_default(&o);
	while ((c = getopt_long(argc, argv, "w:s:S:d:n:t:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			out = optarg;
			break;
		case 's':
			if (strcmp(optarg, "list") == 0) {
				list_scenarios();
				return 0;
			}
			o.o_scenario = optarg;
			break;
		case 'S':
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &o.o_seed) != 0)
				return EXIT_USAGE;
			break;
		case 'd':
			if (parse_u64("--duration", optarg, SYNTH_MIN_DURATION, SYNTH_MAX_DURATION,
				    &o.o_duration) != 0)
				return EXIT_USAGE;
			break;
		case 'n':
			if (parse_u64("--subscribers", optarg, 1, SYNTH_MAX_SUBSCRIBERS, &v) != 0)
				return EXIT_USAGE;
			o.o_subscribers = (uint32_t)v;
			break;
		case OPT_START:
			if (parse_u64("--start", optarg, 0, UINT32_MAX - SYNTH_MAX_DURATION,
				    &o.o_start) != 0)
				return EXIT_USAGE;
			break;
		case OPT_BEACON_PERIOD:
			if (parse_u64("--beacon-period", optarg, 5, SYNTH_MAX_DURATION / 4, &v) !=
				0)
				return EXIT_USAGE;
			o.o_beacon_period = (uint32_t)v;
			break;
		case OPT_BEACON_JITTER:
			if (parse_u64("--beacon-jitter", optarg, 0, SYNTH_MAX_JITTER, &v) != 0)
				return EXIT_USAGE;
			o.o_beacon_jitter = (uint32_t)v;
			break;
		case OPT_BOTS:
			if (parse_u64("--bots", optarg, 1, SYNTH_MAX_BOTS, &v) != 0)
				return EXIT_USAGE;
			o.o_bots = (uint32_t)v;
			break;
		case OPT_TLS_GROUP:
			if ((o.o_tls_group = synth_tls_group_parse(optarg)) == 0) {
				fprintf(stderr,
					"mamori-synth: --tls-group '%s': give x25519, secp256r1 or "
					"x25519mlkem768\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_SSH_KEX:
			o.o_ssh_kex = optarg;
			break;
		case 't':
			truth_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mamori-synth %s\n", SYNTH_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'mamori-synth --help' for the options.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"mamori-synth: unexpected argument '%s'; the output file goes "
			"after -w\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (out == NULL) {
		fprintf(stderr, "mamori-synth: no output file: give -w FILE (see --help)\n");
		return EXIT_USAGE;
	}
	if (synth_opts_check(&o, err, sizeof(err)) != 0) {
		fprintf(stderr, "mamori-synth: %s\n", err);
		return EXIT_USAGE;
	}
	if ((cap = synth_cap_new()) == NULL) {
		fprintf(stderr, "mamori-synth: out of memory\n");
		return 1;
	}
	synth_json_init(&truth);
	if (synth_scenario_run(&o, cap, &truth, err, sizeof(err)) != 0) {
		fprintf(stderr, "mamori-synth: %s\n", err);
		goto out;
	}
	if (synth_cap_write(cap, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "mamori-synth: %s\n", err);
		goto out;
	}
	if (truth_path != NULL && write_truth(truth_path, &truth) != 0)
		goto out;
	st = synth_cap_stats(cap);
	if (!quiet)
		printf("mamori-synth: %" PRIu64 " packets, %" PRIu64 " flows (%" PRIu64
		       " TCP, %" PRIu64 " UDP conversations), %.1f MB in %s (scenario %s, "
		       "seed %" PRIu64 ", %" PRIu64 " s)\n",
			st->cs_packets, st->cs_tcp_conv + st->cs_udp_conv, st->cs_tcp_conv,
			st->cs_udp_conv, (double)(24 + 16 * st->cs_packets + st->cs_bytes) / 1e6,
			out, o.o_scenario, o.o_seed, o.o_duration);
	rc = 0;
out:
	synth_json_fini(&truth);
	synth_cap_free(cap);
	return rc;
}
