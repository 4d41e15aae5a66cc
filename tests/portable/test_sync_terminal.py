"""The terminal's side of pairing and sync, frame by frame (both interpreters): the pairing
screen, the session gate, STATUS, SET_TIME, the RECORDS stream and its credit, ACK, the
access log, refused frames, unpairing from the menu, and what survives a reboot."""

from _kit import raises
from _sync_agent import Agent, FlashBoard, boot

from firmware.journal import ACKED, REJECTED, SIGNED, SYNCED
from protocol import messages
from protocol import sync_messages as sm
from protocol.record_stream import CERT, END, SHEET
from protocol.security_errors import ReplayError

PRO = "60001234567"
DAY = 20261118


def _save(app, n, size=350, first=0):
    """n sheets (opaque payloads: the terminal never looks inside) and two certificates."""
    j = app.storage.journal
    app.storage.certs.add(b"\x30\x82cps certificate DER" * 20)
    app.storage.certs.add(b"\x30\x82vitale certificate DER" * 20)
    recs = []
    for i in range(n):
        order = j.reserve_order(PRO)
        payload = bytes([(first + i) % 251]) * size
        recs.append(j.append_sheet(payload, order, PRO, DAY, i % 2 == 0))
    return recs


def _paired(n=0, seed=1):
    app = boot(FlashBoard(seed=seed))
    agent = Agent(app)
    agent.pair()
    recs = _save(app, n)
    assert agent.authenticate() is None
    return app, agent, recs


def test_pair_is_refused_unless_the_pairing_screen_is_up():
    app = boot(FlashBoard())
    agent = Agent(app)
    from protocol import pairing

    attempt = pairing.AgentPairing("PC-TEST", agent.rng.bytes)
    mtype, _, body = agent.ask(messages.PAIR, attempt.request())
    assert mtype == messages.ERROR and body["code"] == messages.E_PAIRING_FAILED
    print(body["msg"])


def test_pairing_shows_the_code_and_ok_keeps_it_across_a_reboot():
    board = FlashBoard()
    app = boot(board)
    agent = Agent(app)
    code = agent.pair()
    assert len(code) == 6 and app.gate.pairing is not None
    assert app.board.events[-1] == ("EVENT", {"paired": "PC-TEST"})
    screens = [lines[0] for lines in board.display.history]
    assert "Code: %s %s" % (code[:3], code[3:]) in screens, screens
    app2 = boot(board.reboot())
    agent.app = app2
    assert agent.authenticate() is None  # the key came back from flash
    mtype, _, status = agent.ask(messages.STATUS, {})
    assert mtype == messages.STATUS and status["serial"] == "TLA-TEST-0001"


def test_cancel_on_the_code_refuses_and_keeps_nothing():
    board = FlashBoard()
    app = boot(board)
    agent = Agent(app)
    error = agent.pair(confirm=False)
    assert error["code"] == messages.E_PAIRING_FAILED, error
    assert app.gate.pairing is None and not app.storage.fs.exists("pairing")
    assert "Appairage refuse" in [lines[0] for lines in board.display.history]


def test_sealed_requests_without_a_session_get_error_5_in_clear():
    app = boot(FlashBoard())
    agent = Agent(app)
    for mtype in (messages.STATUS, messages.PULL, messages.ACK, messages.OPPOSITION):
        got = agent.exchange(agent.wire(mtype, b"\x00" * 24))
        assert [(t, b["code"]) for t, _, b in got] == [(messages.ERROR, messages.E_NOT_PAIRED)]


def test_an_unpaired_agent_gets_nothing():
    app, paired, recs = _paired(3)
    stranger = Agent(app, seed=99)
    stranger.pairing = __import__("protocol.pairing").pairing.Pairing(
        paired.pairing.pairing_id, b"\x01" * 32, "TLA-TEST-0001"
    )
    error = stranger.authenticate()
    assert error["code"] == messages.E_AUTH_FAILED, error
    # Sealed with a key the terminal does not hold: dropped, never answered.
    from protocol.session import Session

    forged = Session("agent", b"\x02" * 32, b"\x03" * 32, b"\x04" * 32, b"\x05" * 32)
    stranger.session = forged
    assert stranger.exchange(stranger.wire(messages.PULL, sm.pull(0, 8))) == []
    assert app.link.refused == 1
    assert [app.storage.journal.status(r) for r in recs] == [SIGNED] * 3


def test_status_and_set_time():
    app, agent, recs = _paired(4)
    mtype, _, status = agent.ask(messages.STATUS, {})
    assert mtype == messages.STATUS
    assert sm.read_status(status) is status
    assert (status["next"], status["first"], status["unacked"]) == (5, 1, 4)
    mtype, _, reply = agent.ask(messages.SET_TIME, sm.set_time(1800000000))
    assert reply == {"time": 1800000000} and app.board.clock.now() == 1800000000
    mtype, _, error = agent.ask(messages.SET_TIME, {"time": 5})
    assert mtype == messages.ERROR and error["code"] == messages.E_BAD_BODY


def test_the_stream_carries_certificates_then_every_sheet_within_the_credit():
    app, agent, recs = _paired(12)
    entries, puller = agent.pull(window=2)
    kinds = [e[0] for e in entries]
    assert kinds == [CERT, CERT] + [SHEET] * 12 + [END], kinds
    assert [e[1] for e in entries if e[0] == SHEET] == recs
    assert entries[2][2] == bytes([0]) * 350
    # Full frames: all but the last carry RECORDS_CHUNK bytes.
    assert puller.bytes > (puller.frames - 1) * sm.RECORDS_CHUNK
    print("frames", puller.frames, "bytes", puller.bytes)
    # Sent, not acknowledged: "synced"
    assert [app.storage.journal.status(r) for r in recs] == [SYNCED] * 12


def test_ack_marks_exactly_what_it_names_and_rejected_sheets_show():
    app, agent, recs = _paired(6)
    agent.pull()
    body = sm.ack(sm.runs_of(recs[:3]), sm.runs_of([recs[4]]))
    mtype, _, reply = agent.ask(messages.ACK, body)
    assert (mtype, reply) == (messages.ACK, {"ok": 3, "bad": 1})
    j = app.storage.journal
    assert [j.status(r) for r in recs] == [ACKED] * 3 + [SYNCED, REJECTED, SYNCED]
    # The same ACK again changes nothing (its answer was lost).
    assert agent.ask(messages.ACK, body)[2] == {"ok": 0, "bad": 0}
    # The rejected sheet is on the screen; OK marks it seen.
    assert app.owner() is app.rejected
    print(app.board.display.lines)
    app.board.keypad.keys.append("OK")
    app.step()
    assert j.status(recs[4]) == 5 and app.owner() is None
    # A later pull sends only what is not acknowledged.
    entries, _ = agent.pull(after=0)
    assert [e[1] for e in entries if e[0] == SHEET] == [recs[3], recs[5]]


def test_certificates_acknowledged_are_not_sent_again():
    app, agent, recs = _paired(2)
    entries, _ = agent.pull()
    cids = [__import__("protocol.bundle").bundle.cert_id(e[2]) for e in entries if e[0] == CERT]
    agent.ask(messages.ACK, sm.ack(certs=cids))
    entries, _ = agent.pull()
    assert [e[0] for e in entries] == [SHEET, SHEET, END]


def test_a_new_pull_restarts_the_stream_after_the_given_record():
    app, agent, recs = _paired(8)
    entries, _ = agent.pull(after=recs[4])
    assert [e[1] for e in entries if e[0] == SHEET] == recs[5:]


def test_replayed_reordered_and_flipped_frames_are_dropped():
    app, agent, recs = _paired(1)
    first = agent.wire(messages.STATUS, {})
    second = agent.wire(messages.STATUS, {})
    assert len(agent.exchange(second)) == 1
    assert agent.exchange(first) == [], "a frame sealed before the last accepted"
    assert agent.exchange(second) == [], "the same frame again"
    flipped = bytearray(agent.wire(messages.STATUS, {}))
    flipped[12] ^= 0x04
    from _session_kit import raw_of, wire_of

    raw = raw_of(bytes(flipped))
    assert agent.exchange(wire_of(raw[:-4])) == [], "one bit changed, CRC recomputed"
    assert app.link.refused == 3
    assert len(agent.exchange(agent.wire(messages.STATUS, {}))) == 1  # the next good one


def test_the_agent_refuses_a_replayed_terminal_frame():
    app, agent, recs = _paired(1)
    app.board.port.feed(agent.wire(messages.STATUS, {}))
    app.step()
    wire = app.board.port.take()
    from _session_kit import decode_one

    assert agent.session.open_body(decode_one(wire))["serial"] == "TLA-TEST-0001"
    raises(ReplayError, agent.session.open_body, decode_one(wire))


def test_access_log_entries_after_a_number_then_dropped_on_ack():
    app, agent, recs = _paired(0)
    log = app.storage.access_log
    for i in range(180):  # more than one file of the log (about 16 KiB each)
        log.record(1795000000 + i, PRO, "vitale", "1000000%03d" % i, "identite, droits")
    got = []
    after = 0
    while True:
        mtype, _, reply = agent.ask(messages.ACCESS_LOG, sm.log_request(after))
        bodies, more = sm.read_log_reply(reply)
        got += bodies
        after += len(bodies)
        if not more:
            break
    assert len(got) == 180 and after == 180
    import hashlib

    for i in range(1, len(got)):
        assert got[i][:32] == hashlib.sha256(got[i - 1]).digest()
    agent.ask(messages.ACK, sm.ack(log=180))
    assert len(log) < 180  # whole old files went; the chain continues from its base
    assert log.verify() == len(log)


def test_unpairing_from_the_menu_ends_every_session():
    app, agent, recs = _paired(1)
    keys = app.board.keypad.keys
    keys.extend(["MENU", "2"])
    app.step()
    app.step()
    assert app.board.display.lines[0] == "Desappairer le PC"
    keys.append("OK")
    app.step()
    assert app.gate.pairing is None and not app.storage.fs.exists("pairing")
    got = agent.exchange(agent.wire(messages.STATUS, {}))
    assert [(t, b["code"]) for t, _, b in got] == [(messages.ERROR, messages.E_NOT_PAIRED)]
    agent.session = None
    error = agent.authenticate()
    assert error["code"] == messages.E_NOT_PAIRED
    print(error["msg"])


def test_after_a_reboot_the_session_is_gone_but_the_sheets_and_marks_stay():
    board = FlashBoard()
    app = boot(board)
    agent = Agent(app)
    agent.pair()
    recs = _save(app, 3)
    agent.authenticate()
    agent.pull()
    agent.ask(messages.ACK, sm.ack(sm.runs_of(recs[:1])))
    app = boot(board.reboot())
    agent.app = app
    got = agent.exchange(agent.wire(messages.STATUS, {}))
    assert got[0][2]["code"] == messages.E_NOT_PAIRED
    agent.session = None
    assert agent.authenticate() is None
    j = app.storage.journal
    assert [j.status(r) for r in recs] == [ACKED, SYNCED, SYNCED]


def test_malformed_sync_bodies_get_error_3_sealed():
    app, agent, recs = _paired(2)
    for mtype, body in (
        (messages.PULL, {"after": -1, "upto": 3}),
        (messages.ACK, {"ok": [[5, 0]]}),
        (messages.ACK, {"ok": [[9, 1], [3, 1]]}),
        (messages.ACK, {"certs": [b"short"]}),
        (messages.ACCESS_LOG, {"after": "x"}),
        (messages.OPPOSITION, {"v": 1, "i": 0, "full": True, "add": b"\x00" * 7}),
    ):
        mtype, _, reply = agent.ask(mtype, body)
        assert mtype == messages.ERROR and reply["code"] == messages.E_BAD_BODY, reply
    j = app.storage.journal
    assert [j.status(r) for r in recs] == [SIGNED, SIGNED]


def test_credit_granted_after_the_end_sends_nothing_more():
    app, agent, recs = _paired(5)
    entries, puller = agent.pull()
    assert puller.ended
    late = agent.wire(messages.PULL, sm.pull(puller.start_after, puller.upto + 6), puller.seq)
    assert agent.exchange(late) == []  # the same stream: it is over
