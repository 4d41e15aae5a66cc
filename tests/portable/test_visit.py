"""The visit on the terminal (firmware/visit.py, signing.py, entry.py), on both interpreters:
cards replay transcripts recorded from the virtual cards. A visit signed by both cards and
saved, byte for byte the same on both; no signature without the PIN; a card pulled at each
exchange of the signing saves nothing half-signed and reuses no order number; every bad input
refused with a plain message, nothing written; the flash-full refusal; the deadline warning."""

import gc
import hashlib

from _cardkit import ReplaySlot, ScriptedSlot, events, load_transcripts, press, settle
from _visitkit import PRO, VISIT_KEYS, VISITS, make_visit_app, run_visit, sheets

from firmware import entry, screens
from firmware.journal import Journal
from firmware.visit_patient import birth_rank
from hw._compat import mount_littlefs
from hw.flash import NorFlash
from protocol import bundle, sheet

TRANSCRIPTS = load_transcripts()
PSO_SIGN = "002a9e9a"
APPEND = "00e20000"


def _slots(name):
    t = TRANSCRIPTS[name]
    return ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])


def _visit_app(name="visit"):
    vitale, cps = _slots(name)
    return make_visit_app(vitale, cps), vitale, cps


def _sent(slot, prefix):
    return [e[1] for e in slot.exchanges[: slot.pos] if e[1].startswith(prefix)]


def test_a_visit_is_signed_by_both_cards_and_saved_the_same_on_both_interpreters():
    app, vitale, cps = _visit_app()
    run_visit(app, vitale, cps, *VISITS["visit"][2:])
    assert vitale.pos == len(vitale.exchanges) and cps.pos == len(cps.exchanges)
    lines = app.board.display.lines
    print(lines)
    assert lines[1] == "Enregistree no 1" and lines[2] == "Copie sur carte: oui"
    stored = sheets(app)
    assert len(stored) == 1 and stored[0].order_no == 1 and stored[0].pro_id == PRO
    b = bundle.decode(stored[0].payload)
    s = sheet.decode(b.sheet)
    assert [a.code for a in s.acts] == ["VG", "MD", "IK"] and s.fees == 4427
    assert s.third_party == 0 and s.payment == 0 and s.order_no == 1
    assert len(b.cps_signature) == 64 and len(b.vitale_signature) == 64
    # What each card signed is the digest of exactly the stored sheet bytes.
    digest = bundle.digest(b.sheet).hex()
    assert [c[10:] for c in _sent(cps, PSO_SIGN)] == [digest + "00"]
    assert [c[10:] for c in _sent(vitale, PSO_SIGN)] == [digest + "00"]
    # The copy on the card (R161-33-1 2° d) is the sheet's bytes.
    assert [c[10:] for c in _sent(vitale, APPEND)] == [b.sheet.hex()]
    print("bundle", len(stored[0].payload), hashlib.sha256(stored[0].payload).digest().hex())
    saved = events(app, "saved")[-1]["saved"]
    assert saved["sha256"] == hashlib.sha256(stored[0].payload).digest().hex()
    # Every screen of the visit fits the 4 x 20 display, in ASCII.
    for shown in app.board.display.history:
        assert len(shown) <= 4, shown
        for line in shown:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), shown


def test_both_cards_in_and_no_pin_no_signature():
    app, vitale, cps = _visit_app()
    settle(app)
    cps.insert()
    vitale.insert()
    settle(app)
    for keys in ("OK", "MENU", "1 OK", "OK OK", "2 OK", "CANCEL", "MENU OK", "4 1 OK"):
        press(app, keys)
    assert app.board.display.lines[1].startswith("Code PIN:")
    assert vitale.pos == 0  # the Vitale card is not even read
    assert not _sent(cps, PSO_SIGN) and sheets(app) == []
    print(app.board.display.lines)


def _review(n_slot=None, n=0):
    """A fresh terminal up to the review of the recorded visit; the card `n_slot` armed
    to be pulled during its n-th exchange from there."""
    gc.collect()  # a fresh simulated flash each time: keep micropython's heap in one piece
    app, vitale, cps = _visit_app()
    run_visit(app, vitale, cps, "4827 OK", VISIT_KEYS)
    assert app.board.display.lines[3] == "OK:signer MENU:sans", app.board.display.lines
    marks = (vitale.count, cps.count)
    if n_slot is not None:
        (vitale if n_slot == "vitale" else cps).pull_after(n)
    return app, vitale, cps, marks


def test_a_card_pulled_at_each_exchange_of_the_signing():
    app, vitale, cps, marks = _review()
    press(app, "OK")
    counts = {"vitale": vitale.count - marks[0], "cps": cps.count - marks[1]}
    print("signing exchanges", counts)
    for slot in ("cps", "vitale"):
        outcome = []
        for n in range(1, counts[slot] + 1):
            app, vitale, cps, _ = _review(slot, n)
            reserved = []
            reserve = app.storage.journal.reserve_order

            def watch(pro, reserve=reserve, reserved=reserved):
                got = reserve(pro)
                reserved.append(got)
                return got

            app.storage.journal.reserve_order = watch
            press(app, "OK")
            stored = sheets(app)
            lines = app.board.display.lines
            if stored:
                # Only once both signatures exist and the sheet is saved (the copy failed).
                b = bundle.decode(stored[0].payload)
                assert b.cps_signature and b.vitale_signature, n
                assert lines[1] == "Enregistree no 1" and lines[2] == "Copie carte: echec", lines
                outcome.append("saved")
            else:
                assert lines[0] == "Feuille NON enreg.", (slot, n, lines)
                outcome.append("none" if not reserved else "gap %d" % reserved[0])
            # After a reboot, the next number is above every number handed out.
            fs = mount_littlefs(NorFlash(app.disk.flash.store, block_count=32), False)
            assert Journal(fs).reserve_order(PRO) > max(reserved + [0])
        print(slot, outcome)
        assert "none" in outcome or "gap 1" in outcome


def _read_family():
    """The family card read with the gp (transcript "read"), the patient screen up."""
    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, "4827 OK", "")
    return app


def _refusal(app, keys):
    press(app, keys)
    lines = app.board.display.lines
    print(keys, "->", lines)
    assert sheets(app) == [] and app.storage.journal.next_rec_no == 1
    return lines


def test_every_bad_input_is_refused_with_a_plain_message_and_nothing_written():
    app = _read_family()
    assert _refusal(app, "5")[:2] == ["Pas de beneficiaire", "5 sur cette carte."]
    press(app, "OK 1 1")  # the holder, the first practice situation: the act menu
    assert app.board.display.lines[0] == "Acte 1: code"
    assert _refusal(app, "9")[0] == "Code d'acte inconnu"
    assert events(app, "refused")[-1] == {"refused": {"field": "acts.1.code", "rule": "unknown"}}
    press(app, "OK CANCEL")  # the act menu again, then the sheet menu
    assert app.board.display.lines[0] == "Actes:0 0,00 EUR"
    # The care date (Options, 5), checked the moment it is typed, asked again when wrong.
    assert _refusal(app, "2 5 05122026 OK")[:2] == ["Acte 1: date", "dans le futur"]
    press(app, "OK")
    assert app.board.display.lines[0] == "Date des soins"
    assert _refusal(app, "15122025 OK")[:2] == ["Acte 1: date", "avant les droits"]
    press(app, "OK CANCEL")
    # 999 km: the rating refused at once, the code kept (the distance asked again).
    assert _refusal(app, "1 3 999 OK")[:2] == ["Acte 1: cotation", "invalide"]
    press(app, "OK")
    assert app.board.display.lines[:2] == ["Acte 1: IK", "Distance (km):"]
    press(app, "CANCEL 1 1")  # a real act now: VG today, then 0 on the act menu: pay
    assert app.board.display.lines[0] == "Acte 2: code"
    assert _refusal(app, "0 3 5000 OK")[:2] == ["Tiers payant", "> honoraires"]
    press(app, "OK")
    assert app.board.display.lines[0] == "Actes:1 30,00 EUR"
    assert _refusal(app, "4 4 4000 OK")[:2] == ["Tiers payant", "negatif"]
    press(app, "OK")
    assert _refusal(app, "4 3 200000 OK")[:2] == ["Tiers payant", "trop eleve"]
    rules = [e["refused"]["rule"] for e in events(app, "refused")]
    print(rules)
    assert rules == [
        "unknown",
        "future",
        "before_rights",
        "invalid",
        "over_fees",
        "negative",
        "absurd",
    ]
    assert app.storage.journal.reserve_order(PRO) == 1  # no number was taken


def test_a_dependant_whose_rights_are_closed_is_refused():
    vitale, cps = _slots("closed-dependant")
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, "4827 OK", "")
    assert app.board.display.lines[2].startswith("2!TOM")  # '!': rights closed
    lines = _refusal(app, "2")
    assert lines[:2] == ["Droits fermes pour", "TOM: pas de feuille."]


def test_flash_full_refuses_a_new_visit_before_any_card_is_read():
    cps = ScriptedSlot("cps", lambda apdu: b"\x90\x00")
    vitale = ScriptedSlot("vitale", lambda apdu: b"\x90\x00")
    cps.inside = vitale.inside = False
    app = make_visit_app(vitale, cps, blocks=32)
    j = app.storage.journal
    n = 0
    while j.can_accept_sheet():
        n += 1
        j.append_sheet(b"S%d" % n + bytes(300), j.reserve_order(PRO), PRO, 20261118, False)
    settle(app)
    assert app.board.display.lines[3] == "Synchro necessaire"  # on the idle screen
    cps.insert()
    settle(app)
    press(app, "1 2 3 4 OK")
    print(app.board.display.lines)  # (how many sheets fit differs: statvfs of each binding)
    assert n > 10 and app.board.display.lines == screens.sync_needed()
    assert cps.sent == [] and events(app, "refused")[-1] == {"refused": "sync needed"}
    assert j.count(1) == n  # nothing stored was lost


def test_idle_screen_counts_the_sheets_waiting_and_warns_of_a_close_deadline():
    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    waiting = app.waiting
    j = app.storage.journal
    assert waiting.lines(20261118) == (None, None)
    j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, 20261118, True)  # third party: 8 days
    j.append_sheet(b"y" * 40, j.reserve_order(PRO), PRO, 20261119, False)  # paid: 3 days
    for day in (20261119, 20261123, 20261124, 20261125):
        print(day, waiting.lines(day))
    # The nearest deadline is the paid sheet's: Tuesday 24 (R161-47 I 1°).
    assert waiting.lines(20261119) == ("2 FSE: envoi 24/11", None)
    assert waiting.lines(20261123)[1] == "FSE: envoi sous 1j"  # Mon 23: due Tue 24
    assert waiting.lines(20261125)[1] == "FSE: delai depasse!"
    j.acknowledge([2], 20261125)
    # The third-party one has until 30/11; 7 days old, past the default cap's warning age.
    assert waiting.lines(20261125) == ("1 FSE: envoi 30/11", "Synchro conseillee")
    settle(app)
    assert app.board.display.lines[2] == "1 FSE: envoi 30/11", app.board.display.lines


def test_caps_warn_and_a_hard_cap_refuses_visits():
    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    j = app.storage.journal
    for _ in range(2):
        j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, 20261118, True)
    assert app.waiting.lines(20261118)[1] is None  # defaults: 60 sheets, 2 days
    assert app.waiting.lines(20261120)[1] == "Synchro conseillee"  # 2 days old
    app.waiting.set_caps((2, 0, 0, 0))
    assert app.waiting.lines(20261118)[1] == "Synchro conseillee"  # 2 sheets waiting
    app.waiting.set_caps((0, 2, 0, 0))  # a hard cap of 2 sheets
    assert app.waiting.lines(20261118)[1] == "Plafond: synchro!"
    from firmware.idle import Waiting

    assert Waiting(j, app.storage.fs).caps == (0, 2, 0, 0)  # kept in flash
    cps.insert()
    settle(app)
    lines = app.board.display.lines
    print(lines)
    assert lines[:2] == ["Synchro necessaire", "Plafond du cabinet"] and cps.pos == 0
    cps.remove()
    settle(app)
    j.acknowledge([1], 20261118)
    assert app.waiting.lines(20261118)[1] is None  # one waiting: under the cap


def test_the_hard_cap_refuses_a_visit_started_with_the_cps_already_in():
    # The cap reached while the CPS stays in: no card arrives to be refused, so a
    # sheet without the Vitale (MENU 5) and a beneficiary chosen on a card read before
    # must be refused too.
    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    j = app.storage.journal
    for _ in range(2):
        j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, 20261118, True)
    cps.insert()
    settle(app)
    press(app, "4827 OK")
    assert app.board.display.lines[2] == "Inserer carte Vitale"
    app.waiting.set_caps((0, 2, 0, 0))  # a hard cap of 2 sheets, reached
    press(app, "MENU 5")
    lines = app.board.display.lines
    print(lines)
    assert lines == screens.cap_reached()[:3] + ["OK: continuer"] and app.visit.sheet is None
    press(app, "OK")
    app.waiting.set_caps((0, 0, 0, 0))
    vitale.insert()
    settle(app)
    app.waiting.set_caps((0, 2, 0, 0))  # reached while the patient's card is read
    press(app, "1")
    lines = app.board.display.lines
    print(lines)
    assert lines == screens.cap_reached()[:3] + ["OK: continuer"] and app.visit.sheet is None
    assert not sheets(app)[2:]  # nothing written: the two sheets waiting only


def test_menus_fit_the_display():
    from firmware import visit_items as items_of, visit_signing

    from firmware import menu
    from protocol import nomenclature, tariffs

    menus = (items_of.SHEET_MENU, items_of.OPTIONS_MENU, items_of.ACCIDENT_MENU)
    for items in menus + (items_of.PAYMENT_MENU, menu.ITEMS, (menu.DEGRADED,)):
        for item in items + visit_signing.REASON_MENU:
            assert len(item) <= 16, item  # ">1 " + the item + room for the 'v' on 20
    # The act menu's items: "CODE label" (the labels of the version in force).
    version = nomenclature.versions()[-1]
    for profession in (10, 60):
        for code in nomenclature.codes(version, profession):
            label = nomenclature.lookup(version, profession, code)[tariffs.LABEL]
            assert len(code) + 1 + len(label) <= 16, (code, label)


def test_keypad_entries():
    m = entry.Menu("Titre", ["un", "deux", "trois", "quatre"])
    assert m.key("DOWN") is None and m.key("DOWN") is None and m.cursor == 2
    # 'v' at the end of the last line: more items below it.
    assert screens.menu(m) == ["Titre", " 1 un", " 2 deux", ">3 trois           v"]
    m.key("DOWN")
    assert screens.menu(m)[3] == ">4 quatre"
    assert m.key("9") == entry.OUT and m.value == 9
    assert m.key("4") == entry.DONE and m.value == 3
    d = entry.Digits("T", "Ref", 3)
    assert d.key("OK") is None  # at least one digit
    for k in "1234":
        d.key(k)
    assert d.key("BACK") is None and d.key("OK") == entry.DONE and d.value == "12"
    h = entry.Hundredths("T", "Montant", unit=" EUR")
    for k in "150":
        h.key(k)
    assert h.shown() == "1,50 EUR" and h.key("OK") == entry.DONE and h.value == 150
    t = entry.Date("T", "Date", 20261118)
    assert t.shown() == "18/11/2026" and t.key("OK") == entry.DONE and t.value == 20261118
    t = entry.Date("T", "Date", 20261118)
    for k in "021120":
        t.key(k)
    assert t.shown() == "02/11/20AA" and t.key("OK") is None  # 8 digits, 4, or none
    for k in "26":
        t.key(k)
    assert t.key("OK") == entry.DONE and t.value == 20261102
    assert t.key("CANCEL") == entry.CANCEL
    # JJMM: the latest such day not after the default (this year, or the last).
    for typed, got in (("0211", 20261102), ("1811", 20261118), ("1912", 20251219)):
        t = entry.Date("T", "Date", 20261118)
        for k in typed:
            t.key(k)
        assert t.key("OK") == entry.DONE and t.value == got, (typed, t.value)
    # A shortcut item 0 first (base 0): 0 picks it, 1 the first of the others.
    z = entry.Menu("Acte 2: code", ["Payer, signer", "VG Visite", "MD Deplacement"], base=0)
    assert screens.menu(z)[1:] == [">0 Payer, signer", " 1 VG Visite", " 2 MD Deplacement"]
    assert z.key("0") == entry.DONE and z.value == 0 and z.key("2") == entry.DONE and z.value == 2
    assert z.key("3") == entry.OUT and z.value == 3
    # A rating proposed: OK alone takes it; a digit typed replaces it.
    c = entry.Hundredths("Acte 1: AMI", "Coefficient", 5, "", 100)
    assert c.shown() == "1,00" and c.key("OK") == entry.DONE and c.value == 100
    c = entry.Hundredths("Acte 1: AMI", "Coefficient", 5, "", 100)
    for k in "150":
        c.key(k)
    assert c.shown() == "1,50" and c.key("OK") == entry.DONE and c.value == 150
    r = entry.Proposed("Prescription", "Reference", 20, "20261102-1")
    assert r.shown() == "20261102-1" and r.key("OK") == entry.DONE and r.value == "20261102-1"


def test_twins_are_told_apart_by_birth_rank():
    app = _read_family()
    card = app.reading.patient
    ranks = [(b.first_names[0], birth_rank(card, b)) for b in card.beneficiaries]
    print(ranks)
    assert ranks == [("MARIE", 1), ("JEAN", 1), ("LEO", 1), ("LEA", 2)]
    press(app, "4 1")  # LEA, the first situation
    s = app.visit.sheet
    assert s.beneficiary.birth == 20180305 and s.beneficiary.birth_rank == 2
    assert s.insured == card.nir and s.fund == card.beneficiary(4).fund


def test_a_low_battery_starts_no_signing_and_the_sheet_waits():
    # hw/drivers/battery.py: below the threshold no signing starts (the board says so).
    app, vitale, cps = _visit_app()
    app.board.power_ok = lambda: False
    run_visit(app, vitale, cps, *VISITS["visit"][2:])
    lines = app.board.display.lines
    print(lines)
    assert lines[0].startswith("Batterie faible")
    assert sheets(app) == [] and _sent(cps, PSO_SIGN) == [] and _sent(vitale, PSO_SIGN) == []
    assert events(app, "refused")[-1]["refused"] == "battery low"
    app.board.power_ok = lambda: True  # charged: OK goes back to the review, OK signs
    press(app, "OK")
    press(app, "OK")
    settle(app)
    stored = sheets(app)
    print(app.board.display.lines)
    assert len(stored) == 1 and stored[0].order_no == 1
    assert len(_sent(cps, PSO_SIGN)) == 1
