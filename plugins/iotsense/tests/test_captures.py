# SPDX-License-Identifier: BSD-3-Clause
"""iotsense on real and synthesised captures, through mamorid's fast path.

Shared captures (skipped when ../shared/data is absent):
  hidenseek-iot-bot.pcap  the one host that sends the SYNs is found infected,
                          by behaviour (none of its SYNs carries Mirai's mark)
  ssh-bruteforce.pcap     the attacker (infected) and the target (an attempt
                          on its credentials, not confirmed) are reported
  the pqc/ captures       benign: nothing is reported
mamori-synth scenarios:
  background (2 seeds), pqc, beacon, anomalies
                          no IoT device among them: nothing is reported
  mirai                   the scanner by its SYN fingerprint, every bot by its
                          C&C handshake, the brute-forced victim's default login;
                          nothing else
  iot                     the default-credential telnet login and the vulnerable
                          banners, with the right categories; nothing else
The registry files (devices.json, counts.json, quarantine.txt) follow the events.
"""
import collections
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iotlib  # noqa: E402
from iotlib import mt  # noqa: E402


def shared(c, work):
    data = os.path.join(mt.DATA, "pcap")
    if not os.path.isdir(data):
        c.note("%s absent: shared captures not checked" % data)
        return
    pcap = os.path.join(data, "iot", "hidenseek-iot-bot.pcap")
    syns = iotlib.tcp_syns(pcap)
    senders = collections.Counter(s[0] for s in syns)
    bot = senders.most_common(1)[0][0]
    marked = sum(1 for s in syns if s[0] == bot and s[4] == int.from_bytes(
        bytes(int(x) for x in s[1].split(".")), "big"))
    rc, dev, _, err = iotlib.run(pcap, work, "hidenseek")
    found = iotlib.devices(dev)
    c.check(rc == 0 and set(found) == {bot},
            "hidenseek: the SYN sender %s (%d SYNs, %d with Mirai's mark) is the one device "
            "reported (%s)" % (bot, senders[bot], marked, sorted(found)),
            err.splitlines()[-3:] if rc else None)
    reasons = {e["iot_device"]["reason"] for e in found.get(bot, [])}
    c.check(all(e["iot_device"]["category"] == "infected" for e in found.get(bot, [])) and
            "mirai_syn" not in reasons and reasons & {"threshold_random_walk", "address_scan"},
            "hidenseek: infected by behaviour, not by the fingerprint (%s)" % sorted(reasons))

    rc, dev, _, err = iotlib.run(pcap, work, "hidenseek-home", [
        "home_net=[10.0.0.0/8]", "plugins.iotsense.home_only=true"])
    rc2, dev2, _, _ = iotlib.run(pcap, work, "hidenseek-home2", [
        "home_net=[192.168.2.0/24]", "plugins.iotsense.home_only=true"])
    c.check(rc == 0 and not dev and rc2 == 0 and set(iotlib.devices(dev2)) == {bot},
            "home_only: the bot is reported only when home_net holds it",
            err.splitlines()[-3:] if rc else None)

    pcap = os.path.join(data, "iot", "ssh-bruteforce.pcap")
    syns = iotlib.tcp_syns(pcap)
    attacker, target = syns[0][0], syns[0][1]
    rc, dev, _, err = iotlib.run(pcap, work, "ssh")
    inf = iotlib.devices(dev, "infected")
    weak = iotlib.devices(dev, "weak_credentials")
    c.check(rc == 0 and set(inf) == {attacker} and set(weak) == {target} and
            set(iotlib.devices(dev)) == {attacker, target},
            "ssh-bruteforce: attacker %s infected, target %s attacked (%s / %s)" % (
                attacker, target, sorted(inf), sorted(weak)))
    ev = weak.get(target, [{}])[0].get("iot_device", {})
    c.check(ev.get("confirmed") is False and ev.get("reason") == "brute_force" and
            ev.get("evidence", {}).get("attacker") == attacker and
            ev.get("evidence", {}).get("service") == "ssh" and
            ev.get("evidence", {}).get("attempts", 0) >= 10,
            "ssh-bruteforce: the target's record is an unconfirmed attempt over SSH with the "
            "attacker and the attempts", json.dumps(ev.get("evidence")))

    benign = sorted(glob.glob(os.path.join(data, "pqc", "*")))
    noisy = {}
    for p in benign:
        rc, dev, _, _ = iotlib.run(p, work, "benign-" + os.path.basename(p))
        if rc != 0 or dev:
            noisy[os.path.basename(p)] = (rc, sorted(iotlib.devices(dev)))
    c.check(benign and not noisy, "benign shared captures: nothing reported (%d files)" %
            len(benign), ["%s: %s" % kv for kv in noisy.items()])


def synthesised(c, work):
    for scenario, seed in (("background", 1), ("background", 7), ("pqc", 2), ("beacon", 3),
                           ("anomalies", 4)):
        pcap, _ = iotlib.synth(work, scenario, seed)
        rc, dev, _, err = iotlib.run(pcap, work, "%s%d" % (scenario, seed))
        c.check(rc == 0 and not dev, "%s seed %d: no device reported (%s)" % (
            scenario, seed, sorted(iotlib.devices(dev))), err.splitlines()[-3:] if rc else None)

    pcap, truth = iotlib.synth(work, "mirai", 1)
    m = truth["generators"]["mirai"]
    rc, dev, _, err = iotlib.run(pcap, work, "mirai")
    inf = iotlib.devices(dev, "infected")
    scanner = m["scanner"]["host"]
    ev = [e["iot_device"] for e in inf.get(scanner, []) if
          e["iot_device"]["reason"] == "mirai_syn"]
    c.check(rc == 0 and len(ev) == 1, "mirai: the scanner %s is found by its SYN fingerprint" %
            scanner, err.splitlines()[-3:] if rc else None)
    if ev:
        e = ev[0]["evidence"]
        c.check(e["source_port"] == m["scanner"]["source_port"] and
                e["from_source_port"] == e["mirai_syns"] and
                e["to_port_23"] + e["to_port_2323"] == e["mirai_syns"],
                "mirai: evidence shows the fixed source port %d and the 23/2323 mix" %
                m["scanner"]["source_port"], json.dumps(e))
    bots = {b["host"] for b in m["bots"]}
    cnc = {a for a, evs in inf.items()
           if any(x["iot_device"]["reason"] == "mirai_cnc_handshake" and
                  x["iot_device"]["evidence"]["cnc"] == m["cnc"] for x in evs)}
    c.check(cnc == bots, "mirai: every bot is found by its C&C handshake (%d of %d)" % (
        len(cnc & bots), len(bots)))
    victim = m["brute_force"]["victim"]
    weak = iotlib.devices(dev, "weak_credentials", confirmed=True)
    wev = [e["iot_device"]["evidence"] for e in weak.get(victim, [])]
    c.check(set(weak) == {victim} and wev and
            wev[0]["username"] == m["brute_force"]["username"] and
            wev[0]["password"] == m["brute_force"]["password"],
            "mirai: the victim %s logged into with %s/%s is weak" % (
                victim, m["brute_force"]["username"], m["brute_force"]["password"]), wev)
    c.check(set(iotlib.devices(dev)) == bots | {scanner, victim},
            "mirai: no other device is reported (%s)" % sorted(
                set(iotlib.devices(dev)) - bots - {scanner, victim}))

    pcap, truth = iotlib.synth(work, "iot", 1)
    w, fw = truth["generators"]["weak_credential"], truth["generators"]["firmware"]
    rc, dev, _, err = iotlib.run(pcap, work, "iot")
    weak = iotlib.devices(dev, "weak_credentials")
    ev = [e["iot_device"] for e in weak.get(w["device"], [])]
    c.check(rc == 0 and len(ev) == 1 and ev[0]["confirmed"] and
            ev[0]["evidence"]["username"] == w["username"] and
            ev[0]["evidence"]["password"] == w["password"] and
            ev[0]["evidence"]["service"] == "telnet" and ev[0]["evidence"]["port"] == w["port"],
            "iot: %s weak, logged into with %s/%s over telnet (the failed %s is no finding)" % (
                w["device"], w["username"], w["password"], w["failed_first"]),
            err.splitlines()[-3:] if rc else [json.dumps(x) for x in ev])
    vul = iotlib.devices(dev, "vulnerable_firmware")
    prods = {(x["iot_device"]["evidence"]["product"], x["iot_device"]["evidence"]["port"])
             for x in vul.get(fw["device"], [])}
    cvss = [x["iot_device"]["evidence"]["max_cvss"] for x in vul.get(fw["device"], [])]
    c.check(set(vul) == {fw["device"]} and len(prods) >= 2 and min(cvss or [0]) >= 7.0,
            "iot: %s has vulnerable firmware: %s, every one CVSS >= 7.0 %s" % (
                fw["device"], sorted(prods), cvss))
    c.check(set(iotlib.devices(dev)) == {w["device"], fw["device"]},
            "iot: no other device is reported (%s)" % sorted(iotlib.devices(dev)))

    devs = json.load(open(iotlib.state_file(work, "iot", "devices.json")))
    counts = json.load(open(iotlib.state_file(work, "iot", "counts.json")))
    day = counts["daily"][0] if counts.get("daily") else {}
    c.check({(d["device"], d["category"]) for d in devs} ==
            {(e["iot_device"]["device"], e["iot_device"]["category"]) for e in dev} and
            day.get("date") == truth["start_iso"][:10] and day.get("weak_credentials") == 1 and
            day.get("vulnerable_firmware") == 1 and day.get("infected") == 0 and
            counts["monthly"][0]["month"] == truth["start_iso"][:7],
            "iot: devices.json holds the devices and counts.json counts them once a day and "
            "a month", json.dumps(counts["daily"]))
    q = [l for l in open(iotlib.state_file(work, "mirai", "quarantine.txt"))
         if l.strip() and not l.startswith("#")]
    c.check({l.strip() for l in q} == bots | {scanner},
            "mirai: quarantine.txt lists the infected devices (%d)" % len(q))


def main():
    iotlib.need_plugin()
    work = tempfile.mkdtemp(prefix="mamori-iotsense.")
    c = mt.Checks(work)
    shared(c, work)
    synthesised(c, work)
    c.finish()


if __name__ == "__main__":
    main()
