# SPDX-License-Identifier: BSD-3-Clause
"""eseal: every indication and the main sub-indications, on seals made by a
test PKI (pki.py, openssl command line), verified with `mamorictl seal
verify` against policies written here."""
import datetime
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mamori_test as mt  # noqa: E402
import pki as P  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")


def verify(c, policy, seal, content=None, at=None):
    cmd = [CTL, "seal", "verify", seal, "--policy", policy, "--json"]
    if content:
        cmd += ["--content", content]
    if at:
        cmd += ["--at", at]
    rc, out, err = mt.run(cmd, timeout=60)
    try:
        return rc, json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        c.check(False, "seal verify %s answers JSON" % os.path.basename(seal),
                [out[-300:], err[-300:]])
        return rc, {}


def expect(c, what, res, ind, sub=None, level=None):
    got = (res.get("indication"), res.get("sub_indication"))
    ok = got == (ind, sub) and (level is None or res.get("level") == level)
    c.check(ok, "%s: %s%s%s" % (what, ind, " / " + sub if sub else "",
                                " level %d" % level if level else ""),
            None if ok else ["got %s / %s level %s: %s" % (got[0], got[1], res.get("level"),
                                                          res.get("reason"))])


def write_policy(path, body):
    with open(path, "w") as f:
        f.write(body)
    return path


def main():
    if not os.access(CTL, os.X_OK):
        mt.skip("%s not built: skipping" % CTL)
    if shutil.which("openssl") is None:
        mt.skip("openssl not installed: skipping")
    work = tempfile.mkdtemp(prefix="eseal-pki-")
    c = mt.Checks(work)
    k = P.Pki(work)
    now = k.now
    day = datetime.timedelta(days=1)

    root = k.root("root", "/C=JP/O=Mamori Test/CN=Mamori Test Root")
    l2 = k.sub_ca(root, "l2ca", "/C=JP/O=Mamori Test/CN=Accredited Seal CA (level 2)")
    l1 = k.sub_ca(root, "l1ca", "/C=JP/O=Mamori Test/CN=Seal CA (level 1)")
    other = k.root("other", "/C=JP/O=Elsewhere/CN=Untrusted Root")
    k.tsa(root)
    chain_l2 = os.path.join(l2, "ca.pem")
    chain_l1 = os.path.join(l1, "ca.pem")
    org = "/C=JP/O=Example Trading K.K./organizationIdentifier=JCNJP-1234567890123"
    good2 = k.issue(l2, "good2", org + "/CN=Example e-seal L2", "v3_seal_l2")
    good1 = k.issue(l1, "good1", org + "/CN=Example e-seal L1", "v3_seal_l1", kind="P-256")
    revoked = k.issue(l2, "revoked", org + "/CN=Revoked seal", "v3_seal_l2")
    expired = k.issue(l2, "expired", org + "/CN=Expired seal", "v3_seal_l2",
                      start=now - 30 * day, end=now - day)
    shortlived = k.issue(l2, "short", org + "/CN=Short-lived seal", "v3_seal_l2",
                         end=now + datetime.timedelta(hours=2))
    future = k.issue(l2, "future", org + "/CN=Future seal", "v3_seal_l2",
                     start=now + 10 * day)
    weak = k.issue(l1, "weak", org + "/CN=Weak seal", "v3_seal_l1", kind="rsa:1024")
    kubad = k.issue(l1, "kubad", org + "/CN=Encryption only", "v3_kubad")
    stranger = k.issue(other, "stranger", org + "/CN=Unknown CA seal", "v3_seal_l1")
    inv = os.path.join(work, "invoice.xml")
    with open(inv, "wb") as f:
        f.write(b"<invoice><no>2026-0815</no><total currency='JPY'>108000</total></invoice>\n")
    bad = os.path.join(work, "invoice-altered.xml")
    with open(bad, "wb") as f:
        f.write(b"<invoice><no>2026-0815</no><total currency='JPY'>980000</total></invoice>\n")

    anchors = os.path.join(root, "ca.pem")
    fp2 = k.fingerprint(chain_l2)
    base = """trust:
  anchors: %s
levels:
  - ca_sha256: %s
    level: 2
""" % (anchors, fp2)
    pol = write_policy(os.path.join(work, "policy.yaml"), base)
    pol_qc = write_policy(os.path.join(work, "policy-qc.yaml"), """trust:
  anchors: %s
levels:
  - qc_type: eseal
    policy_oid: %s
    level: 2
""" % (anchors, P.POLICY_L2))

    # A good seal of each level; detached and enveloping.
    s = k.seal("good2", good2[0], good2[1], inv, chain=chain_l2)
    expect(c, "good level-2 seal, detached", verify(c, pol, s, inv)[1], "TOTAL-PASSED", None, 2)
    rc, res = verify(c, pol, s, inv)
    c.check(rc == 0, "mamorictl exits 0 on TOTAL-PASSED")
    c.check(res.get("organisation", {}).get("name") == "Example Trading K.K." and
            res.get("organisation", {}).get("identifier") == "JCNJP-1234567890123",
            "the sealing organisation and its identifier are reported", [str(res.get("organisation"))])
    c.check(res.get("baseline") == "B-B", "baseline B-B detected", [str(res.get("baseline"))])
    c.check("signing_time_claimed" in res.get("times", {}) and
            "proof_of_existence" not in res.get("times", {}),
            "signing time reported as a claim, no proof of existence without a timestamp")
    expect(c, "level-2 by QcType eseal + policy OID", verify(c, pol_qc, s, inv)[1],
           "TOTAL-PASSED", None, 2)
    s1 = k.seal("good1", good1[0], good1[1], inv, detached=False, chain=chain_l1)
    expect(c, "good level-1 seal (EC P-256), enveloping", verify(c, pol, s1)[1],
           "TOTAL-PASSED", None, 1)
    expect(c, "level-1 CA under the QcType map", verify(c, pol_qc, s1)[1], "TOTAL-PASSED", None, 1)

    # Two signers: both must pass; the level is the lower one.
    two = os.path.join(work, "two.p7m")
    k.run("openssl", "cms", "-resign", "-binary", "-cades", "-inform", "DER", "-in", s1,
          "-signer", good2[0], "-inkey", good2[1], "-outform", "DER", "-out", two)
    # (-resign adds no certificates: the level-2 CA comes from the policy's intermediates)
    pol_int = write_policy(os.path.join(work, "policy-int.yaml"), base.replace(
        "trust:\n", "trust:\n  intermediates: %s\n" % chain_l2))
    rc, res = verify(c, pol_int, two)
    expect(c, "two trusted signers (levels 1 and 2)", res, "TOTAL-PASSED", None, 1)
    c.check(res.get("signers") == 2, "both signers are counted", [str(res.get("signers"))])
    two_bad = os.path.join(work, "two-bad.p7m")
    k.run("openssl", "cms", "-resign", "-binary", "-cades", "-inform", "DER", "-in", s1,
          "-signer", stranger[0], "-inkey", stranger[1], "-outform", "DER", "-out", two_bad)
    rc, res = verify(c, pol_int, two_bad)
    expect(c, "second signer untrusted", res, "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    c.check(res.get("signer") == 1, "the report names the signer that failed",
            [str(res.get("signer"))])

    # Cryptographic failures.
    rc, res = verify(c, pol, s, bad)
    expect(c, "altered document", res, "TOTAL-FAILED", "HASH_FAILURE")
    c.check(rc == 1, "mamorictl exits 1 on a failed seal")
    forged = os.path.join(work, "forged.p7s")
    with open(forged, "wb") as f:
        f.write(P.der.corrupt_signature(open(s, "rb").read()))
    expect(c, "altered signature value", verify(c, pol, forged, inv)[1], "TOTAL-FAILED",
           "SIG_CRYPTO_FAILURE")

    # Format.
    trunc = os.path.join(work, "truncated.p7s")
    with open(trunc, "wb") as f:
        f.write(open(s, "rb").read()[:700])
    expect(c, "truncated DER", verify(c, pol, trunc, inv)[1], "TOTAL-FAILED", "FORMAT_FAILURE")
    noattr = k.seal("noattr", good2[0], good2[1], inv, chain=chain_l2, extra=["-noattr"],
                    cades=False)
    expect(c, "no signed attributes (not CAdES)", verify(c, pol, noattr, inv)[1],
           "TOTAL-FAILED", "FORMAT_FAILURE")
    expect(c, "detached seal without its document", verify(c, pol, s)[1], "INDETERMINATE",
           "SIGNED_DATA_NOT_FOUND")

    # Identification of the signing certificate and the chain.
    nocert = k.seal("nocert", good2[0], good2[1], inv, extra=["-nocerts"])
    expect(c, "signing certificate neither carried nor known", verify(c, pol, nocert, inv)[1],
           "INDETERMINATE", "NO_SIGNING_CERTIFICATE_FOUND")
    ss = k.seal("stranger", stranger[0], stranger[1], inv, chain=os.path.join(other, "ca.pem"))
    rc, res = verify(c, pol, ss, inv)
    expect(c, "chain to a root that is not an anchor (root carried in the seal)", res,
           "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    c.check(res.get("checks", {}).get("signature", {}).get("result") == "passed",
            "the signature itself is still reported as verified")
    badca = os.path.join(work, "l2ca-badsig.pem")
    ca_der = bytearray(k.run("openssl", "x509", "-in", chain_l2, "-outform", "DER"))
    ca_der[-5] ^= 0x01
    with open(badca, "wb") as f:
        f.write(k.run("openssl", "x509", "-inform", "DER", "-outform", "PEM", data=bytes(ca_der)))
    sb = k.seal("badca", good2[0], good2[1], inv, chain=badca)
    expect(c, "CA certificate whose signature is broken", verify(c, pol, sb, inv)[1],
           "INDETERMINATE", "CERTIFICATE_CHAIN_GENERAL_FAILURE")
    pem_seal = os.path.join(work, "good2-seal.pem")
    with open(pem_seal, "wb") as f:
        f.write(k.run("openssl", "cms", "-cmsout", "-inform", "DER", "-in", s, "-outform", "PEM"))
    expect(c, "the same seal in PEM", verify(c, pol, pem_seal, inv)[1], "TOTAL-PASSED", None, 2)
    ber = k.seal("ber", good2[0], good2[1], inv, detached=False, chain=chain_l2,
                 extra=["-stream"])
    expect(c, "an enveloping seal in BER (indefinite lengths)", verify(c, pol, ber)[1],
           "TOTAL-PASSED", None, 2)
    twin = k.issue(l2, "twin", org + "/CN=Same key, other certificate", "v3_seal_l2",
                   key=good2[1])
    swapped = os.path.join(work, "swapped.p7s")
    with open(swapped, "wb") as f:
        f.write(P.der.substitute_signer(
            open(s, "rb").read(),
            k.run("openssl", "x509", "-in", twin[0], "-outform", "DER"),
            [k.run("openssl", "x509", "-in", chain_l2, "-outform", "DER")]))
    rc, res = verify(c, pol, swapped, inv)
    expect(c, "certificate substituted (signing-certificate-v2 names another)", res,
           "INDETERMINATE", "NO_SIGNING_CERTIFICATE_FOUND")
    c.check(res.get("checks", {}).get("signature", {}).get("result") == "passed",
            "the substituted certificate's key does verify the signature (same key)")
    sk = k.seal("kubad", kubad[0], kubad[1], inv, chain=chain_l1)
    expect(c, "certificate whose key usage forbids signing", verify(c, pol, sk, inv)[1],
           "INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE")

    # Validity and proof of existence.
    se = k.seal("expired", expired[0], expired[1], inv, chain=chain_l2)
    expect(c, "sealed after the certificate expired", verify(c, pol, se, inv)[1],
           "TOTAL-FAILED", "EXPIRED")
    sf = k.seal("future", future[0], future[1], inv, chain=chain_l2)
    expect(c, "certificate not yet valid", verify(c, pol, sf, inv)[1], "TOTAL-FAILED",
           "NOT_YET_VALID")
    sh = k.seal("short", shortlived[0], shortlived[1], inv, chain=chain_l2)
    later = (now + 2 * day).strftime("%Y-%m-%dT%H:%M:%SZ")
    expect(c, "certificate expired since, no timestamp", verify(c, pol, sh, inv, at=later)[1],
           "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    sht = k.add_timestamp(sh, os.path.join(work, "short-bt.p7s"))
    rc, res = verify(c, pol, sht, inv, at=later)
    expect(c, "certificate expired since, timestamp proves earlier existence", res,
           "TOTAL-PASSED", None, 2)
    c.check(res.get("baseline") == "B-T" and "proof_of_existence" in res.get("times", {}),
            "B-T detected and the timestamp time used", [str(res.get("baseline")), str(res.get("times"))])
    tampered = k.add_timestamp(sh, os.path.join(work, "short-badts.p7s"), tamper=True)
    rc, res = verify(c, pol, tampered, inv)
    c.check(res.get("checks", {}).get("signature_timestamp", {}).get("result") == "failed" and
            "proof_of_existence" not in res.get("times", {}),
            "a timestamp over other data is reported and gives no proof of existence",
            [str(res.get("checks", {}).get("signature_timestamp"))])
    pol_ts = write_policy(os.path.join(work, "policy-ts.yaml"), base + "require:\n  timestamp: true\n")
    expect(c, "policy requires a timestamp, the only one is bad", verify(c, pol_ts, tampered, inv)[1],
           "INDETERMINATE", "NO_POE")

    # Revocation: a seal made before the revocation, one after, one timestamped before.
    before = k.seal("rev-before", revoked[0], revoked[1], inv, chain=chain_l2)
    before_ts = k.add_timestamp(before, os.path.join(work, "rev-before-bt.p7s"))
    time.sleep(1.2)
    k.revoke(l2, revoked[0])
    time.sleep(1.2)
    after = k.seal("rev-after", revoked[0], revoked[1], inv, chain=chain_l2)
    crl = k.crl(l2, os.path.join(work, "l2.crl"))
    k.crl(root, os.path.join(work, "root.crl"))
    pol_crl = write_policy(os.path.join(work, "policy-crl.yaml"), base.replace(
        "trust:\n", "trust:\n  crls: [%s, %s]\n" % (crl, os.path.join(work, "root.crl"))))
    expect(c, "revoked, sealed (claimed) after the revocation", verify(c, pol_crl, after, inv)[1],
           "TOTAL-FAILED", "REVOKED")
    expect(c, "revoked, nothing proves the seal came first", verify(c, pol_crl, before, inv)[1],
           "INDETERMINATE", "REVOKED_NO_POE")
    expect(c, "revoked later than a timestamp that proves the seal", verify(c, pol_crl, before_ts, inv)[1],
           "TOTAL-PASSED", None, 2)
    emb = k.add_crl(after, os.path.join(work, "rev-after-crl.p7s"), crl)
    expect(c, "revoked, CRL embedded in the seal", verify(c, pol, emb, inv)[1],
           "TOTAL-FAILED", "REVOKED")
    resp = k.ocsp(l2, revoked[0], os.path.join(work, "revoked.ocsp"))
    o1 = k.add_ocsp(after, os.path.join(work, "rev-ocsp-ri.p7s"), resp)
    expect(c, "revoked, OCSP embedded as id-ri-ocsp-response", verify(c, pol, o1, inv)[1],
           "TOTAL-FAILED", "REVOKED")
    o2 = k.add_ocsp(after, os.path.join(work, "rev-ocsp-basic.p7s"), resp, basic=True)
    expect(c, "revoked, OCSP embedded as id-pkix-ocsp-basic", verify(c, pol, o2, inv)[1],
           "TOTAL-FAILED", "REVOKED")
    gresp = k.ocsp(l2, good2[0], os.path.join(work, "good.ocsp"))
    glt = k.add_ocsp(k.add_timestamp(s, os.path.join(work, "good-bt.p7s")),
                     os.path.join(work, "good-blt.p7s"), gresp)
    rc, res = verify(c, pol, glt, inv)
    expect(c, "good B-LT seal (timestamp + OCSP)", res, "TOTAL-PASSED", None, 2)
    c.check(res.get("baseline") == "B-LT" and
            res.get("checks", {}).get("revocation", {}).get("result") == "passed",
            "B-LT detected and its OCSP response used", [str(res.get("baseline")),
                                                         str(res.get("checks", {}).get("revocation"))])
    pol_req = write_policy(os.path.join(work, "policy-req.yaml"), base + "require:\n  revocation: require\n")
    expect(c, "policy requires revocation data, none available", verify(c, pol_req, s, inv)[1],
           "INDETERMINATE", "TRY_LATER")
    # A revoked issuing CA.
    camid = k.sub_ca(root, "midca", "/C=JP/O=Mamori Test/CN=Revoked CA")
    midseal = k.issue(camid, "midseal", org + "/CN=Seal under a revoked CA", "v3_seal_l1")
    sm = k.seal("midseal", midseal[0], midseal[1], inv, chain=os.path.join(camid, "ca.pem"))
    time.sleep(1.2)
    k.revoke(root, os.path.join(camid, "ca.pem"))
    rcrl = k.crl(root, os.path.join(work, "root2.crl"))
    pol_ca = write_policy(os.path.join(work, "policy-ca.yaml"), base.replace(
        "trust:\n", "trust:\n  crls: %s\n" % rcrl))
    expect(c, "issuing CA revoked", verify(c, pol_ca, sm, inv)[1], "INDETERMINATE",
           "REVOKED_CA_NO_POE")

    # Cryptographic constraints.
    sw = k.seal("weak", weak[0], weak[1], inv, chain=chain_l1)
    expect(c, "RSA-1024 key refused", verify(c, pol, sw, inv)[1], "INDETERMINATE",
           "CRYPTO_CONSTRAINTS_FAILURE")
    s_sha1 = k.seal("sha1", good2[0], good2[1], inv, md="sha1", chain=chain_l2)
    expect(c, "SHA-1 digest refused", verify(c, pol, s_sha1, inv)[1], "INDETERMINATE",
           "CRYPTO_CONSTRAINTS_FAILURE_NO_POE")

    # Hostile inputs: each a clear FORMAT_FAILURE, none a crash.
    good = open(s, "rb").read()
    cert_der = k.run("openssl", "x509", "-in", good2[0], "-outform", "DER")
    enc = os.path.join(work, "enveloped.p7m")
    k.run("openssl", "cms", "-encrypt", "-binary", "-in", inv, "-outform", "DER", "-out", enc,
          good2[0])
    hostile = {
        "huge length": bytes([0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF]) + good[6:200],
        "deep nesting": b"\x30\x80" * 20000,
        "deep definite nesting": b"".join(bytes([0x30, 0x82]) + (2 * (3000 - i)).to_bytes(2, "big")
                                          for i in range(3000)),
        "garbage": bytes(range(256)) * 64,
        "a certificate, not a seal": cert_der,
        "trailing data": good + b"EXTRA",
        "PEM armour around garbage": b"-----BEGIN CMS-----\nAAAA!!!!\n-----END CMS-----\n",
        "enveloped (encrypted), not signed": open(enc, "rb").read(),
        "empty file": b"",
    }
    for what, data in hostile.items():
        path = os.path.join(work, "hostile.bin")
        with open(path, "wb") as f:
            f.write(data)
        rc, res = verify(c, pol, path, inv)
        expect(c, "hostile input, %s" % what, res, "TOTAL-FAILED", "FORMAT_FAILURE")
    pol_small = write_policy(os.path.join(work, "policy-small.yaml"),
                             base + "limits:\n  seal_bytes: 1024\n")
    rc, out, err = mt.run([CTL, "seal", "verify", s, "--content", inv, "--policy", pol_small])
    c.check(rc == 3 and "limit" in err, "a seal over the size limit is refused before reading",
            [err.strip()])
    rc, out, err = mt.run([CTL, "seal", "trust", "--policy",
                           os.path.join(mt.SRC, "configs", "eseal", "policy.yaml")])
    c.check(rc == 0, "the example policy (configs/eseal/policy.yaml) loads", [err.strip()])

    # The policy itself.
    rc, out, err = mt.run([CTL, "seal", "verify", s, "--content", inv, "--policy",
                           write_policy(os.path.join(work, "broken.yaml"), "levels:\n  - level: 7\n")])
    c.check(rc == 3 and "broken.yaml:2" in err, "a bad policy is refused with file:line",
            [err.strip()])
    rc, out, err = mt.run([CTL, "seal", "verify", s, "--at", "yesterday"])
    c.check(rc == 2 and "--at" in err, "a bad --at is a usage error", [err.strip()])
    c.finish()


if __name__ == "__main__":
    main()
