# SPDX-License-Identifier: BSD-3-Clause
"""mamorid's Prometheus endpoint (metrics.url), end to end.

A live mamorid on a net_null port (packets that carry no IP) with the
NetFlow/IPFIX collector on a loopback port and the flowlog plugin serves
metrics on a port the kernel picks.  The test sends NetFlow v5 datagrams it
builds itself, then checks:
  1. the answer is the text exposition format 0.0.4: content type, one HELP
     and TYPE per family before its samples, valid names, labels and values
     (parsed strictly here; promtool also checks it when installed);
  2. it carries what the console shows, and agrees with the control
     socket's stats taken between two scrapes (counters never go back);
  3. the collector's records and the plugin's counters count what was sent;
  4. a reload through the control socket raises mamori_config_generation;
  5. other paths answer 404, POST 405, and parallel scrapes all succeed;
  6. a metrics.url that is not http://, or a port already in use, stops
     mamorid at start with an error naming metrics.url.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mamori_test as mt  # noqa: E402

CTL = (os.environ.get("MAMORICTL") or
       os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl"))
FLOWLOG = os.path.join(mt.BUILD, "plugins", "mamori_flowlog.so")

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
VALUE = re.compile(r"^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$")


def parse(text):
    """Strict parse of the text format; returns ({(name, labels): value}, errors, types)."""
    samples, errors, types, seen_done = {}, [], {}, set()
    current = None
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not NAME.match(parts[2]):
                errors.append("line %d: bad comment %r" % (n, line))
                continue
            name = parts[2]
            if name != current:
                if name in seen_done or name in types and line.startswith("# TYPE"):
                    errors.append("line %d: family %s appears twice" % (n, name))
                if current is not None:
                    seen_done.add(current)
                current = name
            if line.startswith("# TYPE "):
                if parts[3] not in ("counter", "gauge", "untyped", "summary", "histogram"):
                    errors.append("line %d: bad type %r" % (n, parts[3]))
                types[name] = parts[3]
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not m:
            errors.append("line %d: bad sample %r" % (n, line))
            continue
        name, _, lab, val = m.groups()
        if name != current:
            errors.append("line %d: sample %s outside its family (%s)" % (n, name, current))
        labels = ()
        if lab:
            pos, out = 0, []
            while pos < len(lab):
                lm = LABEL.match(lab, pos)
                if not lm:
                    errors.append("line %d: bad labels %r" % (n, lab))
                    break
                out.append((lm.group(1), lm.group(2)))
                pos = lm.end()
            labels = tuple(out)
        if not VALUE.match(val):
            errors.append("line %d: bad value %r" % (n, val))
            continue
        key = (name, labels)
        if key in samples:
            errors.append("line %d: duplicate sample %s%s" % (n, name, labels))
        samples[key] = float(val)
        if types.get(name) == "counter" and not name.endswith("_total"):
            errors.append("line %d: counter %s lacks _total" % (n, name))
    return samples, errors, types


def get(url, method="GET", timeout=10):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8", "replace")


def value(samples, name, **labels):
    want = tuple(sorted(labels.items()))
    for (n, lab), v in samples.items():
        if n == name and tuple(sorted(x for x in lab if x[0] in labels)) == want:
            return v
    return None


def netflow_v5(seq, nrec, base_ip):
    """A NetFlow v5 datagram of nrec UDP records from base_ip+i to 192.0.2.1:53."""
    now = int(time.time())
    hdr = struct.pack("!HHIIIIBBH", 5, nrec, 100000, now, 0, seq, 0, 0, 0)
    recs = b""
    for i in range(nrec):
        src = struct.unpack("!I", socket.inet_aton(base_ip))[0] + i
        recs += struct.pack("!IIIHHIIIIHHBBBBHHBBH", src,
                            struct.unpack("!I", socket.inet_aton("192.0.2.1"))[0],
                            0, 1, 2, 3, 300, 90000, 99000, 40000 + i, 53,
                            0, 0, 17, 0, 0, 0, 24, 24, 0)
    return hdr + recs


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(work, conf, tag):
    path = os.path.join(work, tag + ".yaml")
    with open(path, "w") as f:
        f.write(conf)
    err = open(os.path.join(work, tag + ".err"), "w+")
    p = subprocess.Popen([mt.MAMORID, "-c", path], stdout=subprocess.DEVNULL, stderr=err)
    return p, err


def wait_url(p, err, timeout=60):
    """The endpoint mamorid says it serves ('metrics on URL'), once it says so."""
    t0 = time.time()
    while time.time() - t0 < timeout and p.poll() is None:
        err.seek(0)
        m = re.search(r"metrics on (http://\S+)", err.read())
        if m:
            return m.group(1)
        time.sleep(0.2)
    return None


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def ctl(control, *args):
    return mt.run([CTL, "--json"] + list(args) + ["--control", control], timeout=30)


def main():
    mt.need_mamorid()
    if not os.access(CTL, os.X_OK):
        mt.skip("%s not found: build mamorictl first; skipping" % CTL)
    work = tempfile.mkdtemp(prefix="test_metrics.")
    t = mt.Checks(work)
    control = "ipc://%s/control.ipc" % work
    nfport = free_udp_port()
    plugins = "plugins: {load: [flowlog]}\n" if os.path.exists(FLOWLOG) else ""
    # Without hugepages: two mamorid at once (the start errors below) share nothing.
    conf = ("eal: {lcores: \"0@0,1@1\", memory: 256, hugepages: off}\n"
            "ports: [{dev: \"net_null0,size=64\"}]\n"
            "collector: {listen: [\"127.0.0.1:%d\"], allow: [127.0.0.0/8]}\n"
            "control: {url: \"%s\"}\n"
            "metrics: {url: \"http://127.0.0.1:0/metrics\"}\n"
            "state_dir: %s\n%s" % (nfport, control, work, plugins))
    p, err = start(work, conf, "live")
    try:
        url = wait_url(p, err)
        if not t.check(url is not None, "mamorid says where it serves metrics"):
            err.seek(0)
            print(err.read())
            t.finish()

        # 1. Format.
        st, ctype, body = get(url)
        t.check(st == 200 and ctype.startswith("text/plain; version=0.0.4"),
                "GET %s: 200, %s" % (url, ctype))
        s1, errors, types = parse(body)
        t.check(not errors and len(s1) > 40,
                "exposition format: %d samples, %d families, no errors" % (len(s1), len(types)),
                errors[:10])
        if mt.shutil.which("promtool"):
            pr = subprocess.run(["promtool", "check", "metrics"], input=body.encode(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            t.check(pr.returncode == 0, "promtool check metrics accepts it",
                    pr.stdout.decode()[:400])
        else:
            t.note("promtool not installed: format checked by this test's parser only")

        # 2. What the console shows, and agreement with the control socket.
        for name in ("mamori_info", "mamori_uptime_seconds", "mamori_config_generation",
                     "mamori_packets_total", "mamori_flows_active", "mamori_flows_ended_total",
                     "mamori_decode_anomalies_total", "mamori_port_rx_packets_total",
                     "mamori_port_queue_rx_packets_total", "mamori_lcore_busy_ratio",
                     "mamori_collector_datagrams_total"):
            t.check(any(n == name for n, _ in s1), "family %s present" % name)
        t.check(value(s1, "mamori_info", mode="live") == 1, "mamori_info{mode=\"live\"} 1")
        t.check(types.get("mamori_packets_total") == "counter" and
                types.get("mamori_flows_active") == "gauge", "counter and gauge types")
        busy = value(s1, "mamori_lcore_busy_ratio", lcore="1")
        t.check(busy is not None and 0 <= busy <= 1, "lcore 1 busy ratio in [0, 1]: %s" % busy)
        rc, out, _ = ctl(control, "stats")
        import json
        try:
            stats = json.loads(out.splitlines()[0]) if rc == 0 else {}
        except (ValueError, IndexError):
            stats = {}
        stats = stats.get("stats", stats)
        mid = stats.get("totals", {}).get("packets")
        s2 = parse(get(url)[2])[0]
        a, b = value(s1, "mamori_packets_total"), value(s2, "mamori_packets_total")
        t.check(mid is not None and a is not None and b is not None and a <= mid <= b and a < b,
                "packets: scrape %s <= control stats %s <= next scrape %s" % (a, mid, b))
        # The worker counts a frame, then what it is, and a scrape reads the counters one
        # after the other while the worker runs: within one scrape either count may be a
        # burst (32 frames) ahead of the other.
        rx = value(s2, "mamori_port_rx_packets_total", port="0")
        notip = value(s2, "mamori_packets_not_ip_total")
        t.check(rx is not None and rx > 0 and notip is not None and a <= notip <= b + 32,
                "net_null frames counted on port 0 (%s) and as not-IP (%s of %s)" % (
                    rx, notip, b))
        back = [k for k, v in s1.items() if types.get(k[0]) == "counter" and
                k in s2 and s2[k] < v]
        t.check(not back, "no counter went back between scrapes", back[:5])

        # 3. The collector and the plugin count what was sent.
        snd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        total = 0
        for i in range(5):
            snd.sendto(netflow_v5(total, 6, "198.51.100.%d" % (10 + i * 8)),
                       ("127.0.0.1", nfport))
            total += 6
        snd.close()
        s3 = {}
        for _ in range(50):
            s3 = parse(get(url)[2])[0]
            if value(s3, "mamori_collector_records_total") == total:
                break
            time.sleep(0.1)
        t.check(value(s3, "mamori_collector_datagrams_total") == 5 and
                value(s3, "mamori_collector_records_total") == total,
                "collector: 5 datagrams, %d records (got %s, %s)" % (
                    total, value(s3, "mamori_collector_datagrams_total"),
                    value(s3, "mamori_collector_records_total")))
        t.check(value(s3, "mamori_collector_exporter_records_total",
                      exporter="127.0.0.1") == total,
                "per-exporter records labelled exporter=\"127.0.0.1\"")
        if plugins:
            t.check(value(s3, "mamori_plugin_enabled", plugin="flowlog") == 1,
                    "mamori_plugin_enabled{plugin=\"flowlog\"} 1")
            t.check(any(n == "mamori_plugin_counter_total" and ("plugin", "flowlog") in lab
                        for n, lab in s3),
                    "flowlog's own counters exported with plugin and counter labels")
            ctl(control, "plugins", "disable", "flowlog")
            s4 = parse(get(url)[2])[0]
            t.check(value(s4, "mamori_plugin_enabled", plugin="flowlog") == 0,
                    "disabling flowlog shows as mamori_plugin_enabled 0")
            ctl(control, "plugins", "enable", "flowlog")
        else:
            t.note("flowlog plugin not built: plugin metrics not checked")

        # 4. Reload.
        g0 = value(s3, "mamori_config_generation")
        rc, out, e = ctl(control, "reload")
        g1 = value(parse(get(url)[2])[0], "mamori_config_generation")
        t.check(rc == 0 and g0 is not None and g1 == g0 + 1,
                "reload raises mamori_config_generation %s -> %s" % (g0, g1), e[:300])

        # 5. Other paths, methods, parallel scrapes.
        base = url.rsplit("/", 1)[0]
        t.check(get(base + "/other")[0] == 404, "another path: 404")
        t.check(get(url, method="POST")[0] == 405, "POST: 405")
        results = []

        def scrape():
            r = get(url)
            results.append(r[0] == 200 and not parse(r[2])[1])

        threads = [threading.Thread(target=scrape) for _ in range(16)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        t.check(len(results) == 16 and all(results), "16 parallel scrapes, all complete and valid")
        before = value(s3, "mamori_metrics_scrapes_total")
        after = value(parse(get(url)[2])[0], "mamori_metrics_scrapes_total")
        t.check(before is not None and after is not None and after >= before + 17,
                "mamori_metrics_scrapes_total counts them (%s -> %s)" % (before, after))

        # 6. Errors at start.
        port = int(re.search(r":(\d+)/", url).group(1))
        for tag, murl, want in (("badscheme", "tcp://127.0.0.1:0", "not an http:// URL"),
                                ("inuse", "http://127.0.0.1:%d/metrics" % port, "in use")):
            c2 = conf.replace("http://127.0.0.1:0/metrics", murl).replace(
                "control.ipc", tag + ".ipc").replace("listen: [\"127.0.0.1:%d\"]" % nfport,
                                                     "listen: []")
            q, qerr = start(work, c2, tag)
            try:
                q.wait(60)
            except subprocess.TimeoutExpired:
                pass
            rc = stop(q)
            qerr.seek(0)
            msg = qerr.read()
            t.check(rc not in (0, None) and "metrics.url" in msg and want in msg,
                    "%s: mamorid refuses to start, naming metrics.url (exit %s)" % (murl, rc),
                    msg.strip().splitlines()[-1:] if msg else None)
            qerr.close()
    finally:
        rc = stop(p)
    t.check(rc == 0, "mamorid stops cleanly on SIGTERM with the endpoint open (exit %s)" % rc)
    err.close()
    t.finish()


if __name__ == "__main__":
    main()
