/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui_model.h"

uint64_t
ui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
ui_hist_push(struct ui_hist *h, double v)
{
	h->h_v[h->h_count % UI_HIST_MAX] = v;
	h->h_count++;
}

size_t
ui_hist_buckets(const struct ui_hist *h, unsigned k, double *out, size_t n)
{
	uint64_t kept = h->h_count < UI_HIST_MAX ? h->h_count : UI_HIST_MAX;
	uint64_t first = h->h_count - kept, b_last, b_first;
	size_t w = 0;

	if (h->h_count == 0 || n == 0)
		return (0);
	if (k == 0)
		k = 1;
	b_last = (h->h_count - 1) / k;
	b_first = first / k;
	if (b_last - b_first + 1 > n)
		b_first = b_last - n + 1;
	for (uint64_t b = b_first; b <= b_last; b++) {
		uint64_t lo = b * k, hi = lo + k;
		double sum = 0;
		unsigned cnt = 0;

		if (lo < first)
			lo = first;
		if (hi > h->h_count)
			hi = h->h_count;
		for (uint64_t i = lo; i < hi; i++, cnt++)
			sum += h->h_v[i % UI_HIST_MAX];
		out[w++] = cnt > 0 ? sum / cnt : 0;
	}
	return (w);
}

int
ui_model_open(struct ui_model *m, const char *control, const char *store, const char *live,
	double refresh_s, char *err, size_t errlen)
{
	int rv;

	memset(m, 0, sizeof(*m));
	m->m_refresh_s = refresh_s;
	if (pipe2(m->m_wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return (-errno);
	}
	if ((rv = ui_daemon_open(m, control, err, errlen)) != 0)
		goto fail_daemon;
	if ((rv = ui_store_open(m, store, live, err, errlen)) != 0)
		goto fail_store;
	return (0);
fail_store:
	ui_daemon_close(m);
fail_daemon:
	close(m->m_wake[0]);
	close(m->m_wake[1]);
	return (rv);
}

void
ui_model_close(struct ui_model *m)
{
	ui_store_close(m);
	ui_daemon_close(m);
	close(m->m_wake[0]);
	close(m->m_wake[1]);
}

void
ui_model_tick(struct ui_model *m, uint64_t now_ms)
{
	ui_daemon_tick(m, now_ms);
	ui_store_tick(m, now_ms);
	/* The clock and the "ago" figures move. */
	m->m_changed = true;
}

void
ui_model_poll(struct ui_model *m, uint64_t now_ms)
{
	char buf[256];

	while (read(m->m_wake[0], buf, sizeof(buf)) > 0)
		m->m_changed = true;
	ui_link_poll(&m->m_d.d_link);
	ui_store_poll(m, now_ms);
}

int
ui_model_wake_fd(const struct ui_model *m)
{
	return (m->m_wake[0]);
}

int
ui_model_live_fd(struct ui_model *m)
{
	return (ui_link_recv_fd(&m->m_s.s_live));
}
