"""pytest harness: each portable test module (tests/portable/test_*.py) runs three times in
one session: under CPython (collected by pytest as usual), under the real `micropython`
command, and under the 32-bit unix build with tla's modules frozen that `make firmware`
leaves in build/firmware/out (both through tests/portable/runner.py); each of its tests
becomes an item `test_x[micropython]` and `test_x[frozen32]`, and an item
`same-output[...]` fails when an interpreter printed anything different from CPython. The
frozen binary finds tla's packages in `.frozen`, which comes before the repository on its
path. Without that binary (or with one older than the sources) the frozen32 items skip,
saying why; under .ci/run (TLA_REQUIRE_FIRMWARE=1) they fail instead. The session's
summary says how many portable tests ran under each, counted from the items' reports (so
under pytest-xdist too, where the workers run the items and the controller prints it).
Under xdist a module's items all run on one worker (tests/parallel.py), which runs the module
once per interpreter.
"""

import ast
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# A test never fails because the machine is slow (docs/testing.md): Hypothesis' default
# 200 ms deadline per example failed test_sheet_properties on a loaded 2-core machine.
hypothesis_settings.register_profile("tla", deadline=None)
hypothesis_settings.load_profile("tla")

ROOT = Path(__file__).resolve().parent.parent
PORTABLE = ROOT / "tests" / "portable"
RUNNER = PORTABLE / "runner.py"

sys.path.insert(0, str(ROOT))
from emulator import procgroup  # noqa: E402
from emulator.interpreters import micropython_command, micropython_env  # noqa: E402
from tests.postgres_fixtures import db_where, postgres  # noqa: E402, F401  (both backends)
from tests.ui_hooks import (  # noqa: E402, F401  (pytest finds hooks and fixtures here)
    _check_portable_screens,
    _portable_screens,
    pytest_addoption,
    pytest_runtest_makereport,
    ui_prints,
)
from tests.ui_prints import screens_printed  # noqa: E402

FROZEN32 = ROOT / "build" / "firmware" / "out" / "micropython-tla32"
INTERPRETERS = ("micropython", "frozen32")

_runs: dict = {}  # (module, interpreter) -> its run, in this process (an xdist worker)
_stats = {
    name: {"modules": set(), "passed": 0, "failed": 0, "same": 0, "differ": 0}
    for name in INTERPRETERS
}


def _frozen32_missing():
    """Why the frozen binary cannot stand for the sources, or None when it can."""
    if not FROZEN32.exists():
        return "no build/firmware/out/micropython-tla32: run `make firmware`"
    built = FROZEN32.stat().st_mtime
    # What hw/boards/unix_frozen/manifest.py freezes.
    frozen = [p for part in ("firmware", "protocol", "hw") for p in (ROOT / part).rglob("*.py")]
    frozen += list((ROOT / "emulator" / "contacts").glob("*.py"))
    frozen += [
        ROOT / "emulator" / n
        for n in (
            "__init__.py",
            "powercut_child.py",
            "visitday.py",
            "scenario_play.py",
            "workday.py",
        )
    ]
    for p in frozen:
        if p.stat().st_mtime > built:
            return "micropython-tla32 is older than %s: run `make firmware`" % p.relative_to(ROOT)
    return None


def _interpreter_command(interpreter):
    """The command line of an interpreter. The default heaps (2 MB for the 64-bit
    `micropython`, 1 MB for the 32-bit build) are tight for portable tests that hold
    simulated flash images of several hundred KB one after another (a 388 KiB image once
    found no contiguous room; the update tests' boards, 492 KiB each with their two image
    slots, six in a row, found none in 4 MB under frozen32): both get 8 MB; the heap figure
    that counts is `make bench`'s."""
    if interpreter == "frozen32":
        return [str(FROZEN32), "-X", "heapsize=8M"]
    return [micropython_command(), "-X", "heapsize=8M"]


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
        if interpreter in INTERPRETERS:
            # MICROPYPATH is ".frozen:ROOT": the frozen binary's own modules win.
            cmd = _interpreter_command(interpreter) + [str(RUNNER), str(path)]
            env = micropython_env()
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
        for interpreter in INTERPRETERS:
            for name in _test_names(self.path):
                yield MicroPythonItem.from_parent(
                    self, name="%s[%s]" % (name, interpreter), test=name, interpreter=interpreter
                )
            yield SameOutputItem.from_parent(
                self, name="same-output[%s]" % interpreter, interpreter=interpreter
            )


def _require(interpreter):
    if interpreter != "frozen32":
        return
    why = _frozen32_missing()
    if why:
        if os.environ.get("TLA_REQUIRE_FIRMWARE"):
            pytest.fail(why)
        pytest.skip(why)


class PortableFailure(Exception):
    pass


class MicroPythonItem(pytest.Item):
    def __init__(self, *, test, interpreter="micropython", **kwargs):
        super().__init__(**kwargs)
        self.test = test
        self.interpreter = interpreter

    def runtest(self):
        _require(self.interpreter)
        proc = run_portable(self.path, self.interpreter)
        results, printed = _parse(proc.stdout)
        if self.test not in results:
            raise PortableFailure(
                "%s did not run under %s (exit %s)\n%s\n%s"
                % (
                    self.test,
                    self.interpreter,
                    proc.returncode,
                    proc.stdout[-3000:],
                    proc.stderr[-3000:],
                )
            )
        ok, message = results[self.test]
        if not ok:
            raise PortableFailure(
                "under %s: %s\n%s"
                % (self.interpreter, message, "\n".join(printed.get(self.test, [])))
            )
        screens = screens_printed(printed.get(self.test, []))
        _check_portable_screens(self.config, self.path, self.test, screens, self.interpreter)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PortableFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "%s[%s]" % (self.test, self.interpreter)


def _compared(path, test, printed):
    """What a test printed, as compared between interpreters: its screens left out when
    they are kept per interpreter (tests/ui_prints.PER_INTERPRETER)."""
    from tests.ui_prints import interpreter_flow, portable_flow

    lines = printed.get(test, [])
    flow = portable_flow(path, test)
    if interpreter_flow(flow, "cpython") != flow:
        lines = [line for line in lines if not line.startswith("SCREEN |")]
    return lines


class SameOutputItem(pytest.Item):
    def __init__(self, *, interpreter="micropython", **kwargs):
        super().__init__(**kwargs)
        self.interpreter = interpreter

    def runtest(self):
        _require(self.interpreter)
        mpy = run_portable(self.path, self.interpreter)
        cpy = run_portable(self.path, "cpython")
        m_results, m_out = _parse(mpy.stdout)
        c_results, c_out = _parse(cpy.stdout)
        if set(c_results) != set(m_results):
            raise PortableFailure(
                "tests run differ: cpython ran %s, %s ran %s\n%s"
                % (sorted(c_results), self.interpreter, sorted(m_results), mpy.stderr[-2000:])
            )
        diffs = []
        for name, (ok, _) in sorted(c_results.items()):
            c_lines, m_lines = _compared(self.path, name, c_out), _compared(self.path, name, m_out)
            if ok and m_results[name][0] and c_lines != m_lines:
                for i in range(max(len(c_lines), len(m_lines))):
                    a = c_lines[i] if i < len(c_lines) else "<nothing>"
                    b = m_lines[i] if i < len(m_lines) else "<nothing>"
                    if a != b:
                        diffs.append(
                            "%s line %d:\n  cpython: %s\n  %s: %s"
                            % (name, i + 1, a, self.interpreter, b)
                        )
                        break
        if diffs:
            raise PortableFailure("outputs differ between interpreters:\n" + "\n".join(diffs))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, PortableFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "same-output[%s]" % self.interpreter


def pytest_configure(config):
    """A session that leaves a process running fails (tests/leftover_processes.py); the
    pcscd tests share one xdist worker and the machine's lock (tests/parallel.py)."""
    from tests import parallel
    from tests.leftover_processes import LeftoverCheck

    config.pluginmanager.register(LeftoverCheck(), "tla-leftover-processes")
    config.pluginmanager.register(parallel, "tla-parallel")
    _own_data_folder(config)


def _own_data_folder(config):
    """The session's own data and settings folders (XDG_DATA_HOME, XDG_CONFIG_HOME), made by
    the controller and inherited by its workers and every process a test starts: what the
    agent keeps in the user's data folder (the web app's session secrets, a default
    database) never lands in the real one, nor outlives the session."""
    if os.environ.get("TLA_TEST_HOME"):
        return  # an xdist worker: its controller made them
    import shutil
    import tempfile

    home = tempfile.mkdtemp(prefix="tla-test-home-")
    os.environ.update(
        TLA_TEST_HOME=home,
        XDG_DATA_HOME=os.path.join(home, "data"),
        XDG_CONFIG_HOME=os.path.join(home, "config"),
    )
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


def pytest_collection_finish(session):
    """What collection imported lives for the whole session: frozen out of the garbage
    collector's walks, the firmware's gc.collect() calls (MicroPython heap hygiene, several
    a visit) cost CPython a walk of each test's own objects only, and a forked child (the
    power-cut bench, the sync sweep's workers) shares those pages instead of copying them."""
    gc.freeze()


def pytest_collect_file(file_path: Path, parent):
    if (
        file_path.parent == PORTABLE
        and file_path.name.startswith("test_")
        and file_path.suffix == ".py"
    ):
        return MicroPythonFile.from_parent(parent, path=file_path)
    return None


def pytest_runtest_logreport(report):
    """Counts a portable item's outcome under its interpreter (under xdist the controller
    gets every worker's reports here)."""
    path, _, name = report.nodeid.partition("::")
    interpreter = name.rpartition("[")[2].rstrip("]")
    if report.when != "call" or interpreter not in INTERPRETERS or "/portable/" not in path:
        return
    st = _stats[interpreter]
    st["modules"].add(path)
    if report.skipped:
        return
    if name.startswith("same-output["):
        st["same" if report.passed else "differ"] += 1
    else:
        st["passed" if report.passed else "failed"] += 1


def pytest_terminal_summary(terminalreporter):
    for interpreter in INTERPRETERS:
        st = _stats[interpreter]
        if not st["modules"]:
            continue
        if interpreter == "frozen32" and _frozen32_missing():
            terminalreporter.write_line("frozen32: skipped (%s)" % _frozen32_missing())
            continue
        version = subprocess.run(
            _interpreter_command(interpreter)
            + ["-c", "import sys; print(sys.implementation.version)"],
            capture_output=True,
            text=True,
            env=micropython_env(),
        ).stdout.strip()
        terminalreporter.write_line(
            "%s %s: ran %d portable tests from %d modules: %d passed, %d failed; "
            "output identical to CPython in %d of %d modules"
            % (
                interpreter,
                version,
                st["passed"] + st["failed"],
                len(st["modules"]),
                st["passed"],
                st["failed"],
                st["same"],
                st["same"] + st["differ"],
            )
        )
