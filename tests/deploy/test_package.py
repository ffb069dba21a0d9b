# SPDX-License-Identifier: BSD-3-Clause
"""The Debian package, installed on this machine, run and removed.

  1. builds the package as 'make package' does, in a tree of its own under
     the build directory ($MAMORI_DEB names a ready one instead), and checks
     its control data (library dependencies from dpkg-shlibdeps, conffiles,
     maintainer scripts) and its layout (binaries in /usr/bin, every plugin
     the tree builds in /usr/lib/mamori/plugins, configuration in
     /etc/mamori, units, manual pages);
  2. installs it with 'apt-get install ./mamori_*.deb': the mamori user, the
     data directory /var/lib/mamori (0750), the units; systemd-analyze
     verify accepts them when it is present;
  3. starts mamori-store and mamorid from the installed units: with systemd
     running, systemctl; without it (containers, CI), the units' own
     ExecStart lines, run as their User= with their capabilities, limits and
     directories, so what runs is what ships;
  4. plays the demo capture (made by the installed mamori-synth) into a veth
     whose other end, in a network namespace made here, mamorid watches
     through net_af_packet; ExecReload reloads; the metrics endpoint of the
     installed configuration counts the packets; after a stop, the events
     mamorid says it delivered are in the installed store;
  5. removes, then purges the package: nothing of it is left but the data
     directory (and the mamori user that owns it).
The machine is left as found, even on failure: processes stopped, the
namespace and veth deleted, the package purged, and the user and data
directory removed when the test made them.

Needs root, apt-get, dpkg, ip netns, tcpreplay and setpriv; exits 77 when one
is missing, or when a mamori package is installed already (it is not
touched).
"""
import grp
import os
import pwd
import re
import resource
import shlex
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import mamori_test as mt  # noqa: E402

UNITDIR = "/usr/lib/systemd/system"
CONTROL = "ipc:///run/mamori/control.ipc"
QUERY = "ipc:///run/mamori/query.ipc"
METRICS = "http://127.0.0.1:9470/metrics"
PPS = os.environ.get("MAMORI_LIVE_PPS", "5000")
ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
LAYOUT = ("-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DBUILD_TESTING=OFF",
          "-DCMAKE_INSTALL_PREFIX=/usr", "-DCMAKE_INSTALL_SYSCONFDIR=/etc",
          "-DCMAKE_INSTALL_LOCALSTATEDIR=/var", "-DCMAKE_INSTALL_LIBDIR=lib")


def sh(cmd, timeout=300, **kw):
    return mt.run(cmd, timeout=timeout, env=ENV, **kw)


def build_package(t, tree):
    """The package of this source tree, built as 'make package' builds it."""
    if os.environ.get("MAMORI_DEB"):
        return os.environ["MAMORI_DEB"]
    steps = []
    if not os.path.exists(os.path.join(tree, "CMakeCache.txt")):
        steps.append(["cmake", "-S", mt.SRC, "-B", tree] + list(LAYOUT))
    steps += [["cmake", "--build", tree, "-j", "2"],
              ["cmake", "--build", tree, "--target", "man"]]
    for cmd in steps:
        rc, out, err = sh(cmd, timeout=900)
        if not t.check(rc == 0, "build: %s" % " ".join(cmd[:4]), (out + err)[-1500:]):
            return None
    for old in os.listdir(tree):
        if old.endswith(".deb"):
            os.unlink(os.path.join(tree, old))
    rc, out, err = sh(["cpack", "-G", "DEB"], cwd=tree)
    debs = [f for f in os.listdir(tree) if re.match(r"mamori_.*\.deb$", f)]
    if not t.check(rc == 0 and len(debs) == 1, "cpack -G DEB made %s" % debs, (out + err)[-1500:]):
        return None
    return os.path.join(tree, debs[0])


def inspect(t, deb, tree):
    rc, info, _ = sh(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"])
    deps = re.search(r"^Depends: (.*)$", info, re.M)
    deps = deps.group(1) if deps else ""
    for lib in ("librte-eal23", "librte-ethdev23", "libhyperscan5", "libnng1", "libsqlite3-0",
                "libjansson4", "libyaml-0-2", "libsodium23", "libncursesw6", "adduser",
                "librte-net-pcap23", "librte-net-af-packet23"):
        t.check(re.search(r"(^|, )%s( \(|,|$)" % re.escape(lib), deps) is not None,
                "Depends names %s" % lib)
    rc, out, _ = sh(["dpkg-deb", "-c", deb])
    files = set(re.sub(r"^\./", "/", line.split()[-1]) for line in out.splitlines() if line)
    for f in ("/usr/bin/mamorid", "/usr/bin/mamori-store", "/usr/bin/mamorictl",
              "/usr/bin/mamori-console", "/etc/mamori/mamorid.yaml", "/etc/mamori/store.yaml",
              UNITDIR + "/mamorid.service", UNITDIR + "/mamori-store.service",
              UNITDIR + "/mamori-central.service", "/etc/mamori/central.env",
              "/usr/lib/tmpfiles.d/mamori.conf", "/usr/share/man/man8/mamorid.8.gz",
              "/usr/share/man/man8/mamori-store.8.gz", "/usr/share/man/man1/mamorictl.1.gz",
              "/usr/share/man/man1/mamori-console.1.gz", "/usr/share/doc/mamori/operations.md"):
        t.check(f in files, "package holds %s" % f)
    built = sorted(f for f in os.listdir(os.path.join(tree, "plugins")) if f.endswith(".so")) \
        if os.path.isdir(os.path.join(tree, "plugins")) else []
    shipped = sorted(os.path.basename(f) for f in files
                     if f.startswith("/usr/lib/mamori/plugins/") and f.endswith(".so"))
    t.check(built and shipped == built or (not built and "mamori_flowlog.so" in shipped),
            "every plugin built is in /usr/lib/mamori/plugins: %s" % ", ".join(shipped))
    t.check(not [f for f in files if f.startswith("/var/") or f.startswith("/run/") or
                 f.startswith("/usr/local")],
            "nothing shipped under /var, /run or /usr/local (made at install time)")
    d = tempfile.mkdtemp(prefix="mamori-deb.")
    sh(["dpkg-deb", "-e", deb, d])
    # Read from the package: minimal systems may keep dpkg from installing manual pages.
    sh(["dpkg-deb", "-x", deb, os.path.join(d, "root")])
    for prog, sec in (("mamorid", 8), ("mamori-store", 8), ("mamorictl", 1)):
        page = os.path.join(d, "root", "usr/share/man/man%d/%s.%d.gz" % (sec, prog, sec))
        rc, out, _ = sh(["sh", "-c", "zcat %s" % shlex.quote(page)])
        t.check(rc == 0 and ".TH %s \"%d\"" % (prog.upper(), sec) in out and
                "\\-\\-help" in out and "\\-\\-version" in out,
                "man page %s(%d) is made of its --help" % (prog, sec))
    conff = open(os.path.join(d, "conffiles")).read().split() \
        if os.path.exists(os.path.join(d, "conffiles")) else []
    t.check(all("/etc/mamori/" + f in conff
                for f in ("mamorid.yaml", "store.yaml", "central.env")),
            "conffiles: %s" % " ".join(conff))
    t.check(all(os.access(os.path.join(d, s), os.X_OK) for s in ("postinst", "prerm", "postrm")),
            "maintainer scripts postinst, prerm, postrm")
    shutil.rmtree(d, ignore_errors=True)
    return sorted(f for f in files if not f.endswith("/"))


def unit(path):
    """The [Service] keys of a unit file: {key: [values]}."""
    keys, section = {}, None
    for line in open(path):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            k, v = line.split("=", 1)
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def one(keys, k, default=None):
    return keys.get(k, [default])[-1]


def start_unit(t, name, log):
    """Starts an installed unit: systemctl when systemd runs, else its ExecStart as it says."""
    if os.path.isdir("/run/systemd/system"):
        rc, _, err = sh(["systemctl", "start", name])
        t.check(rc == 0, "systemctl start %s" % name, err[-400:])
        return None
    u = unit(os.path.join(UNITDIR, name))
    user, group = one(u, "User", "root"), one(u, "Group", "root")
    for key, base in (("RuntimeDirectory", "/run"), ("StateDirectory", "/var/lib")):
        for d in " ".join(u.get(key, [])).split():
            mode = int(one(u, key + "Mode", "0755"), 8)
            path = os.path.join(base, d)
            os.makedirs(path, exist_ok=True)
            os.chown(path, pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid)
            os.chmod(path, mode)
    caps = " ".join(u.get("AmbientCapabilities", [])).split()
    capspec = ",".join("+" + c.lower().replace("cap_", "", 1) for c in caps)
    wrap = ["setpriv", "--reuid=" + user, "--regid=" + group, "--init-groups"]
    if capspec:
        wrap += ["--inh-caps=" + capspec, "--ambient-caps=" + capspec]
    if one(u, "NoNewPrivileges") == "yes":
        wrap.append("--no-new-privs")
    limits = []
    for k, res in (("LimitMEMLOCK", resource.RLIMIT_MEMLOCK),
                   ("LimitNOFILE", resource.RLIMIT_NOFILE)):
        v = one(u, k)
        if v is not None:
            v = resource.RLIM_INFINITY if v == "infinity" else int(v)
            limits.append((k, res, v))
    umask = int(one(u, "UMask", "0022"), 8)
    argv = shlex.split(one(u, "ExecStart"))
    cmd = wrap + ["--"] + argv
    t.note("%s without systemd: %s (umask %04o, %s)" % (
        name, " ".join(cmd), umask, ", ".join("%s=%s" % (k, v) for k, _, v in limits)))

    def setup():
        os.umask(umask)
        # A container may refuse raising a hard limit (no CAP_SYS_RESOURCE):
        # then the soft limit goes as high as the hard one allows.
        for _, res, v in limits:
            try:
                resource.setrlimit(res, (v, v))
            except (ValueError, OSError):
                hard = resource.getrlimit(res)[1]
                resource.setrlimit(res, (hard, hard))

    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=setup)


def owner(name, p):
    """The user a started unit's main process runs as."""
    pid = p.pid if p is not None else int(
        sh(["systemctl", "show", "-p", "MainPID", "--value", name])[1].strip() or 0)
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("Uid:"):
                return pwd.getpwuid(int(line.split()[1])).pw_name
    except (OSError, KeyError, ValueError):
        pass
    return None


def exec_reload(name):
    u = unit(os.path.join(UNITDIR, name))
    if os.path.isdir("/run/systemd/system"):
        return sh(["systemctl", "reload", name])
    return sh(["setpriv", "--reuid=" + one(u, "User", "root"), "--regid=" + one(u, "Group", "root"),
               "--init-groups", "--"] + shlex.split(one(u, "ExecReload")))


def stop_unit(name, p):
    if p is None:
        sh(["systemctl", "stop", name])
        return 0
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(90)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def wait_for(pred, timeout, step=0.2):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return True
        time.sleep(step)
    return False


def scrape():
    try:
        with urllib.request.urlopen(METRICS, timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""


def metric(text, name, label=None):
    for line in text.splitlines():
        m = re.match(r"^%s(\{[^}]*\})? (\S+)$" % re.escape(name), line)
        if m and (label is None or (m.group(1) and label in m.group(1))):
            return float(m.group(2))
    return None


def configure_live(iface):
    """Points the installed mamorid at iface, as an administrator would."""
    path = "/etc/mamori/mamorid.yaml"
    conf = open(path).read()
    conf = conf.replace('lcores: "0"\n', 'lcores: "0@0,1@1"\n', 1)
    conf += ("\nports:\n  - dev: \"net_af_packet0,iface=%s\"\n    rx_queues: 1\n" % iface)
    open(path, "w").write(conf)


def main():
    if os.geteuid() != 0:
        mt.skip("not root: installing a package needs root; skipping")
    for tool in ("apt-get", "dpkg", "dpkg-deb", "cpack", "ip", "tcpreplay", "setpriv", "prlimit"):
        if shutil.which(tool) is None:
            mt.skip("%s not available: skipping" % tool)
    rc, out, _ = mt.run(["dpkg-query", "-W", "-f=${Status}", "mamori"])
    if "installed" in out or "config-files" in out:
        mt.skip("a mamori package is installed on this machine already: left alone; skipping")
    if mt.run(["ip", "netns", "list"])[0] != 0:
        mt.skip("'ip netns' is unavailable: skipping")
    run_before = os.stat("/run/mamori") if os.path.isdir("/run/mamori") else None
    if run_before is not None and os.listdir("/run/mamori"):
        mt.skip("/run/mamori holds sockets: another Mamori runs on this machine; skipping")
    had_user = True
    try:
        pwd.getpwnam("mamori")
    except KeyError:
        had_user = False
    # A data directory already there (made by hand, or by other runs) is put back as found.
    data_before = os.stat("/var/lib/mamori") if os.path.isdir("/var/lib/mamori") else None
    data_files = set(os.listdir("/var/lib/mamori")) if data_before else set()

    work = tempfile.mkdtemp(prefix="test_package.")
    t = mt.Checks(work)
    tree = os.path.join(mt.BUILD, "deploy-package")
    ns, vh, vn = "mmpkg%d" % os.getpid(), "mmph%d" % (os.getpid() % 100000), \
        "mmpn%d" % (os.getpid() % 100000)
    procs = {}
    installed = False
    skipped = None
    try:
        deb = build_package(t, tree)
        if deb is None:
            return
        shipped = inspect(t, deb, tree)

        # 2. Install.
        rc, out, err = sh(["apt-get", "install", "-y", "-q", "--no-install-recommends", deb])
        installed = True
        if not t.check(rc == 0, "apt-get install %s" % os.path.basename(deb), (out + err)[-1500:]):
            return
        try:
            pw = pwd.getpwnam("mamori")
            st = os.stat("/var/lib/mamori")
            t.check(st.st_uid == pw.pw_uid and stat.S_IMODE(st.st_mode) == 0o750 and
                    pw.pw_shell.endswith("nologin"),
                    "system user mamori (no login) owns /var/lib/mamori, mode 0750")
        except (KeyError, OSError) as e:
            t.check(False, "system user mamori and /var/lib/mamori: %s" % e)
        wants = "/etc/systemd/system/multi-user.target.wants/"
        t.check(os.path.lexists(wants + "mamorid.service") and
                os.path.lexists(wants + "mamori-store.service") and
                not os.path.lexists(wants + "mamori-central.service"),
                "mamorid and mamori-store enabled; mamori-central (central host only) not")
        if shutil.which("systemd-analyze"):
            rc, out, err = sh(["systemd-analyze", "verify", UNITDIR + "/mamorid.service",
                               UNITDIR + "/mamori-store.service",
                               UNITDIR + "/mamori-central.service"])
            # Outside a booted systemd, verify also reports the host's own missing units.
            own = [ln for ln in (out + err).splitlines() if "mamori" in ln]
            t.check(not own, "systemd-analyze verify: no complaint about the mamori units",
                    own[:6])

        # 3. Start the services from their units, on a live link.
        ok = True
        for cmd in (["ip", "netns", "add", ns],
                    ["ip", "link", "add", vh, "type", "veth", "peer", "name", vn],
                    ["ip", "link", "set", vn, "netns", ns],
                    ["ip", "netns", "exec", ns, "sysctl", "-qw",
                     "net.ipv6.conf.%s.disable_ipv6=1" % vn],
                    ["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % vh],
                    ["ip", "link", "set", vh, "mtu", "9000", "up"],
                    ["ip", "netns", "exec", ns, "ip", "link", "set", vn, "mtu", "9000", "up"]):
            rc, _, err = sh(cmd)
            ok = ok and rc == 0
        if not ok:
            skipped = "cannot make a network namespace and a veth pair here (%s): skipping" % (
                err.strip())
            return
        configure_live(vh)
        pcap = os.path.join(work, "demo.pcap")
        rc, out, err = sh(["/usr/bin/mamori-synth", "-s", "demo", "-d", "300", "-n", "20", "-q",
                           "-w", pcap])
        t.check(rc == 0, "installed mamori-synth wrote the demo capture", err[-300:])
        logs = {n: open(os.path.join(work, n + ".log"), "w+") for n in ("store", "mamorid")}
        procs["mamori-store.service"] = start_unit(t, "mamori-store.service", logs["store"])
        t.check(wait_for(lambda: os.path.exists("/run/mamori/ingest.ipc"), 30),
                "mamori-store listens on /run/mamori/ingest.ipc")
        procs["mamorid.service"] = start_unit(t, "mamorid.service", logs["mamorid"])
        up = wait_for(lambda: metric(scrape(), "mamori_info") == 1, 60)
        if not t.check(up, "mamorid serves metrics on %s" % METRICS):
            logs["mamorid"].seek(0)
            print(logs["mamorid"].read()[-2000:])
            return
        rc, out, _ = sh(["/usr/bin/mamorictl", "status", "--control", CONTROL])
        t.check(rc == 0 and "live" in out, "mamorictl status over %s: live" % CONTROL, out[-300:])
        st = os.stat("/run/mamori")
        t.check(stat.S_IMODE(st.st_mode) == 0o750 and
                st.st_uid == pwd.getpwnam("mamori").pw_uid,
                "/run/mamori is mamori's, mode 0750")
        users = [owner(name, p) for name, p in procs.items()]
        t.check(users and all(u == "mamori" for u in users),
                "mamorid and mamori-store run as user mamori (%s)" % " ".join(map(str, users)))

        # 4. Traffic, reload, metrics, events.
        count = int(sh(["capinfos", "-c", "-M", pcap])[1].split()[-1]) \
            if shutil.which("capinfos") else None
        rc, out, err = sh(["ip", "netns", "exec", ns, "tcpreplay", "--pps=" + PPS, "-i", vn, pcap],
                          timeout=180)
        t.check(rc == 0, "tcpreplay --pps=%s played the demo capture (%s packets)" % (PPS, count),
                err[-300:])
        text = ""

        def seen():
            nonlocal text
            text = scrape()
            v = metric(text, "mamori_port_rx_packets_total")
            return v is not None and count is not None and v >= count

        wait_for(seen, 20)
        rx = metric(text, "mamori_port_rx_packets_total")
        t.check(rx is not None and rx > 0 and (count is None or rx >= 0.98 * count),
                "metrics: port 0 received %s of %s packets" % (rx, count))
        t.check((metric(text, "mamori_flows_created_total") or 0) > 0,
                "metrics: flows created (%s)" % metric(text, "mamori_flows_created_total"))
        rc, out, err = exec_reload("mamorid.service")
        t.check(rc == 0 and metric(scrape(), "mamori_config_generation") == 2,
                "ExecReload: the configuration is reloaded in place (generation 2)",
                (out + err)[-300:])
        rc = stop_unit("mamorid.service", procs.pop("mamorid.service"))
        t.check(rc == 0, "mamorid stops on SIGTERM (exit %s)" % rc)
        logs["mamorid"].seek(0)
        mlog = logs["mamorid"].read()
        m = re.search(r"(\d+) events committed", mlog)
        committed = int(m.group(1)) if m else None
        db = sqlite3.connect("file:/var/lib/mamori/store.db?mode=ro", uri=True)
        rows = dict(db.execute("SELECT event_type, count(*) FROM events GROUP BY event_type"))
        db.close()
        t.check(committed and sum(rows.values()) == committed and rows.get("flow", 0) > 0,
                "/var/lib/mamori/store.db holds the %s events mamorid delivered: %s" % (
                    committed, rows))
        rc, out, err = sh(["/usr/bin/mamorictl", "events", "--count", "--store", QUERY])
        stored = int(out.split()[-1]) if rc == 0 and out.split() and \
            out.split()[-1].isdigit() else None
        t.check(committed and stored == committed,
                "mamorictl events --count over %s: %s, as delivered (%s)" % (
                    QUERY, stored, committed), mlog.strip().splitlines()[-1:] + [out + err])
        rc, out, err = sh(["/usr/bin/mamorictl", "events", "--type", "flow", "--count",
                           "--store", QUERY])
        t.check(rc == 0 and out.split() and out.split()[-1].isdigit() and int(out.split()[-1]) > 0,
                "flow events from the demo traffic in the store (%s)" % out.strip())
        rc = stop_unit("mamori-store.service", procs.pop("mamori-store.service"))
        t.check(rc == 0, "mamori-store stops on SIGTERM (exit %s)" % rc)

        # 5. Remove, then purge.
        rc, out, err = sh(["apt-get", "remove", "-y", "-q", "mamori"])
        t.check(rc == 0 and not os.path.exists("/usr/bin/mamorid") and
                not os.path.exists("/usr/lib/mamori") and
                not os.path.exists(UNITDIR + "/mamorid.service"),
                "apt-get remove: binaries, plugins and units gone", (out + err)[-600:])
        t.check(os.path.exists("/etc/mamori/mamorid.yaml"),
                "after remove the edited configuration stays (conffile)")
        rc, out, err = sh(["apt-get", "purge", "-y", "-q", "mamori"])
        installed = rc != 0
        left = [p for p in shipped + ["/etc/mamori", "/run/mamori", "/usr/lib/mamori",
                                      "/usr/share/doc/mamori", wants + "mamorid.service",
                                      wants + "mamori-store.service"]
                if os.path.lexists(p)]
        t.check(rc == 0 and not left,
                "apt-get purge: none of the %d files shipped, no directory, no unit "
                "link is left" % len(shipped), left[:10])
        q = mt.run(["dpkg-query", "-W", "-f=${Status}", "mamori"])[1]
        t.check("installed" not in q and "config-files" not in q,
                "dpkg knows no mamori any more (%s)" % (q or "absent"))
        t.check(os.path.exists("/var/lib/mamori/store.db"),
                "the data directory stays: /var/lib/mamori/store.db")
    finally:
        for name, p in list(procs.items()):
            stop_unit(name, p)
        sh(["ip", "netns", "del", ns])
        sh(["ip", "link", "del", vh])
        if installed:
            sh(["apt-get", "purge", "-y", "-q", "mamori"])
        shutil.rmtree("/run/mamori", ignore_errors=True)
        if run_before is not None:
            os.mkdir("/run/mamori", stat.S_IMODE(run_before.st_mode))
            os.chown("/run/mamori", run_before.st_uid, run_before.st_gid)
        if data_before is None:
            shutil.rmtree("/var/lib/mamori", ignore_errors=True)
        elif os.path.isdir("/var/lib/mamori"):
            for f in set(os.listdir("/var/lib/mamori")) - data_files:
                path = os.path.join("/var/lib/mamori", f)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            os.chown("/var/lib/mamori", data_before.st_uid, data_before.st_gid)
            os.chmod("/var/lib/mamori", stat.S_IMODE(data_before.st_mode))
        if not had_user:
            sh(["deluser", "--system", "--quiet", "mamori"])
            sh(["delgroup", "--system", "--quiet", "mamori"])
        if skipped:
            mt.skip(skipped)
        t.finish()


if __name__ == "__main__":
    main()
