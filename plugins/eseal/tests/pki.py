# SPDX-License-Identifier: BSD-3-Clause
"""A test PKI for e-seals, made with the openssl command line: a root, a
level-2 and a level-1 issuing CA, a TSA, an unrelated root, and seal
certificates that are good, revoked, expired, not yet valid, weak or of the
wrong key usage; CRLs and OCSP responses; seals (CMS / CAdES) over
documents, with signature timestamps and embedded revocation data added
where the openssl command line cannot (der.py)."""
import datetime
import os
import subprocess

import der

OID_TST = "1.2.840.113549.1.9.16.2.14"
OID_RI_OCSP = "1.3.6.1.5.5.7.16.2"
OID_OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1"
QC_ESEAL = "0.4.0.1862.1.6.2"
POLICY_L2 = "1.3.6.1.4.1.55555.1.2"
POLICY_L1 = "1.3.6.1.4.1.55555.1.1"

CA_CNF = """
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {dir}
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
default_crl_days = 30
email_in_dn = no
[ policy_any ]
countryName = optional
organizationName = optional
organizationIdentifier = optional
organizationalUnitName = optional
commonName = supplied
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_seal_l2 ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = {pol_l2}
1.3.6.1.5.5.7.1.3 = DER:{qc}
[ v3_seal_l1 ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = {pol_l1}
[ v3_kubad ]
basicConstraints = CA:false
keyUsage = critical,keyEncipherment
[ v3_tsa ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

TSA_CNF = """
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa-chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.3.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def gtime(dt):
    return dt.strftime("%Y%m%d%H%M%SZ")


class Pki:
    def __init__(self, d):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    def p(self, *a):
        return os.path.join(self.d, *a)

    def run(self, *cmd, data=None):
        r = subprocess.run(cmd, input=data, capture_output=True, cwd=self.d, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
        return r.stdout

    def key(self, name, kind="rsa:2048"):
        path = self.p(name + ".key")
        if kind.startswith("rsa:"):
            self.run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                     "rsa_keygen_bits:" + kind[4:], "-out", path)
        else:
            self.run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                     "ec_paramgen_curve:" + kind, "-out", path)
        return path

    def ca_dir(self, name):
        d = self.p(name)
        os.makedirs(os.path.join(d, "newcerts"), exist_ok=True)
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("%02X\n" % (0x10 + len(os.listdir(self.d))))
        with open(os.path.join(d, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write(CA_CNF.format(dir=d, pol_l2=POLICY_L2, pol_l1=POLICY_L1,
                                  qc=der.qc_statements_hex([QC_ESEAL])))
        return d

    def root(self, name, subj):
        d = self.ca_dir(name)
        self.run("openssl", "req", "-x509", "-new", "-newkey", "rsa:3072", "-nodes",
                 "-keyout", os.path.join(d, "ca.key"), "-out", os.path.join(d, "ca.pem"),
                 "-subj", subj, "-days", "3650", "-sha256",
                 "-addext", "basicConstraints=critical,CA:true",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return d

    def issue(self, ca, name, subj, ext, kind="rsa:2048", start=None, end=None, key=None):
        """Issues name.pem (key name.key, or the key given) from CA directory ca."""
        key = key or self.key(name, kind)
        csr = self.p(name + ".csr")
        self.run("openssl", "req", "-new", "-key", key, "-subj", subj, "-out", csr)
        start = start or self.now - datetime.timedelta(days=1)
        end = end or self.now + datetime.timedelta(days=365)
        self.run("openssl", "ca", "-batch", "-config", os.path.join(ca, "ca.cnf"),
                 "-extensions", ext, "-startdate", gtime(start), "-enddate", gtime(end),
                 "-notext", "-in", csr, "-out", self.p(name + ".pem"))
        return self.p(name + ".pem"), key

    def sub_ca(self, parent, name, subj):
        cert, key = self.issue(parent, name + "-cert", subj, "v3_ca", kind="rsa:2048",
                               end=self.now + datetime.timedelta(days=3000))
        d = self.ca_dir(name)
        os.replace(cert, os.path.join(d, "ca.pem"))
        os.replace(key, os.path.join(d, "ca.key"))
        return d

    def revoke(self, ca, cert):
        self.run("openssl", "ca", "-batch", "-config", os.path.join(ca, "ca.cnf"),
                 "-revoke", cert, "-crl_reason", "keyCompromise")

    def crl(self, ca, out):
        self.run("openssl", "ca", "-batch", "-config", os.path.join(ca, "ca.cnf"),
                 "-gencrl", "-out", out)
        return out

    def ocsp(self, ca, cert, out):
        """An OCSPResponse for cert, signed by its CA (from the CA's index)."""
        req = out + ".req"
        capem = os.path.join(ca, "ca.pem")
        self.run("openssl", "ocsp", "-issuer", capem, "-cert", cert, "-no_nonce",
                 "-reqout", req)
        self.run("openssl", "ocsp", "-index", os.path.join(ca, "index.txt"), "-rsigner",
                 capem, "-rkey", os.path.join(ca, "ca.key"), "-CA", capem, "-reqin", req,
                 "-respout", out, "-ndays", "2")
        return open(out, "rb").read()

    def tsa(self, ca):
        cert, key = self.issue(ca, "tsa", "/C=JP/O=Mamori Test/CN=Test TSA", "v3_tsa")
        os.replace(cert, self.p("tsa.pem"))
        with open(self.p("tsa-chain.pem"), "wb") as f:
            f.write(open(os.path.join(ca, "ca.pem"), "rb").read())
        with open(self.p("tsa.cnf"), "w") as f:
            f.write(TSA_CNF.format(dir=self.d))
        with open(self.p("tsaserial"), "w") as f:
            f.write("01\n")

    def timestamp(self, data, name):
        """An RFC 3161 token (DER ContentInfo) over data, from the test TSA."""
        src, q, tok = self.p(name + ".tsdata"), self.p(name + ".tsq"), self.p(name + ".tst")
        with open(src, "wb") as f:
            f.write(data)
        self.run("openssl", "ts", "-query", "-data", src, "-sha256", "-cert", "-no_nonce",
                 "-out", q)
        self.run("openssl", "ts", "-reply", "-config", self.p("tsa.cnf"), "-queryfile", q,
                 "-token_out", "-out", tok)
        return open(tok, "rb").read()

    def seal(self, name, cert, key, content, detached=True, md="sha256", chain=None,
             extra=(), cades=True):
        """A CAdES seal (DER) of file content by cert; returns its path."""
        out = self.p(name + (".p7s" if detached else ".p7m"))
        cmd = ["openssl", "cms", "-sign", "-binary", "-md", md, "-signer", cert,
               "-inkey", key, "-in", content, "-outform", "DER", "-out", out]
        if cades:
            cmd.append("-cades")
        if not detached:
            cmd.append("-nodetach")
        if chain:
            cmd += ["-certfile", chain]
        self.run(*(cmd + list(extra)))
        return out

    def add_timestamp(self, path, out, tamper=False):
        sealed = open(path, "rb").read()
        sig = der.signature_value(der.parse(sealed)[0])
        tok = self.timestamp(sig + (b"x" if tamper else b""), os.path.basename(out))
        with open(out, "wb") as f:
            f.write(der.add_unsigned(sealed, OID_TST, tok))
        return out

    def add_ocsp(self, path, out, response, basic=False):
        sealed = open(path, "rb").read()
        entry = (der.other_revocation(OID_OCSP_BASIC, der.basic_ocsp(response)) if basic
                 else der.other_revocation(OID_RI_OCSP, response))
        with open(out, "wb") as f:
            f.write(der.add_revocation(sealed, [entry]))
        return out

    def add_crl(self, path, out, crl_pem):
        sealed = open(path, "rb").read()
        crl_der = self.run("openssl", "crl", "-in", crl_pem, "-outform", "DER")
        with open(out, "wb") as f:
            f.write(der.add_revocation(sealed, [crl_der]))
        return out

    def fingerprint(self, cert):
        out = self.run("openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256")
        return out.decode().split("=", 1)[1].strip().replace(":", "").lower()
