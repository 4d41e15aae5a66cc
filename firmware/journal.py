"""The journal of care sheets on the terminal's littlefs: signed sheets appended as records,
their states (synced, acknowledged, rejected...) appended after them, order numbers, purge.

Format, states, recovery, retention and the reserve are described in docs/journal.md. RAM
stays bounded: one status byte per live sheet and a few numbers per segment file; sheets
are streamed from flash, never loaded together.
"""

from firmware import records
from protocol.dates import ymd_to_days as day_number  # emulator/powercut.py imports it from here

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

# Sheet states. PURGED is never stored on a sheet: a purged sheet's segment is gone.
SIGNED = 1  # saved on the terminal, not yet sent
SYNCED = 2  # sent to the practice PC, no acknowledgement yet
ACKED = 3  # the PC committed it
REJECTED = 4  # the PC received it and quarantined it: stays, shown on the terminal
DISMISSED = 5  # a rejected sheet the professional has seen: retained like an acknowledged one
PURGED = 6  # deleted after the retention period (R161-47)
STATE_NAMES = ("?", "signed", "synced", "acknowledged", "rejected", "dismissed", "purged")

# Which state may follow which: the first final answer of the PC wins, repeats change nothing.
_ALLOWED = {
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
_SHEET_HEAD = 18  # rec u32, order u32, professional 5 bytes, date u32, flags u8
_FLAG_THIRD_PARTY = 1
_SKIP = 1000  # numbers skipped past damage: more than a segment can hold, never reused


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


class _Segment:
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


def _check_date(ymd, what):
    if not isinstance(ymd, int) or not 19700101 <= ymd <= 29991231:
        raise ValueError("%s invalide: %r (attendu AAAAMMJJ)" % (what, ymd))
    m, d = ymd // 100 % 100, ymd % 100
    if not (1 <= m <= 12 and 1 <= d <= 31):
        raise ValueError("%s invalide: %r (attendu AAAAMMJJ)" % (what, ymd))


def _pro_int(pro_id) -> int:
    if not isinstance(pro_id, str) or len(pro_id) != 11 or not pro_id.isdigit():
        raise ValueError("identifiant du professionnel invalide: 11 chiffres attendus")
    return int(pro_id)


def _pro_str(pro) -> str:
    s = str(pro)
    return "0" * (11 - len(s)) + s


def _ranges(numbers):
    """Sorted ints -> [(first, count)] runs."""
    out = []
    for n in numbers:
        if out and out[-1][0] + out[-1][1] == n:
            out[-1][1] += 1
        else:
            out.append([n, 1])
    return out


def _state_body(state, ymd, runs) -> bytes:
    body = bytearray((state,))
    body += ymd.to_bytes(4, "big")
    for first, count in runs:
        body += first.to_bytes(4, "big")
        body += count.to_bytes(2, "big")
    return bytes(body)


class Journal:
    """The sheets of this terminal on its littlefs (`fs`, a hal.FileSystem).

    Opening mounts the journal: it reads every segment once, checks every CRC, cuts off a
    torn tail, and lists anything it cannot use in `problems` (French sentences) without
    deleting it. Each method that writes returns only once its data is committed.
    """

    def __init__(
        self,
        fs,
        segment_bytes=SEGMENT_BYTES,
        reserve_bytes=RESERVE_BYTES,
        order_batch=1,
        retention_days=RETENTION_DAYS,
    ):
        self.fs = fs
        self.segment_bytes = segment_bytes
        self.reserve_bytes = reserve_bytes
        self.order_batch = order_batch
        self.retention_days = retention_days
        self.problems = []
        self._segments = []
        self._next_rec = 1
        self._ceiling = {}  # professional (int) -> highest order number durably reserved
        self._next_order = {}  # professional -> next order number to hand out
        self._saved_order = {}  # professional -> highest order number saved in a sheet
        self._anchor_seq = 0
        self._anchor_hash = b"\x00" * 32
        self._mount()

    # ------------------------------------------------------------ mount and recovery

    def _mount(self):
        # (*.new files are unfinished atomic writes: never renamed, so never promised)
        for first in records.numbered_files(self.fs, DIR, self.problems, ("orders",)):
            self._segments.append(_Segment(first))
        for seg in self._segments:
            self._scan(seg)
            end = seg.first + seg.count
            if seg.read_only:
                # Sheets beyond the damage may have been synced: never reuse their numbers.
                end = seg.first + seg.size // (records.OVERHEAD + _SHEET_HEAD) + _SKIP
            if end > self._next_rec:
                self._next_rec = end
        if self._saved_order or self.fs.exists(ORDERS):
            self._read_orders()
        for pro, saved in self._saved_order.items():
            if saved > self._ceiling.get(pro, 0):
                self._ceiling[pro] = saved
        for pro, ceiling in self._ceiling.items():
            self._next_order[pro] = ceiling + 1

    def _scan(self, seg):
        try:
            reader = records.RecordFile(self.fs, seg.path)
        except OSError as e:
            self._damaged(seg, "illisible (%s)" % e)
            return
        seg.size = reader.size  # stays the whole file when damaged (bounds record numbers)
        with reader:
            self._scan_records(seg, reader)
        if reader.outcome == records.TORN and not seg.read_only:
            # A write the power cut short was never promised: cut it off before appending.
            try:
                records.truncate_copy(self.fs, seg.path, reader.offset)
                seg.size = reader.offset
            except OSError as e:
                self._damaged(seg, "fin incomplete non reparee (%s)" % e)

    def _scan_records(self, seg, reader):
        rec = reader.next()
        if rec is None or rec[0] != T_HEADER or not self._header_ok(seg, rec[1]):
            self._damaged(seg, "en-tete illisible")
            return
        for rtype, body, _ in reader:
            if rtype == T_SHEET and len(body) >= _SHEET_HEAD:
                rec_no = records.u32(body, 0)
                if rec_no != seg.first + seg.count:
                    self._damaged(seg, "feuille %d hors sequence" % rec_no)
                    return
                order = records.u32(body, 4)
                pro = int.from_bytes(body[8:13], "big")
                if order > self._saved_order.get(pro, 0):
                    self._saved_order[pro] = order
                seg.status.append(SIGNED)
            elif rtype == T_STATE and len(body) >= 5:
                self._apply_state(seg, body)
            elif rtype == T_ANCHOR and len(body) == 36:
                self._note_anchor(records.u32(body, 0), body[4:])
            else:
                self._damaged(seg, "enregistrement inconnu (type %d)" % rtype)
                return
        if reader.outcome == records.DAMAGED:
            self._damaged(seg, "enregistrement endommage a l'octet %d" % reader.offset)
        else:
            seg.size = reader.offset

    def _header_ok(self, seg, body):
        if len(body) != 45 or body[:4] != MAGIC or records.u32(body, 5) != seg.first:
            return False
        if body[4] != FORMAT_VERSION:
            return False
        self._note_anchor(records.u32(body, 9), body[13:45])
        return True

    def _damaged(self, seg, why):
        seg.read_only = True
        self.problems.append("segment %s/%s %s: lecture seule, conserve" % (DIR, seg.name, why))

    def _apply_state(self, seg, body):
        state = body[0]
        ymd = records.u32(body, 1)
        allowed = _ALLOWED.get(state)
        if allowed is None or state == PURGED:
            return  # PURGED notes name sheets of other (deleted) segments
        day_no = day_number(ymd)
        i = 5
        while i + 6 <= len(body):
            first = records.u32(body, i)
            count = (body[i + 4] << 8) | body[i + 5]
            i += 6
            for rec_no in range(first, first + count):
                k = rec_no - seg.first
                if 0 <= k < seg.count and seg.status[k] in allowed:
                    seg.set(k, state, day_no)

    def _note_anchor(self, seq, digest):
        if seq > self._anchor_seq:
            self._anchor_seq = seq
            self._anchor_hash = bytes(digest)

    def _read_orders(self):
        """Read the reserved ceilings; a lost or unreadable file (while sheets exist) is
        reported and answered by skipping numbers."""
        try:
            rec = records.first_record(self.fs, ORDERS)
        except OSError:
            rec = None
        if rec is None or rec[0] != T_ORDERS or len(rec[1]) % 9:
            # Numbers between the last saved sheet and the lost reservations may be on a
            # patient's card already: skip a wide margin rather than reuse one (R161-44 1°).
            self.problems.append("fichier des numeros d'ordre illisible: numeros sautes")
            for pro in self._saved_order:
                self._ceiling[pro] = self._saved_order[pro] + _SKIP
            return
        body = rec[1]
        for i in range(0, len(body), 9):
            self._ceiling[int.from_bytes(body[i : i + 5], "big")] = records.u32(body, i + 5)

    # ------------------------------------------------------------ order numbers

    def reserve_order(self, pro_id) -> int:
        """The next order number of this professional on this terminal, durably reserved
        before it is returned: never handed out again, even after a power cut (R161-44 1°).
        Reserve it before the cards sign; a number whose sheet is never saved is a gap."""
        pro = _pro_int(pro_id)
        n = self._next_order.get(pro, 1)
        if n > self._ceiling.get(pro, 0):
            ceilings = dict(self._ceiling)
            ceilings[pro] = n + max(1, self.order_batch) - 1
            body = bytearray()
            for p in sorted(ceilings):
                body += p.to_bytes(5, "big")
                body += ceilings[p].to_bytes(4, "big")
            self._write(records.write_new, ORDERS, records.frame(T_ORDERS, bytes(body)))
            self._ceiling = ceilings
        self._next_order[pro] = n + 1
        return n

    # ------------------------------------------------------------ appending

    def can_accept_sheet(self) -> bool:
        """False when free space is under the reserve: the terminal asks for a sync and
        keeps that room for states, acknowledgements and the access log."""
        return self.fs.free_bytes() >= self.reserve_bytes + SHEET_ROOM

    def append_sheet(self, payload, order_no, pro_id, completion_date, third_party) -> int:
        """Save a signed sheet; returns its record number once it is committed ("saved").

        Not refused for the reserve: the sheet is already signed and on the patient's card,
        so it takes the reserve if it must (check can_accept_sheet() before the visit).
        Raises JournalFull when the flash has no room at all, ValueError on bad arguments.
        """
        pro = _pro_int(pro_id)
        _check_date(completion_date, "date d'achevement")
        if not 0 < len(payload) <= MAX_PAYLOAD:
            raise ValueError("feuille de %d octets: taille invalide" % len(payload))
        if not self._saved_order.get(pro, 0) < order_no <= self._ceiling.get(pro, 0):
            raise ValueError("numero d'ordre %r non reserve ou deja utilise" % order_no)
        seg = self._head_for_append()
        rec_no = self._next_rec
        head = bytearray(rec_no.to_bytes(4, "big"))
        head += order_no.to_bytes(4, "big")
        head += pro.to_bytes(5, "big")
        head += completion_date.to_bytes(4, "big")
        head.append(_FLAG_THIRD_PARTY if third_party else 0)
        data = records.frame(T_SHEET, bytes(head) + bytes(payload))
        self._write(records.append, seg.path, data)
        seg.status.append(SIGNED)
        seg.size += len(data)
        self._next_rec = rec_no + 1
        self._saved_order[pro] = order_no
        return rec_no

    def _head_for_append(self):
        segs = self._segments
        if segs:
            head = segs[-1]
            if not head.read_only and head.size < self.segment_bytes:
                return head
        return self._new_segment()

    def _new_segment(self):
        first = self._next_rec
        seg = _Segment(first)
        body = MAGIC + bytes((FORMAT_VERSION,)) + first.to_bytes(4, "big")
        body += self._anchor_seq.to_bytes(4, "big") + self._anchor_hash
        data = records.frame(T_HEADER, body)
        self._write(records.write_new, seg.path, data)
        seg.size = len(data)
        if self._segments and self._segments[-1].first == first:
            self._segments[-1] = seg  # an empty head replaced by an identical one
        else:
            self._segments.append(seg)
        return seg

    def _write(self, fn, path, data):
        try:
            fn(self.fs, path, data)
        except OSError as e:
            if e.args and e.args[0] == 28:  # ENOSPC
                raise JournalFull("memoire pleine: synchronisation necessaire")
            raise

    # ------------------------------------------------------------ states

    def mark_synced(self, rec_nos, today) -> int:
        """Note that these sheets were sent to the practice PC; returns how many changed."""
        return self._set_state(SYNCED, rec_nos, today)

    def acknowledge(self, rec_nos, today) -> int:
        """The PC committed these sheets: once this returns, the acknowledgement holds.
        Idempotent: sheets already acknowledged, or unknown, change nothing."""
        return self._set_state(ACKED, rec_nos, today)

    def reject(self, rec_nos, today) -> int:
        """The PC received these sheets and quarantined them: they stay on the terminal,
        listed by headers((REJECTED,)), until the professional dismisses them."""
        return self._set_state(REJECTED, rec_nos, today)

    def dismiss(self, rec_nos, today) -> int:
        """The professional has seen these rejected sheets: from today they follow the
        retention of acknowledged sheets."""
        return self._set_state(DISMISSED, rec_nos, today)

    def _set_state(self, state, rec_nos, today):
        _check_date(today, "date du jour")
        day_no = day_number(today)
        allowed = _ALLOWED[state]
        changed = 0
        wanted = sorted(set(rec_nos))
        i = 0
        for seg in self._segments:
            end = seg.first + seg.count
            mine = []
            while i < len(wanted) and wanted[i] < end:
                k = wanted[i] - seg.first
                if k >= 0 and seg.status[k] in allowed:
                    mine.append(wanted[i])
                i += 1
            if not mine:
                continue
            if seg.read_only:
                self.problems.append("etat non note: segment %s en lecture seule" % seg.name)
                continue
            data = records.frame(T_STATE, _state_body(state, today, _ranges(mine)))
            self._write(records.append, seg.path, data)
            seg.size += len(data)
            for rec_no in mine:
                seg.set(rec_no - seg.first, state, day_no)
            changed += len(mine)
        return changed

    def anchor_access_log(self, seq, digest) -> None:
        """Write the access log's chain head (entry number, SHA-256) into the journal, so a
        cut-off tail of the log is detected (docs/journal.md)."""
        if seq <= self._anchor_seq:
            return
        seg = self._head_for_append()
        data = records.frame(T_ANCHOR, seq.to_bytes(4, "big") + bytes(digest))
        self._write(records.append, seg.path, data)
        seg.size += len(data)
        self._note_anchor(seq, digest)

    def access_log_anchor(self):
        """(entry number, SHA-256) of the latest access-log head written here, or None."""
        return (self._anchor_seq, self._anchor_hash) if self._anchor_seq else None

    # ------------------------------------------------------------ retention

    def purge(self, today) -> int:
        """Delete the sheets acknowledged (or rejected then dismissed) at least the
        retention period before `today` (R161-47 I: 90 days), whole segment files at a
        time; a segment holding any other sheet stays. Returns the number of sheets
        deleted. Needs no free space beyond a small note; a cut leaves it to redo."""
        _check_date(today, "date du jour")
        limit = day_number(today) - self.retention_days
        victims = []
        for seg in self._segments:
            done = seg.n(ACKED, DISMISSED)
            if not seg.read_only and seg.count and done == seg.count and seg.release <= limit:
                victims.append(seg)
        if victims and victims[-1] is self._segments[-1]:
            try:
                self._new_segment()  # keeps the record numbering and the anchor going
            except JournalFull:
                victims.pop()  # the newest stays until there is room for its successor
        if not victims:
            return 0
        runs = [(seg.first, seg.count) for seg in victims]
        head = self._segments[-1]
        data = records.frame(T_STATE, _state_body(PURGED, today, runs))
        try:
            self._write(records.append, head.path, data)
            head.size += len(data)
        except JournalFull:
            pass  # the note only traces the purge: on a full flash, deleting comes first
        purged = 0
        for seg in victims:
            self.fs.remove(seg.path)
            self._segments.remove(seg)
            purged += seg.count
        return purged

    # ------------------------------------------------------------ reading

    def status(self, rec_no):
        """State of a record number: SIGNED...DISMISSED, PURGED, or None (never given)."""
        for seg in self._segments:
            if seg.first <= rec_no < seg.first + seg.count:
                return seg.status[rec_no - seg.first]
        return PURGED if 0 < rec_no < self._next_rec else None

    @property
    def next_rec_no(self) -> int:
        return self._next_rec

    def count(self, *states) -> int:
        return sum(seg.n(*states) for seg in self._segments)

    def pending_count(self) -> int:
        """Sheets never sent to the PC."""
        return self.count(SIGNED)

    def unacknowledged_count(self) -> int:
        """Sheets the PC has not committed yet (never sent, or sent and not acknowledged)."""
        return self.count(SIGNED, SYNCED)

    def records_after(self, cursor=0, max_count=0, max_bytes=0, states=(SIGNED, SYNCED)):
        """Yield the sheets (SheetRecord with payload) numbered above `cursor`, oldest
        first, whose state is in `states` (None: every live sheet), at most `max_count` of
        them and at most `max_bytes` of payload (the first is always given). One record is
        in RAM at a time; do not write to the journal while iterating."""
        return self._iter(cursor, max_count, max_bytes, states, True)

    def headers(self, states=(SIGNED, SYNCED), cursor=0):
        """Like records_after() without payloads (read past, not loaded): for deadline
        warnings, the list of rejected sheets, counts by date."""
        return self._iter(cursor, 0, 0, states, False)

    def get(self, rec_no):
        """The live sheet `rec_no` with its payload, or None."""
        for r in self._iter(rec_no - 1, 1, 0, None, True):
            return r if r.rec_no == rec_no else None
        return None

    def _iter(self, cursor, max_count, max_bytes, states, with_payload):
        given = 0
        size = 0
        for seg in list(self._segments):
            if seg.first + seg.count <= cursor + 1 or not seg.count:
                continue
            if states is not None and not seg.n(*states):
                continue
            with records.RecordFile(self.fs, seg.path, 0 if with_payload else _SHEET_HEAD) as rf:
                for rtype, body, _ in rf:
                    if rtype != T_SHEET:
                        continue
                    rec_no = records.u32(body, 0)
                    k = rec_no - seg.first
                    if rec_no <= cursor or k >= seg.count:
                        continue
                    status = seg.status[k]
                    if states is not None and status not in states:
                        continue
                    payload = body[_SHEET_HEAD:] if with_payload else None
                    if payload is not None and max_bytes and given:
                        if size + len(payload) > max_bytes:
                            return
                    yield SheetRecord(
                        rec_no,
                        records.u32(body, 4),
                        _pro_str(int.from_bytes(body[8:13], "big")),
                        records.u32(body, 13),
                        bool(body[17] & _FLAG_THIRD_PARTY),
                        status,
                        payload,
                    )
                    given += 1
                    size += len(payload) if payload is not None else 0
                    if max_count and given >= max_count:
                        return

    def oldest_unacknowledged_date(self, third_party=None):
        """Earliest completion date (YYYYMMDD) of a sheet the PC has not committed, among
        third-party-paid sheets (True), directly paid ones (False) or all (None); None when
        there is none. Starts the transmission deadline (R161-47 I 1°)."""
        oldest = None
        for r in self.headers((SIGNED, SYNCED)):
            if third_party is None or r.third_party == third_party:
                if oldest is None or r.completion_date < oldest:
                    oldest = r.completion_date
        return oldest

    def free_bytes(self) -> int:
        return self.fs.free_bytes()

    def segment_count(self) -> int:
        return len(self._segments)
