"""The journal's format on flash and the small pieces both the journal and the salvage
(firmware/salvage.py) read it with: record types, sheet states, the sheet record, one
segment's bookkeeping in RAM. Described in docs/journal.md."""

from firmware import records
from protocol.ascii import is_digits
from protocol.dates import ymd_to_days as day_number  # noqa: F401 - journal re-exports it
from protocol.runs import runs_of  # noqa: F401 - the journal's runs, shared with the link

DIR = "journal"
ORDERS = DIR + "/orders"
FORMAT_VERSION = 1
MAGIC = b"TLAJ"

# Record types (ASCII letters, readable in a hex dump).
T_HEADER = 0x48  # "H": first record of a segment
T_SHEET = 0x53  # "S": a signed sheet
T_STATE = 0x54  # "T": a state change of sheets of this segment
T_ANCHOR = 0x4C  # "L": head of the access log's hash chain
T_ORDERS = 0x4F  # "O": the orders file
T_GONE = 0x47  # "G": runs of record numbers purged (root file PURGE_LOG)
PURGE_LOG = "purged"  # in the root directory, beside the marks (firmware/marks.py)

# Sheet states. PURGED is never stored on a sheet: a purged sheet's segment is gone.
SIGNED = 1  # saved on the terminal, not yet sent
SYNCED = 2  # sent to the practice PC, no acknowledgement yet
ACKED = 3  # the PC committed it
REJECTED = 4  # the PC received it and quarantined it: stays, shown on the terminal
DISMISSED = 5  # a rejected sheet the professional has seen: retained like an acknowledged one
PURGED = 6  # deleted after the retention period (R161-47)
LOST = 7  # a number inside a segment whose sheet the damage made unreadable (never stored)
STATE_NAMES = ("?", "signed", "synced", "acknowledged", "rejected", "dismissed", "purged", "lost")

# Which state may follow which: the first final answer of the PC wins, repeats change nothing.
ALLOWED = {
    SYNCED: (SIGNED,),
    ACKED: (SIGNED, SYNCED),
    REJECTED: (SIGNED, SYNCED),
    DISMISSED: (REJECTED,),
    PURGED: (ACKED, DISMISSED),
}

RETENTION_DAYS = 90  # R161-47 I: the electronic double is kept at least 90 days
SEGMENT_BYTES = 6 * 4096 - 512  # a segment closes near six 4 KiB blocks, room left for states
RESERVE_BYTES = 8 * 4096  # see docs/journal.md: what states, acks and the access log need
SHEET_ROOM = 2 * 4096  # free space one more sheet may take while littlefs copies a tail block
MAX_PAYLOAD = 4096
SHEET_HEAD = 18  # rec u32, order u32, professional 5 bytes, date u32, flags u8
FLAG_THIRD_PARTY = 1
SKIP = 1000  # numbers skipped past damage: more than a segment can hold, never reused


class JournalError(Exception):
    """A journal operation that cannot be done; `str()` is a plain French sentence."""


class JournalFull(JournalError):
    """The flash has no room left for this write."""


class SheetRecord:
    """A sheet as the journal knows it: its header fields, status and (when read) payload."""

    def __init__(self, rec_no, order_no, pro_id, completion_date, third_party, status, payload):
        self.rec_no = rec_no
        self.order_no = order_no
        self.pro_id = pro_id  # CPS holder id, 11 digits (str)
        self.completion_date = completion_date  # YYYYMMDD
        self.third_party = third_party  # True: 8 working days to transmit, else 3 (R161-47 I 1°)
        self.status = status
        self.payload = payload  # the signed sheet bundle, bytes, or None (header only)

    def __repr__(self):
        return "SheetRecord(%d, order %d, %s, %d, %s, %s)" % (
            self.rec_no,
            self.order_no,
            self.pro_id,
            self.completion_date,
            "tiers payant" if self.third_party else "paiement direct",
            STATE_NAMES[self.status],
        )


class Segment:
    """One segment file: sheets first..first+count-1 and their states. In RAM only these
    few fields and a status byte per sheet (a full 2 MiB flash holds about 85 segments)."""

    def __init__(self, first):
        self.first = first
        self.status = bytearray()  # state of each sheet, in record order
        self.release = 0  # day number of the latest acknowledgement or dismissal
        self.size = 0
        self.read_only = False  # damaged, or its torn tail could not be cut off

    @property
    def name(self):
        return "%08x" % self.first

    @property
    def path(self):
        return DIR + "/" + self.name

    @property
    def count(self):
        return len(self.status)

    def n(self, *states):
        """How many of its sheets are in one of `states`."""
        return sum(self.status.count(bytes((s,))) for s in states)

    def set(self, i, state, day_no):
        self.status[i] = state
        if state in (ACKED, DISMISSED) and day_no > self.release:
            self.release = day_no


def check_date(ymd, what):
    if not isinstance(ymd, int) or not 19700101 <= ymd <= 29991231:
        raise ValueError("%s invalide: %r (attendu AAAAMMJJ)" % (what, ymd))
    m, d = ymd // 100 % 100, ymd % 100
    if not (1 <= m <= 12 and 1 <= d <= 31):
        raise ValueError("%s invalide: %r (attendu AAAAMMJJ)" % (what, ymd))


def pro_int(pro_id) -> int:
    if not is_digits(pro_id, (11,)):
        raise ValueError("identifiant du professionnel invalide: 11 chiffres attendus")
    return int(pro_id)


def pro_str(pro) -> str:
    s = str(pro)
    return "0" * (11 - len(s)) + s


def state_body(state, ymd, runs) -> bytes:
    body = bytearray((state,))
    body += ymd.to_bytes(4, "big")
    for first, count in runs:
        body += first.to_bytes(4, "big")
        body += count.to_bytes(2, "big")
    return bytes(body)


def sheet_record(body, status, with_payload):
    """The SheetRecord of an `S` record's body (its payload too when `with_payload`)."""
    return SheetRecord(
        records.u32(body, 0),
        records.u32(body, 4),
        pro_str(int.from_bytes(body[8:13], "big")),
        records.u32(body, 13),
        bool(body[17] & FLAG_THIRD_PARTY),
        status,
        body[SHEET_HEAD:] if with_payload else None,
    )


def oldest_completion(sheets, third_party):
    """Earliest completion date of `sheets` (SheetRecords) paid by a third party (True),
    directly (False) or either (None); None when there is none."""
    oldest = None
    for r in sheets:
        if third_party is None or r.third_party == third_party:
            if oldest is None or r.completion_date < oldest:
                oldest = r.completion_date
    return oldest


def _ignore(runs):
    pass


class JournalState:
    """Everything a Journal holds in RAM, set up before the mount (firmware/journal.py,
    journal_mount.py and journal_read.py share it)."""

    def __init__(self, fs, segment_bytes, reserve_bytes, order_batch, retention_days):
        self.fs = fs
        self.segment_bytes = segment_bytes
        self.reserve_bytes = reserve_bytes
        self.order_batch = order_batch
        self.retention_days = retention_days
        self.problems = []
        self._segments = []
        self._next_rec = 1
        self._issued = 0  # the highest record number given to a sheet
        self._ceiling = {}  # professional (int) -> highest order number durably reserved
        self._next_order = {}  # professional -> next order number to hand out
        self._saved_order = {}  # professional -> highest order number saved in a sheet
        self._anchor_seq = 0
        self._anchor_hash = b"\x00" * 32
        self.damaged = []  # runs [first, count] of record numbers the damage took
        self.corrupt_fs = False  # littlefs found its metadata corrupt after mounting
        self._recovered = {}  # rec_no -> S body: lost from its segment, found in raw blocks
        self._recovered_status = {}  # rec_no -> state, in RAM (firmware/journal_read.py)
        self.on_recovered = _ignore  # on_recovered(runs): the PC answered recovered sheets
        self._mark_seen = None  # the marks the mount read (firmware/marks.py)
        self.numbers_unsure = False  # the marks are lost on a used journal (bound_by_raw)
        self._purged = []  # runs [first, count] purge() deleted (PURGE_LOG)
