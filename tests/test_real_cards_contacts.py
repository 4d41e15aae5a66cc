"""The real cards' virtual twins at the character level (emulator/contacts) and through
pcscd and vpcd: a Carte Vitale 2 and a CPS3 with their own ATRs (T=0 only), read and the
visit signed through the ISO 7816-3 driver (hw/iso7816) and through PC/SC, the bundle
verified by host_agent with the look-alike IGC-Santé installed (docs/cards.md "Real
cards"). Names carry vitale2 and cps3 so `-k vitale2` and `-k cps3` select them."""

import pytest
import visitkit

from emulator.cards import fixtures
from emulator.contacts.card import ContactCard
from host_agent import verify
from protocol import bundle
from tests import real_cards_kit as kit
from tests.test_contacts_virtual_cards import ContactSimSlot

STEPS = [
    {"insert": "cps", "card": "cps3-gp", "screen": "Code PIN"},
    {"keys": "3719 OK", "screen": "Inserer carte Vitale"},
    {"insert": "vitale", "card": "vitale2-family", "screen": "LEFEBVRE MARC"},
    {"keys": "1 " + kit.FUND + " OK 1 1 2 3 7 OK 0 1 OK", "screen": "Enregistree no 1"},
]


class RealContactSlot(ContactSimSlot):
    """The card behind T=0 contacts, giving its own ATR (the real cards' are T=0 only)."""

    protocols = (0,)

    def insert(self, card):
        self.line.insert(ContactCard(card, (0,), atr=card.atr()))


def test_vitale2_cps3_visit_through_the_contacts(monkeypatch):
    monkeypatch.setattr(
        visitkit,
        "sim_slots",
        lambda: {"vitale": RealContactSlot("vitale"), "cps": RealContactSlot("cps")},
    )
    term = visitkit.Terminal()
    term.steps(STEPS)
    (record,) = term.sheets()
    b = bundle.decode(record.payload)
    assert b.cps_alg == bundle.RS256 and b.vitale_read == fixtures.make("vitale2-family").serial
    result = verify.Verifier(term.certificates(), kit.igc_trust()).verify(record.payload, 20261118)
    assert result.ok, result.reason
    for slot in term.board.slots.values():
        assert slot.line.count > 500  # characters, not APDUs


@pytest.fixture(scope="module")
def readers():
    from emulator.pcscd import pcscd  # under flock /tmp/tla-pcsc.lock (emulator/pcscd.py)

    with pcscd() as names:
        yield names


def test_vitale2_cps3_read_through_pcscd(readers):
    from emulator.cardserver import VPCD_PORTS, CardServer
    from emulator.pcscd import VPCD_READERS
    from emulator.ptylink import PtyBridge
    from emulator.simboard import SimClock
    from emulator.terminal import InProcessTerminal
    from hw.pcsc import PcscSlot
    from tests.test_pcsc_e2e import NOW, _gone, _present, _until

    vitale_reader = PcscSlot("vitale", VPCD_READERS[0])
    cps_reader = PcscSlot("cps", VPCD_READERS[1])
    vitale = CardServer(fixtures.make("vitale2-family"), VPCD_PORTS[0]).start()
    cps = CardServer(fixtures.make("cps3-gp"), VPCD_PORTS[1]).start()
    bridge = PtyBridge().start()
    terminal = InProcessTerminal(bridge.terminal_path, clock=SimClock(start_epoch=NOW))
    try:
        assert _present(vitale_reader) and _present(cps_reader)
        terminal.use_reader("vitale", vitale_reader)
        terminal.use_reader("cps", cps_reader)
        terminal.start()
        terminal.wait_event("READY")
        assert _until(terminal, "read")["read"]["holder"] == kit.professional()
        for key in "3719\n":
            terminal.press("OK" if key == "\n" else key)
        assert _until(terminal, "pin") == {"pin": {"ok": True}}
        read = _until(terminal, "read")["read"]
        assert read["serial"] == "2500000017" and read["ranks"] == [1, 2]
        assert vitale.exchanges > 10 and cps.exchanges > 10  # all through pcscd
    finally:
        assert terminal.stop() == 0
        bridge.close()
        vitale.remove()
        cps.remove()
        assert _gone(vitale_reader) and _gone(cps_reader)
        vitale_reader.close()
        cps_reader.close()
