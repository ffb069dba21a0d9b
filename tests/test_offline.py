#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mamorid's edge cases, offline: the command line, broken configurations,
broken captures, and two workers against one.

  * --help exits 0 and mentions every long option of main.c's option table;
    an unknown option and a stray argument exit 2;
  * a missing capture: one line naming the file, exit 2;
  * broken configurations (bad YAML, the unknown key flow.idle_timout, a bad
    duration): an error naming file:line and the key, exit 2;
  * a capture cut in the middle of a packet (head -c): the packets before
    the cut are processed, a warning names the file, exit 0 (pcap and pcapng);
  * a file of random bytes as a capture: an error that says what is wrong;
  * --check-config on configs/default.yaml and configs/isp-peering.yaml;
  * export.inflight_batches out of 1..4: an error naming the key and the range;
  * export to a real mamori-store with 3 batches in flight and an exercise tag
    that needs escaping: the store holds each event of the --eve file once,
    byte for byte (flow events are written as text, not through jansson), and
    --flows-out holds the same flow lines;
  * two workers (eal.lcores=0@0,1@1,2@1) give exactly the flow records of one
    worker, and each flow sits on the lcore that rte_softrss (Toeplitz with
    the symmetric key 0x6d5a..., over the two addresses) names, computed here
    independently: both directions of every flow meet on one lcore.
"""
import collections
import ipaddress
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402
import procs  # noqa: E402

TWO_WORKERS = "eal.lcores=0@0,1@1,2@1"
RSS_KEY = bytes([0x6d, 0x5a] * 20)


def mamorid(args, timeout=60):
    return mt.run([mt.MAMORID] + list(args), timeout=timeout)


def lines_of(text):
    """Output lines, without DPDK's note that it runs without hugepages."""
    return [x for x in text.splitlines() if x.strip() and "no hugepages mounted" not in x]


def long_options():
    """The long options in main.c's getopt table (a fixed list if the source is absent)."""
    main_c = os.path.join(mt.SRC, "dataplane", "main.c")
    try:
        with open(main_c) as f:
            src = f.read()
        m = re.search(r"struct option longopts\[\]\s*=\s*\{(.*?)\};", src, re.S)
        names = re.findall(r'\{\s*"([a-z0-9-]+)"', m.group(1)) if m else []
        if names:
            return names, main_c
    except OSError:
        pass
    return (["config", "pcap", "set", "home-net", "flows-out", "summary-json", "stats-interval",
             "lcores", "quiet", "check-config", "log-level", "help", "version"],
            "a fixed list (%s unreadable)" % main_c)


def test_cli(t, pcap):
    rc, out, err = mamorid(["--help"])
    opts, where = long_options()
    missing = [o for o in opts if "--" + o not in out]
    t.check(rc == 0 and not missing,
            "--help exits 0 (%d) and mentions all %d long options of %s" % (rc, len(opts), where),
            ["missing: " + ", ".join("--" + o for o in missing)] if missing else None)

    rc, out, err = mamorid(["--no-such-option", "--pcap", pcap])
    t.check(rc == 2 and "no-such-option" in err,
            "an unknown option exits 2 (%d) and names the option" % rc, lines_of(err)[:3])

    rc, out, err = mamorid(["--pcap", pcap, "stray-argument"])
    t.check(rc == 2 and "stray-argument" in err,
            "a stray argument exits 2 (%d) and names it" % rc, lines_of(err)[:3])

    missing_file = "/nonexistent-mamori-test/missing-capture.pcap"
    rc, out, err = mamorid(["--pcap", missing_file])
    el = lines_of(out + err)
    t.check(rc == 2 and len(el) == 1 and missing_file in el[0],
            "a missing capture exits 2 (%d) with one line naming the file" % rc, el[:5])


def cfg_case(t, work, what, name, text, expect_line, expect_key, extra=(), line_slack=0):
    """Writes a config, runs mamorid on it, wants exit 2 and 'name:line:' and the key."""
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    rc, out, err = mamorid(["-c", path, "--check-config"] + list(extra))
    el = lines_of(err)
    first = el[0] if el else ""
    lines_ok = ["%s:%d:" % (path, n) for n in range(expect_line, expect_line + line_slack + 1)]
    where_ok = any(w in first for w in lines_ok)
    key_ok = expect_key is None or expect_key in first
    t.check(rc == 2 and where_ok and key_ok,
            "%s: exits 2 (%d), names %s:%d%s%s" % (
                what, rc, name, expect_line,
                " (or the next line, where libyaml notices)" if line_slack else "",
                " and the key '%s'" % expect_key if expect_key else ""),
            ["mamorid said: " + (first or "(nothing)")])


def test_configs(t, work, pcap):
    default = os.path.join(mt.SRC, "configs", "default.yaml")
    with open(default) as f:
        base = f.read().splitlines(True)

    def line_of(pattern):
        for i, ln in enumerate(base):
            if re.match(pattern, ln):
                return i
        raise AssertionError("configs/default.yaml has no line like %r" % pattern)

    udp = line_of(r"^    udp:\s")
    act = line_of(r"^  active_timeout:\s")

    # Bad YAML: an unclosed flow sequence.
    text = base[:udp] + ["    udp: [2m\n"] + base[udp + 1:]
    cfg_case(t, work, "bad YAML (unclosed '[')", "bad-yaml.yaml", "".join(text), udp + 1, None,
             line_slack=1)
    # A misspelt key among the real ones.
    text = base[:act + 1] + ["  idle_timout: 5m\n"] + base[act + 1:]
    cfg_case(t, work, "unknown key flow.idle_timout in default.yaml", "typo.yaml",
             "".join(text), act + 2, "flow.idle_timout")
    # A bad duration.
    text = base[:udp] + ["    udp: 2 fortnights\n"] + base[udp + 1:]
    cfg_case(t, work, "bad duration '2 fortnights'", "bad-duration.yaml", "".join(text),
             udp + 1, "flow.timeouts.udp")
    text = base[:udp] + ["    udp: -5s\n"] + base[udp + 1:]
    cfg_case(t, work, "negative duration '-5s'", "neg-duration.yaml", "".join(text),
             udp + 1, "flow.timeouts.udp")
    # The same typo in a small file whose flow section holds nothing else.
    cfg_case(t, work, "unknown key flow.idle_timout in a file with no other flow key",
             "typo-only.yaml", "# only a typo\nflow:\n  idle_timout: 5m\n", 3,
             "flow.idle_timout", extra=["--pcap", pcap])
    # And on the command line.
    rc, out, err = mamorid(["--pcap", pcap, "--set", "flow.idle_timout=5m", "--check-config"])
    el = lines_of(err)
    t.check(rc == 2 and el and "flow.idle_timout" in el[0],
            "--set flow.idle_timout=5m: exits 2 (%d) and names the key 'flow.idle_timout'" % rc,
            ["mamorid said: " + (el[0] if el else "(nothing)")])
    rc, out, err = mamorid(["--pcap", pcap, "--set", "flow.timeouts.udp=5q", "--check-config"])
    el = lines_of(err)
    t.check(rc == 2 and el and "flow.timeouts.udp" in el[0] and "5q" in el[0],
            "--set flow.timeouts.udp=5q: exits 2 (%d), names the key and the value" % rc,
            ["mamorid said: " + (el[0] if el else "(nothing)")])

    for name in ("default.yaml", "isp-peering.yaml"):
        path = os.path.join(mt.SRC, "configs", name)
        if not os.path.exists(path):
            t.check(False, "--check-config %s: the file exists" % path)
            continue
        rc, out, err = mamorid(["-c", path, "--check-config"])
        t.check(rc == 0 and "valid" in out,
                "--check-config configs/%s: exits 0 (%d) and says valid" % (name, rc),
                lines_of(out + err)[:3])


def test_inflight_key(t, pcap):
    for bad in ("0", "5", "two"):
        rc, out, err = mamorid(["--pcap", pcap, "--set", "export.inflight_batches=" + bad,
                                "--check-config"])
        el = lines_of(err)
        t.check(rc == 2 and el and "export.inflight_batches" in el[0] and "1 to 4" in el[0],
                "--set export.inflight_batches=%s: exits 2 (%d), names the key and 1 to 4" % (
                    bad, rc), ["mamorid said: " + (el[0] if el else "(nothing)")])


def test_export(t, work, pcap):
    """mamorid -> mamori-store with several batches in flight: the store has the --eve file."""
    if not os.path.exists(procs.STORE):
        t.check(False, "mamori-store is built (%s)" % procs.STORE)
        return
    st = procs.Store(work, "export-store")
    if not st.start():
        t.check(False, "mamori-store starts", st.log_text().splitlines()[-3:])
        return
    eve = os.path.join(work, "export-eve.json")
    flows = os.path.join(work, "export-flows.json")
    tag = 'run "7" \\ caf\u00e9'
    try:
        rc, out, err = mamorid(["--pcap", pcap, "--eve", eve, "--flows-out", flows,
                                "--set", "state_dir=" + os.path.join(work, "export-state"),
                                "--set", "export.store=" + st.ingest,
                                "--set", "export.inflight_batches=3",
                                "--set", "export.batch_events=8",
                                "--set", "exercise.run_id=" + tag], timeout=120)
        rows = st.rows()
    finally:
        st.stop()
    with open(eve, "rb") as f:
        lines = [ln.rstrip(b"\n") for ln in f if ln.strip()]
    with open(flows, "rb") as f:
        flow_lines = [ln.rstrip(b"\n") for ln in f if ln.strip()]
    raw = sorted((seq, r if isinstance(r, bytes) else r.encode()) for _, seq, r in rows)
    first = raw[0][0] if raw else 0
    t.check(rc == 0 and len(lines) > 100 and [r for _, r in raw] == lines and
            [s for s, _ in raw] == list(range(first, first + len(lines))),
            "export with 3 batches in flight: the store holds the %d events of --eve once "
            "each, byte for byte, in sequence" % len(lines),
            ["rc %d, %d rows" % (rc, len(raw))] + lines_of(err)[-3:])
    parsed = [json.loads(ln) for ln in lines]
    t.check(all(e.get("exercise") == tag and list(e)[-1] == "exercise" for e in parsed),
            "every event carries the exercise tag %r, last" % tag)
    t.check(flow_lines == [ln for ln, e in zip(lines, parsed) if e["event_type"] == "flow"]
            and len(flow_lines) > 100,
            "--flows-out holds the %d flow lines of --eve" % len(flow_lines))


def pcap_records_before(data, cut):
    """Complete packets of a classic pcap in data[:cut]; the offset of the middle
    of the packet that holds byte `cut` is returned by cut_point()."""
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, n = 24, 0
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        end = off + 16 + caplen
        if end > cut:
            break
        n += 1
        off = end
    return n


def pcapng_records_before(data, cut):
    endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off, n = 0, 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if off + blen > cut or blen < 12:
            break
        if btype in (2, 3, 6):  # packet, simple packet, enhanced packet blocks
            n += 1
        off += blen
    return n


def packet_middle(data, pcapng):
    """A byte offset in the middle of the data of a packet near the file's middle."""
    half = len(data) // 2
    if not pcapng:
        endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        off = 24
        while True:
            caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
            if off + 16 + caplen > half:
                return off + 16 + caplen // 2
            off += 16 + caplen
    endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off = 0
    while True:
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if btype == 6 and off + blen > half:
            return off + 28 + (blen - 32) // 2
        off += blen


def test_truncated(t, work, pcap):
    with open(pcap, "rb") as f:
        data = f.read()
    pcapng = data[:4] == b"\x0a\x0d\x0d\x0a"
    cut = packet_middle(data, pcapng)
    want = (pcapng_records_before if pcapng else pcap_records_before)(data, cut)
    trunc = os.path.join(work, "truncated-" + os.path.basename(pcap))
    with open(trunc, "wb") as f:
        subprocess.run(["head", "-c", str(cut), pcap], stdout=f, check=True)
    rc, flows, summ, log = mt.mamorid_offline(trunc, work, "trunc")
    warn = [x for x in lines_of(log) if "warning" in x and trunc in x]
    got = summ["totals"]["packets"] if summ else None
    t.check(rc == 0 and got == want and warn and flows,
            "%s cut at byte %d of %d (mid-packet): exits 0 (%d), %s packets processed "
            "(the %d whole ones before the cut), %d flow records, a warning" % (
                mt.short(pcap), cut, len(data), rc, got, want, len(flows)),
            ["mamorid warned: " + w for w in warn] or lines_of(log)[-3:])


def test_garbage(t, work):
    rnd = random.Random(20240611)
    junk = bytes(rnd.randrange(256) for _ in range(8192))
    path = os.path.join(work, "garbage.pcap")
    with open(path, "wb") as f:
        f.write(b"GARBAGE!" + junk)
    rc, out, err = mamorid(["--pcap", path, "--flows-out", os.path.join(work, "g.json")])
    ours = [x for x in lines_of(err) if x.startswith("mamorid: error:")]
    clear = [x for x in ours if path in x and re.search(
        r"unknown file format|not a (pcap|capture)|format", x)]
    misleading = [x for x in ours if "no such device" in x]
    t.check(rc in (1, 2) and clear and not misleading,
            "a file of random bytes as --pcap: exits 1 or 2 (%d) with mamorid's own error "
            "naming the file and saying it is no capture (libpcap: 'unknown file format')" % rc,
            ["output: " + x for x in lines_of(out + err)][:6])


def toeplitz(data, key=RSS_KEY):
    """rte_softrss() over data (the big-endian words of the tuple, MSB first)."""
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                pos = i * 8 + b
                h ^= (k >> (klen - 32 - pos)) & 0xffffffff
    return h


def expected_lcore(r, lcores):
    """The worker lcore dp_dispatch_hash() sends a flow to: the addresses only."""
    src = ipaddress.ip_address(r["src_ip"]).packed
    dst = ipaddress.ip_address(r["dest_ip"]).packed
    return lcores[toeplitz(src + dst) % len(lcores)]


def rec_sig(r):
    f = r["flow"]
    return (r["proto"], r["src_ip"], r.get("src_port"), r["dest_ip"], r.get("dest_port"),
            tuple(r.get("vlan", [])), f["pkts_toserver"], f["pkts_toclient"],
            f["bytes_toserver"], f["bytes_toclient"], f["start"], f["end"], f["reason"])


def test_two_workers(t, work, pcap):
    name = mt.short(pcap)
    rc1, f1, s1, log1 = mt.mamorid_offline(pcap, work, "one")
    rc2, f2, s2, log2 = mt.mamorid_offline(pcap, work, "two", [TWO_WORKERS])
    if not t.check(rc1 == 0 and rc2 == 0 and s1 and s2,
                   "%s: one and two workers both run (%d, %d)" % (name, rc1, rc2),
                   (lines_of(log1) + lines_of(log2))[-4:] if rc1 or rc2 else None):
        return
    lc = [x["lcore"] for x in s2["lcores"]]
    per = ", ".join("lcore %d: %d packets, %d flows, %d dispatched" % (
        x["lcore"], x["packets"], x["flows"]["created"], x["dispatched"]) for x in s2["lcores"])
    t.check(len(lc) == 2 and s2["totals"]["packets"] == s1["totals"]["packets"] and
            s2["totals"]["dispatch_drops"] == 0 and
            all(x["flows"]["created"] > 0 for x in s2["lcores"]) and
            sum(x["dispatched"] for x in s2["lcores"]) > 0,
            "%s: two workers share the work without drops (%s)" % (name, per))
    c1 = collections.Counter(rec_sig(r) for r in f1)
    c2 = collections.Counter(rec_sig(r) for r in f2)
    detail = ["only with one worker: %s" % (x,) for x in list(c1 - c2)[:10]]
    detail += ["only with two workers: %s" % (x,) for x in list(c2 - c1)[:10]]
    t.check(c1 == c2 and len(f1) > 0,
            "%s: two workers give the same %d flow records as one (5-tuple, vlan, packets "
            "and bytes each way, start, end, reason)" % (name, len(f1)), detail)
    wrong = []
    for r in f2:
        want = expected_lcore(r, lc)
        got = r["flow_id"] >> 48
        if got != want:
            wrong.append("%s %s:%s -> %s:%s on lcore %d, rte_softrss says %d" % (
                r["proto"], r["src_ip"], r.get("src_port"), r["dest_ip"], r.get("dest_port"),
                got, want))
    t.check(not wrong,
            "%s: every flow (both directions) is on the lcore rte_softrss(src, dst, "
            "0x6d5a key) %% 2 names" % name, wrong[:10])


def main():
    mt.need_data()
    mt.need_mamorid()
    cap2 = os.path.join(mt.DATA, "pcap", "c2", "test-cc-capture-2.pcap")
    cap1 = os.path.join(mt.DATA, "pcap", "c2", "test-cc-capture-1.pcap")
    hns = os.path.join(mt.DATA, "pcap", "iot", "hidenseek-iot-bot.pcap")
    syn = os.path.join(mt.DATA, "pcap", "iot", "synscan.pcapng")
    for p in (cap1, cap2, hns, syn):
        if not os.path.exists(p):
            mt.skip("%s not found: skipping" % p)
    work = tempfile.mkdtemp(prefix="mamori-offline.")
    t = mt.Checks(work)
    print("== command line")
    test_cli(t, cap2)
    print("== configuration errors")
    test_configs(t, work, cap2)
    print("== export")
    test_inflight_key(t, cap2)
    test_export(t, work, cap2)
    print("== broken captures")
    test_truncated(t, work, cap2)
    test_truncated(t, work, syn)
    test_garbage(t, work)
    print("== two workers (rte_softrss dispatch) against one")
    for p in (hns, cap1):
        test_two_workers(t, work, p)
    t.finish()


if __name__ == "__main__":
    main()
