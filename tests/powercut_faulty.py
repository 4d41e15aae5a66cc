"""Deliberately broken journals and terminals, for tests/test_powercut*.py: the power-cut bench
must catch each of them (a checker that cannot fail proves nothing). RepairsUnsafely breaks
only in a recovery boot: the single mode cannot see it, the linear mode must."""

from emulator import roundcut
from emulator.roundcut import RoundDay
from emulator.updatecut import UpdateDay
from emulator.visitday import VisitDay
from emulator.visitday_round import RoundVisitDay
from emulator.workday import SyntheticDay
from firmware import records
from firmware.accesslog_flash import FlashAccessLog
from firmware.journal import ORDERS, Journal
from firmware.round_store import PATH, RoundStore
from protocol import bundle
from protocol.update_manifest import read_manifest, read_signed


class _OrdersInRamOnly(Journal):
    def reserve_order(self, pro_id):
        # The bug: the number is handed out before it is written down.
        pro = int(pro_id)
        n = self._next_order.get(pro, 1)
        self._ceiling[pro] = max(self._ceiling.get(pro, 0), n)
        self._next_order[pro] = n + 1
        return n


class _SavedBeforeCommit(Journal):
    _later = None

    def _write(self, fn, path, data):
        # The bug: an append is reported done, but only written with the next write.
        if self._later is not None:
            later, self._later = self._later, None
            later[0](self.fs, later[1], later[2])
        if fn is records.append:
            self._later = (fn, path, data)
        else:
            fn(self.fs, path, data)


class _RewritesOrdersAtBoot(Journal):
    def __init__(self, fs, **options):
        Journal.__init__(self, fs, **options)
        if fs.exists(ORDERS):
            # The bug: a boot-time "compaction" of the orders file that is not atomic. A
            # cut between the delete and the write loses every reservation.
            data = open_read(fs, ORDERS)
            fs.remove(ORDERS)
            f = fs.open(ORDERS, "wb")
            f.write(data)
            f.close()


def open_read(fs, path):
    f = fs.open(path, "rb")
    try:
        return f.read()
    finally:
        f.close()


class RepairsUnsafely(SyntheticDay):
    def open_storage(self, board):
        fs = board.filesystem()
        return _RewritesOrdersAtBoot(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)


class ReusesOrders(SyntheticDay):
    def open_storage(self, board):
        fs = board.filesystem()
        return _OrdersInRamOnly(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)


class SavesTooEarly(SyntheticDay):
    def open_storage(self, board):
        fs = board.filesystem()
        return _SavedBeforeCommit(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)


class VisitsSavedTooEarly(VisitDay):
    """The real day, a journal that says a sheet is saved before it is committed."""

    def storage(self, board):
        storage = VisitDay.storage(self, board)
        journal = storage.journal
        journal._later = None
        journal._write = lambda fn, path, data: _SavedBeforeCommit._write(journal, fn, path, data)
        return storage


class VisitsHalfSigned(VisitDay):
    """The real day, a terminal that stores a sheet without the Vitale card's signature
    (and without a reason): what a card pulled between the two signatures must never do."""

    def storage(self, board):
        storage = VisitDay.storage(self, board)
        journal = storage.journal
        append = journal.append_sheet

        def append_half_signed(payload, order_no, pro_id, completion_date, third_party):
            b = bundle.decode(payload)
            payload = bundle.encode(b.sheet, b.cps_signature, b.cps_cert)
            return append(payload, order_no, pro_id, completion_date, third_party)

        journal.append_sheet = append_half_signed
        return storage


class _RoundRemovedFirst(RoundStore):
    def _finish(self, x, sha):
        # The bug: the old round removed before the new one is renamed in its place; a cut
        # between the two leaves the terminal with no round at all.
        if self.fs.exists(PATH) and x.count:
            self.fs.remove(PATH)
        RoundStore._finish(self, x, sha)


class RoundReplacedUnsafely(RoundDay):
    """The round workload with a store that replaces a round by delete-then-rename."""

    def run(self, board, report):
        roundcut.RoundStore = _RoundRemovedFirst
        try:
            return RoundDay.run(self, board, report)
        finally:
            roundcut.RoundStore = RoundStore


class RoundVisitsMarkedAfterOnly(RoundVisitDay):
    """The real day from a round, with a store that marks a visit only once its sheet is
    saved (no mark before the cards sign): a cut between the two offers it again."""

    def run(self, board, report):
        saved = RoundStore.mark_taken
        RoundStore.mark_taken = lambda self, index, rec_no: None
        try:
            return RoundVisitDay.run(self, board, report)
        finally:
            RoundStore.mark_taken = saved


class UpdateSwitchedEarly(UpdateDay):
    """Names the new version in the boot record before its last chunk is written: a cut
    there leaves a trial of an image half written (the bootloader refuses it, and rolls
    a good update back)."""

    def before_last_chunk(self, taker):
        taker.manifest = read_manifest(read_signed(self.signed)[0])
        record = taker.records.read()
        record["try"] = [taker.spare, 2, taker.manifest_sha, 0, "0.2.0"]
        record["held"] = taker.held()
        taker.records.write(record)
