/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up and port set-up.  One code path for every input: a PCI NIC,
 * net_af_packet on an interface, net_pcap on a capture file, net_ring or
 * net_null in tests.
 */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "settings.h"

/* The symmetric Toeplitz key: both directions of a flow hash alike. */
extern const uint8_t dp_rss_sym_key[40];

struct dp_port {
	uint16_t p_id;
	char p_name[RTE_ETH_NAME_MAX_LEN];
	char p_driver[32];
	uint16_t p_nb_rxq;
	bool p_rss;          /* the device spreads flows over its queues symmetrically */
	bool p_pcap_ts;      /* mbufs carry capture timestamps in microseconds (net_pcap) */
	bool p_offline;      /* reads a capture file: it ends */
	uint64_t p_expected; /* frames in the capture file, when offline */
};

/*
 * Builds the EAL argument vector from the settings: lcores, memory (falls back
 * to --no-huge with a warning when no hugepages are mounted and the settings
 * allow it), --no-pci when every port is a vdev, one --vdev or -a per port.
 * The vector and its strings are freed with dp_eal_args_free().
 */
int dp_eal_args(const struct dp_settings *s, const char *prog, char ***argv, int *argc, char *err,
	size_t errlen);
void dp_eal_args_free(char **argv);

/* True when hugetlbfs is mounted with pages available. */
bool dp_hugepages_available(void);

/* The ethdev name a port's dev string gives ("net_pcap0" for "net_pcap0,rx_pcap=x"). */
void dp_port_dev_name(const char *dev, char *name, size_t len);

/*
 * Finds the port for pc after rte_eal_init() and configures and starts it
 * with nb_rxq queues fed from mp.  Returns 0 or a negative errno with err set.
 */
int dp_port_setup(struct dp_port *p, const struct dp_port_conf *pc, struct rte_mempool *mp,
	char *err, size_t errlen);
void dp_port_close(struct dp_port *p);

/* Counts the frames of a capture file (for progress and to know the end). */
int dp_pcap_count(const char *path, uint64_t *frames, char *err, size_t errlen);

/* The rx_pcap= file named in a net_pcap dev string, or NULL. */
char *dp_dev_pcap_file(const char *dev);

#endif /* DP_PORT_H */
