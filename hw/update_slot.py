"""An image slot: a raw flash region outside littlefs that holds one firmware image and its
signed manifest (docs/board.md "Updates"). A board that takes updates has two (the
simulated board and the bench: two regions of its flash's reserved blocks; the unix board:
two image files; the RP2350: its boot ROM's two partitions, each joined to header blocks
in the data region, hw/boards/rp2350_update.py): the one it boots from, and the spare
one an update is written into.

    blocks 0 .. HEADER_BLOCKS-1  "TLAS" | version u8 (1) | length u32 BE | signed manifest | CRC-32
    the blocks after             the image, written chunk by chunk

Any block device in MicroPython's protocol (readblocks, writeblocks with an offset: program
only, ioctl 6: erase one block): hw.flash.NorFlash over a file, rp2.Flash(start, len), or
ReservedView over a NorFlash's reserved blocks (the power-cut bench: one write counter for
the journal, the slots and the boot record). Every write is read back.
"""

import hashlib

from hw import hal
from protocol.crc import crc32_bytes

MAGIC = b"TLAS"
VERSION = 1
HEADER_BLOCKS = 3  # 12 KiB: a signed manifest is at most 12 KiB (protocol/update_manifest.py)
_HEAD = 9
PAGE = 256  # programs are whole pages (the RP2350's flash_range_program)
READ = 1024  # bytes read at a time


class Region(hal.BlockDevice):
    """A block device of `count` blocks of `block_size` bytes whose erase is
    erase_block(n): the ioctl the slots and the boot record ask."""

    count = 0
    block_size = 4096

    def erase_block(self, block_num):
        raise NotImplementedError

    def ioctl(self, op, arg):
        if op == hal.IOCTL_BLOCK_COUNT:
            return self.count
        if op == hal.IOCTL_BLOCK_SIZE:
            return self.block_size
        if op == hal.IOCTL_BLOCK_ERASE:
            self.erase_block(arg)
            return 0
        return 0


class ReservedView(Region):
    """Blocks `first` .. `first + count - 1` of a flash's reserved blocks (hw/flash.py) as
    a block device of their own."""

    def __init__(self, flash, first, count):
        self.flash = flash
        self.first = first
        self.count = count
        self.block_size = flash.block_size

    def _index(self, block_num):
        if not 0 <= block_num < self.count:
            raise hal.FlashError("no block %d in this region" % block_num)
        return self.first + block_num

    def readblocks(self, block_num, buf, offset=0):
        buf[:] = self.flash.read_reserved(self._index(block_num), offset, len(buf))

    def writeblocks(self, block_num, buf, offset=0):
        self.flash.program_reserved(self._index(block_num), offset or 0, bytes(buf))

    def erase_block(self, block_num):
        self.flash.erase_reserved(self._index(block_num))


def _padded(data):
    n = len(data)
    return bytes(data) + b"\xff" * ((PAGE - n % PAGE) % PAGE)


class Slot:
    def __init__(self, dev):
        self.dev = dev
        self.block_size = dev.ioctl(hal.IOCTL_BLOCK_SIZE, 0)
        self.blocks = dev.ioctl(hal.IOCTL_BLOCK_COUNT, 0)
        self.capacity = max(0, self.blocks - HEADER_BLOCKS) * self.block_size

    # ------------------------------------------------------------ raw access

    def _read(self, at, n):
        """`n` bytes from byte `at` of the region, across blocks."""
        out = bytearray(n)
        view = memoryview(out)
        done = 0
        while done < n:
            block, offset = divmod(at + done, self.block_size)
            step = min(n - done, self.block_size - offset)
            self.dev.readblocks(block, view[done : done + step], offset)
            done += step
        return bytes(out)

    def _program(self, at, data):
        """Program `data` (page-padded) at byte `at` of erased blocks, block by block, and
        read it back (OSError when the flash did not keep it)."""
        data = _padded(data)
        done = 0
        while done < len(data):
            block, offset = divmod(at + done, self.block_size)
            step = min(len(data) - done, self.block_size - offset)
            self.dev.writeblocks(block, data[done : done + step], offset)
            done += step
        if self._read(at, len(data)) != data:
            raise OSError(5, "the image slot did not keep what was written")

    def _erase(self, block):
        self.dev.ioctl(hal.IOCTL_BLOCK_ERASE, block)

    # ------------------------------------------------------------ the header

    def read_header(self):
        """The signed manifest kept, or None (erased, torn by a power cut, damaged)."""
        head = self._read(0, _HEAD)
        if head[:4] != MAGIC or head[4] != VERSION:
            return None
        n = int.from_bytes(head[5:9], "big")
        if _HEAD + n + 4 > HEADER_BLOCKS * self.block_size:
            return None
        record = self._read(0, _HEAD + n + 4)
        if crc32_bytes(record[:-4]) != record[-4:]:
            return None
        return record[_HEAD:-4]

    def write_header(self, signed):
        """Start this slot afresh for the update `signed` (the image blocks are erased as
        their chunks come). The first erase voids whatever the slot held."""
        record = MAGIC + bytes((VERSION,)) + len(signed).to_bytes(4, "big") + bytes(signed)
        record += crc32_bytes(record)
        if len(record) > HEADER_BLOCKS * self.block_size:
            raise ValueError("a signed manifest of %d bytes does not fit a slot" % len(signed))
        for block in range(HEADER_BLOCKS):
            self._erase(block)
        self._program(0, record)

    def clear(self):
        """Void the slot (its header's first block erased)."""
        self._erase(0)

    # ------------------------------------------------------------ the image

    def write(self, at, data):
        """Chunk `data` at byte `at` of the image; a block is erased when its first byte
        comes, so a chunk that starts a block is written on erased flash."""
        base = HEADER_BLOCKS * self.block_size + at
        if at + len(data) > self.capacity:
            raise ValueError("the image does not fit the slot")
        if base % self.block_size == 0:
            self._erase(base // self.block_size)
        self._program(base, data)

    def read(self, at, n):
        return self._read(HEADER_BLOCKS * self.block_size + at, n)

    def erased(self, at, n):
        """True when the image's bytes `at` .. `at + n - 1` all read 0xFF (programmable)."""
        for start in range(at, at + n, READ):
            part = self.read(start, min(READ, at + n - start))
            if part.count(b"\xff") != len(part):
                return False
        return True

    def digest(self, size):
        """SHA-256 of the image's first `size` bytes, read READ bytes at a time."""
        h = hashlib.sha256()
        for at in range(0, size, READ):
            h.update(self.read(at, min(READ, size - at)))
        return h.digest()
