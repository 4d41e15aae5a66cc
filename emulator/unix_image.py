"""What "the image" is on the unix board (docs/board.md "Updates"): the firmware's Python
files, packed in one deterministic archive and deflated, that the launcher
(emulator/launcher.py) unpacks into a folder and puts first on the interpreter's path
(MICROPYPATH for `micropython`, PYTHONPATH for CPython), as a bootloader jumps to a slot.

    image   = zlib(archive)
    archive = "TLAI" | version u8 (1) | entry ... | 00 00
    entry   = path length u16 BE | path (ASCII, "/" between parts) | size u32 BE | bytes

Paths are those of the packages `firmware`, `protocol` and `hw` (.py files, sorted); the
unpacking refuses any other path, a path twice, and anything after the end.
"""

import os
import re
import zlib
from pathlib import Path

MAGIC = b"TLAI"
VERSION = 1
PACKAGES = ("firmware", "protocol", "hw")
_PATH = re.compile(r"^(firmware|protocol|hw)(/[A-Za-z0-9_]+)*/[A-Za-z0-9_]+\.py$")
MAX_FILES = 400
MAX_UNPACKED = 4 * 1024 * 1024


def tree_files(root):
    """{path: bytes} of the packages' .py files under `root` (frozen-module manifests
    excepted: build scripts, not firmware)."""
    root = Path(root)
    files = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if path.name == "manifest.py" or "__pycache__" in rel:
                continue
            files[rel] = path.read_bytes()
    return files


def pack(files) -> bytes:
    """The image of {path: bytes}, byte for byte the same for the same files."""
    out = bytearray(MAGIC + bytes((VERSION,)))
    for path in sorted(files):
        if not _PATH.match(path):
            raise ValueError("%r is not a path of the firmware's packages" % path)
        name = path.encode("ascii")
        data = files[path]
        out += len(name).to_bytes(2, "big") + name + len(data).to_bytes(4, "big") + data
    out += b"\x00\x00"
    return zlib.compress(bytes(out), 9)


def unpack(image) -> dict:
    """{path: bytes} of an image; ValueError when it is not one."""
    try:
        raw = zlib.decompressobj().decompress(image, MAX_UNPACKED)
    except zlib.error as e:
        raise ValueError("the image does not inflate: %s" % e) from None
    if len(raw) >= MAX_UNPACKED or raw[:4] != MAGIC or raw[4:5] != bytes((VERSION,)):
        raise ValueError("not a unix-board image of version %d" % VERSION)
    files, at = {}, 5
    while True:
        n = int.from_bytes(raw[at : at + 2], "big")
        at += 2
        if n == 0:
            break
        path = raw[at : at + n].decode("ascii", "replace")
        size = int.from_bytes(raw[at + n : at + n + 4], "big")
        at += n + 4
        if not _PATH.match(path) or path in files or at + size > len(raw):
            raise ValueError("the image holds a bad entry %r" % path)
        if len(files) >= MAX_FILES:
            raise ValueError("the image holds too many files")
        files[path] = raw[at : at + size]
        at += size
    if at != len(raw):
        raise ValueError("the image has bytes after its end")
    return files


def extract(image, folder):
    """Unpack `image` into `folder` (made afresh, 0700): the code the launcher runs."""
    files = unpack(image)
    folder = Path(folder)
    if folder.exists():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() or path.is_symlink() else path.rmdir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for rel, data in files.items():
        target = folder / rel
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    return folder
