"""One run of a power-cut workload in a child, as a real power loss (docs/journal.md, "The
power-cut bench"): on CPython a fork that writes every flash operation through to an image
file and ends with os._exit at the cut (littlefs-python can abort the process if a
block-device callback raises); on MicroPython a fresh `micropython` process whose flash
refuses every write from the cut on. Either way the child's lines (its promises, then `CUT`
or `DONE`, see emulator/powercut_child.py) come back as a list.

Children die with the bench: a forked child and the pool worker that forked it are killed
by Linux if their parent dies (emulator/procgroup.py); a micropython child is killed by a
watchdog after a generous bound (a forked child too), and stays in the bench's process
group, which the tests kill as a whole.
"""

import gc
import os
import signal
import subprocess
import threading
import traceback

from emulator.cards import fixtures
from emulator.cardserver import CardServer
from emulator.interpreters import code_root, free_port, micropython_command, micropython_env
from emulator.powercut_child import load_workload
from emulator.powercut_child import run as run_child
from emulator.procgroup import die_with_parent

BLOCKS = 128  # 512 KiB of 4 KiB blocks: plenty for a day, quick to copy and mount
BLOCK_SIZE = 4096
INTERPRETERS = ("cpython", "micropython")
WATCHDOG_S = 300  # liveness bound of one child (a whole day takes a few seconds)


def blank_image(path, blocks=BLOCKS):
    # 0600 like every flash image the emulator writes (a terminal's holds its pairing key)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(b"\xff" * (BLOCK_SIZE * blocks))


def _child_cpython(image, cut, tear, spec, seed, blocks):
    """Fork; the child runs the workload and ends at the cut with os._exit. Lines back.
    A workload that plays visits gets virtual cards in simulated slots."""
    r, w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(r)
        die_with_parent(parent)
        # The firmware's gc.collect() calls (heap hygiene for MicroPython, 3 a visit) then
        # walk only the day's objects, not every one inherited from the bench: the real day
        # ran in half the time, and the parent's pages stay shared, not copied by the walk.
        gc.freeze()

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
    watchdog = threading.Timer(WATCHDOG_S, os.kill, (pid, signal.SIGKILL))
    watchdog.start()
    chunks = []
    try:
        with os.fdopen(r, "rb") as pipe:
            for chunk in iter(lambda: pipe.read(65536), b""):
                chunks.append(chunk)
    finally:
        watchdog.cancel()  # before the child is reaped: its pid is not reused until then
        os.waitpid(pid, 0)
    lines = b"".join(chunks).decode().splitlines()
    if not lines or lines[-1].split()[1:2] not in (["CUT"], ["DONE"], ["CRASH"]):
        lines.append("0 CRASH the child ended without a word (killed after %d s?)" % WATCHDOG_S)
    return lines


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


def run_micropython(
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
    watchdog = threading.Timer(WATCHDOG_S, proc.kill)
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
    """The lines of one run of workload `spec` on `image`, the power cut at write `cut`
    (0: never) of which `tear` bytes land."""
    if interpreter == "cpython":
        return _child_cpython(image, cut, tear, spec, seed, blocks)
    return run_micropython(image, cut, tear, spec, seed, blocks, cards)
