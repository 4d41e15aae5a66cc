"""A sheet without the Vitale card (firmware/visit_nocard.py), both interpreters: why the
card is absent is asked first (R161-43), then the NIR, whose key is checked at once (a
wrong key says so plainly and gives back what was typed); the fund is not asked when the
round's entry for that NIR carries it, shown and proposed (OK keeps it) when the patient's
latest sheet in the journal gives it, and asked with a prompt that says where to find it
otherwise. On the round's list, a cursor picks a patient to do; a patient done or another
day's round is refused plainly. Every screen fits 4 x 20 ASCII."""

from _cardkit import ReplaySlot, events, load_transcripts, press, run_scenario, settle
from _screens import check_all
from _roundkit import MARTIN, gp_martin, install, other, round_app
from _visitkit import VISIT_KEYS, VITALE2_FUND, VITALE2_KEYS, make_visit_app, run_visit, sheets

from firmware import round_store, visit_nocard
from protocol import round as rp
from protocol import sheet_fields as F

TRANSCRIPTS = load_transcripts()
FUND = "011750000"
NIR = "180027512345676"  # a NIR whose key is right, in no round and no sheet


def _cps_only(entries=None):
    app, vitale, cps = round_app(entries)
    cps.insert()
    settle(app)
    press(app, "4827 OK")
    return app, vitale, cps


def _fits(app):
    check_all(app.board.display.history)  # 4 x 20 ASCII, the last line says the keys


def _lines(app):
    print(app.board.display.lines)
    return app.board.display.lines


def test_the_reason_first_a_wrong_nir_key_kept_and_the_fund_asked_plainly():
    app, _, _ = _cps_only()
    press(app, "MENU 5")
    assert _lines(app) == [
        "Pourquoi sans carte?",
        ">1 Carte oubliee",
        " 2 Carte illisible",
        " 3 Pas encore carte",
    ]
    press(app, "2")
    press(app, NIR[:-1] + "7 OK")  # the key's last digit wrong
    assert _lines(app)[:2] == ["NIR faux (cle):", "corrigez les"]
    press(app, "OK")
    assert _lines(app)[2] == NIR[:-1] + "7"  # what was typed, to be corrected
    press(app, "BACK 6 OK")
    assert _lines(app) == ["Nom du patient", "2-9 lettre 0 espace:", "", "v:suite <:efface OK"]
    # L'HOTE ANNE-MARIE on the multi-tap keypad: 1 1 is the apostrophe, DOWN moves on.
    press(app, "5 5 5 1 1 4 4 6 6 6 8 3 3 0 2 6 6 DOWN 6 6 3 3 1 6 2 7 7 7 4 4 4 3 3 OK")
    assert _lines(app)[:2] == ["Caisse du patient", visit_nocard.FUND_LABEL + ":"]
    press(app, FUND + " OK")
    assert _lines(app)[0] == "Lieu d'exercice"
    s = app.visit.sheet
    assert (s.insured, s.fund, s.degraded, s.absent_reason) == (NIR, FUND, True, 2)
    assert s.patient_name == "L'HOTE ANNE-MARIE"
    _fits(app)


def test_the_fund_of_a_round_patient_is_not_asked():
    app, _, _ = _cps_only([rp.entry(NIR, None, "LEROY JEANNE", "", [("VG", 100, 0)], fund=FUND)])
    press(app, "MENU 5 1")
    press(app, NIR + " OK")
    assert _lines(app)[0] == "Lieu d'exercice"  # no fund nor name asked: the round's
    assert app.visit.sheet.fund == FUND and events(app, "fund_known")[-1] == {"fund_known": FUND}
    assert app.visit.sheet.patient_name == "LEROY JEANNE"


def _after_martins_visit():
    """An App whose journal holds MARTIN's visit with her card, the card out, the CPS in."""
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, "4827 OK", VISIT_KEYS + " OK")
    vitale.remove()
    settle(app)
    return app


def _forgotten(app, nir):
    press(app, "MENU 5 1")
    press(app, nir + " OK")


def test_the_patients_latest_sheet_gives_her_fund_shown_and_her_last_visit_to_redo():
    """Without the card, the journal's latest sheet of that NIR is found as with it (one
    scan): its fund shown and changeable (OK keeps it, digits replace it) and "Refaire"."""
    app = _after_martins_visit()
    _forgotten(app, MARTIN)
    assert _lines(app) == [
        "Caisse du patient",
        visit_nocard.FUND_LABEL + ":",
        FUND,  # her latest sheet's, shown: never used unseen
        visit_nocard.FUND_PROPOSED,
    ]
    press(app, "OK")
    lines = _lines(app)
    assert lines[0] == "Acte 1: code" and lines[1] == ">0 Refaire 18/11", lines
    assert app.visit.sheet.fund == FUND and app.visit.sheet.absent_reason == F.CARD_FORGOTTEN
    assert events(app, "fund_known")[-1] == {"fund_known": FUND}
    press(app, "0")  # her last visit again, without the card
    assert [a.code for a in app.visit.sheet.acts] == ["VG", "MD", "IK"]
    # Changeable: digits typed replace the fund shown (a wrong one comes back as typed).
    press(app, "CANCEL CANCEL 2")  # the sheet menu, "Abandonner feuille?", yes
    _forgotten(app, MARTIN)
    press(app, "0017 OK")
    assert _lines(app)[:2] == ["Code de caisse faux:", "voyez l'attestation"]
    press(app, "OK")
    assert _lines(app)[2] == "0017"
    press(app, "BACK BACK BACK BACK 021750000 OK")
    assert _lines(app)[0] == "Acte 1: code" and app.visit.sheet.fund == "021750000"
    # A sheet the PC rejected says nothing of the fund (it may be why it was rejected).
    press(app, "CANCEL CANCEL 2")
    assert app.storage.journal.reject([1], 20261118) == 1
    _forgotten(app, MARTIN)
    assert _lines(app)[0] == "Nom du patient"  # nothing known of her now: her name asked
    press(app, "6 2 6 2 7 7 7 4 4 4 6 6 OK")
    assert _lines(app)[0] == "Caisse du patient"
    assert _lines(app)[2] == ""  # none proposed
    _fits(app)


def test_one_journal_scan_finds_the_fund_and_the_last_sheet():
    """The fund and the last sheet come from one scan of the journal (they took two)."""
    app = _after_martins_visit()
    j = app.storage.journal
    scans = []
    real = j.records_after

    def counted(*args):
        scans.append(args)
        return real(*args)

    j.records_after = counted
    try:
        _forgotten(app, MARTIN)
        press(app, "OK")
    finally:
        j.records_after = real
    assert _lines(app)[1] == ">0 Refaire 18/11"
    assert len(scans) == 1, scans


def test_a_round_patient_picked_on_the_list_without_the_card():
    entries = [other("DURAND ANNE"), gp_martin()]
    for e in entries:
        e.append(FUND)
    app, _, _ = _cps_only(entries)
    round_store.of(app.storage).mark_done(0, 1)  # DURAND done: the cursor on MARTIN
    press(app, "DOWN")
    lines = _lines(app)
    assert lines[1:] == [" *DURAND ANNE  AMI", "> MARTIN PAUL  VG MD", "OK:sans carte *faite"]
    press(app, "UP OK")  # DURAND: done already, said plainly
    assert _lines(app)[:3] == ["Visite de la tournee", "deja faite.", ""]
    press(app, "OK DOWN OK")
    assert _lines(app)[0] == "Pourquoi sans carte?"
    press(app, "3")
    lines = _lines(app)
    assert lines[:2] == ["Tournee 2/2", "MARTIN PAUL"] and lines[3] == "OK 4:majo MENU:modif"
    press(app, "OK")
    assert _lines(app)[3] == "OK: signer (CPS)"
    s = app.visit.sheet
    assert (s.insured, s.fund, s.degraded, s.absent_reason) == (MARTIN, FUND, True, 3)
    assert [a.code for a in s.acts] == ["VG", "MD", "IK"] and s.fees == 4427
    _fits(app)


def test_without_a_verified_cps_the_list_only_shows():
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    install(app.storage, [gp_martin()])
    settle(app)
    press(app, "DOWN")  # the idle screen, no card: the list, no cursor
    assert _lines(app)[1:] == [" MARTIN PAUL  VG MD", "", "OK:retour *:faite"]
    press(app, "OK")
    assert app.visit.sheet is None and app.owner() is None


def test_a_vitale_2_holders_fund_is_not_typed_again():
    """A Carte Vitale 2 has no fund on its public part: typed once, the holder's latest
    sheet proposes it at her next visit, shown (the prompt says where to find it the
    first time)."""
    t = TRANSCRIPTS["vitale2-tla-cps-visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    run_scenario(app, vitale, cps, "4827 OK")
    press(app, "1")
    assert _lines(app)[:2] == ["Carte Vitale 2", visit_nocard.FUND_LABEL + ":"]
    assert _lines(app)[3] == visit_nocard.FUND_HINT
    for word in VITALE2_KEYS.split(" ")[1:]:
        press(app, word)
    settle(app)
    assert len(sheets(app)) == 1, _lines(app)
    vitale.remove()
    settle(app)
    vitale.insert()
    settle(app)
    press(app, "1")
    assert _lines(app)[:3] == ["Carte Vitale 2", visit_nocard.FUND_LABEL + ":", VITALE2_FUND]
    press(app, "OK")  # her latest sheet's, shown: OK keeps it
    assert _lines(app)[0] == "Acte 1: code"
    assert app.visit.sheet.fund == VITALE2_FUND
    _fits(app)
