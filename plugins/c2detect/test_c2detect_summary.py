# SPDX-License-Identifier: BSD-3-Clause
"""c2detect's fleet summaries: mamorid --pcap on mamori-synth's mirai scenario.

Every 5-minute window of packet time gives a c2_summary event in the format of
core/include/mamori/summary.h; the C&C server is in them with every bot as a
client (the sketch's registers and the pairs' client hashes checked here
against an independent implementation of the client hash), the last window
is summarised at the end of the capture, summary_window 0 turns them off,
summary_max_destinations bounds them, and
mamori-central, reading the EVE file, flags the C&C server.  With an active
timeout under the bots' keepalive (60 s), each keepalive of their C&C session
is a flow record, so the intervals show the beacon.
"""
import calendar
import json
import os
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
import mamori_test as mt  # noqa: E402

PLUGIN = os.path.join(mt.BUILD, "plugins", "mamori_c2detect.so")
SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
CENTRAL = os.path.join(mt.BUILD, "tools", "central", "mamori-central")
HOME = "10.0.0.0/16,2001:db8:1::/48"
M64 = (1 << 64) - 1
P = 10


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
    return mix64(mix64(int.from_bytes(b[:8], "little") ^ 0x6d616d6f72690001)
                 ^ int.from_bytes(b[8:], "little"))


def hll_hex(hashes):
    regs = {}
    for h in hashes:
        idx = h >> (64 - P)
        rest = (h << P) & M64
        rank = 64 - P + 1 if rest == 0 else min(64 - rest.bit_length() + 1, 64 - P + 1)
        regs[idx] = max(regs.get(idx, 0), rank)
    return "".join("%04x" % (i << 6 | r) for i, r in sorted(regs.items()))


def utc(s):
    """RFC 3339 'YYYY-MM-DDTHH:MM:SSZ' to seconds since the epoch."""
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def run(pcap, work, tag, sets=()):
    eve = os.path.join(work, tag + ".eve.json")
    state = os.path.join(work, tag + ".state")
    os.makedirs(state, exist_ok=True)
    cmd = [mt.MAMORID, "-q", "--pcap", pcap, "--eve", eve, "--set", "state_dir=" + state,
           "--set", "home_net=[%s]" % HOME, "--set", "plugins.load=[%s]" % PLUGIN]
    for s in sets:
        cmd += ["--set", s]
    rc, _, err = mt.run(cmd, timeout=180)
    evs = []
    if os.path.exists(eve):
        with open(eve) as f:
            evs = [json.loads(l) for l in f if l.strip()]
    return rc, evs, eve, err


def split_sites(pcap, bots, nsites, work):
    """The capture seen from nsites peering points: site k carries every packet except
    those to or from the bots of the other sites (each site has nsites-th of the bots;
    the background is seen everywhere).  Plain pcap, Ethernet, IPv4 addresses only."""
    with open(pcap, "rb") as f:
        data = f.read()
    head, off = data[:24], 24
    owner = {bytes(int(o) for o in b.split(".")): i % nsites for i, b in enumerate(bots)}
    outs = [[head] for _ in range(nsites)]
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        rec = data[off:off + 16 + incl]
        frame = rec[16:]
        off += 16 + incl
        sites = set(range(nsites))
        if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
            for a in (frame[26:30], frame[30:34]):
                if a in owner:
                    sites = {owner[a]}
        for k in sites:
            outs[k].append(rec)
    paths = []
    for k in range(nsites):
        paths.append(os.path.join(work, "site%d.pcap" % k))
        with open(paths[-1], "wb") as f:
            f.write(b"".join(outs[k]))
    return paths


def summaries(evs):
    return [e for e in evs if e.get("event_type") == "c2_summary" and "summary" in e]


def cnc_entries(sums, m):
    out = []
    for e in sums:
        for d in e["summary"]["destinations"]:
            if (d["dest_ip"], d["dest_port"], d["proto"]) == (m["cnc"], m["cnc_port"], "TCP"):
                out.append((e["summary"]["window_start"], d))
    return out


def check_format(c, sums, tag):
    bad = []
    for e in sums:
        s = e["summary"]
        if s.get("version") != 1 or s.get("window_s") != 300 or \
                not s.get("window_start", "").endswith(":00Z") or \
                utc(s["window_start"]) % 300 != 0:
            bad.append("window: %s" % json.dumps({k: s.get(k) for k in
                                                 ("version", "window_start", "window_s")}))
        for d in s.get("destinations", []):
            h = d.get("hll", "")
            if not h or len(h) % 4 or not 1 <= d.get("clients", 0) <= d.get("flows", 0) or \
                    len(d.get("pairs", [])) > 64 or \
                    any(len(p["client"]) != 16 or p["n"] < 1 or p["m2"] < 0
                        or p["first"] > p["last"] for p in d["pairs"]):
                bad.append("%s:%s %s" % (d.get("dest_ip"), d.get("dest_port"),
                                         json.dumps(d)[:200]))
    c.check(sums and not bad, "%s: %d c2_summary events in the summary format" % (
        tag, len(sums)), bad[:5])


def main():
    mt.need_mamorid()
    for path in (PLUGIN, SYNTH, CENTRAL):
        if not os.access(path, os.R_OK):
            mt.skip("%s not built; skipping" % path)
    work = tempfile.mkdtemp(prefix="c2detect-summary-")
    c = mt.Checks(work)
    pcap = os.path.join(work, "mirai.pcap")
    truth = os.path.join(work, "mirai.truth.json")
    rc, _, err = mt.run([SYNTH, "-s", "mirai", "--seed", "7", "-q", "-w", pcap, "-t", truth])
    if rc != 0:
        c.check(False, "mamori-synth writes the mirai scenario", err.splitlines()[-3:])
        c.finish()
    with open(truth) as f:
        t = json.load(f)
    m = t["generators"]["mirai"]
    bots = sorted(b["host"] for b in m["bots"])
    hashes = {"%016x" % client_hash(b) for b in bots}
    duration = t.get("duration_s", 3600)

    # The defaults: a window every 5 minutes of the capture, the last one at its end.
    rc, evs, eve, err = run(pcap, work, "default")
    sums = summaries(evs)
    c.check(rc == 0, "mamorid --pcap with c2detect", err.splitlines()[-3:])
    check_format(c, sums, "defaults")
    starts = sorted(utc(e["summary"]["window_start"]) for e in sums)
    c.check(len(starts) == len(set(starts)) and len(starts) >= duration // 300 and
            starts == list(range(starts[0], starts[0] + 300 * len(starts), 300)),
            "one summary per window, %d windows in a row (the last at the end)" % len(starts),
            [str(s) for s in starts])
    ent = cnc_entries(sums, m)
    full = [d for _, d in ent if d["clients"] == len(bots)]
    c.check(full, "the C&C %s:%d is summarised with clients == %d bots" % (
        m["cnc"], m["cnc_port"], len(bots)), [json.dumps(d)[:300] for _, d in ent[:3]])
    c.check(full and all(d["hll"] == hll_hex(client_hash(b) for b in bots) for d in full),
            "its sketch holds exactly the bots' client hashes")
    c.check(ent and all(d["clients"] <= len(bots) and
                        {p["client"] for p in d["pairs"]} <= hashes for _, d in ent),
            "its pairs are the bots' (client hashes)")

    # Off.
    rc, evs, _, err = run(pcap, work, "off", ["plugins.c2detect.summary_window=0"])
    c.check(rc == 0 and not summaries(evs), "summary_window 0: no summaries",
            err.splitlines()[-3:])

    # Bounded: destinations beyond the cap are left out, counted and logged.
    rc, evs, _, err = run(pcap, work, "capped", ["plugins.c2detect.summary_max_destinations=2"])
    capped = summaries(evs)
    c.check(rc == 0 and len(capped) == len(sums) and
            all(len(e["summary"]["destinations"]) <= 2 for e in capped) and
            "over summary_max_destinations (2)" in err,
            "summary_max_destinations 2: at most 2 destinations a window, the rest logged",
            err.splitlines()[-3:])

    # Each keepalive a record: the bots' intervals, and mamori-central's candidate.
    rc, evs, eve, err = run(pcap, work, "keepalive", ["flow.active_timeout=30s"])
    sums = summaries(evs)
    check_format(c, sums, "active_timeout 30s")
    ent = cnc_entries(sums, m)
    beacons = [p for _, d in ent for p in d["pairs"] if p["n"] >= 3 and 55 <= p["mean_s"] <= 65]
    c.check(len({p["client"] for p in beacons}) == len(bots),
            "every bot's keepalives give intervals of about 60 s", [
                json.dumps(d["pairs"])[:300] for _, d in ent[:2]])
    out = os.path.join(work, "central.json")
    rc, _, err = mt.run([CENTRAL, "--once", "--input", eve, "--site", "pop-a", "--eve", out])
    cands = []
    if os.path.exists(out):
        with open(out) as f:
            cands = [json.loads(l) for l in f if l.strip()]
    hit = [e for e in cands if e["dest_ip"] == m["cnc"] and e["dest_port"] == m["cnc_port"]]
    c.check(rc == 0 and sums and "%d summaries merged" % len(sums) in err,
            "mamori-central merges all %d summaries from the EVE file" % len(sums),
            err.splitlines()[-3:])
    c.check(hit and hit[0]["fleet"]["clients"] == len(bots) and
            hit[0]["fleet"]["beacon_clients"] == len(bots) and
            55 <= hit[0]["fleet"]["period_s"] <= 65,
            "mamori-central: candidate %s:%d with %d beaconing clients" % (
                m["cnc"], m["cnc_port"], len(bots)),
            [json.dumps(e) for e in cands] or err.splitlines()[-3:])

    # Three sites, two bots each: no site has enough clients to call the server a C&C
    # by its fan-in; mamori-central, merging the three sites' summaries, does.
    evefiles, site_fanin = [], []
    for k, site in enumerate(split_sites(pcap, bots, 3, work)):
        rc, evs, eve, err = run(site, work, "site%d" % k, ["flow.active_timeout=30s"])
        c.check(rc == 0 and summaries(evs), "site %d: mamorid --pcap, summaries" % k,
                err.splitlines()[-3:])
        site_fanin += [e for e in evs if e.get("event_type") == "c2_candidate" and
                       e.get("dest_ip") == m["cnc"] and
                       e.get("c2_candidate", {}).get("kind") == "fanin"]
        tagged = os.path.join(work, "site%d.tagged.json" % k)
        with open(tagged, "w") as f:
            for e in evs:
                e["site"] = "pop-%d" % k
                f.write(json.dumps(e) + "\n")
        evefiles.append(tagged)
    c.check(not site_fanin, "no site alone reports %s as a fan-in C&C server (2 bots each)"
            % m["cnc"], [json.dumps(e)[:200] for e in site_fanin[:3]])
    out = os.path.join(work, "central-sites.json")
    cmd = [CENTRAL, "--once", "--eve", out]
    for f in evefiles:
        cmd += ["--input", f]
    rc, _, err = mt.run(cmd)
    cands = []
    if os.path.exists(out):
        with open(out) as f:
            cands = [json.loads(l) for l in f if l.strip()]
    hit = [e for e in cands if e["dest_ip"] == m["cnc"] and e["dest_port"] == m["cnc_port"]]
    c.check(rc == 0 and hit and hit[0]["fleet"]["clients"] == len(bots) and
            hit[0]["fleet"]["fleet_only"] and hit[0]["fleet"]["sites_seen"] == 3,
            "mamori-central over the three sites: %s:%d with %d clients, fleet only" % (
                m["cnc"], m["cnc_port"], len(bots)),
            [json.dumps(e)[:400] for e in cands] or err.splitlines()[-3:])
    c.finish()


if __name__ == "__main__":
    main()
