/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "mamori/flow.h"
#include "stream.h"

/* Pieces an out-of-order buffer holds apart before a hole counts as a gap. */
#define OOO_PIECES 8

/* sl_syn bits beside the two directions' SYN bits. */
#define SL_NO_STATE 0x04 /* the pool was empty when the flow needed state: never again */
#define SL_FINISHED 0x08 /* both directions ended; their state went back to the pool */

struct dp_ooo {
	uint32_t oo_n;
	struct {
		uint32_t off; /* stream offsets [off, end), sorted, apart, all past sd_next */
		uint32_t end;
	} oo_p[OOO_PIECES];
	uint8_t oo_data[]; /* sc_depth bytes: byte i is stream offset i */
};

enum sd_state {
	SD_IDLE = 0, /* no data seen yet */
	SD_OPEN,     /* scanning */
	SD_DONE,     /* ended, or never opened */
};

struct dp_sdir {
	struct hsvc_stream sd_hs;
	struct dp_ooo *sd_ooo; /* segments waiting for a hole before them, or NULL */
	uint32_t sd_base;      /* sequence number of stream offset 0 */
	uint32_t sd_next;      /* stream offset of the next byte to scan */
	uint8_t sd_state;      /* enum sd_state */
};

struct dp_sflow {
	struct dp_sdir sf_dir[2]; /* to the server, to the client */
};

struct dp_streams {
	struct dp_stream_conf ss_conf;
	struct rte_mempool *ss_flows;
	struct rte_mempool *ss_bufs;
	struct dp_stream_stats ss_st;
};

struct dp_streams *
dp_streams_create(const char *name, const struct dp_stream_conf *c)
{
	struct dp_streams *ss = rte_zmalloc_socket(name, sizeof(*ss), 0, c->sc_socket);
	char pool[RTE_MEMPOOL_NAMESIZE];
	/* One lcore takes and gives back: no cache, single producer and consumer. */
	unsigned flags = RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET;

	if (ss == NULL) {
		rte_errno = ENOMEM;
		return (NULL);
	}
	ss->ss_conf = *c;
	if (c->sc_depth == 0)
		return (ss);
	snprintf(pool, sizeof(pool), "%s_f", name);
	ss->ss_flows = rte_mempool_create(pool, RTE_MAX(c->sc_flows, 1U), sizeof(struct dp_sflow),
		0, 0, NULL, NULL, NULL, NULL, c->sc_socket, flags);
	snprintf(pool, sizeof(pool), "%s_b", name);
	if (ss->ss_flows != NULL && c->sc_buffers > 0)
		ss->ss_bufs =
			rte_mempool_create(pool, c->sc_buffers, sizeof(struct dp_ooo) + c->sc_depth,
				0, 0, NULL, NULL, NULL, NULL, c->sc_socket, flags);
	if (ss->ss_flows == NULL || (c->sc_buffers > 0 && ss->ss_bufs == NULL)) {
		int e = rte_errno;

		dp_streams_free(ss);
		rte_errno = e;
		return (NULL);
	}
	return (ss);
}

void
dp_streams_free(struct dp_streams *ss)
{
	if (ss == NULL)
		return;
	rte_mempool_free(ss->ss_flows);
	rte_mempool_free(ss->ss_bufs);
	rte_free(ss);
}

void
dp_streams_stats(const struct dp_streams *ss, struct dp_stream_stats *st)
{
	if (ss == NULL)
		memset(st, 0, sizeof(*st));
	else
		*st = ss->ss_st;
}

static void
ooo_release(struct dp_streams *ss, struct dp_sdir *sd)
{
	if (sd->sd_ooo != NULL) {
		rte_mempool_put(ss->ss_bufs, sd->sd_ooo);
		sd->sd_ooo = NULL;
	}
}

/* Ends a direction; cb NULL drops what its end would still report. */
static void
dir_close(struct dp_streams *ss, struct dp_sdir *sd, unsigned lcore, hsvc_match_fn cb, void *ctx)
{
	if (sd->sd_state == SD_OPEN && hsvc_stream_close(&sd->sd_hs, lcore, cb, ctx) < 0)
		ss->ss_st.ss_errors++;
	ooo_release(ss, sd);
	sd->sd_state = SD_DONE;
}

static void
dir_scan(struct dp_streams *ss, struct dp_sdir *sd, unsigned lcore, const uint8_t *p, uint32_t len,
	hsvc_match_fn cb, void *ctx)
{
	if (len == 0)
		return;
	if (unlikely(hsvc_stream_scan(&sd->sd_hs, lcore, p, len, cb, ctx) < 0))
		ss->ss_st.ss_errors++;
	sd->sd_next += len;
	ss->ss_st.ss_bytes += len;
}

/* Scans what waited in the buffer and now follows on from sd_next. */
static void
dir_drain(struct dp_streams *ss, struct dp_sdir *sd, unsigned lcore, hsvc_match_fn cb, void *ctx)
{
	struct dp_ooo *o = sd->sd_ooo;
	uint32_t k = 0;

	if (o == NULL)
		return;
	while (k < o->oo_n && o->oo_p[k].off <= sd->sd_next) {
		if (o->oo_p[k].end > sd->sd_next)
			dir_scan(ss, sd, lcore, o->oo_data + sd->sd_next,
				o->oo_p[k].end - sd->sd_next, cb, ctx);
		k++;
	}
	if (k == 0)
		return;
	o->oo_n -= k;
	memmove(&o->oo_p[0], &o->oo_p[k], o->oo_n * sizeof(o->oo_p[0]));
	if (o->oo_n == 0)
		ooo_release(ss, sd);
}

/*
 * Keeps stream bytes [off, end) (all past sd_next, end <= depth) for later.
 * Returns false when they cannot be kept: the direction has a gap.
 */
static bool
dir_hold(struct dp_streams *ss, struct dp_sdir *sd, uint32_t off, uint32_t end, const uint8_t *p)
{
	struct dp_ooo *o = sd->sd_ooo;
	uint32_t i, j, n;

	if (o == NULL) {
		if (ss->ss_bufs == NULL || rte_mempool_get(ss->ss_bufs, (void **)&o) < 0)
			return (false);
		o->oo_n = 0;
		sd->sd_ooo = o;
	}
	/* The pieces [i, j) touch or overlap the new one and merge with it. */
	for (i = 0; i < o->oo_n && o->oo_p[i].end < off; i++)
		;
	for (j = i; j < o->oo_n && o->oo_p[j].off <= end; j++)
		;
	n = o->oo_n - (j - i) + 1;
	if (n > OOO_PIECES)
		return (false);
	memcpy(o->oo_data + off, p, end - off);
	if (j > i) {
		off = RTE_MIN(off, o->oo_p[i].off);
		end = RTE_MAX(end, o->oo_p[j - 1].end);
	}
	memmove(&o->oo_p[i + 1], &o->oo_p[j], (o->oo_n - j) * sizeof(o->oo_p[0]));
	o->oo_p[i].off = off;
	o->oo_p[i].end = end;
	o->oo_n = n;
	ss->ss_st.ss_held++;
	return (true);
}

/* Both directions ended: the state goes back, and the flow never takes more. */
static void
flow_finish(struct dp_streams *ss, struct dp_stream_slot *sl)
{
	struct dp_sflow *sf = sl->sl_flow;

	if (sf->sf_dir[0].sd_state == SD_DONE && sf->sf_dir[1].sd_state == SD_DONE) {
		rte_mempool_put(ss->ss_flows, sf);
		sl->sl_flow = NULL;
		sl->sl_syn |= SL_FINISHED;
	}
}

/* Opens direction sd at its first data: from its SYN, or from this segment. */
static bool
dir_open(struct dp_streams *ss, struct dp_stream_slot *sl, struct dp_sdir *sd,
	const struct hsvc_gen *g, unsigned lcore, const struct dp_segment *sg, unsigned d)
{
	if (hsvc_stream_open(
		    g, lcore, IPPROTO_TCP, sg->sg_to_server, sg->sg_server_port, &sd->sd_hs) < 0) {
		ss->ss_st.ss_errors++;
		sd->sd_state = SD_DONE;
		return (false);
	}
	if (sd->sd_hs.st_hs == NULL) {
		sd->sd_state = SD_DONE;
		return (false);
	}
	sd->sd_base = (sl->sl_syn & (1U << d)) != 0 ? sl->sl_syn_seq[d] + 1 : sg->sg_seq;
	sd->sd_next = 0;
	sd->sd_state = SD_OPEN;
	return (true);
}

/* The segment's bytes, in order or held; false when the direction ended. */
static bool
dir_data(struct dp_streams *ss, struct dp_sdir *sd, unsigned lcore, const struct dp_segment *sg,
	hsvc_match_fn cb, void *ctx)
{
	uint32_t depth = ss->ss_conf.sc_depth;
	uint32_t off = sg->sg_seq - sd->sd_base;
	int64_t rel = (int32_t)(off - sd->sd_next);
	const uint8_t *p = sg->sg_data;
	uint32_t len = sg->sg_len;

	if (rel < 0) {
		/* Starts before the next byte: what was scanned already is skipped. */
		uint64_t skip = (uint64_t)-rel;

		if (skip >= len) {
			ss->ss_st.ss_old += len;
			return (true);
		}
		ss->ss_st.ss_old += skip;
		p += skip;
		len -= (uint32_t)skip;
		rel = 0;
	}
	if (rel == 0) {
		dir_scan(ss, sd, lcore, p, RTE_MIN(len, depth - sd->sd_next), cb, ctx);
		dir_drain(ss, sd, lcore, cb, ctx);
	} else if ((uint64_t)sd->sd_next + (uint64_t)rel < depth) {
		uint32_t at = sd->sd_next + (uint32_t)rel;

		if (!dir_hold(ss, sd, at, (uint32_t)RTE_MIN((uint64_t)at + len, depth), p)) {
			ss->ss_st.ss_gaps++;
			dir_close(ss, sd, lcore, cb, ctx);
			return (false);
		}
	}
	if (sd->sd_next >= depth) {
		ss->ss_st.ss_depth++;
		dir_close(ss, sd, lcore, cb, ctx);
		return (false);
	}
	return (true);
}

void
dp_stream_segment(struct dp_streams *ss, struct dp_stream_slot *sl, const struct hsvc_gen *g,
	unsigned lcore, const struct dp_segment *sg, hsvc_match_fn cb, void *ctx)
{
	unsigned d = sg->sg_to_server ? 0 : 1;
	struct dp_sdir *sd;

	if (ss == NULL || ss->ss_conf.sc_depth == 0 || (sl->sl_syn & (SL_NO_STATE | SL_FINISHED)))
		return;
	if ((sg->sg_flags & MM_TCP_SYN) && !(sl->sl_syn & (1U << d))) {
		sl->sl_syn |= (uint8_t)(1U << d);
		sl->sl_syn_seq[d] = sg->sg_seq;
	}
	if (sl->sl_flow == NULL) {
		void *obj;

		if (sg->sg_len == 0 || g == NULL || hsvc_gen_stream_size(g, IPPROTO_TCP) == 0)
			return;
		if (rte_mempool_get(ss->ss_flows, &obj) < 0) {
			ss->ss_st.ss_no_state++;
			sl->sl_syn |= SL_NO_STATE;
			return;
		}
		memset(obj, 0, sizeof(struct dp_sflow));
		sl->sl_flow = obj;
		ss->ss_st.ss_flows++;
	}
	sd = &sl->sl_flow->sf_dir[d];
	if (sd->sd_state == SD_OPEN && hsvc_stream_gen(&sd->sd_hs) != g) {
		/* Opened with patterns a reload replaced: its pattern ids are not today's. */
		ss->ss_st.ss_regen++;
		dir_close(ss, sd, lcore, NULL, NULL);
	}
	if (sd->sd_state == SD_IDLE && sg->sg_len > 0 && g != NULL)
		dir_open(ss, sl, sd, g, lcore, sg, d);
	if (sd->sd_state == SD_OPEN && sg->sg_len > 0 && !dir_data(ss, sd, lcore, sg, cb, ctx)) {
		flow_finish(ss, sl);
		return;
	}
	if (sg->sg_flags & (MM_TCP_FIN | MM_TCP_RST)) {
		/* FIN ends its direction, RST both. */
		for (unsigned k = 0; k < 2; k++) {
			struct dp_sdir *x = &sl->sl_flow->sf_dir[k];

			if ((k == d || (sg->sg_flags & MM_TCP_RST)) && x->sd_state != SD_DONE) {
				if (x->sd_state == SD_OPEN)
					ss->ss_st.ss_closed++;
				dir_close(ss, x, lcore, cb, ctx);
			}
		}
	}
	flow_finish(ss, sl);
}

void
dp_stream_end(struct dp_streams *ss, struct dp_stream_slot *sl, unsigned lcore, hsvc_match_fn cb,
	void *ctx)
{
	struct dp_sflow *sf = sl->sl_flow;

	if (sf == NULL)
		return;
	for (unsigned d = 0; d < 2; d++) {
		if (sf->sf_dir[d].sd_state == SD_OPEN)
			ss->ss_st.ss_closed++;
		dir_close(ss, &sf->sf_dir[d], lcore, cb, ctx);
	}
	rte_mempool_put(ss->ss_flows, sf);
	sl->sl_flow = NULL;
	sl->sl_syn |= SL_FINISHED;
}
