"""Screens kept by fingerprint (issue 22, 4): every screen a test flow shows (the terminal's
4 x 20 text, or a web page's normalised DOM) is kept in tests/fixtures/screens/<flow>.txt,
readable, and its SHA-256 in tests/fixtures/screens.json. `ui_prints` (the fixture of
tests/conftest.py) checks a flow's screens against them: an unrecorded change fails with the
changed screens side by side (old | new). `pytest --ui=record` (`make test ARGS=--ui=record`)
writes them instead; a flow played under several interpreters is recorded once and must be
the same under each (a second interpreter that differs in the same run fails).

The terminal has no cursor of its own: a menu's cursor is its '>' in the text, kept with it.
"""

import difflib
import fcntl
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCREENS = FIXTURES / "screens"
INDEX = FIXTURES / "screens.json"
RECORD_HINT = "make test ARGS=--ui=record (or pytest FILE --ui=record)"
_CLOCK = re.compile(r"\b\d\d:\d\d\b")
# Screens that show or not with the speed of the hands, not the firmware: the Vitale card
# left in a moment after its visit (firmware/screens.py remove_vitale_done; the scenario
# player takes it out as soon as it sees the sheet saved, later on a loaded machine).
HAND_SPEED = (["Retirez la carte", "Vitale du patient", "", ""],)


def terminal_frames(screens):
    """The screens a flow showed, as kept: the idle screens shown before its first other
    screen dropped (the boot's shows the PC's date, before the scenario sets its clock),
    the time of day as hh:mm (the simulated clock runs in real time: a minute may turn
    during a flow), a screen shown again unchanged kept once (that minute's redraw), and the
    HAND_SPEED screens dropped."""
    frames = []
    for lines in screens:
        lines = [_CLOCK.sub("hh:mm", line) for line in lines]
        if (not frames and lines and lines[0].startswith("tla ")) or lines in HAND_SPEED:
            continue
        if not frames or frames[-1] != lines:
            frames.append(lines)
    return frames


# Portable flows whose screens differ between CPython and MicroPython, kept once per
# interpreter ("<flow>[cpython]", "<flow>[micropython]"), each with why:
PER_INTERPRETER = {
    "portable/test_deflate_link/": "MicroPython's standard build cannot deflate: the test "
    "returns before its flow",
    "portable/test_visit/test_flash_full_refuses_a_new_visit_before_any_card_is_read": "the "
    "flash fills after another number of sheets (littlefs-python and MicroPython's lfs2 use "
    "blocks differently)",
    "portable/test_round_list/test_no_round_no_list_and_a_round_patients_sheet_is_named_in_the"
    "_day": "the small flash's reserve is reached under MicroPython only (littlefs' block use)",
}


# Flows where tla's own frozen32 build behaves as CPython, not as the standard micropython:
# it is built with deflate's compression (the standard build only inflates).
FROZEN32_AS_CPYTHON = ("portable/test_deflate_link/",)


def interpreter_flow(flow, interpreter):
    """`flow`, or its per-interpreter name when PER_INTERPRETER lists it."""
    if any(flow.startswith(prefix) for prefix in PER_INTERPRETER):
        if interpreter == "frozen32" and flow.startswith(FROZEN32_AS_CPYTHON):
            interpreter = "cpython"
        return "%s[%s]" % (flow, "cpython" if interpreter == "cpython" else "micropython")
    return flow


def portable_flow(path, test):
    """The flow name of a portable test (tests/portable/test_x.py, test_y)."""
    stem = str(path).replace("\\", "/").rsplit("/", 1)[-1]
    return "portable/%s/%s" % (stem[:-3] if stem.endswith(".py") else stem, test)


def screens_printed(lines):
    """The screens of the runner's `SCREEN |l1|l2|l3|l4|` lines (tests/portable/runner.py)."""
    return [line[8:-1].split("|") for line in lines if line.startswith("SCREEN |")]


def render(frames):
    """The readable text of a flow: each frame under a `--- N` line, its lines between bars
    (trailing spaces show)."""
    out = []
    for n, lines in enumerate(frames, 1):
        out.append("--- %d" % n)
        out += ["|%s|" % line for line in lines]
    return "\n".join(out) + "\n"


def parse(text):
    frames = []
    for line in text.splitlines():
        if line.startswith("--- "):
            frames.append([])
        elif frames and line.startswith("|") and line.endswith("|"):
            frames[-1].append(line[1:-1])
    return frames


def _file(flow):
    return SCREENS / (flow.replace("/", "--") + ".txt")


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def side_by_side(old, new, width=0):
    """The frames that differ between `old` and `new` (lists of frames), old | new."""
    width = width or max([len(x) for f in old + new for x in f] + [20])
    a = ["\n".join(f) for f in old]
    b = ["\n".join(f) for f in new]
    out = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        left, right = old[i1:i2], new[j1:j2]
        out.append(
            "screens %s of the record | %s of this run:"
            % (
                "%d-%d" % (i1 + 1, i2) if i2 > i1 else "none",
                "%d-%d" % (j1 + 1, j2) if j2 > j1 else "none",
            )
        )
        rows_l = [x for f in left for x in f + ["-" * 4]]
        rows_r = [x for f in right for x in f + ["-" * 4]]
        for k in range(max(len(rows_l), len(rows_r))):
            l_ = rows_l[k] if k < len(rows_l) else ""
            r_ = rows_r[k] if k < len(rows_r) else ""
            out.append("%s | %s" % (l_.ljust(width), r_))
    return "\n".join(out)


class UiPrints:
    """One session's checker (mode "check" or "record")."""

    def __init__(self, mode, run_id):
        self.mode = mode
        self.run_id = run_id

    def check(self, flow, frames):
        """Fail (AssertionError) when `frames` are not the recorded screens of `flow`;
        record them in record mode."""
        text = render(frames)
        if self.mode == "record":
            return self._record(flow, text)
        recorded = _load_index().get(flow)
        if recorded is None:
            raise AssertionError(
                "no screens recorded for flow %s (%d screens): record them with %s"
                % (flow, len(frames), RECORD_HINT)
            )
        if recorded == _digest(text):
            return
        path = _file(flow)
        old = parse(path.read_text()) if path.exists() else []
        raise AssertionError(
            "the screens of flow %s changed (recorded in %s); if the change is meant, record "
            "it with %s\n%s"
            % (
                flow,
                path.relative_to(FIXTURES.parent.parent),
                RECORD_HINT,
                side_by_side(old, frames),
            )
        )

    def _record(self, flow, text):
        with _locked() as index:
            this_run = index.setdefault("__run__", {})
            if this_run.get("id") != self.run_id:
                this_run.clear()
                this_run["id"] = self.run_id
            seen = this_run.setdefault("flows", {})
            if flow in seen and seen[flow] != _digest(text):
                old = parse(_file(flow).read_text())
                raise AssertionError(
                    "flow %s showed other screens under another interpreter in this run:\n%s"
                    % (flow, side_by_side(old, parse(text)))
                )
            seen[flow] = index["flows"][flow] = _digest(text)
            SCREENS.mkdir(parents=True, exist_ok=True)
            _file(flow).write_text(text)


def _load_index():
    if not INDEX.exists():
        return {}
    return json.loads(INDEX.read_text()).get("flows", {})


class _locked:
    """The index read and written under an exclusive lock (the xdist workers record at
    once); the run's own bookkeeping kept beside it in the temporary folder."""

    def __enter__(self):
        self.lock = open(os.path.join(tempfile.gettempdir(), "tla-ui-prints.lock"), "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.run_file = Path(tempfile.gettempdir()) / "tla-ui-prints-run.json"
        flows = _load_index()
        run = json.loads(self.run_file.read_text()) if self.run_file.exists() else {}
        self.index = {"flows": flows, "__run__": run}
        return self.index

    def __exit__(self, *exc):
        try:
            flows = dict(sorted(self.index["flows"].items()))
            INDEX.parent.mkdir(parents=True, exist_ok=True)
            INDEX.write_text(json.dumps({"flows": flows}, indent=1) + "\n")
            self.run_file.write_text(json.dumps(self.index["__run__"]))
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
        return False
