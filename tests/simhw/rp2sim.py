"""A simulated `rp2` for the RP2350 board file: MicroPython's own rp2.py (asm_pio) over a
StateMachine that runs the assembled PIO programs on rp2040-pio-emulator, one character at
a time, against a Wire: the slot's I/O line with a ContactCard (emulator/contacts) behind
it. The TX program's waveform is decoded bit by bit into the character the card receives;
the card's characters become waveforms the RX program samples. Direct convention only
(the inverse one is covered by tests/test_pio_iso7816.py)."""

import io

from hw.flash import NorFlash
from simhw.pio import PIO, load_rp2, run

E = 8  # PIO cycles an ETU (hw/drivers/pio_iso7816.py)
TX_START = 2  # iso_tx's start bit begins after its pull and set


def _levels(byte, parity_ok=True):
    bits = [0] + [(byte >> i) & 1 for i in range(8)] + [bin(byte).count("1") & 1]
    if not parity_ok:
        bits[9] ^= 1
    return bits


class Wire:
    """One slot's contacts: `card` (a ContactCard or None), power, and faults: `reject`
    characters of the reader the card signals an error on, `garble` characters of the card
    sent with a bad parity (counted from 0 in each direction)."""

    def __init__(self):
        self.card = None
        self.powered = False
        self.rst = 0
        self.to_reader = []
        self.sent = 0
        self.got = 0
        self.reject = set()
        self.garble = set()
        self.error_signals = 0  # the reader's, on the card's characters
        self.received = []

    def power(self, on):
        self.powered = on
        if not on:
            self.to_reader = []

    def reset(self, level):
        if level and not self.rst and self.powered and self.card is not None:
            self.to_reader = [b for _, b in self.card.reset()]
        self.rst = level

    def from_reader(self, byte):
        """A character the reader sent; False when the card signals a parity error."""
        i = self.got
        self.got += 1
        if i in self.reject:
            return False
        self.received.append(byte)
        if self.card is not None and self.powered:
            self.to_reader += [b for _, b in self.card.receive(byte)]
        return True


class StateMachine:
    wires = {}  # I/O gpio -> Wire (set by the test)

    def __init__(self, n, *args, **kw):
        self.n = n
        self.prog = None
        self.on = False
        self.fifo = []
        self.frames = 0

    def init(self, prog, freq=0, set_base=None, in_base=None, out_base=None, jmp_pin=None, **kw):
        self.prog, self.freq = prog, freq
        self.wire = StateMachine.wires[set_base.id]
        self.kind = "tx" if out_base is not None else "rx"
        self.fifo = []

    def active(self, v=None):
        if v is None:
            return self.on
        self.on = bool(v)

    def restart(self):
        self.fifo = []

    def put(self, word):
        assert self.kind == "tx" and self.on, "the sender is not running"
        rejected = self.wire.got in self.wire.reject

        def card(c):
            return 0 if rejected and TX_START + 84 <= c < TX_START + 96 else 1

        levels, words = run(self.prog, card, 104, tx=[word])
        bits = [levels[TX_START + E * i + E // 2] for i in range(10)]
        assert bits[0] == 0, "no start bit"
        byte = sum(b << i for i, b in enumerate(bits[1:9]))
        assert bin(byte).count("1") & 1 == bits[9], "the reader sent a wrong parity"
        self.wire.from_reader(byte)
        self.fifo += words
        self.frames += 1

    def rx_fifo(self):
        wire = self.wire
        if self.kind == "rx" and self.on and not self.fifo and wire.to_reader:
            byte = wire.to_reader.pop(0)
            ok = wire.sent not in wire.garble
            wire.sent += 1
            bits = _levels(byte, ok)

            def card(c):
                i = (c - 4) // E
                return bits[i] if 0 <= i < 10 else 1

            levels, words = run(self.prog, card, 100)
            if 0 in levels[4 + 10 * E :]:
                wire.error_signals += 1  # the reader pulled the line: the card repeats
                wire.to_reader.insert(0, byte)
            self.fifo += words
            self.frames += 1
        return len(self.fifo)

    def get(self):
        return self.fifo.pop(0)


class Flash(NorFlash):
    """rp2.Flash(start, len) over RAM."""

    def __init__(self, start=0, len=1024 * 1024):
        super().__init__(io.BytesIO(), block_size=4096, block_count=len // 4096)


def make():
    """The rp2 module (None without MicroPython's source tree, see simhw.pio)."""
    rp2 = load_rp2(StateMachine)
    if rp2 is not None:
        rp2.Flash = Flash
        rp2.PIO = PIO
    return rp2
