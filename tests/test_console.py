# SPDX-License-Identifier: BSD-3-Clause
"""mamori-console end to end: the console runs in tmux (80x24, a private tmux
server) against a real mamori-store filled by running the appliance over a
capture, and a live mamorid on a net_null port; the checks read the screen
with tmux capture-pane.

  1. the command line: --help names every option, --version, usage errors
     exit 2, no terminal exits 1;
  2. the Overview: both peers ok, packets rising (rates from successive polls),
     the plugin list, the footer listing the screens;
  3. the Alerts: filled from a query with every stored event, then following
     the live view (a second offline run's events appear); a filter narrows
     them to the events of one address; the detail pane; '?' help;
  4. the plugin screens: each says it has no events of its type yet; C2 shows a
     table once c2_candidate events are stored (injected with store_client);
  5. resizing to 100x30 and back redraws cleanly (same screen as before);
  6. control: disable/enable the plugin (and a 'n' that cancels), reload, each
     after a y/n question; --read-only refuses the keys and says so; NO_COLOR
     gives no colour, LANG=C no byte outside ASCII;
  7. the store restarted under the console: the screen says disconnected, then
     recovers by itself; mamorid stopped from the console: disconnected, and
     back when it starts again;
  8. q quits with exit status 0.

Ends with "N passed, N failed"; exits 77 when tmux or a built program is missing.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mamori_test as mt  # noqa: E402
import procs  # noqa: E402
from procs import start, stop, wait_for  # noqa: E402

CONSOLE = os.environ.get("MAMORI_CONSOLE") or os.path.join(mt.BUILD, "ui-tui", "mamori-console")
STORE = procs.STORE
CLIENT = procs.CLIENT
CTL = os.path.join(mt.BUILD, "tools", "mamorictl", "mamorictl")
SYNTH = os.path.join(mt.BUILD, "tools", "synth", "mamori-synth")
UTF8 = "LANG=C.UTF-8 LC_ALL=C.UTF-8"
COLOUR = r"\x1b\[[0-9;]*(?:3[0-7]|4[0-7]|[34]8;5;\d+)m"  # SGR foreground or background


class Tmux:
    """A tmux server of the test's own (-S socket), so nothing else is touched."""

    def __init__(self, work):
        self.work = work
        self.sock = os.path.join(work, "tmux.sock")

    def run(self, *args):
        return subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)

    def start(self, name, argv, env="", status=None):
        # stderr to a file: sanitizer reports land there (see check_reports).
        err = os.path.join(self.work, "console-%s.stderr" % name)
        cmd = "env %s TERM=screen-256color %s 2>%s; echo $? > %s" % (
            env, " ".join(shlex.quote(a) for a in argv), shlex.quote(err), shlex.quote(status))
        r = self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd)
        return r.returncode == 0

    def keys(self, name, *keys):
        self.run("send-keys", "-t", name, *keys)

    def type(self, name, text):
        self.run("send-keys", "-t", name, "-l", text)

    def screen(self, name, escapes=False):
        args = ["capture-pane", "-p", "-t", name]
        if escapes:
            args.insert(2, "-e")
        r = self.run(*args)
        return r.stdout.decode("utf-8", "replace")

    def wait(self, name, pred, timeout=10):
        """The screen once pred(screen) holds, else the last one seen (pred fails)."""
        last = [""]

        def look():
            last[0] = self.screen(name)
            return pred(last[0])
        wait_for(look, timeout)
        return last[0]

    def resize(self, name, x, y):
        self.run("resize-window", "-t", name, "-x", str(x), "-y", str(y))

    def kill(self):
        self.run("kill-server")


def check(t, ok, what, detail=None):
    """A check whose detail (a screen, most often) is printed only when it fails."""
    return t.check(bool(ok), what, None if ok else detail)


def lines(screen):
    return screen.split("\n")


def flat(screen):
    """The screen's text in one line: wrapped sentences read whole."""
    return " ".join(line.strip() for line in lines(screen))


def ctl(*args):
    return mt.run([CTL] + list(args), timeout=60)


class Store(procs.Store):
    """The store, its events counted through mamorictl as an operator would."""

    def count(self, *filters):
        rc, out, _ = ctl("events", "--count", "--store", self.query_url, *filters)
        return int(out.strip()) if rc == 0 and out.strip().isdigit() else None


def offline_run(work, store, pcap, tag):
    """mamorid over a capture, exporting to the store; the events it committed."""
    rc, out, err = mt.run([mt.MAMORID, "--pcap", pcap, "--set", "export.store=" + store.ingest,
                           "--set", "state_dir=" + os.path.join(work, "state-" + tag)],
                          timeout=300)
    m = re.search(r"export to \S+: (\d+) events committed", out + err)
    return rc, int(m.group(1)) if m else None, out + err


class LiveMamorid:
    def __init__(self, work):
        self.work = work
        self.control = "ipc://%s/control.ipc" % work
        self.cfg = os.path.join(work, "live.yaml")
        self.proc = None
        with open(self.cfg, "w") as f:
            f.write("# Written by tests/test_console.py\n"
                    "eal: {lcores: \"0@0,1@1\", memory: 256}\n"
                    "ports: [{dev: \"net_null0,size=64\"}]\n"
                    "control: {url: \"%s\"}\n"
                    "plugins: {load: [flowlog]}\n"
                    "state_dir: %s\n" % (self.control, work))

    def start(self):
        self.proc = start([mt.MAMORID, "-c", self.cfg, "-q"],
                          os.path.join(self.work, "mamorid.log"))
        return wait_for(lambda: self.proc.poll() is None and
                        ctl("status", "--control", self.control)[0] == 0, 60)


def capture(work):
    """The shared C&C capture when there, else one made by mamori-synth."""
    shared = os.path.join(mt.DATA, "pcap", "c2", "test-cc-capture-1.pcap")
    if os.path.exists(shared):
        second = os.path.join(mt.DATA, "pcap", "c2", "test-cc-capture-2.pcap")
        return shared, second if os.path.exists(second) else None
    out = []
    for seed in ("1", "2"):
        path = os.path.join(work, "synth-%s.pcap" % seed)
        rc, _, _ = mt.run([SYNTH, "-q", "-w", path, "-d", "300", "-n", "20", "-S", seed])
        out.append(path if rc == 0 else None)
    return out[0], out[1]


def packets(screen):
    m = re.search(r"generation \d+\s+([\d,]+) packets", screen)
    return int(m.group(1).replace(",", "")) if m else None


def event_count(screen):
    m = re.search(r"^([\d,]+) events", screen, re.M)
    return int(m.group(1).replace(",", "")) if m else None


def test_cli(t, work):
    rc, out, _ = mt.run([CONSOLE, "--help"])
    missing = [o for o in ("--control", "--store", "--live", "--refresh", "--read-only",
                           "--no-color", "--help", "--version", "MAMORI_CONTROL",
                           "MAMORI_STORE", "NO_COLOR") if o not in out]
    check(t, rc == 0 and not missing, "--help exits 0 and names every option",
             "missing: %s" % missing if missing else None)
    rc, out, _ = mt.run([CONSOLE, "--version"])
    check(t, rc == 0 and out.startswith("mamori-console "), "--version: %s" % out.strip())
    for args, what in ((["--bogus"], "unknown option"), (["--refresh", "0"], "--refresh"),
                       (["--refresh"], "needs a value"), (["extra"], "unexpected")):
        rc, _, err = mt.run([CONSOLE] + args)
        check(t, rc == 2 and what in err, "%s exits 2 saying '%s'" % (" ".join(args), what),
                 err.strip())
    p = subprocess.run([CONSOLE], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=20)
    check(t, p.returncode == 1 and b"terminal" in p.stderr,
             "without a terminal it exits 1 and says so", p.stderr.decode().strip())


def test_overview(t, tm, name):
    s = tm.wait(name, lambda s: "mamorid: ok" in s and "store: ok" in s and
                "net_null0" in s and packets(s), 20)
    check(t, "mamorid: ok" in s and "store: ok" in s, "overview: mamorid and store ok", s)
    p1 = packets(s)
    s = tm.wait(name, lambda s: (packets(s) or 0) > (p1 or 0) and
                re.search(r"net_null0\s+[\d.]+[kMG]?\s", s), 10)
    p2 = packets(s)
    check(t, p1 is not None and p2 is not None and p2 > p1,
             "overview: packets rising (%s then %s)" % (p1, p2))
    m = re.search(r"0 net_null0\s+(\S+)", s)
    check(t, m is not None and m.group(1) not in ("-", "0"),
             "overview: port 0 packets/s computed from two polls: %s" %
             (m.group(1) if m else None), s)
    check(t, re.search(r"packets/s\s+\S+\s+\S", s) is not None and "LCORES" in s and
             "DECODE" in s and "EXPORT" in s and "STORE" in s,
             "overview: traffic with sparklines, lcores, decode, export, store", s)
    check(t, re.search(r"PLUGINS\s+flowlog\s+enabled", s) is not None,
             "overview: the plugin list shows flowlog enabled", s)
    foot = lines(s)[23] if len(lines(s)) > 23 else ""
    check(t, "1Overview 2Alerts 3C2 4IoT 5PQC 6e-seal 7Exercise" in foot and "?Help" in foot,
             "footer lists the screens: %s" % foot.strip())
    check(t, any(ch in s for ch in "▁▂▃▄▅▆▇█"), "sparklines drawn with block characters")
    raw = tm.screen(name, escapes=True)
    check(t, re.search(COLOUR, raw), "colours when the terminal has them")


def test_alerts(t, tm, name, store, work, second):
    stored = store.count()
    tm.keys(name, "2")
    s = tm.wait(name, lambda s: event_count(s) == stored, 15)
    check(t, event_count(s) == stored and " flow " in s,
             "alerts: filled from a query with all %s stored events" % stored, s)
    if second is not None:
        rc, committed, out = offline_run(work, store, second, "second")
        want = stored + (committed or 0)
        s = tm.wait(name, lambda s: event_count(s) == want, 15)
        check(t, rc == 0 and committed and event_count(s) == want,
                 "alerts: follows the live view (%s new events committed, %s shown)" %
                 (committed, event_count(s)), s)
        stored = store.count()
    # A filter on the destination of the newest event.
    m = re.search(r"\d\d:\d\d\s+flow\s+\S+\s+([0-9.]+):\d+", s)
    if not check(t, m is not None, "alerts: a flow row with a destination", s):
        return
    dest = m.group(1)
    want = store.count("--ip", dest)
    tm.keys(name, "/")
    tm.wait(name, lambda s: "filter [" in s, 5)
    tm.type(name, "ip:%s" % dest)
    tm.keys(name, "Enter")
    s = tm.wait(name, lambda s: "match 'ip:%s'" % dest in s, 10)
    m = re.search(r"([\d,]+) of ([\d,]+) events match", s)
    shown = int(m.group(1).replace(",", "")) if m else None
    rows = [ln for ln in lines(s)[3:22] if re.match(r"\S+ \d\d:\d\d|\d\d:\d\d", ln)]
    check(t, shown == want and shown < stored and rows and all(dest in ln for ln in rows),
             "alerts: filter ip:%s narrows %s events to %s (store: %s)" %
             (dest, stored, shown, want), s)
    tm.keys(name, "Escape")
    s = tm.wait(name, lambda s: event_count(s) == stored, 10)
    check(t, event_count(s) == stored, "alerts: Esc clears the filter", s)
    tm.keys(name, "/")
    tm.type(name, "type:flow tcp")
    tm.keys(name, "Enter")
    s = tm.wait(name, lambda s: "match 'type:flow tcp'" in s, 10)
    check(t, "match 'type:flow tcp'" in s and " UDP " not in s,
             "alerts: a type and a word filter (no UDP row left)", s)
    tm.keys(name, "Escape")
    tm.keys(name, "Enter")
    s = tm.wait(name, lambda s: "details" in s and '"event_type": "flow"' in s, 5)
    check(t, '"event_type": "flow"' in s, "alerts: Enter shows the event pretty-printed", s)
    tm.keys(name, "Enter")
    s = tm.wait(name, lambda s: "details" not in s, 5)
    tm.keys(name, "?")
    s = tm.wait(name, lambda s: "mamori-console: keys" in s, 5)
    check(t, "mamori-console: keys" in s and "reload" in s and "quit" in s,
             "'?' shows the help", s)
    tm.keys(name, "x")
    s = tm.wait(name, lambda s: "mamori-console: keys" not in s, 5)
    check(t, "mamori-console: keys" not in s, "any key closes the help")


PLUGIN_SCREENS = (("3", "c2_candidate", "c2detect"), ("4", "iot_device", "iotsense"),
                  ("5", "pqc_session", "pqcinv"), ("6", "eseal_verdict", "eseal"),
                  ("7", "exercise_*", "replay"))


def test_plugin_screens(t, tm, name, store):
    for key, typ, plugin in PLUGIN_SCREENS:
        tm.keys(name, key)
        want = "no %s events yet — the %s plugin is not loaded or has found nothing" % (
            typ, plugin)
        s = tm.wait(name, lambda s: want in flat(s), 10)
        check(t, want in flat(s), "screen %s: %s" % (key, want), s)
    if not os.access(CLIENT, os.X_OK):
        t.note("%s not built: the C2 table with events is not checked" % CLIENT)
        return
    rc, out, err = mt.run([CLIENT, "send", store.ingest, "--producer", "4242", "--count", "3",
                           "--batch", "3", "--type", "c2_candidate", "--plugin", "c2detect",
                           "--ts", "%d" % (time.time() * 1e9)])
    tm.keys(name, "3")
    # A loaded machine (sanitizers, tests in parallel) may take a while to commit and redraw.
    s = tm.wait(name, lambda s: "3 c2_candidate events" in s, 30)
    check(t, rc == 0 and "3 c2_candidate events" in s and "SERVER" in s and
             s.count("198.51.100.") == 3, "screen 3: a table of the 3 c2_candidate events",
          "store_client send: exit %s %s\n%s" % (rc, (out + err)[-500:], s))
    tm.keys(name, "F2")
    s = tm.wait(name, lambda s: "Alerts" in lines(s)[0] and "c2_candidate" in s, 10)
    check(t, "c2_candidate" in s, "F2 switches to the Alerts, which show them too", s)


def test_resize(t, tm, name):
    tm.keys(name, "2")
    # Passing messages gone (they last 6 s): the screen holds still but for the clock.
    before = tm.wait(name, lambda s: "Alerts" in lines(s)[0] and
                     lines(s)[22].startswith("/ filter"), 10)
    tm.resize(name, 100, 30)
    s = tm.wait(name, lambda s: len(lines(s)) >= 30 and "7Exercise" in lines(s)[29], 10)
    ls = lines(s)
    check(t, len(ls) >= 30 and "7Exercise" in ls[29] and len(ls[0].rstrip()) > 90 and
             all(len(x) <= 100 for x in ls),
             "resized to 100x30: title across 100 columns, footer on line 30", s)
    check(t, "7Exercise" not in "".join(ls[:29]),
             "100x30: no leftover footer above the last line", s)
    tm.resize(name, 80, 24)
    after = tm.wait(name, lambda s: lines(s)[1:] == lines(before)[1:], 10)
    same = lines(after)[1:] == lines(before)[1:]
    check(t, same and all(len(x) <= 80 for x in lines(after)),
             "back to 80x24: the same screen as before the resize (clock aside)",
             None if same else ["before:"] + lines(before) + ["after:"] + lines(after))


def test_control(t, tm, name, live):
    tm.keys(name, "1")
    tm.wait(name, lambda s: "PLUGINS" in s, 5)
    tm.keys(name, "d")
    s = tm.wait(name, lambda s: "Disable plugin flowlog? y/n" in s, 5)
    check(t, "Disable plugin flowlog? y/n" in s, "d asks 'Disable plugin flowlog? y/n'", s)
    tm.keys(name, "n")
    s = tm.wait(name, lambda s: "cancelled" in s, 5)
    check(t, "cancelled" in s and re.search(r"flowlog\s+enabled", s),
             "n cancels: flowlog stays enabled", s)
    tm.keys(name, "d")
    tm.wait(name, lambda s: "y/n" in s, 5)
    tm.keys(name, "y")
    s = tm.wait(name, lambda s: re.search(r"flowlog\s+disabled", s), 10)
    rc, out, _ = ctl("plugins", "--control", live.control)
    check(t, re.search(r"flowlog\s+disabled", s) and "disable flowlog: done" in s and
             "disabled" in out, "d, y disables flowlog (mamorictl agrees)", s)
    tm.keys(name, "e")
    tm.wait(name, lambda s: "y/n" in s, 5)
    tm.keys(name, "y")
    s = tm.wait(name, lambda s: re.search(r"flowlog\s+enabled", s), 10)
    check(t, re.search(r"flowlog\s+enabled", s) is not None, "e, y enables it again", s)
    tm.keys(name, "r")
    s = tm.wait(name, lambda s: "Reload mamorid" in s, 5)
    tm.keys(name, "y")
    s = tm.wait(name, lambda s: "reload: done, generation 2" in s, 60)
    check(t, "reload: done, generation 2" in s, "r, y reloads: generation 2", s)


def test_read_only(t, tm, work, store, live):
    name = "ro"
    status = os.path.join(work, "ro.status")
    tm.start(name, [CONSOLE, "--read-only", "--control", live.control, "--store", store.query_url,
                    "--live", store.live], env="LANG=C LC_ALL=C NO_COLOR=1", status=status)
    s = tm.wait(name, lambda s: "mamorid: ok" in s and "READ-ONLY" in s, 15)
    check(t, "READ-ONLY" in lines(s)[23] and "control keys disabled" in s,
             "--read-only: the footer says so", s)
    for key in ("r", "s", "d"):
        tm.keys(name, key)
        s = tm.wait(name, lambda s: "read-only: control keys are disabled" in s, 5)
        check(t, "read-only: control keys are disabled" in s and "y/n" not in s,
                 "--read-only: '%s' is refused, no question asked" % key, s)
    raw = tm.screen(name, escapes=True)
    colours = re.findall(COLOUR, raw)
    check(t, not colours, "NO_COLOR: no colour on the screen", colours[:5])
    s = tm.screen(name)
    check(t, all(ord(c) < 128 for c in s), "LANG=C: only ASCII on the screen (sparklines too)",
             [c for c in s if ord(c) >= 128][:10])
    tm.keys(name, "q")
    wait_for(lambda: os.path.exists(status) and open(status).read().strip(), 10)
    check(t, os.path.exists(status) and open(status).read().strip() == "0",
             "read-only console: q exits 0")


def test_store_restart(t, tm, name, store, work, pcap):
    tm.keys(name, "1")
    store.stop()
    s = tm.wait(name, lambda s: "store: disconnected" in s, 10)
    check(t, "store: disconnected" in lines(s)[0] and
             re.search(r"STORE\s+disconnected", s) is not None,
             "store stopped: the screen says disconnected", s)
    tm.keys(name, "2")
    s = tm.wait(name, lambda s: "store disconnected" in s, 5)
    check(t, "store disconnected" in s, "alerts: say the store is disconnected", s)
    before = event_count(s)
    check(t, store.start(), "store restarted on the same database")
    s = tm.wait(name, lambda s: "store: ok" in s, 15)
    check(t, "store: ok" in lines(s)[0] and "following the live view" in s,
             "the console reconnects by itself", s)
    rc, committed, _ = offline_run(work, store, pcap, "third")
    want = (before or 0) + (committed or 0)
    s = tm.wait(name, lambda s: event_count(s) == want, 15)
    check(t, rc == 0 and committed and event_count(s) == want,
             "after the restart, new events arrive on the live view (%s, %s shown)" %
             (committed, event_count(s)), s)


def test_mamorid_stop(t, tm, name, live):
    tm.keys(name, "1")
    tm.wait(name, lambda s: "PLUGINS" in s, 5)
    tm.keys(name, "s")
    s = tm.wait(name, lambda s: "Stop mamorid?" in s, 5)
    tm.keys(name, "y")
    s = tm.wait(name, lambda s: "mamorid: disconnected" in s, 30)
    wait_for(lambda: live.proc.poll() is not None, 90)
    check(t, "mamorid: disconnected" in lines(s)[0] and live.proc.returncode == 0,
             "s, y stops mamorid (exit %s); the console says disconnected" %
             live.proc.returncode, s)
    check(t, "mamorid disconnected" in s, "the overview keeps the last figures and says so", s)
    check(t, live.start(), "mamorid started again")
    s = tm.wait(name, lambda s: "mamorid: ok" in s and "generation 1" in s, 20)
    check(t, "mamorid: ok" in lines(s)[0], "the console reconnects to mamorid by itself", s)


def check_reports(t, work):
    """A sanitizer report (in sanitizer builds) from a console is a failure."""
    bad = []
    for f in sorted(os.listdir(work)):
        if f.startswith("console-") and f.endswith(".stderr"):
            with open(os.path.join(work, f), errors="replace") as fh:
                bad += ["%s: %s" % (f, ln) for ln in fh.read().splitlines()
                        if "Sanitizer" in ln or "runtime error:" in ln]
    check(t, not bad, "no sanitizer reports from the consoles", bad[:10])


def main():
    if shutil.which("tmux") is None:
        mt.skip("tmux not installed: skipping (apt-get install tmux)")
    for prog in (CONSOLE, STORE, CTL, mt.MAMORID):
        if not os.access(prog, os.X_OK):
            mt.skip("%s not built: skipping" % prog)
    work = tempfile.mkdtemp(prefix="test_console.")
    t = mt.Checks(work)
    tm = Tmux(work)
    store = Store(work)
    live = LiveMamorid(work)
    try:
        test_cli(t, work)
        pcap, second = capture(work)
        if not check(t, pcap is not None, "a capture: %s" % pcap):
            return t.finish()
        if not check(t, store.start(), "mamori-store starts (%s)" % store.query_url):
            return t.finish()
        rc, committed, out = offline_run(work, store, pcap, "first")
        if not check(t, rc == 0 and committed, "mamorid --pcap %s: %s events committed" %
                        (os.path.basename(pcap), committed), out[-2000:]):
            return t.finish()
        if not check(t, live.start(), "live mamorid on net_null0 (%s)" % live.control):
            return t.finish()
        name = "main"
        status = os.path.join(work, "main.status")
        argv = [CONSOLE, "--control", live.control, "--store", store.query_url, "--live",
                store.live]
        if not check(t, tm.start(name, argv, env=UTF8, status=status),
                        "console started in tmux at 80x24"):
            return t.finish()
        test_overview(t, tm, name)
        test_alerts(t, tm, name, store, work, second)
        test_plugin_screens(t, tm, name, store)
        test_resize(t, tm, name)
        test_control(t, tm, name, live)
        test_read_only(t, tm, work, store, live)
        test_store_restart(t, tm, name, store, work, pcap)
        test_mamorid_stop(t, tm, name, live)
        tm.keys(name, "q")
        wait_for(lambda: os.path.exists(status) and open(status).read().strip(), 10)
        code = open(status).read().strip() if os.path.exists(status) else None
        check(t, code == "0", "q quits with exit status 0 (got %s)" % code)
        check_reports(t, work)
    finally:
        tm.kill()
        for p in procs.PROCS:
            stop(p)
    return t.finish()


if __name__ == "__main__":
    main()
