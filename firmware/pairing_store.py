"""The terminal's pairing with its practice PC, kept in a raw flash block outside littlefs
(firmware/keyblock.py): one record whose body is the CBOR of
protocol.pairing.Pairing.to_store().

Why not a littlefs file: littlefs is copy-on-write, so the old blocks of a rewritten or
removed file keep the key readable in the raw flash long after unpairing. The key block is
erased in place: after erase() the key's bytes are nowhere in the image (docs/journal.md
"Keys outside littlefs"). The record holds the pairing key: written only here, never
logged. A board whose flash has no reserved block (unit tests) keeps the pairing in RAM.
"""

from firmware.keyblock import KeyBlock
from hw import hal
from protocol import cbor
from protocol.security_errors import SecurityError

LEGACY_PATH = "pairing"  # where firmware before the key block kept it, in littlefs


def drop_legacy(fs, problems):
    """Remove a pairing file an older firmware left in littlefs (the key in clear); its
    old blocks keep the bytes until littlefs reuses them, so the terminal must be paired
    again, and that is said."""
    if fs is not None and fs.exists(LEGACY_PATH):
        fs.remove(LEGACY_PATH)
        problems.append("ancien appairage efface: appairez de nouveau le terminal")


def key_block_of(flash):
    """The KeyBlock of a board's flash, or None when it reserves no raw block."""
    if flash is None or not getattr(flash, "reserved", 0):
        return None
    return KeyBlock(flash, 0)


class PairingStore:
    """load() / save(pairing) / erase() on a KeyBlock (None: nothing is kept)."""

    def __init__(self, block):
        self.block = block
        self.problems = []

    def load(self):
        """The stored Pairing, or None (never paired, unpaired, or unreadable: reported)."""
        if self.block is None:
            return None
        try:
            body = self.block.read()
            if body is None:
                return None
            # Only a paired terminal loads protocol.pairing (docs/board.md "Heap").
            from protocol.pairing import Pairing

            return Pairing.from_store(cbor.decode(body))
        except (ValueError, SecurityError):
            self.problems.append("appairage illisible: appairez de nouveau le terminal")
            self._scrub()
            return None

    def _scrub(self):
        """A block holding no valid record (a write or an erase the power cut short) may
        still hold key bytes: erased now and checked, so none outlive the unpairing."""
        try:
            self.block.erase()
        except hal.PowerCut:
            raise  # the power is gone (emulator, power-cut bench)
        except (OSError, hal.FlashError) as e:  # a low battery: tried again at next boot
            self.problems.append("bloc de cle non efface (%s)" % type(e).__name__)
            return
        self.problems.append("bloc de cle endommage: efface")

    def save(self, pairing):
        """Keep `pairing`: once this returns, it survives a power cut (a cut during it
        leaves no pairing, and the PC, which never got the last answer, keeps none)."""
        if self.block is not None:
            self.block.write(cbor.encode(pairing.to_store()))

    def erase(self):
        """Unpairing: the block erased and checked blank (OSError when it is not)."""
        if self.block is not None:
            self.block.erase()
