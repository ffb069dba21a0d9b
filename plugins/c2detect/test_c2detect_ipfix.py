# SPDX-License-Identifier: BSD-3-Clause
"""c2detect on NetFlow/IPFIX: the same detections from an exporter's records.

mamorid runs with the collector alone and c2detect loaded; softflowd reads
captures and exports IPFIX (v10) over loopback to it: the shared 2 s C&C
capture and mamori-synth's mirai scenario.  After a stop, the EVE output must
hold the beacon (high) and the Mirai C&C server as a high fan-in candidate,
as with packets.  Needs softflowd and mamorictl; exits 77 otherwise.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
import mamori_test as mt  # noqa: E402

PLUGIN = os.path.join(mt.BUILD, "plugins", "mamori_c2detect.so")
SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ctl(url, *args):
    return mt.run([CTL] + list(args) + ["--control", url], timeout=30)


def main():
    mt.need_mamorid()
    mt.need_tools("softflowd")
    data = mt.need_data()
    for f in (PLUGIN, SYNTH, CTL):
        if not os.access(f, os.R_OK):
            mt.skip("%s not built; skipping" % f)
    w = tempfile.mkdtemp(prefix="c2detect-ipfix-")
    c = mt.Checks(w)
    mt.run([SYNTH, "-s", "mirai", "--seed", "11", "-q", "-w", os.path.join(w, "m.pcap"),
            "-t", os.path.join(w, "m.json")])
    with open(os.path.join(w, "m.json")) as f:
        mirai = json.load(f)["generators"]["mirai"]
    os.symlink(os.path.join(data, "pcap", "c2", "test-cc-capture-1.pcap"),
               os.path.join(w, "cc1.pcap"))
    os.makedirs(os.path.join(w, "state"), exist_ok=True)
    port = free_port()
    url = "ipc://" + os.path.join(w, "ctl.sock")
    conf = os.path.join(w, "mamorid.yaml")
    with open(conf, "w") as f:
        f.write("""eal:
  lcores: "0"
collector:
  listen: ["127.0.0.1:%d"]
  allow: ["127.0.0.0/8"]
  # softflowd -r exports the captures' old flows
  max_age: 36500d
  max_future: 2d
state_dir: %s
control:
  url: %s
output:
  stats_interval: 0
home_net: [147.32.0.0/16, 10.0.0.0/16]
plugins:
  load: [%s]
""" % (port, os.path.join(w, "state"), url, PLUGIN))
    eve = os.path.join(w, "eve.json")
    err = open(os.path.join(w, "mamorid.err"), "w")
    md = subprocess.Popen([mt.MAMORID, "-c", conf, "-q", "--eve", eve],
                          stdout=subprocess.DEVNULL, stderr=err)
    try:
        t0 = time.time()
        while time.time() - t0 < 60 and md.poll() is None and ctl(url, "status")[0] != 0:
            time.sleep(0.2)
        if not c.check(md.poll() is None, "mamorid starts with the collector and c2detect"):
            c.finish()
        for tag, pcap in (("a", "cc1.pcap"), ("b", "m.pcap")):
            rc, out, e = mt.run(["softflowd", "-d", "-a", "-r", pcap, "-n", "127.0.0.1:%d" % port,
                                 "-v", "10", "-p", tag + ".pid", "-c", tag + ".ctl"],
                                timeout=120, cwd=w)
            c.check(rc == 0, "softflowd exports %s as IPFIX" % pcap, (out + e).splitlines()[-3:])
            # The captures are years apart: c2detect scores the first once its
            # input goes quiet (a tick without records), before the second moves
            # its window on.
            time.sleep(2.5)
        ctl(url, "stop")
        md.wait(timeout=60)
    finally:
        if md.poll() is None:
            md.kill()
            md.wait()
    c.check(md.returncode == 0, "mamorid exits 0 after the stop (exit %s)" % md.returncode,
            open(os.path.join(w, "mamorid.err")).read().strip().splitlines()[-5:])
    evs = []
    if os.path.exists(eve):
        with open(eve) as f:
            evs = [json.loads(l) for l in f if l.strip()]
    cands = [e for e in evs if e.get("event_type") == "c2_candidate"]
    shown = ["%s -> %s:%s %s %s" % (e.get("src_ip"), e["dest_ip"], e.get("dest_port"),
                                    e["c2_candidate"]["kind"], e["c2_candidate"]["level"])
             for e in cands]
    beacon = [e for e in cands if e["dest_ip"] == "141.193.213.21"
              and e["c2_candidate"]["kind"] == "beacon" and e["c2_candidate"]["level"] == "high"]
    c.check(beacon, "IPFIX: high beacon 147.32.80.37 -> 141.193.213.21", shown)
    fan = [e for e in cands if e["dest_ip"] == mirai["cnc"]
           and e["c2_candidate"]["kind"] == "fanin" and e["c2_candidate"]["level"] == "high"]
    c.check(fan, "IPFIX: high fan-in candidate %s:%d" % (mirai["cnc"], mirai["cnc_port"]), shown)
    bots = {b["host"] for b in mirai["bots"]}
    c.check(all(e["dest_ip"] in (mirai["cnc"], "141.193.213.21") for e in cands
                if e["c2_candidate"]["level"] == "high"),
            "IPFIX: no other high-score candidate", shown)
    if fan:
        c.check(set(fan[0]["c2_candidate"]["client_sample"]) <= bots,
                "IPFIX: the fan-in's clients are the bots")
    c.finish()


if __name__ == "__main__":
    main()
