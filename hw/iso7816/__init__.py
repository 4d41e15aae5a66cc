"""ISO/IEC 7816-3 in portable Python: a card's contacts spoken to character by character.

line.CardLine is the small interface a board implements (characters in and out with
timeouts in ETUs, parity errors reported, VCC, CLK, RST, card detect); atr, pps, timing, t0
and t1 are the protocol, independent of any hardware; slot.ContactSlot puts them together
into the hw.hal.CardSlot the firmware uses. docs/board.md describes the layers.
"""
