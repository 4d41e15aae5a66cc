"""Signing and saving on the terminal (firmware/visit.py, firmware/signing.py), with the virtual
cards in this process: no signature without the PIN; a card pulled at every exchange of the
signing phase leaves no half-signed sheet and reuses no order number; the stored bytes verify
with `cryptography` and a flipped byte anywhere fails; the flash-full refusal; the deadline
warning; the copy on the card is the sheet's bytes."""

import hashlib

import pytest
from visitkit import NOW, Terminal, cps_in, gp_visit, sheet_of, up_to_review, verified

from emulator.cards import fixtures
from firmware.cards import profile
from firmware.journal import SIGNED
from protocol import bundle

PIN_GP = fixtures.pin("gp")

PSO_SIGN = bytes((profile.CLA, profile.INS_PSO) + profile.PSO_SIGN).hex()


class Tracing:
    """Wraps a SimSlot's transmit to keep every command APDU it carried."""

    def __init__(self, slot):
        self.sent = []
        original = slot.transmit

        def transmit(apdu):
            self.sent.append(bytes(apdu).hex())
            return original(apdu)

        slot.transmit = transmit


def test_both_cards_in_without_the_pin_produce_no_signature():
    term = Terminal()
    cps, vitale = Tracing(term.hands.slots["cps"]), Tracing(term.hands.slots["vitale"])
    term.steps([{"insert": "cps", "card": "gp", "screen": "Code PIN"}])
    term.driver.insert("vitale", "single")  # both cards in: the screen still asks the PIN
    assert term.screen[1] == "Code PIN: "
    # every key a professional could press on the PIN screen, but a right PIN
    # (MENU there opens the terminal's menu: pairing works with a CPS in; not here)
    for key in ["OK", "BACK", "1", "OK", "2", "OK", "OK", "BACK", "4", "OK", "CANCEL"]:
        term.driver.press(key)
    for key in ["UP", "DOWN", "OK", "BACK", "1", "2"]:
        term.driver.press(key)
    assert term.screen[1] == "Code PIN: **"
    assert not [a for a in cps.sent + vitale.sent if a.startswith(PSO_SIGN)]
    assert not [a for a in vitale.sent if a[2:4] == "a4"]  # the Vitale card is not even read
    assert term.sheets() == [] and term.reserved == []
    assert term.journal.count(SIGNED) == 0


def _signing_exchanges():
    """Exchanges of each card from the OK that signs to 'Enregistree' (a dry run)."""
    term = Terminal()
    term.steps(cps_in() + up_to_review())
    before = {s: term.hands.slots[s].card.apdus for s in ("cps", "vitale")}
    term.steps([{"keys": "OK", "screen": "Enregistree no 1"}])
    return {s: term.hands.slots[s].card.apdus - before[s] for s in ("cps", "vitale")}


@pytest.mark.parametrize("slot", ["cps", "vitale"])
def test_a_card_pulled_at_each_exchange_of_the_signing_leaves_no_half_signed_sheet(slot):
    counts = _signing_exchanges()
    assert counts["cps"] >= 2 and counts["vitale"] >= 6, counts  # MSE+PSO; cert, MSE+PSO, copy
    outcomes = []
    for n in range(1, counts[slot] + 1):
        term = Terminal()
        term.steps(cps_in() + up_to_review())
        term.hands.slots[slot].pull_after(n)
        term.steps([{"keys": "OK", "screen": "Feuille"}])
        sheets = term.sheets()
        outcomes.append(len(sheets))
        assert len(term.reserved) <= 1
        if not sheets:
            # Nothing half-written: no sheet, the screen says so; the number is a gap.
            assert term.screen[0] == "Feuille NON enreg.", (n, term.screen)
            assert term.events("not_saved") == ["CardRemoved"]
        else:
            # Pulled after the save (during the copy onto the card): whole and verified.
            assert term.screen[1] == "Enregistree no 1" and term.screen[2] == "Copie carte: echec"
            assert verified(term, sheets[0].payload).ok
            b = bundle.decode(sheets[0].payload)
            assert b.cps_signature and b.vitale_signature
        # The next sheet never takes a number handed out before, even after a reboot.
        term.steps([{"keys": "OK", "screen": ""}])
        if term.hands.slots["vitale"].present():
            term.driver.remove("vitale")
        if not term.hands.slots["cps"].present():
            term.steps(cps_in())
        # (a CPS put in again is a new session: the practice situation is asked again)
        place = term.app.visit.place
        term.steps(gp_visit(km=9, situation=not place or place[0] is not term.app.reading.cps_card))
        last = term.sheets()[-1]
        assert (
            len(set(term.reserved))
            == len(term.reserved)
            == len(term.sheets()) + (1 if not sheets and len(term.reserved) == 2 else 0)
        ), (n, term.reserved)
        assert last.order_no == max(term.reserved) == term.reserved[-1], (n, term.reserved)
        assert verified(term, last.payload).ok
        again = term.reboot_journal()
        assert again.reserve_order("10001234565") > max(term.reserved)
    # Pulls before the save left nothing; the last exchanges (the copy) come after it.
    assert 0 in outcomes
    if slot == "vitale":
        assert outcomes[-1] == 1


def test_saved_bytes_verify_and_a_flipped_byte_anywhere_fails():
    term = Terminal()
    term.steps(cps_in() + gp_visit())
    term.steps(
        [
            {"insert": "vitale", "card": "family", "screen": "DUPONT MARIE"},
            {"keys": "3", "screen": "Acte 1"},  # the situation kept for the CPS session
            {"keys": "1", "screen": "Acte 2"},
            {"keys": "0 2", "screen": "Total"},
            {"keys": "MENU 1", "screen": "OK:signer MENU:modif"},
            {"keys": "OK", "screen": "Enregistree no 2"},
        ]
    )
    sheets = term.sheets()
    assert len(sheets) == 2
    summaries = term.events("saved")
    for record, summary in zip(sheets, summaries, strict=True):
        assert hashlib.sha256(record.payload).hexdigest() == summary["sha256"]
        assert verified(term, record.payload).ok, verified(term, record.payload)
        data = bytearray(record.payload)
        for i in range(len(data)):
            data[i] ^= 0x01
            assert not verified(term, bytes(data)).ok, i
            data[i] ^= 0x01
    second = sheet_of(sheets[1].payload)
    assert second.unsigned_reason == 1 and second.beneficiary.birth_rank == 1
    assert bundle.decode(sheets[1].payload).vitale_signature is None


def test_the_copy_on_the_card_is_the_sheet_and_a_long_one_fits():
    term = Terminal()
    term.steps(cps_in() + up_to_review())
    card = term.hands.slots["vitale"].card
    term.steps([{"keys": "OK", "screen": "Copie sur carte: oui"}])
    stored = bundle.decode(term.sheets()[0].payload).sheet
    assert card.copies() == [stored]
    # The largest sheet the validator accepts goes onto a card and is read back whole.
    from firmware.cards.vitale import VitaleApp

    long_sheet = bytes(range(256)) * 2 + bytes(range(44))  # 556 bytes of opaque copy
    assert len(long_sheet) <= profile.MAX_COPY_BYTES
    app = VitaleApp(term.hands.slots["vitale"])
    app.open()
    patient = app.read(20261118, term.app.opposition)
    cps = term.app.reading.cps
    app.write_copy(patient, long_sheet, cps)
    assert app.read_copies(cps)[:2] == [long_sheet, stored]


def test_flash_full_refuses_before_data_is_at_risk_and_loses_nothing():
    term = Terminal(blocks=24)  # 96 KiB: about a hundred sheets before the reserve
    term.steps(cps_in() + gp_visit())
    j = term.journal
    filler = bytes(range(256)) + bytes(124)
    while j.can_accept_sheet():
        j.append_sheet(filler, j.reserve_order("10001234565"), "10001234565", 20261118, False)
    before = [(r.rec_no, r.payload) for r in term.sheets()]
    log_before = len(term.app.storage.access_log)
    # A visit that starts now is refused at once: the next card is not even read.
    term.steps([{"insert": "vitale", "card": "single", "screen": "Synchro necessaire"}])
    for key in ("1", "OK", "MENU", "1"):
        term.driver.press(key)
        assert term.screen[0] == "Synchro necessaire"
    assert term.events("refused")[-1] == "sync needed"
    assert len(term.app.storage.access_log) == log_before
    term.steps(
        [
            {"remove": "vitale", "screen": "Inserer carte Vitale"},
            {"keys": "MENU 5", "screen": "Synchro necessaire"},  # nor a sheet without card
            {"keys": "OK", "screen": "Inserer carte Vitale"},
            {"remove": "cps", "screen": "FSE: envoi"},
            {"insert": "cps", "card": "gp", "screen": "Synchro necessaire"},
            {"remove": "cps", "screen": "FSE: envoi"},
        ]
    )
    assert term.screen[3] == "Synchro necessaire"  # the idle screen keeps saying it
    assert len(term.app.storage.access_log) == log_before  # no card was even read
    assert [
        (r.rec_no, r.payload) for r in term.reboot_journal().records_after(0, 0, 0, None)
    ] == before
    # The sync still has room for its states; after acknowledgement and retention, room again.
    recs = [r for r, _ in before]
    assert j.mark_synced(recs, 20261118) == len(recs)
    assert j.acknowledge(recs, 20261118) == len(recs)
    assert j.purge(20270301) > 0 and j.can_accept_sheet()
    term.steps(cps_in() + gp_visit(km=3), start=NOW + 110 * 86400)
    assert term.events("saved")[-1]["order"] == max(term.reserved)


def test_idle_screen_warns_when_a_deadline_comes_close():
    term = Terminal()
    term.steps(cps_in() + gp_visit() + [{"remove": "cps", "screen": "1 FSE: envoi 23/11"}])
    wednesday = NOW  # saved Wednesday 18/11/2026, patient paid: 3 working days (R161-47 I 1°)
    for days, line in (
        (1, None),
        (2, "FSE: envoi sous 1j"),
        (5, "FSE: envoi ce jour"),
        (6, "FSE: delai depasse!"),
    ):
        term.steps([{"clock": wednesday + days * 86400}, {"screen": "1 FSE: envoi 23/11"}])
        assert term.screen[3] == (line or "N/S TLA-TEST-0001"), (days, term.screen)
    recs = [r.rec_no for r in term.sheets()]
    term.journal.acknowledge(recs, 20261124)
    term.steps([{"advance": 60}, {"screen": "Inserer les cartes"}])
    assert term.screen[3] == "N/S TLA-TEST-0001"


def test_a_cps_pulled_mid_visit_abandons_the_draft_and_writes_nothing():
    term = Terminal()
    term.steps(cps_in() + up_to_review()[:-1])
    writes = term.flash.writes
    term.steps([{"remove": "cps", "screen": "abandonnee"}])
    assert term.sheets() == [] and term.reserved == []
    # Only the reading's access-log entries were written, never a sheet nor an order number.
    assert term.events("abandoned")
    assert term.flash.writes == writes


def test_pin_typed_for_the_visit_is_in_no_output():
    term = Terminal()
    screens = []
    show = term.board.display.show
    term.board.display.show = lambda lines: (screens.append(list(lines)), show(lines))
    term.steps(cps_in() + gp_visit())
    events = [dict(e) for _, e in term.board.events]
    for e in events:
        if "saved" in e:
            e["saved"] = dict(e["saved"], sha256="")  # a digest may hold any 4 digits
    shown = repr(screens) + repr(events)
    shown += repr([e.as_list() for e in term.app.storage.access_log.entries()])
    assert PIN_GP not in shown and "Code PIN: ****" in shown
    assert PIN_GP.encode() not in term.flash.store.getvalue()
