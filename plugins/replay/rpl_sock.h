/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Linux packet socket as a transmit port ("--port sock:IFACE"): frames are
 * handed to the kernel in batches with sendmmsg(2), past the qdisc, and the
 * kernel copies each into an skb of its own.  net_af_packet's mmap ring
 * instead lends the kernel its ring pages, which a veth must copy again (a
 * page allocated per frame) before the peer may hold them; on a veth this
 * path costs the kernel less per frame.  One socket per transmit lcore.
 */
#ifndef RPL_SOCK_H
#define RPL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#define RPL_SOCK_PREFIX "sock:"

/* True for a port named "sock:IFACE". */
static inline bool
rpl_sock_is(const char *dev)
{
	return (strncmp(dev, RPL_SOCK_PREFIX, strlen(RPL_SOCK_PREFIX)) == 0);
}

struct rpl_sock {
	int so_fd;
	uint64_t so_opackets;
	uint64_t so_obytes;
	uint64_t so_oerrors; /* frames the kernel refused (longer than the MTU, link down) */
};

/*
 * Opens a socket that sends on the interface named by dev ("sock:IFACE").
 * Returns 0, or a negative errno with err naming the interface.
 */
int rpl_sock_open(struct rpl_sock *so, const char *dev, char *err, size_t errlen);
/*
 * An rpl_tx_fn: sends what the kernel takes now and frees those mbufs; a
 * frame the kernel refuses outright is dropped and counted in so_oerrors.
 * Returns how many frames were taken (sent or dropped).
 */
uint16_t rpl_sock_tx(void *arg, struct rte_mbuf **pkts, uint16_t n);
void rpl_sock_close(struct rpl_sock *so);

#endif /* RPL_SOCK_H */
