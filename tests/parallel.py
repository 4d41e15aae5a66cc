"""A pytest plugin (registered by tests/conftest.py): how `make test` runs its items on every
core with pytest-xdist (`-n 2`, docs/testing.md "In parallel"). Under `-n N` (xdist's
default `--dist load`) the controller schedules work units with `Scheduling` below:

- a portable module (tests/portable/test_*.py) is one unit: the harness runs it once per
  interpreter and keeps each run in the worker's memory for all its items and its
  same-output item (tests/conftest.py, `_runs`); split across workers it would run twice;
- the PCSCD_MODULES are one unit, run one after the other on one worker: the machine has one
  pcscd, whose vpcd driver takes its two cards on fixed TCP ports (35963, 35964), so two of
  these tests at once would serve two cards to one reader, or stop the pcscd the other reads
  through. Each of these modules also holds /tmp/tla-pcsc.lock (flock) while it runs, which
  keeps out the pcscd tests of any other session on the machine (another checkout's `make
  test`); a session started under `flock /tmp/tla-pcsc.lock ...` holds it already, and then
  it is not taken again (that would wait for itself forever);
- every other test is a unit of its own.

xdist's own `--dist loadgroup` would do the grouping from `xdist_group` marks, but with
pytest 9.2 it silently groups nothing (pytest-xdist issue 1386: the node-id suffix it relies
on no longer takes). The units go out longest first (RUN_FIRST, then the rest in collection
order), so that the two workers finish together rather than one waiting on a late sweep.
"""

import fcntl
import os
from contextlib import contextmanager

import pytest

from emulator import waiting

PCSC_LOCK = "/tmp/tla-pcsc.lock"
LOCK_LIVENESS_S = 3600.0  # another session's pcscd tests, however loaded the machine
# Every test module that starts or uses pcscd (tests/test_parallel.py finds them all here).
PCSCD_MODULES = (
    "tests/test_pcsc_e2e.py",
    "tests/test_lots_seal_pcsc.py",
    "tests/test_real_cards_contacts.py",  # the Vitale 2 and CPS3 profiles through vpcd
    "tests/test_web_browser.py",
    "tests/test_demo.py",  # `tla-emu demo` seals its lots through pcscd
)
# Scheduled first: the pcscd unit (about a minute, one test after the other), then the
# modules holding the longest tests (the slowest 15 of a `make test`: docs/testing.md).
RUN_FIRST = PCSCD_MODULES + (
    "tests/test_powercut.py",
    "tests/test_round_powercut.py",
    "tests/test_sync_faults.py",
    "tests/test_round_day.py",
    "tests/test_hostile_random.py",
    "tests/test_visit_signing.py",
)


def work_unit(nodeid):
    """The unit of work (a name) an item belongs to, from its node id alone: the controller
    schedules node ids, it does not collect."""
    path = nodeid.partition("::")[0]
    if path in PCSCD_MODULES:
        return "pcscd"
    if path.startswith("tests/portable/"):
        return path
    return nodeid


def _parent(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return 0
    return int(stat[stat.rfind(")") + 2 :].split()[1])


def _ancestors():
    found, pid = set(), os.getpid()
    while pid > 1:
        found.add(pid)
        pid = _parent(pid)
    return found


def held_by_an_ancestor(fd):
    """True when this process or one it descends from holds the flock of `fd`'s file
    (/proc/locks: `1: FLOCK  ADVISORY  WRITE <pid> <major>:<minor>:<inode> 0 EOF`)."""
    st = os.fstat(fd)
    inode = "%02x:%02x:%d" % (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    ancestors = _ancestors()
    try:
        with open("/proc/locks") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK":  # "->" lines wait for a lock
            continue
        if fields[5] == inode and fields[4].isdigit() and int(fields[4]) in ancestors:
            return True
    return False


@contextmanager
def machine_lock(path=PCSC_LOCK, liveness_s=LOCK_LIVENESS_S):
    """Hold the flock of `path` for the with-block (unless an ancestor holds it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if held_by_an_ancestor(fd):
            yield
            return

        def taken():
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        if not waiting.until(taken, liveness_s, 0.5):
            raise RuntimeError("%s still held after %d s (by another session)" % (path, liveness_s))
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _first(item):
    path = item.nodeid.partition("::")[0]
    return RUN_FIRST.index(path) if path in RUN_FIRST else len(RUN_FIRST)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """In an xdist worker: the collection in scheduling order (every worker sorts it the same
    way, the controller schedules in that order). A session without xdist keeps file order."""
    if hasattr(config, "workerinput"):
        items.sort(key=_first)  # stable: collection order within each rank


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "load":  # another --dist asked for by name: xdist's own
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    config.option.loadscopereorder = False  # the collection's order (RUN_FIRST) decides
    return Scheduling(config, log)


@pytest.fixture(scope="module", autouse=True)
def _pcscd_machine_lock(request):
    """Module scope: held before the module's own fixtures start pcscd, released after."""
    if work_unit(request.node.nodeid) != "pcscd":
        yield
        return
    with machine_lock():
        yield
