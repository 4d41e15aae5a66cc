"""The emulator's own Vitale and CPS cards (emulator/cards, with their PKI and PIN counters)
behind the character-level T=0 and T=1 engines (emulator/contacts), read and signed through
the ISO 7816-3 driver (hw/iso7816) by the terminal stepped in this process (CPython): a
GP's visit saved, its bundle verified by host_agent with the cards' certificates, over each
protocol; a wrong PIN counted by the card; the CPS pulled during its signature saves
nothing. The portable tests (tests/portable/test_iso7816_*.py, test_visit_contacts.py) do
the same with replayed transcripts under both interpreters."""

import pytest
import visitkit

from emulator.contacts.card import ContactCard
from emulator.contacts.line import SimLine
from hw import hal
from hw.iso7816.slot import ContactSlot


class ContactSimSlot(ContactSlot):
    """A ContactSlot that SimHands can fill: insert(card) puts the virtual card behind its
    contacts; pull_after(n) pulls it in the middle of the answer to the n-th APDU."""

    protocols = (1,)

    def __init__(self, name):
        super().__init__(name, SimLine())
        self._pull = 0

    def insert(self, card):
        app = card
        if self._pull:
            app = _Pulling(card, self, self._pull)
        self.line.insert(ContactCard(app, self.protocols))

    def remove(self):
        self.line.remove()

    def pull_after(self, n):
        self._pull = n


class _Pulling:
    """A virtual card that leaves its slot a few characters into its n-th answer."""

    def __init__(self, card, slot, n):
        self.card, self.slot, self.n = card, slot, n

    def power_up(self):
        return self.card.power_up()

    def power_down(self):
        return self.card.power_down()

    def execute(self, apdu):
        self.n -= 1
        if self.n == 0:
            self.slot.line.pull_at = self.slot.line.count + 3
        return self.card.execute(apdu)


@pytest.fixture(params=[(0,), (1,), (0, 1)], ids=["T=0", "T=1", "T=0+T=1 (PPS)"])
def contact_terminal(request, monkeypatch):
    class Slot(ContactSimSlot):
        protocols = request.param

    monkeypatch.setattr(
        visitkit, "sim_slots", lambda: {"vitale": Slot("vitale"), "cps": Slot("cps")}
    )
    return visitkit.Terminal(), request.param


def test_a_visit_read_and_signed_through_the_contacts(contact_terminal):
    term, protocols = contact_terminal
    term.steps(visitkit.cps_in() + visitkit.gp_visit())
    (record,) = term.sheets()
    assert visitkit.verified(term, record.payload) is not None
    for slot in term.board.slots.values():
        assert isinstance(slot, ContactSlot) and slot.line.count > 500
    assert [a.code for a in visitkit.sheet_of(record.payload).acts] == ["VG", "MD", "IK"]


def test_a_wrong_pin_is_counted_by_the_card_itself(contact_terminal):
    term, _ = contact_terminal
    wrong = "0000" if visitkit.PIN["gp"] != "0000" else "1111"
    term.steps(
        [
            {"insert": "cps", "card": "gp", "screen": "Code PIN"},
            {"keys": wrong + " OK", "screen": "Code PIN"},
        ]
    )
    cps = term.board.slots["cps"]
    assert cps.line.card.app.tries_left == 2


def test_the_cps_pulled_during_its_signature(contact_terminal):
    term, _ = contact_terminal
    term.steps(visitkit.cps_in() + visitkit.up_to_review())
    cps = term.board.slots["cps"]
    card = cps.line.card
    card.app = card.engine.app = _Pulling(card.app, cps, 2)  # MSE SET, then PSO: pulled
    term.steps([{"keys": "OK", "screen": "Feuille NON enreg."}])
    assert term.sheets() == [] and not cps.present() and not cps.line.vcc
    assert term.screen[1] == "carte CPS retiree.", term.screen
    with pytest.raises(hal.CardAbsent):
        cps.transmit(b"\x00\xa4\x04\x00")
