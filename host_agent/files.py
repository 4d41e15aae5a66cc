"""Files the agent writes that hold health data (lot files with NIRs, duplicates, copies,
exports, the database and its folder): folders it creates are its user's only (0700 on
POSIX), files too (0600), whatever the umask, and a file appears whole or not at all
(docs/agent.md, "Files"). What differs on Windows is in host_agent/system.py."""

import os
from pathlib import Path

from host_agent.system import current as system

MAX_ROOT_BYTES = 64 * 1024  # a root certificate is a few hundred bytes; never read /dev/zero


def private_folder(folder) -> None:
    """Create `folder` and its missing parents, each its user's only (0700 on POSIX;
    existing ones are left alone)."""
    folder = Path(folder)
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        system.make_private_folder(path)


def write_private(path, data: bytes) -> None:
    """Write `data` to `path`, its user's only (0600 on POSIX), atomically (a partial file is never left under
    `path`), synced to disk. OSError as the system says."""
    path = Path(path)
    private_folder(path.parent)
    partial = path.with_name("." + path.name + ".partial")
    fd = system.open_private_file(partial)
    try:
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    finally:
        os.close(fd)
    os.replace(partial, path)


def read_small(path, limit=MAX_ROOT_BYTES, what="a certificate") -> bytes:
    """The bytes of a small file; ValueError when it holds more than `limit` bytes (or is
    a device that never ends): `what` the file should be, for the message."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError("%s is larger than %d bytes: not %s" % (path, limit, what))
    return data


def parse_problem(error) -> str:
    """A parser's ValueError or RecursionError (a crafted file: 100,000 nested brackets,
    a 5,000-digit number) as a short clause, never a traceback."""
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    return str(error).split("; use sys.set_int_max_str_digits", 1)[0]
