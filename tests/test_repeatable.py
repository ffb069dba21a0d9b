#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An offline run's results do not depend on how fast the machine is.

mamorid --pcap reads a capture as fast as it can, and the plugins' own
threads (c2detect's analysis, pqcinv's parsing on the control thread) keep
up or fall behind depending on the machine.  Offline nothing may be lost and
nothing may depend on that race: the demo capture (mamori-synth --scenario
demo --seed 1) with configs/default.yaml's plugins gives the same events,
byte for byte, when

  * the control lcore and the worker have a CPU each (eal.lcores 0-1);
  * they share one CPU (0@0,1@0), so the plugins' threads run late;
  * they share one CPU and pqcinv's ring to the control thread holds only
    4 handshakes.

Each run must also count no loss: pqcinv's and c2detect's ring_full stay 0.
c2_stats is left out of the comparison: it reports the analysis thread's own
timings.
"""
import collections
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402

SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
CONFIG = os.path.join(mt.SRC, "configs", "default.yaml")
COMPARED = ("flow", "c2_candidate", "c2_handshake", "c2_summary", "iot_device", "pqc_session")


def run(c, pcap, work, tag, sets):
    """mamorid on pcap; returns ({event type: sorted lines}, plugin counters) or None."""
    eve = os.path.join(work, tag + ".eve.json")
    summary = os.path.join(work, tag + ".summary.json")
    cmd = [mt.MAMORID, "-q", "-c", CONFIG,
           "--set", "ports.0.dev=net_pcap0,rx_pcap=" + pcap,
           "--set", "output.eve=" + eve,
           "--set", "output.flows=",
           "--set", "output.summary_json=" + summary,
           "--set", "state_dir=" + os.path.join(work, tag + ".state")]
    for s in sets:
        cmd += ["--set", s]
    rc, out, err = mt.run(cmd, timeout=180)
    if not c.check(rc == 0, "%s: mamorid exit 0" % tag, (out + err)[-2000:]):
        return None
    events = collections.defaultdict(list)
    with open(eve) as f:
        for line in f:
            t = json.loads(line).get("event_type")
            if t in COMPARED:
                events[t].append(line.rstrip("\n"))
    with open(summary) as f:
        counters = {p["name"]: p.get("counters", {}) for p in json.load(f)["plugins"]}
    return {t: sorted(v) for t, v in events.items()}, counters


def main():
    mt.need_mamorid()
    if not os.access(SYNTH, os.X_OK):
        mt.skip("%s not built: skipping" % SYNTH)
    work = tempfile.mkdtemp(prefix="mamori-repeatable-")
    c = mt.Checks(work)
    pcap = os.path.join(work, "demo.pcap")
    rc, _, err = mt.run([SYNTH, "--scenario", "demo", "--seed", "1", "-q", "-w", pcap])
    if not c.check(rc == 0, "mamori-synth --scenario demo", err[-500:]):
        c.finish()
    runs = [
        ("apart", ["eal.lcores=0-1"]),
        ("shared", ["eal.lcores=0@0,1@0"]),
        ("small", ["eal.lcores=0@0,1@0", "plugins.pqcinv.ring=4"]),
    ]
    results = {}
    for tag, sets in runs:
        r = run(c, pcap, work, tag, sets)
        if r is None:
            c.finish()
        results[tag] = r
        events, counters = r
        for p in ("pqcinv", "c2detect"):
            lost = counters.get(p, {}).get("ring_full", 0)
            c.check(lost == 0, "%s: %s lost nothing (ring_full %d)" % (tag, p, lost))
    base, _ = results["apart"]
    for t in COMPARED:
        c.check(len(base.get(t, [])) > 0, "apart: %d %s events" % (len(base.get(t, [])), t))
    for tag in ("shared", "small"):
        events, _ = results[tag]
        for t in COMPARED:
            a, b = base.get(t, []), events.get(t, [])
            diff = sorted(set(a) ^ set(b))[:2]
            c.check(a == b, "%s: the same %s events as apart (%d, %d)" % (tag, t, len(a), len(b)),
                    "\n".join(x[:300] for x in diff))
    c.finish()


main()
