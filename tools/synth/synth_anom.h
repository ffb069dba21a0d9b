/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames that exercise a decoder's edges:
 *  - business lines on 802.1Q access VLANs and one wholesale line in QinQ
 *    (802.1ad outer tag, 802.1Q inner), each with a few ordinary flows;
 *  - a DNS answer large enough to come back as three IPv4 fragments;
 *  - ARP on the access link;
 *  - deliberately malformed frames, marked SYNTH_MARK_MALFORMED so the
 *    ground truth can list their frame numbers: an IPv4 header cut short
 *    by the end of the frame, an IHL below 5, and a TCP data offset that
 *    runs past the segment, twice each.
 */
#ifndef SYNTH_ANOM_H
#define SYNTH_ANOM_H

#include "synth_net.h"

#define SYNTH_MARK_MALFORMED 1
#define SYNTH_MARK_ARP       2

int synth_anom_run(struct synth_ctx *x);

#endif /* SYNTH_ANOM_H */
