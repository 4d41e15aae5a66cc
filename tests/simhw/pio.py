"""rp2.asm_pio on CPython, and PIO programs run cycle by cycle on rp2040-pio-emulator.

MicroPython's rp2.py (the module the device freezes) comes from the unpacked source tree
(`make firmware`, build/firmware/micropython); `load_rp2()` executes it over a simulated
`_rp2` and `micropython`. Without the tree the callers skip: CI always builds it first.
"""

import os
import sys
import types
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RP2_PY = ROOT / "build" / "firmware" / "micropython" / "ports" / "rp2" / "modules" / "rp2.py"


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
    """MicroPython's rp2 module, on CPython; None when the source tree is absent (outside
    .ci/run, which sets TLA_REQUIRE_FIRMWARE: there the tests must run)."""
    if not RP2_PY.exists():
        if os.environ.get("TLA_REQUIRE_FIRMWARE"):
            raise RuntimeError("%s is missing: `make firmware` did not run" % RP2_PY)
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
        exec(compile(RP2_PY.read_text(), str(RP2_PY), "exec"), rp2.__dict__)
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
