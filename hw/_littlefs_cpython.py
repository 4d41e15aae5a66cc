"""littlefs on CPython: the `littlefs-python` binding over a MicroPython-style block device,
its errors turned into OSError as MicroPython's VfsLfs2 raises them.

CPython only (hw/_compat.py imports it lazily, the hw manifest never freezes it): on a
device its classes would hold heap for nothing (docs/board.md "Heap").
"""

import littlefs  # type: ignore[import-not-found]

from hw.hal import IOCTL_BLOCK_COUNT, IOCTL_BLOCK_ERASE, IOCTL_BLOCK_SIZE


def _os_error(e):
    """littlefs-python raises LittleFSError (code: negative errno); the FileSystem contract
    is OSError with a positive errno, as VfsLfs2 raises on MicroPython."""
    code = getattr(e, "code", None)
    return OSError(-code if isinstance(code, int) and code < 0 else 5, str(e) or repr(e))


# What the block device raised inside a littlefs callback (a LowBattery, say): the binding
# cannot let it through its C code, so the callback keeps it, answers littlefs with an I/O
# error, and call() raises it as MicroPython's VfsLfs2 lets the device's exception through.
_RAISED: list = []
_LFS_ERR_IO = -5


def call(fn, *args):
    del _RAISED[:]
    try:
        out = fn(*args)
    except littlefs.LittleFSError as e:
        if _RAISED:
            raise _RAISED.pop() from None
        raise _os_error(e)
    if _RAISED:
        raise _RAISED.pop()
    return out


class CpyFile:
    """A littlefs-python file whose errors are OSError."""

    def __init__(self, f):
        self._f = f

    def read(self, n=-1):
        return call(self._f.read, n)

    def readinto(self, buf):
        return call(self._f.readinto, buf)

    def write(self, data):
        return call(self._f.write, data)

    def seek(self, offset, whence=0):
        return call(self._f.seek, offset, whence)

    def tell(self):
        return call(self._f.tell)

    def flush(self):
        # io.BufferedWriter.flush() does not flush its raw file: sync littlefs explicitly,
        # so that flush() commits as it does on MicroPython.
        call(self._f.flush)
        raw = getattr(self._f, "raw", None)
        if raw is not None:
            call(raw.flush)

    def close(self):
        return call(self._f.close)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _LfsContext:
    """littlefs-python user context that forwards to a MicroPython-style block device."""

    def __init__(self, bdev):
        self.bdev = bdev

    def read(self, cfg, block, off, size):
        buf = bytearray(size)
        self.bdev.readblocks(block, buf, off)
        return buf

    def prog(self, cfg, block, off, data):
        try:
            self.bdev.writeblocks(block, data, off)
        except Exception as e:  # kept for call() (_RAISED)
            _RAISED.append(e)
            return _LFS_ERR_IO
        return 0

    def erase(self, cfg, block):
        try:
            self.bdev.ioctl(IOCTL_BLOCK_ERASE, block)
        except Exception as e:  # kept for call() (_RAISED)
            _RAISED.append(e)
            return _LFS_ERR_IO
        return 0

    def sync(self, cfg):
        return 0


def _littlefs(bdev, prog_size, geometry):
    """A littlefs.LittleFS over `bdev`, not mounted. `geometry`: (read size, cache size,
    lookahead, block cycles), shared with MicroPython's in hw/_compat.py."""
    read_size, cache_size, lookahead, block_cycles = geometry
    return littlefs.LittleFS(
        context=_LfsContext(bdev),
        mount=False,
        block_size=bdev.ioctl(IOCTL_BLOCK_SIZE, 0),
        block_count=bdev.ioctl(IOCTL_BLOCK_COUNT, 0),
        read_size=read_size,
        prog_size=prog_size,
        cache_size=max(cache_size, prog_size),
        lookahead_size=lookahead,
        block_cycles=block_cycles,
    )


def mount(bdev, prog_size, geometry):
    """The mounted littlefs.LittleFS on `bdev`; OSError when it does not mount."""
    impl = _littlefs(bdev, prog_size, geometry)
    call(impl.mount)
    return impl


def mkfs(bdev, prog_size, geometry):
    """Format `bdev` (hw/_compat.py checks first that it holds nothing)."""
    call(_littlefs(bdev, prog_size, geometry).format)
