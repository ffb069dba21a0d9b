# SPDX-License-Identifier: BSD-3-Clause
"""pqcinv agrees with tshark on every TLS capture of the shared pqc data.

For each ClientHello and ServerHello tshark decodes (TCP only: tshark needs
keys it does not have for QUIC), the cipher suites, supported groups, key
share groups and JA3/JA3S must be what pqcinv logged for that connection.
"""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pqc_common as pc  # noqa: E402

mt = pc.mt

FIELDS = ["tcp.stream", "tcp.srcport", "tls.handshake.type", "tls.handshake.ciphersuite",
          "tls.handshake.extensions_supported_group", "tls.handshake.extensions_key_share_group",
          "tls.handshake.ja3", "tls.handshake.ja3s"]


def ints(s):
    return [int(v, 0) for v in s.split(",") if v] if s else []


def no_grease(v):
    return [x for x in v if not ((x & 0x0f0f) == 0x0a0a and (x >> 8) == (x & 0xff))]


def tshark(path):
    """{client port: {"ch": (...), "sh": (...)}} from tshark."""
    rc, out, _ = mt.run(["tshark", "-r", path, "-Y", "tls.handshake.type == 1 || "
                         "tls.handshake.type == 2", "-T", "fields", "-E", "separator=|",
                         "-E", "aggregator=,"] + sum([["-e", f] for f in FIELDS], []))
    conns = {}
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < len(FIELDS) or not f[1]:
            continue  # QUIC: tshark shows no TCP port
        types = f[2].split(",")
        rec = {"ciphers": no_grease(ints(f[3])), "groups": no_grease(ints(f[4])),
               "shares": no_grease(ints(f[5])), "ja3": f[6], "ja3s": f[7]}
        if "1" in types:
            conns.setdefault(int(f[1]), {}).setdefault("ch", rec)
        elif "2" in types:
            conns.setdefault(("s", f[0]), {}).setdefault("sh", rec)
    return conns


def main():
    mt.need_data()
    pc.need_plugin()
    mt.need_tools("tshark")
    work = tempfile.mkdtemp(prefix="pqcinv-tshark-")
    c = mt.Checks(work)
    files = sorted(glob.glob(os.path.join(pc.PQC_DATA, "*.pcap*")))
    for path in files:
        name = os.path.basename(path)
        t = tshark(path)
        chs = {k: v["ch"] for k, v in t.items() if "ch" in v}
        if not chs:
            continue
        rc, ev, _, out = pc.run_pcap(path, work, name)
        mine = {e["src_port"]: e["pqc_session"] for e in ev if e["pqc_session"]["protocol"] == "tls"}
        c.check(set(chs) <= set(mine), "%s: every ClientHello tshark sees (%d)" % (name, len(chs)),
                "tshark %s, pqcinv %s" % (sorted(chs), sorted(mine)))
        for port, ch in sorted(chs.items()):
            x = mine.get(port, {})
            cl = x.get("client", {})
            c.check(cl.get("ciphers") == ch["ciphers"], "%s:%d cipher suites" % (name, port))
            c.check(pc.codes(cl.get("groups", [])) == ch["groups"],
                    "%s:%d supported groups" % (name, port))
            c.check(pc.codes(cl.get("key_shares", [])) == ch["shares"],
                    "%s:%d key share groups" % (name, port))
            if ch["ja3"]:
                c.check(cl.get("ja3") == ch["ja3"], "%s:%d JA3" % (name, port),
                        "%s vs tshark %s" % (cl.get("ja3"), ch["ja3"]))
        shs = [v["sh"] for k, v in t.items() if "sh" in v]
        for i, sh in enumerate(shs):
            ok = any(x.get("negotiated", {}).get("cipher") == sh["ciphers"][0] and
                     (not sh["shares"] or
                      x.get("server", {}).get("key_share", {}).get("code") == sh["shares"][0]) and
                     (not sh["ja3s"] or x.get("server", {}).get("ja3s") == sh["ja3s"])
                     for x in mine.values()) if sh["ciphers"] else False
            c.check(ok, "%s: ServerHello %d cipher, key share and JA3S agree" % (name, i),
                    str(sh))
    c.finish()


main()
