"""A round entry whose NIR's key is wrong (issue 23 "Bad input"), both interpreters: the
terminal takes the round in and keeps its other entries, refuses that one by its index
(the reply to the last chunk says which: the PC prints one line), never offers it (the
list marks it '?', picked without the card it says so in plain French). Every screen fits
4 x 20 ASCII and says its keys."""

from _cardkit import press, settle
from _roundkit import OTHER, gp_martin, install, keyed, other, round_app
from _screens import check_all

from firmware import round_store
from protocol import round as rp

WRONG = OTHER[:-1] + str((int(OTHER[-1]) + 1) % 10)  # 15 digits, the key's last one off
FUND = "011750000"


def _round():
    bad = rp.entry(WRONG, None, "DURAND ANNE", "", [("AMI", 200, 1)], None, 0, 1, 0, FUND)
    return [other("LEROY JEANNE", keyed("2880575123456")), bad, gp_martin()]


def test_the_key_is_the_one_rule():
    assert rp.refusal(rp.entry(OTHER, None, "A", "", [("AMI", 100, 0)])) is None
    assert rp.refusal(rp.entry(WRONG, None, "A", "", [("AMI", 100, 0)])) == rp.NIR_KEY_WRONG
    assert rp.check_entry(rp.entry(WRONG, None, "A", "", [("AMI", 100, 0)]))  # well formed


def test_an_entry_with_a_wrong_nir_key_is_refused_alone_and_the_pc_told():
    app, _, cps = round_app(None)
    replies = install(app.storage, _round())
    print(replies)
    assert replies[-1] == {"id": 1, "next": 1, "bad": [1]}
    store = round_store.of(app.storage)
    assert store.id == 1 and store.count == 3  # the others kept, the indexes the PC's
    assert rp.read_reply_bad(replies[-1])[4] == [1]
    cps.insert()
    settle(app)
    press(app, "4827 OK DOWN")
    lines = app.board.display.lines
    print(lines)
    assert lines[1:3] == ["> LEROY JEANNE AMI", " ?DURAND ANNE  AMI v"]
    press(app, "DOWN OK")  # DURAND picked: refused, said plainly
    lines = app.board.display.lines
    print(lines)
    assert lines[:2] == ["NIR de la tournee", "faux (cle)."]
    assert app.visit.sheet is None and app.visit.round is None
    assert ("EVENT", {"round_refused": "NIR de la tournee faux (cle)."}) in app.board.events
    check_all(app.board.display.history)
