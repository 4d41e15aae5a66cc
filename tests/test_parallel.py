"""`make test` under pytest-xdist (tests/parallel.py, docs/testing.md "In parallel"): every
module that uses pcscd is in the one pcscd unit, a portable module's items are one unit, the
machine's pcscd lock keeps a second holder out (and is not taken twice by a session run under
`flock`), and the portable summary line counts what the workers ran."""

import re
import subprocess
import sys
from pathlib import Path

from emulator import procgroup
from tests import parallel

ROOT = Path(__file__).resolve().parent.parent
# What a module does when it needs the machine's pcscd: starts it or reads its readers,
# serves cards to vpcd's fixed ports, or runs `tla-emu demo` (which does all of it).
USES_PCSCD = re.compile(r"emulator\.pcscd|VPCD_PORTS|VPCD_READERS|PcscSlot|\"demo\"")


def test_every_module_that_uses_pcscd_is_in_the_pcscd_unit():
    users = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "tests").rglob("test_*.py")
        if USES_PCSCD.search(p.read_text()) and p.name != "test_parallel.py"
    )
    assert users and users == sorted(parallel.PCSCD_MODULES)


def test_work_units():
    unit = parallel.work_unit
    assert unit("tests/test_demo.py::test_x[cpython]") == unit("tests/test_pcsc_e2e.py::t")
    assert unit("tests/portable/test_cbor.py::test_a[micropython]") == unit(
        "tests/portable/test_cbor.py::same-output[frozen32]"
    )
    assert unit("tests/portable/test_cbor.py::test_a") == "tests/portable/test_cbor.py"
    assert unit("tests/portable/test_frame.py::t") != unit("tests/portable/test_cbor.py::t")
    assert unit("tests/test_verify.py::test_a") != unit("tests/test_verify.py::test_b")


def _try_lock(path):
    """In another process: 'taken' if it got the lock at once, else 'busy'."""
    code = (
        "import fcntl, sys\nf = open(sys.argv[1], 'a')\n"
        "try:\n    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print('taken')\n"
        "except BlockingIOError:\n    print('busy')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    ).stdout.strip()


def test_the_machine_lock_keeps_another_holder_out(tmp_path):
    lock = tmp_path / "pcsc.lock"
    with parallel.machine_lock(lock):
        assert _try_lock(lock) == "busy"
    assert _try_lock(lock) == "taken"


def test_a_session_run_under_flock_does_not_wait_for_its_own_lock(tmp_path):
    """`flock LOCK pytest ...` (tools/web-screenshots.sh): the lock is its ancestor's."""
    lock = tmp_path / "pcsc.lock"
    code = (
        "import sys; sys.path.insert(0, %r)\nfrom tests import parallel\n"
        "with parallel.machine_lock(sys.argv[1], liveness_s=5):\n    print('inside')\n" % str(ROOT)
    )
    done = procgroup.run(
        ["flock", str(lock), sys.executable, "-c", code, str(lock)],
        timeout=120,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.strip() == "inside", done.stdout + done.stderr
    # and one not under it, while another process holds it, waits and gives up on its bound
    holder = procgroup.start(["flock", str(lock), "sleep", "60"])
    try:
        assert _wait_held(lock)
        blocked = procgroup.run([sys.executable, "-c", code, str(lock)], timeout=120, text=True)
        assert blocked.returncode == 1 and "still held after 5 s" in blocked.stderr
    finally:
        procgroup.kill_group(holder)
        holder.wait()


def _wait_held(lock):
    from emulator.waiting import until

    return until(lambda: _try_lock(lock) == "busy", 30, 0.05)


def test_the_portable_summary_counts_what_the_workers_ran():
    """Under `-n 2` the workers run the items and the controller prints the line: the same
    counts as in one process, and each module's items all on one worker (it ran once)."""
    modules = ["tests/portable/test_dates.py", "tests/portable/test_cobs.py"]
    tests = sum(len(re.findall(r"^def test_", (ROOT / m).read_text(), re.M)) for m in modules)
    done = procgroup.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-n", "2", *modules],
        timeout=600,
        cwd=ROOT,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    found = re.search(
        r"^micropython \(.*\): ran (\d+) portable tests from (\d+) modules: "
        r"(\d+) passed",
        done.stdout,
        re.M,
    )
    assert found and found.groups() == (str(tests), "2", str(tests)), done.stdout[-2000:]
    workers = {}
    for worker, module in re.findall(
        r"^\[(gw\d)\] .*? (tests/portable/\w+\.py)::", done.stdout, re.M
    ):
        workers.setdefault(module, set()).add(worker)
    assert sorted(workers) == sorted(modules) and all(len(w) == 1 for w in workers.values()), (
        workers
    )
