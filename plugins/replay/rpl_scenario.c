/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "rpl_scenario.h"

#define NS_PER_S 1000000000ULL

struct yctx {
	yaml_document_t *y_doc;
	const char *y_name;
	const char *y_basedir;
	char *y_err;
	size_t y_errlen;
};

static int __attribute__((format(printf, 3, 4)))
yfail(struct yctx *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(y->y_err, y->y_errlen, "%s:%zu: %s", y->y_name, n->start_mark.line + 1,
			msg);
	else
		snprintf(y->y_err, y->y_errlen, "%s: %s", y->y_name, msg);
	return (-EINVAL);
}

static const char *
yscalar(const yaml_node_t *n)
{
	return (n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
							 : NULL);
}

/* Checks that every key of map is one of keys (NULL-terminated). */
static int
ykeys(struct yctx *y, yaml_node_t *map, const char *what, const char *const *keys)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->y_doc, p->key);
		const char *ks = yscalar(k);
		char list[256] = "";
		bool ok = false;

		for (size_t i = 0; ks != NULL && keys[i] != NULL; i++)
			ok |= strcmp(ks, keys[i]) == 0;
		if (ok)
			continue;
		for (size_t i = 0; keys[i] != NULL; i++) {
			strncat(list, keys[i], sizeof(list) - strlen(list) - 1);
			if (keys[i + 1] != NULL)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		}
		return (yfail(y, k, "%s: unknown key '%s' (expected one of: %s)", what,
			ks != NULL ? ks : "?", list));
	}
	return (0);
}

static yaml_node_t *
yget(struct yctx *y, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return (NULL);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = yscalar(yaml_document_get_node(y->y_doc, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return (yaml_document_get_node(y->y_doc, p->value));
	}
	return (NULL);
}

static int
ystr(struct yctx *y, yaml_node_t *map, const char *key, bool required, char **out)
{
	yaml_node_t *n = yget(y, map, key);
	const char *s;

	if (n == NULL) {
		if (required)
			return (yfail(y, map, "the key '%s' is required", key));
		return (0);
	}
	if ((s = yscalar(n)) == NULL)
		return (yfail(y, n, "'%s' must be a plain value", key));
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return (-ENOMEM);
	return (0);
}

int
rpl_parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct {
		const char *u;
		double mul;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		{ "h", 3600e9 }, { "", 1e9 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return (-EINVAL);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].u) == 0) {
			if (v * units[i].mul > 1e18)
				return (-EINVAL);
			*ns = (uint64_t)llround(v * units[i].mul);
			return (0);
		}
	}
	return (-EINVAL);
}

static int
ydur(struct yctx *y, yaml_node_t *map, const char *key, uint64_t *ns)
{
	yaml_node_t *n = yget(y, map, key);
	const char *s = yscalar(n);

	if (n == NULL)
		return (0);
	if (s == NULL || rpl_parse_duration_ns(s, ns) != 0)
		return (yfail(y, n, "'%s': expected a duration such as 30s, 250ms, 2m or 1h", key));
	return (0);
}

static int
yu64(struct yctx *y, yaml_node_t *map, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	yaml_node_t *n = yget(y, map, key);
	const char *s = yscalar(n);
	char *end;
	unsigned long long v;

	if (n == NULL)
		return (0);
	errno = 0;
	v = s != NULL && *s != '-' ? strtoull(s, &end, 10) : 0;
	if (s == NULL || *s == '-' || errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return (yfail(y, n, "'%s': expected a whole number from %llu to %llu", key,
			(unsigned long long)min, (unsigned long long)max));
	*out = v;
	return (0);
}

static int
ydouble(struct yctx *y, yaml_node_t *map, const char *key, double min, double max, double *out)
{
	yaml_node_t *n = yget(y, map, key);
	const char *s = yscalar(n);
	char *end;
	double v;

	if (n == NULL)
		return (0);
	errno = 0;
	v = s != NULL ? strtod(s, &end) : 0;
	if (s == NULL || errno != 0 || end == s || (*end != '\0' && strcmp(end, "%") != 0) ||
		!isfinite(v) || v < min || v > max)
		return (yfail(y, n, "'%s': expected a number from %g to %g", key, min, max));
	*out = v;
	return (0);
}

/*
 * Replaces ${VAR} by the environment's value and resolves against basedir.
 * An unset variable is -ENOENT with the message in y_err: only playing the
 * source needs the file, scoring does not.
 */
static int
expand_path(struct yctx *y, yaml_node_t *n, const char *in, char **out)
{
	char buf[PATH_MAX], full[PATH_MAX];
	size_t o = 0;

	for (const char *p = in; *p != '\0';) {
		const char *add = p, *close;
		size_t len = 1;
		char var[128];

		if (p[0] == '$' && p[1] == '{' && (close = strchr(p, '}')) != NULL) {
			len = (size_t)(close - p - 2);
			if (len >= sizeof(var))
				return (yfail(y, n, "'%s': variable name too long", in));
			memcpy(var, p + 2, len);
			var[len] = '\0';
			if ((add = getenv(var)) == NULL) {
				yfail(y, n, "'%s': the environment variable %s is not set", in,
					var);
				return (-ENOENT);
			}
			len = strlen(add);
			p = close + 1;
		} else {
			p++;
		}
		if (o + len >= sizeof(buf))
			return (yfail(y, n, "'%s': path too long", in));
		memcpy(buf + o, add, len);
		o += len;
	}
	buf[o] = '\0';
	if (buf[0] != '/' && y->y_basedir != NULL) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", y->y_basedir, buf) >=
			sizeof(full))
			return (yfail(y, n, "'%s': path too long", in));
	} else {
		strcpy(full, buf);
	}
	if ((*out = strdup(full)) == NULL)
		return (-ENOMEM);
	return (0);
}

typedef int (*map_add_fn)(struct rpl_rewrite *, const char *, const char *, char *, size_t);

static int
load_maps(struct yctx *y, yaml_node_t *rw, const char *key, struct rpl_rewrite *out, map_add_fn add)
{
	yaml_node_t *m = yget(y, rw, key);
	yaml_node_pair_t *p;
	char sub[256];

	if (m == NULL)
		return (0);
	if (m->type != YAML_MAPPING_NODE)
		return (yfail(y, m, "rewrite.%s: expected a mapping of 'from: to' pairs", key));
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->y_doc, p->key);
		yaml_node_t *v = yaml_document_get_node(y->y_doc, p->value);

		if (yscalar(k) == NULL || yscalar(v) == NULL)
			return (yfail(y, k, "rewrite.%s: expected plain 'from: to' values", key));
		if (add(out, yscalar(k), yscalar(v), sub, sizeof(sub)) != 0)
			return (yfail(y, k, "rewrite.%s: %s", key, sub));
	}
	return (0);
}

static int
load_synth(struct yctx *y, yaml_node_t *n, struct rpl_source_spec *ss)
{
	static const char *const keys[] = { "scenario", "seed", "duration", "subscribers",
		"beacon_period", "beacon_jitter", "bots", "start", "tls_group", "ssh_kex", NULL };
	uint64_t v;
	int rv;
	char err[256];

	if (n->type != YAML_MAPPING_NODE)
		return (yfail(y, n, "synth: expected a mapping (scenario, seed, duration, ...)"));
	if ((rv = ykeys(y, n, "synth", keys)) != 0)
		return (rv);
	synth_opts_default(&ss->ss_synth);
	ss->ss_synth.o_duration = 600;
	ss->ss_synth.o_subscribers = 40;
	if ((rv = ystr(y, n, "scenario", true, &ss->ss_synth_scenario)) != 0)
		return (rv);
	ss->ss_synth.o_scenario = ss->ss_synth_scenario;
	if ((rv = yu64(y, n, "seed", 0, UINT64_MAX, &ss->ss_synth.o_seed)) != 0 ||
		(rv = yu64(y, n, "duration", SYNTH_MIN_DURATION, SYNTH_MAX_DURATION,
			 &ss->ss_synth.o_duration)) != 0 ||
		(rv = yu64(y, n, "start", 0, UINT32_MAX, &ss->ss_synth.o_start)) != 0)
		return (rv);
	v = ss->ss_synth.o_subscribers;
	if ((rv = yu64(y, n, "subscribers", 1, SYNTH_MAX_SUBSCRIBERS, &v)) != 0)
		return (rv);
	ss->ss_synth.o_subscribers = (uint32_t)v;
	v = ss->ss_synth.o_beacon_period;
	if ((rv = yu64(y, n, "beacon_period", 1, 86400, &v)) != 0)
		return (rv);
	ss->ss_synth.o_beacon_period = (uint32_t)v;
	v = ss->ss_synth.o_beacon_jitter;
	if ((rv = yu64(y, n, "beacon_jitter", 0, 100, &v)) != 0)
		return (rv);
	ss->ss_synth.o_beacon_jitter = (uint32_t)v;
	v = ss->ss_synth.o_bots;
	if ((rv = yu64(y, n, "bots", 1, SYNTH_MAX_BOTS, &v)) != 0)
		return (rv);
	ss->ss_synth.o_bots = (uint32_t)v;
	if ((rv = ystr(y, n, "ssh_kex", false, &ss->ss_synth_kex)) != 0)
		return (rv);
	ss->ss_synth.o_ssh_kex = ss->ss_synth_kex;
	if (yget(y, n, "tls_group") != NULL) {
		const char *g = yscalar(yget(y, n, "tls_group"));

		if (g == NULL || (ss->ss_synth.o_tls_group = synth_tls_group_parse(g)) == 0)
			return (yfail(y, yget(y, n, "tls_group"),
				"synth: tls_group: give x25519, secp256r1 or x25519mlkem768"));
	}
	if (synth_opts_check(&ss->ss_synth, err, sizeof(err)) != 0)
		return (yfail(y, n, "synth: %s", err));
	return (0);
}

static int
load_source(struct yctx *y, yaml_node_t *n, struct rpl_source_spec *ss, unsigned idx)
{
	static const char *const keys[] = { "name", "pcap", "synth", "start", "speed", "pps",
		"topspeed", "loops", "loop_delay", "rewrite", NULL };
	static const char *const rwkeys[] = { "mac", "ip", "port", NULL };
	yaml_node_t *sy, *rw;
	char *path = NULL;
	uint64_t v;
	int rv;

	if (n->type != YAML_MAPPING_NODE)
		return (yfail(y, n, "sources[%u]: expected a mapping", idx));
	if ((rv = ykeys(y, n, "source", keys)) != 0)
		return (rv);
	rpl_play_defaults(&ss->ss_play);
	if ((rv = ystr(y, n, "name", true, &ss->ss_name)) != 0 ||
		(rv = ystr(y, n, "pcap", false, &path)) != 0)
		return (rv);
	sy = yget(y, n, "synth");
	if ((path == NULL) == (sy == NULL)) {
		free(path);
		return (yfail(y, n,
			"source '%s': give exactly one of 'pcap: FILE' or 'synth: {...}'",
			ss->ss_name));
	}
	if (path != NULL) {
		ss->ss_kind = RPL_SRC_PCAP;
		rv = expand_path(y, yget(y, n, "pcap"), path, &ss->ss_path);
		free(path);
		if (rv == -ENOENT) {
			if ((ss->ss_path_error = strdup(y->y_err)) == NULL)
				return (-ENOMEM);
			y->y_err[0] = '\0';
		} else if (rv != 0) {
			return (rv);
		}
	} else {
		ss->ss_kind = RPL_SRC_SYNTH;
		if ((rv = load_synth(y, sy, ss)) != 0)
			return (rv);
	}
	if ((rv = ydur(y, n, "start", &ss->ss_play.p_start_ns)) != 0 ||
		(rv = ydouble(y, n, "speed", 0.001, 1e6, &ss->ss_play.p_speed)) != 0 ||
		(rv = yu64(y, n, "pps", 1, 100000000, &ss->ss_play.p_pps)) != 0 ||
		(rv = ydur(y, n, "loop_delay", &ss->ss_play.p_loop_delay_ns)) != 0)
		return (rv);
	if (yget(y, n, "speed") != NULL && yget(y, n, "pps") != NULL)
		return (yfail(y, n, "source '%s': give 'speed' or 'pps', not both", ss->ss_name));
	v = 1;
	if ((rv = yu64(y, n, "loops", 1, 1000000, &v)) != 0)
		return (rv);
	ss->ss_play.p_loops = (uint32_t)v;
	if ((rw = yget(y, n, "rewrite")) != NULL) {
		if (rw->type != YAML_MAPPING_NODE)
			return (yfail(y, rw, "rewrite: expected a mapping with mac, ip and port"));
		if ((rv = ykeys(y, rw, "rewrite", rwkeys)) != 0 ||
			(rv = load_maps(y, rw, "mac", &ss->ss_rw, rpl_rewrite_add_mac)) != 0 ||
			(rv = load_maps(y, rw, "ip", &ss->ss_rw, rpl_rewrite_add_ip)) != 0 ||
			(rv = load_maps(y, rw, "port", &ss->ss_rw, rpl_rewrite_add_port)) != 0)
			return (rv);
	}
	return (0);
}

static bool
is_port_key(const char *k)
{
	size_t n = strlen(k);

	return (n >= 4 && strcmp(k + n - 4, "port") == 0);
}

static int
load_match(struct yctx *y, yaml_node_t *m, struct rpl_scenario *sn, struct rpl_item *it)
{
	const struct rpl_rewrite *rw = it->it_src >= 0 ? &sn->sn_src[it->it_src].ss_rw : NULL;
	yaml_node_pair_t *p;

	if (m->type != YAML_MAPPING_NODE)
		return (yfail(
			y, m, "item '%s': match: expected a mapping of EVE members", it->it_id));
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->y_doc, p->key);
		yaml_node_t *v = yaml_document_get_node(y->y_doc, p->value);
		struct rpl_kv *kv;
		char buf[256];

		if (yscalar(k) == NULL || yscalar(v) == NULL)
			return (yfail(y, k, "item '%s': match: expected 'member: value' pairs",
				it->it_id));
		if (it->it_nmatch == RPL_MAX_MATCH)
			return (yfail(y, k, "item '%s': more than %d match keys", it->it_id,
				RPL_MAX_MATCH));
		if (rw == NULL)
			snprintf(buf, sizeof(buf), "%s", yscalar(v));
		else if (is_port_key(yscalar(k)) && atoi(yscalar(v)) > 0)
			snprintf(buf, sizeof(buf), "%u",
				rpl_rewrite_port(rw, (uint16_t)atoi(yscalar(v))));
		else if (rpl_rewrite_addr_str(rw, yscalar(v), buf, sizeof(buf)) != 0)
			return (yfail(y, v, "item '%s': value too long", it->it_id));
		kv = &it->it_match[it->it_nmatch++];
		if ((kv->kv_key = strdup(yscalar(k))) == NULL ||
			(kv->kv_value = strdup(buf)) == NULL)
			return (-ENOMEM);
	}
	return (0);
}

static int
load_item(struct yctx *y, yaml_node_t *n, struct rpl_scenario *sn, struct rpl_item *it)
{
	static const char *const keys[] = { "id", "description", "technique", "event_type",
		"plugin", "source", "match", "window", "points", NULL };
	yaml_node_t *w, *m;
	char *src = NULL;
	uint64_t v = 1;
	int rv;

	if (n->type != YAML_MAPPING_NODE)
		return (yfail(y, n, "truth: each item is a mapping (id, event_type, match, ...)"));
	if ((rv = ykeys(y, n, "truth item", keys)) != 0)
		return (rv);
	it->it_src = -1;
	if ((rv = ystr(y, n, "id", true, &it->it_id)) != 0 ||
		(rv = ystr(y, n, "description", false, &it->it_desc)) != 0 ||
		(rv = ystr(y, n, "technique", false, &it->it_technique)) != 0 ||
		(rv = ystr(y, n, "event_type", true, &it->it_event_type)) != 0 ||
		(rv = ystr(y, n, "plugin", false, &it->it_plugin)) != 0)
		return (rv);
	for (unsigned i = 0; &sn->sn_items[i] != it; i++)
		if (strcmp(sn->sn_items[i].it_id, it->it_id) == 0)
			return (yfail(y, n, "item id '%s' is used twice", it->it_id));
	if ((rv = ystr(y, n, "source", false, &src)) != 0)
		return (rv);
	if (src != NULL) {
		for (unsigned i = 0; i < sn->sn_nsrc; i++)
			if (strcmp(sn->sn_src[i].ss_name, src) == 0)
				it->it_src = (int)i;
		if (it->it_src < 0) {
			rv = yfail(y, yget(y, n, "source"), "item '%s': no source named '%s'",
				it->it_id, src);
			free(src);
			return (rv);
		}
		free(src);
	}
	if ((rv = yu64(y, n, "points", 0, 1000000, &v)) != 0)
		return (rv);
	it->it_points = (uint32_t)v;
	it->it_to_ns = UINT64_MAX;
	if ((w = yget(y, n, "window")) != NULL) {
		yaml_node_t *a, *b;

		if (w->type != YAML_SEQUENCE_NODE ||
			w->data.sequence.items.top - w->data.sequence.items.start != 2)
			return (yfail(y, w,
				"item '%s': window: expected [FROM, TO] such as [0s, 5m]",
				it->it_id));
		a = yaml_document_get_node(y->y_doc, w->data.sequence.items.start[0]);
		b = yaml_document_get_node(y->y_doc, w->data.sequence.items.start[1]);
		if (yscalar(a) == NULL || yscalar(b) == NULL ||
			rpl_parse_duration_ns(yscalar(a), &it->it_from_ns) != 0 ||
			rpl_parse_duration_ns(yscalar(b), &it->it_to_ns) != 0 ||
			it->it_to_ns < it->it_from_ns)
			return (yfail(y, w,
				"item '%s': window: expected two durations, FROM before TO",
				it->it_id));
	}
	if ((m = yget(y, n, "match")) != NULL && (rv = load_match(y, m, sn, it)) != 0)
		return (rv);
	return (0);
}

static int
load_strv(struct yctx *y, yaml_node_t *n, const char *what, char ***out, unsigned *nout)
{
	size_t cnt;

	if (n->type != YAML_SEQUENCE_NODE)
		return (yfail(y, n, "%s: expected a list", what));
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if ((*out = calloc(cnt + 1, sizeof(**out))) == NULL)
		return (-ENOMEM);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *e = yaml_document_get_node(y->y_doc, n->data.sequence.items.start[i]);

		if (yscalar(e) == NULL)
			return (yfail(y, e, "%s: expected plain strings", what));
		if (((*out)[i] = strdup(yscalar(e))) == NULL)
			return (-ENOMEM);
		(*nout)++;
	}
	return (0);
}

static int
load_doc(struct yctx *y, struct rpl_scenario *sn)
{
	static const char *const keys[] = { "name", "description", "pass_mark", "sources", "truth",
		"false_positive_types", NULL };
	yaml_node_t *root = yaml_document_get_root_node(y->y_doc), *srcs, *truth, *fp;
	int rv;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return (yfail(y, root, "expected a mapping with name, sources and truth"));
	if ((rv = ykeys(y, root, "scenario", keys)) != 0 ||
		(rv = ystr(y, root, "name", true, &sn->sn_name)) != 0 ||
		(rv = ystr(y, root, "description", false, &sn->sn_desc)) != 0)
		return (rv);
	sn->sn_pass_mark = 50;
	if ((rv = ydouble(y, root, "pass_mark", 0, 100, &sn->sn_pass_mark)) != 0)
		return (rv);
	srcs = yget(y, root, "sources");
	if (srcs == NULL || srcs->type != YAML_SEQUENCE_NODE ||
		srcs->data.sequence.items.top == srcs->data.sequence.items.start)
		return (yfail(y, srcs != NULL ? srcs : root,
			"sources: expected a list of at least one source"));
	for (yaml_node_item_t *i = srcs->data.sequence.items.start;
		i < srcs->data.sequence.items.top; i++) {
		struct rpl_source_spec *ss = &sn->sn_src[sn->sn_nsrc];

		if (sn->sn_nsrc == RPL_MAX_SOURCES)
			return (yfail(y, srcs, "more than %d sources", RPL_MAX_SOURCES));
		sn->sn_nsrc++;
		if ((rv = load_source(
			     y, yaml_document_get_node(y->y_doc, *i), ss, sn->sn_nsrc - 1)) != 0)
			return (rv);
		for (unsigned k = 0; k + 1 < sn->sn_nsrc; k++)
			if (strcmp(sn->sn_src[k].ss_name, ss->ss_name) == 0)
				return (yfail(y, yaml_document_get_node(y->y_doc, *i),
					"source name '%s' is used twice", ss->ss_name));
	}
	if ((truth = yget(y, root, "truth")) != NULL) {
		if (truth->type != YAML_SEQUENCE_NODE)
			return (yfail(y, truth, "truth: expected a list of items"));
		for (yaml_node_item_t *i = truth->data.sequence.items.start;
			i < truth->data.sequence.items.top; i++) {
			if (sn->sn_nitems == RPL_MAX_ITEMS)
				return (yfail(y, truth, "more than %d truth items", RPL_MAX_ITEMS));
			sn->sn_nitems++;
			if ((rv = load_item(y, yaml_document_get_node(y->y_doc, *i), sn,
				     &sn->sn_items[sn->sn_nitems - 1])) != 0)
				return (rv);
		}
	}
	if ((fp = yget(y, root, "false_positive_types")) != NULL)
		return (load_strv(y, fp, "false_positive_types", &sn->sn_fp_types, &sn->sn_nfp));
	return (0);
}

int
rpl_scenario_parse(struct rpl_scenario *sn, const char *text, size_t len, const char *name,
	const char *basedir, char *err, size_t errlen)
{
	struct yctx y = { NULL, name, basedir, err, errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	int rv;

	memset(sn, 0, sizeof(*sn));
	if (!yaml_parser_initialize(&parser))
		return (-ENOMEM);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: YAML: %s", name, parser.problem_mark.line + 1,
			parser.problem != NULL ? parser.problem : "malformed");
		yaml_parser_delete(&parser);
		return (-EINVAL);
	}
	y.y_doc = &doc;
	rv = load_doc(&y, sn);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rv != 0)
		rpl_scenario_fini(sn);
	return (rv);
}

int
rpl_scenario_load(struct rpl_scenario *sn, const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rv;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return (-ENOENT);
	}
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);

		if (n >= 0 && n < (1L << 24) && (text = malloc((size_t)n + 1)) != NULL) {
			rewind(f);
			len = fread(text, 1, (size_t)n, f);
		}
	}
	fclose(f);
	if (text == NULL) {
		snprintf(err, errlen, "%s: cannot read (at most 16 MiB)", path);
		return (-EINVAL);
	}
	snprintf(dir, sizeof(dir), "%s", path);
	rv = rpl_scenario_parse(sn, text, len, path, dirname(dir), err, errlen);
	free(text);
	return (rv);
}

void
rpl_scenario_fini(struct rpl_scenario *sn)
{
	free(sn->sn_name);
	free(sn->sn_desc);
	for (unsigned i = 0; i < sn->sn_nsrc; i++) {
		free(sn->sn_src[i].ss_name);
		free(sn->sn_src[i].ss_path);
		free(sn->sn_src[i].ss_path_error);
		free(sn->sn_src[i].ss_synth_scenario);
		free(sn->sn_src[i].ss_synth_kex);
	}
	for (unsigned i = 0; i < sn->sn_nitems; i++) {
		struct rpl_item *it = &sn->sn_items[i];

		free(it->it_id);
		free(it->it_desc);
		free(it->it_technique);
		free(it->it_event_type);
		free(it->it_plugin);
		for (unsigned k = 0; k < it->it_nmatch; k++) {
			free(it->it_match[k].kv_key);
			free(it->it_match[k].kv_value);
		}
	}
	for (unsigned i = 0; i < sn->sn_nfp; i++)
		free(sn->sn_fp_types[i]);
	free(sn->sn_fp_types);
	memset(sn, 0, sizeof(*sn));
}
