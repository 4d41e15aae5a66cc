"""The unix board's firmware image (docs/board.md "Updates", "The unix board"): the code the
terminal runs, firmware/, protocol/ and hw/ as .py files, in one deterministic zip file.
That is what a release of board "unix" signs (its manifest's digest and chunk hashes are
over these bytes), what an update writes into an image file of the board, and what the
launcher (emulator/launcher.py) unpacks and runs once the bootloader chose it.

The same bytes from the same tree: names sorted, dates and modes fixed. Unpacked, every
name is checked first (a package of the three, a plain .py path, no "..", no absolute
path, no name twice) and the files' sizes bounded: an image is unpacked only once its
digest matched a signed manifest, but a name that could write outside the folder or over
another file, or a file that inflates past MAX_UNPACKED, is refused all the same (BadImage,
which the launcher reports: tests/test_unix_image.py).
"""

import io
import os
import re
import tokenize
import zipfile
from pathlib import Path

PACKAGES = ("firmware", "protocol", "hw")
_NAME = re.compile(r"(firmware|protocol|hw)(/[A-Za-z0-9_]+)*/[A-Za-z0-9_]+\.py")
_DATE = (1980, 1, 1, 0, 0, 0)
# The code unpacked: today's tree is about 2.5 MB of .py; a deflate bomb (a few KiB that
# inflate to gigabytes) is refused before anything is written
MAX_UNPACKED = 16 * 1024 * 1024


class BadImage(ValueError):
    """An image that is not a unix-board image (its zip or one of its names)."""


def sources(root) -> dict:
    """{name: bytes} of the .py files of the three packages under `root`."""
    root = Path(root)
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if _NAME.fullmatch(name):
                out[name] = path.read_bytes()
    return out


def version_source(version, counter) -> bytes:
    """firmware/version.py as a release of `version` and `counter` writes it."""
    return (
        '"""Firmware identity (docs/board.md "Updates"): written by the release build."""\n\n'
        "FIRMWARE_VERSION = %r\nRELEASE_COUNTER = %d\n" % (version, counter)
    ).encode()


# What a docstring follows: the start of the file, of a block, or of a logical line.
_STATEMENT_START = (tokenize.ENCODING, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)


def lean_source(source: bytes) -> bytes:
    """`source` without its comments and with each docstring (a string alone as a
    statement) emptied: the same code, about 40 % fewer bytes in the image. make test's
    update over real processes sends such an image (tests/test_update_unix.py), the whole
    one is `make bench ARGS=update`'s."""
    tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    out, before = [], tokenize.ENCODING
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.COMMENT:
            continue
        after = tokens[i + 1].type if i + 1 < len(tokens) else tokenize.ENDMARKER
        if tok.type == tokenize.STRING and before in _STATEMENT_START and after == tokenize.NEWLINE:
            tok = tok._replace(string='""')
        if tok.type != tokenize.NL:
            before = tok.type
        out.append(tok)
    return tokenize.untokenize(out)


def build(root, version=None, counter=None, replace=None, lean=False) -> bytes:
    """The image of the tree at `root`; with `version` and `counter`, its firmware/version.py
    says them (a release build); `replace`: {name: bytes} put in as they are (the tests'
    broken images); `lean`: every source through lean_source (replace's files as given)."""
    files = sources(root)
    if lean:
        files = {name: lean_source(data) for name, data in files.items()}
    if version is not None:
        files["firmware/version.py"] = version_source(version, counter)
    files.update(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _DATE)
            info.external_attr = 0o600 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return out.getvalue()


def unpack(image, folder):
    """Write the image's files under `folder`, which holds none of them yet (0700 folders,
    0600 files); BadImage when it is not a zip of the three packages' .py files, each once,
    MAX_UNPACKED bytes at most, or when a file of it is there already."""
    try:
        z = zipfile.ZipFile(io.BytesIO(bytes(image)))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise BadImage("not a unix-board image: %s" % e) from None
    names = [info.filename for info in infos]
    for name in names:
        if not _NAME.fullmatch(name) or ".." in name:
            raise BadImage("not a unix-board image: it holds %r" % name)
    if len(set(names)) != len(names):
        twice = sorted(n for n in set(names) if names.count(n) > 1)[0]
        raise BadImage("not a unix-board image: it holds %r twice" % twice)
    if "firmware/main.py" not in names:
        raise BadImage("not a unix-board image: no firmware/main.py")
    if sum(info.file_size for info in infos) > MAX_UNPACKED:
        raise BadImage("not a unix-board image: it unpacks to more than %d bytes" % MAX_UNPACKED)
    folder = Path(folder)
    for info in infos:
        target = folder / info.filename
        _folders(folder, target.parent)
        try:
            data = _read(z, info)
        except (zipfile.BadZipFile, ValueError, OSError) as e:
            raise BadImage("not a unix-board image: %s: %s" % (info.filename, e)) from None
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            raise BadImage("cannot unpack the image: %s is there already" % target) from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def _folders(folder, parent):
    """Each folder from `folder` down to `parent`, 0700 (Path.mkdir(parents=True) would make
    the upper ones with the umask's mode)."""
    for part in reversed([parent, *parent.parents]):
        if part != folder and folder in part.parents:
            part.mkdir(mode=0o700, exist_ok=True)


def _read(z, info) -> bytes:
    """The file's bytes, never more than its header says (the zip's sizes can lie)."""
    with z.open(info) as f:
        data = f.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ValueError("its size is not the one its header says")
    return data
