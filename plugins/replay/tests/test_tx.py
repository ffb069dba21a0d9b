# SPDX-License-Identifier: BSD-3-Clause
"""mamori-replay out of a port: net_pcap tx gives back the input, byte for byte,
in order, rewritten when asked with checksums tshark accepts; paced frames never
leave before their absolute schedule; net_af_packet on a veth into a network
namespace this test creates delivers every frame, from one lcore or from two
(each flow whole on one of them and in its order), through net_af_packet's ring
or through packet sockets (sock:IFACE)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", os.path.join(HERE, "..", "..", "..")),
                                "tests", "lib"))
import mamori_test as mt  # noqa: E402
import pcapio  # noqa: E402

REPLAY = os.path.join(mt.BUILD, "plugins", "replay", "mamori-replay")


def replay(args, timeout=120):
    return mt.run([REPLAY] + args, timeout=timeout)


def report(path):
    with open(path) as f:
        return json.load(f)


def same_frames(t, got, want, what):
    ok = len(got) == len(want) and all(g[1] == w[1] for g, w in zip(got, want))
    detail = None
    if not ok:
        first = next((i for i, (g, w) in enumerate(zip(got, want)) if g[1] != w[1]), None)
        detail = "%d frames out, %d in; first difference at frame %s" % (
            len(got), len(want), first)
    return t.check(ok, what, detail)


def test_pcap_tx(t, work, data):
    for cap in ("c2/test-cc-capture-2.pcap", "iot/synscan.pcapng", "pqc/tls12-certs.pcap"):
        src = os.path.join(data, "pcap", cap)
        out = os.path.join(work, "tx.pcap")
        rj = os.path.join(work, "tx.json")
        rc, so, se = replay(["-r", src, "-o", "net_pcap0,tx_pcap=" + out, "--topspeed",
                             "-q", "-j", rj])
        if not t.check(rc == 0, "%s: top speed through net_pcap tx (exit %d)" % (cap, rc),
                       se.strip().splitlines()[-3:]):
            continue
        want = pcapio.frames(src)
        same_frames(t, pcapio.frames(out), want, "%s: %d frames out identical and in order" % (
            cap, len(want)))
        r = report(rj)
        t.check(r["sent"] == len(want) and r["port"]["opackets"] == len(want) and
                r["port"]["oerrors"] == 0, "%s: report counts %d sent, port %d out" % (
                    cap, r["sent"], r["port"]["opackets"]))


def test_loops_and_rewrite(t, work, data):
    src = os.path.join(data, "pcap", "c2", "test-cc-capture-2.pcap")
    out = os.path.join(work, "rw.pcap")
    rc, _, se = replay(["-r", src, "-o", "net_pcap0,tx_pcap=" + out, "--topspeed", "-q",
                        "-l", "3", "--map-port", "443=8443", "--map-ip",
                        "147.32.0.0/16=10.99.0.0/16"])
    if not t.check(rc == 0, "rewrite + 3 loops (exit %d)" % rc, se.strip().splitlines()[-3:]):
        return
    want = pcapio.frames(src)
    got = pcapio.frames(out)
    t.check(len(got) == 3 * len(want), "3 loops: %d frames (input %d)" % (len(got), len(want)))
    rc, so, _ = mt.run(["tshark", "-r", out, "-o", "tcp.check_checksum:TRUE", "-o",
                        "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T",
                        "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ip.dst", "-e",
                        "tcp.port", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                        "-e", "udp.checksum.status"])
    rows = [r.split("\t") for r in so.splitlines() if r.strip()]
    rows = [r for r in rows if len(r) == 6 and r[0]]
    ports = set(p for r in rows for p in r[2].split(",") if p)
    addrs = set(a for r in rows for a in r[:2])
    t.check(rc == 0 and "8443" in ports and "443" not in ports,
            "port 443 mapped to 8443 (%d ports seen)" % len(ports))
    t.check(not any(a.startswith("147.32.") for a in addrs) and
            any(a.startswith("10.99.") for a in addrs),
            "147.32.0.0/16 mapped to 10.99.0.0/16: %s" % ",".join(sorted(addrs)[:6]))
    bad = [r for r in rows if r[3] != "1" or (r[4] and r[4] != "1") or (r[5] and r[5] not in ("1", "2"))]
    t.check(len(rows) == len(got) and not bad,
            "tshark validates every IPv4, TCP and UDP checksum (%d frames, %d bad)" % (
                len(rows), len(bad)), [str(b) for b in bad[:3]])


def test_pacing(t, work, data):
    """1x and 4x: frame i leaves at t0 + (ts_i - ts_0) / speed, never before."""
    src = os.path.join(data, "pcap", "iot", "icmp-portscan.pcap")
    want = pcapio.frames(src)
    for speed in ("1", "4"):
        out = os.path.join(work, "paced.pcap")
        rj = os.path.join(work, "paced.json")
        rc, _, se = replay(["-r", src, "-o", "net_pcap0,tx_pcap=" + out, "-x", speed, "-q",
                            "-j", rj])
        if not t.check(rc == 0, "%sx through net_pcap (exit %d)" % (speed, rc),
                       se.strip().splitlines()[-3:]):
            continue
        r = report(rj)
        got = pcapio.frames(out)
        same_frames(t, got, want, "%sx: frames identical and in order" % speed)
        t0 = mt.ts(r["t0"]) * 1e9
        early = []
        for i, ((ts, _), (ots, _)) in enumerate(zip(got, want)):
            due = t0 + (ots - want[0][0]) / float(speed)
            if ts < due - 2e6:  # the port's clock and ours may differ by a little
                early.append((i, (due - ts) / 1e6))
        t.check(not early, "%sx: no frame left before its schedule (early: %s)" % (
            speed, early[:3]))
        e = r.get("timing_error_ns", {})
        t.check(all(k in e for k in ("p50", "p99", "max")) and e["p50"] <= e["p99"] <= e["max"],
                "%sx: timing error reported" % speed)
        t.note("%sx: timing error p50 %.1f us, p99 %.1f us, max %.1f us (elapsed %.3f s of %.3f s)" % (
            speed, e.get("p50", 0) / 1e3, e.get("p99", 0) / 1e3, e.get("max", 0) / 1e3,
            r["elapsed_s"], r["schedule_s"]))


def test_errors(t, work, data):
    rc, _, se = replay(["-r", "/nonexistent.pcap", "-o", "net_null0"])
    t.check(rc == 2 and "/nonexistent.pcap" in se, "a missing capture is named (exit %d)" % rc)
    rc, _, se = replay(["-r", os.path.join(data, "pcap", "iot", "icmp-portscan.pcap"), "-o",
                        "net_nosuch0", "-q"])
    t.check(rc == 1 and "net_nosuch0" in se, "a bad port is named (exit %d)" % rc,
            se.strip().splitlines()[-2:])
    rc, _, se = replay(["-r", "x.pcap"])
    t.check(rc == 2 and "--port" in se, "no destination: usage error (exit %d)" % rc)
    rc, so, _ = replay(["--help"])
    t.check(rc == 0 and "--scenario" in so and "--topspeed" in so and "Exit status" in so and
            "--tx-lcores" in so and "sock:IFACE" in so, "--help is complete")
    rc, _, se = replay(["-r", "x.pcap", "-o", "net_null0", "--tx-lcores", "0"])
    t.check(rc == 2 and "--tx-lcores" in se, "--tx-lcores 0: usage error (exit %d)" % rc)
    src = os.path.join(data, "pcap", "iot", "icmp-portscan.pcap")
    if len(os.sched_getaffinity(0)) >= 2:
        rc, _, se = replay(["-r", src, "-o", "net_pcap0,tx_pcap=" + os.path.join(work, "q.pcap"),
                            "--topspeed", "--tx-lcores", "2", "-q"])
        t.check(rc == 1 and "transmit queues" in se,
                "--tx-lcores 2 on a one-queue port is refused (exit %d)" % rc,
                se.strip().splitlines()[-2:])
    rc, _, se = replay(["-r", src, "-o", "sock:nosuch0", "--topspeed", "-q"])
    t.check(rc == 1 and "nosuch0" in se, "sock: on a missing interface is named (exit %d)" % rc,
            se.strip().splitlines()[-2:])


def sh(*cmd):
    return subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE).returncode


def flow_key(i, f):
    """The flow of an IPv4/IPv6 TCP/UDP/SCTP frame, the same both ways; any other
    frame is a flow of its own (i), so that no order is asked of it."""
    et, ip = f[12] << 8 | f[13], 14
    while et in (0x8100, 0x88a8) and len(f) >= ip + 4:
        et, ip = f[ip + 2] << 8 | f[ip + 3], ip + 4
    if et == 0x0800 and len(f) >= ip + 20 and (f[ip + 6] << 8 | f[ip + 7]) & 0x3fff == 0:
        proto, l4 = f[ip + 9], ip + (f[ip] & 15) * 4
        a, b = f[ip + 12:ip + 16], f[ip + 16:ip + 20]
    elif et == 0x86dd and len(f) >= ip + 40:
        proto, l4 = f[ip + 6], ip + 40
        a, b = f[ip + 8:ip + 24], f[ip + 24:ip + 40]
    else:
        return ("frame", i)
    if proto not in (6, 17, 132) or len(f) < l4 + 4:
        return ("frame", i)
    return (proto,) + tuple(sorted((a + f[l4:l4 + 2], b + f[l4 + 2:l4 + 4])))


def flows_in_order(want, got):
    """Every frame of want arrived, and within each flow in want's order.  Returns
    (frames found, flows out of order)."""
    sent, seen = {}, {}
    for i, w in enumerate(want):
        sent.setdefault(flow_key(i, w), []).append(w)
    index = {}
    for i, w in enumerate(want):
        index.setdefault(w, flow_key(i, w))
    for g in got:
        if g in index:
            seen.setdefault(index[g], []).append(g)
    found, bad = 0, 0
    for k, frames in sent.items():
        it = iter(seen.get(k, []))
        n = sum(1 for w in frames if any(w == g for g in it))
        found += n
        bad += n != len(frames)
    return found, bad


def test_af_packet(t, work, data):
    """Out of one end of a veth; the other end lives in a namespace this test makes."""
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("dumpcap") is None:
        t.note("af_packet: needs root, ip and dumpcap: not run")
        return
    ns = "mmrpl%d" % os.getpid()
    a, b = "mra%d" % (os.getpid() % 100000), "mrb%d" % (os.getpid() % 100000)
    if sh("ip", "netns", "add", ns) != 0:
        t.note("af_packet: cannot create a network namespace here: not run")
        return
    cap = None
    try:
        ok = sh("ip", "link", "add", a, "type", "veth", "peer", "name", b, "netns", ns) == 0
        for c in (["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % a],
                  ["ip", "link", "set", a, "mtu", "9000", "up"],
                  ["ip", "netns", "exec", ns, "sysctl", "-qw",
                   "net.ipv6.conf.%s.disable_ipv6=1" % b],
                  ["ip", "netns", "exec", ns, "ip", "link", "set", b, "mtu", "9000", "up"]):
            ok = ok and sh(*c) == 0
        if not t.check(ok, "veth %s <-> %s (in namespace %s)" % (a, b, ns)):
            return
        src = os.path.join(data, "pcap", "c2", "test-cc-capture-2.pcap")
        out = os.path.join(work, "veth.pcap")
        with open(os.path.join(work, "dumpcap.log"), "w") as err:
            cap = start_dumpcap(ns, b, out, err)
        rj = os.path.join(work, "veth.json")
        # Frames captured with offloads reach 4758 bytes: room for them in the ring.
        rc, _, se = replay(["-r", src, "-o", "net_af_packet0,iface=%s,framesz=16384,"
                            "blocksz=16384" % a, "-x", "50", "-q", "-j", rj])
        stop_dumpcap(cap)
        cap = None
        if not t.check(rc == 0, "50x out of %s through net_af_packet (exit %d)" % (a, rc),
                       se.strip().splitlines()[-3:]):
            return
        want = pcapio.frames(src)
        got = [f for f in pcapio.frames(out)]
        # The kernel may add frames of its own; ours come in order, whole.
        it = iter(g[1] for g in got)
        found = sum(1 for w in want if any(w[1] == g for g in it))
        t.check(found == len(want), "all %d frames arrived in %s, in order (%d found)" % (
            len(want), ns, found))
        r = report(rj)
        t.check(r["port"]["opackets"] == len(want) and r["port"]["oerrors"] == 0,
                "the port sent %d, refused %d" % (r["port"]["opackets"], r["port"]["oerrors"]))
        e = r.get("timing_error_ns", {})
        t.note("veth 50x: %d frames in %.3f s, timing error p50 %.1f us p99 %.1f us" % (
            r["sent"], r["elapsed_s"], e.get("p50", 0) / 1e3, e.get("p99", 0) / 1e3))
        lanes = 2 if len(os.sched_getaffinity(0)) >= 2 else 1
        if lanes == 1:
            t.note("one CPU only: the runs from two lcores are not made")
        test_sock_lanes(t, work, ns, a, b, src, want, lanes)
        test_top_counted(t, work, ns, a, b, src, len(want), lanes)
    finally:
        if cap is not None:
            cap.kill()
        sh("ip", "link", "del", a)
        sh("ip", "netns", "del", ns)


def start_dumpcap(ns, dev, out, stderr):
    """dumpcap on dev in ns writing out, once it has started writing."""
    cap = subprocess.Popen(["ip", "netns", "exec", ns, "dumpcap", "-q", "-P", "-i", dev,
                            "-w", out], stderr=stderr)
    for _ in range(100):
        if os.path.exists(out) and os.path.getsize(out) > 0:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    return cap


def stop_dumpcap(cap):
    """Stops cap a second after the last frame was sent."""
    time.sleep(1)
    cap.terminate()
    cap.wait(timeout=10)


def rx_packets(ns, dev):
    with subprocess.Popen(["ip", "netns", "exec", ns, "cat",
                           "/sys/class/net/%s/statistics/rx_packets" % dev],
                          stdout=subprocess.PIPE) as p:
        return int(p.communicate()[0])


def test_sock_lanes(t, work, ns, a, b, src, want, lanes):
    """sock:IFACE from `lanes` lcores, paced at 50x: every frame arrives, each flow
    in its order, the lanes' figures add up."""
    out = os.path.join(work, "lanes.pcap")
    cap = start_dumpcap(ns, b, out, subprocess.DEVNULL)
    try:
        rj = os.path.join(work, "lanes.json")
        rc, _, se = replay(["-r", src, "-o", "sock:" + a, "--tx-lcores", str(lanes), "-x", "50",
                            "-q", "-j", rj])
    finally:
        stop_dumpcap(cap)
    if not t.check(rc == 0, "sock:%s from %d lcores at 50x (exit %d)" % (a, lanes, rc),
                   se.strip().splitlines()[-3:]):
        return
    found, bad = flows_in_order([w[1] for w in want], [g[1] for g in pcapio.frames(out)])
    t.check(found == len(want) and bad == 0,
            "sock: %d lcores: all %d frames arrived, every flow in order (%d found, %d flows "
            "out of order)" % (lanes, len(want), found, bad))
    r = report(rj)
    ln = r.get("lanes", [])
    t.check(r.get("tx_lcores") == lanes and len(ln) == lanes and
            sum(x["sent"] for x in ln) == r["sent"] == len(want) and
            r["port"]["opackets"] == len(want) and r["port"]["oerrors"] == 0,
            "sock: the report has %d lanes that add up to %d sent (port %d out, %d errors)" % (
                len(ln), sum(x["sent"] for x in ln), r["port"]["opackets"],
                r["port"]["oerrors"]))
    e = r.get("timing_error_ns", {})
    t.check(all(k in e for k in ("p50", "p99", "max")) and e["p50"] <= e["p99"] <= e["max"],
            "sock: the lanes' timing errors are merged")
    t.note("sock: %d lcores at 50x: %s; timing error p99 %.1f us" % (
        lanes, ", ".join("lcore %d %d frames" % (x["lcore"], x["sent"]) for x in ln),
        e.get("p99", 0) / 1e3))


def test_top_counted(t, work, ns, a, b, src, n, lanes):
    """Top speed through net_af_packet (qpairs given by the tool) and sock: from
    `lanes` lcores: the peer's veth takes in every frame."""
    for port in ("net_af_packet0,iface=%s,framesz=16384,blocksz=16384" % a, "sock:" + a):
        rj = os.path.join(work, "top.json")
        before = rx_packets(ns, b)
        rc, _, se = replay(["-r", src, "-o", port, "--topspeed", "-l", "20",
                            "--tx-lcores", str(lanes), "-q", "-j", rj])
        got = rx_packets(ns, b) - before
        if not t.check(rc == 0, "%s, %d lcores, top speed (exit %d)" % (port, lanes, rc),
                       se.strip().splitlines()[-3:]):
            continue
        r = report(rj)
        t.check(r["sent"] == 20 * n and r["port"]["opackets"] == 20 * n and got >= 20 * n,
                "%s: %d sent, port %d out, the peer took in %d (want %d)" % (
                    port, r["sent"], r["port"]["opackets"], got, 20 * n))
        t.note("%s, %d lcores: %.0f pps (%s)" % (port, lanes, r["pps"], ", ".join(
            "lcore %d %.0f pps" % (x["lcore"], x["pps"]) for x in r["lanes"])))


def main():
    data = mt.need_data()
    if not os.access(REPLAY, os.X_OK):
        mt.skip("%s not built: skipping" % REPLAY)
    mt.need_tools("tshark")
    work = tempfile.mkdtemp(prefix="replay-tx.")
    t = mt.Checks(work)
    test_pcap_tx(t, work, data)
    test_loops_and_rewrite(t, work, data)
    test_pacing(t, work, data)
    test_errors(t, work, data)
    test_af_packet(t, work, data)
    t.finish()


if __name__ == "__main__":
    main()
