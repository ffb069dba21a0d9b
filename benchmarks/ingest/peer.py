#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of benchmarks/ingest/run that need a child's resource usage.

  peer.py nfcapd --bench BIN --stream FILE --records N
      nfcapd on 127.0.0.1 receives the stream (sent by 'BIN send', paced so
      that nothing is lost: checked with nfdump, and the rate halved and the
      run repeated if something was); its CPU time is the user + system time
      of the whole process (all threads, start to exit, its file writes
      included), from wait4().
  peer.py recv --bench BIN --stream FILE --records N
      the same with 'BIN recv' (our decoder behind a UDP socket) in place of
      nfcapd, measured the same way.
  peer.py softflowd --src TOP --data DIR --out FILE
      softflowd's IPFIX export of every shared capture, caught on loopback,
      as one stream file (reuses core/tests/test_netflow_peers.py).

Each prints its figures and a last line "RATE <records per CPU-second>"; nfcapd
also the rate it was fed at without loss ("PPS <datagrams a second>"), at which
the run script then feeds ours: the fewer datagrams a wake-up brings, the more
system time a receiver spends on each.
"""

import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

LOOP = "127.0.0.1"


def pin(cpu):
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") else []


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LOOP, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def datagram_count(path):
    n = 0
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 2 <= len(data):
        off += 2 + (data[off] << 8 | data[off + 1])
        n += 1
    return n


def run_receiver(cmd, args, pps, quiet=False):
    """Starts cmd (a receiver on args.port), sends the stream, stops it; returns (rusage, output)."""
    proc = subprocess.Popen(pin(1) + cmd, stdout=subprocess.DEVNULL if quiet else subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    time.sleep(0.5)  # bound and waiting
    subprocess.run(pin(0) + [args.bench, "send", "--port", str(args.port), "--pps", str(pps),
                             args.stream], check=True, stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # let it drain its socket
    # wait4() and kill() directly: Popen's poll() would reap the child and lose its usage.
    pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
    if pid == 0:
        os.kill(proc.pid, signal.SIGTERM)
        pid, status, ru = os.wait4(proc.pid, 0)
    out = "" if quiet else proc.stdout.read()
    proc.returncode = status
    return ru, out


def nfcapd(args):
    pps = args.pps
    for attempt in range(5):
        flowdir = tempfile.mkdtemp(prefix="mamori-ingest-nfcapd.")
        try:
            args.port = free_port()
            ru, _ = run_receiver(["nfcapd", "-w", flowdir, "-b", LOOP, "-p", str(args.port),
                                  "-B", str(4 << 20)], args, pps, quiet=True)
            info = subprocess.run(["nfdump", "-R", flowdir, "-I"], capture_output=True,
                                  text=True, check=True).stdout
        finally:
            shutil.rmtree(flowdir, ignore_errors=True)
        flows = 0
        for line in info.splitlines():
            if line.startswith("Flows:"):
                flows = int(line.split(":")[1])
        cpu = ru.ru_utime + ru.ru_stime
        print("nfcapd: %d of %d records stored at %d datagrams/s; %.3f CPU-seconds "
              "(user %.3f, system %.3f)" % (flows, args.records, pps, cpu, ru.ru_utime,
                                            ru.ru_stime))
        if flows == args.records and cpu > 0:
            print("nfcapd: %.0f records per CPU-second (receive, decode, store)" % (flows / cpu))
            print("PPS %d" % pps)
            print("RATE %.0f" % (flows / cpu))
            return 0
        print("nfcapd: records lost: again at half the rate")
        pps //= 2
    print("RATE n/a")
    return 1


def recv(args):
    pps = args.pps
    n = datagram_count(args.stream)
    for attempt in range(5):
        args.port = free_port()
        ru, out = run_receiver([args.bench, "recv", "--port", str(args.port), "--datagrams",
                                str(n)], args, pps)
        sys.stdout.write(out)
        cpu = ru.ru_utime + ru.ru_stime
        got = " %d records" % args.records in out and (" %d of %d datagrams" % (n, n)) in out
        print("ours behind a socket: %.3f CPU-seconds for the whole process (user %.3f, "
              "system %.3f) at %d datagrams/s" % (cpu, ru.ru_utime, ru.ru_stime, pps))
        if got and cpu > 0:
            print("ours behind a socket: %.0f records per CPU-second (receive, decode)" %
                  (args.records / cpu))
            print("RATE %.0f" % (args.records / cpu))
            return 0
        print("ours behind a socket: datagrams lost: again at half the rate")
        pps //= 2
    print("RATE n/a")
    return 1


def softflowd(args):
    sys.path.insert(0, os.path.join(args.src, "core", "tests"))
    import test_netflow_peers as peers  # noqa: E402 (found only now)

    pcaps = sorted(p for p in glob.glob(os.path.join(args.data, "pcap", "*", "*"))
                   if p.endswith((".pcap", ".pcapng")))
    if not pcaps or shutil.which("softflowd") is None:
        print("softflowd or the shared captures missing")
        return 1
    with tempfile.TemporaryDirectory(prefix="mamori-ingest-sf.") as work, \
            open(args.out, "wb") as out:
        for i, pcap in enumerate(pcaps):
            path = os.path.join(work, "%02d.bin" % i)
            peers.softflowd(pcap, ["-v", "10"], path, work)
            with open(path, "rb") as f:
                out.write(f.read())
    print("softflowd: IPFIX of %d shared captures, %d datagrams in %s" %
          (len(pcaps), datagram_count(args.out), args.out))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("nfcapd", "recv", "softflowd"))
    ap.add_argument("--bench")
    ap.add_argument("--stream")
    ap.add_argument("--records", type=int, default=0)
    ap.add_argument("--pps", type=int, default=20000)
    ap.add_argument("--src")
    ap.add_argument("--data")
    ap.add_argument("--out")
    args = ap.parse_args()
    return {"nfcapd": nfcapd, "recv": recv, "softflowd": softflowd}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
