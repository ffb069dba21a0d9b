#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of the bus fuzzer into fuzz/corpus/bus/.

Each seed is built here field by field after the layout in
core/include/mamori/bus.h.  The names say what a seed is, and test_bus checks
it: ok_batch_* decode as batches, ok_ack_* as acknowledgements, bad_* as
neither (one per way of being malformed).  Deterministic: running it again
rewrites the same files.  Python 3 standard library only.

Usage: python3 fuzz/corpus/make_bus_seeds.py
"""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bus")

BATCH_MAGIC = 0x56454D4D  # "MMEV"
ACK_MAGIC = 0x4B414D4D  # "MMAK"
VERSION = 1
PRODUCER = 0x0123456789ABCDEF

FLOW = (b'{"timestamp":"2024-02-13T14:34:38.788187+0000","flow_id":1234567,'
        b'"event_type":"flow","src_ip":"10.0.0.1","src_port":49152,'
        b'"dest_ip":"192.0.2.80","dest_port":80,"proto":"TCP"}')
ALERT = b'{"event_type":"alert","alert":{"signature_id":1}}'


def batch(events, first_seq=1, producer=PRODUCER, magic=BATCH_MAGIC, version=VERSION,
          flags=0, count=None, reserved=0, lengths=None):
    """A batch; count and lengths may lie about the events that follow."""
    if count is None:
        count = len(events)
    out = bytearray(struct.pack("<IHHQQII", magic, version, flags, producer, first_seq,
                                count, reserved))
    for i, ev in enumerate(events):
        n = len(ev) if lengths is None else lengths[i]
        out += struct.pack("<I", n) + ev
    return bytes(out)


def ack(status=0, acked_seq=3, reason=b"", producer=PRODUCER, magic=ACK_MAGIC,
        version=VERSION, msglen=None):
    if msglen is None:
        msglen = len(reason)
    return struct.pack("<IHHQQI", magic, version, status, producer, acked_seq, msglen) + reason


SEEDS = {
    "ok_batch_one.bin": batch([b"{}"]),
    "ok_batch_three.bin": batch([FLOW, ALERT, b'{"event_type":"stats"}'], first_seq=1000),
    "ok_batch_high_seq.bin": batch([ALERT, ALERT], first_seq=2**64 - 2),
    "ok_ack_commit.bin": ack(),
    "ok_ack_refused.bin": ack(status=16, reason=b"database is locked"),
    "bad_batch_short_header.bin": batch([b"{}"])[:20],
    "bad_batch_magic.bin": batch([b"{}"], magic=0x4B414D4D),
    "bad_batch_version.bin": batch([b"{}"], version=2),
    "bad_batch_zero_events.bin": batch([]),
    "bad_batch_count_over_limit.bin": batch([b"{}"], count=65537),
    "bad_batch_length_past_end.bin": batch([FLOW, ALERT], lengths=[len(FLOW), 900]),
    "bad_batch_trailing.bin": batch([FLOW]) + b"\n",
    "bad_batch_seq_wrap.bin": batch([b"{}", b"{}"], first_seq=2**64 - 1),
    "bad_ack_reason_length.bin": ack(status=5, reason=b"disk", msglen=40),
    "bad_ack_status0_reason.bin": ack(status=0, reason=b"why"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
