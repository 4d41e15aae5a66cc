"""Messages the PC sends in the middle of a visit (both interpreters): none changes what
the visit relies on. A ROUND that would replace the round a visit's sheet comes from is
refused (ERROR 11) until the visit ends: before, the new round was installed under the
visit and the sheet saved marked the new round's entry at the old index done, another
patient, who was then refused "Visite de la tournee deja faite". A SET_TIME that moves the
clock to another day moves none of the visit's dates. An opposition list, caps and an ACK
that purges leave the visit as it was; the link still answers them all.

The cards replay the transcript of the hand-keyed visit (tests/portable/test_round_visit.py):
a visit that signs is one whose sheet is byte for byte the recorded one."""

from _cardkit import ReplaySlot, events, load_transcripts, press, run_scenario, settle
from _roundkit import bodies, gp_martin, install, other
from _sync_agent import Agent
from _visitkit import VISIT_KEYS, make_visit_app, sheets

from firmware import round_store
from protocol import bundle, messages, sheet
from protocol import round as rp
from protocol import sync_messages as sm
from protocol.opposition_entries import encode as opposition_entry

TRANSCRIPTS = load_transcripts()
DAY = 20261118
NEXT_DAY = 1795000000 + 86400  # the fake clock's NOW a day later, in Paris too


def _app(entries):
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps, blocks=64, flash_opposition=True)
    agent = Agent(app)
    agent.pair()
    assert agent.authenticate() is None
    if entries is not None:
        install(app.storage, entries)
    return app, vitale, cps, agent


def _push(agent, entries, round_id):
    """Every chunk of a round; the last answer (type, body)."""
    for body in bodies(entries, round_id):
        mtype, _, reply = agent.ask(messages.ROUND, body)
        if mtype != messages.ROUND:
            return mtype, reply
    return mtype, reply


def _refused_mid_visit(agent):
    mtype, reply = _push(agent, [gp_martin(), other("DURAND ANNE")], 2)
    assert mtype == messages.ERROR and reply["code"] == messages.E_ROUND, reply
    assert "a visit of the round is going on" in reply["msg"], reply
    print(reply["msg"])


def _saved_sheet(app):
    stored = sheets(app)
    assert len(stored) == 1, stored
    return stored[0], sheet.decode(bundle.decode(stored[0].payload).sheet)


def test_a_round_pushed_while_its_offer_or_its_sheet_is_on_screen_is_refused():
    app, vitale, cps, agent = _app([other("DURAND ANNE"), gp_martin()])  # MARTIN: entry 1
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[0] == "Tournee 2/2", app.board.display.lines
    _refused_mid_visit(agent)  # the offer on the screen
    assert app.board.display.lines[0] == "Tournee 2/2"
    press(app, "OK")
    assert app.board.display.lines[0].startswith("Total"), app.board.display.lines
    _refused_mid_visit(agent)  # the review of its sheet, before the cards sign
    store = round_store.of(app.storage)
    assert store.id == 1 and not app.storage.fs.exists(round_store.NEW)
    press(app, "OK")
    settle(app)
    assert app.board.display.lines[1] == "Enregistree no 1", app.board.display.lines
    record, _ = _saved_sheet(app)
    assert store.done == {1: record.rec_no}  # MARTIN's entry of round 1, not DURAND's
    # The visit over, the same round is taken, its visits done none.
    mtype, reply = _push(agent, [gp_martin(), other("DURAND ANNE")], 2)
    assert (mtype, reply) == (messages.ROUND, {"id": 2, "next": 1}), reply
    assert store.id == 2 and store.done == {}
    assert events(app, "round_done") == [{"round_done": 1}]


def test_a_round_pushed_on_the_sheet_menu_of_a_round_visit_is_refused_then_taken():
    app, vitale, cps, agent = _app([gp_martin()])
    run_scenario(app, vitale, cps, "4827 OK")
    press(app, "MENU")  # the round's draft, opened to change it
    assert app.board.display.lines[0] == "Actes:3 44,27 EUR", app.board.display.lines
    _refused_mid_visit(agent)
    vitale.remove()  # the visit abandoned: the round is no longer relied on
    settle(app)
    assert app.visit.sheet is None and not app.visit.round_in_use()
    assert _push(agent, [other("DURAND ANNE")], 2)[1] == {"id": 2, "next": 1}


def test_a_round_pushed_during_a_hand_keyed_visit_is_taken():
    app, vitale, cps, agent = _app(None)
    run_scenario(app, vitale, cps, "4827 OK")
    press(app, "1")  # the beneficiary: a visit keyed by hand, outside any round
    assert _push(agent, [other("DURAND ANNE")], 2)[1] == {"id": 2, "next": 1}


def test_a_clock_set_to_the_next_day_mid_visit_moves_none_of_its_dates():
    app, vitale, cps, agent = _app([gp_martin()])
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[0] == "Tournee 1/1"
    mtype, _, reply = agent.ask(messages.SET_TIME, sm.set_time(NEXT_DAY))
    assert mtype == messages.SET_TIME and reply["time"] == NEXT_DAY  # the clock is set
    press(app, "OK")
    mtype, _, reply = agent.ask(messages.SET_TIME, sm.set_time(NEXT_DAY + 60))
    press(app, "OK")
    settle(app)
    # Signed: the cards signed the recorded sheet's digest, dated the 18th throughout
    # (on main the acts were dated the 19th, and the signature was another sheet's).
    assert app.board.display.lines[1] == "Enregistree no 1", app.board.display.lines
    record, s = _saved_sheet(app)
    assert s.completion == DAY and [a.date for a in s.acts] == [DAY] * 3
    assert record.completion_date == DAY
    assert app.visit._today() == DAY + 1  # no visit going on: the clock's day again


def test_a_hand_keyed_visit_keeps_its_day_and_the_other_messages_change_nothing():
    app, vitale, cps, agent = _app(None)
    run_scenario(app, vitale, cps, "4827 OK")
    words = VISIT_KEYS.split(" ")
    for word in words[:4]:  # the beneficiary, the situation, two acts: the sheet begun
        press(app, word)
    assert app.visit.sheet is not None
    # The patient's own card put on the opposition list: the visit keeps the check made
    # when the card was read (R161-33-7); the next reading of it is refused.
    card_serial = app.reading.patient.serial
    serial = opposition_entry(card_serial)
    for mtype, body in (
        (messages.SET_TIME, sm.set_time(NEXT_DAY)),
        (messages.STATUS, sm.status_request(caps=(1, 1, 1, 1))),  # caps reached meanwhile
        (messages.OPPOSITION, sm.opposition_chunk(1, None, 0, serial, end=(1, _sha(serial)))),
        (messages.ACK, sm.ack(ok=[[1, 1000]])),
        (messages.ACCESS_LOG, sm.log_request(0)),
    ):  # fmt: skip
        answer = agent.ask(mtype, body)
        assert answer[0] == mtype, answer
    for word in words[4:] + ["OK"]:
        press(app, word)
    settle(app)
    assert app.board.display.lines[1] == "Enregistree no 1", app.board.display.lines
    _, s = _saved_sheet(app)
    assert s.completion == DAY and {a.date for a in s.acts} == {DAY}
    assert app.opposition.version == 1 and app.opposition.contains(card_serial)


def _sha(data):
    import hashlib

    return hashlib.sha256(data).digest()


def test_the_round_reply_of_a_query_mid_visit_is_read_only():
    app, vitale, cps, agent = _app([gp_martin()])
    run_scenario(app, vitale, cps, "4827 OK")
    mtype, _, reply = agent.ask(messages.ROUND, rp.query())
    assert mtype == messages.ROUND and rp.read_reply(reply)[0] == 1
    assert app.board.display.lines[0] == "Tournee 1/1"
