"""A raw flash block outside littlefs for key material that must be erasable for good.

littlefs is copy-on-write: a rewritten or removed file leaves its old bytes in blocks that
are erased only when reused, so a key kept there survives unpairing in the raw image. This
block is NorFlash's reserved block (hw/flash.py): writing erases it first and programs one
record; erasing sets all its bytes to 0xFF and reads them back, so after `erase()` no copy
of what it held is left anywhere (docs/journal.md "Keys outside littlefs").

    record = "TLAK" | version u8 (1) | length u16 BE | body | CRC-32 BE of all before

A power cut during `write()` leaves an erased or torn block: read() then says None or
raises ValueError, never returns half a key.
"""

from protocol.crc import crc32_bytes

MAGIC = b"TLAK"
VERSION = 1
_HEAD = 7  # magic, version, length
_CHECK = 256  # bytes read at a time when checking an erase


class KeyBlock:
    """One reserved block of `flash` (a hw.flash.NorFlash built with reserved >= index+1)."""

    def __init__(self, flash, index=0):
        self.flash = flash
        self.index = index
        self.size = flash.block_size

    def read(self):
        """The body kept, or None when the block is erased; ValueError when damaged (an
        erase the power cut short may leave the head blank and key bytes after it: a
        blank head counts as erased only when the whole block is)."""
        head = self.flash.read_reserved(self.index, 0, _HEAD)
        if head == b"\xff" * _HEAD:
            if not self.is_blank():
                raise ValueError("the key block is neither erased nor a record")
            return None
        n = (head[5] << 8) | head[6]
        if head[:4] != MAGIC or head[4] != VERSION or _HEAD + n + 4 > self.size:
            raise ValueError("the key block holds no valid record")
        data = self.flash.read_reserved(self.index, 0, _HEAD + n + 4)
        if crc32_bytes(data[:-4]) != data[-4:]:
            raise ValueError("the key block's record fails its CRC")
        return data[_HEAD:-4]

    def write(self, body):
        """Replace what the block holds with `body` (erase, then one program)."""
        n = len(body)
        if _HEAD + n + 4 > self.size:
            raise ValueError("a key record of %d bytes does not fit the key block" % n)
        record = MAGIC + bytes((VERSION, n >> 8, n & 0xFF)) + bytes(body)
        self.erase()
        self.flash.program_reserved(self.index, 0, record + crc32_bytes(record))
        if self.read() != bytes(body):
            raise OSError(5, "the key block did not keep what was written")

    def erase(self):
        """Erase the block and check that every byte reads 0xFF (OSError otherwise)."""
        self.flash.erase_reserved(self.index)
        if not self.is_blank():
            raise OSError(5, "the key block did not erase")

    def is_blank(self):
        """True when every byte of the block reads 0xFF."""
        blank = b"\xff" * _CHECK
        for at in range(0, self.size, _CHECK):
            if self.flash.read_reserved(self.index, at, _CHECK) != blank:
                return False
        return True
