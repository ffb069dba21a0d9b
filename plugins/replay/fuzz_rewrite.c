/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary frames through the rewrite maps (MAC, IPv4 and
 * IPv6 prefixes, ports) and the checksum fix-ups.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpl_rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rpl_rewrite rw;
	static bool ready;
	struct rpl_rw_stats st = { 0 };
	uint8_t *f;
	char err[256];

	if (!ready) {
		rpl_rewrite_add_mac(
			&rw, "00:00:5e:00:53:01", "02:00:00:00:00:01", err, sizeof(err));
		rpl_rewrite_add_ip(&rw, "10.0.0.0/8", "172.16.0.0/8", err, sizeof(err));
		rpl_rewrite_add_ip(&rw, "192.168.0.0/17", "10.1.0.0/17", err, sizeof(err));
		rpl_rewrite_add_ip(&rw, "2001:db8:1::/48", "2001:db8:99::/48", err, sizeof(err));
		rpl_rewrite_add_port(&rw, "23", "2323", err, sizeof(err));
		rpl_rewrite_add_port(&rw, "53", "5353", err, sizeof(err));
		ready = true;
	}
	if (size > 65535 || (f = malloc(size + 1)) == NULL)
		return (0);
	memcpy(f, data, size);
	rpl_rewrite_frame(&rw, f, (uint32_t)size, &st);
	free(f);
	return (0);
}
