"""Every file the unix board and the emulator write for a terminal is its owner's alone
(0600), under both interpreters, whatever the umask: the flash image holds the key block.

What it shows (issue 17, 6): `micropython -m firmware.main board.json` run by hand as the
README says (no emulator creating the image first) made a 0644 image on main; now it is
0600 from its creation with umask 022 or 0, under micropython and CPython alike; an image
left 0644 is made 0600 with one line on stderr saying its key may have been read; a flash
path that cannot be opened ends in one line and exit 1; the emulator's board.json is 0600.
"""

import json
import os
import stat
import subprocess
import sys

import pytest

from emulator import interpreters, procgroup

LIVENESS_S = 120


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _command(interpreter):
    if interpreter == "micropython":
        return [interpreters.micropython_command()], interpreters.micropython_env()
    env = dict(os.environ, PYTHONPATH=str(interpreters.code_root()))
    return [sys.executable], env


def _run_by_hand(tmp_path, interpreter, image, umask):
    """`<interpreter> -m firmware.main board.json` in `tmp_path` until READY, then QUIT:
    (exit code, stderr, the image's mode while it ran)."""
    master, slave = os.openpty()
    cfg = tmp_path / "board.json"
    cfg.write_text(
        json.dumps(
            {"serial": "TLA-HAND-0001", "flash": str(image), "port": os.ttyname(slave), "slots": {}}
        )
    )
    cmd, env = _command(interpreter)
    proc = procgroup.start(
        cmd + ["-m", "firmware.main", str(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=str(tmp_path),
        text=True,
        umask=umask,
    )
    running = None
    try:
        assert proc.stdout is not None and proc.stdin is not None
        for line in proc.stdout:
            if line.startswith("READY"):
                running = _mode(image)
                break
        try:
            proc.stdin.write("QUIT\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # it ended before READY (what one test wants)
        _, err = proc.communicate(timeout=LIVENESS_S)
    finally:
        procgroup.kill_group(proc)  # (ended already: reaps it)
        os.close(master)
        os.close(slave)
    return proc.returncode, err, running


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_an_image_made_by_the_firmware_run_by_hand_is_0600(tmp_path, interpreter, umask):
    image = tmp_path / "flash.img"
    code, err, running = _run_by_hand(tmp_path, interpreter, image, umask)
    assert code == 0, err
    assert running == 0o600 and _mode(image) == 0o600
    assert image.stat().st_size == (512 + 3) * 4096  # littlefs', the key block, the boot record's 2
    assert "readable by others" not in err


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
def test_a_loose_image_is_made_0600_and_said(tmp_path, interpreter):
    image = tmp_path / "flash.img"
    image.write_bytes(b"")
    os.chmod(image, 0o644)
    code, err, running = _run_by_hand(tmp_path, interpreter, image, 0o022)
    assert code == 0, err
    assert running == 0o600 and _mode(image) == 0o600
    lines = [line for line in err.splitlines() if "readable by others" in line]
    assert len(lines) == 1 and "(mode 0644), now 0600" in lines[0], err
    assert "pair the PC again" in lines[0]


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
def test_an_image_that_cannot_be_opened_is_one_line_and_exit_1(tmp_path, interpreter):
    image = tmp_path / "no such folder" / "flash.img"
    code, err, running = _run_by_hand(tmp_path, interpreter, image, 0o022)
    assert code == 1 and running is None
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tla: cannot start the terminal from"), err


def test_the_emulators_board_config_is_0600(tmp_path):
    from emulator.terminal import make_terminal

    master, slave = os.openpty()
    old = os.umask(0o000)
    t = make_terminal("micropython", os.ttyname(slave), flash_path=str(tmp_path / "f.img"))
    try:
        t.start()
        t.wait_event("READY", LIVENESS_S)
        cfg = os.path.join(t._tmp.name, "board.json")
        assert _mode(cfg) == 0o600 and _mode(tmp_path / "f.img") == 0o600
    finally:
        os.umask(old)
        t.stop()
        os.close(master)
        os.close(slave)
