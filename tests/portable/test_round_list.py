"""The day's round on the terminal (firmware/roundlist.py), both interpreters: DOWN on the
idle screen lists the round's patients in its order with their acts, done or not, a used-
up prescription marked; a round longer than the screen scrolls; the day's sheets ("FSE du
jour") name a round patient. Every screen fits 4 x 20 ASCII."""

from _cardkit import press, run_scenario, settle
from _roundkit import OTHER, PRESC, gp_martin, other, round_app

from firmware import round_store
from protocol import round as rp


def _app(entries):
    return round_app(entries)


def _fits(app):
    for shown in app.board.display.history:
        assert len(shown) == 4, shown
        for line in shown:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), shown


def _shared(name, left):
    # Two visits on one prescription of `left` sessions (R161-44 2°).
    return rp.entry(OTHER, None, name, "", [("AMI", 200, 1)], PRESC, left, 1)


def test_down_on_the_idle_screen_lists_the_round_in_its_order():
    entries = [other("DURAND ANNE"), gp_martin(), _shared("LEROY JEANNE", 1)]
    entries += [_shared("LEROY JEANNE", 1), other("PETIT-BERTRAND MARIE")]
    app, _, _ = _app(entries)
    round_store.of(app.storage).mark_done(2, 1)  # LEROY's morning visit: the one session
    press(app, "DOWN")
    lines = app.board.display.lines
    print(lines)
    assert lines[:3] == ["Tournee 18/11 1/5", " DURAND ANNE  AMI", " MARTIN PAUL  VG MDv"]
    assert lines[3] == "OK:retour *:faite"
    press(app, "DOWN")
    press(app, "DOWN")
    lines = app.board.display.lines
    print(lines)
    assert lines[1] == "*LEROY JEANNE AMI" and lines[2] == "!LEROY JEANNE AMI  v"
    press(app, "DOWN")
    assert app.board.display.lines[2] == " PETIT-BERTRA AMI"  # the last: no 'v', no further
    press(app, "DOWN")
    assert app.board.display.lines[2] == " PETIT-BERTRA AMI"
    press(app, "UP")
    assert app.board.display.lines[1] == "*LEROY JEANNE AMI"
    press(app, "OK")
    assert app.board.display.lines[2] == "Inserer les cartes", app.board.display.lines
    _fits(app)


def test_the_list_to_read_opens_at_its_top_whatever_is_done():
    """From idle (nothing to pick), the list opens on its first row even when the first
    visits are done: opened scrolled past them, nothing said rows were above."""
    entries = [other("DURAND ANNE"), other("BLANC LUC"), other("ROUX EVE"), other("LAMY ZOE")]
    app, _, _ = _app(entries)
    store = round_store.of(app.storage)
    store.mark_done(0, 1)
    store.mark_done(1, 2)
    press(app, "DOWN")
    lines = app.board.display.lines
    assert lines[1] == "*DURAND ANNE  AMI" and lines[2] == "*BLANC LUC    AMI  v", lines


def test_no_round_no_list_and_a_round_patients_sheet_is_named_in_the_day():
    app, vitale, cps = _app(None)
    press(app, "DOWN")  # no round held: the idle screen stays
    assert app.board.display.lines[2] == "Inserer les cartes" and app.owner() is None
    app, vitale, cps = _app([gp_martin()])
    run_scenario(app, vitale, cps, "4827 OK")
    press(app, "OK OK")
    settle(app)
    assert app.board.display.lines[1] == "Enregistree no 1", app.board.display.lines
    vitale.remove()
    cps.remove()
    settle(app)
    press(app, "OK")  # the day's sheets: the round's patient by name
    lines = app.board.display.lines
    print(lines)
    assert lines[2] == "1 MARTIN PAUL 44,27", lines
    press(app, "OK DOWN")
    assert app.board.display.lines[1] == "*MARTIN PAUL  VG MD", app.board.display.lines
    _fits(app)
