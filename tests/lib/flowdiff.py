#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compares two EVE flow files (and two mamorid summaries) for the shell tests.

  flowdiff.py flows A.json B.json [--bytes]
      exit 0 when both hold the same flow records, compared as a multiset of
      (proto, src, sport, dst, dport, vlan, pkts each way[, bytes each way]);
      prints one line per record found in only one of them.
  flowdiff.py get SUMMARY.json PATH
      prints a value of a summary, PATH like totals.packets or ports.0.rx_packets.
"""
import collections
import json
import sys


def load(path):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                if r.get("event_type") == "flow":
                    recs.append(r)
    return recs


def sig(r, with_bytes):
    f = r["flow"]
    s = (r["proto"], r["src_ip"], r.get("src_port", 0), r["dest_ip"], r.get("dest_port", 0),
         tuple(r.get("vlan", [])), f["pkts_toserver"], f["pkts_toclient"])
    if with_bytes:
        s += (f["bytes_toserver"], f["bytes_toclient"])
    return s


def fmt(s):
    text = "%s %s:%s -> %s:%s%s pkts %d/%d" % (
        s[0], s[1], s[2], s[3], s[4], " vlan %s" % list(s[5]) if s[5] else "", s[6], s[7])
    if len(s) > 8:
        text += " bytes %d/%d" % (s[8], s[9])
    return text


def flows(a, b, with_bytes):
    ra, rb = load(a), load(b)
    ca = collections.Counter(sig(r, with_bytes) for r in ra)
    cb = collections.Counter(sig(r, with_bytes) for r in rb)
    only_a, only_b = ca - cb, cb - ca
    for s, n in sorted(only_a.items(), key=str)[:20]:
        print("only in %s: %s%s" % (a, fmt(s), " (x%d)" % n if n > 1 else ""))
    for s, n in sorted(only_b.items(), key=str)[:20]:
        print("only in %s: %s%s" % (b, fmt(s), " (x%d)" % n if n > 1 else ""))
    print("records: %d and %d, %d differ" % (len(ra), len(rb),
                                            sum(only_a.values()) + sum(only_b.values())))
    return 0 if not only_a and not only_b else 1


def get(path, key):
    with open(path) as f:
        v = json.load(f)
    for part in key.split("."):
        v = v[int(part)] if isinstance(v, list) else v[part]
    print(v)
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "flows":
        return flows(argv[2], argv[3], "--bytes" in argv[4:])
    if len(argv) == 4 and argv[1] == "get":
        try:
            return get(argv[2], argv[3])
        except (OSError, ValueError, KeyError, IndexError) as e:
            print("?")
            print("%s: %s: %s" % (argv[2], argv[3], e), file=sys.stderr)
            return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
