"""The boot of a simulated board that has no launcher and no boot ROM (docs/board.md
"Updates"): hw/bootloader.choose on the board's boot record and slots (a trial's boot
counted first), its state handed to the board, and firmware/version.py as the chosen image
says it (the code on the PC is one tree: the version is what tells the images apart). The
power-cut bench (emulator/updatecut.py) and the flash fixture (tools/fixture_update.py)
boot this way; the unix board's launcher (emulator/launcher.py) and the RP2350's stage 1
(hw/boards/rp2350.boot) run the same choose on their own slots. Runs under MicroPython
too (the power-cut bench's child): no contextlib."""

from firmware import version
from hw import bootloader


def boot(board):
    """The Boot the bootloader chooses on `board`, its state the board's."""
    booted = bootloader.choose(board.boot_records(), board.update_slots())
    board.boot_state = booted.state
    return booted


def version_of(booted, factory):
    """(version, counter) of the image chosen: its manifest's, or `factory`'s (the image
    the board was flashed with has no manifest)."""
    if booted.manifest is None:
        return factory
    return booted.manifest.version, booted.manifest.counter


def run_as(booted, factory):
    """firmware/version.py made the chosen image's, for good (a process that is the board)."""
    version.FIRMWARE_VERSION, version.RELEASE_COUNTER = version_of(booted, factory)


class running:
    """`with running(booted):` firmware/version.py the chosen image's while the block runs,
    today's after; the factory image is today's code."""

    def __init__(self, booted):
        self.booted = booted
        self.today = None

    def __enter__(self):
        self.today = version.FIRMWARE_VERSION, version.RELEASE_COUNTER
        run_as(self.booted, self.today)
        return self.booted

    def __exit__(self, *exc):
        version.FIRMWARE_VERSION, version.RELEASE_COUNTER = self.today
        return False
