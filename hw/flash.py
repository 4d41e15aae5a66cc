"""NOR flash in MicroPython's block-device protocol, stored in any seekable file object.

Used by the unix board (a file on disk) and by the emulator and tests (a file or BytesIO).
NOR semantics: erase sets a whole block to 0xFF; program can only clear bits (new = old &
data). Every program and erase is counted, and power can be cut at write operation N:
that operation and every later one raise PowerCut and change nothing, so the image keeps
exactly what had been written, as after a real loss of power.
"""

from hw.hal import (
    IOCTL_BLOCK_COUNT,
    IOCTL_BLOCK_ERASE,
    IOCTL_BLOCK_SIZE,
    BlockDevice,
    FlashError,
    PowerCut,
)


class NorFlash(BlockDevice):
    def __init__(self, store, block_size=4096, block_count=512, cut_at=0, on_write=None):
        """`store`: a seekable binary file (read/write) of block_size * block_count bytes,
        created blank (0xFF) when shorter. `cut_at`: 1-based number of the write operation
        (program or erase) at which power fails; 0 for never. `on_write(op, block, offset,
        data)` is called after each applied write (op is "prog" or "erase")."""
        self.store = store
        self.block_size = block_size
        self.block_count = block_count
        self.cut_at = cut_at
        self.on_write = on_write
        self.reads = 0
        self.programs = 0
        self.erases = 0
        self.bytes_programmed = 0
        self.powered = True
        self._blank = b"\xff" * block_size
        size = block_size * block_count
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

    def _address(self, block_num, offset, length):
        if block_num < 0 or block_num >= self.block_count or offset < 0:
            raise FlashError("flash address out of range: block %d" % block_num)
        if offset + length > self.block_size:
            raise FlashError("flash access crosses the end of block %d" % block_num)
        return block_num * self.block_size + offset

    def _power_check(self):
        if not self.powered:
            raise PowerCut("flash has no power")
        if self.cut_at and self.writes + 1 >= self.cut_at:
            self.powered = False
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
        addr = self._address(block_num, offset, len(buf))
        self._power_check()
        data = bytes(buf)
        n = len(data)
        self.store.seek(addr)
        old = self.store.read(n)
        # NOR programming only clears bits: AND the new data into what is there.
        new = (int.from_bytes(old, "big") & int.from_bytes(data, "big")).to_bytes(n, "big")
        self.store.seek(addr)
        self.store.write(new)
        self.programs += 1
        self.bytes_programmed += n
        if self.on_write:
            self.on_write("prog", block_num, offset, data)

    def erase(self, block_num):
        addr = self._address(block_num, 0, self.block_size)
        self._power_check()
        self.store.seek(addr)
        self.store.write(self._blank)
        self.erases += 1
        if self.on_write:
            self.on_write("erase", block_num, 0, b"")

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
