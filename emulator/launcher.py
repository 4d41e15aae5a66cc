"""The unix board's bootloader (docs/board.md "Updates", "The unix board"): what a board's
stage 1 does, over real processes. Before each start of the firmware it runs the same
choice as every board (hw/bootloader.choose, over the boot record in the flash image's
reserved blocks and the two image files beside it), counting a trial's boot in the record
first; it unpacks the chosen slot's image (emulator/unix_image.py) into a private folder of
its own, or takes this checkout's code for the factory image, and starts the interpreter
on that code with the board's config, the boot's state and the image files added.

The firmware ends with RESTART (hw/boards/unix.UnixBoard.restart: the switch to a version
on trial, a failed self-test giving its trial up): the launcher chooses again and starts
it again. A version on trial that dies another way (it does not start) is started again
while the record gives it boots, then the bootloader goes back to the version before. Any
other end of the firmware ends the launcher, with its status.

The interpreter shares the launcher's stdin and stdout (the unix board's console) and dies
with it (PR_SET_PDEATHSIG); SIGTERM is passed on. Run: python -m emulator.launcher
CONFIG.json [--interpreter micropython|cpython] [--binary PATH] [--heapsize N].
"""

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile

from emulator import interpreters
from emulator.unix_image import BadImage, unpack
from hw import bootloader
from hw.boards.unix import IMAGE_BLOCK, IMAGE_BLOCKS, RESTART, open_image
from hw.boot_record import BootRecords
from hw.flash import NorFlash
from hw.update_slot import ReservedView, Slot

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def image_paths(flash_path) -> list:
    """The two image files of the board whose flash image is `flash_path`."""
    return [str(flash_path) + ".slot-a", str(flash_path) + ".slot-b"]


def choose(config) -> tuple:
    """(the bootloader's Boot, the chosen image's bytes or None for the factory code)."""
    files = [open_image(config["flash"])] + [open_image(p) for p in config["images"]]
    try:
        flash = NorFlash(
            files[0],
            block_size=config.get("block_size", 4096),
            block_count=config.get("flash_blocks", 512),
            reserved=3,  # as hw/boards/unix.UnixBoard: the key block, the boot record
        )
        records = BootRecords(ReservedView(flash, 1, 2))
        slots = [Slot(NorFlash(f, IMAGE_BLOCK, IMAGE_BLOCKS)) for f in files[1:]]
        booted = bootloader.choose(records, slots)
        image = None
        if booted.manifest is not None:
            image = slots[booted.slot].read(0, booted.manifest.size)
        return booted, image
    finally:
        for f in files:
            f.close()


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _command(args, code, cfg):
    if args.interpreter == "cpython":
        env = dict(os.environ, PYTHONPATH=code)
        return [args.binary or sys.executable, "-m", "firmware.main", cfg], env
    cmd = [args.binary or interpreters.micropython_command()]
    if args.heapsize:
        cmd += ["-X", "heapsize=%s" % args.heapsize]
    env = dict(os.environ, MICROPYPATH=".frozen:" + code)
    return cmd + ["-m", "firmware.main", cfg], env


def boot(args, config, work) -> tuple:
    """Start the firmware once, as the bootloader chooses; (its exit status, the Boot)."""
    booted, image = choose(config)
    code = str(interpreters.code_root())
    if image is not None:
        code = tempfile.mkdtemp(prefix="code-", dir=work)
        try:
            unpack(image, code)
        except BadImage as e:  # signed, whole, yet not code: it does not start
            sys.stderr.write("tla: the image of slot %d cannot run: %s\n" % (booted.slot, e))
            return 1, booted
    cfg = os.path.join(work, "board.json")
    with os.fdopen(os.open(cfg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        json.dump(dict(config, boot_state=booted.state), f)
    cmd, env = _command(args, code, cfg)
    child = subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent)

    def stop(*_):
        STOPPED.append(True)  # the terminal is stopped: no boot again, whatever it was
        child.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait(), booted
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.kill()
            child.wait()


STOPPED: list = []  # set by SIGTERM while the firmware runs (boot())


def run(args) -> int:
    with open(args.config) as f:
        config = json.load(f)
    config.setdefault("images", image_paths(config["flash"]))
    with tempfile.TemporaryDirectory(prefix="tla-boot-") as work:
        os.chmod(work, 0o700)
        while True:
            status, booted = boot(args, config, work)
            if STOPPED:
                return status  # SIGTERM: stopped, not a trial that failed to start
            if status == RESTART:
                continue
            if booted.state == "trial" and status != 0:
                continue  # it did not start: the record counts its boots
            return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulator.launcher",
        description="Run the unix board's firmware as its bootloader chooses (the factory "
        "code or a signed image taken by an update), and again after each restart.",
    )
    parser.add_argument("config", help="the unix board's config file (JSON)")
    parser.add_argument("--interpreter", choices=("micropython", "cpython"), default="micropython")
    parser.add_argument("--binary", help="the interpreter's command (default: micropython)")
    parser.add_argument("--heapsize", help="micropython's heap size (-X heapsize=)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
