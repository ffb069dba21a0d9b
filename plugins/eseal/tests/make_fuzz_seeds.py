# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of the eseal fuzz target (fuzz/corpus/eseal):
seals, request bodies and a trusted list made by the test PKI.  The first
byte of each seed selects the parser (see plugins/eseal/fuzz_eseal.c).
Usage: python3 make_fuzz_seeds.py BUILD_DIR OUT_DIR"""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pki as P  # noqa: E402
import test_eseal_tl as T  # noqa: E402


def main():
    build, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="eseal-seeds-")
    k = P.Pki(work)
    root = k.root("root", "/C=JP/O=Seed/CN=Seed Root")
    ca = k.sub_ca(root, "ca", "/C=JP/O=Seed/CN=Seed CA")
    k.tsa(root)
    cert, key = k.issue(ca, "seal", "/C=JP/O=Seed K.K./CN=Seed seal", "v3_seal_l2")
    doc = os.path.join(work, "doc.txt")
    with open(doc, "wb") as f:
        f.write(b"Hello World")
    det = k.seal("det", cert, key, doc, chain=os.path.join(ca, "ca.pem"))
    env = k.seal("env", cert, key, doc, detached=False)
    bt = k.add_timestamp(det, os.path.join(work, "bt.p7s"))
    resp = k.ocsp(ca, cert, os.path.join(work, "seal.ocsp"))
    blt = k.add_ocsp(bt, os.path.join(work, "blt.p7s"), resp)
    seeds = {"seal-detached": b"\x00" + open(det, "rb").read(),
             "seal-enveloping": b"\x00" + open(env, "rb").read(),
             "seal-blt-ocsp": b"\x00" + open(blt, "rb").read()}
    mp = (b"--fz\r\nContent-Disposition: form-data; name=\"document\"; filename=\"doc.txt\"\r\n\r\n"
          b"Hello World\r\n--fz\r\nContent-Disposition: form-data; name=\"seal\"; "
          b"filename=\"doc.txt.p7s\"\r\n\r\n" + open(det, "rb").read() + b"\r\n--fz--\r\n")
    seeds["multipart"] = b"\x01" + mp
    seeds["json"] = b"\x01" + json.dumps({"seal": base64.b64encode(open(det, "rb").read()).decode(),
                                          "document": base64.b64encode(b"Hello World").decode(),
                                          "at": "2026-01-01"}).encode()
    src, tl = os.path.join(work, "tl.src.xml"), os.path.join(work, "tl.xml")
    with open(src, "w") as f:
        f.write(T.TL.format(version=6, tsp="Seed", services=T.SERVICE.format(
            type="CA/QC", name="Seed CA", status="granted",
            cert=T.b64cert(os.path.join(ca, "ca.pem")), extra=T.FORESEALS)))
    subprocess.run([os.path.join(build, "plugins", "eseal", "eseal_tlsign"),
                    os.path.join(ca, "ca.key"), os.path.join(ca, "ca.pem"), src, tl], check=True)
    seeds["trusted-list-v6"] = b"\x02" + open(tl, "rb").read()
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
