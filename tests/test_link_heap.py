"""A 2,000-int HELLO at the smallest heap the App boots with, under micropython.

What it shows: the frame that used to raise MemoryError out of `Link.poll` (a 2 KB HELLO
whose body is an array of 2,000 ints) is refused by the decoder's limits (ERROR 3, counted
in bad_body) and HELLO is answered right after, with the heap cut to the least the App
boots in, found here by bisection so the test follows the code as it grows. Once on a
FakeBoard (the App alone), once over the real pty with the unix board (`firmware.main`).
"""

import bisect
import os
import pty
import select
import subprocess
import time
import tty

import pytest

from emulator.interpreters import code_root, micropython_command, micropython_env
from emulator.terminal import MicroPythonTerminal
from protocol import frame, messages

# The killer: a 2,003-byte HELLO body, an array of 2,000 small ints.
BOMB = frame.encode_raw(messages.HELLO, 1, b"\x99\x07\xd0" + bytes(i % 24 for i in range(2000)))

_CHILD = """
import sys
sys.path.insert(0, %r)
from _fakes import FakeBoard
from firmware.app import App
from protocol import frame, messages
app = App(FakeBoard("TLA-HEAP-0001"))
print("BOOTED")
app.board.port.feed(%r + frame.encode(messages.HELLO, 2, {}))
while app.board.port.inbox:
    app.step()
ev = frame.Decoder().feed(app.board.port.take())
print("REPLIES", [(e.mtype, e.seq) for e in ev])
print("COUNTERS", app.link.decoder.bad_body + app.link.decoder.no_memory, app.link.dropped)
"""


def _smallest(works, low, high):
    """The smallest heap in KiB, low to high, that `works` (works is monotonic)."""
    return low + bisect.bisect_left(range(low, high), True, key=works)


def _child(tmp_path, heap_kib):
    script = tmp_path / "heap_child.py"
    script.write_text(_CHILD % (str(code_root() / "tests" / "portable"), BOMB))
    out = subprocess.run(
        [micropython_command(), "-X", "heapsize=%dk" % heap_kib, str(script)],
        env=micropython_env(),
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    return out.stdout


def test_two_thousand_int_hello_at_the_smallest_boot_heap(tmp_path):
    heap = _smallest(lambda k: "BOOTED" in _child(tmp_path, k), 256, 1024)
    out = _child(tmp_path, heap)
    print("the App boots with -X heapsize=%dk;" % heap, out)
    # At the very least heap the App boots in, the bomb may find no room even for the
    # decoder's first 512 items: then it is dropped and counted as no memory, unanswered
    # (protocol/frame.py); either way the App lives and HELLO is answered right after.
    assert "REPLIES [(127, 1), (1, 2)]" in out or "REPLIES [(1, 2)]" in out, out
    counted = out.split("COUNTERS ")[1].split()
    assert int(counted[0]) + int(counted[1]) == 1
    # With 16 KiB more (still far below a device's 454 KiB) the decoder's limit refuses it
    # with an ERROR: the limit, not the heap, is what stops the bomb.
    roomier = _child(tmp_path, heap + 16)
    assert "REPLIES [(127, 1), (1, 2)]" in roomier, roomier


def _exchange(fd, data, timeout=20.0):
    os.write(fd, data)
    dec = frame.Decoder()
    events = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(e.seq == 2 for e in events):
        if select.select([fd], [], [], 0.2)[0]:
            events += dec.feed(os.read(fd, 4096))
    return events


def _boots_over_pty(heap_kib, send=None):
    master, slave = pty.openpty()
    tty.setraw(master)
    term = MicroPythonTerminal(
        os.ttyname(slave), serial_number="TLA-HEAP-PTY1", heapsize="%dk" % heap_kib
    )
    try:
        term.start()
        kind = None
        while kind not in ("READY", "EXIT"):  # a boot out of heap ends the process
            kind = term.events.get(timeout=60)[0]
        if kind == "EXIT" or not term.alive():
            return None
        return _exchange(master, send) if send else []
    finally:
        term.stop()
        os.close(master)
        os.close(slave)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs ptys")
def test_two_thousand_int_hello_over_the_pty_at_the_smallest_boot_heap():
    heap = _smallest(lambda k: _boots_over_pty(k) is not None, 256, 1024)
    events = _boots_over_pty(heap, BOMB + frame.encode(messages.HELLO, 2, {}))
    print("firmware.main boots with -X heapsize=%dk; replies %r" % (heap, events))
    assert events is not None
    assert [(e.mtype, e.seq) for e in events] == [(messages.ERROR, 1), (messages.HELLO, 2)]
    assert events[0].body["code"] == messages.E_BAD_BODY
