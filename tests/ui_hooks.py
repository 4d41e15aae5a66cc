"""The pytest side of the screens kept by fingerprint (tests/ui_prints.py, docs/testing.md
"Screens kept by fingerprint"): the `--ui` option, the `ui_prints` fixture, and a portable
test's screens checked under CPython as the runner's are under MicroPython (conftest.py
imports these, so pytest finds them there)."""

import os
import sys
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--ui",
        choices=("check", "record"),
        default="check",
        help="Screens kept by fingerprint (tests/ui_prints.py): check them against "
        "tests/fixtures/screens.json (default) or record what this run shows.",
    )


def _ui_checker(config):
    from tests.ui_prints import UiPrints

    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or os.environ.setdefault(
        "TLA_UI_RUN", os.urandom(8).hex()
    )
    return UiPrints(config.getoption("--ui"), run_id)


@pytest.fixture
def ui_prints(request):
    """Checks (or with --ui=record records) a flow's screens: tests/ui_prints.py."""
    return _ui_checker(request.config)


def _check_portable_screens(config, path, test, screens, interpreter):
    """A portable test's screens (the fakes' displays), kept by fingerprint like the
    scenarios' (tests/ui_prints.py): the same flow under every interpreter, but for the
    flows ui_prints.PER_INTERPRETER lists."""
    from tests.ui_prints import interpreter_flow, portable_flow, terminal_frames

    frames = terminal_frames(screens)
    if frames:
        flow = interpreter_flow(portable_flow(path, test), interpreter)
        _ui_checker(config).check(flow, frames)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.tla_call_passed = outcome.get_result().passed


@pytest.fixture(autouse=True)
def _portable_screens(request):
    """Under CPython, a portable test's screens checked as the runner's (MicroPythonItem)."""
    path = Path(str(request.node.path))
    if path.parent.name != "portable" or not path.name.startswith("test_"):
        yield
        return
    fakes = sys.modules.get("_fakes")
    if fakes is not None:
        del fakes.SHOWN[:]
    yield
    fakes = sys.modules.get("_fakes")
    if fakes is not None and getattr(request.node, "tla_call_passed", False):
        _check_portable_screens(
            request.config, path, request.node.originalname, list(fakes.SHOWN), "cpython"
        )
