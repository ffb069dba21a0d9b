/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SSH sessions for the post-quantum inventory: subscribers' OpenSSH
 * clients log in to outside servers, each side's KEXINIT in clear, then
 * the key exchange the two lists agree on, NEWKEYS and an encrypted
 * interactive session.  Three pairings:
 *  - OpenSSH 10.0 offering mlkem768x25519-sha256 and sntrup761 first, to
 *    a RHEL 9 OpenSSH 8.7 that lists neither: curve25519-sha256, a
 *    quantum-vulnerable exchange from a PQ-capable client;
 *  - OpenSSH 10.0 to OpenSSH 10.0: mlkem768x25519-sha256;
 *  - Ubuntu's OpenSSH 9.6 to Debian's 9.2: sntrup761x25519-sha512@openssh.com.
 */
#ifndef SYNTH_SSHGEN_H
#define SYNTH_SSHGEN_H

#include "synth_net.h"

int synth_sshgen_run(struct synth_ctx *x);

#endif /* SYNTH_SSHGEN_H */
