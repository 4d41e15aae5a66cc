"""The journal of care sheets on the terminal's littlefs: signed sheets appended as records,
their states (synced, acknowledged, rejected...) appended after them, order numbers, purge.

Format, states, recovery, retention and the reserve are described in docs/journal.md. RAM
stays bounded: one status byte per live sheet and a few numbers per segment file; sheets
are streamed from flash, never loaded together. The format's pieces are in
firmware/journal_format.py, the reading of segments at boot in firmware/journal_mount.py.
"""

from firmware import marks, records
from firmware.journal_format import (  # noqa: F401 - the journal's names, imported from here
    ACKED,
    ALLOWED,
    DIR,
    DISMISSED,
    FLAG_THIRD_PARTY,
    FORMAT_VERSION,
    LOST,
    MAGIC,
    MAX_PAYLOAD,
    ORDERS,
    PURGE_LOG,
    PURGED,
    REJECTED,
    RESERVE_BYTES,
    RETENTION_DAYS,
    SEGMENT_BYTES,
    SHEET_HEAD,
    SHEET_ROOM,
    SIGNED,
    SKIP,
    STATE_NAMES,
    SYNCED,
    T_ANCHOR,
    T_GONE,
    T_HEADER,
    T_ORDERS,
    T_SHEET,
    T_STATE,
    JournalError,
    JournalFull,
    JournalState,
    Segment,
    SheetRecord,
    check_date,
    day_number,
    pro_int,
    pro_str,
    runs_of,
    sheet_record,
    state_body,
)
from firmware.journal_mount import JournalMount
from firmware.journal_read import JournalRead
from protocol.runs import merge_runs

U32 = 0xFFFFFFFF


class Journal(JournalMount, JournalRead):
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
        settle=True,
    ):
        """`settle`: bring the marks up to date at once (Storage passes False and calls
        settle() itself, after it has recovered what the damage left in the raw blocks)."""
        JournalState.__init__(self, fs, segment_bytes, reserve_bytes, order_batch, retention_days)
        self._mount()
        if settle:
            self.settle()

    # ------------------------------------------------------------ order numbers

    def reserve_order(self, pro_id) -> int:
        """The next order number of this professional on this terminal, durably reserved
        before it is returned: never handed out again, even after a power cut (R161-44 1°).
        Reserve it before the cards sign; a number whose sheet is never saved is a gap."""
        pro = pro_int(pro_id)
        n = self._next_order.get(pro, 1)
        if n > self._ceiling.get(pro, 0):
            ceilings = dict(self._ceiling)
            ceilings[pro] = n + max(1, self.order_batch) - 1
            self._write_ceilings(ceilings)
        self._next_order[pro] = n + 1
        return n

    def raise_orders(self, highs) -> None:
        """The PC holds sheets with order numbers up to highs[professional] (an int id)
        from this terminal: never hand them out again, even after the flash lost every
        trace of them (R161-44 1°). Written to journal/orders and the marks (both places)
        before it returns; nothing is written when no number moves (numbers reserved
        ahead by `order_batch` are skipped in RAM)."""
        ceilings = dict(self._ceiling)
        raised = {}
        for pro, high in highs.items():
            if not 0 <= pro < 10**11 or not 0 < high < U32:
                raise JournalError("numero d'ordre %r hors limite" % high)
            if high >= self._next_order.get(pro, 1):
                raised[pro] = high
                ceilings[pro] = max(ceilings.get(pro, 0), high)
        for pro, high in raised.items():
            self._next_order[pro] = high + 1
        if ceilings != self._ceiling:
            try:
                self._write_ceilings(ceilings)
            except (OSError, JournalError) as e:
                # Raised in RAM all the same: the next reserve_order() is above the ceiling
                # on flash, so it writes the new one before any sheet can take the number.
                self.problems.append("numeros d'ordre du PC non ecrits (%s)" % e)

    def _write_ceilings(self, ceilings):
        """Reserve up to `ceilings` (professional -> highest order number): journal/orders,
        then the marks (the second place), then RAM."""
        body = bytearray()
        for p in sorted(ceilings):
            body += p.to_bytes(5, "big")
            body += ceilings[p].to_bytes(4, "big")
        self._write(records.write_new, ORDERS, records.frame(T_ORDERS, bytes(body)))
        self._ceiling = ceilings
        self._write_marks(self._issued, self._next_rec, ceilings)

    def peek_order(self, pro_id) -> int:
        """The order number the next sheet of this professional will get (not reserved)."""
        return self._next_order.get(pro_int(pro_id), 1)

    # ------------------------------------------------------------ appending

    def can_accept_sheet(self) -> bool:
        """False when free space is under the reserve: the terminal asks for a sync and
        keeps that room for states, acknowledgements and the access log."""
        return self.free_bytes() >= self.reserve_bytes + SHEET_ROOM

    def append_sheet(self, payload, order_no, pro_id, completion_date, third_party) -> int:
        """Save a signed sheet; returns its record number once it is committed ("saved").

        Not refused for the reserve: the sheet is already signed and on the patient's card,
        so it takes the reserve if it must (check can_accept_sheet() before the visit).
        Raises JournalFull when the flash has no room at all, ValueError on bad arguments.
        """
        pro = pro_int(pro_id)
        check_date(completion_date, "date d'achevement")
        if not 0 < len(payload) <= MAX_PAYLOAD:
            raise ValueError("feuille de %d octets: taille invalide" % len(payload))
        if not self._saved_order.get(pro, 0) < order_no <= self._ceiling.get(pro, 0):
            raise ValueError("numero d'ordre %r non reserve ou deja utilise" % order_no)
        rec_no = self._next_rec
        if rec_no >= U32:  # its successor must fit the marks' 4 bytes (firmware/marks.py)
            raise JournalError("numeros de feuille epuises")
        seg = self._head_for_append()
        head = bytearray(rec_no.to_bytes(4, "big"))
        head += order_no.to_bytes(4, "big")
        head += pro.to_bytes(5, "big")
        head += completion_date.to_bytes(4, "big")
        head.append(FLAG_THIRD_PARTY if third_party else 0)
        # In pieces, the same bytes as records.frame: no second copy of the bundle.
        data = records.frame_pieces(T_SHEET, head, payload)
        self._write(records.append, seg.path, data)
        seg.status.append(SIGNED)
        seg.size += len(head) + len(payload) + records.OVERHEAD
        self._next_rec = rec_no + 1
        self._issued = rec_no
        self._saved_order[pro] = order_no
        # The second place of the highest number (firmware/marks.py), before "saved no. N":
        # a cut just before it leaves the segment itself, which the next boot reads. The
        # sheet is committed already: a failure here must not make it look unsaved.
        try:
            self._write_marks(rec_no, rec_no + 1, self._ceiling)
        except (OSError, JournalError):
            self.problems.append("reperes des numeros non ecrits apres la feuille %d" % rec_no)
        return rec_no

    def raise_next(self, rec_no) -> None:
        """The PC holds record numbers below `rec_no` from this terminal: never give them
        again, even if the flash lost every trace of them (written to the marks).

        The numbers skipped go to the purge log first (as T_GONE runs): the next boot must
        tell them from numbers the flash damage took (docs/journal.md "Flash damage"). The
        next sheet starts a new segment (_head_for_append), so the gap lies between two."""
        if rec_no > U32:
            raise JournalError("numero de feuille %d hors limite" % rec_no)
        if rec_no > self._next_rec:
            first, count = self._next_rec, rec_no - self._next_rec
            log = first.to_bytes(4, "big") + count.to_bytes(4, "big")
            try:
                self._write(records.append, PURGE_LOG, records.frame(T_GONE, log))
                self._purged = merge_runs(self._purged + [[first, count]])
            except (OSError, JournalError):
                self.problems.append("saut %d a %d non note: il sera signale" % (first, rec_no - 1))
            self._next_rec = rec_no
            self._write_marks(self._issued, rec_no, self._ceiling)

    def damaged_runs(self):
        """Runs (first, count) of record numbers the damage found at boot took."""
        return list(self.damaged)

    def _head_for_append(self):
        segs = self._segments
        if segs:
            head = segs[-1]
            # (a raise_next() leaves a gap: the numbers after it start a new segment)
            fits = head.first + head.count == self._next_rec
            if fits and not head.read_only and head.size < self.segment_bytes:
                return head
        return self._new_segment()

    def _new_segment(self):
        first = self._next_rec
        seg = Segment(first)
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

    def _write_marks(self, issued, next_rec, ceilings):
        """The second place of the numbers (firmware/marks.py); not through _write(), which
        the power-cut bench's broken journals (tests/powercut_faulty.py) override."""
        try:
            marks.save(self.fs, issued, next_rec, ceilings)
        except OSError as e:
            if e.args and e.args[0] == 28:  # ENOSPC
                raise JournalFull("memoire pleine: synchronisation necessaire")
            raise

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
        check_date(today, "date du jour")
        day_no = day_number(today)
        allowed = ALLOWED[state]
        wanted = sorted(set(rec_nos))
        changed = self._set_recovered(state, [n for n in wanted if n in self._recovered], allowed)
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
            data = records.frame(T_STATE, state_body(state, today, runs_of(mine)))
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
        check_date(today, "date du jour")
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
        data = records.frame(T_STATE, state_body(PURGED, today, runs))
        try:
            self._write(records.append, head.path, data)
            head.size += len(data)
        except JournalFull:
            pass  # the note only traces the purge: on a full flash, deleting comes first
        # The purge log tells a purged number from a lost one at the next boots (a gap
        # between segments is damage unless purged: docs/journal.md "Flash damage").
        log = b"".join(f.to_bytes(4, "big") + c.to_bytes(4, "big") for f, c in runs)
        try:
            self._write(records.append, PURGE_LOG, records.frame(T_GONE, log))
            self._purged.extend([f, c] for f, c in runs)
        except JournalError:
            self.problems.append("purge non notee: ces numeros seront signales")
        purged = 0
        for seg in victims:
            self.fs.remove(seg.path)
            self._segments.remove(seg)
            purged += seg.count
        return purged

    def free_bytes(self) -> int:
        """Free bytes of the flash; 0 when littlefs finds its own metadata corrupt while
        counting, or refused a write for it (damage: the terminal refuses visits)."""
        if self.corrupt_fs:
            return 0
        try:
            return self.fs.free_bytes()
        except OSError as e:
            self.refuse_writes("comptage impossible (%s)" % e)
            return 0

    def refuse_writes(self, why) -> None:
        """littlefs found its own metadata damaged: no new visit (free_bytes() is 0 from
        now on), said on the screen and to the PC (docs/journal.md "Flash damage")."""
        if not self.corrupt_fs:
            self.corrupt_fs = True
            self.problems.append("systeme de fichiers endommage: visites refusees (%s)" % why)

    def segment_count(self) -> int:
        return len(self._segments)
