"""The few places where hw/ differs between MicroPython and CPython, in one module.

- littlefs: MicroPython's built-in `vfs.VfsLfs2` over a block device; on CPython the
  `littlefs-python` binding over the same block device (hw/_littlefs_cpython.py, imported
  only there). Both get the same geometry, so an
  image written by one mounts in the other.
- raw mode for a serial tty (termios.setraw on MicroPython, tty.setraw on CPython).
- a private file (the unix board's flash image, which holds the key block): os.open with
  mode 0600 on CPython; MicroPython has neither os.open nor chmod, so its shell does it.
"""

import sys
import time

from hw.hal import IOCTL_BLOCK_COUNT, IOCTL_BLOCK_SIZE, FileSystem

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
_GEOMETRY = (LFS_READ_SIZE, LFS_CACHE_SIZE, LFS_LOOKAHEAD, LFS_BLOCK_CYCLES)


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
        self.format_resumed = False  # True: a format the power cut short, done again (said)
        self.formatted_now = False  # True: this mount formatted a flash that held nothing

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
    """Mount littlefs on `bdev`; format it first when it holds nothing (and allowed).
    `prog_size`: the smallest write the flash takes (256, a page, on the RP2350's).

    Only a flash that holds nothing is formatted: all 0xFF, or a format the power cut short
    (hw/format_rule.py). Raises FlashDamaged when the flash holds data that does not mount
    (it is left as it is), OSError when it holds nothing and formatting is not allowed.
    """
    block_size = bdev.ioctl(IOCTL_BLOCK_SIZE, 0)
    block_count = bdev.ioctl(IOCTL_BLOCK_COUNT, 0)
    try:
        return _LittleFs(_mount(bdev, prog_size), block_size, block_count)
    except OSError:
        pass
    from hw.format_rule import clear_for_format  # (only after a failed mount: no heap else)

    resumed = clear_for_format(bdev, lambda dev: _mkfs(dev, prog_size), format_if_blank)
    _mkfs(bdev, prog_size)
    fs = _LittleFs(_mount(bdev, prog_size), block_size, block_count)
    fs.format_resumed = resumed
    fs.formatted_now = True
    return fs


def _mount(bdev, prog_size):
    """The binding's mounted filesystem on `bdev`; OSError when littlefs cannot mount it."""
    if IS_MICROPYTHON:
        import vfs  # type: ignore[import-not-found]

        return vfs.VfsLfs2(bdev, mtime=False, **_mpy_options(prog_size))
    from hw._littlefs_cpython import mount

    return mount(bdev, prog_size, _GEOMETRY)


def _mkfs(bdev, prog_size):
    """Format `bdev` (every caller checks first that it holds nothing: hw/format_rule.py)."""
    if IS_MICROPYTHON:
        import vfs  # type: ignore[import-not-found]

        vfs.VfsLfs2.mkfs(bdev, **_mpy_options(prog_size))
        return
    from hw._littlefs_cpython import mkfs

    mkfs(bdev, prog_size, _GEOMETRY)


def _mpy_options(prog_size):
    return {"readsize": LFS_READ_SIZE, "progsize": prog_size, "lookahead": LFS_LOOKAHEAD}


def open_private(path):
    """(`path` opened "r+b", its old mode or None): readable by its owner only. A missing
    file is created 0600 from the start, whatever the umask (no moment of 0644); an existing
    one whose group or others may read or write it is made 0600, and its old mode returned
    so that the caller says so (what it held may have been read)."""
    import os

    if not IS_MICROPYTHON:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # pyright: ignore[reportAttributeAccessIssue]
        mode = os.fstat(fd).st_mode & 0o777
        if mode != 0o600:
            os.fchmod(fd, 0o600)
        return os.fdopen(fd, "r+b"), (mode if mode & 0o077 else None)
    if "\n" in path or "\x00" in path:
        raise OSError(22, "flash image path %r: no newline or NUL" % path)
    quoted = "'" + path.replace("'", "'\\''") + "'"
    mode = _mode(os, path)
    if mode is None:
        # 0666 & ~077: 0600 from its creation, whatever this process's umask
        os.system("exec 2>/dev/null; umask 077 && : >> " + quoted)
        mode = _mode(os, path)
        if mode is None:
            raise OSError(2, "cannot create the flash image %s" % path)
    old = None
    if mode & 0o077:
        old = mode
        os.system("exec 2>/dev/null; chmod 600 -- " + quoted)
        mode = _mode(os, path)
        if mode is None or mode & 0o077:
            raise OSError(
                1,
                "flash image %s is readable by others (mode 0%o) and could not be made 0600: "
                "run chmod 600 on it" % (path, old),
            )
    return open(path, "r+b"), old


def _mode(os, path):
    """The permission bits of `path`, or None when it does not exist."""
    try:
        return os.stat(path)[0] & 0o777
    except OSError:
        return None


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


def console_lines(stream, poller, pending):
    """([whole lines waiting on `stream`], ended, what is left of a line): read without
    blocking once `poller` (registered on it) says so. MicroPython's stdin is read a line at
    a time; CPython's text stdin reads ahead, keeping lines poll() no longer sees (a key
    pressed would wait for the next one), so its file descriptor is read raw instead."""
    import os

    lines = []
    while poller.poll(0):
        if IS_MICROPYTHON:
            line = stream.readline()
            if not line:
                return lines, True, pending
            lines.append(line)
            continue
        data = os.read(stream.fileno(), 4096)
        if not data:
            return lines, True, pending
        pending += data
        while b"\n" in pending:
            line, _, pending = pending.partition(b"\n")
            lines.append(line.decode("utf-8", "replace") + "\n")
    return lines, False, pending
