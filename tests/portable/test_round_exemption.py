"""What the card says, as defaults (issue 23), both interpreters: the family card's holder
has a long-term illness exemption (ALD). A round entry that knows no exemption (her first
round) takes the card's; an entry whose exemption is not the card's says so plainly and
opens the exemption's choice (the card's, or none); keyed by hand, the card's exemption
is on the sheet and the payment menu says it, its cursor on third-party payment."""

from _cardkit import ReplaySlot, events, load_transcripts, press, run_scenario, settle
from _screens import check_all
from _roundkit import DUPONT, GP_SITUATION, install
from _visitkit import make_visit_app

from firmware import visit_round
from protocol import round as rp
from protocol import sheet_fields as F

TRANSCRIPTS = load_transcripts()


def _app(entries):
    t = TRANSCRIPTS["read"]  # the family card read with the gp's CPS (exemptions included)
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    if entries is not None:
        install(app.storage, entries)
    run_scenario(app, vitale, cps, "4827 OK")
    settle(app)
    return app


def _marie(exo):
    return rp.entry(DUPONT, None, "DUPONT MARIE", GP_SITUATION, [("VG", 100, 0)], None, 0, 0, exo)


def _fits(app):
    check_all(app.board.display.history)  # 4 x 20 ASCII, the last line says the keys


def test_a_round_entry_without_exemption_takes_the_cards():
    app = _app([_marie(0)])
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Tournee 1/1" and lines[1] == "DUPONT MARIE"
    press(app, "OK")
    print(app.board.display.lines)
    assert app.board.display.lines[0].startswith("Total")
    assert app.visit.sheet.exemption == F.LONG_TERM_ILLNESS
    _fits(app)


def test_a_round_exemption_the_card_contradicts_is_said_and_chosen():
    app = _app([_marie(F.WORK_RELATED)])
    press(app, "OK")
    lines = app.board.display.lines
    print(lines)
    assert lines[:3] == ["Exoneration de la", "carte autre que la", "tournee: choisissez."]
    assert events(app, "visit")[-1] == {"visit": {"degraded": False, "round": 0}}
    press(app, "OK")  # the choice: the card's exemption, or none
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Exoneration" and lines[2] == " 2 Aucune"
    assert app.visit.sheet.exemption is None  # nothing chosen for her
    press(app, "1")
    assert app.visit.sheet.exemption == F.LONG_TERM_ILLNESS
    assert app.board.display.lines[0].startswith("Actes:1")  # the sheet menu, to go on
    press(app, "4")
    assert app.board.display.lines[0] == "Paiement (exo ALD)"
    assert visit_round.OTHER_EXEMPTION in visit_round.MESSAGES
    _fits(app)


def test_keyed_by_hand_the_cards_exemption_is_the_default_and_shown():
    app = _app(None)
    press(app, "1 1 1")  # the holder, the first situation, VG
    assert app.visit.sheet.exemption == F.LONG_TERM_ILLNESS
    press(app, "0")
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Paiement (exo ALD)" and lines[2] == ">2 Tiers payant"
    press(app, "CANCEL 2 2")  # Options, Exoneration: changeable
    print(app.board.display.lines)
    press(app, "2")  # Aucune
    assert app.visit.sheet.exemption is None
    _fits(app)


def test_without_the_card_the_rounds_exemption_can_be_removed():
    """No card to choose from: Options, Exoneration keeps the round's or removes it (it
    said 'no exemption on the card' and kept the round's, unchangeable)."""
    from _roundkit import MARTIN, round_app

    e = rp.entry(MARTIN, None, "MARTIN PAUL", GP_SITUATION, [("VG", 100, 0)], None, 0, 0, 1)
    e.append("011750000")
    app, _, cps = round_app([e])
    cps.insert()
    settle(app)
    press(app, "4827 OK DOWN OK 1 MENU")  # the list, MARTIN, card forgotten, modify
    assert app.visit.sheet.exemption == F.LONG_TERM_ILLNESS  # the PC's, from her sheets
    press(app, "2 2")  # Options, Exoneration
    lines = app.board.display.lines
    print(lines)
    assert lines[:3] == ["Exoneration", ">1 Garder ALD", " 2 Aucune"]
    press(app, "2")
    assert app.visit.sheet.exemption is None and app.board.display.lines[0].startswith("Actes")
    _fits(app)
