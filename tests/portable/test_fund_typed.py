"""A fund's code typed on the keypad (firmware/visit_nocard.ask_fund), both interpreters: a
code no fund has (scheme 00, protocol/fund_code.py) is said plainly at once and
asked again as typed, and what came before it stays: without the card the reason and the
NIR (MENU 5) or the round's visit (the list), with a Carte Vitale 2 the card read."""

from _cardkit import ReplaySlot, events, load_transcripts, press, run_scenario, settle
from _roundkit import MARTIN, gp_martin, round_app
from _screens import check_all
from _visitkit import VITALE2_FUND, make_visit_app

from firmware import visit_nocard

FUND = "011750000"
NIR = "180027512345676"  # a NIR whose key is right, in no round and no sheet
ERASE = " ".join(["BACK"] * 9)


def _lines(app):
    print(app.board.display.lines)
    return app.board.display.lines


def _refused_then_kept(app, title, wrong):
    """`wrong` typed at the fund's prompt: said, then the prompt again holding it."""
    press(app, ERASE + " " + wrong + " OK")
    assert _lines(app)[:3] == ["Code de caisse faux:", "voyez l'attestation", "de droits."]
    assert events(app, "refused")[-1] == {"refused": {"field": "fund", "rule": "invalid"}}
    press(app, "OK")
    assert _lines(app)[:3] == [title, visit_nocard.FUND_LABEL + ":", wrong]


def _started(entries=None):
    """The CPS in and its PIN verified, no Vitale card."""
    app, _, cps = round_app(entries)
    cps.insert()
    settle(app)
    press(app, "4827 OK")
    return app


def test_a_wrong_fund_keeps_the_reason_and_the_nir():
    app = _started()
    press(app, "MENU 5 2")
    press(app, NIR + " OK")
    press(app, "6 2 7 7 7 4 4 4 6 6 OK")  # her name, MARIN: the NIR is in no round nor sheet
    _refused_then_kept(app, "Caisse du patient", "001750000")  # no scheme 00
    press(app, ERASE + " " + FUND + " OK")
    assert _lines(app)[0] == "Lieu d'exercice"
    s = app.visit.sheet
    assert (s.insured, s.fund, s.degraded, s.absent_reason) == (NIR, FUND, True, 2)
    check_all(app.board.display.history)


def test_a_wrong_fund_keeps_the_rounds_visit():
    app = _started([gp_martin()])  # a round entry the PC knows no fund of
    press(app, "DOWN OK 1")
    assert _lines(app)[0] == "Caisse du patient"
    _refused_then_kept(app, "Caisse du patient", "000000000")
    press(app, ERASE + " " + FUND + " OK")
    lines = _lines(app)
    assert lines[:2] == ["Tournee 1/1", "MARTIN PAUL"], lines
    press(app, "OK")
    s = app.visit.sheet
    assert (s.insured, s.fund, s.degraded, s.absent_reason) == (MARTIN, FUND, True, 1)
    check_all(app.board.display.history)


def test_a_wrong_fund_keeps_the_vitale_2_read():
    t = load_transcripts()["vitale2-tla-cps-visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    run_scenario(app, vitale, cps, "4827 OK")
    press(app, "1")
    _refused_then_kept(app, "Carte Vitale 2", "00" + VITALE2_FUND[2:])
    press(app, ERASE + " " + VITALE2_FUND + " OK")
    assert _lines(app)[0] != "Carte Vitale 2"
    assert app.visit.who.fund == VITALE2_FUND and app.visit.patient is not None
    check_all(app.board.display.history)
