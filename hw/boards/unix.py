"""Board for the MicroPython unix port (and CPython): the terminal on a PC, part by part.

- flash: NOR flash image in a file (hw.flash.NorFlash), littlefs on top;
- port: a pty (or any tty) path, raw mode;
- card slots: each slot is a reader speaking vsmartcard's vpcd protocol over TCP
  (hw/boards/unix_vpcd.py);
- display and keypad: a line console on stdin/stdout, so the emulator (or a person) can
  drive the terminal: stdin takes `KEY <key>`, `TIME <epoch>` and `QUIT`, stdout gets
  `SCREEN <json list of lines>` and `EVENT <json>`.
"""

import json
import os
import select
import sys
import time

from hw import hal
from hw._compat import (
    console_lines,
    mount_littlefs,
    open_private,
    sleep_ms,
    ticks_ms,
    tty_raw_nonblocking,
)
from hw.boards.unix_vpcd import VpcdSlot
from hw.flash import NorFlash
from hw.update_slot import HEADER_BLOCKS
from protocol.ascii import is_digits
from protocol.update_manifest import MAX_IMAGE


class PtyPort(hal.Port):
    """A serial tty (a pty in the emulator) opened raw and read without blocking."""

    def __init__(self, path):
        self.path = path
        try:
            self.f = open(path, "r+b", buffering=0)
        except OSError as e:
            raise hal.PortError("cannot open serial port %s: %s" % (path, e))
        tty_raw_nonblocking(self.f.fileno())
        self._buf = bytearray(512)
        self._closed = False

    def read(self, max_bytes=512):
        if self._closed:
            raise hal.PortError("serial port %s is closed" % self.path)
        if max_bytes > len(self._buf):
            self._buf = bytearray(max_bytes)
        try:
            n = self.f.readinto(memoryview(self._buf)[:max_bytes])
        except OSError as e:
            raise hal.PortError("serial port %s failed: %s" % (self.path, e))
        if not n:
            return b""
        return bytes(self._buf[:n])

    def write(self, data):
        if self._closed:
            raise hal.PortError("serial port %s is closed" % self.path)
        try:
            n = self.f.write(data)
        except OSError as e:
            raise hal.PortError("serial port %s failed: %s" % (self.path, e))
        return len(data) if n is None else n

    def close(self):
        if not self._closed:
            self._closed = True
            self.f.close()


class UnixClock(hal.Clock):
    """Host wall clock plus an offset set by SET_TIME (or by the emulator's TIME line)."""

    def __init__(self):
        self._offset = 0

    def now(self):
        return int(time.time()) + self._offset

    def set(self, epoch_seconds):
        self._offset = int(epoch_seconds) - int(time.time())

    def ticks_ms(self):
        return ticks_ms()

    def sleep_ms(self, ms):
        sleep_ms(ms)


class Console:
    """The stdin/stdout line console that carries keys, time and screens (module docstring)."""

    def __init__(self, stdin=None, stdout=None):
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._poll = select.poll()
        self._poll.register(self.stdin, select.POLLIN)
        self._pending = b""
        self.keys = []
        self.clock: "hal.Clock | None" = None
        self.quit = False

    def pump(self):
        """Read every complete command line waiting on stdin."""
        lines, ended, self._pending = console_lines(self.stdin, self._poll, self._pending)
        if ended:
            self.quit = True
        for line in lines:
            parts = line.strip().split(" ", 1)
            if parts[0] == "KEY" and len(parts) == 2:
                self.keys.append(parts[1])
            elif parts[0] == "TIME" and len(parts) == 2 and self.clock is not None:
                # epoch seconds; a line of another shape is ignored, as unknown commands are
                if is_digits(parts[1], range(1, 11)):
                    self.clock.set(int(parts[1]))
            elif parts[0] == "QUIT":
                self.quit = True

    def emit(self, kind, payload):
        self.stdout.write(kind + " " + json.dumps(payload) + "\n")
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()


class ConsoleDisplay(hal.Display):
    def __init__(self, console, rows=4, cols=20):
        self.console = console
        self.rows = rows
        self.cols = cols
        self.lines = [""] * rows

    def show(self, lines):
        lines = [str(line)[: self.cols] for line in list(lines)[: self.rows]]
        while len(lines) < self.rows:
            lines.append("")
        if lines != self.lines:
            self.lines = lines
            self.console.emit("SCREEN", lines)


class ConsoleKeypad(hal.Keypad):
    def __init__(self, console):
        self.console = console

    def get_key(self):
        self.console.pump()
        if self.console.keys:
            return self.console.keys.pop(0)
        return None


def open_image(path):
    """The flash image, read-write and 0600 (it holds the pairing key: its key block),
    created so or made so (hw/_compat.open_private), with a line on stderr when it was not."""
    f, loose = open_private(path)
    if loose is not None:
        sys.stderr.write(
            "tla: flash image %s was readable by others (mode 0%o), now 0600: the pairing "
            "key it holds may have been read: unpair and pair the PC again\n" % (path, loose)
        )
    return f


class UnixBoard(hal.Board):
    name = "unix"

    def __init__(self, config):
        """`config`: dict with serial, flash (image path), flash_blocks, port (tty path),
        slots ({"vitale": tcp port, "cps": tcp port}); other keys are the application's."""
        self.config = config
        console = Console()
        clock = UnixClock()
        console.clock = clock
        self.console = console
        flash = NorFlash(
            open_image(config["flash"]),
            block_size=config.get("block_size", 4096),
            block_count=config.get("flash_blocks", 512),
            # after littlefs' blocks: the key block (firmware/keyblock.py) and the boot
            # record's two blocks (hw/boot_record.py), as on the simulated board
            reserved=3,
        )
        slots = {}
        for slot_name, tcp_port in config.get("slots", {}).items():
            slots[slot_name] = VpcdSlot(slot_name, tcp_port)
        super().__init__(
            serial_number=config.get("serial", "TLA-UNIX-0001"),
            slots=slots,
            flash=flash,
            port=PtyPort(config["port"]),
            clock=clock,
            display=ConsoleDisplay(console),
            keypad=ConsoleKeypad(console),
        )
        # Said by the launcher (emulator/launcher.py), which ran the bootloader's choice.
        state = config.get("boot_state")
        self.boot_state = state if state in BOOT_STATES else None
        self._slots = None

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank)

    def random_bytes(self, n):
        return os.urandom(n)

    def emit(self, kind, payload):
        """Report an event to whoever drives the console (the emulator, a test)."""
        self.console.emit(kind, payload)

    def should_stop(self):
        self.console.pump()
        return self.console.quit

    def boot_records(self):
        from hw.boot_record import BootRecords
        from hw.update_slot import ReservedView

        return BootRecords(ReservedView(self.flash, 1, 2))

    def update_slots(self):
        """The two image files the launcher names (config "images"), or None: without a
        launcher to restart on the chosen image, this board takes no update."""
        images = self.config.get("images")
        if not images or len(images) != 2:
            return None
        if self._slots is None:
            from hw.update_slot import Slot

            self._slots = tuple(
                Slot(NorFlash(open_image(path), IMAGE_BLOCK, IMAGE_BLOCKS)) for path in images
            )
        return self._slots

    def restart(self):
        """End the process with RESTART once every file is written: the launcher runs the
        bootloader's choice and starts the interpreter on the chosen image's code."""
        for f in [self.flash.store] + [s.dev.store for s in self._slots or ()]:
            f.flush()
        self.port.close()
        sys.exit(RESTART)


RESTART = 75  # the exit status that asks the launcher (emulator/launcher.py) for a restart
BOOT_STATES = ("trial", "back", "damaged")
# An image file: the slot's header blocks and room for the largest image a manifest names
# (protocol/update_manifest.MAX_IMAGE in the flash's blocks), derived so that a larger
# manifest limit or header grows the file with it
IMAGE_BLOCK = 4096  # NorFlash's default block, the one the image files are opened with
IMAGE_BLOCKS = HEADER_BLOCKS + (MAX_IMAGE + IMAGE_BLOCK - 1) // IMAGE_BLOCK


def from_config_file(path) -> UnixBoard:
    with open(path) as f:
        return UnixBoard(json.load(f))
