"""A surcharge at a time of day it does not apply (issue 23 "Bad input"), both
interpreters, on the two ways an act reaches the sheet untyped: a round entry the PC
filled with a night surcharge, offered by day, and "Refaire" of a night visit's sheet by
day. Each is said on the problem screen as a code typed is (`pas a cette heure`); the
round's draft is kept for the sheet menu (remove the act there), the last sheet again is
not taken (the sheet stays empty, as for any refusal of "Refaire")."""

from _cardkit import ReplaySlot, load_transcripts, press, run_scenario, settle
from _roundkit import GP_SITUATION, MARTIN, install
from _screens import check_all
from _visitkit import PRO, VISIT_KEYS, make_visit_app, run_visit

from protocol import bundle, sheet
from protocol import round as rp
from protocol.sheet import Act

TRANSCRIPTS = load_transcripts()
NIGHT = [("VG", 100, 0), ("MD", 100, 0), ("IK", 700, 0), ("MN", 100, 0)]


def _app():
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    install(app.storage, [rp.entry(MARTIN, None, "MARTIN PAUL", GP_SITUATION, NIGHT)])
    return app, vitale, cps


def _lines(app):
    print(app.board.display.lines)
    return app.board.display.lines


def test_a_round_entrys_night_surcharge_by_day_is_said_and_the_draft_kept():
    app, vitale, cps = _app()  # 12:06 on a Wednesday
    run_scenario(app, vitale, cps, "4827 OK")
    assert _lines(app)[2].startswith("VG MD IK MN")
    press(app, "OK")
    assert _lines(app) == ["Acte 4: code", "pas a cette heure", "", "OK: corriger"]
    press(app, "OK")
    assert _lines(app)[0].startswith("Actes:4")  # the sheet menu: remove it there
    assert [a.code for a in app.visit.sheet.acts] == ["VG", "MD", "IK", "MN"]
    press(app, "3 4")  # Retirer un acte, the fourth
    assert [a.code for a in app.visit.sheet.acts] == ["VG", "MD", "IK"]
    check_all(app.board.display.history)


def _night_sheet_saved(app):
    """The journal's latest sheet of MARTIN by the GP made a night one: the recorded
    day visit's sheet with MN added (the scan reads sheets, it checks no signature)."""
    j = app.storage.journal
    b = bundle.decode(j.get(1).payload)
    s = sheet.decode(b.sheet)
    s.acts.append(Act(code="MN", coef=100, date=s.completion))
    b.sheet = s.encode()
    payload = bundle.encode(b.sheet, b.cps_signature, b.cps_cert, b.vitale_signature, b.vitale_cert)
    order = j.reserve_order(PRO)
    j.append_sheet(payload, order, PRO, s.completion, False)


def test_the_last_sheet_of_a_night_visit_is_not_taken_again_by_day():
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, "4827 OK", VISIT_KEYS + " OK")  # 12:06
    vitale.remove()
    settle(app)
    _night_sheet_saved(app)
    press(app, "MENU 5 1")  # her card forgotten: the journal finds her last sheet too
    press(app, MARTIN + " OK OK")  # her NIR, the fund of her latest sheet kept
    assert _lines(app)[1] == ">0 Refaire 18/11"
    press(app, "0")  # her night visit again, at noon
    assert _lines(app) == ["Acte 4: code", "pas a cette heure", "", "OK: corriger"]
    press(app, "OK")
    assert _lines(app)[0] == "Acte 1: code" and app.visit.sheet.acts == []
    check_all(app.board.display.history)
