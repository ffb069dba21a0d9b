# SPDX-License-Identifier: BSD-3-Clause
"""mamori-central: cross-site C&C detection from per-site summaries.

Synthetic summaries are written here by an independent implementation of
core/include/mamori/summary.h (client hash, HyperLogLog registers, interval
statistics), for three sites over four 5-minute windows:

  203.0.113.66:443   nine bots, three per site, beacon every 60 s: no site
                     sees the five clients a candidate needs; the fleet does
  198.51.100.9:8443  three beaconing clients that roam: each is seen at all
                     three sites, so the fleet still has three (a union, not
                     a sum) and nothing is flagged
  192.0.2.80:443     forty clients, irregular (exponential) intervals: busy,
                     but nobody beacons
  203.0.113.99:53    six bots at one site: flagged, but not fleet-only

From files (each site alone, then all), and through NATS JetStream (a real
nats-server started here): summaries published by the exporter's JetStream
sink as three sites, consumed by mamori-central's durable consumer, which
a second run finds drained.  Skips (77) without nats-server for that part."""
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import mamori_test as mt  # noqa: E402
import fleet_lib as fl  # noqa: E402

CENTRAL = os.path.join(mt.BUILD, "tools", "central", "mamori-central")
PUBLISH = os.path.join(mt.BUILD, "tests", "fleet", "fleet_publish")
M64 = (1 << 64) - 1
P = 10
SITES = ["pop-a", "pop-b", "pop-c"]
T0 = 1775001600  # 2026-04-01T00:00:00Z
WINDOW = 300


def mix64(x):
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & M64
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & M64
    x ^= x >> 31
    return x


def client_hash(ip):
    """summary.h's mm_summary_client_hash of an IPv4 address (::ffff:a.b.c.d)."""
    b = bytes(10) + b"\xff\xff" + bytes(int(o) for o in ip.split("."))
    a = int.from_bytes(b[:8], "little")
    c = int.from_bytes(b[8:], "little")
    return mix64(mix64(a ^ 0x6d616d6f72690001) ^ c)


def hll_hex(hashes):
    regs = {}
    for h in hashes:
        idx = h >> (64 - P)
        rest = (h << P) & M64
        rank = 64 - P + 1 if rest == 0 else min(64 - rest.bit_length() + 1, 64 - P + 1)
        regs[idx] = max(regs.get(idx, 0), rank)
    return "".join("%04x" % (i << 6 | r) for i, r in sorted(regs.items()))


def pair(ip, times):
    iv = [b - a for a, b in zip(times, times[1:])]
    n = len(iv)
    mean = sum(iv) / n if n else 0.0
    m2 = sum((x - mean) ** 2 for x in iv)
    return {"client": "%016x" % client_hash(ip), "n": n, "mean_s": mean, "m2": m2}


def beacon_times(rnd, start, period=60.0, jitter=0.05):
    t, out = start + rnd.uniform(0, period), []
    while t < start + WINDOW:
        out.append(t)
        t += period * (1 + rnd.uniform(-jitter, jitter))
    return out


def summaries():
    """{site: [summary events]}"""
    rnd = random.Random(7)
    bots = {s: ["10.%d.0.%d" % (k, i + 1) for i in range(3)] for k, s in enumerate(SITES)}
    roamers = ["10.9.9.%d" % i for i in (1, 2, 3)]
    cdn = {s: ["10.%d.1.%d" % (k, i + 1) for i in range(14)] for k, s in enumerate(SITES)}
    dns_bots = ["10.0.2.%d" % i for i in range(1, 7)]
    out = {s: [] for s in SITES}
    for w in range(4):
        ws = T0 + w * WINDOW
        for s in SITES:
            dests = []

            def dest(ip, port, clients, times_of):
                pairs = [pair(c, times_of(c)) for c in clients]
                dests.append({"dest_ip": ip, "dest_port": port, "proto": "TCP" if port != 53
                              else "UDP", "flows": sum(p["n"] + 1 for p in pairs),
                              "clients": len(clients),
                              "hll": hll_hex(client_hash(c) for c in clients),
                              "pairs": [p for p in pairs if p["n"] > 0]})

            dest("203.0.113.66", 443, bots[s], lambda c: beacon_times(rnd, ws))
            dest("198.51.100.9", 8443, roamers, lambda c: beacon_times(rnd, ws, 120))

            def irregular(c):
                t, ts = ws, []
                while True:
                    t += rnd.expovariate(1 / 40.0)
                    if t >= ws + WINDOW:
                        return ts
                    ts.append(t)
            dest("192.0.2.80", 443, cdn[s], irregular)
            if s == "pop-a":
                dest("203.0.113.99", 53, dns_bots, lambda c: beacon_times(rnd, ws, 30))
            iso = "2026-04-01T%02d:%02d:00Z" % (w * 5 // 60, w * 5 % 60)
            out[s].append({"timestamp": iso, "event_type": "c2_summary", "plugin": "c2detect",
                           "summary": {"version": 1, "window_start": iso, "window_s": WINDOW,
                                       "destinations": dests}})
    return out


def write(path, events, site=None):
    with open(path, "w") as f:
        for e in events:
            if site is not None:
                e = dict(e, site=site)
            f.write(json.dumps(e) + "\n")


def candidates(path):
    try:
        with open(path) as f:
            return {"%s:%d" % (e["dest_ip"], e["dest_port"]): e for e in map(json.loads, f)}
    except OSError:
        return {}


def main():
    if not os.access(CENTRAL, os.X_OK):
        mt.skip("%s not built" % CENTRAL)
    work = tempfile.mkdtemp(prefix="mm-central-")
    t = mt.Checks(work)
    sums = summaries()
    files = {}
    for s in SITES:
        files[s] = os.path.join(work, s + ".json")
        write(files[s], sums[s], site=s)

    # Each site alone: its three bots are not enough for 203.0.113.66.
    for s in SITES:
        out = os.path.join(work, "alone-%s.json" % s)
        rc, _, err = mt.run([CENTRAL, "--once", "--input", files[s], "--eve", out])
        c = candidates(out)
        t.check(rc == 0 and "203.0.113.66:443" not in c,
                "%s alone: 203.0.113.66 not flagged (3 clients there)" % s, err.splitlines()[-1:])
    # The fleet.
    out = os.path.join(work, "fleet.json")
    rc, _, err = mt.run([CENTRAL, "--once", "--eve", out] +
                        sum((["--input", files[s]] for s in SITES), []))
    c = candidates(out)
    cc = c.get("203.0.113.66:443", {}).get("fleet", {})
    t.check(rc == 0 and 8 <= cc.get("clients", 0) <= 10 and cc.get("beacon_clients") == 9 and
            cc.get("sites_seen") == 3 and cc.get("fleet_only") is True and
            55 <= cc.get("period_s", 0) <= 65,
            "fleet: 203.0.113.66:443 flagged, fleet-only: %s" % json.dumps(cc))
    t.check("198.51.100.9:8443" not in c, "roaming clients counted once: 198.51.100.9 not "
            "flagged (3 distinct clients over 3 sites)")
    t.check("192.0.2.80:443" not in c, "busy but irregular 192.0.2.80 not flagged")
    d = c.get("203.0.113.99:53", {}).get("fleet", {})
    t.check(d.get("fleet_only") is False and d.get("sites_seen") == 1,
            "a one-site C&C is flagged but not fleet-only: %s" % json.dumps(d))

    # Malformed summaries: refused with the reason, counted, the rest merged.
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        f.write('{"event_type":"c2_summary","summary":{"version":1,"window_start":"x",'
                '"window_s":300,"destinations":[]}}\n')
        f.write('{"event_type":"c2_summary","summary":{"version":1,"window_start":'
                '"2026-04-01T00:00:00Z","window_s":300,"destinations":[{"dest_ip":"1.2.3.4",'
                '"dest_port":1,"proto":"TCP","hll":"zz"}]}}\n')
        f.write('not json\n')
        f.write('{"event_type":"flow"}\n')
    rc, _, err = mt.run([CENTRAL, "--once", "--input", bad, "--eve", os.devnull])
    t.check(rc == 0 and "window_start" in err and "\"hll\"" in err and
            "0 summaries merged, 3 refused, 1 other events skipped" in err,
            "malformed summaries are refused and counted", err.splitlines()[-4:])
    rc, _, err = mt.run([CENTRAL, "--input", "x", "--nats", "nats://127.0.0.1:1"])
    t.check(rc == 2 and "one of them" in err, "usage errors say what to do: %s" % err.strip())

    why = fl.missing_servers()
    if why:
        t.note("JetStream part skipped: %s" % why)
        sys.exit(t.finish())
    nats = fl.NatsCluster(work, 1)
    try:
        nats.start_all()
        url = nats.urls()[0]
        base = [CENTRAL, "--nats", url, "--replicas", "1", "--once", "--idle-ms", "1500"]
        # The stream exists before the sites publish (mamori-central creates it).
        rc, _, err = mt.run(base + ["--eve", os.devnull], timeout=60)
        t.check(rc == 0, "mamori-central creates the stream and its consumer",
                err.splitlines()[-2:])
        for s in SITES:
            plain = os.path.join(work, s + ".plain.json")
            write(plain, sums[s])
            rc, out, err = mt.run([PUBLISH, url, s, plain], timeout=60)
            t.check(rc == 0, "%s publishes its summaries: %s" % (s, out.strip()),
                    err.splitlines()[-3:])
        out = os.path.join(work, "js.json")
        rc, _, err = mt.run(base + ["--eve", out, "--publish", "central", "--state-dir", work],
                            timeout=60)
        c = candidates(out)
        cc = c.get("203.0.113.66:443", {}).get("fleet", {})
        t.check(rc == 0 and cc.get("fleet_only") is True and cc.get("sites_seen") == 3 and
                "198.51.100.9:8443" not in c and "192.0.2.80:443" not in c,
                "from JetStream: 203.0.113.66:443 flagged over 3 sites, nothing else fleet-only",
                err.splitlines()[-3:])
        rc, _, err = mt.run(base + ["--eve", os.devnull], timeout=60)
        t.check(rc == 0 and "0 summaries merged" in err,
                "the durable consumer was acknowledged: a second run gets nothing again",
                err.splitlines()[-1:])
    finally:
        nats.stop()
    sys.exit(t.finish())


if __name__ == "__main__":
    main()
