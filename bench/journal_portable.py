"""Journal figures, portable: flash bytes and writes per saved sheet, sheets a 2 MiB flash
holds, room left for states and the access log once sheets are refused. bench/__main__.py
runs it under CPython and micropython."""

import os
import sys

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else ".")

from firmware.accesslog_flash import FlashAccessLog  # noqa: E402
from firmware.journal import Journal, JournalFull  # noqa: E402
from hw._compat import mount_littlefs  # noqa: E402
from hw.flash import NorFlash  # noqa: E402

PRO = "81234567890"
DAY = 20261118
PAYLOAD = 380
BLOCKS = 512  # 2 MiB of 4 KiB blocks
SYNC_EVERY = 20  # a sync (mark sent, then acknowledge) after each day of 20 sheets


def payload(i):
    return bytes((i * 31 + k) & 0xFF for k in range(PAYLOAD))


IMAGE = "/tmp/tla-bench-journal-%s.img" % sys.implementation.name


def fresh():
    """A blank 2 MiB flash in an image file (a BytesIO that size strains micropython's heap)."""
    store = open(IMAGE, "w+b")
    flash = NorFlash(store, block_count=BLOCKS)
    return flash, mount_littlefs(flash)


def save(j, i):
    order = j.reserve_order(PRO)
    return j.append_sheet(payload(i), order, PRO, DAY, i % 2 == 0)


def per_sheet(n=400):
    flash, fs = fresh()
    j = Journal(fs)
    free0 = fs.free_bytes()
    p0, e0, b0 = flash.programs, flash.erases, flash.bytes_programmed
    recs = []
    for i in range(n):
        recs.append(save(j, i))
        if len(recs) == SYNC_EVERY:
            j.mark_synced(recs, DAY)
            j.acknowledge(recs, DAY)
            recs = []
    used = free0 - fs.free_bytes()
    print("sheet of %d-byte payload, states included (synced, acknowledged per 20):" % PAYLOAD)
    print("  flash used per sheet:   %6.0f bytes (littlefs blocks, over %d sheets)" % (used / n, n))
    print(
        "  journal bytes per sheet: %5d bytes (record %d + states)"
        % (_journal_bytes(fs) // n, PAYLOAD + 25)
    )
    print(
        "  flash writes per sheet:  %5.1f programs, %4.2f erases, %5.0f bytes programmed"
        % ((flash.programs - p0) / n, (flash.erases - e0) / n, (flash.bytes_programmed - b0) / n)
    )


def _journal_bytes(fs):
    total = 0
    for name in fs.listdir("journal"):
        total += fs.size("journal/" + name)
    return total


def per_log_entry(n=200):
    flash, fs = fresh()
    log = FlashAccessLog(fs)
    free0 = fs.free_bytes()
    w0 = flash.writes
    for i in range(n):
        log.record(1795075200 + i, PRO, "vitale", "VIT-%04d" % i, "identite, droits")
    print(
        "access-log entry: %4.0f bytes of flash, %4.1f writes"
        % ((free0 - fs.free_bytes()) / n, (flash.writes - w0) / n)
    )


def capacity():
    flash, fs = fresh()
    j = Journal(fs)
    log = FlashAccessLog(fs)
    n = 0
    while j.can_accept_sheet():
        save(j, n)
        n += 1
    print(
        "2 MiB flash: %d sheets before 'sync needed' (reserve %d KiB)"
        % (n, j.reserve_bytes // 1024)
    )
    free = fs.free_bytes()
    for i in range(1, n + 1, SYNC_EVERY):
        batch = range(i, min(i + SYNC_EVERY, n + 1))
        j.mark_synced(batch, DAY)
        j.acknowledge(batch, DAY)
    acks = free - fs.free_bytes()
    entries = 0
    try:
        while entries < 5000:
            log.record(
                1795075200 + entries, PRO, "vitale", "VIT-%04d" % entries, "identite, droits"
            )
            entries += 1
    except OSError:
        pass
    print(
        "  then: sync and ack of all %d sheets took %d KiB; %d access-log entries still fit%s"
        % (n, acks // 1024, entries, "" if entries < 5000 else " (stopped counting)")
    )
    extra = 0
    try:
        while True:
            save(j, n + extra)
            extra += 1
    except JournalFull:
        pass
    print("  sheets littlefs still takes past that: %d" % extra)


per_sheet()
per_log_entry()
capacity()
os.remove(IMAGE)
