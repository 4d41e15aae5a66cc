"""Visit figures for `make bench`: flash per signed sheet with real sheets (visits played
through the App, the virtual cards signing), how many such sheets a 2 MiB flash holds, and
the MicroPython heap of the real 20-visit day (emulator/visitday.py)."""

import io

from emulator.cards import fixtures
from emulator.scenario import SimHands, sim_slots
from emulator.scenario_play import AppDriver, PlayBoard, play
from emulator.visitday import CPS, PATIENTS, day_scenario, visit_steps
from firmware.app import App
from firmware.opposition import MemoryOppositionList
from hw.flash import NorFlash

BLOCKS = 512  # 2 MiB of 4 KiB blocks
DAY = 20261118
SYNC_EVERY = 20  # a sync (sent, then acknowledged) after each day of 20 sheets


def _dir_bytes(fs, path):
    return sum(fs.size(path + "/" + name) for name in fs.listdir(path))


def flash_per_sheet(visits=100, day=None):
    """Play `visits` real visits on a blank 2 MiB flash, syncing every 20; then fill the
    flash with the same signed bundles until the terminal asks for a sync. `day`: whose
    cards (a VisitDay: its CPS and patients; default tla's GP and 7 patients' cards)."""
    cps, patients = (day.cps, day.patients) if day is not None else (CPS, PATIENTS)
    hands = SimHands(sim_slots())
    board = PlayBoard(NorFlash(io.BytesIO(), block_count=BLOCKS), hands.slots, "TLA-BENCH-0001")
    app = App(board, opposition=MemoryOppositionList(fixtures.OPPOSED_SERIALS))
    driver = AppDriver(app, hands)
    storage = app.storage
    journal, fs = storage.journal, storage.fs
    assert journal is not None and fs is not None
    free0 = fs.free_bytes()
    scenario = day_scenario(0, (), cps, patients)
    scenario["teardown"] = []
    play(driver, scenario)  # the CPS and its PIN
    done = []
    for n in range(1, visits + 1):
        steps = visit_steps((n - 1) % 300 + 1, n == 1, patients)
        steps = [s for s in steps if "clock" not in s]
        play(driver, {"name": "bench", "start": scenario["start"], "visits": [{"steps": steps}]})
        done.append(journal.next_rec_no - 1)
        if len(done) == SYNC_EVERY:
            journal.mark_synced(done, DAY)
            journal.acknowledge(done, DAY)
            done = []
    bundles = [r.payload for r in journal.records_after(0, 0, 0, None)]
    sizes = sorted(len(b) for b in bundles)
    used = free0 - fs.free_bytes()
    sheets_bytes = _dir_bytes(fs, "journal")
    who = "a GP, 7 patients' cards" if day is None else "a CPS3 (RS256), Cartes Vitale 2 (read)"
    print("%d real visits (%s, 1/3 third-party, syncs of 20):" % (visits, who))
    print(
        "  signed bundle:            %d to %d bytes, %d on average (both signatures: %d)"
        % (
            sizes[0],
            sizes[-1],
            sum(sizes) // len(sizes),
            sum(1 for b in bundles if len(b) > 300),
        )
    )
    print(
        "  journal bytes per sheet:  %5d bytes (record, its header and states; goal 400)"
        % (sheets_bytes // visits)
    )
    print(
        "  flash used per visit:     %5d bytes (littlefs blocks: sheet, states, access log,"
        " anchors, certificates)" % (used // visits)
    )
    print(
        "  of which access log:      %5d bytes; certificates %d bytes in all"
        % (_dir_bytes(fs, "accesslog") // visits, _dir_bytes(fs, "certs"))
    )
    extra = 0
    pro = app.reading.cps_card.holder_id if app.reading.cps_card else "10001234565"
    free1 = fs.free_bytes()
    while journal.can_accept_sheet():
        payload = bundles[extra % len(bundles)]
        journal.append_sheet(payload, journal.reserve_order(pro), pro, DAY, extra % 3 == 0)
        extra += 1
        if extra % SYNC_EVERY == 0:
            recs = list(range(journal.next_rec_no - SYNC_EVERY, journal.next_rec_no))
            journal.mark_synced(recs, DAY)
            journal.acknowledge(recs, DAY)
    print(
        "  flash per sheet, filling: %5d bytes (littlefs blocks, the same bundles, no access log)"
        % ((free1 - fs.free_bytes()) // extra)
    )
    print(
        "  2 MiB flash: %d such sheets before 'Synchro necessaire' (%d played, %d added);"
        " with each visit's access-log entries and the rest, about %d visits"
        % (visits + extra, visits, extra, (free0 - journal.reserve_bytes) // (used // visits))
    )
