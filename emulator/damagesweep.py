"""The damage sweep: a journal image holding N promised sheets is damaged the way a failing
flash would be, one case at a time, and the terminal boots on it (docs/journal.md "The
damage sweep"). Portable: `micropython emulator/damagesweep.py ...` runs it too.

Damage: each block overwritten in turn with seeded random bytes (`blocks`), and seeded
random 16-byte bursts anywhere in the used part of the image (`bursts`). After each boot
the invariant is checked:

- every promised sheet is either intact (the PC's pull, records_after, gives its exact
  bytes) or named by number in what the terminal reports as damaged (the damage log that
  STATUS sends); anything else is a silent loss;
- a sheet pulled is never other bytes than the ones promised (corrupt);
- a new sheet saved after the boot gets a record number and an order number above every
  promised one (reused otherwise); a terminal in salvage mode saves none;
- the boot never raises (dead).

    python -m emulator.damagesweep [--sheets 30] [--blocks all|N] [--bursts 200] [--seed 1]
                                   [--acked N]
"""

import hashlib
import sys

from firmware.certstore import CertStore
from firmware.journal import Journal
from firmware.storage import Storage
from hw import hal
from hw._compat import mount_littlefs
from hw.flash import NorFlash, RamStore

PRO = "81234567890"
DAY = 20261118
BLOCK = 4096
FLASH_BLOCKS = 64  # 256 KiB: the sweep's image (every block of it is one case)
BURST = 16


class _Rng:
    """Seeded bytes from SHA-256 of a counter: the same stream on both interpreters."""

    def __init__(self, seed):
        self.seed = seed
        self.n = 0

    def bytes(self, n):
        out = b""
        while len(out) < n:
            self.n += 1
            out += hashlib.sha256(b"%d/%d" % (self.seed, self.n)).digest()
        return out[:n]

    def next(self):
        return int.from_bytes(self.bytes(4), "big")


class SweepBoard(hal.Board):
    name = "damagesweep"

    def __init__(self, store, blocks=FLASH_BLOCKS):
        super().__init__(
            "TLA-DMG-0001", {}, NorFlash(store, block_count=blocks), None, None, None, None
        )

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank)


def _payload(i):
    return (b"sheet %04d " % i) * 38


def build_image(sheets, blocks=FLASH_BLOCKS, acked=0):
    """A flash image (bytearray) holding `sheets` promised sheets, two certificates and an
    access-log entry a sheet, the first `acked` acknowledged by the PC (and as many after
    them marked synced); returns (image, {rec_no: (order_no, payload)})."""
    store = RamStore(blocks * BLOCK)
    storage = Storage(SweepBoard(store, blocks))
    journal, certs, log = storage.journal, storage.certs, storage.access_log
    assert isinstance(journal, Journal) and isinstance(certs, CertStore) and log is not None
    promised = {}
    for i in range(1, sheets + 1):
        order = journal.reserve_order(PRO)
        certs.add(b"\x30\x82 cert %d" % (i % 2) * 20)
        log.record(1795000000 + i, PRO, "vitale", "%010d" % i, "lecture")
        rec = journal.append_sheet(_payload(i), order, PRO, DAY, i % 3 == 0)
        promised[rec] = (order, _payload(i))
    if acked:
        journal.acknowledge(range(1, acked + 1), DAY)
        journal.mark_synced(range(acked + 1, 2 * acked + 1), DAY)
    return store.buf, promised


def used_blocks(image):
    blank = b"\xff" * BLOCK
    return [b for b in range(len(image) // BLOCK) if image[b * BLOCK : (b + 1) * BLOCK] != blank]


class Figures:
    def __init__(self):
        self.cases = 0
        self.salvage = 0  # boots in salvage mode (littlefs could not mount)
        self.damaged_cases = 0  # boots that reported lost numbers
        self.intact = 0  # promised sheets pulled intact, over all cases
        self.reported = 0  # promised sheets not pulled, named as damaged
        self.silent = 0  # promised sheets neither pulled nor named
        self.corrupt = 0  # sheets pulled with other bytes than promised
        self.reused = 0  # new sheets given a number already promised
        self.dead = 0  # boots that raised
        self.failures = []  # (case, what)

    def lines(self):
        return [
            "cases %d: %d booted in salvage mode, %d reported lost record numbers, %d dead"
            % (self.cases, self.salvage, self.damaged_cases, self.dead),
            "promised sheets over all cases: %d pulled intact, %d reported damaged by number,"
            " %d silent losses, %d corrupt"
            % (self.intact, self.reported, self.silent, self.corrupt),
            "new sheets after the damage: %d reused numbers" % self.reused,
        ]


def check_case(store, promised, name, figures, blocks=FLASH_BLOCKS, acked=0):
    """Boot on the image in `store` (damaged already), check the invariant, add to
    `figures`. Sheets 1..`acked` are on the PC already: they need not be pulled, but one
    pulled again must be the same bytes."""
    figures.cases += 1
    store.pos = 0
    try:
        storage = Storage(SweepBoard(store, blocks))
        journal = storage.journal
        assert journal is not None
        pulled = {}
        for r in journal.records_after(0):
            pulled[r.rec_no] = r.payload
    except Exception as e:  # noqa: BLE001 - a dead boot is the finding
        figures.dead += 1
        figures.failures.append((name, "boot raised %s: %s" % (type(e).__name__, e)))
        return
    runs = storage.damaged_runs()
    figures.salvage += 1 if storage.salvage else 0
    figures.damaged_cases += 1 if runs else 0
    for rec_no in sorted(promised):
        payload = promised[rec_no][1]
        got = pulled.get(rec_no)
        if got == payload or (got is None and rec_no <= acked):
            figures.intact += 1
        elif got is not None:
            figures.corrupt += 1
            figures.failures.append((name, "sheet %d pulled with other bytes" % rec_no))
        elif _named(runs, rec_no):
            figures.reported += 1
        else:
            figures.silent += 1
            figures.failures.append((name, "sheet %d lost without a word" % rec_no))
    if isinstance(journal, Journal) and journal.can_accept_sheet():
        _check_new_sheet(journal, promised, name, figures)


def _named(runs, rec_no):
    for first, count in runs:
        if first <= rec_no < first + count:
            return True
    return False


def _check_new_sheet(j, promised, name, figures):
    try:
        order = j.reserve_order(PRO)
        rec = j.append_sheet(b"new sheet", order, PRO, DAY, False)
    except Exception as e:  # noqa: BLE001
        figures.failures.append((name, "new sheet not saved: %s" % e))
        return
    if rec <= max(promised) or order <= max(o for o, _ in promised.values()):
        figures.reused += 1
        figures.failures.append((name, "new sheet got record %d, order %d" % (rec, order)))


def sweep(sheets=30, blocks=None, bursts=200, seed=1, acked=0, out=print):
    """Run the sweep; `blocks`: the block numbers to overwrite (None: every block of the
    image); `acked`: sheets the PC acknowledged before the damage. Prints figures with
    `out`; returns Figures."""
    image, promised = build_image(sheets, acked=acked)
    used = used_blocks(image)
    rng = _Rng(seed)
    figures = Figures()
    todo = list(range(len(image) // BLOCK) if blocks is None else blocks)
    store = RamStore(len(image))  # one image in RAM, restored before each case
    for b in todo:
        store.buf[:] = image
        store.buf[b * BLOCK : (b + 1) * BLOCK] = rng.bytes(BLOCK)
        check_case(store, promised, "block %d" % b, figures, acked=acked)
    for i in range(bursts):
        b = used[rng.next() % len(used)]
        at = b * BLOCK + rng.next() % (BLOCK - BURST + 1)
        store.buf[:] = image
        store.buf[at : at + BURST] = rng.bytes(BURST)
        check_case(store, promised, "burst %d at byte %d" % (i, at), figures, acked=acked)
    out(
        "damage sweep: %d sheets (%d acknowledged) in a %d-block image (%d blocks used), %d block"
        " cases, %d bursts of %d bytes (seed %d)"
        % (sheets, acked, FLASH_BLOCKS, len(used), len(todo), bursts, BURST, seed)
    )
    for line in figures.lines():
        out("  " + line)
    for name, what in figures.failures[:20]:
        out("  FAIL %s: %s" % (name, what))
    return figures


def erase_sweep(sheets=30, out=print):
    """Erasures (0xFF, as a flash whose erase ran wild or a chip erased in part): each block
    alone, and every block from k to the end for each k >= 2 (k = 2: the superblock pair,
    root directory and marks left alone, issue 17). Returns Figures."""
    image, promised = build_image(sheets)
    n = len(image) // BLOCK
    figures = Figures()
    store = RamStore(len(image))
    cases = [("block %d erased" % b, [b]) for b in range(n)]
    cases += [("blocks %d.. erased" % k, range(k, n)) for k in range(2, n)]
    for name, blocks in cases:
        store.buf[:] = image
        for b in blocks:
            store.buf[b * BLOCK : (b + 1) * BLOCK] = b"\xff" * BLOCK
        check_case(store, promised, name, figures)
    out("erase sweep: %d sheets, %d cases" % (sheets, len(cases)))
    for line in figures.lines():
        out("  " + line)
    for name, what in figures.failures[:20]:
        out("  FAIL %s: %s" % (name, what))
    return figures


def main(argv):
    options = {"sheets": 30, "blocks": None, "bursts": 200, "seed": 1, "acked": 0}
    i = 1
    while i + 1 < len(argv):
        key = argv[i].lstrip("-")
        value = argv[i + 1]
        if key not in options:
            print(
                "usage: damagesweep [--sheets N] [--blocks all|N] [--bursts N] [--seed N]"
                " [--acked N]"
            )
            return 2
        options[key] = None if value == "all" else int(value)
        i += 2
    if options["blocks"] is not None:
        options["blocks"] = range(options["blocks"])
    figures = sweep(**options)
    bad = figures.silent + figures.corrupt + figures.reused + figures.dead
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
