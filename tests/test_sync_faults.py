"""Exactly once, whatever happens: the terminal and the agent in one process over a cable
that drops, flips, truncates, duplicates and cuts frames at seeded points
(emulator/linksim.py), the agent killed (between a commit and its ACK among others), the
terminal rebooted; and each bad input of the sync issue, with its message.

A failing seed replays alone: `python -c "from tests import sync_kit; print(sync_kit.
run_faulty(SEED, Path('/tmp')))"`.
"""

import concurrent.futures
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest

from emulator import procgroup
from emulator.linksim import Faults, Killed
from firmware.journal import ACKED, REJECTED, SIGNED
from host_agent.client import LinkError
from host_agent.errors import EXIT_DATABASE, EXIT_VERSION, SyncError
from host_agent.store import Store, StoreError
from protocol import messages
from tests import sync_kit as kit

SEEDS = 200  # `make bench` runs 1,000
SHM = "/dev/shm" if Path("/dev/shm").is_dir() else None  # the stores' fsyncs cost nothing


def _seeds(seeds):
    out = []
    for seed in seeds:
        with tempfile.TemporaryDirectory(dir=SHM) as tmp:
            problems, stats = kit.run_faulty(seed, Path(tmp))
        out.append((seed, problems, stats))
    return out


def run_seeds(seeds, workers=2):
    """[(seed, problems, stats)] of each seed, on `workers` processes."""
    seeds = list(seeds)
    parts = [seeds[i::workers] for i in range(workers)]
    # The workers die with this process, even when it is killed (no seeds run on alone).
    with concurrent.futures.ProcessPoolExecutor(
        workers, initializer=procgroup.die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        results = [r for part in pool.map(_seeds, parts) for r in part]
    return sorted(results, key=lambda r: r[0])


def test_exactly_once_under_faults_with_200_seeds():
    results = run_seeds(range(SEEDS))
    failed = ["seed %d: %s" % (seed, "; ".join(p[:3])) for seed, p, _ in results if p]
    assert not failed, "\n".join(failed)
    total = {}
    for _, _, stats in results:
        for key, value in stats.items():
            if isinstance(value, dict):
                for k, v in value.items():
                    total[k] = total.get(k, 0) + v
            else:
                total[key] = total.get(key, 0) + value
    print("exactly once over %d seeds: %s" % (SEEDS, total))
    # The runs did meet every kind of trouble.
    for kind in ("drop", "flip", "truncate", "duplicate", "cut", "killed", "reboots", "failed"):
        assert total[kind] > 10, (kind, total)


class _AcksBeforeCommitting(Exception):
    pass


def test_the_check_catches_an_agent_that_acknowledges_before_committing(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    saved = kit.add_sheets(world.app.storage, 6)
    syncer = kit.agent(world, store, root, batch_sheets=4)

    def broken_commit(batch, cert_ids):
        numbers = [r.record for r in batch.accepted]
        syncer._send_ack(numbers, [], cert_ids)  # ACK first...
        world.run_for(0.5)
        raise Killed("...and the agent dies before committing")

    syncer._commit = broken_commit
    with pytest.raises(Killed):
        syncer.run()
    problems = kit.check_marks(world, store)
    assert problems and "not filed" in problems[0], problems
    assert kit.check_exactly_once(world, store, saved)


def test_agent_killed_between_commit_and_ack_then_nothing_is_sent_twice(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    saved = kit.add_sheets(world.app.storage, 20)

    committed = []

    def kill(rec_nos):
        committed.extend(rec_nos)
        raise Killed("kill -9 between the commit and the ACK")

    with pytest.raises(Killed):
        kit.agent(world, store, root, batch_sheets=8, after_commit=kill).run()
    store.close()
    store = Store(store.path)
    assert 8 <= len(committed) < 20
    assert ACKED not in [kit.terminal_states(world)[r] for r in committed]  # never told
    summary = kit.agent(world, store, root).run()
    assert summary.confirmed == len(committed)  # acknowledged again from the database, first
    assert not set(committed) & set(summary.received_records), "sent twice over the line"
    assert sorted(summary.received_records) == sorted(set(saved) - set(committed))
    assert kit.check_exactly_once(world, store, saved) == []


def test_a_sheet_tampered_on_the_terminals_flash_lands_in_quarantine(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    saved = kit.add_sheets(world.app.storage, 5)
    victim = sorted(saved)[2]
    kit.tamper_on_flash(world.app.storage, victim)
    world.boot()  # the journal mounts the altered file: its CRC is right
    changed = world.app.storage.journal.get(victim).payload
    assert changed != saved[victim]
    saved[victim] = changed
    summary = kit.agent(world, store, root).run()
    assert (summary.filed, summary.rejected) == (4, 1)
    assert kit.check_exactly_once(world, store, saved, {victim}) == []
    reason = store.quarantined()[0]["reason"]
    assert "signature" in reason or "malformed" in reason, reason
    print(reason)
    # The terminal shows it, until the professional has seen it.
    assert world.app.owner() is world.app.rejected
    assert world.board.display.lines[1].startswith("Feuille no")


def test_a_terminal_reboot_mid_sync_costs_a_new_session_only(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    saved = kit.add_sheets(world.app.storage, 30)
    reboots = []

    def reboot(rec_nos):
        if not reboots:
            reboots.append(world.boot())

    summary = kit.agent(world, store, root, batch_sheets=10, after_commit=reboot).run()
    assert reboots and summary.filed == 30
    assert kit.check_exactly_once(world, store, saved) == []


def test_an_unpaired_agent_gets_nothing(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    saved = kit.add_sheets(world.app.storage, 3)
    stranger = Store(tmp_path / "stranger.db")
    with pytest.raises(SyncError, match="not paired with this PC"):
        kit.agent(world, stranger, root).run()
    # A stolen pairing id with a guessed key: AUTH fails, nothing leaves the terminal.
    pairing = store.pairing(kit.SERIAL)
    from protocol.pairing import Pairing

    stranger.save_pairing(kit.SERIAL, Pairing(pairing.pairing_id, b"\x07" * 32, kit.SERIAL), "x")
    with pytest.raises(SyncError, match="did not accept this PC's pairing key"):
        kit.agent(world, stranger, root).run()
    assert stranger.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0] == 0
    assert set(kit.terminal_states(world).values()) == {SIGNED}
    assert kit.agent(world, store, root).run().filed == len(saved)


def test_a_terminal_paired_with_another_pc(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    kit.add_sheets(world.app.storage, 3)
    other = Store(tmp_path / "other-pc.db")
    kit.pair_in_world(world, other)
    with pytest.raises(SyncError, match="paired with another PC or was unpaired") as e:
        kit.agent(world, store, root).run()
    print(e.value)
    assert set(kit.terminal_states(world).values()) == {SIGNED}
    assert kit.agent(world, other, root).run().filed == 3


def test_wrong_protocol_version(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    kit.add_sheets(world.app.storage, 2)
    hello = world.app.link.handlers[messages.HELLO]

    def newer(body, seq):
        mtype, reply = hello(body, seq)
        return mtype, dict(reply, proto=2)

    world.app.link.handlers[messages.HELLO] = newer
    with pytest.raises(SyncError, match="speaks protocol 2, this agent speaks 1") as e:
        kit.agent(world, store, root).run()
    assert e.value.exit_code == EXIT_VERSION
    assert set(kit.terminal_states(world).values()) == {SIGNED}


def test_a_corrupted_database_file(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    kit.add_sheets(world.app.storage, 3)
    kit.agent(world, store, root).run()
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(store.path.read_bytes())
    for i in range(4096, len(data), 4096):
        data[i : i + 40] = b"\xa5" * 40  # every page but the first: its b-tree header damaged
    store.path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="restore it from a backup") as e:
        Store(store.path)
    print(e.value)
    store.path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="is it a tla database"):
        Store(store.path)


def test_a_full_disk_files_nothing_half_and_the_terminal_keeps_its_sheets(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 12)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute("PRAGMA max_page_count = %d" % (pages + 1))  # the disk is about full
    with pytest.raises(SyncError, match="full") as e:
        kit.agent(world, store, root).run()
    assert e.value.exit_code == EXIT_DATABASE
    print(e.value)
    assert store.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert store.db.execute("SELECT COUNT(*) FROM sheets").fetchone()[0] == 0
    assert set(kit.terminal_states(world).values()) <= {SIGNED, 2}  # sent, not acknowledged
    store.db.execute("PRAGMA max_page_count = 1073741823")  # room again
    kit.agent(world, store, root).run()
    assert kit.check_exactly_once(world, store, saved) == []


def test_a_port_that_vanishes_mid_sync(tmp_path, db_where):
    world, store, root = kit.paired_world(tmp_path, db=db_where)
    saved = kit.add_sheets(world.app.storage, 40)

    def unplug(rec_nos):
        world.faults.dead_until = float("inf")  # the cable is pulled for good

    with pytest.raises(LinkError, match="stopped answering|no answer") as e:
        kit.agent(world, store, root, batch_sheets=16, after_commit=unplug).run()
    print(e.value)
    assert store.server or store.db.execute("PRAGMA quick_check").scalar() == "ok"
    assert kit.check_marks(world, store) == []
    status = store.db.execute("SELECT status, error FROM sync_sessions").fetchall()
    assert status[-1][0] == "interrupted"
    world.faults.quiet()
    kit.agent(world, store, root).run()
    assert kit.check_exactly_once(world, store, saved) == []


def test_a_replayed_agent_frame_on_the_simulated_line_is_refused(tmp_path):
    faults = Faults(__import__("random").Random(1), duplicate=1.0)
    world, store, root = kit.paired_world(tmp_path)
    world.t2h.faults = world.h2t.faults = faults
    saved = kit.add_sheets(world.app.storage, 10)
    kit.agent(world, store, root).run()
    assert world.app.link.refused > 5  # every sealed frame came twice: the copy refused
    assert kit.check_exactly_once(world, store, saved) == []


def test_sqlite_errors_are_plain_sentences(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    kit.add_sheets(world.app.storage, 1)
    store.db.execute("DROP TABLE quarantine")  # a database someone edited by hand
    with pytest.raises(SyncError, match="cannot write the database") as e:
        kit.agent(world, store, root).run()
    assert isinstance(e.value.__cause__, sqlite3.Error)
    assert set(kit.terminal_states(world).values()) <= {SIGNED, 2}
    assert REJECTED not in kit.terminal_states(world).values()


def test_a_malformed_answer_stops_the_sync_as_a_link_error_and_loses_nothing(tmp_path, monkeypatch):
    from protocol import sync_messages
    from protocol.security_errors import MalformedMessage

    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 5)

    def malformed(reply):
        raise MalformedMessage("an ACCESS_LOG answer is a map")

    with monkeypatch.context() as m:
        m.setattr(sync_messages, "read_log_reply", malformed)
        with pytest.raises(LinkError, match="an answer this agent cannot read"):
            kit.agent(world, store, root).run()
    kit.agent(world, store, root).run()
    assert kit.check_exactly_once(world, store, saved) == []
