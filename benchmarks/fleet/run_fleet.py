# SPDX-License-Identifier: BSD-3-Clause
"""benchmarks/fleet: starts PostgreSQL, a 3-node NATS JetStream cluster and
the central mamori-store (tests/fleet/fleet_lib.py), runs bench_fleet, and
prints its figures and the BENCH line."""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "fleet"))
import fleet_lib as fl  # noqa: E402

GOAL = 20000
BUILD = os.environ["MAMORI_BUILD"]


def cpu(nats, pg, store):
    """CPU seconds so far of each part: the three NATS servers, PostgreSQL (every
    backend), the central store, and the driver (children of this script)."""
    return {"nats": sum(fl.tree_cpu(p.pid) for p in nats.procs if p is not None),
            "pg": fl.tree_cpu(pg.proc.pid),
            "store": fl.tree_cpu(store.proc.pid),
            "driver": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime +
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime}


def main():
    why = fl.missing_servers()
    if why:
        print("fleet: %s" % why, file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="mamori-fleet-bench-")
    os.chmod(work, 0o755)
    pg = fl.Postgres(work)
    nats = fl.NatsCluster(work, 3)
    store = None
    try:
        pg.start()
        nats.start_all()
        store = fl.CentralStore(BUILD, work, pg, nats.urls(), replicas=3, ack_wait=30,
                                batch=1000)
        if not store.start():
            print("fleet: the central store did not start:\n" + store.log_text()[-2000:],
                  file=sys.stderr)
            return 1
        print("fleet: PostgreSQL 15 (fsync off) on 127.0.0.1:%d; NATS %s (R3 stream); "
              "central store batch 1000" % (pg.port, ",".join(nats.urls())))
        cmd = [os.path.join(BUILD, "benchmarks", "fleet", "bench_fleet"),
               "--nats", ",".join(nats.urls()), "--live", "ipc://%s/live.ipc" % store.rundir,
               "--conninfo", pg.conninfo(), "--spool-dir", work,
               "--count", os.environ.get("FLEET_COUNT", "200000"),
               "--rate", os.environ.get("FLEET_RATE", "2000"),
               "--seconds", os.environ.get("FLEET_SECONDS", "10")]
        before = cpu(nats, pg, store)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
        after = cpu(nats, pg, store)
        out = r.stdout.decode(errors="replace")
        print(out.rstrip())
        events = int(cmd[cmd.index("--count") + 1]) + \
            int(cmd[cmd.index("--rate") + 1]) * int(cmd[cmd.index("--seconds") + 1])
        used = {k: (after[k] - before[k]) * 1e6 / events for k in after}
        print("cpu: %.0f us/event: NATS servers %.0f, PostgreSQL %.0f, central store %.0f, "
              "driver and exporter %.0f (%d events of both runs)" %
              (sum(used.values()), used["nats"], used["pg"], used["store"], used["driver"],
               events))
        st = store.stats()
        if st is None:
            rc = store.proc.poll()
            print("fleet: the central store is not answering (%s); its log ends:\n" %
                  ("running" if rc is None else "exited with status %d" % rc if rc >= 0 else
                   "killed by signal %d" % -rc) + store.log_text()[-2000:], file=sys.stderr)
        print("fleet: store ingest %s" % (st or {}).get("ingest"))
        m = re.search(r"throughput: .*: (\d+) events/s", out)
        if r.returncode != 0 or m is None:
            print("fleet: the driver failed", file=sys.stderr)
            return 1
        ours = int(m.group(1))
        print("BENCH fleet: ours=%d events/s peer(goal)=%d events/s ratio=%.2f" %
              (ours, GOAL, ours / GOAL))
        return 0
    finally:
        fl.stop_all(store, nats, pg)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
