"""The limits of one sync (host_agent/bounds.py, docs/agent.md "Limits of a sync"): a terminal
sending bad sheets without end, an access log that always says "more", a stream of
certificates, or more bytes than a flash holds: the sync commits what it received, stops
with LimitReached (exit code 7) and one plain sentence naming the limit, and keeps RAM flat
(a batch is committed once it holds `batch_bytes`)."""

import pytest

from host_agent import bounds
from host_agent.errors import EXIT_LIMIT
from protocol import cbor, messages
from protocol import sync_messages as sm
from tests import sync_kit as kit
from tests.hostile_terminal import rewrite_answers


def _limited(tmp_path, n, tamper=(), **limits):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, n, tamper=tamper)
    commits = []
    syncer = kit.agent(
        world, store, root, limits=bounds.Limits(**limits), after_commit=commits.append
    )
    return world, store, syncer, saved, commits


def test_endless_bad_sheets_stop_at_the_quarantine_limit(tmp_path):
    world, store, syncer, saved, commits = _limited(
        tmp_path, 60, tamper=range(60), quarantine=50, batch_bytes=4000
    )
    with pytest.raises(bounds.LimitReached) as stop:
        syncer.run()
    text = str(stop.value)
    assert stop.value.exit_code == EXIT_LIMIT == 7 and "\n" not in text
    assert text.startswith("the sync stopped at its limit of 50 sheets quarantined"), text
    print(text)
    filed, quarantined = kit.host_records(store)
    assert len(quarantined) == 50 and not filed  # kept what it filed, no more
    assert kit.check_marks(world, store) == []  # and the terminal keeps the rest
    # RAM stays flat: no commit held more than batch_bytes and the chunk that passed it,
    # with the record begun in the frame before it (a record straddles two frames).
    held = [sum(len(saved[r]) for r in c) for c in commits]
    straddling = max(len(b) for b in saved.values())
    assert len(commits) > 3 and max(held) <= 4000 + sm.RECORDS_CHUNK + straddling, held
    # The next sync goes on from there (10 left, under the limit).
    kit.agent(world, store, kit.load_root(kit.write_root(tmp_path))).run()
    assert len(kit.host_records(store)[1]) == 60


def test_an_access_log_that_never_ends_stops_at_its_limit(tmp_path):
    world, store, syncer, saved, _ = _limited(tmp_path, 1, log_entries=300)

    def endless(body, seq, real):
        after = body["after"]
        entries = [
            bytes(32) + cbor.encode([after + i, kit.NOW, "", "vitale", "2000000011", "lecture"])
            for i in range(1, 21)
        ]
        return messages.ACCESS_LOG, {"entries": entries, "more": True}

    rewrite_answers(world.app, messages.ACCESS_LOG, endless)
    with pytest.raises(bounds.LimitReached) as stop:
        syncer.run()
    assert "300 access-log entries" in str(stop.value), stop.value
    assert store.db.execute("SELECT COUNT(*) FROM access_log").fetchone()[0] == 300
    assert len(kit.host_records(store)[0]) == 1  # the sheet, filed before


def test_certificates_and_bytes_are_bounded(tmp_path):
    world, store, syncer, saved, _ = _limited(tmp_path, 5, certs=2)
    with pytest.raises(bounds.LimitReached) as stop:
        syncer.run()
    assert "2 new certificates" in str(stop.value)
    assert store.db.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] <= 3
    world, store, syncer, saved, _ = _limited(tmp_path / "b", 20, sync_bytes=9000)
    with pytest.raises(bounds.LimitReached) as stop:
        syncer.run()
    assert "9,000 bytes received" in str(stop.value)
    filed = kit.host_records(store)[0]
    assert 0 < len(filed) < 20 and kit.check_marks(world, store) == []
