#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the pqcinv fuzz targets from mamori-synth output.

  make_seeds.py MAMORI-SYNTH OUTDIR   (OUTDIR = fuzz/corpus of the source tree)

TLS and SSH seeds are openings of the synthetic pqc scenario (read with
tshark); the QUIC seed is one of its ClientHellos sealed in a QUIC v1 and a
v2 Initial packet with the RFC 9001 / RFC 9369 keys (python3-cryptography).
Fuzz inputs for tls and ssh are: client byte count (2 bytes), client bytes,
server bytes.
"""
import os
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives import hmac

SALT = {1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        0x6b3343cf: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")}


def streams(pcap, port):
    """{tcp.stream: [client bytes, server bytes]} of the first payloads."""
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "tcp.port==%d && tcp.len>0" % port,
                          "-T", "fields", "-e", "tcp.stream", "-e", "tcp.dstport",
                          "-e", "tcp.payload"], capture_output=True, text=True).stdout
    conns = {}
    for line in out.splitlines():
        s, dport, payload = line.split("\t")
        c = conns.setdefault(s, [b"", b""])
        d = 0 if int(dport) == port else 1
        if len(c[d]) < 4096:
            c[d] += bytes.fromhex(payload)
    return conns


def extract(secret_or_key, salt=None):
    h = hmac.HMAC(salt, hashes.SHA256())
    h.update(secret_or_key)
    return h.finalize()


def expand_label(secret, label, length):
    full = b"tls13 " + label.encode()
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    return HKDFExpand(hashes.SHA256(), length, info).derive(secret)


def initial(version, dcid, crypto):
    v2 = version != 1
    secret = expand_label(extract(dcid, SALT[version]), "client in", 32)
    pre = "quicv2 " if v2 else "quic "
    key = expand_label(secret, pre + "key", 16)
    iv = expand_label(secret, pre + "iv", 12)
    hp = expand_label(secret, pre + "hp", 16)
    frame = b"\x06\x00" + struct.pack(">H", 0x4000 | len(crypto)) + crypto
    payload = frame + b"\x00" * max(0, 1162 - len(frame))
    pn = b"\x00\x00"
    first = 0xc0 | ((1 if v2 else 0) << 4) | (len(pn) - 1)
    length = len(pn) + len(payload) + 16
    hdr = bytes([first]) + struct.pack(">I", version) + bytes([len(dcid)]) + dcid + b"\x00" + \
        b"\x00" + struct.pack(">H", 0x4000 | length) + pn
    ct = AESGCM(key).encrypt(iv, payload, hdr)
    sample = ct[4 - len(pn):4 - len(pn) + 16]
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(sample)
    h = bytearray(hdr)
    h[0] ^= mask[0] & 0x0f
    for i in range(len(pn)):
        h[len(hdr) - len(pn) + i] ^= mask[1 + i]
    return bytes(h) + ct


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    synth, outdir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "pqc.pcap")
        subprocess.run([synth, "-s", "pqc", "--seed", "11", "-q", "-w", pcap], check=True)
        tls = list(streams(pcap, 443).values())
        ssh = list(streams(pcap, 22).values())
    for i, (c, s) in enumerate(tls[:4]):
        write(os.path.join(outdir, "pqcinv_tls"), "tls-%d" % i, struct.pack(">H", len(c)) + c + s)
    for i, (c, s) in enumerate(ssh[:3]):
        write(os.path.join(outdir, "pqcinv_ssh"), "ssh-%d" % i, struct.pack(">H", len(c)) + c + s)
    ch = tls[0][0]
    hs = ch[5:5 + struct.unpack(">H", ch[3:5])[0]]  # the ClientHello out of its record
    dcid = bytes.fromhex("8394c8f03e515708")
    write(os.path.join(outdir, "pqcinv_quic"), "initial-v1", initial(1, dcid, hs))
    write(os.path.join(outdir, "pqcinv_quic"), "initial-v2", initial(0x6b3343cf, dcid, hs))


main()
