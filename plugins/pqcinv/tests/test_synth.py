# SPDX-License-Identifier: BSD-3-Clause
"""pqcinv against mamori-synth's pqc scenario and its ground truth.

The generator's truth file says how many TLS connections were made, how
many selected a hybrid group, and for each SSH server what was negotiated;
the plugin's events and inventory must agree.  Needs no shared data.
"""
import json
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pqc_common as pc  # noqa: E402

mt = pc.mt


def main():
    pc.need_plugin()
    if not os.access(pc.SYNTH, os.X_OK):
        mt.skip("%s not built: skipping" % pc.SYNTH)
    work = tempfile.mkdtemp(prefix="pqcinv-synth-")
    c = mt.Checks(work)
    pcap = os.path.join(work, "pqc.pcap")
    truth_path = os.path.join(work, "truth.json")
    rc, _, err = mt.run([pc.SYNTH, "-s", "pqc", "--seed", "7", "-q", "-w", pcap, "-t", truth_path])
    if not c.check(rc == 0, "mamori-synth -s pqc", err[-500:]):
        c.finish()
    with open(truth_path) as f:
        truth = json.load(f)["generators"]
    rc, ev, state, out = pc.run_pcap(pcap, work, "synth")
    c.check(rc == 0, "mamorid exit 0", None if rc == 0 else out[-2000:])
    s = [e["pqc_session"] for e in ev]
    tls = [x for x in s if x["protocol"] == "tls"]
    bg = truth["background"]
    c.check(len(tls) == bg["tls_connections"],
            "every TLS connection inventoried (%d of %d)" % (len(tls), bg["tls_connections"]))
    hyb = [x for x in tls if x["classification"] == "hybrid"]
    c.check(len(hyb) == bg["tls_hybrid_selected"],
            "hybrid sessions (%d, truth %d)" % (len(hyb), bg["tls_hybrid_selected"]))
    offered = [x for x in tls if x["client_pq_capable"]]
    c.check(len(offered) == bg["tls_hybrid_offered"],
            "PQ-capable clients (%d, truth %d)" % (len(offered), bg["tls_hybrid_offered"]))
    c.check(all(x.get("downgrade") == (x["client_pq_capable"] and
                                       x["classification"] == "vulnerable") for x in s),
            "downgrade = PQ offered and vulnerable chosen")
    ssh = [e for e in ev if e["pqc_session"]["protocol"] == "ssh"]
    for t in truth["ssh"]:
        mine = [e["pqc_session"] for e in ssh if e["dest_ip"] == t["server"]]
        got = {x.get("negotiated", {}).get("kex", {}).get("name") for x in mine}
        c.check(len(mine) == t["sessions"] and got == {t["selected_kex"]},
                "ssh %s: %d sessions negotiating %s" % (t["server"], t["sessions"],
                                                        t["selected_kex"]),
                "%d sessions, %s" % (len(mine), sorted(x for x in got if x)))
    db = os.path.join(state, "pqcinv", "inventory.db")
    con = sqlite3.connect(db)
    n = con.execute("SELECT sum(sessions) FROM endpoint").fetchone()[0]
    c.check(n == len(s), "inventory counts every session (%s of %d)" % (n, len(s)))
    daily = con.execute("SELECT sum(sessions) FROM daily WHERE classification='hybrid'"
                        " AND protocol='tls'").fetchone()[0]
    c.check(daily == len(hyb), "daily figures hold the hybrid sessions (%s)" % daily)
    con.close()

    # Offline nothing is lost: with the smallest ring to the control thread the
    # workers wait for it rather than drop handshakes.
    summary = os.path.join(work, "ring4.summary.json")
    rc, ev4, _, out = pc.run_pcap(pcap, work, "ring4",
                                  ("plugins.pqcinv.ring=4", "output.summary_json=" + summary))
    c.check(rc == 0, "mamorid exit 0 with plugins.pqcinv.ring=4",
            None if rc == 0 else out[-2000:])
    c.check(len(ev4) == len(s), "ring of 4: every session still reported (%d of %d)"
            % (len(ev4), len(s)))
    try:
        with open(summary) as f:
            pq = [p for p in json.load(f)["plugins"] if p["name"] == "pqcinv"]
        lost = pq[0]["counters"].get("ring_full", 0) if pq else None
    except (OSError, ValueError, KeyError) as e:
        lost = "unreadable: %s" % e
    c.check(lost == 0, "ring of 4: no handshake lost offline (ring_full %s)" % lost)
    c.finish()


main()
