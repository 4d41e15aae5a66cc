"""Write a flash-format fixture (docs/testing.md "Format upgrades"): a terminal's flash image
as today's firmware leaves it, and the PC it is paired with, into FOLDER:

- `flash.img.gz`: the unix board's image (littlefs' 512 blocks and the key block after them)
  holding the journal (3 nurse's sheets synced and acknowledged, their marks, then 3 visits
  of the gp's day saved and not yet pulled), the certificate store, the access log of the card readings, the key
  block (the terminal's pairing key) and a round held for the day (3 visits);
- `agent.db.gz`: the PC's database, paired with that terminal, holding the 3 synced sheets;
- `fixture.json`: what the test checks: the SHA-256 of each sheet waiting in the flash, the
  last record number and the last order number of each professional.

Deterministic where the firmware lets it be: the pairing and the first sheets run on the
in-process simulation (emulator/linksim.py: virtual clock, every random byte drawn from
`--seed`: the terminal's key block and the session nonces). The sheets waiting are real
visits (emulator/scenarios/day.json: the CPS, its PIN, the Vitale card, both signing) on the
emulated terminal; their signatures (ECDSA, random k) and their seconds differ from one run
to the next, so a run writes other bytes, as valid: the test checks the digests recorded
here, never a regeneration.

Run: .venv/bin/python tools/flash_fixture.py tests/fixtures/flash/v1
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulator.linksim import World  # noqa: E402
from emulator.scenario import DAY, play_file  # noqa: E402
from emulator.visitday_round import install  # noqa: E402
from firmware import round_store  # noqa: E402
from host_agent.store import Store  # noqa: E402
from hw._compat import mount_littlefs  # noqa: E402
from hw.flash import NorFlash  # noqa: E402
from tests import sync_kit  # noqa: E402

SERIAL = sync_kit.SERIAL  # the sheets add_sheets signs name this terminal: the PC checks it
WAITING = 3  # the first visits of the demo's day (the gp's CPS): sheets 1-3 of its orders
BLOCKS = 512


def make(folder: Path, seed: int, damage_and_update=False):
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tla-fixture-") as tmp:
        image = Path(tmp) / "flash.img"
        db = Path(tmp) / "agent.db"
        extra = _paired_and_synced(image, db, seed, Path(tmp), damage_and_update)
        day = json.loads(DAY.read_text())
        day["visits"] = day["visits"][:WAITING]
        visits = Path(tmp) / "visits.json"
        visits.write_text(json.dumps(day))
        waiting, _ = play_file(visits, "cpython", flash=image, serial=SERIAL)
        _hold_a_round(image, seed)  # after the visits: a round held offers its own
        facts = _facts(image, waiting)
        facts.update(extra)
        for src, dst in ((image, "flash.img.gz"), (db, "agent.db.gz")):
            with open(src, "rb") as f, gzip.GzipFile(folder / dst, "wb", mtime=0) as z:
                shutil.copyfileobj(f, z)
    (folder / "fixture.json").write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n")
    return facts


def _paired_and_synced(image, db, seed, tmp, damage_and_update=False):
    """Pair the terminal with a fresh PC database, save 3 sheets and sync them
    (acknowledged: the marks written), on the seeded simulation; with `damage_and_update`,
    then the damage and the update of fixture_update.py. The facts it adds to fixture.json."""
    flash = io.BytesIO()
    world = World(serial=SERIAL, flash=flash, seed=seed)
    store = Store(db)
    extra = {}
    try:
        sync_kit.pair_in_world(world, store)
        sync_kit.add_sheets(world.app.storage, 3, seed=seed)
        root = sync_kit.load_root(sync_kit.write_root(tmp))
        sync_kit.agent(world, store, root).run()
        if damage_and_update:
            from tools import fixture_update

            extra = fixture_update.damage_then_update(world, store, root, tmp, seed)
        world.board.flash.store.flush()
    finally:
        store.close()
    _write_private(image, flash.getvalue())
    return extra


def _hold_a_round(image, seed):
    """The day's round (3 visits, emulator/visitday_round.py) given to the round store as
    the sync gives it, on the image booted again."""
    flash = io.BytesIO(image.read_bytes())
    world = World(serial=SERIAL, flash=flash, seed=seed + 1)
    rounds = round_store.of(world.app.storage)
    assert rounds is not None
    install(rounds, SERIAL, 3, lambda: 1 << 20, 0)
    world.board.flash.store.flush()
    _write_private(image, flash.getvalue())


def _write_private(path, data):
    """The image holds the key block: 0600 from its creation (docs/board.md)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _facts(image, waiting):
    from firmware.journal import Journal

    flash = NorFlash(io.BytesIO(image.read_bytes()), block_count=BLOCKS)
    journal = Journal(mount_littlefs(flash, False))
    headers = list(journal.headers(None))
    orders = {}
    for h in headers:
        orders[h.pro_id] = max(orders.get(h.pro_id, 0), h.order_no)
    return {
        "serial": SERIAL,
        "made_by": "tools/flash_fixture.py",
        "waiting": [{"rec": s["rec"], "order": s["order"], "sha256": s["sha256"]} for s in waiting],
        "acknowledged": sorted(
            h.rec_no for h in headers if h.rec_no not in {s["rec"] for s in waiting}
        ),
        "last_record": max(h.rec_no for h in headers),
        "last_order": orders,
        "image_sha256": hashlib.sha256(image.read_bytes()).hexdigest(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write (tests/fixtures/flash/NAME)")
    parser.add_argument("--seed", type=int, default=22, help="the simulation's random draws")
    parser.add_argument(
        "--damage-and-update",
        action="store_true",
        help="also a journal block damaged and reported, then a signed update taken and "
        "confirmed (tools/fixture_update.py)",
    )
    args = parser.parse_args()
    facts = make(args.folder, args.seed, args.damage_and_update)
    print(
        "%s: %d sheets waiting, last record %d"
        % (args.folder, len(facts["waiting"]), facts["last_record"])
    )


if __name__ == "__main__":
    main()
