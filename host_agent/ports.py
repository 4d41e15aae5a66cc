"""The ports a terminal may be on, for the pages that open one (pairing, unloading): the USB
serial ports with the terminal's ids first, then the emulated terminals' ptys that
`tla-emu run` announces, then the other serial ports of the PC (pyserial's list_ports).

An emulated terminal announces its pty by a small file in a folder of this user's
(`$TLA_EMU_PORTS`, else the runtime folder's tla/emulators): its name the terminal's serial,
its text the pty's path. The file is read as untrusted: only the path of a character device
that exists is offered, so a stale or crafted file offers nothing.
"""

import getpass
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import NamedTuple

from host_agent import files, system, transport

FOLDER_ENV = "TLA_EMU_PORTS"
_SERIAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", re.ASCII)
_MAX_ANNOUNCED = 32
USB_IDS = (transport.USB_VID, transport.USB_PID)


class Port(NamedTuple):
    device: str  # what transport.open_port opens
    label: str  # French, for the page
    terminal: bool  # a terminal's, by its USB ids or its announce: the page offers it first


def emulator_folder() -> Path:
    """`$TLA_EMU_PORTS`, else tla/emulators in the session's runtime folder (emptied at
    logout), else in the temporary folder under this user's id."""
    named = os.environ.get(FOLDER_ENV)
    if named:
        return Path(named)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "tla" / "emulators"
    return Path(tempfile.gettempdir()) / ("tla-emulators-%s" % getpass.getuser())


def announce(serial: str, device: str) -> Path | None:
    """Say (the emulator) that terminal `serial` answers on pty `device`; the file's path,
    or None when the folder cannot be made (the pty is still printed by tla-emu)."""
    if not _SERIAL.fullmatch(serial):
        return None
    folder = emulator_folder()
    try:
        files.private_folder(folder)
        if system.current.others_can_read(folder):
            return None  # a folder of /tmp another user made first: never written into
        path = folder / (serial + ".port")
        files.write_private(path, ("%d %s" % (os.getpid(), device)).encode())
    except OSError:
        return None
    return path


def withdraw(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except OSError:
            pass


def _char_device(text: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(text).st_mode)
    except (OSError, ValueError):
        return False


def announced() -> list[Port]:
    """The emulated terminals' ptys that exist now, by serial."""
    out = []
    try:
        found = sorted(emulator_folder().glob("*.port"))[:_MAX_ANNOUNCED]
    except OSError:
        return out
    for path in found:
        serial = path.name[: -len(".port")]
        try:
            pid, _, device = path.read_bytes()[:200].decode("ascii").strip().partition(" ")
        except (OSError, UnicodeDecodeError):
            continue
        if not (
            _SERIAL.fullmatch(serial) and pid.isdigit() and system.current.process_alive(int(pid))
        ):
            continue  # an emulator gone: its pty's number may be another program's now
        if device.startswith("/dev/") and _char_device(device):
            out.append(Port(device, "Terminal émulé %s (%s)" % (serial, device), True))
    return out


def candidates(ids=USB_IDS) -> list[Port]:
    """Every port a terminal may be on, the likeliest first; [] when nothing is found."""
    out = []
    try:
        listed = list(transport.list_ports.comports())
    except Exception:  # no listing on this system: the page asks for the port by name
        listed = []
    usb = sorted(p.device for p in listed if (p.vid, p.pid) == tuple(ids))
    out += [Port(d, "Terminal tla en USB (%s)" % d, True) for d in usb]
    out += announced()
    for p in sorted(listed, key=lambda p: p.device):
        if p.device not in usb:
            words = p.description if p.description and p.description != "n/a" else "port série"
            out.append(Port(p.device, "%s (%s)" % (words[:60], p.device), False))
    return out


def likeliest(ports: list[Port]) -> str:
    """The device to propose: the one terminal found, else ""."""
    terminals = [p.device for p in ports if p.terminal]
    return terminals[0] if len(terminals) == 1 else ""


# What a page may open: a device path, a Windows COM port, or socket://host:port (a
# terminal behind a network bridge). No other pyserial URL: spy://...?file= writes where it
# is told, and a page's field is typed by anyone (or posted by another site's form).
_PAGE_PORT = re.compile(
    r"(/[^\0\r\n?]{0,254}|(\\\\\.\\)?COM[0-9]{1,3}|socket://[A-Za-z0-9.-]{1,253}:[0-9]{1,5})",
    re.ASCII,
)
PORT_FRENCH = (
    "Indiquez le port du terminal : un chemin comme /dev/ttyACM0, un port COM3, ou "
    "socket://hôte:port."
)


def page_port(text: str) -> str | None:
    """The port typed or chosen on a page, when it is one a page may open; None else."""
    text = (text or "").strip()
    return text if _PAGE_PORT.fullmatch(text) else None


def found_by(find, settings) -> list[Port]:
    """`find(ids)` (the web app's Config.find_ports), else candidates(ids), with the USB
    ids of the `settings` ([terminal] usb_vid, usb_pid), else tla's."""
    ids = settings.usb_ids() if settings is not None else USB_IDS
    return (find or candidates)(ids)
