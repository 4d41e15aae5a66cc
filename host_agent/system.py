"""The agent's only calls that differ between POSIX (Linux, macOS) and Windows (issue 12,
item 6): making the folders and files that hold health data readable by their owner only,
syncing a folder after a rename, telling whether a terminal's port is there, whether a
secret's file is readable by others, whether a process still runs, a lock the system
drops with its process, and where
the PDFs' font lives. Every
other module of host_agent uses `current` (tests/test_agent_system.py greps for the POSIX
calls elsewhere and tests the selection).

- POSIX: folders 0700 and files 0600 whatever the umask (os.chmod, os.fchmod), a folder
  synced with os.fsync on its descriptor, a device path present while it exists, a file
  with any group or other bit readable by others.
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

POSIX_FONT_FOLDERS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
    "/usr/local/share/fonts",
    "/Library/Fonts",  # macOS, installed by hand
)


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

    def font_folders(self) -> list:
        """Where DejaVu Sans lives: Debian's fonts-dejavu-core, Fedora's, Arch's, macOS's."""
        return [Path(p) for p in POSIX_FONT_FOLDERS]

    def others_can_read(self, path: Path) -> bool:
        """Whether anyone but the owner may read or write `path` (its mode is not 0600)."""
        return bool(os.stat(path).st_mode & 0o077)

    def process_alive(self, pid: int) -> bool:
        """Whether process `pid` of this machine still runs (an emulator's announce file,
        host_agent/ports.py)."""
        try:
            os.kill(pid, 0)  # signal 0: nothing sent, only whether it exists
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # another user's: it exists
        return True

    def try_lock(self, path: Path) -> int | None:
        """A descriptor of `path` (created 0600) holding its exclusive lock, or None when
        another holds it. flock's lock belongs to this open file (another opening in this
        very process is refused too), and the kernel drops it when the process ends, however
        it ends (a sync lease's lock: host_agent/store/leases.py)."""
        import fcntl

        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return fd


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

    def font_folders(self) -> list:
        """The user's and the system's fonts (DejaVu Sans installed by hand)."""
        local = os.environ.get("LOCALAPPDATA", "")
        windir = os.environ.get("WINDIR", r"C:\Windows")
        return [Path(local, "Microsoft", "Windows", "Fonts"), Path(windir, "Fonts")]

    def others_can_read(self, path: Path) -> bool:
        """No mode bits on Windows: a file under the user's profile inherits its
        owner-only ACL (see above), which is where the agent tells to keep secrets."""
        return False

    def process_alive(self, pid: int) -> bool:
        """Whether process `pid` still runs (os.kill(pid, 0) would terminate it here)."""
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE

    def try_lock(self, path: Path) -> int | None:
        """As Posix.try_lock, with msvcrt's lock of the file's first byte (its own per
        opening; Windows drops it when the process ends)."""
        import msvcrt

        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0))
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            os.close(fd)
            return None
        return fd


def select(os_name: str | None = None, platform: str | None = None):
    """The implementation for this system (`os.name`, `sys.platform` by default)."""
    os_name = os.name if os_name is None else os_name
    platform = sys.platform if platform is None else platform
    if os_name == "nt" or platform == "win32":
        return Windows()
    return Posix()


current = select()
