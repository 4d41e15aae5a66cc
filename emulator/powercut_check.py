"""The power-cut bench's checker: what the terminal promised, parsed from its children's
lines (Promises), and the invariants an image must hold against those promises (check):
every sheet shown as saved is there, byte for byte, once, or was purged after its
acknowledgement and the retention period; no order number handed out twice; promised
acknowledgements, rejections and access-log entries hold. docs/journal.md.
"""

import copy
import hashlib
import io

from emulator.powercut_child import CutBoard
from emulator.powercut_children import BLOCKS
from firmware.accesslog_flash import AccessLogError
from firmware.journal import ACKED, PURGED, REJECTED, day_number
from hw.flash import NorFlash

# The lines that are a promise (the rest: BOOTED, PROBLEM, PURGING, CRASH, CUT, DONE).
PROMISES = ("SAVED", "RESERVED", "ACKED", "REJECTED", "LOGGED", "NOTE")


def first_promise(lines):
    """The write count at the first promise in a child's lines, None if it made none."""
    for line in lines:
        parts = line.split(" ")
        if len(parts) > 1 and parts[1] in PROMISES:
            return int(parts[0])
    return None


class Promises:
    """What the terminal said to the user or the PC, parsed from the children's lines."""

    def __init__(self):
        self.saved = {}  # rec_no -> (order, pro, digest, key)
        self.saved_keys = []
        self.reserved = []  # (pro, order), in order
        self.acked = {}  # rec_no -> day
        self.rejected = set()
        self.logged = {}  # seq -> digest hex
        self.notes = []  # a workload's own promises: lists of words (Reporter.note)
        self.purge_day = 0
        self.crashes = []
        self.problems = []
        self.outcome = None
        self.writes = 0

    def copy(self):
        """The same promises, to go on with another boot (a linear chain branches here)."""
        return copy.deepcopy(self)

    def add(self, lines):
        for line in lines:
            parts = line.split(" ")
            if len(parts) < 2:
                continue
            kind, args = parts[1], parts[2:]
            if kind == "SAVED":
                rec = int(args[0])
                self.saved[rec] = (int(args[1]), args[2], args[3], args[4])
                self.saved_keys.append(args[4])
            elif kind == "RESERVED":
                self.reserved.append((args[0], int(args[1])))
            elif kind == "ACKED":
                for rec in args[1].split(","):
                    self.acked[int(rec)] = int(args[0])
            elif kind == "REJECTED":
                self.rejected.update(int(r) for r in args[0].split(","))
            elif kind == "LOGGED":
                self.logged[int(args[0])] = args[1]
            elif kind == "NOTE":
                self.notes.append(args)
            elif kind == "PURGING":
                self.purge_day = max(self.purge_day, int(args[0]))
            elif kind == "CRASH":
                self.crashes.append(" ".join(args))
            elif kind == "PROBLEM":
                self.problems.append(" ".join(args).replace("_", " "))
            elif kind in ("CUT", "DONE"):
                self.outcome = kind
                self.writes = int(parts[0])
        return self


def check(image_bytes, promises, workload, blocks=BLOCKS, final=False):
    """The invariants, on a copy of the image: returns a list of what is wrong."""
    wrong = ["the terminal crashed: " + c for c in promises.crashes]
    wrong += ["problem at boot: " + p for p in promises.problems]
    reserved = getattr(workload, "reserved", 0)  # raw blocks after littlefs' (updatecut.py)
    flash = NorFlash(io.BytesIO(image_bytes), block_count=blocks, reserved=reserved)
    try:
        journal, log = workload.open_storage(CutBoard(flash))
    except OSError as e:
        if promises.saved or promises.logged or final:
            wrong.append("the flash does not mount (%s) after promises were made" % e)
        return wrong
    except AccessLogError as e:
        return wrong + ["access log: %s" % e]
    wrong += ["journal: " + p for p in journal.problems]

    # Every sheet shown as saved is there, byte for byte, or was purged after its ack.
    live = {}
    for r in journal.records_after(0, 0, 0, None):
        live[r.rec_no] = r
    for rec_no, (order, pro, digest, key) in sorted(promises.saved.items()):
        r = live.get(rec_no)
        if r is None:
            ack_day = promises.acked.get(rec_no)
            if journal.status(rec_no) != PURGED:
                wrong.append("sheet %d (%s) shown as saved is missing" % (rec_no, key))
            elif ack_day is None:
                wrong.append("sheet %d (%s) was purged without an acknowledgement" % (rec_no, key))
            elif day_number(promises.purge_day) - day_number(ack_day) < journal.retention_days:
                wrong.append("sheet %d (%s) purged before the retention period" % (rec_no, key))
            continue
        if hashlib.sha256(r.payload).hexdigest() != digest:
            wrong.append("sheet %d (%s) payload differs from what was saved" % (rec_no, key))
        if (r.order_no, r.pro_id) != (order, pro):
            wrong.append("sheet %d (%s) header differs from what was saved" % (rec_no, key))
    # A workload of real sheets: each stored bundle's signatures verify (cryptography).
    if hasattr(workload, "check_payload"):
        for rec_no, r in sorted(live.items()):
            for problem in workload.check_payload(r.payload):
                wrong.append("sheet %d: %s" % (rec_no, problem))

    # No visit twice, no order number twice, orders increasing with record numbers.
    keys = {}
    for rec_no, r in sorted(live.items()):
        key = workload.key_of(r.payload)
        if key in keys:
            wrong.append("visit %s saved twice (records %d and %d)" % (key, keys[key], rec_no))
        keys[key] = rec_no
    for key in set(promises.saved_keys):
        if promises.saved_keys.count(key) > 1:
            wrong.append("visit %s shown as saved twice" % key)
    if len(set(promises.reserved)) != len(promises.reserved):
        wrong.append("an order number was handed out twice: %r" % promises.reserved)
    last = {}
    for rec_no, r in sorted(live.items()):
        if r.order_no <= last.get(r.pro_id, 0):
            wrong.append(
                "order number %d of sheet %d reused or not increasing" % (r.order_no, rec_no)
            )
        last[r.pro_id] = r.order_no
        if (r.pro_id, r.order_no) not in promises.reserved and rec_no in promises.saved:
            wrong.append("sheet %d carries order %d that was never reserved" % (rec_no, r.order_no))

    # Every acknowledgement and rejection that was promised holds.
    for rec_no in sorted(promises.acked):
        if journal.status(rec_no) not in (ACKED, PURGED):
            wrong.append("acknowledged sheet %d lost its acknowledgement" % rec_no)
    for rec_no in sorted(promises.rejected):
        if journal.status(rec_no) != REJECTED:
            wrong.append("rejected sheet %d is no longer shown as rejected" % rec_no)

    # The access log chain verifies, against the journal's anchor, and holds every entry
    # that was promised, unchanged.
    try:
        log.verify(journal.access_log_anchor())
        if promises.logged:
            got = {}
            for seq, digest, _ in log._walk():
                if seq in promises.logged:
                    got[seq] = digest.hex()
            for seq, digest in sorted(promises.logged.items()):
                if got.get(seq) != digest:
                    wrong.append("access-log entry %d that was written is missing or changed" % seq)
    except AccessLogError as e:
        wrong.append("access log: %s" % e)

    # A workload's own promises (the round stored, emulator/roundcut.py), on this image.
    check_image = getattr(workload, "check_image", None)
    if check_image is not None:
        wrong += check_image(journal, promises.notes, final)

    if final:
        wrong += ["end of day: " + w for w in workload.final_check(journal, log)]
    return wrong
