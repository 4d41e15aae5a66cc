"""Opposition list look-ups on a 1,000,000-entry list in flash, portable: time and reads
per look-up (file reads of the binary search, and block reads littlefs asks the flash for).
bench/sync.py writes the image once; this runs under CPython and micropython alike.

Usage: <python> bench/opposition_portable.py ROOT IMAGE BLOCKS"""

import sys
import time

sys.path.insert(0, sys.argv[1])

from firmware.opposition import FlashOppositionList  # noqa: E402
from hw._compat import mount_littlefs  # noqa: E402
from hw.flash import NorFlash  # noqa: E402

LOOKUPS = 2000


def ticks_us():
    if hasattr(time, "ticks_us"):
        return time.ticks_us()  # type: ignore[attr-defined]
    return int(time.perf_counter() * 1000000)


def main(image, blocks):
    store = open(image, "r+b")
    flash = NorFlash(store, block_count=blocks)
    fs = mount_littlefs(flash, False)
    opp = FlashOppositionList(fs)
    # Serials on the list are 1000000000 + 7 k (bench/sync.py): probe present and absent.
    probes = []
    x = 12345
    for i in range(LOOKUPS):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        k = x % opp.count
        probes.append("%010d" % (1000000000 + 7 * k + (0 if i % 2 == 0 else 3)))
    reads0, blocks0 = opp.reads, flash.reads
    t0 = ticks_us()
    found = 0
    for serial in probes:
        if opp.contains(serial):
            found += 1
    us = ticks_us() - t0
    print(
        "%d entries (version %d): %d look-ups, %d found, %.2f ms each, %.1f file reads and "
        "%.1f flash block reads each"
        % (
            opp.count,
            opp.version,
            LOOKUPS,
            found,
            us / 1000 / LOOKUPS,
            (opp.reads - reads0) / LOOKUPS,
            (flash.reads - blocks0) / LOOKUPS,
        )
    )
    store.close()


main(sys.argv[2], int(sys.argv[3]))
