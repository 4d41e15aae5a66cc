"""End to end over a real pty: `tla-emu run` boots the terminal (CPython or micropython),
`tla-agent hello` opens the pty with pyserial and prints the identity; bad frames sent over
the same pty get ERROR frames or are dropped, and HELLO is still served afterwards."""

import re
import subprocess
import sys
import time

import pytest
import serial

from emulator import procgroup
from protocol import frame, messages

PORT_RE = re.compile(r"Serial port: (\S+)")


@pytest.fixture(params=["cpython", "micropython"])
def emulator(request):
    # --for: the emulator's own liveness bound, far above the tests' time on a loaded
    # machine (the fixture stops it); its own process group: nothing outlives the fixture.
    proc = procgroup.start(
        [
            sys.executable,
            "-m",
            "emulator.cli",
            "run",
            "-i",
            request.param,
            "-q",
            "--for",
            "900",
            "--serial",
            "TLA-E2E-%s" % request.param[:3].upper(),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        assert proc.stdout is not None
        for line in proc.stdout:
            m = PORT_RE.search(line)
            if m:
                port = m.group(1)
                break
        assert port, proc.stderr.read() if proc.stderr else "no port"
        yield request.param, port
        proc.terminate()
        proc.wait(60)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        procgroup.kill_group(proc)


def test_agent_hello_prints_identity(emulator):
    interpreter, port = emulator
    out = subprocess.run(
        [sys.executable, "-m", "host_agent.cli", "hello", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert "TLA-E2E-%s" % interpreter[:3].upper() in out.stdout
    assert ("unix" if interpreter == "micropython" else "sim") in out.stdout


def _exchange(ser, data, timeout=30.0):
    """The frames answered to `data`, waiting at most `timeout` (a liveness bound) for the
    first."""
    ser.write(data)
    dec = frame.Decoder()
    events = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events += dec.feed(ser.read(4096))
        if events:
            break
    return events


def test_bad_input_over_the_pty_then_hello(emulator):
    _, port = emulator
    ser = serial.serial_for_url(port, timeout=0.05)
    try:
        unknown = _exchange(ser, frame.encode(0x55, 11, {}))
        assert (
            unknown[0].mtype == messages.ERROR
            and unknown[0].body["code"] == messages.E_UNKNOWN_TYPE
        )
        version = _exchange(ser, frame.encode(messages.HELLO, 12, {}, version=7))
        assert version[0].mtype == messages.ERROR and version[0].body["code"] == messages.E_VERSION
        big = frame.encode_raw(messages.HELLO, 13, b"\x40" * 3000, max_body=4000)
        too_large = _exchange(ser, big)
        assert (
            too_large[0].mtype == messages.ERROR
            and too_large[0].body["code"] == messages.E_TOO_LARGE
        )
        bad_crc = bytearray(frame.encode(messages.HELLO, 14, {}))
        bad_crc[3] ^= 1
        assert _exchange(ser, bytes(bad_crc), timeout=0.5) == []  # counted drop, no answer
        hello = _exchange(ser, frame.encode(messages.HELLO, 15, {}))
        assert hello[0].mtype == messages.HELLO and hello[0].seq == 15
    finally:
        ser.close()


def test_agent_reports_a_missing_port_in_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "host_agent.cli", "hello", "--port", "/dev/nonexistent-tla"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 5  # EXIT_LINK, as for sync
    assert out.stderr.strip().startswith("error: cannot open the terminal's port")
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr
