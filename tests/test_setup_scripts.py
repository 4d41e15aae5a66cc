"""A newcomer's first `make` (issue 17, items 11 and 12): run as root, tools/debian-deps.sh
says in one line that it installs Debian packages with apt-get before it does (TLA_NO_APT=1:
only says what to install); `make firmware` installs its ARM toolchain the same way
instead of stopping on it; not as root, each says in one line what to apt-get install; the
installation into .venv says each step. dpkg-query, apt-get and id are stand-ins on PATH
that record their calls: nothing is installed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_PKGS = (
    "gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib cmake gcc-multilib"
)


def _stand_ins(folder: Path, uid: int, apt_ok=True) -> Path:
    """A bin folder where id says `uid`, dpkg-query knows no package, apt-get notes its
    arguments in calls.log."""
    bin_ = folder / "bin"
    bin_.mkdir()
    calls = folder / "calls.log"
    scripts = {
        "id": "echo %d" % uid,
        "dpkg-query": "exit 1",
        "apt-get": 'echo "apt-get $*" >> %s; exit %d' % (calls, 0 if apt_ok else 100),
    }
    for name, body in scripts.items():
        path = bin_ / name
        path.write_text("#!/bin/sh\n%s\n" % body)
        path.chmod(0o755)
    return calls


def _run(folder: Path, script: str, *args, **env):
    environ = dict(os.environ, PATH="%s:%s" % (folder / "bin", os.environ["PATH"]))
    environ.update(PYTHON=sys.executable, **env)
    return subprocess.run(
        ["sh", str(ROOT / "tools" / script), *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )


def test_as_root_make_says_it_installs_debian_packages_first(tmp_path):
    calls = _stand_ins(tmp_path, 0)
    done = _run(tmp_path, "debian-deps.sh")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("tla: running as root, so make installs the Debian packages")
    assert "with apt-get" in first and "fonts-dejavu-core" in first and "TLA_NO_APT=1" in first
    assert calls.read_text().splitlines() == [
        "apt-get update -qq",
        "apt-get install -y -qq " + " ".join(_packages()),
    ]


def _packages():
    """The packages tools/debian-deps.sh installs by default (its PKGS line)."""
    for line in (ROOT / "tools" / "debian-deps.sh").read_text().splitlines():
        if line.startswith("PKGS=${*:-"):
            return line[len("PKGS=${*:-") :].rstrip("}").split()
    raise AssertionError("tools/debian-deps.sh has no PKGS line")


def test_ci_installs_every_package_make_would():
    ci = (ROOT / ".ci" / "run").read_text()
    packages = _packages()
    assert {"fonts-dejavu-core", "chromium", "pcscd", "softhsm2", "postgresql"} <= set(packages)
    assert [p for p in packages if p not in ci.split()] == []


def test_as_root_with_tla_no_apt_it_only_says_what_to_install(tmp_path):
    calls = _stand_ins(tmp_path, 0)
    done = _run(tmp_path, "debian-deps.sh", TLA_NO_APT="1")
    assert done.returncode == 1
    assert not calls.exists()
    assert "sudo apt-get install -y libpcsclite-dev" in done.stderr


@pytest.mark.parametrize("uid", [0, 1000], ids=["root", "user"])
def test_make_firmware_installs_its_toolchain_or_says_what_to_install(tmp_path, uid):
    calls = _stand_ins(tmp_path, uid)
    shared = tmp_path / "shared"
    (shared / "micropython").mkdir(parents=True)
    (shared / "micropython" / "micropython-tla-src.tar.xz").write_bytes(b"not a tarball")
    work = tmp_path / "repo"
    (work / "tools").mkdir(parents=True)
    for name in ("firmware.sh", "debian-deps.sh"):
        (work / "tools" / name).write_text((ROOT / "tools" / name).read_text())
    done = subprocess.run(
        ["sh", str(work / "tools" / "firmware.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(
            os.environ,
            PATH="%s:%s" % (tmp_path / "bin", os.environ["PATH"]),
            TLA_SHARED=str(shared),
        ),
    )
    said = done.stdout + done.stderr
    if uid == 0:
        assert "running as root, so make installs the Debian packages make firmware needs" in said
        assert calls.read_text().splitlines()[1] == "apt-get install -y -qq " + FIRMWARE_PKGS
        assert "unpacking" in said  # then it goes on to build (here: a tarball that is none)
    else:
        assert not calls.exists() and done.returncode == 1
        assert "sudo apt-get install -y " + FIRMWARE_PKGS in said
        assert "unpacking" not in said


def test_the_installation_says_each_step(tmp_path):
    """tools/install.sh with a python that only notes its calls: one line per step."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"
    fake.write_text(
        '#!/bin/sh\ncase "$*" in *tomllib*) echo stub-a stub-b ;; *) echo "pip $*" ;; esac\n'
    )
    fake.chmod(0o755)
    done = subprocess.run(
        ["sh", str(ROOT / "tools" / "install.sh"), str(venv), str(venv / "stubs")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("tla: installing the project and its tools into ")
    assert [line.split(" ... ")[0].split()[1] for line in lines[1:]] == ["1/3", "2/3", "3/3"]
    assert all(line.endswith(" s)") for line in lines[1:])
    log = (venv / "install.log").read_text()
    assert "-e .[dev]" in log and "stub-a stub-b" in log
