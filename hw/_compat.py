"""The few places where hw/ differs between MicroPython and CPython, in one module.

- littlefs: MicroPython's built-in `vfs.VfsLfs2` over a block device; on CPython the
  `littlefs-python` binding over the same block device (hw/_littlefs_cpython.py, imported
  only there). Both get the same geometry, so an
  image written by one mounts in the other.
- raw mode for a serial tty (termios.setraw on MicroPython, tty.setraw on CPython).
"""

import sys
import time

from hw.hal import (
    IOCTL_BLOCK_COUNT,
    IOCTL_BLOCK_SIZE,
    FileSystem,
    FlashDamaged,
)

IS_MICROPYTHON = sys.implementation.name == "micropython"


def ticks_ms() -> int:
    """Monotonic milliseconds."""
    if IS_MICROPYTHON:
        return time.ticks_ms()  # type: ignore[attr-defined]
    return int(time.monotonic() * 1000)  # type: ignore[attr-defined]


def sleep_ms(ms) -> None:
    time.sleep(ms / 1000)


# littlefs geometry shared by both interpreters (MicroPython derives cache = 4 * max(r, p)).
LFS_READ_SIZE = 32
LFS_PROG_SIZE = 32
LFS_LOOKAHEAD = 32
LFS_CACHE_SIZE = 128
LFS_BLOCK_CYCLES = 100


def _lfs_call(fn, *args):
    if IS_MICROPYTHON:
        return fn(*args)
    from hw._littlefs_cpython import call

    return call(fn, *args)


class _LittleFs(FileSystem):
    """FileSystem over either binding; `impl` is a VfsLfs2 or a littlefs.LittleFS."""

    def __init__(self, impl, block_size, block_count):
        self.impl = impl
        self.block_size = block_size
        self.block_count = block_count
        self.formatted_over = False  # True: formatted over bytes in blocks 0-1 (said at boot)

    def open(self, path, mode="rb"):
        # littlefs-python's "ab" does not create a missing file; make both behave like POSIX.
        if mode[0] == "a" and not self.exists(path):
            _lfs_call(self.impl.open, path, "wb").close()
        f = _lfs_call(self.impl.open, path, mode)
        if IS_MICROPYTHON:
            return f
        from hw._littlefs_cpython import CpyFile

        return CpyFile(f)

    def exists(self, path):
        try:
            _lfs_call(self.impl.stat, path)
            return True
        except OSError:
            return False

    def size(self, path):
        st = _lfs_call(self.impl.stat, path)
        return st[6] if IS_MICROPYTHON else st.size

    def remove(self, path):
        _lfs_call(self.impl.remove, path)

    def rename(self, old, new):
        _lfs_call(self.impl.rename, old, new)

    def mkdir(self, path):
        _lfs_call(self.impl.mkdir, path)

    def listdir(self, path=""):
        if IS_MICROPYTHON:
            return sorted(entry[0] for entry in self.impl.ilistdir(path))
        return sorted(_lfs_call(self.impl.listdir, path or "/"))

    def free_bytes(self):
        if IS_MICROPYTHON:
            st = self.impl.statvfs("")
            return st[0] * st[3]
        return (self.block_count - _lfs_call(lambda: self.impl.used_block_count)) * self.block_size


def mount_littlefs(bdev, format_if_blank=True, prog_size=LFS_PROG_SIZE) -> FileSystem:
    """Mount littlefs on `bdev`; format it first when it holds no filesystem (and allowed).
    `prog_size`: the smallest write the flash takes (256, a page, on the RP2350's).

    Only a blank flash is formatted (all 0xFF but the superblock pair: _refuse_or_format).
    Raises FlashDamaged when the flash holds data that does not mount (it is left as it
    is), OSError when it is blank and formatting is not allowed.
    """
    block_size = bdev.ioctl(IOCTL_BLOCK_SIZE, 0)
    block_count = bdev.ioctl(IOCTL_BLOCK_COUNT, 0)
    if IS_MICROPYTHON:
        import vfs  # type: ignore[import-not-found]

        opts = {"readsize": LFS_READ_SIZE, "progsize": prog_size, "lookahead": LFS_LOOKAHEAD}
        try:
            impl = vfs.VfsLfs2(bdev, mtime=False, **opts)
        except OSError:
            over = _refuse_or_format(bdev, format_if_blank)
            vfs.VfsLfs2.mkfs(bdev, **opts)
            fs = _LittleFs(vfs.VfsLfs2(bdev, mtime=False, **opts), block_size, block_count)
            fs.formatted_over = over
            return fs
        return _LittleFs(impl, block_size, block_count)

    from hw._littlefs_cpython import mount

    geometry = (LFS_READ_SIZE, LFS_CACHE_SIZE, LFS_LOOKAHEAD, LFS_BLOCK_CYCLES)
    formatted = {"over": False}

    def refuse_or_format():
        formatted["over"] = _refuse_or_format(bdev, format_if_blank)

    impl = mount(bdev, block_size, block_count, prog_size, geometry, refuse_or_format)
    fs = _LittleFs(impl, block_size, block_count)
    fs.formatted_over = formatted["over"]
    return fs


def is_erased(bdev, first=0, end=None) -> bool:
    """True when every byte of the flash's blocks [first, end) (end: the last block) is
    0xFF (never written, or wholly erased). Reads one block at a time."""
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


def _refuse_or_format(bdev, format_if_blank):
    """After a failed mount: format only an erased flash (and when allowed). Blocks 0 and 1
    may hold bytes: they are littlefs' superblock pair, the only blocks a format writes, so
    an unmountable flash with nothing beyond them is a first format the power cut short and
    holds nothing. Anything else is damage, never formatted away: FlashDamaged
    (docs/journal.md "Flash damage"). Returns True when blocks 0-1 held bytes."""
    if not is_erased(bdev, 2):
        raise FlashDamaged("the flash holds data littlefs cannot mount: not formatted")
    if not format_if_blank:
        raise OSError(19, "no filesystem on the flash")
    return not is_erased(bdev, 0, 2)  # bytes in the superblock pair: said, not silent


def tty_raw_nonblocking(fd) -> None:
    """Raw mode, and VMIN = VTIME = 0 so that a read returns at once with what is there
    (MicroPython's stream read would otherwise wait to fill the whole buffer)."""
    import termios

    if IS_MICROPYTHON:
        termios.setraw(fd)
    else:
        import tty

        tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[6][5] = 0  # VTIME
    attrs[6][6] = 0  # VMIN
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
