# SPDX-License-Identifier: BSD-3-Clause
"""mamorictl pqc: the CBOM validates against CycloneDX 1.6 and is signed; the CSV and
the migration figures agree with the sessions the plugin reported.

The inventory is filled by mamorid from mamori-synth's pqc scenario and, when
the shared data is there, from a TLS 1.2 capture with a certificate chain in
clear (so the CBOM holds certificate components).  The CBOM is checked with
python3-jsonschema against the official bom-1.6 schema (and the spdx and jsf
schemas it references); its signature with 'mamorictl verify'.
"""
import csv
import io
import json
import os
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pqc_common as pc  # noqa: E402

mt = pc.mt
MAMORICTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
SCHEMAS = os.path.join(mt.DATA, "schemas", "cyclonedx")


def validate(bom):
    """Schema errors of a CycloneDX 1.6 document (list of strings)."""
    import jsonschema
    store = {}
    for f in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        with open(os.path.join(SCHEMAS, f)) as fh:
            s = json.load(fh)
        store[s.get("$id", f)] = s
        store[f] = s
        store["file://%s/%s" % (SCHEMAS, f)] = s
    schema = store["bom-1.6.schema.json"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resolver = jsonschema.RefResolver(base_uri="file://%s/" % SCHEMAS, referrer=schema,
                                          store=store)
        v = jsonschema.Draft7Validator(schema, resolver=resolver,
                                       format_checker=jsonschema.FormatChecker())
        return ["%s at %s" % (e.message[:200], list(e.path)) for e in v.iter_errors(bom)]


def main():
    pc.need_plugin()
    if not os.access(MAMORICTL, os.X_OK) or not os.access(pc.SYNTH, os.X_OK):
        mt.skip("mamorictl or mamori-synth not built: skipping")
    if not os.path.exists(os.path.join(SCHEMAS, "bom-1.6.schema.json")):
        mt.skip("%s missing: skipping (the CycloneDX schemas are in the shared data)" % SCHEMAS)
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        mt.skip("python3-jsonschema not installed: skipping")
    work = tempfile.mkdtemp(prefix="pqcinv-exports-")
    c = mt.Checks(work)
    pcap = os.path.join(work, "pqc.pcap")
    mt.run([pc.SYNTH, "-s", "pqc", "--seed", "3", "-q", "-w", pcap])
    rc, ev, state, out = pc.run_pcap(pcap, work, "inv")
    c.check(rc == 0 and ev, "mamorid filled the inventory (%d sessions)" % len(ev), out[-1000:])
    certs = os.path.join(pc.PQC_DATA, "tls12-certs.pcap")
    if os.path.exists(certs):
        rc, ev2, _, _ = pc.run_pcap(certs, work, "inv")
        ev += ev2
    base = [MAMORICTL, "pqc"]
    opts = ["--state-dir", state, "--table", pc.TABLE]
    bom_path = os.path.join(work, "cbom.json")
    rc, out, err = mt.run(base + ["cbom"] + opts + ["--output", bom_path, "--sign"],
                          env=dict(os.environ, MAMORI_STATE_DIR=state))
    c.check(rc == 0 and os.path.exists(bom_path + ".sig"), "pqc cbom --sign", err[-500:])
    with open(bom_path) as f:
        bom = json.load(f)
    errs = validate(bom)
    c.check(not errs, "CBOM validates against CycloneDX 1.6", errs[:5])
    rc, out, err = mt.run([MAMORICTL, "verify", "--state-dir", state, bom_path])
    c.check(rc == 0, "CBOM signature verifies with the appliance key", out + err)
    servers = {(e["dest_ip"], e["dest_port"], e["pqc_session"].get("sni", ""),
                e["pqc_session"]["protocol"]) for e in ev}
    c.check(len(bom.get("services", [])) == len(servers),
            "one service per server endpoint (%d)" % len(servers))
    algs = {x["name"]: x for x in bom["components"]
            if x["cryptoProperties"]["assetType"] == "algorithm"}
    c.check(algs.get("X25519MLKEM768", {}).get("cryptoProperties", {})
            .get("algorithmProperties", {}).get("nistQuantumSecurityLevel") == 3 and
            algs.get("x25519", {}).get("cryptoProperties", {})
            .get("algorithmProperties", {}).get("nistQuantumSecurityLevel") == 0,
            "algorithm components carry nistQuantumSecurityLevel")
    protos = [x for x in bom["components"] if x["cryptoProperties"]["assetType"] == "protocol"]
    c.check(any(s.get("identifiers") == ["0x13", "0x01"] for p in protos
                for s in p["cryptoProperties"]["protocolProperties"].get("cipherSuites", [])),
            "cipher suites as protocol properties")
    if os.path.exists(certs):
        cc = [x for x in bom["components"] if x["cryptoProperties"]["assetType"] == "certificate"]
        c.check(len(cc) == 3, "the three certificates of the TLS 1.2 chain (%d)" % len(cc))

    # CSV: the endpoints whose latest session was quantum-vulnerable.
    last = {}
    for e in sorted(ev, key=lambda e: e["timestamp"]):
        s = e["pqc_session"]
        last[(e["dest_ip"], str(e["dest_port"]), s.get("sni", ""), s["protocol"])] = \
            s["classification"]
    rc, out, err = mt.run(base + ["csv"] + opts[:2])
    rows = list(csv.DictReader(io.StringIO(out)))
    got = {(r["server"], r["port"], r["sni"], r["protocol"]) for r in rows}
    want = {k for k, v in last.items() if v == "vulnerable"}
    c.check(rc == 0 and got == want, "CSV lists the vulnerable endpoints (%d)" % len(want),
            "extra %s, missing %s" % (sorted(got - want)[:3], sorted(want - got)[:3]))

    rc, out, err = mt.run(base + ["migration", "--json"] + opts[:2])
    fig = json.loads(out) if rc == 0 else {}
    hyb = sum(d["sessions"] for d in fig.get("sessions_per_day", [])
              if d["classification"] == "hybrid")
    c.check(hyb == sum(1 for e in ev if e["pqc_session"]["classification"] == "hybrid"),
            "migration figures count the hybrid sessions (%d)" % hyb)
    c.check(abs(sum(x["share"] for x in fig.get("endpoints", [])) - 1.0) < 1e-9,
            "endpoint shares add up to 1")
    rc, out, err = mt.run(base + ["csv", "--db", os.path.join(work, "missing.db")])
    c.check(rc == 3 and "missing.db" in err, "a missing inventory is named, exit 3", err)
    c.finish()


main()
