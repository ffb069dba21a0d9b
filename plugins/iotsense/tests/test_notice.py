# SPDX-License-Identifier: BSD-3-Clause
"""iotsense on captures written here, then the notification lists.

Day 1: default-credential logins over FTP and HTTP basic authentication (and
the same services with other passwords, or refused, which are no finding),
Mirai-template SYNs to the variants' exploit ports, a host with ordinary
answered connections, a SYN into a configured darknet, product banners of a
vulnerable and of a fixed version over HTTP, and a UPnP SERVER over UDP.  Subscribers come from a prefix file
(longest match) and assignment records that change hands during the day: the
customer who held the address at the time is named.  Day 2: a device already
notified is seen again, a new one appears.  mamori-iotsense notify writes per
ISP lists, signed (mamorictl verify and audit verify check them), and does
not list a device twice.
"""
import base64
import csv
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iotlib  # noqa: E402
from iotlib import mt  # noqa: E402

DAY = 86400
T0 = 1775001600  # 2026-04-01T00:00:00Z
NOTIFY = os.path.join(mt.BUILD, "plugins", "iotsense", "mamori-iotsense")
CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")


def ftp(p, cli, dev, port, user, password, ok):
    p.session(cli, dev, port, 21, [
        (False, b"220 FTP server ready\r\n"), (True, b"USER %s\r\n" % user),
        (False, b"331 Password required\r\n"), (True, b"PASS %s\r\n" % password),
        (False, b"230 Login successful\r\n" if ok else b"530 Login incorrect\r\n"),
        (True, b"QUIT\r\n"), (False, b"221 Goodbye\r\n")])


def http(p, cli, dev, port, user, password, status):
    tok = base64.b64encode(b"%s:%s" % (user, password))
    p.session(cli, dev, port, 80, [
        (True, b"GET /cgi-bin/status HTTP/1.1\r\nHost: cam\r\nAuthorization: Basic " + tok +
         b"\r\n\r\n"),
        (False, b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n" % status)])


def banner(p, cli, dev, port, server):
    p.session(cli, dev, port, 80, [
        (True, b"GET / HTTP/1.1\r\nHost: dev\r\n\r\n"),
        (False, b"HTTP/1.1 200 OK\r\nServer: " + server + b"\r\nContent-Length: 0\r\n\r\n")])


def day1(p):
    p.t += 20  # the address changes hands at T0 + 10 s
    ftp(p, "203.0.113.9", "10.0.1.10", 40001, b"admin", b"admin", True)
    ftp(p, "203.0.113.9", "10.0.1.11", 40002, b"admin", b"S3cure-x9", True)
    http(p, "203.0.113.9", "10.0.1.12", 40003, b"admin", b"admin", 200)
    http(p, "203.0.113.9", "10.0.1.13", 40004, b"root", b"root", 401)
    banner(p, "203.0.113.9", "10.0.1.14", 40005, b"uc-httpd 1.0.0")
    banner(p, "203.0.113.9", "10.0.1.15", 40006, b"mini_httpd/1.30 26Oct2018")
    # A person at a terminal: one character a segment, echoed; "Username:" prompt.
    typed = [(False, b"\xff\xfd\x01\xff\xfb\x01"), (False, b"\r\nUsername: ")]
    for ch in b"admin":
        typed += [(True, bytes([ch])), (False, bytes([ch]))]
    typed += [(True, b"\r\x00"), (False, b"\r\nPassword: ")]
    typed += [(True, bytes([ch])) for ch in b"1234"]
    typed += [(True, b"\r\n"), (False, b"\r\n\r\nWelcome\r\n~ $ ")]
    p.session("203.0.113.9", "10.0.1.18", 40200, 23, typed)
    p.udp("203.0.113.9", "10.0.1.17", 40100, 1900,
          b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
          b"MX: 1\r\nST: ssdp:all\r\n\r\n")
    p.udp("10.0.1.17", "203.0.113.9", 1900, 40100,
          b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nSERVER: RomPager/4.07 UPnP/1.0"
          b"\r\nST: upnp:rootdevice\r\n\r\n")
    for i, port in enumerate((37215, 52869, 37215, 52869, 7547)):
        dst = "100.%d.%d.%d" % (70 + i, 11 * i + 3, 200 - i)
        seq = int.from_bytes(bytes(int(x) for x in dst.split(".")), "big")
        p.tcp("10.0.200.5", dst, 40123, port, 0x02, seq, dt=0.2)
    for i in range(6):
        p.session("10.0.1.20", "192.0.2.%d" % (10 + i), 50000 + i, 443,
                  [(True, b"\x16\x03\x01hello"), (False, b"\x16\x03\x03hi")])
    p.tcp("10.0.1.30", "198.51.100.77", 51515, 23, 0x02, 12345,
          options=b"\x02\x04\x05\xb4", dt=0.5)


def day2(p):
    p.t = max(p.t, T0 + DAY)
    ftp(p, "203.0.113.9", "10.0.1.10", 40011, b"admin", b"admin", True)
    ftp(p, "203.0.113.9", "10.0.1.16", 40012, b"root", b"root", True)


def write(path, *days):
    p = iotlib.Pcap(path, T0)
    for d in days:
        d(p)
    p.close()


def write_subs(work):
    pre = os.path.join(work, "prefixes.csv")
    asg = os.path.join(work, "assign.csv")
    with open(pre, "w") as f:
        f.write("# test prefixes\nprefix,isp\n10.0.0.0/16,isp-a\n10.0.200.0/24,isp-b\n"
                "not-a-prefix,isp-c\n")
    with open(asg, "w") as f:
        f.write("address,customer,start,stop\n"
                "10.0.1.10,cust-old,%d,%d\n" % (T0 - DAY, T0 + 10) +
                "10.0.1.10,cust-new,2026-04-01T00:00:10Z,\n"
                "10.0.1.12,cust-12,%d,\n" % (T0 - DAY) +
                "10.0.1.16,cust-16,%d,\n" % T0 +
                "10.0.200.5,cust-b5,%d,\n" % (T0 - DAY) +
                "10.0.1.14,cust-14,2026-13-01T00:00:00Z,\n")
    return ["plugins.iotsense.subscribers.prefixes=" + pre,
            "plugins.iotsense.subscribers.assignments=" + asg]


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main():
    iotlib.need_plugin()
    if not os.access(NOTIFY, os.X_OK):
        mt.skip("%s not built; skipping" % NOTIFY)
    work = tempfile.mkdtemp(prefix="mamori-iotnotice.")
    c = mt.Checks(work)
    p1, p2 = os.path.join(work, "day1.pcap"), os.path.join(work, "day2.pcap")
    both = os.path.join(work, "both.pcap")
    write(p1, day1)
    write(p2, day2)
    write(both, day1, day2)
    subs = write_subs(work)

    rc, dev, _, err = iotlib.run(p1, work, "nodark")
    c.check(rc == 0 and "10.0.1.30" not in iotlib.devices(dev),
            "without a darknet configured, one unanswered SYN is no finding",
            err.splitlines()[-3:] if rc else None)

    sets = subs + ["plugins.iotsense.darknet.prefixes=[198.51.100.0/24]"]
    rc, dev, _, err = iotlib.run(p1, work, "day", sets)
    weak = iotlib.devices(dev, "weak_credentials")
    c.check(rc == 0 and set(weak) == {"10.0.1.10", "10.0.1.12", "10.0.1.18"},
            "default credentials that worked over FTP, HTTP basic and telnet typed by hand are "
            "found; another password, or a refused default, is not (%s)" % sorted(weak),
            err.splitlines()[-3:] if rc else None)
    svc = {a: e[0]["iot_device"]["evidence"]["service"] for a, e in weak.items()}
    c.check(svc == {"10.0.1.10": "ftp", "10.0.1.12": "http", "10.0.1.18": "telnet"},
            "with their services %s" % svc)
    c.check("malformed lines skipped" in err and "line 5" in err and "line 7" in err,
            "malformed subscriber lines are skipped and named",
            [l for l in err.splitlines() if "skipped" in l])
    ev = {a: e[0]["iot_device"] for a, e in iotlib.devices(dev).items()}
    c.check(ev.get("10.0.1.10", {}).get("customer") == "cust-new" and
            ev["10.0.1.10"]["isp"] == "isp-a" and ev.get("10.0.200.5", {}).get("isp") == "isp-b",
            "the customer who held the address at the time, and the ISP by longest prefix",
            [json.dumps({a: (e["isp"], e["customer"]) for a, e in ev.items()})])
    m = ev.get("10.0.200.5", {})
    c.check(m.get("reason") == "mirai_syn" and m["evidence"]["to_exploit_ports"] >= 3,
            "Mirai-template SYNs to exploit ports: infected, with the ports counted",
            json.dumps(m.get("evidence")))
    d = ev.get("10.0.1.30", {})
    c.check(d.get("category") == "infected" and d.get("reason") == "darknet",
            "a SYN into the darknet is scan evidence", json.dumps(d))
    fw = iotlib.devices(dev, "vulnerable_firmware")
    c.check(set(fw) == {"10.0.1.14", "10.0.1.17"} and
            fw["10.0.1.14"][0]["iot_device"]["evidence"]["cves"][0]["id"] == "CVE-2018-10088",
            "uc-httpd 1.0.0 is vulnerable (CVSS 9.8); mini_httpd 1.30 is past its fix (%s)" %
            sorted(fw))
    up = fw.get("10.0.1.17", [{}])[0].get("iot_device", {}).get("evidence", {})
    c.check(up.get("product") == "RomPager" and up.get("version") == "4.07" and
            up.get("port") == 1900 and up["cves"][0]["id"] == "CVE-2014-9222",
            "a UPnP SERVER banner over UDP (RomPager 4.07) is matched too", json.dumps(up))
    c.check("10.0.1.20" not in ev and "10.0.1.11" not in ev and "10.0.1.13" not in ev,
            "ordinary connections and non-default logins are not reported")

    state = os.path.join(work, "day.state")
    rc, out, err = mt.run([NOTIFY, "notify", "--state-dir", state])
    notices = os.path.join(state, "iotsense", "notices")
    a = os.path.join(notices, "notice-isp-a-2026-04-01.csv")
    b = os.path.join(notices, "notice-isp-b-2026-04-01.csv")
    got_a = {(r["address"], r["customer"], r["category"]) for r in rows(a)} if \
        os.path.exists(a) else set()
    c.check(rc == 0 and got_a == {("10.0.1.10", "cust-new", "weak_credentials"),
                                  ("10.0.1.18", "", "weak_credentials"),
                                  ("10.0.1.12", "cust-12", "weak_credentials"),
                                  ("10.0.1.14", "", "vulnerable_firmware"),
                                  ("10.0.1.17", "", "vulnerable_firmware"),
                                  ("10.0.1.30", "", "infected")},
            "isp-a's list for 2026-04-01 names its devices and customers", [out, err] +
            sorted(map(str, got_a)))
    c.check(os.path.exists(b) and [r["address"] for r in rows(b)] == ["10.0.200.5"],
            "isp-b's list holds its one device")
    j = mt.read_json(a[:-4] + ".json") or {}
    c.check(j.get("format") == "mamori-iotsense-notice/1" and j.get("devices") == 6 and
            len(j.get("list", [])) == 6, "the JSON list says the same")
    rc, out, err = mt.run([CTL, "verify", "--state-dir", state, a, b, a[:-4] + ".json"])
    c.check(rc == 0 and out.count("valid signature") == 3,
            "the lists are signed with the appliance key", (out + err).splitlines()[-3:])
    with open(a, "a") as f:
        f.write("2026-04-01,isp-a,x,10.9.9.9,infected,,,,forged\n")
    rc, out, err = mt.run([CTL, "verify", "--state-dir", state, a])
    c.check(rc == 1, "an altered list fails verification (exit %d)" % rc)
    rc, out, err = mt.run([CTL, "audit", "verify", "--log", os.path.join(state, "audit.log"),
                           "--key", os.path.join(state, "appliance.pub")])
    c.check(rc == 0 and "6 entries" in out + err,
            "each signature is in the audit log (key.init + 5 exports), which verifies",
            (out + err).splitlines()[-2:])

    rc, dev, _, err = iotlib.run(p2, work, "day", subs)
    rc2, out, err = mt.run([NOTIFY, "notify", "--state-dir", state])
    a2 = os.path.join(notices, "notice-isp-a-2026-04-02.csv")
    got = [(r["address"], r["customer"]) for r in rows(a2)] if os.path.exists(a2) else []
    c.check(rc == 0 and rc2 == 0 and got == [("10.0.1.16", "cust-16")],
            "day 2: only the new device is listed; the one notified yesterday is not (%s)" %
            got, (out + err).splitlines())
    counts = mt.read_json(iotlib.state_file(work, "day", "counts.json")) or {}
    days = {d["date"]: d["weak_credentials"] for d in counts.get("daily", [])}
    month = (counts.get("monthly") or [{}])[0]
    c.check(days == {"2026-04-01": 3, "2026-04-02": 2} and
            month.get("weak_credentials") == 4 and month.get("infected") == 2 and
            month.get("vulnerable_firmware") == 2,
            "a restart goes on with the registry: unique devices a day %s and in the month "
            "(weak 4, infected 2, firmware 2)" % days, json.dumps(counts.get("monthly")))
    rc, out, err = mt.run([NOTIFY, "notify", "--state-dir", state])
    c.check(rc == 0 and "nobody new to notify" in out, "running again lists nobody new")
    rc, out, err = mt.run([NOTIFY, "notify", "--date", "2026-4-x"])
    c.check(rc == 2 and "YYYY-MM-DD" in err, "a bad date is refused saying what is expected")

    rc, dev, events, err = iotlib.run(both, work, "both", subs)
    summ = [e for e in events if e.get("event_type") == "iot_summary"]
    c.check(rc == 0 and len(summ) == 1 and summ[0]["iot_summary"] == {
        "date": "2026-04-01", "infected": 1, "weak_credentials": 3, "vulnerable_firmware": 2},
        "one run over two days: at the first finding of day 2, an iot_summary of day 1",
        [json.dumps(x) for x in summ])
    c.finish()


if __name__ == "__main__":
    main()
