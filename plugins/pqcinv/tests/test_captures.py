# SPDX-License-Identifier: BSD-3-Clause
"""pqcinv on every shared post-quantum capture gives the README's answer.

Each capture of $MAMORI_TEST_DATA/pcap/pqc runs through a real mamorid with
the plugin; its pqc_session events must show the negotiated group, the
classification, the downgrade flag and the fingerprints the data README
writes down for that file.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pqc_common as pc  # noqa: E402

mt = pc.mt


def one(c, work, name):
    path = os.path.join(pc.PQC_DATA, name)
    if not os.path.exists(path):
        c.check(False, "%s present" % name)
        return None
    rc, ev, state, out = pc.run_pcap(path, work, name)
    c.check(rc == 0, "%s: mamorid exit 0" % name, None if rc == 0 else out[-2000:])
    c.check(len(ev) > 0, "%s: pqc_session events (%d)" % (name, len(ev)))
    c.check(os.path.exists(os.path.join(state, "pqcinv", "inventory.db")),
            "%s: inventory.db written" % name)
    return [e["pqc_session"] for e in ev]


def main():
    mt.need_data()
    pc.need_plugin()
    if not os.path.isdir(pc.PQC_DATA):
        mt.skip("%s missing: skipping" % pc.PQC_DATA)
    work = tempfile.mkdtemp(prefix="pqcinv-captures-")
    c = mt.Checks(work)

    s = one(c, work, "handshake_tls13_x25519mlkem768.pcapng")
    if s:
        c.check(len(s) == 2, "x25519mlkem768: both connections seen (%d)" % len(s))
        for i, x in enumerate(s):
            cl = x.get("client", {})
            neg = x.get("negotiated", {})
            c.check(pc.codes(cl.get("groups", [])) == [0x11EC, 0x1D, 0x17, 0x18],
                    "x25519mlkem768[%d]: offered groups without GREASE" % i,
                    str(pc.codes(cl.get("groups", []))))
            shares = [(k["code"], k["length"]) for k in cl.get("key_shares", [])]
            c.check(shares == [(0x11EC, 1216), (0x1D, 32)],
                    "x25519mlkem768[%d]: key shares 0x11EC/1216 and x25519/32" % i, str(shares))
            c.check(neg.get("kex", {}).get("code") == 0x11EC and
                    neg["kex"].get("length") == 1120,
                    "x25519mlkem768[%d]: server selects X25519MLKEM768 (1120 B)" % i)
            c.check(neg.get("cipher") == 0x1301, "x25519mlkem768[%d]: cipher 0x1301" % i)
            c.check(x.get("classification") == "hybrid" and not x.get("downgrade"),
                    "x25519mlkem768[%d]: hybrid, no downgrade" % i)
            c.check(cl.get("ja4") == "t13d1516h2_8daaf6152771_02713d6af862",
                    "x25519mlkem768[%d]: JA4" % i, cl.get("ja4"))

    s = one(c, work, "handshake_tls13_kyber1024.pcapng")
    if s:
        x = s[0]
        kex = x.get("negotiated", {}).get("kex", {})
        c.check(kex.get("code") == 0x023D and kex.get("length") == 1568,
                "kyber1024: 0x023D with a 1568-byte share", str(kex))
        c.check(x.get("negotiated", {}).get("cipher") == 0x1302, "kyber1024: cipher 0x1302")
        c.check(x.get("classification") == "pq" and x.get("pre_standard") is True,
                "kyber1024: post-quantum, pre-standard")

    s = one(c, work, "tls13-pq-client-classical-server.pcap")
    if s:
        x = s[0]
        c.check(0x11EC in pc.codes(x.get("client", {}).get("groups", [])),
                "pq-client: client offers 0x11EC")
        c.check(x.get("negotiated", {}).get("kex", {}).get("code") == 0x1D,
                "pq-client: server picks x25519")
        c.check(x.get("classification") == "vulnerable" and x.get("downgrade") is True and
                x.get("client_pq_capable") is True,
                "pq-client: a PQ-capable client, a vulnerable session, flagged as downgrade")

    src = os.path.join(pc.PQC_DATA, "tls13-pq-client-classical-server.pcap")
    if s and os.path.exists(src):
        # Picked up mid-flow: no handshake, the server's ACK first, so the flow
        # table takes the server for the initiator; the ClientHello decides.
        mid = os.path.join(work, "midflow.pcap")
        n = pc.rewrite_pcap(src, mid, [1])
        pc.rewrite_pcap(src, mid, [5, 4] + list(range(6, n + 1)))
        rc, ev, _, out = pc.run_pcap(mid, work, "midflow")
        x = ev[0] if ev else {}
        c.check(len(ev) == 1 and x.get("src_ip") == "10.84.1.5" and x.get("dest_port") == 443 and
                x["pqc_session"].get("negotiated", {}).get("kex", {}).get("code") == 0x1D,
                "mid-flow pickup: the ClientHello's sender is the client",
                str([(e["src_ip"], e["dest_port"]) for e in ev]))

    s = one(c, work, "quic-x25519mlkem768.pcap")
    if s:
        x = s[0]
        kex = x.get("negotiated", {}).get("kex", {})
        c.check(x.get("protocol") == "quic" and x.get("quic_version") == "v1",
                "quic: QUIC v1 Initial decrypted")
        c.check(kex.get("code") == 0x11EC and kex.get("length") == 1120,
                "quic: server selects 0x11EC (1120 B)", str(kex))
        c.check(x.get("classification") == "hybrid", "quic: hybrid")
        c.check(x.get("client", {}).get("ja4", "").startswith("q13d"),
                "quic: JA4 marks QUIC", x.get("client", {}).get("ja4"))

    s = one(c, work, "ssh-pq-client-classical-server.pcap")
    if s:
        x = s[0]
        ck = x.get("client", {}).get("kex", [])
        c.check(ck[:1] == ["mlkem768x25519-sha256"] and any("sntrup761" in k for k in ck[:3]),
                "ssh: client offers mlkem768x25519-sha256 then sntrup761", str(ck[:3]))
        c.check(x.get("negotiated", {}).get("kex", {}).get("name") == "curve25519-sha256",
                "ssh: curve25519-sha256 negotiated")
        c.check(x.get("classification") == "vulnerable" and x.get("downgrade") is True,
                "ssh: a downgrade to a vulnerable exchange")
        c.check(len(x.get("client", {}).get("hassh", "")) == 32 and
                len(x.get("server", {}).get("hassh_server", "")) == 32,
                "ssh: HASSH and HASSHServer")
        c.check(x.get("client", {}).get("banner") == "SSH-2.0-OpenSSH_10.0" and
                x.get("server", {}).get("banner") == "SSH-2.0-OpenSSH_8.7", "ssh: banners")

    s = one(c, work, "ja4-tls.pcap")
    if s:
        c.check(s[0].get("client", {}).get("ja4") == "t12i1810s1_27d4652c4487_06a4338d0495",
                "ja4-tls: JA4", s[0].get("client", {}).get("ja4"))
        c.check(s[0].get("classification") == "vulnerable", "ja4-tls: TLS 1.2 is vulnerable")

    s = one(c, work, "tls12-certs.pcap")
    if s:
        srv = s[0].get("server", {})
        certs = srv.get("certificates", [])
        c.check(len(certs) == 3 and all(x.get("subject") and x.get("key_bits") for x in certs),
                "tls12-certs: three certificates read", str(certs)[:300])
        c.check(srv.get("ja3s_string") == "771,49199,65281-0-11-16-23" and
                srv.get("ja3s") == "5d79edf64e03689ff559a54e9d9487bc", "tls12-certs: JA3S")
    c.finish()


main()
