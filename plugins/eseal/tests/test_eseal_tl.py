# SPDX-License-Identifier: BSD-3-Clause
"""eseal: ETSI TS 119 612 trusted lists.  The real Slovak list (v5) loads
with its signature verified against the pinned signer and gives the anchors
an independent reading of the XML gives; altered, wrongly signed and wrapped
lists are refused; a v6 list made here drives trust, the TSA and the level
map (ForeSeals qualifier)."""
import base64
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.environ.get("MAMORI_SRC", ""), "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mamori_test as mt  # noqa: E402
import pki as P  # noqa: E402

CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
SIGN = os.path.join(mt.BUILD, "plugins", "eseal", "eseal_tlsign")
NS = "{http://uri.etsi.org/02231/v2#}"
POSITIVE = ("granted", "accredited", "undersupervision", "supervisionincessation",
            "recognisedatnationallevel", "setbynationallaw")

TL = """<?xml version="1.0" encoding="UTF-8"?>
<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#" TSLTag="http://uri.etsi.org/19612/TSLTag" Id="tl-jp-1">
  <SchemeInformation>
    <TSLVersionIdentifier>{version}</TSLVersionIdentifier>
    <TSLSequenceNumber>1</TSLSequenceNumber>
    <TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType>
    <SchemeOperatorName><Name xml:lang="en">Mamori test scheme</Name></SchemeOperatorName>
    <ListIssueDateTime>2026-11-01T00:00:00Z</ListIssueDateTime>
    <NextUpdate><dateTime>2027-05-01T00:00:00Z</dateTime></NextUpdate>
  </SchemeInformation>
  <TrustServiceProviderList>
    <TrustServiceProvider>
      <TSPInformation><TSPName><Name xml:lang="en">{tsp}</Name></TSPName></TSPInformation>
      <TSPServices>{services}</TSPServices>
    </TrustServiceProvider>
  </TrustServiceProviderList>
</TrustServiceStatusList>
"""

SERVICE = """
        <TSPService><ServiceInformation>
          <ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/{type}</ServiceTypeIdentifier>
          <ServiceName><Name xml:lang="en">{name}</Name></ServiceName>
          <ServiceDigitalIdentity><DigitalId><X509Certificate>{cert}</X509Certificate></DigitalId></ServiceDigitalIdentity>
          <ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/{status}</ServiceStatus>
          <StatusStartingTime>2026-01-01T00:00:00Z</StatusStartingTime>
          {extra}
        </ServiceInformation></TSPService>"""

FORESEALS = ("<ServiceInformationExtensions><Extension Critical=\"false\">"
             "<AdditionalServiceInformation><URI xml:lang=\"en\">"
             "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals</URI>"
             "</AdditionalServiceInformation></Extension></ServiceInformationExtensions>")


def b64cert(pem_path):
    pem = open(pem_path).read()
    return "".join(pem.split("-----")[2].split())


def trust(policy):
    rc, out, err = mt.run([CTL, "seal", "trust", "--policy", policy, "--json"], timeout=60)
    try:
        return rc, json.loads(out.strip().splitlines()[-1]), err
    except (ValueError, IndexError):
        return rc, {}, err


def policy(work, name, tl, signer, extra=""):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write("trust:\n  trusted_lists:\n    - file: %s\n      signer: %s\n%s" % (tl, signer, extra))
    return path


def independent_anchors(path):
    """Certificates of CA / TSA services positive now or in their history, read with
    ElementTree."""
    certs, foreseals = set(), set()
    root = ET.parse(path).getroot()
    for svc in root.iter(NS + "TSPService"):
        si = svc.find(NS + "ServiceInformation")
        typ = si.findtext(NS + "ServiceTypeIdentifier", "").split("/Svctype/")[-1]
        sts = [si.findtext(NS + "ServiceStatus", "").rsplit("/", 1)[-1]]
        sts += [h.findtext(NS + "ServiceStatus", "").rsplit("/", 1)[-1]
                for h in svc.iter(NS + "ServiceHistoryInstance")]
        if not any(st in POSITIVE for st in sts) or not (
                typ.startswith("CA/") or typ.startswith("TSA") or typ == "NationalRootCA-QC"):
            continue
        quals = " ".join(e.text or "" for e in si.iter(NS + "URI")) + " ".join(
            q.get("uri", "") for q in si.iter() if q.tag.endswith("Qualifier"))
        for c in si.iter(NS + "X509Certificate"):
            der = base64.b64decode("".join((c.text or "").split()))
            certs.add(der)
            if "ForeSeals" in quals:
                foreseals.add(der)
    return certs, foreseals


def main():
    if not os.access(CTL, os.X_OK) or not os.access(SIGN, os.X_OK):
        mt.skip("mamorictl or eseal_tlsign not built: skipping")
    work = tempfile.mkdtemp(prefix="eseal-tl-")
    c = mt.Checks(work)
    sk = os.path.join(mt.DATA, "trustlist", "sk-tl-sn-95.xml")
    if os.path.exists(sk):
        real_list(c, work, sk)
    else:
        c.note("%s absent: the real-list checks are skipped" % sk)
    made_lists(c, work)
    c.finish()


def real_list(c, work, sk):
    text = open(sk, encoding="utf-8").read()
    sig = re.search(r"<ds:Signature .*?</ds:Signature>", text, re.S).group(0)
    b64 = "".join(re.search(r"<ds:X509Certificate>(.*?)</ds:X509Certificate>", sig, re.S)
                  .group(1).split())
    signer = os.path.join(work, "sk-signer.pem")
    with open(signer, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" %
                "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)))
    rc, res, err = trust(policy(work, "sk", sk, signer))
    want, fore = independent_anchors(sk)
    anchors = res.get("anchors", [])
    c.check(rc == 0 and len(anchors) == len(want) and len(want) > 0,
            "SK list (v5): signature verified, %d anchors as an independent reading finds (%d)"
            % (len(anchors), len(want)), [err.strip()])
    lists = res.get("lists", [])
    c.check(len(lists) == 1 and lists[0].get("version") == "5" and
            lists[0].get("sequence") == "95" and lists[0].get("next_update"),
            "SK list: version 5, sequence 95 and its next update are reported", [str(lists)])
    nfore = sum(1 for a in anchors if "ForeSeals" in a.get("qualifiers", "").split())
    c.check(nfore == len(fore) and nfore > 0,
            "SK list: the ForeSeals qualifier is kept on %d anchors (%d expected)" %
            (nfore, len(fore)))
    c.check(any(a.get("service_type") == "TSA/QTST" for a in anchors) and
            any(a.get("service_type") == "CA/QC" for a in anchors),
            "SK list: CA/QC and TSA/QTST services become anchors")
    altered = os.path.join(work, "sk-altered.xml")
    with open(altered, "w", encoding="utf-8") as f:
        f.write(text.replace("Národný bezpečnostný úrad", "Narodny bezpecnostny urad X", 1))
    rc, res, err = trust(policy(work, "sk-alt", altered, signer))
    c.check(rc == 3 and "does not verify" in err, "SK list with one name altered is refused",
            [err.strip()])


def made_lists(c, work):
    k = P.Pki(work)
    root = k.root("root", "/C=JP/O=Mamori Test/CN=Mamori Test Root")
    l2 = k.sub_ca(root, "l2ca", "/C=JP/O=Mamori Test/CN=Accredited Seal CA")
    l1 = k.sub_ca(root, "l1ca", "/C=JP/O=Mamori Test/CN=Withdrawn Seal CA")
    other = k.root("other", "/C=JP/O=Attacker/CN=Attacker Root")
    k.tsa(root)
    op = os.path.join(work, "operator")
    k.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", op + ".key",
          "-out", op + ".pem", "-subj", "/C=JP/O=Mamori Test/CN=Scheme operator", "-days", "30")
    services = (SERVICE.format(type="CA/QC", name="Accredited seals", status="granted",
                               cert=b64cert(os.path.join(l2, "ca.pem")), extra=FORESEALS) +
                SERVICE.format(type="TSA/QTST", name="Timestamps", status="granted",
                               cert=b64cert(os.path.join(work, "tsa.pem")), extra="") +
                SERVICE.format(type="CA/QC", name="Old seals", status="withdrawn",
                               cert=b64cert(os.path.join(l1, "ca.pem")), extra=""))

    def make(name, version, idref=False, svc=services):
        src, out = os.path.join(work, name + ".src.xml"), os.path.join(work, name + ".xml")
        with open(src, "w") as f:
            f.write(TL.format(version=version, tsp="Mamori Test Trust Services", services=svc))
        cmd = [SIGN, op + ".key", op + ".pem", src, out] + (["--id-ref"] if idref else [])
        rc, o, e = mt.run(cmd)
        c.check(rc == 0, "signed the %s list" % name, [e.strip()])
        return out

    v6 = make("v6", 6)
    levels = "levels:\n  - tl_qualifier: ForeSeals\n    level: 2\n"
    pol = policy(work, "v6", v6, op + ".pem", levels)
    rc, res, err = trust(pol)
    subjects = sorted(a.get("service_type", "") + " " + a.get("status", "")
                      for a in res.get("anchors", []))
    c.check(res.get("lists", [{}])[0].get("version") == "6", "v6 list: version 6 reported",
            [str(res.get("lists"))])
    c.check(rc == 0 and subjects == ["CA/QC granted", "TSA/QTST granted"],
            "v6 list: granted CA/QC and TSA/QTST services are anchors, the withdrawn one is not",
            [str(subjects), err.strip()])
    org = "/C=JP/O=Example Trading K.K."
    g2 = k.issue(l2, "g2", org + "/CN=L2 seal", "v3_seal_l2")
    g1 = k.issue(l1, "g1", org + "/CN=Old seal", "v3_seal_l1")
    doc = os.path.join(work, "doc.txt")
    with open(doc, "w") as f:
        f.write("certificate of origin 2026-11\n")
    s2 = k.add_timestamp(k.seal("s2", g2[0], g2[1], doc, chain=os.path.join(l2, "ca.pem")),
                         os.path.join(work, "s2-bt.p7s"))
    s1 = k.seal("s1", g1[0], g1[1], doc, chain=os.path.join(l1, "ca.pem"))
    for seal, want, what in ((s2, ("TOTAL-PASSED", None, 2), "CA listed with ForeSeals"),
                             (s1, ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND", 0),
                              "CA whose service is withdrawn")):
        rc, out, err = mt.run([CTL, "seal", "verify", seal, "--content", doc, "--policy", pol,
                               "--json"])
        r = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        got = (r.get("indication"), r.get("sub_indication"), r.get("level"))
        c.check(got == want, "v6 list, %s: %s" % (what, " / ".join(str(x) for x in want if x)),
                [str(got), r.get("reason", err)])
        if seal == s2:
            c.check(r.get("checks", {}).get("signature_timestamp", {}).get("result") == "passed",
                    "v6 list: the TSA listed as TSA/QTST verifies the signature timestamp")

    # A service withdrawn an hour ago, granted for ten days before: its CA is trusted for
    # what is judged at a time it was granted, not after.
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    hour = datetime.timedelta(hours=1)
    hist_svc = SERVICE.format(type="CA/QC", name="Old seals", status="withdrawn",
                              cert=b64cert(os.path.join(l1, "ca.pem")), extra="").replace(
        "<StatusStartingTime>2026-01-01T00:00:00Z</StatusStartingTime>",
        "<StatusStartingTime>%s</StatusStartingTime>" % (k.now - hour).strftime(fmt)).replace(
        "</ServiceInformation>",
        "</ServiceInformation><ServiceHistory><ServiceHistoryInstance>"
        "<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>"
        "<ServiceName><Name xml:lang=\"en\">Old seals</Name></ServiceName>"
        "<ServiceDigitalIdentity/>"
        "<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus>"
        "<StatusStartingTime>%s</StatusStartingTime></ServiceHistoryInstance></ServiceHistory>"
        % (k.now - 240 * hour).strftime(fmt))
    hist = make("v6-history", 6, svc=hist_svc)
    pol_h = policy(work, "v6-history", hist, op + ".pem")
    for at, want, what in (((k.now - 2 * hour).strftime(fmt), "TOTAL-PASSED", "while granted"),
                           (None, "INDETERMINATE", "after the withdrawal")):
        cmd = [CTL, "seal", "verify", s1, "--content", doc, "--policy", pol_h, "--json"]
        rc, out, err = mt.run(cmd + (["--at", at] if at else []))
        r = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        c.check(r.get("indication") == want and
                (want == "TOTAL-PASSED" or r.get("sub_indication") == "NO_CERTIFICATE_CHAIN_FOUND"),
                "service history: a CA judged %s: %s" % (what, want),
                [str((r.get("indication"), r.get("sub_indication"))), r.get("reason", err)])

    v7 = make("v7", 7)
    rc, res, err = trust(policy(work, "v7", v7, op + ".pem"))
    c.check(rc == 3 and "only versions 5 and 6" in err, "an unknown list version is refused",
            [err.strip()])
    rc, res, err = trust(policy(work, "v6-wrong-signer", v6, os.path.join(root, "ca.pem")))
    c.check(rc == 3 and "does not verify" in err, "a list signed by another key is refused",
            [err.strip()])

    # Signature wrapping: the signed list moved under a new root that lists the attacker.
    signed = open(make("v6-id", 6, idref=True)).read()
    evil_svc = SERVICE.format(type="CA/QC", name="Evil", status="granted",
                              cert=b64cert(os.path.join(other, "ca.pem")), extra=FORESEALS)
    sigxml = re.search(r"<(?:dsig:|ds:)?Signature[ >].*</(?:dsig:|ds:)?Signature>", signed,
                       re.S).group(0)
    inner = signed.split("?>", 1)[1].replace(sigxml, "")
    head = TL.format(version=6, tsp="Evil", services=evil_svc).split("</TrustServiceStatusList>")[0]
    for name, attack in (
            ("wrapped", head.replace(' Id="tl-jp-1"', "") + sigxml +
             "<SchemeExtensions>" + inner + "</SchemeExtensions></TrustServiceStatusList>\n"),
            ("duplicate-id", head + sigxml + "<SchemeExtensions>" + inner +
             "</SchemeExtensions></TrustServiceStatusList>\n"),
            ("two-signatures", signed.replace("</TrustServiceStatusList>",
                                              sigxml + "</TrustServiceStatusList>")),
            ("doctype", signed.replace("?>", "?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>", 1))):
        path = os.path.join(work, name + ".xml")
        with open(path, "w") as f:
            f.write(attack)
        rc, res, err = trust(policy(work, name, path, op + ".pem"))
        c.check(rc == 3 and not res.get("anchors"),
                "signature wrapping / hostile XML refused: %s" % name, [err.strip()])
    rc, res, err = trust(policy(work, "v6-id-ok", os.path.join(work, "v6-id.xml"), op + ".pem"))
    c.check(rc == 0 and len(res.get("anchors", [])) == 2,
            "the same list signed by Id reference is accepted", [err.strip()])


if __name__ == "__main__":
    main()
