"""The unix board takes updates over real processes (docs/board.md "Updates", "The unix
board"; issue 22): the terminal behind a pty, its firmware started by the launcher
(emulator/launcher.py) on the bootloader's choice; `tla-agent update add` a bundle of
board "unix" signed by the TEST keys (its image: this tree's code, emulator/unix_image.py,
saying another version); `tla-agent sync`: the terminal takes it into an image file,
switches once idle, restarts on the new code, which confirms itself; the next sync sees
the new version, the sheets kept. A version whose self-test fails, and one that does not
even start, are rolled back to the version before. Every process dies with the test (the
interpreter dies with its launcher, the launcher with the terminal's stop)."""

import ast
import io
import os
import subprocess
import sys
import tokenize

import pytest

from emulator import releases, unix_image
from emulator.interpreters import code_root
from emulator.ptylink import PtyBridge
from emulator.terminal import MicroPythonTerminal
from emulator.waiting import until
from tests import sync_kit as kit
from tests.test_sync_pty import LIVENESS_S, _pair_with_the_cli, sync_with_the_cli

AGENT = [sys.executable, "-m", "host_agent.cli"]


def _bundle(tmp, version, counter, says=None, replace=None):
    """A .tlaup file of board unix signed by two TEST keys as `version`, `counter`: this
    tree's code saying them (or `says`: (version, counter)), with `replace`'s files."""
    says = says or (version, counter)
    code = unix_image.build(code_root(), says[0], says[1], replace, lean=not FULL_IMAGE)
    path = tmp / ("%s.tlaup" % version)
    path.write_bytes(releases.make_bundle("unix", version, counter, code))
    return path


def _add(path, db):
    done = subprocess.run(
        AGENT + ["update", "add", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=LIVENESS_S,
    )
    assert done.returncode == 0, done.stderr


class Board:
    """The unix board on a pty behind its launcher, its flash holding 3 sheets, paired."""

    def __init__(self, tmp, interpreter):
        self.image = tmp / "flash.img"
        self.saved = kit.flash_image(self.image, 3)
        self.bridge = PtyBridge().start()
        self.port = self.bridge.host_path
        self.t = MicroPythonTerminal(
            self.bridge.terminal_path,
            serial_number=kit.SERIAL,
            flash_path=str(self.image),
            launcher=interpreter,
        )
        self.seen = {}
        self.db = tmp / "agent.db"
        self.root = kit.write_root(tmp)
        self.t.start()
        try:
            assert self.t.wait_event("READY", LIVENESS_S)["fw"] == "0.1.0"
            self.t.set_time(kit.NOW)
            code, _, err = _pair_with_the_cli(self, self.db)
            assert code == 0, err
            self.t.press("OK")
        except BaseException:
            self.close()
            raise

    def sync(self, *expect):
        done = sync_with_the_cli(self.port, self.db, self.root)
        assert done.returncode == 0, done.stderr
        for line in expect:
            assert line in done.stdout, done.stdout
        return done.stdout

    def restarted(self, version):
        """The terminal restarted on `version` (its READY), its clock set again; the
        firmware's events until then are kept for said()."""
        while True:
            kind, payload = self.t.events.get(timeout=LIVENESS_S)
            if kind == "EVENT" and isinstance(payload, dict):
                self.seen.update(payload)
            elif kind == "READY":
                assert payload["fw"] == version, payload
                break
            assert kind != "EXIT", self.t.stderr_lines[-5:]
        self.t.set_time(kit.NOW)

    def saw(self, first_line):
        if not until(lambda: any(s[0] == first_line for _, s in self.t.recent), LIVENESS_S):
            raise AssertionError("no screen %r: %r" % (first_line, list(self.t.recent)[-5:]))

    def close(self):
        self.t.stop()
        self.bridge.close()

    def said(self, key):
        """What the firmware said of `key` (an EVENT) before its last READY."""
        return self.seen.pop(key, None)


# micropython, what a bench's unix terminal runs; CPython too in `make bench ARGS=update`
# (90 s each on this machine: the suite keeps under its 10 minutes).
INTERPRETERS = ["micropython"] + (["cpython"] if os.environ.get("TLA_UPDATE_UNIX_BOTH") else [])
# make test sends lean images (the same code, its comments and docstrings out: 179 KB,
# not 288 KB, three transfers of 1 KiB chunks); `make bench ARGS=update` the whole ones.
FULL_IMAGE = bool(os.environ.get("TLA_UPDATE_UNIX_FULL"))


def _docstrings_emptied(tree):
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for statement in body if isinstance(body, list) else []:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                if isinstance(statement.value.value, str):
                    statement.value.value = ""
    return ast.dump(tree)


def test_the_lean_image_is_the_same_code_in_fewer_bytes():
    full = unix_image.sources(code_root())
    for name, source in full.items():
        lean = unix_image.lean_source(source)
        tokens = tokenize.tokenize(io.BytesIO(lean).readline)
        assert not [t for t in tokens if t.type == tokenize.COMMENT], name
        assert ast.dump(ast.parse(lean)) == _docstrings_emptied(ast.parse(source)), name
    assert len(unix_image.build(code_root(), lean=True)) < 0.7 * len(unix_image.build(code_root()))


@pytest.mark.parametrize("interpreter", INTERPRETERS)
def test_the_unix_board_takes_an_update_restarts_on_it_and_rolls_bad_ones_back(
    tmp_path, interpreter
):
    board = Board(tmp_path, interpreter)
    try:
        _add(_bundle(tmp_path, "0.2.0", 2), board.db)
        board.sync("3 sheets filed", "update 0.2.0 taken")
        # Idle after the sync: it switches, restarts on the new code, which confirms itself.
        board.restarted("0.2.0")
        assert board.said("update_switch") == "0.2.0"
        assert board.said("update_confirmed") == "0.2.0"
        board.saw("Version 0.2.0")
        board.sync("0 sheets filed", "the terminal runs 0.2.0 (counter 2)")
        assert kit.store_records(board.db)[0] == board.saved

        # Signed as 0.3.0, its code says 0.2.1: its self-test fails, 0.2.0 runs again.
        _add(_bundle(tmp_path, "0.3.0", 3, says=("0.2.1", 2)), board.db)
        board.sync("update 0.3.0 taken")
        board.restarted("0.2.0")
        assert board.said("update_rolled_back") == "it is not the version its manifest names"
        assert board.said("update_back") == "it is not the version its manifest names"
        board.saw("MAJ 0.3.0 echouee")
        board.sync("update 0.3.0 rolled back by the terminal: it is not the version")

        # Code that does not even start: booted twice on trial, then 0.2.0 again.
        broken = {"firmware/main.py": b"raise RuntimeError('this image does not start')\n"}
        _add(_bundle(tmp_path, "0.4.0", 4, replace=broken), board.db)
        board.sync("update 0.4.0 taken")
        board.restarted("0.2.0")
        assert board.said("update_back") == "it did not confirm itself"
        assert board.t.stderr_lines.count("RuntimeError: this image does not start") == 2
        board.saw("MAJ 0.4.0 echouee")
        board.sync("update 0.4.0 rolled back by the terminal: it did not confirm itself")
        filed, quarantined = kit.store_records(board.db)
        assert filed == board.saved and not quarantined
    finally:
        board.close()
