"""NOR flash in MicroPython's block-device protocol, stored in any seekable file object.

Used by the unix board (a file on disk) and by the emulator and tests (a file or BytesIO).
NOR semantics: erase sets a whole block to 0xFF; program can only clear bits (new = old &
data). Every program and erase is counted, and power can be cut at write operation N:
that operation and every later one raise PowerCut and change nothing, so the image keeps
exactly what had been written, as after a real loss of power. Optionally the interrupted
operation is torn (its first bytes land), and a hook runs at the cut: the power-cut bench
(emulator/powercut.py) ends the whole process there, as a real power loss would.

`reserved` blocks after the filesystem's (the same image file, its last blocks) are raw
flash that littlefs never sees: hw/keyblock.py keeps key material there, because a block
that is erased in place holds no old copy, which littlefs' copy-on-write cannot promise.
"""

from hw.hal import (
    IOCTL_BLOCK_COUNT,
    IOCTL_BLOCK_ERASE,
    IOCTL_BLOCK_SIZE,
    BlockDevice,
    FlashError,
    PowerCut,
)


def _nor_and(old, data):
    """NOR programming only clears bits: the new content is old AND data."""
    n = len(data)
    return (int.from_bytes(old, "big") & int.from_bytes(data, "big")).to_bytes(n, "big")


class NorFlash(BlockDevice):
    def __init__(
        self,
        store,
        block_size=4096,
        block_count=512,
        cut_at=0,
        on_write=None,
        tear=0,
        on_cut=None,
        reserved=0,
    ):
        """`store`: a seekable binary file (read/write) of block_size * block_count bytes,
        created blank (0xFF) when shorter; an unbuffered file keeps every write even if
        the process ends at once. `cut_at`: 1-based number of the write operation
        (program or erase) at which power fails; 0 for never. `on_write(op, block, offset,
        data)` is called after each applied write (op is "prog" or "erase"). `tear`: bytes
        of the interrupted operation that still land (a program's first bytes, or the
        first bytes of an erase), 0 for none. `on_cut(n)` is called at the cut, after the
        torn bytes landed and before PowerCut is raised (it may end the process).
        `reserved`: raw blocks stored after the `block_count` the filesystem sees, reached
        only by read_reserved / program_reserved / erase_reserved."""
        self.store = store
        self.block_size = block_size
        self.block_count = block_count
        self.cut_at = cut_at
        self.on_write = on_write
        self.tear = tear
        self.on_cut = on_cut
        self.reads = 0
        self.programs = 0
        self.erases = 0
        self.bytes_programmed = 0
        self.powered = True
        self.reserved = reserved
        self._blank = b"\xff" * block_size
        size = block_size * (block_count + reserved)
        store.seek(0, 2)
        have = store.tell()
        while have < size:
            chunk = min(block_size, size - have)
            store.write(self._blank[:chunk])
            have += chunk

    @property
    def size(self) -> int:
        return self.block_size * self.block_count

    @property
    def writes(self) -> int:
        """Write operations (programs and erases) applied so far."""
        return self.programs + self.erases

    def _address(self, block_num, offset, length, limit=None):
        if limit is None:
            limit = self.block_count
        if block_num < 0 or block_num >= limit or offset < 0:
            raise FlashError("flash address out of range: block %d" % block_num)
        if offset + length > self.block_size:
            raise FlashError("flash access crosses the end of block %d" % block_num)
        return block_num * self.block_size + offset

    def _power_check(self, addr, data, erase=False):
        """Raise PowerCut when the power is (or goes) off; `data` is what the operation
        would write at `addr`, of which the first `tear` bytes land at the cut."""
        if not self.powered:
            raise PowerCut("flash has no power")
        if self.cut_at and self.writes + 1 >= self.cut_at:
            self.powered = False
            n = min(self.tear, len(data))
            if n:
                self.store.seek(addr)
                old = self.store.read(n)
                self.store.seek(addr)
                self.store.write(data[:n] if erase else _nor_and(old, data[:n]))
            if self.on_cut:
                self.on_cut(self.writes + 1)
            raise PowerCut("power cut at flash write %d" % (self.writes + 1))

    def readblocks(self, block_num, buf, offset=0):
        addr = self._address(block_num, offset, len(buf))
        self.reads += 1
        self.store.seek(addr)
        n = self.store.readinto(buf)
        if n != len(buf):
            raise FlashError("short read from the flash image")

    def writeblocks(self, block_num, buf, offset=0):
        if offset is None:
            offset = 0
        self._program(self._address(block_num, offset, len(buf)), block_num, buf, offset)

    def _program(self, addr, block_num, buf, offset):
        data = bytes(buf)
        self._power_check(addr, data)
        n = len(data)
        self.store.seek(addr)
        old = self.store.read(n)
        self.store.seek(addr)
        self.store.write(_nor_and(old, data))
        self.programs += 1
        self.bytes_programmed += n
        if self.on_write:
            self.on_write("prog", block_num, offset, data)

    def erase(self, block_num):
        self._erase(self._address(block_num, 0, self.block_size), block_num)

    def _erase(self, addr, block_num):
        self._power_check(addr, self._blank, erase=True)
        self.store.seek(addr)
        self.store.write(self._blank)
        self.erases += 1
        if self.on_write:
            self.on_write("erase", block_num, 0, b"")

    # Reserved raw blocks: numbered 0.. after the filesystem's, same NOR rules and counters.

    def _reserved_address(self, index, offset, length):
        block_num = self.block_count + index
        if index < 0:
            raise FlashError("no reserved flash block %d" % index)
        return block_num, self._address(block_num, offset, length, self.block_count + self.reserved)

    def read_reserved(self, index, offset, n) -> bytes:
        _, addr = self._reserved_address(index, offset, n)
        self.reads += 1
        self.store.seek(addr)
        data = self.store.read(n)
        if len(data) != n:
            raise FlashError("short read from the flash image")
        return data

    def program_reserved(self, index, offset, data):
        block_num, addr = self._reserved_address(index, offset, len(data))
        self._program(addr, block_num, data, offset)

    def erase_reserved(self, index):
        block_num, addr = self._reserved_address(index, 0, self.block_size)
        self._erase(addr, block_num)

    def ioctl(self, op, arg):
        if op == IOCTL_BLOCK_COUNT:
            return self.block_count
        if op == IOCTL_BLOCK_SIZE:
            return self.block_size
        if op == IOCTL_BLOCK_ERASE:
            self.erase(arg)
            return 0
        return 0

    def flush(self):
        """Push the image to its file (the unix board calls this on sync)."""
        if hasattr(self.store, "flush"):
            self.store.flush()


class RamStore:
    """A fixed-size file in RAM for NorFlash: one bytearray allocated once and blank
    (0xFF), so a simulated flash never grows a buffer by copies the way BytesIO does (on
    MicroPython a 400 KB BytesIO needs its whole size again, in one piece, to grow)."""

    def __init__(self, size):
        self.buf = bytearray(size)
        blank = b"\xff" * 4096
        for at in range(0, size, 4096):
            n = min(4096, size - at)
            self.buf[at : at + n] = blank[:n]
        self.pos = 0

    def seek(self, pos, whence=0):
        if whence == 2:
            pos += len(self.buf)
        elif whence == 1:
            pos += self.pos
        self.pos = pos
        return pos

    def tell(self):
        return self.pos

    def read(self, n):
        data = bytes(self.buf[self.pos : self.pos + n])
        self.pos += len(data)
        return data

    def readinto(self, buf):
        n = min(len(buf), len(self.buf) - self.pos)
        buf[:n] = memoryview(self.buf)[self.pos : self.pos + n]
        self.pos += n
        return n

    def write(self, data):
        n = len(data)
        if self.pos + n > len(self.buf):
            raise OSError("RamStore: write past the end")
        self.buf[self.pos : self.pos + n] = data
        self.pos += n
        return n
