"""The card line: what a board gives the ISO 7816-3 layers for one slot (the contacts I/O,
CLK, RST, VCC and the card-detect switch). On the RP2350 it is a PIO state machine and a
PWM clock (hw/drivers/pio_card_line.py); in tests, a simulated line with a virtual card.

Characters are 8 data bits framed by a start bit, even parity and a guard time. All waits are
in ETUs of the current rate (set_rate), counted from the end of the previous character, so
a line never waits without a bound. Receive results below 0 are not characters.
"""

NOTHING = -1  # no character started within the wait
PARITY = -2  # a character arrived with wrong parity (signalled to the card when enabled)


class CardLine:
    """Interface (methods raise NotImplementedError: no `abc` on MicroPython)."""

    def detect(self) -> bool:
        """True when the card-detect switch says a card sits in the slot."""
        raise NotImplementedError

    def power(self, on: bool) -> None:
        """Switch VCC; off also drives I/O, CLK and RST low (the deactivation of 6.4)."""
        raise NotImplementedError

    def clock(self, on: bool) -> None:
        """Start or stop CLK."""
        raise NotImplementedError

    def reset(self, high: bool) -> None:
        """Drive RST."""
        raise NotImplementedError

    def wait(self, etu: int) -> None:
        """Let `etu` ETUs pass (RST hold time, guard times)."""
        raise NotImplementedError

    def set_rate(self, f: int, d: int, guard_etu: int = 0) -> None:
        """The ETU becomes f / d clock cycles; guard_etu extra ETUs after each character sent."""
        raise NotImplementedError

    def set_inverse(self, inverse: bool) -> None:
        """Inverse convention (TS = 3F): bits inverted and sent most significant first."""
        raise NotImplementedError

    def set_error_signal(self, on: bool) -> None:
        """T=0's character repetition: signal a parity error on a character received, and
        report one the card signals on a character sent. T=1 turns it off."""
        raise NotImplementedError

    def send(self, byte: int) -> bool:
        """Send one character; False when the card signalled a parity error on it."""
        raise NotImplementedError

    def receive(self, wait_etu: int) -> int:
        """The next character (0-255), NOTHING when none started within `wait_etu`, or
        PARITY (with error signal on, the card will repeat it)."""
        raise NotImplementedError

    def flush(self) -> None:
        """Wait until the card has been silent for a while and drop what it sent."""
        raise NotImplementedError
