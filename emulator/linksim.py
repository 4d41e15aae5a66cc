"""Terminal and agent in one process over a simulated serial cable, with a virtual clock and
seeded faults: a whole sync, however the line misbehaves, replays exactly from its seed.

In the style of FoundationDB's and TigerBeetle's simulation testing: the agent's blocking
reads step the terminal's main loop (firmware.app.App on a SimBoard) and move the virtual
clock; each direction of the cable is paced like a UART (10 bits a byte) and passes every
write through `Faults` (drop, flip a bit, truncate, duplicate, unplug for a while).
"""

import random

from emulator.simboard import SimBoard, SimClock
from firmware.main import build
from hw import hal

BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit


class Faults:
    """What the cable does to each write (a frame, in practice), drawn from `rng`.

    drop: the write is lost; flip: one bit of it changes; truncate: only a prefix arrives;
    duplicate: it arrives twice (a replay); cut: the cable is unplugged for `cut_s`
    seconds, mid-write (both directions lose everything meanwhile)."""

    def __init__(self, rng, drop=0.0, flip=0.0, truncate=0.0, duplicate=0.0, cut=0.0, cut_s=1.0):
        self.rng = rng
        self.drop = drop
        self.flip = flip
        self.truncate = truncate
        self.duplicate = duplicate
        self.cut = cut
        self.cut_s = cut_s
        self.dead_until = 0.0
        self.counts = {"drop": 0, "flip": 0, "truncate": 0, "duplicate": 0, "cut": 0}

    @classmethod
    def none(cls):
        return cls(random.Random(0))

    def apply(self, data: bytes, now: float) -> list:
        """The byte strings that reach the other end for this write (often [data])."""
        r = self.rng
        if now < self.dead_until:
            return []
        if self.cut and r.random() < self.cut:
            self.counts["cut"] += 1
            self.dead_until = now + self.cut_s * (0.5 + r.random())
            return [data[: r.randrange(len(data) + 1)]]
        if self.drop and r.random() < self.drop:
            self.counts["drop"] += 1
            return []
        if self.flip and r.random() < self.flip:
            self.counts["flip"] += 1
            bad = bytearray(data)
            i = r.randrange(len(bad))
            bad[i] ^= 1 << r.randrange(8)
            data = bytes(bad)
        if self.truncate and r.random() < self.truncate:
            self.counts["truncate"] += 1
            data = data[: r.randrange(len(data) + 1)]
        if self.duplicate and r.random() < self.duplicate:
            self.counts["duplicate"] += 1
            return [data, data]
        return [data]

    def quiet(self):
        """No more faults from now on (the end of a test: the last sync must finish)."""
        self.drop = self.flip = self.truncate = self.duplicate = self.cut = 0.0
        self.dead_until = 0.0


class SimLine:
    """One direction of the cable: bytes arrive once the UART has shifted them out."""

    def __init__(self, clock, baud, faults):
        self.clock = clock
        self.byte_s = BITS_PER_BYTE / baud if baud else 0.0
        self.faults = faults
        self.free_at = 0.0  # when the line has sent everything queued
        self.queue = []  # [arrival time, bytes]
        self.bytes = 0

    def now(self):
        return self.clock.ticks_ms() / 1000

    def send(self, data):
        now = self.now()
        for part in self.faults.apply(bytes(data), now):
            start = max(now, self.free_at)
            self.free_at = start + len(part) * self.byte_s
            self.queue.append([self.free_at, part])
            self.bytes += len(part)

    def receive(self, max_bytes):
        now = self.now()
        out = bytearray()
        while self.queue and self.queue[0][0] <= now and len(out) < max_bytes:
            arrival, part = self.queue[0]
            take = part[: max_bytes - len(out)]
            out.extend(take)
            if len(take) == len(part):
                self.queue.pop(0)
            else:
                self.queue[0][1] = part[len(take) :]
        return bytes(out)

    def next_arrival(self):
        return self.queue[0][0] if self.queue else None


class TerminalPort(hal.Port):
    """The terminal's end of the cable (hal.Port, non-blocking)."""

    def __init__(self, rx, tx):
        self.rx = rx
        self.tx = tx

    def read(self, max_bytes=512):
        return self.rx.receive(max_bytes)

    def write(self, data):
        self.tx.send(data)
        return len(data)

    def close(self):
        pass


class Killed(BaseException):
    """The agent's process ends here (a test's kill -9): nothing after it runs."""


class AgentPort:
    """The agent's end of the cable, shaped like a pyserial port: read() waits up to
    `timeout` (virtual) seconds, stepping the terminal meanwhile. `kill_at`: the agent dies
    at that read or write (counted from 1), as a killed process would."""

    def __init__(self, world, timeout=0.05, kill_at=0):
        self.world = world
        self.timeout = timeout
        self.kill_at = kill_at
        self.ops = 0
        self._buf = b""

    def _op(self):
        self.ops += 1
        if self.kill_at and self.ops >= self.kill_at:
            raise Killed("agent killed at port operation %d" % self.ops)

    def write(self, data):
        self._op()
        self.world.h2t.send(data)
        return len(data)

    def flush(self):
        pass

    def read(self, n=1):
        self._op()
        world = self.world
        deadline = world.now() + self.timeout
        while True:
            if not self._buf:
                self._buf = world.t2h.receive(65536)
            if self._buf:
                out, self._buf = self._buf[:n], self._buf[n:]
                return out
            if world.now() >= deadline:
                return b""
            if not world.step():
                world.idle_until(deadline)

    def close(self):
        pass


class World:
    """A terminal (firmware under CPython, simulated board and flash) and the cable to it.

    `flash` is the flash image (a BytesIO, kept across reboots); `seed` draws the faults
    and every random byte (session nonces), so a run replays from it."""

    def __init__(
        self,
        serial="TLA-EMU-0001",
        flash=None,
        flash_blocks=512,
        baud=115200,
        faults=None,
        seed=0,
        start_epoch=1795024800,
        opposition_seed=(),
    ):
        import io

        self.serial = serial
        self.flash = flash if flash is not None else io.BytesIO()
        self.flash_blocks = flash_blocks
        self.rng = random.Random(seed)
        self.faults = faults or Faults.none()
        self.clock = SimClock(start_epoch, virtual=True)
        self.t2h = SimLine(self.clock, baud, self.faults)
        self.h2t = SimLine(self.clock, baud, self.faults)
        self.opposition_seed = opposition_seed
        self.app = None
        self.board = None
        self.boots = 0
        self.boot()

    def random_bytes(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def boot(self):
        """Power the terminal on (again): a fresh App on the same flash, no session."""
        board = SimBoard(
            serial_number=self.serial,
            flash_store=self.flash,
            flash_blocks=self.flash_blocks,
            port=TerminalPort(self.h2t, self.t2h),
            clock=self.clock,
        )
        board.random_bytes = self.random_bytes
        self.board = board
        self.app = build(board, opposition_seed=self.opposition_seed)
        self.boots += 1
        return self.app

    def now(self):
        return self.clock.ticks_ms() / 1000

    def monotonic(self):
        """The agent's clock (LinkClient's `clock`)."""
        return self.now()

    def step(self) -> bool:
        assert self.app is not None
        return self.app.step()

    def idle_until(self, deadline):
        """Nothing to do: move the clock to the next byte arriving, or to `deadline`."""
        nexts = [t for t in (self.t2h.next_arrival(), self.h2t.next_arrival()) if t is not None]
        target = min([deadline] + nexts)
        step_ms = max(1, int(round((target - self.now()) * 1000)))
        self.clock.advance(step_ms / 1000)

    def agent_port(self, timeout=0.05, kill_at=0):
        return AgentPort(self, timeout, kill_at)

    def press(self, *keys):
        assert self.board is not None
        self.board.keypad.press(*keys)

    def run_for(self, seconds):
        """Let the terminal run alone (keys pressed are handled)."""
        end = self.now() + seconds
        while self.now() < end:
            if not self.step():
                self.idle_until(end)
