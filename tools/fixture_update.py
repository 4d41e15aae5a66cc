"""The damage and the update of a flash fixture made with `tools/flash_fixture.py
--damage-and-update` (docs/testing.md "Format upgrades"), on the seeded simulation after the
first sync:

- two sheets more, then every journal block holding the second one's first bytes
  overwritten as a failing chip would: the next boot logs the numbers lost in the damage
  log, the sync pulls the rest and the PC is told which numbers were lost;
- a signed update of board "sim" (TEST keys, version 0.2.0, counter 2) kept on the PC and
  taken at the next sync into the spare slot, the switch once idle, the bootloader's trial
  boot (hw/bootloader.choose), the self-test and the confirmation: the boot record names
  slot 0 active, counter 2 the floor.

The facts returned go into fixture.json: the damaged runs, the boot record's active slot
and floor, the slot's image digest and the update's version.
"""

import hashlib
import random

from emulator import releases, simboot
from emulator.simboard import SimBoard
from firmware.salvage import RawScan
from host_agent import updates
from hw import hal
from tests import sync_kit

BLOCK = 4096
IMAGE = bytes(range(256)) * 40 + b"tla fixture image"  # 10,257 bytes: eleven chunks
UPDATE = ("0.2.0", 2)


def _damage(world, seed):
    """Overwrite every block holding the last sheet's first bytes; boot again."""
    saved = sync_kit.add_sheets(world.app.storage, 2, seed=seed + 5)
    last = max(saved).to_bytes(4, "big")
    blocks = {p[0] for body, p in RawScan(world.board.flash).bodies(0x53) if body[:4] == last}
    rng = random.Random(seed)
    for b in sorted(blocks):
        world.flash.seek(b * BLOCK)
        world.flash.write(bytes(rng.getrandbits(8) for _ in range(BLOCK)))
    world.boot()
    runs = world.app.storage.damaged_runs()
    assert runs, "the damage was not seen"
    return runs


def _boot_as_the_bootloader_chooses(world):
    """The restart after the switch: the bootloader's choice on the flash (emulator/simboot),
    then the App of the version it chose."""
    board = SimBoard(flash_store=world.flash, flash_blocks=world.flash_blocks)
    booted = simboot.boot(board)
    SimBoard.boot_state = booted.state  # the world's next board is booted so
    try:
        with simboot.running(booted):
            world.boot()
    finally:
        SimBoard.boot_state = None
    return booted


def damage_then_update(world, store, root, tmp, seed):
    runs = _damage(world, seed)
    summary = sync_kit.agent(world, store, root).run()
    assert "records lost to the damage" in summary.damage, summary.damage
    bundle = tmp / "release.tlaup"
    bundle.write_bytes(releases.make_bundle("sim", UPDATE[0], UPDATE[1], IMAGE))
    updates.add(store.path, bundle)
    summary = sync_kit.agent(world, store, root).run()
    assert summary.update_sent == UPDATE[0], vars(summary)
    world.boot()  # switched off and on after the sync: the whole image found again,
    again = sync_kit.agent(world, store, root).run()  # and the next sync asks no chunk
    assert again.update_sent == UPDATE[0], vars(again)
    try:
        for _ in range(3):  # idle past the sync's quiet time: the switch
            world.run_for(6)
            world.step()
        raise AssertionError("the terminal did not switch to the update")
    except hal.Restart:
        pass
    booted = _boot_as_the_bootloader_chooses(world)
    assert booted.state == "trial"
    record = world.board.boot_records().read()
    assert record["active"] == booted.slot and record["floor"] == UPDATE[1], record
    filed, _ = sync_kit.host_records(store)
    return {
        # what the PC filed: the journal's headers no longer list every sheet acknowledged
        # before the damage (journal_read.headers() of this image lists none of them)
        "acknowledged": sorted(filed),
        "damaged": runs,
        "update": {
            "version": UPDATE[0],
            "counter": UPDATE[1],
            "active": record["active"],
            "image_sha256": hashlib.sha256(IMAGE).hexdigest(),
        },
    }
