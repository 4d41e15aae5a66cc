"""The first boot of a new version, and the boot after a rollback (docs/board.md "Updates").
App imports this only when the bootloader says something of this boot (hal.Board.boot_state):

- "trial": the self-test; passed, the board makes it final where its boot ROM has a trial
  of its own (hal.Board.keep_trial: the RP2350's explicit buy), then the version confirms
  itself in the boot record (its counter becomes the floor: no older image is taken
  again); failed, or the board could not keep it, it gives its trial up and restarts, and
  the bootloader runs the version before.
- "back": the version on trial did not start or failed its self-test; this one says so once.
- "damaged": the slot to boot failed its digest; the factory image runs and says so.

The self-test: the version booted is the one the record names; it reads the flash as the old
version did (not in salvage mode unless that one was), and finds every sheet it held not yet
acknowledged, its record numbers never below the old version's.
"""

from firmware import update_screens, version
from hw.bootloader import rolled_back


def settle(app):
    state = app.board.boot_state
    records = app.board.boot_records()
    if records is None:
        return
    if state == "trial":
        _trial(app, records)
    elif state == "back":
        _back(app, records)
    elif state == "damaged":
        app.notice = update_screens.damaged()


def self_test(app, record):
    """Why this boot cannot confirm the version on trial, or ""."""
    t = record["try"]
    if t[1] != version.RELEASE_COUNTER or t[4] != version.FIRMWARE_VERSION:
        return "it is not the version its manifest names"
    held = record["held"] or [0, 0, False]
    storage = app.storage
    if storage.salvage and not held[2]:
        return "it cannot mount the flash"
    j = storage.journal
    if j is not None and not storage.salvage:
        if j.next_rec_no < held[0]:
            return "it would number records already used"
        if j.unacknowledged_count() != held[1]:
            return "it does not find every sheet kept"
    return ""


def _trial(app, records):
    record = records.read()
    t = record["try"]
    if t is None:
        return
    # The board's own trial made final first (the RP2350's buy): the record confirms only
    # what the board will boot again; a buy that fails gives the trial up, cleanly
    why = self_test(app, record) or app.board.keep_trial()
    if why:
        records.write(rolled_back(record, why))
        app.board.emit("EVENT", {"update_rolled_back": why})
        app.board.restart()
        return
    record["active"] = t[0]
    record["act"] = [t[1], t[2]]
    record["floor"] = max(record["floor"], t[1])
    record["last"] = [t[1], t[4], "ok", "", True]
    record["try"] = None
    record["held"] = None
    records.write(record)
    app.notice = update_screens.confirmed(t[4])
    app.board.emit("EVENT", {"update_confirmed": t[4]})


def _back(app, records):
    record = records.read()
    last = record["last"]
    if not last or last[2] != "back":
        return
    app.notice = update_screens.rolled_back(last[1], version.FIRMWARE_VERSION)
    app.board.emit("EVENT", {"update_back": last[3]})
    if not last[4]:
        last[4] = True  # said once
        records.write(record)
