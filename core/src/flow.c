/* SPDX-License-Identifier: BSD-3-Clause */
/* Names for flow record fields, as they appear in EVE output and logs. */
#include <stdio.h>

#include "mamori/flow.h"

const char *
mm_flow_end_name(enum mm_flow_end end)
{
	switch (end) {
	case MM_FLOW_END_FIN:
		return ("fin");
	case MM_FLOW_END_RST:
		return ("rst");
	case MM_FLOW_END_IDLE:
		return ("idle");
	case MM_FLOW_END_ACTIVE:
		return ("active");
	case MM_FLOW_END_EVICTED:
		return ("evicted");
	case MM_FLOW_END_SHUTDOWN:
		return ("shutdown");
	case MM_FLOW_END_EXPORTER:
		return ("exporter");
	}
	return ("unknown");
}

const char *
mm_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 1:
		return ("ICMP");
	case 6:
		return ("TCP");
	case 17:
		return ("UDP");
	case 47:
		return ("GRE");
	case 50:
		return ("ESP");
	case 58:
		return ("IPv6-ICMP");
	case 132:
		return ("SCTP");
	}
	if (buf == NULL || len == 0)
		return ("");
	snprintf(buf, len, "%u", proto);
	return (buf);
}
