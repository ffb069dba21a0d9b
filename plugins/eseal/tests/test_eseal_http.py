# SPDX-License-Identifier: BSD-3-Clause
"""eseal: the plugin inside a live mamorid (collector only, no ports): its
HTTP endpoint (POST /verify) and its gateway in front of a small upstream
service started here on loopback; verdicts reach the EVE output as
eseal_verdict events."""
import base64
import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mamori_test as mt  # noqa: E402
import pki as P  # noqa: E402

PLUGIN = os.path.join(mt.BUILD, "plugins", "mamori_eseal.so")
SEEN = []


class Upstream(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path == "/slow":
            time.sleep(2.5)
        SEEN.append({"method": self.command, "path": self.path, "bytes": len(body),
                     "verdict": self.headers.get("Mamori-ESeal-Verdict")})
        out = json.dumps({"stored": self.path}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *a):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(port, method, path, body=b"", ctype=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": ctype} if ctype else {}
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data
    except (OSError, http.client.HTTPException) as e:
        return None, {}, str(e).encode()
    finally:
        c.close()


def as_json(data):
    try:
        return json.loads(data)
    except ValueError:
        return {}


def multipart(parts):
    b = "mamoriTestBoundary7x"
    out = b""
    for name, fname, data in parts:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n" % (b, name, fname)).encode()
        out += data + b"\r\n"
    out += ("--%s--\r\n" % b).encode()
    return out, "multipart/form-data; boundary=%s" % b


def main():
    if not os.access(PLUGIN, os.R_OK):
        mt.skip("%s not built: skipping" % PLUGIN)
    mt.need_mamorid()
    work = tempfile.mkdtemp(prefix="eseal-http-")
    c = mt.Checks(work)
    k = P.Pki(work)
    root = k.root("root", "/C=JP/O=Mamori Test/CN=Mamori Test Root")
    l2 = k.sub_ca(root, "l2ca", "/C=JP/O=Mamori Test/CN=Accredited Seal CA (level 2)")
    l1 = k.sub_ca(root, "l1ca", "/C=JP/O=Mamori Test/CN=Seal CA (level 1)")
    org = "/C=JP/O=Example Trading K.K."
    g2 = k.issue(l2, "good2", org + "/CN=L2 seal", "v3_seal_l2")
    g1 = k.issue(l1, "good1", org + "/CN=L1 seal", "v3_seal_l1")
    doc = os.path.join(work, "report.pdf")
    with open(doc, "wb") as f:
        f.write(b"%PDF-1.7 test report " + os.urandom(2048))
    docb = open(doc, "rb").read()
    s2 = open(k.seal("s2", g2[0], g2[1], doc, chain=os.path.join(l2, "ca.pem")), "rb").read()
    s1 = open(k.seal("s1", g1[0], g1[1], doc, chain=os.path.join(l1, "ca.pem")), "rb").read()
    env2 = open(k.seal("e2", g2[0], g2[1], doc, detached=False,
                       chain=os.path.join(l2, "ca.pem")), "rb").read()
    policy = os.path.join(work, "policy.yaml")
    with open(policy, "w") as f:
        f.write("trust:\n  anchors: %s\nlevels:\n  - ca_sha256: %s\n    level: 2\n"
                "require:\n  level: 2\nlimits:\n  seal_bytes: 262144\n  content_bytes: 1048576\n"
                "  request_ms: 1000\n"
                % (os.path.join(root, "ca.pem"), k.fingerprint(os.path.join(l2, "ca.pem"))))

    up_port, ep_port, gw_port, col_port = free_port(), free_port(), free_port(), free_port()
    up = http.server.ThreadingHTTPServer(("127.0.0.1", up_port), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    conf = os.path.join(work, "mamorid.yaml")
    with open(conf, "w") as f:
        f.write("""eal:
  lcores: "0"
collector:
  listen: ["127.0.0.1:%d"]
state_dir: %s
control:
  url: ipc://%s/ctl.ipc
output:
  stats_interval: 0
plugins:
  load: [%s]
  eseal:
    policy: %s
    listen: http://127.0.0.1:%d
    gateway:
      listen: http://127.0.0.1:%d
      upstream: http://127.0.0.1:%d
    workers: 2
""" % (col_port, os.path.join(work, "state"), work, PLUGIN, policy, ep_port, gw_port, up_port))
    eve = os.path.join(work, "eve.json")
    err = open(os.path.join(work, "mamorid.err"), "w")
    p = subprocess.Popen([mt.MAMORID, "-c", conf, "-q", "--eve", eve], stdout=err, stderr=err)
    try:
        t0 = time.time()
        while time.time() - t0 < 30 and p.poll() is None:
            if request(ep_port, "GET", "/verify", timeout=2)[0] is not None:
                break
            time.sleep(0.2)
        c.check(p.poll() is None, "mamorid runs with the eseal plugin's endpoint and gateway",
                open(os.path.join(work, "mamorid.err")).read()[-600:].splitlines())
        run_checks(c, ep_port, gw_port, s2, s1, env2, docb)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        up.shutdown()
    c.check(p.returncode == 0, "mamorid stops cleanly (exit %s)" % p.returncode,
            open(os.path.join(work, "mamorid.err")).read()[-800:].splitlines())
    evs = []
    if os.path.exists(eve):
        for line in open(eve):
            o = json.loads(line)
            if o.get("event_type") == "eseal_verdict":
                evs.append(o)
    c.check(len(evs) == 8 and all(e.get("plugin") == "eseal" and "timestamp" in e for e in evs),
            "every verification is an eseal_verdict event (%d)" % len(evs))
    c.check(sum(1 for e in evs if e["eseal_verdict"].get("source") == "gateway") == 4,
            "gateway verdicts are marked as such")
    c.check(any(e["eseal_verdict"].get("indication") == "TOTAL-FAILED" and
                e["eseal_verdict"].get("document", {}).get("sha256") for e in evs),
            "a failed verdict is stored with the document's hash")
    c.finish()


def run_checks(c, ep, gw, s2, s1, env2, docb):
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    st, hd, data = request(ep, "POST", "/verify", json.dumps(
        {"seal": b64(s2), "document": b64(docb), "document_name": "report.pdf"}).encode(),
        "application/json")
    r = as_json(data)
    c.check(st == 200 and r.get("indication") == "TOTAL-PASSED" and r.get("level") == 2 and
            r.get("policy", {}).get("accepted") is True,
            "POST /verify (JSON, detached): TOTAL-PASSED level 2", [str(st), data[:300]])
    c.check(hd.get("Mamori-ESeal-Verdict", "").startswith("TOTAL-PASSED; level=2"),
            "the verdict is in the Mamori-ESeal-Verdict header", [str(hd)])
    st, hd, data = request(ep, "POST", "/verify", env2, "application/pkcs7-mime")
    c.check(st == 200 and as_json(data).get("indication") == "TOTAL-PASSED",
            "POST /verify (raw enveloping seal): TOTAL-PASSED", [str(st), data[:300]])
    st, hd, data = request(ep, "POST", "/verify", json.dumps(
        {"seal": b64(s2), "document": b64(docb + b"!")}).encode(), "application/json")
    r = as_json(data)
    c.check(st == 200 and (r.get("indication"), r.get("sub_indication")) ==
            ("TOTAL-FAILED", "HASH_FAILURE"), "POST /verify, altered document: HASH_FAILURE",
            [str(st), data[:300]])
    st, hd, data = request(ep, "POST", "/verify", json.dumps(
        {"seal": b64(s1), "document": b64(docb)}).encode(), "application/json")
    r = as_json(data)
    c.check(st == 200 and r.get("level") == 1 and r.get("policy", {}).get("accepted") is False,
            "POST /verify, level-1 seal: valid but below the required level", [data[:300]])
    st, hd, data = request(ep, "POST", "/verify", b"{\"seal\": 12", "application/json")
    c.check(st == 400 and "error" in as_json(data), "malformed JSON: 400 with the reason",
            [str(st), data[:200]])
    st, hd, data = request(ep, "POST", "/verify", b"0" * (3 << 20), "application/pkcs7-mime")
    c.check(st in (413, 400) or st is None, "a body over the size limit is refused (%s)" % st)

    body, ct = multipart([("document", "report.pdf", docb), ("seal", "report.pdf.p7s", s2)])
    n0 = len(SEEN)
    st, hd, data = request(gw, "POST", "/upload/invoices", body, ct)
    c.check(st == 201 and len(SEEN) == n0 + 1 and SEEN[-1]["path"] == "/upload/invoices" and
            SEEN[-1]["bytes"] == len(body) and
            (SEEN[-1]["verdict"] or "").startswith("TOTAL-PASSED; level=2"),
            "gateway: a level-2 sealed upload is forwarded unchanged with the verdict header",
            [str(st), str(SEEN[-1:]), data[:200]])
    body, ct = multipart([("document", "report.pdf", docb), ("seal", "report.pdf.p7s", s1)])
    st, hd, data = request(gw, "POST", "/upload/invoices", body, ct)
    c.check(st == 403 and len(SEEN) == n0 + 1 and as_json(data).get("level") == 1,
            "gateway: a level-1 seal is refused when level 2 is required", [str(st), data[:200]])
    body, ct = multipart([("document", "report.pdf", docb + b"x"), ("seal", "r.p7s", s2)])
    st, hd, data = request(gw, "POST", "/upload/invoices", body, ct)
    c.check(st == 403 and as_json(data).get("sub_indication") == "HASH_FAILURE" and
            len(SEEN) == n0 + 1, "gateway: an altered document is refused", [str(st), data[:200]])
    body, ct = multipart([("document", "report.pdf", docb)])
    st, hd, data = request(gw, "POST", "/upload/invoices", body, ct)
    c.check(st == 403 and len(SEEN) == n0 + 1, "gateway: an upload without a seal is refused",
            [str(st), data[:200]])
    st, hd, data = request(gw, "PUT", "/upload/x.p7m", env2, "application/pkcs7-mime")
    c.check(st == 200 and len(SEEN) == n0 + 2, "gateway: an enveloping seal PUT is forwarded",
            [str(st), data[:200]])
    st, hd, data = request(gw, "GET", "/status")
    c.check(st == 200 and SEEN[-1]["method"] == "GET" and SEEN[-1]["verdict"] is None,
            "gateway: other requests pass through untouched", [str(st)])
    t0 = time.time()
    st, hd, data = request(gw, "GET", "/slow")
    c.check(st == 502 and time.time() - t0 < 2.4,
            "gateway: an upstream slower than limits.request_ms gives 502 in time",
            [str(st), data[:200]])


if __name__ == "__main__":
    main()
