"""Format upgrades are tested (docs/testing.md "Format upgrades"): every flash image kept in
tests/fixtures/flash/<format>/ (written by the firmware of that format, tools/flash_fixture.py)
is read by today's firmware, under CPython and micropython: booted on a copy, it syncs with
the PC database kept beside it without pairing again, hands over each sheet left waiting
byte for byte (the digests recorded with the fixture), the access log of its card readings
verified; the round it held is offered, and the sheet saved from it takes the next record
and order numbers; a second sync files it."""

import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from emulator.bench import Bench
from emulator.scenario import play
from emulator.simboard import SimBoard
from emulator.visitday import START, VISIT_EVERY
from emulator.visitday_round import GP, round_visit
from host_agent.client import LinkClient
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.sync_parts import load_root
from host_agent.transport import open_port
from hw import bootloader
from tests import sync_kit as kit

FORMATS = sorted(p for p in (Path(__file__).parent / "fixtures" / "flash").iterdir() if p.is_dir())


def _copy(fixture, tmp):
    """The fixture's image and database, uncompressed into `tmp` (0600: the key block)."""
    out = []
    for name in ("flash.img", "agent.db"):
        dst = tmp / name
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with gzip.open(fixture / (name + ".gz"), "rb") as z, os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(z, f)
        out.append(dst)
    return out


def _sync(bench, store, root):
    link = LinkClient(open_port(bench.port))
    try:
        return Syncer(store, root, link).run()
    finally:
        link.port.close()


def _the_rounds_first_visit():
    """The CPS and its PIN, then the held round's first visit (MARTIN PAUL)."""
    return {
        "name": "next",
        "start": START + 4 * VISIT_EVERY,
        "setup": [
            {"insert": "cps", "card": "gp", "screen": "Code PIN"},
            {"keys": "4827 OK", "screen": "Vitale"},
        ],
        "visits": [{"name": "round", "steps": round_visit("single", "MARTIN PAUL")}],
        "teardown": [{"remove": "cps", "screen": "FSE"}],
    }


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
@pytest.mark.parametrize("fixture", FORMATS, ids=[p.name for p in FORMATS])
def test_todays_firmware_reads_a_kept_format(fixture, interpreter, tmp_path):
    facts = json.loads((fixture / "fixture.json").read_text())
    serial = facts["serial"]
    image, db = _copy(fixture, tmp_path)
    root = load_root(kit.write_root(tmp_path))
    store = Store(db)
    bench = Bench(interpreter, serial, image)
    try:
        bench.boot(30)
        before = set(kit.host_records(store, serial)[0])
        assert before == set(facts["acknowledged"])
        _sync(bench, store, root)  # no pairing: the key kept in the image and the database
        filed, quarantined = kit.host_records(store, serial)
        assert not quarantined
        waiting = {w["rec"]: w["sha256"] for w in facts["waiting"]}
        assert set(filed) == before | set(waiting)
        for rec, digest in waiting.items():
            assert hashlib.sha256(filed[rec]).hexdigest() == digest, "record %d" % rec
        entries = store.access_log(serial)
        assert entries, "the card readings' access log came over"
        saved = play(bench.terminal, _the_rounds_first_visit())
        assert [(s["rec"], s["order"]) for s in saved] == [
            (facts["last_record"] + 1, facts["last_order"][GP] + 1)
        ]
        _sync(bench, store, root)
        filed, _ = kit.host_records(store, serial)
        assert hashlib.sha256(filed[facts["last_record"] + 1]).hexdigest() == saved[0]["sha256"]
        assert len(store.access_log(serial)) > len(entries)
    finally:
        bench.stop()
        store.close()


DAMAGED = [p for p in FORMATS if "damaged" in json.loads((p / "fixture.json").read_text())]


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
@pytest.mark.parametrize("fixture", DAMAGED, ids=[p.name for p in DAMAGED])
def test_a_kept_damage_is_still_reported_and_a_kept_update_still_boots(
    fixture, interpreter, tmp_path
):
    facts = json.loads((fixture / "fixture.json").read_text())
    image, db = _copy(fixture, tmp_path)
    # The update it took: the bootloader boots that slot, whole, confirmed (no trial).
    with open(image, "r+b") as f:
        board = SimBoard(flash_store=f)
        booted = bootloader.choose(board.boot_records(), board.update_slots(), write=False)
        record = board.boot_records().read()
        kept = board.update_slots()[booted.slot].digest(booted.manifest.size)
    update = facts["update"]
    assert (booted.slot, booted.state) == (update["active"], None)
    assert (booted.manifest.version, booted.manifest.counter) == (
        update["version"],
        update["counter"],
    )
    assert record["floor"] == update["counter"] and record["try"] is None
    assert kept.hex() == booted.manifest.sha.hex() == update["image_sha256"]
    store = Store(db)
    bench = Bench(interpreter, facts["serial"], image)
    try:
        bench.boot(30)
        summary = _sync(bench, store, load_root(kit.write_root(tmp_path)))
        lost = ", ".join(
            "%d" % f if c == 1 else "%d-%d" % (f, f + c - 1) for f, c in facts["damaged"]
        )
        assert "records lost to the damage: " + lost in summary.damage, summary.damage
        filed, quarantined = kit.host_records(store, facts["serial"])
        assert not quarantined and not set(filed) & {
            n for f, c in facts["damaged"] for n in range(f, f + c)
        }
    finally:
        bench.stop()
        store.close()
