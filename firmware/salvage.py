"""Salvage of a flash littlefs cannot mount: a read-only scan of the raw blocks for the
journal's records whose CRC holds, so the practice PC can still pull every sheet that
survives (docs/journal.md "Flash damage").

Nothing is ever written to the flash here. A record is found where it lies in a block; one
that runs over a block's end is followed into the block littlefs chained after it (a file's
block n > 0 starts with pointers, the first to block n - 1), trying each pointer count. The
CRC-32 of every record (firmware/records.py) tells true records from chance bytes; copies
of the same record left by littlefs' copy-on-write are the same bytes and count once.

What is recovered: signed sheets (`S`), their states (`T`: acknowledged sheets are not sent
again), card certificates (`C`, so the PC can verify the sheets) and the number marks (`M`,
firmware/marks.py: the highest record number ever issued). What is not: small littlefs
files (they live inside littlefs' metadata, the part that was damaged; a pairing kept in
one is paired again from MENU), the access log, the opposition list. Every record number
from the oldest segment header found (`H`) up to the highest known that is neither found
nor known to be answered by the PC is reported as damaged. RAM: 10 bytes a record copy found, 3 bytes a record number (measured
under micropython: 20 KiB for 300 sheets on a 2 MiB flash).
"""

from firmware import records
from firmware.damagelog import T_ANSWERED
from firmware.journal_format import (
    ACKED,
    DISMISSED,
    MAGIC,
    PURGED,
    REJECTED,
    SHEET_HEAD,
    SIGNED,
    SYNCED,
    T_GONE,
    T_HEADER,
    T_SHEET,
    T_STATE,
    SheetRecord,
    oldest_completion,
    runs_of,
    sheet_record,
)
from firmware.marks import T_MARK, read_mark
from hw.hal import IOCTL_BLOCK_COUNT, IOCTL_BLOCK_SIZE
from protocol.crc import crc32
from protocol.runs import merge_runs, subtract_runs

T_CERT = 0x43  # firmware/certstore.py
_TYPES = (T_HEADER, T_SHEET, T_STATE, T_CERT, T_MARK, T_GONE, T_ANSWERED)
_ANSWERED = 0xFF  # a number not found whose state record says the PC has it
_MAX_POINTERS = 12  # a CTZ block holds 1 + ctz(n) pointers: 12 covers files of 2^11 blocks


def _crc_ok(data):
    n = len(data) - 4
    return crc32(data[:n]) == records.u32(data, n)


def _put(arr, *fields):
    """Append fixed-size big-endian fields (u16, u16, ...) to a packed bytearray."""
    for v in fields:
        arr.append(v >> 8)
        arr.append(v & 0xFF)


def _u16(arr, i):
    return arr[i] << 8 | arr[i + 1]


_PLACE = 10  # bytes of a packed place: block, offset, length, next block, skip (u16 each)
_NONE = 0xFFFF


class RawScan:
    """Every record with a valid CRC on the raw flash `bdev`; one block in RAM at a time.
    Places (block, offset, length, continuation block or 0xFFFF, bytes skipped there) are
    packed 10 bytes each: a full 2 MiB flash costs tens of KiB, not megabytes."""

    def __init__(self, bdev):
        self.bdev = bdev
        self.block_size = bdev.ioctl(IOCTL_BLOCK_SIZE, 0)
        self.block_count = bdev.ioctl(IOCTL_BLOCK_COUNT, 0)
        self.places = {t: bytearray() for t in _TYPES}
        # First word of each block, as the block it points back to (CTZ: block n - 1 of
        # the same file), or 0xFFFF: u16 each.
        self._back = bytearray(b"\xff\xff" * self.block_count)
        self._scan()

    def count(self, rtype):
        return len(self.places[rtype]) // _PLACE

    def place(self, rtype, i):
        arr = self.places[rtype]
        at = i * _PLACE
        return tuple(_u16(arr, at + 2 * k) for k in range(5))

    def _scan(self):
        bs = self.block_size
        buf = bytearray(bs)
        blank = b"\xff" * bs
        crossing = bytearray()  # type u16, block, offset, length: records past a block's end
        for block in range(self.block_count):
            self.bdev.readblocks(block, buf, 0)
            if buf == blank:
                continue
            first = buf[0] | buf[1] << 8 | buf[2] << 16 | buf[3] << 24
            if first < self.block_count and first != block:
                self._back[2 * block] = first >> 8
                self._back[2 * block + 1] = first & 0xFF
            for rtype in _TYPES:
                i = buf.find(bytes((rtype,)))
                while 0 <= i <= bs - 3:
                    total = records.OVERHEAD + (buf[i + 1] << 8 | buf[i + 2])
                    if i + total <= bs:
                        if _crc_ok(memoryview(buf)[i : i + total]):
                            _put(self.places[rtype], block, i, total, _NONE, 0)
                    elif total <= 2 * bs:
                        _put(crossing, rtype, block, i, total)
                    i = buf.find(bytes((rtype,)), i + 1)
        for j in range(0, len(crossing), 8):
            self._follow(*(_u16(crossing, j + 2 * k) for k in range(4)))

    def _next_blocks(self, block):
        """The blocks whose first pointer names `block`."""
        want = bytes((block >> 8, block & 0xFF))
        i = self._back.find(want)
        while i >= 0:
            if i % 2 == 0:
                yield i // 2
            i = self._back.find(want, i + 1)

    def _follow(self, rtype, block, at, total):
        bs = self.block_size
        head = bytearray(bs - at)
        self.bdev.readblocks(block, head, at)
        rest = total - len(head)
        for nxt in self._next_blocks(block):
            for k in range(1, _MAX_POINTERS + 1):
                skip = 4 * k
                if skip + rest > bs:
                    break
                tail = bytearray(rest)
                self.bdev.readblocks(nxt, tail, skip)
                if _crc_ok(head + tail):
                    _put(self.places[rtype], block, at, total, nxt, skip)
                    return

    def read(self, place):
        """The whole record (type, length, body, CRC) at `place`."""
        block, at, total, nxt, skip = place
        if nxt == _NONE:
            out = bytearray(total)
            self.bdev.readblocks(block, out, at)
            return out
        head = bytearray(self.block_size - at)
        self.bdev.readblocks(block, head, at)
        tail = bytearray(total - len(head))
        self.bdev.readblocks(nxt, tail, skip)
        return head + tail

    def bodies(self, rtype):
        """(body, place) of every record of `rtype` found, one read at a time."""
        for i in range(self.count(rtype)):
            place = self.place(rtype, i)
            yield self.read(place)[3:-4], place


class SalvagedJournal:
    """The journal as the salvage found it, read-only: the interface of firmware/journal.py
    that the sync and the screens use. States the PC sends are kept in RAM only."""

    read_only = True
    corrupt_fs = False  # (the salvage writes nothing: nothing to refuse)

    def __init__(self, scan):
        self.scan = scan
        self.problems = ["memoire endommagee: lecture seule, feuilles recuperees"]
        # Record numbers low..high, in two packed arrays (RAM: 3 bytes a number): the
        # place (index + 1, u16) of each sheet found, and its state (0: not found;
        # _ANSWERED: not found, but a state record says the PC has it).
        low, high, first = 0, 0, 0
        for body, _ in scan.bodies(T_SHEET):
            if len(body) > SHEET_HEAD:
                n = records.u32(body, 0)
                low = n if not low or n < low else low
                high = max(high, n)
        for body, _ in scan.bodies(T_HEADER):
            if len(body) >= 9 and body[:4] == MAGIC:
                n = records.u32(body, 5)
                first = n if not first or n < first else first
        floor = 0
        for body, _ in scan.bodies(T_MARK):
            mark = read_mark(body)
            if mark is not None:
                high = max(high, mark[0])
                floor = max(floor, mark[1])
        low = min(x for x in (low, first, high) if x) if high else 1
        self._low = low
        size = high - low + 1 if high else 0
        self._where = bytearray(2 * size)
        self._status = bytearray(size)
        for i in range(min(scan.count(T_SHEET), 0xFFFE)):
            place = scan.place(T_SHEET, i)
            body = scan.read(place)
            k = records.u32(body, 3) - low
            if len(body) > 7 + SHEET_HEAD and 0 <= k < size and not self._status[k]:
                self._where[2 * k] = (i + 1) >> 8
                self._where[2 * k + 1] = (i + 1) & 0xFF
                self._status[k] = SIGNED
        for body, _ in scan.bodies(T_STATE):
            state = body[0] if body else 0
            if state in (ACKED, REJECTED, DISMISSED, PURGED):
                for i in range(5, len(body) - 5, 6):
                    start = records.u32(body, i)
                    for n in range(start, start + (body[i + 4] << 8 | body[i + 5])):
                        k = n - low
                        if 0 <= k < size:
                            found = self._status[k] not in (0, _ANSWERED)
                            final = ACKED if state in (DISMISSED, PURGED) else state
                            self._status[k] = final if found else _ANSWERED
        lost = runs_of(low + k for k in range(size) if not self._status[k])
        if not first and low > 1:
            # No segment header survived to say where the journal began: every number
            # below the lowest known is lost too, unless purged or answered (below).
            lost = [[1, low - 1]] + lost
        self.damaged = subtract_runs(merge_runs(lost), _answered_runs(scan))
        self._next = max(high + 1, floor)

    @property
    def next_rec_no(self):
        return self._next

    def held_runs(self):
        """The runs of record numbers whose sheets the scan found (Journal.held_runs: what
        an ACK's runs are intersected with)."""
        size = len(self._status)
        return runs_of(self._low + k for k in range(size) if self._status[k] not in (0, _ANSWERED))

    def raise_next(self, rec_no):
        """The PC knows record numbers up to rec_no - 1: never give them again (RAM only
        here; no sheet is saved on a damaged flash anyway)."""
        if rec_no > self._next:
            self._next = rec_no

    def raise_orders(self, highs):
        """Nothing to do: no sheet is saved on a damaged flash, so no order number is
        handed out (a whole-chip erase starts afresh, and the PC raises it then)."""

    def damaged_runs(self):
        return list(self.damaged)

    def can_accept_sheet(self):
        return False

    def free_bytes(self):
        return 0

    def count(self, *states):
        return sum(self._status.count(bytes((s,))) for s in states)

    def pending_count(self):
        return self.count(SIGNED)

    def unacknowledged_count(self):
        return self.count(SIGNED, SYNCED)

    def status(self, rec_no):
        k = rec_no - self._low
        state = self._status[k] if 0 <= k < len(self._status) else 0
        return state if state and state != _ANSWERED else None

    def records_after(self, cursor=0, max_count=0, max_bytes=0, states=(SIGNED, SYNCED)):
        given = 0
        for k in range(max(0, cursor + 1 - self._low), len(self._status)):
            status = self._status[k]
            if not status or status == _ANSWERED or (states is not None and status not in states):
                continue
            i = (self._where[2 * k] << 8 | self._where[2 * k + 1]) - 1
            body = self.scan.read(self.scan.place(T_SHEET, i))[3:-4]
            yield sheet_record(body, status, True)
            given += 1
            if max_count and given >= max_count:
                return

    def headers(self, states=(SIGNED, SYNCED), cursor=0):
        return self.records_after(cursor, 0, 0, states)

    def get(self, rec_no):
        for r in self.records_after(rec_no - 1, 1, 0, None):
            return r if r.rec_no == rec_no else None
        return None

    def oldest_unacknowledged_date(self, third_party=None):
        return oldest_completion(self.headers((SIGNED, SYNCED)), third_party)

    def _set(self, allowed, state, rec_nos):
        changed = 0
        for n in rec_nos:
            k = n - self._low
            if 0 <= k < len(self._status) and self._status[k] in allowed:
                self._status[k] = state
                changed += 1
        return changed

    def mark_synced(self, rec_nos, today):
        return self._set((SIGNED,), SYNCED, rec_nos)

    def acknowledge(self, rec_nos, today):
        return self._set((SIGNED, SYNCED), ACKED, rec_nos)

    def reject(self, rec_nos, today):
        return self._set((SIGNED, SYNCED), REJECTED, rec_nos)

    def dismiss(self, rec_nos, today):
        return self._set((REJECTED,), ACKED, rec_nos)

    def purge(self, today):
        return 0

    def anchor_access_log(self, seq, digest):
        pass

    def access_log_anchor(self):
        return None

    def segment_count(self):
        return 0


def _answered_runs(scan):
    """The runs the purge log (`G`: purged, or skipped by a raise of the PC) and the damage
    log (`A`: recovered sheets the PC answered) found in the raw blocks name: not damage."""
    runs = []
    for rtype in (T_GONE, T_ANSWERED):
        for body, _ in scan.bodies(rtype):
            for i in range(0, len(body) - 7 if len(body) % 8 == 0 else 0, 8):
                runs.append([records.u32(body, i), records.u32(body, i + 4)])
    return merge_runs(runs)


class SalvagedCerts:
    """The certificates the scan found, for the PC to verify the salvaged sheets with: read
    from the flash when sent (the PC skips the ones it holds or has had already)."""

    def __init__(self, scan):
        self.problems = []
        self.scan = scan
        self._last = None  # (id, DER) of the certificate last offered
        self._known = set()  # ids the PC said it holds

    def unknown_to_host(self):
        for body, _ in self.scan.bodies(T_CERT):
            cid = bytes(body[:8])
            if len(body) > 8 and cid not in self._known:
                self._last = (cid, bytes(body[8:]))
                yield cid

    def get(self, cid):
        if self._last is not None and self._last[0] == bytes(cid):
            return self._last[1]
        for body, _ in self.scan.bodies(T_CERT):
            if bytes(body[:8]) == bytes(cid):
                return bytes(body[8:])
        return None

    def has(self, cid):
        return self.get(cid) is not None

    def mark_known(self, cids):
        for c in cids:
            self._known.add(bytes(c))

    def prune(self):
        return 0


__all__ = ["RawScan", "SalvagedJournal", "SalvagedCerts", "SheetRecord"]
