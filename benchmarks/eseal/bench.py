# SPDX-License-Identifier: BSD-3-Clause
"""benchmarks/eseal: seal verifications per second in process (bench_eseal)
and through the eseal plugin's HTTP endpoint (a live mamorid), against
`openssl cms -verify` on the same files in the same run.  Called by ./run."""
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "plugins", "eseal", "tests"))
import pki as P  # noqa: E402

BUILD = os.environ.get("MAMORI_BUILD") or os.path.join(TOP, "build")
SECONDS = float(os.environ.get("ESEAL_SECONDS", "3"))
CLIENTS = int(os.environ.get("ESEAL_CLIENTS", "2"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_inputs(work):
    k = P.Pki(work)
    root = k.root("root", "/C=JP/O=Bench/CN=Bench Root")
    ca = k.sub_ca(root, "ca", "/C=JP/O=Bench/CN=Bench Seal CA")
    k.tsa(root)
    cert, key = k.issue(ca, "seal", "/C=JP/O=Bench K.K./CN=Bench seal", "v3_seal_l2")
    doc = os.path.join(work, "invoice.pdf")
    with open(doc, "wb") as f:
        f.write(b"%PDF-1.7\n" + bytes(range(256)) * 256)
    chain = os.path.join(ca, "ca.pem")
    bb = k.seal("bb", cert, key, doc, chain=chain)
    env = k.seal("env", cert, key, doc, detached=False, chain=chain)
    blt = k.add_ocsp(k.add_timestamp(bb, os.path.join(work, "bt.p7s")),
                     os.path.join(work, "blt.p7s"), k.ocsp(ca, cert, os.path.join(work, "o")))
    policy = os.path.join(work, "policy.yaml")
    with open(policy, "w") as f:
        f.write("trust:\n  anchors: %s\n" % os.path.join(root, "ca.pem"))
    return policy, os.path.join(root, "ca.pem"), [(bb, doc), (env, None), (blt, doc)]


def in_process(policy, items):
    args = [os.path.join(BUILD, "benchmarks", "eseal", "bench_eseal"), "--policy", policy,
            "--seconds", str(SECONDS)]
    args += [s + (":" + d if d else "") for s, d in items]
    out = subprocess.run(args, capture_output=True, check=True).stdout.decode()
    print(out.rstrip())
    return float([line for line in out.splitlines() if line.startswith("RATE ")][-1].split()[1])


def peer(anchor, items):
    n, ok, t0 = 0, 0, time.time()
    while time.time() - t0 < SECONDS:
        for s, d in items:
            cmd = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", s,
                   "-CAfile", anchor, "-purpose", "any", "-out", os.devnull]
            if d:
                cmd += ["-content", d]
            ok += subprocess.run(cmd, capture_output=True).returncode == 0
            n += 1
    rate = n / (time.time() - t0)
    print("openssl cms -verify: %d verifications (%d valid) in %.2f s, a process each: %.0f/s"
          % (n, ok, time.time() - t0, rate))
    return rate


def over_http(work, policy, items):
    mamorid = os.path.join(BUILD, "dataplane", "mamorid")
    plugin = os.path.join(BUILD, "plugins", "mamori_eseal.so")
    if not os.access(mamorid, os.X_OK) or not os.access(plugin, os.R_OK):
        print("HTTP endpoint: mamorid or the eseal plugin not built: no figure")
        return None
    port = free_port()
    conf = os.path.join(work, "mamorid.yaml")
    with open(conf, "w") as f:
        f.write("eal:\n  lcores: \"0\"\ncollector:\n  listen: [\"127.0.0.1:%d\"]\n"
                "state_dir: %s\ncontrol:\n  url: ipc://%s/ctl.ipc\noutput:\n  stats_interval: 0\n"
                "plugins:\n  load: [%s]\n  eseal:\n    policy: %s\n    listen: http://127.0.0.1:%d\n"
                "    workers: %d\n    queue: 256\n"
                % (free_port(), os.path.join(work, "state"), work, plugin, policy, port, CLIENTS))
    log = open(os.path.join(work, "mamorid.log"), "w")
    p = subprocess.Popen([mamorid, "-c", conf, "-q"], stdout=log, stderr=log)
    bodies = [json.dumps({"seal": base64.b64encode(open(s, "rb").read()).decode(),
                          "document": base64.b64encode(open(d, "rb").read()).decode() if d else None}
                         ).replace(', "document": null', "").encode() for s, d in items]
    counts = []
    try:
        t0 = time.time()
        up = False
        while not up and time.time() - t0 < 90 and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                up = True
            except OSError:
                time.sleep(0.2)
        if not up:
            print("HTTP endpoint: mamorid did not start: no figure")
            print(open(os.path.join(work, "mamorid.log")).read()[-1200:])
            return None
        stop = time.time() + SECONDS

        def client():
            n = 0
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.time() < stop:
                for b in bodies:
                    conn.request("POST", "/verify", body=b,
                                 headers={"Content-Type": "application/json"})
                    r = conn.getresponse()
                    data = r.read()
                    n += r.status == 200 and b"TOTAL-PASSED" in data
            counts.append(n)
        start = time.time()
        ts = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        elapsed = time.time() - start
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=60)
    rate = sum(counts) / elapsed
    print("HTTP endpoint (POST /verify, JSON, %d clients, %d workers): %d verifications in "
          "%.2f s: %.0f/s" % (CLIENTS, CLIENTS, sum(counts), elapsed, rate))
    return rate


def main():
    work = tempfile.mkdtemp(prefix="mamori-eseal-bench-")
    policy, anchor, items = make_inputs(work)
    print("inputs: B-B detached, B-B enveloping, B-LT detached (timestamp + OCSP); 64 KiB "
          "document; RSA-2048 seal key, RSA-3072 root")
    ours = in_process(policy, items)
    http_rate = over_http(work, policy, items)
    theirs = peer(anchor, items)
    if http_rate is not None:
        print("eseal: through HTTP %.0f verifications/s, %.2f times openssl cms -verify" %
              (http_rate, http_rate / theirs))
    print("BENCH eseal: ours=%.0f verifications/s peer(openssl cms -verify)=%.0f "
          "verifications/s ratio=%.2f" % (ours, theirs, ours / theirs))
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
