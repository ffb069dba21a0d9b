# SPDX-License-Identifier: BSD-3-Clause
"""iotsense on NetFlow: the same scan detection from the collector's records;
and reloads of its data files in a running mamorid.

mamorid runs with the collector alone on a loopback port and iotsense loaded.
Two NetFlow v5 exporters send, from this process, records of failed TCP
connection attempts (SYN only, one packet): through the exporter that samples
1 in 10, three failed attempts of one source to three hosts stand for thirty,
over the address-scan threshold (25): that source is infected (address scan,
sampling 10 in the evidence).  The same three records from the unsampled
exporter are no finding.  A one-way record with the initiator's ACK is a
success, not a failure, so a source whose records all carry ACK is never
reported either.
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iotlib  # noqa: E402
from iotlib import mt  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")


def v5(records, seq, sampling, uptime_ms=100000):
    now = int(time.time())
    hdr = struct.pack("!HHIIIIBBH", 5, len(records), uptime_ms, now, 0, seq, 0, 0,
                      (1 << 14) | sampling if sampling > 1 else 0)
    body = b""
    for src, dst, sport, dport, flags in records:
        body += struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH",
                            socket.inet_aton(src), socket.inet_aton(dst),
                            socket.inet_aton("0.0.0.0"), 1, 2, 1, 60,
                            uptime_ms - 5000, uptime_ms - 5000, sport, dport, 0, flags, 6, 0,
                            0, 0, 0, 0, 0)
    return hdr + body


def wait_log(work, text, timeout=20):
    """mamorid's stderr once it holds text (or after timeout)."""
    t0 = time.time()
    while True:
        log = open(os.path.join(work, "mamorid.err")).read()
        if text in log or time.time() - t0 > timeout:
            return log
        time.sleep(0.2)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    iotlib.need_plugin()
    if not os.access(CTL, os.X_OK):
        mt.skip("%s not built; skipping" % CTL)
    work = tempfile.mkdtemp(prefix="mamori-iotnf.")
    c = mt.Checks(work)
    port = free_port()
    url = "ipc://" + os.path.join(work, "ctl")
    conf = os.path.join(work, "mamorid.yaml")
    creds, fw = os.path.join(work, "credentials.txt"), os.path.join(work, "firmware.json")
    shutil.copy(os.path.join(iotlib.CONFIGS, "credentials.txt"), creds)
    shutil.copy(os.path.join(iotlib.CONFIGS, "firmware.json"), fw)
    with open(conf, "w") as f:
        f.write("""eal:
  lcores: "0"
collector:
  listen: ["127.0.0.1:%d"]
  allow: ["127.0.0.2", "127.0.0.3"]
state_dir: %s
control:
  url: %s
output:
  stats_interval: 0
plugins:
  load: [%s]
  iotsense:
    credentials: %s
    firmware:
      signatures: %s
""" % (port, os.path.join(work, "state"), url, iotlib.PLUGIN, creds, fw))
    eve = os.path.join(work, "eve.json")
    err = open(os.path.join(work, "mamorid.err"), "w")
    md = subprocess.Popen([mt.MAMORID, "-c", conf, "-q", "-l", "info", "--eve", eve],
                          stdout=subprocess.DEVNULL, stderr=err)
    up = False
    t0 = time.time()
    while time.time() - t0 < 60 and md.poll() is None and not up:
        up = mt.run([CTL, "status", "--control", url], timeout=5)[0] == 0
        if not up:
            time.sleep(0.2)
    if not c.check(up, "mamorid starts with the collector and iotsense",
                   open(os.path.join(work, "mamorid.err")).read().splitlines()[-5:]):
        md.kill()
        c.finish()
    # Reload: a longer credential list is taken; a broken signature file is refused
    # and the generation in force goes on.
    with open(creds, "a") as f:
        f.write("installer\tinstaller\n")
    rc, out, e = mt.run([CTL, "reload", "--control", url])
    log = wait_log(work, "61 default credentials")
    c.check(rc == 0 and "61 default credentials" in log,
            "mamorictl reload re-reads the credential list (61 pairs)",
            (out + e).splitlines()[-2:] + [l for l in log.splitlines() if "credentials" in l])
    with open(fw, "w") as f:
        f.write('{"format": "something else"}')
    rc, out, e = mt.run([CTL, "reload", "--control", url])
    log = wait_log(work, fw + ": not a signature file")
    c.check(fw + ": not a signature file" in log and "unknown key" not in log,
            "a broken signature file is refused at reload, naming it and what is expected",
            [l for l in log.splitlines() if "signature" in l or "unknown" in l][-2:])
    fails = [("10.0.5.5", "100.64.%d.9" % i, 41000 + i, 23, 0x02) for i in range(3)]
    plain = [("10.0.6.6", "100.65.%d.9" % i, 42000 + i, 23, 0x02) for i in range(3)]
    acked = [("10.0.7.7", "100.66.%d.9" % i, 43000 + i, 443, 0x12 | 0x10 | 0x01)
             for i in range(30)]
    seqs = {}
    for src, recs, sampling in (("127.0.0.2", fails, 10), ("127.0.0.3", plain, 1),
                                ("127.0.0.3", acked, 1)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        s.sendto(v5(recs, seqs.get(src, 0), sampling), ("127.0.0.1", port))
        seqs[src] = seqs.get(src, 0) + len(recs)
        s.close()
    # Stop only once the collector has taken the three datagrams.
    t0 = time.time()
    while time.time() - t0 < 30:
        rc, out, _ = mt.run([CTL, "stats", "--control", url], timeout=10)
        try:
            st = json.loads(out)
        except ValueError:
            st = {}
        if st.get("stats", st).get("collector", {}).get("datagrams", 0) >= 3:
            break
        time.sleep(0.3)
    rc, out, e = mt.run([CTL, "stop", "--control", url])
    try:
        md.wait(timeout=60)
    except subprocess.TimeoutExpired:
        md.kill()
        md.wait()
    err.close()
    c.check(md.returncode == 0, "mamorid stops cleanly (exit %s)" % md.returncode,
            open(os.path.join(work, "mamorid.err")).read().splitlines()[-5:])
    events = [json.loads(l) for l in open(eve) if l.strip()] if os.path.exists(eve) else []
    dev = iotlib.devices([x for x in events if x.get("event_type") == "iot_device"])
    ev = [x["iot_device"] for x in dev.get("10.0.5.5", [])]
    c.check(len(ev) == 1 and ev[0]["reason"] == "address_scan" and
            ev[0]["evidence"]["sampling"] == 10 and
            ev[0]["evidence"]["failed_hosts_in_window"] >= 25,
            "sampled 1 in 10: three failed attempts count as thirty, an address scan",
            [json.dumps(x) for x in ev] or sorted(dev))
    c.check("10.0.6.6" not in dev and "10.0.7.7" not in dev,
            "unsampled, the same records are no finding; acknowledged records are successes "
            "(%s)" % sorted(dev))
    c.finish()


if __name__ == "__main__":
    main()
