"""The power-cut bench's update workload (docs/board.md "Updates", issue 22 item 2): three
sheets saved on the factory version (counter 1); the signed update of protocol/vectors/
update.json "powercut" taken chunk by chunk into the spare slot, the switch, the first boot
of the new version on trial, its self-test and its confirmation; then two more sheets.
Portable (the bench's micropython child runs it); every write of the transfer, the switch
and the first boot goes through the one NOR flash whose writes the bench cuts.

`tla-emu replay --workload emulator.updatecut:UpdateDay` cuts the power at every write;
after each cut `check_image` runs the bootloader's choice on the image: it must boot the
factory version or a slot whose image is the signed one byte for byte (never a mixed or
damaged image, never an unsigned one); once the new version said it was confirmed, it and
nothing older; at the end, the new version (or the old one after a rollback the cuts of a
trial boot caused). The generic checks hold the sheets: none lost, no number reused."""

import hashlib
import json

from emulator import simboot
from emulator.powercut_child import CutBoard
from firmware import version
from firmware.accesslog_flash import FlashAccessLog
from firmware.journal import Journal
from hw import bootloader, hal
from hw.boot_record import BootRecords
from hw.update_slot import ReservedView, Slot
from protocol import update_messages as um
from protocol.p256 import verify
from protocol.update_manifest import (
    CHUNK,
    UpdateRefused,
    check_signatures,
    read_manifest,
    read_signed,
)

PRO = "20001112225"
DAY = 20261118
SLOT_BLOCKS = 8  # 3 header blocks and 20 KiB of image
SIZE = 19999  # tools/update_vectors.POWERCUT_SIZE
FACTORY = ("0.1.0", 1)  # firmware/version.py as the board was flashed
BEFORE, AFTER = 3, 2  # sheets saved before the update, after it


def _root():
    path = __file__
    for _ in range(2):
        path = path[: path.rfind("/")] if "/" in path else "."
    return path


def vector_image(seed, size):
    """Deterministic bytes standing for an image (tools/update_vectors.py signs them)."""
    out = bytearray()
    block = hashlib.sha256(b"tla vector image %d" % seed).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])


def signed_update():
    with open(_root() + "/protocol/vectors/update.json") as f:
        cases = json.load(f)["cases"]
    for case in cases:
        if case["name"] == "powercut":
            return bytes.fromhex(case["signed"])
    raise ValueError("protocol/vectors/update.json has no powercut case")


class _Display:
    def show(self, lines, cursor=None):
        self.lines = lines


class UpdateBoard(CutBoard):
    """The bench's board with what an update needs: after littlefs' blocks the key block,
    the boot record's two blocks and two image slots, all in the bench's one flash."""

    def __init__(self, flash):
        super().__init__(flash)
        self.display = _Display()
        self.boot_state = None

    def boot_records(self):
        return BootRecords(ReservedView(self.flash, 1, 2))

    def update_slots(self):
        return tuple(
            Slot(ReservedView(self.flash, 3 + i * SLOT_BLOCKS, SLOT_BLOCKS)) for i in (0, 1)
        )

    def emit(self, kind, payload):
        pass

    def power_ok(self):
        return True


class _Storage:
    salvage = False

    def __init__(self, journal):
        self.journal = journal
        self.fs = journal.fs


class _App:
    """What firmware/update_store.UpdateTaker and update_boot.settle use of the App."""

    def __init__(self, board, journal):
        self.board = board
        self.storage = _Storage(journal)
        self.notice = None


class UpdateDay:
    name = "update"
    reserved = 3 + 2 * SLOT_BLOCKS  # emulator/powercut_child.run gives the flash these

    def __init__(self, seed=1):
        self.seed = seed
        self.signed = signed_update()
        self.image = vector_image(4, SIZE)
        self.flash = None

    def open_storage(self, board):
        self.flash = board.flash  # check_image reads the boot record and slots of this image
        fs = board.filesystem()
        return Journal(fs), FlashAccessLog(fs)

    def key_of(self, payload):
        return payload.decode()

    def _sheets(self, journal, report, prefix, n):
        done = set(self.key_of(r.payload) for r in journal.records_after(0, 0, 0, None))
        for i in range(n):
            key = "%s%d" % (prefix, i)
            if key in done:
                continue
            order = journal.reserve_order(PRO)
            report.reserved(PRO, order)
            rec = journal.append_sheet(key.encode(), order, PRO, DAY, False)
            report.saved(rec, order, PRO, key.encode(), key)

    def _take(self, app, report):
        from firmware.update_store import UpdateTaker

        taker = UpdateTaker(app)
        reply = None
        for body in um.manifest_pieces(self.signed):
            reply = taker.piece(body["s"], body["at"], body["len"])
        assert reply is not None
        chunks = read_manifest(read_signed(self.signed)[0]).chunks
        for i in range(reply["next"], chunks):
            if i == chunks - 1:
                self.before_last_chunk(taker)
            taker.chunk(i, self.image[i * CHUNK : (i + 1) * CHUNK])
        report.note("READY")
        taker.switch()  # raises hal.Restart once the record names the trial

    def before_last_chunk(self, taker):
        """Nothing (tests/powercut_faulty.UpdateSwitchedEarly writes its switch here)."""

    def run(self, board, report):
        while True:
            b = UpdateBoard(board.flash)
            booted = simboot.boot(b)
            simboot.run_as(booted, FACTORY)
            report.note("BOOT", booted.slot, version.RELEASE_COUNTER, booted.state or "-")
            journal, log = self.open_storage(b)
            report.booted(journal, log)
            app = _App(b, journal)
            try:
                if booted.state is not None:
                    from firmware.update_boot import settle

                    settle(app)
                    if booted.state == "trial":
                        report.note("CONFIRMED", version.RELEASE_COUNTER)
                record = b.boot_records().read()
                if version.RELEASE_COUNTER == 1 and record["bad"] is None:
                    self._sheets(journal, report, "B", BEFORE)
                    self._take(app, report)
                self._sheets(journal, report, "A", AFTER)
                return journal, log
            except hal.Restart:
                continue  # the board restarts: the bootloader chooses again
            except UpdateRefused as e:
                report.note("REFUSED", e.reason)
                self._sheets(journal, report, "A", AFTER)
                return journal, log

    def check_image(self, journal, notes, final):
        """What is wrong with what this image boots, against the notes promised."""
        board = UpdateBoard(self.flash)
        records, slots = board.boot_records(), board.update_slots()
        wrong = ["update refused: " + n[1] for n in notes if n[0] == "REFUSED"]
        booted = bootloader.choose(records, slots, write=False)
        record = records.read()
        t = record["try"]
        if t is not None and bootloader.slot_image(slots[t[0]], t[2]) is None:
            wrong.append("the boot record names a trial of slot %d, not whole" % t[0])
        if booted.state == "damaged":
            wrong.append("the active slot is damaged: the factory image runs")
        if booted.slot != bootloader.FACTORY:
            slot = slots[booted.slot]
            raw, sigs = read_signed(slot.read_header())
            try:
                from firmware import release_keys

                keys, threshold = release_keys.for_board(board.name)
                check_signatures(raw, sigs, keys, threshold, verify)
            except UpdateRefused as e:
                wrong.append("slot %d boots an image not signed: %s" % (booted.slot, e))
            size = booted.manifest.size if booted.manifest is not None else 0
            if slot.read(0, size) != self.image:
                wrong.append("slot %d boots an image that is not the one signed" % booted.slot)
        confirmed = [n for n in notes if n[0] == "CONFIRMED"]
        counter = booted.manifest.counter if booted.manifest is not None else 1
        if confirmed and (counter != 2 or record["floor"] != 2):
            wrong.append("counter 2 was confirmed, the board boots counter %d" % counter)
        last = record["last"]
        if last and last[2] == "back" and last[3] != "it did not confirm itself":
            # Only the cuts of its trial boots may send a good image back.
            wrong.append("the update was rolled back: %s" % last[3])
        if final and counter != 2 and not (last and last[2] == "back"):
            wrong.append("the day ends on counter %d, with no rollback said" % counter)
        return wrong

    def final_check(self, journal, log):
        keys = sorted(self.key_of(r.payload) for r in journal.records_after(0, 0, 0, None))
        want = sorted(["B%d" % i for i in range(BEFORE)] + ["A%d" % i for i in range(AFTER)])
        return [] if keys == want else ["the sheets are %r, not %r" % (keys, want)]
