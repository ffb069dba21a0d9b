/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <mamori/log.h>

#include "collector.h"

#define COL_BATCH       32    /* datagrams per recvmmsg() */
#define COL_DGRAM_MAX   65536 /* bytes: room for the largest UDP payload */
#define COL_POLL_MS     100   /* the longest the thread takes to see a stop */
#define COL_READS_MAX   8     /* recvmmsg() calls per socket and wakeup: the others get a turn */
#define COL_REFUSED_MAX 64    /* refused sources counted one by one */
#define COL_NS_PER_S    1000000000ULL
#define COL_LOG_EVERY   (10 * COL_NS_PER_S)

struct col_sock {
	int s_fd;
	const char *s_text; /* the configured address (the settings outlive us) */
	int s_rcvbuf;       /* the receive buffer, as the kernel reports it */
	uint64_t s_datagrams;
	uint64_t s_drops;      /* the kernel's drops, accumulated over its 32-bit counter */
	uint32_t s_drops_seen; /* the counter's last value */
};

struct col_refused {
	struct mm_addr r_addr;
	uint64_t r_datagrams;
};

/* What the control thread reads: copied by the collector thread under c_mu. */
struct col_snap {
	struct col_stats sn_st;
	struct col_refused sn_refused[COL_REFUSED_MAX];
	unsigned sn_nrefused;
	uint64_t sn_sock_datagrams[DP_COL_LISTEN];
	uint64_t sn_sock_drops[DP_COL_LISTEN];
	struct mm_nf_exporter_stats *sn_exp; /* c_exp_cap entries */
	size_t sn_nexp;
};

/* The start handshake: the thread registers, the control thread adds it to the plugins. */
enum col_state {
	COL_NEW,
	COL_REGISTERED, /* the thread has its lcore id */
	COL_FAILED,     /* rte_thread_register() failed */
	COL_RUN,        /* the control thread made it a flow source */
	COL_ABORT,      /* ... or could not */
};

struct col {
	struct mm_nf *c_nf;
	struct mm_prefix_set c_allow;
	bool c_allow_all;
	struct col_sock c_sock[DP_COL_LISTEN];
	unsigned c_nsock;
	int c_ep; /* epoll over the sockets */
	/* The thread. */
	pthread_t c_thread;
	bool c_started;
	bool c_stop;          /* set by the control thread (atomic) */
	pthread_mutex_t c_mu; /* the handshake and the snapshot */
	pthread_cond_t c_cv;
	enum col_state c_state;
	int c_errno;
	unsigned c_lcore; /* from rte_thread_register() */
	int c_socket;
	struct plg_set *c_set;
	unsigned c_slot; /* the plugin host's slot for this source */
	struct rte_ring *c_ring;
	void *c_scratch; /* a zeroed flow-state block for each record */
	size_t c_scratch_size;
	struct rte_rcu_qsbr *c_qsv; /* one reader: this thread */
	/* Receive buffers for recvmmsg(). */
	struct mmsghdr c_msgs[COL_BATCH];
	struct iovec c_iov[COL_BATCH];
	struct sockaddr_storage c_from[COL_BATCH];
	uint8_t c_cbuf[COL_BATCH][CMSG_SPACE(sizeof(uint32_t))];
	uint8_t *c_buf; /* COL_BATCH * COL_DGRAM_MAX */
	/* Counters, the thread's own. */
	struct col_stats c_st;
	struct col_refused c_refused[COL_REFUSED_MAX];
	unsigned c_nrefused;
	uint64_t c_last_log_ns; /* rejected datagrams are logged at most every 10 s */
	uint64_t c_unlogged;
	/* The copy the control thread reads. */
	size_t c_exp_cap;
	struct col_snap c_snap;
};

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ((uint64_t)ts.tv_sec * COL_NS_PER_S + (uint64_t)ts.tv_nsec);
}

/* ---- Sockets ---- */

static int
sock_open(struct col *c, const struct dp_col_listen *cl, uint64_t rcvbuf, char *err, size_t errlen)
{
	struct col_sock *s = &c->c_sock[c->c_nsock];
	int family = cl->cl_addr.ss_family, on = 1, want, got = 0;
	socklen_t len = sizeof(got);
	struct epoll_event ev;

	s->s_text = cl->cl_text;
	if ((s->s_fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "collector.listen '%s': socket: %s", cl->cl_text,
			strerror(errno));
		return (-errno);
	}
	c->c_nsock++;
	/* [::] is IPv6 only, so that 0.0.0.0 on the same port can be listed beside it. */
	if (family == AF_INET6 &&
		setsockopt(s->s_fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		mm_warn("collector.listen '%s': IPV6_V6ONLY: %s", cl->cl_text, strerror(errno));
	/* Root may pass net.core.rmem_max; others get what the sysctl allows. */
	want = (int)RTE_MIN(rcvbuf, (uint64_t)INT32_MAX / 2);
	if (setsockopt(s->s_fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(s->s_fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	getsockopt(s->s_fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
	s->s_rcvbuf = got;
	/* Linux reports twice the size asked (its bookkeeping is counted in). */
	if (got / 2 < want)
		mm_warn("collector.listen '%s': receive buffer of %d bytes where %d were asked: "
			"raise net.core.rmem_max or run as root; bursts may be dropped "
			"(socket_drops)",
			cl->cl_text, got / 2, want);
	/* The kernel's drop counter comes with each datagram. */
	if (setsockopt(s->s_fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) < 0)
		mm_warn("collector.listen '%s': SO_RXQ_OVFL: %s", cl->cl_text, strerror(errno));
	if (bind(s->s_fd, (const struct sockaddr *)&cl->cl_addr, cl->cl_len) < 0) {
		snprintf(err, errlen,
			"collector.listen '%s': cannot bind: %s (another collector on that port, "
			"or an address this host does not have?)",
			cl->cl_text, strerror(errno));
		return (-errno);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = c->c_nsock - 1;
	if (epoll_ctl(c->c_ep, EPOLL_CTL_ADD, s->s_fd, &ev) < 0) {
		snprintf(err, errlen, "collector.listen '%s': epoll: %s", cl->cl_text,
			strerror(errno));
		return (-errno);
	}
	return (0);
}

static void
drops_update(struct col_sock *s, uint32_t v)
{
	s->s_drops += (uint32_t)(v - s->s_drops_seen);
	s->s_drops_seen = v;
}

/* The drop counter without waiting for a datagram to carry it. */
static void
drops_poll(struct col_sock *s)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(s->s_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
		len > SK_MEMINFO_DROPS * sizeof(uint32_t))
		drops_update(s, mem[SK_MEMINFO_DROPS]);
}

/* ---- Records ---- */

/*
 * A NetFlow/IPFIX record is a finished flow: it starts and ends for the
 * plugins at once.  The decoder numbers it (fr_id) apart from packet flows.
 */
static void
col_record(void *arg, const struct mm_flow_rec *rec)
{
	struct col *c = arg;

	c->c_st.cs_records++;
	if (!c->c_set->ps_any_flow)
		return;
	memset(c->c_scratch, 0, c->c_scratch_size);
	plg_on_flow_new(c->c_set, c->c_slot, rec, c->c_scratch);
	plg_on_flow_end(c->c_set, c->c_slot, rec, c->c_scratch);
}

/*
 * Waits while the event ring is more than half full: datagrams wait in the
 * socket's buffer meanwhile, and what overflows it is counted by the kernel.
 */
static void
ring_wait(struct col *c)
{
	unsigned half = rte_ring_get_capacity(c->c_ring) / 2;

	if (rte_ring_free_count(c->c_ring) >= half)
		return;
	c->c_st.cs_ring_waits++;
	while (rte_ring_free_count(c->c_ring) < half &&
		!__atomic_load_n(&c->c_stop, __ATOMIC_ACQUIRE)) {
		rte_rcu_qsbr_quiescent(c->c_qsv, 0);
		usleep(100);
	}
}

static void
refuse(struct col *c, const struct mm_addr *from)
{
	char buf[MM_ADDR_STRLEN];

	c->c_st.cs_refused++;
	for (unsigned i = 0; i < c->c_nrefused; i++)
		if (memcmp(&c->c_refused[i].r_addr, from, sizeof(*from)) == 0) {
			c->c_refused[i].r_datagrams++;
			return;
		}
	if (c->c_nrefused == COL_REFUSED_MAX) {
		c->c_st.cs_refused_other++;
		return;
	}
	c->c_refused[c->c_nrefused].r_addr = *from;
	c->c_refused[c->c_nrefused].r_datagrams = 1;
	c->c_nrefused++;
	/* Once per source, and for a bounded number of sources. */
	mm_warn("collector: refusing datagrams from %s: not in collector.allow",
		mm_addr_format(from, buf, sizeof(buf)));
}

static void
log_rejected(struct col *c, const struct mm_addr *from, const char *why, uint64_t now)
{
	char buf[MM_ADDR_STRLEN], more[64] = "";

	if (c->c_last_log_ns != 0 && now - c->c_last_log_ns < COL_LOG_EVERY) {
		c->c_unlogged++;
		return;
	}
	if (c->c_unlogged > 0)
		snprintf(more, sizeof(more), " (and %" PRIu64 " more since the last such message)",
			c->c_unlogged);
	mm_warn("collector: datagram from %s not decoded: %s%s",
		mm_addr_format(from, buf, sizeof(buf)), why[0] != '\0' ? why : "refused", more);
	c->c_last_log_ns = now;
	c->c_unlogged = 0;
}

static void
datagram(struct col *c, struct col_sock *s, struct mmsghdr *m, uint64_t now)
{
	struct msghdr *mh = &m->msg_hdr;
	const struct sockaddr_storage *ss = mh->msg_name;
	struct mm_addr from;
	char why[256] = "";

	s->s_datagrams++;
	c->c_st.cs_datagrams++;
	c->c_st.cs_bytes += m->msg_len;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
			uint32_t v;

			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			drops_update(s, v);
		}
	}
	if (ss->ss_family == AF_INET)
		mm_addr_from_v4(
			&from, (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr);
	else
		mm_addr_from_v6(
			&from, (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr);
	if (!c->c_allow_all && !mm_prefix_set_contains(&c->c_allow, &from)) {
		refuse(c, &from);
		return;
	}
	if ((mh->msg_flags & MSG_TRUNC) != 0) {
		c->c_st.cs_truncated++;
		return;
	}
	ring_wait(c);
	if (mm_nf_decode(c->c_nf, &from, mh->msg_iov->iov_base, m->msg_len, now, col_record, c, why,
		    sizeof(why)) < 0) {
		c->c_st.cs_rejected++;
		log_rejected(c, &from, why, now);
	}
}

/* Reads what a socket holds, a bounded number of batches at a time. */
static void
sock_read(struct col *c, struct col_sock *s)
{
	for (int k = 0; k < COL_READS_MAX; k++) {
		uint64_t now;
		int n;

		for (unsigned i = 0; i < COL_BATCH; i++) {
			struct msghdr *mh = &c->c_msgs[i].msg_hdr;

			mh->msg_name = &c->c_from[i];
			mh->msg_namelen = sizeof(c->c_from[i]);
			mh->msg_iov = &c->c_iov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = c->c_cbuf[i];
			mh->msg_controllen = sizeof(c->c_cbuf[i]);
			mh->msg_flags = 0;
			c->c_iov[i].iov_base = c->c_buf + (size_t)i * COL_DGRAM_MAX;
			c->c_iov[i].iov_len = COL_DGRAM_MAX;
		}
		if ((n = recvmmsg(s->s_fd, c->c_msgs, COL_BATCH, MSG_DONTWAIT, NULL)) <= 0)
			return;
		now = clock_ns(CLOCK_REALTIME);
		for (int i = 0; i < n; i++)
			datagram(c, s, &c->c_msgs[i], now);
		rte_rcu_qsbr_quiescent(c->c_qsv, 0);
		if (n < COL_BATCH)
			return;
	}
}

/* ---- Statistics ---- */

/* Copies the counters for the control thread: by the collector thread, or once it is gone. */
static void
publish(struct col *c)
{
	struct col_snap *sn = &c->c_snap;
	size_t n;

	pthread_mutex_lock(&c->c_mu);
	sn->sn_st = c->c_st;
	sn->sn_st.cs_socket_drops = 0;
	for (unsigned i = 0; i < c->c_nsock; i++) {
		drops_poll(&c->c_sock[i]);
		sn->sn_sock_datagrams[i] = c->c_sock[i].s_datagrams;
		sn->sn_sock_drops[i] = c->c_sock[i].s_drops;
		sn->sn_st.cs_socket_drops += c->c_sock[i].s_drops;
	}
	mm_nf_stats(c->c_nf, &sn->sn_st.cs_nf);
	memcpy(sn->sn_refused, c->c_refused, sizeof(c->c_refused[0]) * c->c_nrefused);
	sn->sn_nrefused = c->c_nrefused;
	n = mm_nf_exporters(c->c_nf, sn->sn_exp, c->c_exp_cap);
	sn->sn_nexp = RTE_MIN(n, c->c_exp_cap);
	pthread_mutex_unlock(&c->c_mu);
}

static json_t *
addr_json(const struct mm_addr *a)
{
	char buf[MM_ADDR_STRLEN];

	return (json_string(mm_addr_format(a, buf, sizeof(buf))));
}

static json_t *
exporter_json(const struct mm_nf_exporter_stats *e)
{
	return (json_pack("{s:o, s:I, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "address",
		addr_json(&e->es_addr), "source_id", (json_int_t)e->es_source_id, "version",
		(int)e->es_version, "datagrams", (json_int_t)e->es_datagrams, "records",
		(json_int_t)e->es_records, "seq_gaps", (json_int_t)e->es_seq_gaps,
		"unknown_template", (json_int_t)e->es_unknown_template, "malformed",
		(json_int_t)e->es_malformed, "out_of_range", (json_int_t)e->es_out_of_range,
		"templates", (json_int_t)e->es_templates, "sampling", (json_int_t)e->es_sampling));
}

json_t *
col_stats_json(struct col *c)
{
	const struct col_snap *sn = &c->c_snap;
	const struct col_stats *st = &sn->sn_st;
	json_t *socks = json_array(), *refused = json_array(), *exps = json_array(), *o;

	pthread_mutex_lock(&c->c_mu);
	for (unsigned i = 0; i < c->c_nsock; i++)
		json_array_append_new(
			socks, json_pack("{s:s, s:i, s:I, s:I}", "address", c->c_sock[i].s_text,
				       "rcvbuf", c->c_sock[i].s_rcvbuf, "datagrams",
				       (json_int_t)sn->sn_sock_datagrams[i], "socket_drops",
				       (json_int_t)sn->sn_sock_drops[i]));
	for (unsigned i = 0; i < sn->sn_nrefused; i++)
		json_array_append_new(refused,
			json_pack("{s:o, s:I}", "address", addr_json(&sn->sn_refused[i].r_addr),
				"datagrams", (json_int_t)sn->sn_refused[i].r_datagrams));
	for (size_t i = 0; i < sn->sn_nexp; i++)
		json_array_append_new(exps, exporter_json(&sn->sn_exp[i]));
	o = json_pack("{s:o, s:b, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:o}",
		"listen", socks, "allow_all", c->c_allow_all, "datagrams",
		(json_int_t)st->cs_datagrams, "bytes", (json_int_t)st->cs_bytes, "socket_drops",
		(json_int_t)st->cs_socket_drops, "refused", (json_int_t)st->cs_refused,
		"refused_sources", refused, "refused_other", (json_int_t)st->cs_refused_other,
		"truncated", (json_int_t)st->cs_truncated, "rejected", (json_int_t)st->cs_rejected,
		"malformed", (json_int_t)st->cs_nf.ns_malformed, "bad_version",
		(json_int_t)st->cs_nf.ns_bad_version, "exporters_full",
		(json_int_t)st->cs_nf.ns_exporters_full, "records", (json_int_t)st->cs_records,
		"ring_waits", (json_int_t)st->cs_ring_waits, "exporters", exps);
	pthread_mutex_unlock(&c->c_mu);
	return (o);
}

void
col_stats_print(FILE *f, struct col *c, unsigned max_exporters)
{
	const struct col_snap *sn = &c->c_snap;
	const struct col_stats *st = &sn->sn_st;
	char buf[MM_ADDR_STRLEN];

	pthread_mutex_lock(&c->c_mu);
	fprintf(f,
		"collector: %" PRIu64 " datagrams, %" PRIu64 " flow records from %zu exporter(s); "
		"lost or refused: %" PRIu64 " socket drops, %" PRIu64
		" refused (allow-list), %" PRIu64 " not decoded, %" PRIu64 " malformed, %" PRIu64
		" truncated\n",
		st->cs_datagrams, st->cs_records, sn->sn_nexp, st->cs_socket_drops, st->cs_refused,
		st->cs_rejected, st->cs_nf.ns_malformed, st->cs_truncated);
	for (size_t i = 0; i < sn->sn_nexp && i < max_exporters; i++) {
		const struct mm_nf_exporter_stats *e = &sn->sn_exp[i];

		fprintf(f,
			"  exporter %s/%" PRIu32 " v%u: %" PRIu64 " datagrams, %" PRIu64
			" records; seq gaps %" PRIu64 ", unknown template %" PRIu64
			", malformed %" PRIu64 ", out of range %" PRIu64 "; %" PRIu64
			" templates, sampling 1/%" PRIu32 "\n",
			mm_addr_format(&e->es_addr, buf, sizeof(buf)), e->es_source_id,
			e->es_version, e->es_datagrams, e->es_records, e->es_seq_gaps,
			e->es_unknown_template, e->es_malformed, e->es_out_of_range,
			e->es_templates, e->es_sampling);
	}
	if (sn->sn_nexp > max_exporters)
		fprintf(f, "  ... and %zu more exporters (mamorictl stats)\n",
			sn->sn_nexp - max_exporters);
	pthread_mutex_unlock(&c->c_mu);
}

/* ---- The thread ---- */

static void
col_loop(struct col *c)
{
	struct epoll_event evs[DP_COL_LISTEN];
	uint64_t last_tick = clock_ns(CLOCK_MONOTONIC);

	rte_rcu_qsbr_thread_register(c->c_qsv, 0);
	rte_rcu_qsbr_thread_online(c->c_qsv, 0);
	while (!__atomic_load_n(&c->c_stop, __ATOMIC_ACQUIRE)) {
		uint64_t t;
		int n;

		/* Blocked, it holds nothing: a reload need not wait for it. */
		rte_rcu_qsbr_thread_offline(c->c_qsv, 0);
		n = epoll_wait(c->c_ep, evs, (int)RTE_DIM(evs), COL_POLL_MS);
		rte_rcu_qsbr_thread_online(c->c_qsv, 0);
		for (int i = 0; i < n; i++)
			sock_read(c, &c->c_sock[evs[i].data.u32]);
		if ((t = clock_ns(CLOCK_MONOTONIC)) - last_tick >= COL_NS_PER_S) {
			mm_nf_expire(c->c_nf, clock_ns(CLOCK_REALTIME));
			publish(c);
			last_tick = t;
		}
		rte_rcu_qsbr_quiescent(c->c_qsv, 0);
	}
	rte_rcu_qsbr_thread_offline(c->c_qsv, 0);
	rte_rcu_qsbr_thread_unregister(c->c_qsv, 0);
}

static void *
col_main(void *arg)
{
	struct col *c = arg;
	bool run;

	pthread_mutex_lock(&c->c_mu);
	if (rte_thread_register() != 0) {
		c->c_errno = rte_errno;
		c->c_state = COL_FAILED;
		pthread_cond_broadcast(&c->c_cv);
		pthread_mutex_unlock(&c->c_mu);
		return (NULL);
	}
	c->c_lcore = rte_lcore_id();
	c->c_socket = (int)rte_socket_id();
	c->c_state = COL_REGISTERED;
	pthread_cond_broadcast(&c->c_cv);
	while (c->c_state == COL_REGISTERED)
		pthread_cond_wait(&c->c_cv, &c->c_mu);
	run = c->c_state == COL_RUN;
	pthread_mutex_unlock(&c->c_mu);
	if (run)
		col_loop(c);
	rte_thread_unregister();
	return (NULL);
}

/* ---- Control side ---- */

int
col_open(struct col **cp, const struct dp_col_conf *conf, char *err, size_t errlen)
{
	struct col *c;
	int rv = -ENOMEM;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "collector: out of memory");
		return (-ENOMEM);
	}
	c->c_ep = -1;
	pthread_mutex_init(&c->c_mu, NULL);
	pthread_cond_init(&c->c_cv, NULL);
	mm_prefix_set_init(&c->c_allow);
	c->c_allow_all = conf->cc_allow_all;
	for (size_t i = 0; i < conf->cc_allow.ps_n; i++)
		if (mm_prefix_set_add(&c->c_allow, &conf->cc_allow.ps_v[i]) < 0)
			goto fail_mem;
	c->c_exp_cap = conf->cc_limits.nl_exporters;
	c->c_snap.sn_exp = calloc(c->c_exp_cap, sizeof(*c->c_snap.sn_exp));
	c->c_buf = malloc((size_t)COL_BATCH * COL_DGRAM_MAX);
	c->c_nf = mm_nf_new(&conf->cc_limits, conf->cc_biflow);
	c->c_qsv = rte_zmalloc("col_rcu", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	if (c->c_snap.sn_exp == NULL || c->c_buf == NULL || c->c_nf == NULL || c->c_qsv == NULL ||
		rte_rcu_qsbr_init(c->c_qsv, 1) != 0)
		goto fail_mem;
	if ((c->c_ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rv = -errno;
		snprintf(err, errlen, "collector: epoll: %s", strerror(errno));
		goto fail;
	}
	for (unsigned i = 0; i < conf->cc_nlisten; i++)
		if ((rv = sock_open(c, &conf->cc_listen[i], conf->cc_rcvbuf, err, errlen)) < 0)
			goto fail;
	*cp = c;
	return (0);

fail_mem:
	snprintf(err, errlen, "collector: out of memory (collector.max_exporters %u)",
		conf->cc_limits.nl_exporters);
fail:
	col_free(c);
	return (rv);
}

int
col_start(struct col *c, struct plg_set *set, unsigned ring_size, char *err, size_t errlen)
{
	int slot, rv;

	c->c_set = set;
	c->c_scratch_size = set->ps_flow_size;
	if ((c->c_scratch = calloc(1, RTE_MAX(c->c_scratch_size, (size_t)8))) == NULL) {
		snprintf(err, errlen, "collector: out of memory");
		return (-ENOMEM);
	}
	/* A control thread: it runs on the CPUs the EAL lcores leave, not on a worker's. */
	if ((rv = rte_ctrl_thread_create(&c->c_thread, "mm-collector", NULL, col_main, c)) != 0) {
		snprintf(err, errlen, "collector: cannot start its thread: %s", strerror(-rv));
		return (rv < 0 ? rv : -rv);
	}
	c->c_started = true;
	pthread_mutex_lock(&c->c_mu);
	while (c->c_state == COL_NEW)
		pthread_cond_wait(&c->c_cv, &c->c_mu);
	pthread_mutex_unlock(&c->c_mu);
	if (c->c_state == COL_FAILED) {
		pthread_join(c->c_thread, NULL);
		c->c_started = false;
		snprintf(err, errlen, "collector: cannot register its thread with DPDK: %s",
			rte_strerror(c->c_errno));
		return (-c->c_errno);
	}
	/* plg_source_add() belongs to the control thread; the thread waits for it. */
	slot = plg_source_add(set, c->c_lcore, c->c_socket, ring_size, err, errlen);
	pthread_mutex_lock(&c->c_mu);
	if (slot >= 0) {
		c->c_slot = (unsigned)slot;
		c->c_ring = set->ps_events[slot];
	}
	c->c_state = slot >= 0 ? COL_RUN : COL_ABORT;
	pthread_cond_broadcast(&c->c_cv);
	pthread_mutex_unlock(&c->c_mu);
	if (slot < 0) {
		pthread_join(c->c_thread, NULL);
		c->c_started = false;
		return (slot);
	}
	for (unsigned i = 0; i < c->c_nsock; i++)
		mm_notice("collector: listening on %s (NetFlow v5/v9, IPFIX)%s",
			c->c_sock[i].s_text,
			c->c_allow_all ? "" : ", exporters in collector.allow only");
	if (c->c_allow_all)
		mm_warn("collector: no collector.allow: datagrams from any address are decoded; "
			"list the exporters' networks");
	mm_info("collector: thread on lcore %u, flow source slot %u", c->c_lcore, c->c_slot);
	return (0);
}

void
col_stop(struct col *c)
{
	if (c == NULL || !c->c_started)
		return;
	__atomic_store_n(&c->c_stop, true, __ATOMIC_RELEASE);
	pthread_join(c->c_thread, NULL);
	c->c_started = false;
	/* The thread is gone: the last numbers are exact. */
	publish(c);
}

void
col_synchronize(struct col *c)
{
	if (c != NULL)
		rte_rcu_qsbr_synchronize(c->c_qsv, RTE_QSBR_THRID_INVALID);
}

void
col_free(struct col *c)
{
	if (c == NULL)
		return;
	col_stop(c);
	for (unsigned i = 0; i < c->c_nsock; i++)
		close(c->c_sock[i].s_fd);
	if (c->c_ep >= 0)
		close(c->c_ep);
	mm_nf_free(c->c_nf);
	rte_free(c->c_qsv);
	mm_prefix_set_fini(&c->c_allow);
	free(c->c_snap.sn_exp);
	free(c->c_buf);
	free(c->c_scratch);
	pthread_cond_destroy(&c->c_cv);
	pthread_mutex_destroy(&c->c_mu);
	free(c);
}
