# SPDX-License-Identifier: BSD-3-Clause
"""Receiver-side timing error of a replay: python3 timing.py SENT.pcap GOT.pcap SPEED

Frame i should arrive (a_i - a_0) = (ts_i - ts_0) / SPEED after the first; the
error is the absolute difference.  Frames are matched by content in order
(frames the kernel added itself are skipped).  Prints "p50 p99 max matched" in
microseconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "plugins", "replay", "tests"))
import pcapio  # noqa: E402


def main():
    sent = pcapio.frames(sys.argv[1])
    got = pcapio.frames(sys.argv[2])
    speed = float(sys.argv[3])
    j, pairs = 0, []
    for ts, b in sent:
        while j < len(got) and got[j][1] != b:
            j += 1
        if j == len(got):
            break
        pairs.append((ts, got[j][0]))
        j += 1
    if len(pairs) < 2:
        print("nan nan nan %d" % len(pairs))
        return
    t0, a0 = pairs[0]
    errs = sorted(abs((a - a0) - (t - t0) / speed) / 1e3 for t, a in pairs)
    n = len(errs)
    print("%.1f %.1f %.1f %d" % (errs[(n - 1) // 2], errs[int((n - 1) * 0.99)], errs[-1], n))


if __name__ == "__main__":
    main()
