"""PIO programs of the ISO 7816-3 character frame (ISO/IEC 7816-3:2006, 7.1 to 7.3), run at
8 PIO cycles per ETU on the slot's I/O pin, open drain: the pin's output value stays low
and its direction drives the line (output = low, input = released to the pull-up).

iso_tx sends one frame word (10 bits from the CPU: start, 8 data, parity, already in the
convention's order, 1 = pin released), releases the line at 10 ETU, samples it at 11 ETU
(7.3: a receiver that found a parity error pulls the line low from 10.5 ETU for 1 to 2
ETU) and pushes that sample (0 = error signalled). iso_rx waits for a start bit, samples
9 bits in their middle, counts the high ones in y, and at 10.5 ETU, when the count is odd
(wrong parity) and the error signal is on (T=0), pulls the line low for 1.5 ETU; it
pushes the 9 bits and a status bit (1 = parity error) in the top 10 bits of the word.
The programs are assembled by rp2.asm_pio, on the device as in the PC tests (which load
MicroPython's own rp2.py over a simulated _rp2).
"""
# The PIO assembler defines the instruction names while it runs the programs' bodies.
# ruff: noqa: F821
# pyright: reportUndefinedVariable=false, reportCallIssue=false, reportIndexIssue=false

CYCLES_PER_ETU = 8


def tx_program(rp2):
    @rp2.asm_pio(set_init=rp2.PIO.IN_LOW, out_init=rp2.PIO.IN_LOW, out_shiftdir=rp2.PIO.SHIFT_RIGHT)
    def iso_tx():
        pull(block)
        set(x, 9)
        label("bit")
        out(pindirs, 1)[6]  # one ETU a bit: 7 cycles here, 1 in the jmp
        jmp(x_dec, "bit")
        set(pindirs, 0)[7]  # released at 10 ETU
        in_(pins, 1)  # 11 ETU: low = the card signals a parity error
        push(block)
        set(pindirs, 0)[7]  # guard time: 12.5 ETUs from start bit to start bit

    return iso_tx


def rx_program(rp2, error_signal, inverse):
    """The receiver; `error_signal` for T=0, `inverse` when TS was 3F (a good character then
    has an odd number of high bits)."""

    @rp2.asm_pio(set_init=rp2.PIO.IN_LOW, in_shiftdir=rp2.PIO.SHIFT_RIGHT)
    def iso_rx():
        wrap_target()
        if inverse:
            mov(y, invert(null))
        else:
            set(y, 0)
        wait(0, pin, 0)  # the start bit's leading edge
        set(x, 8)[10]  # to the middle of the first data bit, 1.5 ETU on
        label("bit")
        in_(pins, 1)
        jmp(pin, "one")
        jmp("next")[1]
        label("one")
        mov(y, invert(y))[1]
        label("next")
        jmp(x_dec, "bit")[3]
        jmp(not_y, "good")  # 10.5 ETU
        if error_signal:
            set(pindirs, 1)[11]  # 7.3: the error signal, 1.5 ETU long
            set(pindirs, 0)
        label("good")
        in_(y, 1)
        push(noblock)
        wrap()

    return iso_rx


def frame(byte, inverse=False):
    """The 10-bit frame word iso_tx takes for `byte`, bit 0 first on the line, as pin
    directions (1 = drive low): start bit, 8 data bits, even parity (7.1, 7.2)."""
    if inverse:
        # Inverse convention: most significant bit first, levels inverted (low = 1).
        levels = [0] + [1 - ((byte >> (7 - i)) & 1) for i in range(8)]
        ones = bin(byte).count("1")
        levels.append(1 - (ones & 1))
    else:
        levels = [0] + [(byte >> i) & 1 for i in range(8)]
        levels.append(bin(byte).count("1") & 1)
    word = 0
    for i, level in enumerate(levels):
        word |= (1 - level) << i  # low level = pin driven = direction 1
    return word


def decode(word, inverse=False):
    """(byte, parity error) from an iso_rx word (its top 10 bits)."""
    bits = word >> 22
    status = (bits >> 9) & 1
    if inverse:
        byte = 0
        for i in range(8):
            byte |= (1 - ((bits >> i) & 1)) << (7 - i)
    else:
        byte = bits & 0xFF
    return byte, bool(status)
