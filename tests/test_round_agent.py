"""The PC's side of the round (host_agent/round_plan.py, store_round.py, sync_round.py,
cli_round.py): prescriptions typed badly are refused with a sentence; a round prepared is
sent by the sync once, then not again; a round the terminal refuses (no room above its
flash reserve) is said in one line, the terminal keeps its previous round and the PC
keeps the new one pending; the commands fail in one line on unknown terminals and
prescriptions kept twice."""

import subprocess
import sys

import pytest

from firmware import round_store
from host_agent import round_plan
from tests import sync_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
NURSE = "10006543218"
MARTIN = "170047511223384"


def _prescription(**changes):
    args = dict(
        professional=NURSE,
        insured=MARTIN,
        dependant="",
        name="Martin Paul",
        prescriber="10009876543",
        day=20261102,
        ref="1102",
        acts="AMI 2 1 + IFD",
        sessions=10,
    )
    args.update(changes)
    return round_plan.new_prescription(**args)


def test_a_prescription_is_checked_as_it_is_typed():
    p = _prescription()
    assert p["acts"] == "AMI 200 1,IFD 100 0" and p["name"] == "MARTIN PAUL"
    assert round_plan.parse_acts("ami 1,5 2; ifd") == "AMI 150 2,IFD 100 0"
    for changes, words in (
        ({"acts": "XYZ 2"}, "not in the nomenclature"),
        ({"acts": "AMI two"}, "is not CODE"),
        ({"acts": "+".join(["IFD"] * 9)}, "1 to 8 acts"),
        ({"insured": "1700475112233"}, "15 digits"),
        ({"insured": "170047511223385"}, "NIR key is wrong"),  # one digit off: another patient
        ({"dependant": "2018-03-05"}, "BIRTHDATE/BIRTHRANK"),
        ({"name": "X" * 25}, "1 to 24 ASCII"),
        ({"prescriber": "123"}, "9 or 11 digits"),
        ({"ref": "A1"}, "1 to 20 digits"),
        ({"sessions": 0}, "1 to 999"),
        ({"professional": "1234"}, "11 digits"),
    ):
        with pytest.raises(ValueError, match=words):
            _prescription(**changes)


def _round_for(world, store, only=()):
    return round_plan.prepare_for(store, kit.SERIAL, NURSE, kit.lots_kit.DAY, only)[0]


def test_the_sync_sends_a_round_once_and_a_refused_one_stays_pending(tmp_path):
    world, store, root = kit.paired_world(tmp_path, flash_blocks=48)
    store.add_prescription(_prescription())
    store.add_prescription(_prescription(insured="285056912304514", name="DUPONT LEA", ref="7"))
    first = _round_for(world, store)
    summary = kit.agent(world, store, root).run()
    assert summary.round_sent == (first, kit.lots_kit.DAY, 2) and summary.round_refused is None
    held = round_store.of(world.app.storage)
    assert held.id == first and held.count == 2
    assert store.round_row(first)["sent"] is not None
    again = kit.agent(world, store, root).run()
    assert again.round_sent is None and again.round_refused is None  # nothing to send

    # The terminal's flash fills up: the next round does not fit above its reserve.
    fs, j = world.app.storage.fs, world.app.storage.journal
    while j.free_bytes() > j.reserve_bytes + 8192 + 4096:
        f = fs.open("filler", "ab")
        f.write(b"\x5a" * 4096)
        f.close()
    second = _round_for(world, store, only=(MARTIN,))
    refused = kit.agent(world, store, root).run()
    assert refused.round_sent is None
    assert "does not fit above the flash reserve: previous round kept" in refused.round_refused
    assert round_store.of(world.app.storage).id == first  # the previous round kept
    assert store.pending_round(store.terminal_row(kit.SERIAL)["id"])["id"] == second
    store.close()


def _cli(*args, db):
    return subprocess.run(
        AGENT + list(args) + ["--db", str(db)], capture_output=True, text=True, timeout=120
    )


def test_the_round_commands_fail_in_one_line(tmp_path):
    world, store, _ = kit.paired_world(tmp_path)
    db = store.path
    store.close()
    args = [
        "round", "prescription", "--professional", NURSE, "--insured", MARTIN,
        "--name", "MARTIN PAUL", "--prescriber", "10009876543", "--date", "2026-11-02",
        "--ref", "1102", "--acts", "AMI 2 1 + IFD", "--sessions", "3",
    ]  # fmt: skip
    assert _cli(*args, db=db).returncode == 0
    twice = _cli(*args, db=db)
    assert twice.returncode == 1 and "already kept" in twice.stderr
    unknown = _cli("round", "prepare", "--terminal", "TLA-NOPE", "--professional", NURSE, db=db)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no terminal TLA-NOPE")
    for proc in (twice, unknown):
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
