"""Hardware interfaces of the terminal: the only way firmware/ touches the world.

A board (hw/boards/*) builds concrete parts and hands the firmware a Board; the firmware
never imports `machine`, sockets or files. Every part raises the typed errors below.
Classes here are interfaces: their methods raise NotImplementedError (no `abc` on
MicroPython).
"""


# ---------------------------------------------------------------- errors


class HalError(Exception):
    """Base of every hardware error; `str()` is a plain sentence for the screen or log."""


class CardError(HalError):
    """Base of card slot errors."""


class CardAbsent(CardError):
    """No card in the slot."""

    def __init__(self, slot="?"):
        super().__init__("no card in the %s slot" % slot)
        self.slot = slot


class CardRemoved(CardError):
    """The card left the slot (or lost power) during an exchange."""

    def __init__(self, slot="?"):
        super().__init__("the card was removed from the %s slot" % slot)
        self.slot = slot


class CardIOError(CardError):
    """The card does not answer, or answers garbage at the transport level (mute card)."""

    def __init__(self, slot="?", detail="the card does not answer"):
        super().__init__("%s (%s slot)" % (detail, slot))
        self.slot = slot


class PortError(HalError):
    """The byte port (serial / USB CDC) failed or was closed."""


class FlashError(HalError):
    """The block device failed (bad address, device error)."""


class FlashDamaged(FlashError):
    """The flash holds something that is not a filesystem littlefs can mount, and is not
    blank either: never formatted, so whatever it holds can still be salvaged."""


class Restart(BaseException):
    """Raised by a board's restart() (firmware/update_store.py's switch): the main loop ends
    and the board starts again, the bootloader choosing what runs (hw/bootloader.py).
    Not an Exception: no handler of the firmware stops it."""


class PowerCut(FlashError):
    """Simulated power loss: the flash accepts nothing more (emulator and tests only)."""


# ---------------------------------------------------------------- card slot


class CardSlot:
    """One smart-card slot. Modelled on vsmartcard's SmartcardOS: power, ATR, APDU in/out."""

    name = "?"

    def present(self) -> bool:
        """True when a card sits in the slot (no exchange is made)."""
        raise NotImplementedError

    def power_on(self) -> bytes:
        """Power (or reset) the card; return its ATR. Raises CardAbsent, CardIOError."""
        raise NotImplementedError

    def transmit(self, apdu: bytes) -> bytes:
        """Send a command APDU; return response data followed by SW1 SW2.

        Raises CardAbsent (never powered), CardRemoved (left during the exchange),
        CardIOError (mute or garbled card).
        """
        raise NotImplementedError

    def power_off(self) -> None:
        """Cut the card's power; silent when there is no card."""
        raise NotImplementedError


# ---------------------------------------------------------------- block device

# ioctl operations of MicroPython's block device protocol (os.AbstractBlockDev).
IOCTL_INIT = 1
IOCTL_DEINIT = 2
IOCTL_SYNC = 3
IOCTL_BLOCK_COUNT = 4
IOCTL_BLOCK_SIZE = 5
IOCTL_BLOCK_ERASE = 6


class BlockDevice:
    """Flash in MicroPython's extended block protocol, the one VfsLfs2 drives.

    readblocks(n, buf, offset) fills buf from block n at byte offset; writeblocks(n, buf,
    offset) programs without erasing (NOR: bits only go from 1 to 0); ioctl(6, n) erases
    block n to 0xFF. Errors: FlashError, PowerCut.
    """

    def readblocks(self, block_num: int, buf, offset: int = 0) -> None:
        raise NotImplementedError

    def writeblocks(self, block_num: int, buf, offset: int = 0) -> None:
        raise NotImplementedError

    def ioctl(self, op: int, arg: int):
        raise NotImplementedError


# ---------------------------------------------------------------- filesystem


class FileSystem:
    """The mounted flash filesystem the board hands to the firmware (littlefs).

    Only what littlefs promises is relied upon: a file's writes commit at flush()/close(),
    rename() atomically replaces its target. Paths are relative to the filesystem root.
    Errors are OSError, as from the built-in open().
    """

    def open(self, path: str, mode: str = "rb"):
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        raise NotImplementedError

    def size(self, path: str) -> int:
        raise NotImplementedError

    def remove(self, path: str) -> None:
        raise NotImplementedError

    def rename(self, old: str, new: str) -> None:
        raise NotImplementedError

    def listdir(self, path: str = "") -> list:
        raise NotImplementedError

    def mkdir(self, path: str) -> None:
        """Create a directory; OSError (EEXIST) when it exists."""
        raise NotImplementedError

    def free_bytes(self) -> int:
        """Bytes still free on the flash (whole free blocks times block size)."""
        raise NotImplementedError


# ---------------------------------------------------------------- byte port


class Port:
    """The link to the practice PC: a UART or USB CDC-ACM serial port. Non-blocking."""

    def read(self, max_bytes: int = 256) -> bytes:
        """Bytes received so far (at most max_bytes), b"" when none. Raises PortError."""
        raise NotImplementedError

    def write(self, data) -> int:
        """Queue bytes for sending; returns how many were accepted. Raises PortError."""
        raise NotImplementedError

    def connected(self) -> bool:
        """True while a host is attached (always True on a plain UART)."""
        return True

    def close(self) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------- clock


class Clock:
    """Wall clock (set by the practice PC with SET_TIME) and a monotonic millisecond tick."""

    def now(self) -> int:
        """Seconds since 1970-01-01 UTC."""
        raise NotImplementedError

    def set(self, epoch_seconds: int) -> None:
        raise NotImplementedError

    def ticks_ms(self) -> int:
        """Monotonic milliseconds (never jumps when the wall clock is set)."""
        raise NotImplementedError

    def sleep_ms(self, ms: int) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------- display and keypad


class Display:
    """A text display of `rows` lines of `cols` characters."""

    rows = 4
    cols = 20

    def show(self, lines) -> None:
        """Replace the whole screen with `lines` (each cut to `cols`, missing ones blank)."""
        raise NotImplementedError


# Keys of the terminal's keypad: digits, and these named keys.
KEY_OK = "OK"
KEY_CANCEL = "CANCEL"
KEY_BACK = "BACK"
KEY_UP = "UP"
KEY_DOWN = "DOWN"
KEY_MENU = "MENU"
KEYS = (
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    KEY_OK,
    KEY_CANCEL,
    KEY_BACK,
    KEY_UP,
    KEY_DOWN,
    KEY_MENU,
)


class Keypad:
    """The terminal's keys. Non-blocking."""

    def get_key(self):
        """The next key pressed (one of KEYS), or None when no key is waiting."""
        raise NotImplementedError


# ---------------------------------------------------------------- board


class Board:
    """A terminal's hardware, assembled. Boards are chosen explicitly, never by accident."""

    name = "?"
    model = "TLA-T1"
    # What the bootloader said of this boot (hw/bootloader.py): None, "trial" (a new version
    # to confirm itself), "back" (a trial rolled back) or "damaged" (the factory image runs).
    boot_state = None

    def __init__(self, serial_number, slots, flash, port, clock, display, keypad):
        self.serial_number = serial_number
        self.slots = slots  # {"vitale": CardSlot, "cps": CardSlot}
        self.flash = flash  # BlockDevice
        self.port = port  # Port
        self.clock = clock  # Clock
        self.display = display  # Display
        self.keypad = keypad  # Keypad

    def filesystem(self, format_if_blank: bool = True) -> FileSystem:
        """Mount littlefs on the flash and return it (formats a blank flash first)."""
        raise NotImplementedError

    def random_bytes(self, n: int) -> bytes:
        """n bytes from the board's hardware random source."""
        raise NotImplementedError

    def idle(self) -> None:
        """Called by the main loop when nothing happened: wait a little (or sleep)."""
        self.clock.sleep_ms(5)

    def power_ok(self) -> bool:
        """True when the supply allows a flash write or a signing to start (a battery
        board says False below its threshold, docs/board.md); mains and PCs: always."""
        return True

    def emit(self, kind: str, payload) -> None:
        """Report an event (screen shown, sheet saved...) to a test bench; no-op on a device."""

    def should_stop(self) -> bool:
        """True when the bench asks the main loop to end; a device runs forever."""
        return False

    def update_slots(self):
        """The two image slots (hw/update_slot.Slot) an update is taken into, or None when
        this board takes no update (docs/board.md "Updates")."""
        return None

    def boot_records(self):
        """The boot record (hw/boot_record.BootRecords), kept outside littlefs, or None."""
        return None

    def keep_trial(self) -> str:
        """The version on trial passed its self-test (firmware/update_boot.py), before the
        boot record confirms it: a board whose boot ROM has its own trial (the RP2350's "try
        before you buy") makes it final there first. "", or why it could not: the trial is
        then given up, as a failed self-test is."""
        return ""

    def restart(self):
        """Restart the terminal: the bootloader chooses what runs (raises hal.Restart where
        the restart is the caller's, as on the PC)."""
        raise Restart()
