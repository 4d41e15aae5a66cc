"""A pytest plugin (registered by tests/conftest.py): a session that leaves a process behind
fails. Every child a test starts must die with it (docs/testing.md): a killed power-cut
sweep once left its workers running for 58 minutes after the session.

At the start the session becomes a "child subreaper" (Linux): a process orphaned by the
death of its parent, however deep, is then re-parented to the session instead of init, so
it stays a descendant and is seen here. At the end the descendants still running are
listed from /proc; they get a grace period to end on their own (a generous liveness bound,
paid only when something is left), then are killed, listed in the summary, and the
session's exit status is set to failed. Zombies (ended, not yet reaped) are not running
and do not count. Elsewhere than Linux the plugin does nothing. `pytest -p
tests.leftover_processes` loads it alone (as tests/test_processes.py does).

Under pytest-xdist every worker is such a session for the tests it runs, and sends what it
killed to the controller (workeroutput), which lists it and fails; the controller checks
its own descendants once the workers are gone.
"""

import os
import signal

import pytest

from emulator import waiting

GRACE_S = float(os.environ.get("TLA_LEFTOVER_GRACE_S", "15"))  # tests/test_processes.py: less
_PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def _children_by_parent():
    """{ppid: [(pid, state)]} of every process, read from /proc/<pid>/stat."""
    out: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue  # it ended while we looked
        # The command name, in parentheses, may hold spaces and parentheses itself.
        fields = stat[stat.rfind(")") + 2 :].split()
        out.setdefault(int(fields[1]), []).append((int(entry), fields[0]))
    return out


def running_descendants(root=None):
    """The pids of the processes below `root` (this process) that are not zombies."""
    children = _children_by_parent()
    found, stack = [], [root or os.getpid()]
    while stack:
        for pid, state in children.get(stack.pop(), []):
            if state != "Z":
                found.append(pid)
            stack.append(pid)
    return found


def _command(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


class LeftoverCheck:
    def __init__(self):
        self.enabled = os.path.isdir("/proc/self/task")
        self.left = []  # (pid, command) killed at the end of the session

    def pytest_sessionstart(self, session):
        if self.enabled:
            import ctypes

            ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        if self.enabled and running_descendants():
            waiting.until(lambda: not running_descendants(), GRACE_S, 0.1)
            for pid in running_descendants():
                self.left.append((pid, _command(pid)))
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller reports them
            workeroutput["tla_left"] = self.left
        if self.left:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        """xdist's controller: what a worker killed at its end (a crashed worker sent nothing;
        its orphans are the controller's descendants, checked at the end)."""
        worker = getattr(getattr(node, "gateway", None), "id", "a worker")
        for pid, command in getattr(node, "workeroutput", {}).get("tla_left", []):
            self.left.append((pid, "[%s] %s" % (worker, command)))

    def pytest_terminal_summary(self, terminalreporter):
        if self.left:
            terminalreporter.section("processes left behind", sep="=", red=True)
            for pid, command in self.left:
                terminalreporter.write_line("killed %d: %s" % (pid, command[:200]))
            terminalreporter.write_line(
                "%d processes outlived the session (still running %d s after it): every child "
                "a test starts must die with it (emulator/procgroup.py)" % (len(self.left), GRACE_S)
            )


def pytest_configure(config):
    """Loaded as a plugin module (-p) rather than by tests/conftest.py."""
    if not config.pluginmanager.has_plugin("tla-leftover-processes"):
        config.pluginmanager.register(LeftoverCheck(), "tla-leftover-processes")
