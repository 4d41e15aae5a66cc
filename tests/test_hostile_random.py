"""The hostile-terminal suite's seeded random answers (docs/agent.md, "A hostile terminal"):
1,200 syncs against the real firmware in the in-process link simulation (virtual time,
emulator/linksim.py), each with one answer (HELLO, STATUS, SET_TIME, ACCESS_LOG, ACK or a
RECORDS chunk, all sealed by the real session) replaced, changed or cut at random from a
fixed seed; then 15 more over socket:// with the real bytes on a TCP connection. Every sync
ends normally or with SyncError / LinkError (the command's one plain line and its exit
code, docs/agent.md), never another exception; the database stays consistent throughout
and every sheet the terminal saved is filed (or, for an altered RECORDS chunk, quarantined)
exactly once in the end.

Measured: 1,200 simulated syncs in about 5 s: 943 end normally (the change was harmless or
ignored), 250 with LinkError (exit 5), 7 with SyncError exit 2 (another protocol
version)."""

import random
from collections import Counter

from host_agent import check
from host_agent.client import LinkClient, LinkError
from host_agent.errors import SyncError
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.transport import open_port
from protocol import cbor, messages
from tests import sync_kit as kit
from tests.hostile_terminal import HostileTerminal, rewrite_answers

SEED = 20261202
KEYS = (
    "serial",
    "proto",
    "model",
    "fw",
    "time",
    "next",
    "first",
    "unacked",
    "rejected",
    "log",
    "opp",
    "free",
    "entries",
    "more",
    "ok",
    "bad",
    "v",
    "next",
    "step",
)
SEALED = (messages.STATUS, messages.SET_TIME, messages.ACCESS_LOG, messages.ACK)


def random_value(rng, depth=0):
    """A random CBOR value: big and negative ints, markup and control text, bytes, nested."""
    kind = rng.randrange(10 if depth < 2 else 6)
    if kind == 0:
        return rng.choice((0, 1, -1, 2**31, 2**40, 2**53, 2**63, 2**64 - 1, -(2**63)))
    if kind == 1:
        return rng.randrange(-1000, 100000)
    if kind == 2:
        return rng.choice(("", "[/x]", "TLA[/x]", "\x1b[2J", "é" * 300, "a" * 900, "0"))
    if kind == 3:
        return rng.randbytes(rng.choice((0, 1, 31, 32, 33, 64, 400)))
    if kind == 4:
        return rng.choice((True, False, None))
    if kind == 5:
        return bytes(32) + rng.randbytes(rng.randrange(0, 40))
    if kind in (6, 7):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 8))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


def _changed(rng, real):
    """The real answer body, with one field replaced, removed or added, or all replaced;
    small enough for one frame (the terminal could not send more)."""
    body = _change(rng, real)
    return body if len(cbor.encode(body)) <= 1000 else rng.randrange(-5, 5)


def _change(rng, real):
    how = rng.randrange(4)
    if how == 0 or not isinstance(real, dict):
        return random_value(rng)
    body = dict(real)
    key = rng.choice(sorted(body, key=str)) if body and how < 3 else rng.choice(KEYS)
    if how == 2:
        body.pop(key, None)
    else:
        body[key] = random_value(rng)
    return body


def install(app, rng):
    """Make one random answer of the terminal hostile; returns the undo."""
    mtype = rng.choice(SEALED + (messages.HELLO, messages.RECORDS))
    if mtype == messages.RECORDS:
        link = app.link
        real_send = link.send_sealed

        def send_sealed(t, seq, body):
            if t == messages.RECORDS and rng.random() < 0.3:
                body = _changed(rng, body) if rng.random() < 0.5 else _flip(rng, body)
            return real_send(t, seq, body)

        link.send_sealed = send_sealed
        return lambda: setattr(link, "send_sealed", real_send)
    countdown = [rng.randrange(0, 3)]  # which answer of that type

    def rewrite(body, seq, real):
        reply = real()
        if reply is None:
            return None
        countdown[0] -= 1
        if countdown[0] != -1:
            return reply
        if rng.random() < 0.1:
            return rng.choice(SEALED), reply[1]  # an answer of another type
        return reply[0], _changed(rng, reply[1])

    return rewrite_answers(app, mtype, rewrite, sealed=mtype != messages.HELLO)


def _flip(rng, data):
    if not isinstance(data, bytes) or not data:
        return data
    b = bytearray(data)
    b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def _run(syncer, outcomes):
    try:
        syncer.run()
        outcomes["ok"] += 1
    except (SyncError, LinkError) as e:
        text = str(e)
        assert text and "\n" not in text and len(text) < 1000, text
        outcomes["%s exit %d" % (type(e).__name__, getattr(e, "exit", 5))] += 1


def _consistent(store):
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for table in ("sheets", "quarantine"):
        assert (
            store.db.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM %s GROUP BY terminal_id, record_no, bundle "
                "HAVING COUNT(*) > 1)" % table
            ).fetchone()[0]
            == 0
        )


def test_1200_seeded_random_answers_in_the_link_simulation(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 4)
    rng = random.Random(SEED)
    outcomes: Counter = Counter()
    for i in range(1200):
        if i % 150 == 149:
            saved.update(kit.add_sheets(world.app.storage, 2, seed=i))
        undo = install(world.app, rng)
        try:
            _run(kit.agent(world, store, root), outcomes)
        finally:
            undo()
        if i % 100 == 0:
            _consistent(store)
    _consistent(store)
    print(dict(outcomes))
    assert outcomes["ok"] > 0 and len(outcomes) > 2  # the answers did hurt, and not always
    # An honest sync at the end: every sheet saved is filed or (when a RECORDS chunk was
    # altered: authentic bytes, yet not the sheet signed) quarantined, once; none lost,
    # and the terminal marked exactly what the database holds.
    kit.agent(world, store, root).run()
    filed, quarantined = kit.host_records(store)
    assert not set(filed) & set(quarantined)
    assert sorted(set(filed) | set(quarantined)) == sorted(saved)
    assert all(len(v) == 1 for v in quarantined.values())
    assert kit.check_marks(world, store) == []
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report = check.check_database(store.path, root)  # `tla-agent check` finds nothing wrong
    assert report, report.findings


def test_15_seeded_random_answers_over_socket(tmp_path):
    store = Store(tmp_path / "agent.db")
    root = kit.load_root(kit.write_root(tmp_path))
    rng = random.Random(SEED + 1)
    outcomes: Counter = Counter()
    with HostileTerminal(str(tmp_path), "socket", 3, store) as term:
        for _ in range(15):
            undo = install(term.app, rng)
            link = LinkClient(open_port(term.url))
            try:
                _run(Syncer(store, root, link, silence_s=0.5), outcomes)
            finally:
                link.port.close()
                undo()
    _consistent(store)
    print(dict(outcomes))
    assert sum(outcomes.values()) == 15
