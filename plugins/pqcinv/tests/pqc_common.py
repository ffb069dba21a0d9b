# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the pqcinv tests: run mamorid with the plugin on a capture."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", os.path.join(HERE, "..", "..", "..")),
                                "tests", "lib"))
import mamori_test as mt  # noqa: E402

PLUGIN = os.path.join(mt.BUILD, "plugins", "mamori_pqcinv.so")
TABLE = os.path.join(mt.SRC, "plugins", "pqcinv", "pqc-algorithms.yaml")
SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
PQC_DATA = os.path.join(mt.DATA, "pcap", "pqc")


def need_plugin():
    mt.need_mamorid()
    if not os.path.exists(PLUGIN):
        mt.skip("%s not built: skipping" % PLUGIN)


def run_pcap(pcap, work, tag, extra_sets=()):
    """mamorid --pcap with pqcinv; returns (rc, pqc_session events, state dir, output)."""
    eve = os.path.join(work, tag + ".eve.json")
    state = os.path.join(work, tag + ".state")
    os.makedirs(state, exist_ok=True)
    cmd = [mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve,
           "--set", "state_dir=" + state,
           "--set", "plugins.load=[%s]" % PLUGIN,
           "--set", "plugins.pqcinv.table=" + TABLE,
           # Captures taken with segmentation offload hold frames above 2 KiB.
           "--set", "mempool.data_room=16384"]
    for s in extra_sets:
        cmd += ["--set", s]
    rc, out, err = mt.run(cmd, timeout=120)
    events = []
    try:
        with open(eve) as f:
            for line in f:
                line = line.strip()
                if line:
                    o = json.loads(line)
                    if o.get("event_type") == "pqc_session":
                        events.append(o)
    except OSError:
        pass
    return rc, events, state, out + err


def codes(lst):
    return [x["code"] for x in lst]


def rewrite_pcap(src, dst, order):
    """Writes the frames of a classic pcap file src at the 1-based numbers in order to dst."""
    import struct
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    frames, pos = [], 24
    while pos + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        frames.append(data[pos:pos + 16 + incl])
        pos += 16 + incl
    with open(dst, "wb") as f:
        f.write(data[:24])
        for n in order:
            f.write(frames[n - 1])
    return len(frames)
