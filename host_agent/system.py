"""The agent's only calls that differ between POSIX (Linux, macOS) and Windows (issue 12,
item 6): making the folders and files that hold health data readable by their owner only,
syncing a folder after a rename, and telling whether a terminal's port is there. Every
other module of host_agent uses `current` (tests/test_agent_system.py greps for the POSIX
calls elsewhere and tests the selection).

- POSIX: folders 0700 and files 0600 whatever the umask (os.chmod, os.fchmod), a folder
  synced with os.fsync on its descriptor, a device path present while it exists.
- Windows: no chmod semantics (os.chmod only sets the read-only flag). A file is made
  owner-only by where it lives: under the user's profile (%LOCALAPPDATA%, the default
  place of the database and its folder), whose ACL gives the user alone access, and
  which new files and folders inherit. A folder cannot be opened to be synced (NTFS
  journals the rename). A COM port (COM3) is present while pyserial's list_ports lists it.
"""

import os
import sys
from pathlib import Path

from protocol.ascii import is_digits, upper


class Posix:
    name = "posix"

    def make_private_folder(self, path: Path) -> None:
        os.mkdir(path, 0o700)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask

    def open_private_file(self, path: Path) -> int:
        """A descriptor of `path` created (or truncated) for writing, mode 0600."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through os.open
        return fd

    def create_private_file(self, path: Path) -> None:
        path.touch(mode=0o600)

    def sync_folder(self, path: Path) -> None:
        """A rename into `path` reaches the disk (the folder's entry, not only the file)."""
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def port_present(self, url: str) -> bool:
        """A device path counts while it exists; a URL (socket://...) always does."""
        return "://" in url or os.path.exists(url)


class Windows:
    name = "windows"

    def make_private_folder(self, path: Path) -> None:
        os.mkdir(path)  # inherits the owner-only ACL of the user's profile

    def open_private_file(self, path: Path) -> int:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0))

    def create_private_file(self, path: Path) -> None:
        path.touch()

    def sync_folder(self, path: Path) -> None:
        pass  # a folder cannot be opened on Windows; NTFS journals the rename itself

    def port_present(self, url: str, ports=None) -> bool:
        """COM3 counts while pyserial lists it; a URL always; a path while it exists."""
        if "://" in url:
            return True
        if upper(url).startswith("COM") and is_digits(url[3:]):
            if ports is None:
                from serial.tools import list_ports

                ports = [p.device for p in list_ports.comports()]
            return upper(url) in (upper(p) for p in ports)
        return os.path.exists(url)


def select(os_name: str | None = None, platform: str | None = None):
    """The implementation for this system (`os.name`, `sys.platform` by default)."""
    os_name = os.name if os_name is None else os_name
    platform = sys.platform if platform is None else platform
    if os_name == "nt" or platform == "win32":
        return Windows()
    return Posix()


current = select()
