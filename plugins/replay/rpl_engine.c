/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpl_engine.h"
#include "synth_cap.h"
#include "synth_json.h"

/* Runs one synth scenario into src, frame by frame. */
static int
load_synth(struct rpl_src *src, const struct rpl_source_spec *ss, char *err, size_t errlen)
{
	struct synth_cap *cap = synth_cap_new();
	struct synth_json truth;
	char sub[256];
	int rv;

	if (cap == NULL)
		return (-ENOMEM);
	synth_json_init(&truth);
	rv = synth_scenario_run(&ss->ss_synth, cap, &truth, sub, sizeof(sub));
	if (rv != 0) {
		snprintf(err, errlen, "source '%s': synth: %s", ss->ss_name, sub);
	} else {
		for (size_t i = 0; i < synth_cap_count(cap) && rv == 0; i++) {
			const uint8_t *f;
			uint64_t us;
			uint32_t len;

			synth_cap_frame(cap, i, &us, &f, &len);
			rv = rpl_src_add(src, us * 1000, f, len, len);
		}
		if (rv != 0)
			snprintf(err, errlen, "source '%s': out of memory", ss->ss_name);
	}
	synth_json_fini(&truth);
	synth_cap_free(cap);
	return (rv);
}

int
rpl_engine_load(struct rpl_engine *en, const struct rpl_scenario *sn, char *err, size_t errlen)
{
	int rv = -ENOMEM;

	memset(en, 0, sizeof(*en));
	en->en_nsrc = sn->sn_nsrc;
	en->en_src = calloc(sn->sn_nsrc, sizeof(*en->en_src));
	en->en_play = calloc(sn->sn_nsrc, sizeof(*en->en_play));
	en->en_base = calloc(sn->sn_nsrc, sizeof(*en->en_base));
	if (en->en_src == NULL || en->en_play == NULL || en->en_base == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < sn->sn_nsrc; i++) {
		const struct rpl_source_spec *ss = &sn->sn_src[i];
		struct rpl_src *src = &en->en_src[i];

		rpl_src_init(src);
		if (ss->ss_kind == RPL_SRC_PCAP && ss->ss_path == NULL) {
			snprintf(err, errlen, "%s", ss->ss_path_error);
			rv = -EINVAL;
		} else if (ss->ss_kind == RPL_SRC_PCAP) {
			rv = rpl_src_load_pcap(src, ss->ss_path, err, errlen);
		} else {
			rv = load_synth(src, ss, err, errlen);
		}
		if (rv != 0)
			goto fail;
		if (src->s_n == 0) {
			snprintf(err, errlen, "source '%s': no frames to send", ss->ss_name);
			rv = -EINVAL;
			goto fail;
		}
		if (!rpl_rewrite_empty(&ss->ss_rw))
			for (size_t k = 0; k < src->s_n; k++)
				rpl_rewrite_frame(&ss->ss_rw, rpl_src_bytes(src, &src->s_frames[k]),
					src->s_frames[k].f_len, &en->en_rw);
		en->en_play[i] = ss->ss_play;
		en->en_base[i] = en->en_nframes;
		en->en_nframes += src->s_n;
		if (src->s_maxlen > en->en_maxlen)
			en->en_maxlen = src->s_maxlen;
	}
	if ((rv = rpl_sched_build(
		     &en->en_sched, en->en_src, en->en_play, en->en_nsrc, err, errlen)) != 0)
		goto fail;
	return (0);
fail:
	rpl_engine_fini(en);
	return (rv);
}

const uint8_t *
rpl_engine_frame(const struct rpl_engine *en, uint32_t pkt, uint32_t *len)
{
	unsigned s = 0;

	while (s + 1 < en->en_nsrc && en->en_base[s + 1] <= pkt)
		s++;
	*len = en->en_src[s].s_frames[pkt - en->en_base[s]].f_len;
	return (rpl_src_bytes(&en->en_src[s], &en->en_src[s].s_frames[pkt - en->en_base[s]]));
}

int
rpl_engine_render(
	const struct rpl_engine *en, const char *path, uint64_t epoch_ns, char *err, size_t errlen)
{
	struct rpl_src out;
	int rv = 0;

	rpl_src_init(&out);
	for (size_t i = 0; i < en->en_sched.sc_n && rv == 0; i++) {
		const struct rpl_ent *e = &en->en_sched.sc_ent[i];
		const struct rpl_src *src = &en->en_src[e->e_src];
		const struct rpl_frame *f = &src->s_frames[e->e_pkt - en->en_base[e->e_src]];

		rv = rpl_src_add(
			&out, epoch_ns + e->e_t_ns, rpl_src_bytes(src, f), f->f_len, f->f_wire);
	}
	if (rv != 0)
		snprintf(err, errlen, "%s: out of memory", path);
	else
		rv = rpl_src_write_pcap(&out, path, err, errlen);
	rpl_src_fini(&out);
	return (rv);
}

void
rpl_engine_fini(struct rpl_engine *en)
{
	for (unsigned i = 0; en->en_src != NULL && i < en->en_nsrc; i++)
		rpl_src_fini(&en->en_src[i]);
	free(en->en_src);
	free(en->en_play);
	free(en->en_base);
	rpl_sched_fini(&en->en_sched);
	memset(en, 0, sizeof(*en));
}
