/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events as they leave a worker lcore: fixed-size, no pointers, copied into
 * the lcore's single-producer ring to the exporter.  The exporter (control
 * side) turns each into an EVE JSON object, calling the emitting plugin's
 * pd_format for the sub-object named after the event type, then gives it a
 * sequence number and delivers it.
 */
#ifndef MAMORI_EVENT_H
#define MAMORI_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow.h"
#include "netaddr.h"

#define MM_EVENT_DATA_MAX 448

struct mm_event {
	uint64_t ev_ts_ns;     /* when it happened (packet time) */
	uint64_t ev_flow_id;   /* 0 when not about one flow */
	struct mm_addr ev_src; /* the EVE 5-tuple; zero when not about traffic */
	struct mm_addr ev_dst;
	uint16_t ev_sport;
	uint16_t ev_dport;
	uint8_t ev_proto;
	uint8_t ev_plugin; /* set by the host: the emitting plugin */
	uint16_t ev_type;  /* index into the plugin's pd_event_types */
	uint16_t ev_len;   /* bytes used in ev_data */
	uint16_t ev_vlan;  /* outer VLAN id, 0 if none */
	uint8_t ev_data[MM_EVENT_DATA_MAX] __attribute__((aligned(8))); /* the plugin's payload */
};

_Static_assert(sizeof(struct mm_event) == 512, "struct mm_event is one 512-byte ring slot");

/*
 * Starts an event about the flow r: the envelope from the record (the time of
 * its last packet, its id, its 5-tuple, its outer VLAN), everything else zero.
 * The type and the payload (ev_data, ev_len) are the caller's to fill.
 */
static inline void
mm_event_from_flow(struct mm_event *ev, const struct mm_flow_rec *r)
{
	memset(ev, 0, offsetof(struct mm_event, ev_data));
	ev->ev_ts_ns = r->fr_last_ns;
	ev->ev_flow_id = r->fr_id;
	ev->ev_src = r->fr_src;
	ev->ev_dst = r->fr_dst;
	ev->ev_sport = r->fr_sport;
	ev->ev_dport = r->fr_dport;
	ev->ev_proto = r->fr_proto;
	ev->ev_vlan = r->fr_vlan_n > 0 ? r->fr_vlan[0] : 0;
}

#endif /* MAMORI_EVENT_H */
