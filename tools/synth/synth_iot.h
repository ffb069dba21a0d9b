/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vulnerable devices on subscriber lines, seen from outside:
 *  - a DVR whose telnet (BusyBox telnetd) takes Mirai's first default
 *    credential, root / xc3511: an infected host elsewhere finds it with a
 *    Mirai SYN (sequence number = the DVR's address), fails once with
 *    admin / admin, then logs in and gets the "# " prompt;
 *  - an IP camera whose web server answers "Server: GoAhead-Webs", whose
 *    RTSP server is a Hipcam RealServer and whose FTP greeting is
 *    vsFTPd 2.3.4, all read by an Internet-wide survey scanner.
 */
#ifndef SYNTH_IOT_H
#define SYNTH_IOT_H

#include <stdbool.h>
#include <stdint.h>

#include "synth_net.h"

/*
 * A Mirai-style telnet login from cli to dev:23 starting at when: the
 * device's option negotiation, "login: ", the user, "Password: ", the
 * password; on success the shell prompt and Mirai's busybox probe.  The
 * client closes.  *done gets the time of the last packet.
 */
int synth_iot_telnet_login(struct synth_ctx *x, struct synth_rng *r, struct synth_host *cli,
	struct synth_host *dev, uint64_t when, const char *user, const char *pass, bool accept,
	uint64_t *done);

int synth_iot_run(struct synth_ctx *x);

#endif /* SYNTH_IOT_H */
