"""What the PC's CPS reader holds, for the page where lots are sealed (docs/web.md "Lots"):
no reader, a reader with no card, a card that is not a CPS, or whose CPS it is and the PIN
tries it has left, read as sealing reads it (host_agent/sealing.py's find_cps over PC/SC)
but without any PIN. The card's words are the card's: the page escapes them."""

from typing import NamedTuple

from firmware.cards.errors import PinBlocked
from host_agent import sealing
from hw import hal

NO_READER, EMPTY, NOT_CPS, READY, BLOCKED = "no-reader", "empty", "not-cps", "ready", "blocked"
UNREADABLE = "unreadable"


class ReaderState(NamedTuple):
    state: str  # one of the five above
    readers: list  # the readers' names
    holder: str = ""  # 'PETIT LUC (10006543218)'
    holder_id: str = ""  # the CPS's professional number: the lots it may seal
    tries: int = 0  # PIN tries left (0: verified already, or unknown)

    def french(self) -> str:
        """One sentence for the page."""
        where = ", ".join(self.readers)
        if self.state == NO_READER:
            return (
                "Aucun lecteur de carte n'est branché sur ce PC (ou le service pcscd ne "
                "tourne pas) : branchez le lecteur de la carte CPS."
            )
        if self.state == EMPTY:
            return "Lecteur %s : aucune carte. Insérez la carte CPS du professionnel." % where
        if self.state == NOT_CPS:
            return "Lecteur %s : la carte insérée n'est pas une carte CPS lisible." % where
        if self.state == UNREADABLE:
            return (
                "Le lecteur de carte n'a pas pu être lu (%s) : retirez la carte, remettez-la, "
                "puis lisez à nouveau." % self.holder
            )
        if self.state == BLOCKED:
            return "Carte CPS de %s : %s" % (self.holder, sealing.BLOCKED_FRENCH)
        tries = " (%d essais de code avant blocage)" % self.tries if self.tries else ""
        return "Carte CPS de %s dans le lecteur%s." % (self.holder, tries)


def read_state(slots=None) -> ReaderState:
    """The reader's state now. `slots`: a function giving (reader names, make_slot), as the
    web app's Config.slots (tests); None: the PC/SC readers."""
    if slots is None:
        from hw.pcsc import PcscSlot, list_readers  # pcscd-only: PC/SC readers

        names = list_readers()

        def make_slot(name):
            return PcscSlot("cps", name)
    else:
        names, make_slot = slots()
    if not names:
        return ReaderState(NO_READER, [])
    names = [str(n)[:80] for n in names]
    present = []
    for name in names:
        try:
            if make_slot(name).present():
                present.append(name)
        except hal.CardError:
            continue
    if not present:
        return ReaderState(EMPTY, names)
    try:
        app = sealing.find_cps(present, make_slot)
    except sealing.SealError:
        return ReaderState(NOT_CPS, present)
    try:
        card = app.card
        who, number = sealing.holder(app), str(card.holder_id if card is not None else "")
        try:
            return ReaderState(READY, present, who, number, app.tries_left())
        except PinBlocked:
            return ReaderState(BLOCKED, present, who, number)
        except hal.CardError:
            return ReaderState(READY, present, who, number)
    finally:
        app.forget()
