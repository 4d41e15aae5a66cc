"""Faults between the ISO 7816-3 layers. `Fault` is a transmission error a protocol can
recover from (T=1 asks for the block again); the slot turns what is left into hal errors:
`Gone` into hal.CardRemoved, `Mute` and `Garbled` into hal.CardIOError."""


class Fault(Exception):
    """A character or block arrived damaged (parity, EDC, length) or late (CWT, BWT)."""

    def __init__(self, detail, code=2):
        super().__init__(detail)
        self.code = code  # T=1 R-block error bits: 1 EDC or parity, 2 other


class Gone(Exception):
    """The card-detect switch opened: the card left the slot."""


class Mute(Exception):
    """The card did not answer within the waiting time the ATR set."""


class Garbled(Exception):
    """The card answered something the protocol does not allow, past every recovery."""
