"""The durable access log of card-data consultations (R162-1-10 c) on the terminal's littlefs:
a hash chain, so an edited, removed or reordered entry is found by verify().

Files `accesslog/<number of their first entry, 8 hex digits>`; each entry is a record
(firmware/records.py) of type "E" whose body is the SHA-256 of the previous entry's body
followed by CBOR [number, when, who, card, card_id, what]. The first entry chains to SEED,
or, once old files were handed to the PC and dropped, to the head kept in `accesslog/base`.
A cut-off tail is caught by an anchor kept elsewhere (Journal.anchor_access_log, the PC).
"""

import hashlib

from firmware import records
from firmware.accesslog import AccessEntry, AccessLog
from protocol import cbor

DIR = "accesslog"
BASE = DIR + "/base"
RAISE = DIR + "/raise"  # a raise_seq() that copies entries, until it is done
SEED = hashlib.sha256(b"tla access log v1").digest()
T_ENTRY = 0x45  # "E"
T_BASE = 0x42  # "B"
T_RAISE = 0x52  # "R": the number the PC holds (u32) while entries are copied above it
FILE_BYTES = 4 * 4096 - 256  # a file is closed near four 4 KiB blocks


class AccessLogError(Exception):
    """The log does not verify or cannot be read; `str()` is a plain French sentence."""


def _digest(body) -> bytes:
    return hashlib.sha256(body).digest()


def _decode(body, seq) -> list:
    """The entry [number, when, who, card, card_id, what] in a record body."""
    try:
        item = cbor.decode(body[32:])
    except ValueError:
        item = None
    if not isinstance(item, list) or len(item) != 6 or not isinstance(item[0], int):
        raise AccessLogError("journal des acces: entree %d illisible" % seq)
    return item


class FlashAccessLog(AccessLog):
    """AccessLog on flash. Opening reads the base and the last file (bounded RAM) to find
    the chain head, and cuts off a torn last entry (never promised)."""

    def __init__(self, fs, file_bytes=FILE_BYTES):
        self.fs = fs
        self.file_bytes = file_bytes
        self.problems = []
        # first entry number of each file, ascending
        self._files = records.numbered_files(fs, DIR, self.problems, ("base", "raise"))
        self.base_seq, self.base_hash = self._read_base()
        self._finish_raise()
        self._finish_drop()
        self.seq = self.base_seq
        self.head = self.base_hash
        self._last_size = 0
        if self._files:
            self._load_head(self._files[-1])

    def _read_base(self):
        if not self.fs.exists(BASE):
            return 0, SEED
        rec = records.first_record(self.fs, BASE)
        if rec is None or rec[0] != T_BASE or len(rec[1]) != 36:
            # verify() will then fail at the first entry: reported, never hidden.
            self.problems.append("journal des acces: fichier de base illisible, conserve")
            return 0, SEED
        return records.u32(rec[1], 0), rec[1][4:]

    def _finish_drop(self):
        """Delete files that a drop_through() cut short had already given up."""
        while len(self._files) > 1 and self._files[1] - 1 <= self.base_seq:
            self.fs.remove(self._path(self._files.pop(0)))

    def _path(self, first):
        return "%s/%08x" % (DIR, first)

    def _load_head(self, first):
        path = self._path(first)
        seq, head, unreadable = first - 1, None, False
        with records.RecordFile(self.fs, path) as reader:
            for _, body, _ in reader:
                try:
                    seq = _decode(body, seq + 1)[0]
                except AccessLogError:
                    unreadable = True
                    break
                head = _digest(body)
        self._last_size = reader.offset
        if reader.outcome == records.TORN and not unreadable:
            records.truncate_copy(self.fs, path, reader.offset)
        elif reader.outcome == records.DAMAGED or unreadable:
            # Kept as it is (verify() reports it); new entries go to a new file.
            self.problems.append(
                "journal des acces: entree endommagee apres le numero %d, conservee" % seq
            )
            self._last_size = self.file_bytes
        self.seq = seq
        if head is not None:
            self.head = head
        elif first - 1 > self.base_seq:
            # An empty last file: the chain goes on from the previous file's last entry.
            self._files.pop()
            self.fs.remove(path)
            self.seq, self.head = self.base_seq, self.base_hash
            if self._files:
                self._load_head(self._files[-1])

    # ------------------------------------------------------------ AccessLog

    def record(self, when, who, card, card_id, what):
        seq = self.seq + 1
        body = self.head + cbor.encode([seq, when, who, card, card_id, what])
        data = records.frame(T_ENTRY, body)
        if not self._files or self._last_size >= self.file_bytes:
            records.write_new(self.fs, self._path(seq), data)
            self._files.append(seq)
            self._last_size = len(data)
        else:
            records.append(self.fs, self._path(self._files[-1]), data)
            self._last_size += len(data)
        self.seq = seq
        self.head = _digest(body)

    def entries(self):
        for _, _, item in self._walk():
            yield AccessEntry(item[1], item[2], item[3], item[4], item[5])

    def __len__(self):
        return self.seq - self.base_seq

    # ------------------------------------------------------------ chain

    def head_anchor(self):
        """(number of the last entry, its SHA-256): what an anchor records."""
        return self.seq, self.head

    def _walk(self):
        """Yield (number, SHA-256, decoded entry) oldest first, checking every link."""
        expect_seq, expect_prev = self.base_seq + 1, self.base_hash
        for first in list(self._files):
            if first - 1 < self.base_seq:
                continue
            path = self._path(first)
            with records.RecordFile(self.fs, path) as reader:
                for rtype, body, _ in reader:
                    if rtype != T_ENTRY or len(body) < 33:
                        raise AccessLogError("journal des acces: entree %d illisible" % expect_seq)
                    item = _decode(body, expect_seq)
                    if body[:32] != expect_prev:
                        raise AccessLogError(
                            "journal des acces: le lien de l'entree %d ne correspond pas a "
                            "l'entree precedente (modifiee, retiree ou deplacee)" % expect_seq
                        )
                    if item[0] != expect_seq:
                        raise AccessLogError(
                            "journal des acces: entree %d trouvee a la place de %d"
                            % (item[0], expect_seq)
                        )
                    digest = _digest(body)
                    yield item[0], digest, item
                    expect_seq += 1
                    expect_prev = digest
            if reader.outcome == records.DAMAGED or (
                reader.outcome == records.TORN and first != self._files[-1]
            ):
                raise AccessLogError("journal des acces: entree %d endommagee" % expect_seq)
            if first != self._files[-1] and self._files[self._files.index(first) + 1] != expect_seq:
                raise AccessLogError("journal des acces: entrees manquantes avant %d" % expect_seq)

    def verify(self, anchor=None) -> int:
        """Check the whole chain; returns the number of entries checked, raises
        AccessLogError naming the first entry that is edited, missing or out of place.
        `anchor`: (number, SHA-256) of an entry known elsewhere (the journal, the PC): the
        log must still hold it, unchanged, so a cut-off tail is caught too."""
        n = 0
        found = anchor is None or anchor[0] <= self.base_seq
        for seq, digest, _ in self._walk():
            n += 1
            if anchor is not None and seq == anchor[0]:
                if digest != bytes(anchor[1]):
                    raise AccessLogError("journal des acces: l'entree %d a ete modifiee" % seq)
                found = True
        if not found:
            raise AccessLogError(
                "journal des acces: il manque la fin (entree %d absente)" % anchor[0]  # type: ignore[index]
            )
        return n

    def bodies_after(self, seq):
        """Yield (number, record body) of the entries numbered above `seq`, oldest first,
        one in RAM at a time: what a sync sends the PC, which checks the chain itself.
        Close the generator when stopping early (it holds a file open)."""
        files = self._files
        for i in range(len(files)):
            if i + 1 < len(files) and files[i + 1] - 1 <= seq:
                continue  # every entry of this file is numbered seq or less
            n = files[i]
            with records.RecordFile(self.fs, self._path(files[i])) as reader:
                for rtype, body, _ in reader:
                    if rtype == T_ENTRY and n > seq:
                        yield n, body
                    n += 1

    def raise_seq(self, high) -> int:
        """The PC holds entries numbered up to `high` from this terminal (its flash was
        erased or formatted since): number the next entries above it, so that none is
        taken for one the PC has (it would skip them, and an ACK then drop them). Entries
        the log holds now are copied above `high`, in order, their chain going on; the
        PC's chain breaks there, which it reports. Returns how many were copied.

        Power-safe: the RAISE marker first, then the copies in new files, then the base
        (`high`, the head before the copies: the chain restarts there), then the old files
        go; a boot finding the marker without that base removes the copies (never sent:
        the STATUS that asked had not been answered) and the next STATUS does it again."""
        if high <= self.seq:
            return 0
        old_base, old_seq, head = self.base_seq, self.seq, self.head
        old_files = list(self._files)
        if old_seq > old_base:
            records.write_new(self.fs, RAISE, records.frame(T_RAISE, high.to_bytes(4, "big")))
        self.seq = high
        self._last_size = self.file_bytes  # the copies (or the next entry) open file high + 1
        for first in old_files:
            n = first
            with records.RecordFile(self.fs, self._path(first)) as reader:
                for rtype, body, _ in reader:
                    if rtype == T_ENTRY and old_base < n <= old_seq:
                        try:
                            item = _decode(body, n)
                        except AccessLogError as e:  # said, and the others still copied
                            self.problems.append(str(e) + ": non recopiee")
                        else:
                            self.record(*item[1:])
                    n += 1
        records.write_new(self.fs, BASE, records.frame(T_BASE, high.to_bytes(4, "big") + head))
        self.base_seq, self.base_hash = high, head
        self._finish_drop()
        if old_seq > old_base:
            self.fs.remove(RAISE)
        return old_seq - old_base

    def _finish_raise(self):
        """A raise_seq() the power cut short: undone before its base was written, finished
        (the old files go in _finish_drop) after."""
        if not self.fs.exists(RAISE):
            return
        rec = records.first_record(self.fs, RAISE)
        if rec is None or rec[0] != T_RAISE or len(rec[1]) != 4:
            self.problems.append("journal des acces: fichier raise illisible, conserve")
            return
        high = records.u32(rec[1], 0)
        if self.base_seq < high:
            for first in [f for f in self._files if f > high]:
                self.fs.remove(self._path(first))
                self._files.remove(first)
        self.fs.remove(RAISE)

    def drop_through(self, seq) -> int:
        """Delete the oldest files whose entries are all numbered `seq` or less (the PC has
        them); returns how many entries went. The chain then starts at accesslog/base."""
        dropped = 0
        while len(self._files) > 1 and self._files[1] - 1 <= seq:
            nxt = self._files[1]
            rec = records.first_record(self.fs, self._path(nxt))
            if rec is None:
                break
            base = (nxt - 1).to_bytes(4, "big") + rec[1][:32]
            records.write_new(self.fs, BASE, records.frame(T_BASE, base))
            self.base_seq, self.base_hash = nxt - 1, rec[1][:32]
            first = self._files.pop(0)
            self.fs.remove(self._path(first))
            dropped += nxt - first
        return dropped
