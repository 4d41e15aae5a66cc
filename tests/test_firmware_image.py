"""What `make firmware` built (tools/firmware.sh, hw/boards/TLA_T1): the RP2350 UF2 lists
tla's frozen modules to `picotool info` (and leaves out the PC-only ones), fits the goal of
half the 4 MB flash, has deflate compression compiled in, and the 32-bit unix binary runs
the firmware from its frozen modules in a folder without any tla source.

Outside CI the tests skip, with the reason, when `make firmware` has not been run; .ci/run
sets TLA_REQUIRE_FIRMWARE=1, and then a missing image fails."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "firmware" / "out"
UF2 = OUT / "tla-t1.uf2"
UNIX32 = OUT / "micropython-tla32"
FLASH = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def built():
    if not (UF2.exists() and UNIX32.exists() and (OUT / "picotool").exists()):
        if os.environ.get("TLA_REQUIRE_FIRMWARE"):
            pytest.fail("build/firmware/out is incomplete: `make firmware` failed or did not run")
        pytest.skip("no firmware image: run `make firmware` (needs ../shared/micropython)")
    return OUT


def _frozen_modules(text):
    """The names under 'frozen modules:' in picotool's output."""
    names, inside = [], False
    for line in text.splitlines():
        if "frozen modules:" in line:
            inside = True
            line = line.split("frozen modules:", 1)[1]
        elif inside and ":" in line:
            break
        if inside:
            names += [n.strip() for n in line.split(",") if n.strip()]
    return names


def test_picotool_lists_tla_frozen_modules(built):
    proc = subprocess.run(
        [str(built / "picotool"), "info", "-a", str(UF2)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    modules = _frozen_modules(proc.stdout)
    for name in (
        "firmware/main",
        "firmware/app",
        "firmware/cards/apdu",
        "protocol/session",
        "protocol/cbor",
        "hw/hal",
        "hw/iso7816/atr",
        "hw/iso7816/t0",
        "hw/iso7816/t1",
        "hw/iso7816/slot",
        "hw/boards/rp2350",
        "hw/boards/tla_t1_pins",  # the net table the board file builds its pins from
    ):
        assert name in modules, (name, modules)
    # The PC's pieces stay out of the device image.
    for name in ("hw/pcsc", "hw/boards/unix", "firmware/manifest", "hw/manifest"):
        assert name not in modules, name
    assert "rp2350" in proc.stdout


def test_the_image_fits_half_the_flash_and_compresses(built):
    image = (built / "tla-t1.bin").stat().st_size
    assert image <= FLASH // 2
    assert image <= 1020 * 1024  # a partition of hw/boards/TLA_T1/partition_table.json
    nm = shutil.which("arm-none-eabi-nm")
    if nm:
        out = subprocess.run([nm, str(built / "tla-t1.elf")], capture_output=True, text=True)
        # MICROPY_PY_DEFLATE_COMPRESS (hw/boards/TLA_T1/mpconfigboard.h): DeflateIO writes.
        assert " deflateio_write" in out.stdout


def test_the_32_bit_binary_runs_the_frozen_firmware(built, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MICROPYPATH"}
    code = (
        "import struct, sys\n"
        "import firmware.app, firmware.main, hw.iso7816.slot, protocol.session\n"
        "print(struct.calcsize('P'), firmware.app.__file__, sys.path[:2])\n"
    )
    proc = subprocess.run(
        [str(UNIX32), "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    size, where = proc.stdout.split()[:2]
    # A frozen module's __file__ is its name in the image, not a path on the disk.
    assert size == "4" and where == "firmware/app.py", proc.stdout


# The RP2350's C stack in the TLA-T1 image: 8 KB of SCRATCH_Y plus __micropy_extra_stack__
# (hw/boards/TLA_T1/mpconfigboard.cmake). MicroPython raises "maximum recursion depth
# exceeded" past it, so the firmware's imports must stay well inside.
DEVICE_STACK = 8 * 1024 + 36864
STACK_PROBE = """
import builtins, micropython
real = builtins.__import__
peak = [0]
def imp(name, *args):
    peak[0] = max(peak[0], micropython.stack_use())
    return real(name, *args)
builtins.__import__ = imp
import hw.boards.unix, firmware.main, firmware.app
print(peak[0])
"""


def test_the_firmware_imports_within_the_devices_c_stack(built, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(STACK_PROBE)
    env = dict(os.environ, MICROPYPATH=".frozen")
    proc = subprocess.run(
        [str(UNIX32), str(probe)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    peak = int(proc.stdout.split()[-1])
    print("deepest import at %d bytes of C stack (device: %d)" % (peak, DEVICE_STACK))
    assert peak < DEVICE_STACK - 4096
    nm = shutil.which("arm-none-eabi-nm")
    if not nm:
        return
    elf = subprocess.run([nm, str(built / "tla-t1.elf")], capture_output=True, text=True).stdout
    sym = {
        line.split()[2]: int(line.split()[0], 16)
        for line in elf.splitlines()
        if len(line.split()) == 3
    }
    assert sym["__StackTop"] - sym["__StackBottom"] == DEVICE_STACK


def test_the_image_is_the_ab_build_with_the_rom_binding(built):
    """The TLA-T1 image binds the boot ROM's calls (hw/cmodules/tla_rom) and its rp2.Flash
    spans the whole flash after the 8 KB partition table (hw/boards/TLA_T1/mpconfigboard.h),
    as hw/boards/rp2350_update.py's layout needs."""
    from hw.boards import rp2350_update as ab

    proc = subprocess.run(
        [str(built / "picotool"), "info", "-a", str(UF2)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    drive = "0x%08x-0x%08x" % (0x10000000 + ab.STORAGE_BASE, 0x10000000 + ab.FLASH_END)
    assert "embedded drive:      %s" % drive in proc.stdout, proc.stdout
    nm = shutil.which("arm-none-eabi-nm")
    if nm:
        out = subprocess.run([nm, str(built / "tla-t1.elf")], capture_output=True, text=True)
        for name in ("boot_info", "reboot", "explicit_buy", "read"):
            assert " tla_rom_%s\n" % name in out.stdout, name
