"""When littlefs may be formatted: only over a flash that holds nothing (docs/journal.md
"Flash damage"). Every format of tla's goes through `clear_for_format` (the journal's
littlefs in hw/_compat.py, the RP2350's REPL partition in hw/boards/TLA_T1/_boot.py).

A flash littlefs cannot mount holds nothing when every block is erased (0xFF), or when it
holds only part of a format: blocks 2.. erased, and blocks 0-1 (the superblock pair, the
only blocks a format writes) on their way to what a format of this geometry writes there.
NOR programming only clears bits and an erase only sets them, so a format (or our erase
before it) the power cut short leaves blocks 0-1 with no bit cleared that the finished
format leaves set: `byte & formatted == formatted`, byte for byte. The finished format is
computed, not assumed: the same mkfs on a RAM copy of blocks 0-1 (the rest reads erased).

Anything else is data: a superblock pair whose other blocks were erased (the root directory,
the `marks` with the highest numbers still readable in it), a scribbled superblock, one
stray byte. It raises FlashDamaged and is never formatted: the storage opens in salvage
mode, the PC pulls what survives, and the numbers never go back.
"""

from hw.hal import IOCTL_BLOCK_COUNT, IOCTL_BLOCK_ERASE, IOCTL_BLOCK_SIZE, FlashDamaged

_PAIR = 2  # blocks 0 and 1: littlefs' superblock pair


class _FormatProbe:
    """A block device of the real geometry that keeps blocks 0-1 in RAM and reads every other
    block erased: what a format writes on a blank flash of this size. Any write beyond
    blocks 0-1 means a format writes more than the rule assumes: refused loudly."""

    def __init__(self, block_size, block_count):
        self.block_size = block_size
        self.block_count = block_count
        self.blocks = [bytearray(b"\xff" * block_size) for _ in range(_PAIR)]

    def readblocks(self, block_num, buf, offset=0):
        n = len(buf)
        if block_num < _PAIR:
            buf[:] = self.blocks[block_num][offset : offset + n]
        else:
            for i in range(n):
                buf[i] = 0xFF

    def writeblocks(self, block_num, buf, offset=0):
        if block_num >= _PAIR:
            raise FlashDamaged(
                "a format writes block %d: the format rule no longer holds" % block_num
            )
        blk = self.blocks[block_num]
        offset = offset or 0
        for i in range(len(buf)):
            blk[offset + i] &= buf[i]

    def ioctl(self, op, arg):
        if op == IOCTL_BLOCK_COUNT:
            return self.block_count
        if op == IOCTL_BLOCK_SIZE:
            return self.block_size
        if op == IOCTL_BLOCK_ERASE:
            if arg >= _PAIR:
                raise FlashDamaged(
                    "a format erases block %d: the format rule no longer holds" % arg
                )
            self.blocks[arg][:] = b"\xff" * self.block_size
        return 0


def blank_blocks(bdev, first=0, end=None) -> bool:
    """True when every byte of blocks [first, end) (end: the last block) is 0xFF. One block
    in RAM at a time."""
    block_size = bdev.ioctl(IOCTL_BLOCK_SIZE, 0)
    buf = bytearray(block_size)
    blank = b"\xff" * block_size
    if end is None:
        end = bdev.ioctl(IOCTL_BLOCK_COUNT, 0)
    for block in range(first, end):
        bdev.readblocks(block, buf, 0)
        if buf != blank:
            return False
    return True


def _part_of(buf, formatted) -> bool:
    """True when `buf` can become `formatted` by programming alone (clearing bits)."""
    for i in range(len(buf)):
        f = formatted[i]
        if buf[i] & f != f:
            return False
    return True


def clear_for_format(bdev, mkfs, allowed=True) -> bool:
    """After a failed mount: raise FlashDamaged unless `bdev` holds nothing (module
    docstring), OSError when it does but `allowed` is False (nothing is written then).
    `mkfs(device)` formats a device the way the caller will format `bdev`. Returns False for
    a blank flash, True for a format the power cut short: its blocks 0-1 are erased here
    first, so that the format starts from blank and writes exactly what the probe computed
    (a cut during this erase or that format leaves the same state again)."""
    if not blank_blocks(bdev, _PAIR):
        raise FlashDamaged("the flash holds data littlefs cannot mount: not formatted")
    if blank_blocks(bdev, 0, _PAIR):
        if not allowed:
            raise OSError(19, "no filesystem on the flash")
        return False
    block_size = bdev.ioctl(IOCTL_BLOCK_SIZE, 0)
    probe = _FormatProbe(block_size, bdev.ioctl(IOCTL_BLOCK_COUNT, 0))
    mkfs(probe)
    buf = bytearray(block_size)
    for block in range(_PAIR):
        bdev.readblocks(block, buf, 0)
        if not _part_of(buf, probe.blocks[block]):
            raise FlashDamaged("blocks 0-1 hold data that is not part of a format: not formatted")
    if not allowed:
        raise OSError(19, "no filesystem on the flash")
    for block in range(_PAIR):
        bdev.ioctl(IOCTL_BLOCK_ERASE, block)
    return True
