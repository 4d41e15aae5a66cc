"""Mounting the journal at boot: every segment read once, every CRC checked, torn tails cut
off, damage kept read-only and measured in record numbers (docs/journal.md "Recovery at
boot" and "Flash damage"). `Journal` (firmware/journal.py) inherits this.

Past a damaged record the scan resynchronises on the next record whose CRC holds, so the
sheets after the damage stay readable; the numbers that are missing are `damaged`: runs of
(first, count) the storage keeps in its damage log and reports to the PC at every sync.
"""

from firmware import marks, records
from firmware.journal_format import (
    ALLOWED,
    DIR,
    FORMAT_VERSION,
    LOST,
    MAGIC,
    ORDERS,
    PURGE_LOG,
    PURGED,
    SHEET_HEAD,
    SIGNED,
    SKIP,
    T_ANCHOR,
    T_GONE,
    T_HEADER,
    T_ORDERS,
    T_SHEET,
    T_STATE,
    JournalState,
    Segment,
    day_number,
)
from protocol.runs import merge_runs

_TYPES = (T_SHEET, T_STATE, T_ANCHOR)


class JournalMount(JournalState):
    def _mount(self):
        # (*.new files are unfinished atomic writes: never renamed, so never promised)
        for first in records.numbered_files(self.fs, DIR, self.problems, ("orders",)):
            self._segments.append(Segment(first))
        self._read_purge_log()
        found_end = 1  # just past the highest record number read
        skip_end = 1  # where numbering resumes when the marks are lost too
        for seg in self._segments:
            self._scan(seg)
            end = seg.first + seg.count
            found_end = max(found_end, end)
            if seg.read_only:
                # Sheets beyond the damage may have been synced: never reuse their numbers.
                end = seg.first + seg.size // (records.OVERHEAD + SHEET_HEAD) + SKIP
            skip_end = max(skip_end, end)
        mark = marks.load(self.fs)
        # Lost marks on a journal that was used: the raw blocks bound the numbers too
        # (Storage calls bound_by_raw before the first write).
        # No marks, no segment, no orders, yet files left (the access log, the certificates,
        # written only after the marks at the first boot): a used flash whose directories
        # fell back on older copies; sheets may lie in its raw blocks (R161-44 1°).
        used = (
            mark is None and not getattr(self.fs, "formatted_now", True) and _holds_files(self.fs)
        )
        self.numbers_unsure = mark is None and bool(
            self._segments or self._purged or self.fs.exists(ORDERS) or used
        )
        if self.numbers_unsure:
            self.problems.append("reperes des numeros illisibles: numeros sautes si besoin")
        high = mark[0] if mark is not None else 0
        self._note_lost(found_end, high)
        self._issued = max(found_end - 1, high)
        self._next_rec = max(found_end, high + 1, mark[1] if mark is not None else 0)
        if mark is None:  # nothing else bounds what the damaged segments held
            self._next_rec = max(self._next_rec, skip_end)
        if self._saved_order or self.fs.exists(ORDERS):
            self._read_orders(mark)
        for pro, ceiling in (mark[2] if mark is not None else {}).items():
            if ceiling > self._ceiling.get(pro, 0):
                self._ceiling[pro] = ceiling
        for pro, saved in self._saved_order.items():
            if saved > self._ceiling.get(pro, 0):
                self._ceiling[pro] = saved
        for pro, ceiling in self._ceiling.items():
            self._next_order[pro] = ceiling + 1
        self._mark_seen = mark

    def settle(self):
        """The first write after the mount: the lagging place of the numbers catches up
        (written only when it differs from what the mount found)."""
        mark = self._mark_seen
        now = (self._issued, self._next_rec, self._ceiling)
        if mark is None or (mark[0], mark[1], mark[2]) != now:
            self._save_marks()

    def _note_lost(self, found_end, high):
        """Record numbers promised and not found: gaps inside segments, gaps between
        segments (and below the oldest) that no purge explains, the end of a damaged
        segment up to the next one, and the end of the journal up to the marks. Kept as
        intervals: a lost purge log must not cost a list of every old number."""
        spans = []  # (first, end) half-open
        segs = self._segments
        if segs:  # numbers below the oldest segment are purged, or lost with their file
            spans += self._unpurged(1, segs[0].first)
        for i, seg in enumerate(segs):
            for k in range(seg.count):
                if seg.status[k] == LOST:
                    spans.append((seg.first + k, seg.first + k + 1))
            if i + 1 < len(segs):
                # Segments follow each other: a gap is a purge, or damage (the file fell
                # back on an older, shorter version; the rest of a damaged segment).
                lo, hi = seg.first + seg.count, segs[i + 1].first
                spans += [(lo, hi)] if seg.read_only else self._unpurged(lo, hi)
        if high >= found_end:
            spans.append((found_end, high + 1))
            self.problems.append("feuilles %d a %d introuvables: endommagees" % (found_end, high))
        self.damaged = merge_runs([lo, hi - lo] for lo, hi in spans)

    def _unpurged(self, lo, hi):
        """The spans of [lo, hi) that no purge logged covers."""
        out = []
        at = lo
        for first, count in self._purged:  # sorted and merged by _read_purge_log
            if first + count <= at:
                continue
            if first >= hi:
                break
            if first > at:
                out.append((at, first))
            at = first + count
        if at < hi:
            out.append((at, hi))
        return out

    def _read_purge_log(self):
        try:
            if not self.fs.exists(PURGE_LOG):
                return
            with records.RecordFile(self.fs, PURGE_LOG) as rf:
                for rtype, body, _ in rf:
                    for i in range(0, len(body) - 7 if rtype == T_GONE else 0, 8):
                        self._purged.append([records.u32(body, i), records.u32(body, i + 4)])
        except OSError:
            self.problems.append("journal des purges illisible")
        self._purged = merge_runs(self._purged)

    def _save_marks(self):
        try:
            marks.save(self.fs, self._issued, self._next_rec, self._ceiling)
        except OSError as e:  # a full or failing flash: the orders file and segments hold
            self.problems.append("reperes des numeros non ecrits (%s)" % e)

    def _scan(self, seg):
        try:
            reader = records.RecordFile(self.fs, seg.path)
        except OSError as e:
            self._damaged(seg, "illisible (%s)" % e)
            return
        seg.size = reader.size  # stays the whole file when damaged (bounds record numbers)
        try:
            with reader:
                self._scan_records(seg, reader)
        except OSError as e:  # littlefs itself found the file's blocks corrupt
            self._damaged(seg, "lecture interrompue (%s)" % e)
            return
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
            rec = reader.resync(_TYPES)
        else:
            rec = reader.next()
        while True:
            if rec is None:
                # A bad record with a valid one after it is damage, whatever its length
                # says; only a bad record with nothing valid after it is a torn tail.
                stopped, at = reader.outcome, reader.offset
                if stopped == records.END:
                    break
                rec = reader.resync(_TYPES)
                if rec is None:
                    reader.outcome = stopped
                    if stopped == records.DAMAGED:
                        self._damaged(seg, "enregistrement endommage a l'octet %d" % at)
                    break
                self._damaged(seg, "enregistrement endommage a l'octet %d" % at)
            self._apply(seg, rec[0], rec[1])
            rec = reader.next()
        if not seg.read_only:
            seg.size = reader.offset

    def _apply(self, seg, rtype, body):
        if rtype == T_SHEET and len(body) >= SHEET_HEAD:
            rec_no = records.u32(body, 0)
            k = rec_no - seg.first
            if k < seg.count or k > SKIP:  # a repeat, or a number no segment can hold
                self._damaged(seg, "feuille %d hors sequence" % rec_no)
                return
            if k > seg.count:
                self._damaged(
                    seg, "feuilles %d a %d manquantes" % (seg.first + seg.count, rec_no - 1)
                )
                seg.status.extend(bytes((LOST,)) * (k - seg.count))
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

    def _header_ok(self, seg, body):
        if len(body) != 45 or body[:4] != MAGIC or records.u32(body, 5) != seg.first:
            return False
        if body[4] != FORMAT_VERSION:
            return False
        self._note_anchor(records.u32(body, 9), body[13:45])
        return True

    def _damaged(self, seg, why):
        if not seg.read_only:
            seg.read_only = True
            self.problems.append("segment %s/%s %s: lecture seule, conserve" % (DIR, seg.name, why))

    def _apply_state(self, seg, body):
        state = body[0]
        ymd = records.u32(body, 1)
        allowed = ALLOWED.get(state)
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

    def _read_orders(self, mark):
        """Read the reserved ceilings; a lost or unreadable file (while sheets exist) is
        reported and answered by the marks, or when they are lost too by skipping numbers."""
        try:
            rec = records.first_record(self.fs, ORDERS)
        except OSError:
            rec = None
        if rec is None or rec[0] != T_ORDERS or len(rec[1]) % 9:
            self.problems.append("fichier des numeros d'ordre illisible")
            if mark is not None:
                return  # the marks hold the same ceilings (firmware/marks.py)
            # Numbers between the last saved sheet and the lost reservations may be on a
            # patient's card already: skip a wide margin rather than reuse one (R161-44 1°).
            self.problems.append("numeros d'ordre sautes")
            for pro in self._saved_order:
                self._ceiling[pro] = self._saved_order[pro] + SKIP
            return
        body = rec[1]
        for i in range(0, len(body), 9):
            self._ceiling[int.from_bytes(body[i : i + 5], "big")] = records.u32(body, i + 5)


def _holds_files(fs):
    """True when the filesystem holds a finished file (in its root or one folder down; a
    *.new file is an atomic write the power cut short, never promised)."""
    for name in fs.listdir(""):
        try:
            inside = fs.listdir(name)
        except OSError:  # a file, not a folder
            if not name.endswith(".new"):
                return True
            continue
        for n in inside:
            if not n.endswith(".new"):
                return True
    return False
