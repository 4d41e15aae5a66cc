"""Minimal portable test doubles for the HAL (ports, clock, display, keypad, board)."""

from hw import hal


class LoopPort(hal.Port):
    """A port whose input is fed by the test and whose output is collected."""

    def __init__(self):
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.fail = False

    def feed(self, data):
        self.inbox.extend(data)

    def read(self, max_bytes=256):
        if self.fail:
            raise hal.PortError("cable cut")
        data = bytes(self.inbox[:max_bytes])
        self.inbox = self.inbox[max_bytes:]
        return data

    def write(self, data):
        if self.fail:
            raise hal.PortError("cable cut")
        self.outbox.extend(data)
        return len(data)

    def take(self):
        out = bytes(self.outbox)
        self.outbox = bytearray()
        return out

    def close(self):
        pass


class FakeClock(hal.Clock):
    def __init__(self, now=1795000000):
        self._now = now
        self._ticks = 0

    def now(self):
        return self._now

    def set(self, epoch_seconds):
        self._now = epoch_seconds

    def ticks_ms(self):
        return self._ticks

    def sleep_ms(self, ms):
        self._ticks += ms


# Every screen a test's displays showed, in order: the test's flow, kept by fingerprint
# (tests/ui_prints.py; the runner prints it, tests/conftest.py checks it). Emptied before
# each test.
SHOWN = []


class FakeDisplay(hal.Display):
    def __init__(self):
        self.lines = []
        self.history = []

    def show(self, lines):
        self.lines = list(lines)
        self.history.append(self.lines)
        SHOWN.append([str(line) for line in self.lines])


class FakeKeypad(hal.Keypad):
    def __init__(self):
        self.keys = []

    def get_key(self):
        return self.keys.pop(0) if self.keys else None


class FakeBoard(hal.Board):
    name = "fake"

    def __init__(self, serial="TLA-TEST-0001"):
        super().__init__(serial, {}, None, LoopPort(), FakeClock(), FakeDisplay(), FakeKeypad())
        self.events = []

    def emit(self, kind, payload):
        self.events.append((kind, payload))
