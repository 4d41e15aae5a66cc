"""ROUND through the terminal's sealed link (both interpreters): a round in chunks, stored
and found again after a reboot, replaced whole by the next one (the visits done go with
it), queried for the visits done; and every bad round refused with a plain message, the
previous round kept: another terminal, a prescription used up, no room above the flash
reserve, entries that do not match their digest, hostile fields; none without a session."""

from _roundkit import PRESC, SERIAL, gp_martin, keyed, other
from _sync_agent import Agent, FlashBoard, boot

from firmware import round_store
from protocol import messages
from protocol import round as rp

PRO = "10001234565"
DAY = 20261118


def _paired(blocks=96):
    app = boot(FlashBoard(blocks=blocks))
    agent = Agent(app)
    agent.pair()
    assert agent.authenticate() is None
    return app, agent


def _send(agent, entries, round_id=1, serial=SERIAL, tamper=None):
    """Every chunk of a round; the last reply (type, body)."""
    bodies = rp.chunks(round_id, serial, PRO, DAY, entries)
    if tamper is not None:
        tamper(bodies)
    for body in bodies:
        mtype, _, reply = agent.ask(messages.ROUND, body)
        if mtype != messages.ROUND:
            return mtype, reply
    return mtype, reply


def _held(agent):
    mtype, _, reply = agent.ask(messages.ROUND, rp.query())
    assert mtype == messages.ROUND, reply
    return rp.read_reply(reply)


def _day(n, first=0):
    return [other("PATIENT %d" % (first + i), keyed("1%012d" % (first + i))) for i in range(n)]


def test_a_round_is_stored_in_chunks_and_kept_across_a_reboot():
    app, agent = _paired()
    assert _held(agent) == (0, 0, 0, [])
    entries = _day(19) + [gp_martin()]
    mtype, reply = _send(agent, entries)
    assert mtype == messages.ROUND and reply == {"id": 1, "next": 3}, reply
    assert app.board.events[-1] == ("EVENT", {"round": 1, "entries": 20})
    assert _held(agent) == (1, 0, DAY, [])
    again = boot(app.board.reboot())
    store = round_store.of(again.storage)
    assert (store.id, store.day, store.professional, store.count) == (1, DAY, PRO, 20)
    assert [e for _, e in store.entries()] == entries


def test_the_next_round_replaces_the_old_whole_and_its_visits_done_go_with_it():
    app, agent = _paired()
    _send(agent, _day(10))
    round_store.of(app.storage).mark_done(3, 41)
    assert _held(agent) == (1, 0, DAY, [[3, 41]])
    mtype, reply = _send(agent, _day(4, 100), round_id=2)
    assert reply["id"] == 2
    assert _held(agent) == (2, 0, DAY, [])
    store = round_store.of(boot(app.board.reboot()).storage)
    assert store.id == 2 and store.done == {}
    assert [e[2] for _, e in store.entries()] == ["PATIENT %d" % i for i in range(100, 104)]
    # An empty round clears it.
    _send(agent, [], round_id=3)
    assert _held(agent)[0] == 0 and not app.storage.fs.exists(round_store.PATH)


def _refused(agent, code, words, entries=None, **options):
    mtype, reply = _send(agent, entries if entries is not None else _day(9, 50), 2, **options)
    assert mtype == messages.ERROR and reply["code"] == code, reply
    assert words in reply["msg"], reply
    assert _held(agent)[0] == 1  # the previous round is kept
    return reply


def test_bad_rounds_are_refused_and_the_previous_round_kept():
    app, agent = _paired()
    _send(agent, _day(3))
    _refused(agent, messages.E_ROUND, "round for terminal TLA-OTHER", serial="TLA-OTHER")
    used_up = _day(9, 50)
    used_up[8] = gp_martin(left=0, presc=PRESC)
    _refused(agent, messages.E_ROUND, "already used up", used_up)

    def wrong_digest(bodies):
        bodies[-1]["sha"] = bytes(32)

    _refused(agent, messages.E_BAD_BODY, "digest", tamper=wrong_digest)

    def more_than_announced(bodies):
        bodies[0]["n"] = 2

    _refused(agent, messages.E_BAD_BODY, "more than", tamper=more_than_announced)
    for field, value, words in (
        ("nir", "17004751122338", "the NIR must be 15 digits"),  # 14 digits
        ("name", "X" * 25, "the name must be text of at most 24"),
        ("name", "caf\u00e9", "the name must be printable ASCII"),
        ("acts", [], "the acts must be a list of 1 to 8"),
        ("acts", [["AMI", -1, 0]], "a coefficient must be an integer from 0"),
        ("pay", 2, "the payment must be an integer from 0 to 1"),
        ("ben", [20181305, 1], "the birth date is not a date"),
        ("ben", [20260231, 1], "the birth date is not a date"),  # 31 February
        # Digits of another script: CPython's isdigit() took them, MicroPython's did not.
        ("nir", "\u0661" * 15, "the NIR must be 15 digits"),  # Arabic-Indic
        ("sit", "\uff17" + "51234560", "the practice situation must be 9 digits"),  # fullwidth
        ("presc", [20261102, "1000987654\u096b", "1102"], "the prescriber must be 9 or 11"),
        ("presc", [20261102, "10009876543", "11\u0660\u0662"], "reference must be printable"),
        ("name", "MARTIN\u00a0PAUL", "the name must be printable ASCII"),  # no-break space
        ("name", "MARTIN\x00", "the name must be printable ASCII"),
        ("acts", [["AM\u0131", 200, 1]], "an act code must be printable ASCII"),  # dotless i
    ):
        bad = _day(2, 70)
        i = ("nir", "ben", "name", "sit", "acts", "presc", "left", "pay", "exo").index(field)
        bad[1][i] = value
        _refused(agent, messages.E_BAD_BODY, words, bad)
    # The fund (issue 23, a 10th item: rounds of 9 stay readable): 9 ASCII digits or "".
    for value, words in (
        ("01175000", "the fund must be 9 digits"),
        (11750000, "the fund must be 9 digits"),
        ("\uff10" + "11750000", "the fund must be 9 digits"),  # a fullwidth digit
        (None, "the fund must be 9 digits"),
        ("001750000", "the fund 001750000 is no fund's code"),  # no scheme 00
    ):
        bad = _day(2, 70)
        bad[1].append(value)
        _refused(agent, messages.E_BAD_BODY, words, bad)
    bad = _day(2, 70)
    bad[1] += ["011750000", 1]
    _refused(agent, messages.E_BAD_BODY, "a round entry must be a list of 9 to 10", bad)
    assert not app.storage.fs.exists(round_store.NEW)  # nothing half-received lingers
    store = round_store.of(boot(app.board.reboot()).storage)
    assert store.id == 1 and store.count == 3


def test_a_round_with_funds_is_kept_and_an_old_one_reads_the_same():
    app, agent = _paired()
    old = _day(3)
    assert [len(e) for e in old] == [9, 9, 9]  # no fund: the bytes of the first rounds
    with_funds = _day(3)
    with_funds[0].append("011750000")
    with_funds[1].append("")  # the PC knows no fund of this one
    _send(agent, with_funds)
    got = [e for _, e in round_store.of(app.storage).entries()]
    assert [rp.fund_of(e) for e in got] == ["011750000", None, None]
    # The largest chunk with funds still fits a sealed frame.
    big = [
        rp.entry(
            "1" * 15, [20180305, 2], "X" * rp.MAX_NAME, "751234560",
            [("AMIX", 100000, 2)] * rp.MAX_ACTS, [20261102, "1" * 11, "9" * 20], 999, 1, 4,
            "011750000",
        )
        for _ in range(rp.PER_CHUNK)
    ]  # fmt: skip
    from protocol import cbor, session

    body = rp.chunks(7, SERIAL, PRO, DAY, big)[0]
    assert len(cbor.encode(body)) <= session.MAX_PLAINTEXT, len(cbor.encode(body))


def test_a_round_too_large_for_the_flash_reserve_is_refused():
    app, agent = _paired(blocks=48)
    assert _send(agent, _day(2))[1] == {"id": 1, "next": 1}
    fs = app.storage.fs
    j = app.storage.journal
    while j.free_bytes() > j.reserve_bytes + 8192 + 4096:
        f = fs.open("filler", "ab")
        f.write(b"\xa5" * 4096)
        f.close()
    _refused(agent, messages.E_ROUND, "flash reserve", _day(40, 200))


def test_round_needs_an_open_session():
    app = boot(FlashBoard())
    agent = Agent(app)
    agent.pair()
    mtype, _, reply = agent.ask(messages.ROUND, rp.query())
    assert mtype == messages.ERROR and reply["code"] == messages.E_NOT_PAIRED


def test_a_damaged_round_is_never_used():
    app, agent = _paired()
    _send(agent, _day(5))
    fs = app.storage.fs
    f = fs.open(round_store.PATH, "rb")
    data = bytearray(f.read())
    f.close()
    data[40] ^= 0x01  # inside an entry: its record's CRC fails
    f = fs.open(round_store.PATH, "wb")
    f.write(data)
    f.close()
    again = boot(app.board.reboot())
    store = round_store.of(again.storage)
    assert store.id == 0 and store.problems == [
        "tournee illisible: effacee, a renvoyer depuis le PC"
    ]
    assert not again.storage.fs.exists(round_store.PATH)


def test_a_visit_taken_when_the_power_went_is_settled_against_the_journal():
    app, agent = _paired()
    _send(agent, _day(4))
    store = round_store.of(app.storage)
    j = app.storage.journal
    n = j.next_rec_no
    store.mark_taken(0, n)  # the cards signed, the sheet saved, then the power went
    order = j.reserve_order(PRO)
    assert j.append_sheet(b"\x01" * 300, order, PRO, DAY, False) == n
    store.mark_taken(1, n + 1)  # the power went while the cards signed: no sheet
    again = boot(app.board.reboot())
    settled = round_store.of(again.storage)
    assert settled.done == {0: n} and settled.taken == {}
    # The next sheet gets number n + 1: entry 1 is not taken for done by it.
    j = again.storage.journal
    assert j.append_sheet(b"\x02" * 300, j.reserve_order(PRO), PRO, DAY, False) == n + 1
    third = round_store.of(boot(again.board.reboot()).storage)
    assert third.done == {0: n} and 1 not in third.done
