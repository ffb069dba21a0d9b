/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "rpl_sock.h"

#define BATCH_MAX 64
#define SEGS_MAX  8
/* Room for a few bursts of jumbo frames before the kernel pushes back. */
#define SNDBUF_BYTES (4 << 20)

int
rpl_sock_open(struct rpl_sock *so, const char *dev, char *err, size_t errlen)
{
	const char *ifname = dev + strlen(RPL_SOCK_PREFIX);
	struct sockaddr_ll sll;
	int one = 1, sndbuf = SNDBUF_BYTES, rv;
	unsigned idx;

	memset(so, 0, sizeof(*so));
	so->so_fd = -1;
	if ((idx = if_nametoindex(ifname)) == 0) {
		rv = -errno;
		snprintf(err, errlen, "port '%s': no interface '%s': %s", dev, ifname,
			strerror(errno));
		return (rv);
	}
	/* Protocol 0: the socket receives nothing, so it costs the receive path nothing. */
	if ((so->so_fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0) {
		rv = -errno;
		snprintf(err, errlen, "port '%s': packet socket: %s (needs CAP_NET_RAW)", dev,
			strerror(errno));
		return (rv);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)idx;
	if (bind(so->so_fd, (struct sockaddr *)&sll, sizeof(sll)) != 0 ||
		setsockopt(so->so_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) != 0 ||
		setsockopt(so->so_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) != 0) {
		rv = -errno;
		snprintf(err, errlen, "port '%s': %s", dev, strerror(errno));
		rpl_sock_close(so);
		return (rv);
	}
	return (0);
}

uint16_t
rpl_sock_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct rpl_sock *so = arg;
	struct mmsghdr msg[BATCH_MAX];
	struct iovec iov[BATCH_MAX][SEGS_MAX];
	uint16_t done = 0, k;

	if (n > BATCH_MAX)
		n = BATCH_MAX;
	memset(msg, 0, n * sizeof(*msg));
	for (k = 0; k < n; k++) {
		const struct rte_mbuf *m = pkts[k];
		unsigned s = 0;

		for (; m != NULL && s < SEGS_MAX; m = m->next, s++) {
			iov[k][s].iov_base = rte_pktmbuf_mtod(m, void *);
			iov[k][s].iov_len = m->data_len;
		}
		/* A chain longer than SEGS_MAX goes out cut short: the kernel then refuses it. */
		msg[k].msg_hdr.msg_iov = iov[k];
		msg[k].msg_hdr.msg_iovlen = s;
	}
	while (done < n) {
		int r = sendmmsg(so->so_fd, msg + done, n - done, 0);

		if (r > 0) {
			for (int j = 0; j < r; j++) {
				so->so_obytes += pkts[done + j]->pkt_len;
				rte_pktmbuf_free(pkts[done + j]);
			}
			so->so_opackets += (uint64_t)r;
			done = (uint16_t)(done + r);
		} else if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS) {
			/* The kernel is full for now: the caller offers the rest again. */
			break;
		} else {
			/* This frame cannot go at all (too long, link down): drop it. */
			so->so_oerrors++;
			rte_pktmbuf_free(pkts[done]);
			done++;
		}
	}
	return (done);
}

void
rpl_sock_close(struct rpl_sock *so)
{
	if (so->so_fd >= 0)
		close(so->so_fd);
	so->so_fd = -1;
}
