"""rp2.asm_pio on CPython, and PIO programs run cycle by cycle on rp2040-pio-emulator.

MicroPython's rp2.py (the module the device freezes) comes from the tree `make firmware`
unpacked (build/firmware/micropython), or else straight from the source tarball in
../shared/micropython (TLA_SHARED overrides ../shared, as for tools/firmware.sh): that one
member, extracted once into build/micropython-src, so these tests need no build.
`load_rp2()` executes it over a simulated `_rp2` and `micropython`. Without either the
callers skip (under TLA_REQUIRE_FIRMWARE they fail).
"""

import os
import sys
import tarfile
import types
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMBER = "micropython/ports/rp2/modules/rp2.py"
UNPACKED = ROOT / "build" / "firmware" / MEMBER
EXTRACTED = ROOT / "build" / "micropython-src" / MEMBER


def tarball():
    shared = Path(os.environ.get("TLA_SHARED") or ROOT.parent / "shared")
    return shared / "micropython" / "micropython-tla-src.tar.xz"


def rp2_py():
    """The path of MicroPython's rp2.py, or None when there is neither tree nor tarball."""
    if UNPACKED.exists():
        return UNPACKED
    source = tarball()
    if not source.exists():
        return None
    if not EXTRACTED.exists() or EXTRACTED.stat().st_mtime < source.stat().st_mtime:
        with tarfile.open(source) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                raise RuntimeError("%s holds no %s" % (source, MEMBER))
            data = member.read()
        EXTRACTED.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: another xdist worker may be reading it meanwhile.
        part = EXTRACTED.with_name("rp2.py.%d" % os.getpid())
        part.write_bytes(data)
        os.replace(part, EXTRACTED)
    return EXTRACTED


class PIO:
    IN_LOW, IN_HIGH, OUT_LOW, OUT_HIGH = 0, 1, 2, 3
    SHIFT_LEFT, SHIFT_RIGHT = 0, 1
    JOIN_NONE, JOIN_TX, JOIN_RX = 0, 1, 2
    IRQ_SM0 = 0x100
    removed = []  # programs removed from any block (tests look)

    def __init__(self, n=0):
        self.n = n

    def remove_program(self, prog=None):
        PIO.removed.append(prog)


def load_rp2(state_machine=None):
    """MicroPython's rp2 module, on CPython; None when its source is nowhere (outside
    .ci/run, which sets TLA_REQUIRE_FIRMWARE: there the tests must run)."""
    path = rp2_py()
    if path is None:
        if os.environ.get("TLA_REQUIRE_FIRMWARE"):
            raise RuntimeError("no MicroPython source: %s is missing" % tarball())
        return None
    _rp2 = types.ModuleType("_rp2")
    _rp2.PIO = PIO
    if state_machine is not None:
        _rp2.StateMachine = state_machine
    mp = types.ModuleType("micropython")
    mp.const = lambda x: x
    saved = {k: sys.modules.get(k) for k in ("_rp2", "micropython")}
    sys.modules["_rp2"], sys.modules["micropython"] = _rp2, mp
    try:
        rp2 = types.ModuleType("rp2")
        exec(compile(path.read_text(), str(path), "exec"), rp2.__dict__)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return rp2


def run(prog, line, cycles, tx=(), start_clock=0):
    """Run an assembled program (rp2.asm_pio's list) on pin 0 for `cycles` cycles.

    `line(clock)` -> level the other side drives (1 released, 0 low). Returns (levels, rx):
    the line's level at each cycle from start_clock (low when either side drives it) and
    the RX FIFO words.
    """
    from pioemu import State, emulate

    data, execctrl, shiftctrl = prog[0], prog[4], prog[5]
    wrap_top = (execctrl >> 12) & 0x1F
    wrap_target = (execctrl >> 7) & 0x1F
    state = State(transmit_fifo=deque(tx), clock=start_clock)
    levels = []
    rx = []

    def pins(state: State) -> int:
        return line(state.clock) & 1

    gen = emulate(
        list(data),
        stop_when=lambda op, s: s.clock >= start_clock + cycles,
        initial_state=state,
        input_source=pins,
        shift_isr_right=bool(shiftctrl >> 18 & 1),
        shift_osr_right=bool(shiftctrl >> 19 & 1),
        out_base=0,
        out_count=1,
        set_base=0,
        set_count=1,
        jmp_pin=0,
        wrap_target=wrap_target,
        wrap_top=wrap_top or len(data) - 1,
    )
    for before, after in gen:
        # The emulator jumps over an instruction's delay cycles: the pins it set hold
        # from its own cycle until the next instruction.
        driven = after.pin_directions & 1
        for c in range(before.clock, after.clock):
            levels.append(0 if driven else line(c) & 1)
        while after.receive_fifo:
            rx.append(after.receive_fifo.popleft())
    return levels, rx
