"""The power-cut bench, after littlefs' linear power-loss runner: a workload is replayed with
the power cut at flash write 1, 2, ... to its end; after each cut the terminal boots again,
recovers and finishes the work, and a checker holds the journal to every promise made.

Each cut runs in a child, as real power loss: on CPython a fork that writes every flash
operation through to an image file and ends with os._exit at the cut (littlefs-python can
abort the process if a block-device callback raises); on MicroPython a fresh `micropython`
process whose flash refuses every write from the cut on. The children report their
promises ("saved no. N", acknowledgements, access-log entries) with the operation count;
this process mounts a fresh filesystem on the image and checks. A failure prints an id,
`<interpreter>-s<seed>-c<cut>`, that `tla-emu replay ID` runs again. docs/journal.md.
"""

import hashlib
import io
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from emulator.cards import fixtures
from emulator.cardserver import CardServer
from emulator.powercut_child import CutBoard, load_workload
from emulator.powercut_child import run as run_child
from emulator.terminal import code_root, free_port, micropython_command, micropython_env
from firmware.accesslog_flash import AccessLogError
from firmware.journal import ACKED, PURGED, REJECTED, day_number
from hw.flash import NorFlash

DEFAULT_WORKLOAD = "emulator.workday:SyntheticDay"
if str(code_root()) not in sys.path:
    sys.path.append(str(code_root()))  # workloads named module:Class from the project tree
BLOCKS = 128  # 512 KiB of 4 KiB blocks: plenty for a day, quick to copy and mount
BLOCK_SIZE = 4096
INTERPRETERS = ("cpython", "micropython")
ID_PATTERN = re.compile(r"^(cpython|micropython)-s(\d+)-c(\d+)$")


def cut_id(interpreter, seed, cut) -> str:
    return "%s-s%d-c%d" % (interpreter, seed, cut)


def tear_for(seed, cut) -> int:
    """Bytes of the interrupted write that still land: none with seed 0; with another seed
    a pseudo-random 0..159 (a 128-byte program is torn anywhere, or lands whole)."""
    if not seed:
        return 0
    x = (seed * 2654435761 + cut * 40503) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 2246822519) & 0xFFFFFFFF
    x ^= x >> 13
    return x % 160


# ---------------------------------------------------------------- children


def _child_cpython(image, cut, tear, spec, seed, blocks):
    """Fork; the child runs the workload and ends at the cut with os._exit. Lines back.
    A workload that plays visits gets virtual cards in simulated slots."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(r)

        def out(line):
            os.write(w, (line + "\n").encode())

        def on_cut(n):
            out("%d CUT" % n)
            os._exit(0)

        code = 0
        try:
            workload = load_workload(spec, seed)
            hands = None
            if getattr(workload, "cards", False):
                from emulator.scenario import SimHands, sim_slots

                hands = SimHands(sim_slots())
            run_child(image, cut, tear, workload, out, blocks, on_cut, hands)
        except BaseException:
            out("0 CRASH " + traceback.format_exc().replace("\n", " | "))
            code = 1
        os._exit(code)
    os.close(w)
    chunks = []
    with os.fdopen(r, "rb") as pipe:
        for chunk in iter(lambda: pipe.read(65536), b""):
            chunks.append(chunk)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode().splitlines()


def _move_card(servers, ports, words):
    """A card move the micropython child asked for: `insert SLOT FIXTURE PULL_AT` (a card
    server connects to the slot's port) or `remove SLOT`."""
    slot = words[1]
    old = servers.pop(slot, None)
    if old is not None:
        old.remove()
    if words[0] == "insert":
        server = CardServer(fixtures.make(words[2]), ports[slot])
        if int(words[3]):
            server.pull_during(int(words[3]))
        servers[slot] = server.start()


def _child_micropython(
    image,
    cut,
    tear,
    spec,
    seed,
    blocks,
    cards=False,
    heapsize=None,
    env=None,
    cwd=None,
    module="emulator.powercut_child",
    extra=(),
):
    """A fresh `micropython` running the workload; a workload that plays visits gets its
    cards from this process (card servers to the unix board's slots, moved on request).
    For the heap bench: `heapsize`, `env`, `cwd` (a bounded heap, precompiled modules found
    through MICROPYPATH, not the sources of the working directory), `module` run instead of
    powercut_child with `extra` arguments after the others."""
    cmd = [micropython_command()]
    if heapsize:
        cmd += ["-X", "heapsize=%s" % heapsize]
    cmd += ["-m", module, image, str(cut), str(tear), spec, str(seed), str(blocks)]
    ports = {}
    if cards:
        ports = {"vitale": free_port(), "cps": free_port()}
        cmd += [str(ports["vitale"]), str(ports["cps"])]
    cmd += [str(x) for x in extra]
    proc = subprocess.Popen(
        cmd,
        env=env or micropython_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd or code_root(),
    )
    watchdog = threading.Timer(300, proc.kill)
    watchdog.start()
    servers: dict = {}
    lines = []
    assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("CARD "):
                _move_card(servers, ports, line.split()[1:])
                proc.stdin.write("OK\n")
                proc.stdin.flush()
            else:
                lines.append(line)
        proc.wait()
    finally:
        watchdog.cancel()
        for server in servers.values():
            server.remove()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    if not lines or lines[-1].split()[1:2] not in (["CUT"], ["DONE"]):
        lines.append("0 CRASH " + (stderr.strip() or "no output").replace("\n", " | "))
    return lines


def child(interpreter, image, cut, tear, spec, seed, blocks=BLOCKS, cards=False):
    if interpreter == "cpython":
        return _child_cpython(image, cut, tear, spec, seed, blocks)
    return _child_micropython(image, cut, tear, spec, seed, blocks, cards)


# ---------------------------------------------------------------- checker


class Promises:
    """What the terminal said to the user or the PC, parsed from the children's lines."""

    def __init__(self):
        self.saved = {}  # rec_no -> (order, pro, digest, key)
        self.saved_keys = []
        self.reserved = []  # (pro, order), in order
        self.acked = {}  # rec_no -> day
        self.rejected = set()
        self.logged = {}  # seq -> digest hex
        self.purge_day = 0
        self.crashes = []
        self.problems = []
        self.outcome = None
        self.writes = 0

    def add(self, lines):
        for line in lines:
            parts = line.split(" ")
            if len(parts) < 2:
                continue
            kind, args = parts[1], parts[2:]
            if kind == "SAVED":
                rec = int(args[0])
                self.saved[rec] = (int(args[1]), args[2], args[3], args[4])
                self.saved_keys.append(args[4])
            elif kind == "RESERVED":
                self.reserved.append((args[0], int(args[1])))
            elif kind == "ACKED":
                for rec in args[1].split(","):
                    self.acked[int(rec)] = int(args[0])
            elif kind == "REJECTED":
                self.rejected.update(int(r) for r in args[0].split(","))
            elif kind == "LOGGED":
                self.logged[int(args[0])] = args[1]
            elif kind == "PURGING":
                self.purge_day = max(self.purge_day, int(args[0]))
            elif kind == "CRASH":
                self.crashes.append(" ".join(args))
            elif kind == "PROBLEM":
                self.problems.append(" ".join(args).replace("_", " "))
            elif kind in ("CUT", "DONE"):
                self.outcome = kind
                self.writes = int(parts[0])
        return self


def check(image_bytes, promises, workload, blocks=BLOCKS, final=False):
    """The invariants, on a copy of the image: returns a list of what is wrong."""
    wrong = ["the terminal crashed: " + c for c in promises.crashes]
    wrong += ["problem at boot: " + p for p in promises.problems]
    flash = NorFlash(io.BytesIO(image_bytes), block_count=blocks)
    try:
        journal, log = workload.open_storage(CutBoard(flash))
    except OSError as e:
        if promises.saved or promises.logged or final:
            wrong.append("the flash does not mount (%s) after promises were made" % e)
        return wrong
    except AccessLogError as e:
        return wrong + ["access log: %s" % e]
    wrong += ["journal: " + p for p in journal.problems]

    # Every sheet shown as saved is there, byte for byte, or was purged after its ack.
    live = {}
    for r in journal.records_after(0, 0, 0, None):
        live[r.rec_no] = r
    for rec_no, (order, pro, digest, key) in sorted(promises.saved.items()):
        r = live.get(rec_no)
        if r is None:
            ack_day = promises.acked.get(rec_no)
            if journal.status(rec_no) != PURGED:
                wrong.append("sheet %d (%s) shown as saved is missing" % (rec_no, key))
            elif ack_day is None:
                wrong.append("sheet %d (%s) was purged without an acknowledgement" % (rec_no, key))
            elif day_number(promises.purge_day) - day_number(ack_day) < journal.retention_days:
                wrong.append("sheet %d (%s) purged before the retention period" % (rec_no, key))
            continue
        if hashlib.sha256(r.payload).hexdigest() != digest:
            wrong.append("sheet %d (%s) payload differs from what was saved" % (rec_no, key))
        if (r.order_no, r.pro_id) != (order, pro):
            wrong.append("sheet %d (%s) header differs from what was saved" % (rec_no, key))
    # A workload of real sheets: each stored bundle's signatures verify (cryptography).
    if hasattr(workload, "check_payload"):
        for rec_no, r in sorted(live.items()):
            for problem in workload.check_payload(r.payload):
                wrong.append("sheet %d: %s" % (rec_no, problem))

    # No visit twice, no order number twice, orders increasing with record numbers.
    keys = {}
    for rec_no, r in sorted(live.items()):
        key = workload.key_of(r.payload)
        if key in keys:
            wrong.append("visit %s saved twice (records %d and %d)" % (key, keys[key], rec_no))
        keys[key] = rec_no
    for key in set(promises.saved_keys):
        if promises.saved_keys.count(key) > 1:
            wrong.append("visit %s shown as saved twice" % key)
    if len(set(promises.reserved)) != len(promises.reserved):
        wrong.append("an order number was handed out twice: %r" % promises.reserved)
    last = {}
    for rec_no, r in sorted(live.items()):
        if r.order_no <= last.get(r.pro_id, 0):
            wrong.append(
                "order number %d of sheet %d reused or not increasing" % (r.order_no, rec_no)
            )
        last[r.pro_id] = r.order_no
        if (r.pro_id, r.order_no) not in promises.reserved and rec_no in promises.saved:
            wrong.append("sheet %d carries order %d that was never reserved" % (rec_no, r.order_no))

    # Every acknowledgement and rejection that was promised holds.
    for rec_no in sorted(promises.acked):
        if journal.status(rec_no) not in (ACKED, PURGED):
            wrong.append("acknowledged sheet %d lost its acknowledgement" % rec_no)
    for rec_no in sorted(promises.rejected):
        if journal.status(rec_no) != REJECTED:
            wrong.append("rejected sheet %d is no longer shown as rejected" % rec_no)

    # The access log chain verifies, against the journal's anchor, and holds every entry
    # that was promised, unchanged.
    try:
        log.verify(journal.access_log_anchor())
        if promises.logged:
            got = {}
            for seq, digest, _ in log._walk():
                if seq in promises.logged:
                    got[seq] = digest.hex()
            for seq, digest in sorted(promises.logged.items()):
                if got.get(seq) != digest:
                    wrong.append("access-log entry %d that was written is missing or changed" % seq)
    except AccessLogError as e:
        wrong.append("access log: %s" % e)

    if final:
        wrong += ["end of day: " + w for w in workload.final_check(journal, log)]
    return wrong


# ---------------------------------------------------------------- one cut, a sweep


def blank_image(path, blocks=BLOCKS):
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(b"\xff" * (BLOCK_SIZE * blocks))


def run_cut(interpreter, seed, cut, spec=DEFAULT_WORKLOAD, workdir=None, verbose=None):
    """Run the workload with the power cut at write `cut`, recover and finish, check.
    Returns (list of what is wrong, outcome of the first run)."""
    workload = load_workload(spec, seed)
    with tempfile.TemporaryDirectory(prefix="tla-cut-", dir=workdir) as tmp:
        image = os.path.join(tmp, "flash.img")
        blank_image(image)
        tear = tear_for(seed, cut)
        cards = getattr(workload, "cards", False)
        first = child(interpreter, image, cut, tear, spec, seed, cards=cards)
        promises = Promises().add(first)
        if verbose:
            verbose("-- power cut at write %d (%d bytes of it land)" % (cut, tear), first)
        image_bytes = Path(image).read_bytes()
        wrong = check(image_bytes, promises, workload, final=promises.outcome == "DONE")
        if promises.outcome == "CUT" and not promises.crashes:
            second = child(interpreter, image, 0, 0, spec, seed, cards=cards)
            if verbose:
                verbose("-- boot again, recover and finish the day", second)
            promises.add(second)
            wrong += check(Path(image).read_bytes(), promises, workload, final=True)
        return wrong, promises.outcome


def total_writes(interpreter, seed, spec=DEFAULT_WORKLOAD):
    """Flash writes of the whole workload without a cut."""
    with tempfile.TemporaryDirectory(prefix="tla-cut-") as tmp:
        image = os.path.join(tmp, "flash.img")
        blank_image(image)
        cards = getattr(load_workload(spec, seed), "cards", False)
        promises = Promises().add(child(interpreter, image, 0, 0, spec, seed, cards=cards))
        if promises.crashes or promises.outcome != "DONE":
            raise RuntimeError("the workload does not run without a cut: %s" % promises.crashes)
        return promises.writes


def _run_many(args):
    interpreter, seed, cuts, spec = args
    out = []
    for cut in cuts:
        try:
            wrong, _ = run_cut(interpreter, seed, cut, spec)
        except Exception as e:  # a checker crash is a failure of this cut, not of the bench
            wrong = ["the bench failed: %r" % e]
        out.append((cut, wrong))
    return out


def sweep(interpreter, seed=1, spec=DEFAULT_WORKLOAD, jobs=2, every=1, progress=None):
    """Cut at every write (or every `every`-th), in `jobs` processes. Returns
    (writes of the workload, cuts tried, {cut: [what is wrong]}, seconds)."""
    t0 = time.monotonic()
    writes = total_writes(interpreter, seed, spec)
    # With every > 1 the seed picks the offset, so different seeds try different points.
    cuts = list(range(1 + seed % every, writes + 1, every))
    if cuts[-1] != writes:
        cuts.append(writes)
    shards = [cuts[i::jobs] for i in range(jobs)]
    chunks = []
    for shard in shards:
        for i in range(0, len(shard), 16):
            chunks.append((interpreter, seed, shard[i : i + 16], spec))
    failures = {}
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        for result in pool.map(_run_many, chunks):
            for cut, wrong in result:
                if wrong:
                    failures[cut] = wrong
                if progress:
                    progress(cut, wrong)
    return writes, len(cuts), failures, time.monotonic() - t0


# ---------------------------------------------------------------- CLI: tla-emu replay

app = typer.Typer(
    help="Replay a workload with the power cut at every flash write, and check the journal.",
    add_completion=False,
    # options may follow the cut id (a group would otherwise stop at the first argument)
    context_settings={"help_option_names": ["-h", "--help"], "allow_interspersed_args": True},
)


@app.callback(invoke_without_command=True)
def replay(
    cut: Annotated[
        str | None,
        typer.Argument(
            help="Id of one cut to replay, as printed by a failure (e.g. cpython-s1-c123). "
            "Without it, every cut point is tried."
        ),
    ] = None,
    interpreter: Annotated[
        str, typer.Option("--interpreter", "-i", help="cpython, micropython or both.")
    ] = "both",
    seed: Annotated[int, typer.Option(help="Seed of torn writes (0: clean cuts).")] = 1,
    jobs: Annotated[int, typer.Option(help="Processes to run cuts in.")] = 2,
    every: Annotated[int, typer.Option(help="Try one cut point in N (1: all).")] = 1,
    workload: Annotated[str, typer.Option(help="Workload as module:Class.")] = DEFAULT_WORKLOAD,
):
    """Cut the power at flash write 1, 2, ... of a working day; after each cut the terminal
    boots, recovers and finishes; every promise it made must hold. Prints the cut points
    tried and the failures, each with an id that `tla-emu replay ID` runs again."""
    if cut is not None:
        m = ID_PATTERN.match(cut)
        if not m:
            print("error: a cut id looks like cpython-s1-c123, not %r" % cut, file=sys.stderr)
            raise typer.Exit(2)

        def show(title, lines):
            print(title)
            for line in lines:
                print("   " + line)

        wrong, outcome = run_cut(
            m.group(1), int(m.group(2)), int(m.group(3)), workload, verbose=show
        )
        for w in wrong:
            print("FAIL %s: %s" % (cut, w))
        print("%s: %s" % (cut, "%d failures" % len(wrong) if wrong else "ok"))
        raise typer.Exit(1 if wrong else 0)
    if interpreter not in INTERPRETERS + ("both",):
        print("error: --interpreter is cpython, micropython or both", file=sys.stderr)
        raise typer.Exit(2)
    names = INTERPRETERS if interpreter == "both" else (interpreter,)
    failed = 0
    for name in names:
        try:
            writes, tried, failures, seconds = sweep(name, seed, workload, jobs, every)
        except RuntimeError as e:
            print("error: %s" % e, file=sys.stderr)
            raise typer.Exit(1) from None
        for c, wrong in sorted(failures.items()):
            for w in wrong:
                print("FAIL %s: %s" % (cut_id(name, seed, c), w))
        print(
            "powercut %s seed %d: %d cut points tried of %d writes, %d failures, %.1f s"
            % (name, seed, tried, writes, len(failures), seconds)
        )
        failed += len(failures)
    raise typer.Exit(1 if failed else 0)


if __name__ == "__main__":
    app()
