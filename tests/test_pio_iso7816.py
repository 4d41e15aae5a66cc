"""The PIO programs of the card line (hw/drivers/pio_iso7816.py), assembled by MicroPython's
own rp2.asm_pio and run instruction by instruction on rp2040-pio-emulator, at 8 cycles an
ETU: the frame sent bit by bit (start bit, data LSB first, even parity, released at 10 ETU),
the card's error signal detected at 11 ETU, a frame received and decoded, a parity error
signalled back at 10.5 ETU under T=0 and not under T=1, and the inverse convention."""

import pytest
from simhw.pio import load_rp2, run

from hw.drivers import pio_iso7816 as P

rp2 = load_rp2()
pytestmark = pytest.mark.skipif(
    rp2 is None, reason="no MicroPython source for rp2.py (../shared/micropython, TLA_SHARED)"
)
E = P.CYCLES_PER_ETU
START = 2  # iso_tx: pull and set x come before the start bit


def _bits(levels, start, count=10):
    """Line levels in the middle of `count` ETUs from cycle `start`."""
    return [levels[start + E * i + E // 2] for i in range(count)]


def _levels_of(byte, parity_ok=True):
    bits = [0] + [(byte >> i) & 1 for i in range(8)] + [bin(byte).count("1") & 1]
    if not parity_ok:
        bits[9] ^= 1
    return bits


def test_a_frame_sent_bit_by_bit():
    tx = P.tx_program(rp2)
    for byte in (0x3B, 0x00, 0xFF, 0xA5, 0x60):
        levels, rx = run(tx, lambda c: 1, 120, tx=[P.frame(byte)])
        assert _bits(levels, START) == _levels_of(byte), hex(byte)
        assert levels[START + 10 * E :] == [1] * len(levels[START + 10 * E :])  # released
        assert rx == [1]  # no error signal seen at 11 ETU


def test_the_cards_error_signal_is_detected():
    tx = P.tx_program(rp2)

    def card(clock):  # 7.3: low from 10.5 ETU for 1.5 ETU after the start bit
        return 0 if START + 84 <= clock < START + 96 else 1

    levels, rx = run(tx, card, 120, tx=[P.frame(0x42)])
    assert rx == [0]


def _card_sends(byte, parity_ok=True, at=10, inverse=False):
    if inverse:
        bits = [P.frame(byte, True) >> i & 1 for i in range(10)]
        bits = [1 - b for b in bits]  # directions to levels
    else:
        bits = _levels_of(byte, parity_ok)

    def line(clock):
        i = (clock - at) // E
        return bits[i] if 0 <= i < 10 else 1

    return line


def test_a_frame_received_and_its_parity_checked():
    for error_signal in (True, False):
        prog = P.rx_program(rp2, error_signal, False)
        for byte in (0x3B, 0x00, 0xFF, 0x5A):
            levels, rx = run(prog, _card_sends(byte), 140)
            assert [P.decode(w) for w in rx] == [(byte, False)], hex(byte)
            assert 0 not in levels[10 + 10 * E :]  # the reader never pulled the line


def test_a_parity_error_is_signalled_under_t0_only():
    for error_signal in (True, False):
        prog = P.rx_program(rp2, error_signal, False)
        levels, rx = run(prog, _card_sends(0x5A, parity_ok=False), 140)
        assert [P.decode(w) for w in rx] == [(0x5A, True)]
        low = [c for c, v in enumerate(levels) if v == 0 and c >= 10 + 10 * E]
        if error_signal:
            # Pulled low from about 10.6 ETU for 1.5 ETU after the start bit (7.3).
            assert low and 10 + 84 <= low[0] <= 10 + 86 and len(low) == 12, low
        else:
            assert low == []


def test_two_frames_back_to_back_and_the_inverse_convention():
    prog = P.rx_program(rp2, True, False)
    first, second = _card_sends(0x61, at=10), _card_sends(0x10, at=10 + 12 * E)

    def line(c):
        return first(c) & second(c)

    levels, rx = run(prog, line, 260)
    assert [P.decode(w) for w in rx] == [(0x61, False), (0x10, False)]
    prog = P.rx_program(rp2, True, True)
    levels, rx = run(prog, _card_sends(0x3F, inverse=True), 140)
    assert [P.decode(w, True) for w in rx] == [(0x3F, False)]
    # TS = 3F in the inverse convention reads 03 in the direct one (8.1).
    direct = P.rx_program(rp2, True, False)
    levels, rx = run(direct, _card_sends(0x3F, inverse=True), 140)
    assert P.decode(rx[0])[0] == 0x03
