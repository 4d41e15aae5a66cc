"""`tla-emu run` reads what a person types, or a pipe: whole lines of keys as scenario files
write them (`4827 OK`, `1 5 9 3`, `ok`), card commands, and a clear message for a line that
means nothing (the terminal runs on). Under CPython and micropython."""

import os
import signal
import subprocess
import sys
import threading

import pytest

RUN = [sys.executable, "-m", "emulator.cli", "run"]


class Run:
    """`tla-emu run` in its own process group, its stdout read line by line."""

    def __init__(self, interpreter, *args):
        self.proc = subprocess.Popen(
            RUN + ["--interpreter", interpreter, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Its own group, not session: a session leader would take the pty it opens as
            # its controlling terminal, and get SIGHUP when the bridge closes it.
            process_group=0,
        )
        self.out = []
        self.seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.seen:
                self.out.append(line.rstrip("\n"))
                self.seen.notify_all()
        with self.seen:
            self.out.append(None)  # end of output
            self.seen.notify_all()

    def wait_for(self, text, timeout=60.0):
        """Wait until a line of output holds `text` (liveness bound only)."""
        with self.seen:
            ok = self.seen.wait_for(
                lambda: any(line is None or text in line for line in self.out), timeout
            )
        assert ok and None not in self.out[-1:], "no %r in:\n%s" % (text, self.text())

    def text(self):
        return "\n".join(line for line in self.out if line is not None)

    def screens(self):
        """The screens drawn so far, each as its 4 lines."""
        lines = self.text().split("\n")
        boxes, box = [], None
        for line in lines:
            if line.startswith("+--"):
                if box is None:
                    box = []
                else:
                    boxes.append(box)
                    box = None
            elif box is not None and line.startswith("|"):
                box.append(line[1:-1].rstrip())
        return boxes

    def stop(self):
        """SIGTERM to tla-emu (it stops its micropython), SIGKILL to the group if it hangs;
        returns its stderr. Nothing of the group is left afterwards."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        assert self.proc.stderr is not None
        return self.proc.stderr.read()


def piped(interpreter, text, until="|Inserer carte Vitale|"):
    """`tla-emu run` fed `text` at once through a pipe, before the terminal is even up (a
    pipe, not a person), stopped once a line holds `until`; returns (run, its stderr)."""
    run = Run(interpreter)
    try:
        assert run.proc.stdin is not None
        run.proc.stdin.write(text)
        run.proc.stdin.close()
        run.wait_for(until)
    finally:
        err = run.stop()
    assert run.proc.returncode == 0, err
    return run, err


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_piped_whole_lines_drive_the_terminal(interpreter):
    run, _ = piped(interpreter, "insert cps gp\n4827 OK\n")
    screens = run.screens()
    pin = screens.index(["BERNARD CLAIRE", "Code PIN: ****", "", "OK valider"])
    ready = ["BERNARD CLAIRE", "Medecin", "Inserer carte Vitale", "MENU: autres choix"]
    assert ready in screens[pin:]  # (micropython's stop pulls the card: one more screen)
    assert "Serial port: /dev/" in run.text()


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_spaced_digits_lower_case_and_a_bad_line(interpreter):
    run, err = piped(interpreter, "insert cps nurse\nbogus 12\n1 5 9 3\nok\n")
    # The bad line pressed nothing: the PIN is the four digits that followed it.
    assert ["PETIT LUC", "Infirmier", "Inserer carte Vitale"] in [s[:3] for s in run.screens()]
    assert "no such key on the terminal: 'BOGUS'" in err
