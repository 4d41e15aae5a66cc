"""Children die with their parents: emulator/procgroup.py (a command in its own process group,
killed as a group on timeout and when it ends) and the session's check for processes left
behind (tests/leftover_processes.py). Each test shows what would otherwise survive: a
grandchild holding the pipes of a timed-out command, a daemon-like background job, a
process orphaned by its parent's death."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from emulator import procgroup, waiting
from tests.leftover_processes import running_descendants

LINUX = sys.platform.startswith("linux")
ROOT = Path(__file__).resolve().parent.parent


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def _reap(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # not ours to reap (or reaped already)


def _running(argv):
    """Pids of the running processes whose command line is exactly `argv`."""
    want = "\0".join(argv).encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                if f.read() == want and _alive(int(entry)):
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_a_timed_out_command_takes_its_grandchildren_with_it():
    # The shell starts a long sleep that keeps stdout open and waits for it: without the
    # group kill, communicate() would wait for the sleep too. The sleep is found by its
    # unique command line, not by what the shell printed in time.
    sleep = ["sleep", "299.%d" % os.getpid()]
    with pytest.raises(subprocess.TimeoutExpired):
        procgroup.run(["sh", "-c", " ".join(sleep) + " & wait"], timeout=3, text=True)
    # SIGKILL was sent to the group; dying takes the kernel a moment (a liveness bound)
    assert waiting.until(lambda: _running(sleep) == [], 30), _running(sleep)


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_what_a_finished_command_leaves_in_its_group_is_killed():
    done = procgroup.run(["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"], timeout=60, text=True)
    assert done.returncode == 0
    background = int(done.stdout.split()[0])
    assert waiting.until(lambda: not _alive(background), 30), "the background job lives"
    _reap(background)  # orphaned, it was re-parented to this session (the subreaper)


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_an_orphan_is_still_seen_as_left_behind():
    """What the session check relies on: a process whose parent died is re-parented to
    the session (child subreaper), so it is still listed among its descendants."""
    out = subprocess.run(
        ["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    orphan = int(out.stdout.split()[0])
    try:
        assert orphan in running_descendants()
    finally:
        os.kill(orphan, signal.SIGKILL)
        _reap(orphan)
    assert orphan not in running_descendants()


LEAKY_TEST = """
import subprocess

def test_leaves_a_process_behind():
    subprocess.Popen(["sleep", "%s"])
"""


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_session_that_leaves_a_process_behind_fails(tmp_path, workers):
    """Alone, and under pytest-xdist as `make test` runs (the worker that ran the test kills
    the process and tells the controller, which lists it and fails)."""
    sleep = ["sleep", "298.%d" % os.getpid()]
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST % sleep[1])
    env = dict(os.environ, TLA_LEFTOVER_GRACE_S="0.5")
    done = procgroup.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers]
        + ["-p", "tests.leftover_processes", str(tmp_path / "test_leaky.py")],
        timeout=300,
        cwd=ROOT,
        env=env,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed" in done.stdout  # the test itself passed: the session failed
    assert "processes left behind" in done.stdout and " ".join(sleep) in done.stdout
    assert _running(sleep) == []  # and the process was killed
