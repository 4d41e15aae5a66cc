"""`make bench ARGS=ingest` (issue 19 item 6): the PC's ingest rate, sheets a second verified
(both signatures, the chains to the root, the R161-42 items: host_agent/verify.py) and
committed by batches of 64 as the sync commits them (host_agent/store/sheets.py), into SQLite
and into PostgreSQL, by 1, 2 and 4 agent processes at once, each unloading a terminal of its
own; the single-core verification limit in the same run; the resident memory of one agent
at 10,000 and 100,000 sheets. No line: the serial link's rate is `make bench ARGS=sync`'s.

PostgreSQL here is a server of the bench's own (tests/postgres_kit.py) with durability ON
(fsync, synchronous commits, full pages), as a practice runs it; SQLite is the agent's own
file (WAL, synchronous=FULL). Figures for reading, never pass/fail.
"""

import json
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEETS = 10000  # per run, shared between the agents
LONG = 100000  # one agent's memory after this many
AGENTS = (1, 2, 4)
BATCH = 64  # host_agent/sync.BATCH_SHEETS


def serial_of(n: int) -> str:
    return "TLA-BENCH-%02d" % n


def write_sheets(path: Path, serial: str, n: int) -> None:
    """`n` signed sheets of terminal `serial` (tests/lots_kit.py's nurse and patients),
    length-prefixed in `path`: a worker streams them, holding one at a time."""
    from tests import lots_kit as kit

    with open(path, "wb") as f:
        for order_no in range(1, n + 1):
            patient = kit.PATIENTS[order_no % len(kit.PATIENTS)]
            sheet = kit.make_sheet("nurse", patient, order_no, kit.DAY, order_no % 3 == 0)
            sheet.terminal = serial
            signed = kit.sign(sheet, "nurse", patient)
            f.write(struct.pack(">I", len(signed)) + signed)


def read_sheets(path: Path):
    with open(path, "rb") as f:
        rec_no = 0
        while True:
            head = f.read(4)
            if not head:
                return
            rec_no += 1
            yield rec_no, f.read(struct.unpack(">I", head)[0])


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(where: str, serial: str, sheets: str, root: str, store_it: bool) -> dict:
    """One agent's ingest (the sync's verify and commit_batch, no line): its figures."""
    from host_agent.store import Store
    from host_agent.sync import Syncer
    from host_agent.sync_parts import Batch, load_root
    from tests import lots_kit as kit

    store = Store(where) if store_it else None
    syncer = Syncer(store, load_root(Path(root)), None, wall_clock=lambda: kit.NOW)
    syncer.serial = serial
    certs = Batch()
    for name in kit.PATIENTS + ("nurse",):
        card = kit.card(name)
        if card.key is not None:
            certs.certs.append(card.cert)
    if store is not None:
        syncer.terminal_id = store.terminal(serial)
        syncer.sync_id = store.start_sync(syncer.terminal_id)
        store.commit_batch(syncer.terminal_id, syncer.sync_id, certs)
        syncer._load_certificates()
    else:
        for der in certs.certs:
            from protocol import bundle

            syncer._know(bundle.cert_id(der), der)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()  # every agent starts at once
    t0 = time.perf_counter()
    verify_s = commit_s = 0.0
    rss = {}
    filed = 0
    batch = Batch()
    for rec_no, data in read_sheets(Path(sheets)):
        v0 = time.perf_counter()
        batch.add(rec_no, data, *syncer.verify(rec_no, data, kit.DAY))
        verify_s += time.perf_counter() - v0
        if len(batch) >= BATCH:
            c0 = time.perf_counter()
            if store is not None:
                filed += len(store.commit_batch(syncer.terminal_id, syncer.sync_id, batch)[0])
            commit_s += time.perf_counter() - c0
            batch = Batch()
        if rec_no in (10000, 100000):
            rss[rec_no] = rss_kib()
    if store is not None and len(batch):
        filed += len(store.commit_batch(syncer.terminal_id, syncer.sync_id, batch)[0])
    return {
        "seconds": time.perf_counter() - t0,
        "verify_s": verify_s,
        "commit_s": commit_s,
        "filed": filed,
        "rss": rss,
    }


def _start(where, serial, sheets, root, store_it=True):
    return subprocess.Popen(
        [sys.executable, "-m", "bench.ingest", "--worker", where, serial, str(sheets), root]
        + ([] if store_it else ["--verify-only"]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def run_agents(where, files, root, store_it=True) -> tuple:
    """Start one worker per sheets file, let them go at once; (wall seconds, their figures)."""
    procs = [_start(where, serial, path, root, store_it) for serial, path in files]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        t0 = time.perf_counter()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = [
            json.loads(p.communicate(timeout=3600)[0].strip().splitlines()[-1]) for p in procs
        ]
        return time.perf_counter() - t0, results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    from tests import postgres_kit, sync_kit

    with tempfile.TemporaryDirectory(prefix="tla-bench-ingest-") as name:
        tmp = Path(name)
        root = str(sync_kit.write_root(tmp))
        t0 = time.monotonic()
        files = {}
        for k in AGENTS:
            for i in range(k):
                key = (k, i)
                files[key] = (serial_of(i), tmp / ("sheets-%d-%d.bin" % key))
                write_sheets(files[key][1], serial_of(i), SHEETS // k)
        print("signed sheets for the runs written in %.1f s" % (time.monotonic() - t0))
        wall, (alone,) = run_agents("", [files[(1, 0)]], root, store_it=False)
        limit = SHEETS / alone["verify_s"]
        print(
            "single-core verification limit: %d sheets verified in %.2f s: %.0f sheets/s "
            "(one process, no database)" % (SHEETS, alone["verify_s"], limit)
        )
        server = None
        why = postgres_kit.missing()
        if not why:
            server = postgres_kit.Server(durable=True).start()
        try:
            for backend in ("sqlite", "postgresql"):
                if backend == "postgresql" and server is None:
                    print("postgresql: skipped (%s)" % why)
                    continue
                for k in AGENTS:
                    if backend == "sqlite":
                        where = str(tmp / ("ingest-%d.db" % k))
                    else:
                        where = server.new_database()
                    chosen = [files[(k, i)] for i in range(k)]
                    wall, results = run_agents(where, chosen, root)
                    filed = sum(r["filed"] for r in results)
                    print(
                        "%s, %d agent%s: %d sheets verified and committed in %.2f s: %.0f "
                        "sheets/s (per agent: verification %s s, commits %s s)"
                        % (
                            backend,
                            k,
                            "s" if k > 1 else "",
                            filed,
                            wall,
                            filed / wall,
                            "/".join("%.2f" % r["verify_s"] for r in results),
                            "/".join("%.2f" % r["commit_s"] for r in results),
                        )
                    )
            long_file = tmp / "sheets-long.bin"
            write_sheets(long_file, serial_of(9), LONG)
            where = server.new_database() if server is not None else str(tmp / "long.db")
            wall, (long_run,) = run_agents(where, [(serial_of(9), long_file)], root)
            print(
                "one agent, %d sheets into %s in %.1f s (%.0f sheets/s): resident memory "
                "%s"
                % (
                    long_run["filed"],
                    "postgresql" if server is not None else "sqlite",
                    wall,
                    long_run["filed"] / wall,
                    ", ".join(
                        "%d KiB at %d sheets" % (v, int(n))
                        for n, v in sorted(long_run["rss"].items(), key=lambda x: int(x[0]))
                    ),
                )
            )
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        where, serial, sheets, root = sys.argv[2:6]
        print(json.dumps(worker(where, serial, sheets, root, "--verify-only" not in sys.argv)))
    else:
        main()
