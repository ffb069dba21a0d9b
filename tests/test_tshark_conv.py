#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mamorid's flow records against tshark's conversation tables.

For every capture in $MAMORI_TEST_DATA/pcap/*/ (pcap and pcapng):

 (a) mamorid (all idle timeouts 365d, active timeout off) sees every frame:
     summary totals.packets and ports[0].rx_packets equal capinfos -c and
     tshark's frame count;
 (b) its TCP and UDP records are tshark's conversations
     (tshark -z conv,tcp -z conv,udp): the same address/port pairs, the same
     number of entries per pair (tshark 4.x keys TCP conversations by
     tcp.stream, so a reused port pair is one entry per connection, as in
     mamorid), and the same frames and bytes in each direction;
 (c) with the default timeouts, every record that differs from (b) is
     explained by a timeout: the pair is split into several records whose
     sums equal tshark's and the long run's, and each split is a gap longer
     than the idle timeout of the record that ended (or an active-timeout
     report).

tshark's conversation columns (ui/cli/tap-iousers.c): a line is
"A <-> B  <-frames <-bytes  ->frames ->bytes  total  rel-start  duration";
"->" counts frames sent by A to B, "<-" frames sent by B to A (A's rx).
Bytes are frame lengths, as mamorid counts them.  Wireshark prints sizes
of 10,000 bytes and more with an SI unit, truncating: "17 kB" is any value
in [17000, 17999]; such values are compared with that tolerance (and the
test says how many were).
"""
import collections
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402

UNITS = {"bytes": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15}
SIZE = r"(\d+)\s+(bytes|[kMGTP]B)"
CONV_LINE = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+" + SIZE + r"\s+(\d+)\s+" + SIZE +
                       r"\s+(\d+)\s+" + SIZE + r"\s+([\d.]+)\s+([\d.]+)\s*$")


class Size:
    """A byte count as tshark printed it: exact, or a truncated SI value."""

    def __init__(self, n, unit):
        self.n = int(n)
        self.unit = unit
        self.mult = UNITS[unit]

    @property
    def exact(self):
        return self.mult == 1

    def matches(self, v):
        # format_size() divides with integer arithmetic: N kB is [N*1000, N*1000+999].
        return self.n * self.mult <= v < (self.n + 1) * self.mult

    def __str__(self):
        return "%d %s" % (self.n, self.unit)


def split_endpoint(ep):
    addr, port = ep.rsplit(":", 1)  # IPv6 addresses keep their colons
    return addr, int(port)


def tshark_convs(pcap):
    """{(proto, lo, hi): [conv, ...]} from tshark -z conv,tcp -z conv,udp, and junk lines."""
    rc, out, err = mt.run(["tshark", "-n", "-r", pcap, "-q", "-z", "conv,tcp", "-z", "conv,udp"])
    if rc != 0:
        raise RuntimeError("tshark -z conv failed (%d): %s" % (rc, err.strip()))
    section, convs, junk = None, collections.defaultdict(list), []
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            section = "TCP"
        elif line.startswith("UDP Conversations"):
            section = "UDP"
        m = CONV_LINE.match(line)
        if m is None:
            if "<->" in line:
                junk.append(line)
            continue
        g = m.groups()
        a, b = split_endpoint(g[0]), split_endpoint(g[1])
        conv = {
            "a": a, "b": b,
            # "<-": frames B sent to A; "->": frames A sent to B.
            (b, a): (int(g[2]), Size(g[3], g[4])),
            (a, b): (int(g[5]), Size(g[6], g[7])),
            "rel_start": float(g[11]),
            "duration": float(g[12]),
        }
        convs[(section,) + tuple(sorted([a, b]))].append(conv)
    for v in convs.values():
        v.sort(key=lambda c: c["rel_start"])
    return convs, junk


def tshark_frames(pcap):
    """(frame count, epoch time of frame 1) according to tshark."""
    rc, out, err = mt.run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "frame.time_epoch"])
    lines = [x for x in out.splitlines() if x.strip()]
    return len(lines), (float(lines[0]) if lines else 0.0)


def by_tuple(flows):
    d = collections.defaultdict(list)
    for r in flows:
        if r["proto"] in ("TCP", "UDP"):
            d[mt.tuple_key(r)].append(r)
    for v in d.values():
        v.sort(key=lambda r: mt.ts(r["flow"]["start"]))
    return d


def sum_dirs(recs):
    """Per-direction (pkts, bytes) summed over records of one tuple."""
    tot = collections.defaultdict(lambda: [0, 0])
    for r in recs:
        for d, (p, b) in mt.directional(r).items():
            tot[d][0] += p
            tot[d][1] += b
    return {d: tuple(v) for d, v in tot.items()}


def cmp_conv(conv, rec_dirs):
    """Compares one tshark conversation with (pkts, bytes) per direction; returns
    (problems, [(direction, mamorid bytes)] of the unit-rounded byte values)."""
    problems, rounded = [], []
    for d in ((conv["a"], conv["b"]), (conv["b"], conv["a"])):
        tf, tb = conv[d]
        of, ob = rec_dirs.get(d, (0, 0))
        arrow = "%s:%s -> %s:%s" % (d[0][0], d[0][1], d[1][0], d[1][1])
        if tf != of:
            problems.append("%s: tshark %d frames, mamorid %d" % (arrow, tf, of))
        if not tb.exact:
            rounded.append((d, ob))
        if not tb.matches(ob):
            problems.append("%s: tshark %s, mamorid %d bytes%s" % (
                arrow, tb, ob, "" if tb.exact else " (outside the unit's truncation range)"))
    return problems, rounded


def exact_bytes(pcap, proto, d, conv=None):
    """The exact frame bytes of one direction, summed by tshark frame by frame
    (a cross-check for values the conversation table printed with a unit).
    conv limits the sum to that conversation's time span (reused port pairs)."""
    (sa, sp), (da, dp) = d
    ipf = "ipv6" if ":" in sa else "ip"
    l4 = proto.lower()
    flt = "%s.src==%s && %s.dst==%s && %s.srcport==%d && %s.dstport==%d && !icmp && !icmpv6" % (
        ipf, sa, ipf, da, l4, sp, l4, dp)
    if conv is not None:
        flt += " && frame.time_relative >= %.9f && frame.time_relative <= %.9f" % (
            conv["rel_start"] - 1e-6, conv["rel_start"] + conv["duration"] + 1e-4)
    rc, out, _ = mt.run(["tshark", "-n", "-r", pcap, "-Y", flt, "-T", "fields",
                         "-e", "frame.len"])
    if rc != 0:
        return None
    return sum(int(x) for x in out.split())


def idle_class(r):
    """The timeout class a record was in when it went idle, from what it records."""
    f = r["flow"]
    if r["proto"] == "UDP":
        return "udp"
    tcp = r.get("tcp", {})
    fl_ts = int(tcp.get("tcp_flags_ts", "0"), 16)
    fl_tc = int(tcp.get("tcp_flags_tc", "0"), 16)
    if (fl_ts | fl_tc) & 0x04 or (fl_ts & 0x01 and fl_tc & 0x01):
        return "tcp_closed"  # RST, or FIN both ways
    if f["pkts_toserver"] > 0 and f["pkts_toclient"] > 0:
        # Established once a non-SYN packet follows traffic both ways; a bare
        # SYN / SYN-ACK exchange is still tcp_new.
        if f["pkts_toserver"] + f["pkts_toclient"] > 2 or not (fl_ts | fl_tc) & 0x02:
            return "tcp_established"
    return "tcp_new"


def explain_splits(recs, timeouts, active):
    """Checks that consecutive records of one tuple are separated by a timeout
    (or a port reuse, which tshark splits too).  Returns (ok, lines, number of
    timeout splits)."""
    ok, lines, n_to = True, [], 0
    for i in range(len(recs) - 1):
        r, n = recs[i], recs[i + 1]
        end, start = mt.ts(r["flow"]["end"]), mt.ts(n["flow"]["start"])
        gap = start - end
        reason = r["flow"]["reason"]
        if reason == "active":
            span = start - mt.ts(r["flow"]["start"])
            good = span >= active - 1e-6
            lines.append("record %d -> %d: active-timeout report (%.1f s since the interval "
                         "began >= active %d s)%s" % (i + 1, i + 2, span, active,
                                                      "" if good else "  <-- NOT EXPLAINED"))
            ok &= good
            n_to += 1
            continue
        if reason in ("fin", "rst") and r["proto"] == "TCP" and gap < timeouts["tcp_closed"]:
            # A SYN on a closed connection starts a new one at once (port reuse):
            # tshark splits those too, so they are not timeout differences.
            lines.append("record %d -> %d: port reuse after %s (gap %.3f s)" % (
                i + 1, i + 2, reason, gap))
            continue
        cls = idle_class(r)
        to = timeouts[cls]
        good = gap >= to - 1e-6
        lines.append("record %d -> %d: idle gap %.3f s %s %s timeout %d s (record %d ended "
                     "'%s')%s" % (i + 1, i + 2, gap, ">=" if good else "<", cls, to, i + 1,
                                  reason, "" if good else "  <-- NOT EXPLAINED"))
        ok &= good
        n_to += 1
    return ok, lines, n_to


def rec_str(r):
    f = r["flow"]
    return "%s:%s -> %s:%s  %d/%d pkts %d/%d bytes  %s .. %s  reason %s" % (
        r["src_ip"], r["src_port"], r["dest_ip"], r["dest_port"], f["pkts_toserver"],
        f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"], f["start"][11:26],
        f["end"][11:26], f["reason"])


def conv_str(c, t0):
    a, b = c["a"], c["b"]
    return "%s:%s <-> %s:%s  ->%d %s  <-%d %s  start %.6f" % (
        a[0], a[1], b[0], b[1], c[(a, b)][0], c[(a, b)][1], c[(b, a)][0], c[(b, a)][1],
        t0 + c["rel_start"])


def compare_long(t, name, pcap, convs, ours, t0):
    """(b): returns a dict tuple -> list of (conv, record) pairs that matched."""
    for proto in ("TCP", "UDP"):
        tk = {k for k in convs if k[0] == proto}
        ok_ = {k for k in ours if k[0] == proto}
        only_t, only_o = sorted(tk - ok_), sorted(ok_ - tk)
        detail = ["only in tshark: " + mt.fmt_key(k) for k in only_t[:20]]
        detail += ["only in mamorid: " + mt.fmt_key(k) for k in only_o[:20]]
        multi = [k for k in tk & ok_ if len(convs[k]) != len(ours[k])]
        for k in multi[:20]:
            detail.append("%s: tshark %d entries, mamorid %d records" % (
                mt.fmt_key(k), len(convs[k]), len(ours[k])))
            detail += ["  tshark  " + conv_str(c, t0) for c in convs[k]]
            detail += ["  mamorid " + rec_str(r) for r in ours[k]]
        n_t = sum(len(convs[k]) for k in tk)
        n_o = sum(len(ours[k]) for k in ok_)
        reused = sum(1 for k in tk & ok_ if len(convs[k]) > 1 and len(convs[k]) == len(ours[k]))
        for k in sorted(tk & ok_):
            if len(convs[k]) > 1 and len(convs[k]) == len(ours[k]):
                detail.append("%s reused: %d connections in both (tshark: one tcp.stream "
                              "each; mamorid: a SYN on a closed flow starts a new one)" % (
                                  mt.fmt_key(k), len(convs[k])))
                detail += ["  tshark  " + conv_str(c, t0) for c in convs[k]]
                detail += ["  mamorid " + rec_str(r) for r in ours[k]]
        t.check(not only_t and not only_o and not multi,
                "%s: %s conversations: tshark %d (%d pairs), mamorid %d records (%d pairs)%s" % (
                    name, proto, n_t, len(tk), n_o, len(ok_),
                    "; %d pair(s) reused by several connections, split alike" % reused
                    if reused else ""),
                detail)

        # Frames and bytes, direction by direction; entries of a reused pair go in time order.
        problems, rounded, compared, exact_notes = [], 0, 0, []
        for k in sorted(tk & ok_):
            if len(convs[k]) != len(ours[k]):
                continue
            for i, (c, r) in enumerate(zip(convs[k], ours[k])):
                compared += 1
                pr, rn = cmp_conv(c, mt.directional(r))
                rounded += len(rn)
                for d, ob in rn:
                    ex = exact_bytes(pcap, proto, d, c if len(convs[k]) > 1 else None)
                    arrow = "%s:%s -> %s:%s" % (d[0][0], d[0][1], d[1][0], d[1][1])
                    exact_notes.append("%s: tshark printed %s; tshark's per-frame sum %s, "
                                       "mamorid %d" % (arrow, c[d][1], ex, ob))
                    if ex != ob:
                        pr.append("%s: exact bytes: tshark frame-by-frame %s, mamorid %d" % (
                            arrow, ex, ob))
                st = mt.ts(r["flow"]["start"]) - t0
                if abs(st - c["rel_start"]) > 1e-3:
                    pr.append("start: tshark +%.6f s, mamorid +%.6f s" % (c["rel_start"], st))
                if pr:
                    problems.append("%s%s:" % (mt.fmt_key(k),
                                               " (entry %d)" % (i + 1) if len(convs[k]) > 1
                                               else ""))
                    problems += ["  " + p for p in pr]
        t.check(not problems,
                "%s: %s frames and bytes per direction match for %d conversation(s)%s" % (
                    name, proto, compared,
                    " (%d byte value(s) printed by tshark with a unit, compared within its "
                    "truncation: N kB = N*1000..N*1000+999, and exactly with tshark's "
                    "frame-by-frame sum)" % rounded if rounded else ""),
                problems[:40] + exact_notes)


def compare_default(t, name, convs, dflt, t0):
    """(c): every pair whose default-timeout records differ from tshark's
    conversations is split by timeouts, and its records add up to tshark's."""
    diffs = []
    for k in sorted(set(convs) | set(dflt)):
        tc, de = convs.get(k, []), dflt.get(k, [])
        same = len(tc) == len(de) and all(
            not cmp_conv(c, mt.directional(r))[0] for c, r in zip(tc, de))
        if same:
            continue
        ok = True
        lines = ["%s: tshark %d conversation(s), mamorid %d record(s) with the default "
                 "timeouts" % (mt.fmt_key(k), len(tc), len(de))]
        # Per direction, the records' sums must be tshark's (frames exactly; bytes
        # within the truncation of the values tshark printed with a unit).
        ours = sum_dirs(de)
        want = collections.defaultdict(lambda: [0, 0, 0])
        for c in tc:
            for d in ((c["a"], c["b"]), (c["b"], c["a"])):
                f, sz = c[d]
                want[d][0] += f
                want[d][1] += sz.n * sz.mult
                want[d][2] += (sz.n + 1) * sz.mult - 1
        for d in set(want) | set(ours):
            f, lo, hi = want.get(d, (0, 0, 0))
            of, ob = ours.get(d, (0, 0))
            arrow = "%s:%s -> %s:%s" % (d[0][0], d[0][1], d[1][0], d[1][1])
            good = f == of and lo <= ob <= hi
            ok &= good
            lines.append("  %s: sum of records %d frames %d bytes, tshark %d frames %s bytes%s"
                         % (arrow, of, ob, f, lo if lo == hi else "%d..%d" % (lo, hi),
                            "" if good else "  <-- NOT EXPLAINED"))
        good, why, n_to = explain_splits(de, mt.DEFAULT_TIMEOUTS, mt.DEFAULT_ACTIVE)
        if n_to != len(de) - len(tc):
            good = False
            why.append("%d timeout split(s) for %d record(s) more than tshark's "
                       "conversations  <-- NOT EXPLAINED" % (n_to, len(de) - len(tc)))
        ok &= good
        lines += ["  tshark  " + conv_str(c, t0) for c in tc]
        lines += ["  mamorid " + rec_str(r) for r in de]
        lines += ["  " + w for w in why]
        diffs.append((k, ok, lines))
    bad = [k for k, ok, _ in diffs if not ok]
    shown = [d for d in diffs if not d[1]][:25] + [d for d in diffs if d[1]][:25]
    detail = []
    for _, _, lines in shown:
        detail += lines
    if len(diffs) > len(shown):
        detail.append("... and %d more pair(s) split the same way" % (len(diffs) - len(shown)))
    extra = sum(len(dflt.get(k, [])) - len(convs.get(k, [])) for k, _, _ in diffs)
    t.check(not bad,
            "%s: (c) default timeouts: %d pair(s) differ from tshark (%+d records), %s" % (
                name, len(diffs), extra,
                "every one a split by a timeout" if not bad else
                "%d NOT explained by a timeout" % len(bad)),
            detail)


def main():
    mt.need_data()
    mt.need_mamorid()
    mt.need_tools("tshark", "capinfos")
    pcaps = mt.captures()
    if not pcaps:
        mt.skip("%s has no captures: skipping" % os.path.join(mt.DATA, "pcap"))
    work = tempfile.mkdtemp(prefix="mamori-tshark-conv.")
    t = mt.Checks(work)
    for pcap in pcaps:
        name = mt.short(pcap)
        print("== %s" % name)
        n_cap = mt.capture_count(pcap)
        n_tsh, t0 = tshark_frames(pcap)
        rc, flows, summ, log = mt.mamorid_offline(pcap, work, "long", mt.LONG_TIMEOUTS)
        if not t.check(rc == 0 and summ is not None,
                       "%s: mamorid --pcap (long timeouts) exits 0 and writes a summary" % name,
                       None if rc == 0 else log.strip().splitlines()[-5:]):
            continue
        tot = summ["totals"]
        rx = summ["ports"][0]["rx_packets"]
        t.check(n_cap == n_tsh == tot["packets"] == rx,
                "%s: (a) packets: capinfos %s, tshark %d, mamorid totals.packets %d, "
                "ports[0].rx_packets %d" % (name, n_cap, n_tsh, tot["packets"], rx))
        an = {k: v for k, v in tot.get("anomalies", {}).items() if v}
        if an:
            t.note("%s: decode anomalies %s%s" % (
                name, ", ".join("%s %d" % kv for kv in sorted(an.items())),
                " (ipv4_bad_len: frames over 2048 bytes from a capture taken with "
                "offloads; known issue being fixed in mamorid, still counted)"
                if "ipv4_bad_len" in an else ""))
        try:
            convs, junk = tshark_convs(pcap)
        except RuntimeError as e:
            t.check(False, "%s: tshark conversations" % name, str(e))
            continue
        if junk:
            t.check(False, "%s: every tshark conversation line parses" % name, junk[:5])
        ours = by_tuple(flows)
        other = collections.Counter(r["proto"] for r in flows if r["proto"] not in ("TCP", "UDP"))
        if other:
            t.note("%s: mamorid also reported %s record(s), outside tshark's TCP/UDP tables" % (
                name, ", ".join("%d %s" % (n, p) for p, n in sorted(other.items()))))
        compare_long(t, name, pcap, convs, ours, t0)

        rc, dflows, dsumm, log = mt.mamorid_offline(pcap, work, "default")
        if not t.check(rc == 0 and dsumm is not None,
                       "%s: mamorid --pcap (default timeouts) exits 0" % name,
                       None if rc == 0 else log.strip().splitlines()[-5:]):
            continue
        t.check(dsumm["totals"]["packets"] == tot["packets"],
                "%s: default timeouts: same packets (%d)" % (name, dsumm["totals"]["packets"]))
        compare_default(t, name, convs, by_tuple(dflows), t0)
    t.finish()


if __name__ == "__main__":
    main()
