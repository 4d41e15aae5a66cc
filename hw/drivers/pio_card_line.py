"""The card line of one slot on the RP2350 (hw.iso7816.line.CardLine): two PIO state
machines on the slot's I/O pin (pio_iso7816: one sends, one receives, never both at once:
the line is half duplex), a PWM clock on CLK, and plain pins for RST, the interface chip's
CMDVCC (active low) and its OFF output: the TDA8035's OFFN, high while a card is present
and no fault deactivated it, low otherwise (docs/board-wiring.md). Waits are ETUs turned into microseconds at the clock the
PWM runs; every wait also ends early when the card leaves.
"""

from hw.drivers import pio_iso7816 as P
from hw.iso7816 import line as L


class PioCardLine(L.CardLine):
    def __init__(self, rp2, io, clk_pwm, rst, vcc_n, present, sm_tx, sm_rx, clock_hz, ticks):
        """`rp2`: the rp2 module; `io`, `rst`, `vcc_n`, `present`: machine.Pin; `clk_pwm`:
        machine.PWM on CLK; `sm_tx`, `sm_rx`: state machine numbers; `ticks`: (ticks_us,
        ticks_diff) functions."""
        self.rp2 = rp2
        self.io, self.pwm, self.rst, self.vcc_n, self.present = io, clk_pwm, rst, vcc_n, present
        self.clock_hz = clock_hz
        self.ticks_us, self.ticks_diff = ticks
        self.f, self.d, self.guard = 372, 1, 0
        self.inverse = False
        self.error_signal = False
        self.tx = rp2.StateMachine(sm_tx)
        self.rx = rp2.StateMachine(sm_rx)
        self.pio = rp2.PIO(sm_rx // 4)
        self._tx_prog = P.tx_program(rp2)
        self._rx_prog = None
        self._rx_key = None
        self._mode = None  # "tx" or "rx": which state machine runs
        self._configure()

    # ------------------------------------------------------------ configuration

    def _pio_hz(self):
        return self.clock_hz * self.d * P.CYCLES_PER_ETU // self.f

    def _configure(self):
        hz = self._pio_hz()
        self.tx.active(0)
        self.rx.active(0)
        self.tx.init(self._tx_prog, freq=hz, set_base=self.io, out_base=self.io, in_base=self.io)
        key = (self.error_signal, self.inverse)
        if key != self._rx_key:
            # 32 instructions a PIO block: the receiver variant in use, never all four.
            if self._rx_prog is not None:
                self.pio.remove_program(self._rx_prog)
            self._rx_prog = P.rx_program(self.rp2, self.error_signal, self.inverse)
            self._rx_key = key
        self.rx.init(self._rx_prog, freq=hz, set_base=self.io, in_base=self.io, jmp_pin=self.io)
        self._mode = None

    def _etu_us(self, etu):
        return etu * self.f * 1000000 // (self.d * self.clock_hz) + 1

    # ------------------------------------------------------------ CardLine

    def detect(self):
        return bool(self.present.value())

    def power(self, on):
        if not on:
            self.tx.active(0)
            self.rx.active(0)
            self.rst.value(0)
            self.clock(False)
        self.vcc_n.value(0 if on else 1)  # the interface chip sequences VCC and I/O itself

    def clock(self, on):
        self.pwm.freq(self.clock_hz)
        self.pwm.duty_u16(32768 if on else 0)

    def reset(self, high):
        self.rst.value(1 if high else 0)
        if high:
            self._listen()  # the ATR comes 400 to 40 000 clocks later

    def wait(self, etu):
        start = self.ticks_us()
        us = self._etu_us(etu)
        while self.ticks_diff(self.ticks_us(), start) < us:
            pass

    def set_rate(self, f, d, guard_etu=0):
        self.f, self.d, self.guard = f, d, guard_etu
        self._configure()

    def set_inverse(self, inverse):
        self.inverse = inverse
        self._configure()

    def set_error_signal(self, on):
        self.error_signal = on
        self._configure()

    def _listen(self):
        if self._mode != "rx":
            self.tx.active(0)
            self.rx.restart()
            self.rx.active(1)
            self._mode = "rx"

    def send(self, byte):
        if self._mode != "tx":
            self.rx.active(0)
            self.tx.restart()
            self.tx.active(1)
            self._mode = "tx"
        self.tx.put(P.frame(byte, self.inverse))
        start = self.ticks_us()
        limit = self._etu_us(14)  # the TX program pushes its sample 11 ETU after the start
        while not self.tx.rx_fifo():
            if self.ticks_diff(self.ticks_us(), start) > limit:
                return True  # no answer from the PIO: the card is gone, detect() tells
        ok = self.tx.get() & 1
        if self.guard:
            self.wait(self.guard)
        return bool(ok)

    def receive(self, wait_etu):
        self._listen()
        start = self.ticks_us()
        limit = self._etu_us(wait_etu + 12)  # the wait is to the start bit; then 12 ETUs
        while not self.rx.rx_fifo():
            if self.ticks_diff(self.ticks_us(), start) > limit or not self.present.value():
                return L.NOTHING
        byte, error = P.decode(self.rx.get(), self.inverse)
        return L.PARITY if error else byte

    def flush(self):
        self._listen()
        quiet = self._etu_us(24)
        start = self.ticks_us()
        dropped = 0
        while self.ticks_diff(self.ticks_us(), start) < quiet and dropped < 300:
            if self.rx.rx_fifo():
                self.rx.get()
                dropped += 1  # a card that never stops talking is cut off after a block
                start = self.ticks_us()
