"""The card's side of the contacts, at the character level: a simulated card line
(line.SimLine, a hw.iso7816.line.CardLine with a virtual clock in ETUs and injected faults)
and a contact card (card.ContactCard: ATR, PPS, then a T=0 or T=1 engine) in front of any
APDU-level card (the emulator's Vitale and CPS, or a replayed transcript).

Unlike the rest of emulator/, these modules are portable (plain Python that MicroPython
runs too), so tests/portable/ drives the ISO 7816-3 driver through them on both
interpreters.
"""
