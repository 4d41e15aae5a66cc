"""pytest harness: each portable test module (tests/portable/test_*.py) runs twice in one
session, under CPython (collected by pytest as usual) and under the real `micropython`
command (through tests/portable/runner.py); each of its tests becomes an item
`test_x[micropython]`, and an item `same-output[micropython]` fails when the two
interpreters printed anything different. The session's summary says how many portable
tests ran under micropython.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTABLE = ROOT / "tests" / "portable"
RUNNER = PORTABLE / "runner.py"

sys.path.insert(0, str(ROOT))
from emulator import procgroup  # noqa: E402
from emulator.terminal import micropython_command, micropython_env  # noqa: E402

_runs: dict = {}
_stats = {"modules": 0, "passed": 0, "failed": 0, "same": 0, "differ": 0}


def _parse(output: str) -> tuple[dict, dict]:
    """{test: (ok, message)} and {test: printed lines} from a runner report."""
    results: dict = {}
    printed: dict = {}
    current = None
    for line in output.splitlines():
        if line.startswith("=== "):
            current = line[4:]
            printed[current] = []
        elif line.startswith("--- PASS") and current:
            results[current] = (True, "")
            current = None
        elif line.startswith("--- FAIL") and current:
            results[current] = (False, line[9:])
            printed[current].append(line)
            # the traceback lines that follow still belong to this test
        elif current is not None:
            printed[current].append(line)
    return results, printed


PORTABLE_LIVENESS_S = 900  # one module's run, far above its time on a loaded machine


def run_portable(path: Path, interpreter: str) -> subprocess.CompletedProcess:
    key = (str(path), interpreter)
    if key not in _runs:
        if interpreter == "micropython":
            cmd, env = [micropython_command(), str(RUNNER), str(path)], micropython_env()
        else:
            cmd, env = [sys.executable, str(RUNNER), str(path)], dict(os.environ)
        try:
            _runs[key] = procgroup.run(
                cmd,
                timeout=PORTABLE_LIVENESS_S,
                cwd=ROOT,
                env=env,
                encoding="utf-8",
                errors="replace",
            )
        except subprocess.TimeoutExpired as e:
            _runs[key] = subprocess.CompletedProcess(
                cmd, -9, e.stdout or "", "timed out after %d s" % PORTABLE_LIVENESS_S
            )
    return _runs[key]


def _test_names(path: Path) -> list:
    tree = ast.parse(path.read_text())
    return sorted(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )


class MicroPythonFile(pytest.File):
    def collect(self):
        _stats["modules"] += 1
        for name in _test_names(self.path):
            yield MicroPythonItem.from_parent(self, name=name + "[micropython]", test=name)
        yield SameOutputItem.from_parent(self, name="same-output[micropython]")


class PortableFailure(Exception):
    pass


class MicroPythonItem(pytest.Item):
    def __init__(self, *, test, **kwargs):
        super().__init__(**kwargs)
        self.test = test

    def runtest(self):
        proc = run_portable(self.path, "micropython")
        results, printed = _parse(proc.stdout)
        if self.test not in results:
            _stats["failed"] += 1
            raise PortableFailure(
                "%s did not run under micropython (exit %s)\n%s\n%s"
                % (self.test, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
            )
        ok, message = results[self.test]
        if not ok:
            _stats["failed"] += 1
            raise PortableFailure(
                "under micropython: %s\n%s" % (message, "\n".join(printed.get(self.test, [])))
            )
        _stats["passed"] += 1

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PortableFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "%s[micropython]" % self.test


class SameOutputItem(pytest.Item):
    def runtest(self):
        mpy = run_portable(self.path, "micropython")
        cpy = run_portable(self.path, "cpython")
        m_results, m_out = _parse(mpy.stdout)
        c_results, c_out = _parse(cpy.stdout)
        if set(c_results) != set(m_results):
            _stats["differ"] += 1
            raise PortableFailure(
                "tests run differ: cpython ran %s, micropython ran %s\n%s"
                % (sorted(c_results), sorted(m_results), mpy.stderr[-2000:])
            )
        diffs = []
        for name, (ok, _) in sorted(c_results.items()):
            if ok and m_results[name][0] and c_out.get(name) != m_out.get(name):
                c_lines, m_lines = c_out.get(name, []), m_out.get(name, [])
                for i in range(max(len(c_lines), len(m_lines))):
                    a = c_lines[i] if i < len(c_lines) else "<nothing>"
                    b = m_lines[i] if i < len(m_lines) else "<nothing>"
                    if a != b:
                        diffs.append(
                            "%s line %d:\n  cpython:     %s\n  micropython: %s"
                            % (name, i + 1, a, b)
                        )
                        break
        if diffs:
            _stats["differ"] += 1
            raise PortableFailure("outputs differ between interpreters:\n" + "\n".join(diffs))
        _stats["same"] += 1

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PortableFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "same-output[micropython]"


def pytest_configure(config):
    """A session that leaves a process running fails (tests/leftover_processes.py)."""
    from tests.leftover_processes import LeftoverCheck

    config.pluginmanager.register(LeftoverCheck(), "tla-leftover-processes")


def pytest_collect_file(file_path: Path, parent):
    if (
        file_path.parent == PORTABLE
        and file_path.name.startswith("test_")
        and file_path.suffix == ".py"
    ):
        return MicroPythonFile.from_parent(parent, path=file_path)
    return None


def pytest_terminal_summary(terminalreporter):
    if not _stats["modules"]:
        return
    version = subprocess.run(
        [micropython_command(), "-c", "import sys; print(sys.implementation.version)"],
        capture_output=True,
        text=True,
        env=micropython_env(),
    ).stdout.strip()
    terminalreporter.write_line(
        "micropython %s: ran %d portable tests from %d modules: %d passed, %d failed; "
        "output identical to CPython in %d of %d modules"
        % (
            version,
            _stats["passed"] + _stats["failed"],
            _stats["modules"],
            _stats["passed"],
            _stats["failed"],
            _stats["same"],
            _stats["same"] + _stats["differ"],
        )
    )
