# SPDX-License-Identifier: BSD-3-Clause
"""eseal: the real signed files of $MAMORI_TEST_DATA/eseal give the verdicts
its README lists, and for every file the cryptographic check agrees with
`openssl cms -verify` on the same input (and the chain check too, where an
anchor is given)."""
import calendar
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
import mamori_test as mt  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")


def epoch(day):
    return calendar.timegm(time.strptime(day, "%Y-%m-%d"))


def self_signed(pem_text):
    """The self-signed certificates of a PEM bundle."""
    out = []
    for cert in re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                           pem_text, re.S):
        p = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-nameopt",
                            "RFC2253"], input=cert.encode(), capture_output=True)
        lines = p.stdout.decode().splitlines()
        if len(lines) == 2 and lines[0].split("=", 1)[1] == lines[1].split("=", 1)[1]:
            out.append(cert)
    return out


def carried_root(work, seal, content, name):
    """The root certificate a seal carries (its own or its timestamps')."""
    pem = os.path.join(work, name + "-all.pem")
    cmd = ["openssl", "cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in", seal,
           "-certsout", pem, "-out", os.devnull]
    if content:
        cmd += ["-content", content]
    subprocess.run(cmd, capture_output=True)
    roots = self_signed(open(pem).read()) if os.path.exists(pem) else []
    if not roots:
        return None
    path = os.path.join(work, name + "-root.pem")
    with open(path, "w") as f:
        f.write(roots[0])
    return path


def ours(seal, content=None, anchors=None, at=None):
    cmd = [CTL, "seal", "verify", seal, "--json"]
    cmd += ["--content", content] if content else []
    cmd += ["--anchors", anchors] if anchors else []
    cmd += ["--at", at] if at else []
    rc, out, err = mt.run(cmd, timeout=60, env=dict(os.environ, MAMORI_ESEAL_POLICY=""))
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": err}


def openssl_ok(seal, content=None, anchor=None, at=None):
    cmd = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", seal,
           "-out", os.devnull]
    cmd += ["-content", content] if content else []
    if anchor:
        cmd += ["-CAfile", anchor, "-purpose", "any", "-attime", str(epoch(at))]
    else:
        cmd += ["-noverify"]
    return subprocess.run(cmd, capture_output=True).returncode == 0


def chk(res, name):
    return res.get("checks", {}).get(name, {}).get("result")


def main():
    data = os.path.join(mt.DATA, "eseal")
    if not os.path.isdir(data):
        mt.skip("%s not found: skipping (no shared signed documents)" % data)
    if not os.access(CTL, os.X_OK):
        mt.skip("%s not built: skipping" % CTL)
    work = tempfile.mkdtemp(prefix="eseal-shared-")
    c = mt.Checks(work)
    d = lambda f: os.path.join(data, f)  # noqa: E731
    content, wrong = d("cades-detached.content.txt"), d("cades-detached.wrong-content.txt")
    dss_root = carried_root(work, d("cades-lta-detached.p7s"), content, "dss")
    pt_root = carried_root(work, d("plugtests-cades-b-lta.p7m"), None, "plugtests")
    c.check(dss_root is not None and pt_root is not None,
            "the DSS test root and the Plugtests root are found in the samples")

    # (file, content, anchor, at, expected indication, sub-indication or None)
    cases = [
        ("cades-detached.p7s", content, None, None, "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"),
        ("cades-detached.p7s", content, dss_root, None, "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
        ("cades-detached.p7s", content, dss_root, "2020-03-31", "TOTAL-PASSED", None),
        ("cades-detached.p7s", wrong, None, None, "TOTAL-FAILED", "HASH_FAILURE"),
        ("cades-detached.p7s", wrong, dss_root, "2020-03-31", "TOTAL-FAILED", "HASH_FAILURE"),
        ("cades-enveloping.p7m", None, dss_root, "2020-04-03", "TOTAL-PASSED", None),
        ("cades-enveloping-broken.p7m", None, None, None, "TOTAL-FAILED", "HASH_FAILURE"),
        ("cms-no-sign-cert.p7m", None, None, None, "INDETERMINATE",
         "NO_SIGNING_CERTIFICATE_FOUND"),
        ("cades-lta-detached.p7s", content, dss_root, "2020-03-31", "TOTAL-PASSED", None),
        ("plugtests-cades-b-lta.p7m", None, pt_root, "2015-07-02", "TOTAL-PASSED", None),
    ]
    for f, cont, anchor, at, ind, sub in cases:
        res = ours(d(f), cont, anchor, at)
        what = "%s%s%s%s" % (f, " + " + os.path.basename(cont) if cont else "",
                             " trusting its root" if anchor else "", " at " + at if at else "")
        got = (res.get("indication"), res.get("sub_indication"))
        c.check(got == (ind, sub), "%s: %s%s" % (what, ind, " / " + sub if sub else ""),
                None if got == (ind, sub) else ["got %s / %s: %s" % (got[0], got[1],
                                                                     res.get("reason", res))])
        crypto = chk(res, "signature") == "passed" and chk(res, "message_digest") == "passed"
        peer = openssl_ok(d(f), cont)
        c.check(crypto == peer, "%s: cryptographic check agrees with openssl cms -verify (%s)" %
                (what, "valid" if peer else "invalid"))
        # openssl's answer mixes chain and content: compare chains where the content is intact.
        if anchor and at and peer:
            chain = chk(res, "chain") == "passed"
            peer = openssl_ok(d(f), cont, anchor, at)
            c.check(chain == peer, "%s: chain check agrees with openssl cms -verify -CAfile "
                    "-attime (%s)" % (what, "valid" if peer else "invalid"))

    res = ours(d("plugtests-cades-b-lta.p7m"), None, pt_root, "2015-07-02")
    c.check(res.get("baseline") == "B-LTA", "Plugtests sample detected as B-LTA",
            [str(res.get("baseline"))])
    c.check(chk(res, "signature_timestamp") == "passed" and chk(res, "revocation") == "passed",
            "Plugtests sample: signature timestamp and revocation data verified",
            [str(res.get("checks"))])
    res = ours(d("cades-lta-detached.p7s"), content, dss_root, "2020-03-31")
    c.check(res.get("baseline") == "B-LTA" and "proof_of_existence" in res.get("times", {}),
            "DSS LTA sample: B-LTA with a proof of existence", [str(res.get("times"))])
    res = ours(d("cades-bt-modified-timestamp-hash.p7m"))
    c.check(chk(res, "signature") == "passed" and chk(res, "message_digest") == "passed",
            "modified-timestamp sample: the CMS signature itself verifies")
    c.check(chk(res, "signature_timestamp") == "failed" and
            "imprint" in res.get("checks", {}).get("signature_timestamp", {}).get("detail", "") and
            "proof_of_existence" not in res.get("times", {}),
            "modified-timestamp sample: the timestamp is reported as not matching, no proof of "
            "existence", [str(res.get("checks", {}).get("signature_timestamp"))])
    c.check(res.get("baseline") == "B-T", "modified-timestamp sample: B-T structure",
            [str(res.get("baseline"))])
    c.finish()


if __name__ == "__main__":
    main()
