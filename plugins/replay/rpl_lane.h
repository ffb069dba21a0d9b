/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lanes: the schedule split over several transmit lcores, each with a port
 * queue of its own, by each frame's flow, as traffic generators split
 * theirs.  The hash is symmetric, so both directions of a conversation
 * share a lane and every flow's frames leave in their order; frames of
 * different flows may leave in another order than the schedule's.  A lane
 * keeps its frames' absolute times, so paced runs keep their timing.
 */
#ifndef RPL_LANE_H
#define RPL_LANE_H

#include <stdint.h>

#include "rpl_engine.h"
#include "rpl_sched.h"

#define RPL_LANE_MAX 16

/*
 * The flow hash of an Ethernet frame (up to two VLAN tags): IPv4 or IPv6
 * addresses, protocol and TCP/UDP/SCTP ports, the same both ways.  IP
 * fragments hash without ports, so the fragments of a datagram stay
 * together; frames that are not IP hash on their two MAC addresses.
 */
uint32_t rpl_flow_hash(const uint8_t *f, uint32_t len);
/*
 * Splits en's schedule into n (1..RPL_LANE_MAX) lanes.  The frames of a flow
 * (one flow hash) share a lane; flows are dealt out biggest first, each to
 * the lane with the fewest scheduled frames so far, so that lanes end
 * together unless one flow outweighs the rest.  Each lane holds its entries
 * in schedule order.  Returns 0, -EINVAL (n out of range) or -ENOMEM, with
 * no lane left allocated.
 */
int rpl_lane_split(const struct rpl_engine *en, unsigned n, struct rpl_sched *lanes);

#endif /* RPL_LANE_H */
