"""Reading the journal: states, counts, and sheets streamed from flash one record at a
time (docs/journal.md "Using it"); `Journal` (firmware/journal.py) inherits this.

Sheets the flash damage took from their segment (a lost tail, an unreadable file) but that a
raw scan of the blocks still finds with a valid CRC (firmware/salvage.py) are *recovered*:
served with the others, in record order, their states kept in RAM; once the PC has
acknowledged them the damage log remembers it (firmware/damagelog.py), so they are not sent
again after the next boot.
"""

from firmware import records
from firmware.journal_format import (
    ACKED,
    LOST,
    PURGED,
    REJECTED,
    SHEET_HEAD,
    SIGNED,
    SKIP,
    SYNCED,
    T_SHEET,
    JournalState,
    oldest_completion,
    runs_of,
    sheet_record,
)
from firmware.marks import T_MARK, read_mark
from protocol.runs import in_runs, intersect_runs, merge_runs, subtract_runs

# RAM the recovered sheets may take (about 60 sheets of 380 bytes); numbers beyond it stay
# reported as damaged. A few per cent of the heap the terminal boots with (docs/journal.md).
RECOVER_BYTES = 24 * 1024


class JournalRead(JournalState):
    def recover(self, scan, done=()):
        """Take the sheets of lost record numbers from `scan` (a salvage.RawScan) into RAM,
        before anything is written (the blocks they lie in are free to littlefs, so the
        next write may erase them), at most RECOVER_BYTES; `done`: runs the PC already
        answered after an earlier recovery. Returns how many were recovered."""
        # Runs throughout: a gap of a million numbers must not cost a set of them at boot.
        damaged = merge_runs(self.damaged)
        done = merge_runs(done)
        for first, count in intersect_runs(damaged, done):  # sheets once recovered: few
            for n in range(first, first + count):
                self._recovered_status[n] = ACKED
        lost = subtract_runs(damaged, done)
        room = RECOVER_BYTES
        for body, _ in scan.bodies(T_SHEET):
            if len(body) > SHEET_HEAD and len(body) <= room:
                rec_no = records.u32(body, 0)
                if rec_no not in self._recovered and in_runs(rec_no, lost):
                    self._recovered[rec_no] = bytes(body)
                    self._recovered_status[rec_no] = SIGNED
                    room -= len(body)
        self.damaged = subtract_runs(lost, runs_of(sorted(self._recovered)))
        if self._recovered:
            self.problems.append("%d feuilles recuperees hors du journal" % len(self._recovered))
        return len(self._recovered)

    def bound_by_raw(self, scan):
        """The marks are lost (`numbers_unsure`): the raw blocks bound the numbers. Record
        numbers from the journal's end up to the highest that a sheet or an old copy of the
        marks lying there shows are lost (recover() then takes the sheets still there), and
        the numbering resumes above; an order number found above a ceiling skips SKIP past
        it, as a lost journal/orders does (R161-44 1°). Call before the first write."""
        high, floor, orders = 0, 0, {}
        for body, _ in scan.bodies(T_SHEET):
            if len(body) >= SHEET_HEAD:
                high = max(high, records.u32(body, 0))
                pro = int.from_bytes(body[8:13], "big")
                orders[pro] = max(orders.get(pro, 0), records.u32(body, 4))
        for body, _ in scan.bodies(T_MARK):
            mark = read_mark(body)
            if mark is not None:
                high = max(high, mark[0])  # issued: sheets; "next" may be a PC raise
                floor = max(floor, mark[1])
                for pro, ceiling in mark[2].items():
                    orders[pro] = max(orders.get(pro, 0), ceiling)
        if high >= self._next_rec:
            lost = [self._next_rec, high - self._next_rec + 1]
            self.damaged = merge_runs(self.damaged + [lost])
            self._issued = high
            self._next_rec = high + 1
        self._next_rec = max(self._next_rec, floor)
        for pro, order in orders.items():
            if order > self._ceiling.get(pro, 0):
                self._ceiling[pro] = order + SKIP
                self._next_order[pro] = order + SKIP + 1
                self.problems.append("numeros d'ordre sautes")

    def _set_recovered(self, state, rec_nos, allowed):
        """State changes of recovered sheets: in RAM; final answers go to `on_recovered`."""
        changed = []
        for n in rec_nos:
            if self._recovered_status.get(n) in allowed:
                self._recovered_status[n] = state
                changed.append(n)
        if changed and state in (ACKED, REJECTED):
            self.on_recovered(runs_of(changed))
        return len(changed)

    def status(self, rec_no):
        """State of a record number: SIGNED...DISMISSED, PURGED, LOST (flash damage took
        it), or None (never given)."""
        if rec_no in self._recovered_status:
            return self._recovered_status[rec_no]
        for seg in self._segments:
            if seg.first <= rec_no < seg.first + seg.count:
                return seg.status[rec_no - seg.first]
        for first, count in self.damaged:
            if first <= rec_no < first + count:
                return LOST  # named to the PC as damaged, never purged
        return PURGED if 0 < rec_no < self._next_rec else None

    def held_runs(self):
        """Ascending disjoint runs of the record numbers whose sheets this journal holds
        (its segments and the recovered sheets). A range the PC names (an ACK's runs, a
        stream's span) is intersected with these, never walked: ACK [10, 2^32 - 10] must
        cost what the journal holds, not four billion look-ups (docs/protocol.md "Loops
        bounded by what the terminal holds")."""
        runs = [[seg.first, seg.count] for seg in self._segments if seg.count]
        return merge_runs(runs + runs_of(sorted(self._recovered_status)))

    @property
    def next_rec_no(self) -> int:
        return self._next_rec

    def count(self, *states) -> int:
        n = sum(seg.n(*states) for seg in self._segments)
        return n + sum(1 for s in self._recovered_status.values() if s in states)

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
        extra = sorted(
            n
            for n, st in self._recovered_status.items()
            if n > cursor and n in self._recovered and (states is None or st in states)
        )
        for r in self._merged(
            self._iter_segments(cursor, states, with_payload), extra, with_payload
        ):
            payload = r.payload
            if payload is not None and max_bytes and given:
                if size + len(payload) > max_bytes:
                    return
            yield r
            given += 1
            size += len(payload) if payload is not None else 0
            if max_count and given >= max_count:
                return

    def _merged(self, from_segments, extra, with_payload):
        """The segments' sheets and the recovered ones, in record order."""
        i = 0
        for r in from_segments:
            while i < len(extra) and extra[i] < r.rec_no:
                yield self._recovered_record(extra[i], with_payload)
                i += 1
            yield r
        while i < len(extra):
            yield self._recovered_record(extra[i], with_payload)
            i += 1

    def _recovered_record(self, rec_no, with_payload):
        return sheet_record(self._recovered[rec_no], self._recovered_status[rec_no], with_payload)

    def _iter_segments(self, cursor, states, with_payload):
        for seg in list(self._segments):
            if seg.first + seg.count <= cursor + 1 or not seg.count:
                continue
            if states is not None and not seg.n(*states):
                continue
            last = 0
            for rtype, body in self._records(seg, 0 if with_payload else SHEET_HEAD):
                if rtype != T_SHEET:
                    continue
                rec_no = records.u32(body, 0)
                k = rec_no - seg.first
                if rec_no <= cursor or k >= seg.count:
                    continue
                status = seg.status[k]
                if states is not None and status not in states:
                    continue
                if rec_no <= last:
                    continue  # a repeat found past damage
                last = rec_no
                yield sheet_record(body, status, with_payload)

    def _records(self, seg, peek):
        """(type, body) of a segment's records. A damaged segment is read with every CRC
        checked, past the damage (resynchronised), and a file littlefs cannot read any
        more ends its records instead of failing the whole read."""
        damaged = seg.read_only
        try:
            with records.RecordFile(self.fs, seg.path, 0 if damaged else peek) as rf:
                rec = rf.next()
                while rec is not None or (damaged and rf.outcome != records.END):
                    if rec is None:
                        rec = rf.resync((T_SHEET,))
                        if rec is None:
                            return
                    yield rec[0], rec[1]
                    rec = rf.next()
        except OSError:
            if not seg.read_only:
                seg.read_only = True
                self.problems.append("segment %s illisible: lecture seule" % seg.name)

    def oldest_unacknowledged_date(self, third_party=None):
        """Earliest completion date (YYYYMMDD) of a sheet the PC has not committed, among
        third-party-paid sheets (True), directly paid ones (False) or all (None); None when
        there is none. Starts the transmission deadline (R161-47 I 1°)."""
        return oldest_completion(self.headers((SIGNED, SYNCED)), third_party)
