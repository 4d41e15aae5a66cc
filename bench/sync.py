"""`make bench`, the sync: 1,000 sheets over a serial line paced at 115200 8N1 (payload bytes
a second against the line rate), beside ZMODEM (lrzsz's sz and rz) moving the same bytes
over the same paced line; the host's ingest rate with verification; look-ups in a
1,000,000-entry opposition list under micropython; exactly once over 1,000 faulty runs.
Figures for reading, never pass/fail."""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emulator.interpreters import micropython_command, micropython_env
from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from firmware.opposition import FlashOppositionList
from host_agent.client import LinkClient
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.sync_parts import Batch, Progress, load_root
from host_agent.transport import open_port
from hw._compat import mount_littlefs
from hw.flash import NorFlash
from protocol.record_stream import SHEET, entry
from tests import sync_kit as kit

ROOT = Path(__file__).resolve().parent.parent
FROZEN32 = ROOT / "build" / "firmware" / "out" / "micropython-tla32"
SHEETS = 1000
BAUD = 115200
LINE = BAUD / 10  # bytes a second: 8N1 sends 10 bits a byte
OPPOSITION = 1000000
OPPOSITION_BLOCKS = 2048  # 8 MiB of flash: 5 MB of list, and room to update it
FAULTY_SEEDS = 1000


class _Clock(Progress):
    """When the pull began and when its last sheet arrived."""

    def __init__(self):
        self.pull = None
        self.last = None
        self.sheets = 0

    def stage(self, text):
        if text.startswith("pulling") and self.pull is None:
            self.pull = time.monotonic()

    def advance(self, sheets, nbytes):
        self.sheets += sheets
        self.last = time.monotonic()


def paced_sync(interpreter, image, saved, tmp):
    """Sync the terminal whose flash is `image` over a paced pty; prints the figures.
    `interpreter` "frozen32": make firmware's 32-bit build, which compresses."""
    bridge = PtyBridge(baud=BAUD).start()
    options = {"binary": str(FROZEN32)} if interpreter == "frozen32" else {}
    terminal = make_terminal(
        "micropython" if interpreter == "frozen32" else interpreter,
        bridge.terminal_path,
        serial_number=kit.SERIAL,
        flash_path=str(image),
        **options,
    )
    try:
        terminal.start()
        terminal.wait_event("READY", 30)
        terminal.set_time(kit.NOW)
        store = Store(tmp / ("%s.db" % interpreter))
        kit.pair_over_port(terminal, store, bridge.host_path)
        time.sleep(0.3)
        link = LinkClient(open_port(bridge.host_path))
        clock = _Clock()
        before = dict(bridge.bytes)
        t0 = time.monotonic()
        summary = Syncer(store, load_root(kit.write_root(tmp)), link, progress=clock).run()
        total = time.monotonic() - t0
        link.port.close()
    finally:
        terminal.stop()
        bridge.close()
    payload = sum(len(b) for b in saved.values())
    pull = clock.last - clock.pull
    line = bridge.bytes["t2h"] - before["t2h"]
    print(
        "%s terminal: %d sheets (%d bytes of signed bundles) filed in %.1f s, of which the "
        "pull took %.1f s" % (interpreter, summary.filed, payload, total, pull)
    )
    print(
        "  payload %.0f bytes/s = %.3f of the line rate (%d bytes/s); the terminal sent %d "
        "bytes in all (the line busy %.3f of the whole sync, HELLO and AUTH included); %d "
        "stream restarts"
        % (payload / pull, payload / pull / LINE, LINE, line, line / total / LINE, summary.restarts)
    )
    wire, plain = summary.stream_bytes
    if summary.deflate:
        print(
            "  deflated (window 2^%d): the RECORDS frames carried %d bytes for %d stream "
            "bytes, %.2f times smaller" % (summary.deflate, wire, plain, plain / wire)
        )
    else:
        print(
            "  not deflated: %s" % (summary.deflate_dropped or "the terminal offers no compression")
        )
    return payload


def zmodem(tmp, data):
    """sz -> rz of `data` over the same paced line; prints the figures."""
    if not shutil.which("sz") or not shutil.which("rz"):
        print("ZMODEM: sz/rz not found (apt-get install lrzsz)")
        return
    src = tmp / "sheets.bin"
    src.write_bytes(data)
    into = tmp / "rz"
    into.mkdir()
    bridge = PtyBridge(baud=BAUD).start()
    try:
        with (
            open(bridge.host_path, "r+b", buffering=0) as host,
            open(bridge.terminal_path, "r+b", buffering=0) as term,
        ):
            t0 = time.monotonic()
            rz = subprocess.Popen(
                ["rz", "-b", "-y", "-q"],
                stdin=host,
                stdout=host,
                cwd=into,
                stderr=subprocess.DEVNULL,
            )
            sz = subprocess.Popen(
                ["sz", "-b", "-q", str(src)], stdin=term, stdout=term, stderr=subprocess.DEVNULL
            )
            sz.wait(600)
            rz.wait(60)
            seconds = time.monotonic() - t0
    finally:
        bridge.close()
    got = (into / "sheets.bin").read_bytes() if (into / "sheets.bin").exists() else b""
    print(
        "ZMODEM (sz -b | rz -b, lrzsz): %d bytes in %.1f s: %.0f bytes/s = %.3f of the line "
        "rate; %s; the line carried %d bytes"
        % (
            len(data),
            seconds,
            len(data) / seconds,
            len(data) / seconds / LINE,
            "received intact" if got == data else "NOT received intact",
            bridge.bytes["t2h"],
        )
    )


def compressor(tmp, saved):
    """The terminal's compressor alone, under each interpreter (bench/deflate_portable.py)."""
    stream = tmp / "stream.bin"
    stream.write_bytes(b"".join(entry(SHEET, saved[r]) for r in sorted(saved)))
    runs = [
        ("cpython", [sys.executable], None),
        ("micropython", [micropython_command()], micropython_env()),
    ]
    if FROZEN32.exists():
        runs.append(("frozen32", [str(FROZEN32)], micropython_env()))
    for name, cmd, env in runs:
        out = subprocess.run(
            cmd + [str(ROOT / "bench" / "deflate_portable.py"), str(ROOT), str(stream)],
            env=env, capture_output=True, text=True, cwd=tmp, timeout=600,
        )  # fmt: skip
        print("compressor under %s: %s" % (name, (out.stdout + out.stderr).strip()))


def ingest(tmp, saved):
    """Verification and filing alone, as the sync does them (no line): sheets a second."""
    store = Store(tmp / "ingest.db")
    syncer = Syncer(store, load_root(kit.write_root(tmp)), None, wall_clock=lambda: kit.NOW)
    syncer.serial = kit.SERIAL
    syncer.terminal_id = store.terminal(kit.SERIAL)
    syncer.sync_id = store.start_sync(syncer.terminal_id)
    batch = Batch()
    for name in kit.PATIENTS + ("nurse",):
        card = kit.lots_kit.card(name)
        if card.key is not None:
            batch.certs.append(card.cert)
    store.commit_batch(syncer.terminal_id, syncer.sync_id, batch)
    syncer._load_certificates()
    today = 20261118
    t0 = time.perf_counter()
    verify_s = 0.0
    batch = Batch()
    for rec_no, data in saved.items():
        v0 = time.perf_counter()
        verified, reason = syncer.verify(rec_no, data, today)
        verify_s += time.perf_counter() - v0
        batch.add(rec_no, data, verified, reason)
        if len(batch) >= 64:
            store.commit_batch(syncer.terminal_id, syncer.sync_id, batch)
            batch = Batch()
    store.commit_batch(syncer.terminal_id, syncer.sync_id, batch)
    seconds = time.perf_counter() - t0
    filed = store.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0]
    print(
        "host ingest: %d sheets verified (signatures, chains to the root, R161-42 items) and "
        "filed in %.2f s: %.0f sheets/s (verification %.2f s, SQLite commits of 64 with "
        "synchronous=FULL %.2f s)" % (filed, seconds, filed / seconds, verify_s, seconds - verify_s)
    )


def opposition(tmp):
    image = tmp / "opposition.img"
    with open(image, "w+b") as store:
        fs = mount_littlefs(NorFlash(store, block_count=OPPOSITION_BLOCKS))
        opp = FlashOppositionList(fs)
        # Serials 1000000000 + 7 k: bench/opposition_portable.py probes them and their gaps.
        opp.seed("%010d" % (1000000000 + 7 * k) for k in range(OPPOSITION))
    for name, cmd, env in (
        ("cpython", [sys.executable], None),
        ("micropython", [micropython_command()], micropython_env()),
    ):
        out = subprocess.run(
            cmd
            + [
                str(ROOT / "bench" / "opposition_portable.py"),
                str(ROOT),
                str(image),
                str(OPPOSITION_BLOCKS),
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        print("%s: %s" % (name, (out.stdout or out.stderr).strip()))


def exactly_once():
    from tests.test_sync_faults import run_seeds

    t0 = time.monotonic()
    results = run_seeds(range(FAULTY_SEEDS))
    failed = [seed for seed, problems, _ in results if problems]
    total: dict = {}
    for _, _, stats in results:
        for key, value in stats.items():
            for k, v in value.items() if isinstance(value, dict) else [(key, value)]:
                total[k] = total.get(k, 0) + v
    print(
        "exactly once: %d seeded runs, %d failed%s, %.0f s; %d sheets, %d sync attempts (%d "
        "stopped by faults, agent killed %d times, terminal rebooted %d times), frames "
        "dropped %d, bit-flipped %d, truncated %d, duplicated %d, cable pulled %d times"
        % (
            len(results),
            len(failed),
            " (seeds %s)" % failed[:10] if failed else "",
            time.monotonic() - t0,
            total["sheets"],
            total["attempts"],
            total["failed"],
            total["killed"],
            total["reboots"],
            total["drop"],
            total["flip"],
            total["truncate"],
            total["duplicate"],
            total["cut"],
        )
    )


def main():
    with tempfile.TemporaryDirectory(prefix="tla-bench-sync-") as name:
        tmp = Path(name)
        image = tmp / "flash.img"
        t0 = time.monotonic()
        saved = kit.flash_image(image, SHEETS)
        print(
            "%d signed sheets written into a terminal's journal in %.1f s (%d to %d bytes)"
            % (
                SHEETS,
                time.monotonic() - t0,
                min(map(len, saved.values())),
                max(map(len, saved.values())),
            )
        )
        for interpreter in ("cpython", "micropython", "frozen32"):
            if interpreter == "frozen32" and not FROZEN32.exists():
                print("frozen32 terminal: skipped (run `make firmware`)")
                continue
            run = tmp / interpreter
            run.mkdir()
            copy = run / "flash.img"
            shutil.copy(image, copy)
            paced_sync(interpreter, copy, saved, run)
        zmodem(tmp, b"".join(saved[r] for r in sorted(saved)))
        compressor(tmp, saved)
        ingest(tmp, saved)
        opposition(tmp)
    exactly_once()


if __name__ == "__main__":
    main()
