/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_errno.h>

#include <mamori/log.h>

#include "port.h"

const uint8_t dp_rss_sym_key[40] = {
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
	0x6d,
	0x5a,
};

bool
dp_hugepages_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long total = 0, free_pages = 0;
	bool mounted = false;

	if (f == NULL)
		return (false);
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Total: %lu", &total);
		sscanf(line, "HugePages_Free: %lu", &free_pages);
	}
	fclose(f);
	if ((f = fopen("/proc/mounts", "r")) == NULL)
		return (false);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, " hugetlbfs ") != NULL)
			mounted = true;
	fclose(f);
	return (mounted && total > 0 && free_pages > 0);
}

void
dp_port_dev_name(const char *dev, char *name, size_t len)
{
	size_t n = strcspn(dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, dev, n);
	name[n] = '\0';
}

char *
dp_dev_pcap_file(const char *dev)
{
	const char *k = strstr(dev, "rx_pcap=");

	if (k == NULL)
		return (NULL);
	k += strlen("rx_pcap=");
	return (strndup(k, strcspn(k, ",")));
}

static int
argv_push(char ***argv, int *argc, const char *s)
{
	char **v = realloc(*argv, sizeof(char *) * (size_t)(*argc + 2));

	if (v == NULL)
		return (-ENOMEM);
	*argv = v;
	if ((v[*argc] = strdup(s)) == NULL)
		return (-ENOMEM);
	(*argc)++;
	v[*argc] = NULL;
	return (0);
}

void
dp_eal_args_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

int
dp_eal_args(const struct dp_settings *s, const char *prog, char ***argvp, int *argcp, char *err,
	size_t errlen)
{
	char **argv = NULL;
	int argc = 0, rv = 0;
	bool any_pci = false, huge;
	char buf[512];

	for (unsigned i = 0; i < s->s_nports; i++)
		any_pci |= !s->s_ports[i].pc_is_vdev;
	huge = s->s_huge == DP_HUGE_ON || (s->s_huge == DP_HUGE_AUTO && dp_hugepages_available());
	if (s->s_huge == DP_HUGE_AUTO && !huge)
		mm_warn("no hugepages mounted: running with --no-huge -m %" PRIu64
			" (slower; see scripts/setup-hugepages)",
			s->s_memory_mb);

	rv |= argv_push(&argv, &argc, prog);
	rv |= argv_push(&argv, &argc, "--lcores");
	rv |= argv_push(&argv, &argc, s->s_lcores);
	if (!huge) {
		/* 22.11 refuses --in-memory with --no-huge; --no-shconf is the equivalent. */
		rv |= argv_push(&argv, &argc, "--no-huge");
		rv |= argv_push(&argv, &argc, "--no-shconf");
		snprintf(buf, sizeof(buf), "%" PRIu64, s->s_memory_mb);
		rv |= argv_push(&argv, &argc, "-m");
		rv |= argv_push(&argv, &argc, buf);
	}
	if (!any_pci)
		rv |= argv_push(&argv, &argc, "--no-pci");
	if (!s->s_telemetry)
		rv |= argv_push(&argv, &argc, "--no-telemetry");
	snprintf(buf, sizeof(buf), "--log-level=%s", s->s_eal_log_level);
	rv |= argv_push(&argv, &argc, buf);
	for (unsigned i = 0; i < s->s_nports; i++) {
		rv |= argv_push(&argv, &argc, s->s_ports[i].pc_is_vdev ? "--vdev" : "-a");
		rv |= argv_push(&argv, &argc, s->s_ports[i].pc_dev);
	}
	for (char **a = s->s_eal_args; a != NULL && *a != NULL; a++)
		rv |= argv_push(&argv, &argc, *a);
	if (rv != 0) {
		snprintf(err, errlen, "out of memory building the EAL arguments");
		dp_eal_args_free(argv);
		return (-ENOMEM);
	}
	*argvp = argv;
	*argcp = argc;
	return (0);
}

static int
port_find(const struct dp_port_conf *pc, uint16_t *id)
{
	char name[RTE_ETH_NAME_MAX_LEN];

	dp_port_dev_name(pc->pc_dev, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, id) == 0)
		return (0);
	if (!pc->pc_is_vdev && strchr(name, ':') == strrchr(name, ':')) {
		/* A short PCI address: EAL names the port with its domain. */
		char full[RTE_ETH_NAME_MAX_LEN + 8];

		snprintf(full, sizeof(full), "0000:%s", name);
		if (rte_eth_dev_get_port_by_name(full, id) == 0)
			return (0);
	}
	return (-ENODEV);
}

int
dp_port_setup(struct dp_port *p, const struct dp_port_conf *pc, struct rte_mempool *mp, char *err,
	size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int rv;

	memset(p, 0, sizeof(*p));
	if (port_find(pc, &p->p_id) != 0) {
		snprintf(err, errlen,
			"port '%s': no such device (is the PCI device bound to vfio-pci, the "
			"interface up, the capture readable?)",
			pc->pc_dev);
		return (-ENODEV);
	}
	rte_eth_dev_get_name_by_port(p->p_id, p->p_name);
	if ((rv = rte_eth_dev_info_get(p->p_id, &info)) != 0) {
		snprintf(err, errlen, "port %s: cannot read device info: %s", p->p_name,
			rte_strerror(-rv));
		return (rv);
	}
	snprintf(p->p_driver, sizeof(p->p_driver), "%s", info.driver_name);
	p->p_nb_rxq = pc->pc_rx_queues;
	if (p->p_nb_rxq > info.max_rx_queues) {
		snprintf(err, errlen, "port %s: %u RX queues asked, the device has at most %u",
			p->p_name, p->p_nb_rxq, info.max_rx_queues);
		return (-EINVAL);
	}
	p->p_pcap_ts = strcmp(info.driver_name, "net_pcap") == 0;
	p->p_offline = p->p_pcap_ts && strstr(pc->pc_dev, "rx_pcap=") != NULL;

	memset(&conf, 0, sizeof(conf));
	if (p->p_nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		/* Symmetric RSS: both directions of a flow reach the same queue. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)dp_rss_sym_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(dp_rss_sym_key);
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		p->p_rss = true;
	}
	if ((rv = rte_eth_dev_configure(p->p_id, p->p_nb_rxq, 1, &conf)) != 0) {
		snprintf(err, errlen, "port %s: configure with %u RX queues: %s", p->p_name,
			p->p_nb_rxq, rte_strerror(-rv));
		return (rv);
	}
	for (uint16_t q = 0; q < p->p_nb_rxq; q++) {
		rv = rte_eth_rx_queue_setup(p->p_id, q, pc->pc_rx_desc,
			(unsigned)rte_eth_dev_socket_id(p->p_id), NULL, mp);
		if (rv != 0) {
			snprintf(err, errlen, "port %s: RX queue %u with %u descriptors: %s",
				p->p_name, q, pc->pc_rx_desc, rte_strerror(-rv));
			return (rv);
		}
	}
	rv = rte_eth_tx_queue_setup(
		p->p_id, 0, 512, (unsigned)rte_eth_dev_socket_id(p->p_id), NULL);
	if (rv != 0) {
		snprintf(err, errlen, "port %s: TX queue: %s", p->p_name, rte_strerror(-rv));
		return (rv);
	}
	if ((rv = rte_eth_dev_start(p->p_id)) != 0) {
		snprintf(err, errlen, "port %s: start: %s", p->p_name, rte_strerror(-rv));
		return (rv);
	}
	if (pc->pc_promisc && !p->p_offline)
		rte_eth_promiscuous_enable(p->p_id);
	return (0);
}

void
dp_port_close(struct dp_port *p)
{
	rte_eth_dev_stop(p->p_id);
	rte_eth_dev_close(p->p_id);
}

int
dp_pcap_count(const char *path, uint64_t *frames, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	uint64_t n = 0;
	int rv;

	if ((pc = pcap_open_offline(path, ebuf)) == NULL) {
		const char *why = ebuf;

		/* libpcap sometimes names the file itself: say it once. */
		if (strncmp(why, path, strlen(path)) == 0 &&
			strncmp(why + strlen(path), ": ", 2) == 0)
			why += strlen(path) + 2;
		snprintf(err, errlen, "capture '%s': %s", path, why);
		return (-EINVAL);
	}
	while ((rv = pcap_next_ex(pc, &h, &data)) == 1)
		n++;
	if (rv == PCAP_ERROR)
		mm_warn("capture '%s': %s after %" PRIu64 " packets; the rest is unreadable", path,
			pcap_geterr(pc), n);
	pcap_close(pc);
	*frames = n;
	return (0);
}
