"""Which card profile speaks to the card in a slot: tla's own (firmware/cards/vitale.py,
cps.py), the real Carte Vitale 2 (vitale2.py) or the real CPS3 (cps3.py), chosen by the ATR
the card gives at power-on, then confirmed by what its application holds (docs/cards.md
"Real cards").

The real cards' modules are imported only when such a card arrives: an idle terminal, and
one that only ever sees tla's cards, keeps none of them in its heap.
"""

# The CPS3's contact ATR and the mask the ANS's Cryptolib keeps with it (card-cps.c:41-42).
# Its interface bytes say T=0 only (TD1 = 40).
CPS3_ATR = b"\x3b\xac\x00\x40\x2a\x00\x12\x25\x00\x64\x80\x00\x03\x10\x00\x90\x00"
CPS3_MASK = b"\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\x00\x00\x00\xff\xff\xff"
# The Carte Vitale 2's ATRs, 3B 75 13 00 00 4x 09 EA 90 00 with x = 3, 4 or 5 (cardpeek's
# smartcard_list.txt:2002-2009): T=0 only, 5 historical bytes.
VITALE2_ATR = b"\x3b\x75\x13\x00\x00\x40\x09\xea\x90\x00"
VITALE2_MASK = b"\xff\xff\xff\xff\xff\xf0\xff\xff\xff\xff"
VITALE2_VERSIONS = (0x43, 0x44, 0x45)


def _matches(atr, want, mask):
    if len(atr) != len(want):
        return False
    for i in range(len(atr)):  # (no zip(strict=) on MicroPython)
        if atr[i] & mask[i] != want[i] & mask[i]:
            return False
    return True


def is_cps3(atr) -> bool:
    return _matches(bytes(atr), CPS3_ATR, CPS3_MASK)


def is_vitale2(atr) -> bool:
    atr = bytes(atr)
    return _matches(atr, VITALE2_ATR, VITALE2_MASK) and atr[5] in VITALE2_VERSIONS


def _load_real():
    """The real cards' modules, both at once and after a collection: what they keep for
    the rest of the day is laid low in the heap, not between the visit's holes (a CPS3
    goes with Cartes Vitale 2; docs/board.md "Heap")."""
    import sys

    if "firmware.cards.vitale2" in sys.modules:
        return
    import gc

    gc.collect()
    import firmware.cards.cps3  # noqa: F401
    import firmware.cards.vitale2  # noqa: F401


def cps_app(slot, current):
    """The CPS application for the card in `slot`, powered and opened (`current`: the
    app used so far, kept when it is of the right kind). WrongSlot, NotACpsCard."""
    from firmware.cards.errors import WrongSlot

    if current is not None:
        current.forget()
    atr = slot.power_on()
    if is_vitale2(atr):
        raise WrongSlot("vitale", "CPS")
    if is_cps3(atr):
        _load_real()
        from firmware.cards.cps3 import Cps3App

        app = current if isinstance(current, Cps3App) else Cps3App(slot)
    else:
        from firmware.cards.cps import CpsApp

        app = current if type(current) is CpsApp else CpsApp(slot)
    app.open(atr)
    return app


def vitale_app(slot, current):
    """The Vitale application for the card in `slot`, powered and opened. WrongSlot,
    NotAVitaleCard."""
    from firmware.cards.errors import WrongSlot

    atr = slot.power_on()
    if is_cps3(atr):
        raise WrongSlot("cps", "Vitale")
    if is_vitale2(atr):
        _load_real()
        from firmware.cards.vitale2 import Vitale2App

        app = current if isinstance(current, Vitale2App) else Vitale2App(slot)
    else:
        from firmware.cards.vitale import VitaleApp

        app = current if type(current) is VitaleApp else VitaleApp(slot)
    app.open(atr)
    return app
