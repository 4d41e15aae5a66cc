"""The bootloader's choice of the image to run, from the boot record (hw/boot_record.py) and
the two image slots (hw/update_slot.py); docs/board.md "Updates". Portable: the tests and
the power-cut bench (emulator/updatecut.py) run it as a board's boot does, and so do the unix
board's launcher (emulator/launcher.py) and the RP2350's stage 1
(hw/boards/rp2350_update.stage1).

- A version on trial is booted while it has boots left (MAX_TRIES), each boot counted in the
  record before it starts; it confirms itself after its self-test (firmware/update_boot.py)
  or, once its boots are spent, the record goes back to the active version ("back").
- An image is booted only when its signed manifest hashes to what the record names and the
  image to what the manifest names: never a half-written or mixed image.
- The active slot failing that check, the factory image runs ("damaged"): the one the board
  was flashed with, which needs no slot.

The state handed to the firmware: None, "trial", "back" (a trial was just rolled back: the
firmware says so once) or "damaged".
"""

import hashlib

from protocol.security_errors import SecurityError
from protocol.update_manifest import read_manifest, read_signed

MAX_TRIES = 2  # boots of a version on trial: one power cut in its first boot is forgiven
FACTORY = -1


class Boot:
    def __init__(self, slot, state, manifest=None):
        self.slot = slot  # 0, 1 or FACTORY
        self.state = state
        self.manifest = manifest  # protocol.update_manifest.Manifest, None for the factory


def slot_image(slot, manifest_sha):
    """The Manifest of the image `slot` holds, when its signed manifest hashes to
    `manifest_sha` and its image to the manifest's digest; None otherwise."""
    signed = slot.read_header()
    if signed is None or hashlib.sha256(signed).digest() != bytes(manifest_sha):
        return None
    try:
        manifest = read_manifest(read_signed(signed)[0])
    except SecurityError:
        return None
    if manifest.size > slot.capacity or slot.digest(manifest.size) != manifest.sha:
        return None
    return manifest


def _unseen_rollback(record):
    last = record["last"]
    return "back" if last and last[2] == "back" and not last[4] else None


def rolled_back(record, why, bad=True):
    """`record` with its trial given up: the active version runs again and says so once;
    with `bad`, that signed manifest is never taken again (its version did not start)."""
    t = record["try"]
    record["try"] = None
    record["held"] = None
    record["last"] = [t[1], t[4], "back", why, False]
    if bad:
        record["bad"] = t[2]
    return record


def choose(records, slots, write=True):
    """The Boot to run now; with `write`, the record is updated first (a boot of the trial
    counted, a spent trial given up), as a bootloader does before it jumps."""
    record = records.read()
    t = record["try"]
    if t is not None:
        index, counter, manifest_sha, tries = t[0], t[1], t[2], t[3]
        manifest = slot_image(slots[index], manifest_sha) if index in (0, 1) else None
        if manifest is not None and tries < MAX_TRIES and counter > record["floor"]:
            t[3] = tries + 1
            if write:
                records.write(record)
            return Boot(index, "trial", manifest)
        if manifest is None:
            rolled_back(record, "its image is damaged", False)
        else:
            rolled_back(record, "it did not confirm itself")
        if write:
            records.write(record)
    active = record["active"]
    if active in (0, 1):
        act = record["act"]
        manifest = slot_image(slots[active], act[1]) if act else None
        if manifest is None:
            return Boot(FACTORY, "damaged")
        return Boot(active, _unseen_rollback(record), manifest)
    return Boot(FACTORY, _unseen_rollback(record))
