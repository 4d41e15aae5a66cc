"""Flash damage is loud, never silent: the terminal and the agent in one process
(emulator/linksim.py), a flash image whose blocks are overwritten as a failing chip would.

What it shows:
- blocks 0-1 (littlefs' superblock pair, the root directory: pairing, marks) overwritten on
  an image holding 30 unsynced sheets: the terminal does not format, shows "Memoire
  endommagee" and refuses visits, HELLO and STATUS say so, and after pairing again the PC
  pulls every sheet the salvage scan finds, byte for byte, and prints one line naming the
  numbers lost; not one byte of the image changed (the salvage writes nothing);
- a journal data block overwritten: the sheets in it are reported by number at every
  sync, the rest are pulled, and new sheets never reuse a number (the PC's highest record
  sent with STATUS raises the numbering too).
"""

import random
from pathlib import Path

from firmware.journal import SIGNED
from firmware.salvage import RawScan
from host_agent.client import LinkClient
from host_agent.store import Store
from host_agent.sync_parts import load_root
from protocol import messages
from tests import sync_kit as kit

BLOCK = 4096


def _overwrite(world, blocks, seed=9):
    rng = random.Random(seed)
    for b in blocks:
        world.flash.seek(b * BLOCK)
        world.flash.write(bytes(rng.getrandbits(8) for _ in range(BLOCK)))


def _hello(world):
    link = LinkClient(world.agent_port(), clock=world.monotonic)
    return link.request(messages.HELLO, {})


def test_superblock_pair_overwritten_is_salvaged_never_formatted(tmp_path: Path, capsys):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 30)
    _overwrite(world, (0, 1))
    fs_bytes = world.flash_blocks * BLOCK  # littlefs' blocks (a raw key block may follow)
    before = world.flash.getvalue()[:fs_bytes]
    world.boot()
    storage = world.app.storage
    assert storage.salvage and storage.journal.can_accept_sheet() is False
    world.run_for(0.1)
    assert world.board.display.lines[0] == "Memoire endommagee", world.board.display.lines
    assert _hello(world)["flash"] == messages.FLASH_UNREADABLE
    if world.app.gate.pairing is None:  # it lived in littlefs' root: pair again (MENU, 1)
        kit.pair_in_world(world, store)
    summary = kit.agent(world, store, root).run()
    filed, quarantined = kit.host_records(store)
    found = {r.rec_no for r in storage.journal.records_after(0, states=None)}
    print("salvaged %d of 30 sheets; agent: %s" % (len(found), summary.damage))
    assert filed == {n: saved[n] for n in found} and not quarantined
    lost = sorted(set(saved) - found)
    assert "flash cannot be mounted" in summary.damage
    for n in lost:  # every sheet not pulled is named to the PC
        assert any(f <= n < f + c for f, c in storage.damaged_runs()), n
    assert store.setting("flash_damage:" + kit.SERIAL) == summary.damage
    assert world.flash.getvalue()[:fs_bytes] == before  # not one byte written in littlefs
    assert len(found) >= 27  # a sheet is lost only where it crossed into block 0 or 1


def test_salvage_scan_finds_records_across_block_boundaries(tmp_path: Path):
    world, _, _ = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 30)
    scan = RawScan(world.board.flash)
    sheets = list(scan.bodies(0x53))
    crossing = [p for _, p in sheets if p[3] != 0xFFFF]  # continued in another block
    found = {int.from_bytes(body[:4], "big") for body, _ in sheets}
    print("%d sheets found, %d across a block boundary" % (len(found), len(crossing)))
    assert found == set(saved) and crossing


def test_a_damaged_journal_block_is_reported_at_every_sync(tmp_path: Path):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, 30)
    # Every block holding sheet 10's first bytes (littlefs' copy-on-write leaves old copies).
    scan = RawScan(world.board.flash)
    ten = (10).to_bytes(4, "big")
    blocks = {p[0] for body, p in scan.bodies(0x53) if body[:4] == ten}
    _overwrite(world, sorted(blocks))
    world.boot()
    storage = world.app.storage
    assert not storage.salvage and storage.damaged_runs()
    lost = [n for f, c in storage.damaged_runs() for n in range(f, f + c)]
    assert 10 in lost
    world.run_for(0.1)
    assert world.board.display.lines[3].startswith("Memoire: ")
    for _ in range(2):  # reported at every sync
        summary = kit.agent(world, store, root).run()
        assert "records lost to the damage" in summary.damage
    filed, _ = kit.host_records(store)
    assert set(filed) | set(lost) >= set(saved)
    assert all(filed[n] == saved[n] for n in filed)
    new = kit.add_sheets(storage, 1)
    assert min(new) > max(saved)  # no number reused
    world.boot()
    assert world.app.storage.damaged_runs() == storage.damaged_runs()  # kept in the log
    assert world.app.storage.journal.status(min(new)) == SIGNED


def test_the_pcs_highest_record_raises_the_terminals_numbering(tmp_path: Path):
    world, store, root = kit.paired_world(tmp_path)
    kit.add_sheets(world.app.storage, 3)
    kit.agent(world, store, root).run()
    t = store.terminal_row(kit.SERIAL)
    with store.transaction() as db:
        db.execute("UPDATE terminals SET cursor = 500 WHERE id = ?", (t["id"],))
    kit.agent(world, store, root).run()
    new = kit.add_sheets(world.app.storage, 1)
    assert min(new) == 501


def test_agent_damage_line_is_plain(tmp_path: Path):
    from host_agent.damage import damage_line

    line = damage_line("TLA-[red]x\x1b", 1, [[3, 1], [7, 3]])
    assert line == "terminal TLA-[red]x?: flash is damaged; records lost to the damage: 3, 7-9"
    assert damage_line("T", 0, []) == ""
    assert isinstance(load_root, object) and Store  # imported for the kit's types
