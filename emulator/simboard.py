"""The simulated board: the firmware's hardware in one CPython process.

Card slots hold virtual card objects (vsmartcard's shape: `power_up() -> ATR`,
`execute(apdu) -> response`); the flash is a NorFlash over a file or memory; the port is
a real pty; the clock is either the PC's or a virtual one that only moves when the
firmware sleeps or a test says so (deterministic runs); the display keeps its history.
"""

import io
import os
import time

from hw import hal
from hw._compat import mount_littlefs
from hw.boards.unix import PtyPort
from hw.flash import NorFlash


class SimSlot(hal.CardSlot):
    """A slot holding a virtual card object, or nothing. `remove()` works at any moment;
    `pull_after(n)` makes the card leave during the n-th next exchange (tests)."""

    def __init__(self, name):
        self.name = name
        self.card = None
        self.powered = False
        self.exchanges = 0
        self._pull_countdown = 0

    def insert(self, card):
        self.card = card
        self.powered = False

    def remove(self):
        self.card = None
        self.powered = False

    def pull_after(self, n):
        """The card is pulled out during the n-th exchange from now (1 = the next one)."""
        self._pull_countdown = n

    def _maybe_pull(self):
        if self._pull_countdown:
            self._pull_countdown -= 1
            if self._pull_countdown == 0:
                self.remove()
                raise hal.CardRemoved(self.name)

    def present(self):
        return self.card is not None

    def power_on(self):
        if self.card is None:
            raise hal.CardAbsent(self.name)
        self._maybe_pull()
        atr = self.card.power_up()
        self.powered = True
        return atr

    def transmit(self, apdu):
        if self.card is None:
            raise hal.CardRemoved(self.name) if self.powered else hal.CardAbsent(self.name)
        if not self.powered:
            raise hal.CardAbsent(self.name)
        self.exchanges += 1
        self._maybe_pull()
        response = self.card.execute(bytes(apdu))
        if response is None or len(response) < 2:
            raise hal.CardIOError(self.name, "the card does not answer")
        return response

    def power_off(self):
        if self.card is not None:
            self.card.power_down()
        self.powered = False


class SimClock(hal.Clock):
    """Real time, or virtual time (`virtual=True`) that advances only through sleep_ms()
    and advance(); wall time can be set like the terminal's RTC."""

    def __init__(self, start_epoch=None, virtual=False):
        self.virtual = virtual
        self._ticks = 0
        self._base = int(time.time()) if start_epoch is None else int(start_epoch)
        self._t0 = time.monotonic()

    def ticks_ms(self):
        if self.virtual:
            return self._ticks
        return int((time.monotonic() - self._t0) * 1000)

    def now(self):
        return self._base + self.ticks_ms() // 1000

    def set(self, epoch_seconds):
        self._base = int(epoch_seconds) - self.ticks_ms() // 1000

    def advance(self, seconds):
        if self.virtual:
            self._ticks += int(seconds * 1000)
        else:
            self._base += int(seconds)

    def sleep_ms(self, ms):
        if self.virtual:
            self._ticks += ms
        else:
            time.sleep(ms / 1000)


class MemoryDisplay(hal.Display):
    """Keeps the current screen and every screen shown; calls `on_show(lines)` on change."""

    def __init__(self, rows=4, cols=20, on_show=None):
        self.rows = rows
        self.cols = cols
        self.lines = [""] * rows
        self.history = []
        self.on_show = on_show

    def show(self, lines):
        lines = [str(line)[: self.cols] for line in list(lines)[: self.rows]]
        lines += [""] * (self.rows - len(lines))
        if lines != self.lines:
            self.lines = lines
            self.history.append(lines)
            if self.on_show:
                self.on_show(lines)

    def text(self) -> str:
        return "\n".join(self.lines)


class QueueKeypad(hal.Keypad):
    def __init__(self):
        self.queue = []

    def press(self, *keys):
        for key in keys:
            if key not in hal.KEYS:
                raise ValueError("no such key on the terminal: %r" % key)
            self.queue.append(key)

    def get_key(self):
        return self.queue.pop(0) if self.queue else None


SLOT_BLOCKS = 16  # an image slot of the simulated board: 3 header blocks, 52 KiB of image


class SimBoard(hal.Board):
    name = "sim"

    def __init__(
        self,
        serial_number="TLA-EMU-0001",
        flash_store=None,
        flash_blocks=512,
        port=None,
        clock=None,
        on_show=None,
        cut_at=0,
    ):
        flash = NorFlash(
            flash_store if flash_store is not None else io.BytesIO(),
            block_count=flash_blocks,
            cut_at=cut_at,
            # after littlefs' blocks: the key block (firmware/keyblock.py), the boot
            # record's two blocks (hw/boot_record.py), two image slots (hw/update_slot.py)
            reserved=3 + 2 * SLOT_BLOCKS,
        )
        super().__init__(
            serial_number=serial_number,
            slots={"vitale": SimSlot("vitale"), "cps": SimSlot("cps")},
            flash=flash,
            port=port,
            clock=clock or SimClock(),
            display=MemoryDisplay(on_show=on_show),
            keypad=QueueKeypad(),
        )
        self.events = []
        self.stop_requested = False

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank)

    def random_bytes(self, n):
        return os.urandom(n)

    def emit(self, kind, payload):
        self.events.append((kind, payload))

    def should_stop(self):
        return self.stop_requested

    def idle(self):
        self.clock.sleep_ms(2)

    def boot_records(self):
        from hw.boot_record import BootRecords
        from hw.update_slot import ReservedView

        return BootRecords(ReservedView(self.flash, 1, 2))

    def update_slots(self):
        """Two image slots in the flash's reserved blocks (docs/board.md "Updates")."""
        from hw.update_slot import ReservedView, Slot

        first = (3, 3 + SLOT_BLOCKS)
        return tuple(Slot(ReservedView(self.flash, at, SLOT_BLOCKS)) for at in first)


def open_private_image(path):
    """The flash image file at `path`, opened read-write: created 0600 when missing, and
    made 0600 when it exists, since it holds the pairing key (its key block); the unix
    board's own opening (hw/boards/unix.py), which says so on stderr when it was not."""
    from hw.boards.unix import open_image

    return open_image(str(path))


def open_pty_port(path) -> PtyPort:
    return PtyPort(path)
