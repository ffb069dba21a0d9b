# SPDX-License-Identifier: BSD-3-Clause
"""Just enough DER to build test seals: parse, edit and re-encode CMS
structures (adding unsigned attributes and revocation entries the openssl
command line cannot add)."""


def _len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def parse(b, i=0, end=None):
    """A list of nodes [tag, value]: value is bytes, or a list for constructed tags."""
    end = len(b) if end is None else end
    out = []
    while i < end:
        tag = b[i]
        j = i + 1
        n = b[j]
        j += 1
        if n == 0x80:
            raise ValueError("indefinite length: not DER")
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[j:j + k], "big")
            j += k
        if tag & 0x20:
            out.append([tag, parse(b, j, j + n)])
        else:
            out.append([tag, bytes(b[j:j + n])])
        i = j + n
    return out


def encode(node):
    tag, v = node
    body = b"".join(encode(c) for c in v) if isinstance(v, list) else v
    return bytes([tag]) + _len(len(body)) + body


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    body = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(enc))
    return [0x06, bytes(body)]


def raw(der):
    """A node that re-encodes to der unchanged."""
    return parse(der)[0]


def signed_data(ci):
    return ci[1][1][1][0]


def signer_info(ci):
    sd = signed_data(ci)
    sis = [c for c in sd[1] if c[0] == 0x31][-1]
    return sis[1][0]


def signature_value(ci):
    return [c for c in signer_info(ci)[1] if c[0] == 0x04][0][1]


def add_unsigned(der, attr_oid, value_der):
    ci = parse(der)[0]
    si = signer_info(ci)
    attr = [0x30, [oid(attr_oid), [0x31, [raw(value_der)]]]]
    un = [c for c in si[1] if c[0] == 0xA1]
    if un:
        un[0][1].append(attr)
    else:
        si[1].append([0xA1, [attr]])
    return encode(ci)


def add_revocation(der, entries):
    """Adds RevocationInfoChoice elements (DER) to SignedData.crls."""
    ci = parse(der)[0]
    sd = signed_data(ci)
    crls = [c for c in sd[1] if c[0] == 0xA1]
    if crls:
        crls[0][1].extend(raw(e) for e in entries)
    else:
        pos = [i for i, c in enumerate(sd[1]) if c[0] == 0x31][-1]
        sd[1].insert(pos, [0xA1, [raw(e) for e in entries]])
    return encode(ci)


def other_revocation(fmt_oid, value_der):
    """[1] IMPLICIT OtherRevocationInfoFormat { OID, value }."""
    return encode([0xA1, [oid(fmt_oid), raw(value_der)]])


def basic_ocsp(ocsp_response_der):
    """The BasicOCSPResponse inside an OCSPResponse."""
    resp = parse(ocsp_response_der)[0]
    rb = [c for c in resp[1] if c[0] == 0xA0][0]
    return rb[1][0][1][1][1]


def corrupt_signature(der):
    ci = parse(der)[0]
    si = signer_info(ci)
    for c in si[1]:
        if c[0] == 0x04:
            v = bytearray(c[1])
            v[len(v) // 2] ^= 0x01
            c[1] = bytes(v)
    return encode(ci)


def qc_statements_hex(types):
    """The DER of a QCStatements extension with one QcType statement."""
    st = [0x30, [oid("0.4.0.1862.1.6"), [0x30, [oid(t) for t in types]]]]
    return encode([0x30, [st]]).hex().upper()


def substitute_signer(der, cert_der, chain_ders):
    """Points the signer identifier at another certificate (issuerAndSerialNumber)
    and carries it instead of the original: what signing-certificate-v2 defeats."""
    ci = parse(der)[0]
    sd = signed_data(ci)
    new = parse(cert_der)[0]
    tbs = new[1][0][1]
    i = 1 if tbs[0][0] == 0xA0 else 0
    serial, issuer = tbs[i], tbs[i + 2]
    si = signer_info(ci)
    si[1][1] = [0x30, [issuer, serial]]
    certs = [0xA0, [new] + [parse(c)[0] for c in chain_ders]]
    sd[1] = [c for c in sd[1] if c[0] != 0xA0]
    pos = [k for k, c in enumerate(sd[1]) if c[0] == 0x30][0] + 1
    sd[1].insert(pos, certs)
    return encode(ci)
